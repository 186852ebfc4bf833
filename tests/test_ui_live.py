"""Live updates: cordon through the UI shows up via the watch, objects created and deleted on the
server appear and disappear without a key press, and after a dropped stream or a 410 relist the
screen shows the truth (no ghost rows, none lost)."""

from __future__ import annotations

import collections
from typing import Iterator

import pytest

from conftest import FAST, wait_settled
from k8stui.sim.cluster import SimThread
from k8stui.ui.screens.nodes import NodesScreen
from k8stui.ui.screens.pods import PodsScreen
from ui_support import SIZE, command, make_app, notifications, screen_text, started, table_dict, until


@pytest.fixture(scope="module")
def live_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimThread]:
    """A seed cluster these tests change (each test leaves it as it found it)."""
    sim = SimThread("seed", tmp_path_factory.mktemp("live"), port=0, speed=FAST).start()
    wait_settled(sim)
    yield sim
    sim.stop()


@pytest.fixture(autouse=True)
def _state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def pod(name: str, node: str = "k8s-worker-2", namespace: str = "default") -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": {"test": "live"}},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "docker.io/library/busybox:1.36",
                                                       "resources": {"requests": {"cpu": "100m"}}}]}}


def pod_names(screen) -> set[str]:
    store = screen.table.store
    return {store[u].name for u in screen.table.visible_uids if u in store}


async def test_cordon_then_uncordon_shows_kubectl_line_and_live_status(live_sim):
    app = make_app(live_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = app.screen
        assert isinstance(screen, NodesScreen)
        await pilot.press("j")
        assert screen.table.cursor_row.name == "k8s-worker-1"
        await pilot.press("c")
        await until(pilot, lambda: "node/k8s-worker-1 cordoned" in notifications(app), what="cordon message")
        await until(pilot, lambda: table_dict(screen)["k8s-worker-1"]["STATUS"] == "Ready,SchedulingDisabled",
                    what="STATUS via the watch")
        assert "Ready,SchedulingDisabled" in screen_text(app)
        await pilot.press("c")
        await until(pilot, lambda: "node/k8s-worker-1 already cordoned" in notifications(app), what="already")
        await pilot.press("u")
        await until(pilot, lambda: "node/k8s-worker-1 uncordoned" in notifications(app), what="uncordon message")
        await until(pilot, lambda: table_dict(screen)["k8s-worker-1"]["STATUS"] == "Ready", what="Ready again")
        # marked nodes: both workers at once
        await pilot.press("space", "space")
        assert {r.name for r in screen.table.marked_rows()} == {"k8s-worker-1", "k8s-worker-2"}
        await pilot.press("c")
        await until(pilot, lambda: {"node/k8s-worker-1 cordoned", "node/k8s-worker-2 cordoned"}
                    <= set(notifications(app)), what="both cordoned")
        await pilot.press("u")
        await until(pilot, lambda: all(table_dict(screen)[n]["STATUS"] == "Ready"
                                       for n in ("k8s-worker-1", "k8s-worker-2")), what="both uncordoned")
    patches = [r for r in live_sim.cluster.server.requests if r.verb == "patch"]
    assert {(r.resource, r.name) for r in patches} == {("nodes", "k8s-worker-1"), ("nodes", "k8s-worker-2")}


async def test_pods_created_and_deleted_on_the_server_appear_and_disappear(live_sim):
    app = make_app(live_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        nodes = app.screen
        before = int(table_dict(nodes)["k8s-worker-2"]["PODS"])
        await command(pilot, "pods")
        screen = await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen, what="pods")
        await until(pilot, lambda: "debug-shell" in pod_names(screen), what="debug-shell listed")

        await live_sim.acall(lambda: live_sim.cluster.store.create("pods", pod("live-one")))
        await until(pilot, lambda: "live-one" in pod_names(screen), what="created pod shown")
        await until(pilot, lambda: "live-one" in screen_text(app), what="created pod drawn")
        await live_sim.acall(lambda: live_sim.cluster.store.delete("pods", "default", "live-one", grace_seconds=0))
        await until(pilot, lambda: "live-one" not in pod_names(screen), what="deleted pod gone")
        # the nodes screen underneath kept its tally right (applied when shown again)
        await command(pilot, "nodes")
        await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="nodes")
        assert int(table_dict(nodes)["k8s-worker-2"]["PODS"]) == before


async def test_dropped_watch_reconnects_without_ghosts(live_sim):
    app = make_app(live_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        await command(pilot, "pods")
        screen = await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen, what="pods")
        await live_sim.acall(lambda: live_sim.cluster.store.create("pods", pod("ghost-to-be")))
        await until(pilot, lambda: "ghost-to-be" in pod_names(screen), what="pod shown")
        relists = app.session.pods.relists
        store = live_sim.cluster.store

        def drop_and_change() -> None:
            # on the server's loop in one go: the streams end, then changes happen before any
            # client can reconnect
            store.close_watchers()
            store.delete("pods", "default", "ghost-to-be", grace_seconds=0)
            store.create("pods", pod("born-offline"))

        await live_sim.acall(drop_and_change)
        await until(pilot, lambda: "born-offline" in pod_names(screen) and "ghost-to-be" not in pod_names(screen),
                    what="the truth after the reconnect")
        assert app.session.pods.state == "live"
        # resumed from the last resourceVersion (the history still had it): no relist was needed
        assert app.session.pods.relists == relists
        await live_sim.acall(lambda: store.delete("pods", "default", "born-offline", grace_seconds=0))
        await until(pilot, lambda: "born-offline" not in pod_names(screen), what="cleanup seen")


async def test_compacted_history_relists_and_shows_the_truth(live_sim):
    app = make_app(live_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        await command(pilot, "pods")
        screen = await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen, what="pods")
        await live_sim.acall(lambda: live_sim.cluster.store.create("pods", pod("old-one")))
        await until(pilot, lambda: "old-one" in pod_names(screen), what="pod shown")
        relists = app.session.pods.relists
        store = live_sim.cluster.store
        saved = store.history

        def compact_while_away() -> None:
            store.history = collections.deque(saved, maxlen=5)
            store.close_watchers()
            store.delete("pods", "default", "old-one", grace_seconds=0)
            for i in range(12):  # churn: the history the client needs is gone
                store.create("configmaps", {"metadata": {"name": f"churn-{i}", "namespace": "default"}})
            store.create("pods", pod("new-one"))

        try:
            await live_sim.acall(compact_while_away)
            await until(pilot, lambda: app.session.pods.relists > relists, what="a relist (410 Gone)")
            await until(pilot, lambda: "new-one" in pod_names(screen) and "old-one" not in pod_names(screen),
                        what="the truth after the relist")
            # live once the watch after the relist is open (a moment after the new rows)
            await until(pilot, lambda: app.session.pods.state == "live", what="live after the relist")
            assert screen.table.row_count == len(app.session.pods.rows)
        finally:
            def restore() -> None:
                store.history = collections.deque(store.history, maxlen=saved.maxlen)
                for i in range(12):
                    store.delete("configmaps", "default", f"churn-{i}")
                store.delete("pods", "default", "new-one", grace_seconds=0)

            await live_sim.acall(restore)
