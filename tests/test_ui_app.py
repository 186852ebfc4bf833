"""The TUI driven as a user would, against the simulated seed cluster over HTTPS (read-only
interactions share one module-scoped cluster)."""

from __future__ import annotations

import time

import pytest

from conftest import run_kubectl
from k8stui.kube.rows import NODE_WIDE, POD_WIDE
from k8stui.ui.screens.events import EventsScreen
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.screens.nodes import NodesScreen
from k8stui.ui.screens.pods import PodsScreen
from k8stui.ui.screens.yaml_view import YamlScreen
from ui_support import (SIZE, command, filter_, keys, kubectl_table, make_app, notifications, screen_text,
                        started, table_cells, table_dict, until)


@pytest.fixture(autouse=True)
def _state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def names(screen) -> list[str]:
    col = [c.name for c in screen.table.columns].index("NAME")
    return [cells[col] for cells in table_cells(screen)]


async def test_nodes_screen_shows_kubectl_cells(seed_sim, kubectl):
    out = run_kubectl(kubectl, seed_sim, "get", "nodes", "-o", "wide")
    assert out.returncode == 0, out.stderr
    want = {r["NAME"]: r for r in kubectl_table(out.stdout)}
    pods = kubectl_table(run_kubectl(kubectl, seed_sim, "get", "pods", "-A", "-o", "wide").stdout)
    app = make_app(seed_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=len(pods))
        screen = app.screen
        assert isinstance(screen, NodesScreen)
        await until(pilot, lambda: len(screen.table.visible_uids) == 3, what="3 nodes")
        got = table_dict(screen)
        assert sorted(got) == ["k8s-master", "k8s-worker-1", "k8s-worker-2"]
        for name, row in got.items():
            assert {k: row[k] for k in NODE_WIDE} == want[name], name
            # PODS is the tally of the pods bound to the node (none has completed in the seed)
            assert row["PODS"] == str(sum(1 for p in pods if p["NODE"] == name))
            assert row["CPU"].endswith("%)") and "/4 (" in row["CPU"]
        # live once each watch is open (a moment after its list)
        text = await until(pilot, lambda: "nodes live · pods live" in screen_text(app) and screen_text(app),
                           what="status")
        assert "k8s-worker-1" in text and "CONTAINER-RUNTIME" in text
        assert "updated" in text and "⎈ admin" in text


async def test_enter_opens_node_pods_and_esc_goes_back(seed_sim, kubectl):
    out = run_kubectl(kubectl, seed_sim, "get", "pods", "-A", "-o", "wide", "--field-selector",
                      "spec.nodeName=k8s-worker-1")
    want = {f'{r["NAMESPACE"]}/{r["NAME"]}': r for r in kubectl_table(out.stdout)}
    app = make_app(seed_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        await pilot.press("j")  # k8s-master -> k8s-worker-1
        assert app.screen.table.cursor_row.name == "k8s-worker-1"
        await pilot.press("enter")
        screen = await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen, what="pods screen")
        assert screen.node == "k8s-worker-1"
        await until(pilot, lambda: len(screen.table.visible_uids) == len(want), what="the node's pods")
        got = table_dict(screen, "NAMESPACE/NAME")
        assert sorted(got) == sorted(want)
        for key, row in got.items():
            for col in ["NAMESPACE"] + POD_WIDE:
                if col != "AGE":
                    assert row[col] == want[key][col], (key, col)
        assert "node k8s-worker-1" in screen_text(app)
        await filter_(pilot, "calico")
        await until(pilot, lambda: screen.table.row_count == 1, what="filtered")
        await pilot.press("escape", "escape")  # the filter, then back
        await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="back to nodes")
        # another node: the same pods screen, a new scope, no leftover filter
        await pilot.press("j", "enter")
        await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen.node == "k8s-worker-2",
                    what="worker-2's pods")
        assert app.screen is screen and screen.row_filter.predicate is None
        await until(pilot, lambda: screen.table.row_count and all(
            screen.table.store[u].node == "k8s-worker-2" for u in screen.table.visible_uids if u in screen.table.store),
            what="only worker-2's pods")
        assert screen.table.cursor_index == 0


