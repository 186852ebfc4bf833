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
from k8stui.sanitize import sanitize_lines, terminal_stream

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
TERMINAL_APPS = ("tui", "demo")  # Textual owns the terminal: its streams are left alone


def _command(name: str) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    def register(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = fn
        return fn

    return register


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="k8stui", description="Terminal admin console for kubeadm clusters.")
    p.add_argument("--version", action="version", version=f"k8stui {__version__}")
    _tui_args(p)
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
    scope.add_argument("-n", "--namespace", default=argparse.SUPPRESS, help="namespace (default: the context's)")
    scope.add_argument("-A", "--all-namespaces", action="store_true", default=argparse.SUPPRESS,
                       help="all namespaces")
    get.add_argument("-l", "--selector", help="label selector, e.g. app=web,tier!=db")
    get.add_argument("-o", "--output", choices=["wide"], help="wide: the extra columns")

    for verb in ("cordon", "uncordon"):
        c = sub.add_parser(verb, help=f"mark a node {'un' if verb == 'cordon' else ''}schedulable, as kubectl {verb}")
        c.add_argument("node")
        _conn_args(c)
        c.add_argument("--dry-run", choices=["none", "client", "server"], default="none")

    _drain_args(sub)

    _token_args(sub)

    _overview_args(sub)

    _upgrade_args(sub)

    demo = sub.add_parser("demo", help="start the seed simulated cluster in-process and open the TUI on it")
    demo.add_argument("--scenario", default="seed", help="built-in scenario name or YAML file (default: seed)")
    demo.add_argument("--speed", type=float, default=1.0, help=argparse.SUPPRESS)
    return p


KUBECONFIG_HELP = ("kubeconfig file, used alone (default: the files of $KUBECONFIG merged as kubectl merges "
                   "them, else ~/.kube/config)")


def _conn_args(p: argparse.ArgumentParser) -> None:
    # SUPPRESS: given after the subcommand they apply, and they never reset the same options
    # given before it (`k8stui --kubeconfig X get nodes`)
    p.add_argument("--kubeconfig", default=argparse.SUPPRESS, help=KUBECONFIG_HELP)
    p.add_argument("--context", default=argparse.SUPPRESS, help="kubeconfig context (default: the current one)")
    p.add_argument("--readonly", action="store_true", default=argparse.SUPPRESS,
                   help="refuse every change (read-only monitoring)")


async def _with_connection(args: argparse.Namespace, fn: Callable[..., object]) -> object:
    from k8stui.config import load_config
    from k8stui.kube.connection import connect, read_kubeconfig

    info = read_kubeconfig(args.kubeconfig)
    ctx = args.context or info.current
    config = load_config()
    flag = bool(getattr(args, "readonly", False))
    conn = await connect(args.kubeconfig, ctx, readonly=flag or config.readonly_for(ctx))
    if conn.readonly:  # named in refusals: `read-only (--readonly): ...`
        conn.readonly_source = "--readonly" if flag else config.readonly_source(ctx)
    try:
        return await fn(conn)  # type: ignore[misc]
    finally:
        await conn.close()


def _tui_args(p: argparse.ArgumentParser) -> None:
    """The TUI's options: `k8stui [--kubeconfig PATH] [--context NAME] [-n NS | -A] [--readonly]`."""
    p.add_argument("--kubeconfig", type=Path, help=KUBECONFIG_HELP)
    p.add_argument("--context", help="kubeconfig context (default: the current context)")
    ns = p.add_mutually_exclusive_group()
    ns.add_argument("-n", "--namespace", help="namespace of the pods view")
    ns.add_argument("-A", "--all-namespaces", action="store_true", help="pods of all namespaces")
    p.add_argument("--readonly", action="store_true", help="read-only monitoring: every change is refused")
    p.add_argument("--inventory", type=Path, help="SSH inventory for host steps (default: "
                   "$XDG_CONFIG_HOME/k8stui/inventory.yaml)")


def _sim_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="seed", help="seed, ha, ha-degraded, ha-external-etcd, empty, large, or a YAML file "
                   "(default: seed)")
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


# ---- k8stui drain: kubectl drain's flags, lines, streams and exit codes ------------------------------


