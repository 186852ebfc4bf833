"""KUBECONFIG as kubectl reads it: the files merged with client-go's rules (`clientcmd/loader.go`),
compared with the real kubectl 1.35 reading the same files; connecting through a merged
KUBECONFIG; and the re-read on change watching every merged file."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from kubernetes.aio.client.exceptions import ApiException

from k8stui.errors import UserError
from k8stui.kube.connection import connect, kubeconfig_files
from k8stui.kube.kubeconfig import read_kubeconfig

# three files in three directories (and a missing one between them): overlapping names, a
# first file without a current-context and two later ones with different ones, relative paths
ONE = {
    "apiVersion": "v1", "kind": "Config",
    "clusters": [
        {"name": "shared", "cluster": {"server": "https://one.example:6443", "certificate-authority": "ca.crt"}},
        {"name": "only-one", "cluster": {"server": "https://only-one.example:6443"}},
    ],
    "users": [{"name": "shared-user", "user": {"client-certificate": "pki/user.crt", "client-key": "pki/user.key"}}],
    "contexts": [
        {"name": "first", "context": {"cluster": "shared", "user": "shared-user", "namespace": "ns-one"}},
        {"name": "dup", "context": {"cluster": "only-one", "user": "shared-user"}},
    ],
}
TWO = {
    "apiVersion": "v1", "kind": "Config", "current-context": "second",
    "clusters": [
        {"name": "shared", "cluster": {"server": "https://two.example:6443"}},  # loses to ONE's
        {"name": "only-two", "cluster": {"server": "https://only-two.example:6443",
                                         "certificate-authority": "../two-certs/ca.crt"}},
    ],
    "users": [
        {"name": "shared-user", "user": {"token": "from-two"}},  # loses, even its non-conflicting fields
        {"name": "two-user", "user": {"tokenFile": "token"}},
    ],
    "contexts": [
        {"name": "dup", "context": {"cluster": "only-two", "user": "two-user", "namespace": "lost"}},
        {"name": "second", "context": {"cluster": "only-two", "user": "two-user", "namespace": "ns-two"}},
    ],
}
THREE = {
    "apiVersion": "v1", "kind": "Config", "current-context": "third",
    "clusters": [{"name": "only-three", "cluster": {"server": "https://only-three.example:6443",
                                                    "certificate-authority": "ca.crt"}}],
    "users": [
        {"name": "two-user", "user": {"token": "from-three"}},
        {"name": "three-user", "user": {"client-certificate": "c.crt", "client-key": "c.key"}},
    ],
    "contexts": [
        {"name": "third", "context": {"cluster": "only-three", "user": "three-user"}},
        {"name": "no-such-cluster", "context": {"cluster": "nowhere", "user": "three-user"}},
        {"name": "no-such-user", "context": {"cluster": "only-three", "user": "nobody"}},
    ],
}
# files the relative references name, each with its own content (kubectl --flatten embeds them)
REFERENCED = {"one/ca.crt": "ca of one", "one/pki/user.crt": "cert of one", "one/pki/user.key": "key of one",
              "two-certs/ca.crt": "ca of two", "two/token": "token-of-two", "three/ca.crt": "ca of three",
              "three/c.crt": "cert of three", "three/c.key": "key of three"}


@pytest.fixture
def merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The files, and KUBECONFIG naming them with a missing file and an empty entry between."""
    files = {}
    for name, cfg in (("one", ONE), ("two", TWO), ("three", THREE)):
        (tmp_path / name).mkdir()
        files[name] = tmp_path / name / "config"
        files[name].write_text(yaml.safe_dump(cfg))
    for rel, content in REFERENCED.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(content + "\n")
    files["missing"] = tmp_path / "missing" / "config"
    env = os.pathsep.join(str(p) for p in (files["one"], files["missing"], "", files["two"], files["three"]))
    monkeypatch.setenv("KUBECONFIG", env)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "two")  # relative paths must not be read against the working directory
    return files


def kubectl_config(kubectl: Path, *args: str) -> subprocess.CompletedProcess:
    """kubectl with this process's KUBECONFIG and HOME (set by the fixture)."""
    return subprocess.run([str(kubectl), "config", *args], check=False, capture_output=True, text=True, timeout=30)


