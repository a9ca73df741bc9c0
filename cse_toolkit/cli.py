"""The command line (a contract: tests and IT scripts use it; see DESIGN.md).

Each area registers its subcommands from a module in ``cse_toolkit.commands``. Handlers return an
exit code; a ``UserError`` becomes its message on stderr and exit 1; argparse usage errors exit 2.
Nothing here prints a traceback for a problem the user can fix.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from cse_toolkit import APP_ID, __version__
from cse_toolkit.errors import UserError

# Order is the order shown in --help.
_COMMAND_MODULES = (
    "cse_toolkit.commands.setup_cmds",
    "cse_toolkit.commands.screening_cmds",
    "cse_toolkit.commands.demo_cmd",
    "cse_toolkit.commands.pack_cmds",
    "cse_toolkit.commands.case_cmds",
    "cse_toolkit.commands.summary_cmd",
    "cse_toolkit.commands.vault_cmds",
)

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=APP_ID,
        description="Offline, encrypted toolkit for responding to CSE concerns. "
        "Run with no arguments to open the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"{APP_ID} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # an area not built yet
        module.register(sub)
    return parser


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        from cse_toolkit.logs import setup_logging

        setup_logging(console=False)
        return int(args.func(args) or 0)
    except UserError as err:
        from cse_toolkit.core.safetext import safe_text

        # Messages may quote a pack's fields: control characters are shown, never obeyed.
        print(f"{APP_ID}: {safe_text(err.message, keep_newlines=True)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{APP_ID}: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
