"""Every window of the app is kept out of screen capture, once, as it is first shown."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMessageBox

from cse_toolkit import platform
from cse_toolkit.gui.common import capture
from cse_toolkit.platform.posix import PosixPlatform


def test_each_window_and_dialog_is_excluded_once_when_first_shown(qtbot: Any) -> None:
    fake = platform.FakePlatform()
    guard = capture.CaptureGuard(fake).install()
    try:
        window = QMainWindow()
        qtbot.addWidget(window)
        window.setCentralWidget(QLabel("children"))
        dialog = QDialog(window)
        box = QMessageBox(window)
        window.show()
        dialog.show()
        box.show()
        qtbot.waitUntil(lambda: len(fake.excluded) == 3)
        assert fake.excluded == [int(window.winId()), int(dialog.winId()), int(box.winId())]
        # Shown again (after a lock, say): not asked twice; a child widget is never asked.
        dialog.hide()
        dialog.show()
        label = QLabel("inside", window)
        label.show()
        qtbot.wait(50)
        assert len(fake.excluded) == 3 and guard.protected == 3
    finally:
        from PySide6.QtCore import QCoreApplication

        QCoreApplication.instance().removeEventFilter(guard)


def test_training_policy_allows_capture_and_linux_asks_nothing(qtbot: Any) -> None:
    fake = platform.FakePlatform()
    assert capture.install(allow_capture=True, system=fake) is None
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(20)
    assert fake.excluded == []

    linux = capture.CaptureGuard(PosixPlatform())
    assert not linux.possible
    linux.install()  # installs nothing: no X11 or Wayland request exists
    other = QMainWindow()
    qtbot.addWidget(other)
    other.show()
    qtbot.wait(20)
    assert linux.protected == 0 and linux.refused == 0


def test_the_about_page_says_whether_capture_is_blocked(qtbot: Any, tmp_path: Any) -> None:
    from cse_toolkit.gui.common.about_page import AboutPage
    from cse_toolkit.policy import LoadedPolicy, Policy

    def shown(policy: Policy) -> str:
        page = AboutPage(LoadedPolicy(policy=policy, source="test"), tmp_path)
        qtbot.addWidget(page)
        return page._labels["capture"].text()

    platform.use(PosixPlatform())
    try:
        assert "Cannot be blocked on this system (Linux)" in shown(Policy())
        platform.use(platform.FakePlatform())
        assert shown(Policy()).startswith("Blocked:")
        assert "Allowed by your organisation's policy" in shown(Policy(allow_screen_capture=True))
    finally:
        platform.use(None)
