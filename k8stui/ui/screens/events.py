"""`e`: recent events of the selected node or pod (one list with a field selector on the involved
object, newest first), as `kubectl events` prints them. `r` lists again; nothing polls."""

from __future__ import annotations

import json
import time

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from k8stui.kube import printers
from k8stui.kube.connection import Connection, explain
from k8stui.ui.screens.command import CommandScreen
from k8stui.ui.safe import cluster_text, markup_safe

COLUMNS = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SOURCE", "COUNT", "MESSAGE"]


def last_seen(ev: dict) -> float:
    series = ev.get("series") or {}
    for ts in (series.get("lastObservedTime"), ev.get("lastTimestamp"), ev.get("eventTime"),
               ev.get("firstTimestamp"), (ev.get("metadata") or {}).get("creationTimestamp")):
        if ts:
            try:
                return printers.parse_time(ts)
            except (ValueError, TypeError):
                continue
    return 0.0


async def list_events(conn: Connection, kind: str, namespace: str, name: str) -> list[dict]:
    """Events whose involvedObject is that object, newest first."""
    core = conn.core()
    selector = f"involvedObject.kind={kind},involvedObject.name={name}"
    if namespace:
        resp = await core.list_namespaced_event_without_preload_content(namespace, field_selector=selector)
    else:
        resp = await core.list_event_for_all_namespaces_without_preload_content(field_selector=selector)
    body = await resp.read()
    if resp.status >= 400:
        from kubernetes.aio.client.exceptions import ApiException

        raise ApiException(status=resp.status, reason=resp.reason, body=body.decode(errors="replace"))
    items = json.loads(body).get("items") or []
    items.sort(key=last_seen, reverse=True)
    return items


def event_row(ev: dict, now: float) -> list[Text]:
    """The row's cells as Text: a DataTable parses str cells as markup, and every cell but the
    age is the event's own (reason, message, source: anyone who may create a pod writes them)."""
    # printers.event_cells: LAST SEEN, TYPE, REASON, OBJECT, SUBOBJECT, SOURCE, MESSAGE, FIRST SEEN, COUNT, NAME
    c = printers.event_cells(ev, now)
    return [cluster_text(c[i]) for i in (0, 1, 2, 3, 5, 8, 6)]


class EventsScreen(CommandScreen):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, conn: Connection, kind: str, namespace: str, name: str):
        super().__init__()
        self.conn, self.kind, self.namespace, self.object_name = conn, kind, namespace, name
        self.events: list[dict] = []

    @property
    def label(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind.lower()}/{where}{self.object_name}"

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Events[/b]  ·  {markup_safe(self.label)}  ·  loading…", id="crumbs")
        table = DataTable(id="events", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield self.command_prompt()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#events", DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(exclusive=True, group="events")
    async def _load(self) -> None:
        crumbs = self.query_one("#crumbs", Static)
        try:
            self.events = await list_events(self.conn, self.kind, self.namespace, self.object_name)
        except Exception as e:
            msg = str(explain(e, self.conn))
            crumbs.update(f"[b]Events[/b]  ·  {markup_safe(self.label)}  ·  [$error]{markup_safe(msg)}[/]")
            self.notify(msg, severity="error")
            return
        table = self.query_one("#events", DataTable)
        table.clear()
        now = time.time()
        for ev in self.events:
            table.add_row(*event_row(ev, now))
        n = len(self.events)
        crumbs.update(f"[b]Events[/b]  ·  {markup_safe(self.label)}  ·  {n} event{'s' if n != 1 else ''}, newest first"
                      + ("" if n else "  ·  no events"))
