"""PATCH for the simulated API server: JSON patch, JSON merge patch, strategic merge patch.

Stdlib-only ports of what ``kube-apiserver`` runs for ``PATCH`` (``endpoints/handlers/patch.go``):

* ``application/json-patch+json`` -> :func:`json_patch`, with the semantics of
  ``gopkg.in/evanphx/json-patch.v4`` (RFC 6902 plus its quirks: ``replace`` of a missing object
  key adds it, ``copy`` from a missing key copies ``null``, negative array indices count from the
  end, ``replace`` of the root with a scalar is a no-op).  A failing operation is answered
  ``422 Invalid`` with the fixed message ``the server rejected our request due to an error in our
  request`` (the apiserver builds it with ``NewGenericServerResponse``, which drops the library's
  text); that text is kept in :attr:`PatchError.detail`.
* ``application/merge-patch+json`` -> :func:`json_merge_patch` (RFC 7386 as evanphx's
  ``MergePatch`` implements it: ``null`` deletes; new values have their nested ``null`` members
  pruned, also inside objects held in arrays; arrays replace).
* ``application/strategic-merge-patch+json`` -> :func:`strategic_merge_patch`, a port of
  ``strategicpatch.StrategicMergeMapPatch`` driven by a table of the ``patchStrategy`` /
  ``patchMergeKey`` struct tags of ``k8s.io/api`` (see :data:`SMP_TYPES` and :data:`SMP_KINDS`).
  Supported: map merge, ``null`` deletes, merging lists of maps by their merge key, merging
  primitive lists as sets (``metadata.finalizers``, ``spec.podCIDRs``), ``$patch: replace|delete``
  on maps and list items (``$patch: merge`` on a list is refused as upstream does),
  ``$retainKeys``, ``$setElementOrder/<list>`` and ``$deleteFromPrimitiveList/<list>``.  Every
  other list is replaced.  Ordering is upstream's: items of a merged list that the live object does
  not have yet come *before* the existing ones (unless ``$setElementOrder`` says otherwise), and
  values new to the object lose their ``null`` members.  ``$``-directives never reach the result:
  where upstream leaves them in (values copied from the patch as they are) the typed decoding that
  follows drops them, and so do we.  Results were checked against ``kubectl patch --local``
  (kubectl 1.32, the same apimachinery code).
* ``application/apply-patch+yaml`` (server-side apply) and any other type -> ``415
  UnsupportedMediaType`` with the apiserver's message listing the accepted types.

Error texts are the apiserver's: bodies that do not parse give Go's ``encoding/json`` messages
(``invalid character 'x' looking for beginning of value``, ``unexpected end of JSON input``, ...),
with the ``error decoding patch: `` prefix the handler adds for JSON and merge patches.

All functions return new objects and never mutate their arguments.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from k8stui.gofmt import go_quote as _go_quote

__all__ = [
    "PatchError",
    "json_merge_patch",
    "json_patch",
    "strategic_merge_patch",
    "apply_patch",
    "JSON_PATCH",
    "MERGE_PATCH",
    "STRATEGIC_MERGE_PATCH",
    "APPLY_PATCH_YAML",
    "SMP_TYPES",
    "SMP_KINDS",
]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH_YAML = "application/apply-patch+yaml"

_REASONS = {
    400: "BadRequest",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "",  # metav1.StatusReasonUnknown: a plain Go error turned into a Status
}

INVALID_REQUEST_MESSAGE = "the server rejected our request due to an error in our request"
MAX_JSON_PATCH_OPERATIONS = 10000


class PatchError(ValueError):
    """A refused patch.  ``str(err)``/``message`` is the Status message, ``code`` its HTTP code.

    ``code`` is 400 (malformed patch), 422 (a JSON patch operation that does not apply, lists of
    lists, ...), 415 (unsupported Content-Type), 413 (too many JSON patch operations) or 500 (a
    strategic merge patch that upstream rejects with a plain Go error, such as a list item missing
    its merge key).  ``reason`` is the matching ``metav1.StatusReason``; ``detail`` carries the
    underlying library text where the apiserver hides it behind a generic message.
    """

    def __init__(self, message: str, code: int = 400, *, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = _REASONS.get(code, "")
        self.detail = detail if detail is not None else message

    def __repr__(self) -> str:
        return f"PatchError({self.message!r}, code={self.code})"

    def status(self) -> dict[str, Any]:
        """The ``metav1.Status`` the apiserver answers with (``reason`` omitted when empty)."""
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            out["reason"] = self.reason
        out["code"] = self.code
        return out


# ============================================================================================
# JSON helpers: copying, strict equality, Go-compatible decoding errors and %v formatting
# ============================================================================================


def _clone(v: Any) -> Any:
    """Deep copy of a JSON value (much faster than ``copy.deepcopy``)."""
    t = type(v)
    if t is dict:
        return {k: _clone(x) for k, x in v.items()}
    if t is list:
        return [_clone(x) for x in v]
    return v


def _geq(a: Any, b: Any) -> bool:
    """Go interface equality for JSON scalars: same dynamic type and value (``True != 1``)."""
    if type(a) is not type(b):
        return False
    if type(a) in (dict, list):
        return False  # uncomparable in Go (would panic); never equal here
    return a == b


def _json_equal(a: Any, b: Any) -> bool:
    """Structural equality of JSON values that tells ``1`` from ``1.0`` and ``true`` from ``1``."""
    ta, tb = type(a), type(b)
    if ta is not tb:
        return False
    if ta is dict:
        return len(a) == len(b) and all(k in b and _json_equal(v, b[k]) for k, v in a.items())
    if ta is list:
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return a == b


def _strip_directives(v: Any) -> Any:
    """Drop ``$``-prefixed keys from a value taken from a patch.

    Upstream leaves such keys in place where it copies patch values as they are; the typed
    decoding that follows the merge drops them, since no API field starts with ``$``.
    """
    t = type(v)
    if t is dict:
        return {k: _strip_directives(x) for k, x in v.items() if not (k and k[0] == "$")}
    if t is list:
        return [_strip_directives(x) for x in v]
    return v


def _discard_nulls(v: Any) -> Any:
    """``discardNullValuesFromPatch``: drop null members of maps, recursively (lists keep nulls)."""
    t = type(v)
    if t is dict:
        return {k: _discard_nulls(x) for k, x in v.items() if x is not None}
    if t is list:
        return [_discard_nulls(x) for x in v]
    return v


_DROP = object()


def _remove_directives(v: Any) -> Any:
    """``removeDirectives``: a map holding ``$patch`` disappears (from its parent map or list)."""
    t = type(v)
    if t is dict:
        if "$patch" in v:
            return _DROP
        out = {}
        for k, x in v.items():
            y = _remove_directives(x)
            if y is not _DROP:
                out[k] = y
        return out
    if t is list:
        return [y for y in (_remove_directives(x) for x in v) if y is not _DROP]
    return v


def _new_value(v: Any, discard_nulls: bool = True) -> Any:
    """What upstream stores for a patch value copied into the object (or ``_DROP``)."""
    if discard_nulls:
        v = _discard_nulls(v)
    v = _remove_directives(v)
    return v if v is _DROP else _strip_directives(v)


# --- Go encoding/json scanner, used to word syntax errors exactly as the apiserver does -----

_WS = b" \t\r\n"


def _quote_char(c: int) -> str:
    """``encoding/json.quoteChar``: the offending byte as Go prints it."""
    if c == 0x27:
        return "'\\''"
    if c == 0x22:
        return "'\"'"
    esc = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v", 0x5C: "\\\\"}
    if c in esc:
        return "'" + esc[c] + "'"
    if c < 0x20 or c == 0x7F:
        return "'\\x%02x'" % c
    ch = chr(c)  # Go converts the byte to the rune with the same value
    if c < 0x80 or (ch.isprintable() and c not in (0xA0, 0xAD)):
        return "'" + ch + "'"
    return "'\\u%04x'" % c


def _go_json_syntax_error(data: bytes) -> str:
    """The message ``json.Unmarshal`` gives for a malformed document (``checkValid``)."""
    n = len(data)
    i = 0
    stack: list[int] = []  # 0: expecting object key, 1: object value, 2: array value
    OBJ_KEY, OBJ_VAL, ARR = 0, 1, 2

    def err(pos: int, ctx: str) -> str:
        # at the end of the input Go's scanner is fed a space (scanner.eof)
        return f"invalid character {_quote_char(data[pos] if pos < n else 0x20)} {ctx}"

    def skip_ws(p: int) -> int:
        while p < n and data[p] in _WS:
            p += 1
        return p

    # state: 'value' (expect a value), 'end' (after a value)
    state = "value"
    while True:
        if state == "value":
            i = skip_ws(i)
            if i >= n:
                return "unexpected end of JSON input"
            c = data[i]
            if c == 0x7B:  # {
                i = skip_ws(i + 1)
                if i >= n:
                    return "unexpected end of JSON input"
                if data[i] == 0x7D:
                    i += 1
                    state = "end"
                    continue
                if data[i] != 0x22:
                    return err(i, "looking for beginning of object key string")
                stack.append(OBJ_KEY)
                # fall through to string scanning below
                c = 0x22
            elif c == 0x5B:  # [
                i = skip_ws(i + 1)
                if i >= n:
                    return "unexpected end of JSON input"
                if data[i] == 0x5D:
                    i += 1
                    state = "end"
                    continue
                stack.append(ARR)
                continue  # state stays 'value'
            if c == 0x22:  # string
                i += 1
                while True:
                    if i >= n:
                        return "unexpected end of JSON input"
                    b = data[i]
                    if b == 0x22:
                        i += 1
                        break
                    if b == 0x5C:
                        i += 1
                        if i >= n:
                            return err(i, "in string escape code")
                        e = data[i]
                        if e in b'bfnrt\\/"':
                            i += 1
                            continue
                        if e == 0x75:  # u
                            i += 1
                            for _ in range(4):
                                if i >= n or data[i] not in b"0123456789abcdefABCDEF":
                                    return err(i, "in \\u hexadecimal character escape")
                                i += 1
                            continue
                        return err(i, "in string escape code")
                    if b < 0x20:
                        return err(i, "in string literal")
                    i += 1
                state = "end"
                continue
            if c == 0x2D or 0x30 <= c <= 0x39:  # number
                if c == 0x2D:
                    i += 1
                    if i >= n or not 0x30 <= data[i] <= 0x39:
                        return err(i, "in numeric literal")
                if data[i] == 0x30:
                    i += 1
                else:
                    while i < n and 0x30 <= data[i] <= 0x39:
                        i += 1
                if i < n and data[i] == 0x2E:
                    i += 1
                    if i >= n or not 0x30 <= data[i] <= 0x39:
                        return err(i, "after decimal point in numeric literal")
                    while i < n and 0x30 <= data[i] <= 0x39:
                        i += 1
                if i < n and data[i] in b"eE":
                    i += 1
                    if i < n and data[i] in b"+-":
                        i += 1
                    if i >= n or not 0x30 <= data[i] <= 0x39:
                        return err(i, "in exponent of numeric literal")
                    while i < n and 0x30 <= data[i] <= 0x39:
                        i += 1
                state = "end"
                continue
            for word in (b"true", b"false", b"null"):
                if c == word[0]:
                    i += 1
                    for expect in word[1:]:
                        if i >= n or data[i] != expect:
                            return err(i, f"in literal {word.decode()} (expecting '{chr(expect)}')")
                        i += 1
                    state = "end"
                    break
            else:
                return err(i, "looking for beginning of value")
            continue
        # state == 'end': after a complete value
        if not stack:
            i = skip_ws(i)
            if i < n:
                return err(i, "after top-level value")
            return ""  # valid
        i = skip_ws(i)
        if i >= n:
            return "unexpected end of JSON input"
        c = data[i]
        top = stack[-1]
        if top == OBJ_KEY:
            if c != 0x3A:
                return err(i, "after object key")
            stack[-1] = OBJ_VAL
            i += 1
            state = "value"
        elif top == OBJ_VAL:
            if c == 0x2C:
                i = skip_ws(i + 1)
                if i >= n:
                    return "unexpected end of JSON input"
                if data[i] != 0x22:
                    return err(i, "looking for beginning of object key string")
                stack[-1] = OBJ_KEY
                state = "value"  # the string branch handles data[i] == '"'
            elif c == 0x7D:
                stack.pop()
                i += 1
            else:
                return err(i, "after object key:value pair")
        else:  # array
            if c == 0x2C:
                i += 1
                state = "value"
            elif c == 0x5D:
                stack.pop()
                i += 1
            else:
                return err(i, "after array element")


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _parse_int(s: str) -> int | float:
    v = int(s)
    if -(2**63) <= v < 2**63:
        return v
    return float(s)  # json.Number that does not fit an int64 decodes as float64


def _decode_json(body: bytes | str) -> Any:
    """Decode a request body like Go would, or raise ``ValueError`` with Go's message."""
    if isinstance(body, str):
        raw = body.encode("utf-8", "surrogatepass")
    else:
        raw = bytes(body)
    try:
        return json.loads(
            raw.decode("utf-8", "replace"), parse_int=_parse_int, parse_constant=_reject_constant
        )
    except (ValueError, RecursionError):
        msg = _go_json_syntax_error(raw) or "invalid JSON document"
        raise ValueError(msg) from None


