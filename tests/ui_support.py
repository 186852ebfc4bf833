"""Helpers for the TUI tests: start the app on a simulated cluster, wait on conditions (never on
sleeps), and read what is on screen."""

from __future__ import annotations

import time
from typing import Callable

from k8stui.config import Config
from k8stui.sim.cluster import SimThread
from k8stui.ui.app import K8sTuiApp
from k8stui.ui.launch import connection_factory
from k8stui.ui.screens.base import ResourceScreen

SIZE = (200, 40)


def make_app(sim: SimThread | None = None, *, kubeconfig=None, context: str | None = "admin", **kw) -> K8sTuiApp:
    path = kubeconfig if kubeconfig is not None else sim.kubeconfig_path  # type: ignore[union-attr]
    kw.setdefault("config", Config())
    return K8sTuiApp(connection_factory(path), context=context, **kw)


async def until(pilot, pred: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> object:
    """Let the app run until `pred()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = pred()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})\n"
                                 + screen_text(pilot.app))
        await pilot.pause(0.02)


def screen_text(app) -> str:
    """The terminal as the user sees it (plain text)."""
    try:
        return "\n".join(s.text.rstrip() for s in app.screen._compositor.render_strips())
    except Exception as e:  # pragma: no cover - only for failure messages
        return f"<no screen: {e}>"


def table_cells(screen: ResourceScreen) -> list[list[str]]:
    """The visible table as cells (display order), printed as drawn now."""
    table = screen.table
    now = time.time()
    store = table.store  # (a row deleted since the last batch is still listed until the next one)
    return [[c.text(store[u], now) for c in table.columns] for u in table.visible_uids if u in store]


def table_dict(screen: ResourceScreen, key: str = "NAME") -> dict[str, dict[str, str]]:
    names = [c.name for c in screen.table.columns]
    out = {}
    for cells in table_cells(screen):
        row = dict(zip(names, cells))
        k = row[key] if key != "NAMESPACE/NAME" else f"{row['NAMESPACE']}/{row['NAME']}"
        out[k] = row
    return out


def notifications(app) -> list[str]:
    return [text for _, text in app.message_log]


async def started(pilot, nodes: int = 1, pods: int = 1, timeout: float = 20.0) -> None:
    """Wait until the session is live and both caches hold at least that many rows."""
    app = pilot.app

    def ready() -> bool:
        s = app.session
        return bool(s and s.nodes.synced.is_set() and s.pods.synced.is_set() and len(s.nodes.rows) >= nodes
                    and len(s.pods.rows) >= pods and isinstance(app.screen, ResourceScreen)
                    and app.screen.table.row_count > 0)

    await until(pilot, ready, timeout, "the session to be live")


async def command(pilot, text: str) -> None:
    """Type a `:` command and Enter."""
    await pilot.press(":", *keys(text), "enter")


async def filter_(pilot, text: str) -> None:
    await pilot.press("/", *keys(text), "enter")


def keys(text: str) -> list[str]:
    return ["space" if c == " " else c for c in text]


async def burst(pilot, *names: str) -> None:
    """Keys as a terminal delivers fast typing: every event queued at once, before the first is
    handled (`pilot.press` lets the app settle between keys, which hides ordering bugs)."""
    from textual import events
    from textual.keys import _character_to_key

    app = pilot.app
    for name in names:
        char = name if len(name) == 1 else {"space": " ", "enter": "\r"}.get(name)
        key = _character_to_key(name) if len(name) == 1 and not name.isalnum() else name
        event = events.Key(key, char)
        event.set_sender(app)
        app.post_message(event)
    await pilot.pause()


async def answerable(pilot, screen_type) -> object:
    """Wait for a confirmation dialog of that type to be on screen and to take answers (armed)."""
    app = pilot.app
    return await until(pilot, lambda: isinstance(app.screen, screen_type) and app.screen.armed and app.screen,
                       what=f"the {screen_type.__name__} to take answers")


def kubectl_table(out: str) -> list[dict[str, str]]:
    """Parse kubectl's column output by the header's column starts (cells may contain spaces)."""
    lines = out.rstrip("\n").splitlines()
    header = lines[0]
    starts = []
    i = 0
    while i < len(header):
        if header[i] != " " and (i == 0 or header[i - 1] == " " and header[i - 2:i] == "  "):
            starts.append(i)
        i += 1
    names = []
    for j, s in enumerate(starts):
        end = starts[j + 1] if j + 1 < len(starts) else None
        names.append(header[s:end].strip())
    rows = []
    for ln in lines[1:]:
        cells = []
        for j, s in enumerate(starts):
            end = starts[j + 1] if j + 1 < len(starts) else None
            cells.append(ln[s:end].strip())
        rows.append(dict(zip(names, cells)))
    return rows
