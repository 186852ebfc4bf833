"""Kubernetes protobuf request bodies: the decoder against a small encoder built from the same schema
table, and the real kubectl 1.35 (whose typed clients send protobuf) against a simulated cluster."""

from __future__ import annotations

import base64
import copy
import json
import random
import ssl
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any

import pytest

from conftest import run_kubectl
from k8stui.sim import protobuf
from k8stui.sim.protobuf import MAGIC, SCHEMA, ProtobufError, decode_object, go_duration

# ---- a tiny encoder, from the decoder's own schema table ----------------------------------------

_ZERO = {"string": "", "bool": False, "int32": 0, "int64": 0}


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int32/int64: ten bytes of two's complement, as Go writes them
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(num: int, wt: int) -> bytes:
    return _varint(num << 3 | wt)


def _len(num: int, data: bytes) -> bytes:
    return _key(num, 2) + _varint(len(data)) + data


def _parse_time(s: str) -> tuple[int, int]:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if "." in s else "%Y-%m-%dT%H:%M:%SZ"
    delta = datetime.strptime(s, fmt).replace(tzinfo=timezone.utc) - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return delta.days * 86400 + delta.seconds, delta.microseconds * 1000


def _enc_time(v: Any) -> bytes:
    if v is None:
        return b""  # Time.Marshal writes nothing for the zero time
    secs, nanos = _parse_time(v)
    return _key(1, 0) + _varint(secs) + _key(2, 0) + _varint(nanos)


def _enc_intstr(v: Any) -> bytes:
    if isinstance(v, str):
        return _key(1, 0) + _varint(1) + _key(2, 0) + _varint(0) + _len(3, v.encode())
    return _key(1, 0) + _varint(0) + _key(2, 0) + _varint(v) + _len(3, b"")


def _enc_raw(v: Any) -> bytes:
    return b"" if v is None else _len(1, json.dumps(v).encode())


_SPECIAL_ENC = {
    "meta.Time": _enc_time,
    "meta.MicroTime": _enc_time,
    "resource.Quantity": lambda v: _len(1, ("0" if v is None else v).encode()),
    "intstr.IntOrString": lambda v: _enc_intstr(0 if v is None else v),
    "meta.FieldsV1": _enc_raw,
    "runtime.RawExtension": _enc_raw,
}


def encode_message(name: str, obj: Any, packed: bool = False) -> bytes:
    """Go's Marshal: pointers, slices and maps only when set, every other field always."""
    special = _SPECIAL_ENC.get(name)
    if special is not None:
        return special(obj)
    out = bytearray()
    obj = obj or {}
    for num, f in sorted(SCHEMA[name].items()):
        if f.inline:  # the parent's JSON carries the embedded struct's fields
            out += _len(num, encode_message(f.message, obj, packed))
            continue
        val = obj.get(f.json)
        if f.map:
            for k in sorted(val or {}):
                out += _len(num, _len(1, k.encode()) + _value(2, f, val[k], packed))
        elif f.repeated:
            items = val or []
            if packed and items and f.kind in ("int32", "int64", "bool"):
                out += _len(num, b"".join(_varint(int(v)) for v in items))
            else:
                for v in items:
                    out += _value(num, f, v, packed)
        elif f.pointer or f.kind == "bytes":
            if val is not None:
                out += _value(num, f, val, packed)
        else:
            if val is None and f.kind != "message":
                val = _ZERO[f.kind]
            out += _value(num, f, val, packed)
    return bytes(out)


def _value(num: int, f: protobuf.Field, v: Any, packed: bool) -> bytes:
    if f.kind == "string":
        return _len(num, v.encode())
    if f.kind == "bytes":
        return _len(num, base64.b64decode(v))
    if f.kind == "bool":
        return _key(num, 0) + _varint(1 if v else 0)
    if f.kind in ("int32", "int64"):
        return _key(num, 0) + _varint(v)
    return _len(num, encode_message(f.message, v, packed))


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = _len(1, api_version.encode()) + _len(2, kind.encode())
    return MAGIC + _len(1, type_meta) + _len(2, raw) + _len(3, b"") + _len(4, b"")


def encode_object(obj: dict, packed: bool = False) -> bytes:
    message = protobuf.message_for(obj["apiVersion"], obj["kind"])
    assert message, (obj["apiVersion"], obj["kind"])
    return envelope(obj["apiVersion"], obj["kind"], encode_message(message, obj, packed))


# ---- sample objects, written as Go's json.Marshal would print them ------------------------------

T0 = "2026-01-01T00:00:00Z"
T1 = "2026-03-04T05:06:07Z"

OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-6b4", "uid": "u-rs",
         "controller": True, "blockOwnerDeletion": True}

POD = {
    "kind": "Pod", "apiVersion": "v1",
    "metadata": {
        "name": "web-6b4-x2", "generateName": "web-6b4-", "namespace": "default", "uid": "u-pod",
        "resourceVersion": "42", "generation": 3, "creationTimestamp": T0, "deletionTimestamp": T1,
        "deletionGracePeriodSeconds": 0, "labels": {"app": "web", "pod-template-hash": "6b4"},
        "annotations": {"note": ""}, "ownerReferences": [OWNER], "finalizers": ["a/b"],
        "managedFields": [{"manager": "kubectl-create", "operation": "Update", "apiVersion": "v1",
                           "time": T0, "fieldsType": "FieldsV1",
                           "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}}],
    },
    "spec": {
        "volumes": [
            {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
            {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "a", "path": "a.txt", "mode": 0o644}],
                                          "defaultMode": 420, "optional": False}},
            {"name": "tok", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607,
                                                                                "path": "token"}}]}},
            {"name": "host", "hostPath": {"path": "/var/log", "type": ""}},
        ],
        "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c", "true"], "resources": {},
                            "restartPolicy": "Always"}],
        "containers": [{
            "name": "web", "image": "nginx:1.27", "args": ["-g", "daemon off;"], "workingDir": "/srv",
            "ports": [{"name": "http", "containerPort": 80, "protocol": "TCP"},
                      {"containerPort": 9000, "hostPort": 9000, "hostIP": "0.0.0.0", "protocol": "UDP"}],
            "env": [{"name": "EMPTY"}, {"name": "A", "value": "1"},
                    {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
                    {"name": "K", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k", "optional": True}}},
                    {"name": "S", "valueFrom": {"secretKeyRef": {"key": "pw"}}}],
            "envFrom": [{"prefix": "X_", "secretRef": {"name": "s"}}],
            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "100m"}},
            "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": True, "subPath": "x"}],
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP",
                                          "httpHeaders": [{"name": "X", "value": ""}]},
                              "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10,
                              "successThreshold": 1, "failureThreshold": 3},
            "readinessProbe": {"tcpSocket": {"port": 80}, "terminationGracePeriodSeconds": 0},
            "startupProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "failureThreshold": 30},
            "lifecycle": {"preStop": {"sleep": {"seconds": 5}}},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
            "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}, "privileged": False,
                                "runAsUser": 0, "runAsNonRoot": False, "readOnlyRootFilesystem": True,
                                "allowPrivilegeEscalation": False, "seccompProfile": {"type": "RuntimeDefault"}},
            "stdin": True, "tty": True,
        }],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 0, "activeDeadlineSeconds": 600,
        "dnsPolicy": "ClusterFirst", "nodeSelector": {"kubernetes.io/os": "linux"},
        "serviceAccountName": "default", "serviceAccount": "default", "automountServiceAccountToken": False,
        "nodeName": "k8s-worker-1", "hostNetwork": True,
        "securityContext": {"runAsUser": 1000, "runAsGroup": 3000, "fsGroup": 2000,
                            "supplementalGroups": [4000, 5000], "sysctls": [{"name": "net.core.somaxconn",
                                                                            "value": "1024"}]},
        "imagePullSecrets": [{"name": "regcred"}, {}], "hostname": "web", "subdomain": "web",
        "affinity": {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}]}},
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "web"}},
                                                     "topologyKey": "kubernetes.io/hostname"}}]},
        },
        "schedulerName": "default-scheduler",
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                         "tolerationSeconds": 300}, {"operator": "Exists"}],
        "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["db"]}],
        "priorityClassName": "high", "priority": -5, "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority", "overhead": {"cpu": "10m"},
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                       "labelSelector": {"matchExpressions": [
                                           {"key": "app", "operator": "Exists"}]}}],
        "readinessGates": [{"conditionType": "example.com/ready"}],
    },
    "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": T0},
                       {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                        "lastTransitionTime": T1, "observedGeneration": 3}],
        "hostIP": "192.168.1.11", "hostIPs": [{"ip": "192.168.1.11"}],
        "podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}, {"ip": "fd00::7"}], "startTime": T0,
        "containerStatuses": [{"name": "web", "state": {"running": {"startedAt": T0}},
                               "lastState": {"terminated": {"exitCode": -1, "signal": 9, "reason": "OOMKilled",
                                                            "startedAt": None, "finishedAt": T0,
                                                            "containerID": "containerd://1"}},
                               "ready": False, "restartCount": 0, "image": "nginx:1.27", "imageID": "",
                               "containerID": "containerd://2", "started": False}],
        "qosClass": "Burstable",
    },
}

