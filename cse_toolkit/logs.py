"""Logging: a rotating file in the platform log folder.

Log lines never hold personal data or secrets: code logs ids, counts, timings and error types,
never names, note text, passphrases or keys. ``tests/reliability`` scans the log after a full flow.
"""

from __future__ import annotations

import logging
import logging.handlers
import os

from cse_toolkit import paths

_configured = False
LOG_FILE_NAME = "cse-toolkit.log"


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates the log file, and each new one after a rollover, 0600 whatever the umask."""

    def _open(self):  # type: ignore[no-untyped-def]
        stream = open(  # the handler owns and closes the stream
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=lambda path, flags: os.open(path, flags, 0o600),
        )
        if os.name == "posix":
            os.fchmod(stream.fileno(), 0o600)  # an older file made under a looser umask
        return stream


def setup_logging(console: bool = False, level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    root = logging.getLogger("cse_toolkit")
    root.setLevel(level)
    try:
        folder = paths.ensure_private_dir(paths.log_dir())
        handler: logging.Handler = _PrivateRotatingFileHandler(
            folder / LOG_FILE_NAME, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    if console or os.environ.get("CSE_TOOLKIT_DEBUG"):
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    _configured = True
