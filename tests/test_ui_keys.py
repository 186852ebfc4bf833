"""Keys do what they say on every screen: `:` opens the command line everywhere, so a fast
`:audit⏎` (one burst of key events, as a terminal delivers it) lands on the audit screen and its
letters are never hotkeys; a confirmation takes no answer from keys pressed before it appeared."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from k8stui.hosts.shell import SUDO_NOPASSWD, SUDO_PASSWORD, is_read_only
from k8stui.ui.screens.audit import AuditScreen
from k8stui.ui.screens.confirm import ConfirmScreen, GuardedDialog
from k8stui.ui.screens.drain import DrainScreen
from k8stui.ui.screens.error import ErrorScreen
from k8stui.ui.screens.events import EventsScreen
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.screens.nodes import NodesScreen
from k8stui.ui.screens.overview import OverviewScreen
from k8stui.ui.screens.pods import PodsScreen
from k8stui.ui.screens.prompts import TypeNameScreen
from k8stui.ui.screens.tokens import TokensScreen
from k8stui.ui.screens.upgrade import UpgradeScreen
from k8stui.ui.screens.yaml_view import YamlScreen
from ui_support import SIZE, answerable, burst, command, make_app, notifications, screen_text, started, until

AUDIT = (":", "a", "u", "d", "i", "t", "enter")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def cluster_writes(sim) -> list[tuple[str, str]]:
    """Requests that change something (the session's access review on connect is a read)."""
    return [(r.method, r.path) for r in sim.cluster.server.requests
            if r.method in WRITES and not r.path.endswith(("selfsubjectaccessreviews", "selfsubjectrulesreviews"))]


def host_writes(sim) -> list[tuple[str, str]]:
    """Commands the simulated hosts ran that are not pure queries."""
    def unwrapped(line: str) -> str:
        for prefix in (SUDO_NOPASSWD, SUDO_PASSWORD):
            if line.startswith(prefix):
                return line[len(prefix):]
        return line

    return [(name, line) for name, h in sim.cluster.hosts.hosts.items() for line in h.state.history
            if not is_read_only(unwrapped(line))]


def select(app, name: str) -> None:
    table = app.screen.table
    assert table.select_uid(next(u for u, r in table.store.items() if r.name == name))


async def back_to_nodes(pilot) -> None:
    app = pilot.app
    while not isinstance(app.screen, NodesScreen):
        await pilot.press("escape")
        await pilot.pause()
    await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="the nodes screen")


async def open_nodes(pilot):
    return pilot.app.screen


async def open_pods(pilot):
    select(pilot.app, "k8s-worker-1")
    await pilot.press("enter")
    return await until(pilot, lambda: isinstance(pilot.app.screen, PodsScreen) and pilot.app.screen.table.row_count
                       and pilot.app.screen, what="the pods screen")


async def open_by_command(pilot, word: str, cls, ready):
    await command(pilot, word)
    screen = await until(pilot, lambda: isinstance(pilot.app.screen, cls) and pilot.app.screen, what=f":{word}")
    await until(pilot, lambda: ready(screen), timeout=20, what=f"the {cls.__name__} to load")
    return screen


async def open_tokens(pilot):
    return await open_by_command(pilot, "tokens", TokensScreen, lambda s: s._order)


async def open_upgrade(pilot):
    # the phase where a (the apply) and u/d/i/t are nothing special; the worst place for stray keys
    return await open_by_command(pilot, "upgrade", UpgradeScreen, lambda s: s.phase == "choose")


async def open_overview(pilot):
    return await open_by_command(pilot, "overview", OverviewScreen, lambda s: s.refreshes)


async def open_drain(pilot):
    select(pilot.app, "k8s-worker-2")
    await pilot.press("d")  # (the d of `:audit` drains when it is a hotkey)
    return await until(pilot, lambda: isinstance(pilot.app.screen, DrainScreen) and pilot.app.screen,
                       what="the drain wizard")


async def open_events(pilot):
    select(pilot.app, "k8s-worker-1")
    await pilot.press("e")
    return await until(pilot, lambda: isinstance(pilot.app.screen, EventsScreen) and pilot.app.screen,
                       what="the events")


async def open_yaml(pilot):
    select(pilot.app, "k8s-worker-1")
    await pilot.press("y")
    return await until(pilot, lambda: isinstance(pilot.app.screen, YamlScreen) and pilot.app.screen.text
                       and pilot.app.screen, what="the YAML")


async def open_help(pilot):
    await pilot.press("question_mark")
    return await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen) and pilot.app.screen,
                       what="the help")


SCREENS = {"nodes": open_nodes, "pods": open_pods, "tokens": open_tokens, "upgrade": open_upgrade,
           "overview": open_overview, "drain": open_drain, "events": open_events, "yaml": open_yaml,
           "help": open_help}


