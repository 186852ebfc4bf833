"""A clear error screen with retry: unreachable server, bad kubeconfig, unknown context, expired
credentials, 403 on list. One line of what happened, and what the keys do."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.widgets import Button, Footer, Static
from k8stui.ui.screens.command import CommandScreen

from k8stui.ui.safe import markup_safe, markup_safe_lines


class ErrorScreen(CommandScreen):
    BINDINGS = [
        Binding("r", "retry", "Retry"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, message: str, title: str = "Cannot connect"):
        super().__init__()
        self.message = message
        self.error_title = title

    def compose(self) -> ComposeResult:
        with Center(id="error-center"):
            with Vertical(id="error-box"):
                yield Static(markup_safe(self.error_title), id="error-title")
                yield Static(markup_safe_lines(self.message), id="error-message")
                yield Static("", id="error-note")
                yield Static("r: retry   ctrl+p: switch context   q: quit", id="error-hint")
                with Horizontal(id="error-buttons"):
                    yield Button("Retry", id="retry", variant="primary")
                    yield Button("Quit", id="quit", variant="error")
        yield self.command_prompt()
        yield Footer()

    def on_mount(self) -> None:
        for button in self.query("#retry").results(Button):  # (absent if the app is closing)
            button.focus()

    def show(self, message: str, title: str | None = None) -> None:
        self.message = message
        if title:
            self.error_title = title
            self.query_one("#error-title", Static).update(markup_safe(title))
        self.query_one("#error-message", Static).update(markup_safe_lines(message))
        self.query_one("#error-note", Static).update("")

    def note(self, text: str) -> None:
        self.query_one("#error-note", Static).update(markup_safe(text))

    def action_retry(self) -> None:
        self.note("retrying…")
        self.app.retry()  # type: ignore[attr-defined]

    def action_quit(self) -> None:
        self.app.exit(1)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "retry":
            self.action_retry()
        elif event.button.id == "quit":
            self.action_quit()
