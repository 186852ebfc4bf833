"""Inventory loading, validation (one-line errors naming the field), defaults and fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8stui.hosts.inventory import InventoryError, load_inventory, parse_inventory
from k8stui.hosts.shell import InvalidValue

EXAMPLE = """
defaults: {user: ubuntu, port: 22, identity_file: ~/.ssh/id_ed25519, known_hosts: ~/.ssh/known_hosts, sudo: nopasswd}
nodes:
  k8s-master: {host: 10.0.0.10}
  k8s-worker-1: {host: 10.0.0.11, port: 2222, jump: bastion.example.com}
"""


def test_issue_example(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    inv = parse_inventory(EXAMPLE)
    master = inv.host("k8s-master")
    assert (master.host, master.port, master.user, master.sudo) == ("10.0.0.10", 22, "ubuntu", "nopasswd")
    assert master.identity_file == tmp_path / ".ssh" / "id_ed25519"
    assert master.known_hosts == tmp_path / ".ssh" / "known_hosts"
    assert master.jump is None
    worker = inv.host("k8s-worker-1")
    assert (worker.host, worker.port) == ("10.0.0.11", 2222)
    assert worker.jump is not None
    assert (worker.jump.host, worker.jump.port, worker.jump.user) == ("bastion.example.com", 22, "ubuntu")
    assert worker.label() == "ubuntu@10.0.0.11:2222 via ubuntu@bastion.example.com:22"


def test_defaults_when_the_file_says_nothing() -> None:
    spec = parse_inventory("nodes: {n1: {host: h1}}").host("n1")
    assert (spec.user, spec.port, spec.sudo) == ("ubuntu", 22, "nopasswd")


def test_unlisted_node_falls_back_to_internal_ip() -> None:
    inv = parse_inventory("defaults: {user: admin, sudo: password}\nnodes: {}")
    spec = inv.host("k8s-worker-9", internal_ip="10.0.0.19")
    assert (spec.host, spec.user, spec.sudo, spec.from_inventory) == ("10.0.0.19", "admin", "password", False)
    # Listed without a host: the entry's settings, the node's address.
    spec = parse_inventory("nodes: {w: {port: 2200}}").host("w", internal_ip="10.0.0.5")
    assert (spec.host, spec.port, spec.from_inventory) == ("10.0.0.5", 2200, True)
    with pytest.raises(InventoryError, match="no SSH address for node 'k8s-worker-9'"):
        inv.host("k8s-worker-9")


def test_lookup_validates_the_node_name_and_address() -> None:
    inv = parse_inventory("nodes: {}")
    with pytest.raises(InvalidValue):
        inv.host("x; rm -rf /", internal_ip="10.0.0.1")
    with pytest.raises(InventoryError, match="host"):
        inv.host("n1", internal_ip="10.0.0.1;reboot")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nodes: {k8s-worker-1: {host: a, port: abc}}",
         "inventory.yaml: nodes.k8s-worker-1.port: must be an integer 1-65535"),
        ("nodes: {k8s-worker-1: {host: a, port: 70000}}",
         "inventory.yaml: nodes.k8s-worker-1.port: must be an integer 1-65535"),
        ("nodes: {n: {host: a, port: true}}", "inventory.yaml: nodes.n.port: must be an integer 1-65535"),
        ("defaults: {sudo: maybe}", "inventory.yaml: defaults.sudo: must be one of none, nopasswd, password"),
        ("defaults: {user: 'root; id'}", "inventory.yaml: defaults.user: must be a login name like ubuntu"),
        ("nodes: {n: {host: 'a b'}}", "inventory.yaml: nodes.n.host: must be a host name or IP address"),
        ("nodes: {n: {hots: a}}", "inventory.yaml: nodes.n.hots: unknown field (expected one of "
                                  "host, port, user, identity_file, known_hosts, sudo, jump)"),
        ("nodes: {'x; rm -rf /': {host: a}}",
         "inventory.yaml: nodes['x; rm -rf /']: not a valid node name (DNS-1123, e.g. k8s-worker-1)"),
        ("nodes: [a, b]", "inventory.yaml: nodes: must be a mapping"),
        ("nodes: {n: {host: a, identity_file: ''}}", "inventory.yaml: nodes.n.identity_file: must be a file path"),
        ("nodes: {n: {host: a, jump: 'u@h:99999'}}",
         "inventory.yaml: nodes.n.jump: must be [user@]host[:port] or the name of an inventory node"),
        ("nodes: {a: {host: x, jump: b}, b: {host: y, jump: a}}",
         "inventory.yaml: nodes.a.jump: jump host loop through 'a'"),
        ("hosts: {}", "inventory.yaml: hosts: unknown field (expected one of defaults, nodes)"),
        ("- a\n- b", "inventory.yaml: must be a mapping with 'defaults' and 'nodes'"),
        ("nodes: {n: [", "inventory.yaml: not valid YAML (line 1, column 13)"),
    ],
)
def test_one_line_errors_name_the_field(text: str, message: str) -> None:
    with pytest.raises(InventoryError) as info:
        parse_inventory(text)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_jump_forms() -> None:
    inv = parse_inventory("""
defaults: {jump: bastion}
nodes:
  bastion: {host: 192.0.2.1, user: jumper, port: 2022}
  a: {host: 10.0.0.1}
  b: {host: 10.0.0.2, jump: 'ops@gw.example.com:2200'}
""")
    a = inv.host("a")
    assert a.jump is not None and (a.jump.host, a.jump.user, a.jump.port) == ("192.0.2.1", "jumper", 2022)
    assert inv.host("bastion").jump is None  # the default jump is not applied to itself
    b = inv.host("b")
    assert b.jump is not None and (b.jump.host, b.jump.user, b.jump.port) == ("gw.example.com", "ops", 2200)


def test_load_from_file_resolves_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "inv.yaml"
    path.parent.mkdir()
    path.write_text("defaults: {identity_file: keys/id, known_hosts: /abs/kh}\nnodes: {n: {host: h}}\n")
    spec = load_inventory(path).host("n")
    assert spec.identity_file == tmp_path / "conf" / "keys" / "id"
    assert spec.known_hosts == Path("/abs/kh")
    path.write_text("nodes: {n: {host: h, port: 0}}\n")
    with pytest.raises(InventoryError, match=r"^inv\.yaml: nodes\.n\.port: must be an integer 1-65535$"):
        load_inventory(path)


def test_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_inventory().node_names == []  # no default file: everything via InternalIP
    (tmp_path / "k8stui").mkdir()
    (tmp_path / "k8stui" / "inventory.yaml").write_text(EXAMPLE)
    assert load_inventory().node_names == ["k8s-master", "k8s-worker-1"]
    with pytest.raises(InventoryError, match="inventory file not found"):
        load_inventory(tmp_path / "nope.yaml")
