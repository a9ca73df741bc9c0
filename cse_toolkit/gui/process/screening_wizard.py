"""The screening, as a form generated from the tool file (either tool), one section per page.

Page 1, "Before you start": the tool (the policy's default preselected; the other may be
chosen), the child's context (age worked out from the date of birth or approximate age on
today's date, learning disability, additional needs: prefilled from the child's record and
editable) and, first of all, the immediate danger question. Then one page per section with its
title, its "about" text and "Page n of m". Each indicator is a row: the label (with "To
confirm" where its wording is not yet confirmed locally), a "?" button / F1 for the longer help,
the answer (Yes / Possible / No / Not known), what it is based on (Evidence / Gut feeling, needed
and enabled only for Yes and Possible), when (for time-period sections) and a note.

Keyboard: one model, the same on every row whatever has been chosen (the legend above the
questions and docs/USER-GUIDE.md, "Keyboard", say it in these words). Each question is one stop:
Tab / Shift+Tab (or Down / Up) move to the next / previous question, Enter moves on (from the
last question, to the next page); 1-4 answer (Yes, Possible, No, Not known), Left / Right
step through the answers, E / G set the basis (evidence / gut feeling), C / B set when (now /
before), N goes to the question's note (Tab or Enter from the note moves on, Esc comes back),
F1 shows the help. Alt+U goes to the list of questions not answered yet; Alt+X next page,
Alt+V previous page, Esc back to the process.

Required questions (``required = true`` on an indicator in the tool file) stop Next with a
message inside the question's own row, as a missing basis does; nothing opens a box.

Nothing is lost: every change autosaves an in-progress ``ScreeningRecord`` (status
``in_progress``; ``input`` is ``ScreeningInput.to_dict()`` with ``tool_version`` set) 2 s after
it, on every page change and on ``save_draft()`` (called by the main window before it locks).
The page the user was on is kept as a small draft beside it. Opening the wizard for a child with
an in-progress screening resumes it, with exactly the tool version it was started with, at the
page it was on.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.entities import Child, ScreeningRecord
from cse_toolkit.core.screening import (
    Answer,
    ChildContext,
    ScreeningInput,
    evaluate,
    tool_for,
    validate_input,
)
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
    Tool,
    list_tools,
    load_tool,
)
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import autosave, dialogs
from cse_toolkit.gui.common.autosave import DraftTimer
from cse_toolkit.gui.common.pathway_widgets import (
    EmergencyBanner,
    InlineMessage,
    policy,
    section_title,
    wrap_label,
)
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.widgets import heading_label

log = logging.getLogger(__name__)

DRAFT_KIND = "screening_wizard"  # where an in-progress screening's page is kept

K = Qt.Key
ANSWER_KEYS = {K.Key_1: "yes", K.Key_2: "possible", K.Key_3: "no", K.Key_4: "unknown"}
NEXT_KEYS = (K.Key_Tab, K.Key_Down)
PREVIOUS_KEYS = (K.Key_Backtab, K.Key_Up)
ENTER_KEYS = (K.Key_Return, K.Key_Enter)
BASIS_KEYS = {K.Key_E: "evidence", K.Key_G: "gut_feeling"}
WHEN_KEYS = {K.Key_C: "current", K.Key_B: "prior"}
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


def _tr(text: str) -> str:
    return QApplication.translate("screening", text)


def legend_text(has_time_period: bool) -> str:
    """The key model, as the legend above the questions shows it."""
    return (
        _tr("Keys: 1 Yes · 2 Possible · 3 No · 4 Not known · E Evidence · G Gut feeling")
        + (_tr(" · C Now · B Before") if has_time_period else "")
        + _tr(" · N note · Tab or Enter next question · Shift+Tab previous · F1 help · "
              "Alt+U not answered")
    )


class IndicatorRow(QFrame):
    """One indicator: label, help, answer, basis, when, note."""

    changed = Signal()
    help_requested = Signal(object)  # the row
    move = Signal(int, bool)  # +1 next question / -1 previous; True when it was Enter
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
        self.tag = QLabel(_tr("To confirm"))
        self.tag.setObjectName("toConfirm")
        self.tag.setToolTip(_tr(TO_CONFIRM_TIP))
        self.tag.setAccessibleName(_tr("Wording to confirm"))
        self.required_tag = QLabel(_tr("Required"))
        self.required_tag.setObjectName("requiredTag")
        self.required_tag.setAccessibleName(_tr("This question must be answered"))
        self.help_button = QToolButton()
        self.help_button.setText("?")
        self.help_button.setAccessibleName(_tr("Help: {label}").format(label=label_text))
        self.help_button.setToolTip(_tr("What this means (F1)"))
        # F1 opens the help from any control of the row, so the button is not a tab stop.
        # Out of the Tab chain (one "?" per question would double the stops); F1 on any of
        # the question's controls opens the same help, and every control says so.
        self.help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.help_button.setAccessibleDescription(_tr("F1 opens the same help from the keyboard"))
        self.help_button.clicked.connect(lambda: self.help_requested.emit(self))

        self.answer_group = QButtonGroup(self)
        self.answer_buttons: dict[str, QRadioButton] = {}
        answers = QHBoxLayout()
        answers.setSpacing(14)
        for n, value in enumerate(ANSWER_VALUES, 1):
            button = QRadioButton(_tr(ANSWER_LABELS[value]))
            button.setAccessibleName(
                _tr("{answer}: {label}").format(answer=_tr(ANSWER_LABELS[value]), label=label_text)
            )
            button.setToolTip(_tr("Key {n}").format(n=n))
            self.answer_group.addButton(button)
            self.answer_buttons[value] = button
            answers.addWidget(button)

        self.basis_group = QButtonGroup(self)
        self.basis_buttons: dict[str, QRadioButton] = {}
        basis = QHBoxLayout()
        basis.setSpacing(10)
        self.basis_label = QLabel(_tr("Based on:"))
        basis.addWidget(self.basis_label)
        for value in BASIS_VALUES:
            button = QRadioButton(_tr(BASIS_LABELS[value]))
            button.setAccessibleName(
                _tr("Based on {basis}: {label}").format(
                    basis=_tr(BASIS_LABELS[value]).lower(), label=label_text
                )
            )
            button.setToolTip(
                _tr("Key {letter}").format(letter="E" if value == "evidence" else "G")
            )
            self.basis_group.addButton(button)
            self.basis_buttons[value] = button
            basis.addWidget(button)

        self.when_group = QButtonGroup(self)
        self.when_buttons: dict[str, QRadioButton] = {}
        when = QHBoxLayout()
        when.setSpacing(10)
        self.when_label = QLabel(_tr("When:"))
        when.addWidget(self.when_label)
        for value in WHEN_VALUES:
            button = QRadioButton(_tr(WHEN_LABELS[value]))
            button.setAccessibleName(
                _tr("When: {when}: {label}").format(when=_tr(WHEN_LABELS[value]), label=label_text)
            )
            button.setToolTip(_tr("Key {letter}").format(letter="C" if value == "current" else "B"))
            self.when_group.addButton(button)
            self.when_buttons[value] = button
            when.addWidget(button)
        when.addStretch(1)

        self.note = QLineEdit()
        self.note.setPlaceholderText(_tr("Note (optional): what was seen or said, by whom"))
        self.note.setAccessibleName(_tr("Note: {label}").format(label=label_text))
        self.note.setToolTip(_tr("N comes here; Tab or Enter moves on; Esc goes back"))
        self.message = InlineMessage()
        self.message.setAccessibleName(_tr("Problem: {label}").format(label=label_text))
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
        """What is missing before the screening can be finished."""
        if self.required and self.value() is None:
            return _tr(
                "'{label}' must be answered before you go on ('Not known' is an answer)."
            ).format(label=self.indicator.label)
        if not self.present:
            return None
        if self.basis() is None:
            return _tr(
                "'{label}': say whether '{answer}' is based on evidence or a gut feeling."
            ).format(label=self.indicator.label, answer=_tr(ANSWER_LABELS[self.value() or ""]))
        if self.section.has_time_period and self.when() is None:
            return _tr(
                "'{label}': say when: now or in the past 6 months, or only before that."
            ).format(label=self.indicator.label)
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
        if key == K.Key_Backtab and mods in (Qt.KeyboardModifier.ShiftModifier,
                                             Qt.KeyboardModifier.NoModifier):
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


class SectionPage(QWidget):
    """One section: title, about, its indicator rows, a help panel."""

    past_end = Signal(bool)  # moved on from the last question; True when it was Enter

    def __init__(self, section: Section, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.section = section
        self.setAccessibleName(section.title)
        self.title = heading_label(section.title, 1.4)
        self.about = wrap_label(section.about)
        self.about.setVisible(bool(section.about))
        self.keys = wrap_label(legend_text(section.has_time_period))
        self.keys.setAccessibleName(_tr("Keyboard keys"))
        self.keys.setStyleSheet("color: palette(text);")
        context = (
            ""
            if section.scored
            else _tr("Context only: these are recorded and exported, and never change the level.")
        )
        self.context_note = wrap_label(context)
        self.context_note.setVisible(bool(context))

        self.rows: list[IndicatorRow] = []
        content = QWidget()
        content.setStyleSheet(ROW_STYLE)
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(0)
        for n, indicator in enumerate(section.indicators, 1):
            row = IndicatorRow(n, section, indicator)
            self.rows.append(row)
            column.addWidget(row)
        column.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(content)
        self.scroll.setAccessibleName(_tr("Questions: {title}").format(title=section.title))

        self.help_box = QFrame()
        self.help_box.setObjectName("helpBox")
        self.help_box.setStyleSheet(
            "#helpBox { background: #f3f6fa; border: 1px solid #7d8ea6; border-radius: 3px; }"
            "#helpBox QLabel { color: #111111; background: transparent; }"
        )
        self.help_title = section_title("")
        self.help_text = wrap_label()
        self.help_text.setAccessibleName(_tr("Help text"))
        help_layout = QVBoxLayout(self.help_box)
        help_layout.addWidget(self.help_title)
        help_layout.addWidget(self.help_text)
        self.help_box.hide()
        self.message = InlineMessage()

        # The questions not answered yet, each a button that jumps to it (Alt+U comes here).
        self.unanswered_label = QLabel()
        self.unanswered_label.setAccessibleName(_tr("Questions not answered yet"))
        self.unanswered_buttons: list[QToolButton] = []
        self._jump_buttons: list[QToolButton] = []
        self._shown_missing: tuple[int, ...] | None = None
        self.unanswered_box = QWidget()
        self.unanswered_row = QHBoxLayout(self.unanswered_box)
        self.unanswered_row.setContentsMargins(0, 0, 0, 0)
        self.unanswered_row.addWidget(self.unanswered_label)
        self.unanswered_row.addStretch(1)
        jump = QShortcut(QKeySequence("Alt+U"), self)
        jump.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        jump.activated.connect(self.focus_unanswered)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.about)
        layout.addWidget(self.context_note)
        layout.addWidget(self.keys)
        layout.addWidget(self.unanswered_box)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.help_box)
        layout.addWidget(self.message)

        # The rows hold the focus (they scroll into view); the area itself is no Tab stop.
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row in self.rows:
            for widget in row.focusables():
                if not widget.accessibleDescription():
                    widget.setAccessibleDescription(_tr("F1: what this question means"))
            row.help_requested.connect(self.show_help)
            row.move.connect(lambda delta, enter, r=row: self._move(r, delta, enter))
            row.changed.connect(self.refresh_unanswered)
            row.unanswered_requested.connect(self.focus_unanswered)
        chain = [w for row in self.rows for w in row.focusables()]
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)
        self.refresh_unanswered()

    # -- moving between questions -----------------------------------------------------------
    def _move(self, row: IndicatorRow, delta: int, enter: bool) -> None:
        target = self.rows.index(row) + delta
        if target >= len(self.rows):
            self.past_end.emit(enter)
        elif target < 0:
            if not self.focus_unanswered():
                row.focus_answer()
        else:
            self.go_to_row(self.rows[target])

    def go_to_row(self, row: IndicatorRow) -> None:
        row.focus_answer()
        self.scroll.ensureWidgetVisible(row)

    def unanswered(self) -> list[IndicatorRow]:
        return [row for row in self.rows if row.value() is None]

    def refresh_unanswered(self) -> None:
        """Show one jump button per unanswered question (made once; shown or hidden)."""
        missing = self.unanswered()
        if not self._jump_buttons:
            for number, row in enumerate(self.rows, 1):
                button = QToolButton()
                button.setText(str(number))
                button.setToolTip(row.indicator.label)
                button.setAccessibleName(_tr("Go to question {n}: {label}").format(
                    n=number, label=row.indicator.label))
                button.clicked.connect(lambda _c=False, r=row: self.go_to_row(r))
                self.unanswered_row.insertWidget(self.unanswered_row.count() - 1, button)
                self._jump_buttons.append(button)
            # Reading order: the jump buttons (above the questions) come before the questions.
            chain = [*self._jump_buttons, *(w for row in self.rows for w in row.focusables())]
            for first, second in zip(chain, chain[1:], strict=False):
                self.setTabOrder(first, second)
        key = tuple(id(r) for r in missing)
        if key == self._shown_missing:
            return
        self._shown_missing = key
        for row, button in zip(self.rows, self._jump_buttons, strict=True):
            button.setVisible(row.value() is None)
        self.unanswered_buttons = [b for r, b in zip(self.rows, self._jump_buttons, strict=True)
                                   if r.value() is None]
        if not missing:
            self.unanswered_label.setText(_tr("Every question on this page has an answer."))
        else:
            self.unanswered_label.setText(
                ntr("screening", "%n question(s) not answered yet (Alt+U):", len(missing))
            )

    def focus_unanswered(self) -> bool:
        if not self.unanswered_buttons:
            return False
        self.unanswered_buttons[0].setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def show_help(self, row: IndicatorRow) -> None:
        ind = row.indicator
        self.help_title.setText(_tr("About: {label}").format(label=ind.label))
        text = ind.help or _tr("No further help for this question.")
        if row.to_confirm:
            text += "\n\n" + _tr("To confirm: ") + _tr(TO_CONFIRM_TIP)
        source = ind.source or self.section.source
        if source:
            text += "\n" + _tr("Source: {source}").format(source=source)
        self.help_text.setText(text)
        self.help_box.setAccessibleDescription(text)
        self.help_box.show()

    def first_problem(self) -> IndicatorRow | None:
        for row in self.rows:
            if row.problem() is not None:
                return row
        return None


class ContextPage(QWidget):
    """Before you start: immediate danger, the tool, the child's context."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_tr("Before you start"))
        self.title = heading_label(_tr("Before you start"), 1.4)

        self.danger_label = section_title(_tr("Is anyone in immediate danger right now?"))
        self.danger_yes = QRadioButton(_tr("&Yes"))
        self.danger_yes.setAccessibleName(_tr("Immediate danger: yes"))
        self.danger_no = QRadioButton(_tr("N&o"))
        self.danger_no.setAccessibleName(_tr("Immediate danger: no"))
        self.danger_group = QButtonGroup(self)
        self.danger_group.addButton(self.danger_yes)
        self.danger_group.addButton(self.danger_no)
        big = QFont(self.danger_yes.font())
        big.setPointSizeF(big.pointSizeF() * 1.2)
        self.danger_yes.setFont(big)
        self.danger_no.setFont(big)
        danger_row = QHBoxLayout()
        danger_row.addWidget(self.danger_yes)
        danger_row.addSpacing(20)
        danger_row.addWidget(self.danger_no)
        danger_row.addStretch(1)
        self.banner = EmergencyBanner()
        self.banner.hide()

        self.tool_combo = QComboBox()
        self.tool_combo.setAccessibleName(_tr("Screening tool"))
        self.tool_about = wrap_label()
        self.tool_about.setAccessibleName(_tr("About this tool"))
        self.age = QSpinBox()
        self.age.setRange(-1, 30)
        self.age.setSpecialValueText(_tr("Not known: enter it"))
        self.age.setSuffix(_tr(" years"))
        self.age.setAccessibleName(_tr("Age in whole years"))
        self.age_note = wrap_label()
        self.age_note.setAccessibleName(_tr("Where the age comes from"))
        self.learning_disability = QCheckBox(_tr("&Learning disability"))
        self.learning_disability.setAccessibleName(_tr("Learning disability"))
        self.additional_needs = QCheckBox(_tr("&Additional needs"))
        self.additional_needs.setAccessibleName(_tr("Additional needs"))
        self.child_note = wrap_label(
            _tr("Filled in from the child's record. Change them here if they are wrong today.")
        )

        # Word-wrapped notes sit under their control in a column, not in a form row: a form
        # row gives a wrapped label far too much height.
        self.tool_combo.setMinimumWidth(460)
        self.age.setMinimumWidth(200)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        tool_label = QLabel(_tr("Screening &tool"))
        tool_label.setBuddy(self.tool_combo)
        age_label = QLabel(_tr("A&ge"))
        age_label.setBuddy(self.age)
        grid.addWidget(tool_label, 0, 0)
        grid.addWidget(self.tool_combo, 0, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.tool_about, 1, 1)
        grid.addWidget(age_label, 2, 0)
        grid.addWidget(self.age, 2, 1, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.age_note, 3, 1)
        grid.addWidget(self.learning_disability, 4, 1)
        grid.addWidget(self.additional_needs, 5, 1)
        grid.addWidget(self.child_note, 6, 1)
        grid.setColumnStretch(1, 1)
        form = grid
        self.message = InlineMessage()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.danger_label)
        layout.addLayout(danger_row)
        layout.addWidget(self.banner)
        layout.addSpacing(16)
        layout.addWidget(section_title(_tr("The tool and the child")))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        chain = [
            self.danger_yes,
            self.danger_no,
            self.tool_combo,
            self.age,
            self.learning_disability,
            self.additional_needs,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)
        self.danger_group.buttonToggled.connect(self._danger)

    def _danger(self, *_: Any) -> None:
        self.banner.setVisible(self.danger_yes.isChecked())

    def danger(self) -> bool | None:
        if self.danger_yes.isChecked():
            return True
        if self.danger_no.isChecked():
            return False
        return None

    def set_danger(self, value: bool | None) -> None:
        self.danger_group.setExclusive(False)
        self.danger_yes.setChecked(value is True)
        self.danger_no.setChecked(value is False)
        self.danger_group.setExclusive(True)
        self._danger()