NODE = {
    "kind": "Node", "apiVersion": "v1",
    "metadata": {"name": "k8s-worker-1", "labels": {"kubernetes.io/hostname": "k8s-worker-1"}},
    "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"], "unschedulable": True,
             "taints": [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": T0},
                        {"key": "gpu", "value": "true", "effect": "NoExecute"}]},
    "status": {
        "capacity": {"cpu": "4", "memory": "8141660Ki", "pods": "110"},
        "allocatable": {"cpu": "3800m", "memory": "7Gi", "pods": "110"},
        "conditions": [{"type": "Ready", "status": "True", "lastHeartbeatTime": T1, "lastTransitionTime": T0,
                        "reason": "KubeletReady", "message": "kubelet is posting ready status"}],
        "addresses": [{"type": "InternalIP", "address": "192.168.1.11"}, {"type": "Hostname",
                                                                         "address": "k8s-worker-1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {"machineID": "m", "systemUUID": "s", "bootID": "b", "kernelVersion": "6.1.0",
                     "osImage": "Debian GNU/Linux 12", "containerRuntimeVersion": "containerd://1.7.24",
                     "kubeletVersion": "v1.34.3", "kubeProxyVersion": "", "operatingSystem": "linux",
                     "architecture": "amd64"},
        "images": [{"names": ["registry.k8s.io/pause:3.10"], "sizeBytes": 320368}],
        "volumesAttached": [{"name": "kubernetes.io/csi/x", "devicePath": ""}],
    },
}

DEPLOYMENT = {
    "kind": "Deployment", "apiVersion": "apps/v1",
    "metadata": {"name": "api", "namespace": "team-a", "labels": {"app": "api"}, "creationTimestamp": T0},
    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "api"}},
             "template": {"metadata": {"labels": {"app": "api"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {}}]}},
             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
             "minReadySeconds": 5, "revisionHistoryLimit": 0, "paused": True, "progressDeadlineSeconds": 600},
    "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": 1,
               "availableReplicas": 1, "unavailableReplicas": 1, "terminatingReplicas": 0,
               "conditions": [{"type": "Available", "status": "False", "lastUpdateTime": T0,
                               "lastTransitionTime": T0, "reason": "MinimumReplicasUnavailable",
                               "message": "Deployment does not have minimum availability."}],
               "collisionCount": 0},
}

SECRET = {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s", "namespace": "default"},
          "immutable": False,
          "data": {"k": base64.b64encode(b"v").decode(), "bin": base64.b64encode(bytes(range(256))).decode(),
                   "empty": ""},
          "stringData": {"plain": "text"}, "type": "Opaque"}

CONFIGMAP = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"}, "data": {"a": "b", "z": ""},
             "binaryData": {"blob": base64.b64encode(b"\x00\xff").decode()}}

SERVICE = {
    "kind": "Service", "apiVersion": "v1", "metadata": {"name": "svc1", "labels": {"app": "svc1"}},
    "spec": {"ports": [{"name": "http", "protocol": "TCP", "appProtocol": "http", "port": 80, "targetPort": "http",
                        "nodePort": 30080}, {"protocol": "TCP", "port": 443, "targetPort": 8443}],
             "selector": {"app": "svc1"}, "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
             "type": "LoadBalancer", "externalIPs": ["1.2.3.4"], "sessionAffinity": "ClientIP",
             "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}},
             "externalTrafficPolicy": "Local", "healthCheckNodePort": 32000, "ipFamilies": ["IPv4"],
             "ipFamilyPolicy": "SingleStack", "allocateLoadBalancerNodePorts": False,
             "internalTrafficPolicy": "Cluster"},
    "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4", "ipMode": "VIP",
                                             "ports": [{"port": 80, "protocol": "TCP"}]}]}},
}

EVENT = {
    "kind": "Event", "apiVersion": "v1",
    "metadata": {"name": "web.1", "namespace": "default"},
    "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "u", "apiVersion": "v1",
                       "fieldPath": "spec.containers{web}"},
    "reason": "Pulled", "message": "pulled", "source": {"component": "kubelet", "host": "k8s-worker-1"},
    "firstTimestamp": T0, "lastTimestamp": None, "count": 2, "type": "Normal",
    "eventTime": "2026-01-01T00:00:00.123456Z",
    "series": {"count": 3, "lastObservedTime": "2026-01-01T00:00:01.000001Z"},
    "reportingComponent": "", "reportingInstance": "",
}

