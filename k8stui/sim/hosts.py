"""Simulated kubeadm hosts: one asyncssh SSH server per simulated node, on loopback.

`start_sim_hosts` starts the servers (free ports), writes a client key and a known_hosts file
into a work directory, and returns the inventory that reaches them (the k8stui inventory format).
Each server accepts public-key authentication with that client key, for any user name (`root`
runs as root, anyone else needs `sudo`), and answers commands as an Ubuntu node with the
pkgs.k8s.io repositories would (see `k8stui.sim.hostcmds`). What a host does to the cluster
(kubeadm upgrades, kubelet restarts, tokens) goes through a `ClusterBridge`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import asyncssh
import yaml

from k8stui.errors import UserError
from k8stui.sim.hostcmds import HostShell, HostState, default_catalogue

log = logging.getLogger(__name__)

_SIGTERM_STATUS = 143  # what a shell reports for a command ended by SIGTERM


class ClusterBridge(Protocol):
    """What a simulated host needs from (and does to) the simulated cluster."""

    def cluster_version(self) -> str:
        """ClusterConfiguration.kubernetesVersion, e.g. "v1.34.3"."""
        ...

    def control_plane_versions(self) -> dict[str, str]:
        """Control-plane node name -> version of its kube-apiserver mirror pod."""
        ...

    def kubelet_versions(self) -> dict[str, str]:
        """Node name -> status.nodeInfo.kubeletVersion, for every node."""
        ...

    async def upgrade_control_plane(self, node: str, version: str, first: bool) -> None:
        """Move `node`'s control-plane mirror pods to `version`; `first` (upgrade apply) also
        moves the cluster version. Raise to make kubeadm fail with the exception's text."""
        ...

    async def restart_kubelet(self, node: str, version: str) -> None:
        """The kubelet on `node` restarted running `version` (node briefly NotReady)."""
        ...

    async def create_bootstrap_token(self, ttl_s: int, description: str, usages: list[str],
                                     groups: list[str]) -> str:
        """Create a bootstrap token Secret; return "abcdef.0123456789abcdef". ttl_s 0 = never."""
        ...

    async def list_bootstrap_tokens(self) -> list[dict[str, Any]]:
        """[{token, description, expires (RFC3339 or None), usages: [..], groups: [..]}]"""
        ...

    async def upload_certs(self) -> str:
        """Store the kubeadm-certs Secret (2 h); return the 64-hex certificate key."""
        ...

    def join_endpoint(self) -> tuple[str, list[str]]:
        """("10.0.0.10:6443", ["sha256:<64 hex>", ...])"""
        ...


def parse_fail_once(text: str) -> tuple[str, str]:
    """`NODE:WORDS` (the `--fail-once` option) → (node, words)."""
    node, sep, words = text.partition(":")
    if not sep or not node or not words:
        raise UserError(f"--fail-once {text!r}: expected NODE:WORDS, e.g. k8s-master:apt-get install")
    return node, words


class _ChannelReader:
    def __init__(self, reader: asyncssh.SSHReader[str]):
        self._reader = reader

    async def readline(self) -> str:
        return await self._reader.readline()

    async def read(self) -> str:
        return await self._reader.read()


class _ChannelWriter:
    def __init__(self, writer: asyncssh.SSHWriter[str]):
        self._writer = writer

    async def write(self, text: str) -> None:
        self._writer.write(text)
        await self._writer.drain()


class _SimServer(asyncssh.SSHServer):
    """Public-key authentication with the one generated client key."""

    def __init__(self, client_key: asyncssh.SSHKey):
        self._client_key = client_key

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return key.public_data == self._client_key.public_data


class SimHost:
    """One simulated node: its state, its shell and its SSH server."""

    def __init__(self, state: HostState, bridge: ClusterBridge):
        self.state = state
        self.shell = HostShell(state, bridge)
        self.acceptor: asyncssh.SSHAcceptor | None = None

    async def start(self, bind: str, host_key: asyncssh.SSHKey, client_key: asyncssh.SSHKey) -> int:
        self.acceptor = await asyncssh.create_server(
            lambda: _SimServer(client_key), bind, 0, server_host_keys=[host_key],
            process_factory=self.handle, encoding="utf-8", errors="replace",
        )
        return self.acceptor.get_port()

    async def handle(self, process: asyncssh.SSHServerProcess[str]) -> None:
        if process.command is None:
            process.stderr.write("This simulated host only runs commands: ssh HOST 'command'\n")
            process.exit(1)
            return
        root = process.get_extra_info("username") == "root"
        run = asyncio.ensure_future(self.shell.run_line(
            process.command, root=root, stdin=_ChannelReader(process.stdin),
            out=_ChannelWriter(process.stdout), err=_ChannelWriter(process.stderr)))
        closed = asyncio.ensure_future(process.channel.wait_closed())
        done, _ = await asyncio.wait({run, closed}, return_when=asyncio.FIRST_COMPLETED)
        closed.cancel()
        if run not in done:  # the client went away (or cancelled): stop the command too
            run.cancel()
            with contextlib.suppress(BaseException):
                await run
            return
        with contextlib.suppress(OSError, asyncssh.Error):
            process.exit(self._status(run))

    def _status(self, run: asyncio.Future[int]) -> int:
        exc = run.exception()
        if exc is None:
            return run.result()
        if isinstance(exc, (asyncssh.SignalReceived, asyncssh.BreakReceived)):
            return _SIGTERM_STATUS
        if isinstance(exc, (BrokenPipeError, ConnectionError, asyncssh.Error)):
            return 255
        log.error("simulated host %s failed on %r", self.state.name, self.state.history[-1:],
                  exc_info=exc)
        return 1

    async def close(self) -> None:
        if self.acceptor is not None:
            self.acceptor.close()
            await self.acceptor.wait_closed()


