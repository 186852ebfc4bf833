"""Hostile strings, and what may reach the terminal when k8stui shows them.

Anyone who may create a pod writes text k8stui prints (image names come back in Events, annotations,
reasons, SSH output of a host). `HOSTILE` packs every kind of terminal attack into one value;
`RecordingDriver` is Textual's headless driver made to render and keep every byte the app writes,
and `assert_inert` says that none of the attacks is in them.
"""

from __future__ import annotations

import re

from textual.drivers.headless_driver import HeadlessDriver

from conftest import wait_until
from k8stui.sanitize import is_safe

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # writes `rm -rf ~` to the clipboard
OSC8 = "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"  # a hyperlink
CLEAR = "\x1b[2J"  # clears the screen
ALT_SCREEN = "\x1b[?1049h"  # switches to the alternate screen
PASTE_END = "\x1b[201~"  # ends a bracketed paste early
BEL, NUL = "\x07", "\x00"
C1_CSI = "\x9b2J"  # the one-character CSI
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "evil‮gnp.exe" reads "evilexe.png"
MARKUP = "[bold]x[/bold][link=http://evil]y[/link][red][$error]z"

CONTROLS = OSC52 + OSC8 + CLEAR + ALT_SCREEN + PASTE_END + BEL + NUL + C1_CSI + RLO + "gnp.exe"
HOSTILE = MARKUP + CONTROLS  # markup first: it survives any column cut

# How the sanitised payload reads on screen (proof that it got there, shown and not obeyed)
SHOWN_MARKUP = "[bold]x[/bold][link=http://evil]y[/link][red][$error]z"
SHOWN_OSC52 = "␛]52;c;cm0gLXJmIH4="  # (then ␇; a Rich Text assembled by append drops BEL itself)
SHOWN_RLO = "\\u202egnp.exe"

# Textual's own output besides CSI sequences: the pointer shape (OSC 22, ended by BEL)
_TEXTUAL_OSC = re.compile(r"\x1b\]22;[a-z-]+\x07")
_CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class RecordingDriver(HeadlessDriver):
    """The headless driver, but the app renders to it (as it does to a terminal) and every write
    is kept in `written`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.written: list[str] = []

    @property
    def is_headless(self) -> bool:
        return False  # App._display then renders every update and writes it here

    def write(self, data: str) -> None:
        self.written.append(data)

    def flush(self) -> None:
        pass


def record_terminal(monkeypatch) -> None:
    """Make `App.run_test()` use `RecordingDriver` (it imports the headless driver when it starts)."""
    import textual.drivers.headless_driver as headless

    monkeypatch.setattr(headless, "HeadlessDriver", RecordingDriver)


def written(app) -> str:
    driver = app._driver
    assert isinstance(driver, RecordingDriver), "run the app with record_terminal(monkeypatch)"
    return "".join(driver.written)


def assert_inert(out: str) -> None:
    """Nothing in `out` (what the app wrote to the terminal) comes from the hostile payloads:
    every ESC starts one of Textual's own CSI sequences or its pointer-shape OSC, and no other
    control character, C1 control or bidi override is there."""
    assert out, "the app wrote nothing: nothing was checked"
    for attack in (OSC52[:6], "\x1b]8;", CLEAR, ALT_SCREEN, PASTE_END):
        assert attack not in out, f"{attack!r} reached the terminal"
    rest = _CSI.sub("", _TEXTUAL_OSC.sub("", out))
    stray = sorted({c for c in rest if not is_safe(c, keep="\n")})
    assert not stray, f"control characters reached the terminal: {stray!r}"


EVIL_POD = "evil-image"  # default/evil-image on k8s-worker-1, its image and annotation hostile
EVIL_NODE = "k8s-worker-2"  # its OS image hostile


def plant(sim) -> None:
    """Hostile text wherever a user of the (settled seed) cluster may write it: a pod's image (and
    so the kubelet's `Pulling image` Event) and annotation, a node's OS image (the OS-IMAGE
    column), a bootstrap token's description. Returns once the kubelet has reported the pull."""
    store = sim.cluster.store
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": EVIL_POD, "namespace": "default", "annotations": {"note": HOSTILE}},
           "spec": {"nodeName": "k8s-worker-1", "containers": [{"name": "c", "image": "busybox" + HOSTILE}]}}
    sim.call(lambda: store.create("pods", pod, "default"))

    def os_image(node: dict) -> None:
        node["status"]["nodeInfo"]["osImage"] = HOSTILE

    sim.call(lambda: store.mutate("nodes", "", EVIL_NODE, os_image, subresource="status"))
    sim.call(lambda: sim.cluster.create_bootstrap_token(3600, HOSTILE, ["signing", "authentication"], []))

    def pulled() -> bool:
        return any(e.get("reason") == "Pulling" and (e.get("involvedObject") or {}).get("name") == EVIL_POD
                   for e in store.objects("events"))

    wait_until(lambda: sim.call(pulled), what="the kubelet's Pulling event of the hostile image")
