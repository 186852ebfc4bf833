"""Messages that cross the UI: screens ask the app for navigation; the app tells screens the session
changed. Watch events never travel as messages: the app's flush timer hands each screen one batch
of changes per tick (see `K8sTuiApp.flush`)."""

from __future__ import annotations

from textual.message import Message


class SessionChanged(Message):
    """A new session (connection + caches) is in place, or the old one is gone (session None)."""

    def __init__(self, session: object | None):
        super().__init__()
        self.session = session


class OpenPods(Message):
    """Show pods: on one node (all namespaces), or in a namespace (None: all)."""

    def __init__(self, node: str | None = None, namespace: str | None = None):
        super().__init__()
        self.node = node
        self.namespace = namespace


class RunCommand(Message):
    """A `:` command line (without the colon)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text
