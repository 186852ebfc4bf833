"""The drain wizard (`d` on the nodes screen) driven as a user would, against simulated clusters: the
options form, the plan's verdicts and budgets, the typed confirmation, the live board (PDB-blocked
retries, skip, delete despite the budget, stop then uncordon), marked nodes in sequence with a
failure stopping it, the maintenance Lease (held during the drain, someone else's refusing it), and
a read-only session that gets the plan and nothing else."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from k8stui import audit
from k8stui.ops.drain import DrainOptions, NodeCordoned, NodeDrained
from k8stui.ops.maintenance import LEASE_NAME, LEASE_NAMESPACE, _micro_time, default_holder
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.drain import AfterDrainScreen, DrainScreen
from k8stui.ui.screens.nodes import NodesScreen
from k8stui.ui.screens.prompts import TypeNameScreen
from ui_support import SIZE, keys, make_app, notifications, screen_text, started, table_dict, until

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
FAST_RETRY = 0.2  # the 429 retry delay (kubectl's 5 s) for these tests


@pytest.fixture(autouse=True)
def _state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def ignore_daemonsets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The form starts with --ignore-daemonsets on (kubectl's default, off, is tested on its own)."""
    monkeypatch.setattr(DrainScreen, "default_options", staticmethod(lambda: DrainOptions(ignore_daemonsets=True)))


@pytest.fixture
def fast_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DrainScreen, "default_options", staticmethod(
        lambda: DrainOptions(ignore_daemonsets=True, delete_emptydir_data=True, evict_retry_delay=FAST_RETRY)))


# ---- helpers -------------------------------------------------------------------------------------

def store(sim):
    return sim.cluster.store


def unschedulable(sim, node: str) -> bool:
    return bool(sim.call(lambda: store(sim).get("nodes", "", node))["spec"].get("unschedulable"))


def lease_in_store(sim) -> dict | None:
    for lease in sim.call(lambda: store(sim).objects("leases", LEASE_NAMESPACE)):
        if lease["metadata"]["name"] == LEASE_NAME:
            return lease
    return None


def pods_on(sim, node: str, prefix: str) -> list[str]:
    """ns/name of the pods bound to `node` whose ns/name starts with `prefix`."""
    keys = [f'{p["metadata"]["namespace"]}/{p["metadata"]["name"]}'
            for p in sim.call(lambda: store(sim).objects("pods")) if p["spec"].get("nodeName") == node]
    return [k for k in keys if k.startswith(prefix)]


def writes(sim) -> list[tuple[str, str]]:
    """Requests that change something (the session's access review on connect is a read)."""
    return [(r.method, r.path) for r in sim.cluster.server.requests
            if r.method in WRITES and not r.path.endswith("selfsubjectaccessreviews")]


def rows(screen: DrainScreen, table_id: str) -> dict[str, dict[str, str]]:
    """A DataTable of the wizard as {NODE/POD or POD: {column: text}}."""
    t = screen.query_one(table_id, DataTable)
    names = [str(c.label) for c in t.columns.values()]
    out = {}
    for key in t.rows:
        row = dict(zip(names, (str(c) for c in t.get_row(key))))
        out[row["POD"]] = row
    return out


def plan_rows(screen: DrainScreen) -> dict[str, dict[str, str]]:
    return rows(screen, "#drain-plan-table")


def board(screen: DrainScreen) -> dict[str, dict[str, str]]:
    return rows(screen, "#drain-board-table")


def gates_text(screen: DrainScreen) -> str:
    return str(screen.query_one("#drain-gates", Static).content)


def dialog_detail(app) -> str:
    """What the typed confirmation on top explains (its text, without the dialog's frame)."""
    return str(app.screen.query_one("#typename-detail", Static).content)


def select_node(app, name: str) -> None:
    table = app.screen.table
    assert table.select_uid(next(u for u, r in table.store.items() if r.name == name))


