"""The Notes tab: the child's notes (newest first, full text below) beside the note editor."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.entities import Child, Note
from cse_toolkit.gui.note_editor import NoteEditor
from cse_toolkit.gui.table_model import RowTableModel
from cse_toolkit.gui.widgets import local_text

_Index = QModelIndex | QPersistentModelIndex
WHEN, CATEGORY, TEXT = range(3)


class NotesModel(RowTableModel):
    HEADERS = ("When", "Category", "Note")

    def set_notes(self, notes: list[Note]) -> None:
        self.set_rows(sorted(notes, key=lambda n: (n.event_at, n.created_at), reverse=True))

    def note_at(self, row: int) -> Note:
        note: Note = self.row_at(row)
        return note

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        note = self.row_for(index)
        if note is None or role not in (
            Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole
        ):
            return None
        col = index.column()
        if col == WHEN:
            return local_text(note.event_at)
        if col == CATEGORY:
            return self.tr(note.category.capitalize())
        if col == TEXT:
            text = " ".join(note.body.split())[:200]
            if note.source == "reported":
                return self.tr("(reported) {text}").format(text=text)
            return text
        return None


class NotesTab(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Notes"))
        self.model = NotesModel(self)
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
        self.setTabOrder(self.table, self.reader)
        self.setTabOrder(self.reader, self.editor)

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
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
        self.reader.setPlainText(head + "\n\n" + note.body)

    def _note_saved(self, _note: Note) -> None:
        self.changed.emit()

    # -- ChildTab -------------------------------------------------------------------------
    def set_child(self, vault: Any, child: Child) -> None:
        self.model.set_notes(vault.repos.notes_for(child.id))
        self.empty_label.setVisible(self.model.rowCount() == 0)
        self.reader.clear()
        self.editor.set_child(vault, child)

    def clear(self) -> None:
        self.model.set_notes([])
        self.reader.clear()
        self.editor.clear()
        self.empty_label.show()

    def new_note(self) -> None:
        self.editor.focus_text()
