"""Locking with the operating system's screen lock.

Linux for real: a private ``dbus-daemon`` started by the test stands in for the session and
system buses; a second connection owns the screensaver's and logind's names and sends the very
signals GNOME, KDE and systemd-logind send. Windows and macOS through fakes: the session
message as Windows delivers it to the native event filter, and the Quartz session flag.
"""

from __future__ import annotations

import ctypes
import ctypes.wintypes
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtDBus import QDBusConnection, QDBusMessage

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.gui.common import lock_manager
from cse_toolkit.gui.common.lock_manager import LockManager, logind_session_path


@pytest.fixture
def bus() -> Iterator[str]:
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.fail("dbus-daemon is not installed (Debian: dbus-daemon, part of dbus)")
    proc = subprocess.Popen(
        [daemon, "--session", "--nofork", "--nopidfile", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # "Failed to set fd limit" as an unprivileged user
        text=True,
    )
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        assert address.startswith("unix:"), address
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _connection(address: str, name: str) -> QDBusConnection:
    connection = QDBusConnection.connectToBus(address, name)
    assert connection.isConnected(), connection.lastError().message()
    return connection


def _signal(sender: QDBusConnection, path: str, interface: str, member: str, *args: Any) -> None:
    message = QDBusMessage.createSignal(path, interface, member)
    if args:
        message.setArguments(list(args))
    assert sender.send(message)


@pytest.fixture
def peers(bus: str) -> Iterator[tuple[QDBusConnection, QDBusConnection]]:
    """Two connections to the private bus: the app's, and one that plays the desktop."""
    names = ("cse-test-listener", "cse-test-desktop")
    try:
        yield _connection(bus, names[0]), _connection(bus, names[1])
    finally:
        for name in names:
            QDBusConnection.disconnectFromBus(name)


@pytest.fixture
def manager(qtbot: Any) -> Iterator[LockManager]:
    watcher = LockManager(FixedClock(), idle_minutes=5)
    watcher.start()
    yield watcher
    watcher.stop()


def test_the_desktop_screensaver_locks_the_app_through_a_real_dbus_signal(
    qtbot: Any, peers: Any, manager: LockManager
) -> None:
    listener, desktop = peers
    assert desktop.registerService("org.freedesktop.ScreenSaver")
    watching = manager.watch_dbus(listener, listener)
    assert "org.freedesktop.ScreenSaver.ActiveChanged" in watching
    seen: list[str] = []
    manager.lock_requested.connect(seen.append)
    # The screensaver going away (unlocking) is not a reason to lock.
    _signal(
        desktop,
        "/org/freedesktop/ScreenSaver",
        "org.freedesktop.ScreenSaver",
        "ActiveChanged",
        False,
    )
    qtbot.wait(200)
    assert seen == []
    with qtbot.waitSignal(manager.lock_requested, timeout=5000) as blocker:
        _signal(
            desktop,
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
            True,
        )
    assert blocker.args == ["screen"]


def test_logind_locking_this_session_locks_the_app_and_another_session_does_not(
    qtbot: Any, peers: Any, manager: LockManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_SESSION_ID", "2")
    listener, logind = peers
    assert logind.registerService("org.freedesktop.login1")
    watching = manager.watch_dbus(listener, listener)
    assert "login1.Session.Lock" in watching
    seen: list[str] = []
    manager.lock_requested.connect(seen.append)
    _signal(
        logind, "/org/freedesktop/login1/session/_33", "org.freedesktop.login1.Session", "Lock"
    )  # session 3: another user's
    qtbot.wait(200)
    assert seen == []
    with qtbot.waitSignal(manager.lock_requested, timeout=5000) as blocker:
        _signal(
            logind,
            "/org/freedesktop/login1/session/_32",
            "org.freedesktop.login1.Session",
            "Lock",
        )
    assert blocker.args == ["screen"]


def test_logind_session_paths_are_escaped_as_systemd_does() -> None:
    assert logind_session_path("2") == "/org/freedesktop/login1/session/_32"
    assert logind_session_path("c12") == "/org/freedesktop/login1/session/c12"
    assert logind_session_path("a-b") == "/org/freedesktop/login1/session/a_2db"
    assert logind_session_path("") is None


def test_windows_session_lock_message_locks_the_app(qtbot: Any, manager: LockManager) -> None:
    registered: list[tuple[int, int]] = []

    class WtsApi:
        def WTSRegisterSessionNotification(self, hwnd: int, flags: int) -> int:  # noqa: N802
            registered.append((hwnd, flags))
            return 1

    native = lock_manager._WindowsSessionFilter(manager, wtsapi=WtsApi())
    other = ctypes.wintypes.MSG()
    other.hWnd, other.message, other.wParam = 0x42, 0x0201, 0  # a mouse click
    assert native.nativeEventFilter(b"windows_generic_MSG", ctypes.addressof(other)) == (False, 0)
    assert registered == [(0x42, lock_manager.NOTIFY_FOR_THIS_SESSION)]
    qtbot.wait(50)
    message = ctypes.wintypes.MSG()
    message.hWnd = 0x42
    message.message = lock_manager.WM_WTSSESSION_CHANGE
    message.wParam = lock_manager.WTS_SESSION_LOCK
    with qtbot.waitSignal(manager.lock_requested, timeout=2000) as blocker:
        native.nativeEventFilter(b"windows_generic_MSG", ctypes.addressof(message))
    assert blocker.args == ["screen"]
    assert len(registered) == 1  # once per window


def test_macos_screen_lock_is_seen_within_the_poll(
    qtbot: Any, manager: LockManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Quartz:
        locked = False

        def screen_is_locked(self) -> bool:
            return self.locked

    quartz = Quartz()
    monkeypatch.setattr(LockManager, "MAC_POLL_MS", 20)
    manager.watch_macos(quartz)
    seen: list[str] = []
    manager.lock_requested.connect(seen.append)
    qtbot.wait(100)
    assert seen == []
    quartz.locked = True
    qtbot.waitUntil(lambda: seen == ["screen"], timeout=2000)
