"""Bootstrap tokens and join commands, as kubeadm does them, through the API (and SSH for certs).

What kubeadm does, and what this module reproduces (cmd/kubeadm/app/cmd/token.go,
cmd/kubeadm/app/apis/bootstraptoken/v1, cmd/kubeadm/app/cmd/util/join.go,
k8s.io/cluster-bootstrap/token/util):

- `kubeadm token list` lists the Secrets of kube-system with the field selector
  `type=bootstrap.kubernetes.io/token` and prints each with its own tabwriter (minwidth 10,
  tabwidth 4, padding 3, spaces); the TTL, USAGES and DESCRIPTION cells are pre-padded to 9, 22
  and 56 characters so the independent writers line up. The header goes with the first token; no
  tokens, no output. `<forever>`/`<never>` for tokens without expiration, `<none>` for empty
  usages, descriptions and groups; TTL is apimachinery's ShortHumanDuration.
- `kubeadm token create`: `--ttl` is a Go duration (pflag's error for a bad one), a token given
  must match `\\A([a-z0-9]{6})\\.([a-z0-9]{16})\\z`; empty usages or groups are defaulted again
  (signing,authentication; system:bootstrappers:kubeadm:default-node-token), then the usages and
  groups are validated and all problems are reported together as kubeadm's field errors. A TTL of
  0 (or a negative one) writes no expiration: the token never expires. An existing token id is
  refused (`a token with id "x" already exists`).
- `kubeadm token delete` takes a token id or a whole token and prints `bootstrap token "x" deleted`.
- `--print-join-command`: `kubeadm join <server without https://> --token <token> ` followed by
  one `--discovery-token-ca-cert-hash sha256:<hex> ` per CA certificate (note the trailing
  space), and `--control-plane --certificate-key <key>` for a control-plane join. The hash is
  SHA-256 over the certificate's raw DER SubjectPublicKeyInfo. The server and CA come from
  kube-public/cluster-info (the copy of admin.conf's cluster kubeadm makes at init), else from
  ClusterConfiguration.controlPlaneEndpoint and kube-system/kube-root-ca.crt.

Secrets: token secrets and certificate keys never reach the audit log (token ids only) and no
`repr` shows them; callers display them only when the user asks. A read-only session (the flag,
the config, or RBAC that cannot write) never gets them at all: the tokens it lists carry no secret
(shown `abcdef.****************`: the id alone is not a credential) and it is given no join
command, even though the read-only guard would let it GET the Secrets.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
import re
import secrets as _secrets
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable

import yaml
from kubernetes.aio.client.exceptions import ApiException

from k8stui import audit
from k8stui.errors import ReadOnlyError, UserError
from k8stui.hosts import shell
from k8stui.gofmt import format_go_duration, go_quote, go_string_slice, parse_go_duration  # noqa: F401
from k8stui.kube.connection import Connection, _status_message, explain
from k8stui.kube.printers import short_human_duration
from k8stui.ops.streaming import wait_event
from k8stui.sanitize import sanitize

if TYPE_CHECKING:
    from k8stui.hosts.ssh import SSHRunner

TOKEN_TYPE = "bootstrap.kubernetes.io/token"
TOKEN_NAMESPACE = "kube-system"
SECRET_PREFIX = "bootstrap-token-"
JWS_PREFIX = "jws-kubeconfig-"
TOKEN_PATTERN = r"\A([a-z0-9]{6})\.([a-z0-9]{16})\z"
TOKEN_ID_PATTERN = r"\A([a-z0-9]{6})\z"
GROUP_PATTERN = r"\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z"
KNOWN_USAGES = ("signing", "authentication")
DEFAULT_TTL = "24h0m0s"
DEFAULT_USAGES = KNOWN_USAGES
DEFAULT_GROUPS = ("system:bootstrappers:kubeadm:default-node-token",)
CERT_KEY_LIFETIME = 2 * 3600.0  # the kubeadm-certs Secret and its key: two hours
CERTS_TOKEN_DESCRIPTION = "Proxy for managing TTL for the kubeadm-certs secret"
CONTROL_PLANE_LABELS = ("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master")
LIST_COLUMNS = ("TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS")
MASK = "*" * 16  # shown instead of a token secret (its length: the table keeps kubeadm's layout)
SECRETS_NOT_SHOWN = "token secrets are not shown"
JOIN_NOT_GIVEN = "join commands are not given out"
# kubeadm's join preflight (kubernetes/kubernetes cmd/kubeadm/app/cmd/phases/join/preflight.go,
# checkIfReadyForAdditionalControlPlane) refuses `kubeadm join --control-plane` when
# ClusterConfiguration.controlPlaneEndpoint is empty, with this error. (The source revisions read
# for this say "instance a cluster", without "to"; the output users quote from recent releases has
# it.) A control-plane join command is useless there, so none is made.
KUBEADM_NO_ENDPOINT = ("unable to add a new control plane instance to a cluster that doesn't have a stable "
                       "controlPlaneEndpoint address")

_TOKEN_RE = re.compile(r"([a-z0-9]{6})\.([a-z0-9]{16})")
_TOKEN_ID_RE = re.compile(r"[a-z0-9]{6}")
_SECRET_RE = re.compile(r"[a-z0-9]{16}")
_GROUP_RE = re.compile(r"system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]")
_CERT_KEY_RE = re.compile(r"[0-9a-f]{64}")
_RFC3339_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


class TokenError(UserError):
    """kubeadm's message for a bad option, a malformed token Secret or a failed request."""


class SecretWithheld(TokenError):
    """A read-only session asked for a token secret or a join command: `read-only (REASON): WHAT`."""

    def __init__(self, reason: str, what: str):
        super().__init__(f"read-only ({reason}): {what}")
        self.what = what


