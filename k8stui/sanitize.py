"""One sanitiser for every string that comes from a cluster or a host, before it reaches a terminal.

Anyone who may create a pod controls text that k8stui shows: image names (they come back in the
kubelet's `Pulling image "…"` Events), Event messages, annotations, reasons, log lines, SSH output,
API error messages. Such text can carry terminal control sequences (OSC 52 writes the clipboard,
OSC 8 makes links, `CSI 2J` clears the screen, `CSI ?1049h` switches screens, `ESC[201~` ends a
bracketed paste, BEL rings) and Unicode that reorders what is shown (U+202E RIGHT-TO-LEFT OVERRIDE).

`sanitize(text)` makes every such character visible and inert:
* C0 controls and DEL become their Unicode Control Pictures (ESC → `␛`, BEL → `␇`, NUL → `␀`,
  CR → `␍`, DEL → `␡`), so an escape sequence reads as `␛]52;c;…␇` and cannot start: the ESC that
  would introduce it is gone. Tab and newline are kept only where the caller says its widget lays
  them out (`keep="\\t\\n"` for multi-line views); elsewhere they are shown as `␉` and `␊`.
* C1 controls (U+0080..U+009F, e.g. the one-byte CSI U+009B), bidirectional controls, zero-width
  and line/paragraph separators, and lone surrogates (bytes that were not UTF-8) become `\\u202e`-style
  escapes.

It never interprets Rich/Textual markup; callers build `rich.text.Text` from the result (see
`k8stui.ui.safe`), never markup strings. Pure Python, no Textual: the CLI uses it too.
"""

from __future__ import annotations

import re

# Every character that must not reach a terminal as itself.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0, DEL, C1
    "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"  # bidi marks/overrides/isolates, zero-width, separators
    "\ud800-\udfff]"  # lone surrogates (undecodable bytes under surrogateescape)
)


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # Control Pictures: ␀ … ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


_TABLES: dict[str, dict[int, str]] = {}


def _table(keep: str) -> dict[int, str]:
    table = _TABLES.get(keep)
    if table is None:
        table = {}
        for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), 0x061C, *range(0x200B, 0x2010),
                     *range(0x2028, 0x202F), *range(0x2060, 0x206A), 0xFEFF, *range(0xD800, 0xE000)):
            ch = chr(code)
            if ch not in keep:
                table[code] = _visible(ch)
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
    match = _UNSAFE.search(s)
    if match is None:  # the common case costs one regex scan
        return s
    if keep and all(ch in keep for ch in _UNSAFE.findall(s)):
        return s
    return s.translate(_table(keep))


def is_safe(text: str, keep: str = "") -> bool:
    """True when `sanitize(text, keep)` would return it unchanged."""
    return all(ch in keep for ch in _UNSAFE.findall(text))


def sanitize_lines(text: object) -> str:
    """Multi-line text (logs, YAML, describe, SSH output): newlines and tabs kept, CR shown."""
    return sanitize(text, keep="\t\n")
