"""The SSH inventory: how to reach each cluster node (`~/.config/k8stui/inventory.yaml`).

    defaults: {user: ubuntu, port: 22, identity_file: ~/.ssh/id_ed25519,
               known_hosts: ~/.ssh/known_hosts, sudo: nopasswd}
    nodes:
      k8s-master: {host: 10.0.0.10}
      k8s-worker-1: {host: 10.0.0.11, port: 2222, jump: bastion.example.com}

`sudo` is `none` (the login user is root), `nopasswd` or `password` (asked once, kept in memory).
`jump` is `[user@]host[:port]` or the name of another inventory node (ProxyJump). A node that is
not listed, or listed without `host`, is reached at its InternalIP with the defaults. Relative
paths are taken relative to the inventory file. Errors are one line naming the field, e.g.
`inventory.yaml: nodes.k8s-worker-1.port: must be an integer 1-65535`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from k8stui import paths
from k8stui.errors import UserError
from k8stui.hosts import shell
from k8stui.hosts.shell import SUDO_MODES, SudoMode


class InventoryError(UserError):
    """The inventory file is missing, unreadable or invalid."""


@dataclass(frozen=True)
class Defaults:
    user: str = "ubuntu"
    port: int = 22
    # Resolved when an inventory is made, so a changed HOME is honoured.
    identity_file: Path = field(default_factory=lambda: Path.home() / ".ssh" / "id_ed25519")
    known_hosts: Path = field(default_factory=lambda: Path.home() / ".ssh" / "known_hosts")
    sudo: SudoMode = "nopasswd"
    jump: str | None = None


@dataclass(frozen=True)
class HostSpec:
    """Everything needed to open an SSH connection to one node (or jump host)."""

    node: str
    host: str
    port: int
    user: str
    identity_file: Path
    known_hosts: Path
    sudo: SudoMode
    jump: HostSpec | None = None
    from_inventory: bool = True

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def label(self) -> str:
        """`user@host:port` (+ ` via` the jump chain), for messages and the audit log."""
        via = f" via {self.jump.label()}" if self.jump else ""
        return f"{self.user}@{self.address}{via}"


@dataclass(frozen=True)
class NodeEntry:
    """One `nodes:` entry as written (host may be absent: the node's InternalIP is used)."""

    host: str | None
    settings: dict[str, Any]  # validated per-node overrides (user, port, ..., jump)


@dataclass(frozen=True)
class Inventory:
    defaults: Defaults = field(default_factory=Defaults)
    entries: dict[str, NodeEntry] = field(default_factory=dict)
    source: Path | None = None

    @property
    def node_names(self) -> list[str]:
        return list(self.entries)

    def host(self, node: str, internal_ip: str | None = None) -> HostSpec:
        """How to reach `node`; unlisted nodes (or entries without `host`) use `internal_ip`."""
        shell.node_name(node)
        entry = self.entries.get(node)
        address = entry.host if entry and entry.host else internal_ip
        if not address:
            raise InventoryError(
                f"no SSH address for node {node!r}: add it to {self._where()} or make sure the "
                "node reports an InternalIP"
            )
        try:
            shell.host(address)
        except shell.InvalidValue as exc:
            raise InventoryError(f"node {node!r}: {exc}") from None
        return self._spec(node, address, entry.settings if entry else {}, entry is not None, set())

    def _spec(
        self, node: str, address: str, settings: dict[str, Any], listed: bool, seen: set[str]
    ) -> HostSpec:
        d = self.defaults
        chain = seen | {node}
        explicit = settings.get("jump")
        jump_text = explicit or d.jump
        if jump_text and not explicit and jump_text in chain:
            jump_text = None  # the default jump does not apply to the jump host itself
        return HostSpec(
            node=node,
            host=address,
            port=settings.get("port", d.port),
            user=settings.get("user", d.user),
            identity_file=settings.get("identity_file", d.identity_file),
            known_hosts=settings.get("known_hosts", d.known_hosts),
            sudo=settings.get("sudo", d.sudo),
            jump=self._jump(jump_text, chain) if jump_text else None,
            from_inventory=listed,
        )

    def _jump(self, text: str, chain: set[str]) -> HostSpec:
        entry = self.entries.get(text)
        if entry is not None:  # a reference to another inventory node
            if text in chain:
                raise InventoryError(f"jump host loop through {text!r}")
            if not entry.host:
                raise InventoryError(f"jump node {text!r} has no host")
            return self._spec(text, entry.host, entry.settings, True, chain)
        user, address, port = _split_jump(text)
        d = self.defaults
        return HostSpec(
            node=text,
            host=address,
            port=port or d.port,
            user=user or d.user,
            identity_file=d.identity_file,
            known_hosts=d.known_hosts,
            sudo=d.sudo,
            from_inventory=False,
        )

    def _where(self) -> str:
        return self.source.name if self.source else "the inventory"


_NODE_FIELDS = ("host", "port", "user", "identity_file", "known_hosts", "sudo", "jump")
_DEFAULT_FIELDS = ("user", "port", "identity_file", "known_hosts", "sudo", "jump")
_JUMP = re.compile(r"(?:(?P<user>[^@:]+)@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^@:\[\]]+)(?::(?P<port>\d+))?")


def _split_jump(text: str) -> tuple[str | None, str, int | None]:
    m = _JUMP.fullmatch(text)
    assert m, text  # validated at load time
    port = int(m.group("port")) if m.group("port") else None
    return m.group("user"), m.group("host").strip("[]"), port


def load_inventory(path: Path | None = None) -> Inventory:
    """Read and validate the inventory; a missing default file is an empty inventory."""
    explicit = path is not None
    target = Path(path).expanduser() if path is not None else paths.inventory_file()
    if not target.exists():
        if explicit:
            raise InventoryError(f"inventory file not found: {target}")
        return Inventory()
    try:
        raw = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise InventoryError(f"{target.name}: cannot read: {exc.strerror or exc}") from None
    return parse_inventory(raw, source=target)


def parse_inventory(raw: str | dict[str, Any], source: Path | None = None) -> Inventory:
    """Validate inventory YAML text (or its already parsed mapping)."""
    name = source.name if source else "inventory.yaml"
    base = source.parent if source else Path.cwd()
    data = _load_yaml(raw, name) if isinstance(raw, str) else raw
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InventoryError(f"{name}: must be a mapping with 'defaults' and 'nodes'")
    v = _Validator(name, base)
    v.no_unknown(data, ("defaults", "nodes"), "")
    defaults_raw = v.mapping(data.get("defaults"), "defaults")
    v.no_unknown(defaults_raw, _DEFAULT_FIELDS, "defaults")
    defaults = Defaults(**{k: v.field(k, val, f"defaults.{k}") for k, val in defaults_raw.items()})
    nodes_raw = v.mapping(data.get("nodes"), "nodes")
    entries = {v.node_key(node): v.node(node, settings) for node, settings in nodes_raw.items()}
    inv = Inventory(defaults=defaults, entries=entries, source=source)
    _check_jumps(inv, name)
    return inv


def _load_yaml(raw: str, name: str) -> Any:
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InventoryError(f"{name}: not valid YAML{where}") from None


def _check_jumps(inv: Inventory, name: str) -> None:
    """Resolve every jump once so loops and bad references fail at load time."""
    for node, entry in inv.entries.items():
        if entry.host:
            try:
                inv.host(node)
            except InventoryError as exc:
                raise InventoryError(f"{name}: nodes.{node}.jump: {exc}") from None


class _Validator:
    def __init__(self, name: str, base: Path):
        self.name = name
        self.base = base

    def fail(self, where: str, message: str) -> InventoryError:
        return InventoryError(f"{self.name}: {where}: {message}" if where else f"{self.name}: {message}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        return cast(dict[str, Any], value)

    def no_unknown(self, value: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
        for key in value:
            if key not in allowed:
                loc = f"{where}.{key}" if where else str(key)
                raise self.fail(loc, f"unknown field (expected one of {', '.join(allowed)})")

    def node_key(self, node: Any) -> str:
        try:
            return shell.node_name(node)
        except shell.InvalidValue:
            raise self.fail(f"nodes[{node!r}]", "not a valid node name (DNS-1123, e.g. k8s-worker-1)") from None

    def node(self, node: str, settings: Any) -> NodeEntry:
        where = f"nodes.{node}"
        values = self.mapping(settings, where)
        self.no_unknown(values, _NODE_FIELDS, where)
        checked = {k: self.field(k, val, f"{where}.{k}") for k, val in values.items()}
        host = checked.pop("host", None)
        return NodeEntry(host=host, settings=checked)

    def field(self, key: str, value: Any, where: str) -> Any:
        if key == "port":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
                raise self.fail(where, "must be an integer 1-65535")
            return value
        if key == "sudo":
            if value not in SUDO_MODES:
                raise self.fail(where, f"must be one of {', '.join(SUDO_MODES)}")
            return value
        if key in ("identity_file", "known_hosts"):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(where, "must be a file path")
            p = Path(value).expanduser()
            return p if p.is_absolute() else self.base / p
        return self._text_field(key, value, where)

    def _text_field(self, key: str, value: Any, where: str) -> str:
        checks = {
            "host": (shell.host, "must be a host name or IP address"),
            "user": (shell.user, "must be a login name like ubuntu"),
            "jump": (_valid_jump, "must be [user@]host[:port] or the name of an inventory node"),
        }
        check, message = checks[key]
        try:
            check(value)
        except (shell.InvalidValue, TypeError):
            raise self.fail(where, message) from None
        return value


def _valid_jump(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    m = _JUMP.fullmatch(value)
    if not m:
        raise shell.InvalidValue(value)
    if m.group("user"):
        shell.user(m.group("user"))
    shell.host(m.group("host").strip("[]"))
    if m.group("port") and not 1 <= int(m.group("port")) <= 65535:
        raise shell.InvalidValue(value)
    return value
