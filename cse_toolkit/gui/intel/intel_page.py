"""The Intelligence page: the user's information reports for the police, and the hotspots.

A ``VaultPage`` for ``MainWindow.add_page("intelligence", ..., roles=("worker", "dsl"))``. It
shows the reports the user may see (workers: their own; DSLs: all) with reference, title,
status, the date the information was learned and how many children each is linked to, a filter,
"New report", and a "Hotspots" panel: places by the number of reports that mention them.
Opening a report (Enter or double-click) shows the :class:`IntelReportEditor` in place of the
list; "Back to reports" returns.

The list and the hotspots come from the connections index (``vault.intel.index()``), which
decrypts every report, so they load off the GUI thread (``workers.run_in_background``);
``loaded`` is emitted when they are on screen.

Signals:

* ``export_requested(str)``: a report id, forwarded from the editor ("Export for the police…"
  on a final report). Connect it to the export dialog.
* ``loaded()``: the list and hotspots were refreshed.

``new_report(child_id)`` starts a report already linked to a child (for a "Write intelligence
report" action on a child's page); ``open_report(report_id)`` opens one (for the connections
view's ``open_report``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core import intelligence as intel
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import workers
from cse_toolkit.gui.common.widgets import heading_label, report
from cse_toolkit.gui.intel.intel_editor import IntelReportEditor

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Ref", "Title", "Status", "Date learned", "Children")
STATUS_LABELS = {"draft": "Draft", "final": "Final"}


def _learned_text(learned_at: str | None) -> str:
    if not learned_at:
        return ""
    try:
        when = datetime.fromisoformat(learned_at.replace("Z", "+00:00"))
    except ValueError:
        return learned_at
    if when.tzinfo is not None:
        when = when.astimezone()
    return when.strftime("%d/%m/%Y")


def _load(vault: Vault) -> tuple[list[tuple[Any, ...]], dict[str, int], list[tuple[str, int]]]:
    """Runs on a pool thread: the rows, the linked-children counts and the hotspots."""
    rows = vault.intel.list()
    index = vault.intel.index()
    counts = {rid: len(children) for rid, children in index.report_children.items()}
    return rows, counts, intel.hotspots(index)


class _StatusFilter(QSortFilterProxyModel):
    """Free text over every column, plus the status (draft / final)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.status = ""
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self.setSortRole(SORT_ROLE)

    def set_status(self, status: str) -> None:
        self.beginFilterChange()  # invalidateFilter() is deprecated since Qt 6.9
        self.status = status
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: Any) -> bool:  # noqa: N802 (Qt API)
        if self.status:
            index = self.sourceModel().index(row, 2, parent)
            if index.data(ID_ROLE) != self.status:
                return False
        return super().filterAcceptsRow(row, parent)


