"""The Children page: every child the user can see, filtered as they type.

Rows are read on a pool thread (``repos.child_rows()`` plus the pathway's next steps when a
provider is set), so a vault with 10,000 children never freezes the window; the table fills
when the rows arrive (``loaded`` signal). Enter or double-click opens a child.

Filtering as the user types (debounced), "needs action now" and sorting by a column header are
worked out on a pool thread too (``child_table_model.arrange``): the GUI thread only swaps the
finished rows into the model, so the window never waits for 10,000 rows of Python (issue 17).
Every request carries a generation; a newer one supersedes an older one still running, and the
current child stays selected when it is still shown.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent
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

from cse_toolkit.core.clock import Clock
from cse_toolkit.gui.children.child_table_model import (
    AGE,
    DUE,
    LEVEL,
    NAME,
    NEXT_STEP,
    PRIORITY,
    REF,
    Arranged,
    ChildRow,
    ChildTableModel,
    NextStepProvider,
    ViewSpec,
    arrange,
    rows_from_db,
    with_steps,
)
from cse_toolkit.gui.common import workers
from cse_toolkit.gui.common.changes import CASE_TOPICS, follow_changes
from cse_toolkit.gui.common.table_model import fixed_rows
from cse_toolkit.gui.common.widgets import heading_label

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

FILTER_DELAY_MS = 120  # typing: arrange once the user pauses, not on every key


class _FilterEdit(QLineEdit):
    """Down or Enter moves into the table, so the list can be used without the mouse."""

    move_to_table = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.move_to_table.emit()
            return
        super().keyPressEvent(event)


class ChildListPage(QWidget):
    open_child = Signal(str)
    add_child_requested = Signal()
    loaded = Signal()

    def __init__(self, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follower = follow_changes(self, CASE_TOPICS, self.reload)
        self.setAccessibleName(self.tr("Children"))
        self._clock = clock
        self._vault: Vault | None = None
        self._provider: NextStepProvider | None = None
        self._generation = 0  # the data: a reload or clear makes older loads stale
        self._view_generation = 0  # the arrangement: the newest request wins
        self._complete = False  # the rows hold everything (the next steps, if any)
        self._loaded_pending = False  # ``loaded`` is due once a complete arrangement shows
        self._select_next: str | None = None
        self._base: tuple[ChildRow, ...] = ()  # the newest rows read, by name
        self._sort = (PRIORITY, Qt.SortOrder.AscendingOrder)
        self.last_timings: dict[str, float] = {}

        self.model = ChildTableModel(clock, self)
        self.model.sort_requested.connect(self._sort_requested)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._rearrange)

        title = heading_label(self.tr("Children"))
        self.filter_edit = _FilterEdit()
        self.filter_edit.setPlaceholderText(
            self.tr("Filter by name, alias, reference or level (Ctrl+F)")
        )
        self.filter_edit.setAccessibleName(self.tr("Filter children"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.filter_edit.move_to_table.connect(self._focus_table)
        self.action_only = QCheckBox(self.tr("Needs action &now"))
        self.action_only.setAccessibleName(self.tr("Show only children who need action now"))
        self.action_only.setToolTip(
            self.tr("Immediate danger, overdue actions and new high levels only")
        )
        self.action_only.toggled.connect(self._action_only_changed)
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of children shown"))
        self.add_button = QPushButton(self.tr("&Add child…"))
        self.add_button.setAccessibleName(self.tr("Add child"))
        self.add_button.setToolTip(self.tr("Add a child (Ctrl+Shift+C)"))
        self.add_button.clicked.connect(self.add_child_requested)
        self.open_button = QPushButton(self.tr("&Open"))
        self.open_button.setAccessibleName(self.tr("Open the selected child"))
        self.open_button.clicked.connect(self._open_current)

        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.action_only)
        top.addWidget(self.count_label)
        top.addWidget(self.open_button)
        top.addWidget(self.add_button)

        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Children list"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        fixed_rows(self.table)
        header = self.table.horizontalHeader()
        # Risk first: the most urgent child at the top (core.urgency); by name until the
        # pathway has worked the urgency out. Any column header sorts by that column instead.
        header.setSortIndicator(PRIORITY, Qt.SortOrder.AscendingOrder)
        # Name and next step share the spare width; the short columns get widths measured
        # once from sample text (``_size_columns``), never from the rows: ResizeToContents
        # asks data() for rows at every reset and layout.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(NEXT_STEP, QHeaderView.ResizeMode.Stretch)
        header.moveSection(PRIORITY, NAME + 1)  # read right after the name
        header.setHighlightSections(False)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)

        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.setAccessibleName(self.tr("Status"))

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        # Reading order: the filter, the buttons beside it, then the list below.
        self.setTabOrder(self.filter_edit, self.action_only)
        self.setTabOrder(self.action_only, self.open_button)
        self.setTabOrder(self.open_button, self.add_button)
        self.setTabOrder(self.add_button, self.table)
        self._size_columns()
        self._update_count()

    def _size_columns(self) -> None:
        # Widths from the header text and typical contents, not ResizeToContents: measuring
        # 10,000 rows would cost more than loading them.
        metrics = self.table.fontMetrics()
        bold_font = QFont(self.table.font())
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)  # an overdue date is drawn in bold: its year must show
        pad = 4 * metrics.averageCharWidth()
        samples = {
            REF: "WWWW-WWWW",
            AGE: "~17",
            LEVEL: self.tr("Not screened yet"),
            NEXT_STEP: "Strategy meeting with the DSL",
            DUE: self.tr("Overdue since 00/00/0000"),
            PRIORITY: "⚠ Overdue: Referral to Children's Social Care",
        }
        for col, sample in samples.items():
            head = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            drawn = bold if col == DUE else metrics
            width = max(drawn.horizontalAdvance(sample), metrics.horizontalAdvance(head)) + pad
            self.table.setColumnWidth(col, width)

    # -- VaultPage ----------------------------------------------------------------------
    def set_vault(self, vault: Vault) -> None:
        self._vault = vault
        self.reload()

    def clear(self) -> None:
        self._vault = None
        self._generation += 1  # a load still running is dropped when it arrives
        self._view_generation += 1
        self._filter_timer.stop()
        self._complete = self._loaded_pending = False
        self._select_next = None
        self._base = ()
        self.filter_edit.clear()
        self._filter_timer.stop()
        self.model.clear()
        self._update_count()

    def set_next_step_provider(self, provider: NextStepProvider | None) -> None:
        """The pathway engine's function giving each child's next step and due date."""
        self._provider = provider
        if self._vault is not None:
            self.reload()

    # -- loading ------------------------------------------------------------------------
    def reload(self, select_id: str | None = None) -> None:
        vault = self._vault
        if vault is None:
            return
        self._generation += 1
        generation = self._generation
        provider = self._provider
        today = self._clock.now().date()
        self._select_next = select_id or self._select_next or self.current_child_id()
        self._complete = False
        self._loaded_pending = True
        self.empty_label.setText(self.tr("Loading…"))
        self.empty_label.show()

        def work(spec: ViewSpec) -> tuple[Arranged, dict[str, float]]:
            t0 = time.perf_counter()
            raw = vault.repos.child_rows()
            t1 = time.perf_counter()
            rows = rows_from_db(raw, today, None)
            t2 = time.perf_counter()
            arranged = arrange(rows, spec)
            timings = {
                "query_ms": (t1 - t0) * 1000,
                "rows_ms": (t2 - t1) * 1000,
                "arrange_ms": (time.perf_counter() - t2) * 1000,
            }
            return arranged, timings

        def done(arranged: Arranged, timings: dict[str, float]) -> None:
            self.table.setColumnHidden(NEXT_STEP, provider is None)
            self.table.setColumnHidden(DUE, provider is None)
            self.table.setColumnHidden(PRIORITY, provider is None)
            self.action_only.setVisible(provider is not None)
            self.last_timings = timings
            log.info(
                "child list: %d rows, query %.0f ms, rows %.0f ms, arranged %.0f ms",
                len(arranged.rows),
                timings["query_ms"],
                timings["rows_ms"],
                timings["arrange_ms"],
            )

        def then(arranged: Arranged) -> None:
            if provider is not None:
                # The list is on screen; the next steps follow (they must not hold it back).
                self._load_steps(vault, provider, generation, arranged.rows)

        self._start(generation, work, done, then, complete=provider is None)

    def _load_steps(
        self,
        vault: Vault,
        provider: NextStepProvider,
        generation: int,
        rows: tuple[ChildRow, ...],
    ) -> None:
        if generation != self._generation:
            return
        started = time.perf_counter()

        def work(spec: ViewSpec) -> tuple[Arranged, int]:
            steps = provider(vault, [r.id for r in rows])
            return arrange(with_steps(rows, steps), spec), len(steps)

        def done(_arranged: Arranged, n: int) -> None:
            self.last_timings["steps_ms"] = (time.perf_counter() - started) * 1000
            log.info(
                "child list: next steps for %d children in %.0f ms",
                n,
                self.last_timings["steps_ms"],
            )

        self._start(generation, work, done, None, complete=True)

    def _start(
        self,
        generation: int,
        work: Callable[[ViewSpec], tuple[Arranged, Any]],
        done: Callable[[Arranged, Any], None],
        then: Callable[[Arranged], None] | None,
        *,
        complete: bool,
    ) -> None:
        """Run ``work`` (new rows, arranged for the current view) on a pool thread."""
        self._view_generation += 1
        view_generation = self._view_generation
        spec = self._spec()

        def arrived(result: tuple[Arranged, Any]) -> None:
            if generation != self._generation:
                return  # reloaded or cleared meanwhile
            arranged, extra = result
            self._base = arranged.rows
            self._complete = complete
            done(arranged, extra)
            if view_generation == self._view_generation:
                self._show(arranged)
            else:  # the filter or sort changed while the rows were read: arrange them again
                self._rearrange()
            if then is not None:
                then(arranged)

        workers.run_in_background(
            lambda: work(spec), arrived, self._failed, parent=self, freeze_gc=True
        )

    def _rearrange(self) -> None:
        """Filter and sort the loaded rows again, off the GUI thread (the newest request wins)."""
        self._filter_timer.stop()
        if self._vault is None:
            return
        base = self._base
        self._view_generation += 1
        view_generation, generation = self._view_generation, self._generation
        spec = self._spec()
        t0 = time.perf_counter()

        def arrived(arranged: Arranged) -> None:
            if view_generation == self._view_generation and generation == self._generation:
                self.last_timings["filter_ms"] = (time.perf_counter() - t0) * 1000
                self._show(arranged)

        workers.run_in_background(
            lambda: arrange(base, spec), arrived, self._failed, parent=self, freeze_gc=True
        )

    def _show(self, arranged: Arranged) -> None:
        """Swap the arranged rows in (the only GUI-thread work: one model reset)."""
        t0 = time.perf_counter()
        keep = self._select_next or self.current_child_id()
        self.model.set_arranged(arranged, has_steps=self._provider is not None)
        if keep and self.select_child(keep) and self._complete:
            self._select_next = None
        self.last_timings["model_ms"] = (time.perf_counter() - t0) * 1000
        self._update_count()
        if self._complete and self._loaded_pending:
            self._loaded_pending = False
            self._select_next = None
            self.loaded.emit()

    def _spec(self) -> ViewSpec:
        column, order = self._sort
        return ViewSpec(
            self.filter_edit.text(),
            self.action_only.isChecked(),
            column,
            order == Qt.SortOrder.DescendingOrder,
        )

    def _failed(self, exc: BaseException) -> None:
        from cse_toolkit.errors import UserError

        if isinstance(exc, UserError):
            self.empty_label.setText(str(exc))
            self.empty_label.show()
            return
        import sys

        sys.excepthook(type(exc), exc, exc.__traceback__)

    # -- filtering and selection --------------------------------------------------------
    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        self._sort = (column, order)
        self._rearrange()

    def _action_only_changed(self, _on: bool) -> None:
        self._rearrange()

    def _filter_changed(self, _text: str) -> None:
        self._filter_timer.start()  # restarts: one arrangement when the typing pauses

    @property
    def arranging(self) -> bool:
        """A filter or sort asked for is not on screen yet."""
        return self._filter_timer.isActive() or self.model.arranged.spec != self._spec()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total()
        if total == 0 and self._vault is not None:
            self.empty_label.setText(
                self.tr("No children yet. Press Add child (Ctrl+Shift+C) to add the first one.")
            )
            self.empty_label.show()
        elif total and shown == 0:
            self.empty_label.setText(self.tr("No child matches the filter."))
            self.empty_label.show()
        else:
            self.empty_label.hide()
        if shown == total:
            self.count_label.setText(
                self.tr("{n} children").format(n=total) if total != 1 else self.tr("1 child")
            )
        else:
            self.count_label.setText(self.tr("{shown} of {total}").format(shown=shown, total=total))

    def _focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, NAME))

    def current_child_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.row_at(index.row()).id

    def select_child(self, child_id: str) -> bool:
        row = self.model.row_of(child_id)
        if row < 0:
            return False
        index = self.model.index(row, NAME)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_child.emit(self.model.row_at(index.row()).id)

    def _open_current(self) -> None:
        child_id = self.current_child_id()
        if child_id:
            self.open_child.emit(child_id)
