"""`:overview`: the cluster at a glance.

Self-contained: `OverviewScreen(conn, runner_factory=None)` needs only a `Connection` (and, for the
certificate expiry check over SSH, a factory returning an `SSHRunner`; the screen closes that
runner when it goes away). It shows what `k8stui.ops.cluster_info.gather_overview` gathers:
versions, the API endpoint (load balancer or single API server), the etcd topology, the
control-plane nodes with their component versions and readiness, `/readyz?verbose`, node counts
by role and state, the version-skew matrix (violations in red, "at the limit" in yellow), the
certificate expiry, and who holds the k8stui maintenance Lease / a kured lock / an applying
system-upgrade-controller Plan.

Live where cheap: every `refresh_every` seconds (default 10) the API part is read again (a handful
of GETs); the SSH certificate check runs on mount and on `r` only, and its last result is kept.
"""

from __future__ import annotations

import time
from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from k8stui.errors import UserError
from k8stui.hosts.ssh import SSHRunner
from k8stui.kube.connection import Connection, explain
from k8stui.ops.cluster_info import CertReport, Overview, control_plane_rows, format_overview, gather_overview
from k8stui.ui.messages import SessionChanged
from k8stui.ui.screens.command import CommandScreen
from k8stui.ui.safe import cluster_text, markup_safe
from k8stui.ui.styles import css_path

RunnerFactory = Callable[[], SSHRunner]
CSS = [css_path("overview.tcss")]
STATUS_STYLE = {"violation": "bold red", "limit": "yellow", "unknown": "dim"}


