"""The `k8stui` command: the TUI by default, and subcommands that reuse the same operations.

Every failure the user can act on ends as one line on stderr (`error: ...`) and exit status 1;
usage errors exit 2 as argparse does. No traceback reaches the terminal for bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

from k8stui import __version__
from k8stui.errors import UserError
from k8stui.paths import state_dir

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _command(name: str) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    def register(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = fn
        return fn

    return register


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="k8stui", description="Terminal admin console for kubeadm clusters.")
    p.add_argument("--version", action="version", version=f"k8stui {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sim = sub.add_parser("sim", help="run the simulated kubeadm cluster in the foreground")
    _sim_args(sim)
    sim.add_argument("--kubeconfig", type=Path, help="where to write the kubeconfig (default: under "
                     "$XDG_STATE_HOME/k8stui/sim)")
    sim.add_argument("--inventory", type=Path, help="where to write the SSH inventory of the simulated hosts")

    get = sub.add_parser("get", help="print nodes or pods as `kubectl get` does")
    get.add_argument("kind", help="nodes or pods")
    _conn_args(get)
    scope = get.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", help="namespace (default: the context's)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="all namespaces")
    get.add_argument("-l", "--selector", help="label selector, e.g. app=web,tier!=db")
    get.add_argument("-o", "--output", choices=["wide"], help="wide: the extra columns")

    for verb in ("cordon", "uncordon"):
        c = sub.add_parser(verb, help=f"mark a node {'un' if verb == 'cordon' else ''}schedulable, as kubectl {verb}")
        c.add_argument("node")
        _conn_args(c)
        c.add_argument("--dry-run", choices=["none", "client", "server"], default="none")

    demo = sub.add_parser("demo", help="start the seed simulated cluster in-process and open the TUI on it")
    demo.add_argument("--scenario", default="seed", help="built-in scenario name or YAML file (default: seed)")
    demo.add_argument("--speed", type=float, default=1.0, help=argparse.SUPPRESS)
    return p


def _conn_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", help="kubeconfig context (default: the current one)")
    p.add_argument("--readonly", action="store_true", help="refuse every change (read-only monitoring)")


async def _with_connection(args: argparse.Namespace, fn: Callable[..., object]) -> object:
    from k8stui.config import load_config
    from k8stui.kube.connection import connect, read_kubeconfig

    info = read_kubeconfig(args.kubeconfig)
    ctx = args.context or info.current
    readonly = bool(getattr(args, "readonly", False)) or load_config().readonly_for(ctx)
    conn = await connect(args.kubeconfig, ctx, readonly=readonly)
    try:
        return await fn(conn)  # type: ignore[misc]
    finally:
        await conn.close()


def _sim_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="seed", help="seed, ha, empty, large, or a YAML file (default: seed)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=6443, help="port to listen on; 0 picks a free one (default: 6443)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="time scale of simulated delays: 1 is realistic, 0.05 is twenty times faster")
    p.add_argument("--nodes", type=int, help="large scenario: number of nodes (default 5000)")
    p.add_argument("--pods", type=int, help="large scenario: number of pods (default 150000)")
    p.add_argument("--version-k8s", dest="k8s_version", metavar="VERSION",
                   help="Kubernetes version of the cluster, e.g. v1.34.3")
    p.add_argument("--fail-once", action="append", default=[], metavar="NODE:WORDS",
                   help="make that host fail the first command containing WORDS (repeatable)")


def _parse_fail_once(values: list[str]) -> list[tuple[str, str]]:
    from k8stui.sim.hosts import parse_fail_once

    return [parse_fail_once(v) for v in values]


def load_sim_scenario(args: argparse.Namespace):
    from k8stui.sim.scenario import load_scenario

    overrides: dict = {}
    if getattr(args, "k8s_version", None):
        overrides["kubernetesVersion"] = args.k8s_version
    sc = load_scenario(args.scenario, overrides or None)
    if getattr(args, "nodes", None) is not None or getattr(args, "pods", None) is not None:
        if sc.generated is None:
            raise UserError("--nodes/--pods apply to generated scenarios (large) only")
        if args.nodes is not None:
            if args.nodes < 1:
                raise UserError("--nodes must be at least 1")
            sc.generated["nodes"] = args.nodes
        if args.pods is not None:
            if args.pods < 0:
                raise UserError("--pods must not be negative")
            sc.generated["pods"] = args.pods
    return sc


@_command("sim")
def cmd_sim(args: argparse.Namespace) -> int:
    from k8stui.sim.cluster import SimCluster

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port {args.port}: must be 0-65535")
    if args.speed <= 0:
        raise UserError("--speed must be greater than 0")
    scenario = load_sim_scenario(args)
    fail_once = _parse_fail_once(args.fail_once)
    workdir = state_dir() / "sim" / scenario.name
    kubeconfig = args.kubeconfig or workdir / "kubeconfig"

    async def run() -> None:
        sim = SimCluster(scenario, workdir, host=args.host, port=args.port, speed=args.speed,
                         kubeconfig_path=kubeconfig, inventory_path=args.inventory, fail_once=fail_once)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await sim.start()
            extra = f" inventory={args.inventory}" if args.inventory else ""
            print(f"ready kubeconfig={kubeconfig} server={sim.url} scenario={scenario.name}{extra}", flush=True)
            print(f"  try: kubectl --kubeconfig {kubeconfig} get nodes -o wide", flush=True)
            await stop.wait()
        finally:
            await sim.stop()

    asyncio.run(run())
    return 0


@_command("get")
def cmd_get(args: argparse.Namespace) -> int:
    from k8stui.kube.get import get

    async def run(conn):
        return await get(conn, args.kind, args.namespace, args.all_namespaces, args.selector,
                         args.output == "wide")

    result = asyncio.run(_with_connection(args, run))
    sys.stdout.write(result.text)  # type: ignore[attr-defined]
    if result.empty_message:  # type: ignore[attr-defined]
        print(result.empty_message, file=sys.stderr)  # type: ignore[attr-defined]
    return 0


def _cordon_command(desired: bool) -> Callable[[argparse.Namespace], int]:
    def cmd(args: argparse.Namespace) -> int:
        from k8stui.ops.cordon import set_unschedulable

        dry = None if args.dry_run == "none" else args.dry_run

        async def run(conn):
            return await set_unschedulable(conn, args.node, desired, dry)

        result = asyncio.run(_with_connection(args, run))
        print(result.message)  # type: ignore[attr-defined]
        return 0

    return cmd


COMMANDS["cordon"] = _cordon_command(True)
COMMANDS["uncordon"] = _cordon_command(False)


@_command("demo")
def cmd_demo(args: argparse.Namespace) -> int:
    from k8stui.sim.cluster import SimThread
    from k8stui.sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    with tempfile.TemporaryDirectory(prefix="k8stui-demo-") as tmp:
        sim = SimThread(scenario, Path(tmp), port=0, speed=args.speed).start()
        try:
            from k8stui.ui.launch import run_tui

            return run_tui(kubeconfig=sim.kubeconfig_path, context="admin", demo=True)
        finally:
            sim.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "tui"
    fn = COMMANDS.get(command)
    if fn is None:
        parser.print_help()
        return 2
    try:
        return fn(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
