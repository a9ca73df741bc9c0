"""The Notes tab: the child's notes (newest first, full text below) beside the note editor.

A saved note keeps its words. "Add to this note…" (Ctrl+Shift+A on a selected note) adds an
addendum, or a correction with the reason for it (``repos.add_amendment``, audited); the note
shows its original text first and then every addition, marked, with who and when; packs carry
them the same way (``exchange.amendment_text``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.core.entities import Child, Note, NoteAmendment
from cse_toolkit.errors import UserError
from cse_toolkit.gui.children.note_editor import NoteEditor
from cse_toolkit.gui.common import autosave, dialogs
from cse_toolkit.gui.common.table_model import RowTableModel
from cse_toolkit.gui.common.widgets import heading_label, local_text, report

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

_Index = QModelIndex | QPersistentModelIndex
AMEND_DRAFT_KIND = "note_amendment"
log = logging.getLogger(__name__)
WHEN, CATEGORY, TEXT = range(3)


class NotesModel(RowTableModel):
    HEADERS = ("When", "Category", "Note")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.amended: dict[str, list[NoteAmendment]] = {}

    def set_notes(self, notes: list[Note]) -> None:
        self.set_rows(sorted(notes, key=lambda n: (n.event_at, n.created_at), reverse=True))

    def note_at(self, row: int) -> Note:
        note: Note = self.row_at(row)
        return note

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        note = self.row_for(index)
        if note is None or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return None
        col = index.column()
        if col == WHEN:
            return local_text(note.event_at)
        if col == CATEGORY:
            return self.tr(note.category.capitalize())
        if col == TEXT:
            text = " ".join(note.body.split())[:200]
            if note.id in self.amended:
                kinds = {a.kind for a in self.amended[note.id]}
                mark = self.tr("(corrected)") if "correction" in kinds else self.tr("(added to)")
                text = f"{mark} {text}"
            if note.source == "reported":
                return self.tr("(reported) {text}").format(text=text)
            return text
        return None


class AmendDialog(QDialog):
    """Add to a saved note: an addendum, or a correction with its reason."""

    def __init__(
        self, note: Note, vault: Vault | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._vault = vault
        self.draft_id: str | None = None
        title = self.tr("Add to this note")
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.note = note
        original = QPlainTextEdit(note.body)
        original.setReadOnly(True)
        original.setAccessibleName(self.tr("The note as saved"))
        original.setMaximumHeight(original.fontMetrics().lineSpacing() * 6 + 12)
        self.addendum = QRadioButton(self.tr("&Addendum: something to add"))
        self.correction = QRadioButton(self.tr("&Correction: something in it is wrong"))
        self.kind = QButtonGroup(self)
        self.kind.addButton(self.addendum)
        self.kind.addButton(self.correction)
        self.addendum.setChecked(True)
        self.body = QPlainTextEdit()
        self.body.setTabChangesFocus(True)
        self.body.setAccessibleName(self.tr("What to add or correct"))
        self.reason = QLineEdit()
        self.reason.setAccessibleName(self.tr("Why it needs correcting"))
        self.reason.setPlaceholderText(self.tr("Required for a correction"))
        self.correction.toggled.connect(self.reason.setEnabled)
        self.reason.setEnabled(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        explain = QLabel(
            self.tr(
                "The note keeps its original words. What you write here is shown after it, with "
                "your name and the time, and goes with it in packs. This is recorded in the audit "
                "trail."
            )
        )
        explain.setWordWrap(True)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        body_label = QLabel(self.tr("&Text:"))
        body_label.setBuddy(self.body)
        reason_label = QLabel(self.tr("&Reason:"))
        reason_label.setBuddy(self.reason)
        form.addRow(body_label, self.body)
        form.addRow(reason_label, self.reason)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(
            self.tr("&Save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(title))
        layout.addWidget(explain)
        layout.addWidget(original)
        layout.addWidget(self.addendum)
        layout.addWidget(self.correction)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.body.setFocus()
        self.resize(560, 0)
        self._draft_timer = autosave.DraftTimer(self.save_draft, self)
        autosave.watch(self, self._draft_timer.touch)

    # -- drafts (protocols.DraftEditor): what is typed here is kept like a note's draft -----
    def save_draft(self) -> None:
        self._draft_timer.stop()
        kind, body, reason = self.values()
        if self._vault is None or not (body or reason):
            return
        payload = {
            "note_id": self.note.id,
            "kind": kind,
            "body": self.body.toPlainText(),
            "reason": self.reason.text(),
        }
        try:
            self.draft_id = self._vault.repos.save_draft(
                AMEND_DRAFT_KIND, self.note.child_id, payload, self.draft_id
            )
        except UserError:
            log.warning("amendment draft not saved")

    def load_draft(self, draft: Any) -> None:
        data = draft.payload
        (self.correction if data.get("kind") == "correction" else self.addendum).setChecked(True)
        self.body.setPlainText(str(data.get("body", "")))
        autosave.cursor_to_end(self.body)
        self.reason.setText(str(data.get("reason", "")))
        self._draft_timer.stop()
        self.draft_id = draft.id

    def drop_draft(self) -> None:
        self._draft_timer.stop()
        if self.draft_id and self._vault is not None:
            try:
                self._vault.repos.delete_draft(self.draft_id)
            except UserError:
                log.warning("amendment draft not deleted")
        self.draft_id = None

    def reject(self) -> None:
        if not dialogs.lock_in_progress():
            self.drop_draft()
        self._draft_timer.stop()
        super().reject()

    def values(self) -> tuple[str, str, str]:
        kind = "correction" if self.correction.isChecked() else "addendum"
        return kind, self.body.toPlainText().strip(), self.reason.text().strip()

    def _check(self) -> None:
        kind, body, reason = self.values()
        problem = ""
        if not body:
            problem = self.tr("Write what you are adding or correcting.")
        elif kind == "correction" and not reason:
            problem = self.tr("Say why the note needs correcting: the reason is kept with it.")
        if problem:
            self.message.setText(problem)
            self.message.show()
            (self.body if not body else self.reason).setFocus()
            return
        self.accept()


class NotesTab(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Notes"))
        self.model = NotesModel(self)
        self._vault: Vault | None = None
        self._child: Child | None = None
        self.amend_button = QPushButton(self.tr("Add to this note…"))
        self.amend_button.setToolTip(self.tr("An addendum or a correction (Ctrl+Shift+A)"))
        self.amend_button.setAccessibleName(self.tr("Add to this note"))
        self.amend_button.setEnabled(False)
        self.amend_button.clicked.connect(self.amend_selected)
        amend_key = QShortcut(QKeySequence("Ctrl+Shift+A"), self)
        amend_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        amend_key.activated.connect(self.amend_selected)
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Notes list"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WHEN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(CATEGORY, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TEXT, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(CATEGORY, self.fontMetrics().averageCharWidth() * 18)
        self.table.selectionModel().selectionChanged.connect(self._selected)

        self.reader = QPlainTextEdit()
        self.reader.setReadOnly(True)
        self.reader.setAccessibleName(self.tr("Selected note"))
        self.reader.setPlaceholderText(self.tr("Select a note to read it in full."))
        self.empty_label = QLabel(self.tr("No notes yet. Write the first one on the right."))
        self.empty_label.setWordWrap(True)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel(self.tr("Notes, newest first")))
        left_layout.addWidget(self.empty_label)
        list_split = QSplitter(Qt.Orientation.Vertical)
        list_split.addWidget(self.table)
        list_split.addWidget(self.reader)
        list_split.setStretchFactor(0, 3)
        list_split.setStretchFactor(1, 2)
        left_layout.addWidget(list_split, 1)
        left_layout.addWidget(self.amend_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.editor = NoteEditor()
        self.editor.saved.connect(self._note_saved)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        split.setSizes([560, 560])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._users: dict[str, str] = {}
        self.amend_dialog: AmendDialog | None = None
        self.setTabOrder(self.table, self.reader)
        self.setTabOrder(self.reader, self.editor)

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.amend_button.setEnabled(bool(rows))
        if not rows:
            self.reader.clear()
            return
        note = self.model.note_at(rows[0].row())
        head = f"{local_text(note.event_at)}"
        if note.place:
            head += f" · {note.place}"
        head += f" · {note.category}"
        if note.source == "reported":
            head += " · " + self.tr("reported by {who}").format(who=note.reported_by)
        else:
            head += " · " + self.tr("first-hand")
        text = head + "\n\n" + note.body
        for amendment in self.model.amended.get(note.id, []):
            when = local_text(parse_utc(amendment.created_at))
            who = self._users.get(amendment.author_id, amendment.author_id)
            if amendment.kind == "correction":
                line = self.tr("Correction by {who} at {when}. Reason: {reason}").format(
                    who=who, when=when, reason=amendment.reason
                )
            else:
                line = self.tr("Addendum by {who} at {when}").format(who=who, when=when)
            text += f"\n\n— {line} —\n{amendment.body}"
        self.reader.setPlainText(text)

    def selected_note(self) -> Note | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.note_at(rows[0].row()) if rows else None

    def amend_selected(self) -> None:
        note = self.selected_note()
        if note is None or self._vault is None:
            return
        dialog = AmendDialog(note, self._vault, self)
        self.amend_dialog = dialog
        dialog.finished.connect(lambda result: self._amended(dialog, result))
        dialog.open()

    def _amended(self, dialog: AmendDialog, result: int) -> None:
        self.amend_dialog = None
        dialog.deleteLater()
        if not result or self._vault is None or self._child is None:
            return
        kind, body, reason = dialog.values()
        try:
            self._vault.repos.add_amendment(dialog.note.id, kind, body, reason)
        except UserError as exc:
            report(self, self.tr("Not saved"), exc)
            return
        dialog.drop_draft()
        self._reload(select=dialog.note.id)
        self.changed.emit()

    def _reload(self, select: str | None = None) -> None:
        if self._vault is None or self._child is None:
            return
        self.model.amended = self._vault.repos.amendments_for_child(self._child.id)
        self.model.set_notes(self._vault.repos.notes_for(self._child.id))
        self.empty_label.setVisible(self.model.rowCount() == 0)
        if select is not None:
            for row in range(self.model.rowCount()):
                if self.model.note_at(row).id == select:
                    self.table.selectRow(row)
                    self._selected(QItemSelection(), QItemSelection())

    def _note_saved(self, _note: Note) -> None:
        self.changed.emit()

    # -- ChildTab -------------------------------------------------------------------------
    def set_child(self, vault: Vault, child: Child) -> None:
        self._vault, self._child = vault, child
        self._users = {u.id: u.label for u in vault.users()}
        self._reload()
        self.reader.clear()
        self.amend_button.setEnabled(False)
        self.editor.set_child(vault, child)
        self._offer_amendment_draft()

    def _offer_amendment_draft(self) -> None:
        """An addendum being written when the app locked (or died) comes back, open."""
        if self._vault is None or self._child is None:
            return
        for draft in reversed(self._vault.repos.drafts(AMEND_DRAFT_KIND)):
            if draft.target_id != self._child.id:
                continue
            note_id = draft.payload.get("note_id")
            for row in range(self.model.rowCount()):
                if self.model.note_at(row).id == note_id:
                    self.table.selectRow(row)
                    self.amend_selected()
                    assert self.amend_dialog is not None
                    self.amend_dialog.load_draft(draft)
                    return
            self._vault.repos.delete_draft(draft.id)  # the note is gone

    def clear(self) -> None:
        self._vault, self._child = None, None
        self._users = {}
        self.model.amended = {}
        self.amend_button.setEnabled(False)
        self.model.set_notes([])
        self.reader.clear()
        self.editor.clear()
        self.empty_label.show()

    def new_note(self) -> None:
        self.editor.focus_text()