def table(out: str) -> list[list[str]]:
    """kubectl's tabwriter table cut at the header's column starts (cells may be empty)."""
    lines = out.splitlines()
    header = lines[0]
    starts = [i for i, ch in enumerate(header) if ch != " " and (i == 0 or header[i - 1] == " ")]
    bounds = list(zip(starts, starts[1:] + [None]))
    return [[line[a:b].strip() for a, b in bounds] for line in lines]


def written(path: Path, section: str, name: str) -> dict:
    """The entry as the file itself says it."""
    return next(e for e in yaml.safe_load(path.read_text())[section] if e["name"] == name)


def resolve_against(entry: dict, base: Path) -> dict:
    """kubectl's view of an entry (relative paths as written) with them resolved against `base`."""
    entry = json.loads(json.dumps(entry))
    for body in ("cluster", "user"):
        for key in ("certificate-authority", "client-certificate", "client-key", "tokenFile"):
            value = (entry.get(body) or {}).get(key)
            if value and not os.path.isabs(value):
                entry[body][key] = os.path.normpath(base / value)
    return entry


def test_get_contexts_is_kubectls_table(kubectl, merged):
    r = kubectl_config(kubectl, "get-contexts")
    assert r.returncode == 0, r.stderr
    theirs = table(r.stdout)
    info = read_kubeconfig(None)
    ours = [["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]]
    for name in sorted(info.contexts):
        ctx = info.context(name)
        ours.append(["*" if name == info.current else "", name, ctx.get("cluster", ""), ctx.get("user", ""),
                     ctx.get("namespace", "")])
    assert ours == theirs
    assert info.current == "second"  # the first file that sets one: TWO (ONE sets none)
    assert [r[1] for r in theirs if r[0] == "*"] == ["second"]


def test_view_merge_is_kubectls_merge(kubectl, merged):
    r = kubectl_config(kubectl, "view", "--merge", "-o", "json", "--raw")
    assert r.returncode == 0, r.stderr
    theirs = json.loads(r.stdout)
    info = read_kubeconfig(None)
    assert info.files == [merged["one"], merged["two"], merged["three"]]
    assert info.current == theirs["current-context"]
    for section in ("clusters", "users", "contexts"):
        kubectl_entries = {e["name"]: e for e in theirs[section]}
        assert sorted(kubectl_entries) == sorted(e["name"] for e in info.raw[section]), section
        for entry in info.raw[section]:
            origin = info.origin[section][entry["name"]]
            # the file that won by our rule is the one whose entry kubectl shows, whole
            assert kubectl_entries[entry["name"]] == written(origin, section, entry["name"]), entry["name"]
            # and our paths are kubectl's, resolved against that file's directory
            assert entry == resolve_against(kubectl_entries[entry["name"]], origin.parent), entry["name"]
    assert info.origin["clusters"]["shared"] == merged["one"]
    assert info.origin["users"]["two-user"] == merged["two"]
    assert info.origin["contexts"]["dup"] == merged["one"]


@pytest.mark.parametrize("context", ["first", "second", "third"])
def test_relative_paths_resolve_to_the_files_kubectl_reads(kubectl, merged, context):
    """--flatten embeds the bytes of the files kubectl resolved: they are the bytes of ours."""
    r = kubectl_config(kubectl, "view", "--minify", "--flatten", "--context", context, "-o", "json")
    assert r.returncode == 0, r.stderr
    theirs = json.loads(r.stdout)
    info = read_kubeconfig(None)
    ctx = info.context(context)
    checked = 0
    for section, body, name, keys in (("clusters", "cluster", ctx["cluster"], ["certificate-authority"]),
                                      ("users", "user", ctx["user"], ["client-certificate", "client-key"])):
        embedded = theirs[section][0][body]
        for key in keys:
            path = info.entry(section, name).get(key)
            if path:
                assert os.path.isabs(path)
                assert base64.b64decode(embedded[f"{key}-data"]) == Path(path).read_bytes(), (context, key)
                checked += 1
    assert checked >= 1


def test_missing_cluster_or_user_is_one_line(kubectl, merged):
    files = f"files: {merged['one']}, {merged['two']}, {merged['three']}"
    info = read_kubeconfig(None)
    with pytest.raises(UserError) as e:
        info.usable_context("no-such-cluster")
    assert str(e.value) == f'context "no-such-cluster" refers to cluster "nowhere", which is not in the kubeconfig ({files})'
    with pytest.raises(UserError) as e:
        info.usable_context("no-such-user")
    assert str(e.value) == f'context "no-such-user" refers to user "nobody", which is not in the kubeconfig ({files})'
    # kubectl says the same in its words when asked for just that context
    r = kubectl_config(kubectl, "view", "--minify", "--context", "no-such-cluster")
    assert r.returncode != 0 and r.stderr == "error: cannot locate cluster nowhere\n"
    r = kubectl_config(kubectl, "view", "--minify", "--context", "no-such-user")
    assert r.returncode != 0 and r.stderr == "error: cannot locate user nobody\n"
    # and the CLI prints the one line, no traceback
    r = subprocess.run([sys.executable, "-m", "k8stui", "get", "nodes", "--context", "no-such-user"],
                       check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr == f'error: context "no-such-user" refers to user "nobody", which is not in the kubeconfig ({files})\n'


def test_explicit_path_is_that_file_alone(merged):
    info = read_kubeconfig(merged["three"])
    assert info.files == [merged["three"]] and info.explicit
    assert info.current == "third" and "second" not in info.contexts
    with pytest.raises(UserError) as e:
        read_kubeconfig(merged["missing"])  # kubectl: an explicit path must exist
    assert str(e.value) == f"kubeconfig {merged['missing']}: no such file (use --kubeconfig PATH, or try `k8stui demo`)"


def test_unusable_files(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    with pytest.raises(UserError) as e:
        read_kubeconfig(None)
    assert str(e.value).startswith(f"kubeconfig: none of the files of KUBECONFIG exists: {tmp_path / 'a'}, ")
    (tmp_path / "b").write_text("clusters: [\n")  # a broken file is an error, not skipped (kubectl too)
    with pytest.raises(UserError) as e:
        read_kubeconfig(None)
    assert str(e.value).startswith(f"kubeconfig {tmp_path / 'b'}: not valid YAML")
    (tmp_path / "b").write_text("contexts: {a: b}\n")
    with pytest.raises(UserError, match=r": contexts: expected a list$"):
        read_kubeconfig(None)
    (tmp_path / "b").write_text("")  # an empty file is an empty config
    with pytest.raises(UserError, match=r"has no contexts$"):
        read_kubeconfig(None)


def test_exec_command_with_a_path_is_resolved_against_its_file(tmp_path):
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump({
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "rel", "user": {"exec": {"command": "bin/plugin", "apiVersion": "v1"}}},
                  {"name": "on-path", "user": {"exec": {"command": "aws", "apiVersion": "v1"}}}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "rel"}}]}))
    info = read_kubeconfig(path)
    assert info.entry("users", "rel")["exec"]["command"] == str(tmp_path / "bin" / "plugin")
    assert info.entry("users", "on-path")["exec"]["command"] == "aws"  # looked up on PATH, as kubectl


