"""The generated `large` scenario: thousands of nodes and a hundred thousand pods, built fast.

Objects are produced already in their settled state (pods bound and Running, workloads with
their status) and loaded through the store's bulk path, so a 5,000-node, 150,000-pod cluster is
ready in seconds instead of waiting for the controllers to create and start every pod. The shapes
are the same the controllers and kubelet stand-in produce, so drains and watches behave alike.
"""

from __future__ import annotations

import hashlib
import random
from typing import TYPE_CHECKING

from k8stui.sim import podstatus
from k8stui.sim.scenario import NodeSpec, Scenario
from k8stui.sim.store import now_rfc3339

if TYPE_CHECKING:
    from k8stui.sim.cluster import SimCluster

NAMESPACES = 200
REPLICAS = (2, 3, 5, 10)
IMAGES = ("docker.io/library/nginx:1.27", "registry.example.com/api:3.1.4", "docker.io/library/redis:7.4",
          "registry.example.com/worker:2.0.9", "quay.io/prometheus/node-exporter:v1.8.2")


def expand_nodes(sc: Scenario) -> None:
    gen = sc.generated or {}
    n_nodes = int(gen.get("nodes", 5000))
    n_cp = min(int(gen.get("controlPlanes", 3)), max(n_nodes, 1))
    sc.nodes = []
    for i in range(n_cp):
        sc.nodes.append(NodeSpec(name=f"cp-{i + 1}", role="control-plane",
                                 internal_ip=f"10.0.0.{10 + i}", kubelet_version=sc.kubernetes_version,
                                 cpu="8", memory="32Gi", simulated=n_nodes <= 500))
    for i in range(n_nodes - n_cp):
        sc.nodes.append(NodeSpec(name=f"node-{i + 1:05d}", role="worker",
                                 internal_ip=f"10.{1 + i // 65000}.{(i // 250) % 256}.{10 + i % 250}",
                                 kubelet_version=sc.kubernetes_version, cpu="32", memory="128Gi",
                                 simulated=n_nodes <= 500))


def _hash(s: str) -> str:
    return hashlib.sha1(s.encode()).hexdigest()[:10]


_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # the apiserver's generateName alphabet


def _suffix(i: int) -> str:
    """A distinct 5-character name suffix per index (27^5 of them), like generateName's."""
    out = []
    for _ in range(5):
        i, r = divmod(i, len(_SUFFIX_CHARS))
        out.append(_SUFFIX_CHARS[r])
    return "".join(out)


