"""The kubeconfig as kubectl reads it: which files, and how they merge.

A port of client-go's `ClientConfigLoadingRules` (`tools/clientcmd/loader.go`):
- `--kubeconfig PATH` is the explicit path: that file alone, and it must exist;
- else every file of `KUBECONFIG` (os.pathsep-separated; empty entries and repeats dropped, as
  `NewDefaultClientConfigLoadingRules` does), else `~/.kube/config`;
- `Load`: missing files are skipped; a file that cannot be read or parsed is an error; for the
  maps (clusters, users, contexts) the first file to set a name wins and "even non-conflicting
  entries from the second file's" entry of that name are discarded; `current-context` and the
  preferences come from the first file that sets them (non-map values are merged in reverse
  order, so the earliest non-empty value is the one left);
- `ResolveLocalPaths`: relative file references of a cluster (certificate-authority) or user
  (client-certificate, client-key, tokenFile, and an exec command that contains a path
  separator) are made absolute against the directory of the file that entry came from.

The merged dict (paths already absolute) is what the official client's `KubeConfigLoader` is
built from, so the Python client sees exactly the configuration kubectl would use.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from k8stui.errors import UserError

DEFAULT_KUBECONFIG = Path("~/.kube/config")
# client-go's GetClusterFileReferences / GetAuthInfoFileReferences
CLUSTER_FILES = ("certificate-authority",)
USER_FILES = ("client-certificate", "client-key", "tokenFile")
# (section of the kubeconfig, the key of each entry's body)
SECTIONS = (("clusters", "cluster"), ("users", "user"), ("contexts", "context"))
MISSING_HINT = "(use --kubeconfig PATH, or try `k8stui demo`)"


@dataclass
class KubeconfigInfo:
    """The merged kubeconfig and where each part came from."""

    path: Path  # the first file that was read
    contexts: list[str]
    current: str
    raw: dict = field(repr=False, default_factory=dict)  # merged, relative paths made absolute
    files: list[Path] = field(default_factory=list)  # the files read, first first
    candidates: list[Path] = field(default_factory=list)  # every file looked at, missing ones too
    explicit: bool = True  # --kubeconfig PATH (that file only, it must exist)
    origin: dict[str, dict[str, Path]] = field(repr=False, default_factory=dict)  # section -> name -> file

    @property
    def label(self) -> str:
        """The files, for messages: one path, or the merged ones joined by commas."""
        return ", ".join(str(p) for p in self.files) if self.files else str(self.path)

    def context(self, name: str) -> dict:
        for c in self.raw.get("contexts") or []:
            if c.get("name") == name:
                return c.get("context") or {}
        raise UserError(f'context "{name}" not found in {self.label} (have: {", ".join(self.contexts) or "none"})')

    def entry(self, section: str, name: Any) -> dict | None:
        """The body of the cluster or user called `name` (None when the kubeconfig has none)."""
        body = dict(SECTIONS)[section]
        for item in self.raw.get(section) or []:
            if item.get("name") == name:
                return item.get(body) if isinstance(item.get(body), dict) else {}
        return None

    def usable_context(self, name: str) -> dict:
        """The context, when the cluster and user it names are in the kubeconfig; else one line
        (kubectl's `config view --minify` says "cannot locate cluster y")."""
        ctx = self.context(name)
        cluster = ctx.get("cluster")
        if not cluster:
            raise UserError(f'context "{name}" names no cluster (files: {self.label})')
        for section, what, value in (("clusters", "cluster", cluster), ("users", "user", ctx.get("user"))):
            if value and self.entry(section, value) is None:
                raise UserError(f'context "{name}" refers to {what} "{value}", which is not in the kubeconfig '
                                f'(files: {self.label})')
        return ctx


def kubeconfig_sources(path: str | Path | None) -> tuple[list[Path], bool]:
    """(the files to read, whether it is the explicit path) as kubectl chooses them."""
    if path:
        return [Path(path).expanduser()], True
    env = os.environ.get("KUBECONFIG")
    if env:
        files: list[Path] = []
        for entry in env.split(os.pathsep):
            p = Path(entry).expanduser() if entry else None
            if p is not None and p not in files:
                files.append(p)
        return files, False
    return [DEFAULT_KUBECONFIG.expanduser()], False


def kubeconfig_path(path: str | Path | None) -> Path:
    """The first file kubectl would look at (for messages and callers that want one file)."""
    files, _ = kubeconfig_sources(path)
    return files[0] if files else DEFAULT_KUBECONFIG.expanduser()


def read_kubeconfig(path: str | Path | None) -> KubeconfigInfo:
    """Read and merge the kubeconfig kubectl would use for `--kubeconfig path` (None: none given)."""
    files, explicit = kubeconfig_sources(path)
    return load_kubeconfig(files, explicit)


def reread_kubeconfig(info: KubeconfigInfo) -> KubeconfigInfo:
    """The same files read again (they may have changed, appeared or gone)."""
    return load_kubeconfig(info.candidates, info.explicit)


def load_kubeconfig(candidates: list[Path], explicit: bool) -> KubeconfigInfo:
    loaded = [(p, cfg) for p in candidates if (cfg := _read_file(p, must_exist=explicit)) is not None]
    if not loaded:
        if len(candidates) == 1:
            raise UserError(f"kubeconfig {candidates[0]}: no such file {MISSING_HINT}")
        listed = ", ".join(str(p) for p in candidates) or "(empty)"
        raise UserError(f"kubeconfig: none of the files of KUBECONFIG exists: {listed} {MISSING_HINT}")
    raw, origin = merge_kubeconfigs(loaded)
    files = [p for p, _ in loaded]
    label = ", ".join(str(p) for p in files)
    names = [c["name"] for c in raw["contexts"]]
    if not names:
        raise UserError(f"kubeconfig {label}: has no contexts")
    return KubeconfigInfo(files[0], names, raw["current-context"] or names[0], raw, files, list(candidates),
                          explicit, origin)


def merge_kubeconfigs(loaded: list[tuple[Path, dict]]) -> tuple[dict, dict[str, dict[str, Path]]]:
    """client-go's `Load` merge of parsed files (first first): the merged dict, and which file
    each cluster, user and context came from."""
    merged: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "preferences": {},
                              "clusters": [], "users": [], "contexts": [], "current-context": ""}
    origin: dict[str, dict[str, Path]] = {section: {} for section, _ in SECTIONS}
    for path, cfg in loaded:
        base = os.path.abspath(path.parent)
        for section, body in SECTIONS:
            for item in cfg.get(section) or []:
                if item["name"] in origin[section]:
                    continue  # the first file to set a name wins, the whole entry
                origin[section][item["name"]] = path
                merged[section].append(_resolved(item, body, base))
        if not merged["current-context"] and cfg.get("current-context"):
            merged["current-context"] = cfg["current-context"]
        for key, value in (cfg.get("preferences") or {}).items():
            if value and not merged["preferences"].get(key):
                merged["preferences"][key] = copy.deepcopy(value)
    return merged, origin


