"""Helpers shared by subcommands: vault arguments and reading secrets."""

from __future__ import annotations

import argparse
import getpass
import sys

from cse_toolkit.core.safetext import unstorable
from cse_toolkit.errors import UserError


def add_vault_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="vault folder (default: CSE_TOOLKIT_HOME or the platform data folder)",
    )
    parser.add_argument("--user", metavar="NAME", help="user name (default: the only user)")


class SecretReader:
    """Reads secrets: from a prompt on a terminal, else one line each from standard input.

    Non-interactive use (IT scripts, tests) pipes the passphrase as the first line and any
    further secret (a pack password, a new passphrase) on the following lines.
    """

    def __init__(self) -> None:
        self._interactive = sys.stdin is not None and sys.stdin.isatty()

    def read(self, prompt: str, what: str = "passphrase") -> str:
        if self._interactive:
            value = getpass.getpass(prompt)
        else:
            if sys.stdin is None:
                raise UserError(f"No {what} given: pipe it on standard input.")
            line = sys.stdin.readline()
            if not line:
                raise UserError(f"No {what} on standard input (expected one line for it).")
            value = line.rstrip("\r\n")
        if not value:
            raise UserError(f"The {what} is empty.")
        if unstorable(value):
            raise UserError(
                f"The {what} on standard input is not UTF-8 text (or holds a NUL). Check how it "
                "is passed to the command."
            )
        return value

    def read_new(self, prompt: str, what: str = "new passphrase") -> str:
        value = self.read(prompt, what)
        if self._interactive:
            again = getpass.getpass("Type it again: ")
            if again != value:
                raise UserError("The two entries do not match. Nothing was changed.")
        return value


_reader: SecretReader | None = None


def secrets() -> SecretReader:
    """One reader per process so consecutive secrets come from consecutive stdin lines."""
    global _reader
    if _reader is None:
        _reader = SecretReader()
    return _reader


def safe_text(text: object, *, keep_newlines: bool = False) -> str:
    """Untrusted text for the terminal: control, bidi and invisible characters escaped."""
    from cse_toolkit.core.safetext import safe_text as _safe

    return _safe(text, keep_newlines=keep_newlines)
