"""Resource quantities (`250m`, `0.5`, `64Mi`, `1G`) as the numbers requests and allocatable compare in.

One parser for the views' requested/allocatable columns and for the scheduling predicates
(`k8stui.kube.scheduling`). CPU is in millicores rounded up, as `Quantity.MilliValue()` does;
memory in bytes. Anything unparseable counts as 0.
"""

from __future__ import annotations

import math
from typing import Any

_MEM = {"Ki": 1024, "Mi": 1024 ** 2, "Gi": 1024 ** 3, "Ti": 1024 ** 4, "Pi": 1024 ** 5,
        "k": 1000, "K": 1000, "M": 1000 ** 2, "G": 1000 ** 3, "T": 1000 ** 4, "P": 1000 ** 5}


def cpu_millis(q: Any) -> int:
    """A CPU quantity ("250m", "2", "0.5") in millicores, rounded up (4.35 -> 4350, never 4349)."""
    if q is None:
        return 0
    s = str(q)
    try:
        if s.endswith("m"):
            return int(math.ceil(float(s[:-1]) - 1e-9))
        return int(math.ceil(float(s) * 1000 - 1e-9))
    except ValueError:
        return 0


def mem_bytes(q: Any) -> int:
    """A memory quantity ("64Mi", "1G", "128974848", "129e6") in bytes."""
    if q is None:
        return 0
    s = str(q)
    try:
        for suffix in ("Ki", "Mi", "Gi", "Ti", "Pi"):
            if s.endswith(suffix):
                return int(float(s[:-2]) * _MEM[suffix])
        if s[-1:] in _MEM:
            return int(float(s[:-1]) * _MEM[s[-1]])
        if "e" in s.lower():
            return int(float(s))
        return int(s)
    except (ValueError, IndexError):
        return 0