class IntelligencePage(QWidget):
    export_requested = Signal(str)
    loaded = Signal()

    def __init__(self, vault: Vault | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Intelligence"))
        self._vault: Vault | None = None
        self._generation = 0  # a load started before a lock must not fill the cleared page

        self.stack = QStackedWidget()
        self.list_view = self._build_list()
        self.editor = IntelReportEditor()
        self.editor.closed.connect(self.show_list)
        self.editor.export_requested.connect(self.export_requested)
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(self.editor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        if vault is not None:
            self.set_vault(vault)

    def _build_list(self) -> QWidget:
        tr = self.tr
        page = QWidget()
        page.setAccessibleName(tr("Intelligence reports"))
        heading = heading_label(tr("Intelligence reports for the police"))
        intro = QLabel(
            tr(
                "Information you pass to the police (the partnership information report). "
                "It is kept apart from children's records."
            )
        )
        intro.setWordWrap(True)

        self.filter_edit = QLineEdit()
        self.filter_edit.setAccessibleName(tr("Filter reports"))
        self.filter_edit.setPlaceholderText(tr("Filter by reference or title"))
        self.filter_edit.setClearButtonEnabled(True)
        for button in self.filter_edit.findChildren(QToolButton):
            button.setAccessibleName(tr("Clear the filter"))
        filter_label = QLabel(tr("&Filter:"))
        filter_label.setBuddy(self.filter_edit)
        self.status_combo = QComboBox()
        self.status_combo.setAccessibleName(tr("Show reports with status"))
        self.status_combo.addItem(tr("All reports"), "")
        self.status_combo.addItem(tr("Drafts"), "draft")
        self.status_combo.addItem(tr("Final"), "final")
        self.new_button = QPushButton(tr("&New report"))
        self.new_button.setAccessibleName(tr("New intelligence report"))
        self.new_button.setToolTip(tr("Write a new report (Alt+N, or Ctrl+N here)"))
        self.new_button.clicked.connect(lambda: self.new_report())
        self.open_button = QPushButton(tr("&Open"))
        self.open_button.setAccessibleName(tr("Open the selected report"))
        self.open_button.setToolTip(tr("Open the selected report (Enter)"))
        self.open_button.clicked.connect(self._open_current)
        self.files_button = QPushButton(tr("Attac&hed files…"))
        self.files_button.setAccessibleName(tr("Files that came with the selected report"))
        self.files_button.clicked.connect(self._show_files)
        bar = QHBoxLayout()
        bar.addWidget(filter_label)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.open_button)
        bar.addWidget(self.files_button)
        bar.addWidget(self.new_button)

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.proxy = _StatusFilter(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.status_combo.currentIndexChanged.connect(
            lambda _i: self.proxy.set_status(self.status_combo.currentData())
        )
        self.table = QTableView()
        self.table.setAccessibleName(tr("Intelligence reports"))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _index: self._open_current())
        self.empty_label = QLabel(tr("No reports yet. Choose New report to write one."))
        self.empty_label.setAccessibleName(tr("No reports"))
        self.empty_label.setVisible(False)

        self.busy_label = QLabel(tr("Loading…"))
        self.busy_label.setAccessibleName(tr("Loading reports"))
        self.busy_label.setVisible(False)

        self.hotspots = QListWidget()
        self.hotspots.setAccessibleName(tr("Hotspots: places by number of mentions"))
        self.hotspots.setToolTip(tr("Places named in reports, the most mentioned first"))
        self.hotspots.setWordWrap(True)  # a place's full name and its count, never cut off
        self.hotspots.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        side_layout.addWidget(heading_label(tr("Hotspots"), 1.1))
        hint = QLabel(tr("Places by the number of reports that mention them."))
        hint.setWordWrap(True)
        side_layout.addWidget(hint)
        side_layout.addWidget(self.hotspots, 1)

        main = QWidget()
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 6, 0)
        main_layout.addLayout(bar)
        main_layout.addWidget(self.busy_label)
        main_layout.addWidget(self.table, 1)
        main_layout.addWidget(self.empty_label)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(main)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([900, 340])

        layout = QVBoxLayout(page)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)

        new = QShortcut(QKeySequence.StandardKey.New, page)
        new.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        new.activated.connect(lambda: self.new_report())
        for first, second in (
            (self.filter_edit, self.status_combo),
            (self.status_combo, self.open_button),
            (self.open_button, self.files_button),
            (self.files_button, self.new_button),
            (self.new_button, self.table),
            (self.table, self.hotspots),
        ):
            QWidget.setTabOrder(first, second)
        return page

    # -- VaultPage ---------------------------------------------------------------------------
    def set_vault(self, vault: Vault) -> None:
        self._vault = vault
        self.editor.set_vault(vault)
        self.show_list()

    def clear(self) -> None:
        """Forget every report, name and place (on lock)."""
        self._generation += 1
        self._vault = None
        self.editor.clear()
        self.model.removeRows(0, self.model.rowCount())
        self.hotspots.clear()
        self.filter_edit.clear()
        self.busy_label.setVisible(False)
        self.empty_label.setVisible(False)
        self.stack.setCurrentWidget(self.list_view)

    def save_draft(self) -> None:
        self.editor.save_draft()

    # -- the list ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Reload the list and hotspots off the GUI thread; ``loaded`` when shown."""
        vault = self._vault
        if vault is None:
            return
        self._generation += 1
        generation = self._generation
        self.busy_label.setVisible(True)
        workers.run_in_background(
            lambda: _load(vault),
            lambda result: self._loaded(generation, result),
            lambda exc: self._failed(generation, exc),
            parent=self,
        )

    def _loaded(
        self,
        generation: int,
        result: tuple[list[tuple[Any, ...]], dict[str, int], list[tuple[str, int]]],
    ) -> None:
        if generation != self._generation or self._vault is None:
            return
        rows, counts, hotspots = result
        self.busy_label.setVisible(False)
        self._fill(rows, counts)
        self._fill_hotspots(hotspots)
        self.loaded.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.busy_label.setVisible(False)
        report(self, self.tr("Cannot show the reports"), exc)

    def _fill(self, rows: list[tuple[Any, ...]], counts: dict[str, int]) -> None:
        selected = self.current_report_id()
        self.model.removeRows(0, self.model.rowCount())
        for report_id, ref, title, status, learned_at in rows:
            n = counts.get(report_id, 0)
            cells = [
                QStandardItem(ref),
                QStandardItem(title or self.tr("(no title)")),
                QStandardItem(self.tr(STATUS_LABELS.get(status, status))),
                QStandardItem(_learned_text(learned_at)),
                QStandardItem(str(n) if n else self.tr("none")),
            ]
            sort_keys = [ref, (title or "").lower(), status, learned_at or "", n]
            for cell, key in zip(cells, sort_keys, strict=True):
                cell.setEditable(False)
                cell.setData(key, SORT_ROLE)
            cells[0].setData(report_id, ID_ROLE)
            cells[2].setData(status, ID_ROLE)
            cells[4].setData(
                self.tr("{n} linked children").format(n=n), Qt.ItemDataRole.AccessibleTextRole
            )
            self.model.appendRow(cells)
        self.empty_label.setVisible(not rows)
        if selected:
            self.select_report(selected)
        elif self.proxy.rowCount():
            self.table.selectRow(0)

    def _fill_hotspots(self, hotspots: list[tuple[str, int]]) -> None:
        self.hotspots.clear()
        if not hotspots:
            item = QListWidgetItem(self.tr("No hotspots"))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.hotspots.addItem(item)
            return
        for place, count in hotspots:
            text = (
                self.tr("{place}: 1 report").format(place=place)
                if count == 1
                else self.tr("{place}: {n} reports").format(place=place, n=count)
            )
            self.hotspots.addItem(text)

    def hotspot_texts(self) -> list[str]:
        return [self.hotspots.item(i).text() for i in range(self.hotspots.count())]

    def report_ids(self) -> list[str]:
        """The report ids shown, in the order shown (after filter and sort)."""
        return [self.proxy.index(row, 0).data(ID_ROLE) for row in range(self.proxy.rowCount())]

    def current_report_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return cast("str | None", self.proxy.index(index.row(), 0).data(ID_ROLE))

    def select_report(self, report_id: str) -> bool:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ID_ROLE) == report_id:
                self.table.selectRow(row)
                return True
        return False

    # -- navigation --------------------------------------------------------------------------
    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_view)
        self.reload()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def new_report(self, child_id: str | None = None) -> None:
        if self._vault is None:
            return
        self.editor.new_report([child_id] if child_id else [])
        self.stack.setCurrentWidget(self.editor)
        self.editor.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_report(self, report_id: str) -> bool:
        if self._vault is None:
            return False
        try:
            self.editor.load(report_id)
        except UserError as exc:
            report(self, self.tr("Cannot open this report"), exc)
            return False
        self.stack.setCurrentWidget(self.editor)
        self.editor.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _open_current(self) -> None:
        report_id = self.current_report_id()
        if report_id:
            self.open_report(report_id)

    def _show_files(self) -> None:
        report_id = self.current_report_id()
        if report_id is None or self._vault is None:
            return
        from cse_toolkit.gui.intel.intel_attachments import ReportAttachmentsDialog

        dialog = ReportAttachmentsDialog(self._vault, report_id, parent=self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()


__all__ = ["IntelligencePage"]
