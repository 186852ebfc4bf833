"""What a simulated Ubuntu kubeadm host answers: a small POSIX-like shell and the runbook tools.

The shell understands words quoted as sh does ('...', "...", backslash), `&&`, `||`, `;` and
pipes (`echo ... | sudo tee FILE`); there is no environment, expansion or redirection. The
commands (sudo, cat, tee, sed -i, apt-get, apt-mark, apt-cache, kubeadm, kubelet, systemctl,
swapon, ...) print what the real tools print for the cases the k8stui runbooks meet, including
their refusals, and change the host state; kubeadm and kubelet changes reach the simulated
cluster through the `ClusterBridge` of `k8stui.sim.hosts`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Protocol

from k8stui.hosts.shell import K8S_PACKAGES, REPO_LIST

if TYPE_CHECKING:
    from k8stui.sim.hosts import ClusterBridge

REPO_LINE = (
    "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] "
    "https://pkgs.k8s.io/core:/stable:/{minor}/deb/ /"
)
_INDEX_URL = re.compile(r"https://(?:pkgs\.k8s\.io|pkgs\.kubernetes\.io|packages\.kubernetes\.io)"
                        r"/core:/stable:/(v\d+\.\d+)/deb/Packages")
_REPO_URL = re.compile(r"(https?://\S+?/core:/stable:/(v\d+\.\d+)/deb)/?")
STACK_HINT = "To see the stack trace of this error execute with --v=5 or higher"
LOCK_PID = 12345


def default_catalogue() -> dict[str, list[str]]:
    """Versions each pkgs.k8s.io minor repository offers (same for kubeadm/kubelet/kubectl)."""
    patches = {"v1.33": 6, "v1.34": 4, "v1.35": 3}
    return {m: [f"1.{m[3:]}.{p}-1.1" for p in range(n)] for m, n in patches.items()}


# --- versions ---------------------------------------------------------------------------------


def vtuple(version: str) -> tuple[int, ...]:
    """(1, 35, 2) from v1.35.2 or 1.35.2-1.1; revision numbers follow for package versions."""
    return tuple(int(x) for x in re.findall(r"\d+", version))


def pkg_to_k8s(pkg_version: str) -> str:
    return "v" + pkg_version.split("-", 1)[0]


def minor_of(version: str) -> str:
    major, minor = vtuple(version)[:2]
    return f"v{major}.{minor}"


def pkg_for(k8s_version: str, catalogue: dict[str, list[str]]) -> str:
    """The package version carrying a Kubernetes version (the catalogue's revision if listed)."""
    bare = k8s_version.lstrip("v")
    for ver in catalogue.get(minor_of(k8s_version), []):
        if ver.split("-", 1)[0] == bare:
            return ver
    return f"{bare}-1.1"


def _go_duration_s(text: str) -> int | None:
    """Seconds in a Go duration like 24h0m0s, 2h, 90m; None if it is not one."""
    m = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text)
    if text == "0":
        return 0
    if not text or not m:
        return None
    h, mi, s = (int(g or 0) for g in m.groups())
    return h * 3600 + mi * 60 + s


def _short_duration(seconds: float) -> str:
    """Go's duration.ShortHumanDuration (apimachinery): 45s, 59m, 23h, 364d, 9y."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    hours = s // 3600
    if s < 60:
        return f"{max(s, 0)}s"
    if s < 3600:
        return f"{s // 60}m"
    if hours < 24:
        return f"{hours}h"
    return f"{hours // 24}d" if hours < 24 * 365 else f"{hours // (24 * 365)}y"


def _table(rows: list[list[str]]) -> list[str]:
    """Left-aligned columns three spaces apart, like Go's tabwriter output in kubeadm."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


# --- host state -------------------------------------------------------------------------------


@dataclass
class HostState:
    """Everything a simulated node remembers between commands."""

    name: str
    role: str  # control-plane | worker
    internal_ip: str
    catalogue: dict[str, list[str]]
    files: dict[str, str]
    index: tuple[str, str] | None  # (repo URL, minor) of the lists `apt-get update` last fetched
    installed: dict[str, str]  # package -> version, e.g. kubeadm -> 1.34.3-1.1
    held: set[str]
    kubelet_running: str  # v1.34.3: changes on restart after daemon-reload
    unit_changed: bool = False  # kubelet package replaced since the last daemon-reload
    kubelet_active: bool = True
    swap: bool = False
    cert_expiry: datetime = field(default_factory=lambda: _now() + timedelta(days=300))
    ca_expiry: datetime = field(default_factory=lambda: _now() + timedelta(days=3000))
    sudo_password: str | None = None
    faults: list[str] = field(default_factory=list)  # fail the first command containing these
    fault_output: dict[str, str] = field(default_factory=dict)  # a fault's own words instead of the tool's
    pace: float = 0.0  # pause between output lines of long commands (demos)
    history: list[str] = field(default_factory=list)

    @classmethod
    def from_node(cls, node: dict[str, Any], catalogue: dict[str, list[str]]) -> HostState:
        kubelet = node.get("kubelet_version") or node.get("version") or "v1.34.3"
        kubeadm = node.get("kubeadm_version") or kubelet
        kubectl = node.get("kubectl_version") or kubelet
        repo_minor = node.get("repo_minor") or minor_of(kubeadm)
        repo_line = REPO_LINE.format(minor=repo_minor)
        return cls(
            name=node["name"],
            role=node.get("role", "worker"),
            internal_ip=node.get("internal_ip") or node.get("ip") or "127.0.0.1",
            catalogue=catalogue,
            files={REPO_LIST: repo_line + "\n"},
            index=_repo_of(repo_line),
            installed={
                "kubeadm": pkg_for(kubeadm, catalogue),
                "kubelet": pkg_for(kubelet, catalogue),
                "kubectl": pkg_for(kubectl, catalogue),
            },
            held=set(K8S_PACKAGES),
            kubelet_running=kubelet,
            swap=bool(node.get("swap", False)),
            sudo_password=node.get("sudo_password"),
        )

    @property
    def control_plane(self) -> bool:
        return self.role == "control-plane"

    def repo(self) -> tuple[str, str] | None:
        """(base URL, minor) of the pkgs.k8s.io line in kubernetes.list."""
        return _repo_of(self.files.get(REPO_LIST, ""))

    def available(self) -> list[str]:
        """Package versions in the fetched lists, newest first."""
        versions = self.catalogue.get(self.index[1], []) if self.index else []
        return sorted(versions, key=vtuple, reverse=True)

    def take_fault(self, text: str) -> str | None:
        """The fault's words when `text` triggers one (it is then used up), else None."""
        for words in self.faults:
            if words in text:
                self.faults.remove(words)
                return words
        return None


def _repo_of(text: str) -> tuple[str, str] | None:
    m = _REPO_URL.search(text)
    return (m.group(1), m.group(2)) if m else None


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


# --- shell ------------------------------------------------------------------------------------


class ShellSyntaxError(Exception):
    pass


Token = tuple[str, str]  # ("word", text) or ("op", "&&" | "||" | ";" | "|")


def tokenize(line: str) -> list[Token]:
    """Split a command line into words and operators with sh's quoting rules."""
    tokens: list[Token] = []
    word: list[str] | None = None
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in " \t\n":
            if word is not None:
                tokens.append(("word", "".join(word)))
                word = None
            i += 1
        elif c == "#" and word is None:
            break  # a comment runs to the end of the line
        elif c in "&|;":
            if word is not None:
                tokens.append(("word", "".join(word)))
                word = None
            op = line[i : i + 2] if line[i : i + 2] in ("&&", "||") else c
            if op == "&":
                raise ShellSyntaxError("background jobs are not supported")
            tokens.append(("op", op))
            i += len(op)
        elif c in "<>()`":
            raise ShellSyntaxError(f"syntax error near unexpected token `{c}'")
        else:
            word = word if word is not None else []
            i = _word_part(line, i, word)
    if word is not None:
        tokens.append(("word", "".join(word)))
    return tokens