def _pod(name: str, ns: str, labels: dict, image: str, node: NodeSpec, owner: dict, ts: str,
         pod_ip: str, host_network: bool = False) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "ownerReferences": [owner]},
        "spec": {
            "containers": [{"name": "main", "image": image, "imagePullPolicy": "IfNotPresent",
                            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File"}],
            "dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "hostNetwork": host_network,
            "nodeName": node.name, "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": {},
            "serviceAccount": "default", "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
            "tolerations": [
                {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
                 "tolerationSeconds": 300},
                {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
                 "tolerationSeconds": 300}],
        },
    }


def generate_workloads(sim: "SimCluster", born: float) -> None:
    """Fill the cluster with DaemonSet pods on every node and Deployments up to the pod target."""
    sc = sim.scenario
    st = sim.store
    gen = sc.generated or {}
    target = int(gen.get("pods", 150000))
    rnd = random.Random(42)
    ts = now_rfc3339(born)
    workers = [n for n in sc.nodes if n.role == "worker"] or sc.nodes
    node_ips: dict[str, int] = {}

    def pod_ip(node_index: int) -> str:
        k = node_ips.get(str(node_index), 0) + 1
        node_ips[str(node_index)] = k
        return f"10.{100 + node_index // 256 % 100}.{node_index % 256}.{k % 254 + 1}"

    existing = len(st.table("pods").items)
    # kube-proxy pods on every node (the DaemonSet object itself comes from the kubeadm layout)
    ds = st.get("daemonsets", "kube-system", "kube-proxy")
    ds_owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "kube-proxy",
                "uid": ds["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    image = ds["spec"]["template"]["spec"]["containers"][0]["image"]
    made = existing
    for i, node in enumerate(sc.nodes):
        if made >= target:
            break
        name = f"kube-proxy-{_suffix(i * 7919)}"
        pod = _pod(name, "kube-system", {"k8s-app": "kube-proxy", "controller-revision-hash": "7d8f9c6b5"},
                   image, node, ds_owner, ts, node.internal_ip, host_network=True)
        _settle(st, pod, ts, node.internal_ip, node.internal_ip)
        made += 1
    n = len(sc.nodes)
    st.mutate("daemonsets", "kube-system", "kube-proxy", lambda o: o.__setitem__("status", {
        "currentNumberScheduled": n, "desiredNumberScheduled": n, "numberAvailable": n,
        "numberMisscheduled": 0, "numberReady": n, "observedGeneration": 1, "updatedNumberScheduled": n}),
        subresource="status")
    for k in range(NAMESPACES):
        st.create("namespaces", {"metadata": {"name": f"team-{k:03d}",
                                              "labels": {"kubernetes.io/metadata.name": f"team-{k:03d}"}},
                                 "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
    d = 0
    while made < target:
        replicas = min(rnd.choice(REPLICAS), target - made)
        ns = f"team-{d % NAMESPACES:03d}"
        app = f"app-{d:05d}"
        image = IMAGES[d % len(IMAGES)]
        labels = {"app": app}
        template = {"metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "main", "image": image,
                                             "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}
        pth = _hash(f"{ns}/{app}/{image}")[:9]
        dep = st.insert_loaded("deployments", {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": ns, "labels": labels,
                         "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template,
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                     "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
            "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                       "readyReplicas": replicas, "availableReplicas": replicas,
                       "conditions": [
                           {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                            "message": "Deployment has minimum availability.", "lastUpdateTime": ts,
                            "lastTransitionTime": ts},
                           {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                            "message": f'ReplicaSet "{app}-{pth}" has successfully progressed.',
                            "lastUpdateTime": ts, "lastTransitionTime": ts}]},
        }, ts)
        rs_labels = {**labels, "pod-template-hash": pth}
        rs = st.insert_loaded("replicasets", {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"{app}-{pth}", "namespace": ns, "labels": rs_labels,
                         "annotations": {"deployment.kubernetes.io/desired-replicas": str(replicas),
                                         "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                                         "deployment.kubernetes.io/revision": "1"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": app,
                                              "uid": dep["metadata"]["uid"], "controller": True,
                                              "blockOwnerDeletion": True}]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": rs_labels},
                     "template": {**template, "metadata": {"labels": rs_labels}}},
            "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas,
                       "availableReplicas": replicas, "observedGeneration": 1},
        }, ts)
        owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"],
                 "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
        for r in range(replicas):
            wi = rnd.randrange(len(workers))
            node = workers[wi]
            name = f"{rs['metadata']['name']}-{_suffix(made * 7919)}"
            pod = _pod(name, ns, rs_labels, image, node, owner, ts, "")
            _settle(st, pod, ts, node.internal_ip, pod_ip(wi))
            made += 1
        d += 1


def _settle(st, pod: dict, ts: str, host_ip: str, ip: str) -> None:
    # uid first: container IDs in the status derive from it
    pod["metadata"]["uid"] = ""
    pod["status"] = {}
    loaded = st.insert_loaded("pods", pod, ts)
    loaded["status"] = podstatus.running(loaded, ts, host_ip, ip)
    entry = st.entry("pods", loaded["metadata"]["namespace"], loaded["metadata"]["name"])
    # rewrite in place: same resourceVersion, no extra event (the object was never seen without it)
    from k8stui.sim.resources import BY_PLURAL, field_values
    from k8stui.sim.store import dumps

    entry.raw = dumps(loaded)
    entry.fields = field_values(BY_PLURAL["pods"], loaded)