async def open_wizard(pilot, *names: str) -> DrainScreen:
    """Mark these nodes (one: just the cursor) and press d."""
    app = pilot.app
    await until(pilot, lambda: all(n in table_dict(app.screen) for n in names), what="the nodes")
    if len(names) == 1:
        select_node(app, names[0])
    else:
        for n in names:
            select_node(app, n)
            await pilot.press("space")
    await pilot.press("d")
    screen = await until(pilot, lambda: isinstance(app.screen, DrainScreen) and app.screen, what="the wizard")
    assert screen.nodes == list(names) and screen.phase == "options"
    return screen


async def plan(pilot, screen: DrainScreen) -> None:
    """Enter on the form (the --force checkbox has the focus): the plan."""
    await pilot.press("enter")
    await until(pilot, lambda: screen.phase == "plan", what="the plan")


async def type_name(pilot, name: str) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, TypeNameScreen) and app.screen.expected == name
                and app.screen.armed, what=f"the request to type {name}")
    await pilot.press("ctrl+u", *keys(name), "enter")


async def yes(pilot, screen_type=ConfirmScreen, key: str = "y") -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, screen_type) and getattr(app.screen, "armed", True),
                what=f"the {screen_type.__name__}")
    await pilot.press(key)


def cursor_to(screen: DrainScreen, pod_prefix: str) -> str:
    t = screen.query_one("#drain-board-table", DataTable)
    for i, key in enumerate(t.rows):
        pod = str(t.get_row(key)[1])
        if pod.startswith(pod_prefix):
            t.move_cursor(row=i)
            return pod
    raise AssertionError(f"no board row {pod_prefix}")


def foreign_lease(sim, holder: str, intent: str) -> None:
    now = time.time()
    body = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": LEASE_NAME, "namespace": LEASE_NAMESPACE,
                         "annotations": {"k8stui.io/intent": intent}},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 600, "acquireTime": _micro_time(now),
                     "renewTime": _micro_time(now), "leaseTransitions": 0}}
    sim.call(lambda: store(sim).create("leases", body))


# ---- tests ---------------------------------------------------------------------------------------