def withheld(conn: Connection, what: str) -> SecretWithheld | None:
    """The refusal to give this session `what` (SECRETS_NOT_SHOWN, JOIN_NOT_GIVEN) if it is read-only."""
    reason = conn.readonly_reason
    return SecretWithheld(reason, what) if reason else None


async def hides_secrets(conn: Connection) -> bool:
    """Whether this session must not see token secrets: read-only by the flag or the config, or a user
    whose RBAC cannot write (asked once, if nobody has asked yet)."""
    if not conn.effective_readonly and not conn.write_access_checked:
        await conn.check_write_access()
    return conn.effective_readonly


def parse_rfc3339(text: str) -> datetime | None:
    """time.Parse(time.RFC3339, s), keeping the offset written (None if it does not parse)."""
    m = _RFC3339_RE.fullmatch(text)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        if zone == "Z":
            tz = timezone.utc
        else:
            sign = 1 if zone[0] == "+" else -1
            tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
        micro = int((frac[1:] + "000000")[:6]) if frac else 0
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro, tzinfo=tz)
    except ValueError:
        return None


def format_rfc3339(dt: datetime) -> str:
    """Go's Format(time.RFC3339): whole seconds, `Z` for a zero offset, else ±hh:mm."""
    off = dt.utcoffset() or timedelta(0)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if off == timedelta(0):
        return base + "Z"
    total = int(off.total_seconds())
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"{base}{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"


def _aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message alone, several as `[a, b]`, duplicates once."""
    seen: list[str] = []
    for m in messages:
        if m not in seen:
            seen.append(m)
    return seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"


def _as_time(now: float | datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if isinstance(now, datetime):
        return now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(now, timezone.utc)


# ---- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenInfo:
    """One bootstrap token as kubeadm reads it from its Secret (BootstrapTokenFromSecret)."""

    id: str
    secret: str | None = field(repr=False)  # None: withheld from a read-only session
    description: str = ""
    expires: datetime | None = None  # with the offset written in the Secret
    usages: tuple[str, ...] = ()  # sorted, as kubeadm sorts them
    groups: tuple[str, ...] = ()

    @property
    def token(self) -> str:
        """The whole token, `id.secret`: show only when the user asks (masked if withheld)."""
        return self.masked if self.secret is None else f"{self.id}.{self.secret}"

    @property
    def masked(self) -> str:
        return f"{self.id}.{MASK}"

    @property
    def withheld(self) -> bool:
        return self.secret is None

    def without_secret(self) -> "TokenInfo":
        """This token as a read-only session gets it: everything but the secret."""
        return replace(self, secret=None)

    @property
    def secret_name(self) -> str:
        return SECRET_PREFIX + self.id

    @property
    def signing(self) -> bool:
        return "signing" in self.usages

    @property
    def is_certs_proxy(self) -> bool:
        """The token `upload-certs` made to give the kubeadm-certs Secret its 2-hour life."""
        return self.description == CERTS_TOKEN_DESCRIPTION

    def remaining(self, now: float | datetime | None = None) -> float | None:
        """Seconds until expiry (negative once expired); None for a token that never expires."""
        if self.expires is None:
            return None
        return (self.expires - _as_time(now)).total_seconds()

    def expired(self, now: float | datetime | None = None) -> bool:
        r = self.remaining(now)
        return r is not None and r <= 0

    def ttl(self, now: float | datetime | None = None) -> str:
        r = self.remaining(now)
        return "<forever>" if r is None else short_human_duration(r)

    @property
    def expires_text(self) -> str:
        return "<never>" if self.expires is None else format_rfc3339(self.expires)

    def cells(self, now: float | datetime | None = None, reveal: bool = False) -> list[str]:
        """The six `kubeadm token list` cells (the token masked unless `reveal`)."""
        return [self.token if reveal else self.masked, self.ttl(now), self.expires_text,
                ",".join(self.usages) or "<none>", self.description or "<none>",
                ",".join(self.groups) or "<none>"]


def _secret_data(obj: dict[str, Any]) -> dict[str, str]:
    """bootstrapsecretutil.GetData for every key: `.data`, base64-decoded (stringData is write-only)."""
    out: dict[str, str] = {}
    for k, v in (obj.get("data") or {}).items():
        try:
            out[k] = base64.b64decode(v or "").decode("utf-8", errors="replace")
        except (ValueError, TypeError):
            out[k] = ""
    return out


def token_from_secret(obj: dict[str, Any]) -> TokenInfo:
    """kubeadm's BootstrapTokenFromSecret on the JSON of a Secret; TokenError with its messages."""
    name = (obj.get("metadata") or {}).get("name", "")
    data = _secret_data(obj)
    tid = data.get("token-id", "")
    if not tid:
        raise TokenError(f"bootstrap Token Secret has no token-id data: {name}")
    if name != SECRET_PREFIX + tid:
        raise TokenError(f"bootstrap token name is not of the form '{SECRET_PREFIX}(token-id)'. "
                         f"Actual: {go_quote(name)}. Expected: {go_quote(SECRET_PREFIX + tid)}")
    tsec = data.get("token-secret", "")
    if not tsec:
        raise TokenError(f"bootstrap Token Secret has no token-secret data: {name}")
    if not _TOKEN_RE.fullmatch(f"{tid}.{tsec}"):
        # the token itself is never echoed back: the id alone is public
        raise TokenError(f"bootstrap Token Secret is invalid and couldn't be parsed: the bootstrap token "
                         f"{go_quote(tid + '.<secret>')} was not of the form {go_quote(TOKEN_PATTERN)}")
    expires = None
    exp_text = data.get("expiration", "")
    if exp_text:
        expires = parse_rfc3339(exp_text)
        if expires is None:
            raise TokenError(f"can't parse expiration time of bootstrap token {go_quote(name)}: parsing time "
                             f"{go_quote(exp_text)} as \"2006-01-02T15:04:05Z07:00\"")
    usages = sorted(k[len("usage-bootstrap-"):] for k, v in data.items()
                    if k.startswith("usage-bootstrap-") and v == "true")
    groups_text = data.get("auth-extra-groups", "")
    groups = tuple(groups_text.split(",")) if groups_text.split(",")[0] else ()
    return TokenInfo(tid, tsec, data.get("description", ""), expires, tuple(usages), groups)


