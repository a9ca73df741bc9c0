"""Putting sensitive text on the clipboard, and taking it off again.

The app remembers what it put there; locking clears the clipboard only if it still holds that
text (a user's own copy from another program is left alone). ``copy_sensitive`` also clears it
after a delay (30 s by default) for the recovery key.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

_ours: str | None = None


def copy_sensitive(text: str, clear_after_ms: int | None = 30_000) -> None:
    global _ours
    QGuiApplication.clipboard().setText(text)
    _ours = text
    if clear_after_ms is not None:
        QTimer.singleShot(clear_after_ms, lambda: _clear_if(text))


def _clear_if(text: str) -> None:
    global _ours
    clipboard = QGuiApplication.clipboard()
    if clipboard.text() == text:
        clipboard.clear()
    if _ours == text:
        _ours = None


def clear_ours() -> None:
    """Clear the clipboard if it still holds what the app put there (called on lock)."""
    if _ours is not None:
        _clear_if(_ours)


def holds_ours() -> bool:
    return _ours is not None and QGuiApplication.clipboard().text() == _ours
