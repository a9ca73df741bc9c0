"""The child's "Process" tab: where the case stands, and the form for what comes next.

A stacked widget switches between the tracker (the steps, due dates, route) and the current
activity: the concern form, the danger check, the screening wizard, the outcome page, or the
generic form of any other step (discuss, decide, early help, refer, NFA, strategy meeting,
panel, review, share intelligence). Each activity returns to the tracker with a line saying
what was saved and what comes next. The flow for a new concern: record the concern -> danger
check (Yes: 999, the case goes to the strategy meeting; No: straight on to the screening) ->
screening -> outcome, confirm the level -> discuss -> decide -> the route's steps -> review,
which loops back to the screening.

Plugs into the child page (``ChildPage.add_tab(ProcessTab(), "&Process")``): ``set_child(vault,
child)`` (a ``Child`` or a child id), ``clear()`` on lock, ``save_draft()`` (the wizard and the
step form autosave; this flushes them), and a ``changed`` signal after every write so the page
header and the child list refresh.

``next_step_summary(vault, child_id)`` gives the child list its "next step" and "due" columns
with one ``case_state`` call; ``next_step_provider`` adapts it to the child list's provider
signature (``child_list.set_next_step_provider(next_step_provider)``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.catalogue import level_label, load_pathway, load_tool
from cse_toolkit.core.entities import Child, ScreeningRecord
from cse_toolkit.core.pathway import CaseState, Pathway
from cse_toolkit.core.screening import driving_level
from cse_toolkit.core.urgency import Urgency
from cse_toolkit.errors import UserError
from cse_toolkit.gui.children.child_table_model import NextStep
from cse_toolkit.gui.common.pathway_widgets import case_pathway_id, case_tool, day_text, moment_text
from cse_toolkit.gui.process.outcome_page import OutcomePage
from cse_toolkit.gui.process.pathway_danger_check import DangerCheck
from cse_toolkit.gui.process.pathway_step_form import StepForm
from cse_toolkit.gui.process.pathway_tracker import PathwayTracker
from cse_toolkit.gui.process.screening_wizard import ScreeningWizard

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

NO_MORE_STEPS = "No further steps"


def _first_due(state: CaseState) -> tuple[str | None, bool, Any]:
    if not state.due:
        return None, False, None
    item = min(state.due, key=lambda d: d.due_at)
    return day_text(item.due_at), item.overdue, item.due_at


def _title(state: CaseState) -> str:
    return (
        state.open[0].title if state.open else QCoreApplication.translate("pathway", NO_MORE_STEPS)
    )


def next_step_summary(vault: Vault, child_id: str) -> tuple[str, str | None, bool]:
    """(next step title, due date text such as "12 Nov 2026" or None, overdue) for a child.

    One ``case_state`` call: cheap enough for the child list.
    """
    state = vault.repos.case_state(child_id)
    due_text, overdue, _ = _first_due(state)
    return _title(state), due_text, overdue


def next_step_provider(vault: Vault, child_ids: Sequence[str]) -> Mapping[str, NextStep]:
    """The child list's provider: each child's next step and due date.

    Read from the case state the vault keeps with the records (``vault/case_store.py``, the
    pathway engine's own answer stored when a step, screening or level changed): one query
    for the whole caseload; overdue and the urgency are worked out here from the clock.
    """
    found = vault.repos.case_lines(list(child_ids))
    now = vault.clock.now()
    overdue = QCoreApplication.translate("pathway", "⚠ {step} (overdue)")
    no_more = QCoreApplication.translate("pathway", NO_MORE_STEPS)
    out: dict[str, NextStep] = {}
    for child_id in child_ids:
        line = found.get(child_id)
        if line is None:
            continue  # no stored state (no pathway installed) or a history the engine refused
        first, risk = line.first_due, line.urgency
        text = line.next_title or no_more
        if first is not None and now > first:
            text = overdue.format(step=text)
        out[child_id] = NextStep(
            text=text,
            due=first.astimezone().date() if first else None,
            rank=risk.rank,
            flag=urgency_text(risk),
            action_now=risk.needs_action_now,
            due_at=risk.due_at,
        )
    return out


def urgency_text(risk: Urgency) -> str:
    """The urgency flag in words, for the lists (text as well as colour)."""
    tr = QCoreApplication.translate
    if risk.flag == "immediate_danger":
        if risk.called_999_at is not None:
            return tr("pathway", "⚠ Immediate danger: 999 called at {when}").format(
                when=moment_text(risk.called_999_at)
            )
        return tr("pathway", "⚠ Immediate danger: time of the 999 call not recorded")
    if risk.flag == "overdue" and risk.due_at is not None:
        # The Due column says since when; this says what.
        return tr("pathway", "⚠ Overdue: {what}").format(what=risk.overdue_label)
    if risk.flag == "new_high":
        return tr("pathway", "New high level: not yet reviewed")
    return ""


class ProcessTab(QWidget):
    """The "Process" tab of a child's page."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Process"))
        self._vault: Vault | None = None
        self._child: Child | None = None
        self._pathway: Pathway | None = None

        self.tracker = PathwayTracker()
        self.tracker.step_activated.connect(self.open_step)
        self.latest_label = QLabel()
        self.latest_label.setWordWrap(True)
        self.latest_label.setAccessibleName(self.tr("Latest screening"))
        self.view_outcome = QPushButton(self.tr("&View the outcome"))
        self.view_outcome.clicked.connect(self._view_latest)
        latest = QHBoxLayout()
        latest.addWidget(self.latest_label, 1)
        latest.addWidget(self.view_outcome)
        self.tracker_page = QWidget()
        tracker_layout = QVBoxLayout(self.tracker_page)
        tracker_layout.setContentsMargins(0, 0, 0, 0)
        inner = self.tracker.layout()
        if inner is not None:
            inner.setContentsMargins(0, 0, 0, 0)
        tracker_layout.addWidget(self.tracker, 1)
        tracker_layout.addLayout(latest)

        self.danger = DangerCheck()
        self.danger.recorded.connect(self._danger_recorded)
        self.danger.back_requested.connect(self.show_tracker)
        self.wizard = ScreeningWizard()
        self.wizard.finished.connect(self._wizard_finished)
        self.wizard.back_requested.connect(self.show_tracker)
        self.outcome = OutcomePage()
        self.outcome.confirmed.connect(self._confirmed)
        self.outcome.change_answers.connect(self._change_answers)
        self.outcome.back_requested.connect(self.show_tracker)
        self.step_form = StepForm()
        self.step_form.saved.connect(self._step_saved)
        self.step_form.back_requested.connect(self.show_tracker)

        self.stack = QStackedWidget()
        for page in (self.tracker_page, self.danger, self.wizard, self.outcome, self.step_form):
            self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self._latest: ScreeningRecord | None = None
        self._set_latest(None)

    # -- ChildTab ---------------------------------------------------------------------------
    @property
    def child_id(self) -> str | None:
        return self._child.id if self._child else None

    def set_child(self, vault: Vault, child: Child | str) -> None:
        """Show ``child``'s process. The same child again (a refresh) keeps the activity open."""
        if isinstance(child, str):
            child = vault.repos.get_child(child)
        same = self._child is not None and self._child.id == child.id and self._vault is vault
        if not same:
            self.save_draft()
        self._vault = vault
        self._child = child
        self._pathway = load_pathway(case_pathway_id(vault, child.id))
        self.tracker.set_child(vault, child.id, self._pathway.id)
        self._refresh_latest()
        if not same:
            self.tracker.show_status(self._in_progress_text())
            self.stack.setCurrentWidget(self.tracker_page)

    def clear(self) -> None:
        """Forget everything (on lock, after ``save_draft``)."""
        self._vault = None
        self._child = None
        self._latest = None
        for part in (self.tracker, self.danger, self.wizard, self.outcome, self.step_form):
            part.clear()
        self._set_latest(None)
        self.stack.setCurrentWidget(self.tracker_page)

    def save_draft(self) -> None:
        """Flush the wizard's and the step form's autosave (``DraftEditor`` protocol)."""
        self.wizard.save_draft()
        self.step_form.save_draft()

    # -- navigation -------------------------------------------------------------------------
    def current_activity(self) -> QWidget | None:
        return self.stack.currentWidget()

    def show_tracker(self, status: str = "") -> None:
        if self._vault is None or self._child is None:
            self.stack.setCurrentWidget(self.tracker_page)
            return
        self._child = self._vault.repos.get_child(self._child.id)
        self.tracker.refresh()
        self._refresh_latest()
        self.tracker.show_status(status)
        self.stack.setCurrentWidget(self.tracker_page)
        self.tracker.focus_continue()

    def open_step(self, step_id: str) -> None:
        """Open the activity that records ``step_id`` (the current step or an offered one)."""
        if self._vault is None or self._child is None or self._pathway is None:
            return
        if self.stack.currentWidget() is not self.tracker_page:
            return  # a click and an activation of the same row: open once
        if step_id == "danger_check":
            self.danger.start(self._vault, self._child.id, self._pathway.id)
            self.stack.setCurrentWidget(self.danger)
        elif step_id == "screen":
            self._open_wizard(self._danger_answer())
        else:
            self._open_form(step_id)

    def _open_wizard(self, immediate_danger: bool | None) -> None:
        assert self._vault is not None and self._child is not None
        self.wizard.set_child(self._vault, self._child, immediate_danger=immediate_danger)
        self.stack.setCurrentWidget(self.wizard)
        self.wizard.go_to_page(self.wizard.page_index)

    def _open_form(self, step_id: str) -> None:
        assert self._vault is not None and self._child is not None and self._pathway is not None
        latest = self._latest_confirmed()
        # SAFETY.md R7: a lowered level awaiting DSL sign-off does not drive the case yet.
        screened_level = self._child.confirmed_level
        if latest is not None:
            try:
                latest_tool = load_tool(latest.tool_id, latest.tool_version)
            except UserError:
                latest_tool = None
            screened_level = (
                driving_level(
                    latest_tool,
                    latest.suggested_level,
                    latest.confirmed_level,
                    latest.status,
                    signed_level=self._child.confirmed_level,
                )
                or screened_level
            )
        prefill: dict[str, Any] = {}
        if step_id == "discuss" and screened_level:
            prefill["agreed_level"] = screened_level
        if step_id == "decide":
            agreed = self._recorded_value("discuss", "agreed_level")
            prefill["confirmed_level"] = agreed or screened_level
        tool = case_tool(self._vault, self._child)
        if latest is not None:
            try:
                tool = load_tool(latest.tool_id, latest.tool_version)
            except UserError:
                log.info("tool version of the latest screening is not installed")
        self.step_form.open_step(
            self._vault,
            self._child,
            self._pathway,
            step_id,
            tool=tool,
            prefill=prefill,
            suggested_level=screened_level if step_id == "decide" else None,
        )
        self.stack.setCurrentWidget(self.step_form)

    # -- what happened ----------------------------------------------------------------------
    def _next_text(self) -> str:
        state = self.tracker.state
        if state is None:
            return ""
        return self.tr("Next: {step}.").format(step=_title(state))

    def _after_write(self, status: str) -> None:
        self.show_tracker()
        self.tracker.show_status(f"{status} {self._next_text()}".strip())
        self.changed.emit()

    def _step_saved(self, step_id: str) -> None:
        assert self._pathway is not None
        title = self._pathway.step(step_id).title
        if step_id == "concern":
            # Straight on to the danger question: nothing else comes first.
            self.changed.emit()
            self.tracker.refresh()
            self.tracker.show_status(self.tr("Saved: {step}.").format(step=title))
            self.stack.setCurrentWidget(self.tracker_page)
            self.open_step("danger_check")
            return
        self._after_write(self.tr("Saved: {step}.").format(step=title))

    def _danger_recorded(self, danger: bool) -> None:
        if danger:
            self._after_write(self.tr("Recorded: immediate danger, 999 called."))
            return
        self.changed.emit()
        self.tracker.refresh()
        self._open_wizard(False)

    def _wizard_finished(self, screening_id: str) -> None:
        assert self._vault is not None and self._pathway is not None
        self.outcome.show_screening(self._vault, screening_id, self._pathway.id)
        self.stack.setCurrentWidget(self.outcome)

    def _confirmed(self, screening_id: str) -> None:
        self.wizard.forget_position()
        self.wizard.clear()
        record = self.outcome.record
        tool = self.outcome.tool
        confirmed = record.confirmed_level if record else None
        level = tool.level(confirmed).label if confirmed and tool else ""
        status = self.tr("Screening confirmed: {level}.").format(level=level)
        if self.outcome.step_problem:
            status += " " + self.outcome.step_problem
        self._after_write(status)

    def _change_answers(self, _screening_id: str) -> None:
        assert self._vault is not None and self._child is not None
        if self.wizard.record_id != _screening_id:
            self.wizard.set_child(self._vault, self._child)
        self.stack.setCurrentWidget(self.wizard)
        self.wizard.go_to_page(len(self.wizard.pages))

    # -- the latest screening --------------------------------------------------------------
    def _latest_confirmed(self) -> ScreeningRecord | None:
        if self._vault is None or self._child is None:
            return None
        done = [
            s for s in self._vault.repos.screenings_for(self._child.id) if s.status != "in_progress"
        ]
        return max(done, key=lambda s: s.screened_at) if done else None

    def _recorded_value(self, step_id: str, field_id: str) -> Any:
        assert self._vault is not None and self._child is not None
        value = None
        for rec in self._vault.repos.engine_records(self._child.id):
            if rec.step == step_id and rec.status == "done":
                value = rec.data.get(field_id)
        return value

    def _in_progress_text(self) -> str:
        """After an unlock or on opening a child: say that a screening is waiting."""
        assert self._vault is not None and self._child is not None
        state = self.tracker.state
        if state is None or state.current != "screen":
            return ""
        waiting = [
            s for s in self._vault.repos.screenings_for(self._child.id) if s.status == "in_progress"
        ]
        if not waiting:
            return ""
        started = max(waiting, key=lambda s: s.screened_at).screened_at
        return self.tr(
            "A screening started on {when} is not finished yet: press Continue to pick it up "
            "where you left off."
        ).format(when=day_text(started))

    def _danger_answer(self) -> bool | None:
        return cast("bool | None", self._recorded_value("danger_check", "immediate_danger"))

    def _refresh_latest(self) -> None:
        self._set_latest(self._latest_confirmed())

    def _set_latest(self, record: ScreeningRecord | None) -> None:
        self._latest = record
        if record is None:
            self.latest_label.setText(self.tr("No screening confirmed yet."))
            self.view_outcome.setEnabled(False)
            return
        label = level_label(record.confirmed_level, record.tool_id, record.tool_version)
        self.latest_label.setText(
            self.tr("Latest screening: {level}, confirmed by {who} on {when}.").format(
                level=label,
                who=record.confirmed_by or "?",
                when=day_text(record.screened_at),
            )
        )
        self.view_outcome.setEnabled(True)

    def _view_latest(self) -> None:
        if self._latest is None or self._vault is None or self._pathway is None:
            return
        try:
            self.outcome.show_screening(self._vault, self._latest, self._pathway.id)
        except (UserError, ValueError) as exc:
            # An imported screening made with a tool version not installed here, say: the
            # record stays; say plainly why it cannot be shown.
            self.tracker.show_status(
                self.tr("This screening cannot be shown here: {why}").format(why=exc)
            )
            return
        self.stack.setCurrentWidget(self.outcome)
        self.outcome.back_button.setFocus(Qt.FocusReason.OtherFocusReason)