@dataclass
class SimHosts:
    """Running simulated hosts and the files that reach them."""

    inventory: dict[str, Any]
    hosts: dict[str, SimHost]
    client_key: Path
    known_hosts: Path
    ports: dict[str, int] = field(default_factory=dict)

    def state(self, node: str) -> HostState:
        return self.hosts[node].state

    def add_fault(self, node: str, words: str, output: str | None = None) -> None:
        """Make `node` fail the next command containing `words` (printing `output` on stdout and
        stderr instead of the tool's own failure, when given)."""
        if node not in self.hosts:
            raise UserError(f"--fail-once: no simulated node named {node!r}")
        state = self.hosts[node].state
        state.faults.append(words)
        if output is not None:
            state.fault_output[words] = output

    def write_inventory(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.inventory, sort_keys=False), encoding="utf-8")

    async def close(self) -> None:
        await asyncio.gather(*(h.close() for h in self.hosts.values()))


async def start_sim_hosts(
    nodes: list[dict[str, Any]],
    workdir: Path,
    bridge: ClusterBridge,
    fail_once: Iterable[tuple[str, str]] = (),
    versions: dict[str, list[str]] | None = None,
    *,
    user: str = "ubuntu",
    pace: float = 0.0,
    bind: str = "127.0.0.1",
) -> SimHosts:
    """Start one SSH server per node dict ({name, role, kubelet_version, internal_ip, ...}).

    Optional node keys: kubeadm_version, kubectl_version (default: the kubelet's), repo_minor,
    swap (bool), sudo_password (the node then needs `sudo -S`; its inventory entry says
    `sudo: password`). `versions` maps a repository minor ("v1.35") to the package versions it
    offers ("1.35.0-1.1", ...). `pace` pauses between output lines of long commands (demos).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    catalogue = versions if versions is not None else default_catalogue()
    client_key = _write_client_key(workdir / "id_ed25519")
    sim = SimHosts(inventory={}, hosts={}, client_key=workdir / "id_ed25519",
                   known_hosts=workdir / "known_hosts")
    try:
        known_lines = []
        for node in nodes:
            state = HostState.from_node(node, catalogue)
            state.pace = pace
            host = SimHost(state, bridge)
            sim.hosts[state.name] = host
            host_key = asyncssh.generate_private_key("ssh-ed25519")
            port = await host.start(bind, host_key, client_key)
            sim.ports[state.name] = port
            known_lines.append(f"[{bind}]:{port} {_public_line(host_key)}\n")
        for node_name, words in fail_once:
            sim.add_fault(node_name, words)
    except BaseException:
        await sim.close()
        raise
    sim.known_hosts.write_text("".join(known_lines), encoding="utf-8")
    sim.inventory = _inventory(sim, bind, user)
    return sim


def _inventory(sim: SimHosts, bind: str, user: str) -> dict[str, Any]:
    nodes: dict[str, Any] = {}
    for name, host in sim.hosts.items():
        entry: dict[str, Any] = {"host": bind, "port": sim.ports[name]}
        if host.state.sudo_password is not None:
            entry["sudo"] = "password"
        nodes[name] = entry
    return {
        "defaults": {"user": user, "identity_file": str(sim.client_key),
                     "known_hosts": str(sim.known_hosts), "sudo": "nopasswd"},
        "nodes": nodes,
    }


def _write_client_key(path: Path) -> asyncssh.SSHKey:
    key = asyncssh.generate_private_key("ssh-ed25519", comment="k8stui-sim")
    # OpenSSH refuses private keys readable by others: create the file 0600 from the start.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.export_private_key())
    os.chmod(path, 0o600)
    path.with_suffix(".pub").write_bytes(key.export_public_key())
    return key


def _public_line(key: asyncssh.SSHKey) -> str:
    return " ".join(key.export_public_key().decode().split()[:2])