def format_token_list(tokens: Iterable[TokenInfo], now: float | datetime | None = None,
                      reveal: bool = True) -> str:
    """Exactly what `kubeadm token list` prints (the empty string for no tokens)."""
    out: list[str] = []
    header = True
    for t in tokens:
        c = t.cells(now, reveal)
        row = [c[0], f"{c[1]:<9}", c[2], f"{c[3]:<22}", f"{c[4]:<56}", c[5]]
        rows = [list(LIST_COLUMNS), row] if header else [row]
        header = False
        out.append(_tabwrite(rows))
    return "".join(out)


def _tabwrite(rows: list[list[str]], minwidth: int = 10, padding: int = 3) -> str:
    """text/tabwriter.NewWriter(w, 10, 4, 3, ' ', 0) over rows of tab-separated cells: every cell
    but the last of a line is padded to its column's width, max(minwidth, widest cell + padding)."""
    ncols = max(len(r) for r in rows)
    widths = [minwidth] * ncols
    for r in rows:
        for i, cell in enumerate(r[:-1]):
            widths[i] = max(widths[i], len(cell) + padding)
    lines = []
    for r in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(r[:-1])]
        lines.append("".join(cells) + r[-1] + "\n")
    return "".join(lines)


async def _read_json(resp: Any) -> dict[str, Any]:
    try:
        body = await resp.read()
    finally:
        resp.release()
    if resp.status >= 400:
        raise ApiException(status=resp.status, reason=resp.reason, body=body.decode(errors="replace"))
    return json.loads(body)


async def list_token_secrets(conn: Connection) -> dict[str, Any]:
    """The raw SecretList kubeadm reads (kube-system, type=bootstrap.kubernetes.io/token): secrets
    and all, so only for callers that mask them (list_tokens, TokenWatch)."""
    resp = await conn.core().list_namespaced_secret_without_preload_content(
        TOKEN_NAMESPACE, field_selector=f"type={TOKEN_TYPE}", _request_timeout=60)
    return await _read_json(resp)


async def list_tokens(conn: Connection, problems: list[str] | None = None) -> list[TokenInfo]:
    """The bootstrap tokens, in the API's order; malformed token Secrets are skipped and their
    kubeadm messages appended to `problems` (kubeadm prints them on stderr and carries on).
    A read-only session gets the tokens without their secrets."""
    try:
        hide = await hides_secrets(conn)
        items = (await list_token_secrets(conn)).get("items") or []
    except Exception as e:
        raise TokenError(f"failed to list bootstrap tokens: {_reason(e, conn)}") from None
    out = []
    for obj in items:
        try:
            tok = token_from_secret(obj)
            out.append(tok.without_secret() if hide else tok)
        except TokenError as e:
            if problems is not None:
                problems.append(str(e))
    return out


# ---- create ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateOptions:
    """Validated `kubeadm token create` options (kubeadm's defaults applied)."""

    ttl_ns: int
    description: str = ""
    usages: tuple[str, ...] = DEFAULT_USAGES
    groups: tuple[str, ...] = DEFAULT_GROUPS
    token: str | None = field(default=None, repr=False)

    @property
    def ttl_text(self) -> str:
        return format_go_duration(self.ttl_ns)

    @property
    def never_expires(self) -> bool:
        return self.ttl_ns <= 0

    def kubeadm_command(self) -> str:
        """The equivalent `kubeadm token create` line (without the token: it is secret)."""
        parts = ["kubeadm", "token", "create", "--ttl", self.ttl_text, "--usages", ",".join(self.usages),
                 "--groups", ",".join(self.groups)]
        if self.description:
            parts += ["--description", self.description]
        return shell.redact(" ".join(shell.q(p) for p in parts))


