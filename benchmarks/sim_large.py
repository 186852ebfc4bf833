"""How long the `large` simulated cluster takes to be ready, to serve a full pod list in pages of
500, and how much memory the server holds.

    python benchmarks/sim_large.py [--nodes 5000] [--pods 150000]

Prints one line: ready_s=.. list_s=.. pages=.. pods=.. server_rss_mb=.. table_page_ms=..
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def list_all(kubeconfig: Path, table: bool = False) -> tuple[float, int, int, float]:
    from kubernetes.aio import client, config

    api = await config.new_client_from_config(config_file=str(kubeconfig), context="admin")
    core = client.CoreV1Api(api)
    t0 = time.perf_counter()
    token, pages, pods = None, 0, 0
    while True:
        resp = await core.list_pod_for_all_namespaces_without_preload_content(limit=500, _continue=token)
        data = json.loads(await resp.read())
        pages += 1
        pods += len(data["items"])
        token = data["metadata"].get("continue")
        if not token:
            break
    elapsed = time.perf_counter() - t0
    # one page as a server-side Table (what `kubectl get pods` asks for)
    t1 = time.perf_counter()
    resp = await core.list_pod_for_all_namespaces_without_preload_content(
        limit=500, _headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    await resp.read()
    table_ms = (time.perf_counter() - t1) * 1000
    await api.close()
    return elapsed, pages, pods, table_ms


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=150000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = Path(tmp) / "kubeconfig"
        env = dict(os.environ, XDG_STATE_HOME=tmp)
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "k8stui", "sim", "--scenario", "large", "--port", "0",
                                 "--nodes", str(args.nodes), "--pods", str(args.pods), "--kubeconfig",
                                 str(kubeconfig)], stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            ready = time.perf_counter() - t0
            if not line.startswith("ready"):
                print(f"error: sim did not start: {line!r}", file=sys.stderr)
                return 1
            list_s, pages, pods, table_ms = asyncio.run(list_all(kubeconfig))
            print(f"ready_s={ready:.1f} list_s={list_s:.2f} pages={pages} pods={pods} "
                  f"server_rss_mb={rss_mb(proc.pid):.0f} table_page_ms={table_ms:.0f}")
        finally:
            proc.terminate()
            proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