async def test_plan_verdicts_typed_confirmation_and_board(make_sim) -> None:
    sim = make_sim("seed")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = await open_wizard(pilot, "k8s-worker-1")
        # kubectl's defaults: every flag off, each box reading [ ] (not only a colour)
        assert "kubectl drain k8s-worker-1\n" in screen_text(app) + "\n"
        assert "[ ] --force:" in screen_text(app) and "[ ] --ignore-daemonsets:" in screen_text(app)
        await plan(pilot, screen)
        got = plan_rows(screen)
        daemons = {k: r for k, r in got.items()
                   if k.startswith(("kube-system/calico-node-", "kube-system/kube-proxy-"))}
        assert {(r["VERDICT"], r["FLAG"]) for r in daemons.values()} == {("BLOCKED", "--ignore-daemonsets")}
        await pilot.press("o")
        await until(pilot, lambda: screen.phase == "options", what="the options")
        await pilot.press("tab", "space")
        await until(pilot, lambda: "kubectl drain k8s-worker-1 --ignore-daemonsets" in screen_text(app),
                    what="the command line")
        assert "[x] --ignore-daemonsets:" in screen_text(app)
        await pilot.press("shift+tab")  # back to --force
        await plan(pilot, screen)
        got = plan_rows(screen)
        daemons = {k: r for k, r in got.items()
                   if k.startswith(("kube-system/calico-node-", "kube-system/kube-proxy-"))}
        assert len(daemons) == 2 and {r["VERDICT"] for r in daemons.values()} == {"ignored (DaemonSet)"}
        shell = got["default/debug-shell"]
        assert (shell["VERDICT"], shell["FLAG"]) == ("BLOCKED", "--force")
        assert "declare no controller" in shell["REASON"]
        web = next(k for k in got if k.startswith("default/web-"))
        assert got[web]["VERDICT"] == "will evict"
        report = gates_text(screen)
        assert "k8s-worker-1 (worker): 2 to evict · 2 ignored · 0 skipped · 1 BLOCKED" in report
        assert "✓ safety gates: ok" in report
        # blocked pods: nothing starts (not even the cordon)
        await pilot.press("d")
        await until(pilot, lambda: "cannot drain: k8s-worker-1: 1 pod(s) BLOCKED (allowed with --force"
                    in notifications(app)[-1], what="the refusal")
        assert not isinstance(app.screen, (ConfirmScreen, TypeNameScreen)) and writes(sim) == []

        await pilot.press("o")  # back to the options: --force on, plan again
        await until(pilot, lambda: screen.phase == "options", what="the options")
        await pilot.press("space")
        await until(pilot, lambda: "kubectl drain k8s-worker-1 --force --ignore-daemonsets" in screen_text(app),
                    what="the command line")
        assert "[x] --force:" in screen_text(app)
        await plan(pilot, screen)
        shell = plan_rows(screen)["default/debug-shell"]
        assert shell["VERDICT"] == "will evict" and "deleting Pods that declare no controller" in shell["REASON"]
        # --force: confirmed by typing the node's name; a wrong name keeps the dialog open
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, TypeNameScreen), what="the typed confirmation")
        assert "--force deletes pods that no controller manages" in screen_text(app)
        await pilot.press(*keys("k8s-worker-2"), "enter")
        await until(pilot, lambda: "that is not k8s-worker-1" in screen_text(app), what="the mismatch")
        assert isinstance(app.screen, TypeNameScreen) and writes(sim) == []
        await type_name(pilot, "k8s-worker-1")
        await until(pilot, lambda: screen.phase == "finished", timeout=30, what="the end of the drain")
        assert screen.node_states == {"k8s-worker-1": "drained"}
        shown = board(screen)
        assert set(shown) == {"default/debug-shell", web, next(k for k in got if k.startswith("kube-system/coredns-"))}
        assert {r["STATE"] for r in shown.values()} == {"gone"}
        assert "1. k8s-worker-1: drained" in screen_text(app)
        assert "drained: k8s-worker-1" in str(screen.query_one("#drain-status", Static).content)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="back to the nodes")
        await until(pilot, lambda: table_dict(app.screen)["k8s-worker-1"]["STATUS"] == "Ready,SchedulingDisabled",
                    what="the node row")
    assert unschedulable(sim, "k8s-worker-1") and pods_on(sim, "k8s-worker-1", "default/") == []
    # the Lease was taken for the drain and given back
    assert lease_in_store(sim) is None
    entries = audit.read()
    actions = [e["action"] for e in entries]
    assert actions.index("maintenance-lease-acquire") < actions.index("evict") < \
        actions.index("maintenance-lease-release")
    assert any(e["action"] == "evict" and e["object"] == "pod/default/debug-shell" for e in entries)


