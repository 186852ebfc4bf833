"""Run commands on cluster hosts over SSH (asyncssh), safely.

- One connection per host, opened lazily and reused; jump hosts (ProxyJump) likewise.
- Output is streamed line by line to `on_line(stream, line)` while the command runs.
- Per-command timeout; cancelling the awaiting task (or a timeout) sends TERM to the remote
  command and closes the channel (see `_stop`).
- Host keys are checked against the inventory's known_hosts file. An unknown key is refused with
  `UnknownHostKey` unless `confirm_unknown_key(host, fingerprint)` accepts it, in which case it is
  appended to that file. A changed key is always refused (`HostKeyChanged`).
- `sudo` is added per the inventory mode; in `password` mode the password is asked once through
  `ask_sudo_password(node)`, kept in memory only and written on the command's stdin.
- Every command (with secrets redacted) is written to the audit log with its outcome.
- Read-only runners refuse, before connecting, everything but the pure queries listed in
  `k8stui.hosts.shell.READ_ONLY_PATTERNS` (an allow-list checked on the final command text).

~/.ssh/config is not read: the inventory is the only source of connection settings.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from k8stui import audit
from k8stui.errors import ReadOnlyError, UserError
from k8stui.hosts import shell
from k8stui.hosts.inventory import HostSpec, Inventory
from k8stui.hosts.shell import Command

OnLine = Callable[[str, str], Awaitable[None] | None]
ConfirmKey = Callable[[str, str], Awaitable[bool]]
AskPassword = Callable[[str], Awaitable[str | None]]

# sudo's own words for a refused password, and for a password it needs but was not told about.
_SUDO_BAD_PASSWORD = "incorrect password attempt"
_SUDO_NEEDS_PASSWORD = "sudo: a password is required"
# Shorter passwords are not scrubbed from output: they would mangle ordinary words.
_MIN_SCRUB_LEN = 4


@dataclass(frozen=True)
class CommandResult:
    exit_status: int  # minus the signal number if the command was killed by a signal
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


class SSHError(UserError):
    """Connecting to or running on a host failed."""


class UnknownHostKey(SSHError):
    def __init__(self, host: str, port: int, fingerprint_sha256: str, key: asyncssh.SSHKey,
                 known_hosts: Path):
        self.host, self.port, self.fingerprint_sha256, self.key = host, port, fingerprint_sha256, key
        super().__init__(
            f"unknown host key for {host}:{port}: {key.get_algorithm()} {fingerprint_sha256} is "
            f"not in {known_hosts}; accept it only after checking this fingerprint on the host"
        )


class HostKeyChanged(SSHError):
    def __init__(self, host: str, port: int, fingerprint_sha256: str, known_hosts: Path):
        self.host, self.port, self.fingerprint_sha256 = host, port, fingerprint_sha256
        super().__init__(
            f"host key for {host}:{port} has CHANGED (now {fingerprint_sha256}, not the one in "
            f"{known_hosts}): refusing to connect; if the host was reinstalled, remove its old "
            "entry from that file"
        )


class CommandTimeout(SSHError):
    pass


class SudoError(SSHError):
    pass


class _HostKeyCheck(asyncssh.SSHClient):
    """Matches the server key against known_hosts and remembers a key it had to reject."""

    def __init__(self, known_hosts: Path):
        try:
            text = known_hosts.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        self._known = asyncssh.import_known_hosts(text)
        self.had_entries = False
        self.presented: asyncssh.SSHKey | None = None

    def trusted(self, host: str, addr: str, port: int | None) -> tuple[Any, Any, Any]:
        # Passed as asyncssh's `known_hosts` callable: a callable is never replaced by
        # ~/.ssh/known_hosts, which an empty file would be.
        keys, ca_keys, revoked, *_ = asyncssh.match_known_hosts(self._known, host, addr, port)
        self.had_entries = bool(keys or ca_keys)
        return keys, ca_keys, revoked

    def validate_host_public_key(self, host: str, addr: str, port: int,
                                 key: asyncssh.SSHKey) -> bool:
        self.presented = key
        return False


def _known_hosts_line(host: str, port: int, key: asyncssh.SSHKey) -> str:
    pattern = host if port == 22 else f"[{host}]:{port}"
    algorithm, blob = key.export_public_key("openssh").decode().split()[:2]
    return f"{pattern} {algorithm} {blob}\n"


def append_known_host(known_hosts: Path, host: str, port: int, key: asyncssh.SSHKey) -> None:
    """Record an accepted host key the way OpenSSH does (`[host]:port` for other ports)."""
    known_hosts.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    existing = known_hosts.read_text(encoding="utf-8") if known_hosts.exists() else ""
    prefix = "" if not existing or existing.endswith("\n") else "\n"
    with open(known_hosts, "a", encoding="utf-8") as fh:
        fh.write(prefix + _known_hosts_line(host, port, key))


def _conn_key(spec: HostSpec) -> tuple[Any, ...]:
    jump = _conn_key(spec.jump) if spec.jump else None
    return (spec.user, spec.host, spec.port, str(spec.identity_file), jump)


class SSHRunner:
    def __init__(
        self,
        inventory: Inventory,
        *,
        readonly: bool = False,
        confirm_unknown_key: ConfirmKey | None = None,
        ask_sudo_password: AskPassword | None = None,
        context: str = "",
        connect_timeout: float = 15.0,
        default_timeout: float | None = 1800.0,
    ):
        self.inventory = inventory
        self.readonly = readonly
        self.context = context
        self.connect_timeout = connect_timeout
        self.default_timeout = default_timeout
        self._confirm = confirm_unknown_key
        self._ask_password = ask_sudo_password
        self._password: str | None = None
        self._password_lock = asyncio.Lock()
        self._conns: dict[tuple[Any, ...], asyncssh.SSHClientConnection] = {}
        self._conn_locks: dict[tuple[Any, ...], asyncio.Lock] = {}

    # --- public API ---------------------------------------------------------------------------

    async def run(
        self,
        node: str,
        command: Command | str,
        *,
        timeout: float | None = None,
        on_line: OnLine | None = None,
        internal_ip: str | None = None,
    ) -> CommandResult:
        """Run one command on `node`; raises SSHError subclasses, ReadOnlyError, UserError."""
        cmd = command if isinstance(command, Command) else Command(command)
        spec = self.inventory.host(node, internal_ip)
        if self.readonly and not shell.is_read_only(cmd.text):
            self._audit(node, spec, cmd.redacted(), "refused", None, reason="read-only mode")
            raise ReadOnlyError(f"run `{cmd.redacted()}` on {node}")
        # root needs no sudo, and root's sudo would leave a password line on the command's stdin.
        line = shell.wrap_sudo(cmd, "none" if spec.user == "root" else spec.sudo)
        password = await self._sudo_password(node) if line.startswith(shell.SUDO_PASSWORD) else None
        stdin = (f"{password}\n" if password else "") + (cmd.input or "")
        scrub = (password,) if password and len(password) >= _MIN_SCRUB_LEN else ()
        audit_line = shell.redact(line, cmd.secrets)
        outcome, status, reason = "error", None, ""
        try:
            result = await self._run_on(spec, line, stdin, timeout, on_line, scrub)
            status = result.exit_status
            outcome = "ok" if result.ok else "failed"
            self._check_sudo(node, result, password is not None)
            return result
        except CommandTimeout:
            outcome = "timeout"
            raise
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except UserError as exc:
            reason = str(exc)
            raise
        finally:
            self._audit(node, spec, audit_line, outcome, status, reason=reason)

    def set_sudo_password(self, password: str | None) -> None:
        self._password = password or None

    def forget_sudo_password(self) -> None:
        self._password = None

    async def close(self) -> None:
        conns = list(self._conns.values())
        self._conns.clear()
        # Targets before their jump hosts: a tunnel must outlive what runs through it.
        for conn in reversed(conns):
            conn.close()
        for conn in conns:
            await conn.wait_closed()

    # --- running ------------------------------------------------------------------------------

    async def _run_on(self, spec: HostSpec, line: str, stdin: str, timeout: float | None,
                      on_line: OnLine | None, scrub: tuple[str, ...]) -> CommandResult:
        limit = self.default_timeout if timeout is None else timeout
        for attempt in (1, 2):
            conn = await self._connection(spec)
            try:
                process = await conn.create_process(line, encoding="utf-8", errors="replace")
            except (asyncssh.ChannelOpenError, asyncssh.ConnectionLost, asyncssh.DisconnectError,
                    BrokenPipeError) as exc:
                # The cached connection died; the command never started, so one retry is safe.
                self._drop(spec, conn)
                if attempt == 2:
                    raise SSHError(f"{spec.node}: cannot start command: {exc}") from None
                continue
            return await self._drive(spec, process, stdin, limit, on_line, scrub)
        raise AssertionError("unreachable")

    async def _drive(self, spec: HostSpec, process: asyncssh.SSHClientProcess, stdin: str,
                     limit: float | None, on_line: OnLine | None,
                     scrub: tuple[str, ...]) -> CommandResult:
        try:
            if stdin:
                process.stdin.write(stdin)
            process.stdin.write_eof()
            async with asyncio.timeout(limit):
                out, err = await asyncio.gather(
                    _pump(process.stdout, "stdout", on_line, scrub),
                    _pump(process.stderr, "stderr", on_line, scrub),
                )
                await process.wait_closed()
        except TimeoutError:
            _stop(process)
            raise CommandTimeout(f"{spec.node}: command timed out after {limit:g}s") from None
        except BaseException:
            _stop(process)  # cancellation (or a failing on_line) ends the remote command too
            raise
        if process.returncode is None:
            raise SSHError(f"{spec.node}: the connection closed before the command reported its "
                           "exit status")
        return CommandResult(process.returncode, out, err)

    def _check_sudo(self, node: str, result: CommandResult, used_password: bool) -> None:
        if result.ok:
            return
        if used_password and _SUDO_BAD_PASSWORD in result.stderr:
            self.forget_sudo_password()
            raise SudoError(f"{node}: sudo refused the password (it will be asked again)")
        if _SUDO_NEEDS_PASSWORD in result.stderr.splitlines():
            raise SudoError(f"{node}: sudo needs a password: set `sudo: password` for this node "
                            "in the inventory")

    async def _sudo_password(self, node: str) -> str:
        async with self._password_lock:
            if self._password is None:
                if self._ask_password is None:
                    raise SudoError(f"{node}: sudo needs a password and none can be asked for")
                password = await self._ask_password(node)
                if not password:
                    raise SudoError(f"{node}: no sudo password given")
                self._password = password
            return self._password

    def _audit(self, node: str, spec: HostSpec, line: str, outcome: str, status: int | None,
               reason: str = "") -> None:
        extra: dict[str, Any] = {"command": line, "exit_status": status, "host": spec.label()}
        if reason:
            extra["reason"] = reason
        audit.record("ssh", f"host/{node}", context=self.context, result=outcome, **extra)

    # --- connections --------------------------------------------------------------------------

    async def _connection(self, spec: HostSpec) -> asyncssh.SSHClientConnection:
        key = _conn_key(spec)
        async with self._conn_locks.setdefault(key, asyncio.Lock()):
            conn = self._conns.get(key)
            if conn is not None and not conn.is_closed():
                return conn
            tunnel = await self._connection(spec.jump) if spec.jump else None
            conn = await self._connect(spec, tunnel)
            self._conns[key] = conn
            return conn

    def _drop(self, spec: HostSpec, conn: asyncssh.SSHClientConnection) -> None:
        key = _conn_key(spec)
        if self._conns.get(key) is conn:
            del self._conns[key]
        conn.close()

    async def _connect(self, spec: HostSpec, tunnel: asyncssh.SSHClientConnection | None
                       ) -> asyncssh.SSHClientConnection:
        if not spec.identity_file.is_file():
            raise SSHError(f"{spec.node}: identity file not found: {spec.identity_file}")
        for attempt in (1, 2):
            check = _HostKeyCheck(spec.known_hosts)
            try:
                return await asyncssh.connect(
                    spec.host, spec.port, tunnel=tunnel or (), username=spec.user,
                    client_keys=[str(spec.identity_file)], known_hosts=check.trusted,
                    client_factory=lambda: check, config=None,
                    connect_timeout=self.connect_timeout, keepalive_interval=30,
                )
            except asyncssh.HostKeyNotVerifiable as exc:
                if check.presented is None:
                    raise SSHError(f"{spec.node}: cannot verify the host key of {spec.address}: "
                                   f"{exc.reason}") from None
                if not await self._accept_unknown(spec, check, attempt):
                    raise self._key_error(spec, check) from None
            except asyncssh.KeyImportError as exc:
                raise SSHError(f"{spec.node}: cannot use identity file {spec.identity_file}: "
                               f"{exc}") from None
            except (OSError, asyncssh.Error, asyncio.TimeoutError) as exc:
                raise SSHError(f"{spec.node}: cannot connect to {spec.label()}: "
                               f"{_reason(exc)}") from None
        raise self._key_error(spec, check)

    async def _accept_unknown(self, spec: HostSpec, check: _HostKeyCheck, attempt: int) -> bool:
        """Ask about a key seen for the first time; record it when the user accepts it."""
        key = check.presented
        if check.had_entries or key is None or attempt > 1 or self._confirm is None:
            return False
        fingerprint = f"{key.get_algorithm()} {key.get_fingerprint('sha256')}"
        if not await self._confirm(f"{spec.node} ({spec.address})", fingerprint):
            return False
        append_known_host(spec.known_hosts, spec.host, spec.port, key)
        return True

    def _key_error(self, spec: HostSpec, check: _HostKeyCheck) -> SSHError:
        key = check.presented
        assert key is not None
        fingerprint = key.get_fingerprint("sha256")
        if check.had_entries:
            return HostKeyChanged(spec.host, spec.port, fingerprint, spec.known_hosts)
        return UnknownHostKey(spec.host, spec.port, fingerprint, key, spec.known_hosts)


async def _pump(reader: asyncssh.SSHReader, stream: str, on_line: OnLine | None,
                scrub: tuple[str, ...]) -> str:
    lines: list[str] = []
    while raw := await reader.readline():  # "" only at end of stream
        line = raw.rstrip("\r\n")
        for secret in scrub:
            line = line.replace(secret, shell.REDACTED)
        lines.append(line)
        if on_line is not None:
            maybe = on_line(stream, line)
            if inspect.isawaitable(maybe):
                await maybe
    return "".join(f"{line}\n" for line in lines)


def _stop(process: asyncssh.SSHClientProcess) -> None:
    """End the remote command: TERM, then close the channel.

    OpenSSH (≥ 7.9) delivers the signal to the command's process group for non-root logins only
    (it needs privilege separation); otherwise closing the channel closes the command's pipes and
    it ends at its next write (SIGPIPE), as kubeadm and apt, which keep printing, do.
    """
    try:
        process.send_signal("TERM")
    except (OSError, asyncssh.Error):
        pass
    process.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, asyncssh.PermissionDenied):
        return "permission denied (is the public key in the user's authorized_keys?)"
    if isinstance(exc, asyncssh.DisconnectError):
        return exc.reason
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return "timed out"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    return str(exc) or type(exc).__name__
