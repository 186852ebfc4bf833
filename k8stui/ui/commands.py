"""The command palette (ctrl+p): screens (nodes, pods, overview, tokens, upgrade, audit), contexts,
namespaces, nodes and pods by name.

Textual parses both a hit's text and its help as markup: every name and cell is `markup_safe`.

Searches stay cheap at 150,000 pods: pods and nodes are pre-filtered by substring (at most
`LIMIT` candidates) before the fuzzy matcher scores them.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider

from k8stui.ui.safe import markup_safe

if TYPE_CHECKING:
    from k8stui.ui.app import K8sTuiApp

LIMIT = 40


class ClusterCommands(Provider):
    @property
    def k8s(self) -> "K8sTuiApp":
        return self.app  # type: ignore[return-value]

    def _static(self) -> Iterator[tuple[str, Callable[[], None], str]]:
        app = self.k8s
        yield "Nodes", app.show_nodes, "the nodes screen (:nodes)"
        yield "Pods", lambda: app.show_pods(namespace=app.namespace), "pods in the current namespace (:pods)"
        yield "Pods (all namespaces)", partial(app.set_namespace, None), ":ns all"
        yield "Cluster overview", partial(app.run_command, ":overview"), "versions, control plane, skew (:overview)"
        yield "Bootstrap tokens", partial(app.run_command, ":tokens"), "kubeadm tokens, join commands (:tokens)"
        yield "Cluster upgrade", partial(app.run_command, ":upgrade"), "the kubeadm upgrade wizard (:upgrade)"
        yield "Audit log", partial(app.run_command, ":audit"), "every change made, newest first (:audit)"
        yield "Help: keys and commands", app.action_help, "? or F1"
        for ctx in app.known_contexts:
            yield f"context: {markup_safe(ctx)}", partial(app.switch_context, ctx), "switch context (reconnect)"

    def _dynamic(self, query: str) -> Iterator[tuple[str, Callable[[], None], str]]:
        app = self.k8s
        s = app.session
        if s is None:
            return
        q = query.lower().strip()
        for prefix in ("pod:", "node:", "namespace:", "ns:"):
            if q.startswith(prefix):
                q = q[len(prefix):].strip()
        for ns in s.namespaces():
            if not q or q in ns:
                yield f"namespace: {markup_safe(ns)}", partial(app.set_namespace, ns), "pods in this namespace"
        n = 0
        for row in s.nodes.rows.values():
            if not q or q in row.name:
                yield f"node: {markup_safe(row.name)}", partial(app.jump_to_node, row.name), markup_safe(row.cells[1])
                n += 1
                if n >= LIMIT:
                    break
        if not q:
            return
        n = 0
        for uid, row in s.pods.rows.items():
            if q in row.name:
                yield (f"pod: {markup_safe(row.namespace)}/{markup_safe(row.name)}", partial(app.jump_to_pod, uid),
                       markup_safe(f"{row.cells[2]} on {row.node or '<none>'}"))
                n += 1
                if n >= LIMIT:
                    break

    async def discover(self) -> Hits:
        for text, callback, help_text in self._static():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for source in (self._static(), self._dynamic(query)):
            for text, callback, help_text in source:
                score = matcher.match(text)
                if score > 0:
                    yield Hit(score, matcher.highlight(text), callback, help=help_text)
