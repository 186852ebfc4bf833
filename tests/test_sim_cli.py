"""`k8stui sim` as a user runs it: the ready line, the kubeconfig, signals, and bad input."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import yaml


def sim_cmd(tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "k8stui", "sim", "--kubeconfig", str(tmp_path / "kubeconfig"), *args]


def env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))


def test_ready_line_kubeconfig_and_sigterm(tmp_path):
    proc = subprocess.Popen(sim_cmd(tmp_path, "--port", "0", "--speed", "0.05"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env(tmp_path))
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith(f"ready kubeconfig={tmp_path / 'kubeconfig'} server=https://127.0.0.1:")
        cfg = yaml.safe_load((tmp_path / "kubeconfig").read_text())
        assert [c["name"] for c in cfg["contexts"]] == ["admin", "viewer"]
        assert cfg["current-context"] == "admin"
        assert cfg["clusters"][0]["cluster"]["certificate-authority-data"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_busy_port_is_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run(sim_cmd(tmp_path, "--port", str(port)), capture_output=True, text=True, timeout=60,
                           env=env(tmp_path))
    assert r.returncode == 1
    assert r.stderr == f"error: cannot listen on 127.0.0.1:{port}: address already in use\n"


def test_invalid_scenario_names_the_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nnodes:\n  - {name: cp-1, role: boss, internalIP: 10.0.0.1}\n")
    r = subprocess.run(sim_cmd(tmp_path, "--scenario", str(bad), "--port", "0"), capture_output=True, text=True,
                       timeout=60, env=env(tmp_path))
    assert r.returncode == 1
    assert r.stderr == f"error: {bad}: nodes[0].role: must be control-plane or worker, got 'boss'\n"


def test_unparseable_scenario_is_one_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: [unclosed\n")
    r = subprocess.run(sim_cmd(tmp_path, "--scenario", str(bad), "--port", "0"), capture_output=True, text=True,
                       timeout=60, env=env(tmp_path))
    assert r.returncode == 1
    assert r.stderr.startswith(f"error: {bad}: invalid YAML") and r.stderr.count("\n") == 1


def test_missing_scenario_and_bad_manifest(tmp_path):
    r = subprocess.run(sim_cmd(tmp_path, "--scenario", "nope", "--port", "0"), capture_output=True, text=True,
                       timeout=60, env=env(tmp_path))
    assert r.returncode == 1 and r.stderr.startswith("error: scenario nope: no such built-in scenario")
    bad = tmp_path / "obj.yaml"
    bad.write_text("name: obj\nnodes:\n  - {name: cp-1, role: control-plane, internalIP: 10.0.0.1}\n"
                   "objects:\n  - {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: default}, spec: {}}\n")
    r = subprocess.run(sim_cmd(tmp_path, "--scenario", str(bad), "--port", "0"), capture_output=True, text=True,
                       timeout=60, env=env(tmp_path))
    assert r.returncode == 1 and r.stderr.startswith(f"error: {bad}: objects[0]: ")
    assert "spec.containers" in r.stderr and r.stderr.count("\n") == 1
