"""What the export wizard runs beside its pages: GC pauses kept out of a pool-thread job, a
file removed when its export was never recorded, and a bug handed to the crash handler."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cse_toolkit.gui.common.plurals import counted

log = logging.getLogger("cse_toolkit.gui.exchange.export_dialog")

_gc_lock = threading.Lock()
_gc_jobs = 0


def without_full_gc_pauses(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``fn`` with every object alive now moved out of the cyclic GC's reach (gc.freeze).

    Rendering a 500-note pack allocates enough to trigger full collections, and each one walked
    every object of the running app (about 150 ms) while holding the GIL: the window stood
    still although the work ran on a pool thread. Frozen, a full collection only walks what the
    job made. Everything is unfrozen afterwards so nothing is kept alive for good.
    """

    def run() -> Any:
        global _gc_jobs
        with _gc_lock:
            _gc_jobs += 1
            gc.freeze()
        try:
            return fn()
        finally:
            with _gc_lock:
                _gc_jobs -= 1
                if _gc_jobs == 0:
                    gc.unfreeze()

    return run


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
