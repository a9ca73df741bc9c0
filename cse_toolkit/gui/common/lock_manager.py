"""When to lock: after the policy's idle minutes, on the panic key, on suspend or screen lock.

The manager only decides *when*; the main window does the locking, through one path for every
reason (``MainWindow.lock``: drafts saved, every dialog closed, the vault closed, the views
cleared). Time comes from an injectable clock: a QTimer polls ``check()`` every
few seconds and tests call ``check()`` directly after moving a ``FixedClock``.

Idle means no key press, mouse press, mouse move, wheel or touch anywhere in the application: an
application-wide event filter records the time of the last input.

Operating-system screen lock and suspend: Qt reports ``Qt.ApplicationSuspended`` through
``QGuiApplication.applicationStateChanged`` on platforms that have the notion (mobile, some
Wayland compositors). On Windows, macOS and X11 a screen lock or lid close is usually seen only
as the app becoming *inactive*, which also happens whenever the user switches window, so it is
not used as a lock signal. The idle timer still locks the app within the policy's minutes after
the laptop wakes (the monotonic clock keeps counting across a suspend on Windows and macOS; on
Linux it stops during suspend, so the lock happens after the remaining idle time). Where the
desktop says so, the screen locking is a lock signal too: on Linux the session bus's
``org.freedesktop.ScreenSaver`` / ``org.gnome.ScreenSaver`` ``ActiveChanged(true)``, and on
the system bus logind's session ``Lock`` and ``PrepareForSleep(true)``; on Windows the
session-change message ``WM_WTSSESSION_CHANGE`` / ``WTS_SESSION_LOCK`` and
``WM_POWERBROADCAST`` / ``PBT_APMSUSPEND``; on macOS the Quartz session's
``CGSSessionScreenIsLocked``, asked every 2 s (``cse_toolkit.platform.macos``).

The panic key (Ctrl+Shift+L) is caught by the same application-wide event filter, before any
widget or shortcut map sees it, so it works whatever has focus: a modal dialog, a message box,
a file dialog, a wizard, a combo box's popup. The toolbar's "Lock now" action uses the same key.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from PySide6.QtCore import (
    SLOT,
    QAbstractNativeEventFilter,
    QByteArray,
    QCoreApplication,
    QEvent,
    QKeyCombination,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent

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


PANIC_KEY = QKeyCombination(
    Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_L
)
PANIC_KEY_TEXT = "Ctrl+Shift+L"
_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.ShiftModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def is_panic_key(event: QEvent) -> bool:
    if event.type() not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
        return False
    assert isinstance(event, QKeyEvent)
    mods = event.modifiers() & _MODIFIERS
    return event.key() == PANIC_KEY.key() and mods == PANIC_KEY.keyboardModifiers()


class LockManager(QObject):
    """Emits ``lock_requested(reason)``: "idle", "panic", "suspend" or "screen"."""

    lock_requested = Signal(str)

    POLL_MS = 5_000
    MAC_POLL_MS = 2_000

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
        self._native: _WindowsSessionFilter | None = None
        self._watch_screen_lock()

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

    def screen_locked(self) -> None:
        """The operating system locked the screen or is about to sleep."""
        if self._active:
            self._request("screen")

    # -- operating-system signals ---------------------------------------------------------
    def _watch_screen_lock(self) -> None:
        if sys.platform.startswith("linux"):
            self.watch_dbus()
        elif sys.platform == "win32":
            app = QCoreApplication.instance()
            if app is not None:
                self._native = _WindowsSessionFilter(self)
                app.installNativeEventFilter(self._native)
        elif sys.platform == "darwin":
            self.watch_macos()

    def watch_dbus(self, session: Any = None, system: Any = None) -> list[str]:
        """Linux: lock on the desktop's screensaver and on logind's session lock and sleep.

        ``session`` and ``system`` are QDBusConnections (default: the real buses; the test
        passes a private bus started for it). Returns the signals subscribed, for the log and
        the tests. Checked on Debian 12 with a private dbus-daemon; GNOME 43+ and KDE Plasma 5.27+
        send ``ActiveChanged``, and systemd-logind sends the session's ``Lock`` when
        ``loginctl lock-session`` or the desktop locks.
        """
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # QtDBus not built: idle lock and the panic key still hold
            return []
        session = session if session is not None else QDBusConnection.sessionBus()
        system = system if system is not None else QDBusConnection.systemBus()
        # QtDBus takes the slot as Qt's SLOT() macro spells it ("1" + signature): a bare
        # "_name(...)" loses its first character and never connects.
        watching: list[str] = []
        if session.isConnected():
            for service, path in (
                ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
                ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
            ):
                if session.connect(
                    service,
                    path,
                    service,
                    "ActiveChanged",
                    self,
                    SLOT("_screensaver_changed(bool)"),
                ):
                    watching.append(f"{service}.ActiveChanged")
        if system.isConnected():
            if system.connect(
                "org.freedesktop.login1",
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                self,
                SLOT("_screensaver_changed(bool)"),
            ):
                watching.append("login1.Manager.PrepareForSleep")
            session_path = logind_session_path()
            if session_path and system.connect(
                "org.freedesktop.login1",
                session_path,
                "org.freedesktop.login1.Session",
                "Lock",
                self,
                SLOT("_session_lock()"),
            ):
                watching.append("login1.Session.Lock")
        return watching

    def watch_macos(self, system: Any = None) -> None:
        """macOS has no signal Qt can take without an Objective-C observer: the Quartz session
        dictionary is asked every 2 s whether the screen is locked (a few microseconds)."""
        from cse_toolkit.platform.macos import MacPlatform

        mac = system if system is not None else MacPlatform()
        self._mac_timer = QTimer(self)
        self._mac_timer.setInterval(self.MAC_POLL_MS)
        self._mac_timer.timeout.connect(
            lambda: self.screen_locked() if mac.screen_is_locked() else None
        )
        self._mac_timer.start()

    @Slot()
    def _session_lock(self) -> None:
        self.screen_locked()

    @Slot(bool)
    def _screensaver_changed(self, active: bool) -> None:
        if active:
            self.screen_locked()

    def _request(self, reason: str) -> None:
        self.stop()
        self.lock_requested.emit(reason)

    def _on_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationSuspended and self._active:
            self._request("suspend")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in _INPUT_EVENTS:
            self._last_input = self._clock.monotonic()
            if is_panic_key(event):
                event.accept()
                # Locking closes the dialog this key was meant for: do it once the event is
                # done with, not from inside its delivery.
                if self._active:
                    self._active_panic()
                return True
        return False

    def _active_panic(self) -> None:
        self.stop()
        QTimer.singleShot(0, lambda: self.lock_requested.emit("panic"))


# Windows: the session-change and power messages (winuser.h / wtsapi32.h).
WM_WTSSESSION_CHANGE = 0x02B1
WTS_SESSION_LOCK = 0x7
NOTIFY_FOR_THIS_SESSION = 0x0
WM_POWERBROADCAST = 0x0218
PBT_APMSUSPEND = 0x4


def logind_session_path(session_id: str | None = None) -> str | None:
    """The D-Bus object path of this login session (systemd's path escaping of its id)."""
    import os

    session_id = session_id if session_id is not None else os.environ.get("XDG_SESSION_ID", "")
    if not session_id:
        return None
    escaped = "".join(
        ch
        if (ch.isascii() and ch.isalnum() and not (i == 0 and ch.isdigit()))
        else f"_{ord(ch):02x}"
        for i, ch in enumerate(session_id)
    )
    return f"/org/freedesktop/login1/session/{escaped}"


class _WindowsSessionFilter(QAbstractNativeEventFilter):
    """Turns Windows' "session locked" and "suspending" messages into a lock."""

    def __init__(self, manager: LockManager, wtsapi: Any = None) -> None:
        super().__init__()
        self._manager = manager
        self._wtsapi = wtsapi
        self._registered: set[int] = set()

    def register(self, hwnd: int) -> None:
        """Ask for this window's session messages (NOTIFY_FOR_THIS_SESSION); Windows 7 and
        later, written against the Win32 documentation and checked through a fake here."""
        if hwnd in self._registered:
            return
        try:
            if self._wtsapi is None:
                import ctypes

                self._wtsapi = ctypes.windll.wtsapi32  # type: ignore[attr-defined]
            self._wtsapi.WTSRegisterSessionNotification(hwnd, NOTIFY_FOR_THIS_SESSION)
            self._registered.add(hwnd)
        except (AttributeError, OSError):
            log.warning("session-lock notifications not available")

    def nativeEventFilter(  # noqa: N802
        self, event_type: QByteArray | bytes | bytearray | memoryview, message: Any
    ) -> Any:
        name = event_type.data() if isinstance(event_type, QByteArray) else bytes(event_type)
        if name != b"windows_generic_MSG":
            return False, 0
        try:
            import ctypes.wintypes

            msg = ctypes.wintypes.MSG.from_address(int(message))
        except (ValueError, TypeError, AttributeError):
            return False, 0
        self.register(int(msg.hWnd or 0))
        if (msg.message == WM_WTSSESSION_CHANGE and msg.wParam == WTS_SESSION_LOCK) or (
            msg.message == WM_POWERBROADCAST and msg.wParam == PBT_APMSUSPEND
        ):
            QTimer.singleShot(0, self._manager.screen_locked)
        return False, 0
