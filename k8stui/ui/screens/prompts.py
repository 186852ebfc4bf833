"""Small modal prompts shared by the wizards and the SSH runner.

* `TypeNameScreen(question, detail, expected)`: the operator types a phrase (a node's name, a
  token ID, a word) to go on; Enter with anything else keeps the dialog open and says so.
  Dismisses with the phrase, or None when cancelled (Esc).
* `HostKeyScreen(host, fingerprint)`: an SSH host key seen for the first time, with its
  fingerprint; True to trust it (it is then added to the inventory's known_hosts).
* `PasswordScreen(prompt)`: a masked input (sudo password). The text is handed to the caller and
  kept nowhere else: not in the widget after dismissal, never in a log or a notification.
* `ask(app, screen)`: push a modal from any coroutine on the app's loop (a worker or not) and await
  its answer (what the SSH runner's callbacks need: they run deep inside other screens' workers).

TypeNameScreen and HostKeyScreen are `GuardedDialog`s (k8stui.ui.screens.confirm): keys pressed
before they appeared are dropped, and their yes only works after a short delay.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from k8stui.ui.screens.confirm import GuardedDialog
from k8stui.ui.safe import markup_safe, markup_safe_lines

PROMPT_CSS = """
TypeNameScreen, HostKeyScreen, PasswordScreen {
    align: center middle;
    background: $background 60%;
}
.prompt-box {
    width: 84;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    padding: 1 2;
    border: thick $warning;
    background: $surface;
}
.prompt-question { text-style: bold; }
.prompt-detail { color: $text-muted; padding-top: 1; }
.prompt-fingerprint { padding-top: 1; text-style: bold; color: $text-warning; }
.prompt-box Input { margin-top: 1; }
.prompt-error { color: $text-error; height: auto; }
.prompt-buttons { height: auto; padding-top: 1; }
.prompt-buttons Button { margin-right: 2; }
"""


async def ask(app: App, screen: ModalScreen) -> Any:
    """Push `screen` and wait for its dismissal value (usable outside a worker, unlike
    `push_screen_wait`)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future = loop.create_future()

    def done(value: Any) -> None:
        if not answer.done():
            answer.set_result(value)

    app.push_screen(screen, done)
    return await answer


class TypeNameScreen(GuardedDialog):
    """Type `expected` (e.g. the node's name) to confirm. Typing works at once; Enter and the
    confirm button once the dialog is armed."""

    DEFAULT_CSS = PROMPT_CSS
    ARMED_KEYS = frozenset()  # the typed phrase is the guard; Enter is checked in _submit
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, detail: str, expected: str, yes: str = "Confirm"):
        super().__init__()
        self.question, self.detail, self.expected, self.yes = question, detail, expected, yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box", id="typename-box"):
            yield Static(markup_safe_lines(self.question), classes="prompt-question")
            if self.detail:
                yield Static(markup_safe_lines(self.detail), classes="prompt-detail", id="typename-detail")
            yield Static(f"Type [b]{markup_safe(self.expected)}[/b] to confirm, Esc to cancel:",
                         classes="prompt-detail")
            yield Input("", id="typename-input", placeholder=self.expected, select_on_focus=False)
            yield Static("", classes="prompt-error", id="typename-error")
            with Horizontal(classes="prompt-buttons"):
                yield Button(f"{self.yes} (enter)", id="yes", variant="warning")
                yield Button("Cancel (esc)", id="no", variant="primary")

    def focus_default(self) -> None:
        self.set_focus(self.query_one("#typename-input", Input))

    def _submit(self) -> None:
        if not self.answer_allowed():
            return
        typed = self.query_one("#typename-input", Input).value
        if typed.strip() == self.expected:
            self.dismiss(typed.strip())
        else:
            self.query_one("#typename-error", Static).update(
                f"that is not {markup_safe(self.expected)}: type it exactly (or Esc)")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "yes":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HostKeyScreen(GuardedDialog):
    """An unknown SSH host key: trust it (y) or not (n, Esc)."""

    DEFAULT_CSS = PROMPT_CSS
    BINDINGS = [Binding("y", "answer(True)", "Trust"), Binding("n,escape", "answer(False)", "Refuse")]

    def __init__(self, host: str, fingerprint: str):
        super().__init__()
        self.host, self.fingerprint = host, fingerprint

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box", id="hostkey-box"):
            yield Static(f"Unknown SSH host key for {markup_safe(self.host)}", classes="prompt-question")
            yield Static(markup_safe(self.fingerprint), classes="prompt-fingerprint", id="hostkey-fingerprint")
            yield Static("Compare this fingerprint with the host's own (ssh-keygen -lf "
                         "/etc/ssh/ssh_host_ed25519_key.pub on the host) before trusting it. A trusted key "
                         "is added to the inventory's known_hosts file.", classes="prompt-detail")
            with Horizontal(classes="prompt-buttons"):
                yield Button("Trust (y)", id="yes", variant="warning")
                yield Button("Refuse (n)", id="no", variant="primary")

    def focus_default(self) -> None:
        self.set_focus(self.query_one("#no", Button))

    def action_answer(self, yes: bool) -> None:
        if yes and not self.answer_allowed():
            return
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")


class PasswordScreen(ModalScreen["str | None"]):
    """A masked password input; Enter gives it to the caller, Esc gives None."""

    DEFAULT_CSS = PROMPT_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, detail: str = ""):
        super().__init__()
        self.question, self.detail = question, detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="prompt-box", id="password-box"):
            yield Static(markup_safe_lines(self.question), classes="prompt-question")
            if self.detail:
                yield Static(markup_safe_lines(self.detail), classes="prompt-detail")
            yield Input("", id="password-input", password=True, select_on_focus=False)

    def on_mount(self) -> None:
        self.query_one("#password-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inp = self.query_one("#password-input", Input)
        value = inp.value
        inp.value = ""  # not kept in the widget
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.query_one("#password-input", Input).value = ""
        self.dismiss(None)
