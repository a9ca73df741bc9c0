"""The DSL's sign-off of a confirmed screening: agree, change the level, or return it.

Shows what the worker confirmed and why, and the floor the screening sets; a change offers
only levels at or above the floor (the vault refuses lower ones too) and needs a reason; a
return needs a comment for the worker. A refusal from the vault is shown in the dialog, in
plain words, and nothing is saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common.widgets import heading_label, local_text
from cse_toolkit.vault.dsl_repo import SignOff

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class DslSignoffDialog(QDialog):
    def __init__(self, vault: Vault, screening_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        vault.require("dsl")
        self._vault = vault
        self.ctx = vault.dsl.signoff_context(screening_id)
        self.result_signoff: SignOff | None = None
        ctx = self.ctx
        self.setWindowTitle(self.tr("Sign off screening: {ref}").format(ref=ctx.child_ref))
        self.setAccessibleName(self.windowTitle())

        facts = QFormLayout()
        facts.addRow(self.tr("Child:"), QLabel(f"{ctx.child_label} \u00b7 {ctx.child_ref}"))
        facts.addRow(self.tr("Tool:"), QLabel(f"{ctx.tool_name} (version {ctx.tool_version})"))
        facts.addRow(self.tr("Suggested level:"), QLabel(ctx.label(ctx.suggested_level)))
        who = ctx.confirmed_by or self.tr("the worker")
        when = local_text(ctx.confirmed_at) if ctx.confirmed_at else ""
        confirmed = QLabel(
            self.tr("{level}, by {who} {when}")
            .format(level=ctx.label(ctx.confirmed_level), who=who, when=when)
            .strip()
        )
        confirmed.setObjectName("confirmedLevel")
        facts.addRow(self.tr("Confirmed level:"), confirmed)
        ids = [lid for lid, _ in ctx.levels]
        if (
            ctx.confirmed_level in ids
            and ctx.suggested_level in ids
            and ids.index(ctx.confirmed_level) < ids.index(ctx.suggested_level)
        ):
            # SAFETY.md R7: the worker lowered the level; it needs this sign-off to take effect.
            self.lowered_label = QLabel(
                self.tr(
                    "Lower than the suggestion. Until you agree, {suggested} drives the "
                    "process and the due dates."
                ).format(suggested=ctx.label(ctx.suggested_level))
            )
            self.lowered_label.setWordWrap(True)
            self.lowered_label.setStyleSheet("font-weight: bold;")
            facts.addRow(self.tr("Awaiting your sign-off:"), self.lowered_label)
        if ctx.confirm_reason:
            reason = QLabel(ctx.confirm_reason)
            reason.setWordWrap(True)
            facts.addRow(self.tr("Worker's reason:"), reason)
        floor_text = self.tr("The level cannot go below {floor}.").format(
            floor=ctx.label(ctx.minimum_level)
        )
        if ctx.levels and ctx.minimum_level == ctx.levels[0][0]:
            floor_text = self.tr("None: any level of the tool may be chosen.")
        elif ctx.floor_reasons:
            floor_text += " " + " ".join(ctx.floor_reasons)
        self.floor_label = QLabel(floor_text)
        self.floor_label.setWordWrap(True)
        facts.addRow(self.tr("Floor:"), self.floor_label)

        self.agree = QRadioButton(
            self.tr("&Agree with {level}").format(level=ctx.label(ctx.confirmed_level))
        )
        self.change = QRadioButton(self.tr("&Change the level to:"))
        self.give_back = QRadioButton(self.tr("&Return to the worker"))
        self.choice = QButtonGroup(self)
        for i, button in enumerate((self.agree, self.change, self.give_back)):
            self.choice.addButton(button, i)
        self.agree.setChecked(True)
        self.level = QComboBox()
        self.level.setAccessibleName(self.tr("New level"))
        for level_id, label in ctx.allowed_levels():
            if level_id != ctx.confirmed_level:
                self.level.addItem(label, level_id)
        self.change.setEnabled(self.level.count() > 0)
        change_row = QHBoxLayout()
        change_row.addWidget(self.change)
        change_row.addWidget(self.level, 1)
        self.comment_label = QLabel()
        self.comment = QPlainTextEdit()
        self.comment.setTabChangesFocus(True)
        self.comment.setFixedHeight(self.comment.fontMetrics().lineSpacing() * 5)
        self.comment_label.setBuddy(self.comment)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #9b1c1c; font-weight: bold;")
        self.error.setAccessibleName(self.tr("Problem"))
        self.error.hide()
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(
            self.tr("&Sign off"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(self.tr("Sign off this screening")))
        layout.addLayout(facts)
        layout.addWidget(self.agree)
        layout.addLayout(change_row)
        layout.addWidget(self.give_back)
        layout.addWidget(self.comment_label)
        layout.addWidget(self.comment)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.choice.idToggled.connect(lambda _i, _on: self._update())
        self.level.currentIndexChanged.connect(lambda _i: self._update())
        self._update()
        self.resize(560, self.sizeHint().height())

    @property
    def decision(self) -> str:
        return ("agree", "change", "return")[max(0, self.choice.checkedId())]

    def _update(self) -> None:
        decision = self.decision
        self.level.setEnabled(decision == "change")
        text = {
            "agree": self.tr("Co&mment (optional):"),
            "change": self.tr("Reason for the change (required; &mention what you weighed):"),
            "return": self.tr("What the worker should look at again (required, co&mment):"),
        }[decision]
        self.comment_label.setText(text)
        self.comment.setAccessibleName(text.replace("&", ""))

    def choose(self, decision: str, level: str | None = None, comment: str = "") -> None:
        """Set the form as a keyboard user would (used by tests and by shortcuts)."""
        {"agree": self.agree, "change": self.change, "return": self.give_back}[decision].setChecked(
            True
        )
        if level is not None:
            index = self.level.findData(level)
            if index >= 0:
                self.level.setCurrentIndex(index)
        self.comment.setPlainText(comment)

    def submit(self) -> None:
        decision = self.decision
        level = self.level.currentData() if decision == "change" else None
        try:
            self.result_signoff = self._vault.dsl.sign_off(
                self.ctx.screening_id,
                decision,
                level=level,
                comment=self.comment.toPlainText(),
                expected_version=self.ctx.version,
            )
        except UserError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.comment.setFocus()
            return
        self.accept()
