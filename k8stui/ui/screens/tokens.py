"""`:tokens`: bootstrap tokens with live TTLs, create/delete, join commands (worker and control plane).

Self-contained: `TokensScreen(conn, runner_factory=None)` needs only a `Connection` (and, for the
control-plane join, a factory returning an `SSHRunner`; the screen closes that runner when it
goes away). Data stays live through `TokenWatch` (a watch on the token Secrets and on
kube-public/cluster-info, no polling); a one-second UI timer only re-renders the TTL cells and
countdowns. Token secrets are masked (`abcdef.****************`) until revealed with `r`; the join
command screen masks the secret (and a certificate key) too until `r`; `c` sends the real command
to the terminal's clipboard (OSC 52). A read-only session never has the secrets (the ops layer
withholds them): reveal, join command and copy are refused with the reason, and nothing is sent to
the clipboard.
"""

from __future__ import annotations

import time
from typing import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from k8stui.errors import UserError
from k8stui.hosts.ssh import SSHRunner
from k8stui.kube.connection import Connection
from k8stui.ops import tokens as ops
from k8stui.sanitize import is_safe
from k8stui.ui.messages import SessionChanged
from k8stui.ui.safe import markup_safe, markup_safe_lines, plain, table_row
from k8stui.ui.screens.command import CommandScreen
from k8stui.ui.screens.prompts import TypeNameScreen
from k8stui.ui.styles import css_path

