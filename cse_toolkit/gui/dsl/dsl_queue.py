"""The DSL's review queue: what needs them, overdue first, each opening where it is dealt with.

Items come from ``vault.dsl.queue()`` (sign-offs, changed levels, due and overdue pathway
dates, referrals not marked sent, imports with conflicts), loaded off the GUI thread, as data:
their words are ``queue_words``'. Enter or double-click opens the item
(``open_child(child_id, destination)``); "Sign off" opens the sign-off dialog for a screening.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.gui.common import workers
from cse_toolkit.gui.common.changes import follow_changes
from cse_toolkit.gui.common.table_model import RowTableModel
from cse_toolkit.gui.common.widgets import heading_label, local_text, plain_tip, report
from cse_toolkit.gui.dsl.dsl_common import DslPage
from cse_toolkit.gui.dsl.queue_words import detail, kind_label, kind_labels, title
from cse_toolkit.vault.dsl_repo import (
    DANGER,
    DUE,
    IMPORT_CONFLICT,
    LEVEL_CHANGED,
    SIGNOFF,
    QueueItem,
)

KIND, CHILD, NAME, WHAT, DETAIL, DUE_COL, SINCE, PRIORITY = range(8)
ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex
OVERDUE_COLOUR = QColor("#9b1c1c")
DANGER_BACKGROUND = QColor("#fde8e8")
ACTION_NOW = "action_now"


def priority_text(item: QueueItem) -> str:
    """The urgency flag in words (not only a colour): what a screen reader reads first."""
    from PySide6.QtCore import QCoreApplication

    tr = QCoreApplication.translate
    if item.rank == 0:
        return tr("DslQueue", "⚠ Immediate danger")
    if item.rank == 1:
        return tr("DslQueue", "⚠ Overdue, high level")
    if item.rank == 2:
        return tr("DslQueue", "New high level")
    if item.overdue:
        return tr("DslQueue", "Overdue")
    return ""


class DslQueueModel(RowTableModel):
    """A read-only table over ``QueueItem`` rows."""

    HEADERS = ("Kind", "Child", "Name", "What", "Detail", "Due", "Waiting since", "Priority")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._bold = QFont()
        self._bold.setBold(True)

    def set_items(self, items: Sequence[QueueItem]) -> None:
        self.set_rows(items)

    def item(self, row: int) -> QueueItem:
        item: QueueItem = self.row_at(row)
        return item

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        it = self.row_for(index)
        if it is None:
            return None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == KIND:
                return self.tr("Overdue") if it.overdue else kind_label(it.kind)
            if col == CHILD:
                return it.child_ref
            if col == NAME:
                return it.child_label
            if col == WHAT:
                return title(it)
            if col == DETAIL:
                return detail(it)
            if col == DUE_COL:
                return local_text(it.due_at) if it.due_at else ""
            if col == SINCE:
                return local_text(it.at, with_time=False) if it.at and it.kind != DUE else ""
            if col == PRIORITY:
                return priority_text(it)
        if role == Qt.ItemDataRole.ToolTipRole and col in (WHAT, DETAIL):
            return plain_tip(f"{title(it)}\n{detail(it)}")  # names may come from a pack
        if role == Qt.ItemDataRole.ForegroundRole and it.overdue and col == DUE_COL:
            return QBrush(OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.FontRole and (
            (it.overdue and col == KIND) or (it.rank <= 1 and col == PRIORITY)
        ):
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and it.rank <= 1 and col == PRIORITY:
            return QBrush(OVERDUE_COLOUR)
        if role == Qt.ItemDataRole.BackgroundRole and it.rank == 0:
            return QBrush(DANGER_BACKGROUND)
        if role == ITEM_ROLE:
            return it
        if role == KIND_ROLE:
            return it.kind
        return None


class _KindFilter(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.kind: str | None = None

    def set_kind(self, kind: str | None) -> None:
        self.beginFilterChange()
        self.kind = kind
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:  # noqa: N802 (Qt API)
        if self.kind is None:
            return True
        model = self.sourceModel()
        it = model.data(model.index(row, 0, parent), ITEM_ROLE)
        if self.kind == "overdue":
            return bool(it.overdue)
        if self.kind == ACTION_NOW:
            return bool(it.rank < 3 or it.overdue)
        return bool(it.kind == self.kind)


class _QueueTable(QTableView):
    """Enter opens the current item (a table view would otherwise only move on)."""

    enter_pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move inside

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.enter_pressed.emit()
            return
        super().keyPressEvent(event)


class DslQueuePage(DslPage):
    """The review queue page (``VaultPage``)."""

    open_child = Signal(str, str)  # child id, the item's Destination
    open_page = Signal(str)  # a page key, for items with no child (e.g. an import)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follower = follow_changes(
            self,
            {"screening", "signoff", "import", "export", "step", "purge", "child", "vault"},
            self.reload,
        )
        self.heading = heading_label(self.tr("Review queue"))
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Queue summary"))
        self.kind_filter = QComboBox()
        self.kind_filter.setAccessibleName(self.tr("Show"))
        self.kind_filter.addItem(self.tr("Everything"), None)
        self.kind_filter.addItem(self.tr("Needs action now"), ACTION_NOW)
        self.kind_filter.addItem(self.tr("Overdue"), "overdue")
        for kind, label in kind_labels().items():
            self.kind_filter.addItem(label, kind)
        show_label = QLabel(self.tr("S&how"))
        show_label.setBuddy(self.kind_filter)
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.model = DslQueueModel(self)
        self.proxy = _KindFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = _QueueTable()
        self.table.setObjectName("dslQueue")
        self.table.setAccessibleName(self.tr("Items waiting for you"))
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Fit to the rows on screen only: over the first 1,000 rows (Qt's default) every reload
        # asked data() 8,000 times on the GUI thread, a 0.5-2 s stall (bench/run_bench.py).
        header.setResizeContentsPrecision(0)
        header.setSectionResizeMode(DETAIL, QHeaderView.ResizeMode.Stretch)
        # Risk first: the priority reads first; the queue is ordered by it (vault.dsl.queue).
        header.moveSection(PRIORITY, 0)
        self.open_button = QPushButton(self.tr("&Open"))
        self.signoff_button = QPushButton(self.tr("&Sign off…"))
        for b in (self.open_button, self.signoff_button):
            b.setEnabled(False)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(show_label)
        top.addWidget(self.kind_filter)
        top.addWidget(self.refresh_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.signoff_button)
        layout = QVBoxLayout(self.body)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self.kind_filter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_kind(self.kind_filter.currentData())
        )
        self.refresh_button.clicked.connect(self.reload)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.open_button.clicked.connect(self.open_selected)
        self.signoff_button.clicked.connect(self.sign_off_selected)
        self.table.enter_pressed.connect(self.open_selected)
        self._loading = False

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        vault = self.vault
        if vault is None or self._loading:
            return
        self._loading = True
        self.summary.setText(self.tr("Loading…"))
        workers.run_in_background(vault.dsl.queue, self._loaded, self._failed, parent=self)

    def _loaded(self, items: list[QueueItem]) -> None:
        self._loading = False
        if self.vault is None:
            return
        self.model.set_items(items)
        overdue = sum(1 for i in items if i.overdue)
        signoffs = sum(1 for i in items if i.kind in (SIGNOFF, LEVEL_CHANGED))
        danger = sum(1 for i in items if i.kind == DANGER)
        text = self.tr("{n} items: {o} overdue, {s} screenings to sign off.").format(
            n=f"{len(items):,}", o=f"{overdue:,}", s=f"{signoffs:,}"
        )
        if danger:
            text = self.tr("⚠ {d} in immediate danger. ").format(d=danger) + text
        self.summary.setText(text)
        if self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_buttons()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.summary.setText(self.tr("The queue could not be loaded."))
        report(self, self.tr("Review queue"), exc)

    def clear(self) -> None:
        super().clear()
        self.model.set_items([])
        self.summary.clear()
        self._loading = False
        self._update_buttons()

    def items(self) -> list[QueueItem]:
        """Every item loaded, in the order shown before any filter."""
        return [self.model.item(r) for r in range(self.model.rowCount())]

    # -- actions ---------------------------------------------------------------------------
    def current_item(self) -> QueueItem | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        item: QueueItem = self.proxy.data(index, ITEM_ROLE)
        return item

    def _update_buttons(self) -> None:
        item = self.current_item()
        self.open_button.setEnabled(item is not None)
        self.signoff_button.setEnabled(item is not None and item.kind in (SIGNOFF, LEVEL_CHANGED))

    def open_selected(self) -> None:
        item = self.current_item()
        if item is None:
            return
        if item.kind == IMPORT_CONFLICT:
            self.open_page.emit("imports")  # decided on the Imported packs page
        elif item.child_id:
            self.open_child.emit(item.child_id, str(item.destination))
        else:
            self.open_page.emit(str(item.destination))

    def sign_off_selected(self) -> None:
        from cse_toolkit.gui.dsl.dsl_signoff_dialog import DslSignoffDialog

        item = self.current_item()
        if item is None or self.vault is None or item.kind not in (SIGNOFF, LEVEL_CHANGED):
            return
        try:
            dialog = DslSignoffDialog(self.vault, item.record_id, self)
        except Exception as exc:  # noqa: BLE001 - a user error is shown, a bug is reported
            report(self, self.tr("Sign off"), exc)
            return
        dialog.finished.connect(lambda result: self._signed(dialog, result))
        dialog.open()
        self.signoff_dialog: DslSignoffDialog | None = dialog

    def _signed(self, dialog: Any, result: int) -> None:
        dialog.deleteLater()
        self.signoff_dialog = None
        if result and self.vault is not None:
            self.reload()
