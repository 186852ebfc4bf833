"""THE READ-ONLY TEST: sessions that may not write (--readonly, `readonly: true` in the config, and
a user whose RBAC cannot write) press every mutating key; the simulated server must have received
nothing but get/list/watch (and access reviews) from that user, and every attempt must have shown
a refusal."""

from __future__ import annotations

import pytest

from k8stui.config import load_config
from k8stui.ui.screens.drain import DrainScreen
from k8stui.ui.screens.nodes import NodesScreen
from ui_support import SIZE, make_app, notifications, screen_text, started, until

# every key that changes something in this version of the TUI (the nodes screen's c and u; d, the
# drain wizard, is driven through its plan below)
MUTATING_KEYS = ["c", "u"]
READ_VERBS = {"get", "list", "watch"}
REVIEWS = {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}


@pytest.fixture(autouse=True)
def _state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def cordon_in_store(sim, node: str) -> None:
    def set_unschedulable(o: dict) -> None:
        o["spec"]["unschedulable"] = True

    sim.call(lambda: sim.cluster.store.mutate("nodes", "", node, set_unschedulable))


@pytest.mark.parametrize("how", ["flag", "config", "rbac"])
async def test_read_only_session_sends_no_write(make_sim, tmp_path, how):
    sim = make_sim()
    # worker-1 cordoned beforehand (so `u` has something to change), worker-2 schedulable
    cordon_in_store(sim, "k8s-worker-1")
    context, readonly, config, user = "admin", False, None, "kubernetes-admin"
    if how == "flag":
        readonly, banner = True, "read-only: --readonly"
    elif how == "config":
        cfg = tmp_path / "config.yaml"
        cfg.write_text("readonly: false\ncontexts:\n  admin:\n    readonly: true\n")
        config, banner = load_config(cfg), "read-only: config: contexts.admin.readonly"
    else:
        context, user, banner = "viewer", "viewer", "read-only: your RBAC does not allow writes"
    kw = {"config": config} if config is not None else {}
    app = make_app(sim, context=context, readonly=readonly, **kw)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        assert isinstance(app.screen, NodesScreen)
        await until(pilot, lambda: banner in screen_text(app), what="the read-only banner")
        table = app.screen.table
        attempts = 0
        for target in ("k8s-worker-1", "k8s-worker-2"):
            table.select_uid(next(u for u, r in table.store.items() if r.name == target))
            for key in MUTATING_KEYS:
                before = len(notifications(app))
                await pilot.press(key)
                attempts += 1
                await until(pilot, lambda: len(notifications(app)) > before, what=f"{key} on {target} answered")
                msg = notifications(app)[-1]
                assert msg.startswith("refused (read-only)"), msg
        # the same with both nodes marked
        await pilot.press("home", "j", "space", "space")
        assert len(table.marked_uids) == 2
        for key in MUTATING_KEYS:
            before = len(notifications(app))
            await pilot.press(key)
            attempts += 2
            await until(pilot, lambda: len(notifications(app)) >= before + 2, what=f"{key} on marked nodes")
        # the drain wizard: the plan is shown (reads only), running it is refused by the engine
        await pilot.press("escape")  # the marks
        assert not table.marked_uids
        table.select_uid(next(u for u, r in table.store.items() if r.name == "k8s-worker-2"))
        await pilot.press("d")
        wizard = await until(pilot, lambda: isinstance(app.screen, DrainScreen) and app.screen, what="the wizard")
        await until(pilot, lambda: "READ-ONLY: plan only" in screen_text(app), what="the wizard's badge")
        await pilot.press("enter")
        await until(pilot, lambda: wizard.phase == "plan", what="the drain plan")
        assert "will evict" in screen_text(app)
        before = len(notifications(app))
        await pilot.press("d")
        attempts += 1
        await until(pilot, lambda: len(notifications(app)) > before, what="d answered")
        assert notifications(app)[-1] == ("refused (read-only): read-only mode: refused to drain "
                                          "node/k8s-worker-2")
        assert wizard.events == []
        await pilot.press("escape", "escape")  # the plan, then the wizard
        await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="back on the nodes")
        refusals = [m for m in notifications(app) if m.startswith("refused (read-only)")]
        assert len(refusals) == attempts
        # where a write was needed, the refusal is the guard's (ReadOnlyError), not the UI's
        assert any('unable to cordon node "k8s-worker-2": read-only mode: refused to PATCH /api/v1/nodes/k8s-worker-2'
                   in m for m in refusals)
        assert any('unable to uncordon node "k8s-worker-1": read-only mode: refused to PATCH' in m for m in refusals)
        conn = app.session.conn
        assert {m for m, p in conn.sent} <= {"GET", "POST"}
        assert all(p.endswith(("selfsubjectaccessreviews", "selfsubjectrulesreviews")) for m, p in conn.sent
                   if m == "POST")
    # what reached the server from that user: reads and access reviews only, and nothing changed
    mine = [r for r in sim.cluster.server.requests if r.user == user]
    assert mine, "the session made requests"
    bad = [(r.method, r.path) for r in mine
           if not (r.verb in READ_VERBS or (r.verb == "create" and r.resource in REVIEWS))]
    assert bad == []
    assert not any(r.method in ("PATCH", "PUT", "DELETE") for r in sim.cluster.server.requests)
    nodes = sim.call(lambda: {n["metadata"]["name"]: bool(n["spec"].get("unschedulable"))
                              for n in sim.cluster.store.objects("nodes")})
    assert nodes == {"k8s-master": False, "k8s-worker-1": True, "k8s-worker-2": False}