def _go_duration_arg(text: str) -> float:
    from k8stui.ops.drain import parse_go_duration

    try:
        return parse_go_duration(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _drain_args(sub) -> None:
    d = sub.add_parser("drain", help="cordon a node and evict its pods, as kubectl drain does")
    d.add_argument("node")
    _conn_args(d)
    d.add_argument("--force", action="store_true", help="continue even if there are pods not managed by a "
                   "ReplicationController, ReplicaSet, Job, DaemonSet or StatefulSet")
    d.add_argument("--ignore-daemonsets", action="store_true", help="ignore DaemonSet-managed pods")
    d.add_argument("--delete-emptydir-data", action="store_true", help="continue even if there are pods using "
                   "emptyDir (local data that will be deleted when the node is drained)")
    d.add_argument("--delete-local-data", action="store_true", help=argparse.SUPPRESS)
    d.add_argument("--grace-period", type=int, default=-1, help="seconds given to each pod to terminate "
                   "gracefully; negative: the pod's own (default -1)")
    d.add_argument("--timeout", type=_go_duration_arg, default=0.0, metavar="DURATION",
                   help="give up after this long (30s, 5m, 1h2m); 0: never (default 0s)")
    d.add_argument("--pod-selector", default="", help="label selector to filter the pods on the node")
    d.add_argument("--disable-eviction", action="store_true", help="delete instead of evicting, even if eviction "
                   "is supported: PodDisruptionBudgets are bypassed, use with caution")
    d.add_argument("--skip-wait-for-delete-timeout", type=int, default=0, metavar="N",
                   help="do not wait for pods whose DeletionTimestamp is older than N seconds (N > 0)")
    d.add_argument("--dry-run", choices=["none", "client", "server"], default="none")
    d.add_argument("--override-safety", metavar="NODE",
                   help="drain even though the safety gates refuse (etcd or control-plane quorum, a workload "
                        "left with no available replica, a budget --disable-eviction would break): type the "
                        "node's name again")
    d.add_argument("--chunk-size", type=int, default=500, metavar="N",
                   help="list the node's pods in pages of N (0: all at once; default 500)")


@_command("drain")
def cmd_drain(args: argparse.Namespace) -> int:
    from k8stui import audit
    from k8stui.errors import ReadOnlyError
    from k8stui.ops.drain import DELETE_LOCAL_DATA_DEPRECATED, Drainer, DrainOptions, kubectl_lines
    from k8stui.ops.maintenance import acquire_maintenance_lease, check_node_gates

    if args.delete_local_data:
        print(DELETE_LOCAL_DATA_DEPRECATED, file=sys.stderr)
    opts = DrainOptions(force=args.force, ignore_daemonsets=args.ignore_daemonsets,
                        delete_emptydir_data=args.delete_emptydir_data or args.delete_local_data,
                        grace_period=args.grace_period, timeout=args.timeout, pod_selector=args.pod_selector,
                        disable_eviction=args.disable_eviction,
                        skip_wait_for_delete_timeout=args.skip_wait_for_delete_timeout,
                        dry_run=None if args.dry_run == "none" else args.dry_run, chunk_size=args.chunk_size)
    opts.validate()
    readonly, ctx = _session_readonly(args)
    if readonly and opts.dry_run != "client":  # refused before connecting: not even a GET is sent
        audit.record("drain", f"node/{args.node}", context=ctx, result="refused", reason="read-only mode",
                     kubectl=opts.kubectl_command(args.node))
        raise ReadOnlyError(f"drain node/{args.node}")
    streams = {"out": sys.stdout, "err": sys.stderr}

    def show(ev) -> None:
        for stream, text in kubectl_lines(ev):
            streams[stream].write(text)
            streams[stream].flush()

    async def run(conn):
        if opts.dry_run:
            return await Drainer(conn, args.node, opts, on_event=show).run()
        # the Lease first (no other k8stui session drains or upgrades meanwhile), then the gates
        lease = acquire_maintenance_lease(conn, f"drain {args.node}")
        try:
            await lease.acquire()
        except UserError as e:
            if "forbidden" not in str(e):
                raise
            # RBAC may allow evictions but not Leases: drain, but say others cannot see it
            print(f"Warning: k8stui: cannot take the maintenance Lease ({e}); other k8stui sessions "
                  "will not know about this drain", file=sys.stderr)
        try:
            try:
                report = await check_node_gates(conn, args.node, "drain", holder=lease.holder,
                                                bypass_budgets=opts.disable_eviction)
            except UserError as e:
                if f'nodes "{args.node}" not found' not in str(e):
                    raise
                report = None  # no such node: the drain says so, as kubectl does
            if report is not None:
                for warning in report.warnings:
                    print(f"Warning: k8stui: {warning}", file=sys.stderr)
                report.enforce(args.override_safety)
                if report.refusals:
                    audit.record("override-safety", f"node/{args.node}", context=conn.context, result="ok",
                                 refusals=report.refusals)
            return await Drainer(conn, args.node, opts, on_event=show).run()
        finally:
            await lease.release()

    result = asyncio.run(_with_connection(args, run))
    return 0 if result.drained else 1  # type: ignore[attr-defined]


@_command("tui")
def cmd_tui(args: argparse.Namespace) -> int:
    from k8stui.ui.launch import run_tui

    return run_tui(kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace,
                   all_namespaces=args.all_namespaces, readonly=args.readonly, inventory=args.inventory)


@_command("demo")
def cmd_demo(args: argparse.Namespace) -> int:
    from k8stui.sim.cluster import SimThread
    from k8stui.sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    with tempfile.TemporaryDirectory(prefix="k8stui-demo-") as tmp:
        # with simulated SSH hosts, so :upgrade, control-plane joins and certificates work too
        inventory = Path(tmp) / "inventory.yaml"
        sim = SimThread(scenario, Path(tmp), port=0, speed=args.speed, inventory_path=inventory).start()
        try:
            from k8stui.ui.launch import run_tui

            return run_tui(kubeconfig=sim.kubeconfig_path, context="admin", demo=True, inventory=inventory)
        finally:
            sim.stop()


# ---- k8stui token: bootstrap tokens as `kubeadm token` manages them ------------------------------


_TOKEN_DEFAULTS = ("24h0m0s", "signing,authentication", "system:bootstrappers:kubeadm:default-node-token")


def _token_args(sub) -> None:
    ttl, usages, groups = _TOKEN_DEFAULTS  # kubeadm's (k8stui.ops.tokens has them; not imported for --help)
    token = sub.add_parser("token", help="list, create and delete bootstrap tokens, as kubeadm token does")
    tsub = token.add_subparsers(dest="token_command", metavar="SUBCOMMAND")
    tl = tsub.add_parser("list", help="list the bootstrap tokens as `kubeadm token list` prints them")
    _conn_args(tl)
    tc = tsub.add_parser("create", help="create a bootstrap token (and print it, or the join command)")
    tc.add_argument("token", nargs="?", help="the token to write, [a-z0-9]{6}.[a-z0-9]{16} (default: random)")
    tc.add_argument("--ttl", default=ttl, help="duration before the token is deleted (e.g. 1s, 2m, 3h); "
                    f"0: never expires (default {ttl})")
    tc.add_argument("--description", default="", help="a human friendly description of how the token is used")
    tc.add_argument("--usages", action="append", help=f"comma-separated usages (repeatable; default {usages})")
    tc.add_argument("--groups", action="append", help=f"extra groups, comma-separated (repeatable; default {groups})")
    tc.add_argument("--print-join-command", action="store_true",
                    help="print the whole `kubeadm join` command instead of the token")
    tc.add_argument("--control-plane", action="store_true",
                    help="upload the control-plane certificates over SSH (kubeadm init phase upload-certs) and "
                    "print the control-plane join command (valid for 2 hours)")
    tc.add_argument("--node", help="control-plane node to run upload-certs on (default: the first Ready one)")
    tc.add_argument("--inventory", type=Path, help="SSH inventory (default: $XDG_CONFIG_HOME/k8stui/inventory.yaml)")
    tc.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                    help="with a join command: wait this long for cluster-info to be signed for the token")
    _conn_args(tc)
    td = tsub.add_parser("delete", help="delete bootstrap tokens (by id or whole token)")
    td.add_argument("tokens", nargs="*", metavar="ID", help="token id [a-z0-9]{6} or whole token")
    _conn_args(td)
    token.set_defaults(token_parser=token)