# ---- against the simulator ----------------------------------------------------------------------

def sim_files(tmp_path: Path, sim, token: str | None = None) -> tuple[Path, Path, Path]:
    """KUBECONFIG = elsewhere:missing:the simulator's (its CA as a file next to it, named
    relatively); the first file's current context points at nothing that answers."""
    (tmp_path / "first").mkdir(exist_ok=True)
    (tmp_path / "second").mkdir(exist_ok=True)
    first = tmp_path / "first" / "config"
    first.write_text(yaml.safe_dump({
        "current-context": "elsewhere",
        "clusters": [{"name": "elsewhere", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "nobody", "user": {"token": "x"}}],
        "contexts": [{"name": "elsewhere", "context": {"cluster": "elsewhere", "user": "nobody"}}]}))
    second = tmp_path / "second" / "config"
    write_sim_config(second, sim, token)
    return first, tmp_path / "missing" / "config", second


def write_sim_config(path: Path, sim, token: str | None) -> None:
    cfg = sim.cluster.kubeconfig()
    (path.parent / "ca.crt").write_bytes(base64.b64decode(cfg["clusters"][0]["cluster"].pop("certificate-authority-data")))
    cfg["clusters"][0]["cluster"]["certificate-authority"] = "ca.crt"
    if token is not None:
        cfg["users"][0]["user"]["token"] = token
    path.write_text(yaml.safe_dump(cfg))


