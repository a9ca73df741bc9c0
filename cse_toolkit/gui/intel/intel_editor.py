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

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidgetItem,
    QWidget,
)

from cse_toolkit.core import intelligence as intel
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import autosave, dialogs
from cse_toolkit.gui.common.autosave import DraftTimer
from cse_toolkit.gui.common.widgets import local_time
from cse_toolkit.gui.intel.intel_checks_panel import ref_label
from cse_toolkit.gui.intel.intel_editor_fields import IntelEditorFields
from cse_toolkit.gui.intel.intel_editor_form import (
    EMERGENCY_BANNER,
    NOT_ON_CASELOAD,
    child_label,
)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

PROMPT_NAMES = {
    "who": "Who",
    "what": "What",
    "when": "When",
    "where": "Where",
    "how": "How",
    "why": "Why",
    "frequency": "How often",
}


class IntelReportEditor(IntelEditorFields):
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
            self.happened_edit,
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
            self.happened_edit.setText(report.happened)
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
        if not report.closing_confirmed and dialogs.confirm(
            self,
            self.tr("Nothing more to add?"),
            self.tr(
                "The police read \u201c(no more information available)\u201d at the end of a "
                "report as: the submitter has told us everything they know, so there is no "
                "need to come back for more.\n\nIs there nothing more you know? If so, the "
                "line is added at the end."
            ),
            self.tr("&Add the closing line"),
            self.tr("Finalise &without it"),
        ):
            report.closing_confirmed = True
            self._loading = True
            try:
                self.closing_check.setChecked(True)
            finally:
                self._loading = False
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