async def test_pods_and_namespace_commands(seed_sim, kubectl):
    want = kubectl_table(run_kubectl(kubectl, seed_sim, "get", "pods", "-A", "-o", "wide").stdout)
    app = make_app(seed_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=len(want))
        await command(pilot, "pods")
        screen = await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen, what="pods")
        assert [c.name for c in screen.table.columns] == ["NAMESPACE"] + POD_WIDE
        await until(pilot, lambda: screen.table.row_count == len(want), what="all pods")
        got = table_dict(screen, "NAMESPACE/NAME")
        for r in want:
            row = got[f'{r["NAMESPACE"]}/{r["NAME"]}']
            for col in ["NAMESPACE"] + POD_WIDE:
                if col == "AGE" and r["AGE"].endswith("s"):
                    continue  # a pod seconds old may tick between the two reads
                assert row[col] == r[col], (r["NAME"], col)
        # kubectl's order: namespace, then name
        keys_ = [(c[0], c[1]) for c in table_cells(screen)]
        assert keys_ == sorted(keys_)

        await command(pilot, "ns kube-system")
        await until(pilot, lambda: screen.namespace == "kube-system", what=":ns")
        assert [c.name for c in screen.table.columns] == POD_WIDE
        assert names(screen) == sorted(r["NAME"] for r in want if r["NAMESPACE"] == "kube-system")
        assert "namespace kube-system" in screen_text(app)

        await command(pilot, "ns all")
        await until(pilot, lambda: screen.namespace is None and screen.table.row_count == len(want), what=":ns all")
        assert screen.table.columns[0].name == "NAMESPACE"

        await command(pilot, "nodes")
        await until(pilot, lambda: isinstance(app.screen, NodesScreen), what=":nodes")
        await command(pilot, "bogus")
        assert any("unknown command: bogus" in n for n in notifications(app))


async def test_filter_substring_regex_and_labels(seed_sim):
    app = make_app(seed_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        await command(pilot, "pods")
        screen = await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen, what="pods")
        total = await until(pilot, lambda: screen.table.row_count, what="rows")

        await filter_(pilot, "coredns")
        await until(pilot, lambda: screen.table.row_count == 2, what="substring filter")
        assert all(n.startswith("coredns-") for n in names(screen))
        assert "filter coredns" in screen_text(app)

        await pilot.press("escape")  # Esc clears the filter
        await until(pilot, lambda: screen.table.row_count == total, what="filter cleared")

        await filter_(pilot, "^kube-(proxy|scheduler)")  # metacharacters: a regex
        await until(pilot, lambda: screen.table.row_count and all(
            n.startswith(("kube-proxy", "kube-scheduler")) for n in names(screen)), what="regex filter")
        assert len(names(screen)) == 3 + 1  # a kube-proxy per node, one scheduler

        await filter_(pilot, "re:WEB-")  # explicit regex, case-insensitive
        await until(pilot, lambda: names(screen) and all(n.startswith("web-") for n in names(screen)),
                    what="re: filter")

        await filter_(pilot, "-l k8s-app in (kube-dns,calico-node)")
        await until(pilot, lambda: len(names(screen)) == 2 + 3, what="label selector")
        assert all(n.startswith(("coredns-", "calico-node-")) for n in names(screen))

        await filter_(pilot, "-l app=web,tier!=db")
        await until(pilot, lambda: names(screen) and all(n.startswith("web-") for n in names(screen)),
                    what="label selector with !=")

        await filter_(pilot, "!kube-system")  # inverse
        await until(pilot, lambda: names(screen) and all(
            c[0] != "kube-system" for c in table_cells(screen)), what="inverse filter")

        await filter_(pilot, "re:([")
        assert any("regex" in n and "([" in n for n in notifications(app))
        await filter_(pilot, "-l a in (")
        assert any(n.startswith("label selector") for n in notifications(app))


async def test_sort_cursor_marks(seed_sim):
    app = make_app(seed_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        await command(pilot, "pods")
        screen = await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen, what="pods")
        await until(pilot, lambda: screen.table.row_count > 5, what="rows")
        table = screen.table
        assert table.sort_column == "NAMESPACE"
        await pilot.press("s")  # next column: NAME
        assert table.sort_column == "NAME" and not table.sort_reverse
        assert names(screen) == sorted(names(screen))
        await pilot.press("S")  # reverse
        assert table.sort_reverse and names(screen) == sorted(names(screen), reverse=True)
        await pilot.press("N")  # k9s: shift+n sorts by name; again reverses
        assert table.sort_column == "NAME"
        await pilot.press(">", ">", ">")  # STATUS, RESTARTS, AGE
        assert table.sort_column == "RESTARTS"
        await pilot.press("A")
        assert table.sort_column == "AGE"
        created = [table.store[u].created for u in table.visible_uids]
        assert created == sorted(created, reverse=True)  # youngest first
        await pilot.press("<")
        assert table.sort_column == "RESTARTS"

        # the cursor follows its row through a re-sort
        await pilot.press("g", "j", "j")
        assert table.cursor_index == 2
        uid = table.cursor_uid
        await pilot.press("N")
        assert table.cursor_uid == uid and table.cursor_index == table.index_of(uid)
        await pilot.press("k")
        assert table.cursor_index == table.index_of(uid) - 1
        await pilot.press("G")
        assert table.cursor_index == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_index == 0

        # marks: space marks and moves down; Esc clears them
        await pilot.press("space", "space")
        assert len(table.marked_uids) == 2 and table.cursor_index == 2
        assert "2 marked" in screen_text(app)
        await pilot.press("escape")
        assert not table.marked_uids
        assert isinstance(app.screen, PodsScreen)  # the marks went first, the screen stays