def _resolved(item: dict, body: str, base: str) -> dict:
    """A copy of a cluster or user entry with its relative file references made absolute
    against `base` (`ResolveLocalPaths`: filepath.Join, which also cleans the path)."""
    item = copy.deepcopy(item)
    inner = item.get(body)
    if not isinstance(inner, dict):
        return item
    keys = CLUSTER_FILES if body == "cluster" else USER_FILES if body == "user" else ()
    for key in keys:
        if key in inner:
            inner[key] = _absolute(inner[key], base)
    command = (inner.get("exec") or {}).get("command") if isinstance(inner.get("exec"), dict) else None
    if isinstance(command, str) and os.sep in command:  # a PATH-based command is looked up, not resolved
        inner["exec"]["command"] = _absolute(command, base)
    return item


def _absolute(value: Any, base: str) -> Any:
    if isinstance(value, str) and value and not os.path.isabs(value):
        return os.path.normpath(os.path.join(base, value))
    return value


def _read_file(path: Path, must_exist: bool) -> dict | None:
    """One kubeconfig file parsed (an empty file is an empty config), None when it does not
    exist and need not; anything unusable is one line naming the file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        if must_exist:
            raise UserError(f"kubeconfig {path}: no such file {MISSING_HINT}") from None
        return None
    except OSError as e:
        raise UserError(f"kubeconfig {path}: cannot read: {e.strerror}") from None
    try:
        cfg = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise UserError(f"kubeconfig {path}: not valid YAML: {getattr(e, 'problem', e)}") from None
    if cfg is None:
        return {}
    if not isinstance(cfg, dict):
        raise UserError(f"kubeconfig {path}: not a kubeconfig (expected a mapping with clusters, users, contexts)")
    for section, body in SECTIONS:
        items = cfg.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise UserError(f"kubeconfig {path}: {section}: expected a list")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise UserError(f"kubeconfig {path}: {section}[{i}]: expected a name and a {body}")
    return cfg
