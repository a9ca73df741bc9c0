"""Writing a note that is never lost.

While the user types, the note is saved as an encrypted draft in the vault
(``repos.save_draft``) by :mod:`autosave`: 1.5 s after the last change and at least every 3 s
during continuous typing, written on the draft lane so typing never waits for the disk. The
main window also calls ``save_draft()`` before it locks or closes (the ``DraftEditor``
protocol), which writes at once. Saving the note creates it and deletes the draft in one transaction
(``repos.add_note(..., draft_id=...)``), so a power cut leaves either the draft or the note,
never neither. When a child is opened, their newest note draft is put back in the editor, with
the cursor after its last character.

"When it happened" follows the clock while the editor holds a fresh note: it is set to "now"
when the editor is shown or reset and again at the first keystroke of a new note, unless the
user has set the time themselves. Saving a note whose time is more than an hour away from now
asks first ("is that the right time?"), so a stale default is never saved unnoticed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.entities import NOTE_CATEGORIES, Child, Draft, Note
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs
from cse_toolkit.gui.common.autosave import DraftTimer, DraftWriter, cursor_to_end
from cse_toolkit.gui.common.dialog_buttons import ACCEPT, DESTRUCTIVE, button_box
from cse_toolkit.gui.common.widgets import (
    from_qdatetime,
    local_text,
    local_time,
    report,
    to_qdatetime,
)
from cse_toolkit.gui.forms.ui_note_editor import Ui_NoteEditor
from cse_toolkit.vault.repos import MAX_TEXT

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

DRAFT_KIND = "note"


class NoteEditor(QWidget):
    saved = Signal(object)  # the Note

    FAR_FROM_NOW_SECONDS = 3600

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_NoteEditor()
        self.ui.setupUi(self)
        heading = QFont(self.ui.headingLabel.font())
        heading.setBold(True)
        self.ui.headingLabel.setFont(heading)
        for category in NOTE_CATEGORIES:
            self.ui.categoryCombo.addItem(self.tr(category.capitalize()), category)
        self._vault: Vault | None = None
        self._child: Child | None = None
        self._dirty = False
        self._loading = False
        self._time_set_by_user = False
        self._fresh = True  # nothing typed since the last reset

        self._timer = DraftTimer(self._autosave, self)
        self._writer = DraftWriter(DRAFT_KIND, self)
        self._writer.written.connect(self._draft_written)
        self._writer.failed.connect(self._draft_failed)

        self.ui.reportedRadio.toggled.connect(self.ui.reportedByEdit.setEnabled)
        for signal in (
            self.ui.whenEdit.dateTimeChanged,
            self.ui.placeEdit.textChanged,
            self.ui.categoryCombo.currentIndexChanged,
            self.ui.reportedRadio.toggled,
            self.ui.reportedByEdit.textChanged,
            self.ui.bodyEdit.textChanged,
        ):
            signal.connect(self._changed)
        self.ui.saveButton.clicked.connect(self.save)
        self.ui.discardButton.clicked.connect(self.discard)
        self.ui.saveButton.setToolTip(self.tr("Save the note (Ctrl+S)"))
        save_shortcut = QShortcut(QKeySequence.StandardKey.Save, self)
        save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_shortcut.activated.connect(self.save)
        self.setTabOrder(self.ui.whenEdit, self.ui.placeEdit)
        self.setTabOrder(self.ui.placeEdit, self.ui.categoryCombo)
        self.setTabOrder(self.ui.categoryCombo, self.ui.firstHandRadio)
        self.setTabOrder(self.ui.firstHandRadio, self.ui.reportedRadio)
        self.setTabOrder(self.ui.reportedRadio, self.ui.reportedByEdit)
        self.setTabOrder(self.ui.reportedByEdit, self.ui.bodyEdit)
        # Save / Discard in the platform's order; Tab runs through them as shown.
        buttons = button_box((self.ui.saveButton, ACCEPT), (self.ui.discardButton, DESTRUCTIVE))
        self.ui.buttonLayout.addWidget(buttons)
        self.setTabOrder(self.ui.bodyEdit, buttons)
        self.setEnabled(False)

    # -- context ------------------------------------------------------------------------
    @property
    def draft_id(self) -> str | None:
        return self._writer.draft_id

    @property
    def _draft_id(self) -> str | None:
        return self._writer.draft_id

    @property
    def child(self) -> Child | None:
        return self._child

    def set_child(self, vault: Vault, child: Child) -> None:
        """Start on ``child``: their newest note draft (if any) comes back into the editor."""
        if self._child is not None and self._child.id == child.id and self._vault is vault:
            self._child = child
            return
        self.save_draft()
        self._vault = vault
        self._child = child
        self._reset()
        self.setEnabled(True)
        drafts = [d for d in vault.repos.drafts(DRAFT_KIND) if d.target_id == child.id]
        if drafts:
            self.load_draft(drafts[-1])

    def clear(self) -> None:
        """Forget everything (on lock, after ``save_draft``)."""
        self._stop_timers()
        self._vault = None
        self._child = None
        self._loading = True
        try:
            self.ui.placeEdit.clear()
            self.ui.reportedByEdit.clear()
            self.ui.bodyEdit.clear()
            self.ui.firstHandRadio.setChecked(True)
        finally:
            self._loading = False
        self._writer.forget()
        self._dirty = False
        self.ui.statusLabel.setText("")
        self.setEnabled(False)

    def _reset(self) -> None:
        self._stop_timers()
        self._loading = True
        try:
            assert self._vault is not None
            now = self._vault.now()
            self.ui.whenEdit.setMaximumDateTime(to_qdatetime(now))
            self.ui.whenEdit.setDateTime(to_qdatetime(now))
            self._time_set_by_user = False
            self._fresh = True
            self.ui.placeEdit.clear()
            self.ui.categoryCombo.setCurrentIndex(0)
            self.ui.firstHandRadio.setChecked(True)
            self.ui.reportedByEdit.clear()
            self.ui.bodyEdit.clear()
        finally:
            self._loading = False
        self._writer.forget()
        self._dirty = False
        self.ui.statusLabel.setText(self.tr("Not saved yet."))

    # -- values -------------------------------------------------------------------------
    def event_at(self) -> datetime:
        return from_qdatetime(self.ui.whenEdit.dateTime())

    def payload(self) -> dict[str, Any]:
        return {
            "event_at": utc_iso(self.event_at()),
            "place": self.ui.placeEdit.text(),
            "category": self.ui.categoryCombo.currentData(),
            "source": "reported" if self.ui.reportedRadio.isChecked() else "first_hand",
            "reported_by": self.ui.reportedByEdit.text(),
            "body": self.ui.bodyEdit.toPlainText(),
        }

    def is_empty(self) -> bool:
        return not (self.ui.bodyEdit.toPlainText().strip() or self.ui.placeEdit.text().strip())

    def has_unsaved(self) -> bool:
        """Typed but not yet in the vault (changed since the last draft, or being written)."""
        return self._dirty or self._writer.pending

    def load_draft(self, draft: Draft) -> None:
        data = draft.payload
        self._stop_timers()
        self._loading = True
        try:
            assert self._vault is not None
            when = parse_utc(data.get("event_at") or utc_iso(self._vault.now()))
            now = self._vault.now()
            self.ui.whenEdit.setMaximumDateTime(to_qdatetime(max(now, when)))
            self.ui.whenEdit.setDateTime(to_qdatetime(when))
            self.ui.placeEdit.setText(data.get("place", ""))
            index = self.ui.categoryCombo.findData(data.get("category", NOTE_CATEGORIES[0]))
            self.ui.categoryCombo.setCurrentIndex(max(index, 0))
            reported = data.get("source") == "reported"
            (self.ui.reportedRadio if reported else self.ui.firstHandRadio).setChecked(True)
            self.ui.reportedByEdit.setText(data.get("reported_by", ""))
            self.ui.bodyEdit.setPlainText(data.get("body", ""))
            cursor_to_end(self.ui.bodyEdit)
            self._time_set_by_user = True  # the draft's time is the one the user was writing
            self._fresh = False
        finally:
            self._loading = False
        self._writer.draft_id = draft.id
        self._dirty = False
        self.ui.statusLabel.setText(
            self.tr(
                "Your unsaved draft from {time} is back. Save the note when it is ready."
            ).format(time=local_time(parse_utc(draft.updated_at)))
        )

    # -- autosave -------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._follow_clock()

    def _follow_clock(self) -> None:
        """A fresh note's time is "now" until the user types or sets it."""
        if self._vault is None or not self._fresh or self._time_set_by_user:
            return
        now = to_qdatetime(self._vault.now())
        self._loading = True
        try:
            self.ui.whenEdit.setMaximumDateTime(now)
            self.ui.whenEdit.setDateTime(now)
        finally:
            self._loading = False

    def _changed(self, *_: object) -> None:
        if self._loading or self._vault is None:
            return
        if self.sender() is self.ui.whenEdit:
            self._time_set_by_user = True
        else:
            if self._fresh:
                self._follow_clock()
            self.refresh_limits()
        self._fresh = False
        self._dirty = True
        self._timer.touch()
        self.ui.statusLabel.setText(
            self._too_long() or self.tr("Editing: a draft is saved as you type.")
        )

    def _too_long(self) -> str:
        """Issue 22: a paste past a note's limit is kept (as a draft), and said, never dropped."""
        chars = self.ui.bodyEdit.document().characterCount() - 1  # O(1), no copy of the text
        if chars <= MAX_TEXT:
            return ""
        return self.tr(
            "This note is {chars} characters, more than the {limit} a note can hold. It is "
            "kept as a draft; shorten it before saving."
        ).format(chars=f"{chars:,}", limit=f"{MAX_TEXT:,}")

    def _stop_timers(self) -> None:
        self._timer.stop()

    def _autosave(self) -> None:
        """The timer's save: the values now, written on the draft lane."""
        if not self._dirty or self._vault is None or self._child is None:
            return
        if self.is_empty():
            self.save_draft()
            return
        self._dirty = False
        self._writer.write(self._vault, self._child.id, self.payload())

    def _draft_written(self, _draft_id: str) -> None:
        if self._vault is not None:
            saved = self.tr("Draft saved (encrypted) at {time}.").format(
                time=local_time(self._vault.now())
            )
            self.ui.statusLabel.setText(" ".join(filter(None, (saved, self._too_long()))))

    def _draft_failed(self, exc: object) -> None:
        if not isinstance(exc, UserError):
            assert isinstance(exc, BaseException)
            report(self, self.tr("The draft was not saved"), exc)
            return
        # e.g. the disk is full: keep the text on screen and say so; try again on next change.
        self._dirty = True
        self.ui.statusLabel.setText(
            self.tr("The draft could not be saved: {problem}").format(problem=str(exc))
        )

    def save_draft(self) -> None:
        """Write the encrypted draft now (DraftEditor protocol). Never asks; never loses text."""
        self._stop_timers()
        self._writer.settle()
        if not self._dirty or self._vault is None or self._child is None:
            return
        try:
            if self.is_empty():
                if self._writer.draft_id:
                    self._vault.repos.delete_draft(self._writer.draft_id)
                    self._writer.forget()
                self._dirty = False
                return
            self._writer.write_now(self._vault, self._child.id, self.payload())
        except UserError as exc:
            self._draft_failed(exc)
            return
        self._dirty = False
        self._draft_written(self._writer.draft_id or "")

    # -- save and discard ---------------------------------------------------------------------
    def save(self) -> Note | None:
        if self._vault is None or self._child is None:
            return None
        data = self.payload()
        if data["source"] == "reported" and not data["reported_by"].strip():
            dialogs.warning(
                self,
                self.tr("Who reported it?"),
                self.tr("Say who told you (name or role) before saving a reported note."),
            )
            self.ui.reportedByEdit.setFocus()
            return None
        # Backdating is fine; the future is not (the field's limit was set when it opened,
        # and minutes are shown without seconds, so clamp to now).
        now = self._vault.now()
        event_at = min(self.event_at(), now)
        if abs((now - self.event_at()).total_seconds()) > self.FAR_FROM_NOW_SECONDS:
            vault = self._vault
            choice = dialogs.ask(
                self,
                self.tr("Is that the right time?"),
                self.tr(
                    "This note says it happened at {when}, more than an hour before now "
                    "({now}). Save it with that time?"
                ).format(when=local_text(self.event_at()), now=local_text(now)),
                [
                    ("save", self.tr("&Save with that time")),
                    ("change", self.tr("&Change the time")),
                ],
                default="save",
                escape="change",
            )
            if self._vault is not vault:
                return None  # locked meanwhile: the draft is kept
            if choice != "save":
                self.ui.whenEdit.setFocus(Qt.FocusReason.OtherFocusReason)
                return None
        self._stop_timers()
        self._writer.settle()
        try:
            note = self._vault.repos.add_note(
                self._child.id,
                data["body"],
                event_at,
                place=data["place"].strip(),
                category=data["category"],
                source=data["source"],
                reported_by=data["reported_by"].strip(),
                draft_id=self._draft_id,
            )
        except UserError as exc:
            report(self, self.tr("The note was not saved"), exc)
            return None
        log.info("note saved")
        self._reset()
        self.ui.statusLabel.setText(self.tr("Note saved."))
        self.saved.emit(note)
        return note

    def discard(self) -> None:
        if self._vault is None:
            return
        if not self.is_empty() and not dialogs.confirm(
            self,
            self.tr("Discard this note?"),
            self.tr("The text you wrote will be deleted and cannot be brought back."),
            self.tr("&Discard"),
            self.tr("&Keep writing"),
        ):
            return
        self._stop_timers()
        self._writer.settle()
        if self._draft_id:
            try:
                self._vault.repos.delete_draft(self._draft_id)
            except UserError as exc:
                report(self, self.tr("The draft was not deleted"), exc)
                return
        self._reset()
        self.ui.statusLabel.setText(self.tr("Discarded."))

    def focus_text(self) -> None:
        self.ui.bodyEdit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def refresh_limits(self) -> None:
        """Let the event time go up to now (the editor may have been open a while)."""
        if self._vault is not None:
            self.ui.whenEdit.setMaximumDateTime(to_qdatetime(self._vault.now()))
