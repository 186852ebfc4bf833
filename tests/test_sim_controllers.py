"""The simulated control loops, defaulting and validation, driven through the store of a live SimThread."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Callable

import pytest

from k8stui.sim.cluster import SimThread
from k8stui.sim.errors import ApiError
from k8stui.sim.eviction import evict
from k8stui.sim.scenario import parse_scenario
from k8stui.sim.store import now_rfc3339

SPEED = 0.02

SCENARIO = {
    "name": "controllers",
    "kubernetesVersion": "v1.34.3",
    "nodes": [
        {"name": "cp-1", "role": "control-plane", "internalIP": "10.0.0.10"},
        {"name": "w1", "role": "worker", "internalIP": "10.0.0.11"},
        {"name": "w2", "role": "worker", "internalIP": "10.0.0.12"},
        {"name": "w3", "role": "worker", "internalIP": "10.0.0.13"},
    ],
    "objects": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t"}}],
}
WORKERS = {"w1", "w2", "w3"}
ALL_NODES = WORKERS | {"cp-1"}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory):
    s = SimThread(parse_scenario(SCENARIO), tmp_path_factory.mktemp("ctl"), port=0, speed=SPEED).start()
    yield s
    s.stop()


def wait_for(cond: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


# ---- helpers -----------------------------------------------------------------------------------

def st(sim: SimThread):
    return sim.cluster.store


def objs(sim: SimThread, resource: str, ns: str | None = None, labels: dict | None = None) -> list[dict]:
    def f() -> list[dict]:
        out = st(sim).objects(resource, ns)
        if labels:
            out = [o for o in out if all((o["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())]
        return out
    return sim.call(f)


def get(sim: SimThread, resource: str, ns: str, name: str) -> dict | None:
    return sim.call(lambda: st(sim).try_get(resource, ns, name))


def create(sim: SimThread, resource: str, obj: dict) -> dict:
    return sim.call(lambda: st(sim).create(resource, obj))


def mutate(sim: SimThread, resource: str, ns: str, name: str, fn: Callable[[dict], None]) -> dict:
    return sim.call(lambda: st(sim).mutate(resource, ns, name, fn))


def ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in (pod.get("status") or {}).get("conditions") or [])


def running_ready(pods: list[dict]) -> bool:
    return all((p.get("status") or {}).get("phase") == "Running" and ready(p) and
               not p["metadata"].get("deletionTimestamp") for p in pods)


def deployment(name: str, replicas: int, ns: str = "t", image: str = "nginx:1.27", **spec: Any) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": ns},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": image}], **spec}}}}


def app_pods(sim: SimThread, app: str, ns: str = "t", live: bool = True) -> list[dict]:
    pods = objs(sim, "pods", ns, {"app": app})
    if live:
        pods = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    return pods


def wait_app_ready(sim: SimThread, app: str, n: int, ns: str = "t") -> list[dict]:
    def ok() -> list[dict] | None:
        pods = objs(sim, "pods", ns, {"app": app})
        if len(pods) == n and running_ready(pods):
            return pods
        return None
    return wait_for(ok, what=f"{n} ready pods of {app}")


def cond(obj: dict, ctype: str) -> dict | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return c
    return None


def events_for(sim: SimThread, name: str, reason: str | None = None) -> list[dict]:
    return [e for e in objs(sim, "events") if e["involvedObject"]["name"] == name
            and (reason is None or e["reason"] == reason)]


# ---- workloads ---------------------------------------------------------------------------------

def test_deployment_creates_replicaset_and_ready_pods_on_workers(sim: SimThread) -> None:
    create(sim, "deployments", deployment("web", 3))
    pods = wait_app_ready(sim, "web", 3)
    assert {p["spec"]["nodeName"] for p in pods} <= WORKERS  # the control plane is tainted
    rss = objs(sim, "replicasets", "t", {"app": "web"})
    assert len(rss) == 1
    rs = rss[0]
    h = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{h}"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": h}
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    for p in pods:
        ref = p["metadata"]["ownerReferences"][0]
        assert ref["kind"] == "ReplicaSet" and ref["uid"] == rs["metadata"]["uid"]
        assert ref["controller"] and ref["blockOwnerDeletion"]
        assert p["metadata"]["name"].startswith(f"web-{h}-")
        assert p["status"]["podIP"].startswith("10.244.")
        assert p["status"]["containerStatuses"][0]["state"].get("running")

    def available() -> dict | None:
        d = get(sim, "deployments", "t", "web")
        s = d.get("status") or {}
        if s.get("availableReplicas") == 3 and (cond(d, "Progressing") or {}).get("reason") == "NewReplicaSetAvailable":
            return d
        return None

    d = wait_for(available, what="deployment available")
    assert d["status"]["readyReplicas"] == 3 and d["status"]["updatedReplicas"] == 3
    assert d["status"]["observedGeneration"] == d["metadata"]["generation"]
    assert cond(d, "Available")["reason"] == "MinimumReplicasAvailable"
    assert cond(d, "Progressing")["message"] == f'ReplicaSet "web-{h}" has successfully progressed.'
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    reasons = {e["reason"] for e in events_for(sim, pods[0]["metadata"]["name"])}
    assert {"Scheduled", "Pulled", "Created", "Started"} <= reasons
    assert events_for(sim, "web", "ScalingReplicaSet")[0]["message"] == \
        f"Scaled up replica set web-{h} from 0 to 3"


def test_rolling_update_replaces_pods(sim: SimThread) -> None:
    create(sim, "deployments", deployment("roll", 4))
    wait_app_ready(sim, "roll", 4)
    mutate(sim, "deployments", "t", "roll",
           lambda o: o["spec"]["template"]["spec"]["containers"][0].__setitem__("image", "nginx:1.28"))

    def rolled() -> bool:
        pods = app_pods(sim, "roll", live=False)
        d = get(sim, "deployments", "t", "roll")
        s = d.get("status") or {}
        return (len(pods) == 4 and running_ready(pods)
                and all(p["spec"]["containers"][0]["image"] == "nginx:1.28" for p in pods)
                and s.get("updatedReplicas") == 4 and s.get("availableReplicas") == 4 and s.get("replicas") == 4)

    wait_for(rolled, what="rollout to finish")
    rss = sorted(objs(sim, "replicasets", "t", {"app": "roll"}),
                 key=lambda r: r["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
    assert [r["spec"]["replicas"] for r in rss] == [0, 4]
    assert get(sim, "deployments", "t", "roll")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"


def test_cordon_keeps_new_pods_off_the_node(sim: SimThread) -> None:
    mutate(sim, "nodes", "", "w1", lambda o: o["spec"].__setitem__("unschedulable", True))
    try:
        create(sim, "deployments", deployment("spread", 6))
        pods = wait_app_ready(sim, "spread", 6)
        assert {p["spec"]["nodeName"] for p in pods} == {"w2", "w3"}
        wait_for(lambda: events_for(sim, "w1", "NodeNotSchedulable"), what="NodeNotSchedulable event")
    finally:
        mutate(sim, "nodes", "", "w1", lambda o: o["spec"].pop("unschedulable", None))
    wait_for(lambda: events_for(sim, "w1", "NodeSchedulable"), what="NodeSchedulable event")


def test_daemonset_runs_everywhere_including_cordoned_and_control_plane(sim: SimThread) -> None:
    def on_all() -> list[dict] | None:
        pods = objs(sim, "pods", "kube-system", {"k8s-app": "kube-proxy"})
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        if {p["spec"].get("nodeName") for p in live} == ALL_NODES and len(live) == 4 and running_ready(live):
            return live
        return None

    pods = wait_for(on_all, what="kube-proxy on every node")
    p = pods[0]
    terms = p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchFields"] == [{"key": "metadata.name", "operator": "In", "values": [p["spec"]["nodeName"]]}]
    assert {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"} in \
        p["spec"]["tolerations"]
    # cordon a node, delete its DaemonSet pod: it comes back on the same (cordoned) node
    mutate(sim, "nodes", "", "w2", lambda o: o["spec"].__setitem__("unschedulable", True))
    try:
        victim = next(x for x in pods if x["spec"]["nodeName"] == "w2")
        sim.call(lambda: st(sim).delete("pods", "kube-system", victim["metadata"]["name"]))

        def back() -> bool:
            live = on_all()
            return bool(live) and victim["metadata"]["uid"] not in {x["metadata"]["uid"] for x in live}

        wait_for(back, what="DaemonSet pod recreated on the cordoned node")
    finally:
        mutate(sim, "nodes", "", "w2", lambda o: o["spec"].pop("unschedulable", None))
    ds = get(sim, "daemonsets", "kube-system", "kube-proxy")
    wait_for(lambda: (get(sim, "daemonsets", "kube-system", "kube-proxy").get("status") or {}).get("numberReady") == 4,
             what="daemonset status")
    s = get(sim, "daemonsets", "kube-system", "kube-proxy")["status"]
    assert s["desiredNumberScheduled"] == s["currentNumberScheduled"] == s["updatedNumberScheduled"] == 4
    assert s["observedGeneration"] == ds["metadata"]["generation"]


def test_statefulset_ordered_pods(sim: SimThread) -> None:
    create(sim, "statefulsets", {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "t"},
        "spec": {"serviceName": "db", "replicas": 3, "selector": {"matchLabels": {"app": "db"}},
                 "template": {"metadata": {"labels": {"app": "db"}},
                              "spec": {"containers": [{"name": "pg", "image": "postgres:17"}]}}}})
    pods = wait_app_ready(sim, "db", 3)
    assert sorted(p["metadata"]["name"] for p in pods) == ["db-0", "db-1", "db-2"]
    for p in pods:
        labels = p["metadata"]["labels"]
        assert labels["statefulset.kubernetes.io/pod-name"] == p["metadata"]["name"]
        assert labels["apps.kubernetes.io/pod-index"] == p["metadata"]["name"][-1]
        assert labels["controller-revision-hash"].startswith("db-")
        assert p["spec"]["hostname"] == p["metadata"]["name"] and p["spec"]["subdomain"] == "db"
    wait_for(lambda: (get(sim, "statefulsets", "t", "db").get("status") or {}).get("readyReplicas") == 3,
             what="statefulset status")
    # created in order (event names sort by creation time)
    msgs = [e["message"] for e in events_for(sim, "db", "SuccessfulCreate")]
    assert msgs == [f"create Pod db-{i} in StatefulSet db successful" for i in range(3)]
    # scale down removes the highest ordinal
    mutate(sim, "statefulsets", "t", "db", lambda o: o["spec"].__setitem__("replicas", 2))
    wait_for(lambda: sorted(p["metadata"]["name"] for p in objs(sim, "pods", "t", {"app": "db"})) == ["db-0", "db-1"],
             what="db-2 removed")


def test_job_pod_completes(sim: SimThread) -> None:
    create(sim, "jobs", {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": "t"},
                         "spec": {"template": {"spec": {"restartPolicy": "Never",
                                                        "containers": [{"name": "m", "image": "busybox:1.36"}]}}}})

    def done() -> dict | None:
        j = get(sim, "jobs", "t", "migrate")
        return j if (cond(j, "Complete") or {}).get("status") == "True" else None

    job = wait_for(done, what="job complete")
    uid = job["metadata"]["uid"]
    assert job["spec"]["selector"]["matchLabels"] == {"batch.kubernetes.io/controller-uid": uid}
    assert job["status"]["succeeded"] == 1 and job["status"].get("completionTime") and job["status"].get("startTime")
    assert cond(job, "SuccessCriteriaMet")["status"] == "True"
    pods = objs(sim, "pods", "t", {"job-name": "migrate"})
    assert len(pods) == 1
    p = pods[0]
    assert p["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] == uid
    assert p["status"]["phase"] == "Succeeded"
    # what kubectl prints as STATUS: Completed
    assert p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


# ---- scheduling ----------------------------------------------------------------------------------

def test_scheduling_gates_and_unschedulable(sim: SimThread) -> None:
    create(sim, "pods", {"metadata": {"name": "gated", "namespace": "t"},
                         "spec": {"schedulingGates": [{"name": "example.com/wait"}],
                                  "containers": [{"name": "c", "image": "nginx:1.27"}]}})

    def gated() -> dict | None:
        c = cond(get(sim, "pods", "t", "gated"), "PodScheduled")
        return c if c and c.get("reason") == "SchedulingGated" else None

    c = wait_for(gated, what="SchedulingGated condition")
    assert c["status"] == "False"
    assert not get(sim, "pods", "t", "gated")["spec"].get("nodeName")
    # removing the gate (an allowed pod update) lets it schedule and run
    pod = get(sim, "pods", "t", "gated")
    pod["spec"]["schedulingGates"] = []
    sim.call(lambda: st(sim).update("pods", pod))
    wait_for(lambda: running_ready([get(sim, "pods", "t", "gated")]), what="ungated pod running")
    assert get(sim, "pods", "t", "gated")["spec"]["nodeName"] in WORKERS

    create(sim, "pods", {"metadata": {"name": "nowhere", "namespace": "t"},
                         "spec": {"nodeSelector": {"disk": "ssd"}, "containers": [{"name": "c", "image": "nginx:1.27"}]}})

    def failed() -> list[dict]:
        return events_for(sim, "nowhere", "FailedScheduling")

    ev = wait_for(failed, what="FailedScheduling event")[0]
    assert ev["type"] == "Warning" and ev["source"]["component"] == "default-scheduler"
    assert ev["message"].startswith("0/4 nodes are available: 1 node(s) had untolerated taint "
                                    "{node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node "
                                    "affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not "
                                    "helpful for scheduling.")
    c = cond(get(sim, "pods", "t", "nowhere"), "PodScheduled")
    assert c["status"] == "False" and c["reason"] == "Unschedulable"
    # a node gaining the label lets the pending pod schedule (retry on node change)
    mutate(sim, "nodes", "", "w3", lambda o: o["metadata"]["labels"].__setitem__("disk", "ssd"))
    wait_for(lambda: get(sim, "pods", "t", "nowhere")["spec"].get("nodeName") == "w3", what="retry after node change")
    ok = events_for(sim, "nowhere", "Scheduled")
    assert ok and ok[0]["message"] == "Successfully assigned t/nowhere to w3"


def test_scheduler_respects_cpu_requests(sim: SimThread) -> None:
    # nodes have 4 CPUs: a 3-CPU pod fits each worker once
    spec = {"containers": [{"name": "c", "image": "nginx:1.27", "resources": {"requests": {"cpu": "3"}}}],
            "nodeSelector": {"kubernetes.io/os": "linux"}}
    for i in range(4):
        create(sim, "pods", {"metadata": {"name": f"big-{i}", "namespace": "t", "labels": {"app": "big"}},
                             "spec": spec})

    def settled() -> list[dict] | None:
        pods = objs(sim, "pods", "t", {"app": "big"})
        bound = [p for p in pods if p["spec"].get("nodeName")]
        pending = [p for p in pods if not p["spec"].get("nodeName")]
        if len(bound) == 3 and len(pending) == 1 and (cond(pending[0], "PodScheduled") or {}).get("reason"):
            return pods
        return None

    pods = wait_for(settled, what="3 bound, 1 unschedulable")
    pending = next(p for p in pods if not p["spec"].get("nodeName"))
    assert "Insufficient cpu" in cond(pending, "PodScheduled")["message"]
    for i in range(4):
        sim.call(lambda i=i: st(sim).delete("pods", "t", f"big-{i}", grace_seconds=0))


# ---- eviction, deletion, garbage collection -----------------------------------------------------

def test_eviction_respects_pdb(sim: SimThread) -> None:
    create(sim, "deployments", deployment("pay", 2))
    pods = wait_app_ready(sim, "pay", 2)
    create(sim, "poddisruptionbudgets", {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                         "metadata": {"name": "pay", "namespace": "t"},
                                         "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "pay"}}}})

    def observed() -> dict | None:
        pdb = get(sim, "poddisruptionbudgets", "t", "pay")
        s = pdb.get("status") or {}
        return pdb if s.get("observedGeneration") == pdb["metadata"]["generation"] and s.get("currentHealthy") == 2 \
            else None

    pdb = wait_for(observed, what="pdb status")
    assert pdb["status"]["disruptionsAllowed"] == 0 and pdb["status"]["desiredHealthy"] == 2
    assert pdb["status"]["expectedPods"] == 2
    assert cond(pdb, "DisruptionAllowed")["reason"] == "InsufficientPods"
    name = pods[0]["metadata"]["name"]
    with pytest.raises(ApiError) as ei:
        sim.call(lambda: evict(st(sim), "t", name, {}))
    assert ei.value.code == 429
    assert "needs 2 healthy pods and has 2 currently" in json.dumps(ei.value.status())

    # make room: at most one unavailable
    mutate(sim, "poddisruptionbudgets", "t", "pay", lambda o: o["spec"].__setitem__("maxUnavailable", 1))

    def room() -> bool:
        p = get(sim, "poddisruptionbudgets", "t", "pay")
        s = p.get("status") or {}
        return s.get("observedGeneration") == p["metadata"]["generation"] and s.get("disruptionsAllowed") == 1

    wait_for(room, what="pdb allowing one disruption")
    assert cond(get(sim, "poddisruptionbudgets", "t", "pay"), "DisruptionAllowed")["reason"] == "SufficientPods"
    out = sim.call(lambda: evict(st(sim), "t", name, {}))
    assert out["status"] == "Success"
    # the budget is spent at once: a second eviction is refused until a replacement is ready
    other = pods[1]["metadata"]["name"]
    with pytest.raises(ApiError) as ei:
        sim.call(lambda: evict(st(sim), "t", other, {}))
    assert ei.value.code == 429
    wait_for(lambda: get(sim, "pods", "t", name) is None, what="evicted pod removed")
    wait_app_ready(sim, "pay", 2)


def test_graceful_delete_then_removal(sim: SimThread) -> None:
    create(sim, "pods", {"metadata": {"name": "bare", "namespace": "t"},
                         "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}})
    wait_for(lambda: running_ready([get(sim, "pods", "t", "bare")]), what="bare pod running")
    obj, removed = sim.call(lambda: st(sim).delete("pods", "t", "bare"))
    assert not removed and obj["metadata"]["deletionTimestamp"]
    assert get(sim, "pods", "t", "bare")["metadata"].get("deletionGracePeriodSeconds") == 30
    wait_for(lambda: get(sim, "pods", "t", "bare") is None, what="pod removal")
    kills = events_for(sim, "bare", "Killing")
    assert kills and kills[0]["message"] == "Stopping container c"


def test_deleting_deployment_removes_replicasets_and_pods(sim: SimThread) -> None:
    create(sim, "deployments", deployment("gone", 2))
    wait_app_ready(sim, "gone", 2)
    sim.call(lambda: st(sim).delete("deployments", "t", "gone"))
    wait_for(lambda: not objs(sim, "replicasets", "t", {"app": "gone"}) and not objs(sim, "pods", "t", {"app": "gone"}),
             what="replicasets and pods garbage collected")


def test_scale_down_prefers_not_ready_and_newest(sim: SimThread) -> None:
    create(sim, "deployments", deployment("scale", 3))
    wait_app_ready(sim, "scale", 3)
    mutate(sim, "deployments", "t", "scale", lambda o: o["spec"].__setitem__("replicas", 1))
    wait_app_ready(sim, "scale", 1)
    d = wait_for(lambda: (lambda d: d if (d.get("status") or {}).get("replicas") == 1 else None)(
        get(sim, "deployments", "t", "scale")), what="scaled status")
    assert d["status"]["availableReplicas"] == 1
    assert any("Scaled down replica set" in e["message"] for e in events_for(sim, "scale", "ScalingReplicaSet"))


def test_mirror_pod_recreated_after_delete(sim: SimThread) -> None:
    old = get(sim, "pods", "kube-system", "kube-apiserver-cp-1")
    sim.call(lambda: st(sim).delete("pods", "kube-system", "kube-apiserver-cp-1"))

    def back() -> dict | None:
        p = get(sim, "pods", "kube-system", "kube-apiserver-cp-1")
        if p and p["metadata"]["uid"] != old["metadata"]["uid"] and running_ready([p]):
            return p
        return None

    p = wait_for(back, what="mirror pod recreated")
    assert p["metadata"]["annotations"]["kubernetes.io/config.mirror"]
    node = get(sim, "nodes", "", "cp-1")
    assert p["metadata"]["ownerReferences"][0]["uid"] == node["metadata"]["uid"]


# ---- nodes ----------------------------------------------------------------------------------------

def test_restart_kubelet_changes_version(sim: SimThread) -> None:
    cm = sim.cluster.controllers
    sim.call(lambda: cm.restart_kubelet("w3", "v1.35.0"))
    node = get(sim, "nodes", "", "w3")
    assert cond(node, "Ready")["status"] == "False"
    assert any(t["key"] == "node.kubernetes.io/not-ready" for t in node["spec"].get("taints") or [])

    def back() -> dict | None:
        n = get(sim, "nodes", "", "w3")
        return n if cond(n, "Ready")["status"] == "True" else None

    node = wait_for(back, what="node Ready again")
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.35.0"
    assert not node["spec"].get("taints")
    reasons = [e["reason"] for e in events_for(sim, "w3")]
    assert "Starting" in reasons and "NodeNotReady" in reasons and "NodeReady" in reasons


def test_set_node_ready_false_marks_node_unknown(sim: SimThread) -> None:
    cm = sim.cluster.controllers
    sim.call(lambda: cm.set_node_ready("w2", False))
    node = get(sim, "nodes", "", "w2")
    assert cond(node, "Ready")["status"] == "Unknown"
    assert cond(node, "Ready")["message"] == "Kubelet stopped posting node status."
    keys = {(t["key"], t["effect"]) for t in node["spec"]["taints"]}
    assert ("node.kubernetes.io/unreachable", "NoExecute") in keys
    on_node = [p for p in objs(sim, "pods") if p["spec"].get("nodeName") == "w2"]
    assert on_node and not any(ready(p) for p in on_node)
    sim.call(lambda: cm.set_node_ready("w2", True))
    wait_for(lambda: all(ready(p) for p in objs(sim, "pods") if p["spec"].get("nodeName") == "w2"
                         and (p.get("status") or {}).get("phase") == "Running"), what="pods ready again")
    assert not get(sim, "nodes", "", "w2")["spec"].get("taints")


def test_leases_are_renewed(sim: SimThread) -> None:
    before = get(sim, "leases", "kube-node-lease", "w1")["spec"]["renewTime"]
    wait_for(lambda: get(sim, "leases", "kube-node-lease", "w1")["spec"]["renewTime"] != before, what="lease renewal")


# ---- bootstrap tokens ------------------------------------------------------------------------------

def _b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def test_bootstrap_signer_adds_and_removes_signature(sim: SimThread) -> None:
    token = sim.call(lambda: sim.cluster.create_bootstrap_token(3600, "test", ["signing", "authentication"], []))
    tid, secret = token.split(".")
    key = f"jws-kubeconfig-{tid}"
    cm = wait_for(lambda: (lambda c: c if key in c["data"] else None)(get(sim, "configmaps", "kube-public", "cluster-info")),
                  what="jws signature")
    header, empty, sig = cm["data"][key].split(".")
    assert empty == ""
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "kid": tid}
    payload = _b64url(cm["data"]["kubeconfig"].encode())
    want = _b64url(hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    assert sig == want
    sim.call(lambda: st(sim).delete("secrets", "kube-system", f"bootstrap-token-{tid}"))
    wait_for(lambda: key not in get(sim, "configmaps", "kube-public", "cluster-info")["data"], what="jws removal")


def test_token_cleaner_deletes_expired_tokens(sim: SimThread) -> None:
    def token(tid: str, expiration: str) -> dict:
        data = {"token-id": tid, "token-secret": "0123456789abcdef", "expiration": expiration,
                "usage-bootstrap-signing": "true"}
        return {"metadata": {"name": f"bootstrap-token-{tid}", "namespace": "kube-system"},
                "type": "bootstrap.kubernetes.io/token",
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}

    create(sim, "secrets", token("old111", now_rfc3339(time.time() - 60)))
    create(sim, "secrets", token("soon22", now_rfc3339(time.time() + 1)))
    wait_for(lambda: get(sim, "secrets", "kube-system", "bootstrap-token-old111") is None, what="expired token deleted")
    assert get(sim, "secrets", "kube-system", "bootstrap-token-soon22") is not None
    assert "jws-kubeconfig-soon22" in get(sim, "configmaps", "kube-public", "cluster-info")["data"]
    assert "jws-kubeconfig-old111" not in get(sim, "configmaps", "kube-public", "cluster-info")["data"]
    wait_for(lambda: get(sim, "secrets", "kube-system", "bootstrap-token-soon22") is None, timeout=5,
             what="token deleted at its expiry")
    wait_for(lambda: "jws-kubeconfig-soon22" not in get(sim, "configmaps", "kube-public", "cluster-info")["data"],
             what="its signature removed")


# ---- defaulting and validation -----------------------------------------------------------------------

def test_defaults(sim: SimThread) -> None:
    p = create(sim, "pods", {"metadata": {"name": "defaults", "namespace": "t"},
                             "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx:1.27"}]}})
    spec = p["spec"]
    assert spec["restartPolicy"] == "Always" and spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30 and spec["dnsPolicy"] == "ClusterFirst"
    assert spec["securityContext"] == {} and spec["serviceAccountName"] == "default"
    assert spec["enableServiceLinks"] is True and spec["priority"] == 0
    assert spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert [c["imagePullPolicy"] for c in spec["containers"]] == ["Always", "IfNotPresent"]
    assert spec["containers"][0]["terminationMessagePath"] == "/dev/termination-log"
    assert spec["containers"][0]["terminationMessagePolicy"] == "File"
    assert {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in spec["tolerations"]
    assert {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in spec["tolerations"]
    assert p["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    d = sim.call(lambda: st(sim).create("deployments", deployment("dflt", 1), dry_run=True))
    assert d["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert d["spec"]["revisionHistoryLimit"] == 10 and d["spec"]["progressDeadlineSeconds"] == 600
    assert d["spec"]["template"]["spec"]["restartPolicy"] == "Always"
    ns = create(sim, "namespaces", {"metadata": {"name": "fresh"}})
    assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == "fresh"
    assert ns["spec"]["finalizers"] == ["kubernetes"] and ns["status"]["phase"] == "Active"
    s = create(sim, "secrets", {"metadata": {"name": "s", "namespace": "t"}, "data": {}})
    assert s["type"] == "Opaque"
    ds = sim.call(lambda: st(sim).create("daemonsets", {
        "metadata": {"name": "d", "namespace": "t"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
                 "spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}, dry_run=True))
    assert ds["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    job = sim.call(lambda: st(sim).create("jobs", {
        "metadata": {"name": "j", "namespace": "t"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x:1"}]}}}},
        dry_run=True))
    assert (job["spec"]["parallelism"], job["spec"]["completions"], job["spec"]["backoffLimit"]) == (1, 1, 6)
    assert job["spec"]["completionMode"] == "NonIndexed" and job["spec"]["suspend"] is False


def _invalid(sim: SimThread, resource: str, obj: dict) -> str:
    """The 422 message after `<Kind> "<name>" is invalid: ` (the prefix's kind may be group-qualified)."""
    with pytest.raises(ApiError) as ei:
        sim.call(lambda: st(sim).create(resource, obj))
    assert ei.value.code == 422 and ei.value.reason == "Invalid"
    name = obj["metadata"]["name"]
    head, sep, rest = ei.value.message.partition(f' "{name}" is invalid: ')
    assert sep and head.split(".")[0] == ei.value.details["kind"], ei.value.message
    return rest


def test_validation_messages(sim: SimThread) -> None:
    msg = _invalid(sim, "pods", {"metadata": {"name": "empty", "namespace": "t"}, "spec": {"containers": []}})
    assert msg == "spec.containers: Required value"
    msg = _invalid(sim, "pods", {"metadata": {"name": "noimg", "namespace": "t"},
                                 "spec": {"containers": [{"name": "c"}]}})
    assert msg == "spec.containers[0].image: Required value"
    msg = _invalid(sim, "pods", {"metadata": {"name": "Bad_Name", "namespace": "t"},
                                 "spec": {"containers": [{"name": "c", "image": "x"}]}})
    assert msg == ('metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 '
                   "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and "
                   "end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                   "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
    bad = deployment("mismatch", 1)
    bad["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    msg = _invalid(sim, "deployments", bad)
    assert msg == ('spec.template.metadata.labels: Invalid value: '
                   'map[string]string{"app":"mismatch"}: `selector` does not match template `labels`')
    msg = _invalid(sim, "deployments", deployment("neg", -1))
    assert msg == "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    msg = _invalid(sim, "poddisruptionbudgets", {
        "metadata": {"name": "both", "namespace": "t"},
        "spec": {"minAvailable": 1, "maxUnavailable": 1, "selector": {"matchLabels": {"a": "b"}}}})
    assert msg.endswith("minAvailable and maxUnavailable cannot be both set")
    job = {"metadata": {"name": "always", "namespace": "t"},
           "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}
    msg = _invalid(sim, "jobs", job)
    assert 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"' in msg
    # pod updates are limited to a few fields
    create(sim, "pods", {"metadata": {"name": "immutable", "namespace": "t"},
                         "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
    # each read-modify-write runs in one call on the simulator's loop: the scheduler and the kubelet
    # write this pod too, and an update between the read and the write would be a 409 instead
    def update_pod(change) -> dict:
        pod = st(sim).get("pods", "t", "immutable")
        change(pod)
        return st(sim).update("pods", pod)

    def new_image(pod: dict) -> None:
        pod["spec"]["containers"][0]["image"] = "nginx:1.28"  # allowed
        pod["metadata"]["labels"] = {"x": "y"}

    sim.call(lambda: update_pod(new_image))
    with pytest.raises(ApiError) as ei:
        sim.call(lambda: update_pod(lambda pod: pod["spec"].__setitem__("restartPolicy", "Never")))
    assert ei.value.code == 422
    assert ei.value.message.split(" is invalid: ", 1)[1].startswith(
        "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`")


def test_deleting_namespace_removes_its_objects(sim: SimThread) -> None:
    create(sim, "namespaces", {"metadata": {"name": "doomed"}})
    create(sim, "deployments", deployment("d", 2, ns="doomed"))
    wait_app_ready(sim, "d", 2, ns="doomed")
    sim.call(lambda: st(sim).delete("namespaces", "", "doomed"))
    wait_for(lambda: not objs(sim, "pods", "doomed") and not objs(sim, "deployments", "doomed")
             and not objs(sim, "replicasets", "doomed") and get(sim, "namespaces", "", "doomed") is None,
             what="namespace emptied")


def test_put_static_pod_reposts_mirror_pod(sim: SimThread) -> None:
    cm = sim.cluster.controllers
    old = get(sim, "pods", "kube-system", "kube-scheduler-cp-1")
    new = json.loads(json.dumps(old))
    new["spec"]["containers"][0]["image"] = "registry.k8s.io/kube-scheduler:v1.35.0"
    new["metadata"]["annotations"]["kubernetes.io/config.hash"] = "newhash"
    new["metadata"]["annotations"]["kubernetes.io/config.mirror"] = "newhash"
    sim.call(lambda: cm.put_static_pod(new))

    def reposted() -> dict | None:
        p = get(sim, "pods", "kube-system", "kube-scheduler-cp-1")
        return p if p and p["metadata"]["annotations"]["kubernetes.io/config.hash"] == "newhash" else None

    p = wait_for(reposted, what="mirror pod re-posted")
    assert p["metadata"]["uid"] != old["metadata"]["uid"]
    assert p["spec"]["containers"][0]["image"].endswith(":v1.35.0") and running_ready([p])


def test_controllers_had_no_errors(sim: SimThread) -> None:
    assert sim.call(lambda: sim.cluster.controllers.errors()) == 0
