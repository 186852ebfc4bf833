"""Who a request comes from, and what RBAC would let them do.

Two users, as the kubeconfig `k8stui sim` writes: the admin (group system:masters, may do
everything) and a viewer (get/list/watch only, plus the self-reviews every user may create).
The denial texts are the RBAC authorizer's own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from k8stui.sim.errors import ApiError
from k8stui.sim.resources import Resource

READ_VERBS = {"get", "list", "watch"}
SELF_REVIEWS = {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...]
    read_only: bool


@dataclass
class Authenticator:
    tokens: dict[str, User] = field(default_factory=dict)

    @classmethod
    def with_default_users(cls) -> "Authenticator":
        return cls({
            secrets.token_hex(16): User("kubernetes-admin", ("kubeadm:cluster-admins", "system:authenticated"),
                                        False),
            secrets.token_hex(16): User("viewer", ("system:authenticated",), True),
        })

    def token_for(self, user_name: str) -> str:
        for tok, user in self.tokens.items():
            if user.name == user_name:
                return tok
        raise KeyError(user_name)

    def authenticate(self, authorization: str | None) -> User:
        if authorization and authorization.startswith("Bearer "):
            user = self.tokens.get(authorization[7:].strip())
            if user:
                return user
        raise ApiError(401, "Unauthorized", "Unauthorized")


def allowed(user: User, verb: str, res: Resource | None, subresource: str | None) -> bool:
    if not user.read_only:
        return True
    if res is not None and res.plural in SELF_REVIEWS and verb == "create":
        return True
    return verb in READ_VERBS


def forbidden(user: User, verb: str, res: Resource, subresource: str | None, namespace: str | None,
              name: str | None) -> ApiError:
    resource = res.plural + (f"/{subresource}" if subresource else "")
    what = f'{res.group_resource} "{name}"' if name else res.group_resource
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (f'{what} is forbidden: User "{user.name}" cannot {verb} resource "{resource}" '
               f'in API group "{res.group}" {scope}')
    details = {"kind": res.plural}
    if name:
        details["name"] = name
    if res.group:
        details["group"] = res.group
    return ApiError(403, message, "Forbidden", details=details)


def access_review(user: User, attrs: dict) -> dict:
    verb = attrs.get("verb", "")
    ok = not user.read_only or verb in READ_VERBS or attrs.get("resource") in SELF_REVIEWS
    status = {"allowed": ok}
    if ok:
        status["reason"] = "RBAC: allowed by ClusterRoleBinding" if user.read_only else ""
    else:
        status["reason"] = ""
    return status


def rules_review(user: User) -> dict:
    verbs = sorted(READ_VERBS) if user.read_only else ["*"]
    return {
        "resourceRules": [{"verbs": verbs, "apiGroups": ["*"], "resources": ["*"]},
                          {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
                           "resources": sorted(SELF_REVIEWS)}],
        "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["*"]}],
        "incomplete": False,
    }
