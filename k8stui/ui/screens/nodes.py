"""The nodes screen (start screen): `kubectl get nodes -o wide` plus pods, CPU and memory.

PODS, CPU and MEM come from the all-pods cache's per-node tallies (kept up to date by the cache on
every watch event; never a recount). Enter opens the node's pods. `c`/`u` cordon/uncordon the
marked nodes, or the node under the cursor, through `k8stui.ops.cordon`; a read-only session is
refused by the connection's guard (the request never leaves the process), and the refusal is
shown as the one-line message. `d` opens the drain wizard (`k8stui.ui.screens.drain`) for the
same nodes: marked ones one after another. While the nodes cache is stale (its stream lost) the
rows are dimmed and each of these asks first whether to act on data that may be out of date.

Extension points (the drain wizard of the next issue): subclass or add a binding with
`NodesScreen.BINDINGS`, use `self.target_nodes()` (marked nodes in order, else the cursor node),
`self.session.conn` for the API and `self.app.push_screen(...)` for a wizard screen.
"""

from __future__ import annotations

from textual import on, work
from textual.binding import Binding

from k8stui.errors import UserError
from k8stui.kube.cache import Changes
from k8stui.kube.rows import Row
from k8stui.ops.cordon import cordon, uncordon
from k8stui.ui.screens.base import ResourceScreen
from k8stui.ui.screens.columns import EXTRA_NODE, NODE_AGE_INDEX, node_columns, node_tone
from k8stui.ui.widgets.resource_table import ResourceTable


class NodesScreen(ResourceScreen):
    resource = "nodes"
    kind = "Node"
    view_title = "Nodes"
    age_index = NODE_AGE_INDEX

    BINDINGS = [
        Binding("c", "cordon", "Cordon"),
        Binding("u", "uncordon", "Uncordon"),
        Binding("d", "drain", "Drain"),
    ]

    def columns(self):
        return node_columns(self._tally)

    def _tally(self, node: str):
        s = self.session
        return s.pods.tallies.get(node) if s is not None else None

    def row_style(self, row: Row) -> str | None:
        return node_tone(row)

    def apply_other(self, pending: dict[str, Changes]) -> None:
        ch = pending.pop("pods", None)
        if ch:
            if self.table.sort_column in EXTRA_NODE:
                self.table.rebuild()  # sorted by a tally: re-sort (a few thousand nodes)
            else:
                self.table.invalidate()
        pending.clear()

    # ---- actions ----------------------------------------------------------------------------

    def target_nodes(self) -> list[Row]:
        """The marked nodes (in table order), else the node under the cursor."""
        marked = self.table.marked_rows()
        if marked:
            return marked
        row = self.table.cursor_row
        return [row] if row is not None else []

    def action_open_pods(self) -> None:
        row = self.table.cursor_row
        if row is not None:
            self.open_pods(node=row.name)

    @on(ResourceTable.RowSelected)
    def _selected(self, event: ResourceTable.RowSelected) -> None:
        event.stop()
        self.open_pods(node=event.row.name)

    def action_cordon(self) -> None:
        self._set_schedulable(True)

    def action_uncordon(self) -> None:
        self._set_schedulable(False)

    def action_drain(self) -> None:
        """The drain wizard for the target nodes (read-only sessions get the plan; the engine
        refuses to run)."""
        nodes = self.target_nodes()
        if not nodes:
            self.notify("no node selected", severity="warning", timeout=2)
            return
        if self.session is None:
            self.notify("not connected", severity="error")
            return
        from k8stui.ui.screens.drain import DrainScreen

        names = [r.name for r in nodes]
        conn = self.session.conn
        self.unless_stale(f"drain {', '.join(names)}", lambda: self.app.push_screen(DrainScreen(conn, names)))

    def _set_schedulable(self, desired: bool) -> None:
        nodes = self.target_nodes()
        if not nodes:
            self.notify("no node selected", severity="warning", timeout=2)
            return
        if self.session is None:
            self.notify("not connected", severity="error")
            return
        names = [r.name for r in nodes]
        verb = "cordon" if desired else "uncordon"
        self.unless_stale(f"{verb} {', '.join(names)}", lambda: self._run_cordon(names, desired))

    @work(group="node-ops")
    async def _run_cordon(self, names: list[str], desired: bool) -> None:
        session = self.session
        if session is None:
            return
        conn = session.conn
        op = cordon if desired else uncordon
        for name in names:
            try:
                result = await op(conn, name)
            except UserError as e:
                # a read-only session ends here: the connection's guard raised ReadOnlyError before
                # the PATCH left the process (ops.cordon words it as kubectl does)
                refused = "read-only" in str(e)
                self.notify(f"refused (read-only): {e}" if refused else str(e), severity="error", timeout=6)
                continue
            if not result.changed and conn.readonly:
                # nothing to change, so nothing was sent; say that the session could not have
                self.notify(f"refused (read-only): {result.message}; changes are not allowed in this session",
                            severity="warning", timeout=6)
                continue
            self.notify(result.message, timeout=4)
