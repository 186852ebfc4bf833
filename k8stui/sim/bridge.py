"""How the simulated hosts reach into the simulated cluster (the `ClusterBridge` of sim/hosts.py).

A real `kubeadm upgrade apply` rewrites static-pod manifests and the kubelet restarts the control
plane; a real `systemctl restart kubelet` brings the node back with the new binary. Here those host
actions become store changes with the same visible effects: mirror pod images, ClusterConfiguration
and /version move to the new version, addons follow the last control-plane node, the node's
kubeletVersion changes after a short NotReady.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from k8stui.sim.scenario import COREDNS, ETCD_IMAGES, api_endpoint
from k8stui.sim.store import now_rfc3339

if TYPE_CHECKING:
    from k8stui.sim.cluster import SimCluster

COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")
CERTS_TOKEN_DESCRIPTION = "Proxy for managing TTL for the kubeadm-certs secret"


def _minor(version: str) -> int:
    return int(version.lstrip("v").split(".")[1])


def _tag(image: str) -> str:
    return image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""


class StoreBridge:
    def __init__(self, sim: "SimCluster"):
        self.sim = sim
        self.store = sim.store

    # ---- reads ------------------------------------------------------------------------------

    def cluster_version(self) -> str:
        return self.sim.cluster_version()

    def control_plane_versions(self) -> dict[str, str]:
        out = {}
        for n in self.sim.scenario.control_planes:
            pod = self.store.try_get("pods", "kube-system", f"kube-apiserver-{n.name}")
            if pod:
                out[n.name] = _tag(pod["spec"]["containers"][0]["image"])
        return out

    def kubelet_versions(self) -> dict[str, str]:
        return {e.name: (e.obj().get("status") or {}).get("nodeInfo", {}).get("kubeletVersion", "")
                for e in self.store.entries("nodes")}

    def join_endpoint(self) -> tuple[str, list[str]]:
        certs = x509.load_pem_x509_certificates(self.sim.pki.ca_cert_pem)  # type: ignore[union-attr]
        pins = ["sha256:" + hashlib.sha256(c.public_key().public_bytes(
            Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).hexdigest() for c in certs]
        return api_endpoint(self.sim.scenario), pins

    # ---- control plane ----------------------------------------------------------------------

    async def upgrade_control_plane(self, node: str, version: str, first: bool) -> None:
        st = self.store
        ts = now_rfc3339()
        minor = _minor(version)
        for comp in COMPONENTS:
            name = f"{comp}-{node}"
            if st.entry("pods", "kube-system", name) is None:
                continue
            image = f"registry.k8s.io/etcd:{ETCD_IMAGES.get(minor, '3.6.5-0')}" if comp == "etcd" else \
                f"registry.k8s.io/{comp}:{version}"

            def move(pod: dict, image: str = image) -> None:
                pod["spec"]["containers"][0]["image"] = image
                h = hashlib.md5(f"{pod['metadata']['name']}{image}".encode()).hexdigest()
                ann = pod["metadata"].setdefault("annotations", {})
                ann["kubernetes.io/config.hash"] = h
                ann["kubernetes.io/config.mirror"] = h
                for cs in (pod.get("status") or {}).get("containerStatuses") or []:
                    cs["image"] = image
                    cs["imageID"] = image.rsplit(":", 1)[0] + "@sha256:" + hashlib.sha256(image.encode()).hexdigest()
                    cs["state"] = {"running": {"startedAt": ts}}

            st.mutate("pods", "kube-system", name, move)
        if first:
            self._set_cluster_version(version)
        cps = self.control_plane_versions()
        if cps and all(v == version for v in cps.values()):
            self._upgrade_addons(version, minor)

    def _set_cluster_version(self, version: str) -> None:
        def edit(cm: dict) -> None:
            cfg = yaml.safe_load(cm["data"]["ClusterConfiguration"])
            cfg["kubernetesVersion"] = version
            cm["data"]["ClusterConfiguration"] = yaml.safe_dump(cfg, sort_keys=True)

        self.store.mutate("configmaps", "kube-system", "kubeadm-config", edit)
        if self.sim.server is not None:
            self.sim.server.version.update(self.sim.version_info())

    def _upgrade_addons(self, version: str, minor: int) -> None:
        st = self.store

        def proxy(ds: dict) -> None:
            ds["spec"]["template"]["spec"]["containers"][0]["image"] = f"registry.k8s.io/kube-proxy:{version}"

        def dns(d: dict) -> None:
            d["spec"]["template"]["spec"]["containers"][0]["image"] = \
                f"registry.k8s.io/coredns/coredns:{COREDNS.get(minor, 'v1.12.1')}"

        if st.entry("daemonsets", "kube-system", "kube-proxy"):
            st.mutate("daemonsets", "kube-system", "kube-proxy", proxy)
        if st.entry("deployments", "kube-system", "coredns"):
            st.mutate("deployments", "kube-system", "coredns", dns)

    async def restart_kubelet(self, node: str, version: str) -> None:
        ctl = self.sim.controllers
        if ctl is not None and hasattr(ctl, "restart_kubelet"):
            await ctl.restart_kubelet(node, version)
            return

        def edit(n: dict) -> None:
            n["status"]["nodeInfo"]["kubeletVersion"] = version

        self.store.mutate("nodes", "", node, edit, subresource="status")

    # ---- tokens and certificates ------------------------------------------------------------

    async def create_bootstrap_token(self, ttl_s: int, description: str, usages: list[str],
                                     groups: list[str]) -> str:
        return self.sim.create_bootstrap_token(ttl_s, description, usages, groups)

    async def list_bootstrap_tokens(self) -> list[dict[str, Any]]:
        out = []
        for e in self.store.entries("secrets", "kube-system"):
            if e.fields.get("type") != "bootstrap.kubernetes.io/token":
                continue
            data = {k: base64.b64decode(v).decode() for k, v in (e.obj().get("data") or {}).items()}
            out.append({
                "token": f"{data.get('token-id', '')}.{data.get('token-secret', '')}",
                "description": data.get("description", ""),
                "expires": data.get("expiration"),
                "usages": sorted(k[len("usage-bootstrap-"):] for k, v in data.items()
                                 if k.startswith("usage-bootstrap-") and v == "true"),
                "groups": [g for g in data.get("auth-extra-groups", "").split(",") if g],
            })
        return out

    async def upload_certs(self) -> str:
        """`kubeadm init phase upload-certs --upload-certs`: a 2-hour token owns the Secret."""
        token = self.sim.create_bootstrap_token(2 * 3600, CERTS_TOKEN_DESCRIPTION, [], [])
        tid = token.split(".")[0]
        owner = self.store.get("secrets", "kube-system", f"bootstrap-token-{tid}")
        key = secrets.token_hex(32)
        st = self.store
        if st.entry("secrets", "kube-system", "kubeadm-certs"):
            st.delete("secrets", "kube-system", "kubeadm-certs")
        blob = base64.b64encode(secrets.token_bytes(48)).decode()
        st.create("secrets", {
            "metadata": {"name": "kubeadm-certs", "namespace": "kube-system",
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Secret", "name": owner["metadata"]["name"],
                                              "uid": owner["metadata"]["uid"], "controller": True,
                                              "blockOwnerDeletion": True}]},
            "type": "Opaque",
            "data": {n: blob for n in ("ca.crt", "ca.key", "etcd-ca.crt", "etcd-ca.key", "front-proxy-ca.crt",
                                       "front-proxy-ca.key", "sa.key", "sa.pub")},
        })
        return key
