"""A connection to one cluster: kubeconfig loading, the read-only guard, one-line errors.

The read-only guard wraps the REST client's `request`, the single place every API call of the
official client leaves the process: in read-only mode any method other than GET (and the POST of
a self-subject access or rules review, which changes nothing) raises `ReadOnlyError` before a
byte is sent. Hiding keys in the UI is a convenience on top; this is the enforcement. (The same
wrapper makes the client's documented `(connect, read)` timeouts work.)

Credentials that change under a running session (the API server restarted with a new CA, a token
rotated, the kubeconfig rewritten) are picked up in place: on a TLS failure or a 401,
`Connection.refresh(error)` re-reads the kubeconfig when any file it was loaded from changed (every
file of a merged KUBECONFIG, one that was missing and appeared too; or,
for exec and token-file users, re-evaluates the credentials on a 401) and swaps in a new API
client. Everything holding the Connection uses the new client from its next call on;
`generation` counts the swaps, so caches know to relist.

Which files make the kubeconfig and how they merge is kubectl's rule, in `kube/kubeconfig.py`;
the client is built from the merged dict, so it sees what kubectl would.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import ssl
import time
from pathlib import Path
from typing import Any

import aiohttp
from kubernetes.aio import client as kclient
from kubernetes.aio import config as kconfig
from kubernetes.aio.client.exceptions import ApiException

from k8stui.errors import ReadOnlyError, UserError
from k8stui.kube.kubeconfig import (
    CLUSTER_FILES,
    USER_FILES,
    KubeconfigInfo,
    kubeconfig_sources,
    read_kubeconfig,
    reread_kubeconfig,
)

# an exec or token-file user whose file did not change is re-evaluated on a 401 at most this often
REEVALUATE_SECONDS = 10.0
# POSTs that only ask a question: allowed in read-only mode
READ_ONLY_POSTS = ("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                   "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
RBAC_READONLY_REASON = "your RBAC does not allow writes"


class Connection:
    """An API client for one context, with its facts and the read-only guard in place."""

    def __init__(self, api: kclient.ApiClient, info: KubeconfigInfo, context: str, readonly: bool,
                 fingerprint: tuple | None = None):
        self.context = context
        self.readonly = readonly
        # what made it read-only, for messages: "--readonly", "config: contexts.NAME.readonly", ...
        self.readonly_source: str | None = None
        self.rbac_readonly = False  # set when access reviews say we may not write
        self.write_access_checked = False  # whether check_write_access has asked RBAC
        self.sent: list[tuple[str, str]] = []  # (method, path) of every request let through
        self.generation = 0  # API clients swapped in by `refresh`
        self.refresh_error: str | None = None  # why the last re-read of the kubeconfig failed
        self._retired: list[kclient.ApiClient] = []  # replaced clients, closed with the connection
        self._refresh_lock = asyncio.Lock()
        self._use(api, info, fingerprint if fingerprint is not None else kubeconfig_fingerprint(info, context))

    def _use(self, api: kclient.ApiClient, info: KubeconfigInfo, fingerprint: tuple) -> None:
        """Take this client and the kubeconfig facts it was built from."""
        self.api = api
        self.kubeconfig = info
        ctx = info.context(self.context)
        self.cluster = ctx.get("cluster", "")
        self.user = ctx.get("user", "")
        self.namespace = ctx.get("namespace") or "default"
        self.server = api.configuration.host
        self.fingerprint = fingerprint
        self._dynamic_user = _has_dynamic_credentials(info, self.context)
        self._built_at = time.monotonic()
        _install_guard(self)

    @property
    def effective_readonly(self) -> bool:
        return self.readonly or self.rbac_readonly

    @property
    def readonly_reason(self) -> str | None:
        """Why this session is read-only (None when it is not): its source, else RBAC, else the flag."""
        if not self.effective_readonly:
            return None
        if self.readonly_source:
            return self.readonly_source
        return RBAC_READONLY_REASON if self.rbac_readonly else "--readonly"

    async def close(self) -> None:
        await self._close_retired()
        await self.api.close()

    async def _close_retired(self) -> None:
        retired, self._retired = self._retired, []
        for api in retired:
            try:
                await api.close()
            except Exception:
                pass

    def sources_changed(self) -> bool:
        """Has any file this connection was loaded from changed since (content, not just mtime)?"""
        return kubeconfig_fingerprint(self.kubeconfig, self.context) != self.fingerprint

    async def refresh(self, error: BaseException) -> bool:
        """After `error` (a TLS failure or a 401): rebuild the API client from the kubeconfig when
        its files changed, or, on a 401 for an exec or token-file user, to re-evaluate the
        credentials. True when a new client is in place (`generation` went up). Concurrent
        callers wait for one rebuild; a kubeconfig that cannot be used leaves the old client in
        place and says why in `refresh_error`."""
        if not needs_new_credentials(error):
            return False
        async with self._refresh_lock:
            changed = self.sources_changed()
            unauthorized = isinstance(error, ApiException) and error.status == 401
            reevaluate = (unauthorized and self._dynamic_user
                          and time.monotonic() - self._built_at >= REEVALUATE_SECONDS)
            if not (changed or reevaluate):
                return False
            try:
                info = reread_kubeconfig(self.kubeconfig)
                info.usable_context(self.context)
                fingerprint = kubeconfig_fingerprint(info, self.context)
                api = await _new_api(info, self.context)
            except UserError as e:
                self.refresh_error = str(e)
                return False
            # running operations may still hold the old client: it is closed at the next swap or
            # with the connection (the one before it has had its chance to finish)
            await self._close_retired()
            self._retired.append(self.api)
            self._use(api, info, fingerprint)
            self.refresh_error = None
            self.generation += 1
            return True

    def core(self) -> kclient.CoreV1Api:
        return kclient.CoreV1Api(self.api)

    def apps(self) -> kclient.AppsV1Api:
        return kclient.AppsV1Api(self.api)

    def policy(self) -> kclient.PolicyV1Api:
        return kclient.PolicyV1Api(self.api)

    def coordination(self) -> kclient.CoordinationV1Api:
        return kclient.CoordinationV1Api(self.api)

    async def can(self, verb: str, resource: str, group: str = "", namespace: str | None = None,
                  subresource: str | None = None) -> bool:
        """A SelfSubjectAccessReview: may this user do that?"""
        attrs: dict[str, Any] = {"verb": verb, "resource": resource, "group": group}
        if namespace:
            attrs["namespace"] = namespace
        if subresource:
            attrs["subresource"] = subresource
        review = await kclient.AuthorizationV1Api(self.api).create_self_subject_access_review(
            {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
             "spec": {"resourceAttributes": attrs}})
        return bool(review.status and review.status.allowed)

    async def check_write_access(self) -> bool:
        """Ask RBAC whether we may write at all; if not, behave as read-only (and say so)."""
        try:
            ok = await self.can("patch", "nodes")
        except ApiException:
            ok = True  # no answer: let the server decide per request
        self.rbac_readonly = not ok
        self.write_access_checked = True
        return ok


def _install_guard(conn: Connection) -> None:
    rest = conn.api.rest_client
    original = rest.request

    async def guarded(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        path = url.split("://", 1)[-1]
        path = "/" + path.split("/", 1)[1] if "/" in path else "/"
        path = path.split("?", 1)[0]
        if method.upper() not in ("GET", "HEAD", "OPTIONS") and conn.effective_readonly:
            if not (method.upper() == "POST" and path in READ_ONLY_POSTS):
                raise ReadOnlyError(f"{method.upper()} {path}")
        conn.sent.append((method.upper(), path))
        timeout = kwargs.get("_request_timeout")
        if isinstance(timeout, tuple):
            kwargs["_request_timeout"] = _client_timeout(*timeout)
        return await original(method, url, *args, **kwargs)

    rest.request = guarded  # type: ignore[method-assign]


def needs_new_credentials(e: BaseException) -> bool:
    """A failure that a changed kubeconfig may cure: the server's certificate is not the one we
    trust, or our credentials were rejected."""
    if isinstance(e, ApiException):
        return e.status == 401
    return isinstance(e, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError, ssl.SSLError))


def kubeconfig_files(info: KubeconfigInfo, context: str) -> list[Path]:
    """Every kubeconfig file looked at (missing ones too: one that appears is a change) and every
    file its context's cluster and user name (CA, client cert and key, token file)."""
    files = list(info.candidates or [info.path])
    try:
        ctx = info.context(context)
    except UserError:
        return files
    for kind, name, keys in (("clusters", ctx.get("cluster"), CLUSTER_FILES), ("users", ctx.get("user"), USER_FILES)):
        entry = _named(info.raw.get(kind), name, kind[:-1])
        for key in keys:
            value = entry.get(key)
            if isinstance(value, str) and value:
                files.append(Path(value))  # absolute: resolved against its own file when merged
    return files


