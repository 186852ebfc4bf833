"""Where k8stui keeps its files (XDG base directories, honoured when set)."""

import os
from pathlib import Path


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(base) / "k8stui"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "k8stui"


def audit_log_path() -> Path:
    return state_dir() / "audit.jsonl"


def config_file() -> Path:
    return config_dir() / "config.yaml"


def inventory_file() -> Path:
    return config_dir() / "inventory.yaml"
