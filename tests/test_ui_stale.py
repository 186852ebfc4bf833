"""Never stale without saying so, and back by itself: `k8stui sim` as a real process is stopped
(SIGSTOP: a hung API server), resumed, and restarted on the same port with new credentials, while
the TUI runs against it without a keystroke."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from k8stui.kube import cache as cache_mod
from k8stui.kube.cache import ResourceCache
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.nodes import NodesScreen
from k8stui.ui.widgets.status import FeedState, StatusBar, clock_time, feed_label
from ui_support import SIZE, make_app, screen_text, started, until

@pytest.fixture(autouse=True)
def _state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


class SimProcess:
    """`k8stui sim` in a subprocess; its output goes to files (a full pipe would block it)."""

    def __init__(self, tmp_path: Path, kubeconfig: Path, scenario: str = "seed", port: int = 0):
        self.dir = tmp_path / f"sim-{scenario}-{time.monotonic_ns()}"
        self.dir.mkdir()
        self.out = self.dir / "stdout"
        self.stopped = False
        env = dict(os.environ, XDG_STATE_HOME=str(self.dir / "state"))
        with open(self.out, "w") as out, open(self.dir / "stderr", "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "k8stui", "sim", "--kubeconfig", str(kubeconfig), "--port", str(port),
                 "--speed", "0.02", "--scenario", scenario], stdout=out, stderr=err, env=env)
        self.url = ""

    async def ready(self, timeout: float = 60.0) -> "SimProcess":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.out.read_text().splitlines():
                if line.startswith("ready "):
                    fields = dict(f.split("=", 1) for f in line.split()[1:])
                    self.url = fields["server"]
                    return self
            if self.proc.poll() is not None:
                raise AssertionError(f"k8stui sim exited {self.proc.returncode}: {(self.dir / 'stderr').read_text()}")
            await asyncio.sleep(0.05)
        raise AssertionError(f"no ready line from k8stui sim in {timeout}s")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)
        self.stopped = True

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
        self.stopped = False

    async def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        if self.stopped:
            self.resume()
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.proc.wait, 30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            await asyncio.to_thread(self.proc.wait, 30)


def status_line(app) -> str:
    """The status bar's markup as last shown."""
    return getattr(app.screen.query_one("#status", StatusBar), "_shown", "")


def feeds_all(app, label: str) -> bool:
    s = app.session
    return bool(s) and all(feed_label(FeedState(n, c.state, c.error, 0, c.stale_since)).startswith(label)
                           for n, c in s.caches.items())


# ---- the status bar's words, and the defaults' promise ------------------------------------------


def test_feed_labels():
    at = time.mktime((2026, 3, 1, 14, 3, 7, 0, 0, -1))
    assert clock_time(at) == "14:03:07"
    assert feed_label(FeedState("pods", "live", None, 3)) == "live"
    assert feed_label(FeedState("pods", "listing", None, 0)) == "listing"
    assert feed_label(FeedState("pods", "stale", "no answer", 3, at)) == "stale since 14:03:07"
    assert feed_label(FeedState("pods", "reconnecting", "refused", 3, at)) == "reconnecting, stale since 14:03:07"
    assert feed_label(FeedState("pods", "relisting", None, 3, at)) == "relisting, stale since 14:03:07"
    # never `live` while the rows are stale (a state and stale_since out of step)
    assert feed_label(FeedState("pods", "live", None, 3, at)) == "stale since 14:03:07"
    assert feed_label(FeedState("pods", "stale", "never listed", 0)) == "stale"


def test_status_bar_text_counts_from_the_last_good_update():
    at = time.mktime((2026, 3, 1, 14, 3, 7, 0, 0, -1))
    bar = StatusBar()
    feeds = [FeedState("nodes", "live", None, 3), FeedState("pods", "stale", "the API server stopped answering", 9, at)]
    bar.show("admin", "https://127.0.0.1:6443", feeds, at - 5, at + 40)
    text = bar._shown
    assert "nodes [$success]live[/]" in text
    assert "pods [$error]stale since 14:03:07[/]" in text
    assert "updated 45s ago" in text
    assert "the API server stopped answering" in text
    assert "pods [$success]" not in text


