"""Simulated kubeadm hosts: reached over real SSH (the k8stui runner and the system ssh client)."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from k8stui.errors import UserError
from k8stui.hosts import shell
from k8stui.hosts.inventory import load_inventory, parse_inventory
from k8stui.hosts.shell import Command
from k8stui.hosts.ssh import SSHRunner
from k8stui.sim.hostcmds import ShellSyntaxError, parse, tokenize
from k8stui.sim.hosts import parse_fail_once, start_sim_hosts
from sshd_fixture import SIM_NODES, FakeBridge, Sim, sim  # noqa: F401

MASTER, WORKER = "k8s-master", "k8s-worker-1"


@pytest.fixture(autouse=True)
def _audit_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


async def switch_repo(sim: Sim, node: str, minor: str = "v1.35") -> None:  # noqa: F811
    assert (await sim.run(node, shell.set_repo_minor(minor))).ok
    assert (await sim.run(node, shell.apt_get_update())).ok


@pytest.mark.skipif(shutil.which("ssh") is None, reason="openssh-client not installed")
async def test_system_ssh_client(sim: Sim, tmp_path: Path) -> None:  # noqa: F811
    inventory = tmp_path / "inventory.yaml"
    sim.hosts.write_inventory(inventory)
    assert load_inventory(inventory).host(MASTER).port == sim.hosts.ports[MASTER]
    proc = await asyncio.create_subprocess_exec(
        "ssh", "-F", "/dev/null", "-p", str(sim.hosts.ports[MASTER]), "-i", str(sim.hosts.client_key),
        "-o", f"UserKnownHostsFile={sim.hosts.known_hosts}", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "ubuntu@127.0.0.1",
        "kubeadm version -o short",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert (proc.returncode, out.decode(), err.decode()) == (0, "v1.34.3\n", "")


async def test_start_writes_key_known_hosts_and_inventory(sim: Sim) -> None:  # noqa: F811
    inv = sim.hosts.inventory
    assert inv["defaults"] == {"user": "ubuntu", "identity_file": str(sim.hosts.client_key),
                               "known_hosts": str(sim.hosts.known_hosts), "sudo": "nopasswd"}
    assert set(inv["nodes"]) == {MASTER, WORKER}
    assert sim.hosts.client_key.stat().st_mode & 0o777 == 0o600
    lines = sim.hosts.known_hosts.read_text().splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(
        f"[127.0.0.1]:{p}" for p in sim.hosts.ports.values())


async def test_repo_switch_then_update_shows_the_new_minor(sim: Sim) -> None:  # noqa: F811
    madison = shell.apt_cache_madison("kubeadm")
    before = (await sim.run(MASTER, madison)).stdout
    assert "1.34.3-1.1 | https://pkgs.k8s.io/core:/stable:/v1.34/deb  Packages" in before
    assert "1.35" not in before
    assert (await sim.run(MASTER, shell.set_repo_minor("v1.35"))).ok
    listing = (await sim.run(MASTER, shell.cat_repo_list())).stdout
    assert listing == ("deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] "
                       "https://pkgs.k8s.io/core:/stable:/v1.35/deb/ /\n")
    # The lists are stale until apt-get update: the new versions cannot be seen or installed.
    assert "1.35" not in (await sim.run(MASTER, madison)).stdout
    stale = await sim.run(MASTER, shell.apt_install({"kubeadm": "1.35.2-1.1"}, allow_held=True))
    assert stale.exit_status == 100
    assert "E: Version '1.35.2-1.1' for 'kubeadm' was not found" in stale.stderr
    update = await sim.run(MASTER, shell.apt_get_update())
    assert update.ok and "core:/stable:/v1.35/deb  InRelease" in update.stdout
    rows = (await sim.run(MASTER, madison)).stdout.splitlines()
    assert [r.split("|")[1].strip() for r in rows] == ["1.35.2-1.1", "1.35.1-1.1", "1.35.0-1.1"]
    assert rows[0] == "   kubeadm | 1.35.2-1.1 | https://pkgs.k8s.io/core:/stable:/v1.35/deb  Packages"


async def test_held_package_is_refused_then_allowed(sim: Sim) -> None:  # noqa: F811
    await switch_repo(sim, MASTER)
    assert (await sim.run(MASTER, shell.apt_mark_showhold())).stdout == "kubeadm\nkubectl\nkubelet\n"
    refused = await sim.run(MASTER, shell.apt_install({"kubeadm": "1.35.2-1.1"}))
    assert refused.exit_status == 100
    assert refused.stderr == ("E: Held packages were changed and -y was used without "
                              "--allow-change-held-packages.\n")
    assert (await sim.run(MASTER, shell.kubeadm_version())).stdout == "v1.34.3\n"
    allowed = await sim.run(MASTER, shell.apt_install({"kubeadm": "1.35.2-1.1"}, allow_held=True))
    assert allowed.ok and "Setting up kubeadm (1.35.2-1.1) ..." in allowed.stdout
    assert (await sim.run(MASTER, shell.kubeadm_version())).stdout == "v1.35.2\n"
    # The documented unhold / install / hold sequence works too, with the glob form.
    assert (await sim.run(MASTER, shell.apt_mark("unhold", "kubelet"))).stdout == "Canceled hold on kubelet.\n"
    assert (await sim.run(MASTER, shell.apt_install({"kubelet": "1.35.1-*"}))).ok
    assert (await sim.run(MASTER, shell.apt_mark("hold", "kubelet"))).stdout == "kubelet set on hold.\n"
    assert (await sim.run(MASTER, shell.kubelet_version())).stdout == "Kubernetes v1.35.1\n"


async def test_version_not_in_the_repository(sim: Sim) -> None:  # noqa: F811
    result = await sim.run(WORKER, shell.apt_install({"kubelet": "1.29.1-1.1"}, allow_held=True))
    assert result.exit_status == 100
    assert result.stderr == "E: Version '1.29.1-1.1' for 'kubelet' was not found\n"
    assert sim.hosts.state(WORKER).installed["kubelet"] == "1.34.3-1.1"
    missing = await sim.run(WORKER, shell.apt_install({"kubernetes-cni": "1.0.0-1.1"}))
    assert missing.stderr == "E: Unable to locate package kubernetes-cni\n"


async def test_upgrade_apply_moves_the_cluster(sim: Sim) -> None:  # noqa: F811
    plan = await sim.run(MASTER, shell.kubeadm_upgrade_plan("v1.35.2"))
    doc = json.loads(plan.stdout[plan.stdout.index("{"):])
    assert doc["apiVersion"] == "output.kubeadm.k8s.io/v1alpha3"
    kubelets = {c["nodeName"]: c["currentVersion"] for c in doc["availableUpgrades"][0]["components"]
                if c["name"] == "kubelet"}
    assert kubelets == {MASTER: "v1.34.3", WORKER: "v1.34.3"}

    old = await sim.run(MASTER, shell.kubeadm_upgrade_apply("v1.35.2"))
    assert old.exit_status == 1 and sim.bridge.calls == []
    assert ('Specified version to upgrade to "v1.35.2" is at least one minor release higher than '
            "the kubeadm minor release (35 > 34). Such an upgrade is not supported") in old.stderr

    await switch_repo(sim, MASTER)
    assert (await sim.run(MASTER, shell.apt_install({"kubeadm": "1.35.2-1.1"}, allow_held=True))).ok
    lines: list[str] = []
    applied = await sim.run(MASTER, shell.kubeadm_upgrade_apply("v1.35.2"),
                            on_line=lambda _, line: lines.append(line))
    assert applied.ok
    assert sim.bridge.calls == [("upgrade_control_plane", MASTER, "v1.35.2", True)]
    assert '[upgrade/successful] SUCCESS! Your cluster was upgraded to "v1.35.2". Enjoy!' in lines
    assert sim.bridge.version == "v1.35.2"
    # The worker: kubeadm upgrade node only rewrites the kubelet config, no control plane.
    await switch_repo(sim, WORKER)
    assert (await sim.run(WORKER, shell.apt_install({"kubeadm": "1.35.2-1.1"}, allow_held=True))).ok
    node = await sim.run(WORKER, shell.kubeadm_upgrade_node())
    assert node.ok and "[upgrade] Skipping phase. Not a control plane node." in node.stdout
    assert len(sim.bridge.calls) == 1


async def test_upgrade_apply_refusals(tmp_path: Path) -> None:
    bridge = FakeBridge(version="v1.34.1", control_planes={MASTER: "v1.34.1"})
    nodes = [dict(SIM_NODES[0], kubelet_version="v1.34.1", kubeadm_version="v1.34.2")]
    hosts = await start_sim_hosts(nodes, tmp_path / "sim", bridge)
    runner = SSHRunner(parse_inventory(hosts.inventory))
    try:
        patch = await runner.run(MASTER, shell.kubeadm_upgrade_apply("v1.34.3"))
        assert patch.exit_status == 1
        assert ('Specified version to upgrade to "v1.34.3" is higher than the kubeadm version '
                '"v1.34.2". Upgrade kubeadm first using the tool you used to install kubeadm'
                in patch.stderr)
        assert "Can be bypassed if you pass the --force flag" in patch.stderr
        skip = await runner.run(MASTER, shell.kubeadm_upgrade_apply("v1.36.0"))
        assert ('Specified version to upgrade to "v1.36.0" is too high; kubeadm can upgrade only '
                "1 minor version at a time") in skip.stderr
        assert skip.exit_status == 1 and bridge.calls == []
        forced = await runner.run(MASTER, shell.kubeadm_upgrade_apply("v1.34.3", force=True))
        assert forced.ok and bridge.calls == [("upgrade_control_plane", MASTER, "v1.34.3", True)]
        not_root = await runner.run(MASTER, Command("kubeadm upgrade apply -y v1.34.2"))
        assert "[ERROR IsPrivilegedUser]: user is not running as root" in not_root.stderr
    finally:
        await runner.close()
        await hosts.close()


async def test_kubelet_restart_reports_the_installed_version(sim: Sim) -> None:  # noqa: F811
    await switch_repo(sim, WORKER)
    assert (await sim.run(WORKER, shell.apt_install({"kubelet": "1.35.2-1.1"}, allow_held=True))).ok
    assert (await sim.run(WORKER, shell.kubelet_version())).stdout == "Kubernetes v1.35.2\n"
    # Without daemon-reload systemd keeps the old unit: the old kubelet comes back.
    early = await sim.run(WORKER, shell.systemctl_restart_kubelet())
    assert early.ok and "Run 'systemctl daemon-reload' to reload units." in early.stderr
    assert sim.bridge.calls == [("restart_kubelet", WORKER, "v1.34.3")]
    assert (await sim.run(WORKER, shell.systemctl_daemon_reload())).ok
    assert (await sim.run(WORKER, shell.systemctl_restart_kubelet())).ok
    assert sim.bridge.calls[-1] == ("restart_kubelet", WORKER, "v1.35.2")
    assert sim.bridge.kubelets[WORKER] == "v1.35.2"
    assert (await sim.run(WORKER, shell.systemctl_is_active_kubelet())).stdout == "active\n"


async def test_fail_once_fails_exactly_once(tmp_path: Path) -> None:
    bridge = FakeBridge()
    faults = [parse_fail_once("k8s-worker-1:apt-get update"), (MASTER, "upgrade apply")]
    hosts = await start_sim_hosts(SIM_NODES, tmp_path / "sim", bridge, fail_once=faults)
    runner = SSHRunner(parse_inventory(hosts.inventory))
    try:
        first = await runner.run(WORKER, shell.apt_get_update())
        assert first.exit_status == 100
        assert first.stderr.startswith("E: Could not get lock /var/lib/apt/lists/lock. It is held "
                                       "by process 12345 (apt-get)\n")
        assert (await runner.run(WORKER, shell.apt_get_update())).ok
        assert (await runner.run(WORKER, shell.apt_get_update())).ok
        apply = await runner.run(MASTER, shell.kubeadm_upgrade_apply("v1.34.3"))
        assert apply.exit_status == 1 and bridge.calls == []
        assert ("static Pod hash for component kube-apiserver on Node k8s-master did not change "
                "after 5m0s") in apply.stderr
        assert (await runner.run(MASTER, shell.kubeadm_upgrade_apply("v1.34.3"))).ok
        assert bridge.calls == [("upgrade_control_plane", MASTER, "v1.34.3", True)]
    finally:
        await runner.close()
        await hosts.close()
    with pytest.raises(UserError, match="NODE:WORDS"):
        parse_fail_once("no-colon")


async def test_install_fault_is_apts_dpkg_lock(tmp_path: Path) -> None:
    hosts = await start_sim_hosts(SIM_NODES[:1], tmp_path / "sim", FakeBridge(),
                                  fail_once=[(MASTER, "apt-get install")])
    runner = SSHRunner(parse_inventory(hosts.inventory))
    try:
        install = shell.apt_install({"kubeadm": "1.34.2-1.1"}, allow_held=True, allow_downgrades=True)
        locked = await runner.run(MASTER, install)
        assert locked.exit_status == 100
        assert ("E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 12345 "
                "(apt-get)") in locked.stderr
        assert (await runner.run(MASTER, install)).ok
    finally:
        await runner.close()
        await hosts.close()


async def test_unknown_commands(sim: Sim) -> None:  # noqa: F811
    result = await sim.run(MASTER, "frobnicate --now")
    assert (result.exit_status, result.stderr) == (127, "bash: frobnicate: command not found\n")
    via_sudo = await sim.run(MASTER, Command("frobnicate", sudo=True))
    assert (via_sudo.exit_status, via_sudo.stderr) == (1, "sudo: frobnicate: command not found\n")


async def test_shell_operators_and_quoting(sim: Sim) -> None:  # noqa: F811
    r = await sim.run(MASTER, "false && echo no || echo yes; echo \"a  b\" 'c;d' e\\ f")
    assert r.stdout == "yes\na  b c;d e f\n"
    line = "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.33/deb/ /"
    denied = await sim.run(MASTER, f"echo {shell.q(line)} | tee {shell.REPO_LIST}")
    assert denied.exit_status == 1 and "Permission denied" in denied.stderr
    piped = await sim.run(MASTER, f"echo {shell.q(line)} | sudo tee {shell.REPO_LIST} && apt-get update")
    assert piped.exit_status == 100  # tee ran as root, the unprivileged apt-get update did not
    assert sim.hosts.state(MASTER).files[shell.REPO_LIST] == line + "\n"
    # The builder's way: the line goes in on stdin, after nothing (nopasswd).
    assert (await sim.run(MASTER, shell.write_repo_list("v1.35"))).ok
    assert sim.hosts.state(MASTER).repo() == ("https://pkgs.k8s.io/core:/stable:/v1.35/deb", "v1.35")
    bad = await sim.run(MASTER, "echo hi &&")
    assert bad.exit_status == 2 and bad.stderr.startswith("bash: syntax error")


def test_tokenizer_follows_sh_quoting() -> None:
    assert tokenize("a 'b c' \"d \\\"e\\\"\" f\\ g") == [
        ("word", "a"), ("word", "b c"), ("word", 'd "e"'), ("word", "f g")]
    assert tokenize("a&&b||c;d|e") == [("word", "a"), ("op", "&&"), ("word", "b"), ("op", "||"),
                                       ("word", "c"), ("op", ";"), ("word", "d"), ("op", "|"),
                                       ("word", "e")]
    assert tokenize("echo '&&' ''") == [("word", "echo"), ("word", "&&"), ("word", "")]
    assert parse(tokenize("a | b && c")) == [(";", [["a"], ["b"]]), ("&&", [["c"]])]
    for broken in ("echo 'open", "a && && b", "| a", "a > f", "sleep 1 &"):
        with pytest.raises(ShellSyntaxError):
            parse(tokenize(broken))


async def test_tokens_certificates_and_preflight_queries(sim: Sim) -> None:  # noqa: F811
    key = sim.bridge.cert_key
    upload = await sim.run(MASTER, shell.kubeadm_upload_certs())
    assert upload.ok and upload.stdout.strip().splitlines()[-1] == key
    join = await sim.run(MASTER, shell.kubeadm_token_create(certificate_key=key))
    m = re.fullmatch(r"kubeadm join 10\.0\.0\.10:6443 --token ([a-z0-9]{6}\.[a-z0-9]{16}) "
                     r"--discovery-token-ca-cert-hash sha256:(ab){32} --control-plane "
                     r"--certificate-key (0f){32}\n", join.stdout)
    assert m, join.stdout
    listing = await sim.run(MASTER, shell.kubeadm_token_list())
    assert listing.stdout.startswith("TOKEN ") and m.group(1) in listing.stdout
    assert sim.bridge.calls[-1] == ("create_bootstrap_token", 86400, "", ["signing", "authentication"],
                                    ["system:bootstrappers:kubeadm:default-node-token"])
    worker = await sim.run(WORKER, shell.kubeadm_token_create())
    assert worker.exit_status == 1 and "/etc/kubernetes/admin.conf" in worker.stderr
    certs = await sim.run(MASTER, shell.kubeadm_certs_check_expiration(json_output=True))
    info = json.loads(certs.stdout)
    assert info["kind"] == "CertificateExpirationInfo"
    assert {c["name"] for c in info["certificates"]} >= {"admin.conf", "apiserver", "etcd-server"}
    assert (await sim.run(MASTER, shell.swapon_show())).stdout == ""


async def test_swap_and_sudo_password_host(tmp_path: Path) -> None:
    nodes = [dict(SIM_NODES[1], swap=True, sudo_password="pw-5678")]
    hosts = await start_sim_hosts(nodes, tmp_path / "sim", FakeBridge())
    inv = yaml.safe_load(yaml.safe_dump(hosts.inventory))
    assert inv["nodes"][WORKER]["sudo"] == "password"

    async def ask(node: str) -> str:
        return "pw-5678"

    runner = SSHRunner(parse_inventory(inv), ask_sudo_password=ask)
    try:
        shown = await runner.run(WORKER, shell.swapon_show())
        assert shown.stdout.splitlines()[0].split() == ["NAME", "TYPE", "SIZE", "USED", "PRIO"]
        assert (await runner.run(WORKER, shell.swapoff_all())).ok
        assert (await runner.run(WORKER, shell.swapon_show())).stdout == ""
    finally:
        await runner.close()
        await hosts.close()
