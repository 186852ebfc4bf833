"""One sanitiser for every string that comes from a cluster or a host, before it reaches a terminal.

Anyone who may create a pod controls text that k8stui shows: image names (they come back in the
kubelet's `Pulling image "…"` Events), Event messages, annotations, reasons, log lines, SSH output,
API error messages. Such text can carry terminal control sequences (OSC 52 writes the clipboard,
OSC 8 makes links, `CSI 2J` clears the screen, `CSI ?1049h` switches screens, `ESC[201~` ends a
bracketed paste, BEL rings) and Unicode that reorders or hides what is shown (U+202E RIGHT-TO-LEFT
OVERRIDE, zero-width and tag characters).

`sanitize(text)` makes every such character visible and inert:
* C0 controls and DEL become their Unicode Control Pictures (ESC → `␛`, BEL → `␇`, NUL → `␀`,
  CR → `␍`, DEL → `␡`), so an escape sequence reads as `␛]52;c;…␇` and cannot start: the ESC that
  would introduce it is gone. Tab and newline are kept only where the caller says its widget lays
  them out (`keep="\\t\\n"` for multi-line views); elsewhere they are shown as `␉` and `␊`.
* C1 controls (U+0080..U+009F, e.g. the one-byte CSI U+009B), every invisible format character
  (Unicode category Cf: bidirectional marks, overrides and isolates, zero-width characters, the
  soft hyphen, tag characters), line/paragraph separators, and lone surrogates (bytes that were
  not UTF-8) become `\\x9b`, `\\u202e` or `\\U000e0041` escapes.

It never interprets Rich/Textual markup; callers build `rich.text.Text` from the result (see
`k8stui.ui.safe`), never markup strings. Pure Python, no Textual: the CLI uses it too
(`terminal_stream`, and `escape_terminal`, which is kubectl's own, smaller escaping).
"""

from __future__ import annotations

import re
from typing import TextIO

# Every character that must not reach a terminal as itself, as inclusive code point ranges: the
# regex (the fast check) and the translation table are both built from this one list.
UNSAFE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F), (0x007F, 0x009F),  # C0, DEL, C1
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),  # zero-width, bidi, separators
    (0xD800, 0xDFFF),  # lone surrogates (undecodable bytes under surrogateescape)
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),  # ... tag characters
)

_UNSAFE = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in UNSAFE_RANGES) + "]")


def _visible(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # Control Pictures: ␀ … ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_TABLES: dict[str, dict[int, str]] = {}


def _table(keep: str) -> dict[int, str]:
    table = _TABLES.get(keep)
    if table is None:
        kept = {ord(ch) for ch in keep}
        table = {code: _visible(code) for lo, hi in UNSAFE_RANGES for code in range(lo, hi + 1)
                 if code not in kept}
        _TABLES[keep] = table
    return table


def sanitize(text: object, keep: str = "") -> str:
    """`text` (any value; None is "") with every control character made visible.

    `keep` names the harmless layout characters the caller's widget handles itself: `"\\n"` or
    `"\\t\\n"` for multi-line text; nothing (the default) for a one-line cell or message.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    # The common case costs one C loop: every unsafe character is one that str.isprintable()
    # refuses (Cc, Cf, Cs, Zl, Zp, unassigned), so a printable string is clean as it is.
    if s.isprintable() or _UNSAFE.search(s) is None:
        return s
    if keep and is_safe(s, keep):
        return s
    return s.translate(_table(keep))


def is_safe(text: str, keep: str = "") -> bool:
    """True when `sanitize(text, keep)` would return it unchanged."""
    return text.isprintable() or all(ch in keep for ch in _UNSAFE.findall(text))


def sanitize_lines(text: object) -> str:
    """Multi-line text (logs, YAML, describe, SSH output): newlines and tabs kept, CR shown."""
    return sanitize(text, keep="\t\n")


def escape_terminal(text: str) -> str:
    """kubectl's escaping (k8s.io/cli-runtime/pkg/printers/terminal.go `EscapeTerminal`): ESC as
    `^[`, CR as `\\r`, nothing else. kubectl applies it to every table cell and describe value
    whatever its output is; `k8stui get` does the same so that its output stays kubectl's."""
    if "\x1b" not in text and "\r" not in text:
        return text
    return text.replace("\x1b", "^[").replace("\r", "\\r")


class TerminalStream:
    """A text stream that writes through `sanitize_lines`: the CLI's stdout and stderr when they
    are terminals (server messages and SSH output in drain and upgrade progress, token
    descriptions, overview texts). Everything else is the wrapped stream's."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(sanitize_lines(text))

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


def terminal_stream(stream: TextIO) -> TextIO:
    """`stream` guarded by `TerminalStream` when it is a terminal; unchanged when it is a pipe or
    a file (what scripts, diffs and the kubectl fidelity tests read stays byte for byte)."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        tty = False
    return TerminalStream(stream) if tty else stream  # type: ignore[return-value]