def _go_kind(v: Any) -> str:
    """The JSON value kind Go names in an ``UnmarshalTypeError``."""
    t = type(v)
    if t is dict:
        return "object"
    if t is list:
        return "array"
    if t is str:
        return "string"
    if t is bool:
        return "bool"
    return "number"


def _go_float(x: float) -> str:
    """``fmt`` ``%v`` of a float64 (``strconv.FormatFloat(x, 'g', -1, 64)`` rules)."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "-0" if str(x).startswith("-") else "0"
    sign, digits, exp = Decimal(repr(x)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    dp = len(ds) + exp  # position of the decimal point
    e = dp - 1
    s = "-" if sign else ""
    # Go: %e when exp < -4 || exp >= eprec, and eprec is 6 for the shortest representation.
    eprec = 6
    if e < -4 or e >= eprec:
        mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
        return f"{s}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if dp <= 0:
        return s + "0." + "0" * (-dp) + ds
    if dp >= len(ds):
        return s + ds + "0" * (dp - len(ds))
    return s + ds[:dp] + "." + ds[dp:]


def _gofmt(v: Any) -> str:
    """``fmt`` ``%v`` of an unstructured value (maps print sorted by key, like Go)."""
    t = type(v)
    if v is None:
        return "<nil>"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return _go_float(v)
    if t is str:
        return v
    if t is list:
        return "[" + " ".join(_gofmt(x) for x in v) + "]"
    if t is dict:
        return "map[" + " ".join(f"{k}:{_gofmt(v[k])}" for k in sorted(v)) + "]"
    return str(v)


def _go_type(v: Any) -> str:
    t = type(v)
    return {
        dict: "map[string]interface {}",
        list: "[]interface {}",
        str: "string",
        bool: "bool",
        int: "int64",
        float: "float64",
    }.get(t, "<nil>")


def _go_s(v: Any) -> str:
    """``%s`` of an arbitrary value (``%!s(T=v)`` for non-strings, as Go prints it)."""
    if type(v) is str:
        return v
    if v is None:
        return "%!s(<nil>)"
    if type(v) in (dict, list):
        return _gofmt(v)
    return f"%!s({_go_type(v)}={_gofmt(v)})"


def _err_bad_arg_type(expected: str, actual: Any) -> PatchError:
    got = "%!s(<nil>)" if actual is None else _go_type(actual)
    return PatchError(f"expected a {expected}, but received a {got}", 500)


def _err_no_merge_key(m: dict, key: str) -> PatchError:
    return PatchError(f"map: {_gofmt(m)} does not contain declared merge key: {key}", 500)


# ============================================================================================
# JSON merge patch (RFC 7386, evanphx/json-patch v4 MergePatch)
# ============================================================================================


def _prune_nulls(v: Any) -> Any:
    t = type(v)
    if t is dict:
        for k in [k for k, x in v.items() if x is None]:
            del v[k]
        for x in v.values():
            _prune_nulls(x)
    elif t is list:
        for x in v:  # nulls in arrays are kept; objects inside arrays are pruned
            if x is not None:
                _prune_nulls(x)
    return v


def _merge_docs(doc: dict, patch: dict) -> None:
    for k, v in patch.items():
        if v is None:
            doc.pop(k, None)
        elif k not in doc:
            doc[k] = _prune_nulls(_clone(v))
        else:
            cur = doc[k]
            if type(cur) is not dict:
                doc[k] = _prune_nulls(_clone(v))
            elif type(v) is not dict:
                doc[k] = _clone(v)
            else:
                _merge_docs(cur, v)


def json_merge_patch(target: dict, patch: dict) -> dict:
    """Apply an RFC 7386 JSON merge patch; return a new object (inputs are not modified)."""
    if patch is None:
        raise PatchError("Invalid JSON Patch", 400)
    if type(patch) is not dict:
        raise PatchError(
            f"error decoding patch: json: cannot unmarshal {_go_kind(patch)} into Go value of type "
            "map[string]interface {}",
            400,
        )
    doc = _clone(target) if target is not None else {}
    _merge_docs(doc, patch)
    return doc


# ============================================================================================
# JSON patch (RFC 6902, evanphx/json-patch v4 semantics)
# ============================================================================================


class _OpError(Exception):
    """An evanphx error; ``str()`` is its full (wrapped) text."""


_MISSING = "missing value"
_INVALID_INDEX = "invalid index referenced"
_TEST_FAILED = "test failed"


def _atoi(s: str) -> int:
    """``strconv.Atoi`` or :class:`_OpError` with its message."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isascii() or not body.isdigit():
        raise _OpError(f"strconv.Atoi: parsing {_go_quote(s)}: invalid syntax")
    v = int(s)
    if not -(2**63) <= v < 2**63:
        raise _OpError(f"strconv.Atoi: parsing {_go_quote(s)}: value out of range")
    return v