class ScreeningWizard(QWidget):
    """Run (or resume) a screening for one child.

    ``set_child(vault, child)`` starts or resumes; ``finished(screening_id)`` when the answers
    are complete (the record is saved, still in progress, for the outcome page);
    ``back_requested()`` to leave (the answers are kept). ``save_draft()`` / ``clear()`` follow
    the main window's lock protocol.
    """

    finished = Signal(str)
    back_requested = Signal()

    DEBOUNCE_MS = autosave.IDLE_MS
    MAX_WAIT_MS = autosave.MAX_WAIT_MS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_tr("Screening"))
        self._vault: Any = None
        self._child: Child | None = None
        self._tool: Tool | None = None
        self._record_id: str | None = None
        self._screened_at: Any = None
        self._page_draft_id: str | None = None
        self._danger_answered = False
        self._dirty = False
        self._loading = False
        self._saved_input: dict[str, Any] | None = None
        self._saved_position: dict[str, Any] | None = None
        self.pages: list[SectionPage] = []

        self._debounce = DraftTimer(self.save_draft, self, self.DEBOUNCE_MS, self.MAX_WAIT_MS)

        self.context = ContextPage()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.context)
        self.progress = QLabel()
        self.progress.setAccessibleName(_tr("Progress"))
        self.saved_label = QLabel()
        self.saved_label.setAccessibleName(_tr("Autosave"))
        self.prev_button = QPushButton(_tr("◀ Pre&vious"))
        self.prev_button.setAccessibleName(_tr("Previous page"))
        self.next_button = QPushButton(_tr("Ne&xt ▶"))
        self.next_button.setAccessibleName(_tr("Next page"))
        self.next_button.setDefault(True)
        self.back_button = QPushButton(_tr("Back to the &process"))
        self.back_button.setToolTip(_tr("Your answers are kept: come back to finish (Esc)"))
        self.prev_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        self.back_button.clicked.connect(self._back)
        nav = QHBoxLayout()
        nav.addWidget(self.progress)
        nav.addSpacing(12)
        nav.addWidget(self.saved_label, 1)
        nav.addWidget(self.back_button)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.stack, 1)
        layout.addLayout(nav)

        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self._back)

        c = self.context
        c.danger_group.buttonToggled.connect(self._danger_changed)
        c.tool_combo.currentIndexChanged.connect(self._tool_chosen)
        c.age.valueChanged.connect(self._changed)
        c.learning_disability.toggled.connect(self._changed)
        c.additional_needs.toggled.connect(self._changed)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self._update_nav()

    # -- properties for the process tab and tests -----------------------------------------
    @property
    def tool(self) -> Tool | None:
        return self._tool

    @property
    def record_id(self) -> str | None:
        return self._record_id

    @property
    def page_index(self) -> int:
        return self.stack.currentIndex()

    def rows(self) -> list[IndicatorRow]:
        return [row for page in self.pages for row in page.rows]

    def row(self, indicator_id: str) -> IndicatorRow:
        for row in self.rows():
            if row.indicator.id == indicator_id:
                return row
        raise KeyError(indicator_id)

    # -- start / resume -------------------------------------------------------------------
    def set_child(
        self, vault: Any, child: Child | str, *, immediate_danger: bool | None = None
    ) -> None:
        """Resume the child's in-progress screening, or start a new one.

        ``immediate_danger``: the answer already given at the danger check (prefilled).
        """
        self.save_draft()
        if isinstance(child, str):
            child = vault.repos.get_child(child)
        self._vault = vault
        self._child = child
        self._record_id = None
        self._page_draft_id = None
        self._saved_input = None
        self._saved_position = None
        self._dirty = False
        self.saved_label.clear()
        in_progress = [s for s in vault.repos.screenings_for(child.id) if s.status == "in_progress"]
        if in_progress:
            self._resume(max(in_progress, key=lambda s: s.screened_at))
        else:
            self._start(immediate_danger)

    def _fill_tools(self, selected: str) -> None:
        combo = self.context.tool_combo
        combo.blockSignals(True)
        combo.clear()
        for info in list_tools():
            combo.addItem(f"{info.name} (version {info.version})", info.id)
        index = combo.findData(selected)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def _start(self, immediate_danger: bool | None) -> None:
        assert self._child is not None
        child = self._child
        self._loading = True
        try:
            tool = load_tool(policy().default_tool)
            self._fill_tools(tool.id)
            today = self._vault.now().astimezone().date()
            age = child.age_on(today)
            c = self.context
            c.age.setValue(age if age is not None else -1)
            if child.dob is not None:
                c.age_note.setText(
                    _tr("Worked out from the date of birth ({dob}).").format(
                        dob=child.dob.strftime("%d/%m/%Y")
                    )
                )
            elif age is not None:
                c.age_note.setText(_tr("Worked out from the approximate age on the record."))
            else:
                c.age_note.setText(_tr("No age on the record: enter the child's age."))
            c.learning_disability.setChecked(child.learning_disability)
            c.additional_needs.setChecked(child.additional_needs)
            c.set_danger(immediate_danger)
            self._danger_answered = immediate_danger is not None
            self._screened_at = self._vault.now()
            self._set_tool(tool)
        finally:
            self._loading = False
        self._dirty = False
        self._go(0, save=False)

    def _resume(self, record: ScreeningRecord) -> None:
        inp = ScreeningInput.from_dict(record.input)
        tool = tool_for(inp)  # exactly the version it was started with
        page = 0
        self._page_draft_id = None
        for draft in self._vault.repos.drafts(DRAFT_KIND):
            if draft.target_id == record.id:
                self._page_draft_id = draft.id
                page = int(draft.payload.get("page", 0))
                self._danger_answered = bool(draft.payload.get("danger_answered", True))
        self._saved_input = record.input
        self._saved_position = {"page": page, "danger_answered": self._danger_answered}
        self._loading = True
        try:
            self._record_id = record.id
            self._screened_at = record.screened_at
            self._fill_tools(tool.id)
            c = self.context
            c.age.setValue(inp.child.age)
            c.age_note.setText(_tr("As entered when this screening was started."))
            c.learning_disability.setChecked(inp.child.learning_disability)
            c.additional_needs.setChecked(inp.child.additional_needs)
            c.set_danger(inp.immediate_danger if self._danger_answered else None)
            self._set_tool(tool)
            for answer in inp.answers:
                try:
                    self.row(answer.indicator).set_answer(answer)
                except KeyError:
                    log.warning("saved answer for an indicator the tool does not have")
        finally:
            self._loading = False
        self.saved_label.setText(
            _tr("Resumed the screening started {when}.").format(
                when=record.screened_at.astimezone().strftime("%d/%m/%Y %H:%M")
            )
        )
        self._go(min(max(page, 0), len(self.pages)), save=False)

    def _set_tool(self, tool: Tool) -> None:
        """Build one page per section of ``tool`` (answers of another tool are dropped)."""
        self._tool = tool
        for page in self.pages:
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages = []
        for section in tool.sections:
            page = SectionPage(section)
            page.past_end.connect(self._past_end)
            for row in page.rows:
                row.changed.connect(self._changed)
            self.pages.append(page)
            self.stack.addWidget(page)
        # After the page's questions: Next (Tab past the last question lands there, the key
        # model), then Back to the process and Previous, then out of the wizard. (Pages made
        # after the buttons would otherwise come after them in the chain.)
        last_rows = self.pages[-1].rows if self.pages else []
        if last_rows:
            anchor = last_rows[-1].focusables()[-1]
            for button in (self.next_button, self.back_button, self.prev_button):
                self.setTabOrder(anchor, button)
                anchor = button
        about = " ".join(tool.about.split())
        if len(about) > 400:  # the first sentences; the whole text is in About this tool
            cut = about.rfind(". ", 0, 400)
            about = about[: cut + 1] if cut > 0 else about[:400] + "…"
        self.context.tool_about.setText(f"{tool.area}. {about}")
        self._update_nav()

    def clear(self) -> None:
        """Forget everything (on lock, after ``save_draft``)."""
        self._debounce.stop()
        self._vault = None
        self._child = None
        self._saved_input = None
        self._saved_position = None
        self._record_id = None
        self._page_draft_id = None
        self._dirty = False
        self._loading = True
        try:
            for page in self.pages:
                self.stack.removeWidget(page)
                page.deleteLater()
            self.pages = []
            self._tool = None
            c = self.context
            c.tool_combo.clear()
            c.age.setValue(-1)
            c.age_note.clear()
            c.learning_disability.setChecked(False)
            c.additional_needs.setChecked(False)
            c.set_danger(None)
            c.message.clear_problem()
        finally:
            self._loading = False
        self.saved_label.clear()
        self.stack.setCurrentIndex(0)
        self._update_nav()

    # -- changes --------------------------------------------------------------------------
    def _danger_changed(self, *_: Any) -> None:
        if self._loading:
            return
        self._danger_answered = self.context.danger() is not None
        self._changed()

    def _tool_chosen(self, _index: int) -> None:
        if self._loading or self._tool is None:
            return
        tool_id = self.context.tool_combo.currentData()
        if tool_id == self._tool.id:
            return
        if any(row.answer() is not None for row in self.rows()) and not dialogs.confirm(
            self,
            _tr("Change the screening tool?"),
            _tr("The answers given with '{tool}' will be cleared.").format(tool=self._tool.name),
            _tr("&Change the tool"),
            _tr("&Keep the tool"),
        ):
            self._fill_tools(self._tool.id)
            return
        self._set_tool(load_tool(tool_id))
        self._changed()

    def _changed(self, *_: Any) -> None:
        if self._loading or self._vault is None:
            return
        self._dirty = True
        self._debounce.start()

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        # Keep the question with the keyboard focus in view and highlighted.
        if new is None or not self.pages:
            return
        row = new.parent()
        while row is not None and not isinstance(row, IndicatorRow):
            row = row.parent()
        if not isinstance(row, IndicatorRow):
            return
        page = self.stack.currentWidget()
        if isinstance(page, SectionPage) and row in page.rows:
            for other in page.rows:
                other.mark("active", other is row)
            page.scroll.ensureWidgetVisible(row, 0, 24)

    # -- the input --------------------------------------------------------------------------
    def current_input(self) -> ScreeningInput | None:
        """The screening as entered so far; None until the age is known."""
        if self._tool is None:
            return None
        c = self.context
        age = c.age.value()
        if age < 0:
            return None
        answers = [a for a in (row.answer() for row in self.rows()) if a is not None]
        return ScreeningInput(
            tool=self._tool.id,
            tool_version=self._tool.version,
            child=ChildContext(
                age=age,
                learning_disability=c.learning_disability.isChecked(),
                additional_needs=c.additional_needs.isChecked(),
            ),
            immediate_danger=bool(c.danger()),
            answers=answers,
        )

    def save_draft(self) -> None:
        """Autosave the in-progress screening and its page (``DraftEditor`` protocol)."""
        self._debounce.stop()
        if not self._dirty or self._vault is None or self._child is None or self._tool is None:
            return
        inp = self.current_input()
        if inp is None:
            return  # nothing can be scored without an age; the context page asks for it
        repos = self._vault.repos
        data = inp.to_dict()
        # Each write is a synced transaction: skip the parts that did not change (moving
        # between pages changes only the position).
        if self._record_id is None or data != self._saved_input:
            record = ScreeningRecord(
                id=self._record_id or str(uuid.uuid4()),
                child_id=self._child.id,
                tool_id=self._tool.id,
                tool_version=self._tool.version,
                screened_at=self._screened_at or self._vault.now(),
                input=data,
                status="in_progress",
            )
            self._record_id = repos.save_screening(record).id
            self._saved_input = data
        position = {"page": self.stack.currentIndex(), "danger_answered": self._danger_answered}
        if self._page_draft_id is None or position != self._saved_position:
            self._page_draft_id = repos.save_draft(
                DRAFT_KIND, self._record_id, position, self._page_draft_id
            )
            self._saved_position = position
        self._dirty = False
        self.saved_label.setText(
            _tr("Saved {time}").format(time=self._vault.now().astimezone().strftime("%H:%M:%S"))
        )

    def forget_position(self) -> None:
        """Drop the page draft (the screening was confirmed)."""
        if self._vault is not None and self._page_draft_id is not None:
            self._vault.repos.delete_draft(self._page_draft_id)
        self._page_draft_id = None

    # -- navigation -----------------------------------------------------------------------
    def _update_nav(self) -> None:
        index = self.stack.currentIndex()
        total = self.stack.count()
        self.prev_button.setEnabled(index > 0)
        if index == 0:
            self.progress.setText(_tr("Page 1 of {m}: before you start").format(m=total))
        else:
            self.progress.setText(_tr("Page {n} of {m}").format(n=index + 1, m=total))
        self.progress.setAccessibleDescription(self.progress.text())
        last = index == total - 1 and total > 1
        self.next_button.setText(_tr("See the &outcome ▶") if last else _tr("Ne&xt ▶"))
        self.next_button.setAccessibleName(_tr("See the outcome") if last else _tr("Next page"))

    def _go(self, index: int, *, save: bool = True) -> None:
        self.stack.setCurrentIndex(index)
        self._update_nav()
        if save and self._vault is not None:
            self._dirty = True
            self.save_draft()
        page = self.stack.currentWidget()
        if isinstance(page, SectionPage):
            page.message.clear_problem()
            if page.rows:
                page.rows[0].focus_answer()
        else:
            self.context.danger_yes.setFocus(Qt.FocusReason.OtherFocusReason)

    def previous(self) -> None:
        if self.stack.currentIndex() > 0:
            self._go(self.stack.currentIndex() - 1)

    def next(self) -> None:
        index = self.stack.currentIndex()
        if index == 0 and not self._check_context():
            return
        if index > 0:
            page = self.pages[index - 1]
            row = page.first_problem()
            if row is not None:
                self._show_row_problem(page, row)
                return
        if index < self.stack.count() - 1:
            self._go(index + 1)
        else:
            self.finish()

    def _check_context(self) -> bool:
        c = self.context
        c.message.clear_problem()
        if c.danger() is None:
            c.message.show_problem(_tr("Answer the first question: is anyone in immediate danger?"))
            c.danger_yes.setFocus()
            return False
        inp = self.current_input()
        if inp is None:
            c.message.show_problem(_tr("Enter the child's age in whole years."))
            c.age.setFocus()
            return False
        assert self._tool is not None
        try:
            validate_input(self._tool, inp.model_copy(update={"answers": []}))
        except UserError as exc:
            c.message.show_problem(
                str(exc).replace("The screening answers have problems:", "").strip()
            )
            c.age.setFocus()
            return False
        return True

    def _show_row_problem(self, page: SectionPage, row: IndicatorRow) -> None:
        """Stop on ``row``: its problem is said beside it, and the page's message says where."""
        problem = row.problem() or ""
        row.show_problem(problem)
        others = [r for r in page.rows if r is not row and r.problem() is not None]
        for other in others:
            other.show_problem(other.problem() or "")
        if others:
            problem += " " + ntr("screening", "%n more question(s) on this page must be "
                                 "completed too.", len(others))
        page.message.show_problem(problem)
        row.focus_problem()
        page.scroll.ensureWidgetVisible(row)

    def _past_end(self, enter: bool) -> None:
        """Moving on from the last question: Enter goes to the next page, Tab to Next."""
        if enter:
            self.next()
        else:
            self.next_button.setFocus(Qt.FocusReason.TabFocusReason)

    def finish(self) -> None:
        """Check every answer, save, and hand over to the outcome page."""
        if self._tool is None or not self._check_context_quiet():
            self._go(0, save=False)
            self._check_context()
            return
        for i, page in enumerate(self.pages):
            row = page.first_problem()
            if row is not None:
                self._go(i + 1, save=False)
                self._show_row_problem(page, row)
                return
        inp = self.current_input()
        assert inp is not None
        try:
            evaluate(self._tool, inp)
        except UserError as exc:
            page = self.stack.currentWidget()
            target = page.message if isinstance(page, SectionPage) else self.context.message
            target.show_problem(str(exc))
            return
        self._dirty = True
        self.save_draft()
        assert self._record_id is not None
        self.finished.emit(self._record_id)

    def _check_context_quiet(self) -> bool:
        inp = self.current_input()
        if inp is None or self.context.danger() is None or self._tool is None:
            return False
        try:
            validate_input(self._tool, inp.model_copy(update={"answers": []}))
        except UserError:
            return False
        return True

    def _back(self) -> None:
        self.save_draft()
        self.back_requested.emit()

    def go_to_page(self, index: int) -> None:
        """Open a page directly (the outcome page's "change answers")."""
        self._go(max(0, min(index, self.stack.count() - 1)), save=False)


def in_progress_screening(vault: Any, child_id: str) -> ScreeningRecord | None:
    """The child's newest in-progress screening, if any."""
    found = [s for s in vault.repos.screenings_for(child_id) if s.status == "in_progress"]
    return max(found, key=lambda s: s.screened_at) if found else None


__all__ = [
    "DRAFT_KIND",
    "IndicatorRow",
    "ScreeningWizard",
    "SectionPage",
    "in_progress_screening",
]
