"""The SSH runner over real SSH: OpenSSH's sshd (started here) and the simulated hosts."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
from pathlib import Path

import asyncssh
import pytest

from k8stui import audit
from k8stui.errors import ReadOnlyError, UserError
from k8stui.hosts import shell
from k8stui.hosts.inventory import parse_inventory
from k8stui.hosts.shell import Command, InvalidValue
from k8stui.hosts.ssh import (CommandTimeout, HostKeyChanged, SSHError, SSHRunner, SudoError,
                              UnknownHostKey)
from k8stui.sim.hosts import start_sim_hosts
from sshd_fixture import (SIM_NODES, FakeBridge, Sshd, await_until, public_line, sim,  # noqa: F401
                          sshd, write_private_key)


@pytest.fixture(autouse=True)
def _audit_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def ssh_entries() -> list[dict]:
    return [e for e in audit.read() if e["action"] == "ssh"]


async def test_lines_stream_before_the_command_ends(sshd: Sshd, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    # The command cannot finish before the gate exists, and only on_line creates it.
    text = (f"echo first; while [ ! -e {shell.q(str(gate))} ]; do sleep 0.01; done; "
            "echo second; echo oops >&2; exit 3")
    seen: list[tuple[str, str]] = []

    def on_line(stream: str, line: str) -> None:
        seen.append((stream, line))
        if line == "first":
            gate.touch()

    runner = SSHRunner(sshd.inventory())
    try:
        result = await runner.run("real", Command(text), on_line=on_line, timeout=10)
    finally:
        await runner.close()
    assert result.exit_status == 3 and not result.ok
    assert (result.stdout, result.stderr) == ("first\nsecond\n", "oops\n")
    assert seen[0] == ("stdout", "first") and ("stderr", "oops") in seen
    entry = ssh_entries()[-1]
    assert (entry["object"], entry["result"], entry["exit_status"]) == ("host/real", "failed", 3)
    assert entry["command"] == text


async def test_exit_status_of_a_killed_command(sshd: Sshd) -> None:
    runner = SSHRunner(sshd.inventory())
    try:
        assert (await runner.run("real", "exit 0")).ok
        assert (await runner.run("real", "kill -9 $$")).exit_status == -9
    finally:
        await runner.close()


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


# Keeps printing like kubeadm and apt do. sshd refuses signal requests for root logins (no
# privilege separation child), so for root it is the closed channel that ends the command.
TICKING = "echo $$; while :; do echo tick; sleep 0.05; done"


async def test_timeout_ends_the_remote_command(sshd: Sshd) -> None:
    pids: list[int] = []
    runner = SSHRunner(sshd.inventory())
    try:
        start = time.monotonic()
        with pytest.raises(CommandTimeout, match="timed out after 0.5s"):
            await runner.run("real", TICKING, timeout=0.5,
                             on_line=lambda _, line: pids.append(int(line)) if not pids else None)
        assert time.monotonic() - start < 5
        await await_until(lambda: _gone(pids[0]), what="the remote command to end")
        # The connection is still usable.
        assert (await runner.run("real", "echo again")).stdout == "again\n"
    finally:
        await runner.close()
    assert [e["result"] for e in ssh_entries()][-2:] == ["timeout", "ok"]


async def test_cancellation_closes_the_channel_and_ends_the_command(sshd: Sshd) -> None:
    started = asyncio.Event()
    pids: list[int] = []

    def on_line(_: str, line: str) -> None:
        if not pids:
            pids.append(int(line))
        started.set()

    runner = SSHRunner(sshd.inventory())
    try:
        task = asyncio.create_task(runner.run("real", TICKING, on_line=on_line))
        await asyncio.wait_for(started.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await await_until(lambda: _gone(pids[0]), what="the remote command to end")
    finally:
        await runner.close()
    assert ssh_entries()[-1]["result"] == "cancelled"


async def test_one_connection_per_host_is_reused(sshd: Sshd) -> None:
    before = sshd.logins()
    runner = SSHRunner(sshd.inventory())
    try:
        results = await asyncio.gather(*(runner.run("real", f"echo {i}") for i in range(3)))
        results.append(await runner.run("real", "echo 3"))
    finally:
        await runner.close()
    assert [r.stdout for r in results] == ["0\n", "1\n", "2\n", "3\n"]
    assert sshd.logins() - before == 1


async def test_unknown_host_key_is_refused_without_confirmation(sshd: Sshd, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    runner = SSHRunner(sshd.inventory(known_hosts=known))
    with pytest.raises(UnknownHostKey) as info:
        await runner.run("real", "echo hi")
    await runner.close()
    assert info.value.fingerprint_sha256 == sshd.host_key.get_fingerprint("sha256")
    assert info.value.port == sshd.port and info.value.host == "127.0.0.1"
    assert info.value.fingerprint_sha256 in str(info.value) and "\n" not in str(info.value)
    assert known.read_text() == ""


async def test_unknown_host_key_accepted_by_the_user_is_recorded(sshd: Sshd, tmp_path: Path) -> None:
    known = tmp_path / "ssh" / "known_hosts"  # the directory does not exist yet either
    asked: list[tuple[str, str]] = []

    async def confirm(host: str, fingerprint: str) -> bool:
        asked.append((host, fingerprint))
        return True

    runner = SSHRunner(sshd.inventory(known_hosts=known), confirm_unknown_key=confirm)
    try:
        assert (await runner.run("real", "echo hi")).stdout == "hi\n"
    finally:
        await runner.close()
    assert asked == [(f"real (127.0.0.1:{sshd.port})",
                      f"ssh-ed25519 {sshd.host_key.get_fingerprint('sha256')}")]
    assert known.read_text() == sshd.known_line()
    # Recorded: a runner that cannot ask connects without asking.
    runner = SSHRunner(sshd.inventory(known_hosts=known))
    try:
        assert (await runner.run("real", "echo again")).ok
    finally:
        await runner.close()


async def test_changed_host_key_is_always_refused(sshd: Sshd, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    other = asyncssh.generate_private_key("ssh-ed25519")
    known.write_text(f"[127.0.0.1]:{sshd.port} {public_line(other)}\n")
    asked: list[str] = []

    async def confirm(host: str, fingerprint: str) -> bool:
        asked.append(host)
        return True

    runner = SSHRunner(sshd.inventory(known_hosts=known), confirm_unknown_key=confirm)
    with pytest.raises(HostKeyChanged, match="has CHANGED") as info:
        await runner.run("real", "echo hi")
    await runner.close()
    assert asked == []
    assert "\n" not in str(info.value)
    assert known.read_text().count("\n") == 1  # nothing was added


async def test_sudo_modes_on_sshd(sshd: Sshd) -> None:
    whoami = Command("id -u", sudo=True)
    runner = SSHRunner(sshd.inventory(sudo="none"))
    try:
        assert (await runner.run("real", whoami)).stdout == "0\n"
    finally:
        await runner.close()
    assert ssh_entries()[-1]["command"] == "id -u"  # root: no sudo at all
    if shutil.which("sudo") is None:
        pytest.skip("sudo not installed: nopasswd mode checked against the simulated hosts only")
    # A non-root login is needed for sudo to be added; root's sudo is checked directly instead.
    text = shell.wrap_sudo(whoami, "nopasswd")
    runner = SSHRunner(sshd.inventory())
    try:
        assert (await runner.run("real", Command(text))).stdout == "0\n"
    finally:
        await runner.close()


async def test_hostile_value_reaches_the_remote_side_literally(sshd: Sshd, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    value = (f"it's \"quoted\" $(touch {marker}) `touch {marker}` ; touch {marker} & | > * "
             "\\ $HOME ~ !x")
    runner = SSHRunner(sshd.inventory())
    try:
        result = await runner.run("real", shell.join("printf", "%s\\n", shell.text(value)))
    finally:
        await runner.close()
    assert result.stdout == value + "\n"
    assert not marker.exists()


async def test_hostile_node_name_is_refused_before_anything(sshd: Sshd) -> None:
    runner = SSHRunner(sshd.inventory())
    before = sshd.logins()
    with pytest.raises(InvalidValue, match="node name"):
        await runner.run("x; rm -rf /", "echo hi", internal_ip="127.0.0.1")
    await runner.close()
    assert sshd.logins() == before and ssh_entries() == []


async def test_read_only_refuses_before_connecting(tmp_path: Path) -> None:
    accepted: list[object] = []

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(reader)
        writer.close()

    server = await asyncio.start_server(count, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    key = tmp_path / "id"
    write_private_key(key, asyncssh.generate_private_key("ssh-ed25519"))
    inv = parse_inventory({"defaults": {"identity_file": str(key), "sudo": "password"},
                           "nodes": {"n1": {"host": "127.0.0.1", "port": port}}})

    async def ask(node: str) -> str:
        raise AssertionError("no password may be asked for a refused command")

    runner = SSHRunner(inv, readonly=True, ask_sudo_password=ask)
    try:
        for cmd in (shell.apt_get_update(), shell.kubeadm_upgrade_apply("v1.35.2"),
                    Command("kubeadm version; reboot")):
            with pytest.raises(ReadOnlyError, match="read-only mode: refused to run"):
                await runner.run("n1", cmd)
        # An allowed query does try to connect (and fails on this fake server).
        with pytest.raises(SSHError):
            await runner.run("n1", shell.kubeadm_version())
    finally:
        await runner.close()
        server.close()
        await server.wait_closed()
    assert len(accepted) == 1
    results = [e["result"] for e in ssh_entries()]
    assert results == ["refused", "refused", "refused", "error"]


async def test_every_command_is_audited_without_secrets(sim) -> None:  # noqa: F811
    key = "0f" * 32
    await sim.run("k8s-master", shell.kubeadm_version())
    await sim.run("k8s-master", shell.kubeadm_token_create(certificate_key=key))
    await sim.run("k8s-worker-1", "frobnicate")
    entries = ssh_entries()
    assert [(e["object"], e["result"], e["exit_status"]) for e in entries] == [
        ("host/k8s-master", "ok", 0), ("host/k8s-master", "ok", 0), ("host/k8s-worker-1", "failed", 127)]
    assert entries[1]["command"].endswith("--print-join-command --certificate-key <redacted>")
    assert entries[1]["command"].startswith("sudo -n -- kubeadm token create")
    assert key not in Path(audit.audit_log_path()).read_text()


async def test_sudo_password_mode(tmp_path: Path) -> None:
    password = "s3cr3t-Pa55"
    nodes = [dict(SIM_NODES[0], sudo_password=password)]
    hosts = await start_sim_hosts(nodes, tmp_path / "sim", FakeBridge())
    assert hosts.inventory["nodes"]["k8s-master"]["sudo"] == "password"
    answers = [password]
    asked: list[str] = []

    async def ask(node: str) -> str:
        asked.append(node)
        return answers.pop(0)

    runner = SSHRunner(parse_inventory(hosts.inventory), ask_sudo_password=ask)
    try:
        whoami = Command("whoami", sudo=True)
        assert (await runner.run("k8s-master", whoami)).stdout == "root\n"
        assert (await runner.run("k8s-master", shell.apt_get_update())).ok
        assert asked == ["k8s-master"]  # asked once, then kept in memory
        assert (await runner.run("k8s-master", "whoami")).stdout == "ubuntu\n"

        runner.forget_sudo_password()
        answers.append("wrong-password")
        with pytest.raises(SudoError, match="refused the password") as info:
            await runner.run("k8s-master", whoami)
        assert password not in str(info.value) and "wrong-password" not in str(info.value)
        answers.append(password)  # a refused password is forgotten: asked again
        assert (await runner.run("k8s-master", whoami)).stdout == "root\n"
        assert len(asked) == 3
    finally:
        await runner.close()
        await hosts.close()
    log = Path(audit.audit_log_path()).read_text()
    assert "sudo -k -S -p '' -- whoami" in log
    assert password not in log and "wrong-password" not in log


async def test_nopasswd_on_a_host_that_wants_a_password(tmp_path: Path) -> None:
    hosts = await start_sim_hosts([dict(SIM_NODES[0], sudo_password="pw-1234")],
                                  tmp_path / "sim", FakeBridge())
    inv = dict(hosts.inventory)
    inv["nodes"] = {"k8s-master": {k: v for k, v in inv["nodes"]["k8s-master"].items() if k != "sudo"}}
    runner = SSHRunner(parse_inventory(inv))
    try:
        with pytest.raises(SudoError, match="set `sudo: password`"):
            await runner.run("k8s-master", shell.apt_get_update())
    finally:
        await runner.close()
        await hosts.close()


def _client_sockets_to(port: int) -> set[str]:
    """Inodes of established TCP sockets (any process) whose remote port is `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[2].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def _own_sockets() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/self/fd/{fd}")
            if link.startswith("socket:["):
                inodes.add(link[len("socket:["):-1])
    return inodes


async def test_proxy_jump_through_sshd(sshd: Sshd, tmp_path: Path) -> None:
    hosts = await start_sim_hosts(SIM_NODES[:1], tmp_path / "sim", FakeBridge())
    sim_port = hosts.ports["k8s-master"]
    known = tmp_path / "known_hosts"
    known.write_text(hosts.known_hosts.read_text() + sshd.known_line())
    inv = parse_inventory({
        "defaults": {"identity_file": str(hosts.client_key), "known_hosts": str(known)},
        "nodes": {
            "bastion": {"host": "127.0.0.1", "port": sshd.port, "user": "root",
                        "identity_file": str(sshd.client_key)},
            "k8s-master": {"host": "127.0.0.1", "port": sim_port, "jump": "bastion"},
        },
    })
    runner = SSHRunner(inv)
    try:
        result = await runner.run("k8s-master", "hostname")
        # The connection to the simulated host is sshd's socket, not one of ours.
        to_sim, to_sshd, ours = _client_sockets_to(sim_port), _client_sockets_to(sshd.port), _own_sockets()
    finally:
        await runner.close()
        await hosts.close()
    assert result.stdout == "k8s-master\n"
    assert to_sim and not to_sim & ours
    assert to_sshd & ours
    assert ssh_entries()[-1]["host"] == f"ubuntu@127.0.0.1:{sim_port} via root@127.0.0.1:{sshd.port}"


async def test_connection_errors_are_one_line(tmp_path: Path) -> None:
    key = tmp_path / "id"
    write_private_key(key, asyncssh.generate_private_key("ssh-ed25519"))
    with_key = parse_inventory({"defaults": {"identity_file": str(key)},
                                "nodes": {"n1": {"host": "127.0.0.1", "port": 1}}})
    runner = SSHRunner(with_key)
    with pytest.raises(SSHError) as info:
        await runner.run("n1", "true")
    assert str(info.value).startswith("n1: cannot connect to ubuntu@127.0.0.1:1:")
    assert "\n" not in str(info.value)
    no_key = parse_inventory({"defaults": {"identity_file": str(tmp_path / "missing")},
                              "nodes": {"n1": {"host": "127.0.0.1"}}})
    with pytest.raises(UserError, match="identity file not found"):
        await SSHRunner(no_key).run("n1", "true")
    (tmp_path / "garbage").write_text("not a key")
    bad_key = parse_inventory({"defaults": {"identity_file": str(tmp_path / "garbage")},
                               "nodes": {"n1": {"host": "127.0.0.1", "port": 1}}})
    with pytest.raises(SSHError, match="cannot use identity file"):
        await SSHRunner(bad_key).run("n1", "true")


async def test_read_only_runner_answers_queries(sim) -> None:  # noqa: F811
    runner = SSHRunner(sim.runner.inventory, readonly=True)
    try:
        assert (await runner.run("k8s-master", shell.kubeadm_version())).stdout == "v1.34.3\n"
        with pytest.raises(ReadOnlyError):
            await runner.run("k8s-master", shell.systemctl_restart_kubelet())
    finally:
        await runner.close()
    assert sim.bridge.calls == []
    assert os.environ["XDG_STATE_HOME"]  # the audit went to the test's directory