def _decode_token(k: str) -> str:
    """RFC 6901 unescaping (``~1`` -> ``/``, ``~0`` -> ``~``, left to right, single pass)."""
    if "~" not in k:
        return k
    out = []
    i = 0
    while i < len(k):
        if k[i] == "~" and i + 1 < len(k) and k[i + 1] in "01":
            out.append("/" if k[i + 1] == "1" else "~")
            i += 2
        else:
            out.append(k[i])
            i += 1
    return "".join(out)


def _c_get(con: Any, key: str) -> Any:
    if type(con) is dict:
        return con.get(key)
    idx = _atoi(key)
    if idx < 0:
        if idx < -len(con):
            raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
        idx += len(con)
    if idx >= len(con):
        raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
    return con[idx]


def _c_set(con: Any, key: str, val: Any) -> None:
    if type(con) is dict:
        con[key] = val
        return
    idx = _atoi(key)
    if idx < 0:
        if idx < -len(con):
            raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
        idx += len(con)
    con[idx] = val


def _c_add(con: Any, key: str, val: Any) -> None:
    if type(con) is dict:
        con[key] = val
        return
    if key == "-":
        con.append(val)
        return
    try:
        idx = _atoi(key)
    except _OpError as e:
        raise _OpError(f"value was not a proper array index: '{key}': {e}") from None
    size = len(con) + 1
    if idx >= size:
        raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
    if idx < 0:
        if idx < -size:
            raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
        idx += size
    con.insert(idx, val)