LEASE = {"kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
         "metadata": {"name": "k8s-worker-1", "namespace": "kube-node-lease"},
         "spec": {"holderIdentity": "k8s-worker-1", "leaseDurationSeconds": 40,
                  "renewTime": "2026-01-01T00:00:00.500000Z", "leaseTransitions": 0}}

JOB = {
    "kind": "Job", "apiVersion": "batch/v1", "metadata": {"name": "j"},
    "spec": {"parallelism": 0, "backoffLimit": 0, "suspend": False, "ttlSecondsAfterFinished": 0,
             "podFailurePolicy": {"rules": [
                 {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [1, 42, -3]}},
                 {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]},
             "template": {"metadata": {}, "spec": {
                 "containers": [{"name": "j", "image": "busybox", "command": ["echo", "hi"], "resources": {}}],
                 "restartPolicy": "Never"}}},
    "status": {"active": 1, "uncountedTerminatedPods": {"succeeded": ["u1"]}},
}

CRONJOB = {
    "kind": "CronJob", "apiVersion": "batch/v1", "metadata": {"name": "c"},
    "spec": {"schedule": "*/5 * * * *", "concurrencyPolicy": "Forbid", "suspend": True, "timeZone": "UTC",
             "jobTemplate": {"metadata": {"labels": {"a": "b"}}, "spec": {"template": {"metadata": {}, "spec": {
                 "containers": [{"name": "c", "image": "busybox", "resources": {}}],
                 "restartPolicy": "OnFailure"}}}},
             "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1},
    "status": {"active": [{"kind": "Job", "name": "c-1"}], "lastScheduleTime": T0},
}

STATEFULSET = {
    "kind": "StatefulSet", "apiVersion": "apps/v1", "metadata": {"name": "db"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "db"}},
             "template": {"metadata": {"labels": {"app": "db"}},
                          "spec": {"containers": [{"name": "db", "image": "postgres", "resources": {}}]}},
             "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                       "spec": {"accessModes": ["ReadWriteOnce"],
                                                "resources": {"requests": {"storage": "10Gi"}},
                                                "storageClassName": "", "volumeMode": "Filesystem"},
                                       "status": {"phase": "Pending"}}],
             "serviceName": "db", "podManagementPolicy": "Parallel",
             "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
             "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Delete"},
             "ordinals": {"start": 0}},
    "status": {"replicas": 3, "availableReplicas": 3},
}

DAEMONSET = {
    "kind": "DaemonSet", "apiVersion": "apps/v1", "metadata": {"name": "kube-proxy", "namespace": "kube-system"},
    "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
             "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}},
                          "spec": {"containers": [{"name": "kube-proxy", "image": "kube-proxy", "resources": {}}],
                                   "hostNetwork": True}},
             "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
             "revisionHistoryLimit": 10},
    "status": {"currentNumberScheduled": 3, "numberMisscheduled": 0, "desiredNumberScheduled": 3,
               "numberReady": 3},
}

REPLICASET = {
    "kind": "ReplicaSet", "apiVersion": "apps/v1",
    "metadata": {"name": "web-6b4", "annotations": {"deployment.kubernetes.io/revision": "2"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "u",
                                      "controller": True}]},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx", "resources": {}}]}}},
    "status": {"replicas": 2, "fullyLabeledReplicas": 2},
}

REVISION = {"kind": "ControllerRevision", "apiVersion": "apps/v1", "metadata": {"name": "web-1"},
            "data": {"spec": {"template": {"$patch": "replace", "spec": {"containers": [{"name": "a"}]}}}},
            "revision": 1}

PDB = {"kind": "PodDisruptionBudget", "apiVersion": "policy/v1", "metadata": {"name": "api"},
       "spec": {"maxUnavailable": "50%", "selector": {"matchLabels": {"app": "api"}},
                "unhealthyPodEvictionPolicy": "AlwaysAllow"},
       "status": {"observedGeneration": 1, "disruptedPods": {"web-1": T0}, "disruptionsAllowed": 0,
                  "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 2,
                  "conditions": [{"type": "DisruptionAllowed", "status": "False", "observedGeneration": 1,
                                  "lastTransitionTime": T0, "reason": "InsufficientPods", "message": ""}]}}

EVICTION = {"kind": "Eviction", "apiVersion": "policy/v1", "metadata": {"name": "web", "namespace": "default"},
            "deleteOptions": {"gracePeriodSeconds": 0, "preconditions": {"uid": "u", "resourceVersion": ""},
                              "propagationPolicy": "Background", "dryRun": ["All"]}}

