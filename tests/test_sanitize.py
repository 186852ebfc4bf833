"""`k8stui.sanitize` and `k8stui.ui.safe`: control characters shown, never emitted; markup never applied."""

from __future__ import annotations

import io
import unicodedata

import pytest
from rich.text import Text
from textual.content import Content

from hostile import BEL, C1_CSI, CLEAR, HOSTILE, MARKUP, NUL, OSC8, OSC52, RLO
from k8stui.sanitize import TerminalStream, escape_terminal, is_safe, sanitize, sanitize_lines, terminal_stream
from k8stui.ui.safe import cluster_text, markup_safe, markup_safe_lines, safe_text, table_row


def test_escape_sequences_lose_their_escape_and_read_as_pictures() -> None:
    assert sanitize(OSC52) == "␛]52;c;cm0gLXJmIH4=␇"
    assert sanitize(OSC8) == "␛]8;;http://evil␛\\click␛]8;;␛\\"
    assert sanitize(CLEAR) == "␛[2J"
    assert sanitize(BEL + NUL + "\x7f") == "␇␀␡"
    assert sanitize(C1_CSI) == "\\x9b2J"
    assert sanitize("evil" + RLO + "gnp.exe") == "evil\\u202egnp.exe"
    assert sanitize("tag\U000e0041") == "tag\\U000e0041"
    assert sanitize("\udcff") == "\\udcff"  # an undecodable byte under surrogateescape


def test_every_control_format_and_separator_character_is_unsafe() -> None:
    """Checked against the Unicode database: Cc, Cf (bidi, zero-width, soft hyphen, tags), Zl, Zp, Cs."""
    missed = [hex(c) for c in range(0x110000)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp", "Cs") and is_safe(chr(c))]
    assert missed == []
    for code in (0x1B, 0x9B, 0x202E, 0x2066, 0x200B, 0xAD, 0xFEFF, 0xE0041):
        assert not is_safe(chr(code)) and is_safe(sanitize(chr(code)))  # the replacement is printable


def test_plain_text_and_non_ascii_text_pass_unchanged() -> None:
    for s in ("web-6b479fc778-84jzz", "10.244.1.2", "Ubuntu 24.04.1 LTS", "Größe ≤ 5 · ✓", "日本語", ""):
        assert sanitize(s) == s
    assert sanitize(None) == "" and sanitize(42) == "42"


def test_layout_characters_are_kept_only_when_asked() -> None:
    assert sanitize("a\tb\nc\rd") == "a␉b␊c␍d"
    assert sanitize_lines("a\tb\nc\rd") == "a\tb\nc␍d"
    assert sanitize("a\nb", keep="\n") == "a\nb"
    assert is_safe("a\nb", keep="\n") and not is_safe("a\nb")


def test_markup_is_never_applied() -> None:
    for value in (MARKUP, "[B]x[/B]", "[ bold]x", "[$error]q[/]", "[@click=app.quit]z", "a\\[b]", "x\\", "\\"):
        content = Content.from_markup(f"[b]{markup_safe(value)}[/b] tail")
        assert content.spans == [content.spans[0]] and content.spans[0].style == "b"
        # a final backslash is shown as ⧵: markup cannot put a backslash right before our tag
        expected = value[:-1] + "⧵" if value.endswith("\\") else value
        assert content.plain == expected + " tail"
    content = Content.from_markup(f"{markup_safe('ends in a backslash' + chr(92))}[b]ours[/b]")  # no MarkupError
    assert content.plain == "ends in a backslash⧵ours"
    assert Content.from_markup(markup_safe_lines("one\n[red]two")).plain == "one\n[red]two"


def test_cluster_text_and_table_cells_are_sanitised_text() -> None:
    t = cluster_text(HOSTILE, style="red")
    assert isinstance(t, Text) and t.style == "red" and is_safe(t.plain) and t.plain.startswith(MARKUP)
    cells = table_row(["plain", HOSTILE, Text("ok" + RLO, style="green")])
    assert [c.plain for c in cells][0] == "plain" and all(is_safe(c.plain) for c in cells)
    assert cells[2].style == "green" and cells[2].plain == "ok\\u202e"


def test_safe_text_moves_the_styles_with_the_text() -> None:
    t = Text()
    t.append("ok ", style="green")
    t.append("a" + RLO + "b\x1bc", style="red")
    t.append(" end", style="bold")
    out = safe_text(t)
    assert out.plain == "ok a\\u202eb␛c end"
    assert [(out.plain[s.start:s.end], s.style) for s in out.spans] == [
        ("ok ", "green"), ("a\\u202eb␛c", "red"), (" end", "bold")]
    clean = Text("nothing to do\n")
    assert safe_text(clean) is clean


def test_escape_terminal_is_kubectls() -> None:
    assert escape_terminal("a\x1b[2Jb\rc\x07") == "a^[[2Jb\\rc\x07"  # BEL and the rest: as kubectl leaves them
    assert escape_terminal("plain") == "plain"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_stream_sanitises_terminals_only() -> None:
    pipe = io.StringIO()
    assert terminal_stream(pipe) is pipe
    tty = _Tty()
    guarded = terminal_stream(tty)
    assert isinstance(guarded, TerminalStream)
    print("line\t" + OSC52, file=guarded, flush=True)
    assert tty.getvalue() == "line\t␛]52;c;cm0gLXJmIH4=␇\n"


@pytest.mark.parametrize("cell", ["web-6b479fc778-84jzz", "Running", "10.244.1.2", "3 (5m ago)", "<none>"])
def test_sanitize_of_a_typical_cell_is_cheap(cell: str) -> None:
    """The table sanitises every visible cell once per second: a clean cell costs one regex scan
    (a generous bound, for a loaded machine: measured ~0.2 µs)."""
    import timeit

    n = 20000
    seconds = min(timeit.repeat(lambda: sanitize(cell), number=n, repeat=3))
    assert seconds / n < 5e-6