def _c_remove(con: Any, key: str) -> None:
    if type(con) is dict:
        if key not in con:
            raise _OpError(f"Unable to remove nonexistent key: {key}: {_MISSING}")
        del con[key]
        return
    idx = _atoi(key)
    if idx >= len(con):
        raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
    if idx < 0:
        if idx < -len(con):
            raise _OpError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")
        idx += len(con)
    del con[idx]


def _find_object(doc: Any, path: str) -> tuple[Any, str] | None:
    """evanphx ``findObject``: the container of the last path token and that token."""
    split = path.split("/")
    if len(split) < 2:
        return None
    cur = doc
    for part in split[1:-1]:
        try:
            nxt = _c_get(cur, _decode_token(part))
        except _OpError:
            return None
        if type(nxt) not in (dict, list):
            return None  # missing, null, or a scalar: cannot descend
        cur = nxt
    return cur, _decode_token(split[-1])


def _op_str(op: dict, field: str) -> str | None:
    v = op.get(field)
    return v if type(v) is str else None


def _apply_op(doc: Any, op: dict) -> Any:
    """Apply one operation to ``doc`` in place; return the (possibly new) document root."""
    kind = op.get("op")
    kind = kind if type(kind) is str else "unknown"
    path = _op_str(op, "path")
    has_value = "value" in op
    value = op.get("value")

    if kind == "add":
        if path is None:
            raise _OpError(f"add operation failed to decode path: {_MISSING}")
        found = _find_object(doc, path)
        if found is None:
            raise _OpError(f'add operation does not apply: doc is missing path: "{path}": {_MISSING}')
        try:
            _c_add(found[0], found[1], _clone(value))
        except _OpError as e:
            raise _OpError(f"error in add for path: '{path}': {e}") from None
        return doc

    if kind == "remove":
        if path is None:
            raise _OpError(f"remove operation failed to decode path: {_MISSING}")
        found = _find_object(doc, path)
        if found is None:
            raise _OpError(f'remove operation does not apply: doc is missing path: "{path}": {_MISSING}')
        try:
            _c_remove(found[0], found[1])
        except _OpError as e:
            raise _OpError(f"error in remove for path: '{path}': {e}") from None
        return doc

    if kind == "replace":
        if path is None:
            raise _OpError(f"replace operation failed to decode path: operation missing path field: {_MISSING}")
        if path == "":
            # Replacing the whole document: objects and arrays replace it; anything else is
            # silently ignored (upstream wraps a nil error, which yields no error at all).
            if type(value) in (dict, list):
                return _clone(value)
            return doc
        found = _find_object(doc, path)
        if found is None:
            raise _OpError(f"replace operation does not apply: doc is missing path: {path}: {_MISSING}")
        con, key = found
        try:
            _c_get(con, key)
        except _OpError:
            raise _OpError(f"replace operation does not apply: doc is missing key: {path}: {_MISSING}") from None
        try:
            _c_set(con, key, _clone(value))
        except _OpError as e:  # pragma: no cover - get() already validated the key
            raise _OpError(f"error in remove for path: '{path}': {e}") from None
        return doc

    if kind == "move":
        frm = _op_str(op, "from")
        if frm is None:
            raise _OpError(f"move operation failed to decode from: operation, missing from field: {_MISSING}")
        found = _find_object(doc, frm)
        if found is None:
            raise _OpError(f"move operation does not apply: doc is missing from path: {frm}: {_MISSING}")
        con, key = found
        try:
            val = _c_get(con, key)
            _c_remove(con, key)
        except _OpError as e:
            raise _OpError(f"error in move for path: '{key}': {e}") from None
        if path is None:
            raise _OpError(f"move operation failed to decode path: operation missing path field: {_MISSING}")
        found = _find_object(doc, path)
        if found is None:
            raise _OpError(f"move operation does not apply: doc is missing destination path: {path}: {_MISSING}")
        try:
            _c_add(found[0], found[1], val)
        except _OpError as e:
            raise _OpError(f"error in move for path: '{path}': {e}") from None
        return doc

    if kind == "test":
        if path is None:
            raise _OpError(f"test operation failed to decode path: operation missing path field: {_MISSING}")
        if path == "":
            if has_value and _json_equal(doc, value):
                return doc
            raise _OpError(f"testing value {path} failed: {_TEST_FAILED}")
        found = _find_object(doc, path)
        if found is None:
            raise _OpError(f"test operation does not apply: is missing path: {path}: {_MISSING}")
        try:
            val = _c_get(found[0], found[1])
        except _OpError as e:
            raise _OpError(f"error in test for path: '{path}': {e}") from None
        if val is None:
            if has_value and value is None:
                return doc
            raise _OpError(f"testing value {path} failed: {_TEST_FAILED}")
        if has_value and _json_equal(val, value):
            return doc
        raise _OpError(f"testing value {path} failed: {_TEST_FAILED}")

    if kind == "copy":
        frm = _op_str(op, "from")
        if frm is None:
            raise _OpError(f"copy operation failed to decode from: operation, missing from field: {_MISSING}")
        found = _find_object(doc, frm)
        if found is None:
            raise _OpError(f"copy operation does not apply: doc is missing from path: {frm}: {_MISSING}")
        try:
            val = _c_get(found[0], found[1])
        except _OpError as e:
            raise _OpError(f"error in copy for from: '{frm}': {e}") from None
        if path is None:
            raise _OpError(f"copy operation failed to decode path: {_MISSING}")
        found = _find_object(doc, path)
        if found is None:
            raise _OpError(f"copy operation does not apply: doc is missing destination path: {path}: {_MISSING}")
        try:
            _c_add(found[0], found[1], _clone(val))
        except _OpError as e:
            raise _OpError(f"error while adding value during copy: {e}") from None
        return doc

    raise _OpError(f"Unexpected kind: {kind}")