def _split_list(values: str | Iterable[str] | None) -> list[str] | None:
    """pflag StringSlice: each occurrence is a comma-separated list; "" is an empty list."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        if v == "":
            continue
        out.extend(v.split(","))
    return out


def parse_ttl(ttl: str | int | float | timedelta | None) -> int:
    """--ttl as nanoseconds: a Go duration string (pflag's message when bad), or seconds/timedelta."""
    if ttl is None:
        return parse_go_duration(DEFAULT_TTL)
    if isinstance(ttl, timedelta):
        return int(ttl.total_seconds() * 1e9)
    if isinstance(ttl, (int, float)):
        return int(ttl * 1e9)
    try:
        return parse_go_duration(ttl)
    except ValueError as e:
        raise TokenError(f'invalid argument {go_quote(ttl)} for "--ttl" flag: {e}') from None


def validate_create(ttl: str | int | float | timedelta | None = DEFAULT_TTL, description: str = "",
                    usages: str | Iterable[str] | None = None, groups: str | Iterable[str] | None = None,
                    token: str | None = None) -> CreateOptions:
    """kubeadm's parsing, defaulting and validation of the `token create` options, in its order:
    the TTL flag, the token given, then every usage and group problem together."""
    ttl_ns = parse_ttl(ttl)
    if token:
        if not _TOKEN_RE.fullmatch(token):
            raise TokenError(f"the bootstrap token {go_quote(token)} was not of the form {go_quote(TOKEN_PATTERN)}")
    use = _split_list(usages) or list(DEFAULT_USAGES)  # SetDefaults_BootstrapToken runs again
    grp = _split_list(groups) or list(DEFAULT_GROUPS)
    errors: list[str] = []
    bad_usages = sorted({u for u in use if u not in KNOWN_USAGES})
    if bad_usages:
        errors.append(f"bootstrapTokens.0.usages: Invalid value: {go_string_slice(use)}: invalid bootstrap token "
                      f"usage string: {','.join(bad_usages)}, valid usage options: {','.join(KNOWN_USAGES)}")
    if grp and "authentication" not in use:
        errors.append(f"bootstrapTokens.0.groups: Invalid value: {go_string_slice(grp)}: token groups cannot be "
                      f'specified unless --usages includes "authentication"')
    for g in grp:
        if not _GROUP_RE.fullmatch(g):
            errors.append(f"bootstrapTokens.0.groups: Invalid value: {go_string_slice(grp)}: bootstrap group "
                          f"{go_quote(g)} is invalid (must match {GROUP_PATTERN})")
    if errors:
        raise TokenError(_aggregate(errors))
    return CreateOptions(ttl_ns, description or "", tuple(use), tuple(grp), token or None)


def generate_token() -> str:
    """A random token as bootstraputil.GenerateBootstrapToken makes it ([a-z0-9]{6}.[a-z0-9]{16})."""
    pick = _secrets.SystemRandom().choice
    return "".join(pick(_ALPHABET) for _ in range(6)) + "." + "".join(pick(_ALPHABET) for _ in range(16))


def token_secret_object(opts: CreateOptions, token: str, now: float | datetime | None = None) -> dict[str, Any]:
    """BootstrapTokenToSecret: the Secret kubeadm writes for these options."""
    tid, tsec = token.split(".", 1)
    data: dict[str, str] = {"token-id": tid, "token-secret": tsec}
    if opts.description:
        data["description"] = opts.description
    if opts.ttl_ns > 0:
        exp = _as_time(now).astimezone(timezone.utc) + timedelta(microseconds=opts.ttl_ns // 1000)
        data["expiration"] = format_rfc3339(exp.replace(microsecond=0))
    for u in opts.usages:
        data[f"usage-bootstrap-{u}"] = "true"
    if opts.groups:
        data["auth-extra-groups"] = ",".join(opts.groups)
    return {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": SECRET_PREFIX + tid, "namespace": TOKEN_NAMESPACE},
        "type": TOKEN_TYPE,
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }


def _refuse(conn: Connection, what: str, obj: str, **extra: Any) -> None:
    """Read-only sessions: refuse (and record the refusal) before any request is made. (A user whose
    RBAC cannot write is answered by the server's 403, its own clear message.)"""
    if conn.readonly:
        audit.record(extra.pop("action", "token"), obj, context=conn.context, result="refused",
                     reason="read-only mode", **extra)
        raise ReadOnlyError(what)


async def create_token(conn: Connection, ttl: str | int | float | timedelta | None = DEFAULT_TTL,
                       description: str = "", usages: str | Iterable[str] | None = None,
                       groups: str | Iterable[str] | None = None, token: str | None = None,
                       now: float | datetime | None = None) -> TokenInfo:
    """`kubeadm token create`: validate, refuse an existing id, create the Secret, audit (id only)."""
    opts = validate_create(ttl, description, usages, groups, token)
    return await create_token_from(conn, opts, now)


async def create_token_from(conn: Connection, opts: CreateOptions,
                            now: float | datetime | None = None) -> TokenInfo:
    tok = opts.token or generate_token()
    tid = tok.split(".", 1)[0]
    name = SECRET_PREFIX + tid
    obj_name = f"secret/{TOKEN_NAMESPACE}/{name}"
    _refuse(conn, "create bootstrap token", obj_name, action="token-create", token_id=tid)
    core = conn.core()
    extra = {"token_id": tid, "ttl": opts.ttl_text, "usages": list(opts.usages), "groups": list(opts.groups),
             "description": shell.redact(opts.description)}
    try:
        existing = await core.read_namespaced_secret_without_preload_content(name, TOKEN_NAMESPACE,
                                                                            _request_timeout=30)
        body = await existing.read()
        existing.release()
        if existing.status < 400:
            raise TokenError(f"a token with id {go_quote(tid)} already exists")
        if existing.status not in (403, 404):
            raise ApiException(status=existing.status, reason=existing.reason,
                               body=body.decode(errors="replace"))
        secret = token_secret_object(opts, tok, now)
        created = await core.create_namespaced_secret_without_preload_content(TOKEN_NAMESPACE, secret,
                                                                             _request_timeout=30)
        created_obj = await _read_json(created)
    except TokenError as e:
        audit.record("token-create", obj_name, context=conn.context, result=f"error: {e}",
                     kubectl=opts.kubeadm_command(), **extra)
        raise
    except Exception as e:
        err = TokenError(f"failed to create or update bootstrap token with name {name}: {_reason(e, conn)}")
        audit.record("token-create", obj_name, context=conn.context, result=f"error: {err}",
                     kubectl=opts.kubeadm_command(), **extra)
        raise err from None
    audit.record("token-create", obj_name, context=conn.context, result="ok", kubectl=opts.kubeadm_command(),
                 **extra)
    return token_from_secret(created_obj)


# ---- delete ---------------------------------------------------------------------------------


def token_id_of(token_or_id: str) -> str:
    """The id from an id or a whole token, or kubeadm's error (which never echoes the value)."""
    if _TOKEN_ID_RE.fullmatch(token_or_id or ""):
        return token_or_id
    m = _TOKEN_RE.fullmatch(token_or_id or "")
    if not m:
        raise TokenError(f"given token didn't match pattern {go_quote(TOKEN_PATTERN)} or "
                         f"{go_quote(TOKEN_ID_PATTERN)}")
    return m.group(1)


async def delete_token(conn: Connection, token_or_id: str) -> str:
    """`kubeadm token delete`: returns its line, `bootstrap token "abcdef" deleted`."""
    tid = token_id_of(token_or_id)
    name = SECRET_PREFIX + tid
    obj_name = f"secret/{TOKEN_NAMESPACE}/{name}"
    kubectl = f"kubeadm token delete {tid}"
    _refuse(conn, "delete bootstrap token", obj_name, action="token-delete", token_id=tid)
    try:
        resp = await conn.core().delete_namespaced_secret_without_preload_content(name, TOKEN_NAMESPACE,
                                                                                 _request_timeout=30)
        await _read_json(resp)
    except Exception as e:
        err = TokenError(f"failed to delete bootstrap token {go_quote(tid)}: {_reason(e, conn)}")
        audit.record("token-delete", obj_name, context=conn.context, result=f"error: {err}", kubectl=kubectl,
                     token_id=tid)
        raise err from None
    audit.record("token-delete", obj_name, context=conn.context, result="ok", kubectl=kubectl, token_id=tid)
    return f"bootstrap token {go_quote(tid)} deleted"


def _reason(e: BaseException, conn: Connection) -> str:
    """The API's own message (as kubeadm wraps it); a clearer line for 401/403 and transport errors."""
    if isinstance(e, UserError):
        return str(e)
    if isinstance(e, ApiException) and e.status not in (401, 403) and e.status:
        return _status_message(e)
    return str(explain(e, conn))


# ---- join command ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    """What a join command is made of: `host:port` and one `sha256:<hex>` pin per CA cert."""

    endpoint: str
    ca_hashes: tuple[str, ...]
    source: str  # where the endpoint came from (for messages)


def _der_tlv(buf: bytes, i: int) -> tuple[int, int, int]:
    """(tag, content start, end) of the DER element at i."""
    tag = buf[i]
    n = buf[i + 1]
    j = i + 2
    if n & 0x80:
        count = n & 0x7F
        if count == 0 or count > 4:
            raise ValueError("unsupported DER length")
        n = int.from_bytes(buf[j:j + count], "big")
        j += count
    if j + n > len(buf):
        raise ValueError("truncated DER")
    return tag, j, j + n


def raw_subject_public_key_info(cert_der: bytes) -> bytes:
    """x509.Certificate.RawSubjectPublicKeyInfo: the SPKI bytes exactly as in the certificate."""
    _, start, _ = _der_tlv(cert_der, 0)  # Certificate
    tag, i, end = _der_tlv(cert_der, start)  # tbsCertificate
    if tag != 0x30:
        raise ValueError("not a certificate")
    children = []
    while i < end:
        t, _, e = _der_tlv(cert_der, i)
        children.append((t, i, e))
        i = e
    k = 1 if children and children[0][0] == 0xA0 else 0  # [0] EXPLICIT version
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo
    t, a, b = children[k + 5]
    if t != 0x30:
        raise ValueError("no SubjectPublicKeyInfo")
    return cert_der[a:b]


_PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)


def ca_cert_hashes(pem: bytes | str) -> list[str]:
    """pubkeypin.Hash for every certificate of a PEM bundle: `sha256:` + hex(SHA-256(SPKI DER))."""
    data = pem.encode() if isinstance(pem, str) else pem
    out = []
    for kind, body in _PEM_RE.findall(data):
        if kind != b"CERTIFICATE":
            continue
        lines = [ln for ln in body.splitlines() if ln.strip() and b":" not in ln]
        der = base64.b64decode(b"".join(lines))
        out.append("sha256:" + hashlib.sha256(raw_subject_public_key_info(der)).hexdigest())
    if not out:
        raise TokenError("failed to parse CA certificate from kubeconfig: data does not contain any valid "
                         "RSA or ECDSA certificates")
    return out


def _html_escape(s: str) -> str:
    """html/template's escaping of text in the join template (kubeadm renders it with html/template)."""
    return (s.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("+", "&#43;").replace("\x00", "\ufffd"))


def format_join_command(endpoint: str, token: str, ca_hashes: Iterable[str],
                        certificate_key: str | None = None) -> str:
    """kubeadm's join template after `--print-join-command` strips its `\\\\\\n` and tabs."""
    line = f"kubeadm join {_html_escape(endpoint)} --token {_html_escape(token)} "
    line += "".join(f"--discovery-token-ca-cert-hash {_html_escape(h)} " for h in ca_hashes)
    if certificate_key is not None:
        line += "--control-plane "
        if certificate_key:
            line += f"--certificate-key {_html_escape(certificate_key)}"
    return line


def _cluster_of(kubeconfig: dict[str, Any]) -> dict[str, Any] | None:
    """kubeconfigutil.GetClusterFromKubeConfig: the unnamed cluster, else the current context's."""
    clusters = {c.get("name", ""): c.get("cluster") or {} for c in kubeconfig.get("clusters") or []
                if isinstance(c, dict)}
    if "" in clusters:
        return clusters[""]
    current = kubeconfig.get("current-context") or ""
    for c in kubeconfig.get("contexts") or []:
        if isinstance(c, dict) and c.get("name") == current:
            return clusters.get((c.get("context") or {}).get("cluster", ""))
    return None


async def _config_map(conn: Connection, namespace: str, name: str) -> dict[str, Any] | None:
    try:
        resp = await conn.core().read_namespaced_config_map_without_preload_content(name, namespace,
                                                                                   _request_timeout=30)
        return await _read_json(resp)
    except ApiException as e:
        if e.status == 404:
            return None
        raise


async def _control_plane_endpoint(conn: Connection) -> str:
    """ClusterConfiguration.controlPlaneEndpoint from kube-system/kubeadm-config ("" if unset)."""
    kc = await _config_map(conn, "kube-system", "kubeadm-config")
    cfg = yaml.safe_load(((kc or {}).get("data") or {}).get("ClusterConfiguration") or "") or {}
    return str(cfg.get("controlPlaneEndpoint") or "") if isinstance(cfg, dict) else ""


async def require_control_plane_endpoint(conn: Connection) -> str:
    """The cluster's controlPlaneEndpoint, or the one-line reason no control-plane join is offered."""
    try:
        endpoint = await _control_plane_endpoint(conn)
    except (yaml.YAMLError, ValueError) as e:
        raise TokenError(f"cannot read the ClusterConfiguration (kube-system/kubeadm-config): {e}") from None
    except Exception as e:
        raise TokenError(f"cannot read the ClusterConfiguration (kube-system/kubeadm-config): "
                         f"{_reason(e, conn)}") from None
    if not endpoint:
        raise TokenError("no control-plane join: the ClusterConfiguration (kube-system/kubeadm-config) has no "
                         f"controlPlaneEndpoint, and kubeadm refuses one without it ({KUBEADM_NO_ENDPOINT})")
    return endpoint


# host:port as a join command may carry it: a DNS name, IPv4, or [IPv6]. The endpoint comes from
# cluster objects and is pasted into a root shell on the new node, so nothing else gets through.
_ENDPOINT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}))(:\d{1,5})?$")


