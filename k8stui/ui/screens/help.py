"""`?` / F1: every key and command on one page."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# k8stui keys

## Everywhere
| Key | Action |
|---|---|
| `:` | command mode (see below) |
| `/` | filter the table (see below) |
| `Esc` | close the prompt, else clear the filter, else clear the marks, else go back |
| `?`, `F1` | this help |
| `ctrl+p` | command palette: nodes, pods by name, namespaces, contexts, screens |
| `ctrl+q`, `:q` | quit |

## Tables (nodes, pods)
| Key | Action |
|---|---|
| `↑` `↓` / `k` `j` | move the cursor |
| `PgUp` `PgDn` / `ctrl+b` `ctrl+f` | a page up / down |
| `Home` `End` / `g` `G` | first / last row |
| `←` `→` / `h` `l` | scroll sideways |
| `s` / `>` | sort by the next column; `<` the previous column |
| `S` | reverse the sort |
| `N` / `A` | sort by NAME / AGE (again: reverse), as in k9s |
| click a header | sort by that column (again: reverse) |
| `Space` | mark / unmark the row (and move down) |
| `Enter` | nodes: the node's pods; pods: the pod's YAML |
| `y` | YAML of the selected object (fetched fresh) |
| `e` | recent events of the selected node or pod |

## Nodes
| Key | Action |
|---|---|
| `c` | cordon the marked nodes, or the node under the cursor |
| `u` | uncordon them |

PODS, CPU and MEM are the pods on the node and their requests against the node's allocatable,
kept as running tallies of the pod watch.

## Commands (`:`)
| Command | Action |
|---|---|
| `:nodes` (`:no`) | the nodes screen |
| `:pods` (`:po`) | pods in the current namespace |
| `:ns NAME`, `:ns all` | pods in a namespace / all namespaces |
| `:ctx NAME` | switch context (reconnects; new caches) |
| `:ctx` | list the contexts |
| `:help` | this help |
| `:q`, `:quit` | quit |

## Filters (`/`)
| Filter | Matches |
|---|---|
| `/web` | rows whose cells contain "web" (case-insensitive) |
| `/re:^web-[0-9]+` | a regular expression (case-insensitive) |
| `/^web` | also a regex: any of `^ $ * + ? ( ) [ ] { } \\| \\\\` makes it one (`.` does not) |
| `/!web` | rows that do NOT match |
| `/-l app=web,tier!=db` | a label selector: `=`, `==`, `!=`, `in (a,b)`, `notin (a,b)`, `key`, `!key` |

The filter applies as you type; Enter keeps it, Esc clears it.

## Read-only mode
With `--readonly`, `readonly: true` in `~/.config/k8stui/config.yaml` (globally or per context), or
when RBAC does not allow writes, a banner stays on screen and every change is refused by the
connection itself: the request never leaves the process.
"""


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "app.pop_screen", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP, id="help")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
