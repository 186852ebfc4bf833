"""The config file and the `/` filter syntax (no UI needed)."""

from __future__ import annotations

import pytest

from k8stui.config import load_config
from k8stui.errors import UserError
from k8stui.kube.rows import Row
from k8stui.ui.screens.filtering import parse_filter


def test_config_defaults_and_per_context(tmp_path):
    assert load_config(tmp_path / "missing.yaml").readonly is False
    p = tmp_path / "c.yaml"
    p.write_text("readonly: true\ncontexts:\n  dev:\n    readonly: false\n    namespace: web\n  prod: {}\n")
    c = load_config(p)
    assert c.readonly_for("prod") is True and c.readonly_for("other") is True
    assert c.readonly_for("dev") is False and c.namespace_for("dev") == "web" and c.namespace_for("prod") is None
    assert c.readonly_source("prod") == "config: readonly"


@pytest.mark.parametrize("text, message", [
    ("readonly: yes please\n", "readonly: must be true or false (got 'yes please')"),
    ("colour: red\n", "colour: unknown setting (known: readonly, contexts)"),
    ("contexts: [a]\n", "contexts: must be a mapping of context name to settings"),
    ("contexts:\n  prod: 3\n", "contexts.prod: must be a mapping (readonly, namespace)"),
    ("contexts:\n  prod:\n    namespace: 7\n", "contexts.prod.namespace: must be a namespace name (got 7)"),
    ("contexts:\n  prod:\n    readonly: 1\n", "contexts.prod.readonly: must be true or false (got 1)"),
    ("contexts:\n  prod:\n    ro: true\n", "contexts.prod.ro: unknown setting (known: readonly, namespace)"),
    ("- a\n", "must be a mapping of settings (readonly, contexts)"),
    ("a: [\n", "not valid YAML (line 2)"),
])
def test_invalid_config_is_one_line_naming_the_field(tmp_path, text, message):
    p = tmp_path / "config.yaml"
    p.write_text(text)
    with pytest.raises(UserError) as e:
        load_config(p)
    assert str(e.value).startswith(f"config {p}: {message}")
    assert "\n" not in str(e.value)


def pod(name: str, ns: str = "default", status: str = "Running", labels: dict | None = None) -> Row:
    return Row("u-" + name, ns, name, [name, "1/1", status, "0", "5d", "10.0.0.1", "node-1", "<none>", "<none>"],
               0.0, labels or {}, "node-1")


@pytest.mark.parametrize("text, matches, misses, description", [
    ("web", ["web-1", "my-web"], ["api-1"], "web"),
    ("WEB", ["web-1"], ["api-1"], "WEB"),
    ("^web", ["web-1"], ["my-web"], "re:^web"),
    ("re:b-\\d$", ["web-1"], ["web-x"], "re:b-\\d$"),
    ("!web", ["api-1"], ["web-1"], "!web"),
    ("!^web", ["my-web"], ["web-1"], "!re:^web"),
    ("10.0.0.1", ["web-1"], [], "10.0.0.1"),  # dots alone do not make a regex
])
def test_filter_text(text, matches, misses, description):
    f = parse_filter(text, 4)
    assert f.error is None and f.description == description
    for n in matches:
        assert f.predicate(pod(n)), n
    for n in misses:
        assert not f.predicate(pod(n)), n


def test_filter_skips_the_stale_age_cell_and_matches_namespaces():
    assert not parse_filter("5d", 4).predicate(pod("a"))
    assert parse_filter("kube-sys", 4).predicate(pod("a", ns="kube-system"))


def test_label_selector_filter():
    f = parse_filter("-l app=web,tier notin (db), !canary", 4)
    assert f.error is None and f.description == "-l app=web,tier notin (db), !canary"
    assert f.predicate(pod("a", labels={"app": "web", "tier": "front"}))
    assert not f.predicate(pod("a", labels={"app": "web", "tier": "db"}))
    assert not f.predicate(pod("a", labels={"app": "web", "canary": "1"}))
    assert parse_filter("-l", 4).error
    assert parse_filter("-l a in (", 4).error.startswith("label selector 'a in (':")
    assert parse_filter("re:(", 4).error.startswith("regex '(':")
    assert parse_filter("   ", 4).predicate is None
