"""Scenarios: the YAML description of a simulated cluster, and the kubeadm layout built from it.

A scenario names its nodes and workloads; everything kubeadm would have created (static
control-plane pods, the kubeadm-config and cluster-info ConfigMaps, kube-proxy, CoreDNS, node
Leases, the system namespaces) is generated here from a few parameters, so scenario files stay
short and every scenario is a plausible kubeadm cluster.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import ipaddress
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from k8stui.errors import UserError

VERSION_RE = re.compile(r"^v1\.(\d+)\.(\d+)$")
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
ETCD_IMAGES = {30: "3.5.15-0", 31: "3.5.15-0", 32: "3.5.16-0", 33: "3.5.21-0", 34: "3.6.4-0", 35: "3.6.5-0",
               36: "3.6.5-0"}
COREDNS = {30: "v1.11.3", 31: "v1.11.3", 32: "v1.11.3", 33: "v1.12.0", 34: "v1.12.1", 35: "v1.13.1",
           36: "v1.13.1"}


@dataclass
class NodeSpec:
    name: str
    role: str  # control-plane | worker
    internal_ip: str
    kubelet_version: str
    cpu: str = "4"
    memory: str = "8Gi"
    pods: int = 110
    os_image: str = "Ubuntu 24.04.1 LTS"
    kernel: str = "6.8.0-48-generic"
    runtime: str = "containerd://1.7.24"
    taints: list[dict] | None = None  # None: kubeadm's default for the role
    labels: dict[str, str] = field(default_factory=dict)
    unschedulable: bool = False
    ready: bool = True
    simulated: bool = True  # has a kubelet stand-in (and an SSH host)
    etcd_ready: bool = True


@dataclass
class Scenario:
    name: str
    kubernetes_version: str = "v1.34.3"
    cluster_name: str = "kubernetes"
    control_plane_endpoint: str = ""
    etcd_external: list[str] | None = None
    pod_subnet: str = "10.244.0.0/16"
    service_subnet: str = "10.96.0.0/12"
    nodes: list[NodeSpec] = field(default_factory=list)
    objects: list[dict] = field(default_factory=list)
    age_days: float = 30.0
    generated: dict[str, Any] | None = None  # large: {nodes: N, pods: M}
    source: str = ""

    @property
    def minor(self) -> int:
        m = VERSION_RE.match(self.kubernetes_version)
        assert m
        return int(m.group(1))

    @property
    def control_planes(self) -> list[NodeSpec]:
        return [n for n in self.nodes if n.role == "control-plane"]


BUILTIN = ("seed", "ha", "ha-degraded", "ha-external-etcd", "empty", "large")


def builtin_path(name: str) -> Path:
    return Path(str(importlib.resources.files("k8stui.sim").joinpath("scenarios", f"{name}.yaml")))


def load_scenario(name_or_path: str, overrides: dict[str, Any] | None = None) -> Scenario:
    """A built-in scenario by name, or a YAML file; errors name the file and the field."""
    if name_or_path in BUILTIN:
        path = builtin_path(name_or_path)
    else:
        path = Path(name_or_path)
        if not path.exists():
            raise UserError(f"scenario {name_or_path}: no such built-in scenario ({', '.join(BUILTIN)}) "
                            "or file")
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as e:
        raise UserError(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise UserError(f"{path}: invalid YAML{where}: {getattr(e, 'problem', e)}") from None
    if overrides:
        data = {**(data or {}), **{k: v for k, v in overrides.items() if v is not None}}
    return parse_scenario(data, str(path))


def _field_error(src: str, fieldname: str, msg: str) -> UserError:
    return UserError(f"{src}: {fieldname}: {msg}")


def parse_scenario(data: Any, src: str = "<scenario>") -> Scenario:
    if not isinstance(data, dict):
        raise _field_error(src, "(top level)", "must be a mapping")
    known = {"name", "kubernetesVersion", "clusterName", "controlPlaneEndpoint", "etcd", "nodes", "objects",
             "ageDays", "generate", "podSubnet", "serviceSubnet", "description"}
    for k in data:
        if k not in known:
            raise _field_error(src, str(k), f"unknown field (expected one of: {', '.join(sorted(known))})")
    version = data.get("kubernetesVersion", "v1.34.3")
    if not isinstance(version, str) or not VERSION_RE.match(version):
        raise _field_error(src, "kubernetesVersion", f"must look like v1.34.3, got {version!r}")
    sc = Scenario(name=str(data.get("name") or Path(src).stem), kubernetes_version=version, source=src)
    sc.cluster_name = str(data.get("clusterName", "kubernetes"))
    cpe = data.get("controlPlaneEndpoint", "") or ""
    if not isinstance(cpe, str) or (cpe and not re.match(r"^[A-Za-z0-9.-]+(:\d{1,5})?$", cpe)):
        raise _field_error(src, "controlPlaneEndpoint", f"must be host or host:port, got {cpe!r}")
    sc.control_plane_endpoint = cpe
    etcd = data.get("etcd", "stacked")
    if etcd == "stacked" or etcd is None:
        sc.etcd_external = None
    elif isinstance(etcd, dict) and isinstance(etcd.get("external"), list):
        sc.etcd_external = [str(x) for x in etcd["external"]]
    else:
        raise _field_error(src, "etcd", "must be 'stacked' or {external: [https://host:2379, ...]}")
    age = data.get("ageDays", 30)
    if not isinstance(age, (int, float)) or age < 0:
        raise _field_error(src, "ageDays", "must be a non-negative number")
    sc.age_days = float(age)
    gen = data.get("generate")
    if gen is not None:
        if not isinstance(gen, dict):
            raise _field_error(src, "generate", "must be a mapping {nodes: N, pods: M}")
        for k in ("nodes", "pods", "controlPlanes"):
            if k in gen and (not isinstance(gen[k], int) or gen[k] < 0):
                raise _field_error(src, f"generate.{k}", "must be a non-negative integer")
        sc.generated = dict(gen)
    nodes = data.get("nodes") or []
    if not isinstance(nodes, list):
        raise _field_error(src, "nodes", "must be a list")
    names = set()
    for i, n in enumerate(nodes):
        sc.nodes.append(_parse_node(n, i, src, version))
        if sc.nodes[-1].name in names:
            raise _field_error(src, f"nodes[{i}].name", f"duplicate node name {sc.nodes[-1].name!r}")
        names.add(sc.nodes[-1].name)
    if sc.generated is None and not sc.control_planes:
        raise _field_error(src, "nodes", "needs at least one node with role: control-plane")
    objs = data.get("objects") or []
    if not isinstance(objs, list):
        raise _field_error(src, "objects", "must be a list of Kubernetes manifests")
    for i, o in enumerate(objs):
        if not isinstance(o, dict) or not o.get("kind") or not o.get("apiVersion"):
            raise _field_error(src, f"objects[{i}]", "must be a manifest with apiVersion and kind")
        if not (o.get("metadata") or {}).get("name") and not (o.get("metadata") or {}).get("generateName"):
            raise _field_error(src, f"objects[{i}].metadata.name", "required")
    sc.objects = objs
    return sc


def _parse_node(n: Any, i: int, src: str, version: str) -> NodeSpec:
    where = f"nodes[{i}]"
    if not isinstance(n, dict):
        raise _field_error(src, where, "must be a mapping")
    name = n.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise _field_error(src, f"{where}.name", f"must be a DNS-1123 name, got {name!r}")
    role = n.get("role", "worker")
    if role not in ("control-plane", "worker"):
        raise _field_error(src, f"{where}.role", f"must be control-plane or worker, got {role!r}")
    ip = n.get("internalIP")
    try:
        ipaddress.ip_address(str(ip))
    except ValueError:
        raise _field_error(src, f"{where}.internalIP", f"must be an IP address, got {ip!r}") from None
    kv = n.get("kubeletVersion", version)
    if not isinstance(kv, str) or not VERSION_RE.match(kv):
        raise _field_error(src, f"{where}.kubeletVersion", f"must look like v1.34.3, got {kv!r}")
    spec = NodeSpec(name=name, role=role, internal_ip=str(ip), kubelet_version=kv)
    for key, attr in (("cpu", "cpu"), ("memory", "memory"), ("osImage", "os_image"), ("kernel", "kernel"),
                      ("runtime", "runtime")):
        if key in n:
            setattr(spec, attr, str(n[key]))
    if "pods" in n:
        if not isinstance(n["pods"], int) or n["pods"] <= 0:
            raise _field_error(src, f"{where}.pods", "must be a positive integer")
        spec.pods = n["pods"]
    if "taints" in n:
        if not isinstance(n["taints"], list):
            raise _field_error(src, f"{where}.taints", "must be a list")
        spec.taints = n["taints"]
    if "labels" in n:
        if not isinstance(n["labels"], dict):
            raise _field_error(src, f"{where}.labels", "must be a mapping")
        spec.labels = {str(k): str(v) for k, v in n["labels"].items()}
    for key, attr in (("unschedulable", "unschedulable"), ("ready", "ready"), ("simulated", "simulated"),
                      ("etcdReady", "etcd_ready")):
        if key in n:
            if not isinstance(n[key], bool):
                raise _field_error(src, f"{where}.{key}", "must be true or false")
            setattr(spec, attr, n[key])
    return spec


# ---- the kubeadm layout ----------------------------------------------------------------------

def memory_ki(q: str) -> int:
    m = re.match(r"^(\d+)(Ki|Mi|Gi|Ti)?$", q)
    if not m:
        raise UserError(f"invalid memory quantity {q!r}")
    mult = {"Ki": 1, "Mi": 1024, "Gi": 1024 ** 2, "Ti": 1024 ** 3, None: 1 / 1024}[m.group(2)]
    return int(int(m.group(1)) * mult)


def node_object(n: NodeSpec, index: int, pod_cidr_base: str = "10.244") -> dict:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": n.name,
        "kubernetes.io/os": "linux",
    }
    if n.role == "control-plane":
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    labels.update(n.labels)
    if n.taints is not None:
        taints = n.taints
    elif n.role == "control-plane":
        taints = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    else:
        taints = []
    mem_ki = memory_ki(n.memory)
    alloc_mem = max(mem_ki - 100 * 1024, 0)
    cidr = f"{pod_cidr_base}.{index % 256}.0/24" if index < 256 else f"10.{128 + index // 256}.{index % 256}.0/24"
    spec: dict[str, Any] = {"podCIDR": cidr, "podCIDRs": [cidr]}
    if taints:
        spec["taints"] = taints
    if n.unschedulable:
        spec["unschedulable"] = True
    machine = hashlib.md5(n.name.encode()).hexdigest()
    obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": n.name,
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "addresses": [{"type": "InternalIP", "address": n.internal_ip},
                          {"type": "Hostname", "address": n.name}],
            "allocatable": {"cpu": n.cpu, "ephemeral-storage": "95491281146", "hugepages-1Gi": "0",
                            "hugepages-2Mi": "0", "memory": f"{alloc_mem}Ki", "pods": str(n.pods)},
            "capacity": {"cpu": n.cpu, "ephemeral-storage": "103615380Ki", "hugepages-1Gi": "0",
                         "hugepages-2Mi": "0", "memory": f"{mem_ki}Ki", "pods": str(n.pods)},
            "conditions": [],  # filled by node_conditions
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": str(uuid.uuid5(uuid.NAMESPACE_DNS, n.name + "-boot")),
                "containerRuntimeVersion": n.runtime,
                "kernelVersion": n.kernel,
                "kubeProxyVersion": "",
                "kubeletVersion": n.kubelet_version,
                "machineID": machine,
                "operatingSystem": "linux",
                "osImage": n.os_image,
                "systemUUID": str(uuid.uuid5(uuid.NAMESPACE_DNS, n.name)),
            },
        },
    }
    return obj


def node_conditions(ready: bool, ts: str) -> list[dict]:
    def cond(t: str, status: str, reason: str, message: str) -> dict:
        return {"type": t, "status": status, "lastHeartbeatTime": ts, "lastTransitionTime": ts,
                "reason": reason, "message": message}

    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status") if ready else
        cond("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."),
    ]


def api_endpoint(sc: Scenario) -> str:
    """host:port of the API as kubeadm wrote it into admin.conf and cluster-info."""
    if sc.control_plane_endpoint:
        return sc.control_plane_endpoint if ":" in sc.control_plane_endpoint else \
            f"{sc.control_plane_endpoint}:6443"
    cps = sc.control_planes
    ip = cps[0].internal_ip if cps else "10.0.0.10"
    return f"{ip}:6443"


def cluster_configuration(sc: Scenario) -> str:
    cfg: dict[str, Any] = {
        "apiServer": {},
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "caCertificateValidityPeriod": "87600h0m0s",
        "certificateValidityPeriod": "8760h0m0s",
        "certificatesDir": "/etc/kubernetes/pki",
        "clusterName": sc.cluster_name,
        "controllerManager": {},
        "dns": {},
        "encryptionAlgorithm": "RSA-2048",
    }
    if sc.etcd_external:
        cfg["etcd"] = {"external": {"endpoints": sc.etcd_external, "caFile": "/etc/kubernetes/pki/etcd/ca.crt",
                                    "certFile": "/etc/kubernetes/pki/apiserver-etcd-client.crt",
                                    "keyFile": "/etc/kubernetes/pki/apiserver-etcd-client.key"}}
    else:
        cfg["etcd"] = {"local": {"dataDir": "/var/lib/etcd"}}
    cfg.update({
        "imageRepository": "registry.k8s.io",
        "kind": "ClusterConfiguration",
        "kubernetesVersion": sc.kubernetes_version,
        "networking": {"dnsDomain": "cluster.local", "podSubnet": sc.pod_subnet,
                       "serviceSubnet": sc.service_subnet},
        "proxy": {},
        "scheduler": {},
    })
    if sc.control_plane_endpoint:
        cfg["controlPlaneEndpoint"] = sc.control_plane_endpoint
    return yaml.safe_dump(cfg, sort_keys=True)


def cluster_info_kubeconfig(sc: Scenario, ca_pem: bytes) -> str:
    return yaml.safe_dump({
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": base64.b64encode(ca_pem).decode(),
                                  "server": f"https://{api_endpoint(sc)}"}, "name": ""}],
        "contexts": None,
        "current-context": "",
        "kind": "Config",
        "preferences": {},
        "users": None,
    }, sort_keys=True)


def control_plane_pod(component: str, node: NodeSpec, version: str, minor: int) -> dict:
    """The mirror pod of one static control-plane pod, as the kubelet posts it (status added later)."""
    image = {
        "etcd": f"registry.k8s.io/etcd:{ETCD_IMAGES.get(minor, '3.6.5-0')}",
    }.get(component, f"registry.k8s.io/{component}:{version}")
    config_hash = hashlib.md5(f"{component}{node.name}{image}".encode()).hexdigest()
    annotations = {
        "kubernetes.io/config.hash": config_hash,
        "kubernetes.io/config.mirror": config_hash,
        "kubernetes.io/config.seen": "2026-01-01T00:00:00.000000000Z",
        "kubernetes.io/config.source": "file",
    }
    if component == "kube-apiserver":
        annotations["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] = f"{node.internal_ip}:6443"
    if component == "etcd":
        annotations["kubeadm.kubernetes.io/etcd.advertise-client-urls"] = f"https://{node.internal_ip}:2379"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{component}-{node.name}",
            "namespace": "kube-system",
            "labels": {"component": component, "tier": "control-plane"},
            "annotations": annotations,
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node.name, "uid": "",
                                 "controller": True}],
        },
        "spec": {
            "nodeName": node.name,
            "hostNetwork": True,
            "priorityClassName": "system-node-critical",
            "priority": 2000001000,
            "containers": [{"name": component, "image": image, "command": [component],
                            "resources": {"requests": {"cpu": {"kube-apiserver": "250m", "etcd": "100m"}.get(
                                component, "200m" if component == "kube-controller-manager" else "100m"),
                                **({"memory": "100Mi"} if component == "etcd" else {})}}}],
            "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
            "terminationGracePeriodSeconds": 30,
        },
    }
