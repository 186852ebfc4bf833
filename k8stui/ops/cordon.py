"""Cordon and uncordon, as kubectl's CordonHelper does them.

kubectl reads the node, does nothing when `spec.unschedulable` is already as desired ("already
cordoned"), and otherwise sends the strategic merge patch that turns the old node into the new
one: `{"spec":{"unschedulable":true}}` to cordon, `{"spec":{"unschedulable":null}}` to uncordon
(false is omitted from the JSON, so the two-way diff deletes the field).
"""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes.aio.client.exceptions import ApiException

from k8stui import audit
from k8stui.kube.connection import Connection, explain


@dataclass
class CordonResult:
    node: str
    desired: bool  # True: unschedulable (cordoned)
    changed: bool
    dry_run: str | None = None

    @property
    def message(self) -> str:
        """kubectl's line: `node/x cordoned`, `node/x already uncordoned`, `... (server dry run)`."""
        verb = "cordoned" if self.desired else "uncordoned"
        text = f"node/{self.node} {verb}" if self.changed else f"node/{self.node} already {verb}"
        if self.dry_run == "server":
            text += " (server dry run)"
        elif self.dry_run == "client":
            text += " (dry run)"
        return text


def _patch_for(desired: bool) -> dict:
    return {"spec": {"unschedulable": True if desired else None}}


async def set_unschedulable(conn: Connection, node: str, desired: bool, dry_run: str | None = None,
                            record: bool = True) -> CordonResult:
    """Cordon (desired=True) or uncordon one node; raises UserError with kubectl's wording."""
    what = "cordon" if desired else "uncordon"
    core = conn.core()
    try:
        cur = await core.read_node(node)
    except ApiException as e:
        if e.status == 404:
            raise explain(e, conn) from None
        raise _unable(what, node, e, conn) from None
    except Exception as e:  # connection problems
        raise _unable(what, node, e, conn) from None
    current = bool(cur.spec and cur.spec.unschedulable)
    if current == desired:
        return CordonResult(node, desired, False, dry_run)
    if dry_run == "client":
        return CordonResult(node, desired, True, dry_run)
    try:
        await core.patch_node(node, _patch_for(desired), dry_run="All" if dry_run == "server" else None,
                              _content_type="application/strategic-merge-patch+json")
    except Exception as e:
        if record and dry_run is None:
            audit.record(what, f"node/{node}", context=conn.context, result=f"error: {explain(e, conn)}",
                         kubectl=f"kubectl {what} {node}")
        raise _unable(what, node, e, conn) from None
    if record and dry_run is None:
        audit.record(what, f"node/{node}", context=conn.context, result="ok", kubectl=f"kubectl {what} {node}")
    return CordonResult(node, desired, True, dry_run)


def _unable(what: str, node: str, e: BaseException, conn: Connection):
    """kubectl: `error: unable to cordon node "x": <reason>`."""
    from k8stui.errors import UserError

    return UserError(f'unable to {what} node "{node}": {explain(e, conn)}')


async def cordon(conn: Connection, node: str, dry_run: str | None = None) -> CordonResult:
    return await set_unschedulable(conn, node, True, dry_run)


async def uncordon(conn: Connection, node: str, dry_run: str | None = None) -> CordonResult:
    return await set_unschedulable(conn, node, False, dry_run)
