"""ResourceTable: a Line-API virtual table over a keyed row store, for 150,000 pods.

Textual's DataTable measures every cell of every row and removes rows in O(n); this widget keeps
only references: the store (`dict[uid, Row]`, owned by a `ResourceCache`), each row as last taken
(`_rowof`, which fixes its place), the uids in (namespace, name) order (`_base`), the uids in sort
order (`_all`) and the filtered list shown (`_order`, the same list when there is no filter).
Lines are drawn on demand by `render_line`, so only the ~50 visible rows are ever formatted.

- Watch changes arrive in batches (`apply_changes`): a row whose sort key and filter verdict did
  not change costs a dict lookup; an insert or removal costs a bisect and a list memmove. A batch
  larger than a quarter of the rows is cheaper as a full rebuild, which it then becomes.
- A first list arriving page by page is taken incrementally (`sync_appended`: only the new rows,
  appended or merged in linear time). A new sort is a stable sort of the base order on the
  column's key alone (~0.1 s at 150,000 rows); a filter change one pass over the sorted order.
- `set_stale(True)` dims every row (the screen says when its cache's stream is lost).
- The cursor is a uid, so it stays on its row when rows move; marks are uids too.
- Column widths come from the header and the rows on screen (never all rows), and only grow while
  the view is unchanged, so columns do not jump while scrolling.
- AGE (any column marked `volatile`) is printed when drawn, so it is always true; rendered lines
  sit in an LRU cache keyed by the row object, so an updated row is redrawn and nothing else.

No cluster logic here: the table knows `Row` objects and `Column` specs, nothing else.
"""

from __future__ import annotations

import time
from bisect import bisect_left, insort
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from typing import Any, Callable, Iterable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from k8stui.kube.rows import Row
from k8stui.sanitize import sanitize

GAP = 2  # spaces between columns
# a gutter left of the first column: ● on a marked row, so marks show without colour too
MARK_GUTTER = 2
MARK = "● "
NO_MARK = "  "
BASE_KEY = attrgetter("namespace", "name", "uid")
REBUILD_FRACTION = 4  # a batch touching more than 1/4 of the rows is applied as a full rebuild


@dataclass(frozen=True, eq=False)
class Column:
    """One column: its header, how to print a row's cell, and how to sort on it.

    `text(row, now)` returns the cell; `sort_key(row)` a value comparable among rows (ties are
    broken by namespace, name and uid). `volatile` columns depend on the clock or on data outside
    the row (AGE, per-node tallies); `max_width` cuts long cells with an ellipsis; a column whose
    sort key depends on data outside the row has `stable_sort=False` (batches then re-sort).
    """

    name: str
    text: Callable[[Row, float], str]
    sort_key: Callable[[Row], Any]
    align: str = "left"
    volatile: bool = False
    max_width: int = 0
    stable_sort: bool = True  # False: the sort key depends on data outside the row (re-sort wholesale)


