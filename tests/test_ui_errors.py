"""Bad input never ends in a traceback: unreachable server, bad or missing kubeconfig, unknown
context, rejected credentials and 403 on list show an error screen with retry; an invalid config
file stops `run_tui` with one line and exit status 1."""

from __future__ import annotations

import socket

import pytest
import yaml

from conftest import FAST
from k8stui.sim.cluster import SimThread
from k8stui.ui.launch import run_tui
from k8stui.ui.screens.error import ErrorScreen
from k8stui.ui.screens.nodes import NodesScreen
from ui_support import SIZE, make_app, screen_text, started, until


@pytest.fixture(autouse=True)
def _state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kubeconfig(path, server: str, token: str = "nope", context: str = "admin") -> None:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": context,
        "clusters": [{"name": "c", "cluster": {"server": server, "insecure-skip-tls-verify": True}}],
        "users": [{"name": "u", "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": "c", "user": "u"}}]}))


async def error_text(pilot) -> str:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ErrorScreen), what="the error screen")
    return app.screen.message


async def test_unreachable_server_then_retry_after_it_starts(tmp_path):
    port = free_port()
    path = tmp_path / "kubeconfig"
    kubeconfig(path, f"https://127.0.0.1:{port}")
    app = make_app(kubeconfig=path, context=None)
    async with app.run_test(size=SIZE) as pilot:
        msg = await error_text(pilot)
        assert msg.startswith("cannot reach the API server (admin at https://127.0.0.1:")
        text = await until(pilot, lambda: "Cannot connect" in screen_text(app) and screen_text(app), what="drawn")
        assert "r: retry" in text and "cannot reach the API server" in text
        # the server comes up where the kubeconfig points (and rewrites it with its credentials)
        sim = SimThread("seed", tmp_path / "sim", port=port, speed=FAST, kubeconfig_path=path).start()
        try:
            await pilot.press("r")
            await started(pilot, nodes=3)
            assert isinstance(app.screen, NodesScreen)
            assert "k8s-worker-1" in screen_text(app)
        finally:
            await pilot.press("ctrl+q")
            sim.stop()


async def test_missing_kubeconfig_and_unknown_context(tmp_path, seed_sim):
    app = make_app(kubeconfig=tmp_path / "nope.yaml", context=None)
    async with app.run_test(size=SIZE) as pilot:
        msg = await error_text(pilot)
        assert msg == f"kubeconfig {tmp_path / 'nope.yaml'}: no such file (use --kubeconfig PATH, or try `k8stui demo`)"
    bad = tmp_path / "bad.yaml"
    bad.write_text("clusters: [\n")
    app = make_app(kubeconfig=bad, context=None)
    async with app.run_test(size=SIZE) as pilot:
        assert "not valid YAML" in await error_text(pilot)
    app = make_app(seed_sim, context="prod")
    async with app.run_test(size=SIZE) as pilot:
        msg = await error_text(pilot)
        assert msg.startswith('context "prod" not found in') and "(have: admin, viewer)" in msg


async def test_rejected_credentials(tmp_path, seed_sim):
    path = tmp_path / "kubeconfig"
    kubeconfig(path, seed_sim.cluster.url, token="expired")
    app = make_app(kubeconfig=path, context=None)
    async with app.run_test(size=SIZE) as pilot:
        msg = await error_text(pilot)
        assert msg.startswith("unauthorized (admin at https://127.0.0.1:")
        assert msg.endswith("the credentials were rejected or have expired")


async def test_forbidden_list_shows_error_then_retry(seed_sim, monkeypatch):
    from k8stui.sim import auth

    allowed = auth.allowed

    def no_pod_lists(user, verb, res, sub):  # a user who may read nodes but not list pods
        if user.name == "viewer" and res is not None and res.plural == "pods" and verb in ("list", "watch"):
            return False
        return allowed(user, verb, res, sub)

    monkeypatch.setattr(auth, "allowed", no_pod_lists)
    app = make_app(seed_sim, context="viewer")
    async with app.run_test(size=SIZE) as pilot:
        msg = await error_text(pilot)
        assert msg.startswith("forbidden (viewer at https://")
        assert 'pods is forbidden: User "viewer" cannot list resource "pods"' in msg
        await until(pilot, lambda: "Cannot list pods" in screen_text(app), what="drawn")
        monkeypatch.setattr(auth, "allowed", allowed)  # RBAC fixed
        await pilot.press("r")
        await started(pilot, nodes=3, pods=5)
        assert isinstance(app.screen, NodesScreen)


def test_run_tui_invalid_config_is_one_line(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "config" / "k8stui" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("contexts:\n  prod:\n    readonly: maybe\n")
    assert run_tui(kubeconfig=tmp_path / "none") == 1
    err = capsys.readouterr().err
    assert err == f"error: config {cfg}: contexts.prod.readonly: must be true or false (got 'maybe')\n"
