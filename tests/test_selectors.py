"""Label and field selectors (k8stui.kube.selectors): the API server's parsing and matching rules.

Expected error texts are the apiserver's (k8s.io/apimachinery labels/selector.go,
fields/selector.go, api/validate/content and the field-label conversion functions).
"""

import time

import pytest

from k8stui.kube.selectors import (
    EVERYTHING,
    NOTHING,
    FieldSelector,
    LabelSelector,
    SelectorError,
    check_supported,
    escape_field_value,
    new_requirement,
    parse_field_selector,
    parse_label_selector,
    selector_from_spec,
)

NAME_PART_REGEX_ERROR = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_REGEX_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
OPERATORS = "in, notin, =, ==, !=, gt, lt"


# ------------------------------------------------------------------------------------------
# label selector: matching
# ------------------------------------------------------------------------------------------

LABELS = {"app": "web", "tier": "fe", "version": "3", "empty": ""}


@pytest.mark.parametrize(
    "text, labels, expected",
    [
        ("app=web", LABELS, True),
        ("app=db", LABELS, False),
        ("app==web", LABELS, True),
        ("app!=web", LABELS, False),
        ("app!=db", LABELS, True),
        ("missing!=x", LABELS, True),  # != matches objects without the key
        ("missing=x", LABELS, False),
        ("tier in (fe,be)", LABELS, True),
        ("tier in (be,db)", LABELS, False),
        ("tier notin (be,db)", LABELS, True),
        ("tier notin (fe)", LABELS, False),
        ("missing notin (fe)", LABELS, True),  # notin matches objects without the key
        ("missing in (fe)", LABELS, False),
        ("app", LABELS, True),
        ("missing", LABELS, False),
        ("!missing", LABELS, True),
        ("!app", LABELS, False),
        ("empty=", LABELS, True),
        ("empty in ()", LABELS, True),
        ("missing=", LABELS, False),
        ("app=web,tier=fe", LABELS, True),
        ("app=web,tier=be", LABELS, False),
        ("app=web, tier in (fe), !canary, version", LABELS, True),
        ("version>2", LABELS, True),
        ("version>3", LABELS, False),
        ("version<4", LABELS, True),
        ("app>1", LABELS, False),  # non-integer label value never matches gt/lt
        ("missing<10", LABELS, False),
        ("", LABELS, True),
        ("app=web", {}, False),
        ("!app", {}, True),
    ],
)
def test_label_selector_matches(text, labels, expected):
    sel = parse_label_selector(text)
    assert sel.matches(labels) is expected
    assert sel.matcher()(labels) is expected


def test_none_labels_are_treated_as_no_labels():
    assert parse_label_selector("!app").matches(None) is True
    assert parse_label_selector("app").matches(None) is False
    assert parse_label_selector("app notin (x)").matches(None) is True
    assert EVERYTHING.matches(None) is True


def test_label_value_type_matters_not_truthiness():
    sel = parse_label_selector("a=1")
    assert sel.matches({"a": "1"}) is True
    assert sel.matches({"a": "01"}) is False


def test_empty_selector_matches_everything():
    sel = parse_label_selector("")
    assert sel.empty is True
    assert sel is EVERYTHING
    assert sel.matches({"anything": "x"}) is True
    assert str(sel) == ""
    assert parse_label_selector("   \t\n ").empty is True


def test_non_empty_selector_is_not_empty():
    assert parse_label_selector("a").empty is False


def test_nothing_matches_nothing_and_is_not_empty():
    assert NOTHING.matches({}) is False
    assert NOTHING.matches({"a": "b"}) is False
    assert NOTHING.matches(None) is False
    assert NOTHING.empty is False
    assert NOTHING.matches_nothing is True
    assert EVERYTHING.matches_nothing is False
    assert str(NOTHING) == ""


