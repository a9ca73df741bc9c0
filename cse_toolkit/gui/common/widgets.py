"""Small shared pieces for the views: headings, time conversions, user-error reporting."""

from __future__ import annotations

import html
import sys
from datetime import UTC, datetime

from PySide6.QtCore import QDateTime, QEvent, QObject
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget

from cse_toolkit.errors import UserError


class PlainTextLabels(QObject):
    """(2) An application-wide backstop: every label left in Qt's default "auto" format is
    made plain text when it is first polished, so text from a pack or another user (a sender's
    name, a note) can never be taken for markup (a fake table, an image). Labels that mean to
    show markup say so with ``setTextFormat(Qt.RichText)`` and escape what they insert."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Polish and isinstance(watched, QLabel):
            from PySide6.QtCore import Qt

            if watched.textFormat() == Qt.TextFormat.AutoText:
                watched.setTextFormat(Qt.TextFormat.PlainText)
        return False


def install_plain_text_labels(app: QObject) -> None:
    """Install ``PlainTextLabels`` on the application (kept on it, so it lives as long)."""
    guard = PlainTextLabels(app)
    app._plain_text_labels = guard  # type: ignore[attr-defined]
    app.installEventFilter(guard)


def plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` literally (Qt guesses markup in tooltips otherwise)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text).replace("\n", "<br>") + "</p>"


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


class _WrappedHeight(QObject):
    """Keeps a word-wrapped label at least as tall as its text needs at its current width."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if isinstance(watched, QLabel) and event.type() in (
            QEvent.Type.Resize,
            QEvent.Type.Show,
            QEvent.Type.FontChange,
        ):
            fit_wrapped(watched)
        return False


def fit_wrapped(label: QLabel) -> None:
    if label.width() > 0:
        need = label.heightForWidth(label.width())
        if need > 0 and label.minimumHeight() != need:
            label.setMinimumHeight(need)


def keep_wrapped_height(label: QLabel) -> QLabel:
    """A word-wrapped label in a form row is given the height of one line by QFormLayout (its
    height-for-width is not asked), so a second line is cut off; this keeps it whole."""
    label.setWordWrap(True)
    keeper = _WrappedHeight(label)
    label.installEventFilter(keeper)
    original = label.setText

    def set_text(text: str) -> None:
        original(text)
        fit_wrapped(label)

    label.setText = set_text  # type: ignore[method-assign]
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
    from cse_toolkit.gui.common import dialogs

    if isinstance(exc, UserError):
        dialogs.error(parent, title, str(exc))
    else:
        sys.excepthook(type(exc), exc, exc.__traceback__)


def describe_error(field: QWidget, text: str, usual: str = "") -> None:
    """Tie an error message to the control it is about, for screen readers.

    The message becomes the field's accessible description (``usual`` again once ``text`` is
    empty): a description change on the focused control is spoken at once (Orca), and the
    description is read whenever focus returns. Where the platform's bridge takes
    announcements (Windows UI Automation, macOS) the message is also announced; Linux is left
    out because AT-SPI screen readers that take both would say it twice."""
    field.setAccessibleDescription(text or usual)
    if text and sys.platform != "linux":
        from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(field, text))
