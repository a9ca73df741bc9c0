"""The referral's own pages of the export wizard (issue 14, referral pack version 2).

Four steps after the sharing decision, in the order the front door reads the pack:

- **Referral details**: urgency and route, why now, the child's own words, basis of concern
  (with the indicators present at the latest screening, ticked), past violence.
- **Where the child is now**: where, with whom, safe tonight (required for urgent and
  immediate referrals), the police's part (999 time, log or crime reference, officer), people
  who may pose a risk (pre-filled from the child's intelligence reports) and other children.
- **What you ask**: what children's social care is asked to do, the referrer's view of the
  risk, parents' or carers' views and language needs, the DSL or manager consulted and when,
  actions already taken, other agencies, the referrer's involvement, the child's views.
- **Chronology**: which notes go with it (default: the last 90 days), oldest first.

What the vault already holds (``exchange.referral_defaults``) is read on a pool thread when
the dialog opens and fills only what the person has not typed; everything stays editable.
``ReferralPages`` is a mixin of ``ExportDialog`` like ``ExportPages``.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.gui.exchange.export_pages import (
    BASIS_OF_CONCERN,
    PAST_VIOLENCE,
    URGENCY,
    _line_edit,
    _text_edit,
)
from cse_toolkit.services import exchange
from cse_toolkit.services.referral import OtherChildAnswer, RiskPersonAnswer

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

    _DialogBase = QDialog
else:
    _DialogBase = object

RISK_SLOTS = 3
CHILD_SLOTS = 3
SAFE = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
TIME_FORMAT = "%d/%m/%Y %H:%M"
NOTE_ID = Qt.ItemDataRole.UserRole
NOTE_RECENT = Qt.ItemDataRole.UserRole + 1


def _form(rows: list[tuple[str, QWidget]]) -> QFormLayout:
    form = QFormLayout()
    for text, widget in rows:
        label = QLabel(text)
        label.setBuddy(widget)
        form.addRow(label, widget)
    return form


def _lines(edit: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]


def parse_local(text: str) -> datetime | None:
    """``dd/mm/yyyy hh:mm`` in this laptop's local time, as an aware time; None if blank.
    Raises ValueError when it is not such a time."""
    if not text.strip():
        return None
    return datetime.strptime(text.strip(), TIME_FORMAT).astimezone()


def local_text(value: datetime | None) -> str:
    return value.astimezone().strftime(TIME_FORMAT) if value else ""


class ReferralPages(_DialogBase):
    """Builds and reads the referral's pages; the dialog supplies the vault and the child."""

    _kind: str
    _vault: Vault
    _child_id: str | None
    details_page: QWidget
    situation_page: QWidget
    asked_page: QWidget
    notes_page: QWidget
    _notes_loaded: bool
    _consulted_view: str = ""

    # -- 1. Referral details -------------------------------------------------------------------
    def _build_details_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        inner = QWidget()
        layout = QVBoxLayout(inner)

        urgency_box = QGroupBox(self.tr("Urgency and route"))
        self.urgency_group = QButtonGroup(page)
        urgency_layout = QVBoxLayout(urgency_box)
        self.urgency_buttons: dict[str, QRadioButton] = {}
        for number, (key, text) in enumerate(URGENCY):
            button = QRadioButton(self.tr(text))
            button.setAccessibleName(self.tr("Urgency: {t}").format(t=text.replace("&", "")))
            self.urgency_group.addButton(button, number)
            self.urgency_buttons[key] = button
            urgency_layout.addWidget(button)
        self.urgency_buttons["non_urgent"].setChecked(True)
        self.route_edit = _line_edit(self.tr("Route and phone call"))
        self.route_edit.setPlaceholderText(
            self.tr("e.g. phoned the Family Front Door at 14:05, spoke to the duty social worker")
        )
        route_label = QLabel(self.tr("Route or phone &call:"))
        route_label.setBuddy(self.route_edit)
        urgency_layout.addWidget(route_label)
        urgency_layout.addWidget(self.route_edit)
        layout.addWidget(urgency_box)

        self.why_now_edit = _text_edit(self.tr("Why this referral is made now"), 4)
        self.words_edit = _text_edit(self.tr("The child's own words"), 3)
        self.words_edit.setPlaceholderText(self.tr("One quotation per line, as the child said it"))
        layout.addLayout(
            _form(
                [
                    (
                        self.tr("&Why you are referring now\n(what happened, dates, sources):"),
                        self.why_now_edit,
                    ),
                    (self.tr("The child's own w&ords\n(one quotation per line):"), self.words_edit),
                ]
            )
        )

        basis_box = QGroupBox(self.tr("Basis of concern (tick all that apply)"))
        self.basis_grid = QGridLayout(basis_box)
        self.basis_checks: list[QCheckBox] = []
        for i, text in enumerate(BASIS_OF_CONCERN):
            check = QCheckBox(self.tr(text))
            check.setAccessibleName(self.tr("Basis of concern: {t}").format(t=text))
            self.basis_checks.append(check)
            self.basis_grid.addWidget(check, i // 2, i % 2)
        self.basis_other = _line_edit(self.tr("Other basis of concern"))
        self.basis_other.setPlaceholderText(self.tr("Other (say what)"))
        self.basis_grid.addWidget(self.basis_other, len(BASIS_OF_CONCERN) // 2 + 1, 0, 1, 2)
        self.screening_basis = QVBoxLayout()
        self.basis_grid.addLayout(self.screening_basis, len(BASIS_OF_CONCERN) // 2 + 2, 0, 1, 2)
        self.indicator_checks: list[QCheckBox] = []
        layout.addWidget(basis_box)

        violence_box = QGroupBox(self.tr("Past experience of violence (tick all that apply)"))
        violence_grid = QGridLayout(violence_box)
        self.violence_checks: list[QCheckBox] = []
        for i, text in enumerate(PAST_VIOLENCE):
            check = QCheckBox(self.tr(text))
            check.setAccessibleName(self.tr("Past violence: {t}").format(t=text))
            self.violence_checks.append(check)
            violence_grid.addWidget(check, i // 2, i % 2)
        layout.addWidget(violence_box)
        layout.addStretch(1)
        outer.addWidget(self._scroll(inner))  # type: ignore[attr-defined]
        return page

    # -- 2. Where the child is now ----------------------------------------------------------
    def _build_situation_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        inner = QWidget()
        layout = QVBoxLayout(inner)

        where_box = QGroupBox(self.tr("Where the child is now"))
        self.where_edit = _line_edit(self.tr("Where the child is now"))
        self.with_whom_edit = _line_edit(self.tr("Who the child is with"))
        self.safe_group = QButtonGroup(page)
        safe_row = QHBoxLayout()
        self.safe_buttons: dict[str, QRadioButton] = {}
        for number, (key, text) in enumerate(SAFE):
            button = QRadioButton(self.tr(text))
            button.setAccessibleName(self.tr("Safe tonight: {t}").format(t=self.tr(text)))
            self.safe_group.addButton(button, number)
            self.safe_buttons[key] = button
            safe_row.addWidget(button)
        safe_row.addStretch(1)
        self.safe_buttons["not_known"].setChecked(True)
        self.safe_detail_edit = _line_edit(self.tr("Why you think so"))
        form = _form(
            [
                (self.tr("&Where (required if urgent):"), self.where_edit),
                (self.tr("Wit&h whom:"), self.with_whom_edit),
            ]
        )
        form.addRow(self.tr("Safe tonight?"), safe_row)
        why_label = QLabel(self.tr("Why you &think so:"))
        why_label.setBuddy(self.safe_detail_edit)
        form.addRow(why_label, self.safe_detail_edit)
        where_box.setLayout(form)
        layout.addWidget(where_box)

        police_box = QGroupBox(self.tr("Police involvement"))
        self.called_999_edit = _line_edit(self.tr("999 called at"))
        self.called_999_edit.setPlaceholderText(self.tr("dd/mm/yyyy hh:mm"))
        self.police_ref_edit = _line_edit(self.tr("Police log or crime reference"))
        self.officer_edit = _line_edit(self.tr("Officer"))
        police_box.setLayout(
            _form(
                [
                    (self.tr("&999 called at:"), self.called_999_edit),
                    (self.tr("Police &log or crime reference:"), self.police_ref_edit),
                    (self.tr("O&fficer (name, number or station):"), self.officer_edit),
                ]
            )
        )
        layout.addWidget(police_box)

        self.risk_slots: list[dict[str, QLineEdit]] = []
        # per slot, as pre-filled: (name, intelligence references, age range); kept while the
        # name is unchanged
        self.risk_refs: list[tuple[str, list[str], str]] = [("", [], "")] * RISK_SLOTS
        risk_box = QGroupBox(self.tr("People who may pose a risk to the child"))
        risk_layout = QGridLayout(risk_box)
        headers = [
            self.tr("Name"),
            self.tr("Date of birth (dd/mm/yyyy)"),
            self.tr("Relationship to the child"),
            self.tr("Address, if known"),
        ]
        for column, text in enumerate(headers):
            risk_layout.addWidget(QLabel(text), 0, column)
        for slot in range(RISK_SLOTS):
            edits = {}
            for column, key in enumerate(("name", "date_of_birth", "relationship", "address")):
                edit = _line_edit(
                    self.tr("Person {n}: {what}").format(n=slot + 1, what=headers[column])
                )
                risk_layout.addWidget(edit, slot + 1, column)
                edits[key] = edit
            self.risk_slots.append(edits)
        layout.addWidget(risk_box)

        self.child_slots: list[dict[str, QLineEdit]] = []
        children_box = QGroupBox(self.tr("Other children who may be at risk"))
        children_layout = QGridLayout(children_box)
        child_headers = [self.tr("Name"), self.tr("Age"), self.tr("Why they may be at risk")]
        for column, text in enumerate(child_headers):
            children_layout.addWidget(QLabel(text), 0, column)
        for slot in range(CHILD_SLOTS):
            edits = {}
            for column, key in enumerate(("name", "age", "details")):
                edit = _line_edit(
                    self.tr("Other child {n}: {what}").format(
                        n=slot + 1, what=child_headers[column]
                    )
                )
                children_layout.addWidget(edit, slot + 1, column)
                edits[key] = edit
            self.child_slots.append(edits)
        children_layout.setColumnStretch(2, 1)
        layout.addWidget(children_box)
        layout.addStretch(1)
        outer.addWidget(self._scroll(inner))  # type: ignore[attr-defined]
        return page

    # -- 3. What you ask ----------------------------------------------------------------------
    def _build_asked_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.request_edit = _text_edit(self.tr("What you ask children's social care to do"), 3)
        self.risk_view_edit = _text_edit(self.tr("Your view of the risk"), 2)
        self.parents_views_edit = _text_edit(self.tr("Parents' or carers' views"), 2)
        self.language_edit = _line_edit(self.tr("Parents' or carers' language needs"))
        self.consulted_edit = _line_edit(self.tr("DSL or manager consulted"))
        self.consulted_role_edit = _line_edit(self.tr("Their role"))
        self.consulted_at_edit = _line_edit(self.tr("Consulted at"))
        self.consulted_at_edit.setPlaceholderText(self.tr("dd/mm/yyyy hh:mm"))
        self.actions_edit = _text_edit(self.tr("Actions already taken"), 3)
        self.agencies_edit = _text_edit(self.tr("Other agencies involved"), 2)
        self.involvement_edit = _line_edit(self.tr("Your involvement with the child"))
        self.views_edit = _text_edit(self.tr("The child's views and wishes"), 2)
        layout.addLayout(
            _form(
                [
                    (self.tr("What you &ask children's\nsocial care to do:"), self.request_edit),
                    (self.tr("Your &view of the risk:"), self.risk_view_edit),
                    (self.tr("&Parents' or carers' views:"), self.parents_views_edit),
                    (self.tr("Their &language needs\n(interpreter?):"), self.language_edit),
                    (self.tr("&DSL or manager consulted:"), self.consulted_edit),
                    (self.tr("Their &role:"), self.consulted_role_edit),
                    (self.tr("Cons&ulted at (dd/mm/yyyy hh:mm):"), self.consulted_at_edit),
                    (self.tr("Actions already &taken\n(one per line):"), self.actions_edit),
                    (self.tr("Other a&gencies involved\n(one per line):"), self.agencies_edit),
                    (self.tr("Your &involvement with the child:"), self.involvement_edit),
                    (self.tr("The child's views and &wishes:"), self.views_edit),
                ]
            )
        )
        layout.addStretch(1)
        outer.addWidget(self._scroll(inner))  # type: ignore[attr-defined]
        return page

    # -- 4. Chronology ------------------------------------------------------------------------
    def _build_notes_page(self) -> QWidget:
        page = QWidget()
        intro = QLabel(
            self.tr(
                "Tick the notes that go into the chronology, oldest first. The notes of the "
                "last 90 days (or, if there are none, the newest five) are ticked to start with."
            )
        )
        intro.setWordWrap(True)
        self.notes_list = QListWidget()
        self.notes_list.setAccessibleName(self.tr("Notes for the chronology"))
        self.notes_count = QLabel()
        self.notes_count.setAccessibleName(self.tr("Notes chosen"))
        self.notes_list.itemChanged.connect(lambda _item: self._count_notes())
        buttons = QHBoxLayout()
        for text, which in (
            (self.tr("&Last 90 days"), "recent"),
            (self.tr("&All notes"), "all"),
            (self.tr("N&o notes"), "none"),
        ):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _on=False, w=which: self._tick_notes(w))
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.notes_count)
        # Issue 18: an incident about several children; only what the recipient needs.
        self.name_others_check = QCheckBox(
            self.tr("Name the other children of an incident (otherwise only how many)")
        )
        self.name_others_check.setAccessibleName(self.tr("Name the other children of an incident"))
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addWidget(self.notes_list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.name_others_check)
        return page

    def _tick_notes(self, which: str) -> None:
        for row in range(self.notes_list.count()):
            item = self.notes_list.item(row)
            on = which == "all" or (which == "recent" and bool(item.data(NOTE_RECENT)))
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self._count_notes()

    def _count_notes(self) -> None:
        chosen = len(self.chosen_note_ids())
        self.notes_count.setText(
            self.tr("{n} of {total} notes chosen").format(n=chosen, total=self.notes_list.count())
        )

    def chosen_note_ids(self) -> list[str]:
        return [
            str(self.notes_list.item(row).data(NOTE_ID))
            for row in range(self.notes_list.count())
            if self.notes_list.item(row).checkState() == Qt.CheckState.Checked
        ]

    # -- pre-filling from the vault (pool thread) ---------------------------------------------
    def _referral_start(self) -> tuple[exchange.ReferralDetails, list[tuple[str, str, str]]]:
        """On a pool thread: the form's defaults and the notes as (id, when, summary)."""
        assert self._child_id is not None
        start = exchange.referral_defaults(self._vault, self._child_id)
        users = {u.id: u.label for u in self._vault.users()}
        notes = [
            (
                n.id,
                local_text(n.event_at),
                f"{users.get(n.author_id, n.author_id.removeprefix('import:'))}: "
                + " ".join(n.body.split())[:120],
            )
            for n in self._vault.repos.notes_for(self._child_id)
        ]
        return start, notes

    def _apply_start(
        self, start: exchange.ReferralDetails, notes: list[tuple[str, str, str]]
    ) -> None:
        """Fill what is still empty; tick the screening's indicators and the recent notes."""
        urgency_untouched = self.urgency_buttons["non_urgent"].isChecked()
        if urgency_untouched and start.urgency != "non_urgent":
            self.urgency_buttons[start.urgency].setChecked(True)
        for label in start.basis_of_concern:
            check = QCheckBox(self.tr("From the screening: {t}").format(t=label))
            check.setAccessibleName(
                self.tr("Basis of concern from the screening: {t}").format(t=label)
            )
            check.setProperty("basis", label)
            check.setChecked(True)
            self.screening_basis.addWidget(check)
            self.indicator_checks.append(check)
        for edit, value in (
            (self.called_999_edit, local_text(start.called_999_at)),
            (self.police_ref_edit, start.police_reference),
            (self.consulted_edit, start.consulted_name),
            (self.consulted_at_edit, local_text(start.consulted_at)),
        ):
            if not edit.text() and value:
                edit.setText(value)
        if self.consulted_edit.text() == start.consulted_name:
            self._consulted_view = start.consulted_view
        slots = [s for s in self.risk_slots if not s["name"].text()]
        refs = list(self.risk_refs)
        for slot, person in zip(slots, start.risk_people, strict=False):
            slot["name"].setText(person.name)
            slot["date_of_birth"].setText(person.date_of_birth)
            slot["address"].setText(person.address)
            refs[self.risk_slots.index(slot)] = (
                person.name,
                list(person.intelligence),
                person.age_range,
            )
        self.risk_refs = refs
        recent = set(start.note_ids or [])
        self.notes_list.blockSignals(True)
        for note_id, when, summary in notes:
            item = QListWidgetItem(f"{when}  {summary}")
            item.setData(NOTE_ID, note_id)
            item.setData(NOTE_RECENT, note_id in recent)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if note_id in recent else Qt.CheckState.Unchecked
            )
            self.notes_list.addItem(item)
        self.notes_list.blockSignals(False)
        self._count_notes()

    def _referral_targets(self) -> dict[QWidget, QWidget]:
        """Where the focus goes on each referral page."""
        first = self.urgency_group.checkedButton() or self.route_edit
        return {
            self.details_page: first,
            self.situation_page: self.where_edit,
            self.asked_page: self.request_edit,
            self.notes_page: self.notes_list,
        }

    # -- reading back -------------------------------------------------------------------------
    def referral_problems(self, page: QWidget) -> list[str]:
        """What is wrong on ``page`` in plain words (the flow decides what stops Next)."""
        out: list[str] = []
        if page is self.situation_page:
            for edit, what in ((self.called_999_edit, self.tr("The 999 time")),):
                try:
                    parse_local(edit.text())
                except ValueError:
                    out.append(
                        self.tr("{what} should be written as dd/mm/yyyy hh:mm.").format(what=what)
                    )
            out += self._answers_problems()
        if page is self.asked_page:
            try:
                parse_local(self.consulted_at_edit.text())
            except ValueError:
                out.append(self.tr("When you consulted should be written as dd/mm/yyyy hh:mm."))
        return out

    def _answers_problems(self) -> list[str]:
        details = exchange.ReferralDetails(urgency="non_urgent", risk_people=self._risk_answers())
        return details.problems()

    def _risk_answers(self) -> list[RiskPersonAnswer]:
        out = []
        for slot, (name, refs, ages) in zip(self.risk_slots, self.risk_refs, strict=True):
            typed = slot["name"].text().strip()
            same = bool(typed) and typed == name
            out.append(
                RiskPersonAnswer(
                    name=typed,
                    date_of_birth=slot["date_of_birth"].text().strip(),
                    age_range=ages if same else "",
                    relationship=slot["relationship"].text().strip(),
                    address=slot["address"].text().strip(),
                    intelligence=refs if same else [],
                )
            )
        return [p for p in out if not p.is_empty()]

    def urgency(self) -> str:
        return next(
            (key for key, button in self.urgency_buttons.items() if button.isChecked()),
            "non_urgent",
        )

    def referral_details(self) -> exchange.ReferralDetails:
        basis = [c.text().replace("&", "") for c in self.basis_checks if c.isChecked()]
        if self.basis_other.text().strip():
            basis.append("Other: " + self.basis_other.text().strip())
        basis += [str(c.property("basis")) for c in self.indicator_checks if c.isChecked()]
        safe = next((k for k, b in self.safe_buttons.items() if b.isChecked()), "not_known")

        def when(edit: QLineEdit) -> datetime | None:
            try:
                return parse_local(edit.text())
            except ValueError:
                return None

        return exchange.ReferralDetails(
            urgency=self.urgency(),  # type: ignore[arg-type]
            route=self.route_edit.text().strip(),
            reason=self.why_now_edit.toPlainText().strip(),
            referrer_involvement=self.involvement_edit.text().strip(),
            basis_of_concern=basis,
            past_violence=[
                c.text().replace("&", "") for c in self.violence_checks if c.isChecked()
            ],
            actions_taken=_lines(self.actions_edit),
            other_agencies=_lines(self.agencies_edit),
            child_views=self.views_edit.toPlainText().strip(),
            where_now=self.where_edit.text().strip(),
            with_whom=self.with_whom_edit.text().strip(),
            safe=safe,  # type: ignore[arg-type]
            safe_detail=self.safe_detail_edit.text().strip(),
            risk_people=self._risk_answers(),
            other_children=[
                OtherChildAnswer(
                    name=s["name"].text(), age=s["age"].text(), details=s["details"].text()
                )
                for s in self.child_slots
            ],
            called_999_at=when(self.called_999_edit),
            police_reference=self.police_ref_edit.text().strip(),
            officer=self.officer_edit.text().strip(),
            request=self.request_edit.toPlainText().strip(),
            risk_view=self.risk_view_edit.toPlainText().strip(),
            parents_views=self.parents_views_edit.toPlainText().strip(),
            language_needs=self.language_edit.text().strip(),
            consulted_name=self.consulted_edit.text().strip(),
            consulted_role=self.consulted_role_edit.text().strip(),
            consulted_at=when(self.consulted_at_edit),
            child_words=_lines(self.words_edit),
            consulted_view=self._consulted_view,
            name_other_children=self.name_others_check.isChecked(),
            note_ids=self.chosen_note_ids() if self._notes_loaded else None,
        )