@pytest.mark.parametrize("press", ["burst", "pilot"])
async def test_colon_audit_lands_on_the_audit_screen_from_every_screen(make_sim, tmp_path, press) -> None:
    inventory = tmp_path / "inventory.yaml"
    sim = make_sim("seed", inventory_path=inventory)
    app = make_app(sim, inventory=inventory)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        for name, open_screen in SCREENS.items():
            screen = await open_screen(pilot)
            if press == "burst":
                await burst(pilot, *AUDIT)
            else:
                await pilot.press(*AUDIT)
            audit = await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen,
                                what=f":audit from the {name} screen")
            assert not isinstance(app.screen, (ConfirmScreen, TypeNameScreen)), name
            await until(pilot, lambda: audit.loads, what="the audit log")
            if name != "help":  # (help is a modal for the screen under it: :audit replaced it)
                assert screen in app.screen_stack, name
            await back_to_nodes(pilot)
        assert cluster_writes(sim) == []
        assert host_writes(sim) == []
        assert not any(m.startswith("unknown command") for m in notifications(app))


async def test_colon_on_the_error_screen(tmp_path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    app = make_app(kubeconfig=kubeconfig, context="nosuch")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ErrorScreen), what="the error screen")
        await burst(pilot, *AUDIT)  # (its r retries and q quits when they are hotkeys)
        await until(pilot, lambda: isinstance(app.screen, AuditScreen), what=":audit from the error screen")
        assert app.is_running


async def test_escape_closes_the_prompt_not_the_screen(make_sim, tmp_path) -> None:
    sim = make_sim("seed")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = await open_events(pilot)
        await burst(pilot, ":", "q")  # q closes the events screen when it is a hotkey
        assert app.screen is screen and screen.prompt.is_open
        assert screen.prompt.input.value == "q"
        await pilot.press("escape")
        assert app.screen is screen and not screen.prompt.is_open
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="back")


async def test_unknown_namespace_is_an_error(make_sim) -> None:
    sim = make_sim("seed")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        await command(pilot, "ns nosuch")
        await until(pilot, lambda: 'namespace "nosuch" not found' in notifications(app), what="the error")
        assert isinstance(app.screen, NodesScreen) and app.namespace is None
        # a namespace without pods exists all the same: it is shown (empty)
        sim.call(lambda: sim.cluster.store.create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                                 "metadata": {"name": "quiet"}}))
        await command(pilot, "ns quiet")
        await until(pilot, lambda: isinstance(app.screen, PodsScreen) and app.namespace == "quiet",
                    what="the empty namespace")
        await command(pilot, "pods -n nosuch2")
        await until(pilot, lambda: 'namespace "nosuch2" not found' in notifications(app), what="the error")
        assert app.namespace == "quiet"


async def test_marks_show_without_colour(make_sim) -> None:
    sim = make_sim("seed")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        select(app, "k8s-worker-1")
        await pilot.press("space")
        lines = screen_text(app).splitlines()
        marked = [ln for ln in lines if "k8s-worker-1" in ln]
        others = [ln for ln in lines if "k8s-worker-2" in ln or "k8s-master" in ln]
        assert marked and all(ln.lstrip().startswith("● k8s-worker-1") for ln in marked), marked
        assert others and not any("●" in ln for ln in others)


# ---- confirmations ---------------------------------------------------------------------------------

async def test_a_confirmation_ignores_keys_pressed_before_it_appeared(make_sim, monkeypatch) -> None:
    from k8stui.ops.drain import DrainOptions

    # long enough that "not armed yet" holds on a loaded machine
    monkeypatch.setattr(GuardedDialog, "ARM_DELAY", 2.0)
    monkeypatch.setattr(DrainScreen, "default_options", staticmethod(lambda: DrainOptions(ignore_daemonsets=True)))
    sim = make_sim("seed")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        screen = await open_drain(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: screen.phase == "plan" and not screen.run_problems(), what="a runnable plan")
        # the hotkey and the answer in one burst, as fast typing arrives: the answer is dropped
        await burst(pilot, "d", "y", "enter")
        dialog = await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, what="the dialog")
        await pilot.pause(0.1)
        assert app.screen is dialog and not dialog.armed and dialog.query_one("#yes").disabled
        # pressed after it appeared, but before it is armed: y and Enter do nothing either
        await pilot.press("y", "enter")
        assert app.screen is dialog and not dialog.armed
        await until(pilot, lambda: dialog.armed, what="the dialog to arm")
        assert not dialog.query_one("#yes").disabled and dialog.focused is dialog.query_one("#no")
        # a key stamped before the dialog was mounted is dropped even once it is armed
        stale = events.Key("y", "y")
        stale.time = dialog.shown_at - 0.01
        app.post_message(stale)
        await pilot.pause(0.1)
        assert app.screen is dialog and cluster_writes(sim) == []
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen, what="the answer no")
        assert cluster_writes(sim) == [] and screen.phase == "plan"
        # pilot's own pacing (each key handled before the next): the same
        await pilot.press("d", "enter")
        dialog = await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, what="the dialog")
        await pilot.press("y")
        assert app.screen is dialog and cluster_writes(sim) == []
        await until(pilot, lambda: dialog.armed, what="the dialog to arm")
        await pilot.press("y")
        await until(pilot, lambda: screen.phase in ("running", "finished"), what="the answer yes")