async def test_pdb_blocked_stop_uncordon_then_skip(make_sim, fast_retry) -> None:
    sim = make_sim("ha")
    payments = pods_on(sim, "worker-5", "shop/payments-")[0]
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=8)
        screen = await open_wizard(pilot, "worker-5")
        await plan(pilot, screen)
        got = plan_rows(screen)
        assert got[payments]["PDB (allowed/current/desired)"] == "⚠ shop/payments 0/2/2 (allows 0)"
        assert "PodDisruptionBudget shop/payments (0/2/2) allows no disruption" in gates_text(screen)
        await pilot.press("d")
        await yes(pilot)  # no --force: a yes is enough
        await until(pilot, lambda: board(screen).get(payments, {}).get("STATE") ==
                    "blocked by PDB shop/payments (0/2/2)", what="the blocked pod")
        # the Lease is held by this session while the drain runs
        lease = lease_in_store(sim)
        assert lease is not None and lease["spec"]["holderIdentity"] == default_holder()
        assert lease["metadata"]["annotations"]["k8stui.io/intent"] == "drain worker-5"
        first = int(board(screen)[payments]["RETRIES"])
        await until(pilot, lambda: int(board(screen)[payments]["RETRIES"] or 0) >= first + 2,
                    what="the retries counting up")
        assert "Cannot evict pod as it would violate the pod's disruption budget" in board(screen)[payments]["DETAIL"]
        assert {r["STATE"] for k, r in board(screen).items() if k != payments} == {"gone"}

        await pilot.press("escape")  # stop (confirmed), then uncordon
        await yes(pilot)
        await yes(pilot, AfterDrainScreen, "u")
        await until(pilot, lambda: screen.phase == "finished", what="the end")
        assert screen.node_states == {"worker-5": "stopped"}
        await until(pilot, lambda: not unschedulable(sim, "worker-5"), what="the uncordon")
        assert lease_in_store(sim) is None
        assert payments in pods_on(sim, "worker-5", "shop/")

        await pilot.press("r")  # plan again and drain: skip the blocked pod this time
        await until(pilot, lambda: screen.phase == "plan", what="the new plan")
        await pilot.press("d")
        await yes(pilot)
        await until(pilot, lambda: board(screen).get(payments, {}).get("STATE", "").startswith("blocked by PDB"),
                    what="blocked again")
        cursor_to(screen, payments)
        await pilot.press("s")
        await until(pilot, lambda: screen.phase == "finished", what="the drain without it")
        assert screen.node_states == {"worker-5": "drained"}
        assert board(screen)[payments]["STATE"] == "skipped"
    assert unschedulable(sim, "worker-5") and payments in pods_on(sim, "worker-5", "shop/")


async def test_delete_despite_pdb(make_sim, fast_retry) -> None:
    sim = make_sim("ha")
    payments = pods_on(sim, "worker-2", "shop/payments-")[0]
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=8)
        screen = await open_wizard(pilot, "worker-2")
        await plan(pilot, screen)
        await pilot.press("d")
        await yes(pilot)
        await until(pilot, lambda: board(screen).get(payments, {}).get("STATE", "").startswith("blocked by PDB"),
                    what="the blocked pod")
        cursor_to(screen, payments)
        await pilot.press("x")
        # the delete would take the budget below what it requires: the node's name, not a yes
        await until(pilot, lambda: isinstance(app.screen, TypeNameScreen), what="the typed confirmation")
        text = dialog_detail(app)
        assert "despite its budget" in screen_text(app) and "shop/payments (0/2/2)" in text
        assert ("the safety gates refuse: PodDisruptionBudget shop/payments: deleting 1 healthy pod on worker-2 "
                "without asking it would leave 1 healthy; it requires 2 (maxUnavailable 0)") in text
        await pilot.press("escape")  # no: nothing happens, it keeps waiting
        await until(pilot, lambda: app.screen is screen, what="back on the board")
        assert board(screen)[payments]["STATE"].startswith("blocked")
        await pilot.press("x")
        await type_name(pilot, "worker-2")
        await until(pilot, lambda: screen.phase == "finished", what="the end of the drain")
        assert board(screen)[payments]["STATE"] == "gone (deleted)"
        assert screen.node_states == {"worker-2": "drained"}
    assert pods_on(sim, "worker-2", "shop/payments-") == []
    name = payments.split("/")[1]
    assert [r.method for r in sim.cluster.server.requests if r.name == name and r.method in WRITES][-1] == "DELETE"
    assert any(e["action"] == "delete" and e["object"] == f"pod/{payments}" for e in audit.read())
    assert [e["object"] for e in audit.read() if e["action"] == "override-safety"] == [f"pod/{payments}"]


