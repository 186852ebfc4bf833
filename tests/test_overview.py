"""The cluster overview (k8stui.ops.cluster_info and `k8stui overview`) on the simulated seed, ha,
ha-degraded and ha-external-etcd clusters, through the real API client (and SSH for certificates)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import yaml

from k8stui import cli
from k8stui.kube.connection import connect
from k8stui.ops import cluster_info as ci
from k8stui.ops import maintenance as m
from k8stui.sim.cluster import SimThread
from k8stui.sim.scenario import builtin_path

WRITES = {"POST", "PUT", "PATCH", "DELETE"}




@pytest.fixture(autouse=True)
def _homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))




async def overview_of(sim: SimThread, **kw) -> ci.Overview:
    conn = await connect(sim.kubeconfig_path, kw.pop("context", "admin"), readonly=kw.pop("readonly", False))
    try:
        return await ci.gather_overview(conn, **kw)
    finally:
        await conn.close()


def counts(ov: ci.Overview) -> dict[str, tuple[int, int, int, int]]:
    return {c.role: (c.total, c.ready, c.not_ready, c.scheduling_disabled) for c in ov.node_counts}


# ---- pure parts: versions, skew rules, readyz, certificates --------------------------------------

def test_versions_and_image_tags() -> None:
    assert ci.parse_version("v1.34.3") == (1, 34, 3)
    assert ci.parse_version("1.30") == (1, 30, 0)
    assert ci.parse_version("3.6.4-0") == (3, 6, 4)
    assert ci.parse_version("latest") is None
    assert ci.image_tag("registry.k8s.io/kube-apiserver:v1.34.3") == "v1.34.3"
    assert ci.image_tag("registry.k8s.io/etcd:3.6.4-0") == "3.6.4-0"
    assert ci.image_tag("localhost:5000/kube-apiserver:v1.33.1@sha256:abc") == "v1.33.1"
    assert ci.image_tag("localhost:5000/kube-apiserver") == ""


@pytest.mark.parametrize("component, version, apiserver, status", [
    ("kubelet", "v1.34.3", "v1.34.3", "ok"),
    ("kubelet", "v1.34.9", "v1.34.3", "ok"),  # patch level is not skew
    ("kubelet", "v1.35.0", "v1.34.3", "violation"),  # never newer
    ("kubelet", "v1.32.1", "v1.34.3", "ok"),
    ("kubelet", "v1.31.0", "v1.34.3", "limit"),  # three older: the most allowed
    ("kubelet", "v1.30.0", "v1.34.3", "violation"),
    ("kubelet", "v1.24.0", "v1.26.0", "limit"),  # kubelet < 1.25: only two older allowed
    ("kubelet", "v1.23.0", "v1.26.0", "violation"),
    ("kube-proxy", "v1.31.0", "v1.34.3", "limit"),
    ("kube-proxy", "v1.35.0", "v1.34.3", "violation"),
    ("kube-controller-manager", "v1.33.0", "v1.34.3", "limit"),  # one older allowed
    ("kube-controller-manager", "v1.32.0", "v1.34.3", "violation"),
    ("kube-scheduler", "v1.35.0", "v1.34.3", "violation"),
    ("kubelet", "", "v1.34.3", "unknown"),
])
def test_skew_rules(component: str, version: str, apiserver: str, status: str) -> None:
    row = ci.skew_row("n1", component, version, apiserver)
    assert row.status == status, row
    if status == "violation":
        assert row.message


def test_skew_matrix_uses_the_oldest_apiserver_and_checks_their_spread() -> None:
    rows = ci.skew_matrix([("cp-1", "v1.34.3"), ("cp-2", "v1.33.5")], [("w1", "v1.34.3"), ("w2", "v1.30.0")],
                          [("cp-1", "kube-scheduler", "v1.34.3")], "v1.33.5")
    by = {(r.node, r.component): r for r in rows}
    assert all(r.reference == "v1.33.5" for r in rows)
    assert by[("w1", "kubelet")].status == "violation"  # newer than the OLDEST apiserver
    assert by[("w2", "kubelet")].status == "limit"
    assert by[("cp-1", "kube-scheduler")].status == "violation"
    assert by[("", "kube-proxy")].status == "ok"
    assert by[("cp-1", "kube-apiserver")].status == "ok"
    spread = ci.skew_matrix([("cp-1", "v1.35.0"), ("cp-2", "v1.33.5")], [])
    assert [r.status for r in spread] == ["violation", "violation"]
    assert "within one minor version" in spread[0].message


def test_parse_readyz() -> None:
    ok = ci.parse_readyz(200, "[+]ping ok\n[+]etcd ok\nreadyz check passed\n")
    assert ok.ok and [c.name for c in ok.checks] == ["ping", "etcd"] and ok.summary() == "ok (2 checks passed)"
    bad = ci.parse_readyz(500, "[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n")
    assert not bad.ok and [c.name for c in bad.failed] == ["etcd"]
    assert bad.summary() == "FAILED (HTTP 500): etcd"


def test_parse_check_expiration() -> None:
    out = """{"kind": "CertificateExpirationInfo", "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
      "certificates": [{"name": "admin.conf", "expirationDate": "2030-01-01T00:00:00Z",
                        "residualTime": 100000000000000000, "caName": "ca", "externallyManaged": false},
                       {"name": "apiserver", "expirationDate": "2020-01-01T00:00:00Z", "residualTime": -5,
                        "caName": "ca", "externallyManaged": false}],
      "certificateAuthorities": [{"name": "ca", "expirationDate": "2035-01-01T00:00:00Z",
                                  "residualTime": 9000000000000000, "externallyManaged": false}]}"""
    certs = ci.parse_check_expiration(out)
    assert [(c.name, c.authority, c.state) for c in certs] == [
        ("admin.conf", False, "ok"), ("apiserver", False, "EXPIRED"), ("ca", True, "ok")]
    assert ci.NodeCerts("cp-1", certs).earliest.name == "apiserver"


# ---- the overview of each simulated cluster --------------------------------------------------------

async def test_overview_seed(sims) -> None:
    ov = await overview_of(sims("seed"))
    assert ov.version == ov.config_version == "v1.34.3" and ov.versions == ["v1.34.3"]
    assert ov.kubeadm and ov.cluster_name == "kubernetes"
    assert ov.control_plane_endpoint == ""
    assert ov.endpoint_summary() == "single API server: k8s-master 10.0.0.10:6443 (no controlPlaneEndpoint)"
    assert ov.etcd.mode == "stacked"
    assert [(e.node, e.client_urls, e.ready) for e in ov.etcd.members] == [("k8s-master", "https://10.0.0.10:2379",
                                                                           True)]
    [cp] = ov.control_plane.nodes
    assert cp.name == "k8s-master" and cp.ready and cp.kubelet_version == "v1.34.3"
    assert {c: x.version for c, x in cp.components.items()} == {
        "kube-apiserver": "v1.34.3", "kube-controller-manager": "v1.34.3", "kube-scheduler": "v1.34.3",
        "etcd": "3.6.4-0"}
    assert all(x.ready for x in cp.components.values())
    assert counts(ov) == {"control-plane": (1, 1, 0, 0), "worker": (2, 2, 0, 0)}
    assert ov.readyz.ok and "etcd" in [c.name for c in ov.readyz.checks]
    assert ov.skew_violations == [] and len(ov.skew) == 1 + 3 + 2 + 1  # apiserver, kubelets, kcm+sched, proxy
    assert ov.addons == {"kube-proxy": "v1.34.3", "coredns": "v1.12.1"}
    assert not ov.certificates.checked and ov.problems == []


async def test_overview_ha(sims) -> None:
    ov = await overview_of(sims("ha"))
    assert ov.control_plane_endpoint == "k8s-api.example.com:6443"
    assert ov.endpoint_summary() == ("k8s-api.example.com:6443 (controlPlaneEndpoint: load balancer) in front of 3 "
                                     "API server(s): cp-1 10.0.0.21:6443, cp-2 10.0.0.22:6443, cp-3 10.0.0.23:6443")
    assert ov.etcd.mode == "stacked"
    assert (ov.etcd.total, ov.etcd.ready, ov.etcd.quorum, ov.etcd.can_lose) == (3, 3, 2, 1)
    assert [e.node for e in ov.etcd.members] == ["cp-1", "cp-2", "cp-3"]
    assert counts(ov) == {"control-plane": (3, 3, 0, 0), "worker": (5, 5, 0, 0)}
    assert ov.skew_violations == []


async def test_overview_ha_degraded(sims) -> None:
    ov = await overview_of(sims("ha-degraded"))
    assert (ov.etcd.total, ov.etcd.ready, ov.etcd.quorum, ov.etcd.can_lose) == (3, 2, 2, 0)
    assert {e.node: e.ready for e in ov.etcd.members} == {"cp-1": True, "cp-2": True, "cp-3": False}
    assert ov.etcd.summary() == "stacked, 3 member(s), 2 ready (quorum 2, can lose 0 more)"
    text = ci.format_overview(ov)
    assert "cp-3     https://10.0.0.23:2379   3.6.4-0   NOT READY" in text
    assert "3.6.4-0 (not ready)" in text
    # quorum still holds, so the apiserver is still ready (as a real one would be)
    assert ov.readyz.ok


async def test_overview_external_etcd(sims) -> None:
    ov = await overview_of(sims("ha-external-etcd"))
    assert ov.etcd.mode == "external" and ov.etcd.members == []
    assert ov.etcd.endpoints == ["https://10.0.0.41:2379", "https://10.0.0.42:2379", "https://10.0.0.43:2379"]
    assert all("etcd" not in n.components for n in ov.control_plane.nodes)
    assert [n.name for n in ov.control_plane.nodes] == ["cp-1", "cp-2", "cp-3"]
    text = ci.format_overview(ov)
    assert ("etcd:        external, 3 endpoint(s): https://10.0.0.41:2379, https://10.0.0.42:2379, "
            "https://10.0.0.43:2379") in text
    assert counts(ov) == {"control-plane": (3, 3, 0, 0), "worker": (3, 3, 0, 0)}


async def test_overview_skew_violations_and_node_states(tmp_path: Path, make_sim) -> None:
    data = yaml.safe_load(Path(builtin_path("ha")).read_text())
    data["name"] = "skewed"
    data["objects"] = []
    data["nodes"][3]["kubeletVersion"] = "v1.30.2"  # worker-1: four minors behind
    data["nodes"][4]["kubeletVersion"] = "v1.35.0"  # worker-2: newer than the apiservers
    data["nodes"][5]["kubeletVersion"] = "v1.31.0"  # worker-3: at the limit
    data["nodes"][6]["ready"] = False  # worker-4 NotReady
    data["nodes"][7]["unschedulable"] = True  # worker-5 cordoned
    path = tmp_path / "skewed.yaml"
    path.write_text(yaml.safe_dump(data))
    sim = make_sim(str(path), settle=False)
    ov = await overview_of(sim)
    bad = {(r.node, r.component) for r in ov.skew_violations}
    assert bad == {("worker-1", "kubelet"), ("worker-2", "kubelet")}
    assert {r.node for r in ov.skew if r.status == "limit"} == {"worker-3"}
    assert counts(ov) == {"control-plane": (3, 3, 0, 0), "worker": (5, 4, 1, 1)}
    text = ci.format_overview(ov)
    assert "Version skew (against the oldest kube-apiserver): 2 VIOLATION(S)" in text
    assert "worker-2: kubelet v1.35.0 is newer than kube-apiserver v1.34.3: it must not be newer" in text
    assert ("worker-1: kubelet v1.30.2 is 4 minor versions older than kube-apiserver v1.34.3: at most 3 allowed"
            in text)


async def test_overview_shows_maintenance_in_progress(sims) -> None:
    sim = sims("ha")
    conn = await connect(sim.kubeconfig_path, "admin")
    try:
        async with m.acquire_maintenance_lease(conn, "upgrade cp-2", holder="alice@jump:42"):
            ov = await ci.gather_overview(conn, holder="bob@desk:7")
            mine = await ci.gather_overview(conn, holder="alice@jump:42")
    finally:
        await conn.close()
    text = ci.format_overview(ov)
    assert ('k8stui lease: alice@jump:42 holds lease/kube-system/k8stui-maintenance for "upgrade cp-2" since '
            in text)
    assert [a.kind for a in ov.maintenance.activities] == ["k8stui"]
    assert "(this session)" in ci.format_overview(mine) and mine.maintenance.activities == []
    assert "kured: no reboot lock held" in text and "system-upgrade-controller: no Plan applying" in text


# ---- the CLI ----------------------------------------------------------------------------------------

def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_overview(sims, capsys) -> None:
    sim = sims("ha-degraded")
    code, out, err = run_cli(capsys, "overview", "--kubeconfig", str(sim.kubeconfig_path))
    assert code == 0, err
    assert out.startswith("Cluster:     kubernetes (context admin at https://127.0.0.1:")
    for line in ("Version:     v1.34.3 (/version); ClusterConfiguration kubernetesVersion v1.34.3; "
                 "kube-apiserver v1.34.3",
                 "Endpoint:    k8s-api.example.com:6443 (controlPlaneEndpoint: load balancer) in front of 3 API "
                 "server(s)",
                 "etcd:        stacked, 3 member(s), 2 ready (quorum 2, can lose 0 more)",
                 "Control-plane nodes (3):",
                 "API health (/readyz?verbose): ok",
                 "  control-plane   3       3       0          0",
                 "  worker          5       5       0          0",
                 "Version skew (against the oldest kube-apiserver): ok",
                 "Certificates: not checked: no SSH inventory",
                 "  k8stui lease: free (lease/kube-system/k8stui-maintenance)"):
        assert line in out, line


def test_cli_overview_readonly_sends_only_gets(sims, capsys) -> None:
    sim = sims("seed")
    before = len(sim.cluster.server.requests)
    code, out, err = run_cli(capsys, "overview", "--kubeconfig", str(sim.kubeconfig_path), "--readonly")
    assert code == 0, err
    assert "single API server: k8s-master 10.0.0.10:6443" in out
    sent = sim.cluster.server.requests[before:]
    assert sent and {r.method for r in sent} == {"GET"}
    code, out, err = run_cli(capsys, "overview", "--kubeconfig", str(sim.kubeconfig_path), "--context", "viewer")
    assert code == 0 and "Endpoint:    single API server" in out, err


def test_cli_overview_certificates_over_ssh(make_sim, tmp_path: Path, capsys) -> None:
    sim = make_sim("seed", settle=False, with_hosts=True)
    inventory = tmp_path / "inventory.yaml"
    sim.cluster.hosts.write_inventory(inventory)
    code, out, err = run_cli(capsys, "overview", "--kubeconfig", str(sim.kubeconfig_path),
                             "--inventory", str(inventory))
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("Certificates: "))
    assert line.startswith("Certificates: k8s-master: earliest ") and "d left" in line, line


def test_cli_overview_certificates_unreachable(sims, tmp_path: Path, capsys) -> None:
    sim = sims("seed")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(yaml.safe_dump({"defaults": {"user": "root", "port": port,
                                                      "known_hosts": str(tmp_path / "known_hosts")},
                                         "nodes": {"k8s-master": {"host": "127.0.0.1"}}}))
    started = time.monotonic()
    code, out, err = run_cli(capsys, "overview", "--kubeconfig", str(sim.kubeconfig_path),
                             "--inventory", str(inventory))
    assert code == 0, err
    assert time.monotonic() - started < 20
    line = next(x for x in out.splitlines() if x.startswith("Certificates: "))
    assert line.startswith("Certificates: k8s-master: unknown ("), line
    code, out, err = run_cli(capsys, "overview", "--kubeconfig", str(sim.kubeconfig_path),
                             "--inventory", str(tmp_path / "missing.yaml"))
    assert code == 1 and err.startswith("error: inventory file not found:")
    code, out, err = run_cli(capsys, "overview", "--kubeconfig", str(sim.kubeconfig_path), "--no-certs")
    assert code == 0 and "Certificates: not checked: skipped (--no-certs)" in out
