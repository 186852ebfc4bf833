"""Terminal escape injection: hostile text planted where the cluster lets anyone put it, then every
screen that shows it driven with Pilot, and the bytes the app writes to the terminal checked.

Each check asserts both sides: the payload is on screen in its visible form (so the data got
there: the test is not vacuous) and nothing of it reached the terminal as a control sequence,
and markup in it is shown literally, never applied.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from conftest import FAST, wait_settled
from hostile import (EVIL_POD, HOSTILE, SHOWN_MARKUP, SHOWN_OSC52, SHOWN_RLO, assert_inert, plant, record_terminal,
                     written)
from k8stui.kube.connection import connect
from k8stui.ops import maintenance as m
from k8stui.ops import upgrade as up
from k8stui.sim.cluster import SimThread
from k8stui.ui.screens.drain import DrainScreen
from k8stui.ui.screens.events import EventsScreen
from k8stui.ui.screens.overview import OverviewScreen
from k8stui.ui.screens.tokens import TokensScreen
from k8stui.ui.screens.yaml_view import YamlScreen
from ui_support import SIZE, command, make_app, screen_text, started, until


@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    record_terminal(monkeypatch)


@pytest.fixture(scope="module")
def hostile_sim(tmp_path_factory: pytest.TempPathFactory):
    """The seed cluster with hostile text planted (`hostile.plant`)."""
    sim = SimThread("seed", tmp_path_factory.mktemp("hostile"), port=0, speed=FAST).start()
    wait_settled(sim)
    plant(sim)
    yield sim
    sim.stop()


async def assert_shown_inert(pilot, *, markup: bool = True) -> None:
    """The payload on screen in its visible form (waited for: tables lay out after their rows
    arrive), and nothing of it in what the app wrote."""
    app = pilot.app
    wanted = (SHOWN_OSC52, SHOWN_MARKUP) if markup else (SHOWN_OSC52,)
    await until(pilot, lambda: all(w in screen_text(app) for w in wanted), what="the payload, shown")
    assert_inert(written(app))


async def select_row(pilot, screen, name: str) -> None:
    table = screen.table
    await until(pilot, lambda: table.index_of(next((u for u, r in table.store.items() if r.name == name), ""))
                >= 0, what=f"{name} in the table")
    uid = next(u for u, r in table.store.items() if r.name == name)
    table.move_cursor(table.index_of(uid))
    await pilot.pause()


async def test_nodes_pods_events_and_yaml_show_hostile_text_inert(hostile_sim) -> None:
    app = make_app(hostile_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        # the nodes table: OS-IMAGE is the node's own word
        await until(pilot, lambda: SHOWN_MARKUP in screen_text(app), what="the hostile OS image in the table")
        assert_inert(written(app))
        await command(pilot, "pods")
        await command(pilot, "ns default")
        await until(pilot, lambda: EVIL_POD in screen_text(app), what="the hostile pod")
        await select_row(pilot, app.screen, EVIL_POD)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EventsScreen) and "Pulling" in screen_text(app),
                    what="the events of the hostile pod")
        await assert_shown_inert(pilot)
        table = app.screen.query_one("#events", DataTable)
        messages = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        assert any(SHOWN_RLO in msg for msg in messages), messages  # (beyond the screen's right edge)
        await pilot.press("escape")
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, YamlScreen) and app.screen.text,
                    what="the YAML of the hostile pod")
        await until(pilot, lambda: "note:" in screen_text(app), what="the annotation on screen")
        # PyYAML quotes the C0/C1 controls itself (as \e, \a, \x9B); what it leaves raw is shown escaped
        assert "\\e]52;c;cm0gLXJmIH4=\\a" in screen_text(app) and SHOWN_RLO in screen_text(app)
        assert_inert(written(app))


async def test_tokens_screen_shows_a_hostile_description_inert(hostile_sim) -> None:
    app = make_app(hostile_sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        await command(pilot, "tokens")
        await until(pilot, lambda: isinstance(app.screen, TokensScreen) and SHOWN_MARKUP in screen_text(app),
                    what="the hostile token description")
        await assert_shown_inert(pilot)


async def test_overview_and_drain_show_a_hostile_lease_holder_inert(hostile_sim) -> None:
    """The maintenance Lease is anyone's with RBAC on Leases in kube-system: its holder and intent
    appear in the overview and in the drain's safety gates."""
    other = await connect(hostile_sim.kubeconfig_path, "admin")
    app = make_app(hostile_sim)
    try:
        async with m.acquire_maintenance_lease(other, HOSTILE, holder="mallory@elsewhere:1" + HOSTILE):
            async with app.run_test(size=SIZE) as pilot:
                await started(pilot, nodes=3, pods=10)
                await command(pilot, "overview")
                await until(pilot, lambda: isinstance(app.screen, OverviewScreen)
                            and SHOWN_OSC52 in screen_text(app), what="the hostile lease in the overview")
                await assert_shown_inert(pilot, markup=False)
                assert "mallory@elsewhere:1[bold]x[/bold]" in screen_text(app)
                await pilot.press("escape")
                await until(pilot, lambda: not isinstance(app.screen, OverviewScreen), what="back")
                await command(pilot, "nodes")
                await select_row(pilot, app.screen, "k8s-worker-1")
                await pilot.press("d")
                await until(pilot, lambda: isinstance(app.screen, DrainScreen), what="the drain screen")
                await pilot.press("enter")  # the options as they are: plan
                await until(pilot, lambda: app.screen.phase == "plan" and SHOWN_OSC52 in screen_text(app),
                            timeout=20, what="the plan with the hostile lease in its gates")
                assert "mallory@elsewhere:1[bold]x[/bold]" in screen_text(app)
                assert_inert(written(app))
    finally:
        await other.close()


