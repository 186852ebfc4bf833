"""Label and field selectors with the Kubernetes apiserver's grammar, semantics and error texts.

This is a stdlib-only port of the parts of ``k8s.io/apimachinery`` that answer
``?labelSelector=`` / ``?fieldSelector=`` and evaluate ``metav1.LabelSelector`` objects
(``spec.selector`` of Deployments, PodDisruptionBudgets, ...). The simulated API server and its
controllers, the drain's budget matching and the views' `-l` filter all use it:

* :func:`parse_label_selector` follows ``pkg/labels/selector.go`` (its lexer, its recursive
  descent parser and ``NewRequirement``'s validation), so error messages are the ones a real
  server puts in a 400 ``BadRequest`` Status, for example::

      unable to parse requirement: <nil>: Invalid value: "app:web": name part must consist of ...
      found ',', expected: !, identifier, or 'end of string'

  Requirements are sorted by key like upstream's ``sort.Sort(ByKey(...))``; ``str()`` prints them
  the way ``labels.Selector.String()`` does (values of ``in``/``notin`` sorted), so it round-trips.
  ``gt``/``lt`` (``k>3``, ``k<3``) are supported as upstream does.

* :func:`selector_from_spec` follows ``metav1.LabelSelectorAsSelector``: ``None`` gives
  :data:`NOTHING` (matches no object: a nil selector selects nothing in the workload
  controllers), ``{}`` gives :data:`EVERYTHING`.  Note that ``parse_label_selector("")`` gives
  :data:`EVERYTHING` too: an empty ``?labelSelector=`` restricts nothing.

* :func:`parse_field_selector` follows ``pkg/fields/selector.go`` (``=``, ``==``, ``!=``, ``,``
  meaning AND, ``\\,`` ``\\=`` ``\\\\`` escapes in values, no trimming of whitespace, a missing field
  reads as ``""``).  :func:`check_supported` reproduces the per-kind field-label conversion
  errors (``field label not supported: <field>`` and friends) that the apiserver returns as a 400.

Matching is the hot path (a list request may test 150,000 objects), so every selector is compiled
once into a single Python function built from constant-bound clauses: no regex, no parsing and no
per-requirement dispatch happens in ``matches``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from k8stui.gofmt import go_quote

__all__ = [
    "SelectorError",
    "LabelSelector",
    "FieldSelector",
    "EVERYTHING",
    "NOTHING",
    "parse_label_selector",
    "selector_from_spec",
    "parse_field_selector",
    "check_supported",
    "escape_field_value",
    "FIELD_LABEL_ERROR_FORMATS",
]


class SelectorError(ValueError):
    """A selector the apiserver would refuse; ``str(err)`` is the Status message (HTTP 400)."""

    code = 400
    reason = "BadRequest"

    def status(self) -> dict:
        """The ``metav1.Status`` the apiserver answers with."""
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": str(self),
            "reason": self.reason,
            "code": self.code,
        }


# --------------------------------------------------------------------------------------------
# Go-compatible formatting helpers (strconv.Quote / %#v / field.Error)
# --------------------------------------------------------------------------------------------

def _go_string_slice(values: list[str] | None) -> str:
    """``%#v`` of a ``[]string``."""
    if not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def _field_invalid(path: str, bad_value: str, detail: str) -> str:
    """``field.Invalid(path, value, detail).Error()`` for a string (already formatted) value."""
    return f"{path}: Invalid value: {bad_value}: {detail}"


def _aggregate(errors: list[str]) -> str:
    """``utilerrors.NewAggregate(errs).Error()``: one error as is, several in brackets."""
    seen: list[str] = []
    for e in errors:
        if e not in seen:
            seen.append(e)
    if len(seen) == 1:
        return seen[0]
    return "[" + ", ".join(seen) + "]"


# --------------------------------------------------------------------------------------------
# Label key / value validation (k8s.io/apimachinery/pkg/api/validate/content)
# --------------------------------------------------------------------------------------------

