"""Bootstrap signer and token cleaner (kube-controller-manager's `bootstrapsigner`, `tokencleaner`).

The signer keeps `kube-public/cluster-info` carrying one `jws-kubeconfig-<token-id>` entry per
valid bootstrap token (a Secret of type bootstrap.kubernetes.io/token in kube-system with
`usage-bootstrap-signing: "true"` that has not expired): a detached JWS, HS256 over the `kubeconfig`
value keyed with the token secret, header `{"alg":"HS256","kid":"<token-id>"}`, serialized
`<header>..<signature>` exactly as pkg/controller/bootstrap/jws.go computes it (go-jose compact
serialization with the payload removed). Signatures of deleted or expired tokens are removed.

The cleaner deletes token Secrets at their `expiration` instant (a real timestamp, not scaled).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any

from k8stui.sim.controllers.base import Controller
from k8stui.sim.controllers.index import Change
from k8stui.sim.controllers.util import parse_ts

TOKEN_TYPE = "bootstrap.kubernetes.io/token"
JWS_PREFIX = "jws-kubeconfig-"
_ID_RE = re.compile(r"^[a-z0-9]{6}$")
_SECRET_RE = re.compile(r"^[a-z0-9]{16}$")


def _b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def detached_jws(content: str, token_id: str, token_secret: str) -> str:
    """bootstrap.ComputeDetachedSignature."""
    header = _b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")).encode())
    payload = _b64url(content.encode())
    sig = hmac.new(token_secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}..{_b64url(sig)}"


def _data(secret: dict) -> dict[str, str]:
    out = {}
    for k, v in (secret.get("data") or {}).items():
        try:
            out[k] = base64.b64decode(v).decode()
        except (ValueError, UnicodeDecodeError):
            continue
    for k, v in (secret.get("stringData") or {}).items():
        out[k] = str(v)
    return out


def parse_token(secret: dict) -> tuple[str, str, float | None, bool] | None:
    """(token id, token secret, expiration or None, signing usage) of a well-formed token Secret."""
    if secret.get("type") != TOKEN_TYPE:
        return None
    d = _data(secret)
    tid, tsec = d.get("token-id", ""), d.get("token-secret", "")
    if not _ID_RE.match(tid) or not _SECRET_RE.match(tsec):
        return None
    if secret["metadata"].get("name") != f"bootstrap-token-{tid}":
        return None
    exp = parse_ts(d["expiration"]) if d.get("expiration") else None
    if d.get("expiration") and exp is None:
        exp = 0.0  # unparseable expiration: treated as expired
    return tid, tsec, exp, d.get("usage-bootstrap-signing") == "true"


class BootstrapSigner(Controller):
    """Signer and cleaner in one task: both react to the same Secrets."""

    name = "bootstrapsigner"
    resources = ("secrets", "configmaps")

    def on_event(self, ch: Change) -> None:
        e = ch.ev.entry
        if ch.ev.resource == "secrets":
            if e.namespace == "kube-system" and e.name.startswith("bootstrap-token-"):
                self.enqueue(("sign",))
                if ch.ev.type != "DELETED":
                    self.enqueue(("clean", e.name))
        elif e.namespace == "kube-public" and e.name == "cluster-info" and ch.ev.type != "DELETED":
            self.enqueue(("sign",))

    def initial(self) -> None:
        self.enqueue(("sign",))
        for e in self.store.entries("secrets", "kube-system"):
            if e.name.startswith("bootstrap-token-"):
                self.enqueue(("clean", e.name))

    def sync(self, key: Any) -> None:
        if key[0] == "clean":
            self._clean(key[1])
        else:
            self._sign()

    def _clean(self, name: str) -> None:
        secret = self.store.try_get("secrets", "kube-system", name)
        if secret is None or secret.get("type") != TOKEN_TYPE:
            return
        exp_s = _data(secret).get("expiration")
        if not exp_s:
            return
        exp = parse_ts(exp_s)
        now = time.time()
        if exp is None or exp <= now:
            self.store.delete("secrets", "kube-system", name)
            return
        self.enqueue_after(exp - now + 0.01, ("clean", name), scale=False)

    def _sign(self) -> None:
        cm = self.store.try_get("configmaps", "kube-public", "cluster-info")
        if cm is None:
            return
        data = dict(cm.get("data") or {})
        content = data.get("kubeconfig")
        if content is None:
            return
        now = time.time()
        want: dict[str, str] = {}
        soonest = None
        for e in self.store.entries("secrets", "kube-system"):
            if not e.name.startswith("bootstrap-token-"):
                continue
            tok = parse_token(e.obj())
            if tok is None:
                continue
            tid, tsec, exp, signing = tok
            if not signing:
                continue
            if exp is not None:
                if exp <= now:
                    continue
                soonest = exp if soonest is None else min(soonest, exp)
            want[JWS_PREFIX + tid] = detached_jws(content, tid, tsec)
        new = {k: v for k, v in data.items() if not k.startswith(JWS_PREFIX)}
        new.update(want)
        if soonest is not None:
            self.enqueue_after(soonest - now + 0.01, ("sign",), scale=False)
        if new == (cm.get("data") or {}):
            return
        self.store.mutate("configmaps", "kube-public", "cluster-info", lambda o: o.__setitem__("data", new))
