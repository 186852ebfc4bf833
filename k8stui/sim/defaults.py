"""Defaulting and validation of objects on create/update, as the real apiserver does them.

`apply_defaults(res, obj, old)` fills in what the scheme defaulters and the default admission
plugins (ServiceAccount, Priority, DefaultTolerationSeconds) add, for the fields kubectl shows and
the controllers rely on; `validate(res, obj, old)` raises the 422 `Invalid` errors of the important
cases with the real messages. Both are called by the store on every create (old=None) and update.
"""

from __future__ import annotations

import copy
import ipaddress
import random
import re
from typing import Any

from k8stui.gofmt import go_quote
from k8stui.kube.selectors import regex_error
from k8stui.sim import errors
from k8stui.sim.resources import Resource

# ---- names ---------------------------------------------------------------------------------

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_LABEL_RE = re.compile("^" + _LABEL_FMT + r"\Z")
_SUBDOMAIN_RE = re.compile("^" + _SUBDOMAIN_FMT + r"\Z")
_DNS1035_RE = re.compile("^" + _DNS1035_FMT + r"\Z")
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                  "'.', and must start and end with an alphanumeric character")
_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
              "must start and end with an alphanumeric character")
_DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                "alphabetic character, and end with an alphanumeric character")


def _name_errors(v: str, max_len: int, regex: re.Pattern, msg: str, fmt: str, *examples: str) -> list[str]:
    """apimachinery's IsDNS1123Subdomain/IsDNS1123Label/IsDNS1035Label: length, then shape."""
    out = []
    if len(v) > max_len:
        out.append(f"must be no more than {max_len} characters")
    if not regex.match(v):
        out.append(regex_error(msg, fmt, *examples))
    return out


def subdomain_errors(v: str) -> list[str]:
    return _name_errors(v, 253, _SUBDOMAIN_RE, _SUBDOMAIN_MSG, _SUBDOMAIN_FMT, "example.com")


def label_errors(v: str) -> list[str]:
    return _name_errors(v, 63, _LABEL_RE, _LABEL_MSG, _LABEL_FMT, "my-name", "123-abc")


def dns1035_errors(v: str) -> list[str]:
    return _name_errors(v, 63, _DNS1035_RE, _DNS1035_MSG, _DNS1035_FMT, "my-name", "abc-123")


def go_map(m: dict | None) -> str:
    """%#v of a map[string]string."""
    if m is None:
        return "map[string]string(nil)"
    return "map[string]string{" + ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}"
                                            for k, v in sorted(m.items())) + "}"


def go_selector(sel: dict | None) -> str:
    """%#v of a *metav1.LabelSelector (dereferenced, as field.Invalid prints it)."""
    if sel is None:
        return "null"
    exprs = sel.get("matchExpressions")
    if exprs:
        parts = []
        for e in exprs:
            vals = e.get("values")
            v = "[]string(nil)" if not vals else "[]string{" + ", ".join(go_quote(str(x)) for x in vals) + "}"
            parts.append(f"v1.LabelSelectorRequirement{{Key:{go_quote(str(e.get('key', '')))}, "
                         f"Operator:{go_quote(str(e.get('operator', '')))}, Values:{v}}}")
        ex = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    else:
        ex = "[]v1.LabelSelectorRequirement(nil)"
    return f"v1.LabelSelector{{MatchLabels:{go_map(sel.get('matchLabels'))}, MatchExpressions:{ex}}}"


# ---- defaulting ----------------------------------------------------------------------------

PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def _image_pull_policy(image: str) -> str:
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.rsplit(":", 1)[1] == "latest":
        return "Always"
    return "IfNotPresent"


def _probe_defaults(p: dict | None) -> None:
    if not isinstance(p, dict):
        return
    p.setdefault("timeoutSeconds", 1)
    p.setdefault("periodSeconds", 10)
    p.setdefault("successThreshold", 1)
    p.setdefault("failureThreshold", 3)
    hg = p.get("httpGet")
    if isinstance(hg, dict):
        hg.setdefault("scheme", "HTTP")
        hg.setdefault("path", "/")


def _container_defaults(c: dict, host_network: bool) -> None:
    if not isinstance(c, dict):
        return
    image = c.get("image") or ""
    if image and not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = _image_pull_policy(image)
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if c.get("resources") is None:
        c["resources"] = {}
    for port in c.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if host_network and "hostPort" not in port and "containerPort" in port:
                port["hostPort"] = port["containerPort"]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe_defaults(c.get(probe))


