"""The `:` command line and `/` filter line at the bottom of a resource screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


class Prompt(Horizontal):
    """A one-line input with a `:` or `/` sigil; hidden until opened.

    Posts `Prompt.Changed` while typing (filter mode filters as you type), `Prompt.Submitted` on
    Enter and `Prompt.Cancelled` on Escape (its own binding: the screen's Esc does not see it).
    """

    BINDINGS = [Binding("escape", "cancel", "Close", show=False)]

    DEFAULT_CSS = """
    Prompt { height: 1; display: none; }
    Prompt.-open { display: block; }
    Prompt > Label { width: 2; }
    Prompt > Input, Prompt > Input:focus { border: none; height: 1; padding: 0; width: 1fr; }
    """

    class Changed(Message):
        def __init__(self, prompt: "Prompt", mode: str, value: str):
            super().__init__()
            self.prompt, self.mode, self.value = prompt, mode, value

    class Submitted(Message):
        def __init__(self, prompt: "Prompt", mode: str, value: str):
            super().__init__()
            self.prompt, self.mode, self.value = prompt, mode, value

    class Cancelled(Message):
        def __init__(self, prompt: "Prompt", mode: str):
            super().__init__()
            self.prompt, self.mode = prompt, mode

    def __init__(self, id: str | None = None):
        super().__init__(id=id)
        self.mode = "command"

    def compose(self) -> ComposeResult:
        yield Label(":", id="prompt-sigil")
        yield Input(id="prompt-input", select_on_focus=False)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def input(self) -> Input:
        return self.query_one("#prompt-input", Input)

    def open(self, mode: str, value: str = "") -> None:
        self.mode = mode
        self.query_one("#prompt-sigil", Label).update(":" if mode == "command" else "/")
        self.add_class("-open")
        inp = self.input
        with inp.prevent(Input.Changed):
            inp.value = value
        inp.placeholder = ("nodes | pods | ns NAME | ns all | ctx NAME | tokens | upgrade | overview | audit | q"
                           if mode == "command"
                           else "text, regex (re:… or any of ^$*+?()[]{}|\\), -l key=value,… label selector")
        inp.cursor_position = len(value)
        # at once, not deferred like `focus()`: the keys already queued behind `:` are the command
        self.screen.set_focus(inp)

    def close(self) -> None:
        self.remove_class("-open")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self, self.mode, event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.close()
        self.post_message(self.Submitted(self, self.mode, event.value))

    def action_cancel(self) -> None:
        self.cancel()

    def cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled(self, self.mode))
