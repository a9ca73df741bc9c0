"""One question of the screening wizard as a row of controls, and the key model it follows.

The row is a thin view: what its answer is missing comes from ``core.screening_flow`` (see
``screening_wizard.py`` for the wizard and the whole key model)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QToolButton,
    QWidget,
)

from cse_toolkit.core.screening import (
    Answer,
)
from cse_toolkit.core.screening_flow import answer_problem
from cse_toolkit.core.tools import (
    ANSWER_LABELS,
    ANSWER_VALUES,
    BASIS_LABELS,
    BASIS_VALUES,
    PRESENT_VALUES,
    WHEN_LABELS,
    WHEN_VALUES,
    Indicator,
    Section,
)
from cse_toolkit.gui.common.pathway_widgets import (
    InlineMessage,
)

K = Qt.Key
ANSWER_KEYS: dict[int, str] = {
    K.Key_1: "yes",
    K.Key_2: "possible",
    K.Key_3: "no",
    K.Key_4: "unknown",
}
NEXT_KEYS = (K.Key_Tab, K.Key_Down)
PREVIOUS_KEYS = (K.Key_Backtab, K.Key_Up)
ENTER_KEYS = (K.Key_Return, K.Key_Enter)
BASIS_KEYS: dict[int, str] = {K.Key_E: "evidence", K.Key_G: "gut_feeling"}
WHEN_KEYS: dict[int, str] = {K.Key_C: "current", K.Key_B: "prior"}
ROW_STYLE = (
    "#indicatorRow { border: none; border-bottom: 1px solid #9a9a9a; background: transparent; }"
    '#indicatorRow[active="true"] { background: #eef3fb; border-left: 4px solid #1d4f91; }'
    '#indicatorRow[problem="true"] { background: #fff1f0; border-left: 4px solid #8b0000; }'
    "#toConfirm { color: #5a3d00; background: #fff4d6; border: 1px solid #8a6100;"
    " border-radius: 3px; padding: 1px 5px; }"
)
TO_CONFIRM_TIP = (
    "This wording comes from neighbouring areas' tools and is still to be confirmed by the "
    "local safeguarding partnership (see About this tool)."
)


def screening_tr(text: str) -> str:
    return QApplication.translate("screening", text)


def legend_text(has_time_period: bool) -> str:
    """The key model, as the legend above the questions shows it."""
    return (
        screening_tr("Keys: 1 Yes · 2 Possible · 3 No · 4 Not known · E Evidence · G Gut feeling")
        + (screening_tr(" · C Now · B Before") if has_time_period else "")
        + screening_tr(
            " · N note · Tab or Enter next question · Shift+Tab previous · F1 help · "
            "Alt+U not answered"
        )
    )


class IndicatorRow(QFrame):
    """One indicator: label, help, answer, basis, when, note."""

    changed = Signal()
    help_requested = Signal(object)  # the row
    # +1 next question / -1 previous; True when it was Enter. (It hides QWidget.move, which
    # nothing calls on a row.)
    move = Signal(int, bool)  # type: ignore[assignment]
    unanswered_requested = Signal()  # Alt+U

    def __init__(
        self, number: int, section: Section, indicator: Indicator, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("indicatorRow")
        self.section = section
        self.indicator = indicator
        self.to_confirm = section.provenance_of(indicator) == "to_confirm"
        self.required = bool(getattr(indicator, "required", False))
        self._loading = False
        label_text = indicator.label
        self.setAccessibleName(label_text)

        self.label = QLabel(f"{number}. {label_text}")
        self.label.setWordWrap(True)
        font = QFont(self.label.font())
        font.setPointSizeF(font.pointSizeF() * 1.08)
        font.setBold(True)
        self.label.setFont(font)
        self.label.setToolTip(indicator.id)
        self.tag = QLabel(screening_tr("To confirm"))
        self.tag.setObjectName("toConfirm")
        self.tag.setToolTip(screening_tr(TO_CONFIRM_TIP))
        self.tag.setAccessibleName(screening_tr("Wording to confirm"))
        self.required_tag = QLabel(screening_tr("Required"))
        self.required_tag.setObjectName("requiredTag")
        self.required_tag.setAccessibleName(screening_tr("This question must be answered"))
        self.help_button = QToolButton()
        self.help_button.setText("?")
        self.help_button.setAccessibleName(screening_tr("Help: {label}").format(label=label_text))
        self.help_button.setToolTip(screening_tr("What this means (F1)"))
        # F1 opens the help from any control of the row, so the button is not a tab stop.
        # Out of the Tab chain (one "?" per question would double the stops); F1 on any of
        # the question's controls opens the same help, and every control says so.
        self.help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.help_button.setAccessibleDescription(
            screening_tr("F1 opens the same help from the keyboard")
        )
        self.help_button.clicked.connect(lambda: self.help_requested.emit(self))

        self.answer_group = QButtonGroup(self)
        self.answer_buttons: dict[str, QRadioButton] = {}
        answers = QHBoxLayout()
        answers.setSpacing(14)
        for n, value in enumerate(ANSWER_VALUES, 1):
            button = QRadioButton(screening_tr(ANSWER_LABELS[value]))
            button.setAccessibleName(
                screening_tr("{answer}: {label}").format(
                    answer=screening_tr(ANSWER_LABELS[value]), label=label_text
                )
            )
            button.setToolTip(screening_tr("Key {n}").format(n=n))
            self.answer_group.addButton(button)
            self.answer_buttons[value] = button
            answers.addWidget(button)

        self.basis_group = QButtonGroup(self)
        self.basis_buttons: dict[str, QRadioButton] = {}
        basis = QHBoxLayout()
        basis.setSpacing(10)
        self.basis_label = QLabel(screening_tr("Based on:"))
        basis.addWidget(self.basis_label)
        for basis_value in BASIS_VALUES:
            button = QRadioButton(screening_tr(BASIS_LABELS[basis_value]))
            button.setAccessibleName(
                screening_tr("Based on {basis}: {label}").format(
                    basis=screening_tr(BASIS_LABELS[basis_value]).lower(), label=label_text
                )
            )
            button.setToolTip(
                screening_tr("Key {letter}").format(
                    letter="E" if basis_value == "evidence" else "G"
                )
            )
            self.basis_group.addButton(button)
            self.basis_buttons[basis_value] = button
            basis.addWidget(button)

        self.when_group = QButtonGroup(self)
        self.when_buttons: dict[str, QRadioButton] = {}
        when = QHBoxLayout()
        when.setSpacing(10)
        self.when_label = QLabel(screening_tr("When:"))
        when.addWidget(self.when_label)
        for when_value in WHEN_VALUES:
            button = QRadioButton(screening_tr(WHEN_LABELS[when_value]))
            button.setAccessibleName(
                screening_tr("When: {when}: {label}").format(
                    when=screening_tr(WHEN_LABELS[when_value]), label=label_text
                )
            )
            button.setToolTip(
                screening_tr("Key {letter}").format(letter="C" if when_value == "current" else "B")
            )
            self.when_group.addButton(button)
            self.when_buttons[when_value] = button
            when.addWidget(button)
        when.addStretch(1)

        self.note = QLineEdit()
        self.note.setPlaceholderText(
            screening_tr("Note (optional): what was seen or said, by whom")
        )
        self.note.setAccessibleName(screening_tr("Note: {label}").format(label=label_text))
        self.note.setToolTip(screening_tr("N comes here; Tab or Enter moves on; Esc goes back"))
        self.message = InlineMessage()
        self.message.setAccessibleName(screening_tr("Problem: {label}").format(label=label_text))
        # One stop per question: Tab goes from question to question (handled below); the
        # basis, when and note are reached by their keys (E/G, C/B, N) or the mouse.
        for button in (*self.basis_buttons.values(), *self.when_buttons.values()):
            button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.note.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        head = QHBoxLayout()
        head.addWidget(self.label, 1)
        head.addWidget(self.tag, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.required_tag, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.help_button, 0, Qt.AlignmentFlag.AlignTop)
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 8, 10, 10)
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(6)
        grid.addLayout(head, 0, 0, 1, 4)
        grid.addLayout(answers, 1, 0)
        grid.addLayout(basis, 1, 1)
        if section.has_time_period:
            grid.addLayout(when, 2, 0, 1, 3)
        else:
            for w in (self.when_label, *self.when_buttons.values()):
                w.hide()
        grid.addWidget(self.note, 3, 0, 1, 4)
        grid.addWidget(self.message, 4, 0, 1, 4)
        grid.setColumnStretch(3, 1)
        # Only once they are in the row's layout: showing a widget with no parent yet makes
        # it a window of its own for a moment.
        self.tag.setVisible(self.to_confirm)
        self.required_tag.setVisible(self.required)

        self.answer_group.buttonToggled.connect(self._answer_toggled)
        self.basis_group.buttonToggled.connect(self._emit_changed)
        self.when_group.buttonToggled.connect(self._emit_changed)
        self.note.textChanged.connect(self._emit_changed)
        for w in self.focusables():
            w.installEventFilter(self)
        self._update_enabled()

    # -- values ---------------------------------------------------------------------------
    def focusables(self) -> list[QWidget]:
        widgets: list[QWidget] = [*self.answer_buttons.values(), *self.basis_buttons.values()]
        if self.section.has_time_period:
            widgets += list(self.when_buttons.values())
        widgets.append(self.note)
        return widgets

    def value(self) -> str | None:
        for value, button in self.answer_buttons.items():
            if button.isChecked():
                return value
        return None

    def basis(self) -> str | None:
        for value, button in self.basis_buttons.items():
            if button.isChecked():
                return value
        return None

    def when(self) -> str | None:
        for value, button in self.when_buttons.items():
            if button.isChecked():
                return value
        return None

    @property
    def present(self) -> bool:
        return self.value() in PRESENT_VALUES

    def answer(self) -> Answer | None:
        """The row as an answer; None when nothing was given (counts as not answered)."""
        value = self.value()
        note = self.note.text().strip()
        if value is None and not note:
            return None
        value = value or "unknown"
        present = value in PRESENT_VALUES
        return Answer(
            indicator=self.indicator.id,
            value=value,
            basis=self.basis() if present else None,
            when=self.when() if present and self.section.has_time_period else None,
            note=note,
        )

    def set_answer(self, answer: Answer) -> None:
        self._loading = True
        try:
            if answer.value in self.answer_buttons:
                self.answer_buttons[answer.value].setChecked(True)
            if answer.basis in self.basis_buttons:
                self.basis_buttons[answer.basis].setChecked(True)
            if answer.when in self.when_buttons:
                self.when_buttons[answer.when].setChecked(True)
            self.note.setText(answer.note)
        finally:
            self._loading = False
        self._update_enabled()

    def set_value(self, value: str) -> None:
        self.answer_buttons[value].setChecked(True)

    def problem(self) -> str | None:
        """What is missing before the screening can be finished (the rule is the flow's)."""
        problem = answer_problem(
            required=self.required,
            has_time_period=self.section.has_time_period,
            value=self.value(),
            basis=self.basis(),
            when=self.when(),
        )
        label = self.indicator.label
        if problem == "required":
            return screening_tr(
                "'{label}' must be answered before you go on ('Not known' is an answer)."
            ).format(label=label)
        if problem == "basis":
            answer = screening_tr(ANSWER_LABELS[self.value() or ""])
            return screening_tr(
                "'{label}': say whether '{answer}' is based on evidence or a gut feeling."
            ).format(label=label, answer=answer)
        if problem == "when":
            return screening_tr(
                "'{label}': say when: now or in the past 6 months, or only before that."
            ).format(label=label)
        return None

    def show_problem(self, text: str) -> None:
        """The problem beside the question itself (not in a box)."""
        self.message.show_problem(text)
        self.mark("problem", True)

    def clear_problem(self) -> None:
        self.message.clear_problem()
        self.mark("problem", False)

    def mark(self, name: str, on: bool) -> None:
        if bool(self.property(name)) == on:
            return
        self.setProperty(name, "true" if on else None)
        self.style().unpolish(self)
        self.style().polish(self)

    def focus_answer(self) -> None:
        checked = self.answer_group.checkedButton()
        target = checked or self.answer_buttons["yes"]
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_problem(self) -> None:
        if self.required and self.value() is None:
            self.focus_answer()
        elif self.present and self.basis() is None:
            self.basis_buttons["evidence"].setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.present and self.section.has_time_period and self.when() is None:
            self.when_buttons["current"].setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.focus_answer()

    # -- changes --------------------------------------------------------------------------
    def _answer_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self._update_enabled()
            self._emit_changed()

    def _update_enabled(self) -> None:
        present = self.present
        for w in (self.basis_label, *self.basis_buttons.values()):
            w.setEnabled(present)
        for w in (self.when_label, *self.when_buttons.values()):
            w.setEnabled(present)
        if self.problem() is None:
            self.clear_problem()

    def _emit_changed(self, *_: Any) -> None:
        if self.problem() is None:
            self.clear_problem()
        if not self._loading:
            self.changed.emit()

    # -- keyboard ---------------------------------------------------------------------------
    def _key_target(self, event: QKeyEvent, on_note: bool) -> tuple[str, Any] | None:
        """What a key does on this row (see the module docstring); None: not ours."""
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = event.key()
        if key == K.Key_Backtab and mods in (
            Qt.KeyboardModifier.ShiftModifier,
            Qt.KeyboardModifier.NoModifier,
        ):
            return ("move", (-1, False)) if not on_note else ("answer_focus", None)
        if mods == Qt.KeyboardModifier.AltModifier and key == K.Key_U:
            return ("unanswered", None)
        if mods:
            return None
        if key == K.Key_F1:
            return ("help", "")
        if key in ENTER_KEYS:
            return ("move", (1, True))
        if key in NEXT_KEYS:
            return ("move", (1, False))
        if key in PREVIOUS_KEYS:
            return ("move", (-1, False))
        if on_note:
            if key == K.Key_Escape:
                return ("answer_focus", None)
            return None
        if key in ANSWER_KEYS:
            return ("answer", ANSWER_KEYS[key])
        if key in (K.Key_Left, K.Key_Right):
            return ("step", -1 if key == K.Key_Left else 1)
        if key == K.Key_N:
            return ("note", None)
        if key in BASIS_KEYS:
            return ("basis", BASIS_KEYS[key]) if self.present else ("swallow", None)
        if key in WHEN_KEYS and self.section.has_time_period:
            return ("when", WHEN_KEYS[key]) if self.present else ("swallow", None)
        if key == K.Key_Space:
            return None  # Space checks the focused button, as everywhere
        if event.text() and event.text().isprintable():
            return ("swallow", None)  # a stray letter never lands anywhere else
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(
            event, QKeyEvent
        ):
            target = self._key_target(event, watched is self.note)
            if target is None:
                return False
            if kind == QEvent.Type.ShortcutOverride:
                # Claim the key so a window shortcut (F1 = guidance, Esc = back) does not
                # take it here.
                event.accept()
                return True
            what, value = target
            if what == "help":
                self.help_requested.emit(self)
            elif what == "answer":
                self.answer_buttons[value].setChecked(True)
                self.focus_answer()
            elif what == "step":
                values = list(self.answer_buttons)
                current = self.value()
                i = values.index(current) + value if current else (0 if value > 0 else -1)
                self.answer_buttons[values[max(0, min(i, len(values) - 1))]].setChecked(True)
                self.focus_answer()
            elif what == "basis":
                self.basis_buttons[value].setChecked(True)
                self.focus_answer()
            elif what == "when":
                self.when_buttons[value].setChecked(True)
                self.focus_answer()
            elif what == "note":
                self.note.setFocus(Qt.FocusReason.ShortcutFocusReason)
                self.note.end(False)
            elif what == "answer_focus":
                self.focus_answer()
            elif what == "unanswered":
                self.unanswered_requested.emit()
            elif what == "move":
                delta, enter = value
                self.move.emit(delta, enter)
            return True
        return False
