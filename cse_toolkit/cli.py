"""The command line (a contract: tests and IT scripts use it; see DESIGN.md).

Each area registers its subcommands from a module in ``cse_toolkit.commands``. Handlers return an
exit code; a ``UserError`` becomes its message on stderr and exit 1; argparse usage errors exit 2.
Nothing here prints a traceback for a problem the user can fix.

The organisation policy is read and validated once, here, before the command runs: a broken
policy stops every command that uses it with the policy's problems (key and line), exit 1.
The command gets it as ``args.policy`` (and ``args.policy_source``); nothing later reads the
file. Only the commands IT needs to find and fix a broken policy run without one.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from cse_toolkit import APP_ID, __version__
from cse_toolkit.errors import UserError
from cse_toolkit.policy import load_policy

# Order is the order shown in --help.
_COMMAND_MODULES = (
    "cse_toolkit.commands.setup_cmds",
    "cse_toolkit.commands.screening_cmds",
    "cse_toolkit.commands.demo_cmd",
    "cse_toolkit.commands.pack_cmds",
    "cse_toolkit.commands.case_cmds",
    "cse_toolkit.commands.action_cmds",
    "cse_toolkit.commands.summary_cmd",
    "cse_toolkit.commands.vault_cmds",
)

# Commands that never use the policy in force (``policy check`` reads the file it is given), so
# IT can still see paths, check a file, run the self-test and check tools with a broken one.
_WITHOUT_POLICY = frozenset({("paths",), ("policy", "check"), ("self-test",), ("tools",)})

log = logging.getLogger(__name__)


def _needs_policy(args: argparse.Namespace) -> bool:
    command = getattr(args, "command", None)
    sub = getattr(args, "policy_command", None) if command == "policy" else None
    return (command,) not in _WITHOUT_POLICY and (command, sub) not in _WITHOUT_POLICY


def load_policy_at_start(args: argparse.Namespace) -> None:
    """Read the policy in force once and hand it to the command (``args.policy``).

    Raises the policy's ``PolicyError`` (a ``UserError``) for a command that needs it."""
    from cse_toolkit.core.catalogue import check_policy_defaults
    from cse_toolkit.policy import PolicyError

    try:
        loaded = load_policy()
        check_policy_defaults(loaded.policy, loaded.source)
    except PolicyError:
        if _needs_policy(args):
            raise
        args.policy, args.policy_source = None, ""
        return
    args.policy, args.policy_source = loaded.policy, loaded.source


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


def unreadable_argument(argv: list[str]) -> str | None:
    """The message for the first argument that is not text (bytes that are not UTF-8 reach
    Python as unpaired surrogates), naming the option it belongs to; None when all are fine."""
    from cse_toolkit.core.safetext import unstorable

    for index, arg in enumerate(argv):
        problem = unstorable(arg)
        if problem is None:
            continue
        before = argv[index - 1] if index else ""
        if arg.startswith("--"):
            where = f"the option {arg.split('=', 1)[0]!r}"
        elif before.startswith("-"):
            where = f"the value of {before.split('=', 1)[0]}"
        else:
            where = f"argument {index + 1}"
        return (
            f"{where} contains {problem} (bytes that are not UTF-8 text). Type it again, or "
            "use a file name without unusual characters."
        )
    return None


def run(argv: list[str]) -> int:
    bad = unreadable_argument(argv)
    if bad is not None:
        from cse_toolkit.core.safetext import safe_text

        print(f"{APP_ID}: {safe_text(bad[0].upper() + bad[1:])}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        from cse_toolkit.logs import setup_logging

        setup_logging(console=False)
        load_policy_at_start(args)
        return int(args.func(args) or 0)
    except UserError as err:
        return _print_user_error(err)
    except KeyboardInterrupt:
        print(f"{APP_ID}: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 1
    except Exception as exc:
        # A damaged page met during any read, or a full disk, is a message, not a traceback.
        known = _storage_error(exc)
        if known is None:
            raise
        return _print_user_error(known)


def _print_user_error(err: UserError) -> int:
    from cse_toolkit.core.safetext import safe_text

    # Messages may quote a pack's fields: control characters are shown, never obeyed.
    print(f"{APP_ID}: {safe_text(err.message, keep_newlines=True)}", file=sys.stderr)
    return 1


def _storage_error(exc: BaseException) -> UserError | None:
    if "sqlcipher3" not in sys.modules and not isinstance(exc, OSError):
        return None
    from cse_toolkit.vault.db import as_user_error

    return as_user_error(exc, "the result")