SCALE = {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "api", "namespace": "default"},
         "spec": {}, "status": {"replicas": 0, "selector": "app=api"}}

DELETE_OPTIONS = {"kind": "DeleteOptions", "apiVersion": "apps/v1", "gracePeriodSeconds": 30,
                  "orphanDependents": False, "dryRun": ["All"]}

BINDING = {"kind": "Binding", "apiVersion": "v1", "metadata": {"name": "web", "namespace": "default"},
           "target": {"kind": "Node", "name": "k8s-worker-1"}}

SSAR = {"kind": "SelfSubjectAccessReview", "apiVersion": "authorization.k8s.io/v1", "metadata": {},
        "spec": {"resourceAttributes": {"namespace": "default", "verb": "list", "group": "apps",
                                        "resource": "deployments", "subresource": "scale",
                                        "fieldSelector": {"rawSelector": "metadata.name=x"}}},
        "status": {"allowed": False}}

SSRR = {"kind": "SelfSubjectRulesReview", "apiVersion": "authorization.k8s.io/v1", "metadata": {},
        "spec": {"namespace": "default"},
        "status": {"resourceRules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}],
                   "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
                   "incomplete": True, "evaluationError": "x"}}

STATUS = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "nope",
          "reason": "Invalid", "code": 422,
          "details": {"name": "x", "kind": "pods",
                      "causes": [{"reason": "FieldValueInvalid", "message": "bad", "field": "spec"}]}}

NAMESPACE = {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "team-a"},
             "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}

SERVICEACCOUNT = {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "sa1"},
                  "secrets": [{"name": "sa1-token"}], "automountServiceAccountToken": False}

HPA = {"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v1", "metadata": {"name": "api"},
       "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "api", "apiVersion": "apps/v1"},
                "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 80},
       "status": {"currentReplicas": 1, "desiredReplicas": 1}}

SAMPLES = {o["kind"]: o for o in (POD, NODE, DEPLOYMENT, SECRET, CONFIGMAP, SERVICE, EVENT, LEASE, JOB, CRONJOB,
                                  STATEFULSET, DAEMONSET, REPLICASET, REVISION, PDB, EVICTION, SCALE,
                                  DELETE_OPTIONS, BINDING, SSAR, SSRR, STATUS, NAMESPACE, SERVICEACCOUNT, HPA)}


# ---- the decoder against the encoder --------------------------------------------------------------

@pytest.mark.parametrize("packed", [False, True], ids=["unpacked", "packed"])
@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_round_trip(kind: str, packed: bool) -> None:
    obj = SAMPLES[kind]
    assert decode_object(encode_object(obj, packed)) == obj


def test_every_registered_kind_has_a_sample_and_the_schema_is_closed() -> None:
    registered = {k for kinds in protobuf.KINDS.values() for k in kinds} | set(protobuf.META_KINDS)
    assert registered == set(SAMPLES)
    for name, fields in SCHEMA.items():
        for num, f in fields.items():
            assert f.kind in ("string", "bool", "int32", "int64", "bytes", "message"), (name, num)
            if f.kind == "message":
                assert f.message in SCHEMA or f.message in protobuf._SPECIAL, (name, f)
            assert not (f.inline and (f.pointer or f.repeated or f.map)), (name, f)


def test_json_names_agree_with_the_official_client() -> None:
    """Each JSON name is exactly the official client's attribute_map name: catches podIp for podIP."""
    import kubernetes.client as kc

    checked = 0
    for name, fields in SCHEMA.items():
        cls = getattr(kc, "V1" + name.split(".", 1)[1], None) or getattr(kc, "CoreV1" + name.split(".", 1)[1], None)
        if cls is None:
            continue
        official = {v.lower(): v for v in cls.attribute_map.values()}
        for f in fields.values():
            if f.inline:
                continue
            if f.json.lower() in official:
                assert f.json == official[f.json.lower()], (name, f.json)
                checked += 1
    assert checked > 900
    specials = {("core.PodStatus", "podIP"), ("core.PodStatus", "podIPs"), ("core.PodStatus", "hostIPs"),
                ("core.ServiceSpec", "externalIPs"), ("core.ServiceSpec", "clusterIP"),
                ("core.ServiceSpec", "clusterIPs"), ("authorization.NonResourceRule", "nonResourceURLs"),
                ("autoscaling.HorizontalPodAutoscalerSpec", "targetCPUUtilizationPercentage"),
                ("core.DaemonEndpoint", "Port"), ("core.ContainerPort", "hostIP"),
                ("core.ObjectFieldSelector", "apiVersion"), ("core.AWSElasticBlockStoreVolumeSource", "volumeID"),
                ("core.ISCSIVolumeSource", "targetPortal"), ("core.FCVolumeSource", "targetWWNs"),
                ("core.AzureDiskVolumeSource", "diskURI"), ("core.PodSpec", "hostPID"),
                ("core.PodSpec", "hostIPC"), ("core.ScaleIOVolumeSource", "sslEnabled")}
    names = {(m, f.json) for m, fs in SCHEMA.items() for f in fs.values()}
    assert specials <= names