async def test_quit_during_a_drain_asks_and_says_what_it_leaves(make_sim, monkeypatch) -> None:
    from k8stui.ops.drain import DrainOptions

    monkeypatch.setattr(DrainScreen, "default_options", staticmethod(
        lambda: DrainOptions(ignore_daemonsets=True, delete_emptydir_data=True, evict_retry_delay=0.2)))
    sim = make_sim("ha")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=8)
        select(app, "worker-5")
        await pilot.press("d")
        screen = await until(pilot, lambda: isinstance(app.screen, DrainScreen) and app.screen, what="the wizard")
        await pilot.press("enter")
        await until(pilot, lambda: screen.phase == "plan", what="the plan")
        await pilot.press("d")
        await answerable(pilot, ConfirmScreen)
        await pilot.press("y")
        # shop/payments' budget allows no disruption: the drain keeps running
        await until(pilot, lambda: screen.drainer is not None and any(
            p.label.startswith("blocked by PDB") for p in screen.lines.values()), what="the blocked pod")
        await pilot.press("ctrl+q")
        dialog = await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, what="the question")
        assert "A drain of worker-5 is running:" in screen_text(app)
        text = dialog.detail
        assert "pod(s) evicted" in text and "left." in text, text
        assert "the node stays cordoned; `k8stui drain worker-5 --ignore-daemonsets --delete-emptydir-data` " \
               "finishes it." in text, text
        await pilot.press("ctrl+q")  # a second one does not stack another question
        assert app.screen is dialog
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen, what="back to the board")
        assert app.is_running and screen.phase == "running"
        # leaving the board by a command would stop the drain: refused, said
        await command(pilot, "nodes")
        await until(pilot, lambda: any(m.startswith("not back to the nodes: A drain of worker-5 is running")
                                       for m in notifications(app)), what="the refusal")
        assert app.screen is screen and screen.phase == "running"
        await pilot.press("ctrl+q")
        await answerable(pilot, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, what="the app to quit")


async def test_quit_when_idle_is_immediate(make_sim) -> None:
    sim = make_sim("seed")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        await pilot.press("ctrl+q")
        await until(pilot, lambda: not app.is_running, what="the app to quit")


@pytest.mark.parametrize("dialog_kind", ["after-drain", "step-failed"])
async def test_operation_dialogs_take_no_early_answer(monkeypatch, dialog_kind) -> None:
    """The drain's "uncordon?" and the upgrade's "retry/skip?" change a node: like every
    confirmation, they take neither a key queued before them nor one pressed before they arm."""
    from textual.app import App

    from k8stui.ops import upgrade as up
    from k8stui.ui.screens.drain import AfterDrainScreen
    from k8stui.ui.screens.upgrade import StepFailedScreen

    monkeypatch.setattr(GuardedDialog, "ARM_DELAY", 2.0)
    if dialog_kind == "after-drain":
        make, key, answer = (lambda: AfterDrainScreen("k8s-worker-1", "failed", "a pod would not go")), "u", "uncordon"
    else:
        failure = up.StepFailed(node="k8s-worker-1", step="kubeadm", title="Upgrade kubeadm", error="E: boom",
                                output=("E: boom",))
        make, key, answer = (lambda: StepFailedScreen(failure)), "r", "retry"
    answers: list[str] = []
    app = App()
    async with app.run_test(size=SIZE) as pilot:
        dialog = make()
        app.push_screen(dialog, answers.append)
        await until(pilot, lambda: app.screen is dialog and dialog.shown_at is not None, what="the dialog")
        await pilot.press(key, "enter")  # before it is armed: nothing
        assert app.screen is dialog and answers == [] and not dialog.armed
        stale = events.Key(key, key)
        stale.time = dialog.shown_at - 0.01
        dialog.arm()
        app.post_message(stale)  # typed before it appeared: dropped even once armed
        await pilot.pause(0.1)
        assert app.screen is dialog and answers == []
        await pilot.press(key)
        await until(pilot, lambda: answers == [answer], what="the answer")
