"""Every window of the app kept out of screenshots, screen recording and screen sharing.

One application-wide event filter: when any top-level window (the main window, a dialog, a
message box) is first shown, its native window is handed to ``cse_toolkit.platform`` once
(Windows: ``SetWindowDisplayAffinity(WDA_EXCLUDEFROMCAPTURE)``; macOS: sharing type none). A
video call or a screenshot then shows a black window. Linux has no such request: nothing is
asked there, and the About page and the IT guide say so. The policy's ``allow_screen_capture``
(training only) turns it off.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QWidget

from cse_toolkit import platform

log = logging.getLogger(__name__)

_DONE = "cse_capture_protected"


class CaptureGuard(QObject):
    """Installed once on the application; see the module docstring."""

    def __init__(self, system: platform.Platform | None = None) -> None:
        super().__init__()
        self._system = system or platform.current()
        self.protected = 0
        self.refused = 0

    @property
    def possible(self) -> bool:
        return self._system.capture_protection_possible

    def install(self) -> CaptureGuard:
        app = QCoreApplication.instance()
        if app is not None and self.possible:
            app.installEventFilter(self)
        return self

    def protect(self, widget: QWidget) -> None:
        if not widget.isWindow() or widget.property(_DONE):
            return
        widget.setProperty(_DONE, True)
        if self._system.exclude_from_capture(int(widget.winId())):
            self.protected += 1
        else:
            self.refused += 1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            self.protect(watched)
        return False


_installed: CaptureGuard | None = None


def install(allow_capture: bool, system: platform.Platform | None = None) -> CaptureGuard | None:
    """At start: protect every window unless the policy allows capture (training)."""
    global _installed
    if allow_capture:
        log.info("screen capture allowed by the organisation policy")
        return None
    if _installed is None:
        _installed = CaptureGuard(system).install()
    return _installed