def checked_endpoint(endpoint: str, source: str) -> str:
    """`endpoint` when it is a plain host[:port]; else a TokenError naming where it came from
    (`discovery` adds "failed to get join command: ")."""
    if not _ENDPOINT.match(endpoint):
        raise TokenError(f"{source} names the API endpoint "
                         f"{sanitize(endpoint)!r}, which is not a host:port")
    return endpoint


async def discovery(conn: Connection) -> Discovery:
    """The endpoint and CA pins: kube-public/cluster-info first (admin.conf's cluster, as kubeadm
    copied it), else ClusterConfiguration.controlPlaneEndpoint with kube-system/kube-root-ca.crt."""
    try:
        cm = await _config_map(conn, "kube-public", "cluster-info")
        if cm is not None:
            text = (cm.get("data") or {}).get("kubeconfig")
            cluster = _cluster_of(yaml.safe_load(text) or {}) if text else None
            if cluster and cluster.get("server") and cluster.get("certificate-authority-data"):
                pem = base64.b64decode(cluster["certificate-authority-data"])
                endpoint = checked_endpoint(str(cluster["server"]).replace("https://", ""),
                                            "kube-public/cluster-info")
                return Discovery(endpoint, tuple(ca_cert_hashes(pem)), "kube-public/cluster-info")
        endpoint = await _control_plane_endpoint(conn)
        if endpoint:
            checked_endpoint(endpoint, "the ClusterConfiguration's controlPlaneEndpoint")
        root = await _config_map(conn, "kube-system", "kube-root-ca.crt")
        pem_text = ((root or {}).get("data") or {}).get("ca.crt")
    except (TokenError, yaml.YAMLError, ValueError) as e:
        raise TokenError(f"failed to get join command: {e}") from None
    except Exception as e:
        raise TokenError(f"failed to get join command: {_reason(e, conn)}") from None
    if not endpoint or not pem_text:
        raise TokenError("failed to get join command: kube-public/cluster-info has no server and CA, and "
                         "the ClusterConfiguration (kube-system/kubeadm-config) has no controlPlaneEndpoint")
    if not re.search(r":\d+$", endpoint):
        endpoint += ":6443"
    return Discovery(endpoint, tuple(ca_cert_hashes(pem_text)), "kubeadm-config controlPlaneEndpoint")


