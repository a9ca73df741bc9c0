"""The DSL's review queue: what needs them, overdue first, each opening where it is dealt with.

Items come from ``vault.dsl.queue()`` (sign-offs, changed levels, due and overdue pathway
dates, referrals not marked sent, imports with conflicts), loaded off the GUI thread, as data:
their words are ``queue_words``'. Enter or double-click opens the item
(``open_child(child_id, destination)``); "Sign off" opens the sign-off dialog for a screening.

Nothing per item runs on the GUI thread (issue 17: 16,812 items at 10,000 children stalled the
window for 1.8 s through a Python ``filterAcceptsRow`` per row): the "Show" filter and the summary
counts are worked out on a pool thread (:func:`arrange_queue`) and the model only swaps in the
result; a newer request supersedes an older one, and the current item stays selected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
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
from cse_toolkit.gui.common.table_model import RowTableModel, fixed_rows
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
_OVERDUE_BRUSH = QBrush(OVERDUE_COLOUR)
_DANGER_BRUSH = QBrush(DANGER_BACKGROUND)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)


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
        # Asked for every role of every cell on screen at each paint: int roles, ready brushes.
        it = self.row_for(index)
        if it is None:
            return None
        col = index.column()
        if role == _DISPLAY or role == _ACCESSIBLE:
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
        if role == _TOOLTIP and col in (WHAT, DETAIL):
            return plain_tip(f"{title(it)}\n{detail(it)}")  # names may come from a pack
        if role == _FOREGROUND and (
            (it.overdue and col == DUE_COL) or (it.rank <= 1 and col == PRIORITY)
        ):
            return _OVERDUE_BRUSH
        if role == _FONT and ((it.overdue and col == KIND) or (it.rank <= 1 and col == PRIORITY)):
            return self._bold
        if role == _BACKGROUND and it.rank == 0:
            return _DANGER_BRUSH
        if role == ITEM_ROLE:
            return it
        if role == KIND_ROLE:
            return it.kind
        return None


def shows(item: QueueItem, kind: str | None) -> bool:
    """Whether the "Show" choice ``kind`` (None: everything) lets ``item`` through."""
    if kind is None:
        return True
    if kind == "overdue":
        return item.overdue
    if kind == ACTION_NOW:
        return item.rank < 3 or item.overdue
    return item.kind == kind


@dataclass(frozen=True)
class ArrangedQueue:
    """The queue ready for the model, made on a pool thread by :func:`arrange_queue`."""

    items: tuple[QueueItem, ...]  # every item, in the queue's order
    shown: tuple[QueueItem, ...]  # the items the filter lets through, same order
    where: Mapping[str, int]  # QueueItem.key -> its row in ``shown``
    kind: str | None
    overdue: int
    signoffs: int
    danger: int


def arrange_queue(items: Sequence[QueueItem], kind: str | None) -> ArrangedQueue:
    """Filter and count the items. Runs on a pool thread, never on the GUI thread."""
    shown = tuple(items) if kind is None else tuple(i for i in items if shows(i, kind))
    return ArrangedQueue(
        tuple(items),
        shown,
        {it.key: n for n, it in enumerate(shown)},
        kind,
        overdue=sum(1 for i in items if i.overdue),
        signoffs=sum(1 for i in items if i.kind in (SIGNOFF, LEVEL_CHANGED)),
        danger=sum(1 for i in items if i.kind == DANGER),
    )


_NOTHING = ArrangedQueue((), (), {}, None, 0, 0, 0)


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
        self.arranged = _NOTHING
        self._generation = 0  # a reload or clear makes older results stale
        self._view_generation = 0  # the newest filter request wins
        self.table = _QueueTable()
        self.table.setObjectName("dslQueue")
        self.table.setAccessibleName(self.tr("Items waiting for you"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        fixed_rows(self.table)
        header = self.table.horizontalHeader()
        # Widths from sample text, measured once; never from the rows (ResizeToContents asked
        # data() 8,000 times per reload on the GUI thread, a 0.5-2 s stall: bench/run_bench.py).
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DETAIL, QHeaderView.ResizeMode.Stretch)
        self._size_columns()
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

        self.kind_filter.currentIndexChanged.connect(lambda _i: self._refilter())
        self.refresh_button.clicked.connect(self.reload)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.open_button.clicked.connect(self.open_selected)
        self.signoff_button.clicked.connect(self.sign_off_selected)
        self.table.enter_pressed.connect(self.open_selected)
        self._loading = False

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        pad = 4 * metrics.averageCharWidth()
        samples = {
            KIND: max(kind_labels().values(), key=len, default=""),
            CHILD: "WWWW-WWWW",
            NAME: "Alexandra Whitmore (Lexi)",
            WHAT: "Referral to Children's Social Care due",
            DUE_COL: "00/00/0000 00:00",
            SINCE: "00/00/0000",
            PRIORITY: self.tr("⚠ Overdue, high level"),
        }
        for col, sample in samples.items():
            head = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(head)) + pad
            self.table.setColumnWidth(col, width)

    # -- loading ---------------------------------------------------------------------------
    def reload(self) -> None:
        vault = self.vault
        if vault is None or self._loading:
            return
        self._loading = True
        self.summary.setText(self.tr("Loading…"))
        self._generation += 1
        self._view_generation += 1
        generation, view_generation = self._generation, self._view_generation
        kind = self.kind_filter.currentData()

        def arrived(arranged: ArrangedQueue) -> None:
            if generation != self._generation:
                return
            self._loading = False
            if self.vault is None:
                return
            if view_generation == self._view_generation:
                self._show(arranged)
            else:  # the filter changed while the queue was read
                self.arranged = arranged
                self._refilter()
            self.loaded.emit()

        workers.run_in_background(
            lambda: arrange_queue(vault.dsl.queue(), kind),
            arrived,
            self._failed,
            parent=self,
            freeze_gc=True,
        )

    def _refilter(self) -> None:
        """Apply the "Show" choice to the loaded items, off the GUI thread."""
        self._view_generation += 1
        generation, view_generation = self._generation, self._view_generation
        items, kind = self.arranged.items, self.kind_filter.currentData()

        def arrived(arranged: ArrangedQueue) -> None:
            if generation == self._generation and view_generation == self._view_generation:
                self._show(arranged)

        workers.run_in_background(
            lambda: arrange_queue(items, kind), arrived, self._failed, parent=self, freeze_gc=True
        )

    @property
    def arranging(self) -> bool:
        """A "Show" choice asked for is not on screen yet."""
        return bool(self.arranged.kind != self.kind_filter.currentData())

    def _show(self, arranged: ArrangedQueue) -> None:
        current = self.current_item()
        self.arranged = arranged
        self.model.set_items(arranged.shown)
        text = self.tr("{n} items: {o} overdue, {s} screenings to sign off.").format(
            n=f"{len(arranged.items):,}", o=f"{arranged.overdue:,}", s=f"{arranged.signoffs:,}"
        )
        if arranged.danger:
            text = self.tr("⚠ {d} in immediate danger. ").format(d=arranged.danger) + text
        if len(arranged.shown) != len(arranged.items):
            text += " " + self.tr("{n} shown.").format(n=f"{len(arranged.shown):,}")
        self.summary.setText(text)
        row = arranged.where.get(current.key, 0) if current is not None else 0
        if arranged.shown:
            self.table.selectRow(row)
        self._update_buttons()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.summary.setText(self.tr("The queue could not be loaded."))
        report(self, self.tr("Review queue"), exc)

    def clear(self) -> None:
        super().clear()
        self._generation += 1
        self.arranged = _NOTHING
        self.model.set_items([])
        self.summary.clear()
        self._loading = False
        self._update_buttons()

    def items(self) -> list[QueueItem]:
        """Every item loaded, in the order shown before any filter."""
        return list(self.arranged.items)

    # -- actions ---------------------------------------------------------------------------
    def current_item(self) -> QueueItem | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        item: QueueItem | None = self.model.row_for(index)
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