def _validate_ops(ops: Any) -> None:
    """What the handler's strict decode into ``[]jsonPatchOp`` rejects with a 400."""
    if ops is None:
        return
    if type(ops) is not list:
        raise PatchError(
            f"error decoding patch: json: cannot unmarshal {_go_kind(ops)} into Go value of type "
            "[]handlers.jsonPatchOp",
            400,
        )
    for op in ops:
        if op is None:
            continue
        if type(op) is not dict:
            raise PatchError(
                f"error decoding patch: json: cannot unmarshal {_go_kind(op)} into Go value of type "
                "handlers.jsonPatchOp",
                400,
            )
        for field, v in op.items():
            if field in ("op", "path", "from") and v is not None and type(v) is not str:
                raise PatchError(
                    f"error decoding patch: json: cannot unmarshal {_go_kind(v)} into Go struct field "
                    f"jsonPatchOp.{field} of type string",
                    400,
                )


def json_patch(target: dict, ops: list) -> dict:
    """Apply an RFC 6902 JSON patch with the apiserver's semantics; return a new object.

    Raises :class:`PatchError`: 400 for a malformed patch document, 413 past 10000 operations,
    422 (``the server rejected our request due to an error in our request``, evanphx's text in
    ``detail``) when an operation does not apply or the result is not an object.
    """
    _validate_ops(ops)
    ops = ops or []
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise PatchError(
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{MAX_JSON_PATCH_OPERATIONS}, got {len(ops)}",
            413,
        )
    doc: Any = _clone(target) if target is not None else {}
    for op in ops:
        try:
            doc = _apply_op(doc, op if op is not None else {})
        except _OpError as e:
            raise PatchError(INVALID_REQUEST_MESSAGE, 422, detail=str(e)) from None
    if type(doc) is not dict:
        detail = f"json: cannot unmarshal {_go_kind(doc)} into Go value of type map[string]interface {{}}"
        raise PatchError(
            f' "" is invalid: patch: Invalid value: {json.dumps(json.dumps(doc, separators=(",", ":")))}: {detail}',
            422,
            detail=detail,
        )
    return doc


# ============================================================================================
# Strategic merge patch
# ============================================================================================

# patch metadata of one field: (child type name or None, strategy or None, merge key or None)
_Meta = tuple  # (str | None, str | None, str | None)


def _merge(key: str | None = None, child: str | None = None) -> _Meta:
    return (child, "merge", key)


def _struct(child: str) -> _Meta:
    return (child, None, None)


def _replace(child: str | None = None) -> _Meta:
    return (child, "replace", None)


_NO_META: _Meta = (None, None, None)

# The patchStrategy / patchMergeKey tags of k8s.io/api types that the simulator's kinds contain.
# Fields not listed have no strategy: maps merge key by key, lists are replaced.  "merge,retainKeys"
# tags are listed as plain "merge" ($retainKeys in a patch is honoured wherever it appears).
SMP_TYPES: dict[str, dict[str, _Meta]] = {
    "ObjectMeta": {
        "finalizers": _merge(),
        "ownerReferences": _merge("uid"),
    },
    "PodTemplateSpec": {"metadata": _struct("ObjectMeta"), "spec": _struct("PodSpec")},
    "PodSpec": {
        "volumes": _merge("name"),
        "initContainers": _merge("name", "Container"),
        "containers": _merge("name", "Container"),
        "ephemeralContainers": _merge("name", "Container"),
        "imagePullSecrets": _merge("name"),
        "hostAliases": _merge("ip"),
        "topologySpreadConstraints": _merge("topologyKey"),
        "schedulingGates": _merge("name"),
        "resourceClaims": _merge("name"),
        # tolerations, readinessGates, ...: no strategy (replace)
    },
    "Container": {  # also EphemeralContainer (EphemeralContainerCommon is inlined)
        "ports": _merge("containerPort"),
        "env": _merge("name"),
        "volumeMounts": _merge("mountPath"),
        "volumeDevices": _merge("devicePath"),
    },
    "PodStatus": {
        "conditions": _merge("type"),
        "podIPs": _merge("ip"),
        "hostIPs": _merge("ip"),
        "resourceClaimStatuses": _merge("name"),
    },
    "NodeSpec": {"podCIDRs": _merge()},  # taints: no strategy (replace)
    "NodeStatus": {"conditions": _merge("type"), "addresses": _merge("type")},
    "ServiceSpec": {"ports": _merge("port")},
    "ConditionsStatus": {"conditions": _merge("type")},
    "TemplateSpec": {"template": _struct("PodTemplateSpec")},
    "JobTemplateSpec": {"metadata": _struct("ObjectMeta"), "spec": _struct("TemplateSpec")},
    "CronJobSpec": {"jobTemplate": _struct("JobTemplateSpec")},
    "PodDisruptionBudgetSpec": {"selector": _replace()},
    "Webhook": {"matchConditions": _merge("name")},
    "ValidatingAdmissionPolicySpec": {"matchConditions": _merge("name"), "variables": _merge("name")},
    "CSINodeSpec": {"drivers": _merge("name")},
}