class OverviewScreen(CommandScreen):
    CSS_PATH = CSS
    BINDINGS = [
        Binding("r", "refresh", "Refresh (with certificates)"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, conn: Connection, runner_factory: RunnerFactory | None = None, *,
                 refresh_every: float | None = 10.0, name: str | None = None, id: str | None = None):
        super().__init__(name=name, id=id)
        self.conn = conn
        self.runner_factory = runner_factory
        self.refresh_every = refresh_every
        self.overview: Overview | None = None
        self.refreshes = 0  # completed gathers (tests wait on it)
        self.error = ""
        self._certs: CertReport | None = None
        self._runner: SSHRunner | None = None
        self._busy = False

    # ---- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="overview-title")
        with VerticalScroll(id="overview-body"):
            yield Static("reading the cluster…", id="overview-summary")
            yield Static("[b]Control-plane nodes[/b]", classes="overview-heading")
            yield DataTable(id="overview-cp", cursor_type="none", zebra_stripes=True, show_cursor=False)
            yield Static("", id="overview-readyz")
            yield Static("[b]Nodes[/b]", classes="overview-heading")
            yield DataTable(id="overview-nodes", cursor_type="none", show_cursor=False)
            yield Static("[b]Version skew[/b]", id="overview-skew-title", classes="overview-heading")
            yield DataTable(id="overview-skew", cursor_type="none", zebra_stripes=True, show_cursor=False)
            yield Static("", id="overview-skew-notes")
            yield Static("", id="overview-certs")
            yield Static("", id="overview-maintenance")
            yield Static("", id="overview-problems")
        yield Static("", id="overview-status")
        yield self.command_prompt()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#overview-body", VerticalScroll).focus()
        self.refresh_overview(full=True)
        if self.refresh_every:
            self.set_interval(self.refresh_every, lambda: self.refresh_overview(full=False))

    async def on_unmount(self) -> None:
        await self._close_runner()

    async def _close_runner(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.close()

    def _title(self) -> str:
        ro = " [b $warning]READ-ONLY[/]" if self.conn.readonly else ""
        return f"[b]Cluster overview[/b]  [dim]{markup_safe(self.conn.context)} · {markup_safe(self.conn.server)}[/dim]{ro}"

    def attach(self, conn: Connection) -> None:
        """Show another connection's cluster (the app switched context)."""
        self.conn = conn
        self.overview = None
        self._certs = None
        self.run_worker(self._close_runner(), group="overview-runner")
        self.query_one("#overview-title", Static).update(self._title())
        self.refresh_overview(full=True)

    @on(SessionChanged)
    def _session_changed(self, event: SessionChanged) -> None:
        conn = getattr(event.session, "conn", None)
        if conn is not None and conn is not self.conn:
            self.attach(conn)

    # ---- actions ----------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.refresh_overview(full=True)

    def action_back(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def refresh_overview(self, full: bool = False) -> None:
        """Gather again; `full` also runs the SSH certificate check (when a runner factory was given)."""
        if not full and self._busy:
            return  # the timer never piles reads up behind a slow one
        if full:
            self.query_one("#overview-status", Static).update("refreshing…")
        self.run_worker(self._gather(full), name="overview-gather", group="overview-gather", exclusive=True)

    async def _gather(self, full: bool) -> None:
        self._busy = True
        try:
            await self._gather_once(full)
        finally:
            self._busy = False

    async def _gather_once(self, full: bool) -> None:
        conn = self.conn
        runner = None
        note = "no SSH inventory: start k8stui with an inventory to check certificate expiry"
        if full and self.runner_factory is not None:
            try:
                if self._runner is None:
                    self._runner = self.runner_factory()
                runner = self._runner
            except UserError as e:
                note = f"no SSH: {e}"
        try:
            ov = await gather_overview(conn, runner, certs=full and runner is not None, cert_note=note)
        except Exception as e:
            if conn is not self.conn or not self.is_mounted:
                return
            self.error = str(explain(e, conn))
            self.query_one("#overview-status", Static).update(
                f"[b red]cannot read the cluster:[/] {markup_safe(self.error)}")
            return
        if conn is not self.conn or not self.is_mounted:
            return  # the context changed meanwhile, or the screen was closed while it read
        if full or self._certs is None:
            self._certs = ov.certificates
        else:
            ov.certificates = self._certs
        self.overview = ov
        self.error = ""
        self.refreshes += 1
        self.show(ov)

    # ---- rendering --------------------------------------------------------------------------

    def show(self, ov: Overview) -> None:
        now = time.time()
        self.query_one("#overview-summary", Static).update(self._summary(ov))
        self._fill_control_plane(ov)
        rz = ov.readyz
        style = "green" if rz.ok else "bold red"
        lines = [f"[b]API health[/b] (/readyz?verbose): [{style}]{markup_safe(rz.summary())}[/]"]
        lines += [f"  [red][-] {markup_safe(c.name)}[/] {markup_safe(c.message)}" for c in rz.failed]
        self.query_one("#overview-readyz", Static).update("\n".join(lines))
        self._fill_nodes(ov)
        self._fill_skew(ov)
        certs = ov.certificates
        cert_lines = [f"[b]Certificates[/b]: {markup_safe(certs.summary(now))}"]
        for n in certs.nodes:
            for c in n.certs:
                if c.state != "ok":
                    color = "bold red" if c.state == "EXPIRED" else "yellow"
                    cert_lines.append(f"  [{color}]{markup_safe(n.node)}: {markup_safe(c.name)} {c.state}[/]")
        self.query_one("#overview-certs", Static).update("\n".join(cert_lines))
        maint = ov.maintenance
        busy = bool(maint.activities) or bool(maint.lease and maint.lease.holder and not maint.lease.expired(now))
        mlines = ["[b]Maintenance[/b]" + (" [b $warning]IN PROGRESS[/]" if busy else "")]
        mlines += [f"  {markup_safe(line)}" for line in maint.lines(now)]
        self.query_one("#overview-maintenance", Static).update("\n".join(mlines))
        probs = self.query_one("#overview-problems", Static)
        probs.update("\n".join(["[b $warning]Could not read[/]"] + [f"  {markup_safe(p)}" for p in ov.problems])
                     if ov.problems else "")
        stamp = time.strftime("%H:%M:%S", time.localtime(ov.gathered_at))
        live = f"; live every {self.refresh_every:g}s" if self.refresh_every else ""
        self.query_one("#overview-status", Static).update(f"[dim]read at {stamp}{live}; r: refresh with "
                                                          "certificates, esc: back[/]")

    def _summary(self, ov: Overview) -> str:
        versions = ov.versions
        mixed = "  [b $warning]MIXED VERSIONS[/]" if len(versions) > 1 else ""
        vparts = [f"{markup_safe(ov.version or '?')} (/version)"]
        if ov.config_version:
            vparts.append(f"ClusterConfiguration {markup_safe(ov.config_version)}")
        if ov.apiserver_versions:
            vparts.append("kube-apiserver " + markup_safe(", ".join(ov.apiserver_versions)))
        etcd = ov.etcd
        estyle = "bold red" if etcd.mode == "stacked" and etcd.ready < etcd.quorum else (
            "yellow" if etcd.mode == "stacked" and etcd.ready < etcd.total else "")
        etext = markup_safe(etcd.summary())
        lines = [
            f"[b]Cluster[/b]   {markup_safe(ov.cluster_name or '-')}"
            + ("" if ov.kubeadm else "  [dim](no kubeadm-config)[/]"),
            "[b]Version[/b]   " + "; ".join(vparts) + mixed,
            f"[b]Endpoint[/b]  {markup_safe(ov.endpoint_summary())}",
            "[b]etcd[/b]      " + (f"[{estyle}]{etext}[/]" if estyle else etext),
        ]
        for m in etcd.members:
            state = "Ready" if m.ready else "[b red]NOT READY[/]"
            lines.append(f"          {markup_safe(m.node)}  {markup_safe(m.client_urls or '-')}  {markup_safe(m.version)}  {state}")
        if ov.addons:
            lines.append("[b]Add-ons[/b]   " + markup_safe(", ".join(f"{k} {v}" for k, v in ov.addons.items())))
        return "\n".join(lines)

    def _fill_control_plane(self, ov: Overview) -> None:
        table = self.query_one("#overview-cp", DataTable)
        rows = control_plane_rows(ov)
        table.clear(columns=True)
        for h in rows[0]:
            table.add_column(h, key=h)
        for r in rows[1:]:
            cells = [cluster_text(c, style="bold red" if ("NotReady" in c or "not ready" in c) else "") for c in r]
            table.add_row(*cells, key=r[0])

    def _fill_nodes(self, ov: Overview) -> None:
        table = self.query_one("#overview-nodes", DataTable)
        table.clear(columns=True)
        for h in ("ROLE", "TOTAL", "READY", "NOTREADY", "SCHEDULINGDISABLED"):
            table.add_column(h, key=h)
        for c in ov.node_counts:
            table.add_row(c.role, str(c.total), str(c.ready),
                          Text(str(c.not_ready), style="bold red" if c.not_ready else ""),
                          Text(str(c.scheduling_disabled), style="yellow" if c.scheduling_disabled else ""),
                          key=c.role)

    def _fill_skew(self, ov: Overview) -> None:
        bad = ov.skew_violations
        title = "[b]Version skew[/b] (against the oldest kube-apiserver): " + (
            f"[b red]{len(bad)} VIOLATION(S)[/]" if bad else "[green]ok[/]")
        self.query_one("#overview-skew-title", Static).update(title)
        table = self.query_one("#overview-skew", DataTable)
        table.clear(columns=True)
        for h in ("NODE", "COMPONENT", "VERSION", "APISERVER", "SKEW", "STATUS"):
            table.add_column(h, key=h)
        for i, r in enumerate(ov.skew):
            style = STATUS_STYLE.get(r.status, "")
            skew = "-" if r.skew is None else (f"{r.skew} older" if r.skew > 0 else
                                               f"{-r.skew} newer" if r.skew < 0 else "0")
            cells = [r.node or "(daemonset)", r.component, r.version, r.reference, skew,
                     r.status.upper() if r.status != "ok" else "ok"]
            table.add_row(*(cluster_text(c, style=style) for c in cells), key=f"{i}:{r.node}:{r.component}")
        notes = [f"  [{STATUS_STYLE[r.status]}]{markup_safe(r.node or r.component)}: {markup_safe(r.message)}[/]"
                 for r in ov.skew if r.status in ("violation", "limit") and r.message]
        self.query_one("#overview-skew-notes", Static).update("\n".join(notes))

    def text(self) -> str:
        """The overview as plain text (what `k8stui overview` prints), or the last error."""
        return format_overview(self.overview) if self.overview else self.error
