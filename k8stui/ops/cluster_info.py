"""The cluster at a glance, from the API alone (plus optional SSH for certificate expiry). UI-free.

`gather_overview(conn, runner=None)` reads, concurrently and read-only (GETs only, so it works
on a read-only connection):

* `/version` and `kube-system/kubeadm-config` (ClusterConfiguration: kubernetesVersion,
  controlPlaneEndpoint, etcd.local vs etcd.external with its endpoints);
* the nodes (roles, Ready/NotReady/SchedulingDisabled, kubelet versions);
* the control-plane mirror pods (`kube-system`, `tier=control-plane`): one per component and
  node, the image tag as the component's version, Ready from the pod's condition; the
  kube-apiserver advertise-address and etcd advertise-client-urls annotations;
* `/readyz?verbose` (each `[+]name ok` / `[-]name failed` line);
* the kube-proxy DaemonSet and coredns Deployment image tags;
* other maintenance in progress (`k8stui.ops.maintenance.maintenance_state`: the k8stui Lease,
  a kured lock, system-upgrade-controller Plans that are applying);
* with an SSH runner, `kubeadm certs check-expiration -o json` on each control-plane node.

It derives the etcd topology (stacked members with their nodes and readiness, or the external
endpoints), the version-skew matrix (kubeadm.md §2, against the OLDEST kube-apiserver), and node
counts by role and state. Whatever cannot be read (403, missing object) becomes a line in
`Overview.problems`, never an exception, except for a connection that fails outright.

`read_control_plane(conn)` is the part the safety gates (`k8stui.ops.maintenance`) reuse.
`format_overview(ov)` renders the text that `k8stui overview` prints.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import yaml
from kubernetes.aio.client.exceptions import ApiException

from k8stui.errors import UserError
from k8stui.kube import printers
from k8stui.kube import raw
from k8stui.kube.connection import Connection, explain

CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
ADVERTISE_ANNOTATION = "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"
ETCD_URLS_ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
CERT_WARN_DAYS = 30
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?")


# ---- raw JSON requests through the connection (and its read-only guard) ---------------------------

# the raw-JSON helpers every operation shares (see k8stui.kube.raw)
api_request = raw.request
api_json = raw.request_json
api_list = raw.list_all


# ---- small facts -----------------------------------------------------------------------------------

def parse_version(text: str | None) -> tuple[int, int, int] | None:
    """`v1.34.3` -> (1, 34, 3); anything that does not start like a version -> None."""
    m = _VERSION_RE.match(text or "")
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def image_tag(image: str) -> str:
    """The tag of an image reference (`registry.k8s.io/etcd:3.6.4-0` -> `3.6.4-0`), digest dropped."""
    ref = image.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else ""


def node_ready(node: dict) -> bool:
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def pod_ready(pod: dict) -> bool:
    st = pod.get("status") or {}
    if st.get("phase") != "Running":
        return False
    for c in st.get("conditions") or []:
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def is_control_plane_node(node: dict) -> bool:
    labels = (node.get("metadata") or {}).get("labels") or {}
    return any(k in labels for k in CONTROL_PLANE_LABELS)


def fmt_time(t: float | None) -> str:
    return printers.format_rfc3339(t) if t else "-"


def fmt_ago(t: float | None, now: float | None = None) -> str:
    if not t:
        return "-"
    return printers.human_duration(max(0.0, (now or time.time()) - t))


# ---- the control plane (shared with the safety gates) --------------------------------------------

@dataclass
class Component:
    component: str  # kube-apiserver | kube-controller-manager | kube-scheduler | etcd
    node: str
    pod: str
    image: str
    version: str  # the image tag
    ready: bool
    phase: str
    annotations: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass
class ControlPlaneNode:
    name: str
    ready: bool  # the Node's Ready condition
    schedulable: bool
    kubelet_version: str
    internal_ip: str
    components: dict[str, Component] = field(default_factory=dict)

    @property
    def advertise_address(self) -> str:
        api = self.components.get("kube-apiserver")
        return (api.annotations.get(ADVERTISE_ANNOTATION, "") if api else "") or (
            f"{self.internal_ip}:6443" if self.internal_ip and api else "")

    @property
    def api_server_ready(self) -> bool:
        api = self.components.get("kube-apiserver")
        return bool(api and api.ready and self.ready)


@dataclass
class EtcdMember:
    node: str
    pod: str
    client_urls: str
    version: str
    ready: bool  # the mirror pod is Ready AND its node is Ready


@dataclass
class EtcdTopology:
    mode: str  # "stacked" | "external" | "unknown"
    members: list[EtcdMember] = field(default_factory=list)  # stacked
    endpoints: list[str] = field(default_factory=list)  # external (from kubeadm-config)

    @property
    def total(self) -> int:
        return len(self.members) if self.mode == "stacked" else len(self.endpoints)

    @property
    def ready(self) -> int:
        return sum(1 for m in self.members if m.ready)

    @property
    def quorum(self) -> int:
        return self.total // 2 + 1 if self.total else 0

    @property
    def can_lose(self) -> int:
        """How many more Ready members may go before quorum is lost (stacked only)."""
        return max(0, self.ready - self.quorum)

    def summary(self) -> str:
        if self.mode == "external":
            return f"external, {len(self.endpoints)} endpoint(s): {', '.join(self.endpoints) or '-'}"
        if self.mode == "stacked":
            lost = "" if self.ready >= self.quorum else ": QUORUM LOST"
            return (f"stacked, {self.total} member(s), {self.ready} ready (quorum {self.quorum}, "
                    f"can lose {self.can_lose} more){lost}")
        return "unknown (no kubeadm-config and no etcd mirror pods)"


@dataclass
class ControlPlaneState:
    nodes: list[ControlPlaneNode]  # every control-plane node (label, or a control-plane mirror pod)
    etcd: EtcdTopology
    cluster_config: dict  # the parsed ClusterConfiguration ({} when there is none)
    all_nodes: list[dict] = field(default_factory=list, repr=False)  # the raw Node objects
    problems: list[str] = field(default_factory=list)

    @property
    def api_servers(self) -> list[ControlPlaneNode]:
        """Nodes that run a kube-apiserver (mirror pod); every control-plane node when none is seen."""
        with_pod = [n for n in self.nodes if "kube-apiserver" in n.components]
        return with_pod or list(self.nodes)

    def node(self, name: str) -> ControlPlaneNode | None:
        return next((n for n in self.nodes if n.name == name), None)

    @property
    def control_plane_endpoint(self) -> str:
        return str(self.cluster_config.get("controlPlaneEndpoint") or "")


async def read_cluster_configuration(conn: Connection, problems: list[str]) -> dict:
    try:
        cm = await api_json(conn, "GET", "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
    except ApiException as e:
        if e.status == 404:
            problems.append("kube-system/kubeadm-config not found: not a kubeadm cluster, or it was deleted")
        else:
            problems.append(f"kube-system/kubeadm-config: {explain(e, conn)}")
        return {}
    text = (cm.get("data") or {}).get("ClusterConfiguration") or ""
    try:
        cfg = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        problems.append(f"kube-system/kubeadm-config: ClusterConfiguration is not valid YAML: {e}")
        return {}
    if not isinstance(cfg, dict):
        problems.append("kube-system/kubeadm-config: ClusterConfiguration is not a mapping")
        return {}
    return cfg


def build_control_plane(nodes: list[dict], pods: list[dict], cfg: dict,
                        problems: list[str] | None = None) -> ControlPlaneState:
    """The control-plane picture from raw Node and kube-system control-plane Pod objects."""
    by_name = {n["metadata"]["name"]: n for n in nodes}
    comps: dict[str, dict[str, Component]] = {}
    for p in pods:
        meta = p.get("metadata") or {}
        labels = meta.get("labels") or {}
        comp = labels.get("component") or ""
        if comp not in COMPONENTS:
            continue
        spec = p.get("spec") or {}
        node = spec.get("nodeName") or ""
        if not node:
            continue
        containers = spec.get("containers") or []
        image = (containers[0].get("image") or "") if containers else ""
        c = Component(comp, node, meta.get("name", ""), image, image_tag(image), pod_ready(p),
                      (p.get("status") or {}).get("phase") or "", meta.get("annotations") or {})
        if not by_name.get(node) or not node_ready(by_name[node]):
            c.ready = False  # a NotReady node's mirror pods report stale status
        comps.setdefault(node, {})[comp] = c
    cp_names = [n["metadata"]["name"] for n in nodes if is_control_plane_node(n)]
    cp_names += [name for name in comps if name not in cp_names and name in by_name]
    cps = []
    for name in sorted(cp_names):
        n = by_name[name]
        info = (n.get("status") or {}).get("nodeInfo") or {}
        cps.append(ControlPlaneNode(name, node_ready(n), not (n.get("spec") or {}).get("unschedulable"),
                                    info.get("kubeletVersion", ""), printers.node_internal_ip(n),
                                    comps.get(name, {})))
    etcd_cfg = cfg.get("etcd") or {}
    members = [EtcdMember(cp.name, c.pod, c.annotations.get(ETCD_URLS_ANNOTATION, ""), c.version, c.ready)
               for cp in cps for c in [cp.components.get("etcd")] if c is not None]
    if isinstance(etcd_cfg, dict) and isinstance(etcd_cfg.get("external"), dict):
        eps = etcd_cfg["external"].get("endpoints") or []
        etcd = EtcdTopology("external", [], [str(e) for e in eps])
    elif (isinstance(etcd_cfg, dict) and "local" in etcd_cfg) or members:
        etcd = EtcdTopology("stacked", members)
    else:
        etcd = EtcdTopology("unknown")
    return ControlPlaneState(cps, etcd, cfg, nodes, problems if problems is not None else [])


async def list_control_plane_pods(conn: Connection) -> list[dict]:
    return await api_list(conn, "/api/v1/namespaces/kube-system/pods", [("labelSelector", "tier=control-plane")])


async def read_control_plane(conn: Connection) -> ControlPlaneState:
    """Nodes + control-plane mirror pods + ClusterConfiguration (three GETs, concurrently)."""
    problems: list[str] = []
    try:
        nodes, pods, cfg = await asyncio.gather(api_list(conn, "/api/v1/nodes"), list_control_plane_pods(conn),
                                                read_cluster_configuration(conn, problems))
    except UserError:
        raise
    except Exception as e:
        raise explain(e, conn) from None
    return build_control_plane(nodes, pods, cfg, problems)


# ---- version skew (kubeadm.md §2, the Kubernetes version-skew policy) ----------------------------

@dataclass
class SkewRow:
    node: str  # the node it runs on ("" for a cluster-wide component such as kube-proxy's DaemonSet)
    component: str  # kubelet | kube-apiserver | kube-controller-manager | kube-scheduler | kube-proxy
    version: str
    reference: str  # the kube-apiserver version it is compared with (the oldest one)
    skew: int | None  # reference minor - own minor: > 0 older, < 0 newer; None: not comparable
    status: str  # ok | limit | violation | unknown
    message: str = ""

    @property
    def violation(self) -> bool:
        return self.status == "violation"


def _older_allowed(minor: int, component: str) -> int:
    if component in ("kube-controller-manager", "kube-scheduler", "cloud-controller-manager"):
        return 1
    # kubelet / kube-proxy: up to three minors older (two when the component itself is < 1.25)
    return 3 if minor >= 25 else 2


def skew_row(node: str, component: str, version: str, reference: str) -> SkewRow:
    """One component version checked against the (oldest) kube-apiserver version."""
    own, ref = parse_version(version), parse_version(reference)
    if own is None or ref is None:
        return SkewRow(node, component, version or "-", reference or "-", None, "unknown",
                       "version not known")
    if own[0] != ref[0]:
        return SkewRow(node, component, version, reference, None, "violation",
                       f"major version {own[0]} differs from kube-apiserver's {ref[0]}")
    skew = ref[1] - own[1]
    allowed = _older_allowed(own[1], component)
    if skew < 0:
        return SkewRow(node, component, version, reference, skew, "violation",
                       f"{component} {version} is newer than kube-apiserver {reference}: it must not be newer")
    if skew > allowed:
        return SkewRow(node, component, version, reference, skew, "violation",
                       f"{component} {version} is {skew} minor versions older than kube-apiserver {reference}: "
                       f"at most {allowed} allowed")
    if skew == allowed and skew > 0:
        return SkewRow(node, component, version, reference, skew, "limit",
                       f"{skew} minor version(s) older, the most allowed: upgrade it before the next "
                       "control-plane minor upgrade")
    return SkewRow(node, component, version, reference, skew, "ok")


def skew_matrix(apiservers: list[tuple[str, str]], kubelets: list[tuple[str, str]],
                components: list[tuple[str, str, str]] = (), kube_proxy: str | None = None) -> list[SkewRow]:
    """The version-skew matrix.

    `apiservers`: (node, version) of each kube-apiserver; `kubelets`: (node, kubelet version);
    `components`: (node, component, version) for controller-managers and schedulers;
    `kube_proxy`: the kube-proxy DaemonSet's image tag. Everything is compared with the OLDEST
    kube-apiserver (HA skew narrows the allowed range); the apiservers themselves must be within
    one minor version of each other.
    """
    rows: list[SkewRow] = []
    parsed = [(n, v, parse_version(v)) for n, v in apiservers]
    known = [p for p in parsed if p[2] is not None]
    oldest = min(known, key=lambda p: p[2])[1] if known else ""  # type: ignore[arg-type, return-value]
    newest = max(known, key=lambda p: p[2])[1] if known else ""  # type: ignore[arg-type, return-value]
    spread = (parse_version(newest)[1] - parse_version(oldest)[1]) if known else 0  # type: ignore[index]
    for node, version, pv in parsed:
        if pv is None:
            rows.append(SkewRow(node, "kube-apiserver", version or "-", oldest or "-", None, "unknown",
                                "version not known"))
            continue
        skew = parse_version(oldest)[1] - pv[1]  # type: ignore[index]
        if spread > 1:
            rows.append(SkewRow(node, "kube-apiserver", version, oldest, skew, "violation",
                                f"kube-apiservers span {oldest} to {newest}: HA apiservers must be within one "
                                "minor version"))
        else:
            rows.append(SkewRow(node, "kube-apiserver", version, oldest, skew, "ok"))
    for node, version in kubelets:
        rows.append(skew_row(node, "kubelet", version, oldest))
    for node, comp, version in components:
        rows.append(skew_row(node, comp, version, oldest))
    if kube_proxy:
        rows.append(skew_row("", "kube-proxy", kube_proxy, oldest))
    return rows


# ---- /readyz?verbose ------------------------------------------------------------------------------

@dataclass
class ReadyzCheck:
    name: str
    ok: bool
    message: str = ""


@dataclass
class Readyz:
    ok: bool
    status: int  # HTTP status (0: no answer)
    checks: list[ReadyzCheck] = field(default_factory=list)
    error: str = ""

    @property
    def failed(self) -> list[ReadyzCheck]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        if self.error:
            return f"unknown: {self.error}"
        if self.ok:
            return f"ok ({len(self.checks)} checks passed)"
        names = ", ".join(c.name for c in self.failed) or "no details"
        return f"FAILED (HTTP {self.status}): {names}"


def parse_readyz(status: int, text: str) -> Readyz:
    checks = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[+]"):
            name, _, rest = line[3:].partition(" ")
            checks.append(ReadyzCheck(name, True, rest))
        elif line.startswith("[-]"):
            name, _, rest = line[3:].partition(" ")
            checks.append(ReadyzCheck(name, False, rest))
    ok = status == 200 and all(c.ok for c in checks)
    return Readyz(ok, status, checks)


async def read_readyz(conn: Connection) -> Readyz:
    try:
        status, data = await api_request(conn, "GET", "/readyz", [("verbose", "")], timeout=15, accept="*/*")
    except Exception as e:
        return Readyz(False, 0, error=str(explain(e, conn)))
    text = data.decode("utf-8", "replace")
    if status in (401, 403):
        return Readyz(False, status, error=f"HTTP {status}: not allowed to read /readyz")
    return parse_readyz(status, text)


# ---- certificates over SSH (optional) -------------------------------------------------------------

@dataclass
class CertExpiry:
    name: str
    expires: float
    residual_s: float
    authority: bool  # a CA (certificateAuthorities) rather than a leaf certificate
    ca_name: str = ""
    externally_managed: bool = False

    @property
    def state(self) -> str:
        if self.residual_s <= 0:
            return "EXPIRED"
        if self.residual_s < CERT_WARN_DAYS * 86400:
            return "expires soon"
        return "ok"


@dataclass
class NodeCerts:
    node: str
    certs: list[CertExpiry] = field(default_factory=list)
    error: str = ""

    @property
    def earliest(self) -> CertExpiry | None:
        managed = [c for c in self.certs if not c.externally_managed]
        return min(managed, key=lambda c: c.expires) if managed else None


@dataclass
class CertReport:
    checked: bool
    note: str = ""
    nodes: list[NodeCerts] = field(default_factory=list)

    def summary(self, now: float | None = None) -> str:
        if not self.checked:
            return f"not checked: {self.note}"
        parts = []
        for n in self.nodes:
            if n.error:
                parts.append(f"{n.node}: unknown ({n.error})")
                continue
            e = n.earliest
            if e is None:
                parts.append(f"{n.node}: no certificates reported")
            else:
                days = e.residual_s / 86400
                parts.append(f"{n.node}: earliest {e.name} {fmt_time(e.expires)} "
                             f"({'EXPIRED' if days <= 0 else f'{days:.0f}d left'})"
                             + (" <30d" if 0 < days < CERT_WARN_DAYS else ""))
        return "; ".join(parts) or "no control-plane node"


def parse_check_expiration(text: str) -> list[CertExpiry]:
    """`kubeadm certs check-expiration -o json` (output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo)."""
    start = text.find("{")
    data = json.loads(text[start:] if start >= 0 else text)
    out = []
    for key, authority in (("certificates", False), ("certificateAuthorities", True)):
        for c in data.get(key) or []:
            exp = printers.parse_time(c.get("expirationDate") or "")
            residual = c.get("residualTime")
            residual_s = residual / 1e9 if isinstance(residual, (int, float)) else exp - time.time()
            out.append(CertExpiry(c.get("name", ""), exp, residual_s, authority, c.get("caName", ""),
                                  bool(c.get("externallyManaged"))))
    return out


async def check_certificates(runner: Any, nodes: list[ControlPlaneNode], timeout: float = 30) -> CertReport:
    """`kubeadm certs check-expiration -o json` on each control-plane node, concurrently."""
    from k8stui.hosts import shell

    async def one(n: ControlPlaneNode) -> NodeCerts:
        try:
            res = await runner.run(n.name, shell.kubeadm_certs_check_expiration(json_output=True),
                                   timeout=timeout, internal_ip=n.internal_ip or None)
        except UserError as e:
            return NodeCerts(n.name, error=str(e))
        except Exception as e:  # an unexpected SSH failure must not break the overview
            return NodeCerts(n.name, error=f"{type(e).__name__}: {e}")
        if not res.ok:
            line = (res.stderr.strip() or res.stdout.strip()).splitlines()
            return NodeCerts(n.name, error=f"exit {res.exit_status}: {line[-1] if line else ''}")
        try:
            return NodeCerts(n.name, parse_check_expiration(res.stdout))
        except (ValueError, TypeError, AttributeError) as e:
            return NodeCerts(n.name, error=f"unreadable output: {e}")

    results = await asyncio.gather(*(one(n) for n in nodes))
    return CertReport(True, "", list(results))


# ---- the overview ---------------------------------------------------------------------------------

@dataclass
class NodeCount:
    role: str  # control-plane | worker
    total: int = 0
    ready: int = 0
    not_ready: int = 0
    scheduling_disabled: int = 0


@dataclass
class Overview:
    context: str
    server: str
    version: str  # /version gitVersion (through a load balancer: whichever apiserver answered)
    config_version: str  # ClusterConfiguration.kubernetesVersion
    cluster_name: str
    kubeadm: bool  # kube-system/kubeadm-config exists
    control_plane: ControlPlaneState
    readyz: Readyz
    node_counts: list[NodeCount]
    skew: list[SkewRow]
    addons: dict[str, str]  # kube-proxy / coredns -> image tag
    certificates: CertReport
    maintenance: Any  # k8stui.ops.maintenance.MaintenanceState
    problems: list[str] = field(default_factory=list)
    gathered_at: float = field(default_factory=time.time)

    @property
    def control_plane_endpoint(self) -> str:
        return self.control_plane.control_plane_endpoint

    @property
    def etcd(self) -> EtcdTopology:
        return self.control_plane.etcd

    @property
    def apiserver_versions(self) -> list[str]:
        vs = {c.version for n in self.control_plane.nodes for c in [n.components.get("kube-apiserver")] if c}
        return sorted(vs, key=lambda v: parse_version(v) or (0, 0, 0))

    @property
    def versions(self) -> list[str]:
        """Every distinct Kubernetes version in play: /version, ClusterConfiguration, apiservers."""
        vs = {v for v in [self.version, self.config_version, *self.apiserver_versions] if v}
        return sorted(vs, key=lambda v: parse_version(v) or (0, 0, 0))

    @property
    def skew_violations(self) -> list[SkewRow]:
        return [r for r in self.skew if r.violation]

    def endpoint_summary(self) -> str:
        apis = self.control_plane.api_servers
        addrs = ", ".join(f"{n.name} {n.advertise_address or n.internal_ip or '?'}" for n in apis)
        if self.control_plane_endpoint:
            return (f"{self.control_plane_endpoint} (controlPlaneEndpoint: load balancer) in front of "
                    f"{len(apis)} API server(s): {addrs or '-'}")
        if len(apis) == 1:
            return f"single API server: {addrs} (no controlPlaneEndpoint)"
        if not apis:
            return "no API server found (no control-plane node or kube-apiserver mirror pod)"
        return f"no controlPlaneEndpoint: {len(apis)} API servers, each at its own address: {addrs}"


def count_nodes(nodes: list[dict], cp_names: set[str]) -> list[NodeCount]:
    counts = {"control-plane": NodeCount("control-plane"), "worker": NodeCount("worker")}
    for n in nodes:
        c = counts["control-plane" if n["metadata"]["name"] in cp_names else "worker"]
        c.total += 1
        if node_ready(n):
            c.ready += 1
        else:
            c.not_ready += 1
        if (n.get("spec") or {}).get("unschedulable"):
            c.scheduling_disabled += 1
    return list(counts.values())


async def _addon_tag(conn: Connection, path: str) -> str:
    try:
        obj = await api_json(conn, "GET", path)
    except ApiException:
        return ""
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
    return image_tag(containers[0].get("image") or "") if containers else ""


async def gather_overview(conn: Connection, runner: Any = None, *, certs: bool = True,
                          cert_note: str = "", holder: str | None = None) -> Overview:
    """Everything the overview shows. `runner` (an SSHRunner) enables the certificate check;
    without one, `cert_note` says why (default: no SSH inventory)."""
    from k8stui.ops import maintenance

    problems: list[str] = []

    async def version() -> str:
        try:
            return str((await api_json(conn, "GET", "/version")).get("gitVersion") or "")
        except Exception as e:
            problems.append(f"/version: {explain(e, conn)}")
            return ""

    cp_task = asyncio.ensure_future(read_control_plane(conn))
    try:
        v, ready, proxy, dns, maint = await asyncio.gather(
            version(), read_readyz(conn),
            _addon_tag(conn, "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy"),
            _addon_tag(conn, "/apis/apps/v1/namespaces/kube-system/deployments/coredns"),
            maintenance.maintenance_state(conn, holder=holder))
        cp = await cp_task
    finally:
        if not cp_task.done():
            cp_task.cancel()
    problems[:0] = cp.problems
    problems.extend(maint.problems)
    cfg = cp.cluster_config
    cp_names = {n.name for n in cp.nodes}
    counts = count_nodes(cp.all_nodes, cp_names)
    apiservers = [(n.name, n.components["kube-apiserver"].version) for n in cp.nodes
                  if "kube-apiserver" in n.components]
    if not apiservers and v:
        apiservers = [("", v)]  # no mirror pods (not kubeadm?): the version the API reports
    kubelets = [(n["metadata"]["name"], ((n.get("status") or {}).get("nodeInfo") or {}).get("kubeletVersion", ""))
                for n in sorted(cp.all_nodes, key=lambda n: (n["metadata"]["name"] not in cp_names,
                                                               n["metadata"]["name"]))]
    comps = [(n.name, c.component, c.version) for n in cp.nodes for c in n.components.values()
             if c.component in ("kube-controller-manager", "kube-scheduler")]
    order = {name: i for i, (name, _) in enumerate(kubelets)}
    rank = {c: i for i, c in enumerate(("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet"))}
    skew = sorted(skew_matrix(apiservers, kubelets, comps, proxy or None),
                  key=lambda r: (not r.node, order.get(r.node, len(order)), rank.get(r.component, 9)))
    if runner is not None and certs:
        cert_report = await check_certificates(runner, cp.nodes)
    else:
        cert_report = CertReport(False, cert_note or "no SSH inventory (pass --inventory PATH)")
    addons = {k: t for k, t in (("kube-proxy", proxy), ("coredns", dns)) if t}
    return Overview(conn.context, conn.server, v, str(cfg.get("kubernetesVersion") or ""),
                    str(cfg.get("clusterName") or ""), bool(cfg), cp, ready, counts, skew, addons,
                    cert_report, maint, problems)


# ---- text -----------------------------------------------------------------------------------------

def _table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "   ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows]


def control_plane_rows(ov: Overview) -> list[list[str]]:
    rows = [["NODE", "STATUS", "KUBELET", "APISERVER", "CONTROLLER-MANAGER", "SCHEDULER", "ETCD", "ADVERTISE"]]
    for n in ov.control_plane.nodes:
        cells = [n.name, ("Ready" if n.ready else "NotReady") + ("" if n.schedulable else ",SchedulingDisabled"),
                 n.kubelet_version or "-"]
        for comp in COMPONENTS:
            c = n.components.get(comp)
            if c is None:
                cells.append("external" if comp == "etcd" and ov.etcd.mode == "external" else "-")
            else:
                cells.append(f"{c.version or '?'}" + ("" if c.ready else " (not ready)"))
        cells.append(n.advertise_address or "-")
        rows.append(cells)
    return rows


def format_overview(ov: Overview, now: float | None = None) -> str:
    """The overview as `k8stui overview` prints it."""
    now = now or time.time()
    out: list[str] = []
    name = ov.cluster_name or "-"
    out.append(f"Cluster:     {name} (context {ov.context} at {ov.server})"
               + ("" if ov.kubeadm else "  [no kubeadm-config: not a kubeadm cluster?]"))
    vparts = [f"{ov.version or '?'} (/version)"]
    if ov.config_version:
        vparts.append(f"ClusterConfiguration kubernetesVersion {ov.config_version}")
    if ov.apiserver_versions:
        vparts.append("kube-apiserver " + ", ".join(ov.apiserver_versions))
    out.append("Version:     " + "; ".join(vparts)
               + ("  [MIXED VERSIONS: an upgrade is in progress or unfinished]" if len(ov.versions) > 1 else ""))
    out.append("Endpoint:    " + ov.endpoint_summary())
    out.append("etcd:        " + ov.etcd.summary())
    if ov.etcd.mode == "stacked" and ov.etcd.members:
        out.extend(_table([["MEMBER", "CLIENT URL", "VERSION", "STATUS"]] +
                          [[m.node, m.client_urls or "-", m.version or "-", "Ready" if m.ready else "NOT READY"]
                           for m in ov.etcd.members], "             "))
    if ov.addons:
        out.append("Add-ons:     " + ", ".join(f"{k} {v}" for k, v in ov.addons.items()))
    out.append("")
    out.append(f"Control-plane nodes ({len(ov.control_plane.nodes)}):")
    if ov.control_plane.nodes:
        out.extend(_table(control_plane_rows(ov)))
    out.append("")
    out.append("API health (/readyz?verbose): " + ov.readyz.summary())
    for c in ov.readyz.failed:
        out.append(f"  [-] {c.name} {c.message}".rstrip())
    out.append("")
    out.append("Nodes:")
    total = NodeCount("total")
    for c in ov.node_counts:
        for attr in ("total", "ready", "not_ready", "scheduling_disabled"):
            setattr(total, attr, getattr(total, attr) + getattr(c, attr))
    out.extend(_table([["ROLE", "TOTAL", "READY", "NOTREADY", "SCHEDULINGDISABLED"]] +
                      [[c.role, str(c.total), str(c.ready), str(c.not_ready), str(c.scheduling_disabled)]
                       for c in [*ov.node_counts, total]]))
    out.append("")
    bad = ov.skew_violations
    out.append("Version skew (against the oldest kube-apiserver): "
               + (f"{len(bad)} VIOLATION(S)" if bad else "ok"))
    rows = [["NODE", "COMPONENT", "VERSION", "APISERVER", "SKEW", "STATUS"]]
    for r in ov.skew:
        skew = "-" if r.skew is None else (f"{r.skew} older" if r.skew > 0 else
                                           f"{-r.skew} newer" if r.skew < 0 else "0")
        rows.append([r.node or "(daemonset)", r.component, r.version, r.reference, skew,
                     r.status.upper() if r.status != "ok" else "ok"])
    out.extend(_table(rows))
    for r in ov.skew:
        if r.status in ("violation", "limit") and r.message:
            out.append(f"  {r.node or r.component}: {r.message}")
    out.append("")
    out.append("Certificates: " + ov.certificates.summary(now))
    for n in ov.certificates.nodes:
        for c in n.certs:
            if c.state != "ok":
                out.append(f"  {n.node}: {c.name} {c.state} ({fmt_time(c.expires)})")
    out.append("")
    out.append("Maintenance:")
    out.extend("  " + line for line in ov.maintenance.lines(now))
    if ov.problems:
        out.append("")
        out.append("Could not read:")
        out.extend(f"  {p}" for p in ov.problems)
    return "\n".join(out) + "\n"
