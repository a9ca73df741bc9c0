"""The outcome of a screening: the suggested level, why, and exactly what to do next.

Order on the page, most urgent first: the "Call 999 now" banner when the screening is urgent;
the suggested level (large, with its label and meaning); the reasons in plain words naming the
indicators by their labels (the ids are in the tooltips); floors applied; answers to verify
(Possible); gaps to follow up (Not known / not answered). Beside it: the next steps for the
level, the pathway steps, when to re-screen and who to contact, with the phone numbers and
email addresses from the organisation policy.

The user confirms the level or chooses another (a reason is required for a change; a level
below a floor is refused with the engine's own message, shown in place, and nothing is saved;
"serious" needs a reason; where the level's next steps require a plan: the next steps
considered and a re-screen date or trigger). Confirming saves the ``ScreeningRecord`` as
``confirmed`` with who, when, why and the outcome, then records the pathway's ``screen`` step if
the case is at that step.

A saved screening is always scored with the tool version it was made with
(``screening.tool_for``), never with a newer one.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.clock import utc_iso
from cse_toolkit.core.entities import ScreeningRecord
from cse_toolkit.core.screening import (
    BelowFloorError,
    ConfirmationError,
    Outcome,
    ScreeningInput,
    awaiting_signoff,
    confirm_level,
    evaluate,
    tool_for,
)
from cse_toolkit.core.tools import Tool
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common.pathway_widgets import (
    EmergencyBanner,
    InlineMessage,
    Notice,
    case_pathway_id,
    emergency_text,
    policy,
    ring_now_text,
    section_title,
    wrap_label,
)
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.gui.process.outcome_columns import Column, Explanation, fill_explanation

LEVEL_BOX_STYLE = (
    "#levelBox { background: #f2f5fa; border: 2px solid #1d4f91; border-radius: 6px; }"
    "#levelBox QLabel { color: #0a1f3d; background: transparent; }"
)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class OutcomePage(QWidget):
    """``show_screening(vault, record)``; emits ``confirmed(screening_id)``,
    ``change_answers(screening_id)`` and ``back_requested()``."""

    confirmed = Signal(str)
    change_answers = Signal(str)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Screening outcome"))
        self._vault: Vault | None = None
        self._record: ScreeningRecord | None = None
        self._tool: Tool | None = None
        self._outcome: Outcome | None = None
        self._pathway_id: str | None = None
        self.step_problem = ""

        # -- left: the level and why ------------------------------------------------------
        self.banner = EmergencyBanner()
        self.banner.hide()
        self.level_box = QFrame()
        self.level_box.setObjectName("levelBox")
        self.level_box.setStyleSheet(LEVEL_BOX_STYLE)
        self.level_caption = QLabel(self.tr("Suggested level"))
        self.level_label = QLabel()
        big = QFont(self.level_label.font())
        big.setPointSizeF(big.pointSizeF() * 2.4)
        big.setBold(True)
        self.level_label.setFont(big)
        self.level_label.setAccessibleName(self.tr("Suggested level"))
        self.level_meaning = wrap_label()
        self.level_meaning.setAccessibleName(self.tr("What the level means"))
        self.tool_label = wrap_label()
        # SAFETY.md R2: too little answered to rely on the lowest level.
        self.incomplete_note = wrap_label()
        self.incomplete_note.setObjectName("incompleteNote")
        self.incomplete_note.setStyleSheet("#incompleteNote { color: #7a3b00; font-weight: bold; }")
        self.incomplete_note.setAccessibleName(self.tr("Screening incomplete"))
        self.incomplete_note.hide()
        # SAFETY.md R9: one plain line when the level rests on content to be confirmed.
        self.provenance_note = wrap_label()
        self.provenance_note.setAccessibleName(self.tr("Where this level comes from"))
        self.provenance_note.hide()
        # Issue 19: which kinds of exploitation the indicators point to (sexual, criminal, both).
        self.exploitation_note = wrap_label()
        self.exploitation_note.setObjectName("exploitationNote")
        self.exploitation_note.setStyleSheet("#exploitationNote { font-weight: bold; }")
        self.exploitation_note.setAccessibleName(self.tr("Kinds of exploitation"))
        self.exploitation_note.hide()
        # SAFETY.md R7: a level confirmed below the suggestion waits for a DSL.
        self.signoff_note = wrap_label()
        self.signoff_note.setObjectName("signoffNote")
        self.signoff_note.setStyleSheet(
            "#signoffNote { background: #fff4d6; border: 1px solid #b7791f; padding: 6px;"
            " color: #3d2a00; font-weight: bold; }"
        )
        self.signoff_note.setAccessibleName(self.tr("Awaiting DSL sign-off"))
        self.signoff_note.hide()
        box = QVBoxLayout(self.level_box)
        box.setContentsMargins(14, 10, 14, 12)
        box.addWidget(self.level_caption)
        box.addWidget(self.level_label)
        box.addWidget(self.level_meaning)
        box.addWidget(self.exploitation_note)
        box.addWidget(self.incomplete_note)
        box.addWidget(self.tool_label)
        box.addWidget(self.provenance_note)

        self.reasons = Column()
        self.floors = Column()
        self.verify = Column()
        self.gaps = Column()
        self.floors_title = section_title(self.tr("Floors applied"))
        self.verify_title = section_title(self.tr("To verify (answered Possible)"))
        self.gaps_title = section_title(self.tr("Gaps to follow up (Not known or not answered)"))

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(8)
        left_layout.addWidget(self.signoff_note)
        left_layout.addWidget(self.level_box)
        left_layout.addWidget(section_title(self.tr("Why")))
        left_layout.addWidget(self.reasons)
        left_layout.addWidget(self.floors_title)
        left_layout.addWidget(self.floors)
        left_layout.addWidget(self.verify_title)
        left_layout.addWidget(self.verify)
        left_layout.addWidget(self.gaps_title)
        left_layout.addWidget(self.gaps)
        left_layout.addStretch(1)

        # -- right: what to do next and the confirmation ---------------------------------
        self.next_steps = Column()
        self.contacts = Column()
        self.confirm_box = QGroupBox(self.tr("Confirm the level"))
        self.confirm_box.setObjectName("confirmBox")
        self.confirm_box.setStyleSheet(
            "#confirmBox { font-weight: bold; border: 2px solid #1d4f91; border-radius: 6px;"
            " margin-top: 12px; padding: 10px 8px 8px 8px; }"
            "#confirmBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }"
            "#confirmBox QLabel, #confirmBox QPushButton, #confirmBox QComboBox,"
            " #confirmBox QPlainTextEdit, #confirmBox QLineEdit, #confirmBox QCheckBox,"
            " #confirmBox QDateEdit { font-weight: normal; }"
        )
        self.level_combo = QComboBox()
        self.level_combo.setAccessibleName(self.tr("Level to confirm"))
        self.floor_note = wrap_label()
        self.reason_label = QLabel()
        self.reason_label.setWordWrap(True)
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setAccessibleName(self.tr("Reason for the level"))
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(self.reason_edit.fontMetrics().lineSpacing() * 4)
        self.reason_label.setBuddy(self.reason_edit)
        self.plan_box = QWidget()
        self.plan_steps = QPlainTextEdit()
        self.plan_steps.setAccessibleName(self.tr("Next steps considered"))
        self.plan_steps.setTabChangesFocus(True)
        self.plan_steps.setFixedHeight(self.plan_steps.fontMetrics().lineSpacing() * 3)
        self.rescreen_set = QCheckBox(self.tr("Re-screen &on"))
        self.rescreen_set.setAccessibleName(self.tr("Set a re-screen date"))
        self.rescreen_date = QDateEdit()
        self.rescreen_date.setCalendarPopup(True)
        self.rescreen_date.setDisplayFormat("dd/MM/yyyy")
        self.rescreen_date.setAccessibleName(self.tr("Re-screen date"))
        self.rescreen_date.setEnabled(False)
        self.rescreen_set.toggled.connect(self.rescreen_date.setEnabled)
        self.rescreen_trigger = QLineEdit()
        self.rescreen_trigger.setAccessibleName(self.tr("Re-screen when"))
        self.rescreen_trigger.setPlaceholderText(self.tr("e.g. after the next missing episode"))
        plan_form = QFormLayout(self.plan_box)
        plan_form.setContentsMargins(0, 0, 0, 0)
        steps_label = QLabel(self.tr("&Next steps considered (required)"))
        steps_label.setBuddy(self.plan_steps)
        plan_form.addRow(steps_label, self.plan_steps)
        date_row = QHBoxLayout()
        date_row.addWidget(self.rescreen_set)
        date_row.addWidget(self.rescreen_date, 1)
        plan_form.addRow(self.tr("Re-screen date"), date_row)
        trigger_label = QLabel(self.tr("or re-screen &when"))
        trigger_label.setBuddy(self.rescreen_trigger)
        plan_form.addRow(trigger_label, self.rescreen_trigger)

        self.message = InlineMessage()
        self.done_note = Notice()
        self.confirm_button = QPushButton(self.tr("&Confirm this level"))
        self.confirm_button.setDefault(True)
        self.confirm_button.clicked.connect(self.confirm)
        self.answers_button = QPushButton(self.tr("Change the &answers"))
        self.answers_button.clicked.connect(self._change_answers)
        self.about_tool_button = QPushButton(self.tr("About this &tool"))
        self.about_tool_button.clicked.connect(self._about_tool)
        self.back_button = QPushButton(self.tr("Back to the &process"))
        self.back_button.clicked.connect(self.back_requested)
        confirm_buttons = QHBoxLayout()
        confirm_buttons.addWidget(self.confirm_button)
        confirm_buttons.addWidget(self.answers_button)
        confirm_buttons.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.about_tool_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)

        confirm_form = QFormLayout()
        level_label = QLabel(self.tr("&Level"))
        level_label.setBuddy(self.level_combo)
        confirm_form.addRow(level_label, self.level_combo)
        confirm_form.addRow("", self.floor_note)
        confirm_form.addRow(self.reason_label, self.reason_edit)
        confirm_layout = QVBoxLayout(self.confirm_box)
        confirm_layout.addLayout(confirm_form)
        confirm_layout.addWidget(self.plan_box)
        confirm_layout.addWidget(self.message)
        confirm_layout.addWidget(self.done_note)
        confirm_layout.addLayout(confirm_buttons)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(8)
        right_layout.addWidget(section_title(self.tr("What to do next")))
        right_layout.addWidget(self.next_steps)
        right_layout.addWidget(section_title(self.tr("Who to contact")))
        right_layout.addWidget(self.contacts)
        right_layout.addWidget(self.confirm_box)
        right_layout.addStretch(1)

        columns = QWidget()
        row = QHBoxLayout(columns)
        row.setContentsMargins(0, 0, 8, 0)
        row.setSpacing(24)
        row.addWidget(left, 1)
        row.addWidget(right, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(columns)
        scroll.setAccessibleName(self.tr("The outcome and what to do next"))

        self.heading = heading_label(self.tr("Screening outcome"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

        self.level_combo.currentIndexChanged.connect(self._level_chosen)
        chain = [
            self.level_combo,
            self.reason_edit,
            self.plan_steps,
            self.rescreen_set,
            self.rescreen_date,
            self.rescreen_trigger,
            self.confirm_button,
            self.answers_button,
            self.about_tool_button,
            self.back_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.back_requested)

    # -- state ----------------------------------------------------------------------------
    @property
    def outcome(self) -> Outcome | None:
        return self._outcome

    @property
    def tool(self) -> Tool | None:
        return self._tool

    @property
    def record(self) -> ScreeningRecord | None:
        return self._record

    def show_screening(
        self, vault: Vault, record: ScreeningRecord | str, pathway_id: str | None = None
    ) -> None:
        if isinstance(record, str):
            record = vault.repos.get_screening(record)
        self._vault = vault
        self._record = record
        self._pathway_id = pathway_id or case_pathway_id(vault, record.child_id)
        inp = ScreeningInput.from_dict(record.input)
        self._tool = tool_for(inp)  # the version it was made with: never re-scored
        self._outcome = evaluate(self._tool, inp)
        self.step_problem = ""
        self._fill(inp)

    def clear(self) -> None:
        self._vault = None
        self._record = None
        self._tool = None
        self._outcome = None
        for column in (
            self.reasons,
            self.floors,
            self.verify,
            self.gaps,
            self.next_steps,
            self.contacts,
        ):
            column.clear()
        self.level_label.clear()
        self.level_meaning.clear()
        self.tool_label.clear()
        self.level_combo.clear()
        self.reason_edit.clear()
        self.plan_steps.clear()
        self.rescreen_trigger.clear()
        self.rescreen_set.setChecked(False)
        self.message.clear_problem()
        self.done_note.show_text("")
        self.banner.hide()
        self.incomplete_note.hide()
        self.provenance_note.hide()
        self.exploitation_note.hide()
        self.signoff_note.hide()

    # -- display --------------------------------------------------------------------------
    def _kinds_text(self, kinds: tuple[str, ...]) -> str:
        """The outcome's kinds of exploitation in words ('' for a tool of one kind only)."""
        if "sexual" in kinds and "criminal" in kinds:
            return self.tr("The indicators point to both sexual and criminal exploitation.")
        if "criminal" in kinds:
            return self.tr("The indicators point to criminal exploitation.")
        if "sexual" in kinds:
            return self.tr("The indicators point to sexual exploitation.")
        return ""

    def _fill(self, inp: ScreeningInput) -> None:
        tool, outcome, record = self._tool, self._outcome, self._record
        assert tool is not None and outcome is not None and record is not None
        pol, now = policy(self._vault), self._vault.now()  # type: ignore[union-attr]
        self.banner.setVisible(outcome.urgent)
        if outcome.urgent:
            self.banner.set_detail(
                self.tr(
                    "Someone is in immediate danger. {contact}. Then refer to children's "
                    "social care by phone ({ring}) and tell your DSL."
                ).format(contact=emergency_text(pol), ring=ring_now_text(pol, now))
            )
        level = tool.level(outcome.suggested_level)
        self.level_label.setText(level.label)
        self.level_label.setAccessibleDescription(level.label)
        self.level_meaning.setText(level.meaning)
        self.incomplete_note.setVisible(outcome.incomplete)
        if outcome.incomplete:
            self.incomplete_note.setText(
                self.tr(
                    "Not enough information to suggest a level yet. '{level}' cannot be "
                    "confirmed until the screening is complete."
                ).format(level=level.label)
            )
        kinds = self._kinds_text(outcome.exploitation)
        self.exploitation_note.setVisible(bool(kinds))
        self.exploitation_note.setText(kinds)
        self.provenance_note.setVisible(outcome.provenance is not None)
        if outcome.provenance is not None:
            self.provenance_note.setText(
                self.tr(
                    "This level rests on indicators your partnership has not yet confirmed "
                    "(see About this tool)."
                )
            )
        self.tool_label.setText(
            self.tr("{tool}, version {version}. Age {age}{ld}{an}.").format(
                tool=tool.name,
                version=tool.version,
                age=inp.child.age,
                ld=self.tr(", learning disability") if inp.child.learning_disability else "",
                an=self.tr(", additional needs") if inp.child.additional_needs else "",
            )
        )

        fill_explanation(self.columns(), tool, outcome, pol, now)

        self.level_combo.blockSignals(True)
        self.level_combo.clear()
        for lv in tool.levels:
            self.level_combo.addItem(lv.label, lv.id)
        self.level_combo.blockSignals(False)
        minimum = tool.level(outcome.minimum_level)
        self.floor_note.setText(
            self.tr("It cannot be lower than '{level}'.").format(level=minimum.label)
            if tool.rank(outcome.minimum_level) > 0
            else ""
        )
        self.floor_note.setVisible(tool.rank(outcome.minimum_level) > 0)
        self.reason_edit.clear()
        self.plan_steps.clear()
        self.rescreen_trigger.clear()
        self.rescreen_set.setChecked(False)
        self.message.clear_problem()
        confirmed = record.status != "in_progress"
        chosen = record.confirmed_level if confirmed and record.confirmed_level else None
        self.level_combo.setCurrentIndex(
            max(0, self.level_combo.findData(chosen or outcome.suggested_level))
        )
        self._level_chosen()
        self._set_read_only(confirmed)
        waiting = confirmed and awaiting_signoff(
            tool, record.suggested_level, record.confirmed_level, record.status
        )
        stored = (record.outcome or {}).get("confirmation") or {}
        cannot_complete = (
            record.status == "confirmed" and not waiting and bool(stored.get("incomplete_reason"))
        )
        self.signoff_note.setVisible(waiting or cannot_complete)
        if cannot_complete:
            self.signoff_note.setText(
                self.tr(
                    "Awaiting DSL sign-off: the screening could not be completed. Reason: {r}"
                ).format(r=stored.get("incomplete_reason", ""))
            )
        if waiting:
            self.signoff_note.setText(
                self.tr(
                    "Awaiting DSL sign-off: '{chosen}' is lower than the suggested '{suggested}'. "
                    "Until your DSL agrees, '{suggested}' drives the process, the due dates, "
                    "the child list and the DSL's queue."
                ).format(
                    chosen=tool.level(record.confirmed_level or "").label,
                    suggested=level.label,
                )
            )
        if confirmed:
            when = record.confirmed_at or ""
            self.done_note.show_text(
                self.tr("Confirmed as '{level}' by {who} at {when}.{reason}").format(
                    level=tool.level(record.confirmed_level or outcome.suggested_level).label,
                    who=record.confirmed_by or "?",
                    when=when.replace("T", " ").replace("Z", " UTC"),
                    reason=self.tr(" Reason: {r}").format(r=record.confirm_reason)
                    if record.confirm_reason
                    else "",
                )
            )
        else:
            self.done_note.show_text("")
            self.level_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        self.rescreen_date.setDate(self._default_rescreen())

    def columns(self) -> Explanation:
        """The columns that explain the outcome (``outcome_columns.fill_explanation``)."""
        return Explanation(
            self.reasons, self.floors, self.verify, self.gaps, self.next_steps, self.contacts
        )

    def _default_rescreen(self) -> QDate:
        assert self._vault is not None
        today = self._vault.now().astimezone().date()
        ns = self._outcome.next_steps if self._outcome else None
        weeks = 6
        if ns is not None and ns.review_interval and ns.review_interval.split()[0].isdigit():
            weeks = int(ns.review_interval.split()[0])
        target = date.fromordinal(today.toordinal() + 7 * weeks)
        return QDate(target.year, target.month, target.day)

    def _set_read_only(self, read_only: bool) -> None:
        for w in (
            self.level_combo,
            self.reason_edit,
            self.plan_steps,
            self.rescreen_set,
            self.rescreen_trigger,
        ):
            w.setEnabled(not read_only)
        self.rescreen_date.setEnabled(not read_only and self.rescreen_set.isChecked())
        self.confirm_button.setVisible(not read_only)
        self.answers_button.setVisible(not read_only)
        self.confirm_box.setTitle(
            self.tr("Confirmed level") if read_only else self.tr("Confirm the level")
        )

    def _level_chosen(self, *_: Any) -> None:
        tool, outcome = self._tool, self._outcome
        if tool is None or outcome is None:
            return
        level = self.level_combo.currentData()
        if level is None:
            return
        if outcome.incomplete and tool.rank(level) == 0:
            text = self.tr(
                "&Reason (required: why the screening cannot be completed; your DSL signs it off)"
            )
        elif level in tool.manual_only_levels:
            text = self.tr("&Reason (required: this level is a professional judgement)")
        elif tool.rank(level) < tool.rank(outcome.suggested_level):
            text = self.tr("&Reason (required: lower than suggested, so your DSL must sign it off)")
        elif level != outcome.suggested_level:
            text = self.tr("&Reason (required: you changed the suggested level)")
        else:
            text = self.tr("&Reason (optional)")
        self.reason_label.setText(text)
        ns = tool.next_steps_for(level)
        self.plan_box.setVisible(bool(ns and ns.require_plan))
        self.message.clear_problem()

    # -- confirming -----------------------------------------------------------------------
    def confirm(self) -> bool:
        """Confirm the chosen level; True when saved. Problems are shown in place."""
        vault, tool, outcome, record = self._vault, self._tool, self._outcome, self._record
        if vault is None or tool is None or outcome is None or record is None:
            return False
        if record.status != "in_progress":
            return False
        level = self.level_combo.currentData()
        rescreen_on = None
        if self.plan_box.isVisible() or self.rescreen_set.isChecked():
            if self.rescreen_set.isChecked():
                d = self.rescreen_date.date()
                rescreen_on = date(d.year(), d.month(), d.day())
        try:
            confirmation = confirm_level(
                tool,
                outcome,
                level,
                vault.user.name,
                self.reason_edit.toPlainText(),
                next_steps_considered=self.plan_steps.toPlainText(),
                rescreen_on=rescreen_on,
                rescreen_trigger=self.rescreen_trigger.text(),
                incomplete_reason=self.reason_edit.toPlainText()
                if outcome.incomplete and tool.rank(level) == 0
                else "",
                clock=vault.clock,
            )
        except (BelowFloorError, ConfirmationError) as exc:
            self.message.show_problem(str(exc))
            if isinstance(exc, BelowFloorError):
                self.level_combo.setFocus()
            elif "reason" in str(exc).lower():
                self.reason_edit.setFocus()
            else:
                self.plan_steps.setFocus()
            return False
        now = vault.now()
        stored = outcome.to_dict()
        stored["confirmation"] = confirmation.to_dict()
        try:
            saved = vault.repos.save_screening(
                dataclasses.replace(
                    record,
                    outcome=stored,
                    suggested_level=outcome.suggested_level,
                    confirmed_level=confirmation.level,
                    confirmed_by=confirmation.confirmed_by,
                    confirmed_at=utc_iso(now),
                    confirm_reason=confirmation.reason,
                    status="confirmed",
                )
            )
        except UserError as exc:
            self.message.show_problem(str(exc))
            return False
        self._record = saved
        self.message.clear_problem()
        self._record_screen_step(saved, now)
        self._set_read_only(True)
        self.confirmed.emit(saved.id)
        return True

    def _record_screen_step(self, saved: ScreeningRecord, now: Any) -> None:
        """Record the pathway's ``screen`` step if the case is at it."""
        vault = self._vault
        assert vault is not None and self._tool is not None and self._pathway_id is not None
        self.step_problem = ""
        try:
            state = vault.repos.case_state(saved.child_id, self._pathway_id)
            if state.current != "screen":
                return
            vault.repos.record_step(
                saved.child_id,
                self._pathway_id,
                "screen",
                now,
                {
                    "screening_id": saved.id,
                    "tool": self._tool.id,
                    "tool_version": self._tool.version,
                },
            )
        except UserError as exc:
            # The screening is saved either way; the process tab shows what is left to do.
            self.step_problem = str(exc)

    def _about_tool(self) -> None:
        if self._tool is None:
            return
        from cse_toolkit.gui.common.about_page import tool_about_dialog

        dialog = tool_about_dialog(self._tool, self)
        dialog.setModal(True)
        dialog.open()

    def _change_answers(self) -> None:
        if self._record is not None:
            self.change_answers.emit(self._record.id)
