""" "My actions": every action set for the signed-in person, overdue first by due date.

A page in the main window's navigation (keyboard: F6 to the navigation, then the arrows; or
Ctrl+Shift+Y from anywhere). Enter (or "Open the child") opens the action's child on its
Actions tab, where the child's other actions are; "Mark done…" asks what was done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cse_toolkit.gui.actions.actions_table import ActionsTable, mark_done
from cse_toolkit.gui.common.changes import CASE_TOPICS, follow_changes
from cse_toolkit.gui.common.widgets import heading_label

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class MyActionsPage(QWidget):
    open_child = Signal(str)  # a child id: show it on its Actions tab

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("My actions"))
        self.vault: Vault | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = ActionsTable(self.tr("My actions"))
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        enter = QShortcut(QKeySequence("Return"), self.table)
        enter.activated.connect(self.open_selected)
        self.show_done = QCheckBox(self.tr("Show &done actions too"))
        self.show_done.setAccessibleName(self.tr("Show done actions too"))
        self.show_done.toggled.connect(lambda _on: self.reload())
        self.open_button = QPushButton(self.tr("&Open the child"))
        self.open_button.setAccessibleName(self.tr("Open the child of the selected action"))
        self.open_button.clicked.connect(self.open_selected)
        self.done_button = QPushButton(self.tr("&Mark done…"))
        self.done_button.setAccessibleName(self.tr("Mark the selected action done"))
        self.done_button.clicked.connect(self.mark_selected_done)
        done_key = QShortcut(QKeySequence("Ctrl+Return"), self.table)
        done_key.activated.connect(self.mark_selected_done)

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.done_button)
        buttons.addStretch(1)
        buttons.addWidget(self.show_done)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(self.tr("My actions")))
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.follower = follow_changes(self, CASE_TOPICS, self.reload)

    def set_vault(self, vault: Vault) -> None:
        self.vault = vault
        self.reload()

    def clear(self) -> None:
        self.vault = None
        self.table.clear_rows()
        self.summary.clear()

    def reload(self) -> None:
        if self.vault is None:
            return
        now = self.vault.now()
        found = self.vault.actions.mine(include_done=self.show_done.isChecked())
        found.sort(key=lambda a: (a.status != "open", not a.overdue(now), a.due_at))
        self.table.show_actions(found, now)
        open_ones = [a for a in found if a.status == "open"]
        late = sum(1 for a in open_ones if a.overdue(now))
        if not open_ones:
            self.summary.setText(self.tr("Nothing to do: no open actions are set for you."))
        else:
            self.summary.setText(
                self.tr("{n} open, {late} overdue. Overdue actions are marked ⚠.").format(
                    n=len(open_ones), late=late
                )
            )

    def showEvent(self, event: object) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)  # type: ignore[arg-type]
        self.reload()  # "overdue" moves with the clock

    def open_selected(self) -> None:
        action = self.table.selected_action()
        if action is not None and action.child_id:
            self.open_child.emit(action.child_id)

    def mark_selected_done(self) -> None:
        action = self.table.selected_action()
        if self.vault is not None and action is not None:
            mark_done(self, self.vault, action)
