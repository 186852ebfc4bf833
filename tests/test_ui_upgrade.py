"""The `:upgrade` screen, pushed onto a tiny test app, against the simulated cluster (HTTPS API and SSH
hosts): offered targets only, the plan as a checklist with blockers, a live run with pause/resume,
a failed step with the retry/skip dialog, and read-only refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import DataTable, OptionList, Static

from k8stui.hosts.inventory import load_inventory
from k8stui.hosts.ssh import SSHRunner
from k8stui.kube.connection import connect
from k8stui.ops import upgrade as up
from k8stui.sim.scenario import load_scenario
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.prompts import TypeNameScreen
from k8stui.ui.screens.upgrade import StepFailedScreen, UpgradeScreen
from k8stui.ui.styles import css_path
from ui_support import answerable, screen_text, until

SIZE = (160, 45)


@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


class UpgradeApp(App):
    """Just enough app to host the screen (the real app registers it for `:upgrade`)."""

    CSS_PATH = [css_path("dialogs.tcss")]

    def __init__(self, conn, runner_factory, options=None):
        super().__init__()
        # seed's only control plane: the safety gate's override, as if typed by the operator
        options = options or up.UpgradeOptions()
        options.override_safety = frozenset({"k8s-master"})
        self.conn, self.runner_factory, self.options = conn, runner_factory, options

    def on_mount(self) -> None:
        self.push_screen(UpgradeScreen(self.conn, self.runner_factory, options=self.options))


def start(make_sim, tmp_path: Path, version: str = "v1.34.1", **kw):
    inv = tmp_path / "inventory.yaml"
    sim = make_sim(load_scenario("seed", {"kubernetesVersion": version}), inventory_path=inv, **kw)
    return sim, inv


def targets(screen: UpgradeScreen) -> list[str]:
    ol = screen.query_one("#upgrade-targets", OptionList)
    return [str(ol.get_option_at_index(i).id) for i in range(ol.option_count)]


def plan_shown(screen: UpgradeScreen) -> str:
    return str(screen.query_one("#upgrade-plan-text", Static).content)


def status(screen: UpgradeScreen) -> str:
    return str(screen.query_one("#upgrade-status", Static).content)


async def choose(pilot, screen: UpgradeScreen, version: str) -> None:
    await until(pilot, lambda: targets(screen), what="the offered targets")
    ol = screen.query_one("#upgrade-targets", OptionList)
    ol.highlighted = targets(screen).index(version)
    ol.focus()
    await pilot.press("enter")
    await until(pilot, lambda: screen.phase == "plan", what="the plan")


def node_rows(screen: UpgradeScreen) -> dict[str, list[str]]:
    t = screen.query_one("#upgrade-nodes", DataTable)
    return {str(k.value): [str(c) for c in t.get_row(k)] for k in t.rows}


def title(screen: UpgradeScreen) -> str:
    return str(screen.query_one("#upgrade-title", Static).content)


def board(screen: UpgradeScreen) -> dict[str, tuple[str, int, int]]:
    """Per node (state, steps done, steps total) as the board shows them."""
    out = {}
    for name, row in node_rows(screen).items():
        done, total = row[4].split()[-1].split("/") if "/" in row[4] else ("0", "0")
        out[name] = (row[2], int(done), int(total))
    return out


def counts(screen: UpgradeScreen) -> str:
    return str(screen.query_one("#upgrade-counts", Static).content)


def board_adds_up(screen: UpgradeScreen, totals: dict[str, int]) -> bool:
    """Every node's total is its steps (the journal's), none done beyond it, the counters their sums."""
    b = board(screen)
    assert {n: t for n, (_, _, t) in b.items()} == totals, b
    assert all(d <= t for _, d, t in b.values()), b
    nodes_done = sum(s == "done" for s, _, _ in b.values())
    steps = f"steps {sum(d for _, d, _ in b.values())}/{sum(totals.values())}"
    assert counts(screen) == f"nodes {nodes_done}/{len(b)} done · {steps}", (counts(screen), b)
    return True


async def test_choose_plan_force_and_run_with_pause(make_sim, tmp_path) -> None:
    sim, inv = start(make_sim, tmp_path)

    def slow_hosts() -> None:  # 10 ms per output line: the run lasts seconds, longer than any UI poll
        for h in sim.cluster.hosts.hosts.values():
            h.state.pace = 0.01

    sim.call(slow_hosts)
    conn = await connect(sim.kubeconfig_path, "admin")
    app = UpgradeApp(conn, lambda: SSHRunner(load_inventory(inv), context=conn.context))
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, UpgradeScreen)
            # offered versions only: what the repositories have above v1.34.1, newest first
            await until(pilot, lambda: targets(screen), what="the offered targets")
            assert targets(screen) == ["v1.35.2", "v1.35.1", "v1.35.0", "v1.34.3", "v1.34.2"]
            await choose(pilot, screen, "v1.34.3")
            text = plan_shown(screen)
            assert "v1.34.1 → v1.34.3" in text and "✗ Drains can complete" in text
            assert "default/debug-shell" in text and "fix: pass --force" in text
            assert "sudo kubeadm upgrade apply -y v1.34.3" in text
            await pilot.press("a")  # blockers: refused
            await until(pilot, lambda: any("blockers" in str(n.message) for n in app._notifications),
                        what="the refusal")
            assert not isinstance(app.screen, TypeNameScreen)
            await pilot.press("f")  # force: the unmanaged pod may go; re-planned
            await until(pilot, lambda: screen.phase == "plan" and screen.options.force and screen.plan.ok,
                        what="the forced plan")
            assert "press a to upgrade 3 node(s) to v1.34.3" in status(screen)
            await pilot.press("a")
            await answerable(pilot, TypeNameScreen)  # the target version, typed
            await pilot.press(*"v1.34.3", "enter")
            await until(pilot, lambda: screen.phase == "running", what="the run")
            summary = screen.operation_summary()  # what Ctrl+Q says before quitting
            assert summary.startswith("An upgrade to v1.34.3 is running") and "resumes at the first unfinished " \
                "step" in summary and str(up.plan_journal_path(screen.plan)) in summary, summary
            await pilot.press("p")
            await until(pilot, lambda: any(isinstance(e, up.Paused) for e in screen.events), what="the pause")
            await until(pilot, lambda: "paused" in status(screen), what="the paused status")
            before = len(screen.events)
            await pilot.pause(0.1)
            assert all(not isinstance(e, up.StepStarted) for e in screen.events[before:])  # nothing moves
            await pilot.press("p")
            await until(pilot, lambda: screen.phase == "finished", timeout=60, what="the end of the run")
            assert screen.result is not None and screen.result.ok
            assert "upgrade to v1.34.3 complete" in status(screen)
            await until(pilot, lambda: "cluster v1.34.3" in title(screen), what="the header read again")
            rows = node_rows(screen)
            assert {r[2] for r in rows.values()} == {"done"}
            assert all(r[4].endswith(f"{len(screen.plan.node(n).steps)}/{len(screen.plan.node(n).steps)}")
                       for n, r in rows.items())
            await pilot.pause(0.2)  # the log flush timer
            shown = screen_text(app)
            assert "k8s-master" in shown and "k8s-worker-2" in shown
    finally:
        await conn.close()
    nodes = sim.call(lambda: sim.cluster.store.objects("nodes"))
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes} == {"v1.34.3"}
    assert not any(n["spec"].get("unschedulable") for n in nodes)


async def test_failed_step_dialog_skip_declined_then_retry(make_sim, tmp_path) -> None:
    sim, inv = start(make_sim, tmp_path, fail_once=[("k8s-worker-1", "apt-get install")])
    conn = await connect(sim.kubeconfig_path, "admin")
    app = UpgradeApp(conn, lambda: SSHRunner(load_inventory(inv), context=conn.context),
                     options=up.UpgradeOptions(force=True))
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await choose(pilot, screen, "v1.34.3")
            await pilot.press("a")
            await answerable(pilot, TypeNameScreen)
            await pilot.press(*"v1.34.3", "enter")
            await until(pilot, lambda: isinstance(app.screen, StepFailedScreen), timeout=30, what="the failure")
            await answerable(pilot, StepFailedScreen)  # on screen and taking answers
            dialog = await until(pilot, lambda: "Could not get lock" in screen_text(app) and screen_text(app),
                                 what="the failure dialog drawn")
            assert "k8s-worker-1: Upgrade kubeadm to 1.34.3-1.1 failed" in dialog
            assert "Could not get lock" in dialog
            assert node_rows(screen)["k8s-worker-1"][2] == "failed"
            assert node_rows(screen)["k8s-worker-2"][2] == "pending"  # the next node never starts
            await pilot.press("s")  # skip asks first; no: back to the choice
            await answerable(pilot, ConfirmScreen)
            await pilot.press("n")
            await answerable(pilot, StepFailedScreen)  # the choice again
            await pilot.press("r")
            await until(pilot, lambda: screen.phase == "finished", timeout=60, what="the end of the run")
            assert screen.result is not None and screen.result.ok, screen.result
            assert any(isinstance(e, up.StepStarted) and e.node == "k8s-worker-1" and e.step == "kubeadm"
                       and e.attempt == 2 for e in screen.events)
    finally:
        await conn.close()
    nodes = sim.call(lambda: sim.cluster.store.objects("nodes"))
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes} == {"v1.34.3"}


async def test_readonly_plans_but_refuses_to_apply(make_sim, tmp_path) -> None:
    sim, inv = start(make_sim, tmp_path)
    conn = await connect(sim.kubeconfig_path, "admin", readonly=True)
    app = UpgradeApp(conn, lambda: SSHRunner(load_inventory(inv), readonly=True, context=conn.context),
                     options=up.UpgradeOptions(force=True))
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await until(pilot, lambda: "READ-ONLY" in screen_text(app), what="the read-only badge")
            await choose(pilot, screen, "v1.34.3")
            assert screen.plan is not None and screen.plan.ok
            await pilot.press("a")
            await until(pilot, lambda: any("read-only" in str(n.message) for n in app._notifications),
                        what="the refusal")
            assert screen.phase == "plan" and not isinstance(app.screen, TypeNameScreen)
    finally:
        await conn.close()
    assert not [r for r in sim.cluster.server.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]


async def test_board_after_failure_and_resume_of_a_minor_upgrade(make_sim, tmp_path) -> None:
    """A minor upgrade fails on a worker and is aborted, then re-planned and resumed: the board's
    counters, the node states, the versions and the header are right at each stage."""
    sim, inv = start(make_sim, tmp_path, version="v1.34.3", fail_once=[("k8s-worker-1", "apt-get install")])
    conn = await connect(sim.kubeconfig_path, "admin")
    app = UpgradeApp(conn, lambda: SSHRunner(load_inventory(inv), context=conn.context),
                     options=up.UpgradeOptions(force=True))
    # the journal's steps: the first control plane 12 (repository switch, plan and apply), workers 11
    totals = {"k8s-master": 12, "k8s-worker-1": 11, "k8s-worker-2": 11}
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await choose(pilot, screen, "v1.35.2")
            assert plan_shown(screen).startswith("v1.34.3 → v1.35.2  (minor upgrade)")
            await pilot.press("a")
            await answerable(pilot, TypeNameScreen)  # the target version, typed
            await pilot.press(*"v1.35.2", "enter")
            await until(pilot, lambda: isinstance(app.screen, StepFailedScreen), timeout=30, what="the failure")
            await answerable(pilot, StepFailedScreen)  # on screen and taking answers
            assert board(screen) == {"k8s-master": ("done", 12, 12), "k8s-worker-1": ("failed", 2, 11),
                                     "k8s-worker-2": ("pending", 0, 11)}
            assert board_adds_up(screen, totals) and counts(screen) == "nodes 1/3 done · steps 14/34"
            # the control plane moved: the header says so without waiting for the end of the run
            await until(pilot, lambda: "cluster v1.35.2" in title(screen), what="the header read again")
            await pilot.press("a")  # abort
            await until(pilot, lambda: screen.phase == "finished", timeout=60, what="the end of the run")
            assert screen.result is not None and screen.result.status == "failed"
            assert board(screen)["k8s-worker-1"] == ("failed", 2, 11) and board_adds_up(screen, totals)

            await pilot.press("r")
            await until(pilot, lambda: screen.phase == "plan", what="the resumed plan")
            text = plan_shown(screen)
            # from the version the run started from, though the cluster's own version moved
            assert text.startswith("v1.34.3 → v1.35.2  (minor upgrade; the cluster runs v1.35.2 now)"), text
            worker_1 = text.split(" 2. k8s-worker-1")[1].split(" 3. k8s-worker-2")[0]
            assert "☑ Point the package repository at v1.35  (done in an earlier run)" in worker_1
            assert "☑ Refresh the package index  (done in an earlier run)" in worker_1
            assert "☒ Upgrade kubeadm to 1.35.2-1.1  (failed in an earlier run: runs again)" in worker_1
            assert "☐ Verify kubeadm is v1.35.2\n" in worker_1
            await pilot.press("a")
            await answerable(pilot, TypeNameScreen)  # the target version, typed
            await pilot.press(*"v1.35.2", "enter")
            await until(pilot, lambda: screen.phase in ("running", "finished"), what="the resumed run")
            # the journal's place from the first moment: the control plane's 12 steps, not 0/0
            assert board(screen)["k8s-master"] == ("done", 12, 12) and board_adds_up(screen, totals)
            await until(pilot, lambda: board_adds_up(screen, totals) and screen.phase == "finished", timeout=60,
                        what="the end of the resumed run")
            assert screen.result is not None and screen.result.ok, screen.result
            assert {n: (s, d) for n, (s, d, _) in board(screen).items()} == {
                "k8s-master": ("done", 12), "k8s-worker-1": ("done", 11), "k8s-worker-2": ("done", 11)}
            assert counts(screen) == "nodes 3/3 done · steps 34/34"
            await pilot.press("r")
            await until(pilot, lambda: screen.phase == "plan", what="the plan after the upgrade")
            assert plan_shown(screen).startswith("v1.34.3 → v1.35.2  (done: every node runs v1.35.2)")
            assert "cluster v1.35.2" in title(screen)
    finally:
        await conn.close()


async def test_board_states_paused_stopped_and_plan_marks(make_sim, tmp_path) -> None:
    """A paused node shows paused, an aborted one stopped; the re-plan checks the finished steps off
    and the resumed board starts where the journal stands."""
    sim, inv = start(make_sim, tmp_path)

    def slow_hosts() -> None:  # 10 ms per output line: a step lasts long enough to pause in it
        for h in sim.cluster.hosts.hosts.values():
            h.state.pace = 0.01

    sim.call(slow_hosts)
    conn = await connect(sim.kubeconfig_path, "admin")
    app = UpgradeApp(conn, lambda: SSHRunner(load_inventory(inv), context=conn.context),
                     options=up.UpgradeOptions(force=True))
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await choose(pilot, screen, "v1.34.3")
            totals = {n.name: len(n.steps) for n in screen.plan.nodes}
            await pilot.press("a")
            await answerable(pilot, TypeNameScreen)  # the target version, typed
            await pilot.press(*"v1.34.3", "enter")
            await until(pilot, lambda: board(screen)["k8s-master"][0] == "running", what="the first node running")
            await pilot.press("p")
            await until(pilot, lambda: any(isinstance(e, up.Paused) for e in screen.events), what="the pause")
            assert board(screen)["k8s-master"][0] == "paused"
            assert {s for n, (s, _, _) in board(screen).items() if n != "k8s-master"} == {"pending"}
            assert board_adds_up(screen, totals)
            await pilot.press("x")
            await answerable(pilot, ConfirmScreen)  # the abort
            await pilot.press("y")
            await until(pilot, lambda: screen.phase == "finished", timeout=60, what="the end of the run")
            assert screen.result is not None and screen.result.status == "stopped"
            state, done, _ = board(screen)["k8s-master"]
            assert state == "stopped" and done >= 1 and board_adds_up(screen, totals)

            await pilot.press("r")
            await until(pilot, lambda: screen.phase == "plan", what="the resumed plan")
            journal = up.find_journal(screen.plan)
            assert journal is not None
            finished = [s["title"] for s in journal.node("k8s-master")["steps"] if s["status"] == "done"]
            assert len(finished) == done
            text = plan_shown(screen)
            for title_ in finished:
                assert f"☑ {title_}  (done in an earlier run)" in text
            assert "☑" not in text.split(" 2. k8s-worker-1")[1]
            await pilot.press("a")
            await answerable(pilot, TypeNameScreen)  # the target version, typed
            await pilot.press(*"v1.34.3", "enter")
            await until(pilot, lambda: screen.phase == "running", what="the resumed run")
            assert board(screen)["k8s-master"][1] >= done and board_adds_up(screen, totals)
            await until(pilot, lambda: board_adds_up(screen, totals) and screen.phase == "finished", timeout=60,
                        what="the end of the resumed run")
            assert screen.result is not None and screen.result.ok, screen.result
            assert {s for s, _, _ in board(screen).values()} == {"done"}
            assert counts(screen) == f"nodes 3/3 done · steps {sum(totals.values())}/{sum(totals.values())}"
    finally:
        await conn.close()