def kubeconfig_fingerprint(info: KubeconfigInfo, context: str) -> tuple:
    """(path, digest of its content or None when unreadable) of every file of `kubeconfig_files`."""
    return _digests(kubeconfig_files(info, context))


def current_fingerprint(kubeconfig: str | Path | None, context: str | None) -> tuple:
    """The fingerprint of the kubeconfig as it is now, even when it cannot be used (then of the
    file alone), so any change to it shows."""
    try:
        info = read_kubeconfig(kubeconfig)
    except UserError:
        return _digests(kubeconfig_sources(kubeconfig)[0])
    return kubeconfig_fingerprint(info, context or info.current)


def _digests(paths: list[Path]) -> tuple:
    out = []
    for p in paths:
        try:
            out.append((str(p), hashlib.sha256(p.read_bytes()).hexdigest()))
        except OSError:
            out.append((str(p), None))
    return tuple(out)


def _named(items: Any, name: Any, field_name: str) -> dict:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name and isinstance(item.get(field_name), dict):
            return item[field_name]
    return {}


def _has_dynamic_credentials(info: KubeconfigInfo, context: str) -> bool:
    """Credentials that can change without the kubeconfig changing: an exec plugin, an auth
    provider, a token file."""
    try:
        user = _named(info.raw.get("users"), info.context(context).get("user"), "user")
    except UserError:
        return False
    return bool(user.get("exec") or user.get("auth-provider") or user.get("tokenFile"))


