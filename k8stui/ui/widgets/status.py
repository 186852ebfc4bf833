"""The status bar (context, connection state, age of the last update) and the read-only banner.

Both only render what the screen hands them; neither talks to the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import Static

from k8stui.kube import printers
from k8stui.ui.safe import markup_safe


@dataclass
class FeedState:
    """What the status bar says about one cache."""

    name: str  # "nodes", "pods"
    state: str  # connecting | listing | live | reconnecting | relisting
    error: str | None
    count: int


def ago(seconds: float) -> str:
    """"2s", "3m10s": the age of the last update, as kubectl prints ages."""
    return printers.human_duration(max(0.0, seconds))


class StatusBar(Static):
    """One line: `⎈ context  nodes live · pods live  updated 2s ago  message`."""

    DEFAULT_CSS = """
    StatusBar { height: 1; }
    """

    def show(self, context: str, server: str, feeds: list[FeedState], last_update: float | None,
             now: float, note: str = "") -> None:
        parts = [f"[b]⎈ {markup_safe(context or '-')}[/b] [dim]{markup_safe(server)}[/dim]"]
        feed_txt = []
        error = None
        for f in feeds:
            if f.state == "live":
                feed_txt.append(f"{f.name} [$success]live[/]")
            elif f.state in ("reconnecting",):
                feed_txt.append(f"{f.name} [$error]{f.state}[/]")
                error = error or f.error
            else:
                feed_txt.append(f"{f.name} [$warning]{f.state}[/]")
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
