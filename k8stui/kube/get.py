"""`k8stui get`: list objects and print them as `kubectl get` does, with the shared printers."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from kubernetes.aio.client.exceptions import ApiException

from k8stui.errors import UserError
from k8stui.kube import printers
from k8stui.kube.connection import Connection, explain

KINDS = {"nodes": "nodes", "node": "nodes", "no": "nodes", "pods": "pods", "pod": "pods", "po": "pods"}


@dataclass
class GetResult:
    text: str  # what goes to stdout
    empty_message: str | None  # kubectl's stderr line when nothing matched


async def list_objects(conn: Connection, resource: str, namespace: str | None, selector: str | None,
                       page: int = 500) -> list[dict]:
    core = conn.core()
    items: list[dict] = []
    token = None
    kw = {"label_selector": selector} if selector else {}
    while True:
        if resource == "nodes":
            resp = await core.list_node_without_preload_content(limit=page, _continue=token, **kw)
        elif namespace:
            resp = await core.list_namespaced_pod_without_preload_content(namespace, limit=page, _continue=token,
                                                                          **kw)
        else:
            resp = await core.list_pod_for_all_namespaces_without_preload_content(limit=page, _continue=token,
                                                                                  **kw)
        body = await resp.read()
        if resp.status >= 400:
            raise explain(ApiException(status=resp.status, reason=resp.reason, body=body.decode(errors="replace")),
                          conn)
        data = json.loads(body)
        items.extend(data.get("items") or [])
        token = (data.get("metadata") or {}).get("continue")
        if not token:
            return items


async def get(conn: Connection, kind: str, namespace: str | None, all_namespaces: bool, selector: str | None,
              wide: bool, now: float | None = None) -> GetResult:
    resource = KINDS.get(kind)
    if resource is None:
        raise UserError(f'the server doesn\'t have a resource type "{kind}" (k8stui get supports nodes and pods)')
    ns = None if (all_namespaces or resource == "nodes") else (namespace or conn.namespace)
    try:
        objects = await list_objects(conn, resource, ns, selector)
    except UserError:
        raise
    except Exception as e:
        raise explain(e, conn) from None
    now = time.time() if now is None else now
    columns, cells = printers.printer_for(resource)
    rows = [cells(o, now) for o in objects]
    if not rows:
        where = f" in {ns} namespace" if ns else ""
        return GetResult("", f"No resources found{where}.")
    namespaces = [o["metadata"].get("namespace", "") for o in objects] if (all_namespaces and resource == "pods") \
        else None
    return GetResult(printers.render_table(columns, rows, wide=wide, namespaces=namespaces), None)