# Top-level fields (besides metadata) of each kind the simulator serves with SMP.
SMP_KINDS: dict[str, dict[str, _Meta]] = {
    "Pod": {"spec": _struct("PodSpec"), "status": _struct("PodStatus")},
    "PodTemplate": {"template": _struct("PodTemplateSpec")},
    "Node": {"spec": _struct("NodeSpec"), "status": _struct("NodeStatus")},
    "Service": {"spec": _struct("ServiceSpec"), "status": _struct("ConditionsStatus")},
    "ServiceAccount": {"secrets": _merge("name")},
    "Namespace": {"status": _struct("ConditionsStatus")},
    "PersistentVolumeClaim": {"status": _struct("ConditionsStatus")},
    "ReplicationController": {"spec": _struct("TemplateSpec"), "status": _struct("ConditionsStatus")},
    "Deployment": {"spec": _struct("TemplateSpec"), "status": _struct("ConditionsStatus")},
    "ReplicaSet": {"spec": _struct("TemplateSpec"), "status": _struct("ConditionsStatus")},
    "StatefulSet": {"spec": _struct("TemplateSpec"), "status": _struct("ConditionsStatus")},
    "DaemonSet": {"spec": _struct("TemplateSpec"), "status": _struct("ConditionsStatus")},
    "Job": {"spec": _struct("TemplateSpec"), "status": _struct("ConditionsStatus")},
    "CronJob": {"spec": _struct("CronJobSpec")},
    "HorizontalPodAutoscaler": {"status": _struct("ConditionsStatus")},
    "PodDisruptionBudget": {"spec": _struct("PodDisruptionBudgetSpec"), "status": _struct("ConditionsStatus")},
    "MutatingWebhookConfiguration": {"webhooks": _merge("name", "Webhook")},
    "ValidatingWebhookConfiguration": {"webhooks": _merge("name", "Webhook")},
    "ValidatingAdmissionPolicy": {"spec": _struct("ValidatingAdmissionPolicySpec")},
    "CSINode": {"spec": _struct("CSINodeSpec")},
}

_ROOT_META = {"metadata": _struct("ObjectMeta")}

_DIRECTIVE = "$patch"
_DELETE, _REPLACE, _MERGE = "delete", "replace", "merge"
_RETAIN_KEYS = "$retainKeys"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList"
_SET_ORDER = "$setElementOrder"

_ERR_BAD_PRIMITIVE = "invalid patch format of primitive list"
_ERR_BAD_RETAIN = "invalid patch format of retainKeys"
_ERR_BAD_SET_ORDER = "invalid patch format of setElementOrder list"
_ERR_LIST_OF_LISTS = "lists of lists are not supported"


def _root_schema(kind: str) -> dict[str, _Meta]:
    fields = dict(_ROOT_META)
    fields.update(SMP_KINDS.get(kind, {}))
    return fields


def _lookup(schema: dict[str, _Meta] | None, key: str) -> tuple[dict[str, _Meta] | None, str | None, str]:
    """``LookupPatchMetadata``: (child schema, strategy, merge key) of ``key``."""
    if not schema:
        return None, None, ""
    child, strategy, merge_key = schema.get(key, _NO_META)
    return (SMP_TYPES.get(child) if child else None), strategy, merge_key or ""


def _list_of_lists() -> PatchError:
    return PatchError(INVALID_REQUEST_MESSAGE, 422, detail=_ERR_LIST_OF_LISTS)


def _slice_element_kind(*slices: list) -> str:
    """``sliceElementType``: 'map' or 'scalar'; errors like upstream on lists of lists/mixes."""
    prev: type | None = None
    for s in slices:
        for v in s:
            t = type(v)
            if prev is None:
                prev = t
                if t is list:
                    raise _list_of_lists()
            elif prev is not t:
                raise PatchError(f"list element types are not identical: {_gofmt(list(slices))}", 500)
    if prev is None:
        raise PatchError("no elements in any of the given slices", 500)
    return "map" if prev is dict else "scalar"


def _index(lst: list, val: Any, merge_key: str, is_map: bool) -> int:
    if is_map:
        want = val.get(merge_key) if type(val) is dict else None
        for i, v in enumerate(lst):
            got = v.get(merge_key) if type(v) is dict else None
            if _geq(want, got):
                return i
        return -1
    for i, v in enumerate(lst):
        if _geq(val, v):
            return i
    return -1


def _find_map(lst: list, key: str, value: Any) -> tuple[dict | None, int]:
    for i, v in enumerate(lst):
        if type(v) is not dict:
            raise PatchError(f"value for key {i} is not a map.", 500)
        if key in v and _geq(v[key], value):
            return v, i
    return None, -1


def _validate_merge_keys(merge_key: str, *lists: list) -> None:
    for lst in lists:
        for item in lst:
            if type(item) is not dict:
                raise _err_bad_arg_type("map[string]interface {}", item)
            if merge_key not in item:
                raise _err_no_merge_key(item, merge_key)


def _extract_to_delete(lst: list) -> tuple[list, list]:
    keep, delete = [], []
    for v in lst:
        if type(v) is not dict:
            raise _err_bad_arg_type("map[string]interface {}", v)
        if v.get(_DIRECTIVE) == _DELETE and type(v.get(_DIRECTIVE)) is str:
            delete.append(v)
        else:
            keep.append(v)
    return keep, delete


def _normalize_slice_order(to_sort: list, order: list, merge_key: str, is_map: bool) -> list:
    to_delete: list = []
    if is_map:
        _validate_merge_keys(merge_key, to_sort, order)
        to_sort, to_delete = _extract_to_delete(to_sort)
    to_sort = sorted(to_sort, key=lambda x: _index(order, x, merge_key, is_map))
    return to_sort + to_delete


def _merge_sorted_slice(left: list, right: list, server_order: list, merge_key: str, is_map: bool) -> list:
    out = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            out.append(right[j])
            j += 1
        elif j >= len(right):
            out.append(left[i])
            i += 1
        else:
            li = _index(server_order, left[i], merge_key, is_map)
            ri = _index(server_order, right[j], merge_key, is_map)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _normalize_element_order(
    patch: list, server_only: list, patch_order: list, server_order: list, merge_key: str, is_map: bool
) -> list:
    patch = _normalize_slice_order(patch, patch_order, merge_key, is_map)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, is_map)
    return _merge_sorted_slice(server_only, patch, server_order, merge_key, is_map)


