"""Test helpers for the hosts tests: OpenSSH's sshd on a loopback port, simulated hosts with an
in-memory ClusterBridge, and polling for conditions.

Import the fixtures into a test module (`from sshd_fixture import sshd, sim`) to use them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from k8stui.hosts.inventory import Inventory, parse_inventory
from k8stui.hosts.ssh import SSHRunner
from k8stui.sim.hosts import SimHosts, start_sim_hosts

SSHD = "/usr/sbin/sshd"


def write_private_key(path: Path, key: asyncssh.SSHKey) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key())


def public_line(key: asyncssh.SSHKey) -> str:
    return " ".join(key.export_public_key().decode().split()[:2])


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Poll `predicate` until it holds (fail after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


async def await_until(predicate: Callable[[], bool], timeout: float = 5.0,
                      what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


# --- OpenSSH sshd -----------------------------------------------------------------------------


@dataclass
class Sshd:
    port: int
    host_key: asyncssh.SSHKey
    client_key: Path
    known_hosts: Path  # holds the sshd host key for [127.0.0.1]:port
    log_path: Path

    def known_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {public_line(self.host_key)}\n"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def logins(self) -> int:
        return self.log().count("Accepted publickey for root")

    def inventory(self, known_hosts: Path | None = None, **node: Any) -> Inventory:
        """Inventory with one node, `real`, reached as root on this sshd."""
        data = {
            "defaults": {"user": "root", "identity_file": str(self.client_key),
                         "known_hosts": str(known_hosts or self.known_hosts), "sudo": "none"},
            "nodes": {"real": {"host": "127.0.0.1", "port": self.port, **node}},
        }
        return parse_inventory(data)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _sshd_config(d: Path, port: int) -> Path:
    cfg = d / "sshd_config"
    cfg.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_ed25519'}\n"
        f"PidFile {d / 'sshd.pid'}\nAuthorizedKeysFile {d / 'authorized_keys'}\n"
        "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
        "PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "AllowTcpForwarding yes\nPrintMotd no\nPrintLastLog no\n"
        # VERBOSE logs logins; DEBUG would also copy debug lines into the sessions' stderr.
        "LogLevel VERBOSE\n"
    )
    return cfg


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    if not os.path.exists(SSHD):
        pytest.skip("OpenSSH server not installed (apt-get install openssh-server)")
    if os.geteuid() != 0:
        pytest.skip("the sshd tests start sshd as root")
    d = tmp_path_factory.mktemp("sshd")
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    write_private_key(d / "host_ed25519", host_key)
    client = asyncssh.generate_private_key("ssh-ed25519")
    write_private_key(d / "id_ed25519", client)
    (d / "authorized_keys").write_text(public_line(client) + "\n")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    log_path = d / "sshd.log"
    port = _free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(_sshd_config(d, port))],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        wait_until(lambda: proc.poll() is not None or _port_open(port), 10, "sshd to listen")
        if proc.poll() is not None:
            pytest.fail(f"sshd did not start: {log_path.read_text()}")
        known = d / "known_hosts"
        server = Sshd(port, host_key, d / "id_ed25519", known, log_path)
        known.write_text(server.known_line())
        yield server
    finally:
        proc.terminate()
        proc.wait(5)


# --- simulated hosts --------------------------------------------------------------------------


@dataclass
class FakeBridge:
    """In-memory cluster: versions, tokens; records every call the hosts make."""

    version: str = "v1.34.3"
    control_planes: dict[str, str] = field(default_factory=lambda: {"k8s-master": "v1.34.3"})
    kubelets: dict[str, str] = field(
        default_factory=lambda: {"k8s-master": "v1.34.3", "k8s-worker-1": "v1.34.3"})
    tokens: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    cert_key: str = "0f" * 32

    def cluster_version(self) -> str:
        return self.version

    def control_plane_versions(self) -> dict[str, str]:
        return dict(self.control_planes)

    def kubelet_versions(self) -> dict[str, str]:
        return dict(self.kubelets)

    async def upgrade_control_plane(self, node: str, version: str, first: bool) -> None:
        self.calls.append(("upgrade_control_plane", node, version, first))
        self.control_planes[node] = version
        if first:
            self.version = version

    async def restart_kubelet(self, node: str, version: str) -> None:
        self.calls.append(("restart_kubelet", node, version))
        self.kubelets[node] = version

    async def create_bootstrap_token(self, ttl_s: int, description: str, usages: list[str],
                                     groups: list[str]) -> str:
        token = f"{secrets.token_hex(3)}.{secrets.token_hex(8)}"
        self.calls.append(("create_bootstrap_token", ttl_s, description, usages, groups))
        self.tokens.append({"token": token, "description": description,
                            "expires": "2099-01-01T00:00:00Z", "usages": usages, "groups": groups})
        return token

    async def list_bootstrap_tokens(self) -> list[dict[str, Any]]:
        return list(self.tokens)

    async def upload_certs(self) -> str:
        self.calls.append(("upload_certs",))
        return self.cert_key

    def join_endpoint(self) -> tuple[str, list[str]]:
        return "10.0.0.10:6443", ["sha256:" + "ab" * 32]


SIM_NODES: list[dict[str, Any]] = [
    {"name": "k8s-master", "role": "control-plane", "kubelet_version": "v1.34.3",
     "internal_ip": "10.0.0.10"},
    {"name": "k8s-worker-1", "role": "worker", "kubelet_version": "v1.34.3",
     "internal_ip": "10.0.0.11"},
]


@dataclass
class Sim:
    hosts: SimHosts
    bridge: FakeBridge
    runner: SSHRunner

    async def run(self, node: str, command: Any, **kw: Any) -> Any:
        return await self.runner.run(node, command, **kw)


@pytest.fixture
async def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Sim]:
    """Two simulated hosts (k8s-master, k8s-worker-1) and a runner reaching them."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    bridge = FakeBridge()
    hosts = await start_sim_hosts(SIM_NODES, tmp_path / "sim", bridge)
    runner = SSHRunner(parse_inventory(hosts.inventory))
    try:
        yield Sim(hosts, bridge, runner)
    finally:
        await runner.close()
        await hosts.close()
