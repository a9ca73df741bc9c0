"""The danger check: "Is anyone in immediate danger right now?" before anything else.

"Yes" shows a full-width, high-contrast "Call 999 now" instruction with the emergency contact
from the organisation policy, and two fields to record the call (the time, the police
reference). Recording it writes the ``danger_check`` step with ``immediate_danger = true``; the
pathway engine then routes the case straight to the strategy meeting. "No" records the step and
the process tab moves on to the screening.

Keyboard: Alt+Y / Alt+O (or the arrow keys between the two answers), Enter records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common.pathway_widgets import (
    EmergencyBanner,
    InlineMessage,
    case_pathway_id,
    emergency_text,
    policy,
    section_title,
    wrap_label,
)
from cse_toolkit.gui.common.widgets import from_qdatetime, heading_label, to_qdatetime
from cse_toolkit.gui.process.pathway_step_form import FUTURE_GRACE

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class DangerCheck(QWidget):
    """Emits ``recorded(immediate_danger)`` after the step is written; ``back_requested()``."""

    recorded = Signal(bool)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Immediate danger check"))
        self._vault: Vault | None = None
        self._child_id: str | None = None
        self._pathway_id: str | None = None

        self.question = heading_label(self.tr("Is anyone in immediate danger right now?"), 1.6)
        self.help = wrap_label(
            self.tr(
                "Think about the child and anyone else: are they with someone who may harm them, "
                "somewhere unsafe, hurt, or about to be taken somewhere?"
            )
        )
        answer_font = QFont(self.font())
        answer_font.setPointSizeF(answer_font.pointSizeF() * 1.3)
        self.yes = QRadioButton(self.tr("&Yes, someone is in danger now"))
        self.yes.setAccessibleName(self.tr("Yes, someone is in immediate danger now"))
        self.no = QRadioButton(self.tr("N&o, nobody is in danger"))
        self.no.setAccessibleName(self.tr("No, nobody is in immediate danger"))
        for button in (self.yes, self.no):
            button.setFont(answer_font)
        self.group = QButtonGroup(self)
        self.group.addButton(self.yes)
        self.group.addButton(self.no)
        self.group.buttonToggled.connect(self._answered)
        answers = QHBoxLayout()
        answers.addWidget(self.yes)
        answers.addSpacing(24)
        answers.addWidget(self.no)
        answers.addStretch(1)

        self.banner = EmergencyBanner()
        self.banner.hide()
        self.call_box = QWidget()
        call_layout = QVBoxLayout(self.call_box)
        call_layout.setContentsMargins(0, 8, 0, 0)
        call_layout.addWidget(section_title(self.tr("Record the call")))
        call_form = QFormLayout()
        call_layout.addLayout(call_form)
        self.called_at = QDateTimeEdit()
        self.called_at.setCalendarPopup(True)
        self.called_at.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.called_at.setAccessibleName(self.tr("Time 999 was called"))
        self.called_at.setMaximumWidth(220)
        self.reference = QLineEdit()
        self.reference.setAccessibleName(self.tr("Police reference"))
        self.reference.setPlaceholderText(self.tr("If the call handler gave one"))
        self.reference.setMaximumWidth(420)
        called_label = QLabel(self.tr("&Time 999 was called"))
        called_label.setBuddy(self.called_at)
        ref_label = QLabel(self.tr("Police &reference"))
        ref_label.setBuddy(self.reference)
        call_form.addRow(called_label, self.called_at)
        call_form.addRow(ref_label, self.reference)
        self.call_box.hide()

        self.message = InlineMessage()
        self.record_button = QPushButton(self.tr("Record the answer"))
        self.record_button.setDefault(True)
        self.record_button.setEnabled(False)
        self.record_button.clicked.connect(self.record)
        self.back_button = QPushButton(self.tr("Back to the &process"))
        self.back_button.clicked.connect(self.back_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.help)
        layout.addSpacing(8)
        layout.addLayout(answers)
        layout.addSpacing(8)
        layout.addWidget(self.banner)
        layout.addWidget(self.call_box)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)

        for first, second in (
            (self.yes, self.no),
            (self.no, self.called_at),
            (self.called_at, self.reference),
            (self.reference, self.record_button),
            (self.record_button, self.back_button),
        ):
            self.setTabOrder(first, second)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.back_requested)

    def start(self, vault: Vault, child_id: str, pathway_id: str | None = None) -> None:
        self._vault = vault
        self._child_id = child_id
        self._pathway_id = pathway_id or case_pathway_id(vault, child_id)
        self._reset()
        self.banner.set_detail(
            self.tr(
                "{contact}. Stay with the child if it is safe to do so. Then record the time "
                "of the call and the police reference below."
            ).format(contact=emergency_text(policy(vault)))
        )
        self.called_at.setDateTime(to_qdatetime(vault.now()))
        self.yes.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        self._vault = None
        self._child_id = None
        self._reset()

    def _reset(self) -> None:
        self.group.setExclusive(False)
        self.yes.setChecked(False)
        self.no.setChecked(False)
        self.group.setExclusive(True)
        self.reference.clear()
        self.banner.hide()
        self.call_box.hide()
        self.message.clear_problem()
        self.record_button.setEnabled(False)
        self.record_button.setText(self.tr("Record the answer"))

    def _answered(self, *_: Any) -> None:
        danger = self.yes.isChecked()
        self.banner.setVisible(danger)
        self.call_box.setVisible(danger)
        self.record_button.setEnabled(self.yes.isChecked() or self.no.isChecked())
        self.record_button.setText(
            self.tr("Record: 999 &called") if danger else self.tr("Record and go to the &screening")
        )
        self.message.clear_problem()

    def record(self) -> bool:
        if self._vault is None or self._child_id is None:
            return False
        if not (self.yes.isChecked() or self.no.isChecked()):
            self.message.show_problem(self.tr("Answer yes or no first."))
            return False
        danger = self.yes.isChecked()
        now = self._vault.now()
        data: dict[str, Any] = {"immediate_danger": danger}
        event_at = now
        if danger:
            called = from_qdatetime(self.called_at.dateTime())
            if called > now + FUTURE_GRACE:
                self.message.show_problem(
                    self.tr("The time of the call is in the future: check the date and time.")
                )
                return False
            data["called_999_at"] = called
            if self.reference.text().strip():
                data["police_reference"] = self.reference.text().strip()
        assert self._pathway_id is not None
        try:
            self._vault.repos.record_step(
                self._child_id, self._pathway_id, "danger_check", event_at, data
            )
        except UserError as exc:
            self.message.show_problem(str(exc))
            return False
        self.message.clear_problem()
        self.recorded.emit(danger)
        return True