async def join_command(conn: Connection, token: str | TokenInfo, certificate_key: str | None = None) -> str:
    """The line `kubeadm token create --print-join-command [--certificate-key K]` prints; refused
    (SecretWithheld) to a read-only session: it would hand out the power to add nodes."""
    refusal = withheld(conn, JOIN_NOT_GIVEN)
    if refusal is not None:
        raise refusal
    if isinstance(token, TokenInfo) and token.withheld:
        raise TokenError(f'no join command: token "{token.id}" was read without its secret (read-only)')
    tok = token.token if isinstance(token, TokenInfo) else token
    if not _TOKEN_RE.fullmatch(tok or ""):
        raise TokenError(f"the bootstrap token was not of the form {go_quote(TOKEN_PATTERN)}")
    if certificate_key is not None and not _CERT_KEY_RE.fullmatch(certificate_key):
        raise TokenError("invalid certificate key: expected 64 hexadecimal characters")
    d = await discovery(conn)
    return format_join_command(d.endpoint, tok, d.ca_hashes, certificate_key)


# ---- list + watch (tokens and cluster-info signatures) ----------------------------------------


class _Gone(Exception):
    pass


class Reflector:
    """List, then watch, one kind in one namespace (with a field selector), forever: reconnects
    with backoff from the last resourceVersion, relists on 410. `on_list(items)` replaces the
    state, `on_event(type, obj)` folds one change in. Cancel the task to stop."""

    def __init__(self, conn: Connection, kind: str, namespace: str, field_selector: str,
                 on_list: Callable[[list[dict[str, Any]]], None],
                 on_event: Callable[[str, dict[str, Any]], None],
                 on_state: Callable[[str, str | None], None] | None = None,
                 watch_seconds: int = 300):
        self.conn = conn
        self.kind = kind
        self.namespace = namespace
        self.field_selector = field_selector
        self.on_list = on_list
        self.on_event = on_event
        self.on_state = on_state or (lambda state, error: None)
        self.watch_seconds = watch_seconds
        self.resource_version = ""

    def _call(self, **kw: Any) -> Any:
        core = self.conn.core()
        fn = (core.list_namespaced_secret_without_preload_content if self.kind == "secrets"
              else core.list_namespaced_config_map_without_preload_content)
        return fn(self.namespace, field_selector=self.field_selector, **kw)

    async def run(self) -> None:
        backoff = 0.2
        need_list = True
        while True:
            try:
                if need_list:
                    data = await _read_json(await self._call(_request_timeout=60))
                    self.resource_version = (data.get("metadata") or {}).get("resourceVersion", "")
                    self.on_list(data.get("items") or [])
                    need_list = False
                self.on_state("live", None)
                await self._watch()
                backoff = 0.2
            except _Gone:
                need_list = True
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.on_state("reconnecting", str(explain(e, self.conn)))
                if isinstance(e, ApiException) and e.status == 410:
                    need_list = True
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, 30.0)

    async def _watch(self) -> None:
        resp = await self._call(watch=True, resource_version=self.resource_version, allow_watch_bookmarks=True,
                                timeout_seconds=self.watch_seconds, _request_timeout=self.watch_seconds + 30)
        try:
            if resp.status == 410:
                raise _Gone()
            if resp.status >= 400:
                body = await resp.read()
                raise ApiException(status=resp.status, reason=resp.reason, body=body.decode(errors="replace"))
            async for line in resp.content:
                if not line.strip():
                    continue
                ev = json.loads(line)
                etype, obj = ev.get("type"), ev.get("object") or {}
                if etype == "ERROR":
                    if obj.get("code") == 410:
                        raise _Gone()
                    raise ApiException(status=obj.get("code", 500), reason=obj.get("reason"), body=json.dumps(obj))
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                if rv:
                    self.resource_version = rv
                if etype != "BOOKMARK":
                    self.on_event(etype, obj)
        finally:
            resp.release()


