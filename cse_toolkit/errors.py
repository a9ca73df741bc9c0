"""Errors a user can act on.

Each is a type with a plain message. The command line prints the message and exits 1; the GUI
shows it in a dialog. Anything that is not a `UserError` is a bug: logged (without personal data)
and shown in a crash dialog.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; `str(err)` is a plain-English message saying what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class PermissionDenied(UserError):
    """The signed-in user's role does not allow this action."""
