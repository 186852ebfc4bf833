"""`y`: the selected object as YAML, fetched fresh with one GET (managedFields left out, as
`kubectl get -o yaml` does). Secrets are never shown."""

from __future__ import annotations

import json

import yaml
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static, TextArea

from k8stui.errors import UserError
from k8stui.kube.connection import Connection, explain
from k8stui.ui.screens.command import CommandScreen
from k8stui.sanitize import sanitize_lines
from k8stui.ui.safe import markup_safe


async def fetch_object(conn: Connection, kind: str, namespace: str, name: str) -> dict:
    """GET one object as the server has it now (raw JSON, not the client's models)."""
    if kind == "Secret":
        raise UserError("secrets are not shown")
    core = conn.core()
    if kind == "Node":
        resp = await core.read_node_without_preload_content(name)
    elif kind == "Pod":
        resp = await core.read_namespaced_pod_without_preload_content(name, namespace)
    else:
        raise UserError(f"no YAML view for {kind}")
    body = await resp.read()
    if resp.status >= 400:
        from kubernetes.aio.client.exceptions import ApiException

        raise ApiException(status=resp.status, reason=resp.reason, body=body.decode(errors="replace"))
    return json.loads(body)


def to_yaml(obj: dict) -> str:
    obj = dict(obj)
    meta = dict(obj.get("metadata") or {})
    meta.pop("managedFields", None)
    obj["metadata"] = meta
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, allow_unicode=True)


class YamlScreen(CommandScreen):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, conn: Connection, kind: str, namespace: str, name: str):
        super().__init__()
        self.conn, self.kind, self.namespace, self.object_name = conn, kind, namespace, name
        self.text = ""

    @property
    def label(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind.lower()}/{where}{self.object_name}"

    def compose(self) -> ComposeResult:
        yield Static(f"[b]YAML[/b]  ·  {markup_safe(self.label)}  ·  loading…", id="crumbs")
        yield TextArea("", read_only=True, show_line_numbers=True, id="yaml")
        yield self.command_prompt()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#yaml", TextArea).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(exclusive=True, group="yaml")
    async def _load(self) -> None:
        crumbs = self.query_one("#crumbs", Static)
        try:
            obj = await fetch_object(self.conn, self.kind, self.namespace, self.object_name)
        except Exception as e:
            msg = str(explain(e, self.conn))
            crumbs.update(f"[b]YAML[/b]  ·  {markup_safe(self.label)}  ·  [$error]{markup_safe(msg)}[/]")
            self.notify(msg, severity="error")
            return
        self.text = to_yaml(obj)
        # PyYAML leaves C1 controls, bidi overrides and zero-width characters unquoted (allow_unicode)
        # and the TextArea draws whatever it holds: shown as visible escapes, never emitted
        self.query_one("#yaml", TextArea).load_text(sanitize_lines(self.text))
        rv = (obj.get("metadata") or {}).get("resourceVersion", "")
        crumbs.update(f"[b]YAML[/b]  ·  {markup_safe(self.label)}  ·  resourceVersion {markup_safe(rv)}")
