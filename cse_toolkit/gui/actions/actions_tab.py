"""The child's Actions tab: the child's actions (and those about its incidents), overdue ones
marked, and a form to set one for yourself or another worker or DSL of this vault.

Keyboard: the form's fields have mnemonics; "Mark done…" (Ctrl+Return on a selected action).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.entities import Child
from cse_toolkit.errors import UserError
from cse_toolkit.gui.actions.actions_table import ActionsTable, mark_done
from cse_toolkit.gui.common.widgets import from_qdatetime, report, to_qdatetime

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class ActionsTab(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Actions"))
        self._vault: Vault | None = None
        self._child: Child | None = None
        self.table = ActionsTable(self.tr("The child's actions"))
        self.done_button = QPushButton(self.tr("Mar&k done…"))
        self.done_button.setAccessibleName(self.tr("Mark the selected action done"))
        self.done_button.setToolTip(self.tr("With a note of what was done (Ctrl+Return)"))
        self.done_button.clicked.connect(self.mark_selected_done)
        done_key = QShortcut(QKeySequence("Ctrl+Return"), self.table)
        done_key.activated.connect(self.mark_selected_done)

        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName(self.tr("What has to be done"))
        self.title_edit.setPlaceholderText(self.tr("e.g. phone the school about attendance"))
        self.title_edit.setMaxLength(500)
        self.assignee_combo = QComboBox()
        self.assignee_combo.setAccessibleName(self.tr("Who does it"))
        self.due_edit = QDateTimeEdit()
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.due_edit.setAccessibleName(self.tr("Due by"))
        self.add_button = QPushButton(self.tr("S&et action"))
        self.add_button.setAccessibleName(self.tr("Set the action"))
        self.add_button.clicked.connect(self.add_action)
        self.title_edit.returnPressed.connect(self.add_action)

        form_box = QGroupBox(self.tr("Set an action"))
        form = QFormLayout(form_box)
        for text, widget in (
            (self.tr("&What:"), self.title_edit),
            (self.tr("&For:"), self.assignee_combo),
            (self.tr("D&ue by:"), self.due_edit),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("", self.add_button)

        buttons = QHBoxLayout()
        buttons.addWidget(self.done_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(form_box)
        self.setTabOrder(self.table, self.done_button)
        self.setTabOrder(self.done_button, self.title_edit)
        self.setTabOrder(self.title_edit, self.assignee_combo)
        self.setTabOrder(self.assignee_combo, self.due_edit)
        self.setTabOrder(self.due_edit, self.add_button)

    def set_child(self, vault: Vault, child: Child) -> None:
        same = self._child is not None and self._child.id == child.id
        self._vault, self._child = vault, child
        if not same or self.assignee_combo.count() == 0:
            self.assignee_combo.clear()
            self.assignee_combo.addItem(self.tr("Me ({name})").format(name=vault.user.label), "me")
            for user in vault.actions.assignable():
                if user.id != vault.user.id:
                    role = self.tr("DSL") if user.role == "dsl" else self.tr("worker")
                    self.assignee_combo.addItem(f"{user.label} ({role})", user.id)
            self.due_edit.setDateTime(to_qdatetime(vault.now() + timedelta(days=1)))
        self.table.show_actions(vault.actions.for_child(child.id), vault.now())

    def clear(self) -> None:
        self._vault = self._child = None
        self.table.clear_rows()
        self.title_edit.clear()
        self.assignee_combo.clear()

    def add_action(self) -> None:
        if self._vault is None or self._child is None:
            return
        try:
            self._vault.actions.add(
                self.title_edit.text(),
                from_qdatetime(self.due_edit.dateTime()),
                assignee=str(self.assignee_combo.currentData() or "me"),
                child_id=self._child.id,
            )
        except UserError as exc:
            report(self, self.tr("The action was not set"), exc)
            return
        self.title_edit.clear()
        self.changed.emit()

    def mark_selected_done(self) -> None:
        action = self.table.selected_action()
        if self._vault is None or action is None:
            return
        if mark_done(self, self._vault, action):
            self.changed.emit()
