"""Cluster and host text for widgets: sanitised (`k8stui.sanitize`) and never parsed as markup.

    cluster_text(value, style="")      -> rich.text.Text, one line (tabs/newlines shown as ␉ ␊)
    cluster_lines(value, style="")     -> rich.text.Text, multi-line (tabs and newlines kept)
    plain(value)                       -> str for a markup=False widget or a toast (one line)
    markup_safe(value)                 -> str to splice into k8stui's own markup: sanitised, then escaped

Use `Text` (or `Text.assemble` of our own styled parts and these) wherever a widget takes a
renderable; `markup_safe` only where a widget's own string must stay markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.markup import escape

from k8stui.sanitize import sanitize, sanitize_lines


def cluster_text(value: object, style: str = "") -> Text:
    return Text(sanitize(value), style=style, end="")


def cluster_lines(value: object, style: str = "") -> Text:
    return Text(sanitize_lines(value), style=style, end="")


def plain(value: object) -> str:
    return sanitize(value)


def markup_safe(value: object) -> str:
    return escape(sanitize(value))
