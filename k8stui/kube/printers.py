"""Kubernetes table printers, reproduced from the Go sources.

This is the single printer module of k8stui.  The simulated API server builds its
``application/json;as=Table;v=v1;g=meta.k8s.io`` responses with it, the TUI renders
rows with it, and ``k8stui get`` prints with it.

What is reproduced, and from where (kubernetes/kubernetes):

* ``pkg/printers/internalversion/printers.go``: ``AddHandlers`` column definitions and
  the ``print*`` functions (``printPod``, ``printNode``, ``findNodeRoles``,
  ``getNodeInternalIP``/``getNodeExternalIP``, ``printDeployment``, ...).  The
  API server always calls these with ``GenerateOptions{Wide: true}``
  (``pkg/printers/storage/storage.go``), so the ``*_cells`` functions here return the
  *wide* row: one cell per column definition, priority>0 columns included.
* ``k8s.io/apimachinery/pkg/util/duration``: ``HumanDuration``, ``ShortHumanDuration``.
* ``k8s.io/apiserver/pkg/registry/rest/table.go``: the default table convertor
  (``Name`` + ``Created At``) used for kinds without a printer.
* ``k8s.io/cli-runtime/pkg/printers/tableprinter.go`` and ``tabwriter.go``: how kubectl
  turns a Table into text (upper-case headers, priority>0 columns only with ``-o wide``,
  NAMESPACE prepended with ``-A``, cells cut at the first ``\\n``/``\\r``/``\\f`` plus
  ``...`` and ESC written as ``^[`` (terminal.go), Go ``text/tabwriter`` with minwidth=6,
  tabwidth=4, padding=3, padchar=' ').

Inputs are plain API JSON dicts (camelCase keys).  Nothing here reads the clock: every
function that prints an age takes ``now`` (epoch seconds).  Standard library only.

Cell types follow the Go code: strings stay ``str``; ``int64(...)`` cells are ``int``;
``bool`` cells are ``bool``.  (The pod RESTARTS cell is a *string* such as ``"0"`` or
``"3 (5m ago)"``; its column type is ``"string"`` since the restart-time change.)
"""

from __future__ import annotations

import datetime as _dt
from operator import itemgetter as _itemgetter
from typing import Any, Callable, Iterable, Sequence

__all__ = [
    "ZERO_TIME",
    "parse_time",
    "human_duration",
    "short_human_duration",
    "translate_timestamp_since",
    "format_rfc3339",
    "POD_COLUMNS",
    "NODE_COLUMNS",
    "NAMESPACE_COLUMNS",
    "DEPLOYMENT_COLUMNS",
    "REPLICASET_COLUMNS",
    "DAEMONSET_COLUMNS",
    "STATEFULSET_COLUMNS",
    "JOB_COLUMNS",
    "PDB_COLUMNS",
    "EVENT_COLUMNS",
    "CONFIGMAP_COLUMNS",
    "SECRET_COLUMNS",
    "LEASE_COLUMNS",
    "DEFAULT_COLUMNS",
    "PRINTERS",
    "pod_cells",
    "pod_ready",
    "pod_status_reason",
    "pod_restarts",
    "pod_summary",
    "pod_row_conditions",
    "node_cells",
    "node_status",
    "node_roles",
    "node_internal_ip",
    "node_external_ip",
    "namespace_cells",
    "deployment_cells",
    "replicaset_cells",
    "daemonset_cells",
    "statefulset_cells",
    "job_cells",
    "pdb_cells",
    "event_cells",
    "configmap_cells",
    "secret_cells",
    "lease_cells",
    "default_cells",
    "format_labels",
    "format_label_selector",
    "label_selector_string",
    "printer_for",
    "row_conditions",
    "table_rows",
    "build_table",
    "kubectl_columns",
    "cell_text",
    "format_table",
    "render_table",
    "tabwriter",
]

# --------------------------------------------------------------------------------------
# time
# --------------------------------------------------------------------------------------

#: Epoch seconds of Go's zero ``time.Time`` (0001-01-01T00:00:00Z).  A metav1.Time that
#: is absent / null in JSON, or that parses to this instant, ``IsZero()`` in Go.
ZERO_TIME = -62135596800.0

_NS = 1_000_000_000
_DAY_CACHE: dict[str, int] = {}


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _parse_slow(ts: str) -> float:
    s = ts.strip()
    if not s:
        raise ValueError("empty timestamp")
    if s[-1] in "zZ":
        s = s[:-1] + "+00:00"
    # Python accepts at most 6 fractional digits; Go accepts up to 9.
    t = s.find("T")
    if t < 0:
        t = s.find("t")
    dot = s.find(".", t if t >= 0 else 0)
    if dot >= 0:
        end = dot + 1
        while end < len(s) and s[end].isdigit():
            end += 1
        frac = s[dot + 1:end]
        if len(frac) > 6:
            s = s[:dot + 1] + frac[:6] + s[end:]
            extra = float("0." + frac[6:]) * 1e-6 if frac[6:] else 0.0
        else:
            extra = 0.0
    else:
        extra = 0.0
    d = _dt.datetime.fromisoformat(s)
    if d.tzinfo is None:
        raise ValueError(f"timestamp without zone: {ts!r}")
    d = d.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    days = (d - _dt.datetime(1970, 1, 1)).days
    secs = d.hour * 3600 + d.minute * 60 + d.second
    return days * 86400.0 + secs + d.microsecond / 1e6 + extra


def parse_time(ts: str) -> float:
    """Parse an RFC 3339 timestamp (``metav1.Time`` / ``MicroTime`` JSON) to epoch seconds.

    Fast path for the canonical ``YYYY-MM-DDTHH:MM:SSZ`` form that the API server emits;
    anything else (fractional seconds, numeric offsets) goes through ``datetime``.
    Raises ``ValueError`` when the text is not a timestamp.
    """
    if len(ts) == 20 and ts[19] == "Z" and ts[10] == "T":
        day = ts[:10]
        days = _DAY_CACHE.get(day)
        try:
            if days is None:
                if ts[4] != "-" or ts[7] != "-":
                    raise ValueError(ts)
                days = _days_from_civil(int(day[0:4]), int(day[5:7]), int(day[8:10]))
                if len(_DAY_CACHE) < 100_000:
                    _DAY_CACHE[day] = days
            if ts[13] != ":" or ts[16] != ":":
                raise ValueError(ts)
            return float(days * 86400 + int(ts[11:13]) * 3600 + int(ts[14:16]) * 60 + int(ts[17:19]))
        except ValueError:
            pass
    return _parse_slow(ts)


def _ts(value: Any) -> float:
    """A metav1.Time JSON value -> epoch seconds, ``ZERO_TIME`` when absent or unparsable."""
    if not value:
        return ZERO_TIME
    try:
        return parse_time(value)
    except (ValueError, TypeError, OverflowError):
        return ZERO_TIME


