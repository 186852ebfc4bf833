"""`?` / F1: every key and command on one page."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown
from k8stui.ui.screens.command import CommandScreen

HELP = """\
# k8stui keys

## Everywhere
| Key | Action |
|---|---|
| `:` | command mode, on every screen (see below); after `:` every key goes to the command line |
| `/` | filter the table (see below) |
| `Esc` | close the prompt, else clear the filter, else clear the marks, else go back |
| `?`, `F1` | this help |
| `ctrl+p` | command palette: nodes, pods by name, namespaces, contexts, screens (overview, tokens, upgrade, audit) |
| `ctrl+q`, `:q` | quit (while a drain or an upgrade runs: asks first, and says what it leaves) |

Confirmations ignore keys pressed before they appeared; their yes works after a moment (the
button shows when). Destructive actions want a word typed: the version (upgrade), the number of
nodes (a drain of several), `upload-certs`, the token ID (delete), the pod's name (delete despite
its budget).

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
| `Space` | mark / unmark the row (`●`; and move down) |
| `Enter` | nodes: the node's pods; pods: the pod's YAML |
| `y` | YAML of the selected object (fetched fresh) |
| `e` | recent events of the selected node or pod |

## Nodes
| Key | Action |
|---|---|
| `c` | cordon the marked nodes, or the node under the cursor |
| `u` | uncordon them |
| `d` | drain them (the drain wizard; marked nodes one after another) |

PODS, CPU and MEM are the pods on the node and their requests against the node's allocatable,
kept as running tallies of the pod watch.

## Drain wizard (`d` on the nodes screen)
| Key | Action |
|---|---|
| `space`, `tab`, `enter` | options (kubectl's defaults: all off; `[x]` on): toggle, next field, plan |
| `d` | plan: drain (confirmed; type the node's name with `--force`, `--disable-eviction`, or when the safety gates refuse; the number of nodes for several) |
| `o` / `r` | plan: back to the options / plan again |
| `s` | board: skip the pod under the cursor (it stays on the node) |
| `x` | board: delete the pod under the cursor despite its PodDisruptionBudget (type its name) |
| `Esc` | board: stop the drain (confirmed), then leave the node cordoned (`l`) or uncordon it (`u`); elsewhere: back |

The wizard holds the maintenance Lease (`kube-system/k8stui-maintenance`) while it drains; another
session holding it is named and refused. A read-only session gets the plan; running is refused.

## Commands (`:`)
| Command | Action |
|---|---|
| `:nodes` (`:no`) | the nodes screen |
| `:pods` (`:po`) | pods in the current namespace |
| `:ns NAME`, `:ns all` | pods in a namespace / all namespaces |
| `:ctx NAME` | switch context (reconnects; new caches) |
| `:ctx` | list the contexts |
| `:overview` (`:ov`) | the cluster at a glance: versions, control plane, etcd, skew, maintenance |
| `:tokens` | bootstrap tokens and join commands |
| `:upgrade` | the kubeadm upgrade wizard |
| `:audit` | the audit log, newest first (`r` reads it again, Enter shows an entry) |
| `:help` | this help |
| `:q`, `:quit` | quit |

## SSH (`:upgrade`, `:tokens` control-plane joins, `:overview` certificates)
Hosts come from `~/.config/k8stui/inventory.yaml`. A host key seen for the first time is shown with
its fingerprint: `y` trusts it (it is added to the inventory's known_hosts), `n` refuses. A changed
key is always refused. With `sudo: password` the password is asked once in a masked prompt and kept
in memory for the session only.

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
connection itself: the request never leaves the process. Bootstrap token secrets are masked
(`abcdef.****************`); revealing them, join commands and copying are refused.
"""


class HelpScreen(CommandScreen, ModalScreen):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "app.pop_screen", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP, id="help")
        yield self.command_prompt()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