def _session_readonly(args: argparse.Namespace) -> tuple[bool, str]:
    """(read-only?, context) exactly as `_with_connection` decides it, without any request."""
    from k8stui.config import load_config
    from k8stui.kube.connection import read_kubeconfig

    info = read_kubeconfig(args.kubeconfig)
    ctx = args.context or info.current
    return bool(getattr(args, "readonly", False)) or load_config().readonly_for(ctx), ctx


def _refuse_if_readonly(args: argparse.Namespace, action: str, what: str, token_id: str) -> None:
    """Read-only: refuse (and audit) before connecting, so not even a GET leaves the process."""
    from k8stui import audit
    from k8stui.errors import ReadOnlyError

    readonly, ctx = _session_readonly(args)
    if readonly:
        audit.record(action, f"secret/kube-system/bootstrap-token-{token_id}", context=ctx, result="refused",
                     reason="read-only mode", token_id=token_id)
        raise ReadOnlyError(what)


@_command("token")
def cmd_token(args: argparse.Namespace) -> int:
    sub = getattr(args, "token_command", None)
    if sub == "list":
        return _token_list(args)
    if sub == "create":
        return _token_create(args)
    if sub == "delete":
        return _token_delete(args)
    args.token_parser.print_help(sys.stderr)
    return 2


