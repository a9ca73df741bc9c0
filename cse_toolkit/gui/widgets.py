"""Small shared pieces for the views: headings, time conversions, user-error reporting."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget

from cse_toolkit.errors import UserError


def heading_label(text: str, scale: float = 1.3, parent: QWidget | None = None) -> QLabel:
    """A bold heading sized relative to the system font, so it scales with the user's setting."""
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def to_qdatetime(dt: datetime) -> QDateTime:
    """An aware datetime as a QDateTime in the laptop's local time (what the user reads)."""
    return QDateTime.fromSecsSinceEpoch(int(dt.timestamp()))


def from_qdatetime(qdt: QDateTime) -> datetime:
    """A QDateTime (local) as an aware UTC datetime (what the vault stores)."""
    return datetime.fromtimestamp(qdt.toSecsSinceEpoch(), UTC)


def local_text(dt: datetime | None, *, with_time: bool = True) -> str:
    if dt is None:
        return ""
    local = dt.astimezone()
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def local_time(dt: datetime) -> str:
    return dt.astimezone().strftime("%H:%M")


def report(parent: QWidget | None, title: str, exc: BaseException) -> None:
    """Show a user error plainly; send anything else (a bug) to the crash handler."""
    from cse_toolkit.gui import dialogs

    if isinstance(exc, UserError):
        dialogs.error(parent, title, str(exc))
    else:
        sys.excepthook(type(exc), exc, exc.__traceback__)
