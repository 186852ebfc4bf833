"""Speed of the TUI's views on a big simulated cluster (not a test).

    python benchmarks/views.py --nodes 5000 --pods 150000

Starts the simulated cluster (`k8stui sim --scenario large --nodes N --pods M --port 0`, see
"The simulated cluster" below) as a subprocess, runs the app headless (`run_test(size=(200, 50))`)
on it and prints ONE line:

    first_rows_s=.. full_load_s=.. key_ms=.. rss_mb=.. events_per_s=.. [details]

- first_rows_s: from the connection made (connect() returned) to the first pod rows drawn: the
  pods screen (all namespaces) is opened before the connection, so this is the big list's first
  page on screen, not the small nodes list.
- full_load_s: from the connection made to the pod cache synced and every pod in the table's
  sorted order and drawn (sortable and filterable from then on).
- key_ms: median of `--keys` key presses (cursor moves, page downs, and filter keystrokes), each
  measured from the key event sent to the app to the first frame composed after it was handled
  (`App._display`). `press_ms` is the same keys measured around `pilot.press`, which adds
  Textual's own wait-for-idle sleeps (at least 2 x 20 ms per key) and so is not a latency.
- rss_mb: the UI process's resident memory (VmHWM, the peak, from /proc/self/status).
- events_per_s: the burst's pod watch events applied per second by the UI (first to last), while
  the simulator updates `--burst-rate` pods per second for `--burst-seconds`; `burst_sent_per_s`
  is the rate the simulator achieved, `burst_lag_ms` how long after the burst's end its last
  update was in the table, `burst_key_ms` the key latency measured during the burst.

Profiling: `--profile FILE` (cProfile of the whole UI process), BENCH_PROFILE_OPS=1 (sort and
filter) and BENCH_PROFILE_BURST=1 (the burst) print cProfile tables; `py-spy record -- python
benchmarks/views.py ...` works too.

The simulated cluster: the child runs the very code of `k8stui sim` (the CLI's own scenario
loading and SimCluster, and prints the same `ready kubeconfig=...` line), plus a stdin hook that
updates pods in the simulated store at a given rate. The burst does not go through HTTP PATCH
because the simulated API server peaks at about 900 PATCH requests per second on a 2-core machine,
below the 2,000 events per second to be tested; the UI receives the same watch stream either way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# ---- the simulated cluster (child process) ------------------------------------------------------

def serve_sim(nodes: int, pods: int, speed: float) -> None:
    from k8stui.cli import build_parser, load_sim_scenario
    from k8stui.sim.cluster import SimCluster

    args = build_parser().parse_args(["sim", "--scenario", "large", "--nodes", str(nodes), "--pods", str(pods),
                                      "--port", "0", "--speed", str(speed)])
    scenario = load_sim_scenario(args)
    workdir = Path(tempfile.mkdtemp(prefix="k8stui-bench-sim-"))
    kubeconfig = workdir / "kubeconfig"

    async def run() -> None:
        sim = SimCluster(scenario, workdir, host=args.host, port=0, speed=args.speed, kubeconfig_path=kubeconfig)
        await sim.start()
        # the simulated controllers' start-up pass keeps the simulator's loop busy for a while
        # after it listens; announce readiness once its loop answers promptly again, so the
        # figures measure the UI and not the simulator's warm-up
        quiet = 0
        while quiet < 20:
            t = time.monotonic()
            await asyncio.sleep(0.02)
            quiet = quiet + 1 if time.monotonic() - t < 0.03 else 0
        print(f"ready kubeconfig={kubeconfig} server={sim.url} scenario={scenario.name}", flush=True)
        loop = asyncio.get_running_loop()
        store = sim.store
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line or line.strip() == "quit":
                break
            words = line.split()
            if words[0] == "burst":
                rate, seconds = float(words[1]), float(words[2])
                keys = [(e.namespace, e.name) for e in store.entries("pods")]
                # the simulated controllers react to every pod update (a label change means nothing
                # to them, but checking costs the simulator more than the update): they are not
                # told during the burst, so the simulator can keep the rate; the watch stream the
                # UI gets is the same
                listeners, store.listeners = store.listeners, []
                n = 0
                total = int(rate * seconds)
                start = time.monotonic()
                tick = 0.01
                while n < total:
                    elapsed = time.monotonic() - start
                    due = min(total, int(rate * (elapsed + tick))) - n
                    for _ in range(max(0, due)):
                        ns, name = random.choice(keys)
                        try:
                            store.mutate("pods", ns, name,
                                         lambda o, n=n: o["metadata"].setdefault("labels", {}).__setitem__(
                                             "bench", str(n)))
                        except Exception:
                            continue
                        n += 1
                    await asyncio.sleep(tick)
                store.listeners = listeners
                print(f"burst-done updates={n} seconds={time.monotonic() - start:.3f}", flush=True)
        await sim.stop()

    try:
        asyncio.run(run())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class SimProcess:
    def __init__(self, nodes: int, pods: int, speed: float):
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve-sim", "--nodes", str(nodes),
                                      "--pods", str(pods), "--speed", str(speed)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines: list[str] = []
        self._cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._cv:
                self.lines.append(line.strip())
                self._cv.notify_all()

    def wait_line(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for ln in self.lines:
                    if ln.startswith(prefix):
                        self.lines.remove(ln)
                        return ln
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise SystemExit(f"error: the simulated cluster did not print {prefix!r}")
                self._cv.wait(left)

    def send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        try:
            self.send("quit")
            self.proc.wait(10)
        except Exception:
            self.proc.kill()


# ---- the UI (this process) -----------------------------------------------------------------------

def rss_mb() -> tuple[float, float]:
    rss = hwm = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
    return rss, hwm


async def bench(opts: argparse.Namespace) -> dict[str, float]:
    from textual import events

    from k8stui.config import Config
    from k8stui.kube.connection import connect
    from k8stui.ui.app import K8sTuiApp
    from k8stui.ui.screens.pods import PodsScreen
    from k8stui.ui.widgets.resource_table import ResourceTable

    sim = SimProcess(opts.nodes, opts.pods, opts.speed)
    try:
        ready = sim.wait_line("ready ", opts.start_timeout)
        kubeconfig = ready.split("kubeconfig=", 1)[1].split()[0]
        marks: dict[str, float] = {}

        async def factory(context, readonly):
            conn = await connect(kubeconfig, context, readonly=readonly)
            marks["connected"] = time.perf_counter()
            marks["cpu_connected"] = time.process_time()
            return conn

        app = K8sTuiApp(factory, context="admin", config=Config())
        frames: list[float] = []
        out: dict[str, float] = {}
        paints: dict[str, float] = {}  # when the pods table first drew rows / all rows
        render_lines = ResourceTable.render_lines

        def spy_render_lines(table, crop):
            screen = table.screen
            if isinstance(screen, PodsScreen) and table.row_count:
                now = time.perf_counter()
                paints.setdefault("first", now)
                s = app.session
                if s is not None and s.pods.synced.is_set() and table.row_count == len(s.pods.rows):
                    paints.setdefault("full", now)
            return render_lines(table, crop)

        ResourceTable.render_lines = spy_render_lines  # type: ignore[method-assign]
        async with app.run_test(size=(200, 50)) as pilot:
            display = app._display

            def counted(screen, renderable) -> None:
                if renderable is not None:
                    frames.append(time.perf_counter())
                display(screen, renderable)

            app._display = counted  # type: ignore[method-assign]
            app.show_pods(namespace=None)  # the pods screen, opened before the connection is made
            screen = app.screen
            assert isinstance(screen, PodsScreen), screen

            async def wait(pred, timeout: float, what: str, step: float = 0.002) -> float:
                deadline = time.perf_counter() + timeout
                while not pred():
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"error: timed out waiting for {what}")
                    await asyncio.sleep(step)
                return time.perf_counter()

            await wait(lambda: screen.is_mounted and screen.query("#table"), 10, "the pods screen")
            table = screen.table

            await wait(lambda: "connected" in marks, opts.start_timeout, "the connection")
            await wait(lambda: "first" in paints, 60, "the first rows")
            out["first_rows_s"] = paints["first"] - marks["connected"]
            await wait(lambda: "full" in paints, opts.load_timeout, "the full pod list", step=0.01)
            out["full_load_s"] = paints["full"] - marks["connected"]
            out["load_cpu_s"] = time.process_time() - marks["cpu_connected"]
            cache = app.session.pods
            await pilot.pause(0.5)

            # sortable and filterable: one sort and one filter at full size (once the background
            # warm-up of the filter's search text, about a second after the load, is done)
            t_warm = time.perf_counter()
            await wait(lambda: len(screen.search_text.texts) >= len(cache.rows), 30, "the search warm-up", 0.05)
            out["warmup_s"] = time.perf_counter() - t_warm
            prof = None
            if os.environ.get("BENCH_PROFILE_OPS"):
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            t = time.perf_counter()
            table.sort_by("NAME")
            out["sort_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            screen.apply_filter("node-0001")
            out["filter_ms"] = (time.perf_counter() - t) * 1000
            if prof is not None:
                import pstats

                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            filtered = table.row_count
            screen.apply_filter("")
            table.sort_by("NAMESPACE")
            out["filtered_rows"] = filtered

            async def timed_key(key: str, changed) -> float:
                char = key if len(key) == 1 else None
                n0 = len(frames)
                t0 = time.perf_counter()
                app._driver.send_message(events.Key(key, char))
                t_handled = await wait(changed, 10, f"key {key}", step=0.0005)
                await wait(lambda: len(frames) > n0 and frames[-1] >= t_handled, 10, "a frame", step=0.0005)
                return (frames[-1] - t0) * 1000

            def cursor_moved(before: int):
                return lambda: table.cursor_index != before

            async def key_round(n: int) -> list[float]:
                lat = []
                plan = (["j"] * 4 + ["pagedown"] * 2 + ["k"] * 2) * (n // 8 + 1)
                for key in plan[:n]:
                    lat.append(await timed_key(key, cursor_moved(table.cursor_index)))
                return lat

            lat = await key_round(opts.keys - 10)
            # filter keystrokes: each typed character echoed on screen (the filter follows)
            await pilot.press("/")
            inp = screen.prompt.input
            for ch in "node-00012"[:10]:
                before = inp.value
                lat.append(await timed_key(ch, lambda b=before: inp.value != b))
            await wait(lambda: screen.row_filter.text == "node-00012", 5, "the live filter")
            await pilot.press("escape")
            out["key_ms"] = statistics.median(lat)
            out["key_p95_ms"] = sorted(lat)[int(len(lat) * 0.95) - 1]
            t = time.perf_counter()
            for _ in range(10):
                await pilot.press("j")
            out["press_ms"] = (time.perf_counter() - t) * 100

            # navigation at full size: Enter on a node (its pods: a filter of the 150,000), Esc
            # back, and :pods (a new pods screen over all of them)
            app.show_nodes()
            await wait(lambda: not isinstance(app.screen, PodsScreen), 5, "the nodes screen")
            await pilot.pause(0.3)

            def opened(node):
                return lambda: (isinstance(app.screen, PodsScreen) and app.screen.node == node
                                and app.screen.table.row_count > 0)

            node = app.screen.table.cursor_row.name
            out["node_pods_ms"] = await timed_key("enter", opened(node))
            out["back_ms"] = await timed_key("escape", lambda: not isinstance(app.screen, PodsScreen))
            n0, t0 = len(frames), time.perf_counter()
            app.run_command("pods")
            t_h = await wait(opened(None), 10, ":pods")
            await wait(lambda: len(frames) > n0 and frames[-1] >= t_h, 10, "a frame")
            out["open_pods_ms"] = (frames[-1] - t0) * 1000
            screen = app.screen
            table = screen.table
            await pilot.pause(0.3)

            # the burst: N pod updates per second at the server, keys measured meanwhile
            seen = {"n": 0, "first": 0.0, "last": 0.0}
            apply = cache._apply

            def counting(ev):
                obj = ev.get("object") or {}
                if "bench" in ((obj.get("metadata") or {}).get("labels") or {}):
                    now = time.perf_counter()
                    seen["n"] += 1
                    seen["first"] = seen["first"] or now
                    seen["last"] = now
                return apply(ev)

            cache._apply = counting  # type: ignore[method-assign]
            await pilot.press("g")
            bprof = None
            if os.environ.get("BENCH_PROFILE_BURST"):
                import cProfile

                bprof = cProfile.Profile()
                bprof.enable()
            t_burst = time.perf_counter()
            sim.send(f"burst {opts.burst_rate} {opts.burst_seconds}")
            burst_lat = []
            while time.perf_counter() - t_burst < opts.burst_seconds:
                burst_lat.extend(await key_round(8))
                await asyncio.sleep(0.05)
            done = await asyncio.get_running_loop().run_in_executor(None, sim.wait_line, "burst-done", 60)
            updates = int(done.split("updates=")[1].split()[0])
            sent_s = float(done.split("seconds=")[1].split()[0])
            await wait(lambda: seen["n"] >= updates, 60, "the burst's events", step=0.005)
            flushes = app.flush_count
            t_table = await wait(lambda: app.flush_count > flushes, 5, "the last batch in the table")
            if bprof is not None:
                import pstats

                bprof.disable()
                pstats.Stats(bprof).sort_stats("tottime").print_stats(30)
            out["events_per_s"] = seen["n"] / (seen["last"] - seen["first"])
            out["burst_sent_per_s"] = updates / sent_s
            out["burst_lag_ms"] = (t_table - (t_burst + sent_s)) * 1000
            out["burst_updates"] = updates
            out["burst_key_ms"] = statistics.median(burst_lat)
            out["burst_key_p95_ms"] = sorted(burst_lat)[int(len(burst_lat) * 0.95) - 1]
            out["rss_now_mb"], out["rss_mb"] = rss_mb()
            out["pods"] = len(cache.rows)
            out["nodes"] = len(app.session.nodes.rows)
            await pilot.press("ctrl+q")
        return out
    finally:
        sim.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nodes", type=int, default=5000)
    p.add_argument("--pods", type=int, default=150000)
    p.add_argument("--keys", type=int, default=50)
    p.add_argument("--burst-rate", type=float, default=2000)
    p.add_argument("--burst-seconds", type=float, default=5)
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--start-timeout", type=float, default=600)
    p.add_argument("--load-timeout", type=float, default=300)
    p.add_argument("--profile", help="write a cProfile of the UI process to this file")
    p.add_argument("--serve-sim", action="store_true", help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.serve_sim:
        serve_sim(opts.nodes, opts.pods, opts.speed)
        return
    os.environ.setdefault("TEXTUAL_FPS", "60")
    if opts.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
        out = asyncio.run(bench(opts))
        prof.disable()
        prof.dump_stats(opts.profile)
    else:
        out = asyncio.run(bench(opts))
    main_keys = ["first_rows_s", "full_load_s", "key_ms", "rss_mb", "events_per_s"]
    rest = [k for k in out if k not in main_keys]
    fmt = lambda k: f"{k}={out[k]:.3f}" if isinstance(out[k], float) and out[k] < 10 else f"{k}={out[k]:.0f}"  # noqa: E731
    print(" ".join(fmt(k) for k in main_keys + rest))


if __name__ == "__main__":
    main()