def _signed_ids(cm: dict[str, Any] | None) -> set[str]:
    data = (cm or {}).get("data") or {}
    return {k[len(JWS_PREFIX):] for k in data if k.startswith(JWS_PREFIX)}


class TokenWatch:
    """The live token list and the set of token ids cluster-info is signed for (UI-free).

    `tokens` (id -> TokenInfo, API order), `problems` (Secret name -> kubeadm's message),
    `signed` (ids with a jws-kubeconfig-<id> in cluster-info), `state`/`error` per feed.
    `on_change()` is called after every change; `run()` until cancelled. A read-only session's
    tokens carry no secret (decided in `run()`, before the first list)."""

    def __init__(self, conn: Connection, on_change: Callable[[], None] | None = None):
        self.conn = conn
        self.on_change = on_change or (lambda: None)
        self.tokens: dict[str, TokenInfo] = {}
        self.problems: dict[str, str] = {}
        self.signed: set[str] = set()
        self.synced = asyncio.Event()
        self.states: dict[str, tuple[str, str | None]] = {"tokens": ("connecting", None),
                                                         "cluster-info": ("connecting", None)}
        self._by_name: dict[str, str] = {}
        self.hide_secrets = True  # until run() has asked: never show a secret too early

    @property
    def state(self) -> str:
        states = {s for s, _ in self.states.values()}
        for s in ("reconnecting", "connecting"):
            if s in states:
                return s
        return "live"

    @property
    def error(self) -> str | None:
        return next((e for _, e in self.states.values() if e), None)

    def _fold(self, obj: dict[str, Any], deleted: bool = False) -> None:
        name = (obj.get("metadata") or {}).get("name", "")
        old = self._by_name.pop(name, None)
        if old is not None:
            self.tokens.pop(old, None)
        self.problems.pop(name, None)
        if deleted:
            return
        try:
            t = token_from_secret(obj)
        except TokenError as e:
            self.problems[name] = str(e)
            return
        if self.hide_secrets:
            t = t.without_secret()
        self.tokens[t.id] = t
        self._by_name[name] = t.id

    def _tokens_list(self, items: list[dict[str, Any]]) -> None:
        self.tokens.clear()
        self.problems.clear()
        self._by_name.clear()
        for obj in items:
            self._fold(obj)
        self.synced.set()
        self.on_change()

    def _tokens_event(self, etype: str, obj: dict[str, Any]) -> None:
        self._fold(obj, deleted=etype == "DELETED")
        self.tokens = dict(sorted(self.tokens.items(), key=lambda kv: kv[1].secret_name))
        self.on_change()

    def _ci_list(self, items: list[dict[str, Any]]) -> None:
        self.signed = _signed_ids(items[0] if items else None)
        self.on_change()

    def _ci_event(self, etype: str, obj: dict[str, Any]) -> None:
        self.signed = set() if etype == "DELETED" else _signed_ids(obj)
        self.on_change()

    def _state(self, feed: str) -> Callable[[str, str | None], None]:
        def set_state(state: str, error: str | None) -> None:
            self.states[feed] = (state, error)
            self.on_change()

        return set_state

    async def run(self) -> None:
        while True:  # the access review first: no secret is shown before it is known they may be
            try:
                self.hide_secrets = await hides_secrets(self.conn)
                break
            except Exception as e:
                self._state("tokens")("reconnecting", str(explain(e, self.conn)))
                await asyncio.sleep(1.0)
        secrets = Reflector(self.conn, "secrets", TOKEN_NAMESPACE, f"type={TOKEN_TYPE}", self._tokens_list,
                            self._tokens_event, self._state("tokens"))
        info = Reflector(self.conn, "configmaps", "kube-public", "metadata.name=cluster-info", self._ci_list,
                         self._ci_event, self._state("cluster-info"))
        await asyncio.gather(secrets.run(), info.run())


async def is_signed(conn: Connection, token_id: str) -> bool:
    """Whether kube-public/cluster-info carries `jws-kubeconfig-<id>` now."""
    return token_id in _signed_ids(await _config_map(conn, "kube-public", "cluster-info"))


