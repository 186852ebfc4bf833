"""A whole simulated kubeadm cluster: store, API server, controllers, kubeconfig (and hosts).

`SimCluster` runs on the caller's asyncio loop (`k8stui sim`, `k8stui demo`); `SimThread` runs
one on a background thread with its own loop, for tests and in-process demos that must not share
the UI's loop.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import os
import secrets
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

import yaml

from k8stui.errors import UserError
from k8stui.sim import podstatus
from k8stui.sim.auth import Authenticator
from k8stui.sim.certs import make_pki
from k8stui.sim.errors import ApiError
from k8stui.sim.resources import resource_for
from k8stui.sim.scenario import (
    COREDNS,
    Scenario,
    api_endpoint,
    cluster_configuration,
    cluster_info_kubeconfig,
    control_plane_pod,
    load_scenario,
    node_conditions,
    node_object,
)
from k8stui.sim.server import ApiServer
from k8stui.sim.store import Store, now_rfc3339

CONTROL_PLANE_COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")


class SimCluster:
    def __init__(self, scenario: Scenario, workdir: Path, host: str = "127.0.0.1", port: int = 0,
                 speed: float = 1.0, kubeconfig_path: Path | None = None,
                 inventory_path: Path | None = None, fail_once: list[tuple[str, str]] | None = None,
                 with_hosts: bool = False):
        self.scenario = scenario
        self.workdir = Path(workdir)
        self.host = host
        self.port = port
        self.speed = speed
        self.kubeconfig_path = Path(kubeconfig_path) if kubeconfig_path else self.workdir / "kubeconfig"
        self.inventory_path = Path(inventory_path) if inventory_path else None
        self.fail_once = fail_once or []
        self.with_hosts = with_hosts or inventory_path is not None
        self.store = Store()
        self.authn = Authenticator.with_default_users()
        self.server: ApiServer | None = None
        self.controllers: Any = None
        self.hosts: Any = None
        self.pki = None
        self.url = ""
        self.started = time.time()

    # ---- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        sc = self.scenario
        endpoint_host = api_endpoint(sc).rsplit(":", 1)[0]
        self.pki = make_pki([self.host, endpoint_host] + [n.internal_ip for n in sc.control_planes])
        cert = self.workdir / "apiserver.crt"
        key = self.workdir / "apiserver.key"
        cert.write_bytes(self.pki.server_cert_pem)
        key.write_bytes(self.pki.server_key_pem)
        os.chmod(key, 0o600)
        (self.workdir / "ca.crt").write_bytes(self.pki.ca_cert_pem)
        from k8stui.sim import defaults

        self.store.defaulter = defaults.apply_defaults
        self.store.validator = defaults.validate
        defaults.set_store(self.store)
        self.load()
        self.server = ApiServer(self.store, self.authn, self.version_info(), health=self.health_checks,
                                bookmark_interval=max(0.2, 5.0 * min(self.speed, 1.0)))
        try:
            self.port = await self.server.start(self.host, self.port, str(cert), str(key))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise UserError(f"cannot listen on {self.host}:{self.port}: address already in use") from None
            raise UserError(f"cannot listen on {self.host}:{self.port}: {e.strerror}") from None
        self.url = f"https://{self.host}:{self.port}"
        self.write_kubeconfig()
        from k8stui.sim.controllers import ControllerManager

        self.controllers = ControllerManager(self)
        # generated clusters have no kubelet stand-ins; their deleted pods must still go away
        self.controllers.finish_unsimulated_deletions = self.scenario.generated is not None
        await self.controllers.start()
        if self.with_hosts:
            await self.start_hosts()

    async def stop(self) -> None:
        if self.hosts is not None:
            try:
                await self.hosts.close()
            except Exception:
                pass
        if self.controllers is not None:
            await self.controllers.stop()
        if self.server is not None:
            await self.server.stop()

    async def start_hosts(self) -> None:
        from k8stui.sim.bridge import StoreBridge
        from k8stui.sim.hosts import start_sim_hosts

        nodes = [{"name": n.name, "role": n.role, "kubelet_version": n.kubelet_version,
                  "internal_ip": n.internal_ip} for n in self.scenario.nodes if n.simulated]
        self.hosts = await start_sim_hosts(nodes, self.workdir / "hosts", StoreBridge(self),
                                           fail_once=self.fail_once)
        if self.inventory_path is not None:
            self.hosts.write_inventory(self.inventory_path)

    # ---- facts ------------------------------------------------------------------------------

    def version_info(self) -> dict[str, str]:
        v = self.cluster_version()
        major, minor, _ = v.lstrip("v").split(".")
        return {"major": major, "minor": minor, "emulationMajor": major, "emulationMinor": minor,
                "minCompatibilityMajor": major, "minCompatibilityMinor": str(int(minor) - 1),
                "gitVersion": v, "gitCommit": "0" * 40, "gitTreeState": "clean",
                "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24.9", "compiler": "gc",
                "platform": "linux/amd64"}

    def cluster_version(self) -> str:
        cm = self.store.try_get("configmaps", "kube-system", "kubeadm-config")
        if cm:
            cfg = yaml.safe_load(cm["data"]["ClusterConfiguration"])
            return cfg.get("kubernetesVersion", self.scenario.kubernetes_version)
        return self.scenario.kubernetes_version

    def health_checks(self) -> list[tuple[str, bool]]:
        """etcd-readiness fails only when stacked etcd has lost quorum, as a real apiserver's does."""
        members = [n for n in self.scenario.control_planes] if not self.scenario.etcd_external else []
        if not members:
            return [("etcd-readiness", True)]
        ready = 0
        for n in members:
            pod = self.store.try_get("pods", "kube-system", f"etcd-{n.name}")
            conds = {c.get("type"): c.get("status") for c in ((pod or {}).get("status") or {}).get("conditions") or []}
            ready += conds.get("Ready") == "True"
        return [("etcd-readiness", ready >= len(members) // 2 + 1)]

    def user_token(self, user: str) -> str:
        return self.authn.token_for(user)

    # ---- kubeconfig -------------------------------------------------------------------------

    def kubeconfig(self) -> dict:
        ca = base64.b64encode(self.pki.ca_cert_pem).decode()  # type: ignore[union-attr]
        cluster = self.scenario.cluster_name
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster, "cluster": {"server": self.url, "certificate-authority-data": ca}}],
            "users": [
                {"name": "admin", "user": {"token": self.authn.token_for("kubernetes-admin")}},
                {"name": "viewer", "user": {"token": self.authn.token_for("viewer")}},
            ],
            "contexts": [
                {"name": "admin", "context": {"cluster": cluster, "user": "admin"}},
                {"name": "viewer", "context": {"cluster": cluster, "user": "viewer"}},
            ],
            "current-context": "admin",
            "preferences": {},
        }

    def write_kubeconfig(self) -> None:
        self.kubeconfig_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.kubeconfig_path.with_suffix(".tmp")
        tmp.write_text(yaml.safe_dump(self.kubeconfig(), sort_keys=False))
        os.chmod(tmp, 0o600)
        tmp.replace(self.kubeconfig_path)

    # ---- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        """Create everything the scenario and kubeadm's layout say exists."""
        sc = self.scenario
        st = self.store
        born = time.time() - sc.age_days * 86400
        ts = now_rfc3339(born)
        for ns in ("default", "kube-node-lease", "kube-public", "kube-system"):
            st.seed("namespaces", {"metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                                   "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}, born)
        if sc.generated:
            from k8stui.sim.generate import expand_nodes

            expand_nodes(sc)
        for i, n in enumerate(sc.nodes):
            node = node_object(n, i)
            node["status"]["conditions"] = node_conditions(n.ready, ts)
            st.seed("nodes", node, born)
            st.seed("leases", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                               "metadata": {"name": n.name, "namespace": "kube-node-lease"},
                               "spec": {"holderIdentity": n.name, "leaseDurationSeconds": 40,
                                        "renewTime": now_rfc3339().replace("Z", ".000000Z")}}, born)
        self._load_kubeadm_layout(born)
        for i, obj in enumerate(sc.objects):
            res = resource_for(obj.get("apiVersion", ""), obj.get("kind", ""))
            if res is None:
                raise UserError(f"{sc.source}: objects[{i}]: unsupported kind "
                                f"{obj.get('apiVersion')}/{obj.get('kind')}")
            try:
                created = st.seed(res.plural, obj, born + 3600)
            except ApiError as e:
                raise UserError(f"{sc.source}: objects[{i}]: {e.message}") from None
            if res.plural == "pods" and obj.get("status"):
                # a pod manifest with a status is loaded as written (e.g. a completed Job pod)
                st.mutate("pods", created["metadata"]["namespace"], created["metadata"]["name"],
                          lambda o, s=obj["status"]: o.__setitem__("status", s), subresource="status")
        if sc.generated:
            from k8stui.sim.generate import generate_workloads

            generate_workloads(self, born)

    def _load_kubeadm_layout(self, born: float) -> None:
        sc = self.scenario
        st = self.store
        ts = now_rfc3339(born)
        version = sc.kubernetes_version
        st.seed("configmaps", {"metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
                               "data": {"ClusterConfiguration": cluster_configuration(sc)}}, born)
        st.seed("configmaps", {"metadata": {"name": "kubelet-config", "namespace": "kube-system"},
                               "data": {"kubelet": "apiVersion: kubelet.config.k8s.io/v1beta1\n"
                                                   "kind: KubeletConfiguration\ncgroupDriver: systemd\n"}}, born)
        st.seed("configmaps", {"metadata": {"name": "cluster-info", "namespace": "kube-public"},
                               "data": {"kubeconfig": cluster_info_kubeconfig(sc, self.pki.ca_cert_pem)}},
                born)  # type: ignore[union-attr]
        st.seed("configmaps", {"metadata": {"name": "kube-root-ca.crt", "namespace": "kube-system"},
                               "data": {"ca.crt": self.pki.ca_cert_pem.decode()}}, born)  # type: ignore[union-attr]
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            st.seed("serviceaccounts", {"metadata": {"name": "default", "namespace": ns}}, born)
        st.seed("services", {"metadata": {"name": "kubernetes", "namespace": "default",
                                          "labels": {"component": "apiserver", "provider": "kubernetes"}},
                             "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                                      "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                                 "targetPort": 6443}]}}, born)
        st.seed("services", {"metadata": {"name": "kube-dns", "namespace": "kube-system",
                                          "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"}},
                             "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                                      "selector": {"k8s-app": "kube-dns"},
                                      "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                                                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                                                {"name": "metrics", "port": 9153, "protocol": "TCP",
                                                 "targetPort": 9153}]}}, born)
        # the token `kubeadm init` printed; it has long expired on a 30-day-old cluster, so the
        # one present is a fresh one made for a join, a day's TTL
        self.create_bootstrap_token(24 * 3600, "The default bootstrap token generated by 'kubeadm init'.",
                                    ["signing", "authentication"],
                                    ["system:bootstrappers:kubeadm:default-node-token"])
        for n in sc.control_planes:
            for comp in CONTROL_PLANE_COMPONENTS:
                if comp == "etcd" and sc.etcd_external:
                    continue
                pod = control_plane_pod(comp, n, version, sc.minor)
                node = st.get("nodes", "", n.name)
                pod["metadata"]["ownerReferences"][0]["uid"] = node["metadata"]["uid"]
                created = st.seed("pods", pod, born)
                ready = n.ready and (comp != "etcd" or n.etcd_ready)
                status = podstatus.running(created, ts, n.internal_ip, n.internal_ip, ready=ready)
                st.mutate("pods", "kube-system", created["metadata"]["name"],
                          lambda o, s=status: o.__setitem__("status", s), subresource="status")
        minor = sc.minor
        st.seed("configmaps", {"metadata": {"name": "kube-proxy", "namespace": "kube-system",
                                            "labels": {"app": "kube-proxy"}},
                               "data": {"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
                                                       "kind: KubeProxyConfiguration\nmode: \"\"\n"}}, born)
        st.seed("daemonsets", {
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"k8s-app": "kube-proxy"}},
            "spec": {"selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
                     "template": {"metadata": {"labels": {"k8s-app": "kube-proxy"}},
                                  "spec": {"containers": [{"name": "kube-proxy",
                                                           "image": f"registry.k8s.io/kube-proxy:{version}"}],
                                           "hostNetwork": True, "priorityClassName": "system-node-critical",
                                           "nodeSelector": {"kubernetes.io/os": "linux"},
                                           "tolerations": [{"operator": "Exists"}]}}}}, born)
        st.seed("deployments", {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
                     "template": {"metadata": {"labels": {"k8s-app": "kube-dns"}},
                                  "spec": {"containers": [{
                                      "name": "coredns", "image": f"registry.k8s.io/coredns/coredns:{COREDNS.get(minor, 'v1.12.1')}",
                                      "resources": {"limits": {"memory": "170Mi"},
                                                    "requests": {"cpu": "100m", "memory": "70Mi"}}}],
                                      "priorityClassName": "system-cluster-critical",
                                      "nodeSelector": {"kubernetes.io/os": "linux"},
                                      "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                                      {"key": "node-role.kubernetes.io/control-plane",
                                                       "effect": "NoSchedule"}]}}}}, born)

    # ---- operations the simulated hosts and controllers share --------------------------------

    def create_bootstrap_token(self, ttl_seconds: int, description: str, usages: list[str],
                               groups: list[str], token: str | None = None) -> str:
        import re

        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        if token is None:
            tid = "".join(secrets.choice(alphabet) for _ in range(6))
            tsecret = "".join(secrets.choice(alphabet) for _ in range(16))
        else:
            if not re.match(r"^[a-z0-9]{6}\.[a-z0-9]{16}$", token):
                raise ValueError(f'the bootstrap token "{token}" was not of the form "[a-z0-9]{{6}}.[a-z0-9]{{16}}"')
            tid, tsecret = token.split(".")
        data = {"token-id": tid, "token-secret": tsecret}
        if description:
            data["description"] = description
        if ttl_seconds > 0:
            data["expiration"] = now_rfc3339(time.time() + ttl_seconds)
        for u in usages:
            data[f"usage-bootstrap-{u}"] = "true"
        if groups:
            data["auth-extra-groups"] = ",".join(groups)
        self.store.create("secrets", {
            "metadata": {"name": f"bootstrap-token-{tid}", "namespace": "kube-system"},
            "type": "bootstrap.kubernetes.io/token",
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        })
        return f"{tid}.{tsecret}"


