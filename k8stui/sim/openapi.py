"""A minimal OpenAPI v3 for the simulated server: enough for clients to learn what it supports.

kubectl validates manifests before `create -f`/`replace -f`: it asks the server's OpenAPI v3
whether the PATCH operation of the object's kind takes the `fieldValidation` query parameter,
and if so leaves validation to the server; without an answer it refuses with "failed to download
openapi". So each group-version document lists, per kind, its object path with a PATCH operation
tagged with the kind and that parameter. Schemas are not served.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from k8stui.sim.resources import GROUP_VERSIONS, RESOURCES, VIRTUAL

QUERY_PARAMS = ("dryRun", "fieldManager", "fieldValidation", "force")


def _gv_key(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


@lru_cache(maxsize=None)
def group_version_doc(group: str, version: str, server_version: str) -> bytes:
    paths = {}
    for r in RESOURCES:
        if r.group != group or r.version != version or r.plural in VIRTUAL:
            continue
        base = f"/{_gv_key(group, version)}"
        path = f"{base}/namespaces/{{namespace}}/{r.plural}/{{name}}" if r.namespaced else f"{base}/{r.plural}/{{name}}"
        gvk = {"group": group, "version": version, "kind": r.kind}
        params = [{"name": p, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for p in QUERY_PARAMS]
        op = {"operationId": f"patch{r.kind}", "x-kubernetes-action": "patch",
              "x-kubernetes-group-version-kind": gvk, "parameters": params,
              "responses": {"200": {"description": "OK"}}}
        paths[path] = {"patch": op, "put": {**op, "operationId": f"replace{r.kind}", "x-kubernetes-action": "put"}}
    doc = {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": server_version}, "paths": paths,
           "components": {"schemas": {}}}
    return json.dumps(doc, separators=(",", ":")).encode()


def root_doc(server_version: str) -> bytes:
    paths = {}
    for group, version in [("", "v1")] + list(GROUP_VERSIONS):
        digest = hashlib.sha512(group_version_doc(group, version, server_version)).hexdigest().upper()
        key = _gv_key(group, version)
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
    return json.dumps({"paths": paths}, separators=(",", ":")).encode()


def lookup(path: str, server_version: str) -> bytes | None:
    """The document for `/openapi/v3` or `/openapi/v3/<gv>`, or None when there is none."""
    if path == "/openapi/v3":
        return root_doc(server_version)
    rest = path[len("/openapi/v3/"):]
    parts = rest.split("/")
    if parts[0] == "api" and len(parts) == 2:
        group, version = "", parts[1]
    elif parts[0] == "apis" and len(parts) == 3:
        group, version = parts[1], parts[2]
    else:
        return None
    if (group, version) != ("", "v1") and (group, version) not in GROUP_VERSIONS:
        return None
    return group_version_doc(group, version, server_version)
