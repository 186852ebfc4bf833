"""`:` on every screen: `CommandScreen` composes nothing itself; a screen yields `command_prompt()`
(the bottom line) in its `compose` and gets the `:` key, the prompt's Enter (a `RunCommand` for the
app) and its Esc (back to the widget that had the focus).

Why `:` is a priority binding and the focus moves synchronously: a terminal delivers a fast
`:audit⏎` as one burst of key events, all queued at the app before the first is handled. The app
routes each key to the widget focused when it takes the key from its queue; an ordinary binding
runs only later, when the key has bubbled back up from that widget, by which time the rest of the
burst has been routed to the old widget (the table), and its letters are hotkeys. A priority
binding runs as the app takes the key, and `Prompt.open` moves the focus at once (`focus()` would
defer it behind the queue), so every key after the `:` lands in the prompt. In a text input the
`:` is a character: the binding steps aside (`SkipAction`).

Works for modal screens too (`class HelpScreen(CommandScreen, ModalScreen)`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.actions import SkipAction
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TextArea

from k8stui.ui.messages import RunCommand
from k8stui.ui.widgets.prompt import Prompt

if TYPE_CHECKING:
    from textual.app import App


class CommandScreen(Screen):
    """A screen with the `:` command line (see the module docstring)."""

    BINDINGS = [Binding(":", "command", "Command", key_display=":", priority=True)]

    app: "App"

    def command_prompt(self) -> Prompt:
        """The prompt widget to yield in `compose` (hidden until `:`)."""
        return Prompt(id="prompt")

    @property
    def prompt(self) -> Prompt:
        return self.query_one("#prompt", Prompt)

    @property
    def prompt_open(self) -> bool:
        found = self.query("#prompt")
        return bool(found) and found.first(Prompt).is_open

    def action_command(self) -> None:
        self.open_prompt("command")

    def typing(self) -> bool:
        """The focus is in a text field, where `:` (or `/`) is a character, not a command."""
        focused = self.focused
        return isinstance(focused, Input) or (isinstance(focused, TextArea) and not focused.read_only)

    def open_prompt(self, mode: str) -> None:
        """Open the prompt in that mode (from a priority binding: see the module docstring)."""
        if self.typing():
            raise SkipAction()
        prompt = self.prompt
        if not prompt.is_open:
            self._focus_before = self.focused
        prompt.open(mode)

    def restore_focus(self) -> None:
        """Back to the widget that had the focus before the prompt opened (now, not deferred)."""
        widget: Widget | None = getattr(self, "_focus_before", None)
        self._focus_before = None
        if widget is not None and widget.is_attached and widget.focusable:
            self.set_focus(widget)
        else:
            self.set_focus(None)
            self.focus_next()

    @on(Prompt.Submitted)
    def _command_submitted(self, event: Prompt.Submitted) -> None:
        event.stop()
        self.restore_focus()
        self.prompt_submitted(event.mode, event.value)

    @on(Prompt.Cancelled)
    def _command_cancelled(self, event: Prompt.Cancelled) -> None:
        event.stop()
        self.restore_focus()
        self.prompt_cancelled(event.mode)

    def prompt_submitted(self, mode: str, value: str) -> None:
        """Enter in the prompt (screens with other modes, e.g. `/`, extend this)."""
        if mode == "command":
            self.app.post_message(RunCommand(value))

    def prompt_cancelled(self, mode: str) -> None:
        """Esc in the prompt."""
