"""What `/` means: substring, regex or label selector, decided from the text (no Textual here).

- `/web`            substring, case-insensitive, over the row's printed cells (and namespace)
- `/re:^web-\\d+`    regex (case-insensitive; `^` and `$` anchor at each cell); text containing any of ^$*+?()[]{}|\\ is taken
                    as a regex too, so `/^web` works without the prefix (`.` alone does not
                    count: it is in every IP and many names)
- `/!text`          inverse: rows that do NOT match text (or regex)
- `/-l app=web,tier!=db`   label selector with the API's syntax (= == != in notin, exists, !key)

An invalid regex or selector gives a one-line error and no filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from k8stui.kube.rows import Row

REGEX_META = set("^$*+?()[]{}|\\")


@dataclass
class RowFilter:
    text: str
    predicate: Callable[[Row], bool] | None
    description: str = ""
    error: str | None = None


class SearchText:
    """The lower-cased text a row is matched against (namespace, then its cells but the stale
    AGE, one per line so `^`/`$` anchor at cell boundaries), built once per row object and kept
    by uid: a second filter over 150,000 rows is a substring scan, not 150,000 string builds."""

    def __init__(self, skip: int | None = None):
        self.skip = skip
        self.texts: dict[str, tuple[Row, str]] = {}

    def __call__(self, row: Row) -> str:
        hit = self.texts.get(row.uid)
        if hit is not None and hit[0] is row:
            return hit[1]
        cells = row.cells
        skip = self.skip
        if skip is None:
            text = "\n".join((row.namespace, *cells)).lower()
        else:
            text = "\n".join((row.namespace, *cells[:skip], *cells[skip + 1:])).lower()
        texts = self.texts
        if hit is None and len(texts) > 400_000:  # rows come and go: start over now and then
            texts.clear()
        texts[row.uid] = (row, text)
        return text


def parse_filter(text: str, age_index: int | None = None, search: SearchText | None = None) -> RowFilter:
    """Turn the `/` text into a row predicate. `age_index`: the cell not to match (AGE is printed
    when drawn; the stored text is stale); `search`: a shared SearchText (cache) to match with."""
    raw = text
    text = text.strip()
    if not text:
        return RowFilter(raw, None)
    if text == "-l" or text.startswith(("-l ", "-l=")):
        sel_text = text[2:].lstrip(" =")
        from k8stui.kube.selectors import SelectorError, parse_label_selector

        try:
            sel = parse_label_selector(sel_text)
        except SelectorError as e:
            return RowFilter(raw, None, error=f"label selector {sel_text!r}: {e}")
        if not sel_text:
            return RowFilter(raw, None, error="label selector: give key=value, key!=value, key in (a,b), key, !key")
        return RowFilter(raw, lambda row: sel.matches(row.labels), f"-l {sel_text}")
    invert = False
    if text.startswith("!") and len(text) > 1:
        invert, text = True, text[1:]
    hay = search if search is not None else SearchText(age_index)
    if text.startswith("re:") or any(c in REGEX_META for c in text):
        pattern = text[3:] if text.startswith("re:") else text
        try:
            rx = re.compile(pattern, re.IGNORECASE | re.MULTILINE)
        except re.error as e:
            return RowFilter(raw, None, error=f"regex {pattern!r}: {e}")
        search = rx.search
        if invert:
            return RowFilter(raw, lambda row: search(hay(row)) is None, f"!re:{pattern}")
        return RowFilter(raw, lambda row: search(hay(row)) is not None, f"re:{pattern}")
    needle = text.lower()
    if isinstance(hay, SearchText):
        texts = hay.texts

        def contains(row: Row) -> bool:  # SearchText.__call__ inlined: 150,000 rows per keystroke
            hit = texts.get(row.uid)
            return needle in (hit[1] if hit is not None and hit[0] is row else hay(row))
    else:  # pragma: no cover
        def contains(row: Row) -> bool:
            return needle in hay(row)
    if invert:
        return RowFilter(raw, lambda row: not contains(row), f"!{text}")
    return RowFilter(raw, contains, text)
