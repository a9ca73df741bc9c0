"""Writing an information report for the police (the "FIB form").

``IntelReportEditor`` edits one :class:`~cse_toolkit.core.intelligence.IntelReport`. It is kept
apart from children's records: of a linked child it shows only the name and alias (data
minimisation), never anything else from their record.

While the user writes:

* the quality checks (``check_report`` with today's date from the vault's clock) run after
  every change and show in a panel; each warning can be overridden with a reason
  (``apply_override``). The ``emergency`` stop shows a banner "Call 999 now" and can only be
  acknowledged with a reason saying 999 was called. Overridden warnings stay listed.
* the 5WH prompts tick as they are answered;
* the report is saved as an encrypted draft (``vault.intel.save``, status ``draft``) 2 s after
  the last change and at least every 8 s of continuous editing; the main window also calls
  ``save_draft()`` before locking (``protocols.DraftEditor``).

"Finalise" refuses while any warning is neither fixed nor overridden, naming each one.

Signals:

* ``export_requested(str)``: the report id, when the user asks to export a *final* report for
  the police. The export dialog (another part of the app) listens; the report is saved first.
* ``saved(str)``: the report id after each save (draft or final), so lists can refresh.
* ``closed()``: the user asked to go back to the list (the draft is saved first).

Keyboard (also in the tooltips): Ctrl+Enter adds the fact line being written (or goes to the
new-fact box); Alt+N adds a person, Alt+V a vehicle, Alt+P a phone, Alt+O an online account,
Alt+L a place; in the facts list F2 edits, Delete removes, Alt+Up / Alt+Down move a line;
F8 goes to the first open warning; Ctrl+Shift+F finalises; Ctrl+Shift+E exports.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
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
    QListWidgetItem,
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
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import autosave, dialogs
from cse_toolkit.gui.common.autosave import DraftTimer
from cse_toolkit.gui.common.widgets import heading_label, local_time, plain_tip
from cse_toolkit.gui.intel.intel_checks_panel import STOP_COLOUR, ChecksPanel, ref_label
from cse_toolkit.gui.intel.intel_entity_forms import (
    FORM_TYPES,
    EntityForm,
    entity_label,
    parse_day,
)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

FACT_DRAFT_KIND = "intel_fact"  # the fact line being typed, before Enter adds it
NOT_ON_CASELOAD = "another child (not on your caseload)"
EMERGENCY_BANNER = "Call 999 now \u2014 intelligence forms are not for emergencies"
PROMPT_NAMES = {
    "who": "Who",
    "what": "What",
    "when": "When",
    "where": "Where",
    "how": "How",
    "why": "Why",
    "frequency": "How often",
}


def child_label(name: str, alias: str) -> str:
    """A linked child as this editor may show them: name and alias, nothing else."""
    if name and alias:
        return f"{name} ({alias})"
    return name or alias or "child with no name recorded"


class IntelReportEditor(QWidget):
    export_requested = Signal(str)
    saved = Signal(str)
    closed = Signal()

    DEBOUNCE_MS = autosave.IDLE_MS
    MAX_WAIT_MS = autosave.MAX_WAIT_MS

    def __init__(self, vault: Vault | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Intelligence report"))
        self._vault: Vault | None = None
        self._report: intel.IntelReport | None = None
        self._dirty = False
        self._loading = False
        self._handling_touched = False
        self._stored = False  # the report is in the vault (loaded, or saved once)
        self._children: dict[str, str] = {}  # id -> name/alias label
        self._completion: dict[str, str] = {}  # completer text -> id
        self.warnings: list[intel.QualityWarning] = []
        self.last_saved: datetime | None = None

        self._debounce = DraftTimer(self._autosave, self, self.DEBOUNCE_MS, self.MAX_WAIT_MS)
        self._fact_dirty = False
        self._fact_draft_id: str | None = None

        self._build()
        self._wire_shortcuts()
        self._set_tab_order()
        self.setEnabled(False)
        if vault is not None:
            self.set_vault(vault)

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
        self.source_combo = QComboBox()
        self.source_combo.setAccessibleName(tr("How it is known"))
        for value, text in intel.SOURCE_TYPES.items():
            self.source_combo.addItem(tr(text), value)
        self.source_combo.currentIndexChanged.connect(self._source_changed)
        grid.addWidget(label(tr("How it is &known:"), self.source_combo), 3, 0)
        grid.addWidget(self.source_combo, 3, 1)
        self.source_detail = self._line(
            tr("Source detail"),
            tr("for example: told me in a 1:1 session"),
            tr("Who the source is and how they know; the police remove it before using this"),
        )
        grid.addWidget(label(tr("Source detail:"), self.source_detail), 3, 2)
        grid.addWidget(self.source_detail, 3, 3)
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
        grid.addWidget(QLabel(tr("Already:")), 4, 0)
        grid.addLayout(reported, 4, 1)
        self.other_agencies = self._line(
            tr("Other agencies told"), tr("for example Children's Social Care, school DSL")
        )
        grid.addWidget(label(tr("Agencies told:"), self.other_agencies), 4, 2)
        grid.addWidget(self.other_agencies, 4, 3)
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

    def _wire_shortcuts(self) -> None:
        def shortcut(keys: str, slot: Any, on: QWidget | None = None) -> None:
            sc = QShortcut(QKeySequence(keys), on or self)
            # List-local keys only when the list itself has focus: Delete while editing a
            # fact's text must delete a character, not the fact.
            sc.setContext(
                Qt.ShortcutContext.WidgetShortcut
                if on is not None
                else Qt.ShortcutContext.WidgetWithChildrenShortcut
            )
            sc.activated.connect(slot)

        shortcut("Ctrl+Return", self.add_fact_from_input)
        shortcut("Ctrl+Enter", self.add_fact_from_input)
        shortcut("F8", self.checks.focus_first)
        shortcut("Ctrl+Shift+F", self.finalise)
        shortcut("Ctrl+Shift+E", self.request_export)
        shortcut("Delete", self.remove_fact, self.facts_table)
        shortcut("Alt+Up", lambda: self.move_fact(-1), self.facts_table)
        shortcut("Alt+Down", lambda: self.move_fact(1), self.facts_table)
        shortcut("Delete", self.remove_entity, self.entity_list)
        shortcut("Delete", self._unlink, self.linked_list)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.back_button,
            self.title_edit,
            self.learned_date,
            self.learned_time,
            self.today_button,
            self.learned_place,
            self.source_combo,
            self.source_detail,
            self.already_reported,
            self.crime_reference,
            self.other_agencies,
            self.child_search,
            self.link_button,
            self.linked_list,
            self.unlink_button,
            self.no_child,
            self.fact_input,
            self.add_fact_button,
            self.facts_table,
            self.edit_fact_button,
            self.remove_fact_button,
            self.up_button,
            self.down_button,
            self.closing_check,
            *self.add_buttons.values(),
            self.entity_list,
            self.remove_entity_button,
        ]
        for form in self.forms.values():
            chain.extend(form.fields())
        chain += [
            self.subjects_linked,
            self.source_eval,
            self.assessment,
            self.handling_code,
            self.conditions,
            self.prompts,
            self.finalise_button,
            self.reopen_button,
            self.export_button,
        ]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # =====================================================================================
    # Vault and report
    # =====================================================================================
    def set_vault(self, vault: Vault) -> None:
        self._vault = vault

    def _load_children(self) -> None:
        self._children = {}
        self._completion = {}
        if self._vault is None:
            self._child_model.setStringList([])
            return
        rows = self._vault.repos.child_rows()
        labels: dict[str, list[tuple[str, str]]] = {}
        for row in rows:
            child_id, ref, name, alias = row[0], row[1], row[2] or "", row[3] or ""
            label = child_label(name, alias)
            self._children[child_id] = label
            labels.setdefault(label, []).append((child_id, ref))
        for label, ids in labels.items():
            for child_id, ref in ids:
                # Same name twice: the toolkit's reference tells them apart in the picker only.
                text = label if len(ids) == 1 else f"{label} \u2014 ref {ref}"
                self._completion[text] = child_id
        self._child_model.setStringList(sorted(self._completion, key=str.lower))

    @property
    def report(self) -> intel.IntelReport | None:
        return self._report

    @property
    def report_id(self) -> str | None:
        return self._report.id if self._report else None

    def today(self) -> date:
        assert self._vault is not None
        return self._vault.now().astimezone().date()

    def new_report(self, child_ids: list[str] | tuple[str, ...] = ()) -> intel.IntelReport:
        """Start a new report (not saved until something is written)."""
        self.save_draft()
        report = intel.IntelReport(
            handling=intel.suggest_handling("worker_saw"), child_ids=list(child_ids)
        )
        self._show(report, new=True)
        self.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        return report

    def load(self, report_id: str) -> intel.IntelReport:
        """Open a saved report (raises ``UserError`` if the user may not see it)."""
        self.save_draft()
        assert self._vault is not None
        report = self._vault.intel.get(report_id)
        self._show(report, new=False)
        return report

    def _show(self, report: intel.IntelReport, *, new: bool) -> None:
        self._stop_timers()
        self._load_children()  # read each time: children may have been added meanwhile
        self._report = report
        self._stored = not new
        self._dirty = False
        self.last_saved = None
        self._loading = True
        try:
            self.title_edit.setText(report.title)
            self._show_learned(report.learned_at)
            self.learned_place.setText(report.learned_place)
            self.source_combo.setCurrentIndex(self.source_combo.findData(report.source_type))
            self.source_detail.setText(report.source_detail)
            self.already_reported.setChecked(report.already_reported)
            self.crime_reference.setEnabled(report.already_reported)
            self.crime_reference.setText(report.crime_reference)
            self.other_agencies.setText(report.other_agencies)
            self.no_child.setChecked(not new and not report.child_ids)
            self._refresh_children()
            self._refresh_facts()
            self.closing_check.setChecked(report.closing_confirmed)
            self.subjects_linked.setChecked(report.subjects_linked)
            self._refresh_entities(select=0 if report.entities else -1)
            self._show_handling(report.handling)
            self._handling_touched = report.handling != intel.suggest_handling(report.source_type)
        finally:
            self._loading = False
        self.child_search.clear()
        self.fact_input.clear()
        self._restore_pending_fact(report.id)
        self.setEnabled(True)
        self._update_state()
        self.run_checks()

    def _show_learned(self, learned_at: str | None) -> None:
        self.learned_date.clear()
        self.learned_time.clear()
        self.when_error.setVisible(False)
        if not learned_at:
            return
        try:
            when = datetime.fromisoformat(learned_at.replace("Z", "+00:00"))
        except ValueError:
            return
        if when.tzinfo is not None:
            when = when.astimezone()
        self.learned_date.setText(when.strftime("%d/%m/%Y"))
        if "T" in learned_at:
            self.learned_time.setText(when.strftime("%H:%M"))

    def _show_handling(self, handling: intel.HandlingSuggestion) -> None:
        self.source_eval.setCurrentIndex(self.source_eval.findData(handling.source_evaluation))
        self.assessment.setCurrentIndex(self.assessment.findData(handling.intelligence_assessment))
        self.handling_code.setCurrentIndex(self.handling_code.findData(handling.handling_code))
        self.conditions.setText(handling.conditions)
        self.conditions.setEnabled(handling.handling_code == "C")
        self.handling_error.setVisible(False)

    def clear(self) -> None:
        """Forget the report and every name (on lock, after ``save_draft``)."""
        self._stop_timers()
        self._loading = True
        try:
            self._report = None
            self._vault = None
            self._children = {}
            self._completion = {}
            self._child_model.setStringList([])
            for edit in self.findChildren(QLineEdit):
                edit.clear()
            self.facts_table.setRowCount(0)
            self.entity_list.clear()
            self.linked_list.clear()
            for form in self.forms.values():
                form.clear()
            self.entity_stack.setCurrentWidget(self.empty_entity)
            for box in (
                self.closing_check,
                self.subjects_linked,
                self.already_reported,
                self.no_child,
            ):
                box.setChecked(False)
            self.prompts.clear()
            self.checks.clear()
        finally:
            self._loading = False
        self.warnings = []
        self.banner.setVisible(False)
        self.status_label.clear()
        self.heading.setText(self.tr("Intelligence report"))
        self._dirty = False
        self.last_saved = None
        self.setEnabled(False)

    # =====================================================================================
    # Saving
    # =====================================================================================
    @property
    def dirty(self) -> bool:
        return self._dirty

    def _is_empty(self, report: intel.IntelReport) -> bool:
        return not (
            report.title.strip()
            or any(f.strip() for f in report.facts)
            or report.entities
            or report.child_ids
            or report.learned_place.strip()
            or report.source_detail.strip()
        )

    def save_draft(self) -> None:
        """Save the report being edited as an encrypted draft. Quiet; never asks anything."""
        self._stop_timers()
        self._save_pending_fact()
        report = self._report
        if report is None or self._vault is None or not self._dirty:
            return
        if report.status != "draft" or (not self._stored and self._is_empty(report)):
            return  # nothing written yet: no empty drafts in the list
        self._vault.intel.save(report)
        self._stored = True
        self._dirty = False
        self.last_saved = self._vault.now()
        self._update_state()
        self.saved.emit(report.id)

    def _autosave(self) -> None:
        if self._vault is None or not self._vault.is_open:
            return  # closed under us (the main window saves and clears before closing)
        try:
            self.save_draft()
        except UserError as exc:
            # Not a dialog every few seconds: say it where the user is looking; the next
            # change (or the lock) tries again.
            self.status_label.setText(
                self.tr("Draft NOT saved: {problem}").format(problem=str(exc))
            )

    def _stop_timers(self) -> None:
        self._debounce.stop()

    def _changed(self) -> None:
        """After any edit: checks now, autosave soon."""
        if self._loading or self._report is None:
            return
        self._dirty = True
        self._debounce.touch()
        self.run_checks()

    def _update_state(self) -> None:
        report = self._report
        if report is None:
            return
        ref = self._vault.intel.ref_of(report.id) if self._vault else ""
        self.heading.setText(self.tr("Intelligence report {ref}").format(ref=ref))
        final = report.status == "final"
        if final:
            text = self.tr("Final. Reopen it as a draft to change it.")
        elif self.last_saved is not None:
            text = self.tr("Draft, saved at {time}.").format(time=local_time(self.last_saved))
        elif self._stored or not self._is_empty(report):
            text = self.tr("Draft.")
        else:
            text = self.tr("New draft: saved as you write.")
        self.status_label.setText(text)
        self.form_area.setEnabled(not final)
        self.finalise_button.setVisible(not final)
        self.reopen_button.setVisible(final)
        self.export_button.setEnabled(final)

    # =====================================================================================
    # Field edits
    # =====================================================================================
    def _fields_edited(self, *_args: object) -> None:
        report = self._report
        if self._loading or report is None:
            return
        report.title = self.title_edit.text().strip()
        report.learned_at = self._learned_at()
        report.learned_place = self.learned_place.text().strip()
        report.source_detail = self.source_detail.text().strip()
        report.already_reported = self.already_reported.isChecked()
        report.crime_reference = self.crime_reference.text().strip()
        report.other_agencies = self.other_agencies.text().strip()
        report.closing_confirmed = self.closing_check.isChecked()
        report.subjects_linked = self.subjects_linked.isChecked()
        self.closing_preview.setVisible(report.closing_confirmed)
        self._changed()

    def _learned_at(self) -> str | None:
        self.when_error.setVisible(False)
        try:
            day = parse_day(self.learned_date.text())
        except intel.InvalidIntelligence as exc:
            self._when_problem(str(exc))
            return None
        if day is None:
            return None
        time_text = self.learned_time.text().strip()
        if not time_text:
            return day.isoformat()
        try:
            clock = datetime.strptime(time_text.replace(".", ":"), "%H:%M").time()
        except ValueError:
            self._when_problem(self.tr("Write the time as hh:mm, for example 21:30."))
            return day.isoformat()
        return datetime.combine(day, clock).strftime("%Y-%m-%dT%H:%M")

    def _when_problem(self, text: str) -> None:
        self.when_error.setText(text)
        self.when_error.setVisible(True)

    def _learned_today(self) -> None:
        if self._vault is None:
            return
        self.learned_date.setText(self.today().strftime("%d/%m/%Y"))
        self._fields_edited()

    def _source_changed(self, _index: int) -> None:
        report = self._report
        if self._loading or report is None:
            return
        report.source_type = self.source_combo.currentData()
        if not self._handling_touched:
            report.handling = intel.suggest_handling(report.source_type)
            self._loading = True
            try:
                self._show_handling(report.handling)
            finally:
                self._loading = False
        self._changed()

    def _handling_edited(self, *_args: object) -> None:
        report = self._report
        if self._loading or report is None:
            return
        code = self.handling_code.currentData()
        self.conditions.setEnabled(code == "C")
        try:
            handling = intel.HandlingSuggestion(
                source_evaluation=self.source_eval.currentData(),
                intelligence_assessment=self.assessment.currentData(),
                handling_code=code,
                conditions=self.conditions.text() if code == "C" else "",
            )
        except intel.InvalidIntelligence as exc:
            self.handling_error.setText(
                self.tr("{problem} Until then the last complete choice is kept.").format(
                    problem=str(exc)
                )
            )
            self.handling_error.setVisible(True)
            return
        self.handling_error.setVisible(False)
        report.handling = handling
        self._handling_touched = True
        self._changed()

    # -- children ----------------------------------------------------------------------------
    def _refresh_children(self) -> None:
        self.linked_list.clear()
        report = self._report
        if report is None:
            return
        for child_id in report.child_ids:
            label = self._children.get(child_id, self.tr(NOT_ON_CASELOAD))
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, child_id)
            self.linked_list.addItem(item)
        has = bool(report.child_ids)
        self.unlink_button.setEnabled(has)
        self.child_search.setEnabled(not self.no_child.isChecked())
        self.link_button.setEnabled(not self.no_child.isChecked())

    def link_child(self, child_id: str) -> bool:
        report = self._report
        if report is None or child_id not in self._children:
            return False
        if child_id not in report.child_ids:
            report.child_ids.append(child_id)
        if self.no_child.isChecked():
            self._loading = True
            self.no_child.setChecked(False)
            self._loading = False
        self._refresh_children()
        self._changed()
        return True

    def _link_text(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        child_id = self._completion.get(text)
        if child_id is None:
            matches = [
                cid for label, cid in self._completion.items() if text.lower() in label.lower()
            ]
            if len(matches) != 1:
                self.child_search.completer().complete()
                return
            child_id = matches[0]
        if self.link_child(child_id):
            # The completer sets the text after "activated"; clear once it has.
            QTimer.singleShot(0, self.child_search.clear)

    def _unlink(self) -> None:
        report = self._report
        item = self.linked_list.currentItem()
        if report is None or item is None:
            return
        child_id = item.data(Qt.ItemDataRole.UserRole)
        report.child_ids = [c for c in report.child_ids if c != child_id]
        self._refresh_children()
        self._changed()

    def _no_child_toggled(self, checked: bool) -> None:
        report = self._report
        if self._loading or report is None:
            return
        if checked:
            report.child_ids = []
        self._refresh_children()
        self._changed()

    # -- facts --------------------------------------------------------------------------------
    def _refresh_facts(self, select: int | None = None) -> None:
        report = self._report
        was = self._loading
        self._loading = True
        try:
            self.facts_table.setRowCount(0)
            facts = report.facts if report else []
            self.facts_table.setRowCount(len(facts))
            for row, fact in enumerate(facts):
                item = QTableWidgetItem(fact)
                item.setToolTip(plain_tip(fact))  # facts may come from a pack
                self.facts_table.setItem(row, 0, item)
            if select is not None and 0 <= select < len(facts):
                self.facts_table.setCurrentCell(select, 0)
        finally:
            self._loading = was
        self.closing_preview.setVisible(bool(report and report.closing_confirmed))

    def add_fact(self, text: str) -> bool:
        """Add one fact line (blank text is ignored). Several lines become several facts."""
        report = self._report
        lines = [" ".join(line.split()) for line in text.splitlines()]
        lines = [line for line in lines if line]
        if report is None or not lines or not self.form_area.isEnabled():
            return False
        report.facts.extend(lines)
        self._refresh_facts(select=len(report.facts) - 1)
        self._changed()
        return True

    def add_fact_from_input(self) -> None:
        if self.add_fact(self.fact_input.text()):
            self.fact_input.clear()
            self._fact_typed()
        self.fact_input.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- the fact being typed (not yet a line of the report) is a draft of its own ------------
    def _fact_typed(self, *_: object) -> None:
        if self._loading or self._report is None:
            return
        self._fact_dirty = True
        self._debounce.touch()

    def _save_pending_fact(self) -> None:
        if not self._fact_dirty or self._vault is None or self._report is None:
            return
        text = self.fact_input.text()
        if text.strip():
            self._fact_draft_id = self._vault.repos.save_draft(
                FACT_DRAFT_KIND, self._report.id, {"text": text}, self._fact_draft_id
            )
        elif self._fact_draft_id:
            self._vault.repos.delete_draft(self._fact_draft_id)
            self._fact_draft_id = None
        self._fact_dirty = False

    def _restore_pending_fact(self, report_id: str) -> None:
        self._fact_dirty = False
        self._fact_draft_id = None
        assert self._vault is not None
        for draft in self._vault.repos.drafts(FACT_DRAFT_KIND):
            if draft.target_id == report_id:
                text = str(draft.payload.get("text", ""))
                self.fact_input.setText(text)
                self.fact_input.setCursorPosition(len(text))
                self._fact_draft_id = draft.id

    def _fact_edited(self, item: QTableWidgetItem) -> None:
        report = self._report
        if self._loading or report is None:
            return
        row = item.row()
        text = " ".join(item.text().split())
        if not text:
            # An emptied line is removed rather than kept as a blank fact; the table is
            # rebuilt after the cell editor has finished committing, not from inside it.
            del report.facts[row]
            QTimer.singleShot(
                0, lambda: self._refresh_facts(select=min(row, len(report.facts) - 1))
            )
        else:
            report.facts[row] = text
        self._changed()

    def _current_fact(self) -> int:
        return self.facts_table.currentRow()

    def edit_fact(self) -> None:
        row = self._current_fact()
        if row >= 0:
            item = self.facts_table.item(row, 0)
            if item is not None:
                self.facts_table.editItem(item)

    def remove_fact(self) -> None:
        report = self._report
        row = self._current_fact()
        if report is None or not 0 <= row < len(report.facts) or not self.form_area.isEnabled():
            return
        del report.facts[row]
        self._refresh_facts(select=min(row, len(report.facts) - 1))
        self._changed()

    def move_fact(self, step: int) -> None:
        report = self._report
        row = self._current_fact()
        if report is None or not self.form_area.isEnabled():
            return
        target = row + step
        if not (0 <= row < len(report.facts) and 0 <= target < len(report.facts)):
            return
        facts = report.facts
        facts[row], facts[target] = facts[target], facts[row]
        self._refresh_facts(select=target)
        self._changed()

    # -- entities -----------------------------------------------------------------------------
    def _refresh_entities(self, select: int | None = None) -> None:
        report = self._report
        was = self._loading
        self._loading = True
        try:
            self.entity_list.clear()
            for i, entity in enumerate(report.entities if report else []):
                self.entity_list.addItem(f"{i + 1}. {entity_label(entity)}")
        finally:
            self._loading = was
        if select is not None:
            self.entity_list.setCurrentRow(select)
            self._entity_selected(select)

    def add_entity(self, kind: str) -> None:
        report = self._report
        if report is None or not self.form_area.isEnabled():
            return
        entity = intel.entity_from_dict({"kind": kind})
        report.entities.append(entity)
        row = len(report.entities) - 1
        self._refresh_entities(select=row)
        form = self.forms[kind]
        self.scroll_area.ensureWidgetVisible(form)
        form.first_field().setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._changed()

    def remove_entity(self) -> None:
        report = self._report
        row = self.entity_list.currentRow()
        if report is None or not 0 <= row < len(report.entities) or not self.form_area.isEnabled():
            return
        del report.entities[row]
        self._refresh_entities(select=min(row, len(report.entities) - 1))
        self._changed()

    def _entity_selected(self, row: int) -> None:
        report = self._report
        self.entity_error.setVisible(False)
        if report is None or not 0 <= row < len(report.entities):
            self.entity_stack.setCurrentWidget(self.empty_entity)
            self.remove_entity_button.setEnabled(False)
            return
        entity = report.entities[row]
        form = self.forms[entity.kind]
        form.set_entity(entity)
        self.entity_stack.setCurrentWidget(form)
        self.remove_entity_button.setEnabled(True)

    def _entity_edited(self) -> None:
        report = self._report
        row = self.entity_list.currentRow()
        form = self.sender()
        if self._loading or report is None or not 0 <= row < len(report.entities):
            return
        assert isinstance(form, EntityForm)
        try:
            entity = form.entity()
        except intel.InvalidIntelligence as exc:
            self.entity_error.setText(str(exc))
            self.entity_error.setVisible(True)
            return
        self.entity_error.setVisible(False)
        report.entities[row] = entity
        item = self.entity_list.item(row)
        if item is not None:
            item.setText(f"{row + 1}. {entity_label(entity)}")
        self._changed()

    # =====================================================================================
    # Checks, overrides, prompts
    # =====================================================================================
    def run_checks(self) -> list[intel.QualityWarning]:
        report = self._report
        if report is None or self._vault is None:
            return []
        self.warnings = intel.check_report(report, self.today())
        self.checks.set_warnings(self.warnings)
        emergency = any(w.check_id == "emergency" and w.blocking for w in self.warnings)
        self.banner.setVisible(emergency)
        self._refresh_prompts()
        return self.warnings

    def _refresh_prompts(self) -> None:
        report = self._report
        if report is None:
            return
        prompts = intel.five_wh_prompts(report)
        if self.prompts.count() != len(prompts):
            self.prompts.clear()
            for _ in prompts:
                item = QListWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.prompts.addItem(item)
        for i, prompt in enumerate(prompts):
            item = self.prompts.item(i)
            name = self.tr(PROMPT_NAMES[prompt.question])
            item.setText(self.tr(prompt.text))
            item.setCheckState(
                Qt.CheckState.Checked if prompt.answered else Qt.CheckState.Unchecked
            )
            state = self.tr("answered") if prompt.answered else self.tr("not answered yet")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{name}, {state}: {prompt.text}")

    def prompt_states(self) -> dict[str, bool]:
        report = self._report
        if report is None:
            return {}
        return {p.question: p.answered for p in intel.five_wh_prompts(report)}

    def go_to(self, ref: str) -> None:
        """Select (and focus) what a warning refers to."""
        kind, _, index_text = ref.partition(":")
        if not index_text:
            return
        index = int(index_text)
        if kind == "fact" and 0 <= index < self.facts_table.rowCount():
            self.facts_table.setCurrentCell(index, 0)
            self.scroll_area.ensureWidgetVisible(self.facts_table)
            self.facts_table.setFocus(Qt.FocusReason.OtherFocusReason)
        elif kind == "entity" and 0 <= index < self.entity_list.count():
            self.entity_list.setCurrentRow(index)
            self.scroll_area.ensureWidgetVisible(self.entity_stack)
            self.entity_list.setFocus(Qt.FocusReason.OtherFocusReason)

    def override(self, warning: intel.QualityWarning) -> bool:
        """Ask for the reason and record the override; True if it was recorded."""
        report = self._report
        if report is None or self._vault is None or not self.form_area.isEnabled():
            return False
        title = self.tr("Override: {check}").format(check=intel.CHECKS[warning.check_id].title)
        if warning.check_id == "emergency":
            label = self.tr(
                "If a child is in danger now, stop and call 999 now.\n\n"
                "Only once you have called 999, write that you did and when (for example "
                "'Called 999 at 14:10, log 123'). If it is not happening now, cancel and "
                "reword the fact to say when it happened."
            )
        else:
            label = self.tr(
                "Why go ahead despite this warning ({target})? The reason is kept with the "
                "report and shown on the export."
            ).format(target=ref_label(warning.ref))
        reason = dialogs.get_text(self, title, label)
        if reason is None:
            return False
        try:
            intel.apply_override(
                report,
                warning.check_id,
                reason,
                self._vault.user.name,
                self._vault.now(),
                ref=warning.ref,
            )
        except intel.OverrideRefused as exc:
            dialogs.warning(self, self.tr("Override not recorded"), str(exc))
            return False
        self._changed()
        return True

    # =====================================================================================
    # Finalise, reopen, export, close
    # =====================================================================================
    def finalise(self) -> bool:
        report = self._report
        if report is None or self._vault is None or report.status == "final":
            return False
        today = self.today()
        blocking = intel.blocking_warnings(report, today)
        if blocking:
            lines = [
                f"\u2022 {intel.CHECKS[w.check_id].title} ({ref_label(w.ref)})" for w in blocking
            ]
            dialogs.warning(
                self,
                self.tr("Not ready to finalise"),
                self.tr("Fix or override each of these first:") + "\n" + "\n".join(lines),
            )
            self.checks.focus_first()
            return False
        intel.finalise(report, today)
        try:
            self._vault.intel.save(report)
        except UserError as exc:
            report.status = "draft"
            dialogs.error(self, self.tr("Report not finalised"), str(exc))
            return False
        self._stop_timers()
        self._dirty = False
        self.last_saved = self._vault.now()
        self._update_state()
        self.saved.emit(report.id)
        self.export_button.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def reopen(self) -> None:
        report = self._report
        if report is None or report.status != "final":
            return
        report.status = "draft"
        self._dirty = True
        self.save_draft()
        self._update_state()
        self.title_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def request_export(self) -> None:
        report = self._report
        if report is None or report.status != "final":
            return
        self.export_requested.emit(report.id)

    def _close(self) -> None:
        try:
            self.save_draft()
        except UserError as exc:
            dialogs.error(self, self.tr("Draft not saved"), str(exc))
            return
        self.closed.emit()


__all__ = ["EMERGENCY_BANNER", "NOT_ON_CASELOAD", "IntelReportEditor", "child_label"]
