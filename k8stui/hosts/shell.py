"""Safe construction of the shell commands k8stui runs on cluster hosts.

Every value that ends up in a command line goes through a strict validator first and is then
shell-quoted (`shlex.quote`), so a hostile node name or version can neither inject a command nor
change the meaning of the line. The builders return `Command` objects; the runner
(`k8stui.hosts.ssh`) adds `sudo` according to the host's inventory mode with `wrap_sudo`.

Read-only sessions may run only the pure queries of `READ_ONLY_PATTERNS`. The check is made on the
final command text (not on a flag set by a builder), so a raw string or a mis-built command cannot
slip through: the patterns are anchored and allow no shell metacharacters.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Literal

from k8stui.errors import UserError

SudoMode = Literal["none", "nopasswd", "password"]
SUDO_MODES: tuple[str, ...] = ("none", "nopasswd", "password")

REPO_LIST = "/etc/apt/sources.list.d/kubernetes.list"
K8S_PACKAGES = ("kubeadm", "kubelet", "kubectl")


class InvalidValue(UserError):
    """A value refused before it could be placed in a command line."""


# --- validators -------------------------------------------------------------------------------

_K8S_VERSION = re.compile(r"v\d{1,3}\.\d{1,3}\.\d{1,3}(?:-(?:alpha|beta|rc)\.\d{1,3})?")
# pkgs.k8s.io revisions look like -1.1 or -2.1, legacy apt ones -00; `-*` is apt's glob form.
_PKG_VERSION = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}-(?:\d{1,5}(?:\.\d{1,5})*|\*)")
_MINOR = re.compile(r"v\d{1,3}\.\d{1,3}")
_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]{1,62}")
_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?"
_NODE_NAME = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*")
_PATH = re.compile(r"/(?:[A-Za-z0-9._+@:-]+/?)*")
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*")
_USER = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
_TOKEN = re.compile(r"[a-z0-9]{6}\.[a-z0-9]{16}")
_CERT_KEY = re.compile(r"[0-9a-f]{64}")
_DURATION = re.compile(r"0|(?=\d)(?:\d{1,6}h)?(?:\d{1,6}m)?(?:\d{1,6}s)?")
_GROUP = re.compile(r"system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]")
_USAGES = ("signing", "authentication")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check(pattern: re.Pattern[str], value: object, what: str, example: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidValue(f"invalid {what} {value!r}: expected {example}")
    return value


def k8s_version(value: str) -> str:
    """A Kubernetes version as kubeadm takes it: `v1.35.2`."""
    return _check(_K8S_VERSION, value, "Kubernetes version", "a version like v1.35.2")


def pkg_version(value: str) -> str:
    """An apt package version: `1.35.2-1.1` (or the glob `1.35.2-*`)."""
    return _check(_PKG_VERSION, value, "package version", "a version like 1.35.2-1.1")


def minor(value: str) -> str:
    """A repository minor: `v1.35`."""
    return _check(_MINOR, value, "minor version", "a minor like v1.35")


def package(value: str) -> str:
    return _check(_PACKAGE, value, "package name", "a Debian package name like kubeadm")


def node_name(value: str) -> str:
    """A Kubernetes node name (DNS-1123 subdomain)."""
    if isinstance(value, str) and len(value) > 253:
        raise InvalidValue(f"invalid node name {value[:40]!r}...: longer than 253 characters")
    return _check(_NODE_NAME, value, "node name", "a DNS-1123 name like k8s-worker-1")


def path(value: str) -> str:
    """An absolute path made of plain characters, without `..`."""
    _check(_PATH, value, "path", "an absolute path of letters, digits and ._+@:-")
    if ".." in value.split("/"):
        raise InvalidValue(f"invalid path {value!r}: '..' is not allowed")
    return value


def host(value: str) -> str:
    """A host name or IP address (what ssh connects to)."""
    return _check(_HOST, value, "host", "a host name or IP address")


def user(value: str) -> str:
    return _check(_USER, value, "user name", "a login name like ubuntu")


def token(value: str) -> str:
    return _check(_TOKEN, value, "bootstrap token", "the form abcdef.0123456789abcdef")


def certificate_key(value: str) -> str:
    return _check(_CERT_KEY, value, "certificate key", "64 hexadecimal characters")


_valid_certificate_key = certificate_key  # for builders whose keyword argument shadows the name


def duration(value: str) -> str:
    """A Go duration as `kubeadm token create --ttl` takes it: `24h`, `1h30m`, `0`."""
    return _check(_DURATION, value, "duration", "a duration like 24h or 1h30m")


def group(value: str) -> str:
    return _check(_GROUP, value, "token group", "system:bootstrappers:<name>")


def usage(value: str) -> str:
    if value not in _USAGES:
        raise InvalidValue(f"invalid token usage {value!r}: expected one of {', '.join(_USAGES)}")
    return value


def text(value: str, what: str = "text", limit: int = 1024) -> str:
    """Free text (descriptions): any printable characters; quoting makes it literal."""
    if not isinstance(value, str) or _CONTROL.search(value) or len(value) > limit:
        raise InvalidValue(f"invalid {what} {value!r}: control characters or too long")
    return value


def q(value: str) -> str:
    """Shell-quote an already validated value."""
    return shlex.quote(value)


def join(*words: str) -> str:
    """Quote and join words into one simple command."""
    return " ".join(q(w) for w in words)


# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """One simple command line for a host.

    `text` never contains a password; `secrets` lists substrings of `text` that must not reach
    the audit log (certificate keys, tokens). `input` is fed on stdin (after the sudo password).
    """

    text: str
    sudo: bool = False
    secrets: tuple[str, ...] = ()
    input: str | None = None

    def redacted(self) -> str:
        return redact(self.text, self.secrets)


def kubeadm_version(output: Literal["short", "json", "yaml"] | None = "short") -> Command:
    return Command("kubeadm version" + (f" -o {output}" if output else ""))


def kubelet_version() -> Command:
    return Command("kubelet --version")


def apt_cache_madison(*pkgs: str) -> Command:
    names = pkgs or K8S_PACKAGES
    return Command(join("apt-cache", "madison", *(package(p) for p in names)))


def apt_mark_showhold() -> Command:
    return Command("apt-mark showhold")


def cat_repo_list(list_path: str = REPO_LIST) -> Command:
    return Command(join("cat", path(list_path)))


def swapon_show() -> Command:
    return Command("swapon --show")


def systemctl_is_active_kubelet() -> Command:
    return Command("systemctl is-active kubelet")


def kubeadm_certs_check_expiration(json_output: bool = False) -> Command:
    return Command("kubeadm certs check-expiration" + (" -o json" if json_output else ""), sudo=True)


def kubeadm_token_list(json_output: bool = False) -> Command:
    # The listing carries the full token secrets: redaction of the output is the caller's job.
    return Command("kubeadm token list" + (" -o json" if json_output else ""), sudo=True)


def kubeadm_upgrade_plan(version: str | None = None, json_output: bool = True) -> Command:
    # Always pass the target: without it kubeadm asks dl.k8s.io for "stable" (kubeadm#1470).
    parts = ["kubeadm", "upgrade", "plan"]
    if version:
        parts.append(k8s_version(version))
    if json_output:
        parts += ["-o", "json"]
    return Command(join(*parts), sudo=True)


def set_repo_minor(target_minor: str, list_path: str = REPO_LIST) -> Command:
    """Point the pkgs.k8s.io line(s) at another minor: `.../core:/stable:/v1.34/deb/` → v1.35.

    The expression only touches the `/core:/stable:/vX.Y/` part, so the host name
    (pkgs.k8s.io, pkgs.kubernetes.io, ...) and the signed-by option stay as they were.
    """
    expr = rf"s#(/core:/stable:/)v[0-9]+\.[0-9]+/#\1{minor(target_minor)}/#g"
    return Command(join("sed", "-i", "-E", expr, path(list_path)), sudo=True)


def write_repo_list(target_minor: str, list_path: str = REPO_LIST) -> Command:
    """Write the whole pkgs.k8s.io line (for hosts without one); the line goes in on stdin."""
    line = (
        "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] "
        f"https://pkgs.k8s.io/core:/stable:/{minor(target_minor)}/deb/ /\n"
    )
    return Command(join("tee", path(list_path)), sudo=True, input=line)


def apt_get_update() -> Command:
    return Command("apt-get update", sudo=True)


def apt_install(
    pkgs: dict[str, str], allow_held: bool = False, allow_downgrades: bool = False
) -> Command:
    """`apt-get install -y kubeadm=1.35.2-1.1 ...` for exact (or `1.35.2-*`) versions."""
    if not pkgs:
        raise InvalidValue("apt_install needs at least one package")
    parts = ["apt-get", "install", "-y"]
    if allow_held:
        parts.append("--allow-change-held-packages")
    if allow_downgrades:
        parts.append("--allow-downgrades")
    parts += [f"{package(name)}={pkg_version(ver)}" for name, ver in pkgs.items()]
    return Command(join(*parts), sudo=True)


def apt_mark(action: Literal["hold", "unhold"], *pkgs: str) -> Command:
    if action not in ("hold", "unhold"):
        raise InvalidValue(f"invalid apt-mark action {action!r}: expected hold or unhold")
    if not pkgs:
        raise InvalidValue("apt-mark needs at least one package")
    return Command(join("apt-mark", action, *(package(p) for p in pkgs)), sudo=True)


def kubeadm_upgrade_apply(
    version: str, *, force: bool = False, etcd_upgrade: bool = True, certificate_renewal: bool = True
) -> Command:
    # -y always: without it kubeadm prompts and, with no terminal, gives up.
    parts = ["kubeadm", "upgrade", "apply", "-y", k8s_version(version)]
    if force:
        parts.append("--force")
    if not etcd_upgrade:
        parts.append("--etcd-upgrade=false")
    if not certificate_renewal:
        parts.append("--certificate-renewal=false")
    return Command(join(*parts), sudo=True)


def kubeadm_upgrade_node() -> Command:
    return Command("kubeadm upgrade node", sudo=True)


def systemctl_daemon_reload() -> Command:
    return Command("systemctl daemon-reload", sudo=True)


def systemctl_restart_kubelet() -> Command:
    return Command("systemctl restart kubelet", sudo=True)


def swapoff_all() -> Command:
    return Command("swapoff -a", sudo=True)


def kubeadm_token_create(
    *,
    ttl: str = "24h",
    description: str | None = None,
    usages: list[str] | None = None,
    groups: list[str] | None = None,
    print_join_command: bool = True,
    certificate_key: str | None = None,
) -> Command:
    parts = ["kubeadm", "token", "create", "--ttl", duration(ttl)]
    if description:
        parts += ["--description", text(description, "token description")]
    if usages:
        parts += ["--usages", ",".join(usage(u) for u in usages)]
    if groups:
        parts += ["--groups", ",".join(group(g) for g in groups)]
    if print_join_command:
        parts.append("--print-join-command")
    secrets: tuple[str, ...] = ()
    if certificate_key:
        parts += ["--certificate-key", _valid_certificate_key(certificate_key)]
        secrets = (certificate_key,)
    return Command(join(*parts), sudo=True, secrets=secrets)


def kubeadm_upload_certs() -> Command:
    # The certificate key is printed on stdout: the caller must keep it off logs.
    return Command("kubeadm init phase upload-certs --upload-certs", sudo=True)


# --- sudo, read-only, redaction ---------------------------------------------------------------

SUDO_NOPASSWD = "sudo -n -- "
# -k: ignore cached credentials so sudo always reads the password line, which therefore can
# never be left on the command's stdin; -p '': no prompt text in the output.
SUDO_PASSWORD = "sudo -k -S -p '' -- "


def wrap_sudo(command: Command, mode: SudoMode) -> str:
    """The command line as sent to a host in `mode`; the password (mode `password`) goes on stdin."""
    if not command.sudo or mode == "none":
        return command.text
    if mode == "nopasswd":
        # -n: fail with "a password is required" instead of waiting for one that never comes.
        return SUDO_NOPASSWD + command.text
    if mode == "password":
        return SUDO_PASSWORD + command.text
    raise InvalidValue(f"invalid sudo mode {mode!r}: expected one of {', '.join(SUDO_MODES)}")


_PKG_ARGS = r"(?: [a-z0-9][a-z0-9+.-]{1,62})+"
# The flat pkgs.k8s.io repository's package index: reading it tells which versions a minor offers
# without switching the host's repository (apt-cache madison only sees the configured one).
_REPO_INDEX = (r"https://(?:pkgs\.k8s\.io|pkgs\.kubernetes\.io|packages\.kubernetes\.io)"
               r"/core:/stable:/v\d{1,3}\.\d{1,3}/deb/Packages")
_INDEX_URL = re.compile(_REPO_INDEX)


def repo_index_url(base: str, target_minor: str) -> str:
    """`https://pkgs.k8s.io/core:/stable:/` + `v1.35` → the flat repository's Packages index."""
    url = f"{base.replace('http://', 'https://', 1)}{minor(target_minor)}/deb/Packages"
    if not _INDEX_URL.fullmatch(url):
        raise InvalidValue(f"invalid repository index URL {url!r}")
    return url


