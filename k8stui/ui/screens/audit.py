"""`:audit`: the audit log (`k8stui.audit`), newest first.

One row per entry: time (local), context, user, action, object, result and the kubectl command
line that does the same (when there is one). Enter shows the whole entry (its extra fields: the
SSH command as run, a Lease's holder and intent, the refusals an override answered, ...). `r`
reads the log again (it is a file other sessions append to). The log holds no secrets: tokens are
recorded by their public id and SSH commands with their secrets redacted by the layers that write
it; the screen shows what is there and nothing else.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from k8stui import audit
from k8stui.ui.screens.command import CommandScreen

from k8stui.ui.safe import markup_safe, table_row

LIMIT = 1000
COLUMNS = ("TIME", "CONTEXT", "USER", "ACTION", "OBJECT", "RESULT", "KUBECTL")
MAIN_FIELDS = ("time", "context", "user", "action", "object", "result", "kubectl")


def local_time(stamp: str) -> str:
    """The entry's UTC timestamp in local time, to the second."""
    try:
        t = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
        return t.replace(tzinfo=timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except (ValueError, TypeError):
        return str(stamp)


def result_cell(result: str) -> Text:
    r = str(result)
    if r == "ok":
        return Text(r, style="green")
    if r.startswith(("error", "failed", "timeout")):
        return Text(r, style="bold red")
    if r.startswith(("refused", "skipped", "cancelled")):
        return Text(r, style="yellow")
    return Text(r)


def entry_cells(e: dict[str, Any]) -> tuple:
    result = str(e.get("result", ""))
    short = result if len(result) <= 60 else result[:59] + "…"
    kubectl = e.get("kubectl") or (f"(ssh) {e['command']}" if e.get("command") else "")
    return (local_time(e.get("time", "")), str(e.get("context", "")), str(e.get("user", "")),
            str(e.get("action", "")), str(e.get("object", "")), result_cell(short), str(kubectl))


class AuditScreen(CommandScreen):
    DEFAULT_CSS = """
    AuditScreen #audit-title { height: 1; padding: 0 1; background: $panel; }
    AuditScreen #audit-table { height: 1fr; }
    AuditScreen #audit-detail-scroll { height: auto; max-height: 40%; border-top: solid $primary; padding: 0 1;
                                       display: none; }
    AuditScreen #audit-detail-scroll.-open { display: block; }
    AuditScreen #audit-status { height: 1; padding: 0 1; background: $panel; }
    """
    BINDINGS = [
        Binding("r", "reload", "Refresh"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, limit: int = LIMIT, *, name: str | None = None, id: str | None = None):
        super().__init__(name=name, id=id)
        self.limit = limit
        self.entries: list[dict[str, Any]] = []  # newest first
        self.loads = 0  # completed reads (tests wait on it)
        self._shown: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Static(f"[b]Audit log[/b]  [dim]{markup_safe(str(audit.audit_log_path()))} · newest first[/dim]",
                     id="audit-title")
        table: DataTable = DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        for col in COLUMNS:
            table.add_column(col, key=col)
        yield table
        with VerticalScroll(id="audit-detail-scroll"):
            yield Static("", id="audit-detail")
        yield Static("reading…", id="audit-status")
        yield self.command_prompt()
        yield Footer()

    @property
    def table(self) -> DataTable:
        return self.query_one("#audit-table", DataTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    @work(group="audit-read", exclusive=True, exit_on_error=False)
    async def reload(self) -> None:
        try:
            entries = await asyncio.to_thread(audit.read, limit=self.limit)
        except OSError as e:
            self.query_one("#audit-status", Static).update(f"[$error]cannot read the audit log: {markup_safe(str(e))}[/]")
            return
        entries.reverse()
        self.entries = entries
        table = self.table
        keep = table.cursor_row
        table.clear()
        for i, e in enumerate(entries):
            table.add_row(*table_row(entry_cells(e)), key=str(i))
        if entries:
            table.move_cursor(row=min(max(keep, 0), len(entries) - 1))
        self.loads += 1
        more = f" (the newest {self.limit})" if len(entries) >= self.limit else ""
        self.query_one("#audit-status", Static).update(
            f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}{more}   r: read again · enter: details")

    @on(DataTable.RowSelected, "#audit-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        try:
            e = self.entries[int(str(event.row_key.value))]
        except (ValueError, IndexError):
            return
        scroll = self.query_one("#audit-detail-scroll")
        detail = self.query_one("#audit-detail", Static)
        if scroll.has_class("-open") and self._shown is e:
            scroll.remove_class("-open")
            return
        self._shown = e
        lines = [f"[b]{markup_safe(str(e.get('action', '')))} {markup_safe(str(e.get('object', '')))}[/b]  "
                 f"[dim]{markup_safe(str(e.get('time', '')))}[/dim]"]
        for k in MAIN_FIELDS[1:]:
            if k in e and k not in ("action", "object"):
                lines.append(f"{k}: {markup_safe(str(e[k]))}")
        for k, v in e.items():
            if k not in MAIN_FIELDS:
                text = v if isinstance(v, str) else json.dumps(v)
                lines.append(f"{markup_safe(k)}: {markup_safe(text)}")
        detail.update("\n".join(lines))
        scroll.add_class("-open")

    def action_back(self) -> None:
        scroll = self.query_one("#audit-detail-scroll")
        if scroll.has_class("-open"):
            scroll.remove_class("-open")
            return
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