async def test_help_yaml_events_palette(seed_sim):
    app = make_app(seed_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        await pilot.press("?")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await until(pilot, lambda: "command palette" in screen_text(app), what="help text")
        assert "cordon the marked nodes" in app.screen.query_one("#help").source
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="help closed")
        await pilot.press("f1")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help on F1")
        await pilot.press("escape")

        await pilot.press("y")
        yaml_screen = await until(pilot, lambda: isinstance(app.screen, YamlScreen) and app.screen, what="yaml")
        await until(pilot, lambda: "kind: Node" in yaml_screen.text, what="yaml loaded")
        assert "name: k8s-master" in yaml_screen.text and "managedFields" not in yaml_screen.text
        assert "resourceVersion" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="yaml closed")

        # events of a pod, newest first (recorded here as a component would, so the test does not
        # depend on which controllers record what)
        await command(pilot, "pods")
        await filter_(pilot, "web-")
        pods = await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.screen.table.row_count
                           and app.screen, what="web pods")
        pod = pods.table.cursor_row
        other = pods.table.row_at(1)
        now = time.time()
        for i, (reason, target) in enumerate([("Scheduled", pod), ("Pulled", pod), ("Started", pod),
                                              ("Killing", other)]):
            ev = event(target.namespace, target.name, "Pod", reason, now - 100 + i * 10)
            await seed_sim.acall(lambda ev=ev: seed_sim.cluster.store.create("events", ev))
        await pilot.press("e")
        ev_screen = await until(pilot, lambda: isinstance(app.screen, EventsScreen) and app.screen, what="events")
        await until(pilot, lambda: ev_screen.events, what="events listed")
        assert [e["reason"] for e in ev_screen.events] == ["Started", "Pulled", "Scheduled"]
        text = await until(pilot, lambda: "Scheduled" in screen_text(app) and screen_text(app), what="drawn")
        assert f"pod/{pod.name}" in text and "Started" in text and "Killing" not in text
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, PodsScreen), what="events closed")

        # the command palette jumps to a node
        await pilot.press("ctrl+p")
        await pilot.press(*keys("node: k8s-worker-2"))
        await until(pilot, lambda: "node: k8s-worker-2" in screen_text(app), what="palette hit")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, NodesScreen)
                    and app.screen.table.cursor_row.name == "k8s-worker-2", what="palette jump")


def event(namespace: str, name: str, kind: str, reason: str, at: float) -> dict:
    from k8stui.sim.store import now_rfc3339

    return {"metadata": {"generateName": f"{name}.", "namespace": namespace},
            "involvedObject": {"kind": kind, "name": name, "namespace": namespace, "apiVersion": "v1"},
            "reason": reason, "message": f"{reason} {name}", "type": "Normal",
            "source": {"component": "kubelet", "host": "k8s-worker-1"},
            "firstTimestamp": now_rfc3339(at), "lastTimestamp": now_rfc3339(at), "count": 1}


async def test_age_is_printed_when_drawn(seed_sim):
    app = make_app(seed_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        table = app.screen.table
        row = table.cursor_row
        age = [c for c in table.columns if c.name == "AGE"][0]
        assert age.text(row, row.created + 90) == "90s"
        assert age.text(row, row.created + 3 * 86400 + 5 * 3600) == "3d5h"
        assert age.text(row, time.time()) == "30d"


async def test_context_switch_reconnects_with_new_caches(seed_sim):
    app = make_app(seed_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=5)
        old = app.session
        assert "READ-ONLY" not in screen_text(app)
        await command(pilot, "pods")
        await command(pilot, "ctx viewer")
        await until(pilot, lambda: app.session is not None and app.session is not old, what="new session")
        await started(pilot, nodes=3, pods=5)
        assert app.session.conn.context == "viewer" and app.session.pods is not old.pods
        assert isinstance(app.screen, NodesScreen)  # back to the start screen of the new context
        await until(pilot, lambda: "read-only: your RBAC does not allow writes" in screen_text(app),
                    what="viewer banner")
        assert "⎈ viewer" in screen_text(app)
        assert not old.running  # the old caches were stopped
        await command(pilot, "ctx nope")
        assert any('context "nope" not found (have: admin, viewer)' in n for n in notifications(app))
        assert app.session.conn.context == "viewer"
