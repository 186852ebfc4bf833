"""Where the Textual stylesheets live: the top-level `styles/` folder of the source tree (an
editable install), or `<prefix>/share/k8stui/styles` where a wheel's data files put them."""

from __future__ import annotations

import sys
from pathlib import Path


def styles_dir() -> Path:
    source = Path(__file__).resolve().parents[2] / "styles"
    if source.is_dir():
        return source
    return Path(sys.prefix) / "share" / "k8stui" / "styles"


def css_path(name: str) -> Path:
    """The absolute path of `styles/<name>` (e.g. "app.tcss")."""
    return styles_dir() / name
