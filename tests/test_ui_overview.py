"""The `:overview` screen, pushed onto a tiny test app, against the simulated clusters: what it shows,
violations highlighted, live refresh of maintenance in progress, `r` with the SSH certificate check,
read-only, Esc."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from textual.app import App
from textual.widgets import DataTable, Static

from k8stui.hosts.inventory import load_inventory
from k8stui.hosts.ssh import SSHRunner
from k8stui.kube.connection import connect
from k8stui.ops import maintenance as m
from k8stui.sim.scenario import builtin_path
from k8stui.ui.screens.overview import OverviewScreen
from ui_support import screen_text, until

SIZE = (170, 90)
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


class OverviewApp(App):
    """Just enough app to host the screen (the real app registers it for `:overview`)."""

    def __init__(self, conn, **kw):
        super().__init__()
        self.conn, self.kw = conn, kw

    def on_mount(self) -> None:
        self.push_screen(OverviewScreen(self.conn, **self.kw))


async def shows(pilot, *expected: str) -> str:
    """Wait until the terminal shows every one of `expected` (updates are laid out asynchronously)."""
    await until(pilot, lambda: all(e in screen_text(pilot.app) for e in expected),
                what=f"the screen to show {expected}")
    return screen_text(pilot.app)


def overview_screen(app) -> OverviewScreen:
    return next(s for s in app.screen_stack if isinstance(s, OverviewScreen))


async def test_overview_screen_ha_degraded(make_sim) -> None:
    sim = make_sim(str(builtin_path("ha-degraded")), settle=False)
    conn = await connect(sim.kubeconfig_path, "admin")
    app = OverviewApp(conn, refresh_every=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = overview_screen(app)
            await until(pilot, lambda: screen.refreshes >= 1, what="the first read")
            await shows(pilot, "Cluster overview  admin",
                        "Version   v1.34.3 (/version); ClusterConfiguration v1.34.3; kube-apiserver v1.34.3",
                        "Endpoint  k8s-api.example.com:6443 (controlPlaneEndpoint: load balancer) in front of 3",
                        "etcd      stacked, 3 member(s), 2 ready (quorum 2, can lose 0 more)",
                        "cp-3  https://10.0.0.23:2379  3.6.4-0  NOT READY",
                        "API health (/readyz?verbose): ok (9 checks passed)",
                        "Version skew (against the oldest kube-apiserver): ok",
                        "Certificates: not checked: no SSH inventory",
                        "k8stui lease: free")
            cp = screen.query_one("#overview-cp", DataTable)
            row = [str(c) for c in cp.get_row("cp-3")]
            assert row[:3] == ["cp-3", "Ready", "v1.34.3"] and row[6] == "3.6.4-0 (not ready)"
            assert cp.get_row("cp-3")[6].style == "bold red"
            nodes = screen.query_one("#overview-nodes", DataTable)
            assert [str(c) for c in nodes.get_row("worker")] == ["worker", "5", "5", "0", "0"]
            await pilot.press("r")
            await until(pilot, lambda: screen.refreshes >= 2, what="the refresh on r")
            await pilot.press("escape")
            await until(pilot, lambda: not any(isinstance(s, OverviewScreen) for s in app.screen_stack),
                        what="esc to close the screen")
    finally:
        await conn.close()


async def test_overview_screen_highlights_skew_violations(make_sim, tmp_path: Path) -> None:
    data = yaml.safe_load(Path(builtin_path("ha-external-etcd")).read_text())
    data["name"] = "skewed"
    data["nodes"][3]["kubeletVersion"] = "v1.35.0"  # worker-1 newer than the apiservers
    data["nodes"][4]["kubeletVersion"] = "v1.31.1"  # worker-2 at the limit
    path = tmp_path / "skewed.yaml"
    path.write_text(yaml.safe_dump(data))
    sim = make_sim(str(path), settle=False)
    conn = await connect(sim.kubeconfig_path, "admin", readonly=True)
    app = OverviewApp(conn, refresh_every=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = overview_screen(app)
            await until(pilot, lambda: screen.refreshes >= 1, what="the first read")
            await shows(pilot, "READ-ONLY", "etcd      external, 3 endpoint(s): https://10.0.0.41:2379",
                        "Version skew (against the oldest kube-apiserver): 1 VIOLATION(S)",
                        "worker-1: kubelet v1.35.0 is newer than kube-apiserver v1.34.3: it must not be newer")
            table = screen.query_one("#overview-skew", DataTable)
            styles = {}
            for key in table.rows:
                cells = table.get_row(key)
                styles[(str(cells[0]), str(cells[1]))] = (str(cells[5]), cells[5].style)
            assert styles[("worker-1", "kubelet")] == ("VIOLATION", "bold red")
            assert styles[("worker-2", "kubelet")] == ("LIMIT", "yellow")
            assert styles[("worker-3", "kubelet")] == ("ok", "")
    finally:
        await conn.close()
    assert not [x for x in conn.sent if x[0] in WRITES]


async def test_overview_screen_live_maintenance_and_certificates(make_sim, tmp_path: Path) -> None:
    sim = make_sim("seed", settle=False, with_hosts=True)
    inventory = tmp_path / "inventory.yaml"
    sim.cluster.hosts.write_inventory(inventory)
    conn = await connect(sim.kubeconfig_path, "admin")
    other = await connect(sim.kubeconfig_path, "admin")
    made: list[SSHRunner] = []

    def runner_factory() -> SSHRunner:
        made.append(SSHRunner(load_inventory(inventory), readonly=True, context=conn.context))
        return made[-1]

    app = OverviewApp(conn, runner_factory=runner_factory, refresh_every=0.1)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await shows(pilot, "Certificates: k8s-master: earliest", "k8stui lease: free")
            assert "Maintenance IN PROGRESS" not in screen_text(app)
            async with m.acquire_maintenance_lease(other, "drain k8s-worker-1", holder="alice@jump:42"):
                await shows(pilot,
                            'alice@jump:42 holds lease/kube-system/k8stui-maintenance for "drain k8s-worker-1"',
                            "Maintenance IN PROGRESS")
                # the timer refreshes keep the certificates of the last full read
                assert "Certificates: k8s-master: earliest" in screen_text(app)
            await shows(pilot, "k8stui lease: free")
            assert len(made) == 1  # one runner, reused
    finally:
        await conn.close()
        await other.close()
    assert made[0]._conns == {}  # closed with the screen


async def test_overview_screen_reports_an_unreachable_cluster(tmp_path: Path, make_sim) -> None:
    sim = make_sim("seed", settle=False)
    conn = await connect(sim.kubeconfig_path, "admin")
    app = OverviewApp(conn, refresh_every=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = overview_screen(app)
            await until(pilot, lambda: screen.refreshes >= 1, what="the first read")
            sim.stop()
            await pilot.press("r")
            await until(pilot, lambda: screen.error, what="the error")
            status = str(screen.query_one("#overview-status", Static).render())
            assert status.startswith("cannot read the cluster: "), status
            assert screen.overview is not None  # the last good read stays on screen
    finally:
        await conn.close()
