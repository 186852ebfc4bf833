"""Validators, quoting, command builders, sudo wrapping, read-only allow-list, redaction."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from k8stui.hosts import shell
from k8stui.hosts.shell import Command, InvalidValue
from k8stui.sim.hostcmds import HostShell, HostState, TextReader, TextWriter, default_catalogue


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (shell.k8s_version, ["v1.35.2", "v1.36.0-rc.1"], ["1.35.2", "v1.35", "v1.35.2;id", "v1.35.2 "]),
        (shell.pkg_version, ["1.35.2-1.1", "1.28.14-2.1", "1.21.1-00", "1.35.2-*"],
         ["1.35.2", "1.35.2-1.1'", "1.35.*-1.1", "1.35.2-1.1 && reboot"]),
        (shell.minor, ["v1.35"], ["v1.35.2", "1.35", "v1.35/"]),
        (shell.package, ["kubeadm", "cri-tools", "libc6"], ["Kubeadm", "kubeadm;", "-y", "k"]),
        (shell.node_name, ["k8s-worker-1", "node.example.com"],
         ["x; rm -rf /", "Node1", "-node", "node-", "a_b", ""]),
        (shell.path, ["/etc/apt/sources.list.d/kubernetes.list"],
         ["etc/apt", "/etc/../shadow", "/tmp/a b", "/tmp/$(id)"]),
        (shell.token, ["abcdef.0123456789abcdef"], ["abcdef.0123", "ABCDEF.0123456789abcdef"]),
        (shell.certificate_key, ["0f" * 32], ["0F" * 32, "0f" * 31]),
        (shell.duration, ["24h", "1h30m", "0", "90s"], ["", "1d", "24h;"]),
        (shell.group, ["system:bootstrappers:kubeadm:default-node-token"],
         ["system:masters", "system:bootstrappers:"]),
    ],
)
def test_validators_accept_only_strict_values(check, good, bad) -> None:
    for value in good:
        assert check(value) == value
    for value in bad:
        with pytest.raises(InvalidValue):
            check(value)


def test_hostile_values_are_refused_by_builders() -> None:
    with pytest.raises(InvalidValue, match="node name"):
        shell.node_name("x; rm -rf /")
    with pytest.raises(InvalidValue, match="package version"):
        shell.apt_install({"kubeadm": "1.35.2-1.1; reboot"})
    with pytest.raises(InvalidValue, match="package name"):
        shell.apt_install({"kubeadm && reboot": "1.35.2-1.1"})
    with pytest.raises(InvalidValue, match="Kubernetes version"):
        shell.kubeadm_upgrade_apply("v1.35.2 --force")
    with pytest.raises(InvalidValue, match="minor"):
        shell.set_repo_minor("v1.35/#;e reboot")


def test_free_text_is_quoted_into_one_literal_word() -> None:
    description = "it's \"mine\"; $(reboot) `id` | tee /x"
    cmd = shell.kubeadm_token_create(description=description)
    words = shlex.split(cmd.text)
    assert words[words.index("--description") + 1] == description
    with pytest.raises(InvalidValue):
        shell.text("line1\nline2")


def test_apt_install_command() -> None:
    cmd = shell.apt_install({"kubelet": "1.35.2-1.1", "kubectl": "1.35.2-*"}, allow_held=True)
    assert cmd.sudo
    assert shlex.split(cmd.text) == ["apt-get", "install", "-y", "--allow-change-held-packages",
                                     "kubelet=1.35.2-1.1", "kubectl=1.35.2-*"]
    assert "'kubectl=1.35.2-*'" in cmd.text  # the glob is quoted, apt sees it, not the shell


def test_runbook_builders() -> None:
    assert shell.kubeadm_upgrade_apply("v1.35.2").text == "kubeadm upgrade apply -y v1.35.2"
    assert shell.kubeadm_upgrade_plan("v1.35.2").text == "kubeadm upgrade plan v1.35.2 -o json"
    assert shell.apt_mark("unhold", "kubelet", "kubectl").text == "apt-mark unhold kubelet kubectl"
    assert shell.apt_cache_madison().text == "apt-cache madison kubeadm kubelet kubectl"
    listing = shell.write_repo_list("v1.35")
    assert listing.text == "tee /etc/apt/sources.list.d/kubernetes.list"
    assert "/core:/stable:/v1.35/deb/ /" in (listing.input or "")


@pytest.mark.skipif(shutil.which("sed") is None, reason="GNU sed not installed")
async def test_set_repo_minor_edits_like_real_sed_and_the_simulated_sed(tmp_path: Path) -> None:
    before = ("deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] "
              "https://pkgs.k8s.io/core:/stable:/v1.34/deb/ /\n")
    listing = tmp_path / "kubernetes.list"
    listing.write_text(before)
    cmd = shell.set_repo_minor("v1.35", list_path=str(listing))
    subprocess.run(["sh", "-c", cmd.text], check=True)
    real = listing.read_text()
    assert real == before.replace("v1.34", "v1.35")

    state = HostState.from_node({"name": "n", "kubelet_version": "v1.34.3"}, default_catalogue())
    sim = HostShell(state, bridge=None)  # type: ignore[arg-type]  # sed never reaches the cluster
    out, err = TextWriter(), TextWriter()
    status = await sim.run_line(shell.set_repo_minor("v1.35").text, root=True,
                                stdin=TextReader(""), out=out, err=err)
    assert (status, err.text()) == (0, "")
    assert state.files[shell.REPO_LIST] == real


def test_sudo_wrapping_per_mode() -> None:
    cmd = shell.apt_get_update()
    assert shell.wrap_sudo(cmd, "none") == "apt-get update"
    assert shell.wrap_sudo(cmd, "nopasswd") == "sudo -n -- apt-get update"
    wrapped = shell.wrap_sudo(cmd, "password")
    assert wrapped == "sudo -k -S -p '' -- apt-get update"
    assert shlex.split(wrapped)[:5] == ["sudo", "-k", "-S", "-p", ""]
    assert shell.wrap_sudo(shell.kubeadm_version(), "password") == "kubeadm version -o short"


def test_read_only_allow_list() -> None:
    allowed = [shell.kubeadm_version(), shell.kubelet_version(), shell.apt_cache_madison(),
               shell.apt_mark_showhold(), shell.cat_repo_list(), shell.swapon_show(),
               shell.kubeadm_certs_check_expiration(True), shell.systemctl_is_active_kubelet(),
               shell.kubeadm_token_list(), shell.kubeadm_upgrade_plan("v1.35.2")]
    for cmd in allowed:
        assert shell.is_read_only(cmd.text), cmd.text
    refused = [shell.apt_get_update(), shell.apt_install({"kubeadm": "1.35.2-1.1"}),
               shell.set_repo_minor("v1.35"), shell.kubeadm_upgrade_apply("v1.35.2"),
               shell.systemctl_restart_kubelet(), shell.kubeadm_token_create(),
               shell.kubeadm_upload_certs(), shell.apt_mark("hold", "kubeadm")]
    for cmd in refused:
        assert not shell.is_read_only(cmd.text), cmd.text
    for sneaky in ["kubeadm version; reboot", "kubeadm version && reboot",
                   "apt-cache madison kubeadm | sh", "cat /etc/shadow", "kubelet --version\nreboot",
                   "sudo -n -- apt-get update"]:
        assert not shell.is_read_only(sneaky), sneaky


def test_redaction_keeps_token_ids_and_drops_secrets() -> None:
    key = "0f" * 32
    cmd = shell.kubeadm_token_create(certificate_key=key)
    assert key in cmd.text and key not in cmd.redacted()
    line = "kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef --certificate-key " + key
    red = shell.redact(line)
    assert "abcdef.<redacted>" in red and "0123456789abcdef" not in red and key not in red
    assert shell.redact("pw is hunter22", ["hunter22"]) == "pw is <redacted>"


def test_command_is_plain_data() -> None:
    cmd = Command("kubeadm version", secrets=("x",))
    assert not cmd.sudo and cmd.input is None and cmd.redacted() == "kubeadm version"
