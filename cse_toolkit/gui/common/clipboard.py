"""Everything the app puts on the clipboard is marked private and taken off again.

Two ways text reaches the clipboard from this app: ``copy_sensitive`` (the Copy buttons for a
recovery key or a pack password) and any ordinary copy or cut in a field (Ctrl+C, Ctrl+X, the
context menu). Both are caught in one place, :class:`ClipboardGuard`, which watches
``QClipboard.dataChanged``:

* a change that this process made (``QClipboard.ownsClipboard()``; the offscreen and minimal
  platform plugins cannot tell, so there any change while the app runs counts as ours) is
  remembered, re-offered with the platform's "do not keep this" hints, and cleared after the
  policy's ``clipboard_clear_seconds`` (default 30) if the clipboard still holds it;
* locking calls :func:`clear_ours`, which clears the clipboard (and the X11 selection) only if
  it still holds what the app put there: a user's own copy from another program is left alone.

The hints, as the password managers use them: on Windows the registered formats
``ExcludeClipboardContentFromMonitorProcessing``, ``CanIncludeInClipboardHistory`` = 0 and
``CanUploadToCloudClipboard`` = 0 (the clipboard history, Win+V, and cloud sync skip the copy);
on Linux ``x-kde-passwordManagerHint`` = ``secret`` (Klipper and other managers skip it); on
macOS ``org.nspasteboard.ConcealedType`` (pasteboard managers skip it).
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QByteArray, QMimeData, QObject, QTimer
from PySide6.QtGui import QClipboard, QGuiApplication

log = logging.getLogger(__name__)

DEFAULT_CLEAR_SECONDS = 30
MARK = "application/x-cse-toolkit-private"
_DWORD_ZERO = b"\x00\x00\x00\x00"


def hint_formats(platform: str | None = None) -> dict[str, bytes]:
    """The MIME formats that ask clipboard managers and histories not to keep a copy."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        names = {
            "ExcludeClipboardContentFromMonitorProcessing": b"1",
            "CanIncludeInClipboardHistory": _DWORD_ZERO,
            "CanUploadToCloudClipboard": _DWORD_ZERO,
        }
        hints: dict[str, bytes] = {}
        for name, value in names.items():
            # Qt's Windows clipboard registers a format under this exact name for the
            # "application/x-qt-windows-mime;value=..." form; the plain name is offered as well.
            hints[f'application/x-qt-windows-mime;value="{name}"'] = value
            hints[name] = value
        return hints
    if platform == "darwin":
        return {
            "org.nspasteboard.ConcealedType": b"",
            "application/x-nspasteboard-concealed-type": b"",
        }
    return {"x-kde-passwordManagerHint": b"secret"}


def private_mime(source: QMimeData | None, text: str | None = None) -> QMimeData:
    """A copy of ``source`` (or plain ``text``) carrying the hints and the app's own mark."""
    mime = QMimeData()
    if source is not None:
        for fmt in source.formats():
            mime.setData(fmt, source.data(fmt))
    if text is not None:
        mime.setText(text)
    for fmt, value in hint_formats().items():
        mime.setData(fmt, QByteArray(value))
    mime.setData(MARK, QByteArray(b"1"))
    return mime


class ClipboardGuard(QObject):
    """Marks and clears every copy the app makes (see the module docstring)."""

    def __init__(self, clear_seconds: int = DEFAULT_CLEAR_SECONDS, parent: QObject | None = None):
        super().__init__(parent)
        self._clipboard: QClipboard = QGuiApplication.clipboard()
        self._clear_ms = clear_seconds * 1000
        self._ours: str | None = None
        self._rewriting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_ours)
        self._clipboard.dataChanged.connect(self._changed)
        platform = QGuiApplication.platformName()
        self._can_tell = platform not in ("offscreen", "minimal", "")

    @property
    def clear_seconds(self) -> int:
        return self._clear_ms // 1000

    def set_clear_seconds(self, seconds: int) -> None:
        self._clear_ms = seconds * 1000

    @property
    def ours(self) -> str | None:
        return self._ours

    def copy(self, text: str, clear_after_ms: int | None = None) -> None:
        """Put ``text`` on the clipboard, marked private; cleared after the delay."""
        self._rewriting = True
        try:
            self._clipboard.setMimeData(private_mime(None, text))
        finally:
            self._rewriting = False
        self._remember(text, clear_after_ms)

    def _made_here(self) -> bool:
        if self._can_tell:
            return self._clipboard.ownsClipboard()
        return True

    def _changed(self) -> None:
        if self._rewriting:
            return
        mime = self._clipboard.mimeData()
        if mime is not None and mime.hasFormat(MARK):
            return
        if not self._made_here():
            # Another program copied something: the app's copy is gone, nothing left to clear.
            self._ours = None
            self._timer.stop()
            return
        text = self._clipboard.text()
        if not text:
            return
        self._rewriting = True
        try:
            self._clipboard.setMimeData(private_mime(mime))
        finally:
            self._rewriting = False
        self._remember(text, None)

    def _remember(self, text: str, clear_after_ms: int | None) -> None:
        self._ours = text
        self._timer.start(clear_after_ms if clear_after_ms is not None else self._clear_ms)

    def holds_ours(self) -> bool:
        return self._ours is not None and self._clipboard.text() == self._ours

    def clear_ours(self) -> None:
        """Clear the clipboard if it still holds what the app put there (timer and lock)."""
        self._timer.stop()
        if self._ours is not None and self._clipboard.text() == self._ours:
            self._rewriting = True
            try:
                self._clipboard.clear(QClipboard.Mode.Clipboard)
            finally:
                self._rewriting = False
            log.info("clipboard cleared")
        self._ours = None
        # Selecting text in a field on X11 also offers it as the primary selection.
        if self._clipboard.supportsSelection() and self._clipboard.ownsSelection():
            self._clipboard.clear(QClipboard.Mode.Selection)


_guard: ClipboardGuard | None = None


def guard() -> ClipboardGuard:
    """The application's one guard (made on first use; the main window sets the delay)."""
    global _guard
    app = QGuiApplication.instance()
    if _guard is None:
        _guard = ClipboardGuard(parent=app)
        if app is not None:
            app.destroyed.connect(_forget)
    return _guard


def _forget(*_: object) -> None:
    global _guard
    _guard = None


def install(clear_seconds: int) -> ClipboardGuard:
    g = guard()
    g.set_clear_seconds(clear_seconds)
    return g


def copy_sensitive(text: str, clear_after_ms: int | None = None) -> None:
    """Copy ``text`` (a recovery key, a pack password): marked private, cleared after the
    delay (the policy's seconds when not given) and on lock."""
    guard().copy(text, clear_after_ms)


def clear_ours() -> None:
    """Clear the clipboard if it still holds what the app put there (called on lock)."""
    guard().clear_ours()


def holds_ours() -> bool:
    return guard().holds_ours()