def test_defaults_meet_the_promise():
    """With the default intervals a hung server shows as stale, and a recovered one as live,
    within 30 s (the real-process tests below run with shortened intervals)."""

    class NoConnection:
        generation = 0

    cache = ResourceCache(NoConnection(), "pods")  # type: ignore[arg-type]
    assert cache.worst_case_stale_s() <= 30 - 5  # room for scheduling
    # the wait before the next attempt, then a connect and a list page must fit
    assert cache.worst_case_recovery_s() + cache.connect_seconds + cache.read_seconds <= 30 + 5
    assert cache.worst_case_recovery_s() <= 15
    # the watch itself ends server-side and is probed long before its socket timeout
    assert cache.quiet_seconds < cache.watch_seconds
    assert cache.probe_seconds <= cache.connect_seconds + cache.read_seconds


# ---- a hung server ------------------------------------------------------------------------------


@pytest.fixture
def short_intervals(monkeypatch):
    """Seconds instead of tens of seconds (the simulator at speed 0.02 bookmarks every 0.2 s)."""
    for name, value in (("QUIET_SECONDS", 1.0), ("PROBE_SECONDS", 1.0), ("CONNECT_SECONDS", 1.0),
                        ("READ_SECONDS", 2.0), ("MAX_BACKOFF", 1.0)):
        monkeypatch.setattr(cache_mod, name, value)


async def test_hung_server_is_stale_then_live_again(tmp_path, short_intervals):
    kubeconfig = tmp_path / "kubeconfig"
    sim = await SimProcess(tmp_path, kubeconfig).ready()
    app = make_app(kubeconfig=kubeconfig)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, nodes=3, pods=5)
            screen = app.screen
            assert isinstance(screen, NodesScreen)
            await until(pilot, lambda: feeds_all(app, "live"), what="both feeds live")
            assert not screen.table.stale

            sim.pause()
            paused = time.monotonic()
            await until(pilot, lambda: "stale since" in screen_text(app) and feeds_all(app, "stale since"),
                        timeout=30, what="stale since, for both feeds")
            assert time.monotonic() - paused < 30
            text = screen_text(app)
            assert "[$success]live" not in status_line(app)
            assert app.session.pods.state == "stale" and app.session.nodes.state == "stale"
            assert "stopped answering" in text or "did not answer in time" in text
            assert screen.table.stale  # the rows are dimmed

            # "updated" is the last good update: it does not move while the server is away
            pods = app.session.pods
            last, attempts = app.session.last_update(), pods.reconnects
            await until(pilot, lambda: pods.reconnects >= attempts + 2, timeout=30, what="two more failed attempts")
            assert app.session.last_update() == last

            # acting on stale rows asks first; no, and nothing is sent
            sent = len(app.session.conn.sent)
            await pilot.press("c")
            confirm = await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen,
                                  what="the stale question")
            assert confirm.question.startswith("The nodes data is stale since ")
            assert confirm.question.endswith("; cordon k8s-master anyway?")
            await pilot.press("n")
            await until(pilot, lambda: app.screen is screen, what="back on the nodes screen")
            assert not [m for m, _ in app.session.conn.sent[sent:] if m == "PATCH"]

            sim.resume()
            resumed = time.monotonic()
            await until(pilot, lambda: feeds_all(app, "live"), timeout=30, what="live again")
            assert time.monotonic() - resumed < 30
            await until(pilot, lambda: "stale since" not in screen_text(app) and not screen.table.stale,
                        what="the marker gone")
            await until(pilot, lambda: app.session.last_update() > last, what="a good update after the outage")
    finally:
        await sim.stop()


# ---- a restarted server with new credentials ------------------------------------------------------


