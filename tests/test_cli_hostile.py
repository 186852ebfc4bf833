"""The CLI and hostile cluster text: `k8stui get` escapes as kubectl does (byte for byte through a
pipe), error lines are always sanitised, and on a terminal nothing of a server's or host's text is
written as a control sequence."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FAST, run_kubectl, wait_settled
from hostile import EVIL_NODE, HOSTILE, OSC52, SHOWN_MARKUP, plant
from k8stui import cli
from k8stui.sanitize import is_safe
from k8stui.sim.cluster import SimThread


@pytest.fixture(scope="module")
def hostile_sim(tmp_path_factory: pytest.TempPathFactory):
    sim = SimThread("seed", tmp_path_factory.mktemp("hostile-cli"), port=0, speed=FAST).start()
    wait_settled(sim)
    plant(sim)
    yield sim
    sim.stop()


def k8stui(sim, *args: str, context: str = "admin") -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_STATE_HOME=str(sim.cluster.workdir / "state"),
               XDG_CONFIG_HOME=str(sim.cluster.workdir / "config"))
    return subprocess.run([sys.executable, "-m", "k8stui", *args, "--kubeconfig", str(sim.kubeconfig_path),
                           "--context", context], capture_output=True, text=True, timeout=60, env=env)


def test_get_nodes_escapes_a_hostile_cell_as_kubectl_does(kubectl, hostile_sim) -> None:
    ours = k8stui(hostile_sim, "get", "nodes", "-o", "wide")
    theirs = run_kubectl(kubectl, hostile_sim, "get", "nodes", "-o", "wide")
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    line = next(ln for ln in theirs.stdout.splitlines() if ln.startswith(EVIL_NODE))
    assert "^[]52;c;cm0gLXJmIH4=" in line and "\x1b" not in line  # kubectl's own escaping, through a pipe
    assert ours.stdout == theirs.stdout  # (ages of days: the same in both)


def test_error_lines_are_sanitised_whatever_stderr_is(hostile_sim) -> None:
    r = k8stui(hostile_sim, "get", "nodes", context="nosuch" + OSC52.replace("\x00", ""))
    assert r.returncode == 1
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert "␛]52;c;cm0gLXJmIH4=␇" in r.stderr and is_safe(r.stderr, keep="\n")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_main(monkeypatch, stream: io.StringIO, *argv: str) -> int:
    monkeypatch.setattr(sys, "stdout", stream)
    return cli.main(list(argv))


def test_token_list_on_a_terminal_shows_a_hostile_description_inert(hostile_sim, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    args = ("token", "list", "--kubeconfig", str(hostile_sim.kubeconfig_path), "--context", "admin")
    tty = _Tty()
    assert _run_main(monkeypatch, tty, *args) == 0
    assert SHOWN_MARKUP in tty.getvalue() and "␛]52;c;cm0gLXJmIH4=␇" in tty.getvalue()
    assert is_safe(tty.getvalue(), keep="\t\n")
    pipe = io.StringIO()  # through a pipe: kubeadm's bytes, as kubeadm prints them
    assert _run_main(monkeypatch, pipe, *args) == 0
    assert HOSTILE in pipe.getvalue()
    assert sys.stdout is pipe  # (main put back the stream it guarded)