def _skey(v: Any) -> tuple:
    return (type(v), v)


def _partition_primitives(original: list, partition_by: list) -> tuple[list, list]:
    try:
        in_patch = {_skey(v) for v in partition_by}
        pick = lambda v: _skey(v) in in_patch  # noqa: E731
    except TypeError:  # unhashable: fall back to scanning
        pick = lambda v: any(_geq(v, p) for p in partition_by)  # noqa: E731
    patch, server = [], []
    for v in original:
        (patch if pick(v) else server).append(v)
    return patch, server


def _partition_maps(original: list, partition_by: list, merge_key: str) -> tuple[list, list]:
    patch, server = [], []
    for v in original:
        if type(v) is not dict:
            raise _err_bad_arg_type("map[string]interface {}", v)
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        found, _ = _find_map(partition_by, merge_key, v[merge_key])
        (patch if found is not None else server).append(v)
    return patch, server


def _dedup_scalars(s: list) -> list:
    """Upstream's in-place ``deduplicateScalars`` (its swap-with-last order included)."""
    s = list(s)
    length = len(s) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _geq(s[i], s[j]):
                s[j] = s[length]
                s = s[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return s


def _delete_from_slice(current: list, to_delete: list) -> list:
    return [v for v in current if not any(_geq(v, d) for d in to_delete)]


def _merge_slice_special(original: list, patch: list, merge_key: str) -> tuple[list, list]:
    without = []
    replace = False
    for v in patch:
        if _DIRECTIVE not in v:
            without.append(v)
            continue
        d = v[_DIRECTIVE]
        if d == _DELETE and type(d) is str:
            if merge_key not in v:
                raise _err_no_merge_key(v, merge_key)
            mv = v[merge_key]
            while True:
                _, idx = _find_map(original, merge_key, mv)
                if idx < 0:
                    break
                original = original[:idx] + original[idx + 1 :]
        elif d == _REPLACE and type(d) is str:
            replace = True
        elif d == _MERGE and type(d) is str:
            raise PatchError("merging lists cannot yet be specified in the patch", 500)
        else:
            raise PatchError(f"unknown patch type: {_go_s(d)} in map: {_gofmt(v)}", 500)
    if replace:
        return [_strip_directives(x) for x in without], []
    return original, without


def _merge_slice(
    original: list, patch: list, elem_schema: dict | None, merge_key: str, is_delete_list: bool
) -> list:
    if not original and not patch:
        return original
    kind = _slice_element_kind(original, patch)
    is_map = kind == "map"
    if not is_map:
        if is_delete_list:
            return _delete_from_slice(original, patch)
        merged = _dedup_scalars(original + [_strip_directives(p) for p in patch])
        patch_items, server_only = _partition_primitives(merged, patch)
    else:
        if not merge_key:
            raise PatchError("cannot merge lists without merge key for type string", 500)
        original, patch = _merge_slice_special(original, patch, merge_key)
        merged = list(original)
        for v in patch:
            if merge_key not in v:
                raise _err_no_merge_key(v, merge_key)
            found, idx = _find_map(merged, merge_key, v[merge_key])
            if found is not None:
                merged[idx] = _merge_map(found, v, elem_schema)
            else:
                merged.append(_strip_directives(v))
        patch_items, server_only = _partition_maps(merged, patch, merge_key)
    return _normalize_element_order(patch_items, server_only, patch, original, merge_key, is_map)


def _merge_slice_handler(
    original: Any, patch: Any, child: dict | None, strategy: str | None, merge_key: str, is_delete_list: bool
) -> list:
    if type(original) is not list:
        raise _err_bad_arg_type("[]interface {}", original)
    if type(patch) is not list:
        raise _err_bad_arg_type("[]interface {}", patch)
    # delete lists are handled the same way whatever the field's patch strategy is
    if strategy == _MERGE or is_delete_list:
        return _merge_slice(original, patch, child, merge_key, is_delete_list)
    return _strip_directives(patch)


def _apply_retain_keys(original: dict, patch: dict) -> None:
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if type(retain) is not list:
        raise PatchError(_ERR_BAD_RETAIN, 400)
    keep = {_skey(v) for v in retain if type(v) not in (dict, list)}
    for k, v in patch.items():
        if v is None or k.startswith(_DELETE_PRIMITIVE) or k.startswith(_SET_ORDER):
            continue
        if _skey(k) not in keep:
            raise PatchError(_ERR_BAD_RETAIN, 400)
    for k in [k for k in original if _skey(k) not in keep]:
        del original[k]


def _extract_key(s: str, prefix: str) -> str:
    parts = s.split("/", 1)
    if len(parts) <= 1 or parts[0] != prefix:
        if prefix == _DELETE_PRIMITIVE:
            raise PatchError(_ERR_BAD_PRIMITIVE, 400)
        raise PatchError(_ERR_BAD_SET_ORDER, 400)
    return parts[1]


def _validate_set_order(patch_list: Any, set_order: Any, merge_key: str) -> None:
    if type(set_order) is not list or type(patch_list) is not list:
        raise PatchError(_ERR_BAD_SET_ORDER, 400)
    if not set_order or not patch_list:
        return
    if merge_key:
        non_delete, _ = _extract_to_delete(patch_list)
    else:
        non_delete = patch_list
    pi = si = 0
    while pi < len(non_delete) and si < len(set_order):
        item = non_delete[pi]
        if type(item) is dict and _DIRECTIVE in item:
            pi += 1
            continue
        if merge_key:
            for side in (item, set_order[si]):
                if type(side) is not dict:
                    raise _err_bad_arg_type("map[string]interface {}", side)
                if merge_key not in side:
                    raise _err_no_merge_key(side, merge_key)
            equal = _geq(item[merge_key], set_order[si][merge_key])
        else:
            equal = _geq(item, set_order[si])
        if equal:
            pi += 1
        si += 1
    if pi < len(non_delete) and si >= len(set_order):
        raise PatchError(
            f"The order in patch list:\n{_gofmt(patch_list)}\n doesn't match {_SET_ORDER} list:\n"
            f"{_gofmt(set_order)}\n",
            500,
        )


def _merge_set_element_order(original: dict, patch: dict, schema: dict | None) -> None:
    """``mergePatchIntoOriginal``: merge each list that has a ``$setElementOrder`` and order it."""
    for key in [k for k in patch if k.startswith(_SET_ORDER)]:
        order = patch.pop(key)
        if type(order) is not list:
            raise _err_bad_arg_type("[]interface {}", order)
        okey = _extract_key(key, _SET_ORDER)
        found_orig = okey in original
        found_patch = okey in patch
        orig_list = original.get(okey)
        patch_list = patch.get(okey)
        orig_vals: list = []
        patch_vals: list = []
        if found_orig:
            if type(orig_list) is not list:
                raise _err_bad_arg_type("[]interface {}", orig_list)
            orig_vals = orig_list
        if found_patch:
            if type(patch_list) is not list:
                raise _err_bad_arg_type("[]interface {}", patch_list)
            patch_vals = patch_list
        child, strategy, merge_key = _lookup(schema, okey)
        _validate_set_order(patch_vals, order, merge_key)
        if found_orig and not found_patch:
            merged = orig_vals
        elif found_patch and not found_orig:
            merged = _new_value(patch_vals, discard_nulls=False)
        elif found_orig and found_patch:
            merged = _merge_slice_handler(orig_list, patch_list, child, strategy, merge_key, False)
        else:
            continue
        if merge_key:
            patch_items, server_only = _partition_maps(merged, order, merge_key)
        else:
            patch_items, server_only = _partition_primitives(merged, order)
        is_map = _slice_element_kind(orig_vals, patch_vals) == "map"
        original[okey] = _normalize_element_order(patch_items, server_only, order, orig_vals, merge_key, is_map)
        patch.pop(okey, None)


def _merge_map(original: dict | None, patch: dict, schema: dict | None) -> dict:
    """``mergeMap`` with the server-side options (merge parallel lists, ignore unmatched nulls).

    Both arguments may be modified; callers pass copies.
    """
    if _DIRECTIVE in patch:
        d = patch[_DIRECTIVE]
        if d == _REPLACE and type(d) is str:
            del patch[_DIRECTIVE]
            return _strip_directives(patch)
        if d == _DELETE and type(d) is str:
            return {}
        raise PatchError(f"unknown patch type: {_go_s(d)} in map: {_gofmt(patch)}", 500)
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _merge_set_element_order(original, patch, schema)
    for k, pv in patch.items():
        is_delete_list = False
        if k.startswith(_DELETE_PRIMITIVE):
            k = _extract_key(k, _DELETE_PRIMITIVE)
            is_delete_list = True
        if pv is None:
            original.pop(k, None)
            continue
        if k not in original or type(original[k]) is not type(pv):
            # a new value (or one of another type) is taken from the patch, minus its nulls and
            # directives; a $deleteFromPrimitiveList list for a missing list is ignored
            if not is_delete_list:
                nv = _new_value(pv)
                if nv is _DROP:
                    original.pop(k, None)
                else:
                    original[k] = nv
            continue
        ov = original[k]
        child, strategy, merge_key = _lookup(schema, k)
        if type(ov) is dict:
            if strategy == _REPLACE:
                original[k] = _strip_directives(pv)
            else:
                original[k] = _merge_map(ov, pv, child)
        elif type(ov) is list:
            original[k] = _merge_slice_handler(ov, pv, child, strategy, merge_key, is_delete_list)
        else:
            original[k] = pv
    return original


def strategic_merge_patch(target: dict, patch: dict, kind: str) -> dict:
    """Apply a strategic merge patch to an object of ``kind``; return a new object.

    Lists merge where ``k8s.io/api`` declares ``patchStrategy:"merge"`` (see :data:`SMP_TYPES`);
    a kind missing from :data:`SMP_KINDS` still gets the ``metadata`` strategies.
    """
    if patch is None:
        return _clone(target) if target is not None else {}
    if type(patch) is not dict:
        raise PatchError(
            f"json: cannot unmarshal {_go_kind(patch)} into Go value of type map[string]interface {{}}", 400
        )
    original = _clone(target) if target is not None else {}
    result = _merge_map(original, _clone(patch), _root_schema(kind))
    return result


# ============================================================================================
# Dispatch on Content-Type
# ============================================================================================

_ACCEPTED = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH]