def _token_list(args: argparse.Namespace) -> int:
    import time

    from k8stui.ops.tokens import format_token_list, list_tokens

    problems: list[str] = []

    async def run(conn):
        return await list_tokens(conn, problems)

    tokens = asyncio.run(_with_connection(args, run))
    for p in problems:
        print(p, file=sys.stderr)
    sys.stdout.write(format_token_list(tokens, time.time()))  # type: ignore[arg-type]
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from k8stui.ops import tokens as ops

    # kubeadm's option checks come first, then the read-only refusal: both before any request
    opts = ops.validate_create(args.ttl, args.description, args.usages, args.groups, args.token)
    _refuse_if_readonly(args, "token-create", "create bootstrap token",
                        opts.token.split(".")[0] if opts.token else "<new>")
    join = args.print_join_command or args.control_plane
    runner_box: list = []

    async def run(conn):
        runner = None
        if args.control_plane:
            from k8stui.hosts.inventory import load_inventory
            from k8stui.hosts.ssh import SSHRunner

            inventory = load_inventory(args.inventory)  # read before the token is made: fail early
            await ops.require_control_plane_endpoint(conn)  # no token, no SSH, where kubeadm would refuse
            runner = SSHRunner(inventory, readonly=conn.readonly, context=conn.context,
                               ask_sudo_password=_ask_sudo_password)
            runner_box.append(runner)
        tok = await ops.create_token_from(conn, opts)
        if not join:
            return tok.token, None
        if tok.signing and args.wait > 0 and not await ops.wait_usable(conn, tok.id, args.wait):
            print(f'warning: kube-public/cluster-info is not signed for token "{tok.id}" after '
                  f"{args.wait:g}s: `kubeadm join` cannot discover the cluster with it until the bootstrap "
                  "signer (kube-controller-manager) adds jws-kubeconfig-" + tok.id, file=sys.stderr)
        try:
            if runner is not None:
                try:
                    cp = await ops.control_plane_join(conn, runner, args.node, tok)
                except BaseException:
                    # no control-plane join after all: do not leave a fresh 24h token behind
                    try:
                        await ops.delete_token(conn, tok.id)
                    except Exception:
                        pass
                    raise
                return cp.command, cp
            return await ops.join_command(conn, tok), None
        finally:
            if runner is not None:
                await runner.close()

    line, cp = asyncio.run(_with_connection(args, run))  # type: ignore[misc]
    print(line)
    if cp is not None:
        from datetime import datetime, timezone

        until = datetime.fromtimestamp(cp.expires_at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"note: the certificate key (uploaded from {cp.node}) expires at {until}, in 2 hours; after that, "
              "run this again", file=sys.stderr)
    return 0


async def _ask_sudo_password(node: str) -> str | None:
    import getpass

    if not sys.stdin.isatty():
        return None
    return await asyncio.to_thread(getpass.getpass, f"[sudo] password for {node}: ")


def _token_delete(args: argparse.Namespace) -> int:
    from k8stui.ops import tokens as ops

    if not args.tokens:
        raise UserError(f"missing argument; 'token delete' is missing token of form "
                        f"{ops.go_quote(ops.TOKEN_PATTERN)} or {ops.go_quote(ops.TOKEN_ID_PATTERN)}")
    ids = [ops.token_id_of(t) for t in args.tokens]
    _refuse_if_readonly(args, "token-delete", "delete bootstrap token", ids[0])

    async def run(conn):
        for tid in ids:
            print(await ops.delete_token(conn, tid), flush=True)

    asyncio.run(_with_connection(args, run))
    return 0


# ---- k8stui overview: the cluster at a glance ------------------------------------------------------


def _overview_args(sub) -> None:
    ov = sub.add_parser("overview", help="the cluster at a glance: versions, endpoint, etcd, control plane, "
                        "/readyz, node counts, version skew, certificate expiry, maintenance in progress")
    ov.add_argument("--inventory", type=Path, help="SSH inventory for the certificate expiry check (default: "
                    "$XDG_CONFIG_HOME/k8stui/inventory.yaml when it exists; without one it is skipped)")
    ov.add_argument("--no-certs", action="store_true", help="skip the certificate expiry check (no SSH)")
    _conn_args(ov)


