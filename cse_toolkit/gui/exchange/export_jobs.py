"""What the export wizard runs beside its pages: a file removed when its export was never
recorded, and a bug handed to the crash handler. (Its jobs run with the GC frozen through
``workers.gc_frozen``: rendering a 500-note pack set off full collections that walked every
object of the app, about 150 ms each, holding the GIL.)"""

from __future__ import annotations

import logging
from pathlib import Path

from cse_toolkit.gui.common.plurals import counted

log = logging.getLogger("cse_toolkit.gui.exchange.export_dialog")


def count_text(n: int, record_type: str) -> str:
    return counted(n, record_type, "ExportDialog")


def discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove an unrecorded pack file")


def workers_excepthook(exc: BaseException) -> None:
    """A bug: hand it to the crash handler, as the background helper does."""
    import sys

    sys.excepthook(type(exc), exc, exc.__traceback__)
