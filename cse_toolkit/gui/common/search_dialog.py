"""Search the notes of every child the user can see (``repos.search_notes``).

The query runs on a pool thread, so a big vault never freezes the window; a newer query
supersedes an older one still running. Choosing a result opens that child on the Notes tab.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import workers
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.widgets import local_text, report

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

CHILD_ROLE = Qt.ItemDataRole.UserRole + 1


class SearchNotesDialog(QDialog):
    open_child = Signal(str)
    finished_search = Signal()

    DELAY_MS = 300

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._generation = 0
        self.setWindowTitle(self.tr("Search notes"))
        self.setAccessibleName(self.tr("Search notes"))
        self.query_edit = QLineEdit()
        self.query_edit.setPlaceholderText(self.tr("Words to find in notes, e.g. bus station"))
        self.query_edit.setAccessibleName(self.tr("Search words"))
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.returnPressed.connect(self._enter)
        self.status_label = QLabel(self.tr("Type a word or two; results appear as you type."))
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName(self.tr("Search status"))
        self.results = QTableWidget(0, 3)
        self.results.setAccessibleName(self.tr("Search results"))
        self.results.setHorizontalHeaderLabels(
            [self.tr("Child"), self.tr("When"), self.tr("Found")]
        )
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setTabKeyNavigation(False)
        self.results.verticalHeader().hide()
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.results.activated.connect(lambda index: self._choose(index.row()))
        self.results.doubleClicked.connect(lambda index: self._choose(index.row()))
        buttons = QDialogButtonBox()
        close = buttons.addButton(self.tr("&Close"), QDialogButtonBox.ButtonRole.RejectRole)
        close.setAccessibleName(self.tr("Close"))
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.query_edit)
        layout.addWidget(self.status_label)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.resize(760, 480)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DELAY_MS)
        self._timer.timeout.connect(self.search)
        self.query_edit.textChanged.connect(lambda _t: self._timer.start())

    def _enter(self) -> None:
        if self.results.rowCount() and not self._timer.isActive():
            self.results.setFocus()
            self.results.selectRow(0)
        else:
            self.search()

    def search(self) -> None:
        self._timer.stop()
        query = self.query_edit.text().strip()
        self._generation += 1
        generation = self._generation
        if not query:
            self.results.setRowCount(0)
            self.status_label.setText(self.tr("Type a word or two; results appear as you type."))
            return
        self.status_label.setText(self.tr("Searching…"))
        vault = self._vault

        def work() -> tuple[list[Any], dict[str, str]]:
            hits = vault.repos.search_notes(query)
            labels = {}
            for cid, ref, name, alias, *_ in vault.repos.child_rows():
                labels[cid] = f"{name} ({alias})" if name and alias else name or alias or ref
            return hits, labels

        def done(result: tuple[list[Any], dict[str, str]]) -> None:
            if generation == self._generation:
                self._show(*result)

        def failed(exc: BaseException) -> None:
            if generation == self._generation and isinstance(exc, UserError):
                # Said where the results go, not in a box: the search runs as the user types.
                self.results.setRowCount(0)
                self.status_label.setText(str(exc))
            elif generation == self._generation:
                self.status_label.setText(self.tr("The search did not run."))
                report(self, self.tr("Search notes"), exc)

        workers.run_in_background(work, done, failed, parent=self)

    def _show(self, hits: list[Any], labels: dict[str, str]) -> None:
        self.results.setRowCount(len(hits))
        for row, (_note_id, child_id, event_at, snippet) in enumerate(hits):
            child_item = QTableWidgetItem(labels.get(child_id, "?"))
            child_item.setData(CHILD_ROLE, child_id)
            self.results.setItem(row, 0, child_item)
            self.results.setItem(row, 1, QTableWidgetItem(local_text(parse_utc(event_at))))
            self.results.setItem(row, 2, QTableWidgetItem(" ".join(str(snippet).split())))
        if hits:
            self.status_label.setText(
                ntr(
                    "SearchNotesDialog",
                    "%n note(s) found. Press Enter on one to open that child.",
                    len(hits),
                )
            )
        else:
            self.status_label.setText(self.tr("No notes contain those words."))
        self.finished_search.emit()

    def _choose(self, row: int) -> None:
        item = self.results.item(row, 0)
        if item is None:
            return
        self.open_child.emit(str(item.data(CHILD_ROLE)))
        self.accept()
