"""Cluster and host text for widgets: sanitised (`k8stui.sanitize`) and never parsed as markup.

    cluster_text(value, style="")      -> rich.text.Text, one line (tabs/newlines shown as ␉ ␊)
    cluster_lines(value, style="")     -> rich.text.Text, multi-line (tabs and newlines kept)
    safe_text(text, lines=True)        -> the same rich.text.Text sanitised, its styles kept
    plain(value)                       -> str for a markup=False widget or a toast (one line); a RichLog
                                          line is Text(plain(v), style=...) (cluster_text's end="" is for cells)
    markup_safe(value)                 -> str to splice into k8stui's own markup: sanitised, then escaped
    markup_safe_lines(value)           -> the same, newlines and tabs kept
    table_row(values)                  -> DataTable cells (str and Text) as sanitised Text

Use `Text` (or `Text.assemble` of our own styled parts and these) wherever a widget takes a
renderable; `safe_text` on a `Text` assembled from f-strings that carry cluster values;
`markup_safe` only where a widget's own string must stay markup.

`markup_safe` is not `textual.markup.escape`: that one leaves `[$error]`, `[B]` or `[ bold]`
unescaped (they are applied as styles), and a trailing backslash in the value escapes the tag
that follows it, which can make the whole string invalid markup (a MarkupError when drawn).
"""

from __future__ import annotations

from typing import Iterable

from rich.text import Span, Text

from k8stui.sanitize import _table, is_safe, sanitize, sanitize_lines

_LAYOUT = "\t\n"
# Shown instead of a backslash that would end the value: Textual's markup has no way to write a
# backslash right before a `[` (its tags are `(?<!\\)\[`), and our own tags follow the value.
_LAST_BACKSLASH = "\u29f5"  # ⧵ REVERSE SOLIDUS OPERATOR


def cluster_text(value: object, style: str = "") -> Text:
    return Text(sanitize(value), style=style, end="")


def cluster_lines(value: object, style: str = "") -> Text:
    return Text(sanitize_lines(value), style=style, end="")


def safe_text(text: Text, lines: bool = True) -> Text:
    """`text` with its characters sanitised and its spans moved with them (an escape such as
    `\\u202e` is longer than the character it shows). Returns `text` itself when it is clean."""
    keep = _LAYOUT if lines else ""
    plain = text.plain
    if is_safe(plain, keep):
        return text
    table = _table(keep)
    pieces = [table.get(ord(ch), ch) for ch in plain]
    starts = [0]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    out = text.blank_copy("".join(pieces))
    out.spans = [Span(starts[s.start], starts[s.end], s.style) for s in text.spans]
    return out


def plain(value: object) -> str:
    return sanitize(value)


def _escape(text: str) -> str:
    if "[" in text:
        text = text.replace("[", "\\[")
    if text.endswith("\\"):
        text = text[:-1] + _LAST_BACKSLASH
    return text


def markup_safe(value: object) -> str:
    return _escape(sanitize(value))


def markup_safe_lines(value: object) -> str:
    return _escape(sanitize_lines(value))


def table_row(values: Iterable[object]) -> list[Text]:
    """A DataTable row's cells: a DataTable parses `str` cells as markup, so every `str` becomes a
    sanitised `Text`; a `Text` (our own styled cell, perhaps holding cluster text) is sanitised."""
    return [safe_text(v, lines=False) if isinstance(v, Text) else cluster_text(v) for v in values]
