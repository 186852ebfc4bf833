"""The screens wired into the app: `:tokens`, `:upgrade`, `:overview`, `:audit` from the command line
and from the palette; SSH through the app's runner factory with its prompts (an unknown host key
shown with its fingerprint, a masked sudo password); the upgrade screen's safety-gate override."""

from __future__ import annotations

from pathlib import Path

import asyncssh
import pytest
import yaml
from textual.widgets import DataTable, Input, OptionList, Static

from k8stui import audit
from k8stui.ops import upgrade as up
from k8stui.sim.scenario import load_scenario
from k8stui.ui.screens.audit import AuditScreen
from k8stui.ui.screens.nodes import NodesScreen
from k8stui.ui.screens.overview import OverviewScreen
from k8stui.ui.screens.prompts import HostKeyScreen, PasswordScreen, TypeNameScreen
from k8stui.ui.screens.tokens import TokensScreen
from k8stui.ui.screens.upgrade import UpgradeScreen
from ui_support import SIZE, answerable, command, keys, make_app, notifications, screen_text, started, until

SCREENS = [  # command, palette query, its hit's help text, screen, what it shows once loaded
    ("tokens", "tokens", "kubeadm tokens, join commands", TokensScreen, "Bootstrap tokens"),
    ("upgrade", "upgrade", "the kubeadm upgrade wizard", UpgradeScreen, "choose a target"),
    ("overview", "overview", "versions, control plane, skew", OverviewScreen, "Cluster overview"),
    ("audit", "audit", "every change made, newest first", AuditScreen, "newest first"),
]


@pytest.fixture
def inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Homes in tmp; the default inventory path (where the app's SSH runners read it)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "k8stui" / "inventory.yaml"


async def back_to_nodes(pilot) -> None:
    app = pilot.app
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, NodesScreen), what="back on the nodes screen")


async def test_screens_open_from_the_command_line_and_the_palette(make_sim, inventory) -> None:
    sim = make_sim("seed", inventory_path=inventory)
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        for cmd, _, _, cls, shows in SCREENS:
            await command(pilot, cmd)
            await until(pilot, lambda: isinstance(app.screen, cls), what=f":{cmd}")
            await until(pilot, lambda: shows in screen_text(app), what=f":{cmd} loaded")
            if cls is UpgradeScreen:  # the targets came over SSH, through the app's runner factory
                ol = app.screen.query_one("#upgrade-targets", OptionList)
                assert ol.option_count and str(ol.get_option_at_index(0).id) == "v1.35.2"
            await back_to_nodes(pilot)
        for cmd, entry, help_text, cls, shows in SCREENS:
            await pilot.press("ctrl+p", *keys(entry))
            await until(pilot, lambda: help_text in screen_text(app), what=f"the palette's {entry}")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, cls), what=f"{entry} from the palette")
            await until(pilot, lambda: shows in screen_text(app), what=f"{entry} loaded")
            await back_to_nodes(pilot)
        # the help lists them
        await pilot.press("?")
        await until(pilot, lambda: ":audit" in screen_text(app) or app.screen.query("#help"), what="help")
        source = app.screen.query_one("#help").source
        assert all(f"`:{cmd}`" in source for cmd, *_ in SCREENS) and "drain them (the drain wizard" in source


async def test_audit_screen_newest_first_and_refresh(make_sim, inventory) -> None:
    sim = make_sim("seed")
    audit.record("cordon", "node/k8s-worker-1", context="admin", kubectl="kubectl cordon k8s-worker-1")
    audit.record("ssh", "host/k8s-master", context="admin", result="failed", command="sudo -n -- kubeadm version",
                 exit_status=1, host="ubuntu@10.0.0.10")
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        await command(pilot, "audit")
        screen = await until(pilot, lambda: isinstance(app.screen, AuditScreen) and app.screen.loads and app.screen,
                             what="the audit log")
        table = screen.query_one("#audit-table", DataTable)

        def column(name: str) -> list[str]:
            return [str(table.get_row_at(i)[list(table.columns).index(name)]) for i in range(table.row_count)]

        assert column("ACTION") == ["ssh", "cordon"]
        assert column("OBJECT") == ["host/k8s-master", "node/k8s-worker-1"]
        assert column("RESULT") == ["failed", "ok"]
        assert column("KUBECTL") == ["(ssh) sudo -n -- kubeadm version", "kubectl cordon k8s-worker-1"]
        assert column("CONTEXT") == ["admin", "admin"] and column("USER")[0]
        await pilot.press("enter")  # the whole entry
        await until(pilot, lambda: "exit_status: 1" in screen_text(app), what="the details")
        assert "host: ubuntu@10.0.0.10" in screen_text(app)
        await pilot.press("escape")  # closes the details, not the screen
        await until(pilot, lambda: "exit_status: 1" not in screen_text(app), what="details closed")
        assert app.screen is screen
        audit.record("uncordon", "node/k8s-worker-1", context="admin", kubectl="kubectl uncordon k8s-worker-1")
        loads = screen.loads
        await pilot.press("r")
        await until(pilot, lambda: screen.loads > loads, what="the refresh")
        assert column("ACTION") == ["uncordon", "ssh", "cordon"]


