"""Values formatted and parsed as Go prints and parses them.

kubectl and kubeadm messages quote values with Go's %q, print durations with
time.Duration.String() and take them with time.ParseDuration; reproducing their texts exactly
needs the same rules.
"""

from __future__ import annotations

from typing import Iterable


def go_quote(s: str) -> str:
    """strconv.Quote / fmt %q: double quotes, Go escapes, printable Unicode kept."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif o < 0x80:
            out.append(f"\\x{o:02x}")
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_string_slice(items: Iterable[str] | None) -> str:
    """fmt %#v of a []string: `[]string{"a", "b"}` (`[]string(nil)` for nil)."""
    if items is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(i) for i in items) + "}"


def _time_quote(s: str) -> str:
    """The `quote` of Go's time package (used in ParseDuration errors): \\x escapes outside ASCII."""
    out = ['"']
    for b in s.encode("utf-8", errors="surrogateescape"):
        if b >= 0x80 or b < 0x20:
            out.append(f"\\x{b:02x}")
        else:
            c = chr(b)
            out.append("\\" + c if c in ('"', "\\") else c)
    out.append('"')
    return "".join(out)


_UNITS_NS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
             "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_MAX_NS = (1 << 63) - 1


def parse_go_duration(text: str) -> int:
    """time.ParseDuration: nanoseconds, or ValueError with Go's message."""
    orig = text
    s = text
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError(f"time: invalid duration {_time_quote(orig)}")
    total = 0
    while s:
        if not (s[0] == "." or s[0].isdigit() and s[0].isascii()):
            raise ValueError(f"time: invalid duration {_time_quote(orig)}")
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        pre = i > 0
        v = int(s[:i]) if pre else 0
        s = s[i:]
        frac, scale, post = 0, 1.0, False
        if s.startswith("."):
            s = s[1:]
            j = 0
            while j < len(s) and "0" <= s[j] <= "9":
                j += 1
            post = j > 0
            digits = s[:j]
            s = s[j:]
            for d in digits:  # leadingFraction: stop adding precision once it would overflow
                if frac > (1 << 63) // 10:
                    continue
                frac = frac * 10 + int(d)
                scale *= 10
        if not pre and not post:
            raise ValueError(f"time: invalid duration {_time_quote(orig)}")
        k = 0
        while k < len(s) and s[k] != "." and not ("0" <= s[k] <= "9"):
            k += 1
        if k == 0:
            raise ValueError(f"time: missing unit in duration {_time_quote(orig)}")
        unit_text, s = s[:k], s[k:]
        unit = _UNITS_NS.get(unit_text)
        if unit is None:
            raise ValueError(f"time: unknown unit {_time_quote(unit_text)} in duration {_time_quote(orig)}")
        if v > (1 << 63) // unit:
            raise ValueError(f"time: invalid duration {_time_quote(orig)}")
        v *= unit
        if frac > 0:
            v += int(frac * (unit / scale))
            if v > 1 << 63:
                raise ValueError(f"time: invalid duration {_time_quote(orig)}")
        total += v
        if total > 1 << 63:
            raise ValueError(f"time: invalid duration {_time_quote(orig)}")
    if neg:
        return -total
    if total > _MAX_NS:
        raise ValueError(f"time: invalid duration {_time_quote(orig)}")
    return total


def format_go_duration(ns: int) -> str:
    """time.Duration.String() for whole seconds and more (what --ttl's default prints): 24h0m0s."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, div in (("ms", 1_000_000), ("\u00b5s", 1_000), ("ns", 1)):
            if ns >= div:
                whole, rest = divmod(ns, div)
                frac = f"{rest:0{len(str(div)) - 1}d}".rstrip("0") if div > 1 else ""
                return f"{sign}{whole}{'.' + frac if frac else ''}{unit}"
    secs, rest = divmod(ns, 1_000_000_000)
    frac = f"{rest:09d}".rstrip("0")
    h, rem = divmod(secs, 3600)
    m, sec = divmod(rem, 60)
    s_txt = f"{sec}{'.' + frac if frac else ''}s"
    if h:
        return f"{sign}{h}h{m}m{s_txt}"
    if m:
        return f"{sign}{m}m{s_txt}"
    return f"{sign}{s_txt}"