@_command("overview")
def cmd_overview(args: argparse.Namespace) -> int:
    from k8stui.ops.cluster_info import format_overview, gather_overview

    async def run(conn):
        runner, note = None, ""
        if args.no_certs:
            note = "skipped (--no-certs)"
        else:
            from k8stui.hosts.inventory import load_inventory
            from k8stui.hosts.ssh import SSHRunner
            from k8stui.paths import inventory_file

            inventory = load_inventory(args.inventory)  # an explicit file must exist
            if inventory.entries:
                # read-only runner: `kubeadm certs check-expiration` is on the read-only allow-list
                runner = SSHRunner(inventory, readonly=True, context=conn.context, connect_timeout=10,
                                   ask_sudo_password=_ask_sudo_password)
            else:
                note = (f"no SSH inventory ({args.inventory or inventory_file()} has no nodes)"
                        if args.inventory or inventory_file().exists()
                        else f"no SSH inventory ({inventory_file()}; pass --inventory PATH)")
        try:
            return await gather_overview(conn, runner, cert_note=note)
        finally:
            if runner is not None:
                await runner.close()

    ov = asyncio.run(_with_connection(args, run))
    sys.stdout.write(format_overview(ov))  # type: ignore[arg-type]
    return 0


# ---- k8stui upgrade: plan and apply a kubeadm upgrade (k8stui.ops.upgrade) ------------------------


def _upgrade_args(sub) -> None:
    up = sub.add_parser("upgrade", help="plan and apply a kubeadm upgrade (control plane first, then workers)")
    usub = up.add_subparsers(dest="upgrade_command", metavar="SUBCOMMAND")
    for name in ("plan", "apply"):
        help_text = ("check the upgrade and print the plan (read-only: works with --readonly); exit status 1 "
                     "when the plan has blockers" if name == "plan" else
                     "run the plan node by node, journaled: run it again to resume after a failure or a crash")
        u = usub.add_parser(name, help=help_text)
        u.add_argument("--to", required=True, metavar="VERSION",
                       help="target version: v1.35.2, or a minor (v1.35: its newest patch in the repository)")
        u.add_argument("--nodes", metavar="N1,N2", help="only these nodes (kubeadm's order still applies)")
        u.add_argument("--parallel", type=int, default=1, metavar="N", help="workers upgraded at a time (default 1)")
        u.add_argument("--force", action="store_true",
                       help="drain with --force: delete pods that no controller manages (they are lost)")
        u.add_argument("--drain-timeout", type=_go_duration_arg, default=900.0, metavar="DURATION",
                       help="give up on a drain after this long (default 15m; 0: never)")
        u.add_argument("--evict-retry-delay", type=float, default=5.0, help=argparse.SUPPRESS)
        u.add_argument("--override-safety", action="append", default=[], metavar="NODE",
                       help="upgrade NODE even though the safety gates refuse it (quorum, a workload left "
                            "with no available replica); naming the only API server acknowledges the API "
                            "outage for the whole plan; repeat per node")
        u.add_argument("--inventory", type=Path,
                       help="SSH inventory (default: $XDG_CONFIG_HOME/k8stui/inventory.yaml)")
        if name == "apply":
            u.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
            u.add_argument("--pause", action="store_true", help="ask before each node after the first")
        else:
            u.add_argument("-o", "--output", choices=["text", "json"], default="text")
        _conn_args(u)
    up.set_defaults(upgrade_parser=up)


def _upgrade_options(args: argparse.Namespace):
    from k8stui.ops.upgrade import UpgradeOptions, parse_target

    parse_target(args.to)  # bad input fails before anything is read
    nodes = [n.strip() for n in args.nodes.split(",") if n.strip()] if args.nodes else None
    if args.nodes is not None and not nodes:
        raise UserError("--nodes: give node names, e.g. --nodes k8s-worker-1,k8s-worker-2")
    opts = UpgradeOptions(force=args.force, parallel=args.parallel, nodes=nodes, drain_timeout=args.drain_timeout,
                          evict_retry_delay=args.evict_retry_delay,
                          override_safety=frozenset(args.override_safety))
    opts.validate()
    return opts