async def test_ssh_prompts_host_key_and_sudo_password(make_sim, inventory, tmp_path) -> None:
    sim = make_sim("seed", inventory_path=inventory)
    password = "s3cret-Pa55word"
    data = yaml.safe_load(inventory.read_text())
    known = Path(data["defaults"]["known_hosts"])
    port = data["nodes"]["k8s-master"]["port"]
    line = next(ln for ln in known.read_text().splitlines() if ln.startswith(f"[127.0.0.1]:{port} "))
    fingerprint = asyncssh.import_public_key(line.split(" ", 1)[1]).get_fingerprint("sha256")
    empty = tmp_path / "known_hosts"  # nothing known yet: the key must be asked about
    empty.write_text("")
    data["defaults"]["known_hosts"] = str(empty)
    data["nodes"]["k8s-master"]["sudo"] = "password"
    inventory.write_text(yaml.safe_dump(data))
    sim.call(lambda: setattr(sim.cluster.hosts.hosts["k8s-master"].state, "sudo_password", password))
    app = make_app(sim)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, nodes=3)
        await command(pilot, "overview")  # its certificate check runs `sudo kubeadm certs check-expiration`
        # the password first (the runner asks before it connects), then the host key
        await until(pilot, lambda: isinstance(app.screen, PasswordScreen), what="the sudo password")
        field = app.screen.query_one("#password-input", Input)
        assert field.password  # masked
        await pilot.press(*keys(password))
        assert password not in screen_text(app)
        await pilot.press("enter")
        await answerable(pilot, HostKeyScreen)
        shown = str(app.screen.query_one("#hostkey-fingerprint", Static).content)
        assert shown == f"ssh-ed25519 {fingerprint}"
        assert "Unknown SSH host key for k8s-master (127.0.0.1:" in screen_text(app)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen)
                    and "Certificates: k8s-master: earliest" in screen_text(app), what="the certificates")
    assert f"[127.0.0.1]:{port} ssh-ed25519 " in empty.read_text()  # trusted: recorded
    log = audit.audit_log_path().read_text()
    assert "kubeadm certs check-expiration" in log and password not in log


async def test_upgrade_api_outage_acknowledged_once_for_the_plan(make_sim, inventory) -> None:
    sim = make_sim(load_scenario("seed", {"kubernetesVersion": "v1.34.1"}), inventory_path=inventory)
    app = make_app(sim)
    async with app.run_test(size=(170, 50)) as pilot:
        await started(pilot, nodes=3)
        await command(pilot, "upgrade")
        screen = await until(pilot, lambda: isinstance(app.screen, UpgradeScreen) and app.screen, what=":upgrade")
        assert isinstance(screen, UpgradeScreen)
        await until(pilot, lambda: screen.phase == "choose" and screen.offered, what="the targets")
        screen.options.force = True  # (debug-shell: only the safety gate is left to block)
        ol = screen.query_one("#upgrade-targets", OptionList)
        ol.highlighted = [o.version for o in screen.offered].index("v1.34.3")
        ol.focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.phase == "plan", timeout=30, what="the plan")

        def outage() -> list[up.Problem]:
            return [p for p in screen.plan.all_problems if p.code == "safety.api-outage"]

        assert len(outage()) == 1 and outage()[0].severity == up.BLOCKER and outage()[0].node == "k8s-master"
        assert "o overrides the safety gates" in screen_text(app)
        await pilot.press("o")
        await answerable(pilot, TypeNameScreen)
        assert "Acknowledge the API outage of this upgrade?" in screen_text(app)
        assert "takes down the only API server" in screen_text(app)
        await pilot.press("escape")  # cancelled: nothing changes
        await until(pilot, lambda: app.screen is screen, what="back")
        assert screen.options.outage_acknowledged_for == "" and screen.options.override_safety == frozenset()
        await pilot.press("o")
        await answerable(pilot, TypeNameScreen)
        await pilot.press(*keys("k8s-master"), "enter")  # once, for the whole plan: no per-node override
        await until(pilot, lambda: screen.phase == "plan" and screen.plan.outage_acknowledged, timeout=30,
                    what="the plan made again")
        assert screen.options.outage_acknowledged_for == "v1.34.3"
        assert screen.options.override_safety == frozenset()
        assert outage()[0].severity == up.WARNING and outage()[0].message.endswith("(acknowledged for this plan)")
        assert screen.plan.ok, screen.plan.blockers
        await pilot.press("o")  # nothing left to acknowledge or override
        await until(pilot, lambda: "no safety-gate refusal to override" in " ".join(notifications(app)),
                    what="the notice")