# ------------------------------------------------------------------------------------------
# label selector: parsing details and String()
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("x=a", "x=a"),
        ("x==a", "x==a"),
        ("x!=a", "x!=a"),
        ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        ("b=1,a=2", "a=2,b=1"),  # sorted by key
        ("!a", "!a"),
        ("  a  =  b  ", "a=b"),
        ("a\tin\t(x, y)", "a in (x,y)"),
        ("k in (b,a,c)", "k in (a,b,c)"),
        ("k in (a,a)", "k in (a)"),
        ("x>5,y<3", "x>5,y<3"),
        ("example.com/app=web", "example.com/app=web"),
        ("in=foo", "in=foo"),  # keywords are identifiers in key position
        ("in in (in,notin)", "in in (in,notin)"),
        ("a=", "a="),
        ("a=,b", "a=,b"),
        ("a in (,)", "a in ()"),
    ],
)
def test_label_selector_string_round_trip(text, canonical):
    sel = parse_label_selector(text)
    assert str(sel) == canonical
    again = parse_label_selector(str(sel))
    assert again == sel
    assert str(again) == canonical


def test_requirements_are_exposed_sorted_by_key():
    sel = parse_label_selector("z=1,a in (y,x),m")
    assert [(r.key, r.operator, r.values) for r in sel.requirements] == [
        ("a", "in", ["x", "y"]),
        ("m", "exists", []),
        ("z", "=", ["1"]),
    ]


def test_requires_exact_match():
    sel = parse_label_selector("app=web,tier in (fe),env in (a,b),x!=y")
    assert sel.requires_exact_match("app") == "web"
    assert sel.requires_exact_match("tier") == "fe"
    assert sel.requires_exact_match("env") is None
    assert sel.requires_exact_match("x") is None
    assert sel.requires_exact_match("nope") is None


def test_add_returns_new_selector():
    base = parse_label_selector("a=1")
    more = base.add(new_requirement("b", "!=", ["2"]))
    assert str(base) == "a=1"
    assert str(more) == "a=1,b!=2"
    assert more.matches({"a": "1", "b": "3"}) is True
    assert more.matches({"a": "1", "b": "2"}) is False
    assert NOTHING.add(new_requirement("b", "exists", [])) is NOTHING


def test_selectors_are_hashable_and_comparable():
    assert parse_label_selector("a=1,b") == parse_label_selector("b,a=1")
    assert parse_label_selector("a=1") != parse_label_selector("a==1")
    assert len({parse_label_selector("a=1"), parse_label_selector("a=1")}) == 1
    assert NOTHING != EVERYTHING


# ------------------------------------------------------------------------------------------
# label selector: errors (exact apiserver texts)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("a b", f"unable to parse requirement: found 'b', expected: {OPERATORS}"),
        ("x=a b", "found 'b', expected: ',' or 'end of string'"),
        ("a,", "found '', expected: identifier after ','"),
        ("a=b,,c", "found ',', expected: identifier after ','"),
        (",a", "found ',', expected: !, identifier, or 'end of string'"),
        ("=b", "found '=', expected: !, identifier, or 'end of string'"),
        ("a in", "unable to parse requirement: found '' expected: '('"),
        ("a in x", "unable to parse requirement: found 'x' expected: '('"),
        ("a in (", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
        ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("!", "unable to parse requirement: found '', expected: identifier"),
        ("a=(", "unable to parse requirement: found '(', expected: identifier"),
        ("a!!b", f"unable to parse requirement: found '!', expected: {OPERATORS}"),
        (
            "app:web",
            'unable to parse requirement: <nil>: Invalid value: "app:web": ' + NAME_PART_REGEX_ERROR,
        ),
        (
            "a=b$",
            'unable to parse requirement: values[0][a]: Invalid value: "b$": ' + LABEL_VALUE_REGEX_ERROR,
        ),
        (
            "x>a",
            'unable to parse requirement: values[0]: Invalid value: "a": for \'Gt\', \'Lt\' '
            "operators, the value must be an integer",
        ),
        (
            "k" * 64,
            f'unable to parse requirement: <nil>: Invalid value: "{"k" * 64}": name part must be no '
            "more than 63 bytes",
        ),
        (
            "a=" + "v" * 64,
            f'unable to parse requirement: values[0][a]: Invalid value: "{"v" * 64}": must be no more '
            "than 63 bytes",
        ),
    ],
)
def test_label_selector_errors(text, message):
    with pytest.raises(SelectorError) as err:
        parse_label_selector(text)
    assert str(err.value) == message
    assert err.value.code == 400