def test_go_marshal_zero_values_follow_json_omitempty() -> None:
    # Go writes every non-pointer field: zero omitempty scalars vanish, zero pointers stay
    dep = decode_object(encode_object({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {},
                                       "spec": {"replicas": 0, "template": {}}}))
    assert dep["spec"]["replicas"] == 0
    assert "paused" not in dep["spec"] and "minReadySeconds" not in dep["spec"]
    assert dep["spec"]["selector"] is None  # *LabelSelector `json:"selector"`: nil prints null
    assert dep["metadata"] == {}  # creationTimestamp is omitzero since 1.35
    assert dep["spec"]["template"] == {"metadata": {}, "spec": {"containers": None}}
    assert dep["spec"]["strategy"] == {} and dep["status"] == {}


def test_unknown_fields_of_every_wire_type_are_skipped() -> None:
    raw = encode_message("core.ConfigMap", CONFIGMAP)
    extra = (_key(99, 0) + _varint(300) + _key(100, 1) + b"\x01" * 8 + _len(101, b"\xff\xfe")
             + _key(102, 5) + b"\x02" * 4)
    assert decode_object(envelope("v1", "ConfigMap", extra + raw + extra)) == CONFIGMAP


def test_repeated_message_occurrences_merge_and_scalars_last_wins() -> None:
    raw = (_len(1, _len(1, b"a") + _len(11, _len(1, b"x") + _len(2, b"1")))
           + _len(1, _len(3, b"ns") + _len(11, _len(1, b"x") + _len(2, b"2")) + _len(1, b"b")))
    obj = decode_object(envelope("v1", "ConfigMap", raw))
    assert obj["metadata"] == {"name": "b", "namespace": "ns", "labels": {"x": "2"}}


def test_map_entries_with_missing_key_or_value() -> None:
    raw = _len(2, _len(1, b"k")) + _len(2, _len(2, b"v")) + _len(3, _len(1, b"b"))
    obj = decode_object(envelope("v1", "ConfigMap", raw))
    assert obj["data"] == {"k": "", "": "v"} and obj["binaryData"] == {"b": ""}


def test_negative_ints_and_int32_truncation() -> None:
    spec = _key(5, 0) + _varint(-7) + _key(1, 0) + _varint((1 << 32) + 3)
    obj = decode_object(envelope("apps/v1", "Deployment", _len(2, spec)))
    assert obj["spec"]["minReadySeconds"] == -7 and obj["spec"]["replicas"] == 3


def test_special_types() -> None:
    # RawExtension holding a protobuf object, a zero Time in a pointer, a Time at 1970 and 0001
    inner = encode_object(CONFIGMAP)
    rev = decode_object(envelope("apps/v1", "ControllerRevision", _len(2, _len(1, inner))))
    assert rev["data"] == CONFIGMAP and rev["revision"] == 0
    meta = _len(9, b"") + _len(8, _key(1, 0) + _varint(0))
    assert decode_object(envelope("v1", "Namespace", _len(1, meta)))["metadata"] == {
        "creationTimestamp": "1970-01-01T00:00:00Z", "deletionTimestamp": None}
    zero = _len(8, _key(1, 0) + _varint(-62135596800))
    assert decode_object(envelope("v1", "Namespace", _len(1, zero)))["metadata"] == {}
    before = _len(8, _key(1, 0) + _varint(-86400) + _key(2, 0) + _varint(999_999_999))
    assert decode_object(envelope("v1", "Namespace", _len(1, before)))["metadata"] == {
        "creationTimestamp": "1969-12-31T00:00:00Z"}
    # the zero Quantity and the zero IntOrString, as non-pointer structs
    q = _len(1, _len(1, b"cpu") + _len(2, b""))
    assert decode_object(envelope("v1", "Node", _len(3, q)))["status"]["capacity"] == {"cpu": "0"}
    port = _len(1, _key(3, 0) + _varint(80))
    assert decode_object(envelope("v1", "Service", _len(2, port)))["spec"]["ports"] == [
        {"port": 80, "targetPort": 0}]


