"""When drafts are written, for every editor that takes free text; and a form's values as a draft.

The promise (docs/USER-GUIDE.md, "Nothing you type is lost"): a draft is written within
``IDLE_MS`` of the last keystroke and at least every ``MAX_WAIT_MS`` while typing goes on, so a
crash, a flat battery or ``kill -9`` loses at most the last few seconds.
``tests/reliability/test_typing_kill.py`` measures it on the real widgets.

* :class:`DraftTimer` holds the two timers. An editor calls ``touch()`` on every change and
  gives the callback that writes its draft; ``stop()`` when it saves or clears.
* :class:`DraftWriter` writes a draft off the GUI thread's critical path: the values are read on
  the GUI thread (cheap), the encrypted write (a SQLCipher commit with an fsync) runs on the
  one-thread draft lane of :mod:`workers`, in order, so an older draft never overwrites a newer
  one. The id is chosen before the first write so later writes update the same row. ``settle()``
  waits for writes under way (before the note is saved or the draft deleted, and on lock).
* :func:`capture` / :func:`restore`: a dialog's field values as a plain dict keyed by each
  widget's kind, accessible name and position, for dialogs whose draft is "the form as it was"
  (the export wizard).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDateTime, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from cse_toolkit.gui.common import workers

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

IDLE_MS = 1_500
MAX_WAIT_MS = 3_000


class DraftTimer(QObject):
    """Calls ``save`` ``IDLE_MS`` after the last ``touch()``, and at least every ``MAX_WAIT_MS``."""

    def __init__(
        self,
        save: Callable[[], None],
        parent: QObject | None = None,
        idle_ms: int | None = None,
        max_wait_ms: int | None = None,
    ) -> None:
        super().__init__(parent)
        idle_ms = IDLE_MS if idle_ms is None else idle_ms
        max_wait_ms = MAX_WAIT_MS if max_wait_ms is None else max_wait_ms
        self._save = save
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(idle_ms)
        self._idle.timeout.connect(self._due)
        self._max = QTimer(self)
        self._max.setSingleShot(True)
        self._max.setInterval(max_wait_ms)
        self._max.timeout.connect(self._due)

    def touch(self) -> None:
        self._idle.start()
        if not self._max.isActive():
            self._max.start()

    def start(self) -> None:
        """Same as ``touch`` (for editors that called their timer ``_debounce``)."""
        self.touch()

    def pending(self) -> bool:
        return self._idle.isActive() or self._max.isActive()

    def stop(self) -> None:
        self._idle.stop()
        self._max.stop()

    def _due(self) -> None:
        self.stop()
        self._save()


class DraftWriter(QObject):
    """Writes one editor's draft on the draft lane (see the module docstring)."""

    written = Signal(str)  # the draft id, once a write has reached the vault
    failed = Signal(object)  # the exception (a UserError such as a full disk)

    def __init__(self, kind: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._kind = kind
        self.draft_id: str | None = None
        self._pending = 0
        self.written.connect(self._landed)
        self.failed.connect(self._landed)

    @property
    def pending(self) -> bool:
        """A write is queued or running and has not reached the vault yet."""
        return self._pending > 0

    def _landed(self, *_: object) -> None:
        self._pending = max(0, self._pending - 1)

    def write(self, vault: Vault, target_id: str | None, payload: dict[str, Any]) -> None:
        if self.draft_id is None:
            from cse_toolkit.core.ids import new_id

            self.draft_id = new_id()
        draft_id, kind = self.draft_id, self._kind

        def work() -> str:
            saved: str = vault.repos.save_draft(kind, target_id, payload, draft_id)
            return saved

        self._pending += 1
        workers.run_in_background(
            work, self.written.emit, self.failed.emit, parent=self, lane="drafts"
        )

    def write_now(self, vault: Vault, target_id: str | None, payload: dict[str, Any]) -> str:
        """Write on the calling (GUI) thread, after any queued write (lock, close)."""
        workers.settle_drafts()
        if self.draft_id is None:  # chosen first: a failed write and its retry are one draft
            from cse_toolkit.core.ids import new_id

            self.draft_id = new_id()
        self.draft_id = vault.repos.save_draft(self._kind, target_id, payload, self.draft_id)
        return self.draft_id

    def settle(self) -> None:
        workers.settle_drafts()

    def forget(self) -> None:
        self.draft_id = None


# -- a form's values -------------------------------------------------------------------------
def _fields(root: QWidget) -> list[tuple[str, QWidget]]:
    counts: dict[str, int] = {}
    out: list[tuple[str, QWidget]] = []
    for widget in root.findChildren(QWidget):
        if (
            isinstance(widget, QLineEdit)
            and widget.parent() is not None
            and isinstance(widget.parent(), QComboBox | QSpinBox | QDateTimeEdit)
        ):
            continue  # the line edit inside a combo or spin box is that box's own
        if isinstance(widget, QLineEdit):
            if widget.echoMode() != QLineEdit.EchoMode.Normal or widget.isReadOnly():
                continue
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            if widget.isReadOnly():
                continue
        elif isinstance(widget, QAbstractButton):
            if not widget.isCheckable():
                continue
        elif not isinstance(widget, QComboBox | QSpinBox | QDateTimeEdit):
            continue
        base = f"{type(widget).__name__}:{widget.accessibleName() or widget.objectName()}"
        n = counts.get(base, 0)
        counts[base] = n + 1
        out.append((f"{base}:{n}", widget))
    return out


def capture(root: QWidget) -> dict[str, Any]:
    """Every editable field's value under ``root``."""
    values: dict[str, Any] = {}
    for key, widget in _fields(root):
        if isinstance(widget, QLineEdit):
            values[key] = widget.text()
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            values[key] = widget.toPlainText()
        elif isinstance(widget, QAbstractButton):
            values[key] = widget.isChecked()
        elif isinstance(widget, QComboBox):
            values[key] = widget.currentText() if widget.isEditable() else widget.currentIndex()
        elif isinstance(widget, QSpinBox):
            values[key] = widget.value()
        elif isinstance(widget, QDateTimeEdit):
            values[key] = widget.dateTime().toString(Qt.DateFormat.ISODate)
    return values


def restore(root: QWidget, values: dict[str, Any]) -> int:
    """Put ``values`` (from :func:`capture`) back; returns how many fields were filled."""
    filled = 0
    for key, widget in _fields(root):
        if key not in values:
            continue
        value = values[key]
        if isinstance(widget, QLineEdit) and isinstance(value, str):
            widget.setText(value)
            widget.setCursorPosition(len(value))
        elif isinstance(widget, QPlainTextEdit | QTextEdit) and isinstance(value, str):
            widget.setPlainText(value)
            cursor_to_end(widget)
        elif isinstance(widget, QAbstractButton) and isinstance(value, bool):
            widget.setChecked(value)
        elif isinstance(widget, QComboBox):
            if isinstance(value, str):
                widget.setCurrentText(value)
            elif isinstance(value, int) and 0 <= value < widget.count():
                widget.setCurrentIndex(value)
        elif isinstance(widget, QSpinBox) and isinstance(value, int):
            widget.setValue(value)
        elif isinstance(widget, QDateTimeEdit) and isinstance(value, str):
            widget.setDateTime(QDateTime.fromString(value, Qt.DateFormat.ISODate))
        else:
            continue
        filled += 1
    return filled


def cursor_to_end(edit: QPlainTextEdit | QTextEdit) -> None:
    """A restored draft goes on where it stopped: the cursor after the last character."""
    from PySide6.QtGui import QTextCursor

    cursor = edit.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    edit.setTextCursor(cursor)


def watch(root: QWidget, touch: Callable[[], None]) -> None:
    """Call ``touch`` whenever any editable field under ``root`` changes."""
    for _key, widget in _fields(root):
        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(lambda *_: touch())
        elif isinstance(widget, QPlainTextEdit | QTextEdit):
            widget.textChanged.connect(touch)
        elif isinstance(widget, QAbstractButton):
            widget.toggled.connect(lambda *_: touch())
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(lambda *_: touch())
            if widget.isEditable():
                widget.editTextChanged.connect(lambda *_: touch())
        elif isinstance(widget, QSpinBox):
            widget.valueChanged.connect(lambda *_: touch())
        elif isinstance(widget, QDateTimeEdit):
            widget.dateTimeChanged.connect(lambda *_: touch())
