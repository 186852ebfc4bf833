"""The few Kubernetes API reads the upgrade wizard makes, as plain JSON, and watch-based waits.

Requests go through the connection's API client (so the read-only guard applies) and are parsed as
plain dicts: the wizard reads nodes, kube-system pods, the kubeadm-config ConfigMap and /version.

`wait_for()` waits for a condition on a set of objects without polling: one LIST, then a WATCH
from the list's resourceVersion (so no change can slip between the two), re-evaluating the
condition on every event; a watch the server ends is resumed from the last resourceVersion, one
that expired (410 Gone, an ERROR event) is replaced by a fresh LIST. Connection errors are
retried after a short pause (the deadline still holds).
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import yaml
from kubernetes.aio.client.exceptions import ApiException

from k8stui.errors import UserError
from k8stui.kube import raw
from k8stui.kube.connection import Connection, explain

CP_COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"

# (ok, what is still missing) for the objects seen so far, keyed "namespace/name"
Condition = Callable[[dict[str, dict]], tuple[bool, str]]


class _Relist(Exception):
    pass


class Kube:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.client = conn.api

    async def send(self, method: str, path: str, query: list[tuple[str, str]] | None = None,
                   body: Any = None, timeout: Any = None) -> aiohttp.ClientResponse:
        return await raw.send(self.conn, method, path, query, body, timeout)

    async def get(self, path: str, query: list[tuple[str, str]] | None = None) -> dict:
        return await raw.request_json(self.conn, "GET", path, query, timeout=None)

    async def read(self, path: str, query: list[tuple[str, str]] | None = None) -> dict:
        """GET, with any failure turned into a one-line UserError."""
        try:
            return await self.get(path, query)
        except (ApiException, aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            raise explain(e, self.conn) from None

    # ---- the facts -------------------------------------------------------------------------------

    async def nodes(self) -> list[dict]:
        return (await self.read("/api/v1/nodes")).get("items") or []

    async def control_plane_pods(self) -> list[dict]:
        return (await self.read("/api/v1/namespaces/kube-system/pods",
                                [("labelSelector", "tier=control-plane")])).get("items") or []

    async def cluster_configuration(self) -> dict:
        """kube-system/kubeadm-config's ClusterConfiguration ({} when this is no kubeadm cluster)."""
        try:
            cm = await self.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
        except ApiException as e:
            if e.status == 404:
                return {}
            raise explain(e, self.conn) from None
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
            raise explain(e, self.conn) from None
        try:
            cfg = yaml.safe_load((cm.get("data") or {}).get("ClusterConfiguration") or "") or {}
        except yaml.YAMLError:
            raise UserError("kube-system/kubeadm-config: ClusterConfiguration is not valid YAML") from None
        return cfg if isinstance(cfg, dict) else {}

    async def server_version(self) -> str:
        return (await self.read("/version")).get("gitVersion", "")

    # ---- waiting ---------------------------------------------------------------------------------

    async def wait_for(self, path: str, query: list[tuple[str, str]], cond: Condition, timeout: float,
                       on_progress: Callable[[str], Any] | None = None) -> dict[str, dict]:
        """Wait until `cond(objects)` holds; raise TimeoutError (message: what is missing)."""
        last = ""

        async def check(objs: dict[str, dict]) -> bool:
            nonlocal last
            ok, missing = cond(objs)
            if not ok and missing != last:
                last = missing
                if on_progress is not None:
                    out = on_progress(missing)
                    if inspect.isawaitable(out):
                        await out
            return ok

        try:
            async with asyncio.timeout(timeout):
                while True:
                    try:
                        data = await self.get(path, query)
                        objs = {_key(o): o for o in data.get("items") or []}
                        if await check(objs):
                            return objs
                        rv = (data.get("metadata") or {}).get("resourceVersion", "")
                        while True:
                            rv = await self._watch(path, query, rv, objs, check)
                            if rv is None:
                                return objs
                    except _Relist:
                        continue
                    except (ApiException, aiohttp.ClientError, OSError) as e:
                        if isinstance(e, ApiException) and e.status in (401, 403, 404):
                            raise explain(e, self.conn) from None
                        await asyncio.sleep(1.0)  # a broken connection: re-list after a breath
        except TimeoutError:
            raise TimeoutError(last or "timed out") from None

    async def _watch(self, path: str, query: list[tuple[str, str]], rv: str, objs: dict[str, dict],
                     check: Callable[[dict[str, dict]], Awaitable[bool]]) -> str | None:
        """Follow one watch; None once the condition holds, else the resourceVersion to go on from."""
        q = [*query, ("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", "300")]
        if rv:
            q.append(("resourceVersion", rv))
        resp = await self.send("GET", path, q, timeout=aiohttp.ClientTimeout(total=None, sock_connect=30,
                                                                              sock_read=None))
        try:
            if resp.status == 410:
                raise _Relist()
            if resp.status >= 400:
                raise ApiException(status=resp.status, reason=resp.reason)
            while True:
                line = await resp.content.readline()
                if not line:
                    return rv
                ev = json.loads(line)
                obj = ev.get("object") or {}
                if ev.get("type") == "ERROR":
                    raise _Relist()
                rv = (obj.get("metadata") or {}).get("resourceVersion") or rv
                if ev.get("type") == "BOOKMARK":
                    continue
                if ev.get("type") == "DELETED":
                    objs.pop(_key(obj), None)
                else:
                    objs[_key(obj)] = obj
                if await check(objs):
                    return None
        finally:
            resp.close()


def _key(obj: dict) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


# ---- reading objects -------------------------------------------------------------------------------

def is_control_plane(node: dict) -> bool:
    labels = (node.get("metadata") or {}).get("labels") or {}
    return any(k in labels for k in CONTROL_PLANE_LABELS)


def node_ready(node: dict) -> tuple[bool, str]:
    """(Ready?, the Ready condition's reason or status)."""
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True", c.get("reason") or c.get("status") or ""
    return False, "no Ready condition"


def kubelet_version(node: dict) -> str:
    return ((node.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", "")


def internal_ip(node: dict) -> str | None:
    for a in (node.get("status") or {}).get("addresses") or []:
        if a.get("type") == "InternalIP":
            return a.get("address")
    return None


def pod_ready(pod: dict) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def image_tag(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[-1] if ":" in last else ""


def pod_image_tag(pod: dict) -> str:
    containers = (pod.get("spec") or {}).get("containers") or []
    return image_tag(containers[0].get("image", "")) if containers else ""


def controller_kind(pod: dict) -> str:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("kind", "")
    return ""