RunnerFactory = Callable[[], SSHRunner]
CSS = [css_path("tokens.tcss")]
# kubeadm's columns, with USABLE (cluster-info signed for the token) next to the TTL
COLUMNS = ("TOKEN", "TTL", "USABLE", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS")


def usable_text(t: ops.TokenInfo, signed: set[str], now: float) -> str:
    """Whether `kubeadm join` can discover the cluster with this token right now."""
    if t.expired(now):
        return "expired"
    if not t.signing:
        return "no (not a signing token)"
    if t.id in signed:
        return "yes"
    return "waiting for signature…"


def mask_command(command: str, token: str, certificate_key: str | None = None) -> str:
    """The join command with the token secret (and the certificate key) masked."""
    tid = token.split(".", 1)[0]
    out = command.replace(token, f"{tid}.{ops.MASK}")
    if certificate_key:
        out = out.replace(certificate_key, "*" * len(certificate_key))
    return out


class TokensScreen(CommandScreen):
    CSS_PATH = CSS
    BINDINGS = [
        Binding("n", "create", "New"),
        Binding("d", "delete", "Delete"),
        Binding("j", "join", "Join command"),  # enter too (the table's row selection)
        Binding("p", "control_plane", "Control-plane join"),
        Binding("r", "reveal", "Reveal"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, conn: Connection, runner_factory: RunnerFactory | None = None, *,
                 clock: Callable[[], float] = time.time, name: str | None = None, id: str | None = None):
        super().__init__(name=name, id=id)
        self.conn = conn
        self.runner_factory = runner_factory
        self.clock = clock
        self.watch = ops.TokenWatch(conn, on_change=self._changed)
        self.revealed: set[str] = set()
        self._order: list[str] = []
        self._runner: SSHRunner | None = None
        self._busy = False

    # ---- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="tokens-title")
        table: DataTable = DataTable(id="tokens-table", cursor_type="row", zebra_stripes=True)
        for col in COLUMNS:
            table.add_column(col, key=col)
        yield table
        yield Static("connecting…", id="tokens-status")
        yield self.command_prompt()
        yield Footer()

    @property
    def table(self) -> DataTable:
        return self.query_one("#tokens-table", DataTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.run_worker(self.watch.run(), name="tokens-watch", group="tokens-watch", exclusive=True)
        self.set_interval(1.0, self.tick)

    async def on_unmount(self) -> None:
        await self._close_runner()

    async def _close_runner(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.close()

    def attach(self, conn: Connection) -> None:
        """Show another connection's tokens (the app switched context)."""
        self.conn = conn
        self.watch = ops.TokenWatch(conn, on_change=self._changed)
        self.revealed.clear()
        self._order = []
        self.table.clear()
        self.run_worker(self.watch.run(), name="tokens-watch", group="tokens-watch", exclusive=True)
        self.run_worker(self._close_runner(), group="tokens-runner")
        self.query_one("#tokens-title", Static).update(self._title())
        self.render_rows()

    def _title(self) -> str:
        ro = " [b $warning]READ-ONLY[/]" if self.conn.effective_readonly else ""
        return f"[b]Bootstrap tokens[/b]  [dim]{markup_safe(self.conn.context)} · kube-system[/dim]{ro}"

    @on(SessionChanged)
    def _session_changed(self, event: SessionChanged) -> None:
        conn = getattr(event.session, "conn", None)
        if conn is not None and conn is not self.conn:
            self.attach(conn)

    # ---- rendering --------------------------------------------------------------------------

    def _changed(self) -> None:
        if self.is_mounted:
            self.render_rows()

    def tick(self) -> None:
        self.render_rows()

    def selected(self) -> ops.TokenInfo | None:
        t = self.table
        if not self._order or t.cursor_row < 0 or t.cursor_row >= len(self._order):
            return None
        return self.watch.tokens.get(self._order[t.cursor_row])

    def row_cells(self, tok: ops.TokenInfo, now: float) -> list[str]:
        c = tok.cells(now, reveal=tok.id in self.revealed)
        return c[:2] + [usable_text(tok, self.watch.signed, now)] + c[2:]

    def render_rows(self) -> None:
        now = self.clock()
        table = self.table
        tokens = self.watch.tokens
        order = list(tokens)
        if order != self._order:
            keep = self.selected()
            table.clear()
            for tid in order:
                table.add_row(*table_row(self.row_cells(tokens[tid], now)), key=tid)
            self._order = order
            if keep is not None and keep.id in tokens:
                table.move_cursor(row=order.index(keep.id))
        else:
            for tid in order:
                for col, value in zip(COLUMNS, table_row(self.row_cells(tokens[tid], now))):
                    if table.get_cell(tid, col) != value:
                        table.update_cell(tid, col, value)
        self._render_status()

    def _render_status(self) -> None:
        w = self.watch
        parts = []
        if w.state == "live":
            parts.append(f"{len(w.tokens)} token(s) · [$success]live[/]")
        else:
            parts.append(f"[$warning]{w.state}[/]")
        if w.error:
            parts.append(f"[$error]{markup_safe(w.error)}[/]")
        for name, problem in w.problems.items():
            parts.append(f"[$error]{markup_safe(problem)}[/]")
        if self._busy:
            parts.append("[$warning]working…[/]")
        self.query_one("#tokens-status", Static).update("  │  ".join(parts))

    def fail(self, e: BaseException) -> None:
        message = str(e) if isinstance(e, UserError) else f"{type(e).__name__}: {e}"
        self.notify(message, severity="error", timeout=10)

    def _refused(self, what: str) -> bool:
        if self.conn.effective_readonly:
            self.notify(f"read-only mode: refused to {what}", severity="error", timeout=6)
            return True
        return False

    def _withheld(self, what: str) -> bool:
        """Read-only: say why `what` (ops.SECRETS_NOT_SHOWN, ops.JOIN_NOT_GIVEN) is refused."""
        return _refuse_secret(self, self.conn, what)

    # ---- actions ----------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def action_reveal(self) -> None:
        tok = self.selected()
        if tok is None or self._withheld(ops.SECRETS_NOT_SHOWN):
            return
        self.revealed ^= {tok.id}
        self.render_rows()

    def action_create(self) -> None:
        if self._refused("create a bootstrap token"):
            return
        self.app.push_screen(CreateTokenScreen(), self._create_chosen)

    def _create_chosen(self, opts: ops.CreateOptions | None) -> None:
        if opts is not None:
            self._create(opts)

    @work(group="tokens-op", exclusive=True)
    async def _create(self, opts: ops.CreateOptions) -> None:
        self._busy = True
        try:
            tok = await ops.create_token_from(self.conn, opts)
        except Exception as e:
            self.fail(e)
            return
        finally:
            self._busy = False
            self._render_status()
        self.notify(f'bootstrap token "{tok.id}" created', timeout=4)
        self.app.push_screen(JoinCommandScreen(self.conn, tok))

    def action_delete(self) -> None:
        tok = self.selected()
        if tok is None or self._refused("delete a bootstrap token"):
            return
        detail = (f"kubeadm token delete {tok.id}: nodes can no longer join or bootstrap with it"
                  + ("; the kubeadm-certs Secret it owns goes with it" if tok.is_certs_proxy else ""))

        def answered(typed: str | None) -> None:
            if typed:
                self._delete(tok.id)

        # typed, not y/n: a join or a node's bootstrap that needs this token fails for good
        self.app.push_screen(TypeNameScreen(f'Delete bootstrap token "{tok.id}"?', detail, tok.id, yes="Delete"),
                             answered)

    @work(group="tokens-op", exclusive=True)
    async def _delete(self, tid: str) -> None:
        try:
            self.notify(await ops.delete_token(self.conn, tid), timeout=4)
        except Exception as e:
            self.fail(e)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_join()

    def action_join(self) -> None:
        tok = self.selected()
        if tok is None or self._withheld(ops.JOIN_NOT_GIVEN):
            return
        self.app.push_screen(JoinCommandScreen(self.conn, tok))

    def action_control_plane(self) -> None:
        tok = self.selected()
        if tok is None:
            return
        if self._refused("upload the control-plane certificates"):
            return
        if self.runner_factory is None:
            self.notify("control-plane join needs SSH access to a control-plane node: no inventory is "
                        "configured", severity="error", timeout=8)
            return
        self._offer_control_plane(tok)

    @work(group="tokens-offer", exclusive=True)
    async def _offer_control_plane(self, tok: ops.TokenInfo) -> None:
        """Only where kubeadm would accept a control-plane join: the cluster has a controlPlaneEndpoint."""
        try:
            await ops.require_control_plane_endpoint(self.conn)
        except Exception as e:
            self.fail(e)
            return

        def answered(typed: str | None) -> None:
            if typed:
                self._control_plane(tok)

        # typed, not y/n: it puts the cluster's CA keys where anyone with the key can join as control plane
        self.app.push_screen(TypeNameScreen(
            "Upload the control-plane certificates?",
            "Runs `kubeadm init phase upload-certs --upload-certs` over SSH on a control-plane node. "
            "The certificates are stored encrypted in the kube-system/kubeadm-certs Secret; the key it "
            "prints decrypts them for 2 hours.", "upload-certs", yes="Upload"), answered)

    @work(group="tokens-op", exclusive=True)
    async def _control_plane(self, tok: ops.TokenInfo) -> None:
        self._busy = True
        self._render_status()
        try:
            if self._runner is None:
                self._runner = self.runner_factory()  # type: ignore[misc]
            cp = await ops.control_plane_join(self.conn, self._runner, None, tok)
        except Exception as e:
            self.fail(e)
            return
        finally:
            self._busy = False
            self._render_status()
        self.app.push_screen(JoinCommandScreen(self.conn, tok, cp, clock=self.clock))


def _refuse_secret(screen: Screen, conn: Connection, what: str) -> bool:
    """In a read-only session, one notification line (`read-only (REASON): WHAT`) and True."""
    refusal = ops.withheld(conn, what)
    if refusal is None:
        return False
    screen.notify(plain(refusal), severity="error", timeout=6, markup=False)  # the reason may name a context
    return True


class CreateTokenScreen(ModalScreen["ops.CreateOptions | None"]):
    """The `kubeadm token create` options, validated as kubeadm validates them."""

    CSS_PATH = CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="create-box"):
            yield Static("[b]New bootstrap token[/b]", id="create-title")
            yield Label("TTL (Go duration; 0: never expires)")
            yield Input(ops.DEFAULT_TTL, id="create-ttl")
            yield Label("Description")
            yield Input("", id="create-description", placeholder="a human friendly description")
            yield Label("Usages (comma-separated: signing, authentication)")
            yield Input(",".join(ops.DEFAULT_USAGES), id="create-usages")
            yield Label("Extra groups (comma-separated, system:bootstrappers:…)")
            yield Input(",".join(ops.DEFAULT_GROUPS), id="create-groups")
            yield Static("", id="create-note")
            yield Static("", id="create-error")
            with Horizontal(id="create-buttons"):
                yield Button("Create", id="create-ok", variant="primary")
                yield Button("Cancel", id="create-cancel")

    def on_mount(self) -> None:
        self.query_one("#create-ttl", Input).focus()
        self.check()

    def values(self) -> dict[str, str]:
        return {k: self.query_one(f"#create-{k}", Input).value
                for k in ("ttl", "description", "usages", "groups")}

    def check(self) -> ops.CreateOptions | None:
        v = self.values()
        err = self.query_one("#create-error", Static)
        note = self.query_one("#create-note", Static)
        try:
            opts = ops.validate_create(v["ttl"].strip(), v["description"], v["usages"], v["groups"])
        except UserError as e:
            err.update(f"[$error]{markup_safe(str(e))}[/]")
            note.update("")
            return None
        err.update("")
        if opts.never_expires:
            note.update("[$warning]this token never expires[/] (kubeadm writes no expiration for a TTL ≤ 0)")
        else:
            note.update(f"expires in {opts.ttl_text} · usages {','.join(opts.usages)} · "
                        f"groups {','.join(opts.groups)}")
        return opts

    @on(Input.Changed)
    def _changed(self) -> None:
        self.check()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.submit()

    def submit(self) -> None:
        opts = self.check()
        if opts is not None:
            self.dismiss(opts)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create-ok":
            self.submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class JoinCommandScreen(ModalScreen[None]):
    """The join command, large, with its usability (cluster-info signed) and, for a control-plane
    join, the countdown of the certificate key's two hours."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("c", "copy", "Copy"),
        Binding("r", "reveal", "Reveal"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(self, conn: Connection, token: ops.TokenInfo, control_plane: ops.ControlPlaneJoin | None = None,
                 *, clock: Callable[[], float] = time.time):
        super().__init__()
        self.conn = conn
        self.token = token
        self.cp = control_plane
        self.clock = clock
        self.command: str | None = control_plane.command if control_plane else None
        self.revealed = False
        self.usable: bool | None = None
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        kind = "control-plane" if self.cp else "worker"
        with Vertical(id="join-box"):
            yield Static(f"[b]kubeadm join ({kind}) with token {markup_safe(self.token.id)}[/b]", id="join-title")
            yield Static("building the join command…", id="join-command")
            yield Static("", id="join-usable")
            if self.cp:
                yield Static("", id="join-countdown")
            yield Static("[dim]c send to the terminal's clipboard (OSC 52) · r reveal the secret · esc close[/dim]",
                         id="join-hint")

    def on_mount(self) -> None:
        self.set_interval(1.0, self.render_parts)
        self.load()
        self.render_parts()

    @work(group="join", exclusive=True)
    async def load(self) -> None:
        try:
            if self.command is None:
                self.command = await ops.join_command(self.conn, self.token)
            self.render_parts()
            if not self.token.signing:
                self.usable = False
            else:
                while not await ops.wait_usable(self.conn, self.token.id, timeout=60):
                    pass
                self.usable = True
        except Exception as e:
            self.error = str(e) if isinstance(e, UserError) else f"{type(e).__name__}: {e}"
        self.render_parts()

    def render_parts(self) -> None:
        if not self.is_mounted:
            return
        cmd = self.query_one("#join-command", Static)
        if self.error:
            cmd.update(f"[$error]{markup_safe(self.error)}[/]")
        elif self.command:
            text = self.command if self.revealed else mask_command(
                self.command, self.token.token, self.cp.certificate_key if self.cp else None)
            cmd.update(markup_safe_lines(text))
        usable = self.query_one("#join-usable", Static)
        now = self.clock()
        if self.token.expired(now):
            usable.update("[$error]this token has expired[/]")
        elif self.usable is True:
            usable.update(f"[$success]✓ usable[/]: cluster-info is signed for {self.token.id} · token "
                          f"{self.token.ttl(now)} left")
        elif self.usable is False:
            usable.update("[$error]not usable for discovery: the token has no signing usage[/]")
        else:
            usable.update("[$warning]waiting for the bootstrap signer to sign cluster-info for this token…[/]")
        if self.cp:
            left = self.cp.countdown(now)
            color = "$error" if left == "expired" else ("$warning" if self.cp.remaining(now) < 900 else "$success")
            self.query_one("#join-countdown", Static).update(
                f"certificate key (uploaded from {markup_safe(self.cp.node)}) expires in [b {color}]{left}[/]")

    def action_copy(self) -> None:
        if _refuse_secret(self, self.conn, ops.JOIN_NOT_GIVEN):
            return
        if not self.command:
            self.notify("the join command is not ready yet", severity="warning")
            return
        if not is_safe(self.command):
            # its endpoint comes from kube-public/cluster-info: a control character there would be
            # pasted into a shell on the new node
            self.notify("not copied: the join command holds control characters (from kube-public/cluster-info)",
                        severity="error", timeout=8)
            return
        self.app.copy_to_clipboard(self.command)
        # OSC 52 has no answer: whether the terminal took it is unknown
        self.notify("join command sent to the terminal's clipboard (if it allows OSC 52)", timeout=3)

    def action_reveal(self) -> None:
        if _refuse_secret(self, self.conn, ops.SECRETS_NOT_SHOWN):
            return
        self.revealed = not self.revealed
        self.render_parts()

    def action_close(self) -> None:
        self.dismiss(None)