def test_too_many_slashes_in_key():
    with pytest.raises(SelectorError) as err:
        parse_label_selector("a/b/c")
    assert str(err.value) == (
        'unable to parse requirement: <nil>: Invalid value: "a/b/c": a valid label key must consist of '
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
        "(e.g. 'example.com/MyName')"
    )


def test_uppercase_prefix_is_rejected():
    with pytest.raises(SelectorError) as err:
        parse_label_selector("Example.com/app=x")
    assert str(err.value) == (
        'unable to parse requirement: <nil>: Invalid value: "Example.com/app": prefix part a lowercase '
        "RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
        "is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    )


def test_empty_prefix_and_name_are_reported_together():
    with pytest.raises(SelectorError) as err:
        parse_label_selector("/=x")
    msg = str(err.value)
    assert msg.startswith('unable to parse requirement: <nil>: Invalid value: "/": prefix part must be non-empty; ')
    assert "name part must be non-empty; name part must consist of" in msg


def test_several_invalid_values_are_aggregated_in_brackets():
    with pytest.raises(SelectorError) as err:
        parse_label_selector("a in (b$,c$)")
    msg = str(err.value)
    assert msg.startswith('unable to parse requirement: [values[0][a]: Invalid value: "b$": ')
    assert ', values[1][a]: Invalid value: "c$": ' in msg
    assert msg.endswith("')]")


def test_label_key_length_counts_bytes():
    key = "é" * 32  # 64 bytes in UTF-8, 32 characters
    with pytest.raises(SelectorError) as err:
        parse_label_selector(key)
    assert "name part must be no more than 63 bytes" in str(err.value)


def test_selector_error_is_a_value_error():
    assert issubclass(SelectorError, ValueError)


# ------------------------------------------------------------------------------------------
# metav1.LabelSelector
# ------------------------------------------------------------------------------------------


def test_nil_spec_matches_nothing():
    sel = selector_from_spec(None)
    assert sel is NOTHING
    assert sel.matches({"app": "web"}) is False


def test_empty_spec_matches_everything():
    assert selector_from_spec({}) is EVERYTHING
    assert selector_from_spec({"matchLabels": {}, "matchExpressions": []}).matches({"x": "y"}) is True
    assert selector_from_spec({"matchLabels": None}).empty is True


def test_spec_match_labels_and_expressions():
    sel = selector_from_spec(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["fe", "be"]},
                {"key": "env", "operator": "NotIn", "values": ["prod"]},
                {"key": "owner", "operator": "Exists"},
                {"key": "canary", "operator": "DoesNotExist"},
            ],
        }
    )
    assert str(sel) == "app=web,!canary,env notin (prod),owner,tier in (be,fe)"
    assert sel.matches({"app": "web", "tier": "fe", "owner": "me"}) is True
    assert sel.matches({"app": "web", "tier": "fe", "owner": "me", "env": "prod"}) is False
    assert sel.matches({"app": "web", "tier": "fe", "owner": "me", "canary": "1"}) is False
    assert sel.matches({"app": "web", "tier": "fe"}) is False
    assert sel.matches({"app": "db", "tier": "fe", "owner": "me"}) is False


def test_spec_unknown_operator():
    with pytest.raises(SelectorError) as err:
        selector_from_spec({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]})
    assert str(err.value) == '"Equals" is not a valid label selector operator'


def test_spec_in_without_values():
    with pytest.raises(SelectorError) as err:
        selector_from_spec({"matchExpressions": [{"key": "a", "operator": "In"}]})
    assert str(err.value) == (
        "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"
    )


