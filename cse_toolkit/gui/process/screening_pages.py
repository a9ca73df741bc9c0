"""The pages of the screening wizard: "Before you start" (the context) and one page per section.

Thin views over the rows (``screening_rows.py``); the wizard (``screening_wizard.py``) and its
Qt-free flow (``core.screening_flow``) decide where to go."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.tools import (
    Section,
)
from cse_toolkit.gui.common.pathway_widgets import (
    EmergencyBanner,
    InlineMessage,
    section_title,
    wrap_label,
)
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.gui.process.screening_rows import (
    ROW_STYLE,
    TO_CONFIRM_TIP,
    IndicatorRow,
    legend_text,
    screening_tr,
)


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
        self.keys.setAccessibleName(screening_tr("Keyboard keys"))
        self.keys.setStyleSheet("color: palette(text);")
        context = (
            ""
            if section.scored
            else screening_tr(
                "Context only: these are recorded and exported, and never change the level."
            )
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
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(content)
        self.scroll_area.setAccessibleName(
            screening_tr("Questions: {title}").format(title=section.title)
        )

        self.help_box = QFrame()
        self.help_box.setObjectName("helpBox")
        self.help_box.setStyleSheet(
            "#helpBox { background: #f3f6fa; border: 1px solid #7d8ea6; border-radius: 3px; }"
            "#helpBox QLabel { color: #111111; background: transparent; }"
        )
        self.help_title = section_title("")
        self.help_text = wrap_label()
        self.help_text.setAccessibleName(screening_tr("Help text"))
        help_layout = QVBoxLayout(self.help_box)
        help_layout.addWidget(self.help_title)
        help_layout.addWidget(self.help_text)
        self.help_box.hide()
        self.message = InlineMessage()

        # The questions not answered yet, each a button that jumps to it (Alt+U comes here).
        self.unanswered_label = QLabel()
        self.unanswered_label.setAccessibleName(screening_tr("Questions not answered yet"))
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
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(self.help_box)
        layout.addWidget(self.message)

        # The rows hold the focus (they scroll into view); the area itself is no Tab stop.
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row in self.rows:
            for widget in row.focusables():
                if not widget.accessibleDescription():
                    widget.setAccessibleDescription(screening_tr("F1: what this question means"))
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
        self.scroll_area.ensureWidgetVisible(row)

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
                button.setAccessibleName(
                    screening_tr("Go to question {n}: {label}").format(
                        n=number, label=row.indicator.label
                    )
                )
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
        self.unanswered_buttons = [
            b for r, b in zip(self.rows, self._jump_buttons, strict=True) if r.value() is None
        ]
        if not missing:
            self.unanswered_label.setText(
                screening_tr("Every question on this page has an answer.")
            )
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
        self.help_title.setText(screening_tr("About: {label}").format(label=ind.label))
        text = ind.help or screening_tr("No further help for this question.")
        if row.to_confirm:
            text += "\n\n" + screening_tr("To confirm: ") + screening_tr(TO_CONFIRM_TIP)
        source = ind.source or self.section.source
        if source:
            text += "\n" + screening_tr("Source: {source}").format(source=source)
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
        self.setAccessibleName(screening_tr("Before you start"))
        self.title = heading_label(screening_tr("Before you start"), 1.4)

        self.danger_label = section_title(screening_tr("Is anyone in immediate danger right now?"))
        self.danger_yes = QRadioButton(screening_tr("&Yes"))
        self.danger_yes.setAccessibleName(screening_tr("Immediate danger: yes"))
        self.danger_no = QRadioButton(screening_tr("N&o"))
        self.danger_no.setAccessibleName(screening_tr("Immediate danger: no"))
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
        self.tool_combo.setAccessibleName(screening_tr("Screening tool"))
        self.tool_about = wrap_label()
        self.tool_about.setAccessibleName(screening_tr("About this tool"))
        self.age = QSpinBox()
        self.age.setRange(-1, 30)
        self.age.setSpecialValueText(screening_tr("Not known: enter it"))
        self.age.setSuffix(screening_tr(" years"))
        self.age.setAccessibleName(screening_tr("Age in whole years"))
        self.age_note = wrap_label()
        self.age_note.setAccessibleName(screening_tr("Where the age comes from"))
        self.learning_disability = QCheckBox(screening_tr("&Learning disability"))
        self.learning_disability.setAccessibleName(screening_tr("Learning disability"))
        self.additional_needs = QCheckBox(screening_tr("&Additional needs"))
        self.additional_needs.setAccessibleName(screening_tr("Additional needs"))
        self.child_note = wrap_label(
            screening_tr(
                "Filled in from the child's record. Change them here if they are wrong today."
            )
        )

        # Word-wrapped notes sit under their control in a column, not in a form row: a form
        # row gives a wrapped label far too much height.
        self.tool_combo.setMinimumWidth(460)
        self.age.setMinimumWidth(200)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(6)
        tool_label = QLabel(screening_tr("Screening &tool"))
        tool_label.setBuddy(self.tool_combo)
        age_label = QLabel(screening_tr("A&ge"))
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
        layout.addWidget(section_title(screening_tr("The tool and the child")))
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