class ResourceTable(ScrollView, can_focus=True):
    """A virtual table of `Row`s keyed by uid (see the module docstring)."""

    BINDINGS = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("left,h", "scroll_left", "Left", show=False),
        Binding("right,l", "scroll_right", "Right", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("enter", "select", "Select", show=False),
        Binding("s", "sort_next", "Sort", show=False),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
        Binding(">", "sort_next", "Sort next column", show=False),
        Binding("<", "sort_prev", "Sort previous column", show=False),
        Binding("N", "sort_column('NAME')", "Sort by name", show=False),
        Binding("A", "sort_column('AGE')", "Sort by age", show=False),
    ]

    COMPONENT_CLASSES = {
        "resource-table--header",
        "resource-table--header-sorted",
        "resource-table--cursor",
        "resource-table--marked",
        "resource-table--cursor-marked",
        "resource-table--error",
        "resource-table--warning",
        "resource-table--dim",
        "resource-table--empty",
        "resource-table--stale",
    }

    class RowHighlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, table: "ResourceTable", uid: str | None, row: Row | None):
            super().__init__()
            self.table = table
            self.uid = uid
            self.row = row

        @property
        def control(self) -> "ResourceTable":
            return self.table

    class RowSelected(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: "ResourceTable", uid: str, row: Row):
            super().__init__()
            self.table = table
            self.uid = uid
            self.row = row

        @property
        def control(self) -> "ResourceTable":
            return self.table

    class MarksChanged(Message):
        def __init__(self, table: "ResourceTable", marked: frozenset[str]):
            super().__init__()
            self.table = table
            self.marked = marked

    class SortChanged(Message):
        def __init__(self, table: "ResourceTable", column: str, reverse: bool):
            super().__init__()
            self.table = table
            self.column = column
            self.reverse = reverse

    def __init__(self, columns: list[Column], *, sort_column: int | str = 0, reverse: bool = False,
                 row_style: Callable[[Row], str | None] | None = None, empty_text: str = "no rows",
                 name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name=name, id=id, classes=classes)
        self._columns: list[Column] = list(columns)
        self._sort_col = self._column_index(sort_column)
        self._reverse = reverse
        self.row_style = row_style
        self.empty_text = empty_text
        self._store: dict[str, Row] = {}
        self._rowof: dict[str, Row] = {}  # each shown uid's row as last taken (its sort position)
        self._base: list[str] = []  # all uids by (namespace, name, uid)
        self._all: list[str] = []  # all uids in sort order
        self._known = 0  # store entries taken, in insertion order (see sync_appended)
        self._known_last: str | None = None
        self._order: list[str] = self._all
        self._filter: Callable[[Row], bool] | None = None
        self._cursor_uid: str | None = None
        self._cursor = 0
        self._marks: set[str] = set()
        self._widths: list[int] = []
        self._sticky: list[int] = [0] * len(self._columns)
        self._generation = 0
        self._strips: LRUCache[tuple, Strip] = LRUCache(256)
        self._texts: LRUCache[tuple, tuple[str, ...]] = LRUCache(512)
        self._styles: dict[str, Style] = {}
        self._style: Style | None = None
        self._header_key: tuple | None = None
        self._header: Strip | None = None
        self._stale = False  # every row dimmed: the data may be out of date
        self.last_rebuild_s = 0.0  # cost of the last full rebuild (the screen throttles on it)
        self.paint_count = 0  # render passes (benchmarks and tests wait on it)
        self._reset_widths()

    # ---- public API: data -------------------------------------------------------------------

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def store(self) -> dict[str, Row]:
        return self._store

    @property
    def row_count(self) -> int:
        """Rows shown (after the filter)."""
        return len(self._order)

    @property
    def total_count(self) -> int:
        """Rows in the store."""
        return len(self._store)

    @property
    def visible_uids(self) -> list[str]:
        """The uids shown, in display order (a copy; O(n))."""
        return list(reversed(self._order)) if self._reverse else list(self._order)

    @property
    def filtered(self) -> bool:
        return self._filter is not None

    @property
    def sort_column(self) -> str:
        return self._columns[self._sort_col].name

    @property
    def sort_reverse(self) -> bool:
        return self._reverse

    @property
    def stale(self) -> bool:
        return self._stale

    def set_stale(self, stale: bool) -> None:
        """Dim every row (the rows' source is stale) or stop dimming them."""
        if stale != self._stale:
            self._stale = stale
            self._strips.clear()
            self.refresh()

    def set_store(self, store: dict[str, Row]) -> None:
        """Show this store (a new dict: first list, relist): a full rebuild."""
        self._store = store
        self.rebuild()

    def set_columns(self, columns: list[Column], sort_column: int | str | None = None) -> None:
        current = self.sort_column
        self._columns = list(columns)
        self._generation += 1  # cached cells and lines belong to the old columns
        self._texts.clear()
        self._strips.clear()
        if sort_column is None:
            sort_column = current if any(c.name == current for c in columns) else 0
        self._sort_col = self._column_index(sort_column)
        self._reset_widths()
        self._resort()

    def set_filter(self, predicate: Callable[[Row], bool] | None) -> None:
        """Show only rows for which `predicate` is true (None: all). One pass over the sorted order."""
        self._filter = predicate
        self._refilter()
        self._reset_widths()
        self._after_change(rebuilt=True)

    def sort_by(self, column: int | str, reverse: bool | None = None) -> None:
        self._sort_col = self._column_index(column)
        if reverse is not None:
            self._reverse = reverse
        self._reset_widths()
        self._resort()
        col = self._columns[self._sort_col]
        self.post_message(self.SortChanged(self, col.name, self._reverse))

    def rebuild(self) -> None:
        """Take the store as it is now: base order, sort order, filter (O(n log n); O(n) when the
        store is already in namespace/name order, as a list arrives)."""
        t0 = time.perf_counter()
        store = self._store
        self._rowof = dict(store)
        self._base = [r.uid for r in sorted(store.values(), key=BASE_KEY)]
        self._known = len(store)
        self._known_last = next(reversed(store)) if store else None
        self._marks &= store.keys()
        self._resort(t0)

    def in_sync(self) -> bool:
        """Every row in the store is the one taken (O(n) identity checks, ~15 ms at 150,000)."""
        store, rowof = self._store, self._rowof
        return len(store) == len(rowof) and all(rowof.get(u) is r for u, r in store.items())

    def sync_appended(self) -> bool:
        """Take rows added to the store since the last rebuild, when the store only grew by
        insertion (a first list arriving page by page): O(new rows), plus one linear merge when
        they do not sort after the rows already taken. False when that cannot be shown (the
        store shrank or was rewritten): then `rebuild()`."""
        store = self._store
        known, n = self._known, len(store)
        if n < known or (known and next(islice(store, known - 1, None), None) != self._known_last):
            return False
        if n == known:
            return True
        new = list(islice(store, known, None))
        self._known, self._known_last = n, new[-1]
        rowof = self._rowof
        for u in new:
            rowof[u] = store[u]
        self._base = _merged(self._base, sorted(new, key=lambda u: BASE_KEY(rowof[u])),
                             lambda u: BASE_KEY(rowof[u]))
        key = self._key_fn()
        self._all_merge(sorted(new, key=key), key)
        self._after_change(rebuilt=True)
        return True

    def apply_changes(self, upserted: Iterable[str], removed: Iterable[str]) -> None:
        """Fold a batch of watch changes (uids upserted in / removed from the store) into the view."""
        upserted = upserted if isinstance(upserted, (set, frozenset, list)) else list(upserted)
        removed = removed if isinstance(removed, (set, frozenset, list)) else list(removed)
        if not upserted and not removed:
            return
        if (len(upserted) + len(removed) > max(2000, len(self._store) // REBUILD_FRACTION)
                or not self._columns[self._sort_col].stable_sort):
            self.rebuild()
            return
        store, rowof, match = self._store, self._rowof, self._filter
        filtered = match is not None
        key = self._key_fn()
        row_key = self._row_key_fn()
        structural = False
        for uid in removed:
            old = rowof.get(uid)
            if old is None:
                continue
            self._remove(self._base, uid, BASE_KEY(old), self._base_key)
            k = key(uid)
            self._remove(self._all, uid, k, key)
            if filtered:
                self._remove(self._order, uid, k, key)
            del rowof[uid]
            self._marks.discard(uid)
            structural = True
        for uid in upserted:
            row = store.get(uid)
            if row is None:
                continue
            old = rowof.get(uid)
            if old is None:
                rowof[uid] = row
                insort(self._base, uid, key=self._base_key)
                insort(self._all, uid, key=key)
                if filtered and match(row):
                    insort(self._order, uid, key=key)
                structural = True
                continue
            k_old, k_new = key(uid), row_key(row)
            if k_old != k_new:
                self._remove(self._all, uid, k_old, key)
                if filtered:
                    self._remove(self._order, uid, k_old, key)
                if BASE_KEY(old) != BASE_KEY(row):  # (uid, namespace and name never change)
                    self._remove(self._base, uid, BASE_KEY(old), self._base_key)
                    rowof[uid] = row
                    insort(self._base, uid, key=self._base_key)
                rowof[uid] = row
                insort(self._all, uid, key=key)
                if filtered and match(row):
                    insort(self._order, uid, key=key)
                structural = True
            elif filtered:
                shown = self._contains(self._order, uid, k_old, key)
                ok = match(row)
                if shown and not ok:
                    self._remove(self._order, uid, k_old, key)
                    structural = True
                rowof[uid] = row
                if ok and not shown:
                    insort(self._order, uid, key=key)
                    structural = True
            else:
                rowof[uid] = row
        if not filtered:
            self._order = self._all
        self._after_change(rebuilt=structural, changed=None if structural else upserted)

    def invalidate(self) -> None:
        """Data outside the rows changed (tallies): redraw the visible lines."""
        self._generation += 1
        self.refresh()

    # ---- public API: cursor and marks --------------------------------------------------------

    @property
    def cursor_index(self) -> int:
        return self._cursor if self._order else -1

    @property
    def cursor_uid(self) -> str | None:
        return self._cursor_uid if self._order else None

    @property
    def cursor_row(self) -> Row | None:
        uid = self.cursor_uid
        return self._store.get(uid) if uid else None

    @property
    def marked_uids(self) -> frozenset[str]:
        """Rows marked with space (uids still in the store), for actions on several rows."""
        return frozenset(self._marks)

    def marked_rows(self) -> list[Row]:
        """The marked rows, in display order (cheap: marks are few)."""
        key = self._key_fn()
        rows = [self._rowof[u] for u in self._marks if u in self._rowof]
        rows.sort(key=lambda r: key(r.uid), reverse=self._reverse)
        return [self._store.get(r.uid, r) for r in rows]

    def clear_marks(self) -> None:
        if self._marks:
            self._marks.clear()
            self.refresh()
            self.post_message(self.MarksChanged(self, frozenset()))

    def set_marks(self, uids: Iterable[str]) -> None:
        self._marks = {u for u in uids if u in self._store}
        self.refresh()
        self.post_message(self.MarksChanged(self, frozenset(self._marks)))

    def row_at(self, index: int) -> Row | None:
        uid = self._uid_at(index)
        return self._store.get(uid) if uid else None

    def index_of(self, uid: str) -> int:
        """Display index of a shown uid, or -1."""
        if uid not in self._rowof:
            return -1
        key = self._key_fn()
        i = bisect_left(self._order, key(uid), key=key)
        if i < len(self._order) and self._order[i] == uid:
            return len(self._order) - 1 - i if self._reverse else i
        return -1

    def move_cursor(self, index: int, *, scroll: bool = True) -> None:
        n = len(self._order)
        if n == 0:
            self._cursor, self._cursor_uid = 0, None
            self.refresh()
            return
        index = max(0, min(index, n - 1))
        old_index, old_uid = self._cursor, self._cursor_uid
        self._cursor = index
        self._cursor_uid = self._uid_at(index)
        if scroll:
            self._scroll_to_cursor()
        self.refresh_line(old_index + 1)
        self.refresh_line(index + 1)
        if self._cursor_uid != old_uid:
            self.post_message(self.RowHighlighted(self, self._cursor_uid, self.cursor_row))

    def select_uid(self, uid: str) -> bool:
        """Put the cursor on that row if it is shown."""
        i = self.index_of(uid)
        if i < 0:
            return False
        self.move_cursor(i)
        return True

    # ---- actions ----------------------------------------------------------------------------

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self.page_rows)

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self.page_rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._order) - 1)

    def action_toggle_mark(self) -> None:
        uid = self.cursor_uid
        if uid is None:
            return
        if uid in self._marks:
            self._marks.discard(uid)
        else:
            self._marks.add(uid)
        self.refresh_line(self._cursor + 1)
        self.post_message(self.MarksChanged(self, frozenset(self._marks)))
        self.move_cursor(self._cursor + 1)

    def action_select(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.RowSelected(self, row.uid, row))

    def action_sort_next(self) -> None:
        self.sort_by((self._sort_col + 1) % len(self._columns), reverse=False)

    def action_sort_prev(self) -> None:
        self.sort_by((self._sort_col - 1) % len(self._columns), reverse=False)

    def action_sort_reverse(self) -> None:
        self.sort_by(self._sort_col, reverse=not self._reverse)

    def action_sort_column(self, name: str) -> None:
        try:
            i = self._column_index(name)
        except KeyError:
            return
        self.sort_by(i, reverse=(not self._reverse) if i == self._sort_col else False)

    # ---- mouse ------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        y = event.y
        if y == 0:
            x = event.x + int(self.scroll_x)
            pos = MARK_GUTTER
            for i, w in enumerate(self._widths):
                if pos <= x < pos + w + GAP:
                    self.sort_by(i, reverse=(not self._reverse) if i == self._sort_col else False)
                    return
                pos += w + GAP
            return
        index = int(self.scroll_y) + y - 1
        if 0 <= index < len(self._order):
            self.move_cursor(index, scroll=False)
            if event.chain >= 2:
                self.action_select()

    # ---- internals: order -------------------------------------------------------------------

    def _column_index(self, column: int | str) -> int:
        if isinstance(column, int):
            if not 0 <= column < len(self._columns):
                raise KeyError(column)
            return column
        for i, c in enumerate(self._columns):
            if c.name == column:
                return i
        raise KeyError(column)

    def _key_fn(self) -> Callable[[str], tuple]:
        """The full sort key of a uid, from its row as last taken (`_rowof`): the column's key,
        then namespace, name, uid. Lists are bisected with it, so rows not yet re-taken in a batch
        keep the key of the place they are at."""
        primary = self._columns[self._sort_col].sort_key
        rowof = self._rowof

        def key(uid: str) -> tuple:
            row = rowof[uid]
            return (primary(row), row.namespace, row.name, row.uid)

        return key

    def _row_key_fn(self) -> Callable[[Row], tuple]:
        primary = self._columns[self._sort_col].sort_key

        def key(row: Row) -> tuple:
            return (primary(row), row.namespace, row.name, row.uid)

        return key

    def _base_key(self, uid: str) -> tuple:
        return BASE_KEY(self._rowof[uid])

    def _resort(self, t0: float | None = None) -> None:
        """Order all rows by the sort column: a stable sort of the base (namespace, name, uid)
        order by the column's key alone, which is the full key's order."""
        t0 = time.perf_counter() if t0 is None else t0
        rowof = self._rowof
        col = self._columns[self._sort_col]
        if col.name == "NAMESPACE":
            self._all = list(self._base)
        else:
            primary = col.sort_key
            self._all = sorted(self._base, key=lambda u: primary(rowof[u]))
        self._refilter()
        self.last_rebuild_s = time.perf_counter() - t0
        self._after_change(rebuilt=True)

    def _refilter(self) -> None:
        match = self._filter
        if match is None:
            self._order = self._all
        else:
            rowof = self._rowof
            self._order = [u for u in self._all if match(rowof[u])]

    def _all_merge(self, new: list[str], key: Callable[[str], tuple]) -> None:
        """Merge new uids (sorted by `key`) into the sort order and the filtered view."""
        self._all = _merged(self._all, new, key)
        match = self._filter
        if match is None:
            self._order = self._all
        else:
            rowof = self._rowof
            self._order = _merged(self._order, [u for u in new if match(rowof[u])], key)

    @staticmethod
    def _remove(lst: list[str], uid: str, k: tuple, key: Callable[[str], tuple]) -> bool:
        i = bisect_left(lst, k, key=key)
        if i < len(lst) and lst[i] == uid:
            del lst[i]
            return True
        return False

    @staticmethod
    def _contains(lst: list[str], uid: str, k: tuple, key: Callable[[str], tuple]) -> bool:
        i = bisect_left(lst, k, key=key)
        return i < len(lst) and lst[i] == uid

    def _uid_at(self, index: int) -> str | None:
        n = len(self._order)
        if not 0 <= index < n:
            return None
        return self._order[n - 1 - index] if self._reverse else self._order[index]

    def _after_change(self, rebuilt: bool, changed: Iterable[str] | None = None) -> None:
        """Keep the cursor on its uid, resize, repaint (only the `changed` rows on screen, when
        given: a batch of updates that moved nothing repaints nothing off screen)."""
        n = len(self._order)
        old_uid = self._cursor_uid
        if n == 0:
            self._cursor, self._cursor_uid = 0, None
        elif rebuilt:
            i = self.index_of(old_uid) if old_uid else -1
            if i < 0:
                i = max(0, min(self._cursor, n - 1))
            self._cursor = i
            self._cursor_uid = self._uid_at(i)
        elif self._cursor_uid is None:
            self._cursor_uid = self._uid_at(min(self._cursor, n - 1))
        self._update_virtual_size()
        if rebuilt and self.is_mounted:
            self._scroll_to_cursor()
        if changed is None:
            self.refresh()
        else:
            changed = changed if isinstance(changed, (set, frozenset)) else set(changed)
            top = int(self.scroll_y)
            for index in range(top, min(top + self.page_rows, n)):
                if self._uid_at(index) in changed:
                    self.refresh_line(index + 1)
        if self._cursor_uid != old_uid and self.is_mounted:
            self.post_message(self.RowHighlighted(self, self._cursor_uid, self.cursor_row))

    def _scroll_to_cursor(self) -> None:
        page = self.page_rows
        top = int(self.scroll_y)
        i = self._cursor
        if i < top:
            self.scroll_to(y=i, animate=False, force=True)
        elif i >= top + page:
            self.scroll_to(y=i - page + 1, animate=False, force=True)

    # ---- internals: layout and drawing --------------------------------------------------------

    def _reset_widths(self) -> None:
        # the sorted column's header carries an arrow: one cell more
        self._sticky = [cell_len(c.name) + (i == self._sort_col) for i, c in enumerate(self._columns)]
        self._widths = list(self._sticky)

    def _update_virtual_size(self) -> None:
        width = MARK_GUTTER + sum(self._widths) + GAP * max(0, len(self._widths) - 1)
        size = Size(width, len(self._order) + 1)
        if size != self.virtual_size:
            self.virtual_size = size

    def _cells(self, row: Row, now_s: int) -> tuple[str, ...]:
        """The row's cells as printed at this second, sanitised (cluster text: control characters
        shown, never written to the terminal), cached: measuring and drawing share them."""
        key = (row, now_s, self._generation)
        cells = self._texts.get(key)
        if cells is None:
            now = float(now_s)
            cells = tuple(sanitize(col.text(row, now)) for col in self._columns)
            self._texts[key] = cells
        return cells

    def _measure(self) -> None:
        """Grow column widths to fit the header and the rows on screen."""
        top = int(self.scroll_y)
        height = max(1, self.size.height - 1)
        now_s = int(time.time())
        widths = self._sticky
        changed = False
        cols = self._columns
        store = self._store
        for index in range(top, min(top + height, len(self._order))):
            row = store.get(self._uid_at(index) or "")
            if row is None:
                continue
            for c, text in enumerate(self._cells(row, now_s)):
                w = cell_len(text)
                if w > widths[c]:
                    limit = cols[c].max_width
                    if limit and w > limit:
                        w = limit
                    if w > widths[c]:
                        widths[c] = w
                        changed = True
        if changed or widths != self._widths:
            self._widths = list(widths)
            self._update_virtual_size()
            self.refresh()

    def render_lines(self, crop):  # type: ignore[override]
        self.paint_count += 1
        self._style = self.rich_style  # once per pass, not per line (it is not cheap)
        self._measure()
        return super().render_lines(crop)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._styles.clear()
        self._header = None
        self._style = None

    def on_focus(self) -> None:
        self._styles.clear()
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._styles.clear()
        self._strips.clear()
        self.refresh()

    def _component(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name)
        return style

    def _fit(self, text: str, width: int, align: str) -> str:
        n = cell_len(text)
        if n > width:
            if width <= 1:
                return text[:width]
            # cut to width-1 cells and add an ellipsis (ASCII names: one cell per character)
            out = text
            while cell_len(out) > width - 1:
                out = out[:-1]
            return out + "…" + " " * (width - 1 - cell_len(out))
        pad = " " * (width - n)
        return pad + text if align == "right" else text + pad

    def _line_text(self, cells: tuple[str, ...]) -> str:
        gap = " " * GAP
        fit = self._fit
        return gap.join(fit(text, w, col.align) for text, col, w in zip(cells, self._columns, self._widths))

    def _header_strip(self, width: int) -> Strip:
        key = (tuple(self._widths), self._sort_col, self._reverse, width)
        if self._header is not None and self._header_key == key:
            return self._header
        base = self._component("resource-table--header")
        sorted_style = self._component("resource-table--header-sorted")
        segs: list[Segment] = [Segment(NO_MARK, base)]
        for i, (col, w) in enumerate(zip(self._columns, self._widths)):
            if i:
                segs.append(Segment(" " * GAP, base))
            if i == self._sort_col:
                label = col.name + ("↓" if self._reverse else "↑")
                segs.append(Segment(self._fit(label, w, col.align), sorted_style))
            else:
                segs.append(Segment(self._fit(col.name, w, col.align), base))
        total = max(width, MARK_GUTTER + sum(self._widths) + GAP * max(0, len(self._widths) - 1))
        strip = Strip(segs).extend_cell_length(total, base)
        self._header, self._header_key = strip, key
        return strip

    def _row_strip(self, index: int, row: Row, total: int, now_s: int) -> Strip:
        cursor = index == self._cursor
        marked = row.uid in self._marks
        key = (row, cursor, marked, tuple(self._widths), total, now_s, self._generation)
        strip = self._strips.get(key)
        if strip is not None:
            return strip
        style = self._base_style()
        tone = self.row_style(row) if self.row_style else None
        if tone:
            style = style + self._component(f"resource-table--{tone}")
        if self._stale:
            style = style + self._component("resource-table--stale")
        if cursor and marked:
            style = style + self._component("resource-table--cursor-marked")
        elif cursor:
            style = style + self._component("resource-table--cursor")
        elif marked:
            style = style + self._component("resource-table--marked")
        text = (MARK if marked else NO_MARK) + self._line_text(self._cells(row, now_s))
        strip = Strip([Segment(text, style)]).extend_cell_length(total, style)
        self._strips[key] = strip
        return strip

    def _base_style(self) -> Style:
        if self._style is None:
            self._style = self.rich_style
        return self._style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        base = self._base_style()
        total = max(width + scroll_x, MARK_GUTTER + sum(self._widths) + GAP * max(0, len(self._widths) - 1))
        if y == 0:
            return self._header_strip(total).crop_extend(scroll_x, scroll_x + width, base)
        index = int(self.scroll_y) + y - 1
        uid = self._uid_at(index)
        if uid is None:
            if not self._order and y == 1:
                style = self._component("resource-table--empty")
                return Strip([Segment(self._fit(sanitize(self.empty_text), width, "left"), style)])
            return Strip.blank(width, base)
        row = self._store.get(uid)
        if row is None:  # removed from the store since the last batch: drawn at the next one
            return Strip.blank(width, base)
        strip = self._row_strip(index, row, total, int(time.time()))
        return strip.crop_extend(scroll_x, scroll_x + width, base)

def _merged(a: list[str], b: list[str], key: Callable[[str], tuple]) -> list[str]:
    """Two lists sorted by `key`, merged: appended when `b` sorts after `a` (a list arriving in
    order), else Timsort's linear merge of two runs."""
    if not b:
        return a
    if not a:
        return b
    if key(b[0]) >= key(a[-1]):
        a.extend(b)
        return a
    out = a + b
    out.sort(key=key)
    return out
