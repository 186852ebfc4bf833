"""The k8stui Textual app: one session (connection + caches) at a time, screens that render it.

    K8sTuiApp(connection_factory, context=None, namespace=None, all_namespaces=False,
              readonly=False, config=None, demo=False)

`connection_factory(context, readonly)` is awaited to connect (tests inject one that points at a
simulated cluster; `launch.run_tui` passes `k8stui.kube.connection.connect` with the kubeconfig).
A factory with a `kubeconfig` attribute (the path, or None for the default) lets the error screen
reconnect by itself when that file changes (a server restarted with new credentials).
Construction does no I/O; everything starts on mount, so `run_test()` works headless.

Data flow: a `Session` runs one `ResourceCache` per resource (nodes, and all pods: the pods views,
node tallies and palette share it) as asyncio tasks on the app's loop. Every `FLUSH_INTERVAL` the
app takes each cache's changes once and hands the batch to every resource screen (`flush`);
nothing is posted per watch event. A one-second tick refreshes the status bar and AGE cells (UI
only; no request is made on a timer).

Navigation API (for screens, the palette and later wizards):
  `show_nodes()`, `show_pods(node=None, namespace=None)`, `switch_context(name)`,
  `set_namespace(name | None)`, `run_command(":text")`, `push_screen(screen)` (Textual),
  `retry()`, `fail(message)`, `nodes_screen` (the start screen), `session.conn` (the API),
  `open_screen("tokens" | "upgrade" | "overview" | "audit")`, `ssh_runner_factory(conn)` (SSH
  runners that ask for unknown host keys and sudo passwords in modal prompts).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import deque
from pathlib import Path
from typing import Awaitable, Callable

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen

from k8stui.config import Config
from k8stui.errors import UserError
from k8stui.kube.cache import ResourceCache
from k8stui.kube.connection import Connection, current_fingerprint, explain
from k8stui.sanitize import sanitize
from k8stui.ui.commands import ClusterCommands
from k8stui.ui.messages import OpenPods, RunCommand, SessionChanged
from k8stui.ui.screens.base import ResourceScreen
from k8stui.ui.screens.command import CommandScreen
from k8stui.ui.screens.confirm import ConfirmScreen
from k8stui.ui.screens.error import ErrorScreen
from k8stui.ui.screens.help import HelpScreen
from k8stui.ui.screens.nodes import NodesScreen
from k8stui.ui.screens.pods import PodsScreen
from k8stui.ui.styles import css_path

ConnectionFactory = Callable[[str | None, bool], Awaitable[Connection]]

FLUSH_INTERVAL = 0.25
POD_PAGE = 2000
CONNECT_TIMEOUT = 20.0
ALL_NAMESPACES = ("all", "-A", "*", "--all-namespaces")
# `:` words of the screens opened with `open_screen`
SCREEN_COMMANDS = {"tokens": "tokens", "token": "tokens", "upgrade": "upgrade", "overview": "overview",
                   "ov": "overview", "audit": "audit"}


def _warm_client() -> None:
    """Import the API client's big generated modules off the UI thread: the first CoreV1Api costs
    ~0.6 s (a lazy import), which would otherwise freeze the screen just as the first rows arrive."""
    try:
        from kubernetes.aio import client as kclient

        kclient.CoreV1Api
        kclient.AuthorizationV1Api
        kclient.VersionApi
    except Exception:
        pass


class Session:
    """One connected context: the connection, its caches, and why it is read-only (no Textual)."""

    def __init__(self, conn: Connection, readonly_reason: str | None = None):
        self.conn = conn
        self.readonly_reason = readonly_reason
        self.nodes = ResourceCache(conn, "nodes")
        # all namespaces: every pods view filters this one. Pages of 2,000: a quarter of the round
        # trips of kubectl's 500 (150,000 pods list in ~7 s instead of ~10 s against the simulator)
        self.pods = ResourceCache(conn, "pods", page_size=POD_PAGE)
        self.caches: dict[str, ResourceCache] = {"nodes": self.nodes, "pods": self.pods}
        self._tasks: list[asyncio.Task] = []

    @property
    def readonly(self) -> bool:
        return self.conn.readonly

    @property
    def running(self) -> bool:
        return any(not t.done() for t in self._tasks)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(c.run(), name=f"k8stui-cache-{n}") for n, c in self.caches.items()]

    async def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self.conn.close()
        except Exception:
            pass

    def last_update(self) -> float:
        return max((c.last_update for c in self.caches.values()), default=0.0)

    def namespaces(self) -> list[str]:
        return sorted({r.namespace for r in self.pods.rows.values()})

    def node_names(self) -> list[str]:
        return sorted(r.name for r in self.nodes.rows.values())


class QuitConfirmScreen(ConfirmScreen):
    """"Quit while an operation runs?" (its own class: a second Ctrl+Q does not stack another)."""


class K8sTuiApp(App[int]):
    """See the module docstring. `extra_commands` maps more `:` words to handlers
    `(app, args) -> None` (e.g. `K8sTuiApp.extra_commands["tokens"] = open_tokens`)."""

    extra_commands: dict[str, Callable[["K8sTuiApp", list[str]], None]] = {}
    CSS_PATH = [css_path("app.tcss"), css_path("tables.tcss"), css_path("dialogs.tcss")]
    TITLE = "k8stui"
    COMMANDS = App.COMMANDS | {ClusterCommands}
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", show=False, priority=True)]
    # (ctrl+c keeps Textual's binding: copy in an input, else `action_help_quit` below)

    def __init__(self, connection_factory: ConnectionFactory, *, context: str | None = None,
                 namespace: str | None = None, all_namespaces: bool = False, readonly: bool = False,
                 config: Config | None = None, demo: bool = False, inventory: str | Path | None = None):
        super().__init__()
        self.connection_factory = connection_factory
        self.inventory_path = inventory  # None: the default inventory file
        self.requested_context = context
        self.cli_namespace = namespace
        self.cli_all_namespaces = all_namespaces
        self.cli_readonly = readonly
        self.config = config or Config()
        self.demo = demo
        self.session: Session | None = None
        self.namespace: str | None = namespace  # the pods view's namespace; None: all namespaces
        self.status_note = ""
        self.known_contexts: list[str] = []
        self._pods_screen: PodsScreen | None = None
        self.last_error: str | None = None
        self.flush_count = 0
        self._gc_paused = False
        self.last_flush_s = 0.0
        self.message_log: deque[tuple[str, str]] = deque(maxlen=500)  # (severity, text) of every notice
        self._failed_with: tuple | None = None  # the kubeconfig's fingerprint when the error screen went up
        if demo:
            self.sub_title = "demo: simulated cluster"

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """A toast, also kept in `message_log` (toasts expire; the log is what tests and the
        status line read). Messages often carry API errors and cluster names: sanitised here, once
        for every caller."""
        message, title = sanitize(message, keep="\n"), sanitize(title)
        self.message_log.append((severity, message))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # ---- lifecycle --------------------------------------------------------------------------

    @property
    def context_label(self) -> str:
        if self.session is not None:
            return self.session.conn.context
        return self.requested_context or "the current context"

    @property
    def nodes_screen(self) -> NodesScreen | None:
        for s in self.screen_stack:
            if isinstance(s, NodesScreen):
                return s
        return None

    def on_mount(self) -> None:
        self.push_screen(NodesScreen())
        self.set_interval(FLUSH_INTERVAL, self.flush, name="flush")
        self.set_interval(1.0, self.tick, name="tick")
        self.connect(self.requested_context)

    async def on_unmount(self) -> None:
        s, self.session = self.session, None
        if s is not None:
            await s.close()
        self._gc_release()

    def connect(self, context: str | None) -> None:
        """(Re)connect to a context; on failure the error screen offers a retry."""
        self.status_note = f"connecting to {context or 'the current context'}…"
        self._connect(context)

    def retry(self) -> None:
        self.connect(self.requested_context)

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def _connect(self, context: str | None) -> None:
        old, self.session = self.session, None
        self._broadcast(None)
        if old is not None:
            await old.close()
            self._gc_release()
        started = time.monotonic()
        await asyncio.to_thread(_warm_client)
        try:
            conn = await asyncio.wait_for(self.connection_factory(context, self.cli_readonly), CONNECT_TIMEOUT)
        except (asyncio.TimeoutError, UserError, Exception) as e:
            if time.monotonic() - started >= CONNECT_TIMEOUT - 0.5:
                msg = f"cannot reach the API server of {context or 'the current context'}: no answer in {CONNECT_TIMEOUT:.0f}s"
            else:
                msg = str(e) if isinstance(e, UserError) else str(explain(e))
            self.fail(msg)
            return
        try:
            session = await self._open_session(conn)
        except Exception as e:
            await conn.close()
            self.fail(str(explain(e, conn)))
            return
        self.session = session
        self.requested_context = conn.context
        self.status_note = ""
        self.last_error = None
        if isinstance(self.screen, ErrorScreen):
            self.pop_screen()
        self._broadcast(session)

    async def _open_session(self, conn: Connection) -> Session:
        self.known_contexts = list(conn.kubeconfig.contexts)
        reason = None
        if self.cli_readonly:
            reason = "--readonly"
        elif self.config.readonly_for(conn.context):
            reason = self.config.readonly_source(conn.context)
        if reason:
            conn.readonly = True  # the guard in the REST client refuses every write from here on
        else:
            ok = await conn.check_write_access()
            if not ok:
                conn.readonly = True
                reason = "your RBAC does not allow writes"
        conn.readonly_source = reason  # the screens' refusals name it
        # the pods view's namespace: -A, -n, the config, the kubeconfig context's own, else all
        if self.cli_all_namespaces:
            self.namespace = None
        elif self.cli_namespace:
            self.namespace = self.cli_namespace
        else:
            explicit = (conn.kubeconfig.context(conn.context) or {}).get("namespace")
            self.namespace = self.config.namespace_for(conn.context) or explicit or None
        session = Session(conn, reason and f"read-only: {reason}")
        session.start()
        self._gc_policy(session)
        return session

    def fail(self, message: str, title: str = "Cannot connect") -> None:
        """Show the error screen (or update it) and drop the session. A change of the kubeconfig
        from here on reconnects by itself (see `tick`)."""
        self.last_error = message
        self.status_note = ""
        s, self.session = self.session, None
        self._failed_with = self._kubeconfig_fingerprint()
        if s is not None:
            self._broadcast(None)
            self.run_worker(s.close(), group="close", exit_on_error=False)
        if isinstance(self.screen, ErrorScreen):
            self.screen.show(message, title)
        else:
            self.push_screen(ErrorScreen(message, title))

    def _broadcast(self, session: Session | None) -> None:
        """Tell every screen (resource screens, and any other that handles SessionChanged)."""
        screens = list(self.screen_stack)
        if self._pods_screen is not None and self._pods_screen not in screens:
            screens.append(self._pods_screen)
        for screen in screens:
            screen.post_message(SessionChanged(session))

    # ---- the batch pump ---------------------------------------------------------------------

    def flush(self) -> None:
        """Take every cache's changes once and hand them to the resource screens."""
        s = self.session
        if s is None:
            return
        t0 = time.perf_counter()
        for name, cache in s.caches.items():
            err = cache.error or ""
            if not cache.synced.is_set() and err.startswith(("forbidden", "unauthorized")):
                self.fail(err, f"Cannot list {name}")
                return
        changes = {name: cache.take_changes() for name, cache in s.caches.items()}
        if any(changes.values()):
            with self.batch_update():
                for screen in self.resource_screens():
                    screen.feed(changes)
        self._gc_policy(s)
        self.flush_count += 1
        self.last_flush_s = time.perf_counter() - t0

    def _gc_policy(self, s: Session) -> None:
        """No cyclic garbage collection while a big list loads: the collector's full passes
        over a growing heap of rows cost more than the parsing (measured at 150,000 pods: 13.7 s
        with it, 5.9 s without). Afterwards the loaded rows are frozen out of its way (they are
        acyclic and still freed by reference counting when a relist replaces them)."""
        loading = any(c.state in ("connecting", "listing", "relisting") for c in s.caches.values())
        if loading:
            if gc.isenabled():
                gc.disable()
                self._gc_paused = True
        elif self._gc_paused:
            self._gc_paused = False
            gc.enable()
            gc.freeze()

    def _gc_release(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()
        gc.unfreeze()  # a closed session's rows and screens may be collected again

    def tick(self) -> None:
        screen = self.screen
        if isinstance(screen, ResourceScreen):
            screen.tick()
        elif isinstance(screen, ErrorScreen) and self._failed_with is not None:
            if self._kubeconfig_fingerprint() != self._failed_with:
                self._failed_with = None
                screen.note("the kubeconfig changed: reconnecting…")
                self.retry()

    def _kubeconfig_fingerprint(self) -> tuple | None:
        """What the kubeconfig files hold now (None: the factory does not say which file it reads).
        Local file reads only, once a second while the error screen is up."""
        if not hasattr(self.connection_factory, "kubeconfig"):
            return None
        return current_fingerprint(self.connection_factory.kubeconfig,  # type: ignore[attr-defined]
                                   self.requested_context)

    # ---- navigation -------------------------------------------------------------------------

    def running_operations(self) -> list[str]:
        """What the screens on the stack are doing that quitting (or leaving them) would stop: one
        text per running drain or upgrade (`operation_summary()` of the screen), [] when idle."""
        out = []
        for screen in self.screen_stack:
            summary = getattr(screen, "operation_summary", None)
            text = summary() if callable(summary) else None
            if text:
                out.append(text)
        return out

    def action_quit(self) -> None:  # type: ignore[override]
        """Ctrl+Q and `:q`: quit at once, unless a drain or an upgrade runs: then ask first and
        say what state quitting leaves."""
        running = self.running_operations()
        if not running:
            self.exit(0)
            return
        if isinstance(self.screen, QuitConfirmScreen):
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(0)

        self.push_screen(QuitConfirmScreen("Quit k8stui while an operation runs?", "\n\n".join(running),
                                           yes="Quit", no="Keep running"), answered)

    def action_help_quit(self) -> None:
        """Ctrl+C outside an input: during a drain or an upgrade it asks as Ctrl+Q does (it is the
        key a hand reaches for to interrupt one); otherwise Textual's hint to press Ctrl+Q."""
        if self.running_operations():
            self.action_quit()
        else:
            super().action_help_quit()

    def _close_command_modals(self) -> None:
        """A `:` command typed in a modal screen (help) is for the screen under it."""
        while len(self.screen_stack) > 2 and isinstance(self.screen, ModalScreen) \
                and isinstance(self.screen, CommandScreen):
            self.pop_screen()

    def _pop_until(self, stop_at: Callable[[Screen], bool], goal: str) -> bool:
        """Pop screens until the top one is `stop_at` (never below the start screen), unless one of
        them runs an operation that leaving its screen would stop: then nothing is popped, the
        operator is told, and the answer is False."""
        stack = self.screen_stack
        doomed = []
        for screen in reversed(stack[2:]):
            if stop_at(screen):
                break
            doomed.append(screen)
        busy = [text for text in (getattr(s, "operation_summary", lambda: None)() for s in doomed) if text]
        if busy:
            self.notify(f"not {goal}: {busy[0]} Leaving its screen would stop it: finish or stop it there "
                        "first (:audit, :overview and :tokens open on top of it).", severity="error", timeout=10)
            return False
        for _ in doomed:
            self.pop_screen()
        return True

    def go_back(self, screen) -> None:
        if len(self.screen_stack) > 2 and screen is self.screen:
            self.pop_screen()

    def show_nodes(self) -> NodesScreen | None:
        if not self._pop_until(lambda s: isinstance(s, NodesScreen), "back to the nodes"):
            return None
        return self.nodes_screen

    @property
    def pods_screen(self) -> PodsScreen:
        """The one pods screen: installed, so popping it keeps its table (showing pods again,
        or another node's, is a filter of rows already in order, not a new screen and sort)."""
        if self._pods_screen is None:
            self._pods_screen = PodsScreen(namespace=self.namespace)
            self.install_screen(self._pods_screen, name="pods")
        return self._pods_screen

    def resource_screens(self) -> list[ResourceScreen]:
        """Screens that show caches: those stacked, and the pods screen when it is off the stack."""
        screens = [s for s in self.screen_stack if isinstance(s, ResourceScreen)]
        if self._pods_screen is not None and self._pods_screen not in screens:
            screens.append(self._pods_screen)
        return screens

    def show_pods(self, node: str | None = None, namespace: str | None = None) -> None:
        top = self.screen
        if isinstance(top, PodsScreen):
            top.set_scope(namespace, node)
            return
        if not self._pop_until(lambda s: isinstance(s, ResourceScreen), "showing pods"):
            return
        screen = self.pods_screen
        if screen.is_mounted:
            screen.set_scope(namespace, node)
        else:
            screen.namespace, screen.node = namespace, node
        self.push_screen(screen)

    def set_namespace(self, namespace: str | None) -> None:
        self.namespace = namespace
        self.show_pods(namespace=namespace)

    def choose_namespace(self, namespace: str | None) -> None:
        """`:ns NAME`: a namespace with pods is shown at once; any other is asked of the API server
        first, so that a typo is an error, not an empty view."""
        if namespace is None or self.session is None or namespace in self.session.namespaces():
            self.set_namespace(namespace)
        else:
            self._check_namespace(namespace)

    @work(group="namespace", exclusive=True, exit_on_error=False)
    async def _check_namespace(self, namespace: str) -> None:
        session = self.session
        if session is None:
            return
        try:
            resp = await session.conn.core().read_namespace_without_preload_content(namespace)
            status = resp.status
            await resp.read()
        except Exception as e:  # cannot tell: show it (an empty view), and say why it was not checked
            status = 0
            self.notify(f'cannot check namespace "{namespace}": {explain(e, session.conn)}', severity="warning")
        if status == 404:
            self.notify(f'namespace "{namespace}" not found', severity="error")
            return
        if status >= 400:
            self.notify(f'cannot check namespace "{namespace}": HTTP {status}', severity="warning")
        if self.session is session:
            self.set_namespace(namespace)

    def switch_context(self, name: str) -> None:
        if self.known_contexts and name not in self.known_contexts:
            self.notify(f'context "{name}" not found (have: {", ".join(self.known_contexts)})',
                        severity="error")
            return
        if not self._pop_until(lambda s: False, f"switching to {name}"):
            return
        self.requested_context = name
        self.cli_namespace = None  # the new context's own namespace (config, kubeconfig) applies
        self.connect(name)

    @on(OpenPods)
    def _open_pods(self, event: OpenPods) -> None:
        self.show_pods(node=event.node, namespace=event.namespace)

    @on(RunCommand)
    def _run_command(self, event: RunCommand) -> None:
        self.run_command(event.text)

    def run_command(self, text: str) -> None:
        """`:` commands: nodes, pods, ns NAME|all, ctx NAME, help, q."""
        words = text.strip().lstrip(":").split()
        if not words:
            return
        cmd, args = words[0].lower(), words[1:]
        self._close_command_modals()
        if cmd in ("q", "q!", "quit", "exit", "qa"):
            self.action_quit()
        elif cmd in ("nodes", "node", "no"):
            self.show_nodes()
        elif cmd in ("pods", "pod", "po"):
            if args and args[0] in ("-A", "--all-namespaces"):
                self.set_namespace(None)
            elif len(args) >= 2 and args[0] in ("-n", "--namespace"):
                self.choose_namespace(args[1])
            else:
                self.show_pods(namespace=self.namespace)
        elif cmd in ("ns", "namespace", "namespaces"):
            if not args:
                names = self.session.namespaces() if self.session else []
                current = self.namespace or "all"
                self.notify(f"namespace: {current}; with pods: {', '.join(names) or '-'}", timeout=6)
            else:
                self.choose_namespace(None if args[0] in ALL_NAMESPACES else args[0])
        elif cmd in ("ctx", "context", "contexts"):
            if not args:
                self.notify(f"context: {self.context_label}; all: {', '.join(self.known_contexts) or '-'}",
                            timeout=6)
            else:
                self.switch_context(args[0])
        elif cmd in ("help", "h", "?"):
            self.action_help()
        elif cmd in SCREEN_COMMANDS:
            self.open_screen(SCREEN_COMMANDS[cmd])
        elif cmd in self.extra_commands:
            self.extra_commands[cmd](self, args)
        else:
            self.notify(f"unknown command: {cmd} (try :nodes, :pods, :ns NAME, :ctx NAME, :tokens, :upgrade, "
                        ":overview, :audit, :help, :q)", severity="error")

    # ---- the other screens, and SSH with prompts ----------------------------------------------

    def open_screen(self, kind: str) -> None:
        """`:tokens`, `:upgrade`, `:overview` (the session's connection and SSH) and `:audit`."""
        from k8stui.ui.screens.audit import AuditScreen
        from k8stui.ui.screens.overview import OverviewScreen
        from k8stui.ui.screens.tokens import TokensScreen
        from k8stui.ui.screens.upgrade import UpgradeScreen

        kinds = {"tokens": TokensScreen, "upgrade": UpgradeScreen, "overview": OverviewScreen, "audit": AuditScreen}
        cls = kinds[kind]
        if any(isinstance(s, cls) for s in self.screen_stack):  # back to it (a running upgrade's board)
            self._pop_until(lambda s: isinstance(s, cls), f"back to :{kind}")
            return
        if kind == "audit":  # the local log: no session needed
            self.push_screen(AuditScreen())
            return
        if self.session is None:
            self.notify(f"not connected: :{kind} needs a session", severity="error")
            return
        conn = self.session.conn
        factory = self.ssh_runner_factory(conn)
        if kind == "overview":
            self.push_screen(OverviewScreen(conn, runner_factory=factory))
        else:
            self.push_screen(cls(conn, factory))

    def ssh_runner_factory(self, conn: Connection):
        """A factory of SSH runners for this connection: the inventory's hosts, read-only when the
        session is, unknown host keys and sudo passwords asked in modal prompts (the password is
        kept by the runner, in memory only)."""

        def make():
            from k8stui.hosts.inventory import load_inventory
            from k8stui.hosts.ssh import SSHRunner

            return SSHRunner(load_inventory(self.inventory_path), readonly=conn.effective_readonly,
                             context=conn.context,
                             confirm_unknown_key=self.confirm_host_key, ask_sudo_password=self.ask_sudo_password)

        return make

    async def confirm_host_key(self, host: str, fingerprint: str) -> bool:
        from k8stui.ui.screens.prompts import HostKeyScreen, ask

        return bool(await ask(self, HostKeyScreen(host, fingerprint)))

    async def ask_sudo_password(self, node: str) -> str | None:
        from k8stui.ui.screens.prompts import PasswordScreen, ask

        return await ask(self, PasswordScreen(f"sudo password on {node}",
                                              "Asked once, kept in memory for this session only, sent on "
                                              "sudo's standard input; never written anywhere."))

    def jump_to_node(self, name: str) -> None:
        screen = self.show_nodes()
        if screen is None or self.session is None:
            return
        for uid, row in self.session.nodes.rows.items():
            if row.name == name:
                screen.row_filter = type(screen.row_filter)("", None)
                screen.apply_filter()
                screen.table.select_uid(uid)
                return

    def jump_to_pod(self, uid: str) -> None:
        s = self.session
        row = s.pods.rows.get(uid) if s else None
        if row is None:
            return
        self.show_pods(namespace=row.namespace)

        def select() -> None:
            top = self.screen
            if isinstance(top, PodsScreen):
                top.row_filter = type(top.row_filter)("", None)
                top.apply_filter()
                top.table.select_uid(uid)

        self.call_after_refresh(select)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())