async def wait_usable(conn: Connection, token_id: str, timeout: float = 30.0) -> bool:
    """Watch kube-public/cluster-info until it carries `jws-kubeconfig-<token_id>` (the bootstrap
    signer's signature: only then can `kubeadm join` discover the cluster with the token).
    True once it does, False after `timeout` seconds without it."""
    seen = asyncio.Event()

    def check(cm: dict[str, Any] | None) -> None:
        if token_id in _signed_ids(cm):
            seen.set()

    ref = Reflector(conn, "configmaps", "kube-public", "metadata.name=cluster-info",
                    lambda items: check(items[0] if items else None),
                    lambda etype, obj: check(None if etype == "DELETED" else obj),
                    watch_seconds=max(1, int(timeout) + 1))
    task = asyncio.create_task(ref.run(), name=f"k8stui-wait-jws-{token_id}")
    try:
        return await wait_event(seen, timeout)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


# ---- control-plane join over SSH -------------------------------------------------------------


@dataclass(frozen=True)
class ControlPlaneNode:
    name: str
    internal_ip: str | None
    ready: bool


async def control_plane_nodes(conn: Connection) -> list[ControlPlaneNode]:
    """Nodes with the control-plane (or legacy master) role label, Ready ones first."""
    try:
        resp = await conn.core().list_node_without_preload_content(_request_timeout=60)
        items = (await _read_json(resp)).get("items") or []
    except Exception as e:
        raise TokenError(f"cannot list the control-plane nodes: {_reason(e, conn)}") from None
    out = []
    for n in items:
        labels = (n.get("metadata") or {}).get("labels") or {}
        if not any(lbl in labels for lbl in CONTROL_PLANE_LABELS):
            continue
        st = n.get("status") or {}
        ip = next((a.get("address") for a in st.get("addresses") or [] if a.get("type") == "InternalIP"), None)
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in st.get("conditions") or [])
        out.append(ControlPlaneNode(n["metadata"]["name"], ip, ready))
    return sorted(out, key=lambda c: (not c.ready, c.name))


@dataclass(frozen=True)
class ControlPlaneJoin:
    """A control-plane join command and when its certificate key (the kubeadm-certs Secret) expires."""

    node: str  # where upload-certs ran
    command: str = field(repr=False)  # holds the token and the certificate key
    certificate_key: str = field(repr=False)
    expires_at: float  # epoch seconds

    def remaining(self, now: float | None = None) -> float:
        return self.expires_at - (time.time() if now is None else now)

    def countdown(self, now: float | None = None) -> str:
        """`1:59:58` until the key expires, `expired` after."""
        r = int(self.remaining(now))
        if r <= 0:
            return "expired"
        return f"{r // 3600}:{r % 3600 // 60:02d}:{r % 60:02d}"


def parse_certificate_key(stdout: str) -> str:
    """The last non-empty line of `upload-certs` output: the 64-hex certificate key."""
    lines = [ln.strip() for ln in stdout.splitlines() if ln.strip()]
    key = lines[-1] if lines else ""
    if not _CERT_KEY_RE.fullmatch(key):
        raise TokenError("upload-certs did not print a certificate key (expected 64 hexadecimal characters on "
                         "its last line; is --skip-certificate-key-print set in a config?)")
    return key


async def control_plane_join(conn: Connection, runner: "SSHRunner", node: str | None,
                             token: str | TokenInfo, timeout: float = 300.0) -> ControlPlaneJoin:
    """Run `kubeadm init phase upload-certs --upload-certs` on a control-plane node over SSH (sudo
    per the inventory), read the certificate key, and build the `--control-plane --certificate-key`
    join command. The key is valid for two hours from the upload: `expires_at` counts from the
    moment before the command started (never later than the real expiry)."""
    tok = token.token if isinstance(token, TokenInfo) else token
    if not _TOKEN_RE.fullmatch(tok or ""):
        raise TokenError(f"the bootstrap token was not of the form {go_quote(TOKEN_PATTERN)}")
    tid = tok.split(".", 1)[0]
    where = f"host/{node}" if node else "host/<control-plane>"
    _refuse(conn, "upload the control-plane certificates (kubeadm init phase upload-certs)", where,
            action="upload-certs", token_id=tid)
    await require_control_plane_endpoint(conn)  # before anything runs on a host
    cps = await control_plane_nodes(conn)
    if node is None:
        if not cps:
            raise TokenError("no control-plane node found (no node has the node-role.kubernetes.io/control-plane "
                             "label)")
        chosen = cps[0]
    else:
        chosen = next((c for c in cps if c.name == node), None)
        if chosen is None:
            raise TokenError(f'node "{node}" is not a control-plane node (upload-certs must run on one)')
    start = time.time()
    cmd = shell.kubeadm_upload_certs()
    result = await runner.run(chosen.name, cmd, timeout=timeout, internal_ip=chosen.internal_ip)
    if not result.ok:
        last = next((ln for ln in reversed(result.stderr.splitlines()) if ln.strip()), "")
        detail = shell.redact(last.strip())
        audit.record("upload-certs", f"host/{chosen.name}", context=conn.context,
                     result=f"failed: exit {result.exit_status}", token_id=tid)
        raise TokenError(f"{chosen.name}: kubeadm init phase upload-certs failed (exit {result.exit_status})"
                         + (f": {detail}" if detail else ""))
    key = parse_certificate_key(result.stdout)
    command = await join_command(conn, tok, certificate_key=key)
    expires = start + CERT_KEY_LIFETIME
    audit.record("upload-certs", f"host/{chosen.name}", context=conn.context, result="ok", token_id=tid,
                 expires=datetime.fromtimestamp(expires, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return ControlPlaneJoin(chosen.name, command, key, expires)