def test_spec_exists_with_values():
    with pytest.raises(SelectorError) as err:
        selector_from_spec({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x", "y"]}]})
    assert str(err.value) == (
        'values: Invalid value: []string{"x", "y"}: values set must be empty for exists and does not exist'
    )


def test_spec_invalid_key_uses_key_path():
    with pytest.raises(SelectorError) as err:
        selector_from_spec({"matchLabels": {"bad key": "x"}})
    assert str(err.value) == 'key: Invalid value: "bad key": ' + NAME_PART_REGEX_ERROR


def test_spec_invalid_value():
    with pytest.raises(SelectorError) as err:
        selector_from_spec({"matchLabels": {"app": "-web"}})
    assert str(err.value) == 'values[0][app]: Invalid value: "-web": ' + LABEL_VALUE_REGEX_ERROR


# ------------------------------------------------------------------------------------------
# field selectors
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, requirements, canonical",
    [
        ("", [], ""),
        ("a=b", [("a", "=", "b")], "a=b"),
        ("a==b", [("a", "=", "b")], "a=b"),
        ("a!=b", [("a", "!=", "b")], "a!=b"),
        ("b=1,a=2", [("a", "=", "2"), ("b", "=", "1")], "a=2,b=1"),
        ("spec.nodeName=", [("spec.nodeName", "=", "")], "spec.nodeName="),
        ("x=a,", [("x", "=", "a")], "x=a"),
        ("metadata.name=a\\,b", [("metadata.name", "=", "a,b")], "metadata.name=a\\,b"),
        ("metadata.name=a\\=b", [("metadata.name", "=", "a=b")], "metadata.name=a\\=b"),
        ("metadata.name=a\\\\b", [("metadata.name", "=", "a\\b")], "metadata.name=a\\\\b"),
        ("a = b", [("a ", "=", " b")], "a = b"),  # nothing is trimmed
        ("=b", [("", "=", "b")], "=b"),
    ],
)
def test_field_selector_parse(text, requirements, canonical):
    sel = parse_field_selector(text)
    assert sel.requirements == requirements
    assert str(sel) == canonical
    assert parse_field_selector(str(sel)) == sel


@pytest.mark.parametrize(
    "text, message",
    [
        ("abc", "invalid selector: 'abc'; can't understand 'abc'"),
        ("a=b,zzz", "invalid selector: 'a=b,zzz'; can't understand 'zzz'"),
        ("a=b=c", "invalid field selector: unescaped character in value: 61"),
        ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
        ("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
    ],
)
def test_field_selector_errors(text, message):
    with pytest.raises(SelectorError) as err:
        parse_field_selector(text)
    assert str(err.value) == message


def test_field_selector_matching():
    sel = parse_field_selector("status.phase=Running,spec.nodeName!=n1")
    assert sel.matches({"status.phase": "Running", "spec.nodeName": "n2"}) is True
    assert sel.matches({"status.phase": "Running", "spec.nodeName": "n1"}) is False
    assert sel.matches({"status.phase": "Pending", "spec.nodeName": "n2"}) is False
    assert sel.matches({"status.phase": "Running"}) is True  # missing field reads as ""
    assert sel.fields() == {"status.phase", "spec.nodeName"}


def test_field_selector_missing_field_equals_empty_value():
    assert parse_field_selector("spec.nodeName=").matches({}) is True
    assert parse_field_selector("spec.nodeName=").matches({"spec.nodeName": "n1"}) is False


def test_field_selector_empty_and_exact_match():
    assert parse_field_selector("").empty is True
    assert parse_field_selector("").matches({}) is True
    sel = parse_field_selector("metadata.name=x,spec.nodeName!=y")
    assert sel.empty is False
    assert sel.requires_exact_match("metadata.name") == "x"
    assert sel.requires_exact_match("spec.nodeName") is None


def test_escape_field_value():
    assert escape_field_value("a,b=c\\d") == "a\\,b\\=c\\\\d"
    assert parse_field_selector("f=" + escape_field_value("a,b=c\\d")).requirements == [("f", "=", "a,b=c\\d")]


def test_field_selector_matcher_is_same_predicate():
    sel = parse_field_selector("a=1")
    m = sel.matcher()
    assert m({"a": "1"}) is True and m({"a": "2"}) is False


def test_check_supported_pods_message():
    sel = parse_field_selector("status.phase=Running,foo=bar")
    with pytest.raises(SelectorError) as err:
        check_supported(sel, {"status.phase", "metadata.name"}, "pods")
    assert str(err.value) == "field label not supported: foo"
    assert err.value.code == 400


def test_check_supported_reports_first_in_sorted_order():
    sel = parse_field_selector("zeta=1,alpha=2")
    with pytest.raises(SelectorError) as err:
        check_supported(sel, set(), "nodes")
    assert str(err.value) == "field label not supported: alpha"


def test_check_supported_generic_message_for_kinds_without_conversion():
    with pytest.raises(SelectorError) as err:
        check_supported(parse_field_selector("foo.bar=baz"), {"metadata.name", "metadata.namespace"}, "ingresses")
    assert str(err.value) == '"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"'


def test_check_supported_job_message():
    with pytest.raises(SelectorError) as err:
        check_supported(parse_field_selector("status.succeeded=1"), {"status.successful"}, "jobs")
    assert str(err.value) == 'field label "status.succeeded" not supported for batchv1.Job'


def test_check_supported_accepts_and_maps_legacy_spec_host():
    supported = {"metadata.name", "spec.nodeName"}
    sel = parse_field_selector("metadata.name=a")
    assert check_supported(sel, supported, "pods") is sel
    mapped = check_supported(parse_field_selector("spec.host=n1"), supported, "pods")
    assert mapped.requirements == [("spec.nodeName", "=", "n1")]
    with pytest.raises(SelectorError):
        check_supported(parse_field_selector("spec.host=n1"), supported, "nodes")


def test_field_selector_transform_drops_emptied_terms():
    sel = parse_field_selector("a=1,b=2").transform(lambda f, v: ("", "") if f == "a" else (f.upper(), v))
    assert sel == FieldSelector([("B", "=", "2")])


# ------------------------------------------------------------------------------------------
# performance: list requests test up to 150,000 objects
# ------------------------------------------------------------------------------------------


def test_matching_150k_objects_is_fast():
    sel = parse_label_selector("app=web,tier in (fe,be),!canary,version")
    objs = [
        {"app": "web", "tier": "fe", "version": "1"} if i % 3 else {"app": "web", "tier": "db", "version": "1"}
        for i in range(150_000)
    ]
    fsel = parse_field_selector("status.phase=Running,spec.nodeName!=n1")
    fobjs = [{"status.phase": "Running", "spec.nodeName": f"n{i % 4}"} for i in range(150_000)]
    start = time.perf_counter()
    n = sum(1 for o in objs if sel.matches(o))
    nf = sum(1 for o in fobjs if fsel.matches(o))
    elapsed = time.perf_counter() - start
    assert n == 100_000
    assert nf == 150_000 - 37_500
    assert elapsed < 2.0, f"matching 300k objects took {elapsed:.2f}s"


def test_compiled_predicate_is_safe_with_hostile_strings():
    # keys and values never enter generated source code
    sel = LabelSelector([new_requirement("a", "=", ["x"]), new_requirement("b", "in", ["y", "z"])])
    hostile = parse_field_selector("f=') or True or ('")
    assert hostile.matches({"f": "') or True or ('"}) is True
    assert hostile.matches({"f": "x"}) is False
    assert sel.matches({"a": "x", "b": "z"}) is True


def test_selector_error_status_object():
    with pytest.raises(SelectorError) as err:
        parse_label_selector("a b")
    assert err.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"unable to parse requirement: found 'b', expected: {OPERATORS}",
        "reason": "BadRequest",
        "code": 400,
    }
