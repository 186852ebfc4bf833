"""The shared shape of the nodes and pods screens: banner, title, virtual table, prompt, status bar,
footer; `:` commands, `/` filters, Esc, YAML and events of the selected row; batched live updates.

Live updates: the app's flush timer takes each cache's changes once per tick and hands them to
every resource screen (`feed`). The screen on top applies them at once; screens underneath merge
them and apply them when they are shown again. During the first list of a big cluster the full
rebuilds are throttled to a fraction of the time (the first page shows at once).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import Footer, Static

from k8stui.kube.cache import Changes
from k8stui.kube.rows import Row
from k8stui.ui.messages import OpenPods, SessionChanged
from k8stui.ui.screens.command import CommandScreen
from k8stui.ui.safe import markup_safe
from k8stui.ui.screens.filtering import RowFilter, SearchText, parse_filter
from k8stui.ui.widgets.prompt import Prompt
from k8stui.ui.widgets.resource_table import Column, ResourceTable
from k8stui.ui.widgets.status import FeedState, ReadOnlyBanner, StatusBar, clock_time

if TYPE_CHECKING:
    from k8stui.ui.app import K8sTuiApp, Session

FILTER_DEBOUNCE = 0.15


def merge(into: Changes, ch: Changes) -> None:
    """Fold a later batch into an earlier one (latest wins per uid)."""
    if ch.reset:
        into.reset = True
    if ch.removed:
        into.upserted -= ch.removed
        into.removed |= ch.removed
    if ch.upserted:
        into.removed -= ch.upserted
        into.upserted |= ch.upserted


class ResourceScreen(CommandScreen):
    """Base for screens that show one cache in a `ResourceTable`."""

    resource = "pods"  # the cache this screen shows
    kind = "Pod"
    view_title = "Pods"
    age_index: int | None = None  # the cell printed from Row.created (not matched by filters)

    BINDINGS = [
        Binding("/", "filter", "Filter", key_display="/", priority=True),  # (why priority: screens/command.py)
        Binding("escape", "back", "Back"),
        Binding("?,f1", "app.help", "Help", key_display="?"),
        Binding("y", "yaml", "YAML"),
        Binding("e", "events", "Events"),
    ]

    app: "K8sTuiApp"

    def __init__(self, name: str | None = None, id: str | None = None):
        super().__init__(name=name, id=id)
        self.row_filter = RowFilter("", None)
        self.search_text = SearchText(self.age_index)
        self._pending: dict[str, Changes] = {}
        self._listing = False  # showing a first list as it arrives
        self._crumbs = ""
        self._debounce: Timer | None = None
        self.session: "Session | None" = None

    # ---- composition ------------------------------------------------------------------------

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def default_sort(self) -> str:
        return "NAME"

    def row_style(self, row: Row) -> str | None:
        return None

    def scope_predicate(self):
        """The screen's own restriction (namespace, node), ANDed with the `/` filter."""
        return None

    def scope_text(self) -> str:
        return ""

    def compose(self) -> ComposeResult:
        yield ReadOnlyBanner(id="banner")
        yield Static(id="crumbs")
        yield ResourceTable(self.columns(), sort_column=self.default_sort(), row_style=self.row_style,
                            empty_text="connecting…", id="table")
        yield self.command_prompt()
        yield StatusBar(id="status")
        yield Footer()

    @property
    def composed(self) -> bool:
        """Mounted with its widgets: a timer may fire between a screen's mount and its children's
        (or during its removal), when there is no table to update yet; changes then wait."""
        return self.is_mounted and bool(self.query("#table")) and bool(self.query("#status"))

    @property
    def table(self) -> ResourceTable:
        return self.query_one("#table", ResourceTable)

    def on_mount(self) -> None:
        self.attach(self.app.session)
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.apply_pending()
        self.tick()

    # ---- session and live data ---------------------------------------------------------------

    @on(SessionChanged)
    def _session_changed(self, event: SessionChanged) -> None:
        self.attach(event.session)  # type: ignore[arg-type]

    def cache(self):
        return self.session.caches[self.resource] if self.session else None

    def attach(self, session: "Session | None") -> None:
        """Show this session's cache (None: not connected)."""
        self.session = session
        self._pending.clear()
        table = self.table
        banner = self.query_one("#banner", ReadOnlyBanner)
        if session is None:
            table.empty_text = f"connecting to {self.app.context_label}…"
            banner.set_reason(None)
            table.set_store({})
        else:
            banner.set_reason(session.readonly_reason)
            self.apply_filter()
            cache = session.caches[self.resource]
            table.set_store(cache.rows)
            self._listing = not cache.synced.is_set()
            if not self._listing:
                self.warm_search()
        self.update_empty_text()
        self.tick()

    def feed(self, changes: dict[str, Changes]) -> None:
        """One flush's changes per cache; applied now when on top, else when shown again."""
        for name, ch in changes.items():
            if not ch:
                continue
            p = self._pending.get(name)
            if p is None:
                self._pending[name] = Changes(set(ch.upserted), set(ch.removed), ch.reset)
            else:
                merge(p, ch)
        if self.is_current:
            self.apply_pending()

    def apply_pending(self) -> None:
        if self.session is None or not self.is_mounted:
            return
        if not self.composed:
            return
        table = self.table
        ch = self._pending.get(self.resource)
        cache = self.cache()
        if cache is not None and (cache.rows is not table.store or (ch is not None and ch.reset)):
            self._pending.pop(self.resource, None)
            if not (cache.rows is table.store and self._listing and table.sync_appended()):
                # a relist (a new row set), or a first list that could not be taken page by page
                table.set_store(cache.rows)
                if not self._listing:
                    self.warm_search()
        elif ch is not None:
            self._pending.pop(self.resource, None)
            table.apply_changes(ch.upserted, ch.removed)
        if self._listing and cache is not None and cache.state != "listing" and cache.synced.is_set():
            # the first list is complete: a full rebuild settles anything the page-by-page path
            # could not see (a list restarted by 410 mid-way), unless every row taken is the
            # one in the cache
            self._listing = False
            if not table.in_sync():
                table.rebuild()
            self.warm_search()
        self.apply_other(self._pending)
        self.update_empty_text()
        self.update_crumbs()
        self.update_status()

    def warm_search(self) -> None:
        """Build the filter's search text of every row in the background (in slices that keep
        keys answered), so the first `/` on 150,000 rows scans instead of building strings."""
        if self.table.total_count > 5000:
            self._warm_search()

    @work(exclusive=True, group="warm-search")
    async def _warm_search(self) -> None:
        rows = list(self.table.store.values())
        text = self.search_text
        for i in range(0, len(rows), 2000):
            for row in rows[i:i + 2000]:
                text(row)
            await asyncio.sleep(0)

    def apply_other(self, pending: dict[str, Changes]) -> None:
        """Changes of caches other than this screen's own (e.g. pod tallies on the nodes screen)."""
        pending.clear()

    def tick(self) -> None:
        """Once a second: the status bar, the title, AGE cells."""
        if not self.composed:
            return
        self.update_status()
        self.update_crumbs()
        if self.is_current:
            self.table.refresh()

    def update_empty_text(self) -> None:
        table = self.table
        cache = self.cache()
        if cache is None:
            table.empty_text = f"connecting to {self.app.context_label}…"
        elif not cache.synced.is_set():
            table.empty_text = cache.error or f"listing {self.resource}…"
        elif self.row_filter.predicate is not None or self.scope_predicate() is not None:
            table.empty_text = f"no {self.resource} match"
        else:
            table.empty_text = f"no {self.resource}"

    def update_status(self) -> None:
        """The status bar, and the table dimmed while this screen's cache is stale."""
        bar = self.query_one("#status", StatusBar)
        s = self.session
        if s is None:
            bar.show(self.app.context_label, "", [], None, time.time(), self.app.status_note)
            return
        feeds = [FeedState(n, c.state, c.error, len(c.rows), c.stale_since) for n, c in s.caches.items()]
        context = s.conn.context + (" (demo)" if self.app.demo else "")
        bar.show(context, s.conn.server, feeds, s.last_update() or None, time.time(), self.app.status_note)
        self.table.set_stale(s.caches[self.resource].is_stale)

    def update_crumbs(self) -> None:
        table = self.table
        parts = [f"[b]{self.view_title}[/b]"]
        scope = self.scope_text()
        if scope:
            parts.append(scope)
        if self.row_filter.description:
            parts.append(f"filter [b]{markup_safe(self.row_filter.description)}[/b]")
        count = f"{table.row_count}"
        if table.row_count != table.total_count:
            count += f" of {table.total_count}"
        parts.append(count)
        parts.append(f"sort {table.sort_column}{'↓' if table.sort_reverse else '↑'}")
        if table.marked_uids:
            parts.append(f"{len(table.marked_uids)} marked")
        text = "  ·  ".join(parts)
        if text != self._crumbs:  # an unchanged line is not redrawn
            self._crumbs = text
            self.query_one("#crumbs", Static).update(text)

    # ---- filtering --------------------------------------------------------------------------

    def apply_filter(self, text: str | None = None) -> None:
        if text is not None:
            rf = parse_filter(text, self.age_index, self.search_text)
            if rf.error:
                self.notify(rf.error, severity="error", timeout=4)
                return
            self.row_filter = rf
        scope = self.scope_predicate()
        user = self.row_filter.predicate
        if scope and user:
            predicate: Any = lambda row: scope(row) and user(row)  # noqa: E731
        else:
            predicate = scope or user
        self.table.set_filter(predicate)
        self.update_empty_text()
        self.update_crumbs()

    # ---- actions ----------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.open_prompt("filter")

    def action_back(self) -> None:
        """Esc: close the prompt, else clear the filter, else the marks, else go back."""
        if self.prompt.is_open:
            self.prompt.cancel()
            return
        if self.row_filter.predicate is not None:
            self.row_filter = RowFilter("", None)
            self.apply_filter()
            return
        if self.table.marked_uids:
            self.table.clear_marks()
            self.update_crumbs()
            return
        self.app.go_back(self)

    @on(Prompt.Changed)
    def _prompt_changed(self, event: Prompt.Changed) -> None:
        if event.mode != "filter":
            return
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value
        self._debounce = self.set_timer(FILTER_DEBOUNCE, lambda: self._live_filter(value))

    def _live_filter(self, value: str) -> None:
        rf = parse_filter(value, self.age_index, self.search_text)
        if rf.error is None:  # while typing, a half-written regex is not an error yet
            self.row_filter = rf
            self.apply_filter()

    def prompt_submitted(self, mode: str, value: str) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        if mode == "filter":
            self.apply_filter(value)
        else:
            super().prompt_submitted(mode, value)

    def prompt_cancelled(self, mode: str) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        if mode == "filter":
            self.row_filter = RowFilter("", None)
            self.apply_filter()

    @on(ResourceTable.SortChanged)
    @on(ResourceTable.MarksChanged)
    def _sorted(self) -> None:
        self.update_crumbs()

    def selected(self) -> Row | None:
        row = self.table.cursor_row
        if row is None:
            self.notify(f"no {self.kind.lower()} selected", severity="warning", timeout=2)
        return row

    def action_yaml(self) -> None:
        row = self.selected()
        if row is not None and self.session is not None:
            from k8stui.ui.screens.yaml_view import YamlScreen

            self.app.push_screen(YamlScreen(self.session.conn, self.kind, row.namespace, row.name))

    def action_events(self) -> None:
        row = self.selected()
        if row is not None and self.session is not None:
            from k8stui.ui.screens.events import EventsScreen

            self.app.push_screen(EventsScreen(self.session.conn, self.kind, row.namespace, row.name))

    def unless_stale(self, what: str, action: Callable[[], None]) -> None:
        """Run `action` (one that changes the cluster because of rows on screen) now, or, while
        this screen's cache is stale, after the user agrees to act on data that may be out of date."""
        cache = self.cache()
        if cache is None or cache.stale_since is None:
            action()
            return
        from k8stui.ui.safe import plain
        from k8stui.ui.screens.confirm import ConfirmScreen

        question = f"The {self.resource} data is stale since {clock_time(cache.stale_since)}; {plain(what)} anyway?"
        detail = plain(cache.error) if cache.error else ""

        def answered(yes: bool | None) -> None:
            if yes:
                action()

        self.app.push_screen(ConfirmScreen(question, detail, yes="Act anyway", no="Cancel"), answered)

    def open_pods(self, node: str | None = None, namespace: str | None = None) -> None:
        self.app.post_message(OpenPods(node=node, namespace=namespace))
