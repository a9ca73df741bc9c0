"""The Children page: every child the user can see, filtered as they type.

Rows are read on a pool thread (``repos.child_rows()`` plus the pathway's next steps when a
provider is set), so a vault with 10,000 children never freezes the window; the table fills
when the rows arrive (``loaded`` signal). Enter or double-click opens a child.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
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
    ChildFilterProxy,
    ChildTableModel,
    NextStepProvider,
    rows_from_db,
)
from cse_toolkit.gui.common import workers
from cse_toolkit.gui.common.changes import CASE_TOPICS, follow_changes
from cse_toolkit.gui.common.widgets import heading_label

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)


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
        self._generation = 0
        self.last_timings: dict[str, float] = {}

        self.model = ChildTableModel(clock, self)
        self.proxy = ChildFilterProxy(self)
        self.proxy.setSourceModel(self.model)

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
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # Risk first: the most urgent child at the top (core.urgency); by name until the
        # pathway has worked the urgency out. Any column header sorts by that column instead.
        header.setSortIndicator(PRIORITY, Qt.SortOrder.AscendingOrder)
        # Name and next step share the spare width; the short columns fit their contents so
        # the due date ("Overdue since 01/06/2026") is never cut off.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setResizeContentsPrecision(0)  # the rows on screen, not the first 1,000
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(NEXT_STEP, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(PRIORITY, QHeaderView.ResizeMode.ResizeToContents)
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
        pad = 4 * metrics.averageCharWidth()
        samples = {
            REF: "WWWW-WWWW",
            AGE: "~17",
            LEVEL: self.tr("Not screened yet"),
            NEXT_STEP: "Strategy meeting with the DSL",
            DUE: self.tr("Overdue since 00/00/0000"),
        }
        for col, sample in samples.items():
            head = str(self.model.headerData(col, Qt.Orientation.Horizontal))
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(head)) + pad
            self.table.setColumnWidth(col, width)

    # -- VaultPage ----------------------------------------------------------------------
    def set_vault(self, vault: Vault) -> None:
        self._vault = vault
        self.reload()

    def clear(self) -> None:
        self._vault = None
        self._generation += 1  # a load still running is dropped when it arrives
        self.filter_edit.clear()
        self.proxy.prepare([])
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
        keep = select_id or self.current_child_id()
        self.empty_label.setText(self.tr("Loading…"))
        self.empty_label.show()

        def work() -> tuple[list[Any], dict[str, float]]:
            t0 = time.perf_counter()
            raw = vault.repos.child_rows()
            t1 = time.perf_counter()
            rows = rows_from_db(raw, today, None)
            t2 = time.perf_counter()
            return rows, {"query_ms": (t1 - t0) * 1000, "rows_ms": (t2 - t1) * 1000}

        def done(result: tuple[list[Any], dict[str, float]]) -> None:
            if generation != self._generation:
                return
            rows, timings = result
            t0 = time.perf_counter()
            self.proxy.prepare(rows)
            self.model.set_rows(rows, has_steps=provider is not None)
            self.table.setColumnHidden(NEXT_STEP, provider is None)
            self.table.setColumnHidden(DUE, provider is None)
            self.table.setColumnHidden(PRIORITY, provider is None)
            self.action_only.setVisible(provider is not None)
            self._resort()
            timings["model_ms"] = (time.perf_counter() - t0) * 1000
            self.last_timings = timings
            log.info(
                "child list: %d rows, query %.0f ms, rows %.0f ms, model %.0f ms",
                len(rows),
                timings["query_ms"],
                timings["rows_ms"],
                timings["model_ms"],
            )
            self._update_count()
            if keep:
                self.select_child(keep)
            if provider is None:
                self.loaded.emit()
                return
            # The list is on screen; the next steps follow (the pathway replay for thousands
            # of children takes seconds and must not hold the list back).
            ids = [r.id for r in rows]
            started = time.perf_counter()

            def steps_done(steps: Any) -> None:
                if generation != self._generation:
                    return
                self.model.set_steps(steps)
                self._resort()
                self.proxy.refilter()
                self._update_count()
                self.last_timings["steps_ms"] = (time.perf_counter() - started) * 1000
                log.info(
                    "child list: next steps for %d children in %.0f ms",
                    len(steps),
                    self.last_timings["steps_ms"],
                )
                self.loaded.emit()

            workers.run_in_background(
                lambda: provider(vault, ids), steps_done, self._failed, parent=self
            )

        workers.run_in_background(work, done, self._failed, parent=self)

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

    def _resort(self) -> None:
        header = self.table.horizontalHeader()
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _action_only_changed(self, on: bool) -> None:
        self.proxy.set_action_only(on)
        self._update_count()

    def _filter_changed(self, text: str) -> None:
        t0 = time.perf_counter()
        self.proxy.set_filter_text(text)
        self.last_timings["filter_ms"] = (time.perf_counter() - t0) * 1000
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
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
        if not self.table.currentIndex().isValid() and self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, NAME))

    def current_child_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        source = self.proxy.mapToSource(index)
        return self.model.row_at(source.row()).id

    def select_child(self, child_id: str) -> bool:
        row = self.model.row_of(child_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, NAME))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            source = self.proxy.mapToSource(index)
            self.open_child.emit(self.model.row_at(source.row()).id)

    def _open_current(self) -> None:
        child_id = self.current_child_id()
        if child_id:
            self.open_child.emit(child_id)
