"""The one helper that runs work off the GUI thread.

``run_in_background(fn, on_done, on_error, parent)`` runs ``fn()`` on a pool thread and calls
``on_done(result)`` or ``on_error(exception)`` back on the GUI thread. The callbacks are tied to
``parent``: if that QObject is destroyed before the work finishes (the window closed, the vault
locked and the page cleared), nothing is called and the result is dropped.

How: a small relay QObject (owned by the application, living on the GUI thread) emits from the
pool thread; a receiver QObject that is a *child of parent* is connected to it with a queued
connection. Qt removes connections to a destroyed receiver, so a late result goes nowhere. The
relay deletes itself on the GUI thread once it has emitted, whether or not anyone listened.

Vault work on a pool thread uses the same connection as the GUI thread, reading and writing,
as the threading rule in ``vault/db.py`` allows (statements one at a time, writes in
``Vault.write()``'s serialised transactions); locking waits for running jobs
(:func:`wait_for_all`) before it closes the vault.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

_pool: QThreadPool | None = None
_gc_lock = threading.Lock()
_gc_jobs = 0
_draft_pool: QThreadPool | None = None


def pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
    return _pool


def draft_pool() -> QThreadPool:
    """The draft lane: one thread, so drafts reach the vault in the order they were written."""
    global _draft_pool
    if _draft_pool is None:
        _draft_pool = QThreadPool()
        _draft_pool.setMaxThreadCount(1)
        _draft_pool.setExpiryTimeout(-1)
    return _draft_pool


def settle_drafts(timeout_ms: int = 5000) -> bool:
    """Wait for queued draft writes (a few ms each) before saving, deleting or locking."""
    if _draft_pool is None:
        return True
    return _draft_pool.waitForDone(timeout_ms)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Receiver(QObject):
    def __init__(
        self,
        parent: QObject | None,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        super().__init__(parent)
        self._on_done = on_done
        self._on_error = on_error

    @Slot(object)
    def deliver_done(self, result: object) -> None:
        callback = self._on_done
        self._forget()
        callback(result)

    @Slot(object)
    def deliver_failed(self, exc: object) -> None:
        callback = self._on_error
        self._forget()
        if callback is None:
            # Nobody expected this to fail: it is a bug, so it goes to the crash handler.
            assert isinstance(exc, BaseException)
            sys.excepthook(type(exc), exc, exc.__traceback__)
        else:
            callback(exc)  # type: ignore[arg-type]

    def _forget(self) -> None:
        self._on_done = _ignore
        self._on_error = None
        self.deleteLater()


def _ignore(_: object) -> None:
    pass


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
    parent: QObject | None = None,
    *,
    lane: str = "work",
    freeze_gc: bool = False,
) -> None:
    """Run ``fn()`` on a pool thread; deliver the result or the error on the GUI thread.

    ``on_error`` receives the exception; without one, an exception is treated as a bug and sent
    to the crash handler. Nothing is delivered if ``parent`` has been destroyed meanwhile.
    ``lane="drafts"``: the one-thread draft lane (writes in order; see ``gui/common/autosave.py``).
    ``freeze_gc=True``: run ``fn`` with the objects alive now out of the cyclic GC's reach
    (:func:`gc_frozen`), for jobs that allocate enough to set off full collections.
    """
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("run_in_background needs a running QApplication")
    relay = _Relay(app)  # owned by the app: never deleted from the pool thread
    receiver = _Receiver(parent if parent is not None else app, on_done, on_error)
    relay.done.connect(receiver.deliver_done, Qt.ConnectionType.QueuedConnection)
    relay.failed.connect(receiver.deliver_failed, Qt.ConnectionType.QueuedConnection)
    relay.done.connect(relay.deleteLater, Qt.ConnectionType.QueuedConnection)
    relay.failed.connect(relay.deleteLater, Qt.ConnectionType.QueuedConnection)

    job = gc_frozen(fn) if freeze_gc else fn

    def task() -> None:
        try:
            result = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread, never lost
            relay.failed.emit(exc)
        else:
            relay.done.emit(result)

    (draft_pool() if lane == "drafts" else pool()).start(task)


def gc_frozen(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run with every object alive when it starts moved out of the cyclic GC's reach
    (``gc.freeze``), unfrozen when the last such job ends so nothing is kept for good.

    A full collection walks every object of the app while holding the GIL: building 10,000
    rows on a pool thread set off ones of 70-240 ms (bench/run_bench.py, 10,001 children),
    and the window stood still meanwhile. Frozen, a collection only walks what the job made.
    The export's jobs use it too, so overlapping jobs share one count.
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


def wait_for_all(timeout_ms: int = 5000) -> bool:
    """Block until running jobs finish (used before closing the vault). True if all finished."""
    settle_drafts(timeout_ms)
    if _pool is None:
        return True
    finished = _pool.waitForDone(timeout_ms)
    if not finished:
        log.warning("background jobs still running after %d ms", timeout_ms)
    return finished