_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_RE = re.compile("^" + _LABEL_KEY_FMT + r"\Z")
_LABEL_KEY_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_FMT = "(" + _LABEL_KEY_FMT + ")?"
_LABEL_VALUE_RE = re.compile("^" + _LABEL_VALUE_FMT + r"\Z")
_LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_RE = re.compile("^" + _DNS1123_SUBDOMAIN_FMT + r"\Z")
_DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """apimachinery's RegexError: the message, examples, and the regex used."""
    if not examples:
        return msg + " (regex used for validation is '" + fmt + "')"
    msg += " (e.g. "
    for i, ex in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += "'" + ex + "', "
    return msg + "regex used for validation is '" + fmt + "')"


def _max_len_error(n: int) -> str:
    return f"must be no more than {n} bytes"


def _blen(s: str) -> int:
    """Go's ``len(string)``: UTF-8 bytes."""
    return len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass"))


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if _blen(value) > 253:
        errs.append(_max_len_error(253))
    if not _DNS1123_SUBDOMAIN_RE.match(value):
        errs.append(regex_error(_DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def label_key_errors(key: str) -> list[str]:
    """``content.IsLabelKey`` (a.k.a. ``IsQualifiedName``): the list of problems, empty if valid."""
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in _dns1123_subdomain_errors(prefix))
    else:
        return [
            "a valid label key "
            + regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _blen(name) > 63:
        errs.append("name part " + _max_len_error(63))
    if not _LABEL_KEY_RE.match(name):
        errs.append(
            "name part " + regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def label_value_errors(value: str) -> list[str]:
    """``content.IsLabelValue``: the list of problems, empty if valid (``""`` is valid)."""
    errs = []
    if _blen(value) > 63:
        errs.append(_max_len_error(63))
    if not _LABEL_VALUE_RE.match(value):
        errs.append(regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


# --------------------------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------------------------

# selection.Operator values
IN, NOT_IN = "in", "notin"
EQUALS, DOUBLE_EQUALS, NOT_EQUALS = "=", "==", "!="
EXISTS, DOES_NOT_EXIST = "exists", "!"
GREATER_THAN, LESS_THAN = "gt", "lt"

_BINARY_OPERATORS = [IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN]
_VALID_OPERATORS = _BINARY_OPERATORS + [EXISTS, DOES_NOT_EXIST]
_INT64_RE = re.compile(r"[+-]?[0-9]+\Z")


def _parse_int64(s: str) -> int | None:
    """``strconv.ParseInt(s, 10, 64)`` or ``None``."""
    if not _INT64_RE.match(s):
        return None
    v = int(s)
    if not -(2**63) <= v < 2**63:
        return None
    return v


class Requirement:
    """One ``key op values`` clause; build it with :func:`new_requirement` to get validation."""

    __slots__ = ("key", "operator", "values")

    def __init__(self, key: str, operator: str, values: list[str]):
        self.key = key
        self.operator = operator
        self.values = list(values)

    def __repr__(self) -> str:
        return f"Requirement({self.key!r}, {self.operator!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Requirement)
            and (self.key, self.operator, self.values) == (other.key, other.operator, other.values)
        )

    def __hash__(self) -> int:
        return hash((self.key, self.operator, tuple(self.values)))

    def __str__(self) -> str:
        op = self.operator
        if op == EXISTS:
            return self.key
        if op == DOES_NOT_EXIST:
            return "!" + self.key
        vals = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            return f"{self.key} {op} ({vals})"
        sym = {GREATER_THAN: ">", LESS_THAN: "<"}.get(op, op)
        return f"{self.key}{sym}{vals}"

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        return _compile([self])(labels if labels is not None else _EMPTY)


def new_requirement(key: str, operator: str, values: list[str] | None, path: str | None = None) -> Requirement:
    """``labels.NewRequirement``: validate and build a requirement, or raise :class:`SelectorError`.

    ``path`` is the field path the errors are reported under (upstream passes none from the
    parsers, which prints the key error as ``key: ...`` and value errors as ``values[i][key]: ...``).
    """
    values = list(values) if values else []
    prefix = (path + ".") if path else ""
    errs: list[str] = []
    kerrs = label_key_errors(key)
    if kerrs:
        errs.append(_field_invalid(prefix + "key", go_quote(key), "; ".join(kerrs)))
    value_path = prefix + "values"
    if operator in (IN, NOT_IN):
        if not values:
            errs.append(
                _field_invalid(
                    value_path, _go_string_slice(values), "for 'in', 'notin' operators, values set can't be empty"
                )
            )
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(values) != 1:
            errs.append(
                _field_invalid(
                    value_path, _go_string_slice(values), "exact-match compatibility requires one single value"
                )
            )
    elif operator in (EXISTS, DOES_NOT_EXIST):
        if values:
            errs.append(
                _field_invalid(
                    value_path, _go_string_slice(values), "values set must be empty for exists and does not exist"
                )
            )
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errs.append(
                _field_invalid(
                    value_path,
                    _go_string_slice(values),
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                )
            )
        for i, v in enumerate(values):
            if _parse_int64(v) is None:
                errs.append(
                    _field_invalid(
                        f"{value_path}[{i}]", go_quote(v), "for 'Gt', 'Lt' operators, the value must be an integer"
                    )
                )
    else:
        supported = ", ".join(go_quote(o) for o in _VALID_OPERATORS)
        errs.append(f"{prefix}operator: Unsupported value: {go_quote(operator)}: supported values: {supported}")
    for i, v in enumerate(values):
        verrs = label_value_errors(v)
        if verrs:
            errs.append(_field_invalid(f"{value_path}[{i}][{key}]", go_quote(v), "; ".join(verrs)))
    if errs:
        raise SelectorError(_aggregate(errs))
    return Requirement(key, operator, values)


# --------------------------------------------------------------------------------------------
# Compilation of requirements into one fast predicate
# --------------------------------------------------------------------------------------------

_EMPTY: dict[str, str] = {}


def _gt_lt(key: str, bound: int, greater: bool) -> Callable[[Mapping[str, str]], bool]:
    def clause(labels: Mapping[str, str]) -> bool:
        v = labels.get(key)
        if v is None:
            return False
        n = _parse_int64(v)
        if n is None:
            return False
        return n > bound if greater else n < bound

    return clause


def _compile(reqs: list[Requirement]) -> Callable[[Mapping[str, str]], bool]:
    """Build ``lambda L: clause0 and clause1 ...`` with every constant bound as a default arg.

    User data never enters the generated source: keys and values are passed through the
    namespace, so any string is safe.  ``L`` must be a mapping (callers substitute ``{}`` for
    ``None``).  Label values are strings, so ``L.get(k)`` returning ``None`` for a missing key
    can never equal or belong to the required values; this gives upstream's In/NotIn semantics
    (NotIn and != match objects without the key) with one dict lookup per clause.
    """
    if not reqs:
        return lambda labels: True
    ns: dict[str, object] = {}
    params: list[str] = []
    clauses: list[str] = []
    for i, r in enumerate(reqs):
        k = f"_k{i}"
        ns[k] = r.key
        params.append(f"{k}={k}")
        op = r.operator
        if op == EXISTS:
            clauses.append(f"({k} in L)")
        elif op == DOES_NOT_EXIST:
            clauses.append(f"({k} not in L)")
        elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS) or (op in (IN, NOT_IN) and len(r.values) == 1):
            v = f"_v{i}"
            ns[v] = r.values[0]
            params.append(f"{v}={v}")
            cmp = "==" if op in (EQUALS, DOUBLE_EQUALS, IN) else "!="
            clauses.append(f"(L.get({k}) {cmp} {v})")
        elif op in (IN, NOT_IN):
            v = f"_v{i}"
            ns[v] = frozenset(r.values)
            params.append(f"{v}={v}")
            clauses.append(f"(L.get({k}) {'in' if op == IN else 'not in'} {v})")
        elif op in (GREATER_THAN, LESS_THAN):
            f = f"_f{i}"
            ns[f] = _gt_lt(r.key, _parse_int64(r.values[0]) or 0, op == GREATER_THAN)
            params.append(f"{f}={f}")
            clauses.append(f"{f}(L)")
        else:  # pragma: no cover - new_requirement rejects other operators
            return lambda labels: False
    src = f"lambda L, {', '.join(params)}: " + " and ".join(clauses)
    return eval(src, ns)  # noqa: S307 - source built from fixed fragments only


# --------------------------------------------------------------------------------------------
# LabelSelector
# --------------------------------------------------------------------------------------------


class LabelSelector:
    """A parsed label selector: an AND of requirements, sorted by key."""

    __slots__ = ("requirements", "_match", "_nothing")

    def __init__(self, requirements: Iterable[Requirement] = (), *, _nothing: bool = False):
        self.requirements: tuple[Requirement, ...] = tuple(sorted(requirements, key=lambda r: r.key))
        self._nothing = _nothing
        if _nothing:
            self._match: Callable[[Mapping[str, str]], bool] = lambda labels: False
        else:
            self._match = _compile(list(self.requirements))

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """True if every requirement holds for ``labels`` (``None`` counts as no labels)."""
        return self._match(labels if labels is not None else _EMPTY)

    def matcher(self) -> Callable[[Mapping[str, str] | None], bool]:
        """The compiled predicate, for tight loops (same result as :meth:`matches`)."""
        m = self._match
        empty = _EMPTY
        return lambda labels: m(labels if labels is not None else empty)

    @property
    def empty(self) -> bool:
        """True if the selector restricts nothing (``labels.Selector.Empty``); NOTHING is not empty."""
        return not self._nothing and not self.requirements

    @property
    def matches_nothing(self) -> bool:
        """True only for :data:`NOTHING` (``labels.MatchesNothing``)."""
        return self._nothing

    def requires_exact_match(self, key: str) -> str | None:
        """The single value ``key`` must have (``=``, ``==`` or a one-value ``in``), else ``None``."""
        for r in self.requirements:
            if r.key == key:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def add(self, *reqs: Requirement) -> LabelSelector:
        """A new selector with more requirements (``Selector.Add``); NOTHING stays NOTHING."""
        if self._nothing:
            return self
        return LabelSelector(self.requirements + tuple(reqs))

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        if self._nothing:
            return "LabelSelector(NOTHING)"
        return f"LabelSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, LabelSelector)
            and self._nothing == other._nothing
            and self.requirements == other.requirements
        )

    def __hash__(self) -> int:
        return hash((self._nothing, self.requirements))


EVERYTHING = LabelSelector()
"""Matches every object (``labels.Everything()``)."""

NOTHING = LabelSelector(_nothing=True)
"""Matches no object (``labels.Nothing()``); what a nil ``metav1.LabelSelector`` converts to."""


# --------------------------------------------------------------------------------------------
# Label selector lexer / parser (a port of labels/selector.go)
# --------------------------------------------------------------------------------------------

_T_ERROR, _T_EOS, _T_CLOSE, _T_COMMA, _T_NOT, _T_DEQ, _T_EQ, _T_GT, _T_ID, _T_IN, _T_LT, _T_NEQ, _T_NOTIN, _T_OPEN = range(
    14
)
_STRING2TOKEN = {
    ")": _T_CLOSE,
    ",": _T_COMMA,
    "!": _T_NOT,
    "==": _T_DEQ,
    "=": _T_EQ,
    ">": _T_GT,
    "in": _T_IN,
    "<": _T_LT,
    "!=": _T_NEQ,
    "notin": _T_NOTIN,
    "(": _T_OPEN,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")


def _lex(s: str) -> list[tuple[int, str]]:
    """The whole token stream, ending with an end-of-string token (Parser.scan)."""
    items: list[tuple[int, str]] = []
    n = len(s)
    pos = 0
    while True:
        # skipWhiteSpaces; a NUL byte reads as the end of the input, as in the Go lexer
        while pos < n and s[pos] in _WHITESPACE:
            pos += 1
        if pos >= n or s[pos] == "\x00":
            items.append((_T_EOS, ""))
            return items
        ch = s[pos]
        if ch in _SPECIAL:
            buf = ""
            last: tuple[int, str] | None = None
            while pos < n and s[pos] != "\x00" and s[pos] in _SPECIAL:
                cand = buf + s[pos]
                tok = _STRING2TOKEN.get(cand)
                if tok is not None:
                    buf = cand
                    last = (tok, cand)
                    pos += 1
                elif last is not None:
                    break
                else:  # pragma: no cover - every single special character is a token
                    buf = cand
                    pos += 1
            if last is None:  # pragma: no cover
                items.append((_T_ERROR, f"error expected: keyword found '{buf}'"))
            else:
                items.append(last)
        else:
            start = pos
            while pos < n and s[pos] != "\x00" and s[pos] not in _SPECIAL and s[pos] not in _WHITESPACE:
                pos += 1
            lit = s[start:pos]
            items.append((_STRING2TOKEN.get(lit, _T_ID), lit))


class _Parser:
    __slots__ = ("items", "pos")

    def __init__(self, text: str):
        self.items = _lex(text)
        self.pos = 0

    def lookahead(self, values_ctx: bool) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        if values_ctx and tok in (_T_IN, _T_NOTIN):
            tok = _T_ID
        return tok, lit

    def consume(self, values_ctx: bool) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        self.pos += 1
        if values_ctx and tok in (_T_IN, _T_NOTIN):
            tok = _T_ID
        return tok, lit

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self.lookahead(True)
            if tok in (_T_ID, _T_NOT):
                try:
                    reqs.append(self.parse_requirement())
                except SelectorError as e:
                    raise SelectorError(f"unable to parse requirement: {e}") from None
                t, lit2 = self.consume(True)
                if t == _T_EOS:
                    return reqs
                if t == _T_COMMA:
                    t2, lit3 = self.lookahead(True)
                    if t2 not in (_T_ID, _T_NOT):
                        raise SelectorError(f"found '{lit3}', expected: identifier after ','")
                else:
                    raise SelectorError(f"found '{lit2}', expected: ',' or 'end of string'")
            elif tok == _T_EOS:
                return reqs
            else:
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def parse_requirement(self) -> Requirement:
        key, operator = self.parse_key_and_infer_operator()
        if operator in (EXISTS, DOES_NOT_EXIST):
            return new_requirement(key, operator, [])
        operator = self.parse_operator()
        if operator in (IN, NOT_IN):
            values = self.parse_values()
        else:
            values = self.parse_exact_value()
        return new_requirement(key, operator, sorted(values))

    def parse_key_and_infer_operator(self) -> tuple[str, str]:
        operator = ""
        tok, lit = self.consume(True)
        if tok == _T_NOT:
            operator = DOES_NOT_EXIST
            tok, lit = self.consume(True)
        if tok != _T_ID:
            raise SelectorError(f"found '{lit}', expected: identifier")
        kerrs = label_key_errors(lit)
        if kerrs:
            raise SelectorError(_field_invalid("<nil>", go_quote(lit), "; ".join(kerrs)))
        t, _ = self.lookahead(True)
        if t in (_T_EOS, _T_COMMA) and operator != DOES_NOT_EXIST:
            operator = EXISTS
        return lit, operator

    def parse_operator(self) -> str:
        tok, lit = self.consume(False)
        op = {
            _T_IN: IN,
            _T_EQ: EQUALS,
            _T_DEQ: DOUBLE_EQUALS,
            _T_GT: GREATER_THAN,
            _T_LT: LESS_THAN,
            _T_NOTIN: NOT_IN,
            _T_NEQ: NOT_EQUALS,
        }.get(tok)
        if op is None:
            raise SelectorError(f"found '{lit}', expected: {', '.join(_BINARY_OPERATORS)}")
        return op

    def parse_values(self) -> set[str]:
        tok, lit = self.consume(True)
        if tok != _T_OPEN:
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(True)
        if tok in (_T_ID, _T_COMMA):
            s = self.parse_identifiers_list()
            tok2, _ = self.consume(True)
            if tok2 != _T_CLOSE:
                raise SelectorError(f"found '{lit}', expected: ')'")
            return s
        if tok == _T_CLOSE:
            self.consume(True)
            return {""}
        raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        s: set[str] = set()
        while True:
            tok, lit = self.consume(True)
            if tok == _T_ID:
                s.add(lit)
                tok2, lit2 = self.lookahead(True)
                if tok2 == _T_COMMA:
                    continue
                if tok2 == _T_CLOSE:
                    return s
                raise SelectorError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _T_COMMA:
                if not s:
                    s.add("")
                tok2, _ = self.lookahead(True)
                if tok2 == _T_CLOSE:
                    s.add("")
                    return s
                if tok2 == _T_COMMA:
                    s.add("")
                continue
            raise SelectorError(f"found '{lit}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        tok, _ = self.lookahead(True)
        if tok in (_T_EOS, _T_COMMA):
            return {""}
        tok, lit = self.consume(True)
        if tok == _T_ID:
            return {lit}
        raise SelectorError(f"found '{lit}', expected: identifier")


def parse_label_selector(text: str) -> LabelSelector:
    """Parse ``?labelSelector=`` text (``labels.Parse``); raise :class:`SelectorError` if invalid.

    ``""`` (or only whitespace) gives a selector that matches everything.
    """
    reqs = _Parser(text).parse()
    if not reqs:
        return EVERYTHING
    return LabelSelector(reqs)


_SPEC_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def selector_from_spec(spec: Mapping | None) -> LabelSelector:
    """Convert a ``metav1.LabelSelector`` dict (``metav1.LabelSelectorAsSelector``).

    * ``None`` -> :data:`NOTHING`: matches no object.  A nil selector selects nothing (this is how
      the ReplicaSet/Deployment/... controllers and PodDisruptionBudgets treat a missing selector).
    * ``{}`` (no ``matchLabels``, no ``matchExpressions``) -> :data:`EVERYTHING`.
    * otherwise the AND of ``matchLabels`` (``key=value``) and ``matchExpressions``
      (``In``/``NotIn``/``Exists``/``DoesNotExist``), validated like upstream; an unknown operator
      raises ``"<op>" is not a valid label selector operator``.
    """
    if spec is None:
        return NOTHING
    match_labels = spec.get("matchLabels") or {}
    exprs = spec.get("matchExpressions") or []
    if not match_labels and not exprs:
        return EVERYTHING
    reqs: list[Requirement] = []
    for k, v in match_labels.items():
        reqs.append(new_requirement(str(k), EQUALS, [v if isinstance(v, str) else str(v)]))
    for expr in exprs:
        expr = expr or {}
        op_name = expr.get("operator", "")
        op = _SPEC_OPERATORS.get(op_name)
        if op is None:
            raise SelectorError(f"{go_quote(str(op_name))} is not a valid label selector operator")
        values = [v if isinstance(v, str) else str(v) for v in (expr.get("values") or [])]
        reqs.append(new_requirement(str(expr.get("key", "")), op, values))
    return LabelSelector(reqs)


# --------------------------------------------------------------------------------------------
# Field selectors (fields/selector.go)
# --------------------------------------------------------------------------------------------


def escape_field_value(value: str) -> str:
    """``fields.EscapeValue``: backslash-escape ``\\``, ``,`` and ``=``."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape_field_value(s: str) -> str:
    if "\\" not in s and "," not in s and "=" not in s:
        return s
    out: list[str] = []
    in_slash = False
    for c in s:
        if in_slash:
            if c in "\\,=":
                out.append(c)
            else:
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{c}")
            in_slash = False
            continue
        if c == "\\":
            in_slash = True
        elif c in ",=":
            # Go prints the rune with %v: its code point
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(c)}")
        else:
            out.append(c)
    if in_slash:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(selector: str) -> list[str]:
    if not selector:
        return []
    terms = []
    start = 0
    in_slash = False
    for i, c in enumerate(selector):
        if in_slash:
            in_slash = False
        elif c == "\\":
            in_slash = True
        elif c == ",":
            terms.append(selector[start:i])
            start = i + 1
    terms.append(selector[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


class FieldSelector:
    """A parsed field selector: an AND of ``field=value`` / ``field!=value`` terms.

    ``requirements`` holds ``(field, op, value)`` with ``op`` ``"="`` (for ``=`` and ``==``) or
    ``"!="``, in upstream's order (terms sorted by their text).  A field missing from the mapping
    passed to :meth:`matches` reads as ``""`` (``fields.Set.Get``).
    """

    __slots__ = ("requirements", "_match")

    def __init__(self, requirements: Iterable[tuple[str, str, str]] = ()):
        self.requirements: list[tuple[str, str, str]] = [tuple(r) for r in requirements]  # type: ignore[misc]
        self._match = self._compile()

    def _compile(self) -> Callable[[Mapping[str, str]], bool]:
        reqs = self.requirements
        if not reqs:
            return lambda fields: True
        ns: dict[str, object] = {}
        params, clauses = [], []
        for i, (f, op, v) in enumerate(reqs):
            ns[f"_f{i}"] = f
            ns[f"_v{i}"] = v
            params += [f"_f{i}=_f{i}", f"_v{i}=_v{i}"]
            clauses.append(f"(F.get(_f{i}, '') {'==' if op == '=' else '!='} _v{i})")
        return eval(f"lambda F, {', '.join(params)}: " + " and ".join(clauses), ns)  # noqa: S307

    def matches(self, fields: Mapping[str, str]) -> bool:
        return self._match(fields)

    def matcher(self) -> Callable[[Mapping[str, str]], bool]:
        return self._match

    def fields(self) -> set[str]:
        return {f for f, _, _ in self.requirements}

    @property
    def empty(self) -> bool:
        return not self.requirements

    def requires_exact_match(self, field: str) -> str | None:
        """The value ``field`` must equal, if some ``=`` term pins it, else ``None``."""
        for f, op, v in self.requirements:
            if f == field and op == "=":
                return v
        return None

    def transform(self, fn: Callable[[str, str], tuple[str, str]]) -> FieldSelector:
        """Rewrite every term's ``(field, value)`` (``Selector.Transform``)."""
        out = []
        for f, op, v in self.requirements:
            nf, nv = fn(f, v)
            if nf == "" and nv == "":
                continue
            out.append((nf, op, nv))
        return FieldSelector(out)

    def __str__(self) -> str:
        return ",".join(f"{f}{op}{escape_field_value(v)}" for f, op, v in self.requirements)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSelector) and self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash(tuple(self.requirements))


def parse_field_selector(text: str) -> FieldSelector:
    """Parse ``?fieldSelector=`` text (``fields.ParseSelector``); raise :class:`SelectorError`.

    ``""`` matches everything.  Nothing is trimmed: ``"a = b"`` is the field ``"a "``.
    """
    parts = sorted(_split_terms(text))
    reqs: list[tuple[str, str, str]] = []
    for part in parts:
        if part == "":
            continue
        split = _split_term(part)
        if split is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        value = _unescape_field_value(rhs)
        reqs.append((lhs, "!=" if op == "!=" else "=", value))
    return FieldSelector(reqs)


# How each resource's field-label conversion function words its refusal.  Core kinds with a
# registered conversion (pkg/apis/core/v1/conversion.go) and custom resources say
# "field label not supported: <f>"; batch/v1 Job says 'field label "<f>" not supported for
# batchv1.Job'; kinds without a registered conversion fall back to
# runtime.DefaultMetaV1FieldSelectorConversion.
_NOT_SUPPORTED = "field label not supported: {field}"
_DEFAULT_META = '{qfield} is not a known field selector: only "metadata.name", "metadata.namespace"'
FIELD_LABEL_ERROR_FORMATS: dict[str, str] = {
    "pods": _NOT_SUPPORTED,
    "nodes": _NOT_SUPPORTED,
    "replicationcontrollers": _NOT_SUPPORTED,
    "events": _NOT_SUPPORTED,
    "namespaces": _NOT_SUPPORTED,
    "secrets": _NOT_SUPPORTED,
    "services": _NOT_SUPPORTED,
    "customresources": _NOT_SUPPORTED,
    "jobs": 'field label {qfield} not supported for batchv1.Job',
}


def check_supported(sel: FieldSelector, supported: set[str] | frozenset[str], kind_plural: str) -> FieldSelector:
    """Refuse a selector on a field the resource does not index, as the apiserver does (400).

    Terms are checked in the selector's (sorted) order and the first unsupported field is
    reported with the message of the resource's field-label conversion function: see
    :data:`FIELD_LABEL_ERROR_FORMATS` (keyed by plural resource name; the fallback is the
    generic ``"<f>" is not a known field selector: only "metadata.name", "metadata.namespace"``).

    Returns the selector to use for matching: for ``pods`` the legacy label ``spec.host`` is
    rewritten to ``spec.nodeName`` when that is supported, as the real conversion does.
    """
    fmt = FIELD_LABEL_ERROR_FORMATS.get(kind_plural, _DEFAULT_META)
    alias = kind_plural == "pods" and "spec.nodeName" in supported
    changed = False
    for f, _, _ in sel.requirements:
        if alias and f == "spec.host":
            changed = True
            continue
        if f not in supported:
            raise SelectorError(fmt.format(field=f, qfield=go_quote(f)))
    if changed:
        return sel.transform(lambda f, v: ("spec.nodeName", v) if f == "spec.host" else (f, v))
    return sel