def _word_part(line: str, i: int, word: list[str]) -> int:
    c = line[i]
    if c == "'":
        end = line.find("'", i + 1)
        if end < 0:
            raise ShellSyntaxError("unexpected EOF while looking for matching `''")
        word.append(line[i + 1 : end])
        return end + 1
    if c == '"':
        i += 1
        while i < len(line) and line[i] != '"':
            if line[i] == "\\" and i + 1 < len(line) and line[i + 1] in '"\\$`\n':
                i += 1
            word.append(line[i])
            i += 1
        if i >= len(line):
            raise ShellSyntaxError('unexpected EOF while looking for matching `"\'')
        return i + 1
    if c == "\\":
        if i + 1 < len(line) and line[i + 1] != "\n":
            word.append(line[i + 1])
        return i + 2
    word.append(c)
    return i + 1


Pipeline = list[list[str]]


def parse(tokens: list[Token]) -> list[tuple[str, Pipeline]]:
    """[(operator before it, pipeline)]; the first operator is ';'."""
    seq: list[tuple[str, Pipeline]] = []
    op, pipeline, argv = ";", [], []
    for kind, value in tokens:
        if kind == "word":
            argv.append(value)
            continue
        if not argv:
            raise ShellSyntaxError(f"syntax error near unexpected token `{value}'")
        pipeline.append(argv)
        argv = []
        if value != "|":
            seq.append((op, pipeline))
            op, pipeline = value, []
    if argv:
        pipeline.append(argv)
        seq.append((op, pipeline))
    elif pipeline or op in ("&&", "||"):  # a line may end with ';' but not with | && ||
        raise ShellSyntaxError("syntax error: unexpected end of file")
    return seq


class Reader(Protocol):
    async def readline(self) -> str: ...
    async def read(self) -> str: ...


class Writer(Protocol):
    async def write(self, text: str) -> None: ...


class TextReader:
    def __init__(self, text: str):
        self._text = text

    async def readline(self) -> str:
        line, nl, rest = self._text.partition("\n")
        self._text = rest
        return line + nl

    async def read(self) -> str:
        text, self._text = self._text, ""
        return text


class TextWriter:
    def __init__(self) -> None:
        self.parts: list[str] = []

    async def write(self, text: str) -> None:
        self.parts.append(text)

    def text(self) -> str:
        return "".join(self.parts)


@dataclass
class Ctx:
    argv: list[str]
    stdin: Reader
    out: Writer
    err: Writer
    root: bool
    pace: float = 0.0

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    async def say(self, *lines: str) -> None:
        for line in lines:
            await self.out.write(line + "\n")
            if self.pace:
                await asyncio.sleep(self.pace)  # simulated work between progress lines

    async def fail(self, message: str, status: int = 1) -> int:
        await self.err.write(message.rstrip("\n") + "\n")
        return status


Handler = Callable[[Ctx], Awaitable[int]]


class FlagError(Exception):
    pass


