"""The user's settings: `~/.config/k8stui/config.yaml` (or `$XDG_CONFIG_HOME/k8stui/config.yaml`).

    readonly: false            # default for every context
    contexts:
      prod-admin:
        readonly: true         # this context always opens read-only
        namespace: payments    # the pods view starts in this namespace

A missing file means the defaults. An invalid file is one line naming the field
(`config ~/.config/k8stui/config.yaml: contexts.prod.readonly: must be true or false`), never a
traceback. No Textual here: the CLI reads it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from k8stui.errors import UserError
from k8stui.paths import config_file

TOP_KEYS = ("readonly", "contexts")
CONTEXT_KEYS = ("readonly", "namespace")


@dataclass
class ContextConfig:
    readonly: bool | None = None
    namespace: str | None = None


@dataclass
class Config:
    readonly: bool = False
    contexts: dict[str, ContextConfig] = field(default_factory=dict)
    path: Path | None = None

    def readonly_for(self, context: str | None) -> bool:
        """The configured read-only default for a context (the per-context value wins)."""
        c = self.contexts.get(context or "")
        if c is not None and c.readonly is not None:
            return c.readonly
        return self.readonly

    def readonly_source(self, context: str | None) -> str:
        """Which setting made the context read-only, for the banner."""
        c = self.contexts.get(context or "")
        if c is not None and c.readonly is not None:
            return f"config: contexts.{context}.readonly"
        return "config: readonly"

    def namespace_for(self, context: str | None) -> str | None:
        c = self.contexts.get(context or "")
        return c.namespace if c is not None else None


def _bool(value: Any, where: str, path: Path) -> bool:
    if isinstance(value, bool):
        return value
    raise UserError(f"config {path}: {where}: must be true or false (got {value!r})")


def parse_config(raw: Any, path: Path) -> Config:
    if raw is None:
        return Config(path=path)
    if not isinstance(raw, dict):
        raise UserError(f"config {path}: must be a mapping of settings (readonly, contexts)")
    for key in raw:
        if key not in TOP_KEYS:
            raise UserError(f"config {path}: {key}: unknown setting (known: {', '.join(TOP_KEYS)})")
    cfg = Config(path=path)
    if "readonly" in raw:
        cfg.readonly = _bool(raw["readonly"], "readonly", path)
    contexts = raw.get("contexts")
    if contexts is None:
        return cfg
    if not isinstance(contexts, dict):
        raise UserError(f"config {path}: contexts: must be a mapping of context name to settings")
    for name, settings in contexts.items():
        where = f"contexts.{name}"
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            raise UserError(f"config {path}: {where}: must be a mapping (readonly, namespace)")
        for key in settings:
            if key not in CONTEXT_KEYS:
                raise UserError(f"config {path}: {where}.{key}: unknown setting (known: {', '.join(CONTEXT_KEYS)})")
        cc = ContextConfig()
        if "readonly" in settings:
            cc.readonly = _bool(settings["readonly"], f"{where}.readonly", path)
        if "namespace" in settings:
            ns = settings["namespace"]
            if not isinstance(ns, str) or not ns:
                raise UserError(f"config {path}: {where}.namespace: must be a namespace name (got {ns!r})")
            cc.namespace = ns
        cfg.contexts[str(name)] = cc
    return cfg


def load_config(path: str | Path | None = None) -> Config:
    """Read the config file; a missing file gives the defaults."""
    p = Path(path).expanduser() if path else config_file()
    try:
        text = p.read_text()
    except FileNotFoundError:
        return Config(path=p)
    except OSError as e:
        raise UserError(f"config {p}: cannot read: {e.strerror}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" (line {mark.line + 1})" if mark is not None else ""
        raise UserError(f"config {p}: not valid YAML{at}: {getattr(e, 'problem', None) or e}") from None
    return parse_config(raw, p)
