"""Questions before an action that changes the cluster or a host.

* `GuardedDialog`: a modal that takes no answer from a key pressed before it was on screen. A
  terminal delivers fast typing as one burst of key events, all queued before the first is
  handled: a hotkey in the burst opens the dialog and the rest of the burst (an Enter, a `y`)
  would answer it unseen. So every key event older than the dialog's mount is dropped, and the
  keys that say yes (`ARMED_KEYS`) and the buttons that do (`ARMED_BUTTONS`, shown disabled) only
  work `ARM_DELAY` seconds after it appeared. Nothing has the focus until the keys queued before it
  are through (the focus would route them into an input or onto a button). Subclasses say what
  gets the focus then (`focus_default`).
* `ConfirmScreen(question, detail, yes, no)`: y/n, "No" focused (`push_screen(ConfirmScreen(...),
  callback)` or `await push_screen_wait(...)` in a worker; the result is True for yes).
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual._time import get_time
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from k8stui.ui.safe import markup_safe_lines


class GuardedDialog(ModalScreen):
    """See the module docstring."""

    ARM_DELAY: ClassVar[float] = 0.4  # seconds before the yes keys and buttons work (tests set 0)
    ARMED_KEYS: ClassVar[frozenset[str]] = frozenset({"y", "enter"})
    ARMED_BUTTONS: ClassVar[tuple[str, ...]] = ("#yes",)
    AUTO_FOCUS = ""  # nothing focused until the stale keys are gone (see focus_default)

    shown_at: float | None = None  # Textual's event clock when the dialog was mounted
    armed = False

    def on_mount(self) -> None:
        self.shown_at = get_time()
        for button in self._armed_buttons():
            button.disabled = True
        # behind every key already queued at the app: those reach this screen unfocused, and drop
        self.app.call_later(self.focus_default)
        if self.ARM_DELAY > 0:
            self.set_timer(self.ARM_DELAY, self.arm)
        else:
            self.app.call_later(self.arm)

    def _armed_buttons(self) -> list[Button]:
        return [b for sel in self.ARMED_BUTTONS for b in self.query(sel).results(Button)]

    def focus_default(self) -> None:
        """Give the focus to the safe choice (called once the queued keys are through)."""

    def arm(self) -> None:
        self.armed = True
        for button in self._armed_buttons():
            button.disabled = False

    def stale(self, event: events.Key) -> bool:
        """Pressed before this dialog was on screen."""
        return self.shown_at is None or event.time < self.shown_at

    def on_key(self, event: events.Key) -> None:
        # a key bubbles here from the focused widget before the app runs any binding for it
        if self.stale(event) or (not self.armed and event.key in self.ARMED_KEYS):
            event.stop()
            event.prevent_default()

    def answer_allowed(self) -> bool:
        """For the actions and button handlers that say yes: not before the dialog is armed."""
        return self.armed


class ConfirmScreen(GuardedDialog):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes", no: str = "No"):
        super().__init__()
        self.question, self.detail, self.yes, self.no = question, detail, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(markup_safe_lines(self.question), id="confirm-question")
            if self.detail:
                yield Static(markup_safe_lines(self.detail), id="confirm-detail")
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button(f"{self.no} (n)", id="no", variant="primary")

    def focus_default(self) -> None:
        for button in self.query("#no").results(Button):
            self.set_focus(button)

    def action_answer(self, yes: bool) -> None:
        if yes and not self.answer_allowed():
            return
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")
