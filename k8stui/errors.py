"""Exceptions that carry a one-line message meant for the operator.

Anything raised as a `UserError` is printed as `error: <message>` by the CLI and shown as a
message in the TUI: never a traceback.
"""


class UserError(Exception):
    """A problem the user can act on (bad input, unreachable server, refused action)."""


class ReadOnlyError(UserError):
    """A mutating request was attempted while the session is read-only."""

    def __init__(self, what: str):
        super().__init__(f"read-only mode: refused to {what}")
        self.what = what