def _unsupported_media_type(accepted: list[str]) -> PatchError:
    return PatchError(
        "the body of the request was in an unknown format - accepted media types include: " + ", ".join(accepted),
        415,
    )


def apply_patch(
    target: dict, content_type: str, body: bytes | str, kind: str, *, strategic: bool = True
) -> dict:
    """Apply a PATCH request body to ``target`` as the apiserver would; return the new object.

    ``content_type`` is the request's Content-Type header (a ``;charset=...`` suffix is dropped
    like upstream does).  Server-side apply (``application/apply-patch+yaml``) and unknown types
    raise a 415 :class:`PatchError` listing the accepted types; so does a strategic merge patch
    when ``strategic`` is false (custom resources).  A body that is not valid JSON raises a 400
    with Go's decoder message.
    """
    ct = content_type or ""
    idx = ct.find(";")
    if idx > 0:
        ct = ct[:idx]
    accepted = _ACCEPTED if strategic else [JSON_PATCH, MERGE_PATCH]
    if ct not in accepted:
        raise _unsupported_media_type(accepted)
    try:
        doc = _decode_json(body)
    except ValueError as e:
        if ct == STRATEGIC_MERGE_PATCH:
            raise PatchError(str(e), 400) from None
        raise PatchError(f"error decoding patch: {e}", 400) from None
    if ct == JSON_PATCH:
        return json_patch(target, doc)
    if ct == MERGE_PATCH:
        return json_merge_patch(target, doc)
    return strategic_merge_patch(target, doc, kind)


# Exposed for tests and for callers that want the decoder's wording.
decode_json_body: Callable[[bytes | str], Any] = _decode_json
