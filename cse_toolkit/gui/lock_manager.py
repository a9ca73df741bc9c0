"""When to lock: after the policy's idle minutes, on the panic key, on suspend.

The manager only decides *when*; the main window does the locking (save drafts, close the
vault, clear the views). Time comes from an injectable clock: a QTimer polls ``check()`` every
few seconds and tests call ``check()`` directly after moving a ``FixedClock``.

Idle means no key press, mouse press, mouse move, wheel or touch anywhere in the application: an
application-wide event filter records the time of the last input.

Operating-system screen lock and suspend: Qt reports ``Qt.ApplicationSuspended`` through
``QGuiApplication.applicationStateChanged`` on platforms that have the notion (mobile, some
Wayland compositors). On Windows, macOS and X11 a screen lock or lid close is usually seen only
as the app becoming *inactive*, which also happens whenever the user switches window, so it is
not used as a lock signal. The idle timer still locks the app within the policy's minutes after
the laptop wakes (the monotonic clock keeps counting across a suspend on Windows and macOS; on
Linux it stops during suspend, so the lock happens after the remaining idle time). The one-key
panic lock (Ctrl+Shift+L) is the dependable way to lock before walking away.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

from cse_toolkit.core.clock import Clock

log = logging.getLogger(__name__)

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
        QEvent.Type.ShortcutOverride,
    }
)


class LockManager(QObject):
    """Emits ``lock_requested(reason)`` with reason "idle", "panic" or "suspend"."""

    lock_requested = Signal(str)

    POLL_MS = 5_000

    def __init__(self, clock: Clock, idle_minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._idle_seconds = idle_minutes * 60
        self._last_input = clock.monotonic()
        self._active = False
        self._timer = QTimer(self)
        self._timer.setInterval(self.POLL_MS)
        self._timer.timeout.connect(self.check)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._on_state)

    @property
    def active(self) -> bool:
        return self._active

    @property
    def idle_seconds(self) -> int:
        return self._idle_seconds

    def start(self) -> None:
        """Begin watching (after unlocking)."""
        self._last_input = self._clock.monotonic()
        if not self._active:
            self._active = True
            app = QCoreApplication.instance()
            if app is not None:
                app.installEventFilter(self)
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked)."""
        self._timer.stop()
        if self._active:
            self._active = False
            app = QCoreApplication.instance()
            if app is not None:
                app.removeEventFilter(self)

    def note_activity(self) -> None:
        self._last_input = self._clock.monotonic()

    def seconds_idle(self) -> float:
        return self._clock.monotonic() - self._last_input

    def check(self) -> bool:
        """Lock if idle for the policy's minutes; returns True when a lock was requested."""
        if self._active and self.seconds_idle() >= self._idle_seconds:
            log.info("idle lock after %d s", self._idle_seconds)
            self._request("idle")
            return True
        return False

    def panic(self) -> None:
        if self._active:
            self._request("panic")

    def _request(self, reason: str) -> None:
        self.stop()
        self.lock_requested.emit(reason)

    def _on_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationSuspended and self._active:
            self._request("suspend")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in _INPUT_EVENTS:
            self._last_input = self._clock.monotonic()
        return False
