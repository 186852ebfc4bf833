"""The API resources the simulated server serves, with the facts discovery reports about them.

One table drives discovery (`/api/v1`, `/apis/<group>/<version>`), URL routing, the store's
indexes and RBAC error texts, so adding a kind is one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

READ_VERBS = ("get", "list", "watch")
ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Subresource:
    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str = ""  # the group/version of the subresource's kind when it differs
    version: str = ""


@dataclass(frozen=True)
class Resource:
    plural: str
    singular: str
    kind: str
    group: str  # "" for the core group
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[Subresource, ...] = ()
    # field selectors the real server supports for this kind, besides metadata.name/namespace
    field_selectors: tuple[str, ...] = ()
    # functions extracting field-selector values from an object (path -> getter)
    field_getters: dict[str, Callable[[dict], str]] = field(default_factory=dict, compare=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def group_resource(self) -> str:
        """`pods` or `deployments.apps`, as the apiserver names it in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def subresource(self, name: str) -> Subresource | None:
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None


def _get(path: str) -> Callable[[dict], str]:
    parts = path.split(".")

    def getter(obj: dict) -> str:
        cur = obj
        for p in parts:
            if not isinstance(cur, dict):
                return ""
            cur = cur.get(p)
            if cur is None:
                return ""
        if isinstance(cur, bool):
            return "true" if cur else "false"
        return str(cur)

    return getter


def _fields(*paths: str) -> dict[str, Callable[[dict], str]]:
    return {p: _get(p) for p in paths}


_STATUS = Subresource("status", "", ("get", "patch", "update"))

POD_FIELDS = (
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
)
EVENT_FIELDS = (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)

RESOURCES: tuple[Resource, ...] = (
    Resource("namespaces", "namespace", "Namespace", "", "v1", False, ("ns",),
             verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
             subresources=(Subresource("status", "Namespace", ("get", "patch", "update")),),
             field_selectors=("status.phase",), field_getters=_fields("status.phase")),
    Resource("nodes", "node", "Node", "", "v1", False, ("no",),
             subresources=(Subresource("status", "Node", ("get", "patch", "update")),),
             field_selectors=("spec.unschedulable",), field_getters=_fields("spec.unschedulable")),
    Resource("pods", "pod", "Pod", "", "v1", True, ("po",), ("all",),
             subresources=(
                 Subresource("status", "Pod", ("get", "patch", "update")),
                 Subresource("eviction", "Eviction", ("create",), "policy", "v1"),
                 Subresource("binding", "Binding", ("create",)),
             ),
             field_selectors=POD_FIELDS, field_getters=_fields(*POD_FIELDS)),
    Resource("events", "event", "Event", "", "v1", True, ("ev",),
             field_selectors=EVENT_FIELDS, field_getters=_fields(*EVENT_FIELDS)),
    Resource("configmaps", "configmap", "ConfigMap", "", "v1", True, ("cm",)),
    Resource("secrets", "secret", "Secret", "", "v1", True,
             field_selectors=("type",), field_getters=_fields("type")),
    Resource("serviceaccounts", "serviceaccount", "ServiceAccount", "", "v1", True, ("sa",)),
    Resource("services", "service", "Service", "", "v1", True, ("svc",), ("all",),
             subresources=(Subresource("status", "Service", ("get", "patch", "update")),)),
    Resource("leases", "lease", "Lease", "coordination.k8s.io", "v1", True),
    Resource("deployments", "deployment", "Deployment", "apps", "v1", True, ("deploy",), ("all",),
             subresources=(
                 Subresource("status", "Deployment", ("get", "patch", "update")),
                 Subresource("scale", "Scale", ("get", "patch", "update"), "autoscaling", "v1"),
             )),
    Resource("replicasets", "replicaset", "ReplicaSet", "apps", "v1", True, ("rs",), ("all",),
             subresources=(
                 Subresource("status", "ReplicaSet", ("get", "patch", "update")),
                 Subresource("scale", "Scale", ("get", "patch", "update"), "autoscaling", "v1"),
             )),
    Resource("daemonsets", "daemonset", "DaemonSet", "apps", "v1", True, ("ds",), ("all",),
             subresources=(Subresource("status", "DaemonSet", ("get", "patch", "update")),)),
    Resource("statefulsets", "statefulset", "StatefulSet", "apps", "v1", True, ("sts",), ("all",),
             subresources=(
                 Subresource("status", "StatefulSet", ("get", "patch", "update")),
                 Subresource("scale", "Scale", ("get", "patch", "update"), "autoscaling", "v1"),
             )),
    Resource("controllerrevisions", "controllerrevision", "ControllerRevision", "apps", "v1", True),
    Resource("jobs", "job", "Job", "batch", "v1", True, (), ("all",),
             subresources=(Subresource("status", "Job", ("get", "patch", "update")),),
             field_selectors=("status.successful",), field_getters=_fields("status.successful")),
    Resource("poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", "policy", "v1",
             True, ("pdb",),
             subresources=(Subresource("status", "PodDisruptionBudget", ("get", "patch", "update")),)),
    Resource("selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview",
             "authorization.k8s.io", "v1", False, verbs=("create",)),
    Resource("selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview",
             "authorization.k8s.io", "v1", False, verbs=("create",)),
)

BY_GROUP_VERSION_PLURAL: dict[tuple[str, str, str], Resource] = {
    (r.group, r.version, r.plural): r for r in RESOURCES
}
BY_PLURAL: dict[str, Resource] = {r.plural: r for r in RESOURCES}
BY_KIND: dict[str, Resource] = {r.kind: r for r in RESOURCES}

# Kinds whose create/delete never persists anything (reviews are answered, not stored).
VIRTUAL = {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}

# Group versions in the order the real server lists them in /apis.
GROUP_VERSIONS: list[tuple[str, str]] = []
for _r in RESOURCES:
    if _r.group and (_r.group, _r.version) not in GROUP_VERSIONS:
        GROUP_VERSIONS.append((_r.group, _r.version))


def resource_for(api_version: str, kind: str) -> Resource | None:
    group, _, version = api_version.rpartition("/")
    res = BY_KIND.get(kind)
    if res is None or res.group != group or res.version != version:
        return None
    return res


def field_values(res: Resource, obj: dict) -> dict[str, str]:
    """The values field selectors match against; metadata.name/namespace are always there."""
    meta = obj.get("metadata") or {}
    out = {"metadata.name": meta.get("name", "")}
    if res.namespaced:
        out["metadata.namespace"] = meta.get("namespace", "")
    for path, getter in res.field_getters.items():
        out[path] = getter(obj)
    if res.plural == "events":
        # the real server also matches the legacy `source` against reportingController
        src = obj.get("source") or {}
        out["source"] = src.get("component", "") or obj.get("reportingComponent", "")
    return out
