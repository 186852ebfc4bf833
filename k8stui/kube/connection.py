"""A connection to one cluster: kubeconfig loading, the read-only guard, one-line errors.

The read-only guard wraps the REST client's `request`, the single place every API call of the
official client leaves the process: in read-only mode any method other than GET (and the POST of
a self-subject access or rules review, which changes nothing) raises `ReadOnlyError` before a
byte is sent. Hiding keys in the UI is a convenience on top; this is the enforcement.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from kubernetes.aio import client as kclient
from kubernetes.aio import config as kconfig
from kubernetes.aio.client.exceptions import ApiException

from k8stui.errors import ReadOnlyError, UserError

DEFAULT_KUBECONFIG = Path("~/.kube/config")
# POSTs that only ask a question: allowed in read-only mode
READ_ONLY_POSTS = ("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                   "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
RBAC_READONLY_REASON = "your RBAC does not allow writes"


@dataclass
class KubeconfigInfo:
    path: Path
    contexts: list[str]
    current: str
    raw: dict = field(repr=False, default_factory=dict)

    def context(self, name: str) -> dict:
        for c in self.raw.get("contexts") or []:
            if c.get("name") == name:
                return c.get("context") or {}
        raise UserError(f'context "{name}" not found in {self.path} (have: {", ".join(self.contexts) or "none"})')


def kubeconfig_path(path: str | Path | None) -> Path:
    import os

    if path:
        return Path(path).expanduser()
    env = os.environ.get("KUBECONFIG")
    if env:
        return Path(env.split(os.pathsep)[0]).expanduser()
    return DEFAULT_KUBECONFIG.expanduser()


def read_kubeconfig(path: str | Path | None) -> KubeconfigInfo:
    p = kubeconfig_path(path)
    try:
        raw = yaml.safe_load(p.read_text())
    except FileNotFoundError:
        raise UserError(f"kubeconfig {p}: no such file (use --kubeconfig PATH, or try `k8stui demo`)") from None
    except OSError as e:
        raise UserError(f"kubeconfig {p}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise UserError(f"kubeconfig {p}: not valid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("contexts"), list) or not raw["contexts"]:
        raise UserError(f"kubeconfig {p}: has no contexts")
    names = [c.get("name", "") for c in raw["contexts"] if isinstance(c, dict)]
    return KubeconfigInfo(p, names, raw.get("current-context") or (names[0] if names else ""), raw)


class Connection:
    """An API client for one context, with its facts and the read-only guard in place."""

    def __init__(self, api: kclient.ApiClient, info: KubeconfigInfo, context: str, readonly: bool):
        self.api = api
        self.kubeconfig = info
        self.context = context
        ctx = info.context(context)
        self.cluster = ctx.get("cluster", "")
        self.user = ctx.get("user", "")
        self.namespace = ctx.get("namespace") or "default"
        self.server = api.configuration.host
        self.readonly = readonly
        # what made it read-only, for messages: "--readonly", "config: contexts.NAME.readonly", ...
        self.readonly_source: str | None = None
        self.rbac_readonly = False  # set when access reviews say we may not write
        self.write_access_checked = False  # whether check_write_access has asked RBAC
        self.sent: list[tuple[str, str]] = []  # (method, path) of every request let through
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
        await self.api.close()

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
        return await original(method, url, *args, **kwargs)

    rest.request = guarded  # type: ignore[method-assign]


async def connect(kubeconfig: str | Path | None = None, context: str | None = None,
                  readonly: bool = False, check: bool = True) -> Connection:
    """Load the kubeconfig context and, with `check`, prove the server answers (one-line errors)."""
    info = read_kubeconfig(kubeconfig)
    ctx = context or info.current
    if not ctx:
        raise UserError(f"kubeconfig {info.path}: no current context (use --context NAME)")
    info.context(ctx)  # raises for an unknown context
    try:
        api = await kconfig.new_client_from_config(config_file=str(info.path), context=ctx, persist_config=False)
    except kconfig.ConfigException as e:
        raise UserError(f"kubeconfig {info.path}: context {ctx}: {str(e).splitlines()[0]}") from None
    except (ValueError, TypeError, KeyError, OSError) as e:
        raise UserError(f"kubeconfig {info.path}: context {ctx}: invalid ({e})") from None
    conn = Connection(api, info, ctx, readonly)
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
    if isinstance(e, (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError)):
        return UserError(f"connection to the API server failed{where}: {e or type(e).__name__}")
    return UserError(f"unexpected error{where}: {type(e).__name__}: {e}")


def _status_message(e: ApiException) -> str:
    try:
        body = json.loads(e.body or "{}")
        return body.get("message") or e.reason or str(e.status)
    except (ValueError, TypeError):
        return e.reason or str(e.status)