def test_go_duration() -> None:
    cases = {0: "0s", 1: "1ns", 1500: "1.5µs", 2_000_000: "2ms", 1_500_000_000: "1.5s", 90 * 10**9: "1m30s",
             3600 * 10**9: "1h0m0s", 3661 * 10**9 + 1: "1h1m1.000000001s", -5 * 10**9: "-5s"}
    for ns, text in cases.items():
        assert go_duration(ns) == text
    dur = _key(1, 0) + _varint(90 * 10**9)
    assert protobuf._decode("meta.Duration", dur, 0, len(dur)) == "1m30s"


@pytest.mark.parametrize("body, message", [
    (b"", "does not appear to be a protobuf"),
    (b'{"kind":"Pod"}', "does not appear to be a protobuf"),
    (MAGIC, "'Kind' is missing"),
    (MAGIC + _len(1, _len(2, b"Pod")), "'apiVersion' is missing"),
    (envelope("v1", "Widget", b""), 'no kind "Widget" is registered for version "v1"'),
    (envelope("v2", "Pod", b""), 'no kind "Pod" is registered for version "v2"'),
    (envelope("v1", "Pod", b"\x0a"), "unexpected EOF"),
    (envelope("v1", "Pod", b"\x0a\x05ab"), "unexpected EOF"),
    (envelope("v1", "Pod", b"\x08" + b"\xff" * 11), "integer overflow"),
    (envelope("v1", "Pod", b"\x08\x01"), "wrong wireType"),
    (envelope("v1", "Pod", b"\x0b"), "illegal wire type 3"),
    (envelope("v1", "Pod", b"\x00\x00"), "illegal tag 0"),
    (envelope("v1", "Service", _len(2, _len(1, _len(4, _key(1, 0) + _varint(7))))), "impossible IntOrString"),
    (envelope("v1", "Node", _len(3, _len(1, _len(1, b"cpu") + _len(2, _len(1, b""))))), "quantities must"),
    (envelope("v1", "Pod", _len(1, _len(17, _len(7, _len(1, b"{nope"))))), "fieldsV1 is not valid JSON"),
])
def test_malformed_bodies(body: bytes, message: str) -> None:
    with pytest.raises(ProtobufError, match=message.replace("(", r"\(")):
        decode_object(body)


def test_truncated_and_corrupted_bodies_only_raise_protobuf_error() -> None:
    body = encode_object(POD)
    for end in range(len(MAGIC), len(body)):
        try:
            decode_object(body[:end])
        except ProtobufError:
            pass
    rnd = random.Random(7)
    for _ in range(300):
        b = bytearray(body)
        for _ in range(3):
            b[rnd.randrange(len(MAGIC), len(b))] = rnd.randrange(256)
        try:
            assert isinstance(decode_object(bytes(b)), dict)
        except ProtobufError:
            pass