def pod_spec_defaults(spec: dict) -> None:
    """SetDefaults_PodSpec and its containers/volumes: what templates and pods both get."""
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    host_network = bool(spec.get("hostNetwork"))
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or []:
            _container_defaults(c, host_network)
    for v in spec.get("volumes") or []:
        if not isinstance(v, dict):
            continue
        for src in ("configMap", "secret"):
            if isinstance(v.get(src), dict):
                v[src].setdefault("defaultMode", 420)
        if isinstance(v.get("projected"), dict):
            v["projected"].setdefault("defaultMode", 420)


def _template_defaults(obj: dict) -> None:
    t = (obj.get("spec") or {}).get("template")
    if isinstance(t, dict):
        if t.get("metadata") is None:
            t["metadata"] = {}
        pod_spec_defaults(t.setdefault("spec", {}))


def _default_tolerations(spec: dict) -> None:
    """The DefaultTolerationSeconds admission plugin."""
    tols = spec.get("tolerations") or []
    has_nr = has_ur = False
    for t in tols:
        if not isinstance(t, dict):
            continue
        key, effect = t.get("key") or "", t.get("effect") or ""
        if key in ("", "node.kubernetes.io/not-ready") and effect in ("", "NoExecute"):
            has_nr = True
        if key in ("", "node.kubernetes.io/unreachable") and effect in ("", "NoExecute"):
            has_ur = True
    if not has_nr:
        tols.append({"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                     "tolerationSeconds": 300})
    if not has_ur:
        tols.append({"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                     "tolerationSeconds": 300})
    spec["tolerations"] = tols


def _pod_defaults(obj: dict, old: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    pod_spec_defaults(spec)
    spec.setdefault("enableServiceLinks", True)
    # limits without requests: requests default to the limits (SetDefaults_Pod)
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or []:
            if not isinstance(c, dict):
                continue
            res = c.get("resources") or {}
            lim = res.get("limits") or {}
            if lim:
                req = res.setdefault("requests", {})
                for k, v in lim.items():
                    req.setdefault(k, v)
                c["resources"] = res
    if old is not None:
        return
    # admission plugins (create only): ServiceAccount, Priority, DefaultTolerationSeconds
    if spec.get("serviceAccountName") is None:
        spec["serviceAccountName"] = spec.get("serviceAccount") or "default"
    spec["serviceAccount"] = spec["serviceAccountName"]
    if spec.get("priority") is None:
        spec["priority"] = PRIORITY_CLASSES.get(spec.get("priorityClassName") or "", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    _default_tolerations(spec)
    from k8stui.sim.podstatus import qos_class

    obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}


def _deployment_defaults(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strat = spec.get("strategy")
    if not isinstance(strat, dict):
        strat = spec["strategy"] = {}
    strat.setdefault("type", "RollingUpdate")
    if strat["type"] == "RollingUpdate":
        ru = strat.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = strat["rollingUpdate"] = {}
        ru.setdefault("maxUnavailable", "25%")
        ru.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    _template_defaults(obj)


def _daemonset_defaults(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    us = spec.get("updateStrategy")
    if not isinstance(us, dict):
        us = spec["updateStrategy"] = {}
    us.setdefault("type", "RollingUpdate")
    if us["type"] == "RollingUpdate":
        ru = us.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = us["rollingUpdate"] = {}
        ru.setdefault("maxUnavailable", 1)
        ru.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    _template_defaults(obj)


def _statefulset_defaults(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    us = spec.get("updateStrategy")
    if not isinstance(us, dict):
        us = spec["updateStrategy"] = {}
    us.setdefault("type", "RollingUpdate")
    if us["type"] == "RollingUpdate":
        ru = us.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = us["rollingUpdate"] = {}
        ru.setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
    _template_defaults(obj)


JOB_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


def _job_defaults(obj: dict, old: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    _template_defaults(obj)
    if old is not None:
        # selector and generated labels are immutable: keep what the Job was created with
        if "selector" in (old.get("spec") or {}) and "selector" not in spec:
            spec["selector"] = old["spec"]["selector"]
        if "manualSelector" in (old.get("spec") or {}):
            spec.setdefault("manualSelector", old["spec"]["manualSelector"])
        return
    meta = obj["metadata"]
    uid = meta.get("uid")
    if not spec.get("manualSelector") and uid:
        name = meta.get("name", "")
        spec["selector"] = {"matchLabels": {JOB_UID_LABELS[0]: uid}}
        tmeta = spec["template"]["metadata"]
        labels = dict(tmeta.get("labels") or {})
        labels[JOB_UID_LABELS[0]] = uid
        labels[JOB_NAME_LABELS[0]] = name
        labels[JOB_UID_LABELS[1]] = uid
        labels[JOB_NAME_LABELS[1]] = name
        tmeta["labels"] = labels
        if not meta.get("labels"):
            meta["labels"] = {JOB_UID_LABELS[0]: uid, JOB_NAME_LABELS[0]: name, JOB_UID_LABELS[1]: uid,
                              JOB_NAME_LABELS[1]: name}


def _namespace_defaults(obj: dict, old: dict | None) -> None:
    meta = obj["metadata"]
    labels = meta.get("labels") or {}
    labels["kubernetes.io/metadata.name"] = meta.get("name", "")
    meta["labels"] = labels
    spec = obj.get("spec") or {}
    if not spec.get("finalizers"):
        spec["finalizers"] = ["kubernetes"]
    obj["spec"] = spec
    if old is None:
        status = obj.get("status") or {}
        status.setdefault("phase", "Active")
        obj["status"] = status
    elif "status" not in obj and "status" in old:
        obj["status"] = old["status"]


_SERVICE_NET = ipaddress.ip_network("10.96.0.0/12")


def _allocate_cluster_ip(used: set[str]) -> str:
    rnd = random.Random()
    for _ in range(1000):
        ip = str(_SERVICE_NET.network_address + rnd.randrange(16, _SERVICE_NET.num_addresses - 1))
        if ip not in used:
            return ip
    return str(_SERVICE_NET.network_address + 2)


def _service_defaults(obj: dict, old: dict | None) -> None:
    spec = obj.setdefault("spec", {})
    stype = spec.setdefault("type", "ClusterIP")
    if stype == "ExternalName":
        return
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if stype in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    old_spec = (old or {}).get("spec") or {}
    for i, p in enumerate(spec.get("ports") or []):
        if not isinstance(p, dict):
            continue
        p.setdefault("protocol", "TCP")
        if "targetPort" not in p and "port" in p:
            p["targetPort"] = p["port"]
        if stype in ("NodePort", "LoadBalancer") and not p.get("nodePort"):
            old_ports = old_spec.get("ports") or []
            if i < len(old_ports) and old_ports[i].get("nodePort"):
                p["nodePort"] = old_ports[i]["nodePort"]
            else:
                p["nodePort"] = random.randrange(30000, 32768)
    if not spec.get("clusterIP"):
        if old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        else:
            store = _STORE_HOOK.get("store")
            used: set[str] = set()
            if store is not None:
                for e in store.entries("services"):
                    m = re.search(rb'"clusterIP":"([^"]+)"', e.raw)
                    if m:
                        used.add(m.group(1).decode())
            spec["clusterIP"] = _allocate_cluster_ip(used)
    if spec["clusterIP"] != "None" or not spec.get("clusterIPs"):
        spec["clusterIPs"] = [spec["clusterIP"]]
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")


# The defaulter has no handle on the store; cluster code may set this to let service IP
# allocation avoid addresses in use (collisions are otherwise merely unlikely).
_STORE_HOOK: dict[str, Any] = {}


def set_store(store: Any) -> None:
    _STORE_HOOK["store"] = store


def apply_defaults(res: Resource, obj: dict, old: dict | None) -> None:
    if not isinstance(obj, dict):
        return
    obj.setdefault("metadata", {})
    p = res.plural
    if p == "pods":
        _pod_defaults(obj, old)
    elif p == "deployments":
        _deployment_defaults(obj)
    elif p == "replicasets":
        obj.setdefault("spec", {}).setdefault("replicas", 1)
        _template_defaults(obj)
    elif p == "daemonsets":
        _daemonset_defaults(obj)
    elif p == "statefulsets":
        _statefulset_defaults(obj)
    elif p == "jobs":
        _job_defaults(obj, old)
    elif p == "namespaces":
        _namespace_defaults(obj, old)
    elif p == "secrets":
        if not obj.get("type"):
            obj["type"] = "Opaque"
    elif p == "services":
        _service_defaults(obj, old)


# ---- validation ----------------------------------------------------------------------------

Cause = tuple[str, str, str]


def _name_causes(res: Resource, name: str) -> list[Cause]:
    if res.plural == "events":
        return []
    if res.plural == "namespaces":
        errs = label_errors(name)
    elif res.plural == "services":
        errs = dns1035_errors(name)
    else:
        errs = subdomain_errors(name)
    return [("metadata.name", "FieldValueInvalid", f"Invalid value: {go_quote(name)}: {e}") for e in errs]


def _non_negative(path: str, v: Any) -> list[Cause]:
    if isinstance(v, int) and not isinstance(v, bool) and v < 0:
        return [(path, "FieldValueInvalid", f"Invalid value: {v}: must be greater than or equal to 0")]
    return []


def _containers_causes(spec: dict, path: str) -> list[Cause]:
    out: list[Cause] = []
    containers = spec.get("containers")
    if not containers:
        out.append((f"{path}.containers", "FieldValueRequired", "Required value"))
    seen: set[str] = set()
    for key in ("initContainers", "containers"):
        for i, c in enumerate(spec.get(key) or []):
            cp = f"{path}.{key}[{i}]"
            if not isinstance(c, dict):
                out.append((cp, "FieldValueInvalid", "Invalid value: must be an object"))
                continue
            name = c.get("name")
            if not name:
                out.append((f"{cp}.name", "FieldValueRequired", "Required value"))
            else:
                for e in label_errors(str(name)):
                    out.append((f"{cp}.name", "FieldValueInvalid", f"Invalid value: {go_quote(str(name))}: {e}"))
                if name in seen:
                    out.append((f"{cp}.name", "FieldValueDuplicate", f"Duplicate value: {go_quote(str(name))}"))
                seen.add(name)
            if not c.get("image"):
                out.append((f"{cp}.image", "FieldValueRequired", "Required value"))
    return out


_POD_UPDATE_FORBIDDEN = (
    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
    "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
    "previously negative)")


def _pod_update_causes(obj: dict, old: dict) -> list[Cause]:
    new_spec = copy.deepcopy(obj.get("spec") or {})
    old_obj = copy.deepcopy(old)
    _pod_defaults(old_obj, old)  # compare defaulted with defaulted
    old_spec = old_obj.get("spec") or {}
    # the mutable fields
    for s in (new_spec, old_spec):
        for key in ("containers", "initContainers"):
            for c in s.get(key) or []:
                if isinstance(c, dict):
                    c.pop("image", None)
        s.pop("activeDeadlineSeconds", None)
        s.pop("terminationGracePeriodSeconds", None)
    old_tols = old_spec.pop("tolerations", None) or []
    new_tols = new_spec.pop("tolerations", None) or []
    if any(t not in new_tols for t in old_tols):
        return [("spec.tolerations", "FieldValueForbidden",
                 "Forbidden: existing toleration can not be modified except its tolerationSeconds")]
    old_gates = old_spec.pop("schedulingGates", None) or []
    new_gates = new_spec.pop("schedulingGates", None) or []
    if any(g not in old_gates for g in new_gates):
        return [("spec.schedulingGates", "FieldValueForbidden", "Forbidden: only deletion is allowed, but found new "
                 "scheduling gate '" + str(next(g for g in new_gates if g not in old_gates).get("name", "")) + "'")]
    if new_spec.get("nodeName") is None and old_spec.get("nodeName"):
        new_spec["nodeName"] = old_spec["nodeName"]
    if new_spec != old_spec:
        return [("spec", "FieldValueForbidden", _POD_UPDATE_FORBIDDEN)]
    return []


def _workload_causes(res: Resource, obj: dict, old: dict | None) -> list[Cause]:
    out: list[Cause] = []
    spec = obj.get("spec") or {}
    p = res.plural
    if p in ("deployments", "replicasets", "statefulsets"):
        out += _non_negative("spec.replicas", spec.get("replicas"))
    selector = spec.get("selector")
    template = spec.get("template") or {}
    tlabels = (template.get("metadata") or {}).get("labels")
    if p != "jobs" or spec.get("manualSelector"):
        if selector is None:
            out.append(("spec.selector", "FieldValueRequired", "Required value"))
        else:
            from k8stui.kube.selectors import SelectorError, selector_from_spec

            if not (selector.get("matchLabels") or selector.get("matchExpressions")):
                out.append(("spec.selector", "FieldValueInvalid",
                            f"Invalid value: {go_selector(selector)}: empty selector is invalid for "
                            f"{'deployment' if p == 'deployments' else res.singular}"))
            else:
                try:
                    sel = selector_from_spec(selector)
                    if not sel.matches(tlabels or {}):
                        out.append(("spec.template.metadata.labels", "FieldValueInvalid",
                                    f"Invalid value: {go_map(tlabels)}: `selector` does not match template "
                                    "`labels`"))
                except SelectorError as e:
                    out.append(("spec.selector", "FieldValueInvalid", f"Invalid value: {go_selector(selector)}: {e}"))
        if old is not None and p in ("deployments", "replicasets", "daemonsets", "statefulsets") and \
                (old.get("spec") or {}).get("selector") != selector:
            out.append(("spec.selector", "FieldValueInvalid",
                        f"Invalid value: {go_selector(selector)}: field is immutable"))
    tspec = template.get("spec")
    if not isinstance(tspec, dict):
        out.append(("spec.template.spec.containers", "FieldValueRequired", "Required value"))
    else:
        out += _containers_causes(tspec, "spec.template.spec")
        rp = tspec.get("restartPolicy")
        if p == "jobs":
            if rp not in ("OnFailure", "Never"):
                out.append(("spec.template.spec.restartPolicy", "FieldValueNotSupported",
                            f'Unsupported value: {go_quote(str(rp))}: supported values: "OnFailure", "Never"'))
        elif rp not in (None, "Always"):
            out.append(("spec.template.spec.restartPolicy", "FieldValueNotSupported",
                        f'Unsupported value: {go_quote(str(rp))}: supported values: "Always"'))
    if p == "jobs":
        for f in ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
            out += _non_negative(f"spec.{f}", spec.get(f))
    if p == "deployments":
        for f in ("revisionHistoryLimit", "minReadySeconds", "progressDeadlineSeconds"):
            out += _non_negative(f"spec.{f}", spec.get(f))
    return out


def _int_or_pct_causes(path: str, v: Any) -> list[Cause]:
    if v is None:
        return []
    if isinstance(v, int) and not isinstance(v, bool):
        return _non_negative(path, v)
    if isinstance(v, str) and re.match(r"^\d+%$", v):
        if int(v[:-1]) > 100:
            return [(path, "FieldValueInvalid", f"Invalid value: {go_quote(v)}: must not be greater than 100%")]
        return []
    return [(path, "FieldValueInvalid", f"Invalid value: {go_quote(str(v))}: a valid percent string must be a "
             "numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is "
             "'[0-9]+%')")]


def _pdb_causes(obj: dict) -> list[Cause]:
    spec = obj.get("spec") or {}
    out: list[Cause] = []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        out.append(("spec", "FieldValueInvalid", "Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:"
                    f"{spec['minAvailable']!r}, MaxUnavailable:{spec['maxUnavailable']!r}, ...}}: minAvailable and "
                    "maxUnavailable cannot be both set"))
    out += _int_or_pct_causes("spec.minAvailable", spec.get("minAvailable"))
    out += _int_or_pct_causes("spec.maxUnavailable", spec.get("maxUnavailable"))
    return out


def validate(res: Resource, obj: dict, old: dict | None) -> None:
    if not isinstance(obj, dict):
        return
    meta = obj.get("metadata") or {}
    name = meta.get("name", "")
    causes: list[Cause] = []
    if old is None and name:
        causes += _name_causes(res, name)
    p = res.plural
    if p == "pods":
        if old is None:
            causes += _containers_causes(obj.get("spec") or {}, "spec")
        else:
            causes += _pod_update_causes(obj, old)
    elif p in ("deployments", "replicasets", "daemonsets", "statefulsets", "jobs"):
        causes += _workload_causes(res, obj, old)
    elif p == "poddisruptionbudgets":
        causes += _pdb_causes(obj)
    if causes:
        raise errors.invalid(res, name, causes)
