"""Edits to the intelligence report's fields, linked children, facts and entities.

The middle layer of the editor (see ``intel_editor_form``): every handler here updates the
report being edited and calls ``_changed`` so the checks re-run and the draft is saved.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QListWidgetItem,
    QTableWidgetItem,
)

from cse_toolkit.core import intelligence as intel
from cse_toolkit.gui.common.widgets import plain_tip
from cse_toolkit.gui.intel.intel_editor_form import (
    FACT_DRAFT_KIND,
    NOT_ON_CASELOAD,
    IntelEditorForm,
)
from cse_toolkit.gui.intel.intel_entity_forms import (
    EntityForm,
    entity_label,
    parse_day,
)


class IntelEditorFields(IntelEditorForm):
    """The handlers of the form's field, child, fact and entity edits."""

    if TYPE_CHECKING:  # defined by IntelReportEditor

        def _changed(self) -> None: ...
        def _show_handling(self, handling: intel.HandlingSuggestion) -> None: ...
        def today(self) -> date: ...

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
        report.happened = self.happened_edit.text().strip()
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
