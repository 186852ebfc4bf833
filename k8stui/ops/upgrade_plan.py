"""The kubeadm upgrade PLAN: facts, version-skew and pre-flight checks, ordered nodes with exact steps.

`make_plan(conn, runner, "v1.35.2" | "v1.35", options)` gathers, without changing anything:

* over the API: ClusterConfiguration.kubernetesVersion, /version, every node's kubelet version,
  readiness and cordon state, the control-plane mirror pods' image tags (per node), and for every
  node to upgrade the drain engine's plan (`Drainer.plan()`: which pods would be evicted, which
  block, which PodDisruptionBudgets cover them);
* over SSH, per host (read-only probes only, all in `k8stui.hosts.shell.READ_ONLY_PATTERNS` except
  the repository index, see below): `kubeadm version -o short`, `cat` of the kubernetes.list
  repository file, `apt-mark showhold`, `swapon --show`, `apt-cache madison kubeadm kubelet
  kubectl`, and on control-plane nodes `kubeadm certs check-expiration -o json`.

What the target minor's repository offers, read-only. `apt-cache madison` only shows the index the
host fetched with its *current* repository line, so for a minor upgrade it cannot tell what
v1.35 offers until the line is switched and `apt-get update` has run: both change the host. The
plan therefore reads the target repository's index itself, on a host, with `curl -fsSL
<repo>/core:/stable:/v1.35/deb/Packages` (`repo_index_command`): a pure HTTP GET of the file apt
would download, printed to stdout, changing nothing on the host, through the host's own network
path and with the repository host its kubernetes.list names. The exact package strings
(`1.35.2-1.1`, never a hard-coded revision) come from that index; when the host's repository
already points at the target minor (a patch upgrade) madison's answer is used as well, and is the
fallback when the index cannot be read (no curl, no network, or a read-only session whose
allow-list does not yet accept the probe: the plan then says what it could not verify, and the run
checks again with madison after `apt-get update` before installing anything).

The checks (kubeadm.md §2 and the derived wizard checks): the target parses; no downgrade (below
the cluster version, an API server, or a kubelet); no skipped minor (target minor ≤ oldest API
server minor + 1; API servers within one minor); the target is offered by the repository; every
kubelet within the skew the target allows (N-3, N-2 below 1.25); kubeadm on each host neither newer
than the target nor more than one minor behind it; control plane before workers (also for
`--nodes`); pre-flight: legacy apt.kubernetes.io / packages.cloud.google.com repositories (the
pkgs.k8s.io line is offered), a missing repository line, swap on, certificates expired (blocker) or
expiring within 30 days (warning), nodes not Ready, drains that cannot complete (pods the drain
engine refuses, e.g. unmanaged pods without force; PodDisruptionBudgets that can never allow a
disruption), unreachable hosts.

The result orders the nodes as kubeadm's procedure does: the first control-plane node with
`kubeadm upgrade apply` (only while ClusterConfiguration is not at the target yet), the other
control-plane nodes one at a time with `kubeadm upgrade node`, then the workers; each node carries
its steps with the exact commands, and its blockers.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from k8stui.errors import ReadOnlyError, UserError
from k8stui.hosts import shell
from k8stui.hosts.shell import Command
from k8stui.ops.availability import read_room_facts
from k8stui.ops.maintenance import GateReport, check_node_gates
from k8stui.kube.connection import Connection
from k8stui.ops import upgrade_kube as kube
from k8stui.ops.drain import Drainer, DrainError, DrainOptions, DrainPlan

PACKAGES = ("kubeadm", "kubelet", "kubectl")
CERT_WARN_DAYS = 30
# kubeadm.md §1.2: the community repositories (any of these hosts) and the dead Google ones
REPO_RE = re.compile(r"(?P<base>https?://(?P<host>pkgs\.k8s\.io|pkgs\.kubernetes\.io|packages\.kubernetes\.io)"
                     r"/core:/stable:/)(?P<minor>v\d+\.\d+)/(?P<kind>deb|rpm)")
LEGACY_RE = re.compile(r"apt\.kubernetes\.io|packages\.cloud\.google\.com|yum\.kubernetes\.io")
PKGS_LINE = ("deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] "
             "https://pkgs.k8s.io/core:/stable:/{minor}/deb/ /")

BLOCKER, WARNING, INFO, OK = "blocker", "warning", "info", "ok"
# the checklist: (label, the problem codes it covers)
CHECKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Target version (no downgrade, no skipped minor, offered by the repository)", ("target.",)),
    ("Version skew (kubelets, kubeadm, API servers)", ("skew.",)),
    ("Order: control plane before workers", ("order.",)),
    ("Package repositories (pkgs.k8s.io at the right minor)", ("preflight.repo", "preflight.legacy-repo")),
    ("Swap off", ("preflight.swap",)),
    ("Control-plane certificates valid", ("preflight.certs",)),
    ("Nodes Ready", ("node.not-ready",)),
    ("Drains can complete (unmanaged pods, PodDisruptionBudgets)", ("drain.",)),
    ("Hosts reachable over SSH", ("host.",)),
)
_RANK = {BLOCKER: 3, WARNING: 2, INFO: 1, OK: 0}


# ---- versions ---------------------------------------------------------------------------------------

_TARGET_RE = re.compile(r"v?(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?")
_VERSION_IN_TEXT = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def parse_target(text: str) -> tuple[int, int, int | None]:
    """`v1.35.2` → (1, 35, 2); `v1.35` (a minor: its newest patch) → (1, 35, None)."""
    m = _TARGET_RE.fullmatch((text or "").strip())
    if not m:
        raise UserError(f"invalid target version {text!r}: expected a version like v1.35.2 or a minor like v1.35")
    major, minor, patch = int(m.group(1)), int(m.group(2)), m.group(3)
    return major, minor, (int(patch) if patch is not None else None)


def vt(text: str) -> tuple[int, int, int]:
    """(1, 34, 3) from `v1.34.3`, `1.34.3-1.1`, `Kubernetes v1.34.3`; (0, 0, 0) if there is none."""
    m = _VERSION_IN_TEXT.search(text or "")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, 0, 0)


def vstr(v: tuple[int, ...]) -> str:
    return "v" + ".".join(str(x) for x in v)


def minor_str(v: tuple[int, ...]) -> str:
    return f"v{v[0]}.{v[1]}"


def pkg_k8s(pkg_version: str) -> str:
    """`1.35.2-1.1` → `v1.35.2`."""
    return "v" + pkg_version.split("-", 1)[0]


def _pkg_key(pkg_version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", pkg_version))


# ---- read-only host probes ---------------------------------------------------------------------------

def parse_packages_index(text: str) -> dict[str, list[str]]:
    """Debian `Packages` stanzas → {package: [versions, newest first]} for kubeadm/kubelet/kubectl."""
    out: dict[str, set[str]] = {}
    pkg = None
    for line in text.splitlines():
        if not line.strip():
            pkg = None
        elif line.startswith("Package:"):
            pkg = line.split(":", 1)[1].strip()
        elif line.startswith("Version:") and pkg in PACKAGES:
            out.setdefault(pkg, set()).add(line.split(":", 1)[1].strip())
    return {p: sorted(v, key=_pkg_key, reverse=True) for p, v in out.items()}


def parse_madison(text: str) -> dict[str, list[str]]:
    """`   kubeadm | 1.34.3-1.1 | https://... Packages` rows → {package: [versions, newest first]}."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3 and parts[0] in PACKAGES and parts[1]:
            vs = out.setdefault(parts[0], [])
            if parts[1] not in vs:
                vs.append(parts[1])
    return {p: sorted(v, key=_pkg_key, reverse=True) for p, v in out.items()}


