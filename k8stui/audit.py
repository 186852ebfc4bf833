"""Append-only audit log: one JSON line per change made to a cluster or a host.

The log is written by the layers that send requests (Kubernetes API, SSH), so no operation can
change anything without leaving a line. Secrets must be redacted by the caller before they reach
`record` (tokens are passed as their public id only).
"""

from __future__ import annotations

import getpass
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from k8stui.paths import audit_log_path

_lock = threading.Lock()


def record(
    action: str,
    obj: str,
    *,
    context: str = "",
    result: str = "ok",
    kubectl: str | None = None,
    path: Path | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Append one entry and return it.

    `action` is a verb (cordon, evict, delete, ssh), `obj` what it acted on (node/x, pod/ns/y,
    host/z), `kubectl` the equivalent command line when there is one.
    """
    entry: dict[str, Any] = {
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "context": context,
        "user": _local_user(),
        "action": action,
        "object": obj,
        "result": result,
    }
    if kubectl:
        entry["kubectl"] = kubectl
    entry.update(extra)
    target = path or audit_log_path()
    line = json.dumps(entry, sort_keys=False) + "\n"
    with _lock:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(line)
    return entry


def read(path: Path | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    """The newest `limit` entries (all when None), oldest first. Unparseable lines are skipped."""
    target = path or audit_log_path()
    if not target.exists():
        return []
    with open(target, encoding="utf-8") as fh:
        lines = fh.readlines()
    if limit is not None:
        lines = lines[-limit:]
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "unknown")
