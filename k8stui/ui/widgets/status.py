"""The status bar (context, connection state, age of the last update) and the read-only banner.

Both only render what the screen hands them; neither talks to the cluster.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual.widgets import Static

from k8stui.kube import printers
from k8stui.ui.safe import markup_safe


@dataclass
class FeedState:
    """What the status bar says about one cache."""

    name: str  # "nodes", "pods"
    state: str  # connecting | listing | live | stale | reconnecting | relisting
    error: str | None
    count: int
    stale_since: float | None = None  # the rows were last known true then (None: not stale)


def clock_time(ts: float) -> str:
    """"14:03:07": a moment of today, in local time."""
    return time.strftime("%H:%M:%S", time.localtime(ts))


def feed_label(f: FeedState) -> str:
    """A feed's state in words: `live`, `listing`, `stale since 14:03:07`, `reconnecting, stale
    since 14:03:07` (a stale feed never reads `live`)."""
    if f.stale_since is None:
        return f.state
    since = f"stale since {clock_time(f.stale_since)}"
    return since if f.state in ("stale", "live") else f"{f.state}, {since}"


def ago(seconds: float) -> str:
    """"2s", "3m10s": the age of the last update, as kubectl prints ages."""
    return printers.human_duration(max(0.0, seconds))


class StatusBar(Static):
    """One line: `⎈ context  nodes live · pods live  updated 2s ago  message`. "updated" is the
    last good update (an event, a bookmark, a list), so it keeps counting while disconnected."""

    DEFAULT_CSS = """
    StatusBar { height: 1; }
    """

    def show(self, context: str, server: str, feeds: list[FeedState], last_update: float | None,
             now: float, note: str = "") -> None:
        parts = [f"[b]⎈ {markup_safe(context or '-')}[/b] [dim]{markup_safe(server)}[/dim]"]
        feed_txt = []
        error = None
        for f in feeds:
            label = feed_label(f)
            if label == "live":
                feed_txt.append(f"{f.name} [$success]live[/]")
            elif f.state in ("reconnecting", "stale") or f.stale_since is not None:
                feed_txt.append(f"{f.name} [$error]{label}[/]")
                error = error or f.error
            else:
                feed_txt.append(f"{f.name} [$warning]{label}[/]")
        if feed_txt:
            parts.append(" · ".join(feed_txt))
        if last_update:
            parts.append(f"updated {ago(now - last_update)} ago")
        if error:
            parts.append(f"[$error]{markup_safe(error)}[/]")
        if note:
            parts.append(markup_safe(note))
        text = "  │  ".join(parts)
        if text != getattr(self, "_shown", None):
            self._shown = text
            self.update(text)


class ReadOnlyBanner(Static):
    """A permanent banner while the session is read-only (hidden otherwise)."""

    def set_reason(self, reason: str | None) -> None:
        self.display = bool(reason)
        if reason:
            self.update(f"[b]READ-ONLY[/b]  {markup_safe(reason)}  — changes are refused")