async def test_connects_to_a_context_of_the_second_file(tmp_path, seed_sim, monkeypatch):
    files = sim_files(tmp_path, seed_sim)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(str(p) for p in files))
    monkeypatch.chdir(tmp_path)  # ca.crt is not here: it must be read next to its kubeconfig
    conn = await connect(None, "admin")
    try:
        assert conn.server == seed_sim.cluster.url
        nodes = await conn.core().list_node()
        assert {n.metadata.name for n in nodes.items} >= {"k8s-master", "k8s-worker-1"}
        assert conn.kubeconfig.contexts == ["elsewhere", "admin", "viewer"]
    finally:
        await conn.close()
    conn = await connect(None, None, check=False)  # the first file's current-context
    try:
        assert (conn.context, conn.server) == ("elsewhere", "https://127.0.0.1:1")
    finally:
        await conn.close()


async def test_refresh_notices_a_change_in_the_second_file(tmp_path, seed_sim, monkeypatch):
    first, missing, second = sim_files(tmp_path, seed_sim, token="not-the-admin-token")
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(str(p) for p in (first, missing, second)))
    conn = await connect(None, "admin", check=False)
    try:
        assert kubeconfig_files(conn.kubeconfig, "admin") == [first, missing, second, second.parent / "ca.crt"]
        with pytest.raises(ApiException) as e:
            await conn.core().list_node()
        assert e.value.status == 401
        assert not conn.sources_changed()
        assert not await conn.refresh(e.value)  # nothing changed: the same client stays
        write_sim_config(second, seed_sim, token=None)  # the right token, in the second file
        assert conn.sources_changed()
        assert await conn.refresh(e.value)
        assert conn.generation == 1
        nodes = await conn.core().list_node()
        assert nodes.items
        missing.parent.mkdir()
        missing.write_text("{}\n")  # a file of KUBECONFIG that appears is a change too
        assert conn.sources_changed()
    finally:
        await conn.close()


async def test_exec_plugin_and_token_file_of_the_second_file(tmp_path, seed_sim, kubectl, monkeypatch):
    """Credentials named relatively in the second file: an exec plugin (its command has a path)
    and a token file; k8stui and kubectl both use them through the merged KUBECONFIG."""
    first, missing, second = sim_files(tmp_path, seed_sim)
    cfg = yaml.safe_load(second.read_text())
    tokens = {u["name"]: u["user"]["token"] for u in cfg["users"]}
    credential = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {"token": tokens["admin"]}}
    plugin = second.parent / "bin" / "credential"
    plugin.parent.mkdir()
    plugin.write_text(f"#!/bin/sh\necho '{json.dumps(credential)}'\n")
    plugin.chmod(0o755)
    (second.parent / "viewer.token").write_text(tokens["viewer"])
    cfg["users"] = [
        {"name": "admin", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1",
                                            "command": "bin/credential", "interactiveMode": "Never"}}},
        {"name": "viewer", "user": {"tokenFile": "viewer.token"}}]
    second.write_text(yaml.safe_dump(cfg))
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(str(p) for p in (first, missing, second)))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for context, may_patch in (("admin", True), ("viewer", False)):
        conn = await connect(None, context)
        try:
            assert await conn.can("patch", "nodes") is may_patch, context
        finally:
            await conn.close()
        r = await asyncio.to_thread(subprocess.run, [str(kubectl), "--context", context, "auth", "can-i", "patch",
                                                     "nodes"], check=False, capture_output=True, text=True, timeout=30)
        assert r.stdout.strip() == ("yes" if may_patch else "no"), (context, r.stderr)


def test_error_screen_fingerprint_covers_every_file_even_when_unusable(merged):
    """The error screen reconnects when the kubeconfig changes: with KUBECONFIG that is any of
    its files, also while the merge fails (here: the first file is broken)."""
    from k8stui.kube.connection import current_fingerprint

    before = current_fingerprint(None, None)
    merged["three"].write_text(merged["three"].read_text() + "# edited\n")
    assert current_fingerprint(None, None) != before
    merged["one"].write_text("clusters: [\n")
    with pytest.raises(UserError):
        read_kubeconfig(None)
    before = current_fingerprint(None, None)
    merged["two"].write_text(merged["two"].read_text() + "# edited\n")
    assert current_fingerprint(None, None) != before