async def test_restarted_server_with_new_credentials_is_back_by_itself(tmp_path):
    """Defaults throughout: the old cluster's rows are replaced by the new one's within 30 s."""
    kubeconfig = tmp_path / "kubeconfig"
    old = await SimProcess(tmp_path, kubeconfig, "seed").ready()
    app = make_app(kubeconfig=kubeconfig)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await started(pilot, nodes=3, pods=5)
            screen = app.screen
            assert "k8s-master" in screen_text(app)
            conn = app.session.conn
            old_pods = {r.name for r in app.session.pods.rows.values()}
            assert "etcd-k8s-master" in old_pods
            ca_before = kubeconfig.read_text()

            await old.stop()
            new = await SimProcess(tmp_path, kubeconfig, "empty", port=old.port).ready()
            restarted = time.monotonic()
            try:
                assert kubeconfig.read_text() != ca_before  # a new CA and new tokens

                def new_cluster_shown() -> bool:
                    s = app.session
                    names = {r.name for r in s.pods.rows.values()} if s else set()
                    text = screen_text(app)
                    return ("etcd-cp-1" in names and not names & old_pods and "cp-1" in text
                            and "k8s-master" not in text and feeds_all(app, "live"))

                await until(pilot, new_cluster_shown, timeout=30, what="the new cluster's nodes and pods")
                assert time.monotonic() - restarted < 30
                assert app.screen is screen and app.session.conn is conn  # rebuilt in place
                assert conn.generation >= 1 and conn.server == new.url
                assert {r.name for r in app.session.nodes.rows.values()} == {"cp-1", "node-1", "node-2"}
            finally:
                await new.stop()
    finally:
        await old.stop()


# ---- the error screen, and what counts as a changed kubeconfig -------------------------------------


async def test_error_screen_reconnects_when_the_kubeconfig_changes(tmp_path):
    from conftest import FAST
    from k8stui.sim.cluster import SimThread
    from k8stui.ui.screens.error import ErrorScreen
    from test_ui_errors import free_port, kubeconfig as write_kubeconfig

    port = free_port()
    path = tmp_path / "kubeconfig"
    write_kubeconfig(path, f"https://127.0.0.1:{port}")
    app = make_app(kubeconfig=path, context=None)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ErrorScreen), what="the error screen")
        # the server comes up where the kubeconfig points and rewrites it: no key is pressed
        sim = SimThread("seed", tmp_path / "sim", port=port, speed=FAST, kubeconfig_path=path).start()
        try:
            await started(pilot, nodes=3)
            assert isinstance(app.screen, NodesScreen)
        finally:
            await pilot.press("ctrl+q")
            sim.stop()


def test_fingerprint_covers_the_files_the_kubeconfig_names(tmp_path):
    import ssl

    import aiohttp
    import yaml
    from kubernetes.aio.client.exceptions import ApiException

    from k8stui.kube.connection import current_fingerprint, kubeconfig_files, needs_new_credentials, read_kubeconfig

    (tmp_path / "ca.crt").write_text("one")
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "a",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1", "certificate-authority": "ca.crt"}}],
        "users": [{"name": "u", "user": {"tokenFile": str(tmp_path / "token")}}],
        "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}}]}))
    info = read_kubeconfig(path)
    assert kubeconfig_files(info, "a") == [path, tmp_path / "ca.crt", tmp_path / "token"]
    before = current_fingerprint(path, None)
    (tmp_path / "ca.crt").write_text("two")  # same kubeconfig, a new CA file
    assert current_fingerprint(path, None) != before
    before = current_fingerprint(path, None)
    (tmp_path / "token").write_text("t")  # a token file that appears
    assert current_fingerprint(path, None) != before
    before = current_fingerprint(path, None)
    path.write_text("broken: [")  # even an unusable kubeconfig is a change
    assert current_fingerprint(path, None) != before

    assert needs_new_credentials(ApiException(status=401))
    assert not needs_new_credentials(ApiException(status=403))
    assert needs_new_credentials(ssl.SSLCertVerificationError("bad cert"))
    assert not needs_new_credentials(aiohttp.ServerTimeoutError("slow"))