class SimThread:
    """A SimCluster on its own thread and event loop (tests, in-process demo)."""

    def __init__(self, scenario: Scenario | str, workdir: Path, **kwargs: Any):
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        self.loop = asyncio.new_event_loop()
        self.cluster = SimCluster(scenario, workdir, **kwargs)
        self._thread = threading.Thread(target=self._run, name="k8stui-sim", daemon=True)
        self._started: Future = Future()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def boot() -> None:
            try:
                await self.cluster.start()
                self._started.set_result(True)
            except BaseException as e:  # report start failures to the starting thread
                self._started.set_exception(e)

        self.loop.create_task(boot())
        self.loop.run_forever()

    def start(self, timeout: float = 120) -> "SimThread":
        self._thread.start()
        self._started.result(timeout)
        return self

    def call(self, fn: Callable[[], Any], timeout: float = 30) -> Any:
        """Run fn on the cluster's loop (coroutine functions are awaited) and return its result."""

        async def run() -> Any:
            out = fn()
            if asyncio.iscoroutine(out):
                out = await out
            return out

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    async def acall(self, fn: Callable[[], Any], timeout: float = 30) -> Any:
        """`call` for async tests: awaits without blocking the caller's loop."""

        async def run() -> Any:
            out = fn()
            if asyncio.iscoroutine(out):
                out = await out
            return out

        fut = asyncio.run_coroutine_threadsafe(run(), self.loop)
        return await asyncio.wait_for(asyncio.wrap_future(fut), timeout)

    def stop(self) -> None:
        if not self.loop.is_running():
            return
        try:
            asyncio.run_coroutine_threadsafe(self.cluster.stop(), self.loop).result(30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

    @property
    def kubeconfig_path(self) -> Path:
        return self.cluster.kubeconfig_path
