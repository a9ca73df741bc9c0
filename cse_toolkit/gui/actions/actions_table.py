"""A table of actions (the child's Actions tab and "My actions"), overdue ones marked.

Every cell is plain text (``QTableWidgetItem`` shows no markup): titles, names and notes may
come from another user or a pack.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from cse_toolkit.core.actions import Action
from cse_toolkit.gui.actions.action_words import about_words, due_words, state_words, title_words
from cse_toolkit.gui.common.widgets import plain_tip

OVERDUE_COLOUR = QColor("#9b1c1c")  # the review queue's overdue colour
ID_ROLE = Qt.ItemDataRole.UserRole


class ActionsTable(QTableWidget):
    """Due, What, About, For, State; the action's id on each row's first cell."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(0, 5, parent)
        self.setAccessibleName(name)
        self.setHorizontalHeaderLabels(
            [self.tr("Due"), self.tr("What"), self.tr("About"), self.tr("For"), self.tr("State")]
        )
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        for col in (0, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.actions_shown: list[Action] = []

    def show_actions(self, actions: list[Action], now: datetime) -> None:
        self.actions_shown = list(actions)
        self.setRowCount(len(actions))
        for row, action in enumerate(actions):
            late = action.overdue(now)
            due = due_words(action, now)
            cells = (
                ("⚠ " + due) if late else due,
                title_words(action),
                about_words(action),
                action.assignee_label,
                state_words(action),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tip(text))
                if late and col == 0:
                    item.setForeground(QBrush(OVERDUE_COLOUR))
                if col == 0:
                    item.setData(ID_ROLE, action.id)
                self.setItem(row, col, item)
        self.resizeRowsToContents()

    def selected_action(self) -> Action | None:
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if not rows:
            return None
        row = rows[0].row()
        return self.actions_shown[row] if 0 <= row < len(self.actions_shown) else None

    def clear_rows(self) -> None:
        self.actions_shown = []
        self.setRowCount(0)


def mark_done(parent: QWidget, vault: object, action: Action) -> bool:
    """Ask what was done (a return interview: its outcome) and mark the action done."""
    from cse_toolkit.errors import UserError
    from cse_toolkit.gui.common import dialogs
    from cse_toolkit.gui.common.widgets import report

    if action.status == "done":
        dialogs.info(parent, parent.tr("Already done"), parent.tr("This action is already done."))
        return False
    interview = action.kind == "return_interview"
    label = (
        parent.tr("The outcome of the return interview (who held it, what came out of it):")
        if interview
        else parent.tr("What was done:")
    )
    note = dialogs.get_text(parent, parent.tr("Mark the action done"), label)
    if note is None:
        return False
    try:
        vault.actions.done(action.id, note)  # type: ignore[attr-defined]
    except UserError as exc:
        report(parent, parent.tr("The action was not marked done"), exc)
        return False
    return True