def parse_flags(args: list[str], values: set[str], bools: set[str],
                aliases: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
    """Positional words and {--flag: value}; `--x=y`, `--x y` and short aliases."""
    aliases = aliases or {}
    pos: list[str] = []
    flags: dict[str, str] = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and len(a) > 1:
            name, eq, val = a.partition("=")
            name = aliases.get(name, name)
            if name in values:
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise FlagError(f"flag needs an argument: {name}")
                    val = args[i]
                flags[name] = val
            elif name in bools:
                flags[name] = val if eq else "true"
            else:
                raise FlagError(f"unknown flag: {name}")
        else:
            pos.append(a)
        i += 1
    return pos, flags


class HostShell:
    """Runs command lines against one HostState."""

    def __init__(self, state: HostState, bridge: ClusterBridge):
        self.state = state
        self.bridge = bridge
        self._handlers: dict[str, Handler] = {
            "sudo": self._sudo, "echo": self._echo, "true": self._true, "false": self._false,
            "cat": self._cat, "tee": self._tee, "sed": self._sed, "hostname": self._hostname,
            "whoami": self._whoami, "id": self._id, "sleep": self._sleep,
            "apt-get": self._apt_get, "apt": self._apt_get, "apt-mark": self._apt_mark,
            "apt-cache": self._apt_cache, "kubeadm": self._kubeadm, "kubelet": self._kubelet,
            "systemctl": self._systemctl, "swapon": self._swapon, "swapoff": self._swapoff,
            "curl": self._curl,
        }

    async def run_line(self, line: str, *, root: bool, stdin: Reader, out: Writer,
                       err: Writer) -> int:
        self.state.history.append(line)
        try:
            seq = parse(tokenize(line))
        except ShellSyntaxError as exc:
            await err.write(f"bash: {exc}\n")
            return 2
        status = 0
        for op, pipeline in seq:
            if (op == "&&" and status != 0) or (op == "||" and status == 0):
                continue
            status = await self._pipeline(pipeline, root, stdin, out, err)
        return status

    async def _pipeline(self, pipeline: Pipeline, root: bool, stdin: Reader, out: Writer,
                        err: Writer) -> int:
        """Stages run one after the other, each reading what the previous one printed."""
        *stages, last = pipeline
        source: Reader = stdin
        for argv in stages:
            buffer = TextWriter()
            await self.run_argv(Ctx(argv, source, buffer, err, root, self.state.pace))
            source = TextReader(buffer.text())
        return await self.run_argv(Ctx(last, source, out, err, root, self.state.pace))

    async def run_argv(self, ctx: Ctx, check_faults: bool = True) -> int:
        fault = self.state.take_fault(" ".join(ctx.argv)) if check_faults else None
        if fault is not None:
            return await self._fault(ctx, fault)
        handler = self._handlers.get(ctx.argv[0])
        if handler is None or (ctx.argv[0] in K8S_PACKAGES and ctx.argv[0] not in self.state.installed):
            return await ctx.fail(f"bash: {ctx.argv[0]}: command not found", 127)
        return await handler(ctx)

    # --- fault injection --------------------------------------------------------------------

    async def _fault(self, ctx: Ctx, words: str) -> int:
        """Fail the way the real tool fails (sudo and its options are looked through), or with
        the fault's own output when it has one (what a hostile host or mirror would print)."""
        output = self.state.fault_output.pop(words, None)
        if output is not None:
            await ctx.say(*output.split("\n"))
            return await ctx.fail(output, 100)
        argv = _strip_sudo(ctx.argv)
        tool = argv[0] if argv else ctx.argv[0]
        if tool in ("apt-get", "apt") and "update" in argv:
            return await ctx.fail(
                f"E: Could not get lock /var/lib/apt/lists/lock. It is held by process {LOCK_PID} (apt-get)\n"
                "E: Unable to lock directory /var/lib/apt/lists/", 100)
        if tool in ("apt-get", "apt", "apt-mark"):
            return await ctx.fail(
                f"E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process {LOCK_PID} (apt-get)\n"
                "N: Be aware that removing the lock file is not a solution and may break your system.\n"
                "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), "
                "is another process using it?", 100)
        if tool == "kubeadm" and "upgrade" in argv:
            await ctx.say("[upgrade/control-plane] Upgrading your static Pod-hosted control plane "
                          "instance to the new version...",
                          '[upgrade/staticpods] Preparing for "kube-apiserver" upgrade',
                          "[upgrade/staticpods] Waiting for the kubelet to restart the component",
                          "[upgrade/staticpods] This can take up to 5m0s")
            return await ctx.fail(
                "error: error execution phase control-plane: couldn't complete the static pod "
                "upgrade: couldn't upgrade control plane. kubeadm has tried to recover everything "
                "into the earlier state. Errors faced: static Pod hash for component kube-apiserver "
                f"on Node {self.state.name} did not change after 5m0s: context deadline exceeded\n"
                + STACK_HINT)
        if tool == "kubeadm":
            return await ctx.fail(
                "error: Get \"https://%s:6443/api/v1/namespaces/kube-system/configmaps/"
                "kubeadm-config?timeout=10s\": context deadline exceeded\n%s"
                % (self.state.internal_ip, STACK_HINT))
        if tool == "systemctl" and "restart" in argv:
            self.state.kubelet_active = False
            return await ctx.fail(
                "Job for kubelet.service failed because the control process exited with error code.\n"
                'See "systemctl status kubelet.service" and "journalctl -xeu kubelet.service" for details.')
        target = argv[-1] if len(argv) > 1 else tool
        return await ctx.fail(f"{tool}: {target}: Input/output error")

    # --- basic tools ------------------------------------------------------------------------

    async def _sudo(self, ctx: Ctx) -> int:
        args = ctx.args
        read_stdin = False
        non_interactive = False
        while args and args[0].startswith("-"):
            flag, args = args[0], args[1:]
            if flag == "--":
                break
            if flag == "-p":
                args = args[1:]  # the prompt text
            elif flag in ("-S", "--stdin"):
                read_stdin = True
            elif flag in ("-n", "--non-interactive"):
                non_interactive = True
            elif flag not in ("-k", "-E", "-H", "--reset-timestamp", "--preserve-env"):
                return await ctx.fail(f"sudo: invalid option -- '{flag.lstrip('-')}'")
        if not args:
            return await ctx.fail("usage: sudo [-AbEHknPS] [-p prompt] [--] command [arg ...]")
        if not ctx.root and self.state.sudo_password is not None:
            denied = await self._sudo_auth(ctx, read_stdin, non_interactive)
            if denied:
                return denied
        if args[0] not in self._handlers:
            return await ctx.fail(f"sudo: {args[0]}: command not found")
        return await self.run_argv(Ctx(args, ctx.stdin, ctx.out, ctx.err, True, ctx.pace),
                                   check_faults=False)

    async def _sudo_auth(self, ctx: Ctx, read_stdin: bool, non_interactive: bool) -> int:
        """0 when the password checks out, else sudo's exit status after its messages."""
        if non_interactive:
            return await ctx.fail("sudo: a password is required")
        if not read_stdin:
            return await ctx.fail(
                "sudo: a terminal is required to read the password; either use the -S option to "
                "read from standard input or configure an askpass helper\n"
                "sudo: a password is required")
        line = await ctx.stdin.readline()
        if line.rstrip("\n") == self.state.sudo_password:
            return 0
        if not line:
            return await ctx.fail("sudo: no password was provided\nsudo: a password is required")
        return await ctx.fail("Sorry, try again.\nsudo: no password was provided\n"
                              "sudo: 1 incorrect password attempt")

    async def _echo(self, ctx: Ctx) -> int:
        args = ctx.args
        newline = True
        if args and args[0] == "-n":
            newline, args = False, args[1:]
        await ctx.out.write(" ".join(args) + ("\n" if newline else ""))
        return 0

    async def _true(self, ctx: Ctx) -> int:
        return 0

    async def _false(self, ctx: Ctx) -> int:
        return 1

    async def _hostname(self, ctx: Ctx) -> int:
        await ctx.say(self.state.name)
        return 0

    async def _whoami(self, ctx: Ctx) -> int:
        await ctx.say("root" if ctx.root else "ubuntu")
        return 0

    async def _id(self, ctx: Ctx) -> int:
        if ctx.args == ["-u"]:
            await ctx.say("0" if ctx.root else "1000")
            return 0
        await ctx.say("uid=0(root) gid=0(root) groups=0(root)" if ctx.root else
                      "uid=1000(ubuntu) gid=1000(ubuntu) groups=1000(ubuntu),27(sudo)")
        return 0

    async def _sleep(self, ctx: Ctx) -> int:
        try:
            seconds = float(ctx.args[0])
        except (IndexError, ValueError):
            return await ctx.fail("sleep: invalid time interval")
        await asyncio.sleep(seconds)
        return 0

    async def _cat(self, ctx: Ctx) -> int:
        if not ctx.args:
            await ctx.out.write(await ctx.stdin.read())
            return 0
        status = 0
        for path in ctx.args:
            if path in self.state.files:
                await ctx.out.write(self.state.files[path])
            else:
                status = await ctx.fail(f"cat: {path}: No such file or directory")
        return status

    def _writable(self, path: str, root: bool) -> str | None:
        """None if `path` may be written, else the reason (as coreutils words it)."""
        if not path.startswith("/etc/apt/sources.list.d/"):
            return "Read-only file system"  # the simulated disk has nothing else
        return None if root else "Permission denied"

    async def _tee(self, ctx: Ctx) -> int:
        append = "-a" in ctx.args
        paths = [a for a in ctx.args if a not in ("-a", "--")]
        data = await ctx.stdin.read()
        status = 0
        for path in paths:
            reason = self._writable(path, ctx.root)
            if reason:
                status = await ctx.fail(f"tee: {path}: {reason}")
                continue
            self.state.files[path] = (self.state.files.get(path, "") if append else "") + data
        await ctx.out.write(data)
        return status

    async def _sed(self, ctx: Ctx) -> int:
        try:
            pos, flags = parse_flags(ctx.args, {"-e"}, {"-i", "-E", "-r", "--in-place"})
        except FlagError as exc:
            return await ctx.fail(f"sed: {exc}")
        scripts = [flags["-e"]] if "-e" in flags else pos[:1]
        files = pos if "-e" in flags else pos[1:]
        if not scripts:
            return await ctx.fail("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...")
        try:
            edit = _sed_substitution(scripts[0], extended="-E" in flags or "-r" in flags)
        except ValueError as exc:
            return await ctx.fail(f"sed: -e expression #1, char {len(scripts[0])}: {exc}")
        in_place = "-i" in flags or "--in-place" in flags
        if not files:
            await ctx.out.write(edit(await ctx.stdin.read()))
            return 0
        for path in files:
            if path not in self.state.files:
                return await ctx.fail(f"sed: can't read {path}: No such file or directory", 2)
            result = edit(self.state.files[path])
            if not in_place:
                await ctx.out.write(result)
                continue
            reason = self._writable(path, ctx.root)
            if reason:
                return await ctx.fail(f"sed: couldn't open temporary file "
                                      f"{path.rsplit('/', 1)[0]}/sedXXXXXX: {reason}", 4)
            self.state.files[path] = result
        return 0

    # --- apt ----------------------------------------------------------------------------------

    async def _apt_get(self, ctx: Ctx) -> int:
        try:
            pos, flags = parse_flags(ctx.args, set(), {
                "--yes", "--assume-yes", "--allow-change-held-packages", "--allow-downgrades",
                "--quiet", "--no-install-recommends", "-q", "-qq"}, {"-y": "--yes"})
        except FlagError as exc:
            return await ctx.fail(f"E: Command line option {str(exc).split(': ')[-1]} is not understood")
        if not pos:
            return await ctx.fail("E: Invalid operation (none given)")
        if pos[0] == "update":
            return await self._apt_update(ctx)
        if pos[0] == "install":
            return await self._apt_install(ctx, pos[1:], flags)
        return await ctx.fail(f"E: Invalid operation {pos[0]}", 100)

    async def _apt_update(self, ctx: Ctx) -> int:
        if not ctx.root:
            return await ctx.fail("Reading package lists... Done\n"
                                  "E: Could not open lock file /var/lib/apt/lists/lock - open "
                                  "(13: Permission denied)\nE: Unable to lock directory "
                                  "/var/lib/apt/lists/", 100)
        await ctx.say("Hit:1 http://archive.ubuntu.com/ubuntu noble InRelease",
                      "Hit:2 http://security.ubuntu.com/ubuntu noble-security InRelease")
        repo = self.state.repo()
        if repo is None:
            self.state.index = None
            await ctx.say("Reading package lists... Done")
            return 0
        base, minor = repo
        cdn = f"https://prod-cdn.packages.k8s.io/repositories/isv:/kubernetes:/core:/stable:/{minor}/deb"
        if minor not in self.state.catalogue:
            self.state.index = None
            await ctx.say(f"Err:3 {cdn}  InRelease", "  403  Forbidden [IP: 18.172.78.79 443]",
                          "Reading package lists... Done")
            return await ctx.fail(f"E: Failed to fetch {base}/InRelease  403  Forbidden [IP: 18.172.78.79 443]\n"
                                  f"E: The repository '{base}  InRelease' is not signed.\n"
                                  "N: Updating from such a repository can't be done securely, and is "
                                  "therefore disabled by default.", 100)
        fresh = self.state.index != repo
        verb = "Get" if fresh else "Hit"
        self.state.index = repo
        await ctx.say(f"{verb}:3 {cdn}  InRelease" + (" [1,189 B]" if fresh else ""))
        if fresh:
            await ctx.say(f"Get:4 {cdn}  Packages [4,865 B]", "Fetched 6,054 B in 1s (6,210 B/s)")
        await ctx.say("Reading package lists... Done")
        return 0

    def _pick(self, name: str, spec: str | None) -> tuple[str | None, str | None]:
        """(version, None) or (None, apt's error) for `name` or `name=spec`."""
        installed = self.state.installed.get(name)
        if name not in K8S_PACKAGES:
            return None, f"E: Unable to locate package {name}"
        available = self.state.available()
        if spec is None:
            if available:
                return available[0], None
            return (installed, None) if installed else (None, f"E: Unable to locate package {name}")
        candidates = [v for v in available if fnmatch.fnmatchcase(v, spec)]
        if candidates:
            return candidates[0], None
        if installed and fnmatch.fnmatchcase(installed, spec):
            return installed, None  # dpkg's status file still offers the installed version
        return None, f"E: Version '{spec}' for '{name}' was not found"

    async def _apt_install(self, ctx: Ctx, specs: list[str], flags: dict[str, str]) -> int:
        if not ctx.root:
            return await ctx.fail("E: Could not open lock file /var/lib/dpkg/lock-frontend - open "
                                  "(13: Permission denied)\nE: Unable to acquire the dpkg frontend "
                                  "lock (/var/lib/dpkg/lock-frontend), are you root?", 100)
        await ctx.say("Reading package lists...", "Building dependency tree...",
                      "Reading state information...")
        changes: list[tuple[str, str | None, str]] = []
        for item in specs:
            name, _, version = item.partition("=")
            chosen, error = self._pick(name, version or None)
            if error:
                return await ctx.fail(error, 100)
            assert chosen is not None
            old = self.state.installed.get(name)
            if old == chosen:
                await ctx.say(f"{name} is already the newest version ({chosen}).")
            else:
                changes.append((name, old, chosen))
        return await self._apt_apply(ctx, changes, flags)

    async def _apt_apply(self, ctx: Ctx, changes: list[tuple[str, str | None, str]],
                         flags: dict[str, str]) -> int:
        held = [n for n, old, _ in changes if n in self.state.held and old is not None]
        down = [n for n, old, new in changes if old is not None and vtuple(new) < vtuple(old)]
        if held:
            await ctx.say("The following held packages will be changed:", "  " + " ".join(held))
        if down:
            await ctx.say("The following packages will be DOWNGRADED:", "  " + " ".join(down))
        up = [n for n, old, new in changes if n not in down]
        if up:
            await ctx.say("The following packages will be upgraded:", "  " + " ".join(up))
        await ctx.say(f"{len(up)} upgraded, 0 newly installed, {len(down)} downgraded, "
                      "0 to remove and 0 not upgraded.")
        yes = "--yes" in flags or "--assume-yes" in flags
        if held and yes and "--allow-change-held-packages" not in flags:
            return await ctx.fail("E: Held packages were changed and -y was used without "
                                  "--allow-change-held-packages.", 100)
        if down and yes and "--allow-downgrades" not in flags:
            return await ctx.fail("E: Packages were downgraded and -y was used without "
                                  "--allow-downgrades.", 100)
        if changes and not yes:
            await ctx.out.write("Do you want to continue? [Y/n] ")
            return await ctx.fail("Abort.", 1)
        await self._unpack(ctx, changes)
        return 0

    async def _unpack(self, ctx: Ctx, changes: list[tuple[str, str | None, str]]) -> None:
        base = self.state.index[0] if self.state.index else "/var/lib/dpkg/status"
        for i, (name, _, new) in enumerate(changes, 1):
            await ctx.say(f"Get:{i} {base}  {name} {new} [11.2 MB]")
        for name, old, new in changes:
            await ctx.say(f"Preparing to unpack .../{name}_{new}_amd64.deb ...",
                          f"Unpacking {name} ({new})" + (f" over ({old}) ..." if old else " ..."))
        for name, _, new in changes:
            await ctx.say(f"Setting up {name} ({new}) ...")
            self.state.installed[name] = new
            if name == "kubelet":
                self.state.unit_changed = True

    async def _apt_mark(self, ctx: Ctx) -> int:
        if not ctx.args:
            return await ctx.fail("E: No operation specified", 100)
        action, names = ctx.args[0], ctx.args[1:]
        if action == "showhold":
            for name in sorted(self.state.held):
                await ctx.say(name)
            return 0
        if action not in ("hold", "unhold"):
            return await ctx.fail(f"E: Invalid operation {action}", 100)
        if not ctx.root:
            return await ctx.fail("E: Could not open lock file /var/lib/dpkg/lock - open "
                                  "(13: Permission denied)", 100)
        for name in names:
            if name not in self.state.installed:
                return await ctx.fail(f"E: Unable to locate package {name}", 100)
        for name in names:
            await ctx.say(self._mark(name, action == "hold"))
        return 0

    def _mark(self, name: str, hold: bool) -> str:
        if hold:
            if name in self.state.held:
                return f"{name} was already set on hold."
            self.state.held.add(name)
            return f"{name} set on hold."
        if name not in self.state.held:
            return f"{name} was already not on hold."
        self.state.held.discard(name)
        return f"Canceled hold on {name}."

    async def _apt_cache(self, ctx: Ctx) -> int:
        if not ctx.args or ctx.args[0] != "madison":
            return await ctx.fail("E: Invalid operation " + (ctx.args[0] if ctx.args else ""), 100)
        base = self.state.index[0] if self.state.index else ""
        for name in ctx.args[1:]:
            if name not in K8S_PACKAGES:
                await ctx.err.write(f"N: Unable to locate package {name}\n")
                continue
            for version in self.state.available():
                await ctx.say(f"{name:>10} | {version} | {base}  Packages")
        return 0

    # --- kubelet, systemctl, swap ---------------------------------------------------------

    async def _kubelet(self, ctx: Ctx) -> int:
        if ctx.args == ["--version"]:
            await ctx.say(f"Kubernetes {pkg_to_k8s(self.state.installed['kubelet'])}")
            return 0
        return await ctx.fail("E0101 kubelet: this simulated host runs kubelet only via systemd")

    async def _systemctl(self, ctx: Ctx) -> int:
        args = [a for a in ctx.args if a not in ("--quiet", "-q", "--no-pager")]
        if args == ["daemon-reload"]:
            if not ctx.root:
                return await ctx.fail("Failed to reload daemon: Access denied")
            self.state.unit_changed = False
            return 0
        if len(args) == 2 and args[1] in ("kubelet", "kubelet.service"):
            return await self._kubelet_unit(ctx, args[0])
        unit = args[1] if len(args) > 1 else ""
        return await ctx.fail(f"Unit {unit or '?'} could not be found.", 5 if args else 1)

    async def _kubelet_unit(self, ctx: Ctx, action: str) -> int:
        state = self.state
        if action == "is-active":
            await ctx.say("active" if state.kubelet_active else "failed")
            return 0 if state.kubelet_active else 3
        if action == "status":
            running = "active (running)" if state.kubelet_active else "failed (Result: exit-code)"
            await ctx.say("● kubelet.service - kubelet: The Kubernetes Node Agent",
                          "     Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled)",
                          f"     Active: {running}")
            return 0 if state.kubelet_active else 3
        if action not in ("restart", "start", "stop"):
            return await ctx.fail(f'Unknown command verb "{action}".')
        if not ctx.root:
            return await ctx.fail(f"Failed to {action} kubelet.service: Access denied")
        if action == "stop":
            state.kubelet_active = False
            return 0
        if state.unit_changed:
            # Without daemon-reload systemd keeps the old unit: the old kubelet comes back.
            await ctx.err.write("Warning: The unit file, source configuration file or drop-ins of "
                                "kubelet.service changed on disk. Run 'systemctl daemon-reload' "
                                "to reload units.\n")
        else:
            state.kubelet_running = pkg_to_k8s(state.installed["kubelet"])
        state.kubelet_active = True
        return await self._bridge_call(ctx, self.bridge.restart_kubelet(state.name, state.kubelet_running))

    async def _curl(self, ctx: Ctx) -> int:
        """`curl -fsSL URL` of a pkgs.k8s.io repository's Packages index (what apt would fetch)."""
        urls = [a for a in ctx.args if not a.startswith("-")]
        if len(urls) != 1:
            return await ctx.fail("curl: try 'curl --help' for more information", 2)
        m = _INDEX_URL.fullmatch(urls[0])
        if not m:
            host = re.sub(r"^[a-z]+://", "", urls[0]).split("/", 1)[0]
            return await ctx.fail(f"curl: (6) Could not resolve host: {host}", 6)
        versions = self.state.catalogue.get(m.group(1))
        if versions is None:
            return await ctx.fail("curl: (22) The requested URL returned error: 403", 22)
        stanzas = [("cri-tools", "1.35.0-1.1")] + [(name, v) for name in K8S_PACKAGES
                                                   for v in sorted(versions, key=vtuple)]
        for name, version in stanzas + [("kubernetes-cni", "1.7.1-1.1")]:
            await ctx.say(f"Package: {name}", "Architecture: amd64", f"Version: {version}",
                          f"Filename: {name}_{version}_amd64.deb", "")
        return 0

    async def _swapon(self, ctx: Ctx) -> int:
        if ctx.args != ["--show"]:
            return await ctx.fail("swapon: only --show is simulated")
        if self.state.swap:
            await ctx.say("NAME      TYPE SIZE USED PRIO", "/swap.img file   4G   0B   -2")
        return 0

    async def _swapoff(self, ctx: Ctx) -> int:
        if not ctx.root:
            return await ctx.fail("swapoff: /swap.img: swapoff failed: Operation not permitted", 255)
        self.state.swap = False
        return 0

    async def _bridge_call(self, ctx: Ctx, call: Awaitable[Any]) -> int:
        try:
            await call
        except Exception as exc:  # the simulated cluster refused: report it as the tool would
            return await ctx.fail(f"error: {exc}")
        return 0

    # --- kubeadm ------------------------------------------------------------------------------

    async def _kubeadm(self, ctx: Ctx) -> int:
        return await Kubeadm(self, ctx).run()


def _strip_sudo(argv: list[str]) -> list[str]:
    if not argv or argv[0] != "sudo":
        return argv
    rest = argv[1:]
    while rest and rest[0].startswith("-"):
        flag = rest.pop(0)
        if flag == "--":
            break
        if flag == "-p" and rest:
            rest.pop(0)
    return rest


def _sed_substitution(script: str, extended: bool) -> Callable[[str], str]:
    """A function applying one `s/re/repl/[g]` command (the only sed the runbooks use)."""
    if len(script) < 4 or script[0] != "s":
        raise ValueError("unknown command: only s/// is simulated")
    delim = script[1]
    parts = _split_unescaped(script[2:], delim)
    if len(parts) != 3:
        raise ValueError(f"unterminated `s' command")
    pattern, repl, flags = parts
    if flags not in ("", "g"):
        raise ValueError(f"unknown option to `s'")
    regex = re.compile(pattern if extended else _bre_to_python(pattern), re.MULTILINE)
    replacement = _sed_replacement(repl)
    count = 0 if flags == "g" else 1

    def edit(text: str) -> str:
        return "".join(regex.sub(replacement, line, count=count)
                       for line in text.splitlines(keepends=True))

    return edit


def _split_unescaped(text: str, delim: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            cur.append(nxt if nxt == delim else text[i : i + 2])
            i += 2
        elif text[i] == delim:
            parts.append("".join(cur))
            cur = []
            i += 1
        else:
            cur.append(text[i])
            i += 1
    parts.append("".join(cur))
    return parts


def _bre_to_python(pattern: str) -> str:
    """POSIX basic regex → Python: \\( \\) \\{ \\} \\+ \\? \\| are the special forms there."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(nxt if nxt in "(){}+?|" else c + nxt)
            i += 2
            continue
        out.append("\\" + c if c in "(){}+?|" else c)
        i += 1
    return "".join(out)


def _sed_replacement(repl: str) -> Callable[[re.Match[str]], str]:
    def expand(m: re.Match[str]) -> str:
        out, i = [], 0
        while i < len(repl):
            c = repl[i]
            if c == "\\" and i + 1 < len(repl):
                nxt = repl[i + 1]
                out.append(m.group(int(nxt)) or "" if nxt.isdigit() else "\n" if nxt == "n" else nxt)
                i += 2
            elif c == "&":
                out.append(m.group(0))
                i += 1
            else:
                out.append(c)
                i += 1
        return "".join(out)

    return expand


def fake_git_commit(version: str) -> str:
    return hashlib.sha1(version.encode()).hexdigest()



# --- kubeadm ----------------------------------------------------------------------------------

_KUBEADM_VALUES = {
    "--output", "--kubeconfig", "--v", "--ttl", "--description", "--usages", "--groups",
    "--certificate-key", "--config", "--ignore-preflight-errors", "--patches",
}
_KUBEADM_BOOLS = {
    "--yes", "--force", "--dry-run", "--print-join-command", "--upload-certs",
    "--etcd-upgrade", "--certificate-renewal", "--allow-experimental-upgrades",
    "--allow-release-candidate-upgrades", "--skip-certificate-key-print",
}
_KUBEADM_ALIASES = {"-o": "--output", "-y": "--yes", "-f": "--force", "-v": "--v"}
_DEFAULT_GROUP = "system:bootstrappers:kubeadm:default-node-token"
_GROUP_RE = re.compile(r"system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]")
_VERSION_RE = re.compile(r"v?\d+\.\d+\.\d+")
# Addon and etcd versions shipped with each minor (approximate: only their shape matters here).
_COREDNS = {"v1.33": "v1.12.0", "v1.34": "v1.12.1", "v1.35": "v1.13.1"}
_ETCD = {"v1.33": "3.5.21-0", "v1.34": "3.6.4-0", "v1.35": "3.6.6-0"}
_CERTS = [
    ("admin.conf", "ca"), ("apiserver", "ca"), ("apiserver-etcd-client", "etcd-ca"),
    ("apiserver-kubelet-client", "ca"), ("controller-manager.conf", "ca"),
    ("etcd-healthcheck-client", "etcd-ca"), ("etcd-peer", "etcd-ca"), ("etcd-server", "etcd-ca"),
    ("front-proxy-client", "front-proxy-ca"), ("scheduler.conf", "ca"), ("super-admin.conf", "ca"),
]
_CONFIG_VERSIONS = [
    {"group": "kubeproxy.config.k8s.io", "currentVersion": "v1alpha1",
     "preferredVersion": "v1alpha1", "manualUpgradeRequired": False},
    {"group": "kubelet.config.k8s.io", "currentVersion": "v1beta1",
     "preferredVersion": "v1beta1", "manualUpgradeRequired": False},
]


class Kubeadm:
    """One `kubeadm ...` invocation on a simulated host."""

    def __init__(self, shell: HostShell, ctx: Ctx):
        self.shell = shell
        self.state = shell.state
        self.bridge = shell.bridge
        self.ctx = ctx
        self.version = pkg_to_k8s(self.state.installed["kubeadm"])
        self.flags: dict[str, str] = {}

    async def fail(self, message: str) -> int:
        return await self.ctx.fail(f"{message}\n{STACK_HINT}")

    def flag(self, name: str) -> bool:
        return self.flags.get(name, "false").lower() in ("true", "1", "yes")

    async def run(self) -> int:
        try:
            pos, self.flags = parse_flags(self.ctx.args, _KUBEADM_VALUES, _KUBEADM_BOOLS,
                                          _KUBEADM_ALIASES)
        except FlagError as exc:
            return await self.fail(f"error: {exc}")
        routes: list[tuple[list[str], Callable[[list[str]], Awaitable[int]]]] = [
            (["version"], self.cmd_version),
            (["upgrade", "plan"], self.cmd_plan),
            (["upgrade", "apply"], self.cmd_apply),
            (["upgrade", "node"], self.cmd_node),
            (["token", "create"], self.cmd_token_create),
            (["token", "list"], self.cmd_token_list),
            (["init", "phase", "upload-certs"], self.cmd_upload_certs),
            (["certs", "check-expiration"], self.cmd_check_expiration),
        ]
        for words, handler in routes:
            if pos[: len(words)] == words:
                return await handler(pos[len(words):])
        word = pos[0] if pos else ""
        return await self.fail(f'error: unknown command "{word}" for "kubeadm"')

    # --- preconditions -------------------------------------------------------------------

    async def refused(self, admin_conf: bool = True) -> int:
        """Non-zero (after kubeadm's message) when not root or without admin.conf."""
        if not self.ctx.root:
            await self.ctx.say("[preflight] Running pre-flight checks")
            return await self.fail(
                "error: error execution phase preflight: [preflight] Some fatal errors occurred:\n"
                "\t[ERROR IsPrivilegedUser]: user is not running as root\n"
                "[preflight] If you know what you are doing, you can make a check non-fatal with "
                "`--ignore-preflight-errors=...`")
        if admin_conf and not self.state.control_plane:
            return await self.fail(
                'error: couldn\'t create a Kubernetes client from file "/etc/kubernetes/admin.conf": '
                "failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or "
                "directory")
        return 0

    # --- version -------------------------------------------------------------------------

    async def cmd_version(self, _: list[str]) -> int:
        v = self.version
        major, minor = vtuple(v)[:2]
        info = {
            "major": str(major), "minor": str(minor), "gitVersion": v,
            "gitCommit": fake_git_commit(v), "gitTreeState": "clean",
            "buildDate": "2026-01-13T15:04:05Z", "goVersion": "go1.24.11", "compiler": "gc",
            "platform": "linux/amd64",
        }
        output = self.flags.get("--output")
        if output == "short":
            await self.ctx.say(v)
        elif output == "json":
            await self.ctx.say(json.dumps({"clientVersion": info}, indent=2))
        elif output == "yaml":
            await self.ctx.say("clientVersion:", *(f"  {k}: {val}" for k, val in info.items()))
        elif output is None:
            fields = ", ".join(f'{k[0].upper()}{k[1:]}:"{val}"' for k, val in info.items())
            await self.ctx.say(f"kubeadm version: &version.Info{{{fields}}}")
        else:
            return await self.fail(f"error: invalid output format: {output}")
        return 0

    # --- upgrade -------------------------------------------------------------------------

    def policy(self, target: str) -> tuple[list[str], list[str]]:
        """kubeadm's EnforceVersionPolicies: (mandatory errors, errors --force may skip)."""
        cluster = self.bridge.cluster_version()
        t, c, k = vtuple(target), vtuple(cluster), vtuple(self.version)
        mandatory: list[str] = []
        skippable: list[str] = []
        if t[1] > c[1] + 1:
            mandatory.append(f'Specified version to upgrade to "{target}" is too high; kubeadm '
                             "can upgrade only 1 minor version at a time")
        if t[1] < c[1] - 1:
            mandatory.append(f'Specified version to downgrade to "{target}" is too low; kubeadm '
                             "can downgrade only 1 minor version at a time")
        if k < t:
            if t[1] > k[1]:
                mandatory.append(f'Specified version to upgrade to "{target}" is at least one '
                                 f"minor release higher than the kubeadm minor release "
                                 f"({t[1]} > {k[1]}). Such an upgrade is not supported")
            else:
                skippable.append(f'Specified version to upgrade to "{target}" is higher than the '
                                 f'kubeadm version "{self.version}". Upgrade kubeadm first using '
                                 "the tool you used to install kubeadm")
        if k[0] > t[0] or k[1] > t[1]:
            skippable.append(f"Kubeadm version {self.version} can only be used to upgrade to "
                             f"Kubernetes version {k[0]}.{k[1]}")
        old = sorted({v for v in self.bridge.kubelet_versions().values() if t[1] > vtuple(v)[1] + 3})
        if old:
            skippable.append("There are kubelets in this cluster that are too old that have "
                             f"these versions [{' '.join(old)}]")
        return mandatory, skippable

    async def header(self, target: str | None) -> None:
        await self.ctx.say(
            '[upgrade] Reading configuration from the "kubeadm-config" ConfigMap in namespace '
            '"kube-system"...',
            "[upgrade] Use 'kubeadm init phase upload-config kubeadm --config your-config-file' to "
            "re-upload it.",
            "[upgrade/preflight] Running preflight checks",
            "[upgrade] Running cluster health checks",
        )
        if target:
            await self.ctx.say(f'[upgrade/preflight] You have chosen to upgrade the cluster '
                               f'version to "{target}"')
        await self.ctx.say(f"[upgrade/versions] Cluster version: {self.bridge.cluster_version()}",
                           f"[upgrade/versions] kubeadm version: {self.version}")

    async def check_policy(self, target: str) -> int:
        mandatory, skippable = self.policy(target)
        listed = lambda errs: "".join(f"\t- {e}\n" for e in errs)  # noqa: E731
        if mandatory:
            return await self.fail(
                "error: error execution phase preflight: the version argument is invalid due to "
                f"these fatal errors:\n\n{listed(mandatory)}\n"
                "Please fix the misalignments highlighted above and try upgrading again")
        if skippable and not self.flag("--force"):
            return await self.fail(
                "error: error execution phase preflight: the version argument is invalid due to "
                f"these errors:\n\n{listed(skippable)}\nCan be bypassed if you pass the --force flag")
        if skippable:
            await self.ctx.say(f"[upgrade/version] Found {len(skippable)} potential version "
                               "compatibility errors but skipping since the --force flag is set: ",
                               "", listed(skippable))
        return 0

    def target(self, pos: list[str]) -> str | None:
        if not pos or not _VERSION_RE.fullmatch(pos[0]):
            return None
        return pos[0] if pos[0].startswith("v") else f"v{pos[0]}"

    async def cmd_apply(self, pos: list[str]) -> int:
        if refusal := await self.refused():
            return refusal
        target = self.target(pos)
        if target is None:
            what = f'unable to parse "{pos[0]}" as a version' if pos else "missing version argument"
            return await self.fail(f"error: error execution phase preflight: {what}")
        await self.header(target)
        if status := await self.check_policy(target):
            return status
        if not (self.flag("--yes") or self.flag("--force")):
            await self.ctx.out.write("[upgrade] Are you sure you want to proceed? [y/N]: ")
            answer = (await self.ctx.stdin.readline()).strip().lower()
            if answer not in ("y", "yes"):
                return await self.fail("error: error execution phase preflight: won't proceed; "
                                       "the user didn't answer (Y|n) in order to continue")
        if self.flag("--dry-run"):
            await self.ctx.say(f"[dryrun] Would upgrade the control plane to {target}")
            return 0
        if status := await self.upgrade_static_pods(target, first=True):
            return status
        await self.ctx.say(
            '[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the '
            '"kube-system" Namespace',
            "[upgrade/kubelet-config] The kubelet configuration for this node was successfully upgraded!",
            "[upgrade/bootstrap-token] Configuring bootstrap token and cluster-info RBAC rules",
            "[addons] Applied essential addon: CoreDNS",
            "[addons] Applied essential addon: kube-proxy",
            "",
            f'[upgrade/successful] SUCCESS! Your cluster was upgraded to "{target}". Enjoy!',
            "",
            "[upgrade/kubelet] Now that your control plane is upgraded, please proceed with "
            "upgrading your kubelets if you haven't already done so.",
        )
        return 0

    async def upgrade_static_pods(self, target: str, first: bool) -> int:
        stamp = _now().strftime("%Y-%m-%d-%H-%M-%S")
        await self.ctx.say(
            "[upgrade/preflight] Pulling images required for setting up a Kubernetes cluster",
            f'[upgrade/control-plane] Upgrading your static Pod-hosted control plane to version '
            f'"{target}" (timeout: 5m0s)...',
            '[upgrade/staticpods] Writing new Static Pod manifests to '
            '"/etc/kubernetes/tmp/kubeadm-upgraded-manifests2208591443"',
        )
        for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
            await self.ctx.say(
                f'[upgrade/staticpods] Preparing for "{component}" upgrade',
                f'[upgrade/staticpods] Moving new manifest to "/etc/kubernetes/manifests/'
                f'{component}.yaml" and backing up old manifest to "/etc/kubernetes/tmp/'
                f'kubeadm-backup-manifests-{stamp}/{component}.yaml"',
                "[upgrade/staticpods] Waiting for the kubelet to restart the component",
                "[upgrade/staticpods] This can take up to 5m0s",
            )
        status = await self.shell._bridge_call(
            self.ctx, self.bridge.upgrade_control_plane(self.state.name, target, first))
        if status:
            return status
        for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
            await self.ctx.say(f'[upgrade/staticpods] Component "{component}" upgraded successfully!')
        await self.ctx.say("[upgrade/control-plane] The control plane instance for this node was "
                           "successfully upgraded!")
        if self.flags.get("--certificate-renewal", "true").lower() != "false":
            self.state.cert_expiry = _now() + timedelta(days=365)
        return 0

    async def cmd_node(self, _: list[str]) -> int:
        if refusal := await self.refused(admin_conf=False):
            return refusal
        target = self.bridge.cluster_version()
        if vtuple(self.version)[:2] < vtuple(target)[:2]:
            return await self.fail(
                "error: error execution phase preflight: the version argument is invalid due to "
                f'these fatal errors:\n\n\t- Specified version to upgrade to "{target}" is at '
                "least one minor release higher than the kubeadm minor release "
                f"({vtuple(target)[1]} > {vtuple(self.version)[1]}). Such an upgrade is not "
                "supported\n\nPlease fix the misalignments highlighted above and try upgrading again")
        await self.ctx.say(
            "[upgrade] Reading configuration from the cluster...",
            "[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm "
            "kubeadm-config -o yaml'",
            "[preflight] Running pre-flight checks",
        )
        if self.state.control_plane:
            if status := await self.upgrade_static_pods(target, first=False):
                return status
        else:
            await self.ctx.say("[preflight] Skipping prepull. Not a control plane node.",
                               "[upgrade] Skipping phase. Not a control plane node.")
        await self.ctx.say(
            "[upgrade] Backing up kubelet config file to /etc/kubernetes/tmp/"
            "kubeadm-kubelet-config3810710231/config.yaml",
            '[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"',
            "[upgrade] The configuration for this node was successfully updated!",
            "[upgrade] Now you should go ahead and upgrade the kubelet package using your package "
            "manager.",
        )
        return 0

    async def cmd_plan(self, pos: list[str]) -> int:
        if refusal := await self.refused():
            return refusal
        output = self.flags.get("--output", "text")
        if output not in ("text", "json"):
            return await self.fail(f"error: invalid output format: {output}")
        target = self.target(pos)
        if pos and target is None:
            return await self.fail(f'error: unable to parse "{pos[0]}" as a version')
        await self.ctx.say("[upgrade/config] Making sure the configuration is correct:",
                           "[preflight] Running pre-flight checks.",
                           "[upgrade] Running cluster health checks",
                           "[upgrade] Fetching available versions to upgrade to")
        if target is None:
            await self.ctx.say("[upgrade/versions] WARNING: Couldn't fetch latest stable version "
                               "from the internet: unable to get URL "
                               '"https://dl.k8s.io/release/stable.txt"',
                               f"[upgrade/versions] WARNING: Falling back to current kubeadm "
                               f"version as latest stable version")
            target = self.version
        plan = self.plan(target)
        if output == "json":
            await self.ctx.say(json.dumps(plan, indent=4))
        else:
            await self.print_plan(plan, target)
        return 0

    def plan(self, target: str) -> dict[str, Any]:
        cluster = self.bridge.cluster_version()
        cps = self.bridge.control_plane_versions()
        comps: list[dict[str, Any]] = [
            {"name": "kubelet", "currentVersion": v, "newVersion": target, "nodeName": n}
            for n, v in sorted(self.bridge.kubelet_versions().items())
        ]
        for component in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
            comps += [{"name": component, "currentVersion": v, "newVersion": target, "nodeName": n}
                      for n, v in sorted(cps.items())]
        comps += [
            {"name": "kube-proxy", "currentVersion": cluster, "newVersion": target},
            {"name": "CoreDNS", "currentVersion": _COREDNS.get(minor_of(cluster), "v1.12.1"),
             "newVersion": _COREDNS.get(minor_of(target), "v1.12.1")},
            {"name": "kubeadm", "currentVersion": self.version, "newVersion": target},
        ]
        comps += [{"name": "etcd", "currentVersion": _ETCD.get(minor_of(v), "3.6.4-0"),
                   "newVersion": _ETCD.get(minor_of(target), "3.6.4-0"), "nodeName": n}
                  for n, v in sorted(cps.items())]
        pending = any(c["currentVersion"] != c["newVersion"] for c in comps)
        upgrades = [{"description": f"version in the {minor_of(target)} series",
                     "components": comps}] if pending else []
        return {"kind": "UpgradePlan", "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
                "availableUpgrades": upgrades, "configVersions": _CONFIG_VERSIONS}

    async def print_plan(self, plan: dict[str, Any], target: str) -> None:
        cluster = self.bridge.cluster_version()
        await self.ctx.say(f"[upgrade/versions] Cluster version: {cluster}",
                           f"[upgrade/versions] kubeadm version: {self.version}",
                           f"[upgrade/versions] Target version: {target}", "")
        if not plan["availableUpgrades"]:
            await self.ctx.say("Awesome, you're up-to-date! Enjoy!")
            return
        comps = plan["availableUpgrades"][0]["components"]
        row = lambda c: [c["name"], c.get("nodeName", ""), c["currentVersion"], c["newVersion"]]  # noqa: E731
        head = ["COMPONENT", "NODE", "CURRENT", "TARGET"]
        await self.ctx.say("Components that must be upgraded manually after you have upgraded the "
                           "control plane with 'kubeadm upgrade apply':",
                           *_table([head] + [row(c) for c in comps if c["name"] == "kubelet"]), "",
                           f"Upgrade to the latest {plan['availableUpgrades'][0]['description']}:", "",
                           *_table([head] + [row(c) for c in comps
                                             if c["name"] not in ("kubelet", "kubeadm")]), "",
                           "You can now apply the upgrade by executing the following command:", "",
                           f"\tkubeadm upgrade apply {target}", "")
        if vtuple(self.version) < vtuple(target):
            await self.ctx.say(f"Note: Before you can perform this upgrade, you have to update "
                               f"kubeadm to {target}.", "")
        await self.ctx.say("_" * 69, "", "The table below shows the current state of component "
                           "configs as understood by this version of kubeadm.", *_table(
                               [["API GROUP", "CURRENT VERSION", "PREFERRED VERSION",
                                 "MANUAL UPGRADE REQUIRED"]] +
                               [[c["group"], c["currentVersion"], c["preferredVersion"], "no"]
                                for c in _CONFIG_VERSIONS]), "", "_" * 69)

    # --- tokens and certificates ---------------------------------------------------------

    async def cmd_token_create(self, pos: list[str]) -> int:
        if refusal := await self.refused():
            return refusal
        if pos:
            return await self.fail("error: this simulated kubeadm generates the token itself")
        ttl_text = self.flags.get("--ttl", "24h0m0s")
        ttl = _go_duration_s(ttl_text)
        if ttl is None:
            return await self.fail(f'error: invalid argument "{ttl_text}" for "--ttl" flag: '
                                   f'time: invalid duration "{ttl_text}"')
        key = self.flags.get("--certificate-key")
        join = self.flag("--print-join-command")
        if key and not join:
            return await self.fail("error: cannot use --certificate-key without --print-join-command")
        if key and not re.fullmatch(r"[0-9a-f]{64}", key):
            return await self.fail("error: invalid certificate key: must be 64 hexadecimal characters")
        usages = self.flags.get("--usages", "signing,authentication").split(",")
        groups = self.flags.get("--groups", _DEFAULT_GROUP).split(",")
        for g in groups:
            if not _GROUP_RE.fullmatch(g):
                return await self.fail(f'error: group "{g}" does not match pattern '
                                       '"\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z"')
        try:
            token = await self.bridge.create_bootstrap_token(
                ttl, self.flags.get("--description", ""), usages, groups)
        except Exception as exc:  # the simulated API refused
            return await self.fail(f"error: failed to create bootstrap token: {exc}")
        if not join:
            await self.ctx.say(token)
            return 0
        endpoint, hashes = self.bridge.join_endpoint()
        line = f"kubeadm join {endpoint} --token {token} " + " ".join(
            f"--discovery-token-ca-cert-hash {h}" for h in hashes)
        line += f" --control-plane --certificate-key {key}" if key else " "
        await self.ctx.say(line)
        return 0

    async def cmd_token_list(self, _: list[str]) -> int:
        if refusal := await self.refused():
            return refusal
        tokens = await self.bridge.list_bootstrap_tokens()
        if self.flags.get("--output") == "json":
            for t in tokens:
                await self.ctx.say(json.dumps(self.token_object(t), indent=4))
            return 0
        rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]]
        for t in tokens:
            expires = t.get("expires")
            ttl = _short_duration((_parse_time(expires) - _now()).total_seconds()) if expires else "<forever>"
            rows.append([t["token"], ttl, expires or "<never>", ",".join(t.get("usages") or []) or "<none>",
                         t.get("description") or "<none>", ",".join(t.get("groups") or []) or "<none>"])
        await self.ctx.say(*_table(rows))
        return 0

    def token_object(self, t: dict[str, Any]) -> dict[str, Any]:
        obj: dict[str, Any] = {"kind": "BootstrapToken", "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
                               "token": t["token"], "description": t.get("description", "")}
        if t.get("expires"):
            obj["expires"] = t["expires"]
        obj["usages"] = t.get("usages") or []
        obj["groups"] = t.get("groups") or []
        return obj

    async def cmd_upload_certs(self, _: list[str]) -> int:
        if refusal := await self.refused():
            return refusal
        if not self.flag("--upload-certs"):
            await self.ctx.say("[upload-certs] Skipping phase. Please see --upload-certs")
            return 0
        try:
            key = await self.bridge.upload_certs()
        except Exception as exc:
            return await self.fail(f"error: error execution phase upload-certs: {exc}")
        await self.ctx.say('[upload-certs] Storing the certificates in Secret "kubeadm-certs" in '
                           'the "kube-system" Namespace')
        if not self.flag("--skip-certificate-key-print"):
            await self.ctx.say("[upload-certs] Using certificate key:", key)
        return 0

    async def cmd_check_expiration(self, _: list[str]) -> int:
        if refusal := await self.refused():
            return refusal
        now = _now()
        certs = [(name, self.state.cert_expiry, ca) for name, ca in _CERTS]
        cas = [(name, self.state.ca_expiry) for name in ("ca", "etcd-ca", "front-proxy-ca")]
        if self.flags.get("--output") == "json":
            info = {
                "kind": "CertificateExpirationInfo", "apiVersion": "output.kubeadm.k8s.io/v1alpha3",
                "certificates": [{"name": n, "expirationDate": _rfc3339(t),
                                  "residualTime": int((t - now).total_seconds() * 1e9),
                                  "caName": ca, "externallyManaged": False} for n, t, ca in certs],
                "certificateAuthorities": [{"name": n, "expirationDate": _rfc3339(t),
                                            "residualTime": int((t - now).total_seconds() * 1e9),
                                            "externallyManaged": False} for n, t in cas],
            }
            await self.ctx.say(json.dumps(info, indent=4))
            return 0
        stamp = lambda t: t.strftime("%b %d, %Y %H:%M UTC")  # noqa: E731
        left = lambda t: _short_duration((t - now).total_seconds())  # noqa: E731
        await self.ctx.say(
            "[check-expiration] Reading configuration from the \"kubeadm-config\" ConfigMap in "
            "namespace \"kube-system\"...",
            "[check-expiration] Use 'kubeadm init phase upload-config kubeadm --config "
            "your-config-file' to re-upload it.", "",
            *_table([["CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY",
                      "EXTERNALLY MANAGED"]] +
                    [[n, stamp(t), left(t), ca, "no"] for n, t, ca in certs]), "",
            *_table([["CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED"]] +
                    [[n, stamp(t), left(t), "no"] for n, t in cas]))
        return 0


def _rfc3339(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