async def test_toasts_and_the_status_bar_show_hostile_errors_inert(hostile_sim, tmp_path: Path) -> None:
    """A kubeconfig's names are not the user's own when the file was handed out: a hostile
    context name reaches the status bar, the palette and error toasts."""
    import yaml

    kc = yaml.safe_load(hostile_sim.kubeconfig_path.read_text())
    ctx = next(c for c in kc["contexts"] if c["name"] == "admin")
    kc["contexts"].append({"name": "prod" + HOSTILE, "context": dict(ctx["context"])})
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kc))
    app = make_app(kubeconfig=path, context="prod" + HOSTILE)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3, pods=10)
        await until(pilot, lambda: "prod[bold]x" in screen_text(app), what="the context in the status bar")
        await command(pilot, "ctx nosuch" + HOSTILE)  # a toast naming every context, and the bad one
        await until(pilot, lambda: SHOWN_OSC52 in screen_text(app), what="the toast")
        assert_inert(written(app))
        await pilot.press("ctrl+p")
        await pilot.press(*"prod")
        await until(pilot, lambda: "context: prod[bold]x" in screen_text(app), what="the palette's context")
        assert_inert(written(app))
        await pilot.press("escape")


async def test_upgrade_board_shows_a_hostile_hosts_output_inert(make_sim, tmp_path: Path) -> None:
    """A host's output (an apt mirror's error, a compromised node) in the run's log and the failed
    step's dialog."""
    from k8stui.hosts.inventory import load_inventory
    from k8stui.hosts.ssh import SSHRunner
    from k8stui.sim.scenario import load_scenario
    from k8stui.ui.screens.prompts import TypeNameScreen
    from k8stui.ui.screens.upgrade import StepFailedScreen, UpgradeScreen
    from test_ui_upgrade import UpgradeApp, choose
    from ui_support import answerable

    inv = tmp_path / "inventory.yaml"
    sim = make_sim(load_scenario("seed", {"kubernetesVersion": "v1.34.1"}), inventory_path=inv)
    sim.call(lambda: sim.cluster.hosts.add_fault("k8s-worker-1", "apt-get install", "E: " + HOSTILE))
    conn = await connect(sim.kubeconfig_path, "admin")
    app = UpgradeApp(conn, lambda: SSHRunner(load_inventory(inv), context=conn.context),
                     options=up.UpgradeOptions(force=True))
    try:
        async with app.run_test(size=(160, 45)) as pilot:
            screen = app.screen
            assert isinstance(screen, UpgradeScreen)
            await choose(pilot, screen, "v1.34.3")
            await pilot.press("a")
            await answerable(pilot, TypeNameScreen)  # the target version, typed
            await pilot.press(*"v1.34.3", "enter")
            await until(pilot, lambda: isinstance(app.screen, StepFailedScreen), timeout=30, what="the failure")
            await answerable(pilot, StepFailedScreen)  # on screen and taking answers
            await assert_shown_inert(pilot)  # the dialog: the step's error and its output
            await pilot.press("a")
            await until(pilot, lambda: screen.phase == "finished", timeout=30, what="the aborted run")
            await assert_shown_inert(pilot)  # the log
    finally:
        await conn.close()