def parse_repo(text: str) -> "RepoInfo":
    """The repository line(s) of kubernetes.list (comments ignored)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    for ln in lines:
        m = REPO_RE.search(ln)
        if m:
            return RepoInfo(text=ln, base=m.group("base"), minor=m.group("minor"), host=m.group("host"))
    for ln in lines:
        m = LEGACY_RE.search(ln)
        if m:
            return RepoInfo(text=ln, legacy=m.group(0))
    return RepoInfo(text=lines[0] if lines else "", error="no pkgs.k8s.io repository line")


def parse_certs(text: str) -> "CertInfo":
    """`kubeadm certs check-expiration -o json` (output.kubeadm.k8s.io/v1alpha3)."""
    start = text.find("{")
    data = json.loads(text[start:]) if start >= 0 else {}
    items = [(c.get("name", "?"), int(c.get("residualTime") or 0) / 1e9 / 86400)
             for c in (data.get("certificates") or []) + (data.get("certificateAuthorities") or [])
             if not c.get("externallyManaged")]
    if not items:
        return CertInfo(None, "", [])
    name, days = min(items, key=lambda x: x[1])
    return CertInfo(days, name, [n for n, d in items if d <= 0])


# ---- facts ----------------------------------------------------------------------------------------

@dataclass
class RepoInfo:
    text: str = ""
    base: str | None = None  # https://pkgs.k8s.io/core:/stable:/
    minor: str | None = None  # v1.34
    host: str | None = None
    legacy: str | None = None  # apt.kubernetes.io ...
    error: str = ""


@dataclass
class CertInfo:
    min_days: float | None  # residual time of the soonest-expiring certificate
    soonest: str
    expired: list[str]


@dataclass
class HostFacts:
    node: str
    error: str = ""  # the host could not be reached / probed at all
    kubeadm: str | None = None
    repo: RepoInfo | None = None
    held: list[str] | None = None
    swap: list[str] | None = None  # swapon --show rows (empty: swap off)
    certs: CertInfo | None = None
    madison: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # probes that failed

    @property
    def reachable(self) -> bool:
        return not self.error


@dataclass
class NodeFacts:
    name: str
    control_plane: bool
    ready: bool
    ready_reason: str
    kubelet: str
    internal_ip: str | None
    unschedulable: bool
    components: dict[str, str] = field(default_factory=dict)  # component -> image tag (mirror pods)
    components_ready: dict[str, bool] = field(default_factory=dict)


@dataclass
class RepoIndex:
    minor: str
    versions: dict[str, list[str]]  # package -> versions newest first
    source: str  # where the list came from
    error: str = ""


@dataclass
class Problem:
    severity: str  # blocker | warning | info
    code: str  # e.g. target.skip-minor, preflight.swap, drain.pdb
    message: str
    node: str | None = None
    fix: str | None = None  # the remedy offered (a line, a command)

    def __str__(self) -> str:
        where = f"{self.node}: " if self.node else ""
        return f"{where}{self.message}"


# ---- steps ------------------------------------------------------------------------------------------

STEP_TITLES = {
    "repo": "Point the package repository at {minor}",
    "apt-update": "Refresh the package index",
    "kubeadm": "Upgrade kubeadm to {pkg}",
    "verify": "Verify kubeadm is {target}",
    "upgrade-plan": "Check the upgrade (kubeadm upgrade plan)",
    "upgrade-apply": "Upgrade the control plane (kubeadm upgrade apply)",
    "upgrade-node": "Upgrade the node (kubeadm upgrade node)",
    "drain": "Drain the node",
    "kubelet": "Upgrade kubelet and kubectl to {pkg}",
    "restart": "Restart the kubelet",
    "ready": "Wait for the node to be Ready at {target}",
    "uncordon": "Uncordon the node",
    "gates": "Health gates",
}


def display(cmd: Command) -> str:
    """A command as an operator would type it."""
    return ("sudo " if cmd.sudo else "") + cmd.redacted()


def drain_options(force: bool, timeout: float, evict_retry_delay: float) -> DrainOptions:
    """The drain of the upgrade runbook: ignore DaemonSets, delete emptyDir data, --force on request."""
    return DrainOptions(force=force, ignore_daemonsets=True, delete_emptydir_data=True, timeout=timeout,
                        evict_retry_delay=evict_retry_delay)


def step_commands(step: str, node: str, action: str, target: str, target_minor: str,
                  pkgs: dict[str, str], dopts: DrainOptions) -> list[Command]:
    """The host commands of one step (empty for API-side steps)."""
    if step == "repo":
        return [shell.set_repo_minor(target_minor)]
    if step == "apt-update":
        return [shell.apt_get_update()]
    if step == "kubeadm":
        return [shell.apt_mark("unhold", "kubeadm"), shell.apt_install({"kubeadm": pkgs["kubeadm"]}),
                shell.apt_mark("hold", "kubeadm")]
    if step == "verify":
        return [shell.kubeadm_version("short")]
    if step == "upgrade-plan":
        return [shell.kubeadm_upgrade_plan(target, json_output=True)]
    if step == "upgrade-apply":
        return [shell.kubeadm_upgrade_apply(target)]
    if step == "upgrade-node":
        return [shell.kubeadm_upgrade_node()]
    if step == "kubelet":
        return [shell.apt_mark("unhold", "kubelet", "kubectl"),
                shell.apt_install({"kubelet": pkgs["kubelet"], "kubectl": pkgs["kubectl"]}),
                shell.apt_mark("hold", "kubelet", "kubectl")]
    if step == "restart":
        return [shell.systemctl_daemon_reload(), shell.systemctl_restart_kubelet()]
    return []


def step_display(step: str, node: str, action: str, target: str, target_minor: str,
                 pkgs: dict[str, str], dopts: DrainOptions) -> list[str]:
    if step == "drain":
        return [dopts.kubectl_command(node)]
    if step == "uncordon":
        return [f"kubectl uncordon {node}"]
    if step == "ready":
        return [f"(watch) node/{node} Ready with kubeletVersion {target}"]
    if step == "gates":
        return [f"(watch) node/{node} Ready at {target}; control-plane pods Ready"
                + (" at the new image" if action != "worker" else "") + f"; DaemonSet pods on {node} Ready"]
    return [display(c) for c in step_commands(step, node, action, target, target_minor, pkgs, dopts)]


def step_ids(action: str, repo_switch: bool) -> list[str]:
    """The runbook's steps for a node (kubeadm.md §1.4-1.6); action: apply | node (control plane)
    | worker."""
    ids = ["repo"] if repo_switch else []
    ids += ["apt-update", "kubeadm", "verify"]
    ids += ["upgrade-plan", "upgrade-apply"] if action == "apply" else ["upgrade-node"]
    ids += ["drain", "kubelet", "restart", "ready", "uncordon", "gates"]
    return ids


def step_title(step: str, target: str, target_minor: str, pkgs: dict[str, str]) -> str:
    return STEP_TITLES.get(step, step).format(minor=target_minor, target=target,
                                              pkg=pkgs.get("kubeadm", target))


@dataclass
class PlannedStep:
    id: str
    title: str
    commands: list[str]  # as displayed
    status: str = "pending"  # what the journal says of it: pending | running | failed | done | skipped


@dataclass
class NodePlan:
    name: str
    control_plane: bool
    action: str  # apply | node | worker
    kubelet: str
    kubeadm: str | None
    ready: bool
    internal_ip: str | None
    up_to_date: bool = False
    repo_switch: bool = False
    steps: list[PlannedStep] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    drain: DrainPlan | None = field(default=None, repr=False)

    @property
    def role(self) -> str:
        return "control-plane" if self.control_plane else "worker"

    @property
    def blockers(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == BLOCKER]


@dataclass
class UpgradeOptions:
    """How to run the upgrade (also what the plan checks the drains against)."""

    force: bool = False  # drain --force: delete pods no controller manages
    parallel: int = 1  # workers upgraded at a time
    nodes: list[str] | None = None  # only these nodes (order still kubeadm's)
    drain_timeout: float = 900.0  # seconds per drain (0: no limit, as kubectl)
    evict_retry_delay: float = 5.0  # kubectl's 429 retry delay
    ready_timeout: float = 600.0  # node Ready at the new version after the kubelet restart
    gate_timeout: float = 600.0  # health gates
    command_timeout: float | None = 1800.0  # one host command
    cert_warn_days: int = CERT_WARN_DAYS
    # nodes whose safety-gate refusals (quorum, a workload left with nothing) the operator overrode by
    # name; naming a node whose upgrade takes the API down also acknowledges that outage for the plan
    override_safety: frozenset[str] = frozenset()
    # the API outage of this plan (its only API server upgraded) acknowledged once by the operator:
    # the target version it was acknowledged for ("": not acknowledged)
    outage_acknowledged_for: str = ""

    def validate(self) -> None:
        if self.parallel < 1:
            raise UserError("--parallel must be at least 1")
        if self.drain_timeout < 0:
            raise UserError("the drain timeout must not be negative")

    def drain(self) -> DrainOptions:
        return drain_options(self.force, self.drain_timeout, self.evict_retry_delay)


@dataclass
class UpgradePlan:
    cluster: str  # the kubeconfig cluster name (or the API server host)
    server: str
    context: str
    requested: str  # what the user asked for: v1.35 or v1.35.2
    target: str  # exact: v1.35.2 ("" when it could not be resolved)
    target_minor: str  # v1.35
    current: str  # ClusterConfiguration.kubernetesVersion, now
    kind: str = "patch"  # patch | minor | none (nothing to do) | refused
    # the cluster version the upgrade started from: the journal's (a resumed or finished run), else current
    start: str = ""
    ca_sha256: str | None = None  # of the kubeconfig's CA for this cluster (None: it names none)
    apiservers: dict[str, str] = field(default_factory=dict)  # node -> kube-apiserver tag
    packages: dict[str, str] = field(default_factory=dict)  # kubeadm/kubelet/kubectl -> 1.35.2-1.1
    offered: list[str] = field(default_factory=list)  # kubeadm versions the target repository offers
    offered_source: str = ""
    problems: list[Problem] = field(default_factory=list)  # cluster-wide
    nodes: list[NodePlan] = field(default_factory=list)  # in upgrade order (selected nodes only)
    hosts: dict[str, HostFacts] = field(default_factory=dict, repr=False)
    facts: dict[str, NodeFacts] = field(default_factory=dict, repr=False)
    probes: list[str] = field(default_factory=list)  # the read-only commands the plan ran per host
    options: UpgradeOptions = field(default_factory=UpgradeOptions)
    resume: dict[str, Any] | None = None  # a journal this plan would resume (see upgrade_journal)
    # the plan takes the API down (its only API server is upgraded) and the operator acknowledged it
    outage_acknowledged: bool = False
    complete: bool = False  # every check ran (False: stopped at a refused target)

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for n in self.nodes for p in n.problems]

    @property
    def blockers(self) -> list[Problem]:
        return [p for p in self.all_problems if p.severity == BLOCKER]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.all_problems if p.severity == WARNING]

    @property
    def refusal(self) -> Problem | None:
        """The first blocker about the target itself (skew, downgrade, not offered, unresolvable)."""
        for p in self.problems:
            if p.severity == BLOCKER and p.code.startswith("target."):
                return p
        return None

    @property
    def ok(self) -> bool:
        return not self.blockers

    @property
    def todo(self) -> list[NodePlan]:
        return [n for n in self.nodes if not n.up_to_date]

    def checklist(self) -> list[tuple[str, str, list[Problem]]]:
        """[(label, ok | warning | blocker, the problems behind it)], in CHECKS order."""
        out = []
        probs = self.all_problems
        for label, codes in CHECKS:
            mine = [p for p in probs if p.code.startswith(codes) and p.severity in (BLOCKER, WARNING)]
            worst = max((p.severity for p in mine), key=_RANK.__getitem__, default=OK)
            if not self.complete and worst == OK and not codes[0].startswith("target."):
                worst = "not checked"
            out.append((label, worst, mine))
        return out

    def node(self, name: str) -> NodePlan:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def summary(self) -> dict[str, Any]:
        """A JSON-able digest (for `k8stui upgrade plan -o json` and the journal)."""
        return {
            "cluster": self.cluster, "server": self.server, "requested": self.requested, "target": self.target,
            "targetMinor": self.target_minor, "current": self.current, "from": self.start, "kind": self.kind,
            "packages": self.packages, "offered": self.offered, "offeredSource": self.offered_source,
            "problems": [asdict(p) for p in self.problems],
            "nodes": [{"name": n.name, "role": n.role, "action": n.action, "kubelet": n.kubelet,
                       "kubeadm": n.kubeadm, "upToDate": n.up_to_date,
                       "steps": [asdict(s) for s in n.steps], "problems": [asdict(p) for p in n.problems]}
                      for n in self.nodes],
        }


# ---- gathering ------------------------------------------------------------------------------------

def cluster_name(conn: Connection) -> str:
    """The kubeconfig cluster name, or the API server's host when the context names none."""
    if conn.cluster:
        return conn.cluster
    host = conn.server.split("://", 1)[-1].split("/", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def cluster_ca_sha256(conn: Connection) -> str | None:
    """sha256 of the CA certificate (DER) the kubeconfig trusts for this context's cluster:
    certificate-authority-data, else the certificate-authority file (relative to the kubeconfig)."""
    from k8stui.ops.upgrade_journal import ca_sha256  # the journal module imports this one

    for c in conn.kubeconfig.raw.get("clusters") or []:
        if not isinstance(c, dict) or c.get("name") != conn.cluster:
            continue
        cluster = c.get("cluster") or {}
        data = cluster.get("certificate-authority-data")
        if data:
            try:
                return ca_sha256(base64.b64decode(data))
            except (binascii.Error, ValueError, TypeError):
                return None
        path = cluster.get("certificate-authority")
        if path:
            try:
                return ca_sha256((conn.kubeconfig.path.parent / Path(path).expanduser()).read_bytes())
            except OSError:
                return None
    return None


async def node_facts(k: kube.Kube) -> list[NodeFacts]:
    nodes, pods = await asyncio.gather(k.nodes(), k.control_plane_pods())
    out: dict[str, NodeFacts] = {}
    for n in nodes:
        ready, reason = kube.node_ready(n)
        out[n["metadata"]["name"]] = NodeFacts(
            name=n["metadata"]["name"], control_plane=kube.is_control_plane(n), ready=ready, ready_reason=reason,
            kubelet=kube.kubelet_version(n), internal_ip=kube.internal_ip(n),
            unschedulable=bool((n.get("spec") or {}).get("unschedulable")))
    for p in pods:
        if kube.MIRROR_ANNOTATION not in ((p.get("metadata") or {}).get("annotations") or {}):
            continue
        comp = ((p.get("metadata") or {}).get("labels") or {}).get("component", "")
        nf = out.get((p.get("spec") or {}).get("nodeName", ""))
        if nf is not None and comp in kube.CP_COMPONENTS:
            nf.control_plane = True  # the label may have been removed; the static pods tell
            nf.components[comp] = kube.pod_image_tag(p)
            nf.components_ready[comp] = kube.pod_ready(p)
    # kubeadm's order: control planes, then workers; by name within each
    return sorted(out.values(), key=lambda f: (not f.control_plane, f.name))


async def probe_host(runner: Any, node: NodeFacts, timeout: float | None) -> HostFacts:
    """Every read-only probe on one host."""
    hf = HostFacts(node.name)

    async def run(cmd: Command) -> Any:
        return await runner.run(node.name, cmd, timeout=timeout, internal_ip=node.internal_ip)

    try:
        version = await run(shell.kubeadm_version("short"))  # the first one also proves we can connect
    except UserError as e:
        hf.error = str(e)
        return hf
    if version.ok:
        hf.kubeadm = version.stdout.strip().splitlines()[-1] if version.stdout.strip() else None
    else:
        hf.notes.append(f"kubeadm version: {(version.stderr or version.stdout).strip() or 'failed'}")
    cmds = [shell.cat_repo_list(), shell.apt_mark_showhold(), shell.swapon_show(),
            shell.apt_cache_madison(*PACKAGES)]
    if node.control_plane:
        cmds.append(shell.kubeadm_certs_check_expiration(json_output=True))
    results = await asyncio.gather(*(run(c) for c in cmds), return_exceptions=True)
    for cmd, res in zip(cmds, results):
        what = cmd.text.split()[0] + " " + cmd.text.split()[1]
        if isinstance(res, BaseException):
            if not isinstance(res, Exception):
                raise res
            hf.notes.append(f"{cmd.text}: {res}")
            continue
        if cmd.text.startswith("cat "):
            hf.repo = parse_repo(res.stdout) if res.ok else RepoInfo(
                error=(res.stderr.strip() or f"{shell.REPO_LIST}: cannot read"))
        elif not res.ok:
            hf.notes.append(f"{what}: {(res.stderr or res.stdout).strip() or f'exit status {res.exit_status}'}")
        elif cmd.text.startswith("apt-mark"):
            hf.held = sorted(res.stdout.split())
        elif cmd.text.startswith("swapon"):
            rows = [ln for ln in res.stdout.splitlines() if ln.strip()]
            hf.swap = rows[1:] if rows and rows[0].startswith("NAME") else rows
        elif cmd.text.startswith("apt-cache"):
            hf.madison = parse_madison(res.stdout)
        elif cmd.text.startswith("kubeadm certs"):
            try:
                hf.certs = parse_certs(res.stdout)
            except (ValueError, TypeError) as e:
                hf.notes.append(f"kubeadm certs check-expiration: unreadable output ({e})")
    return hf


async def read_repo_index(runner: Any, hosts: dict[str, HostFacts], facts: dict[str, NodeFacts],
                          target_minor: str, timeout: float | None) -> RepoIndex:
    """What the target minor's repository offers: madison where a host's index already is that
    repository, else its Packages index read with curl on a host (first control plane first)."""
    madison = [(n, h) for n, h in hosts.items()
               if h.repo and h.repo.minor == target_minor and h.madison.get("kubeadm")
               and all(minor_str(vt(v)) == target_minor for v in h.madison["kubeadm"])]
    errors: list[str] = []
    bases: dict[str, str] = {}
    for name, h in hosts.items():
        if h.reachable and h.repo and h.repo.base:
            bases.setdefault(h.repo.base, name)
    for base, name in bases.items():
        try:
            cmd = shell.repo_index_command(base, target_minor)
        except shell.InvalidValue as e:
            errors.append(str(e))
            continue
        try:
            res = await runner.run(name, cmd, timeout=timeout, internal_ip=facts[name].internal_ip)
        except ReadOnlyError:
            errors.append(f"read-only session: `{cmd.text}` is not in the read-only allow-list")
            break
        except UserError as e:
            errors.append(f"{name}: {e}")
            continue
        if not res.ok:
            errors.append(f"{name}: {cmd.text}: {(res.stderr or res.stdout).strip() or res.exit_status}")
            continue
        versions = parse_packages_index(res.stdout)
        if versions.get("kubeadm"):
            return RepoIndex(target_minor, versions, f"{base}{target_minor}/deb/Packages (read on {name})")
        errors.append(f"{name}: {cmd.text}: no kubeadm package in the index")
    if madison:
        name, h = madison[0]
        return RepoIndex(target_minor, h.madison, f"apt-cache madison on {name}", "; ".join(errors))
    return RepoIndex(target_minor, {}, "", "; ".join(errors) or "no host has a pkgs.k8s.io repository line")


async def _drain_plan(conn: Connection, node: str, opts: DrainOptions) -> DrainPlan | str:
    try:
        return await Drainer(conn, node, opts).plan()
    except DrainError as e:
        return str(e)


# ---- the plan -------------------------------------------------------------------------------------

async def make_plan(conn: Connection, runner: Any, target: str, options: UpgradeOptions | None = None,
                    *, journal_dir: Any = None) -> UpgradePlan:
    """Gather, check and order; changes nothing. Raises UserError for a malformed target or
    unknown `--nodes`; every other refusal is a blocker in the plan (see `UpgradePlan.refusal`)."""
    from k8stui.ops import upgrade_journal  # the journal module imports this one

    opts = options or UpgradeOptions()
    opts.validate()
    major, minor, patch = parse_target(target)
    k = kube.Kube(conn)
    cfg, node_list = await asyncio.gather(k.cluster_configuration(), node_facts(k))
    server_version = await k.server_version()
    facts = {n.name: n for n in node_list}
    current = str(cfg.get("kubernetesVersion") or server_version)
    if not cfg:
        raise UserError("this cluster has no kube-system/kubeadm-config ConfigMap: it was not built with kubeadm")
    if opts.nodes:
        unknown = [n for n in opts.nodes if n not in facts]
        if unknown:
            raise UserError(f"--nodes: no such node: {', '.join(unknown)}")
    plan = UpgradePlan(cluster=cluster_name(conn), server=conn.server, context=conn.context, requested=target,
                       target="", target_minor=f"v{major}.{minor}", current=current, start=current,
                       ca_sha256=cluster_ca_sha256(conn), options=opts)
    plan.facts = facts
    plan.apiservers = {n.name: n.components.get("kube-apiserver", "") for n in node_list
                       if n.control_plane and n.components.get("kube-apiserver")}
    if patch is not None:
        plan.target = f"v{major}.{minor}.{patch}"

    # -- the target against the cluster: no downgrade, no skipped minor (before any SSH)
    if not _check_target_skew(plan, facts, (major, minor, patch)):
        plan.kind = "refused"
        return plan

    # -- the hosts
    plan.probes = [display(c) for c in (shell.kubeadm_version("short"), shell.cat_repo_list(),
                                        shell.apt_mark_showhold(), shell.swapon_show(),
                                        shell.apt_cache_madison(*PACKAGES))]
    plan.probes.append(display(shell.kubeadm_certs_check_expiration(json_output=True)) + "  (control planes)")
    host_list = await asyncio.gather(*(probe_host(runner, n, opts.command_timeout) for n in node_list))
    plan.hosts = hosts = {h.node: h for h in host_list}

    # -- what the repository offers; the exact version and package strings
    index = await read_repo_index(runner, hosts, facts, plan.target_minor, opts.command_timeout)
    plan.probes.append(f"curl -fsSL <repository>/core:/stable:/{plan.target_minor}/deb/Packages  (one host)")
    if not _resolve_packages(plan, index, patch):
        plan.kind = "refused"
        return plan

    # -- nodes, order, steps, checks
    _plan_nodes(plan, facts, hosts, cfg)
    if opts.nodes:
        _check_selection(plan, facts)
    journal = upgrade_journal.find_journal(plan, journal_dir)
    if journal is not None:
        plan.resume = journal.resume_info()
        _steps_from_journal(plan, journal)
        plan.start = journal.data.get("from") or _lowest(plan, facts)
    in_progress = set((plan.resume or {}).get("in_progress", []))
    todo = [n for n in plan.nodes if not n.up_to_date]
    drains = await asyncio.gather(*(_drain_plan(conn, n.name, opts.drain()) for n in todo))
    for n, d in zip(todo, drains):
        _check_drain(n, d, opts)
    room = (await asyncio.gather(read_room_facts(conn), return_exceptions=True))[0] if todo else None
    gates = await asyncio.gather(*(_node_gates(conn, n.name, room) for n in todo), return_exceptions=True)
    outage_nodes = {n.name for n, g in zip(todo, gates) if isinstance(g, GateReport) and g.outage}
    plan.outage_acknowledged = bool(outage_nodes) and (opts.outage_acknowledged_for == plan.target
                                                        or bool(outage_nodes & opts.override_safety))
    for n, g in zip(todo, gates):
        _check_gates(n, g, opts, plan.outage_acknowledged)
    for n in plan.nodes:
        _check_node(plan, n, facts[n.name], hosts[n.name], opts)
        if n.name in in_progress:  # a resumed node: NotReady may be our own kubelet restart
            for p in n.problems:  # (drain problems stay: pods still to evict still need their budgets)
                if p.code == "node.not-ready":
                    p.severity, p.message = INFO, p.message + " (the interrupted run left it so; resuming)"
    plan.kind = _kind(plan, facts)
    plan.complete = True
    return plan


def _steps_from_journal(plan: UpgradePlan, journal: Any) -> None:
    """The nodes a journal already holds run the journal's steps (a resumed run does not re-plan
    them), so the plan shows those, each with its state; the commands are this plan's where it has
    the step (the options may have changed: the run uses the current ones)."""
    for n in plan.nodes:
        try:
            recorded = journal.node(n.name)["steps"]
        except KeyError:
            continue
        planned = {s.id: s for s in n.steps}
        n.steps = [PlannedStep(s["id"], s["title"],
                               planned[s["id"]].commands if s["id"] in planned else list(s.get("display") or []),
                               s.get("status", "pending"))
                   for s in recorded]


def _lowest(plan: UpgradePlan, facts: dict[str, NodeFacts]) -> str:
    """The oldest version in the cluster: its version, the API servers, the kubelets."""
    found = [vt(plan.current), *(vt(v) for v in plan.apiservers.values()), *(vt(f.kubelet) for f in facts.values())]
    return vstr(min(v for v in found if v != (0, 0, 0)))


def _kind(plan: UpgradePlan, facts: dict[str, NodeFacts]) -> str:
    """none when no node needs the target; else minor when the upgrade started from (or some API
    server or kubelet still runs) an older minor, patch otherwise."""
    if not plan.todo:
        return "none"
    lowest = min(vt(plan.start), vt(_lowest(plan, facts)))
    return "minor" if vt(plan.target)[:2] > lowest[:2] else "patch"


def _check_target_skew(plan: UpgradePlan, facts: dict[str, NodeFacts], t: tuple[int, int, int | None]) -> bool:
    major, minor, patch = t
    cur = vt(plan.current)
    apis = [vt(v) for v in plan.apiservers.values() if vt(v) != (0, 0, 0)] or [cur]
    oldest = min(apis)
    newest = max([*apis, cur])
    tgt_cmp = (major, minor, patch if patch is not None else 10 ** 6)
    if max(apis)[1] - min(apis)[1] > 1:
        plan.problems.append(Problem(BLOCKER, "target.apiserver-skew", "the API servers are more than one minor "
                                     f"apart ({', '.join(f'{n} {v}' for n, v in plan.apiservers.items())}): "
                                     "bring them together first"))
    if major != cur[0]:
        plan.problems.append(Problem(BLOCKER, "target.major", f"{plan.requested}: kubeadm upgrades stay within "
                                     f"major version {cur[0]}"))
        return False
    if tgt_cmp < newest:
        what = f"an API server at {vstr(newest)}" if newest != cur else plan.current
        plan.problems.append(Problem(
            BLOCKER, "target.downgrade",
            f"{plan.requested} would be a downgrade: the cluster runs {what}"
            + (" (kubeadm upgrades go forward only)" if patch is not None else "")))
        return False
    if minor > oldest[1] + 1:
        plan.problems.append(Problem(
            BLOCKER, "target.skip-minor",
            f"{plan.requested} would skip a minor version: the oldest API server runs {vstr(oldest)}; "
            f"upgrade to v{major}.{oldest[1] + 1} first (skipping minor versions is unsupported)"))
        return False
    newer = sorted(f"{n.name} ({n.kubelet})" for n in facts.values() if vt(n.kubelet) > tgt_cmp)
    if newer:
        plan.problems.append(Problem(BLOCKER, "target.downgrade", f"{plan.requested} would downgrade the kubelet "
                                     f"of {', '.join(newer)}"))
        return False
    return True


def _resolve_packages(plan: UpgradePlan, index: RepoIndex, patch: int | None) -> bool:
    kubeadm_versions = [v for v in index.versions.get("kubeadm", []) if minor_str(vt(v)) == plan.target_minor]
    plan.offered = kubeadm_versions
    plan.offered_source = index.source
    if not kubeadm_versions:
        why = index.error or "the repository lists no kubeadm"
        plan.problems.append(Problem(BLOCKER, "target.unresolved",
                                     f"cannot tell which {plan.target_minor} versions the repository offers: {why}"))
        return False
    if patch is None:
        chosen = kubeadm_versions[0]  # newest
    else:
        bare = plan.target.lstrip("v")
        found = [v for v in kubeadm_versions if v.split("-", 1)[0] == bare]
        if not found:
            plan.problems.append(Problem(
                BLOCKER, "target.not-offered",
                f"{plan.target} is not offered by the {plan.target_minor} package repository (it offers "
                f"{', '.join(pkg_k8s(v) for v in kubeadm_versions)}; source: {index.source})"))
            return False
        chosen = found[0]  # the newest revision of that patch
    plan.target = pkg_k8s(chosen)
    plan.packages = {"kubeadm": chosen}
    for pkg in ("kubelet", "kubectl"):
        same = [v for v in index.versions.get(pkg, []) if v.split("-", 1)[0] == chosen.split("-", 1)[0]]
        if not same:
            plan.problems.append(Problem(BLOCKER, "target.not-offered",
                                         f"{plan.target}: the repository offers kubeadm {chosen} but no {pkg} of "
                                         f"that version"))
            return False
        plan.packages[pkg] = same[0]
    if vt(plan.target) < vt(plan.current):
        plan.problems.append(Problem(BLOCKER, "target.downgrade", f"{plan.target} would be a downgrade: the "
                                     f"cluster runs {plan.current}"))
        return False
    return True


def _up_to_date(n: NodeFacts, h: HostFacts, target: str) -> bool:
    if n.kubelet != target or n.unschedulable or (h.kubeadm is not None and h.kubeadm != target):
        return False
    return not n.control_plane or all(v == target for c, v in n.components.items() if c != "etcd")


def _plan_nodes(plan: UpgradePlan, facts: dict[str, NodeFacts], hosts: dict[str, HostFacts], cfg: dict) -> None:
    apply_needed = vt(plan.current) != vt(plan.target)
    selected = set(plan.options.nodes or facts)
    first_done = False
    for nf in facts.values():  # control planes first (node_facts' order)
        h = hosts[nf.name]
        up = _up_to_date(nf, h, plan.target)
        if nf.control_plane:
            action = "apply" if apply_needed and not first_done else "node"
            first_done = True
        else:
            action = "worker"
        repo_minor = h.repo.minor if h.repo else None
        np = NodePlan(name=nf.name, control_plane=nf.control_plane, action=action, kubelet=nf.kubelet,
                      kubeadm=h.kubeadm, ready=nf.ready, internal_ip=nf.internal_ip, up_to_date=up,
                      repo_switch=repo_minor != plan.target_minor)
        if nf.name not in selected:
            continue
        if not up:
            dopts = plan.options.drain()
            for sid in step_ids(action, np.repo_switch):
                np.steps.append(PlannedStep(sid, step_title(sid, plan.target, plan.target_minor, plan.packages),
                                            step_display(sid, nf.name, action, plan.target, plan.target_minor,
                                                         plan.packages, dopts)))
        plan.nodes.append(np)
    if not any(n.action == "apply" for n in plan.nodes) and apply_needed:
        first = next((f for f in facts.values() if f.control_plane), None)
        if first is None:
            plan.problems.append(Problem(BLOCKER, "target.no-control-plane", "no control-plane node found (no node "
                                         "with the control-plane label or kube-apiserver mirror pod)"))


def _check_selection(plan: UpgradePlan, facts: dict[str, NodeFacts]) -> None:
    """--nodes: kubeadm's order still holds (apply first, all control planes before any worker)."""
    selected = set(plan.options.nodes or [])
    cps_behind = [f.name for f in facts.values() if f.control_plane and f.name not in selected
                  and (f.kubelet != plan.target or any(v != plan.target for c, v in f.components.items()
                                                        if c != "etcd"))]
    if vt(plan.current) != vt(plan.target) and not any(n.action == "apply" for n in plan.nodes):
        first = next((f.name for f in facts.values() if f.control_plane), "?")
        plan.problems.append(Problem(BLOCKER, "order.apply-first", f"`kubeadm upgrade apply` must run first, on "
                                     f"{first}: add it to --nodes"))
    if any(not n.control_plane and not n.up_to_date for n in plan.nodes) and cps_behind:
        plan.problems.append(Problem(BLOCKER, "order.control-plane-first",
                                     f"workers are upgraded only after every control-plane node: "
                                     f"{', '.join(cps_behind)} not at {plan.target} yet (add to --nodes)"))


async def _node_gates(conn: Connection, node: str, room: Any) -> GateReport:
    """The gates for upgrading `node` alone (nodes go back into service one by one), on room facts
    read once for the whole plan."""
    if isinstance(room, BaseException):
        raise room
    return await check_node_gates(conn, node, "upgrade", room=room)


def _check_gates(n: NodePlan, g: GateReport | BaseException, opts: UpgradeOptions, outage_acknowledged: bool) -> None:
    """The safety gates (quorum, a workload left with nothing, other maintenance) as plan problems:
    refusals block unless the operator overrode them for this node by name; the API outage blocks
    until acknowledged once for the plan."""
    if isinstance(g, BaseException):
        n.problems.append(Problem(WARNING, "safety.unchecked", f"the safety gates could not be checked: {g}",
                                  n.name))
        return
    for b in g.blockers:
        n.problems.append(Problem(BLOCKER, "safety.maintenance", b, n.name))
    for o in g.outage:
        n.problems.append(Problem(WARNING if outage_acknowledged else BLOCKER, "safety.api-outage",
                                  o + (" (acknowledged for this plan)" if outage_acknowledged else ""), n.name,
                                  None if outage_acknowledged else
                                  f"acknowledge the outage once for this plan (--override-safety={n.name})"))
    overridden = n.name in opts.override_safety
    for r in g.refusals:
        n.problems.append(Problem(WARNING if overridden else BLOCKER, "safety.refused",
                                  r + (" (overridden)" if overridden else ""), n.name,
                                  None if overridden else f"--override-safety={g.override_phrase}"))
    for w in g.warnings:
        n.problems.append(Problem(WARNING, "safety.capacity", w, n.name))


def _check_drain(n: NodePlan, d: DrainPlan | str, opts: UpgradeOptions) -> None:
    if isinstance(d, str):
        n.problems.append(Problem(BLOCKER, "drain.unreadable", f"cannot plan the drain: {d}", n.name))
        return
    n.drain = d
    for err in d.errors():
        err = err.replace("cannot delete cannot delete", "cannot delete")  # (a doubled prefix)
        flag = next((p.flag for p in d.blocked if p.flag), None)
        fix = "pass --force to delete them (their data and the pods are lost)" if flag == "--force" else None
        n.problems.append(Problem(BLOCKER, "drain.blocked", f"the drain would fail: {err}", n.name, fix))
    seen: set[tuple[str, str]] = set()
    for p in d.to_evict:
        if len(p.pdbs) > 1:
            n.problems.append(Problem(BLOCKER, "drain.pdb", f"pod {p.namespace}/{p.name} is covered by more than one "
                                      "PodDisruptionBudget: the eviction API refuses to evict it", n.name))
            continue
        pdb = p.pdb
        if pdb is None or not pdb.blocking or p.terminating or (pdb.namespace, pdb.name) in seen:
            continue
        seen.add((pdb.namespace, pdb.name))
        pods = [q.name for q in d.to_evict if q.pdb and (q.pdb.namespace, q.pdb.name) == (pdb.namespace, pdb.name)]
        if pdb.expected_pods > 0 and pdb.desired_healthy >= pdb.expected_pods:
            n.problems.append(Problem(
                BLOCKER, "drain.pdb",
                f"PodDisruptionBudget {pdb.namespace}/{pdb.name} allows no disruption ({pdb.current_healthy} "
                f"healthy, {pdb.desired_healthy} required of {pdb.expected_pods}): the drain would wait forever to "
                f"evict {', '.join(pods)}", n.name,
                "relax the budget (maxUnavailable ≥ 1 or minAvailable below the replicas) or scale the workload up"))
        else:
            n.problems.append(Problem(
                WARNING, "drain.pdb-wait",
                f"PodDisruptionBudget {pdb.namespace}/{pdb.name} allows no disruption right now "
                f"({pdb.current_healthy} healthy of {pdb.expected_pods}, {pdb.desired_healthy} required): "
                f"evicting {', '.join(pods)} waits until it does", n.name))


def _check_node(plan: UpgradePlan, n: NodePlan, f: NodeFacts, h: HostFacts, opts: UpgradeOptions) -> None:
    t = vt(plan.target)
    tm = t[1]
    add = n.problems.append
    if n.up_to_date:
        add(Problem(INFO, "node.up-to-date", f"already at {plan.target}", n.name))
        return
    if not f.ready:
        add(Problem(BLOCKER, "node.not-ready", f"node is not Ready ({f.ready_reason})", n.name,
                    "fix the node first: kubeadm upgrade apply refuses while nodes are not Ready"))
    if f.unschedulable:
        add(Problem(INFO, "node.cordoned", "node is cordoned; it is uncordoned after its upgrade", n.name))
    kv = vt(f.kubelet)
    if kv != (0, 0, 0):
        span = 2 if kv[:2] < (1, 25) else 3
        if kv[1] < tm - span:
            add(Problem(BLOCKER, "skew.kubelet-too-old",
                        f"kubelet {f.kubelet} is more than {span} minors older than {plan.target}: upgrade it "
                        "to a supported version first", n.name))
        oldest_api = min((vt(v) for v in plan.apiservers.values()), default=vt(plan.current))
        if not f.control_plane and kv[:2] > oldest_api[:2]:
            add(Problem(WARNING, "skew.kubelet-newer",
                        f"kubelet {f.kubelet} is newer than the oldest API server ({vstr(oldest_api)})", n.name))
    if not h.reachable:
        add(Problem(BLOCKER, "host.unreachable", h.error, n.name))
        return
    for note in h.notes:
        add(Problem(WARNING, "host.probe", note, n.name))
    if h.kubeadm:
        kd = vt(h.kubeadm)
        if kd > t:
            add(Problem(BLOCKER, "skew.kubeadm-newer",
                        f"kubeadm {h.kubeadm} is newer than {plan.target}: apt would have to downgrade it", n.name))
        elif kd[1] < tm - 1:
            add(Problem(BLOCKER, "skew.kubeadm-too-old",
                        f"kubeadm {h.kubeadm} manages this node: the kubeadm that upgrades it must be the same minor "
                        f"or one newer, and {plan.target} is {tm - kd[1]} minors ahead", n.name))
    elif h.kubeadm is None and not any(p.code == "host.probe" for p in n.problems):
        add(Problem(BLOCKER, "host.no-kubeadm", "kubeadm is not installed", n.name))
    repo = h.repo
    if repo is None or repo.error and not repo.legacy:
        line = PKGS_LINE.format(minor=plan.target_minor)
        add(Problem(BLOCKER, "preflight.repo", f"{shell.REPO_LIST}: {repo.error if repo else 'not read'}",
                    n.name, f"write the pkgs.k8s.io line: echo '{line}' | sudo tee {shell.REPO_LIST} "
                    "(and the key: curl -fsSL https://pkgs.k8s.io/core:/stable:/" + plan.target_minor
                    + "/deb/Release.key | sudo gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg)"))
    elif repo.legacy:
        line = PKGS_LINE.format(minor=plan.target_minor)
        add(Problem(BLOCKER, "preflight.legacy-repo",
                    f"{shell.REPO_LIST} uses the legacy repository {repo.legacy}, which is gone since March 2024 "
                    f"({repo.text})", n.name,
                    f"switch to pkgs.k8s.io: curl -fsSL https://pkgs.k8s.io/core:/stable:/{plan.target_minor}/deb/"
                    "Release.key | sudo gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg; "
                    f"echo '{line}' | sudo tee {shell.REPO_LIST}"))
    elif repo.minor and vt(repo.minor + ".0")[:2] > t[:2]:
        add(Problem(BLOCKER, "preflight.repo-newer", f"the repository points at {repo.minor}, newer than "
                    f"{plan.target_minor}", n.name))
    if h.swap:
        add(Problem(BLOCKER, "preflight.swap", f"swap is on ({'; '.join(r.split()[0] for r in h.swap)}): "
                    "kubeadm requires it off", n.name,
                    "sudo swapoff -a, and remove the swap entry from /etc/fstab"))
    if h.certs and h.certs.min_days is not None:
        if h.certs.expired:
            add(Problem(BLOCKER, "preflight.certs-expired", f"certificates expired: {', '.join(h.certs.expired)}",
                        n.name, "sudo kubeadm certs renew all, then restart the control-plane static pods"))
        elif h.certs.min_days < opts.cert_warn_days:
            add(Problem(WARNING, "preflight.certs-expiring",
                        f"certificate {h.certs.soonest} expires in {h.certs.min_days:.0f} days (the upgrade renews "
                        "them)", n.name))
    if h.held is not None:
        unheld = [p for p in PACKAGES if p not in h.held]
        if unheld:
            add(Problem(INFO, "host.unheld", f"not on hold: {', '.join(unheld)} (they are held after the upgrade)",
                        n.name))