async def test_marked_nodes_one_after_another(make_sim, ignore_daemonsets) -> None:
    sim = make_sim("seed")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = await open_wizard(pilot, "k8s-worker-1", "k8s-worker-2")
        await pilot.press("space")  # --force
        await plan(pilot, screen)
        assert {r["NODE"] for r in plan_rows(screen).values()} == {"k8s-worker-1", "k8s-worker-2"}
        await pilot.press("d")
        await type_name(pilot, "k8s-worker-1")
        await type_name(pilot, "k8s-worker-2")
        await until(pilot, lambda: screen.phase == "finished", timeout=30, what="both drains")
        assert screen.node_states == {"k8s-worker-1": "drained", "k8s-worker-2": "drained"}
    order = [(type(e).__name__, e.node) for e in screen.events if isinstance(e, NodeCordoned | NodeDrained)]
    assert order == [("NodeCordoned", "k8s-worker-1"), ("NodeDrained", "k8s-worker-1"),
                     ("NodeCordoned", "k8s-worker-2"), ("NodeDrained", "k8s-worker-2")]
    assert unschedulable(sim, "k8s-worker-1") and unschedulable(sim, "k8s-worker-2")
    # one Lease for the whole sequence
    assert [e["intent"] for e in audit.read() if e["action"] == "maintenance-lease-acquire"] == \
        ["drain k8s-worker-1, k8s-worker-2"]
    assert lease_in_store(sim) is None


async def test_a_failure_stops_the_sequence(make_sim, fast_retry) -> None:
    sim = make_sim("ha")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=8)
        screen = await open_wizard(pilot, "worker-2", "worker-5")
        await pilot.press(*["tab"] * 5, "ctrl+u", *keys("1s"))  # --timeout=1s: payments' budget never gives in
        await until(pilot, lambda: "--timeout=1s" in screen_text(app), what="the timeout")
        await pilot.press("enter")
        await until(pilot, lambda: screen.phase == "plan", what="the plan")
        await pilot.press("d")
        await type_name(pilot, "2")  # two nodes: their number is typed
        await yes(pilot, AfterDrainScreen, "l")  # the first drain fails: leave it cordoned
        await until(pilot, lambda: screen.phase == "finished", what="the end")
        assert screen.node_states == {"worker-2": "failed", "worker-5": "waiting"}
        assert "global timeout reached: 1s" in str(screen.results["worker-2"].error)
    assert unschedulable(sim, "worker-2") and not unschedulable(sim, "worker-5")
    assert not any(r.method in WRITES and "worker-5" in r.path for r in sim.cluster.server.requests)


async def test_lease_held_by_another_session(make_sim, ignore_daemonsets) -> None:
    sim = make_sim("seed")
    app = make_app(sim)
    holder = "alice@ops-laptop:4242"
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = await open_wizard(pilot, "k8s-worker-2")
        await plan(pilot, screen)
        foreign_lease(sim, holder, "upgrade the cluster to v1.35.2")  # taken meanwhile
        await pilot.press("d")
        await yes(pilot)
        await until(pilot, lambda: screen.lease_error, what="the refusal")
        assert screen.lease_error.startswith(f'maintenance in progress: {holder} holds '
                                             f'lease/{LEASE_NAMESPACE}/{LEASE_NAME} for "upgrade the cluster')
        assert holder in screen_text(app) and screen.phase == "plan"
        await pilot.press("r")  # the plan now shows it as a blocker, and d refuses at once
        await until(pilot, lambda: screen.phase == "plan" and holder in gates_text(screen), what="the blocker")
        assert "✗ blocked: another k8stui session is doing maintenance: " + holder in gates_text(screen)
        await pilot.press("d")
        await until(pilot, lambda: "cannot drain: k8s-worker-2: another k8stui session" in notifications(app)[-1],
                    what="the refusal")
    assert not unschedulable(sim, "k8s-worker-2")
    assert [(m, p) for m, p in writes(sim) if "leases" not in p] == []
    assert lease_in_store(sim)["spec"]["holderIdentity"] == holder  # untouched


WEB_LEFT_WITH_NOTHING = ("default/web: its 2 pods can run only on k8s-worker-1, k8s-worker-2, which this drain "
                         "takes away: 0 of 2 would be available")


