"""The lock ends the process that held the data key and the records (issue 22 item 5).

After the one lock path has run (``MainWindow.lock``: drafts saved, dialogs closed, the vault
closed, views cleared), the desktop app replaces its own process image with a fresh start of
itself (``os.execv``): the memory that held the data key, the signing keys and every record
read is gone with the old image, and the lock screen is drawn by a new interpreter that has
never seen them. The way back to the same place is handed over in a non-secret form only: the
page key, the child's record id and the tab's index (``CSE_TOOLKIT_RESUME``, checked on
arrival), never record text.

Only the real app does this (``gui/app.py``'s ``AppWindow``); tests build ``MainWindow`` and
keep their process. Closing the app is not a restart. Linux and macOS: ``execv`` keeps the
process id and replaces its memory. Windows: Python's ``execv`` starts the new process and ends
this one (written against the Python documentation; not yet run on Windows).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from typing import Any

log = logging.getLogger(__name__)

RESUME_ENV = "CSE_TOOLKIT_RESUME"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
_PAGE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def resume_location() -> dict[str, Any] | None:
    """Where the locked process was (taken out of the environment), or None. Anything that is
    not a page key, a record id and a small tab index is ignored."""
    raw = os.environ.pop(RESUME_ENV, "")
    if not raw or len(raw) > 400:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(found, dict):
        return None
    where: dict[str, Any] = {}
    page, child, tab = found.get("page"), found.get("child_id"), found.get("tab")
    if isinstance(page, str) and _PAGE.match(page):
        where["page"] = page
    if isinstance(child, str) and _ID.match(child):
        where["child_id"] = child
        if isinstance(tab, int) and not isinstance(tab, bool) and 0 <= tab < 50:
            where["tab"] = tab
    return where or None


def resume_text(location: dict[str, Any] | None) -> str:
    """The environment value for ``location``: ids only (the same checks as on arrival)."""
    os.environ[RESUME_ENV] = json.dumps(location or {})
    kept = resume_location() or {}
    return json.dumps(kept)


def command() -> list[str]:
    """How this app is started: the frozen executable, or this interpreter with ``-m``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "cse_toolkit"]


def restart_locked(location: dict[str, Any] | None, execv: Any = None) -> None:
    """Replace this process with a fresh start of the app that opens on the lock screen.

    Returns only if the system refused (logged): the app then stays locked in this process,
    its vault closed, as before issue 22."""
    os.environ[RESUME_ENV] = resume_text(location)
    os.environ["CSE_TOOLKIT_LOCKED_START"] = "1"
    log.info("lock: starting a fresh process for the lock screen")
    logging.shutdown()  # the log file's last lines reach the disk before the image goes
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    args = command()
    try:
        (execv or os.execv)(args[0], args)
    except OSError as exc:
        from cse_toolkit.logs import setup_logging

        setup_logging()
        log.error("lock: a fresh process could not be started (%s)", type(exc).__name__)