def repo_index_command(base: str, target_minor: str) -> Command:
    """`curl -fsSL https://pkgs.k8s.io/core:/stable:/v1.35/deb/Packages`: a pure read."""
    return Command(join("curl", "-fsSL", repo_index_url(base, target_minor)))


READ_ONLY_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        r"kubeadm version(?: -o (?:short|json|yaml))?",
        r"kubelet --version",
        rf"apt-cache madison{_PKG_ARGS}",
        r"apt-mark showhold",
        r"cat /etc/apt/sources\.list\.d/[A-Za-z0-9._-]+\.(?:list|sources)",
        r"kubeadm certs check-expiration(?: -o json)?",
        r"swapon --show",
        r"systemctl is-active kubelet",
        r"kubeadm token list(?: -o json)?",
        # plan only reads the cluster; always given an explicit version by k8stui.
        r"kubeadm upgrade plan(?: v\d{1,3}\.\d{1,3}\.\d{1,3})?(?: -o json)?",
        rf"curl -fsSL {_REPO_INDEX}",
    )
)


def is_read_only(command_text: str) -> bool:
    """Whether a command line (before sudo wrapping) is one of the allowed pure queries."""
    return any(p.fullmatch(command_text) for p in READ_ONLY_PATTERNS)


_TOKEN_SECRET = re.compile(r"\b([a-z0-9]{6})\.[a-z0-9]{16}\b")
_CERT_KEY_IN_TEXT = re.compile(r"\b[0-9a-f]{64}\b")
REDACTED = "<redacted>"


def redact(line: str, secrets: tuple[str, ...] | list[str] = ()) -> str:
    """Remove secrets: the given strings, token secrets (keep the public id), certificate keys."""
    for secret in secrets:
        if secret:
            line = line.replace(secret, REDACTED)
    line = _TOKEN_SECRET.sub(lambda m: f"{m.group(1)}.{REDACTED}", line)
    return _CERT_KEY_IN_TEXT.sub(REDACTED, line)
