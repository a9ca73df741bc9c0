"""Entry point: `cse-toolkit` opens the desktop app; with arguments it runs a command."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    # Private temp dir and umask must be in place before anything can import sqlcipher3.
    from cse_toolkit import paths

    paths.harden_process(entry=True)
    if os.environ.get("CSE_TOOLKIT_WINDOW_PROBE") == "1":
        # The self-test's window check, run by the installed app on itself (selftest.py).
        os.environ.pop("CSE_TOOLKIT_WINDOW_PROBE")
        from cse_toolkit.selftest import run_window_probe

        return run_window_probe()
    args = sys.argv[1:] if argv is None else argv
    if not args:
        from cse_toolkit.gui.app import run_gui

        return run_gui()
    from cse_toolkit.cli import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
