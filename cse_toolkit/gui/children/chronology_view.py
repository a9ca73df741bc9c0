"""A child's chronology: one timeline of notes, screenings, steps, missing episodes,
intelligence and exports, ordered by when things happened (a backdated note slots into place).

Filter by kind (tick boxes) and by text. The rows come from ``repos.chronology(child_id)``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.entities import Child, ChronologyItem
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.table_model import RowTableModel
from cse_toolkit.gui.common.widgets import local_text, plain_tip

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

_Index = QModelIndex | QPersistentModelIndex
WHEN, KIND, WHAT, DETAIL, BY = range(5)
_STORED_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b")


def readable(text: str) -> str:
    """Detail text with stored UTC times ("2026-11-19T14:20:08Z") shown as local times."""
    from cse_toolkit.core.clock import parse_utc

    return _STORED_TIME.sub(lambda m: local_text(parse_utc(m.group(0))), text)


KINDS = ("note", "incident", "screening", "step", "missing", "intelligence", "export")


def kind_label(kind: str) -> str:
    from PySide6.QtCore import QCoreApplication

    labels = {
        "note": "Note",
        "incident": "Incident",
        "screening": "Screening",
        "step": "Step",
        "missing": "Missing",
        "intelligence": "Intelligence",
        "export": "Export",
    }
    return QCoreApplication.translate("ChronologyView", labels.get(kind, kind))


def by_text(item: ChronologyItem) -> str:
    """ "Sam Okafor" for a record made here; "Sam Okafor (imported, pack 1a2b3c4d)"."""
    from PySide6.QtCore import QCoreApplication

    if not item.origin:
        return item.by
    return QCoreApplication.translate("ChronologyView", "{by} (imported, pack {pack})").format(
        by=item.by or QCoreApplication.translate("ChronologyView", "sender"),
        pack=item.origin[:8],
    )


class ChronologyModel(RowTableModel):
    HEADERS = ("When", "Kind", "What", "Detail", "Recorded by")

    def set_items(self, items: list[ChronologyItem]) -> None:
        self.set_rows(sorted(items, key=lambda i: i.at))

    def item_at(self, row: int) -> ChronologyItem:
        item: ChronologyItem = self.row_at(row)
        return item

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.row_for(index)
        if item is None:
            return None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == WHEN:
                return local_text(item.at)
            if col == KIND:
                return kind_label(item.kind)
            if col == WHAT:
                return item.title
            if col == DETAIL:
                return readable(" ".join(item.detail.split()))
            if col == BY:
                return by_text(item)
        if role == Qt.ItemDataRole.ToolTipRole and col == DETAIL and item.detail:
            return plain_tip(readable(item.detail))  # a note may come from a pack
        return None


class ChronologyFilter(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._kinds = set(KINDS)
        self._words: list[str] = []

    def set_kinds(self, kinds: set[str]) -> None:
        self.beginFilterChange()
        self._kinds = set(kinds)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._words = text.casefold().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, ChronologyModel)
        item = model.item_at(source_row)
        if item.kind not in self._kinds:
            return False
        if not self._words:
            return True
        text = f"{item.title} {item.detail} {by_text(item)}".casefold()
        return all(w in text for w in self._words)


class ChronologyView(QWidget):
    """The Chronology tab (a ChildTab)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Chronology"))
        self.model = ChronologyModel(self)
        self.proxy = ChronologyFilter(self)
        self.proxy.setSourceModel(self.model)

        self.kind_checks: dict[str, QCheckBox] = {}
        kinds_row = QHBoxLayout()
        kinds_row.addWidget(QLabel(self.tr("Show:")))
        for kind in KINDS:
            box = QCheckBox(kind_label(kind))
            box.setChecked(True)
            box.setAccessibleName(self.tr("Show {kind}").format(kind=kind_label(kind)))
            box.toggled.connect(self._kinds_changed)
            self.kind_checks[kind] = box
            kinds_row.addWidget(box)
        kinds_row.addStretch(1)

        self.text_edit = QLineEdit()
        self.text_edit.setPlaceholderText(self.tr("Filter the chronology by text"))
        self.text_edit.setAccessibleName(self.tr("Filter the chronology"))
        self.text_edit.setClearButtonEnabled(True)
        self.text_edit.textChanged.connect(self.proxy.set_text)

        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Chronology"))
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        # A chronology is read in full: rows wrap and grow to fit their text.
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WHEN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WHAT, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DETAIL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(BY, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(WHAT, self.fontMetrics().averageCharWidth() * 40)

        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of entries shown"))
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)

        self._vault: Vault | None = None
        self._child: Child | None = None
        self.print_button = QPushButton(self.tr("Print or e&xport…"))
        self.print_button.setAccessibleName(self.tr("Print or export the chronology"))
        self.print_button.clicked.connect(self.open_print_dialog)

        layout = QVBoxLayout(self)
        layout.addLayout(kinds_row)
        top = QHBoxLayout()
        top.addWidget(self.text_edit, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.print_button)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.text_edit, self.print_button)
        self.setTabOrder(self.print_button, self.table)

    def open_print_dialog(self) -> None:
        """Choose what to print or export, with a preview (``ChronologyPrintDialog``)."""
        if self._vault is None or self._child is None:
            return
        from cse_toolkit.gui.children.chronology_print_dialog import ChronologyPrintDialog

        dialog = ChronologyPrintDialog(self._vault, self._child, parent=self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def _kinds_changed(self, _checked: bool = False) -> None:
        self.proxy.set_kinds({k for k, box in self.kind_checks.items() if box.isChecked()})
        self._update_count()

    def _update_count(self, *_: object) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if total == 0:
            self.count_label.setText(self.tr("Nothing recorded yet"))
        elif shown == total:
            self.count_label.setText(ntr("ChronologyView", "%n [entry|entries]", total))
        else:
            self.count_label.setText(self.tr("{shown} of {total}").format(shown=shown, total=total))

    def visible_titles(self) -> list[str]:
        return [
            str(self.proxy.data(self.proxy.index(r, WHAT))) for r in range(self.proxy.rowCount())
        ]

    # -- ChildTab -------------------------------------------------------------------------
    def set_child(self, vault: Vault, child: Child) -> None:
        self._vault, self._child = vault, child
        self.model.set_items(vault.repos.chronology(child.id))
        self._update_count()
        self.table.scrollToBottom()

    def clear(self) -> None:
        self._vault = self._child = None
        self.model.set_items([])
        self.text_edit.clear()
        self._update_count()