@_command("upgrade")
def cmd_upgrade(args: argparse.Namespace) -> int:
    sub = getattr(args, "upgrade_command", None)
    if sub == "plan":
        return _upgrade_plan(args)
    if sub == "apply":
        return _upgrade_apply(args)
    args.upgrade_parser.print_help(sys.stderr)
    return 2


def _upgrade_plan(args: argparse.Namespace) -> int:
    import json

    from k8stui.hosts.inventory import load_inventory
    from k8stui.hosts.ssh import SSHRunner
    from k8stui.ops.upgrade import make_plan
    from k8stui.ops.upgrade_text import format_plan

    opts = _upgrade_options(args)
    inventory = load_inventory(args.inventory)

    async def run(conn):
        # the session's read-only setting applies to the hosts too: only the read-only probes pass then
        runner = SSHRunner(inventory, readonly=conn.readonly, context=conn.context,
                           ask_sudo_password=_ask_sudo_password)
        try:
            return await make_plan(conn, runner, args.to, opts)
        finally:
            await runner.close()

    plan = asyncio.run(_with_connection(args, run))
    refusal = plan.refusal  # type: ignore[attr-defined]
    if refusal is not None:  # the target itself is refused: one line, as for any bad input
        raise UserError(refusal.message)
    if args.output == "json":
        print(json.dumps(plan.summary(), indent=2))  # type: ignore[attr-defined]
    else:
        sys.stdout.write(format_plan(plan))  # type: ignore[arg-type]
    return 0 if plan.ok else 1  # type: ignore[attr-defined]


def _upgrade_apply(args: argparse.Namespace) -> int:
    from k8stui import audit
    from k8stui.errors import ReadOnlyError
    from k8stui.hosts.inventory import load_inventory
    from k8stui.hosts.ssh import SSHRunner
    from k8stui.ops.upgrade import UpgradeRun, make_plan
    from k8stui.ops.upgrade_text import EventPrinter, format_plan

    opts = _upgrade_options(args)
    readonly, ctx = _session_readonly(args)
    if readonly:  # refused before connecting anywhere: no request, no SSH
        audit.record("upgrade", f"cluster/{ctx}", context=ctx, result="refused", reason="read-only mode",
                     target=args.to)
        raise ReadOnlyError(f"upgrade the cluster to {args.to}")
    inventory = load_inventory(args.inventory)
    if not args.yes and not sys.stdin.isatty():
        raise UserError("confirmation needed and stdin is not a terminal: pass --yes")

    async def ask(question: str) -> bool:
        answer = await asyncio.to_thread(input, question)
        return answer.strip().lower() in ("y", "yes")

    async def run(conn):
        runner = SSHRunner(inventory, readonly=conn.readonly, context=conn.context,
                           ask_sudo_password=_ask_sudo_password)
        try:
            plan = await make_plan(conn, runner, args.to, opts)
            if plan.refusal is not None:
                raise UserError(plan.refusal.message)
            sys.stdout.write(format_plan(plan, commands=False))
            sys.stdout.flush()
            if plan.blockers:
                raise UserError(f"the plan has {len(plan.blockers)} blocker(s); nothing was changed "
                                f"(first: {plan.blockers[0]})")
            if not plan.todo and not plan.resume:
                print(f"Nothing to do: every node already runs {plan.target}.")
                return 0
            if not args.yes and not await ask(f"Upgrade {len(plan.todo)} node(s) to {plan.target}? [y/N]: "):
                raise UserError("not confirmed: nothing was changed")

            async def confirm_next(node: str) -> bool:
                return await ask(f"Continue with {node}? [y/N]: ")

            printer = EventPrinter(sys.stdout, sys.stderr, prefix=opts.parallel > 1)
            result = await UpgradeRun(conn, runner, plan, on_event=printer,
                                      confirm_next=confirm_next if args.pause else None).run()
            return 0 if result.ok else 1
        finally:
            await runner.close()

    return int(asyncio.run(_with_connection(args, run)))  # type: ignore[call-overload]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "tui"
    fn = COMMANDS.get(command)
    if fn is None:
        parser.print_help()
        return 2
    if command in TERMINAL_APPS:
        return _run(fn, args)
    # what the subcommands print carries server and host text: shown, never obeyed, on a terminal
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = terminal_stream(sys.stdout), terminal_stream(sys.stderr)
    try:
        return _run(fn, args)
    finally:
        sys.stdout, sys.stderr = saved


def _run(fn: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return fn(args)
    except UserError as e:
        # the message often quotes the API server or a host: sanitised whatever stderr is
        print(f"error: {sanitize_lines(str(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
