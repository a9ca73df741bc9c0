"""The widgets of the intelligence report editor, built once (``IntelEditorForm``).

The editor is three layers, each one job: this form builds the controls and connects them to
the editor's slots; ``intel_editor_fields.IntelEditorFields`` handles edits to the fields, the
linked children, the facts and the entities; ``intel_editor.IntelReportEditor`` holds the
report and the vault: loading, saving drafts, checks, finalising and exporting. The slots this
form connects to are declared below (for the type checker) and defined by the layers above.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core import intelligence as intel
from cse_toolkit.gui.common.autosave import DraftTimer
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.gui.intel.intel_checks_panel import STOP_COLOUR, ChecksPanel
from cse_toolkit.gui.intel.intel_entity_forms import (
    FORM_TYPES,
    EntityForm,
)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

FACT_DRAFT_KIND = "intel_fact"  # the fact line being typed, before Enter adds it
NOT_ON_CASELOAD = "another child (not on your caseload)"
EMERGENCY_BANNER = "Call 999 now \u2014 intelligence forms are not for emergencies"


def child_label(name: str, alias: str) -> str:
    """A linked child as this editor may show them: name and alias, nothing else."""
    if name and alias:
        return f"{name} ({alias})"
    return name or alias or "child with no name recorded"


class IntelEditorForm(QWidget):
    """The report editor's controls; ``IntelReportEditor`` is the class to use."""

    # The editor's state (set in ``IntelReportEditor.__init__``), shared by the three layers.
    _vault: Vault | None
    _report: intel.IntelReport | None
    _dirty: bool
    _loading: bool
    _handling_touched: bool
    _stored: bool
    _children: dict[str, str]
    _completion: dict[str, str]
    warnings: list[intel.QualityWarning]
    last_saved: datetime | None
    _debounce: DraftTimer
    _fact_dirty: bool
    _fact_draft_id: str | None

    if TYPE_CHECKING:  # the slots the controls connect to, defined by the layers above

        def _close(self) -> None: ...
        def _entity_edited(self) -> None: ...
        def _entity_selected(self, row: int) -> None: ...
        def _fact_edited(self, item: QTableWidgetItem) -> None: ...
        def _fact_typed(self, *_: object) -> None: ...
        def _fields_edited(self, *_args: object) -> None: ...
        def _handling_edited(self, *_args: object) -> None: ...
        def _learned_today(self) -> None: ...
        def _link_text(self, text: str) -> None: ...
        def _no_child_toggled(self, checked: bool) -> None: ...
        def _source_changed(self, _index: int) -> None: ...
        def _unlink(self) -> None: ...
        def add_entity(self, kind: str) -> None: ...
        def add_fact_from_input(self) -> None: ...
        def edit_fact(self) -> None: ...
        def finalise(self) -> bool: ...
        def go_to(self, ref: str) -> None: ...
        def move_fact(self, step: int) -> None: ...
        def override(self, warning: intel.QualityWarning) -> bool: ...
        def remove_entity(self) -> None: ...
        def remove_fact(self) -> None: ...
        def reopen(self) -> None: ...
        def request_export(self) -> None: ...

    # =====================================================================================
    # Building the form
    # =====================================================================================
    def _build(self) -> None:
        tr = self.tr
        # -- banner and header ----------------------------------------------------------
        self.banner = QLabel(tr(EMERGENCY_BANNER))
        self.banner.setObjectName("emergencyBanner")
        self.banner.setAccessibleName(tr(EMERGENCY_BANNER))
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setWordWrap(True)
        font = QFont(self.banner.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.banner.setFont(font)
        self.banner.setStyleSheet(
            f"QLabel#emergencyBanner {{ background: {STOP_COLOUR}; color: white; "
            "padding: 10px; border-radius: 4px; }"
        )
        self.banner.setVisible(False)

        self.heading = heading_label(tr("Intelligence report"))
        self.status_label = QLabel()
        self.status_label.setAccessibleName(tr("Report status"))
        self.status_label.setWordWrap(True)
        self.back_button = QPushButton(tr("\u2190 &Back to reports"))
        self.back_button.setAccessibleName(tr("Back to reports"))
        self.back_button.setToolTip(tr("Save the draft and go back to the list (Alt+B)"))
        self.back_button.clicked.connect(self._close)
        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.status_label)
        head.addLayout(titles, 1)
        head.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)

        # -- left: the form ----------------------------------------------------------------
        self.form_area = QWidget()
        column = QVBoxLayout(self.form_area)
        column.addWidget(self._build_about())
        column.addWidget(self._build_children())
        column.addWidget(self._build_facts())
        column.addWidget(self._build_entities())
        column.addWidget(self._build_handling())
        column.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setWidget(self.form_area)
        self.scroll_area.setAccessibleName(tr("Report form"))

        # -- right: checks, 5WH, actions -----------------------------------------------------
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        side_layout.addWidget(heading_label(tr("Checks"), 1.1))
        self.checks = ChecksPanel()
        self.checks.go_to.connect(self.go_to)
        self.checks.override_requested.connect(self.override)
        side_layout.addWidget(self.checks, 3)
        side_layout.addWidget(heading_label(tr("Who, what, when, where, how, why"), 1.1))
        self.prompts = QListWidget()
        self.prompts.setAccessibleName(tr("5WH checklist"))
        self.prompts.setToolTip(
            tr("Ticks when the report seems to answer the question; a prompt, not a judgement")
        )
        self.prompts.setWordWrap(True)
        self.prompts.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        # Seven prompts of up to two wrapped lines each, all in view without scrolling.
        self.prompts.setMinimumHeight(self.prompts.fontMetrics().lineSpacing() * 14 + 12)
        side_layout.addWidget(self.prompts, 0)
        actions = QHBoxLayout()
        self.finalise_button = QPushButton(tr("Finalise"))
        self.finalise_button.setAccessibleName(tr("Finalise the report"))
        self.finalise_button.setToolTip(
            tr("Mark the report final once every warning is fixed or overridden (Ctrl+Shift+F)")
        )
        self.finalise_button.clicked.connect(self.finalise)
        self.reopen_button = QPushButton(tr("Reopen as draft"))
        self.reopen_button.setAccessibleName(tr("Reopen the report as a draft"))
        self.reopen_button.setToolTip(tr("Make changes to a finalised report"))
        self.reopen_button.clicked.connect(self.reopen)
        self.export_button = QPushButton(tr("Export for the police…"))
        self.export_button.setAccessibleName(tr("Export for the police"))
        self.export_button.setToolTip(
            tr("Make the encrypted pack for the police (Ctrl+Shift+E); finalise first")
        )
        self.export_button.clicked.connect(self.request_export)
        actions.addWidget(self.finalise_button)
        actions.addWidget(self.reopen_button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        side_layout.addLayout(actions)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.scroll_area)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(head)
        layout.addWidget(self.splitter, 1)

    def _group(self, title: str) -> tuple[QGroupBox, QVBoxLayout]:
        box = QGroupBox(title)
        box.setAccessibleName(title)
        return box, QVBoxLayout(box)

    def _line(self, accessible: str, placeholder: str = "", tip: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        if tip:
            edit.setToolTip(tip)
        edit.textEdited.connect(self._fields_edited)
        return edit

    def _check(self, text: str, accessible: str, tip: str = "") -> QCheckBox:
        box = QCheckBox(text)
        box.setAccessibleName(accessible)
        if tip:
            box.setToolTip(tip)
        box.toggled.connect(self._fields_edited)
        return box

    def _build_about(self) -> QGroupBox:
        tr = self.tr
        box, outer = self._group(tr("About this report"))
        # Two label/field pairs a row: the form stays short enough to see the facts below it.
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        outer.addLayout(grid)

        def label(text: str, buddy: QWidget) -> QLabel:
            caption = QLabel(text)
            caption.setBuddy(buddy)
            return caption

        self.title_edit = self._line(
            tr("Report title"), tr("A few words, for example: Silver Corsa collecting girls")
        )
        grid.addWidget(label(tr("&Title:"), self.title_edit), 0, 0)
        grid.addWidget(self.title_edit, 0, 1, 1, 3)
        self.learned_date = self._line(
            tr("Date learned"), tr("dd/mm/yyyy"), tr("The day you learned this (dd/mm/yyyy)")
        )
        self.learned_time = self._line(
            tr("Time learned"), tr("hh:mm"), tr("The time, if you know it (24-hour, hh:mm)")
        )
        self.learned_time.setMaximumWidth(70)
        self.today_button = QPushButton(tr("Today"))
        self.today_button.setAccessibleName(tr("Set the date learned to today"))
        self.today_button.clicked.connect(self._learned_today)
        when = QHBoxLayout()
        when.addWidget(self.learned_date, 2)
        when.addWidget(QLabel(tr("at")))
        when.addWidget(self.learned_time, 1)
        when.addWidget(self.today_button)
        grid.addWidget(label(tr("Learned on &date:"), self.learned_date), 1, 0)
        grid.addLayout(when, 1, 1)
        self.learned_place = self._line(
            tr("Where you learned it"), tr("for example youth centre, outreach in town")
        )
        grid.addWidget(label(tr("Where learned:"), self.learned_place), 1, 2)
        grid.addWidget(self.learned_place, 1, 3)
        self.when_error = QLabel()
        self.when_error.setStyleSheet(f"color: {STOP_COLOUR};")
        self.when_error.setAccessibleName(tr("Problem with the date learned"))
        self.when_error.setVisible(False)
        grid.addWidget(self.when_error, 2, 1, 1, 3)
        # Issue 14: when it happened, apart from when it was learned.
        self.happened_edit = self._line(
            tr("When it happened"),
            tr("for example Friday 20/11 around 21:00, or most weekends since October"),
            tr("When the things in this report happened, as exactly as you know"),
        )
        grid.addWidget(label(tr("When it &happened:"), self.happened_edit), 3, 0)
        grid.addWidget(self.happened_edit, 3, 1, 1, 3)
        self.source_combo = QComboBox()
        self.source_combo.setAccessibleName(tr("How it is known"))
        for value, text in intel.SOURCE_TYPES.items():
            self.source_combo.addItem(tr(text), value)
        self.source_combo.currentIndexChanged.connect(self._source_changed)
        grid.addWidget(label(tr("How it is &known:"), self.source_combo), 4, 0)
        grid.addWidget(self.source_combo, 4, 1)
        self.source_detail = self._line(
            tr("Source detail"),
            tr("for example: told me in a 1:1 session"),
            tr("Who the source is and how they know; the police remove it before using this"),
        )
        grid.addWidget(label(tr("Source detail:"), self.source_detail), 4, 2)
        grid.addWidget(self.source_detail, 4, 3)
        self.already_reported = self._check(
            tr("Reported as a crime"),
            tr("Already reported as a crime"),
            tr("Tick if this has already been reported to the police as a crime"),
        )
        self.crime_reference = self._line(
            tr("Crime or log reference"), tr("Crime or log reference")
        )
        self.already_reported.toggled.connect(self.crime_reference.setEnabled)
        self.crime_reference.setEnabled(False)
        reported = QHBoxLayout()
        reported.addWidget(self.already_reported)
        reported.addWidget(self.crime_reference, 1)
        grid.addWidget(QLabel(tr("Already:")), 5, 0)
        grid.addLayout(reported, 5, 1)
        self.other_agencies = self._line(
            tr("Other agencies told"), tr("for example Children's Social Care, school DSL")
        )
        grid.addWidget(label(tr("Agencies told:"), self.other_agencies), 5, 2)
        grid.addWidget(self.other_agencies, 5, 3)
        return box

    def _row(self, form: QFormLayout, text: str, widget: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(widget)
        form.addRow(label, widget)

    def _build_children(self) -> QGroupBox:
        tr = self.tr
        box, outer = self._group(tr("Children this is about"))
        hint = QLabel(
            tr("Only each child's name and alias is shown here; their record stays separate.")
        )
        hint.setWordWrap(True)
        outer.addWidget(hint)
        pick = QHBoxLayout()
        self.child_search = QLineEdit()
        self.child_search.setAccessibleName(tr("Find a child to link"))
        self.child_search.setPlaceholderText(tr("Type a name or alias"))
        self.child_search.setToolTip(tr("Type part of a name or alias, then Enter to link"))
        self._child_model = QStringListModel(self)
        completer = QCompleter(self._child_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.activated.connect(self._link_text)
        self.child_search.setCompleter(completer)
        self.child_search.returnPressed.connect(lambda: self._link_text(self.child_search.text()))
        label = QLabel(tr("Link a &child:"))
        label.setBuddy(self.child_search)
        self.link_button = QPushButton(tr("Link"))
        self.link_button.setAccessibleName(tr("Link this child"))
        self.link_button.clicked.connect(lambda: self._link_text(self.child_search.text()))
        pick.addWidget(label)
        pick.addWidget(self.child_search, 1)
        pick.addWidget(self.link_button)
        outer.addLayout(pick)
        self.linked_list = QListWidget()
        self.linked_list.setAccessibleName(tr("Linked children"))
        self.linked_list.setToolTip(tr("Delete unlinks the selected child"))
        self.linked_list.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.linked_list.setMaximumHeight(60)
        outer.addWidget(self.linked_list)
        row = QHBoxLayout()
        self.unlink_button = QPushButton(tr("Unlink"))
        self.unlink_button.setAccessibleName(tr("Unlink the selected child"))
        self.unlink_button.clicked.connect(self._unlink)
        self.no_child = self._check(
            tr("Not about a particular child"),
            tr("Not about a particular child"),
            tr("Tick when the information is not about one child (for example a place)"),
        )
        self.no_child.toggled.connect(self._no_child_toggled)
        row.addWidget(self.unlink_button)
        row.addStretch(1)
        row.addWidget(self.no_child)
        outer.addLayout(row)
        return box

    def _build_facts(self) -> QGroupBox:
        tr = self.tr
        box, outer = self._group(tr("The information: one short fact per line"))
        hint = QLabel(
            tr(
                "Short and factual: SURNAME Forename DOB, then what was seen or said. Any detail "
                "counts."
            )
        )
        hint.setWordWrap(True)
        outer.addWidget(hint)
        add = QHBoxLayout()
        self.fact_input = QLineEdit()
        self.fact_input.setAccessibleName(tr("New fact"))
        self.fact_input.setPlaceholderText(tr("Write one fact, then Enter or Ctrl+Enter to add it"))
        self.fact_input.setToolTip(tr("Enter or Ctrl+Enter adds the line (Alt+F comes here)"))
        self.fact_input.setMaxLength(2000)
        self.fact_input.returnPressed.connect(self.add_fact_from_input)
        self.fact_input.textEdited.connect(self._fact_typed)
        label = QLabel(tr("New &fact:"))
        label.setBuddy(self.fact_input)
        self.add_fact_button = QPushButton(tr("Add line"))
        self.add_fact_button.setAccessibleName(tr("Add the fact line"))
        self.add_fact_button.setToolTip(tr("Add the line (Ctrl+Enter)"))
        self.add_fact_button.clicked.connect(self.add_fact_from_input)
        add.addWidget(label)
        add.addWidget(self.fact_input, 1)
        add.addWidget(self.add_fact_button)
        outer.addLayout(add)

        self.facts_table = QTableWidget(0, 1)
        self.facts_table.setAccessibleName(tr("Fact lines"))
        self.facts_table.setToolTip(
            tr("F2 edits a line, Delete removes it, Alt+Up and Alt+Down move it")
        )
        self.facts_table.horizontalHeader().setVisible(False)
        self.facts_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.facts_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.facts_table.setWordWrap(True)
        self.facts_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.facts_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.facts_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        # Grow with the lines written rather than fill the form with empty rows.
        self.facts_table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.facts_table.setMinimumHeight(96)
        self.facts_table.itemChanged.connect(self._fact_edited)
        outer.addWidget(self.facts_table)
        self.closing_preview = QLabel(intel.CLOSING_MARKER)
        self.closing_preview.setAccessibleName(tr("Closing line"))
        self.closing_preview.setStyleSheet("color: palette(placeholder-text); padding-left: 4px;")
        self.closing_preview.setVisible(False)
        outer.addWidget(self.closing_preview)
        buttons = QHBoxLayout()
        self.edit_fact_button = self._small_button(
            tr("Edit"), tr("Edit the selected fact"), tr("F2"), self.edit_fact
        )
        self.remove_fact_button = self._small_button(
            tr("Remove"), tr("Remove the selected fact"), tr("Delete"), self.remove_fact
        )
        self.up_button = self._small_button(
            tr("Move up"), tr("Move the selected fact up"), tr("Alt+Up"), lambda: self.move_fact(-1)
        )
        self.down_button = self._small_button(
            tr("Move down"),
            tr("Move the selected fact down"),
            tr("Alt+Down"),
            lambda: self.move_fact(1),
        )
        for button in (
            self.edit_fact_button,
            self.remove_fact_button,
            self.up_button,
            self.down_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.closing_check = self._check(
            tr("I have nothing more to add"),
            tr("I have nothing more to add"),
            tr(
                'Adds the closing line "(no more information available)" so the police know '
                "there is nothing more to ask you"
            ),
        )
        buttons.addWidget(self.closing_check)
        outer.addLayout(buttons)
        return box

    def _small_button(self, text: str, accessible: str, key: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(accessible)
        button.setToolTip(f"{accessible} ({key})")
        button.clicked.connect(lambda _=False: slot())
        return button

    def _build_entities(self) -> QGroupBox:
        tr = self.tr
        box, outer = self._group(tr("People, vehicles, phones, accounts and places"))
        adds = QHBoxLayout()
        self.add_buttons: dict[str, QPushButton] = {}
        for kind, text, key, accessible in (
            ("person", tr("Add perso&n"), "Alt+N", tr("Add a person")),
            ("vehicle", tr("Add &vehicle"), "Alt+V", tr("Add a vehicle")),
            ("phone", tr("Add &phone"), "Alt+P", tr("Add a phone number")),
            ("online", tr("Add &online account"), "Alt+O", tr("Add an online account")),
            ("location", tr("Add p&lace"), "Alt+L", tr("Add a place")),
            ("financial", tr("Add &money"), "Alt+M", tr("Add an account, card or payment")),
            ("weapon", tr("Add &weapon"), "Alt+W", tr("Add a weapon")),
        ):
            button = QPushButton(text)
            button.setAccessibleName(accessible)
            button.setToolTip(f"{accessible} ({key})")
            button.clicked.connect(lambda _=False, k=kind: self.add_entity(k))
            self.add_buttons[kind] = button
            adds.addWidget(button)
        adds.addStretch(1)
        outer.addLayout(adds)
        body = QHBoxLayout()
        left = QVBoxLayout()
        self.entity_list = QListWidget()
        self.entity_list.setAccessibleName(tr("People, vehicles, phones, accounts and places"))
        self.entity_list.setToolTip(tr("Delete removes the selected item"))
        self.entity_list.setMinimumWidth(240)
        self.entity_list.currentRowChanged.connect(self._entity_selected)
        left.addWidget(self.entity_list, 1)
        self.remove_entity_button = QPushButton(tr("Remove item"))
        self.remove_entity_button.setAccessibleName(tr("Remove the selected item"))
        self.remove_entity_button.setToolTip(tr("Remove the selected item (Delete in the list)"))
        self.remove_entity_button.clicked.connect(self.remove_entity)
        left.addWidget(self.remove_entity_button)
        body.addLayout(left, 2)
        right = QVBoxLayout()
        self.entity_stack = QStackedWidget()
        self.entity_stack.setAccessibleName(tr("Details of the selected item"))
        self.empty_entity = QLabel(
            tr("Add the people, vehicles, phones, accounts and places in the facts, one each.")
        )
        self.empty_entity.setWordWrap(True)
        self.empty_entity.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.entity_stack.addWidget(self.empty_entity)
        self.forms: dict[str, EntityForm] = {}
        for kind, cls in FORM_TYPES.items():
            form = cls()
            form.edited.connect(self._entity_edited)
            self.forms[kind] = form
            self.entity_stack.addWidget(form)
        right.addWidget(self.entity_stack)
        self.entity_error = QLabel()
        self.entity_error.setStyleSheet(f"color: {STOP_COLOUR};")
        self.entity_error.setWordWrap(True)
        self.entity_error.setAccessibleName(tr("Problem with this item"))
        self.entity_error.setVisible(False)
        right.addWidget(self.entity_error)
        body.addLayout(right, 3)
        outer.addLayout(body)
        self.subjects_linked = self._check(
            tr("The people named are linked (for example seen together)"),
            tr("The people named are linked"),
            tr("One subject per report unless the people are linked"),
        )
        outer.addWidget(self.subjects_linked)
        return box

    def _build_handling(self) -> QGroupBox:
        tr = self.tr
        box, outer = self._group(tr("Suggested handling (3\u00d75\u00d72)"))
        self.handling_note = QLabel(tr(intel.HANDLING_LABEL))
        self.handling_note.setWordWrap(True)
        font = QFont(self.handling_note.font())
        font.setBold(True)
        self.handling_note.setFont(font)
        outer.addWidget(self.handling_note)
        form = QFormLayout()
        outer.addLayout(form)
        self.source_eval = QComboBox()
        self.source_eval.setAccessibleName(tr("Suggested source evaluation"))
        for code, text in intel.SOURCE_EVALUATIONS.items():
            self.source_eval.addItem(f"{code} \u2014 {tr(text)}", code)
        self._row(form, tr("Source evaluation:"), self.source_eval)
        self.assessment = QComboBox()
        self.assessment.setAccessibleName(tr("Suggested intelligence assessment"))
        for code, text in intel.INTELLIGENCE_ASSESSMENTS.items():
            self.assessment.addItem(f"{code} \u2014 {tr(text)}", code)
        self._row(form, tr("Intelligence assessment:"), self.assessment)
        self.handling_code = QComboBox()
        self.handling_code.setAccessibleName(tr("Suggested handling code"))
        for code, text in intel.HANDLING_CODES.items():
            self.handling_code.addItem(f"{code} \u2014 {tr(text)}", code)
        self._row(form, tr("Handling code:"), self.handling_code)
        self.conditions = QLineEdit()
        self.conditions.setAccessibleName(tr("Handling conditions"))
        self.conditions.setPlaceholderText(tr("Needed for C: the conditions on sharing"))
        self._row(form, tr("Conditions:"), self.conditions)
        self.handling_error = QLabel()
        self.handling_error.setStyleSheet(f"color: {STOP_COLOUR};")
        self.handling_error.setWordWrap(True)
        self.handling_error.setVisible(False)
        outer.addWidget(self.handling_error)
        for combo in (self.source_eval, self.assessment, self.handling_code):
            combo.currentIndexChanged.connect(self._handling_edited)
        self.conditions.textEdited.connect(self._handling_edited)
        return box
