"""How long `k8stui drain` takes against `kubectl drain` (1.35) on a node with 100 evictable pods.

    python benchmarks/drain.py [--runs 3] [--kubectl PATH] [--speed 0.02]

Each run starts a fresh simulated cluster from `k8stui/sim/scenarios/drainbench.yaml` (bench-1
carries 100 evictable pods: a Deployment's, emptyDir ones, unmanaged ones) and drains bench-1 once
with k8stui and, on an identical fresh cluster, once with kubectl:

    drain bench-1 --ignore-daemonsets --delete-emptydir-data --force --grace-period=0

Each time is the wall clock of the whole command, process start-up included. Both drains must
succeed and leave only the DaemonSet pods on bench-1. Prints the medians as one line:
k8stui_s=.. kubectl_s=.. ratio=.. (ratio = k8stui / kubectl; below 1 means k8stui is faster).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "k8stui" / "sim" / "scenarios" / "drainbench.yaml"
NODE = "bench-1"
FLAGS = ["--ignore-daemonsets", "--delete-emptydir-data", "--force", "--grace-period=0"]
EXPECTED_PODS = 100


def find_kubectl(explicit: str | None) -> Path:
    for cand in (explicit, os.environ.get("K8STUI_KUBECTL"),
                 Path(os.environ.get("K8STUI_TEST_CACHE", Path.home() / ".cache" / "k8stui-tests")) / "kubectl-v1.35"):
        if cand and Path(cand).exists():
            return Path(cand)
    sys.exit("kubectl 1.35 not found: pass --kubectl PATH, set K8STUI_KUBECTL, or run the tests once "
             "(they cache it under ~/.cache/k8stui-tests)")


def settled(sim) -> bool:
    def check() -> bool:
        store = sim.cluster.store
        pods = [p for p in store.objects("pods") if p["spec"].get("nodeName") == NODE]
        running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
        evictable = [p for p in running if not any(r.get("kind") == "DaemonSet"
                                                   for r in p["metadata"].get("ownerReferences") or [])]
        return len(evictable) == EXPECTED_PODS and len(running) == len(pods)

    return bool(sim.call(check))


def drain_once(tool: str, kubectl: Path, speed: float) -> float:
    from k8stui.sim.cluster import SimThread

    with tempfile.TemporaryDirectory(prefix="k8stui-drainbench-") as tmp:
        sim = SimThread(str(SCENARIO), Path(tmp) / "sim", port=0, speed=speed).start()
        try:
            deadline = time.monotonic() + 60
            while not settled(sim):
                if time.monotonic() > deadline:
                    sys.exit("the drainbench cluster did not settle within 60 s")
                time.sleep(0.05)
            env = dict(os.environ, KUBECONFIG=str(sim.kubeconfig_path), HOME=tmp,
                       XDG_STATE_HOME=str(Path(tmp) / "state"), XDG_CONFIG_HOME=str(Path(tmp) / "config"))
            if tool == "kubectl":
                cmd = [str(kubectl), "--context", "admin", "drain", NODE, *FLAGS]
            else:
                cmd = [sys.executable, "-m", "k8stui", "drain", NODE, *FLAGS, "--context", "admin"]
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
            elapsed = time.perf_counter() - t0
            if r.returncode != 0:
                sys.exit(f"{tool} drain failed ({r.returncode}):\n{r.stdout}{r.stderr}")
            evicted = r.stdout.count(" evicted\n")
            left = sim.call(lambda: [p for p in sim.cluster.store.objects("pods")
                                     if p["spec"].get("nodeName") == NODE and not any(
                                         o.get("kind") == "DaemonSet" for o in p["metadata"].get("ownerReferences") or [])])
            if evicted != EXPECTED_PODS or left:
                sys.exit(f"{tool}: {evicted} pods reported evicted, {len(left)} non-DaemonSet pods left on {NODE}")
            return elapsed
        finally:
            sim.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1, help="drains per tool; the medians are printed")
    ap.add_argument("--kubectl", help="the kubectl 1.35 binary (default: $K8STUI_KUBECTL or the tests' cache)")
    ap.add_argument("--speed", type=float, default=0.02, help="the simulator's time scale (default 0.02)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    kubectl = find_kubectl(args.kubectl)
    ours, theirs = [], []
    for _ in range(args.runs):
        ours.append(drain_once("k8stui", kubectl, args.speed))
        theirs.append(drain_once("kubectl", kubectl, args.speed))
    k, c = statistics.median(ours), statistics.median(theirs)
    print(f"k8stui_s={k:.2f} kubectl_s={c:.2f} ratio={k / c:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