async def test_marked_workers_refused_for_web_then_overridden_by_typing_the_name(make_sim, ignore_daemonsets) -> None:
    """seed's web may run only on workers: draining both in one sequence would leave it nothing. The
    plan says so at the second node; d asks for its name; Esc changes nothing; the name proceeds."""
    sim = make_sim("seed")
    sim.call(lambda: store(sim).delete("pods", "default", "debug-shell"))  # no --force needed then
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = await open_wizard(pilot, "k8s-worker-1", "k8s-worker-2")
        await plan(pilot, screen)
        assert screen.gates["k8s-worker-1"].ok  # alone, web's pod would move to k8s-worker-2
        assert screen.gates["k8s-worker-2"].refusals == [WEB_LEFT_WITH_NOTHING]
        shown = " ".join(gates_text(screen).split())
        assert f"✗ refused: {WEB_LEFT_WITH_NOTHING} (to drain anyway you will type k8s-worker-2)" in shown
        await pilot.press("d")  # worker-1 needs no name; worker-2's refusal does
        await until(pilot, lambda: isinstance(app.screen, TypeNameScreen), what="the override")
        assert app.screen.expected == "k8s-worker-2"
        assert f"• the safety gates refuse: {WEB_LEFT_WITH_NOTHING}" in dialog_detail(app).splitlines()
        await pilot.press("escape")  # cancelled: nothing at all, not even the first node
        await until(pilot, lambda: app.screen is screen, what="back on the plan")
        assert writes(sim) == [] and screen.phase == "plan"
        await pilot.press("d")
        await type_name(pilot, "k8s-worker-2")
        await until(pilot, lambda: screen.phase == "finished", timeout=30, what="both drains")
        assert screen.node_states == {"k8s-worker-1": "drained", "k8s-worker-2": "drained"}
    assert pods_on(sim, "k8s-worker-1", "default/web-") == pods_on(sim, "k8s-worker-2", "default/web-") == []
    overrides = [e for e in audit.read() if e["action"] == "override-safety"]
    assert [(e["object"], e["refusals"]) for e in overrides] == [("node/k8s-worker-2", [WEB_LEFT_WITH_NOTHING])]


async def test_only_control_plane_drains_with_a_warning(make_sim, ignore_daemonsets) -> None:
    sim = make_sim("seed")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = await open_wizard(pilot, "k8s-master")  # the only API server: its static pods stay
        await plan(pilot, screen)
        got = plan_rows(screen)
        assert {r["VERDICT"] for k, r in got.items() if k.startswith("kube-system/kube-apiserver-")} == \
            {"skipped (mirror)"}
        assert "! warning: k8s-master runs the only API server: draining it leaves its static pods" in \
            " ".join(gates_text(screen).split())
        assert "refused" not in gates_text(screen)
        await pilot.press("d")
        await yes(pilot)  # a yes: no name to type
        await until(pilot, lambda: screen.phase == "finished", what="the drain")
        assert screen.node_states == {"k8s-master": "drained"}
    assert [e for e in audit.read() if e["action"] == "override-safety"] == []


async def test_read_only_shows_the_plan_and_refuses_to_run(make_sim) -> None:
    sim = make_sim("seed")
    app = make_app(sim, readonly=True)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = await open_wizard(pilot, "k8s-worker-1")
        assert "READ-ONLY: plan only" in screen_text(app)
        await pilot.press("space")  # --force: the plan is complete
        await plan(pilot, screen)
        got = plan_rows(screen)
        assert got["default/debug-shell"]["VERDICT"] == "will evict"
        await pilot.press("d")
        await until(pilot, lambda: notifications(app) and notifications(app)[-1].startswith("refused (read-only)"),
                    what="the refusal")
        assert notifications(app)[-1] == "refused (read-only): read-only mode: refused to drain node/k8s-worker-1"
        assert screen.phase == "plan" and screen.events == []
    assert writes(sim) == []
    assert not unschedulable(sim, "k8s-worker-1")
    refused = [e for e in audit.read() if e["action"] == "drain"]
    assert [(e["object"], e["result"]) for e in refused] == [("node/k8s-worker-1", "refused")]