def _human_ns(d: int) -> str:
    # duration.HumanDuration(d time.Duration)
    if d < 0:
        seconds = -((-d) // _NS)  # int(d.Seconds()) truncates toward zero
        if seconds < -1:
            return "<invalid>"
        return "0s"
    seconds = d // _NS
    if seconds < 120:
        return f"{seconds}s"
    minutes = d // 60_000_000_000
    if minutes < 10:
        s = seconds % 60
        if s == 0:
            return f"{minutes}m"
        return f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = d // 3_600_000_000_000
    if hours < 8:
        m = minutes % 60
        if m == 0:
            return f"{hours}h"
        return f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 192:
        h = hours % 24
        if h == 0:
            return f"{hours // 24}d"
        return f"{hours // 24}d{h}h"
    if hours < 17520:  # 24*365*2
        return f"{hours // 24}d"
    if hours < 70080:  # 24*365*8
        dy = (hours // 24) % 365
        if dy == 0:
            return f"{hours // 8760}y"
        return f"{hours // 8760}y{dy}d"
    return f"{hours // 8760}y"


def _short_ns(d: int) -> str:
    # duration.ShortHumanDuration(d time.Duration)
    if d < 0:
        seconds = -((-d) // _NS)
        if seconds < -1:
            return "<invalid>"
        return "0s"
    seconds = d // _NS
    if seconds < 60:
        return f"{seconds}s"
    minutes = d // 60_000_000_000
    if minutes < 60:
        return f"{minutes}m"
    hours = d // 3_600_000_000_000
    if hours < 24:
        return f"{hours}h"
    if hours < 8760:
        return f"{hours // 24}d"
    # Go: int(d.Hours()/24/365), a float64 computation
    return f"{int((d / 3.6e12) / 24 / 365)}y"


def human_duration(seconds: float) -> str:
    """``duration.HumanDuration``: ~2-3 significant figures ("3m10s", "2d1h", "2y1d")."""
    return _human_ns(round(seconds * _NS))


def short_human_duration(seconds: float) -> str:
    """``duration.ShortHumanDuration``: one unit ("59s", "1m", "23h", "364d", "1y")."""
    return _short_ns(round(seconds * _NS))


def translate_timestamp_since(ts: str | None, now: float) -> str:
    """printers.go ``translateTimestampSince``: ``HumanDuration(now - ts)``.

    ``"<unknown>"`` when the timestamp is missing/null or is Go's zero time.
    Also serves ``translateMicroTimestampSince`` (MicroTime parses the same way).
    """
    t = _ts(ts)
    if t == ZERO_TIME:
        return "<unknown>"
    return _human_ns(round((now - t) * _NS))


def _since(t: float, now: float) -> str:
    if t == ZERO_TIME:
        return "<unknown>"
    return _human_ns(round((now - t) * _NS))


def format_rfc3339(t: float) -> str:
    """Go ``t.UTC().Format(time.RFC3339)`` for epoch seconds (sub-second part dropped)."""
    secs = int(t // 1)
    days, rem = divmod(secs, 86400)
    try:
        d = _dt.date(1970, 1, 1) + _dt.timedelta(days=days)
    except OverflowError:
        return "0001-01-01T00:00:00Z"
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{rem // 3600:02d}:{rem // 60 % 60:02d}:{rem % 60:02d}Z"


# --------------------------------------------------------------------------------------
# column definitions
# --------------------------------------------------------------------------------------
# Descriptions: literal strings are copied from AddHandlers.  The others are
# `<Type>{}.SwaggerDoc()[field]` in Go; their text is taken from the Kubernetes API
# documentation (same Go comments, "\n\n" between paragraphs as SwaggerDoc has it).
# The extensions/v1beta1 texts (Deployment/ReplicaSet/DaemonSet fields) come from
# k8s.io/api/extensions/v1beta1/types_swagger_doc_generated.go.

_D_NAME = (
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
_D_CREATED = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is "
    "in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
_D_CONTAINERS = "Names of each container in the template."
_D_IMAGES = "Images referenced by each container in the template."
_D_POD_IP = (
    "podIP address allocated to the pod. Routable at least within the cluster. Empty if not "
    "yet allocated."
)
_D_NODE_NAME = (
    "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
    "candidate for scheduling by the scheduler defined in schedulerName. Once this field is "
    "set, the kubelet for this node becomes responsible for the lifecycle of this pod. This "
    "field should not be used to express a desire for the pod to be scheduled on a specific "
    "node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"
)
_D_NOMINATED = (
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it "
    "cannot be scheduled right away as preemption victims receive their graceful termination "
    "periods. This field does not guarantee that the pod will be scheduled on this node. "
    "Scheduler may decide to place the pod elsewhere if other nodes become available sooner. "
    "Scheduler may also decide to give the resources on this node to a higher priority pod "
    "that is created after preemption. As a result, this field may be different than "
    "PodSpec.nodeName when the pod is scheduled."
)
_D_READINESS_GATES = (
    "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready "
    "when all its containers are ready AND all conditions specified in the readiness gates "
    'have status equal to "True" More info: '
    "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
)
_D_NODE_SELECTOR = (
    "NodeSelector is a selector which must be true for the pod to fit on a node. Selector "
    "which must match a node's labels for the pod to be scheduled on that node. More info: "
    "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"
)
_D_KUBELET_VERSION = "Kubelet Version reported by the node."
_D_ADDRESSES = (
    "List of addresses reachable to the node. Queried from cloud provider, if available. "
    "More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This "
    "field is declared as mergeable, but the merge key is not sufficiently unique, which can "
    "cause data corruption when it is merged. Callers should instead use a full-replacement "
    "patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that "
    "addresses can change during the lifetime of a Node. However, there are some exceptions "
    "where this may not be possible, such as Pods that inherit a Node's address in its own "
    "status or consumers of the downward API (status.hostIP)."
)
_D_OS_IMAGE = "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."
_D_KERNEL = "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."
_D_RUNTIME = (
    "ContainerRuntime Version reported by the node through runtime remote API "
    "(e.g. containerd://1.4.2)."
)


def _col(name: str, type_: str = "string", description: str = "", *, fmt: str = "", priority: int = 0) -> dict:
    return {"name": name, "type": type_, "format": fmt, "description": description, "priority": priority}


def _name_col(priority: int = 0) -> dict:
    return _col("Name", "string", _D_NAME, fmt="name", priority=priority)


def _age_col() -> dict:
    return _col("Age", "string", _D_CREATED)


POD_COLUMNS: list[dict] = [
    _name_col(),
    _col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    _col("Status", "string", "The aggregate status of the containers in this pod."),
    _col(
        "Restarts",
        "string",
        "The number of times the containers in this pod have been restarted and when the "
        "last container in this pod has restarted.",
    ),
    _age_col(),
    _col("IP", "string", _D_POD_IP, priority=1),
    _col("Node", "string", _D_NODE_NAME, priority=1),
    _col("Nominated Node", "string", _D_NOMINATED, priority=1),
    _col("Readiness Gates", "string", _D_READINESS_GATES, priority=1),
]

NODE_COLUMNS: list[dict] = [
    _name_col(),
    _col("Status", "string", "The status of the node"),
    _col("Roles", "string", "The roles of the node"),
    _age_col(),
    _col("Version", "string", _D_KUBELET_VERSION),
    _col("Internal-IP", "string", _D_ADDRESSES, priority=1),
    _col("External-IP", "string", _D_ADDRESSES, priority=1),
    _col("OS-Image", "string", _D_OS_IMAGE, priority=1),
    _col("Kernel-Version", "string", _D_KERNEL, priority=1),
    _col("Container-Runtime", "string", _D_RUNTIME, priority=1),
]

NAMESPACE_COLUMNS: list[dict] = [
    _name_col(),
    _col("Status", "string", "The status of the namespace"),
    _age_col(),
]

DEPLOYMENT_COLUMNS: list[dict] = [
    _name_col(),
    _col("Ready", "string", "Number of the pod with ready state"),
    _col(
        "Up-to-date",
        "string",
        "Total number of non-terminated pods targeted by this deployment that have the "
        "desired template spec.",
    ),
    _col(
        "Available",
        "string",
        "Total number of available pods (ready for at least minReadySeconds) targeted by "
        "this deployment.",
    ),
    _age_col(),
    _col("Containers", "string", _D_CONTAINERS, priority=1),
    _col("Images", "string", _D_IMAGES, priority=1),
    _col(
        "Selector",
        "string",
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be "
        "the ones affected by this deployment.",
        priority=1,
    ),
]

REPLICASET_COLUMNS: list[dict] = [
    _name_col(),
    _col(
        "Desired",
        "integer",
        "Replicas is the number of desired replicas. This is a pointer to distinguish between "
        "explicit zero and unspecified. Defaults to 1. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    _col(
        "Current",
        "integer",
        "Replicas is the most recently oberved number of replicas. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller",
    ),
    _col("Ready", "integer", "The number of ready replicas for this replica set."),
    _age_col(),
    _col("Containers", "string", _D_CONTAINERS, priority=1),
    _col("Images", "string", _D_IMAGES, priority=1),
    _col(
        "Selector",
        "string",
        "Selector is a label query over pods that should match the replica count. If the "
        "selector is empty, it is defaulted to the labels present on the pod template. Label "
        "keys and values that must match in order to be controlled by this replica set. More "
        "info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
        priority=1,
    ),
]

DAEMONSET_COLUMNS: list[dict] = [
    _name_col(),
    _col(
        "Desired",
        "integer",
        "The total number of nodes that should be running the daemon pod (including nodes "
        "correctly running the daemon pod). More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    _col(
        "Current",
        "integer",
        "The number of nodes that are running at least 1 daemon pod and are supposed to run "
        "the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/",
    ),
    _col(
        "Ready",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the "
        "daemon pod running and ready.",
    ),
    _col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
    _col(
        "Available",
        "integer",
        "The number of nodes that should be running the daemon pod and have one or more of the "
        "daemon pod running and available (ready for at least spec.minReadySeconds)",
    ),
    _col("Node Selector", "string", _D_NODE_SELECTOR),
    _age_col(),
    _col("Containers", "string", _D_CONTAINERS, priority=1),
    _col("Images", "string", _D_IMAGES, priority=1),
    _col(
        "Selector",
        "string",
        "A label query over pods that are managed by the daemon set. Must match in order to be "
        "controlled. If empty, defaulted to labels on Pod template. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
        priority=1,
    ),
]

STATEFULSET_COLUMNS: list[dict] = [
    _name_col(),
    _col("Ready", "string", "Number of the pod with ready state"),
    _age_col(),
    _col("Containers", "string", _D_CONTAINERS, priority=1),
    _col("Images", "string", _D_IMAGES, priority=1),
]

JOB_COLUMNS: list[dict] = [
    _name_col(),
    _col("Status", "string", "Status of the job."),
    _col(
        "Completions",
        "string",
        "The number of pods which reached phase Succeeded. The value increases monotonically "
        "for a given spec. However, it may decrease in reaction to scale down of elastic "
        "indexed jobs.",
    ),
    _col("Duration", "string", "Time required to complete the job."),
    _age_col(),
    _col("Containers", "string", _D_CONTAINERS, priority=1),
    _col("Images", "string", _D_IMAGES, priority=1),
    _col(
        "Selector",
        "string",
        "A label query over pods that should match the pod count. Normally, the system sets "
        "this field for you. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors",
        priority=1,
    ),
]

PDB_COLUMNS: list[dict] = [
    _name_col(),
    _col("Min Available", "string", "The minimum number of pods that must be available."),
    _col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
    _col("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
    _age_col(),
]

EVENT_COLUMNS: list[dict] = [
    _col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    _col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
    _col(
        "Reason",
        "string",
        "This should be a short, machine understandable string that gives the reason for the "
        "transition into the object's current status.",
    ),
    _col("Object", "string", "The object that this event is about."),
    _col(
        "Subobject",
        "string",
        "If referring to a piece of an object instead of an entire object, this string should "
        "contain a valid JSON/Go field access statement, such as "
        "desiredState.manifest.containers[2]. For example, if the object reference is to a "
        'container within a pod, this would take on a value like: "spec.containers{name}" '
        '(where "name" refers to the name of the container that triggered the event) or if no '
        'container name is specified "spec.containers[2]" (container with index 2 in this '
        "pod). This syntax is chosen only to have some well-defined way of referencing a part "
        "of an object.",
        priority=1,
    ),
    _col(
        "Source",
        "string",
        "The component reporting this event. Should be a short machine understandable string.",
        priority=1,
    ),
    _col("Message", "string", "A human-readable description of the status of this operation."),
    _col(
        "First Seen",
        "string",
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)",
        priority=1,
    ),
    _col("Count", "string", "The number of times this event has occurred.", priority=1),
    _name_col(priority=1),
]

CONFIGMAP_COLUMNS: list[dict] = [
    _name_col(),
    _col(
        "Data",
        "string",
        "Data contains the configuration data. Each key must consist of alphanumeric "
        "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the "
        "BinaryData field. The keys stored in Data must not overlap with the keys in the "
        "BinaryData field, this is enforced during validation process.",
    ),
    _age_col(),
]

SECRET_COLUMNS: list[dict] = [
    _name_col(),
    _col(
        "Type",
        "string",
        "Used to facilitate programmatic handling of secret data. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types",
    ),
    _col(
        "Data",
        "string",
        "Data contains the secret data. Each key must consist of alphanumeric characters, '-', "
        "'_' or '.'. The serialized form of the secret data is a base64 encoded string, "
        "representing the arbitrary (possibly non-string) data value here. Described in "
        "https://tools.ietf.org/html/rfc4648#section-4",
    ),
    _age_col(),
]

LEASE_COLUMNS: list[dict] = [
    _name_col(),
    _col(
        "Holder",
        "string",
        "holderIdentity contains the identity of the holder of a current lease. If Coordinated "
        "Leader Election is used, the holder identity must be equal to the elected "
        "LeaseCandidate.metadata.name field.",
    ),
    _age_col(),
]

#: k8s.io/apiserver/pkg/registry/rest/table.go defaultTableConvertor (kinds with no printer).
DEFAULT_COLUMNS: list[dict] = [
    _name_col(),
    _col("Created At", "date", _D_CREATED),
]

# --------------------------------------------------------------------------------------
# small Go helpers
# --------------------------------------------------------------------------------------

_EMPTY: dict = {}
_GO_SPACE = " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def format_labels(labels: dict | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` joined by ``,``; ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def label_selector_string(selector: dict | None) -> str:
    """``metav1.LabelSelectorAsSelector(sel).String()`` (``""`` for nil or empty selectors).

    Requirements are sorted by key; ``in``/``notin`` values are sorted.  Label key/value
    syntax is not validated (the server would have rejected invalid selectors).
    """
    if not selector:
        return ""
    match_labels = selector.get("matchLabels") or {}
    exprs = selector.get("matchExpressions") or []
    if not match_labels and not exprs:
        return ""
    reqs: list[tuple[str, str]] = []
    for k, v in match_labels.items():
        reqs.append((k, f"{k}={v}"))
    for e in exprs:
        key = e.get("key") or ""
        op = e.get("operator") or ""
        values = list(e.get("values") or [])
        if op == "Exists":
            reqs.append((key, key))
        elif op == "DoesNotExist":
            reqs.append((key, "!" + key))
        elif op in ("In", "NotIn"):
            word = " in " if op == "In" else " notin "
            vals = values[0] if len(values) == 1 else ",".join(sorted(values))
            reqs.append((key, f"{key}{word}({vals})"))
        else:
            raise ValueError(f"{op!r} is not a valid label selector operator")
    reqs.sort(key=lambda r: r[0])
    return ",".join(r[1] for r in reqs)


def format_label_selector(selector: dict | None) -> str:
    """``metav1.FormatLabelSelector``: like ``label_selector_string`` but ``<none>`` if empty."""
    try:
        s = label_selector_string(selector)
    except ValueError:
        return "<error>"
    return s or "<none>"


def _layout_containers(containers: Iterable[dict] | None) -> tuple[str, str]:
    """printers.go ``layoutContainerCells``."""
    cs = containers or ()
    return (
        ",".join((c.get("name") or "") for c in cs),
        ",".join((c.get("image") or "") for c in cs),
    )


def _int_or_string(v: Any) -> str:
    """``intstr.IntOrString.String()``."""
    if isinstance(v, str):
        return v
    return str(int(v))


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or _EMPTY


def _name(obj: dict) -> str:
    return (obj.get("metadata") or _EMPTY).get("name") or ""


def _age(obj: dict, now: float) -> str:
    return translate_timestamp_since((obj.get("metadata") or _EMPTY).get("creationTimestamp"), now)


def _replicas(spec: dict) -> int:
    # apps/v1 defaulting sets spec.replicas=1 when it is nil, so a stored object always has it.
    r = spec.get("replicas")
    return 1 if r is None else int(r)


# --------------------------------------------------------------------------------------
# pods
# --------------------------------------------------------------------------------------


def pod_summary(pod: dict, now: float) -> tuple[int, int, str, int, float]:
    """Run printPod's logic once: ``(ready, total, reason, restarts, last_restart)``.

    ``last_restart`` is epoch seconds of the latest ``lastState.terminated.finishedAt``
    that printPod keeps (``ZERO_TIME`` when none).  ``now`` is unused here but kept for a
    uniform signature.
    """
    spec = pod.get("spec") or _EMPTY
    status = pod.get("status") or _EMPTY
    containers = spec.get("containers")
    total = len(containers) if containers else 0
    ready = 0
    restarts = 0
    ric_restarts = 0
    last_restart = ZERO_TIME
    last_ric_restart = ZERO_TIME

    phase = status.get("phase") or ""
    reason = status.get("reason") or phase

    conditions = status.get("conditions") or ()
    for cond in conditions:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_specs = spec.get("initContainers") or ()
    init_statuses = status.get("initContainerStatuses")
    initializing = False
    if init_specs or init_statuses:
        restartable: dict[str, bool] = {}
        for ic in init_specs:
            is_ric = ic.get("restartPolicy") == "Always"
            restartable[ic.get("name") or ""] = is_ric
            if is_ric:
                total += 1
        n_init = len(init_specs)
        for i, cs in enumerate(init_statuses or ()):
            rc = cs.get("restartCount") or 0
            restarts += rc
            last = cs.get("lastState")
            lterm = last.get("terminated") if last else None
            fin = ZERO_TIME
            if lterm is not None:
                fin = _ts(lterm.get("finishedAt"))
                if last_restart < fin:
                    last_restart = fin
            is_ric = restartable.get(cs.get("name") or "", False)
            if is_ric:
                ric_restarts += rc
                if lterm is not None and last_ric_restart < fin:
                    last_ric_restart = fin
            state = cs.get("state") or _EMPTY
            term = state.get("terminated")
            if term is not None and (term.get("exitCode") or 0) == 0:
                continue
            if is_ric and cs.get("started") is True:
                if cs.get("ready"):
                    ready += 1
                continue
            waiting = state.get("waiting")
            if term is not None:
                # initialization is failed
                treason = term.get("reason") or ""
                if not treason:
                    sig = term.get("signal") or 0
                    if sig != 0:
                        reason = f"Init:Signal:{sig}"
                    else:
                        reason = f"Init:ExitCode:{term.get('exitCode') or 0}"
                else:
                    reason = "Init:" + treason
            elif waiting is not None and (waiting.get("reason") or "") not in ("", "PodInitializing"):
                reason = "Init:" + waiting["reason"]
            else:
                reason = f"Init:{i}/{n_init}"
            initializing = True
            break

    if not initializing or _pod_initialized(conditions):
        restarts = ric_restarts
        last_restart = last_ric_restart
        has_running = False
        statuses = status.get("containerStatuses")
        if statuses:
            for cs in reversed(statuses):
                rc = cs.get("restartCount")
                if rc:
                    restarts += rc
                last = cs.get("lastState")
                if last:
                    lterm = last.get("terminated")
                    if lterm is not None:
                        fin = _ts(lterm.get("finishedAt"))
                        if last_restart < fin:
                            last_restart = fin
                state = cs.get("state") or _EMPTY
                waiting = state.get("waiting")
                if waiting is not None and waiting.get("reason"):
                    reason = waiting["reason"]
                    continue
                term = state.get("terminated")
                if term is not None:
                    treason = term.get("reason")
                    if treason:
                        reason = treason
                    else:
                        sig = term.get("signal") or 0
                        if sig != 0:
                            reason = f"Signal:{sig}"
                        else:
                            reason = f"ExitCode:{term.get('exitCode') or 0}"
                elif cs.get("ready") and state.get("running") is not None:
                    has_running = True
                    ready += 1
        # change pod status back to "Running" if there is at least one container still
        # reporting as "Running" status
        if reason == "Completed" and has_running:
            reason = "Running" if _has_ready_condition(conditions) else "NotReady"

    meta = pod.get("metadata") or _EMPTY
    if meta.get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":  # node.NodeUnreachablePodReason
            reason = "Unknown"
        elif phase != "Failed" and phase != "Succeeded":  # !IsPodPhaseTerminal
            reason = "Terminating"

    return ready, total, reason, restarts, last_restart


def _pod_initialized(conditions: Iterable[dict]) -> bool:
    # isPodInitializedConditionTrue: the first Initialized condition decides.
    for c in conditions:
        if c.get("type") == "Initialized":
            return c.get("status") == "True"
    return False


def _has_ready_condition(conditions: Iterable[dict]) -> bool:
    for c in conditions:
        if c.get("type") == "Ready" and c.get("status") == "True":
            return True
    return False


def _restarts_text(restarts: int, last_restart: float, now: float) -> str:
    if restarts != 0 and last_restart != ZERO_TIME:
        return f"{restarts} ({_human_ns(round((now - last_restart) * _NS))} ago)"
    return str(restarts)


def pod_ready(pod: dict) -> str:
    """The READY cell: ``"<ready>/<total>"`` (sidecars count in total)."""
    ready, total, _, _, _ = pod_summary(pod, 0.0)
    return f"{ready}/{total}"


def pod_status_reason(pod: dict) -> str:
    """The STATUS cell (Running, CrashLoopBackOff, Init:1/2, Terminating, ...)."""
    return pod_summary(pod, 0.0)[2]


def pod_restarts(pod: dict, now: float) -> tuple[int, str]:
    """``(count, cell)``: the restart count printPod shows and the RESTARTS cell text."""
    _, _, _, restarts, last = pod_summary(pod, now)
    return restarts, _restarts_text(restarts, last, now)


def pod_cells(pod: dict, now: float) -> list:
    """One server-side Table row for a Pod (wide): NAME, READY, STATUS, RESTARTS, AGE,
    IP, NODE, NOMINATED NODE, READINESS GATES -- all strings."""
    ready, total, reason, restarts, last = pod_summary(pod, now)
    meta = pod.get("metadata") or _EMPTY
    spec = pod.get("spec") or _EMPTY
    status = pod.get("status") or _EMPTY

    if restarts != 0 and last != ZERO_TIME:
        restarts_s = f"{restarts} ({_human_ns(round((now - last) * _NS))} ago)"
    else:
        restarts_s = str(restarts)

    created = meta.get("creationTimestamp")
    age = _since(_ts(created), now) if created else "<unknown>"

    pod_ips = status.get("podIPs")
    if pod_ips:
        pod_ip = pod_ips[0].get("ip") or "<none>"
    else:
        # v1 -> internal conversion fills podIPs from podIP when only podIP is set
        pod_ip = status.get("podIP") or "<none>"
    node_name = spec.get("nodeName") or "<none>"
    nominated = status.get("nominatedNodeName") or "<none>"

    gates = spec.get("readinessGates")
    if gates:
        conditions = status.get("conditions") or ()
        true_conditions = 0
        for gate in gates:
            ctype = gate.get("conditionType")
            for c in conditions:
                if c.get("type") == ctype:
                    if c.get("status") == "True":
                        true_conditions += 1
                    break
        readiness_gates = f"{true_conditions}/{len(gates)}"
    else:
        readiness_gates = "<none>"

    return [
        meta.get("name") or "",
        f"{ready}/{total}",
        reason,
        restarts_s,
        age,
        pod_ip,
        node_name,
        nominated,
        readiness_gates,
    ]


_POD_SUCCESS_CONDITIONS = [
    {"type": "Completed", "status": "True", "reason": "Succeeded", "message": "The pod has completed successfully."}
]
_POD_FAILED_CONDITIONS = [
    {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}
]


def pod_row_conditions(pod: dict) -> list[dict]:
    """TableRow.conditions printPod sets: ``Completed`` for Succeeded/Failed pods, else []."""
    phase = (pod.get("status") or _EMPTY).get("phase")
    if phase == "Succeeded":
        return [dict(c) for c in _POD_SUCCESS_CONDITIONS]
    if phase == "Failed":
        return [dict(c) for c in _POD_FAILED_CONDITIONS]
    return []


# --------------------------------------------------------------------------------------
# nodes
# --------------------------------------------------------------------------------------

_ROLE_PREFIX = "node-role.kubernetes.io/"
_ROLE_LABEL = "kubernetes.io/role"


def node_roles(node: dict) -> str:
    """The ROLES cell: ``findNodeRoles`` joined by ``,``, or ``<none>``."""
    labels = (node.get("metadata") or _EMPTY).get("labels") or _EMPTY
    roles = set()
    for k, v in labels.items():
        if k.startswith(_ROLE_PREFIX):
            role = k[len(_ROLE_PREFIX):]
            if role:
                roles.add(role)
        elif k == _ROLE_LABEL and v:
            roles.add(v)
    if not roles:
        return "<none>"
    return ",".join(sorted(roles))


def node_status(node: dict) -> str:
    """The STATUS cell: Ready / NotReady / Unknown, plus ``,SchedulingDisabled``."""
    status = node.get("status") or _EMPTY
    ready_cond = None
    for c in status.get("conditions") or ():
        if c.get("type") == "Ready":
            ready_cond = c  # later duplicates win, as with Go's conditionMap
    if ready_cond is None:
        s = "Unknown"
    elif ready_cond.get("status") == "True":
        s = "Ready"
    else:
        s = "NotReady"
    if (node.get("spec") or _EMPTY).get("unschedulable"):
        s += ",SchedulingDisabled"
    return s


def _node_address(node: dict, kind: str) -> str:
    for a in (node.get("status") or _EMPTY).get("addresses") or ():
        if a.get("type") == kind:
            return a.get("address") or ""
    return "<none>"


def node_internal_ip(node: dict) -> str:
    """``getNodeInternalIP``: first InternalIP address or ``<none>``."""
    return _node_address(node, "InternalIP")


def node_external_ip(node: dict) -> str:
    """``getNodeExternalIP``: first ExternalIP address or ``<none>``."""
    return _node_address(node, "ExternalIP")


def node_cells(node: dict, now: float) -> list:
    """One server-side Table row for a Node (wide): NAME, STATUS, ROLES, AGE, VERSION,
    INTERNAL-IP, EXTERNAL-IP, OS-IMAGE, KERNEL-VERSION, CONTAINER-RUNTIME."""
    info = (node.get("status") or _EMPTY).get("nodeInfo") or _EMPTY
    return [
        _name(node),
        node_status(node),
        node_roles(node),
        _age(node, now),
        info.get("kubeletVersion") or "",
        node_internal_ip(node),
        node_external_ip(node),
        info.get("osImage") or "<unknown>",
        info.get("kernelVersion") or "<unknown>",
        info.get("containerRuntimeVersion") or "<unknown>",
    ]


# --------------------------------------------------------------------------------------
# other kinds
# --------------------------------------------------------------------------------------


def namespace_cells(ns: dict, now: float) -> list:
    """printNamespace: NAME, STATUS (status.phase), AGE."""
    return [_name(ns), (ns.get("status") or _EMPTY).get("phase") or "", _age(ns, now)]


def deployment_cells(d: dict, now: float) -> list:
    """printDeployment (wide): NAME, READY "r/d", UP-TO-DATE, AVAILABLE (int64), AGE,
    CONTAINERS, IMAGES, SELECTOR."""
    spec = d.get("spec") or _EMPTY
    status = d.get("status") or _EMPTY
    try:
        selector = label_selector_string(spec.get("selector"))
    except ValueError:
        selector = "<invalid>"
    template = (spec.get("template") or _EMPTY).get("spec") or _EMPTY
    names, images = _layout_containers(template.get("containers"))
    return [
        _name(d),
        f"{status.get('readyReplicas') or 0}/{_replicas(spec)}",
        int(status.get("updatedReplicas") or 0),
        int(status.get("availableReplicas") or 0),
        _age(d, now),
        names,
        images,
        selector,
    ]


def replicaset_cells(rs: dict, now: float) -> list:
    """printReplicaSet (wide): NAME, DESIRED, CURRENT, READY (int64), AGE, CONTAINERS,
    IMAGES, SELECTOR."""
    spec = rs.get("spec") or _EMPTY
    status = rs.get("status") or _EMPTY
    template = (spec.get("template") or _EMPTY).get("spec") or _EMPTY
    names, images = _layout_containers(template.get("containers"))
    return [
        _name(rs),
        _replicas(spec),
        int(status.get("replicas") or 0),
        int(status.get("readyReplicas") or 0),
        _age(rs, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def daemonset_cells(ds: dict, now: float) -> list:
    """printDaemonSet (wide): NAME, DESIRED, CURRENT, READY, UP-TO-DATE, AVAILABLE (int64),
    NODE SELECTOR, AGE, CONTAINERS, IMAGES, SELECTOR."""
    spec = ds.get("spec") or _EMPTY
    status = ds.get("status") or _EMPTY
    template = (spec.get("template") or _EMPTY).get("spec") or _EMPTY
    names, images = _layout_containers(template.get("containers"))
    return [
        _name(ds),
        int(status.get("desiredNumberScheduled") or 0),
        int(status.get("currentNumberScheduled") or 0),
        int(status.get("numberReady") or 0),
        int(status.get("updatedNumberScheduled") or 0),
        int(status.get("numberAvailable") or 0),
        format_labels(template.get("nodeSelector")),
        _age(ds, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def statefulset_cells(sts: dict, now: float) -> list:
    """printStatefulSet (wide): NAME, READY "r/d", AGE, CONTAINERS, IMAGES."""
    spec = sts.get("spec") or _EMPTY
    status = sts.get("status") or _EMPTY
    template = (spec.get("template") or _EMPTY).get("spec") or _EMPTY
    names, images = _layout_containers(template.get("containers"))
    return [
        _name(sts),
        f"{status.get('readyReplicas') or 0}/{_replicas(spec)}",
        _age(sts, now),
        names,
        images,
    ]


def _job_condition(conditions: Iterable[dict], ctype: str) -> bool:
    # hasJobCondition: the first condition of that type decides.
    for c in conditions:
        if c.get("type") == ctype:
            return c.get("status") == "True"
    return False


def job_cells(job: dict, now: float) -> list:
    """printJob (wide): NAME, STATUS, COMPLETIONS, DURATION, AGE, CONTAINERS, IMAGES,
    SELECTOR."""
    spec = job.get("spec") or _EMPTY
    status = job.get("status") or _EMPTY
    succeeded = status.get("succeeded") or 0
    completions = spec.get("completions")
    if completions is not None:
        completions_s = f"{succeeded}/{completions}"
    else:
        parallelism = spec.get("parallelism") or 0
        if parallelism > 1:
            completions_s = f"{succeeded}/1 of {parallelism}"
        else:
            completions_s = f"{succeeded}/1"
    start = status.get("startTime")
    if not start:
        duration = ""
    else:
        st = _ts(start)
        done = status.get("completionTime")
        if not done:
            duration = _human_ns(round((now - st) * _NS))
        else:
            duration = _human_ns(round((_ts(done) - st) * _NS))
    conditions = status.get("conditions") or ()
    if _job_condition(conditions, "Complete"):
        state = "Complete"
    elif _job_condition(conditions, "Failed"):
        state = "Failed"
    elif (job.get("metadata") or _EMPTY).get("deletionTimestamp"):
        state = "Terminating"
    elif _job_condition(conditions, "Suspended"):
        state = "Suspended"
    elif _job_condition(conditions, "FailureTarget"):
        state = "FailureTarget"
    else:
        state = "Running"
    template = (spec.get("template") or _EMPTY).get("spec") or _EMPTY
    names, images = _layout_containers(template.get("containers"))
    return [
        _name(job),
        state,
        completions_s,
        duration,
        _age(job, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def pdb_cells(pdb: dict, now: float) -> list:
    """printPodDisruptionBudget: NAME, MIN AVAILABLE, MAX UNAVAILABLE ("N/A" when unset),
    ALLOWED DISRUPTIONS (int64), AGE."""
    spec = pdb.get("spec") or _EMPTY
    status = pdb.get("status") or _EMPTY
    min_av = spec.get("minAvailable")
    max_un = spec.get("maxUnavailable")
    return [
        _name(pdb),
        "N/A" if min_av is None else _int_or_string(min_av),
        "N/A" if max_un is None else _int_or_string(max_un),
        int(status.get("disruptionsAllowed") or 0),
        _age(pdb, now),
    ]


def _first_non_empty(*ss: str | None) -> str:
    for s in ss:
        if s:
            return s
    return ""


def event_cells(ev: dict, now: float) -> list:
    """printEvent (wide): LAST SEEN, TYPE, REASON, OBJECT, SUBOBJECT, SOURCE, MESSAGE,
    FIRST SEEN, COUNT (int64), NAME."""
    first = ev.get("firstTimestamp")
    if first and _ts(first) != ZERO_TIME:
        first_s = translate_timestamp_since(first, now)
    else:
        first_s = translate_timestamp_since(ev.get("eventTime"), now)
    last = ev.get("lastTimestamp")
    if last and _ts(last) != ZERO_TIME:
        last_s = translate_timestamp_since(last, now)
    else:
        last_s = first_s
    count = ev.get("count") or 0
    series = ev.get("series")
    if series is not None:
        last_s = translate_timestamp_since(series.get("lastObservedTime"), now)
        count = series.get("count") or 0
    elif count == 0:
        # Singleton events don't have a count set in the new API.
        count = 1
    inv = ev.get("involvedObject") or _EMPTY
    kind = (inv.get("kind") or "").lower()
    target = f"{kind}/{inv['name']}" if inv.get("name") else kind
    src = ev.get("source") or _EMPTY
    component = _first_non_empty(src.get("component"), ev.get("reportingComponent"))
    instance = _first_non_empty(src.get("host"), ev.get("reportingInstance"))
    source = component if not instance else f"{component}, {instance}"
    return [
        last_s,
        ev.get("type") or "",
        ev.get("reason") or "",
        target,
        inv.get("fieldPath") or "",
        source,
        (ev.get("message") or "").strip(_GO_SPACE),
        first_s,
        int(count),
        _name(ev),
    ]


def configmap_cells(cm: dict, now: float) -> list:
    """printConfigMap: NAME, DATA (int64 len(data)+len(binaryData)), AGE."""
    return [_name(cm), len(cm.get("data") or _EMPTY) + len(cm.get("binaryData") or _EMPTY), _age(cm, now)]


def secret_cells(secret: dict, now: float) -> list:
    """printSecret: NAME, TYPE, DATA (int64 len(data)), AGE."""
    return [_name(secret), secret.get("type") or "", len(secret.get("data") or _EMPTY), _age(secret, now)]


def lease_cells(lease: dict, now: float) -> list:
    """printLease: NAME, HOLDER (spec.holderIdentity or ""), AGE."""
    return [_name(lease), (lease.get("spec") or _EMPTY).get("holderIdentity") or "", _age(lease, now)]


def default_cells(obj: dict, now: float) -> list:
    """defaultTableConvertor: NAME, CREATED AT (``creationTimestamp`` as UTC RFC 3339).

    ``now`` is unused (the default convertor prints a date, not an age).
    """
    return [_name(obj), format_rfc3339(_ts(_meta(obj).get("creationTimestamp")))]


#: resource plural -> (column definitions, cells function).
PRINTERS: dict[str, tuple[list[dict], Callable[[dict, float], list]]] = {
    "pods": (POD_COLUMNS, pod_cells),
    "nodes": (NODE_COLUMNS, node_cells),
    "namespaces": (NAMESPACE_COLUMNS, namespace_cells),
    "deployments": (DEPLOYMENT_COLUMNS, deployment_cells),
    "replicasets": (REPLICASET_COLUMNS, replicaset_cells),
    "daemonsets": (DAEMONSET_COLUMNS, daemonset_cells),
    "statefulsets": (STATEFULSET_COLUMNS, statefulset_cells),
    "jobs": (JOB_COLUMNS, job_cells),
    "poddisruptionbudgets": (PDB_COLUMNS, pdb_cells),
    "events": (EVENT_COLUMNS, event_cells),
    "configmaps": (CONFIGMAP_COLUMNS, configmap_cells),
    "secrets": (SECRET_COLUMNS, secret_cells),
    "leases": (LEASE_COLUMNS, lease_cells),
}


def printer_for(resource: str) -> tuple[list[dict], Callable[[dict, float], list]]:
    """``PRINTERS[resource]``, or the default convertor for kinds without a printer."""
    return PRINTERS.get(resource) or (DEFAULT_COLUMNS, default_cells)


def row_conditions(resource: str, obj: dict) -> list[dict]:
    """TableRow.conditions for ``obj`` (only pods set any)."""
    if resource == "pods":
        return pod_row_conditions(obj)
    return []


def table_rows(resource: str, objects: Iterable[dict], now: float) -> tuple[list[dict], list[list]]:
    """``(columns, rows)``: column definitions and one cell list per object (server form)."""
    columns, fn = printer_for(resource)
    return columns, [fn(o, now) for o in objects]


def build_table(
    resource: str,
    objects: Iterable[dict],
    now: float,
    *,
    resource_version: str = "",
    include_object: str = "Metadata",
    no_headers: bool = False,
    api_version: str = "meta.k8s.io/v1",
    continue_token: str | None = None,
    remaining_item_count: int | None = None,
) -> dict:
    """A ``meta.k8s.io`` Table as the API server serialises it for ``as=Table``.

    ``include_object`` follows ``?includeObject=``: ``"Metadata"`` (default) puts a
    ``PartialObjectMetadata`` in each row, ``"Object"`` the full object, ``"None"`` null.
    ``no_headers`` (TableOptions.noHeaders) drops the column definitions (null).
    """
    columns, fn = printer_for(resource)
    rows = []
    for o in objects:
        row: dict = {"cells": fn(o, now)}
        conds = row_conditions(resource, o)
        if conds:
            row["conditions"] = conds
        if include_object == "Object":
            row["object"] = o
        elif include_object == "None":
            row["object"] = None
        else:
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": api_version,
                "metadata": o.get("metadata") or {},
            }
        rows.append(row)
    meta: dict = {"resourceVersion": resource_version} if resource_version else {}
    if continue_token:
        meta["continue"] = continue_token
    if remaining_item_count is not None:
        meta["remainingItemCount"] = remaining_item_count
    return {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": meta,
        "columnDefinitions": None if no_headers else [dict(c) for c in columns],
        "rows": rows,
    }


# --------------------------------------------------------------------------------------
# kubectl text output
# --------------------------------------------------------------------------------------

#: k8s.io/cli-runtime/pkg/printers/tabwriter.go
TABWRITER_MINWIDTH = 6
TABWRITER_TABWIDTH = 4  # only used with padchar '\t'; kubectl pads with spaces
TABWRITER_PADDING = 3


def kubectl_columns(columns: Sequence[dict], wide: bool = False) -> list[int]:
    """Indices of the columns kubectl shows: priority 0 always, others only with -o wide."""
    return [i for i, c in enumerate(columns) if wide or not c.get("priority")]


def _go_float(f: float) -> str:
    # fmt.Sprint(float64) is %v -> strconv 'g' with shortest digits, which switches to
    # exponent form when exp < -4 || exp >= 6 ("1e+06", "1.5e-05", "123456").
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    r = repr(f)
    mant, _, exp_s = r.partition("e")
    exp_extra = int(exp_s) if exp_s else 0
    neg = mant.startswith("-")
    if neg:
        mant = mant[1:]
    ip, _, fp = mant.partition(".")
    digits = (ip + fp).lstrip("0")
    if not digits:
        return "-0" if neg else "0"
    # decimal exponent of the first significant digit
    if ip.strip("0"):
        exp = len(ip.lstrip("0")) - 1 + exp_extra
    else:
        exp = -(len(fp) - len(fp.lstrip("0")) + 1) + exp_extra
    digits = digits.rstrip("0") or "0"
    if exp < -4 or exp >= 6:
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        s = f"{m}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    elif exp >= len(digits) - 1:
        s = digits + "0" * (exp - len(digits) + 1)
    elif exp >= 0:
        s = digits[: exp + 1] + "." + digits[exp + 1:]
    else:
        s = "0." + "0" * (-exp - 1) + digits
    return "-" + s if neg else s


def _go_sprint(v: Any) -> str:
    if v is None:
        return "<nil>"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go_sprint(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, (list, tuple)):
        return "[" + " ".join(_go_sprint(x) for x in v) + "]"
    return str(v)


def cell_text(value: Any) -> str:
    """A Table cell as kubectl prints it (tableprinter.go ``printTable``).

    ``None`` prints nothing; strings as-is; other JSON values with Go's ``fmt.Sprint``
    (ints in decimal, ``true``/``false``, floats like ``%v``).  The text is cut at the
    first ``\\f``, ``\\n`` or ``\\r`` and ``...`` appended, and ESC is written as ``^[``
    (``WriteEscaped``, k8s.io/cli-runtime/pkg/printers/terminal.go: kubectl does it whatever its
    output is, so the cut has left no ``\\r`` to escape).  ``<none>``/``<unknown>``
    placeholders are whatever the printer put in the cell.
    """
    if value is None:
        return ""
    s = value if isinstance(value, str) else _go_sprint(value)
    for i, ch in enumerate(s):
        if ch == "\n" or ch == "\r" or ch == "\f":
            s = s[:i] + "..."
            break
    return s.replace("\x1b", "^[") if "\x1b" in s else s


def tabwriter(text: str, minwidth: int = TABWRITER_MINWIDTH, padding: int = TABWRITER_PADDING) -> str:
    """Go ``text/tabwriter`` with padchar ' ' and no flags, for one flush of ``text``.

    Cells are tab-terminated; the text after a line's last tab is not a column cell
    and is written unpadded (so lines carry no trailing padding).  Column blocks are
    runs of consecutive lines that have a cell in that column; a block's width is
    ``max(minwidth, widest cell + padding)``.  Widths count code points (Go counts runes).
    """
    return _tabwrite_lines([ln.split("\t") for ln in text.split("\n")], minwidth, padding)


def _tabwrite_lines(lines: list[list[str]], minwidth: int, padding: int) -> str:
    # Fast path: every line but a trailing empty one has the same number of cells, so
    # each column is a single block spanning all lines (what the general code computes).
    body = lines[:-1] if lines and lines[-1] == [""] else lines
    if body:
        n = len(body[0])
        if n > 1 and all(len(ln) == n for ln in body):
            columns = list(zip(*body))
            fmt = ""
            for j in range(n - 1):
                w = max(map(len, columns[j])) + padding
                fmt += "{:<%d}" % (w if w > minwidth else minwidth)
            fmt += "{}"
            out = [fmt.format(*ln) for ln in body]
            if body is not lines:
                out.append("")
            return "\n".join(out)

    out: list[str] = []
    widths: list[int] = []

    def write_lines(l0: int, l1: int) -> None:
        nw = len(widths)
        for i in range(l0, l1):
            line = lines[i]
            if nw == 0:
                out.append("".join(line))
                continue
            parts = []
            for j, c in enumerate(line):
                if j < nw:
                    parts.append(c + " " * (widths[j] - len(c)))
                else:
                    parts.append(c)
            out.append("".join(parts))

    def fmt(l0: int, l1: int) -> None:
        column = len(widths)
        this = l0
        while this < l1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(l0, this)
            l0 = this
            width = minwidth
            while this < l1:
                line = lines[this]
                if column >= len(line) - 1:
                    break
                w = len(line[column]) + padding
                if w > width:
                    width = w
                this += 1
            widths.append(width)
            fmt(l0, this)
            widths.pop()
            l0 = this
        write_lines(l0, l1)

    fmt(0, len(lines))
    return "\n".join(out)


def _row_cells(row: Sequence[Any]) -> list[str]:
    try:
        joined = "\t".join(row)
    except TypeError:
        joined = None
    if joined is None or "\n" in joined or "\r" in joined or "\f" in joined or "\x1b" in joined:
        joined = "\t".join([cell_text(v) for v in row])
    # Split on tabs as the tabwriter would: a tab inside a cell starts a new cell.
    return joined.split("\t")


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, no_headers: bool = False) -> str:
    """kubectl's text for a table: upper-cased headers, tab-joined cells, tabwriter.

    ``rows`` hold cell values (converted with ``cell_text``).  Returns ``""`` when there
    are no rows (kubectl prints no header then).  Every line ends with ``\\n``; the last
    column is never padded, so no line has trailing spaces unless a cell does.
    """
    lines: list[list[str]] = []
    if not no_headers:
        lines.append("\t".join(h.upper() for h in headers).split("\t"))
    n0 = len(lines)
    lines.extend(_row_cells(r) for r in rows)
    if len(lines) == n0:
        return ""
    lines.append([""])
    return _tabwrite_lines(lines, TABWRITER_MINWIDTH, TABWRITER_PADDING)


def render_table(
    columns: Sequence[dict],
    rows: Iterable[Sequence[Any]],
    *,
    wide: bool = False,
    no_headers: bool = False,
    namespaces: Sequence[str] | None = None,
    labels: Sequence[dict | None] | None = None,
) -> str:
    """Print server-side rows the way ``kubectl get`` does.

    ``wide`` shows priority>0 columns (``-o wide``).  ``namespaces`` (one per row) adds
    the leading NAMESPACE column (``-A``/``--all-namespaces``).  ``labels`` (one label
    dict per row) adds the trailing LABELS column (``--show-labels``).
    """
    idx = kubectl_columns(columns, wide)
    headers = [columns[i]["name"] for i in idx]
    if namespaces is not None:
        headers.insert(0, "Namespace")
    if labels is not None:
        headers.append("Labels")
    ncols = len(columns)
    pick = _itemgetter(*idx) if len(idx) > 1 else None

    def gen():
        for r, cells in enumerate(rows):
            if pick is not None and len(cells) >= ncols:
                out = list(pick(cells))
            else:
                # kubectl stops at the row's last cell (and ignores cells beyond the columns)
                out = [cells[i] for i in idx if i < len(cells)]
            if namespaces is not None:
                out.insert(0, namespaces[r])
            if labels is not None:
                out.append(format_labels(labels[r]))
            yield out

    return format_table(headers, gen(), no_headers=no_headers)