async def _new_api(info: KubeconfigInfo, ctx: str) -> kclient.ApiClient:
    """An API client for the context (exec plugins run now), with one-line errors. Built from
    the merged dict, whose file references are already absolute (the client would resolve
    relative ones against the working directory)."""
    try:
        return await kconfig.new_client_from_config_dict(copy.deepcopy(info.raw), context=ctx)
    except kconfig.ConfigException as e:
        raise UserError(f"kubeconfig {info.label}: context {ctx}: {str(e).splitlines()[0]}") from None
    except (ValueError, TypeError, KeyError, OSError) as e:
        raise UserError(f"kubeconfig {info.label}: context {ctx}: invalid ({e})") from None


def _client_timeout(connect: float, read: float) -> aiohttp.ClientTimeout:
    """The client's documented `(connect, read)` form of `_request_timeout`, which its asyncio REST
    layer hands to aiohttp unconverted: connect covers the TCP and TLS handshakes, read the
    longest silence of the socket; no total (callers that need one bound the call themselves)."""
    return aiohttp.ClientTimeout(total=None, connect=connect, sock_connect=connect, sock_read=read)


async def connect(kubeconfig: str | Path | None = None, context: str | None = None,
                  readonly: bool = False, check: bool = True) -> Connection:
    """Load the kubeconfig context and, with `check`, prove the server answers (one-line errors)."""
    info = read_kubeconfig(kubeconfig)
    ctx = context or info.current
    if not ctx:
        raise UserError(f"kubeconfig {info.label}: no current context (use --context NAME)")
    info.usable_context(ctx)  # one line for an unknown context, or one naming a missing cluster or user
    # taken before the client reads the files: a change after this is seen by `refresh`
    fingerprint = kubeconfig_fingerprint(info, ctx)
    api = await _new_api(info, ctx)
    conn = Connection(api, info, ctx, readonly, fingerprint)
    if check:
        try:
            await kclient.VersionApi(api).get_code()
        except Exception as e:
            await conn.close()
            raise explain(e, conn) from None
        except BaseException:  # cancelled: close, and let the cancellation through
            await conn.close()
            raise
    return conn


def explain(e: BaseException, conn: Connection | None = None) -> UserError:
    """One line an operator can act on, for any failure of an API call."""
    where = f" ({conn.context} at {conn.server})" if conn else ""
    if isinstance(e, UserError):
        return e
    if isinstance(e, ApiException):
        msg = _status_message(e)
        if e.status == 401:
            return UserError(f"unauthorized{where}: the credentials were rejected or have expired")
        if e.status == 403:
            return UserError(f"forbidden{where}: {msg}")
        if e.status == 404:
            return UserError(f"not found: {msg}")
        return UserError(f"API error {e.status}{where}: {msg}")
    if isinstance(e, aiohttp.ClientConnectorCertificateError) or isinstance(e, ssl.SSLError):
        return UserError(f"TLS verification failed{where}: {e}")
    if isinstance(e, aiohttp.ClientConnectorError):
        return UserError(f"cannot reach the API server{where}: {e.os_error.strerror or e}")
    if isinstance(e, asyncio.TimeoutError):
        return UserError(f"the API server did not answer in time{where}")
    if isinstance(e, (aiohttp.ClientError, ConnectionError)):
        return UserError(f"connection to the API server failed{where}: {e or type(e).__name__}")
    return UserError(f"unexpected error{where}: {type(e).__name__}: {e}")


def _status_message(e: ApiException) -> str:
    try:
        body = json.loads(e.body or "{}")
        return body.get("message") or e.reason or str(e.status)
    except (ValueError, TypeError):
        return e.reason or str(e.status)
