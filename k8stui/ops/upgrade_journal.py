"""The upgrade journal: every step of every node, written before and after it runs.

One JSON file per cluster and target:
`$XDG_STATE_HOME/k8stui/upgrades/<cluster>-<key>-<target>.json`
(`~/.local/state/k8stui/upgrades/kubernetes-3f9a0c1d2e4b5a67-v1.35.2.json`). The cluster name alone
does not tell clusters apart (kubeadm names nearly every cluster `kubernetes`), so `<key>` is the
start of sha256(API server URL, sha256 of the cluster CA certificate's DER) (`cluster_key`): a
second cluster with the same name, or a rebuilt one behind the same URL with a new CA, gets a
journal of its own. Journals of the older `<cluster>-<target>.json` form carry only the server
URL: one whose server matches is read (a plan shows it) and moved to the keyed name by the next
run; one of another server is ignored. Each write goes to a temporary file in the same
directory, is flushed to disk, and replaces the journal with `os.replace`, so a crash leaves
either the old or the new journal, never a torn one.

    {"version": 1, "cluster": ..., "server": ..., "caSha256": ..., "target": "v1.35.2",
     "targetMinor": "v1.35", "from": "v1.34.3" (the cluster version the first run started from),
     "packages": {"kubeadm": "1.35.2-1.1", ...}, "status": "running|failed|stopped|done",
     "created": ..., "updated": ..., "options": {...},
     "nodes": [{"name": ..., "role": ..., "action": "apply|node|worker", "status":
                "pending|running|failed|done", "steps": [{"id": ..., "title": ..., "status":
                "pending|running|done|failed|skipped", "started": ..., "finished": ...,
                "note": ..., "error": ..., "commands": [{"command": ..., "exitStatus": ...,
                "output": [[stream, line], ...]}]}]}]}

A step whose status is `running` when a run starts was interrupted (k8stui or the SSH connection
died): it runs again, after re-checking its effect. `failed` steps run again too (retry); `done`
and `skipped` ones do not. Output is kept per command (the last `MAX_LINES` lines).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from k8stui.errors import UserError
from k8stui.paths import state_dir

VERSION = 1
MAX_LINES = 400
DONE_STATES = ("done", "skipped")


def journal_dir() -> Path:
    return state_dir() / "upgrades"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "cluster"


_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)


def ca_sha256(ca: bytes) -> str:
    """sha256 (hex) of a CA certificate's DER: `ca` is PEM (a bundle: its certificates' DER in
    order) or DER."""
    blocks = _PEM_CERT.findall(ca)
    der = ca
    if blocks:
        try:
            der = b"".join(base64.b64decode(b"".join(b.split()), validate=True) for b in blocks)
        except (binascii.Error, ValueError):
            der = ca  # not decodable: the bytes as they are still tell two CAs apart
    return hashlib.sha256(der).hexdigest()


def cluster_key(server: str, ca_fingerprint: str | None) -> str:
    """16 hex digits naming one cluster: its API server URL and its CA (the URL alone without one)."""
    return hashlib.sha256(f"{server}\n{ca_fingerprint or ''}".encode()).hexdigest()[:16]


def journal_path(cluster: str, target: str, directory: Path | None = None, *, server: str,
                 ca_fingerprint: str | None) -> Path:
    key = cluster_key(server, ca_fingerprint)
    return Path(directory or journal_dir()) / f"{_safe(cluster)}-{key}-{_safe(target)}.json"


def legacy_journal_path(cluster: str, target: str, directory: Path | None = None) -> Path:
    """Where journals were kept before they were keyed by server and CA."""
    return Path(directory or journal_dir()) / f"{_safe(cluster)}-{_safe(target)}.json"


def plan_journal_path(plan: Any, directory: Path | None = None) -> Path:
    return journal_path(plan.cluster, plan.target, directory, server=plan.server, ca_fingerprint=plan.ca_sha256)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Journal:
    def __init__(self, path: Path, data: dict[str, Any]):
        self.path = path
        self.data = data

    # ---- files ---------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> "Journal | None":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise UserError(f"upgrade journal {path}: unreadable ({e}); move it away to start over") from None
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("nodes"), list):
            raise UserError(f"upgrade journal {path}: not a k8stui upgrade journal (version {VERSION})")
        return cls(path, data)

    def save(self) -> None:
        self.data["updated"] = _now()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.data, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    # ---- creation / merging ----------------------------------------------------------------------

    @classmethod
    def for_plan(cls, plan: Any, directory: Path | None = None) -> "Journal":
        """The plan's journal: a new one, or the existing one for the same cluster and target with the
        plan's (newly selected) nodes merged in. A legacy journal of this server moves to the keyed
        name; a journal recording another server or CA is refused."""
        path = plan_journal_path(plan, directory)
        j = cls.load(path)
        if j is not None and not j.belongs_to(plan):
            raise UserError(f"upgrade journal {path} belongs to {j.data.get('server')} (CA sha256 "
                            f"{j.data.get('caSha256') or 'unknown'}), not {plan.server}: move it away if this "
                            "really is the same cluster")
        legacy = None
        if j is None:
            legacy = _legacy_journal(plan, directory)
            if legacy is not None:
                j = cls(path, legacy.data)
        if j is None:
            j = cls(path, {"version": VERSION, "cluster": plan.cluster, "server": plan.server,
                           "caSha256": plan.ca_sha256, "context": plan.context, "target": plan.target,
                           "targetMinor": plan.target_minor, "from": plan.start, "packages": dict(plan.packages),
                           "kind": plan.kind, "status": "new", "created": _now(), "updated": _now(),
                           "nodes": []})
        j.data["caSha256"] = plan.ca_sha256
        j.data.setdefault("from", plan.start)
        j.merge(plan)
        if legacy is not None:  # the keyed journal first, then the old name goes: never neither
            j.save()
            legacy.path.unlink(missing_ok=True)
        return j

    def belongs_to(self, plan: Any) -> bool:
        """Recorded for this plan's API server and CA (a journal without a CA recorded: the server)."""
        ca = self.data.get("caSha256")
        return self.data.get("server") in (None, plan.server) and (ca is None or ca == plan.ca_sha256)

    def merge(self, plan: Any) -> None:
        known = {n["name"] for n in self.data["nodes"]}
        for n in plan.nodes:
            if n.name in known:
                continue
            self.data["nodes"].append({
                "name": n.name, "role": n.role, "action": n.action,
                "status": "done" if n.up_to_date else "pending",
                "note": "already at the target" if n.up_to_date else "",
                "steps": [{"id": s.id, "title": s.title, "commands": [], "display": s.commands,
                           "status": "pending"} for s in n.steps]})
        # keep kubeadm's order: control planes (apply first) before workers, as planned
        order = {n.name: i for i, n in enumerate(plan.nodes)}
        self.data["nodes"].sort(key=lambda n: order.get(n["name"], len(order)))

    # ---- reading -----------------------------------------------------------------------------------

    @property
    def target(self) -> str:
        return self.data["target"]

    @property
    def packages(self) -> dict[str, str]:
        return self.data["packages"]

    @property
    def nodes(self) -> list[dict[str, Any]]:
        return self.data["nodes"]

    def node(self, name: str) -> dict[str, Any]:
        for n in self.nodes:
            if n["name"] == name:
                return n
        raise KeyError(name)

    def step(self, node: str, step: str) -> dict[str, Any]:
        for s in self.node(node)["steps"]:
            if s["id"] == step:
                return s
        raise KeyError((node, step))

    def pending(self) -> list[dict[str, Any]]:
        return [n for n in self.nodes if n["status"] != "done"]

    def first_unfinished(self) -> tuple[str, str] | None:
        for n in self.nodes:
            for s in n["steps"]:
                if s["status"] not in DONE_STATES:
                    return n["name"], s["id"]
        return None

    def resume_info(self) -> dict[str, Any] | None:
        """What a new run would pick up (None when the journal is finished)."""
        if self.data.get("status") == "done" or not self.pending():
            return None
        started = [n["name"] for n in self.nodes if any(s["status"] != "pending" for s in n["steps"])
                   and n["status"] != "done"]
        at = self.first_unfinished()
        failed = next(({"node": n["name"], "step": s["id"], "error": s.get("error", "")}
                       for n in self.nodes for s in n["steps"] if s["status"] in ("failed", "running")), None)
        return {"path": str(self.path), "status": self.data.get("status"), "in_progress": started,
                "at": {"node": at[0], "step": at[1]} if at else None, "interrupted": failed,
                "done": [n["name"] for n in self.nodes if n["status"] == "done"]}

    # ---- recording (the runner calls these; each one saves) ---------------------------------------

    def set_status(self, status: str) -> None:
        self.data["status"] = status
        self.save()

    def node_status(self, node: str, status: str, note: str | None = None) -> None:
        n = self.node(node)
        n["status"] = status
        if note is not None:
            n["note"] = note
        self.save()

    def step_started(self, node: str, step: str) -> None:
        s = self.step(node, step)
        s.update(status="running", started=_now(), finished=None, error=None, note=None)
        s["attempts"] = s.get("attempts", 0) + 1
        s["commands"] = []
        self.node(node)["status"] = "running"
        self.save()

    def command_started(self, node: str, step: str, command: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"command": command, "exitStatus": None, "output": []}
        self.step(node, step)["commands"].append(entry)
        return entry

    @staticmethod
    def add_line(entry: dict[str, Any], stream: str, line: str) -> None:
        out = entry["output"]
        out.append([stream, line])
        if len(out) > MAX_LINES:
            del out[: len(out) - MAX_LINES]
            entry["truncated"] = True

    def command_finished(self, entry: dict[str, Any], exit_status: int | None) -> None:
        entry["exitStatus"] = exit_status
        self.save()

    def step_finished(self, node: str, step: str, status: str = "done", note: str | None = None,
                      error: str | None = None) -> None:
        s = self.step(node, step)
        s.update(status=status, finished=_now())
        if note is not None:
            s["note"] = note
        if error is not None:
            s["error"] = error
        self.save()


def _legacy_journal(plan: Any, directory: Path | None) -> "Journal | None":
    """An old-format journal of this cluster name and target, if it records this API server."""
    try:
        j = Journal.load(legacy_journal_path(plan.cluster, plan.target, directory))
    except UserError:
        return None  # unreadable: it is not this cluster's to resume
    if j is None or j.data.get("server") != plan.server or j.data.get("caSha256") not in (None, plan.ca_sha256):
        return None
    return j


def find_journal(plan: Any, directory: Path | None = None) -> "Journal | None":
    """This cluster's journal for the plan's target, in whatever state (read-only: moves nothing)."""
    if not plan.target:
        return None
    j = Journal.load(plan_journal_path(plan, directory))
    if j is not None:
        return j if j.belongs_to(plan) else None
    return _legacy_journal(plan, directory)


def find_resumable(plan: Any, directory: Path | None = None) -> dict[str, Any] | None:
    """The unfinished journal of this cluster and target, summarised (None if there is none)."""
    j = find_journal(plan, directory)
    return j.resume_info() if j is not None else None