def test_decoding_a_pod_is_fast() -> None:
    small = copy.deepcopy(DEPLOYMENT)["spec"]["template"]
    pod = encode_object({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"}, **small})
    full = encode_object(POD)
    for body, budget in ((pod, 0.0005), (full, 0.002)):
        best = min(_timed(body) for _ in range(5))
        assert best < budget, best


def _timed(body: bytes, n: int = 50) -> float:
    start = time.perf_counter()
    for _ in range(n):
        decode_object(body)
    return (time.perf_counter() - start) / n


# ---- the real kubectl ------------------------------------------------------------------------------

@pytest.fixture
def decoded(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Every body the simulated apiserver decodes from protobuf, in order."""
    seen: list[dict] = []
    real = protobuf.decode_object

    def record(body: bytes) -> dict:
        obj = real(body)
        seen.append(copy.deepcopy(obj))
        return obj

    monkeypatch.setattr(protobuf, "decode_object", record)
    return seen


def test_kubectl_create_deployment_sends_protobuf(kubectl, make_sim, decoded) -> None:
    sim = make_sim("empty")
    r = run_kubectl(kubectl, sim, "create", "deployment", "api", "--image=nginx:1.27", "--replicas=2", "-v=8")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "deployment.apps/api created"
    post = r.stderr[r.stderr.index('verb="POST"'):]
    assert "/apis/apps/v1/namespaces/default/deployments" in post.splitlines()[0]
    assert "Content-Type: application/vnd.kubernetes.protobuf" in post[:post.index("Response")]
    assert [d["kind"] for d in decoded] == ["Deployment"]
    dep = sim.call(lambda: sim.cluster.store.get("deployments", "default", "api"))
    assert dep["spec"]["replicas"] == 2
    assert dep["spec"]["selector"] == {"matchLabels": {"app": "api"}}
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


CREATE = {
    "deployment": (["deployment", "api", "--image=nginx:1.27", "--replicas=2"], "deployment.apps/api"),
    "pdb": (["pdb", "api", "--selector=app=api", "--min-available=1"], "poddisruptionbudget.policy/api"),
    "configmap": (["configmap", "x", "--from-literal=a=b"], "configmap/x"),
    "secret": (["secret", "generic", "s", "--from-literal=k=v"], "secret/s"),
    "namespace": (["namespace", "team-a"], "namespace/team-a"),
    "job": (["job", "j", "--image=busybox", "--", "echo", "hi"], "job.batch/j"),
    "serviceaccount": (["serviceaccount", "sa1"], "serviceaccount/sa1"),
    "service": (["service", "clusterip", "svc1", "--tcp=80:8080"], "service/svc1"),
}


@pytest.mark.parametrize("what", sorted(CREATE))
def test_kubectl_create_bodies_decode_to_kubectls_own_json(kubectl, make_sim, decoded, what: str) -> None:
    """What the server decodes is exactly what kubectl prints for the object it would send."""
    args, ref = CREATE[what]
    sim = make_sim("empty")
    cut = args.index("--") if "--" in args else len(args)
    dry = run_kubectl(kubectl, sim, "create", *args[:cut], "--dry-run=client", "-o", "json", *args[cut:])
    assert dry.returncode == 0, dry.stderr
    assert decoded == []
    r = run_kubectl(kubectl, sim, "create", *args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"{ref} created"
    assert decoded == [json.loads(dry.stdout)]
    obj = decoded[0]
    plural = {"pdb": "poddisruptionbudgets"}.get(what, what + "s")
    ns = "" if what == "namespace" else "default"
    stored = sim.call(lambda: sim.cluster.store.get(plural, ns, obj["metadata"]["name"]))
    assert stored["metadata"]["name"] == obj["metadata"]["name"]
    if what == "secret":
        assert base64.b64decode(stored["data"]["k"]) == b"v"
    if what == "pdb":
        assert stored["spec"]["minAvailable"] == 1
        assert stored["spec"]["selector"] == {"matchLabels": {"app": "api"}}
    if what == "service":
        assert stored["spec"]["ports"][0]["port"] == 80 and stored["spec"]["ports"][0]["targetPort"] == 8080
    if what == "job":
        assert stored["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]


def test_kubectl_auth_can_i_reviews_arrive_as_protobuf(kubectl, make_sim, decoded) -> None:
    sim = make_sim("empty")
    r = run_kubectl(kubectl, sim, "auth", "can-i", "create", "deployments.apps")
    assert (r.returncode, r.stdout.strip()) == (0, "yes"), r.stderr
    r = run_kubectl(kubectl, sim, "auth", "can-i", "--list")
    assert r.returncode == 0 and "selfsubjectaccessreviews.authorization.k8s.io" in r.stdout, r.stderr
    assert [d["kind"] for d in decoded] == ["SelfSubjectAccessReview", "SelfSubjectRulesReview"]
    assert decoded[0]["spec"]["resourceAttributes"] == {"namespace": "default", "verb": "create",
                                                        "group": "apps", "resource": "deployments"}


def test_kubectl_drain_without_eviction_sends_protobuf_delete_options(kubectl, make_sim, decoded) -> None:
    sim = make_sim("seed")
    r = run_kubectl(kubectl, sim, "drain", "k8s-worker-2", "--ignore-daemonsets", "--delete-emptydir-data",
                    "--force", "--disable-eviction", "--grace-period=0", "--timeout=30s")
    assert r.returncode == 0, r.stderr
    assert "node/k8s-worker-2 drained" in r.stdout
    assert decoded and all(d == {"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}
                           for d in decoded)


def test_malformed_protobuf_body_is_a_400(make_sim) -> None:
    sim = make_sim("empty")
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    req = urllib.request.Request(
        sim.cluster.url + "/api/v1/namespaces/default/configmaps", method="POST",
        data=envelope("v1", "ConfigMap", b"\x0a\x05ab"),
        headers={"Content-Type": protobuf.CONTENT_TYPE, "Accept": "application/json",
                 "Authorization": "Bearer " + sim.cluster.user_token("kubernetes-admin")})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, context=ctx, timeout=10)
    assert err.value.code == 400
    status = json.loads(err.value.read())
    assert status["reason"] == "BadRequest" and "unexpected EOF" in status["message"]
