"""Where a child's case stands on the step-by-step process, as a vertical list of steps.

Each row says in words what state the step is in, so nothing depends on colour: "Done 12 Nov
2026 14:30 by sam", "Do this now", "Next", "Overdue since 12 Nov 2026", "Can be recorded at any
time" (offered steps such as sharing intelligence). The route the case is on and every due item
are listed above the steps. Activating the current step or an offered step (Enter, a click or the
"Continue" button) emits ``step_activated(step_id)``; the process tab opens its form.

The list is rebuilt from one ``repos.case_state`` call plus the recorded steps (for who and when).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.catalogue import load_pathway
from cse_toolkit.core.pathway import CaseState, DueItem, Pathway, StepRecord
from cse_toolkit.gui.common.pathway_widgets import (
    PROBLEM_BG,
    PROBLEM_FG,
    EmergencyBanner,
    Notice,
    case_pathway_id,
    day_text,
    emergency_text,
    moment_text,
    policy,
    ring_now_text,
    section_title,
    wrap_label,
)
from cse_toolkit.gui.common.widgets import heading_label

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

STEP_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2

CURRENT_BG = "#e3ecfa"
CURRENT_FG = "#0a2a5e"
DONE_FG = "#1f3d24"


def person_text(recorded_by: str, names: dict[str, str], origin: str = "") -> str:
    """Who recorded a step: a user's name here, or "Sam Okafor (imported)"."""
    if recorded_by.startswith("import:") or origin:
        name = recorded_by.removeprefix("import:") or _tr("the sender")
        return _tr("{name} (imported)").format(name=name)
    return names.get(recorded_by, recorded_by)


def due_phrase(item: DueItem) -> str:
    """'Overdue since 12 Nov 2026 (Re-screen due)' or 'Re-screen due 12 Nov 2026'."""
    when = day_text(item.due_at)
    if item.overdue:
        return _tr("Overdue since {when} ({label})").format(when=when, label=item.label)
    return _tr("{label} {when}").format(label=item.label, when=when)


def _tr(text: str) -> str:
    return QCoreApplication.translate("pathway", text)


class PathwayTracker(QWidget):
    """The process for one child. ``set_child(vault, child_id)``; ``clear()`` on lock."""

    step_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Process steps"))
        self._vault: Vault | None = None
        self._child_id: str | None = None
        self._pathway: Pathway | None = None
        self._state: CaseState | None = None

        self.heading = heading_label(self.tr("Process"))
        self.about = wrap_label()
        self.about.setAccessibleName(self.tr("About the process"))
        self.route_label = wrap_label()
        self.route_label.setAccessibleName(self.tr("Route and level"))
        route_font = QFont(self.route_label.font())
        route_font.setBold(True)
        self.route_label.setFont(route_font)
        self.urgent_banner = EmergencyBanner()
        self.urgent_banner.title.setText(
            self.tr("Immediate danger: refer now, strategy meeting straight away")
        )
        self.urgent_banner.hide()
        # Who to phone for the referral now: the front door in office hours, the Emergency
        # Duty Team out of hours (core.contacts, from the clock's time).
        self.ring_label = wrap_label()
        self.ring_label.setObjectName("ringNow")
        self.ring_label.setAccessibleName(self.tr("Who to phone now"))
        self.ring_label.hide()
        self.due_title = section_title(self.tr("Due dates"))
        self.due_box = QWidget()
        self.due_layout = QVBoxLayout(self.due_box)
        self.due_layout.setContentsMargins(0, 0, 0, 0)
        self.due_layout.setSpacing(4)
        self.status = Notice()

        self.steps_title = section_title(self.tr("Steps"))
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Steps of the process"))
        self.list.setAccessibleDescription(
            self.tr("Press Enter on the current step or an offered step to record it.")
        )
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setStyleSheet("QListWidget::item { padding: 6px 4px; }")
        self.list.setUniformItemSizes(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.steps_title.setBuddy(self.list)

        self.continue_button = QPushButton()
        self.continue_button.setDefault(True)
        self.continue_button.clicked.connect(self._continue)
        self.share_button = QPushButton(self.tr("&Share intelligence with the police…"))
        self.share_button.setAccessibleName(self.tr("Share intelligence with the police"))
        self.share_button.clicked.connect(lambda: self.step_activated.emit("share_intelligence"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.continue_button)
        buttons.addWidget(self.share_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.about)
        layout.addWidget(self.urgent_banner)
        layout.addWidget(self.route_label)
        layout.addWidget(self.ring_label)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(self.due_title)
        layout.addWidget(self.due_box)
        layout.addWidget(self.steps_title)
        layout.addWidget(self.list, 1)
        self.setTabOrder(self.continue_button, self.share_button)
        self.setTabOrder(self.share_button, self.list)
        self._show_empty()

    # -- data -----------------------------------------------------------------------------
    @property
    def state(self) -> CaseState | None:
        return self._state

    @property
    def pathway(self) -> Pathway | None:
        return self._pathway

    def set_child(self, vault: Vault, child_id: str, pathway_id: str | None = None) -> None:
        self._vault = vault
        self._child_id = child_id
        self._pathway = load_pathway(pathway_id or case_pathway_id(vault, child_id))
        self.refresh()

    def refresh(self) -> None:
        if self._vault is None or self._child_id is None or self._pathway is None:
            return
        repos = self._vault.repos
        state = repos.case_state(self._child_id, self._pathway.id)
        records = repos.engine_records(repos.get_child(self._child_id).id)
        names = {u.id: u.name for u in self._vault.users()}
        self._state = state
        self._fill(state, records, names)

    def clear(self) -> None:
        self._vault = None
        self._child_id = None
        self._state = None
        self.list.clear()
        self.status.show_text("")
        self._show_empty()

    def show_status(self, text: str) -> None:
        self.status.show_text(text)

    # -- display --------------------------------------------------------------------------
    def _show_empty(self) -> None:
        self.about.clear()
        self.route_label.clear()
        self._set_due([])
        self.urgent_banner.hide()
        self.ring_label.hide()
        self.continue_button.setText(self.tr("&Continue"))
        self.continue_button.setEnabled(False)
        self.share_button.setEnabled(False)

    def _fill(self, state: CaseState, records: list[StepRecord], names: dict[str, str]) -> None:
        pathway = self._pathway
        assert pathway is not None
        self.heading.setText(
            self.tr("Process: {name} (version {version})").format(
                name=pathway.name, version=pathway.version
            )
        )
        self.heading.setAccessibleName(self.heading.text())
        self.about.setText(" ".join(pathway.about.split()))

        route = state.route_name or self.tr("decided when the level is confirmed")
        level = state.level.replace("_", " ") if state.level else self.tr("not confirmed yet")
        cycle = self.tr(" · review cycle {n}").format(n=state.cycle) if state.cycle > 1 else ""
        self.route_label.setText(
            self.tr("Route: {route} · Level: {level}{cycle}").format(
                route=route, level=level, cycle=cycle
            )
        )

        # SAFETY.md R1: the immediate route goes through the referral to the strategy meeting.
        urgent = state.route == "immediate" and state.current in (
            "refer",
            "csc_decision",
            "escalation",
            "strategy_meeting",
        )
        self.urgent_banner.setVisible(urgent)
        pol, now = policy(self._vault), state.as_of
        ring = ring_now_text(pol, now)
        if urgent:
            self.urgent_banner.set_detail(
                self.tr(
                    "Immediate danger was reported. If the child is still in danger, call 999 "
                    "({contact}). Tell your DSL and refer to children's social care by phone "
                    "now ({ring}): the strategy meeting is held straight away."
                ).format(contact=emergency_text(pol), ring=ring)
            )
        phone_steps = ("refer", "csc_decision", "escalation")
        self.ring_label.setVisible(not urgent and state.current in phone_steps)
        self.ring_label.setText(self.tr("Children's social care: {ring}").format(ring=ring))

        self._set_due(state.due)

        by_key: dict[tuple[str, datetime | None], StepRecord] = {
            (r.step, r.recorded_at): r for r in records
        }
        due_by_step: dict[str, DueItem] = {}
        for item in state.due:
            due_by_step.setdefault(item.step, item)

        self.list.clear()
        for view in state.done:
            rec = by_key.get((view.id, view.recorded_at))
            when: datetime | None = rec.happened_at if rec else view.recorded_at
            who = person_text(rec.recorded_by, names, rec.origin) if rec else ""
            when_text = moment_text(when) if when else ""
            if view.status == "not_applicable":
                detail = self.tr("Not applicable: {reason}").format(reason=view.reason)
                mark = "–"
            else:
                detail = self.tr("Done")
                mark = "✓"
            if when_text:
                detail += self.tr(" · {when}").format(when=when_text)
            if who:
                detail += self.tr(" by {who}").format(who=who)
            self._add(view.id, "done", f"{mark} {view.title}", detail)

        for aside in state.set_aside:
            # Read-only: shown with what is missing, never an error that hides the child.
            rec = aside.record
            who = person_text(rec.recorded_by, names, rec.origin)
            detail = self.tr("Not used: {problem}").format(problem=aside.problem)
            detail += self.tr(" · {when}").format(when=moment_text(rec.happened_at))
            if who:
                detail += self.tr(" by {who}").format(who=who)
            if rec.summary:
                detail += "\n      " + self.tr("Their summary: {text}").format(text=rec.summary)
            self._add(aside.step, "set_aside", f"✗ {aside.title}", detail)

        for i, view in enumerate(state.open):
            due = due_by_step.get(view.id)
            if i == 0:
                detail = self.tr("Do this now")
                kind = "current"
                mark = "▶"
            else:
                detail = self.tr("Next") if i == 1 else self.tr("Later")
                kind = "open"
                mark = "○"
            if due is not None:
                detail += " · " + due_phrase(due)
                if due.overdue:
                    mark = "⚠"
            self._add(
                view.id, kind, f"{mark} {view.title}", detail, overdue=bool(due and due.overdue)
            )
        if state.current is None:
            self._add("", "ended", self.tr("■ The route has ended"), self.tr("Nothing more to do."))

        for view in state.available:
            if view.status == "offered":
                self._add(
                    view.id,
                    "offered",
                    f"+ {view.title}",
                    self.tr("Offered: can be recorded at any time"),
                )

        current = state.current
        if current is not None:
            title = pathway.step(current).title
            self.continue_button.setText(self.tr("&Continue: {step}").format(step=title))
            self.continue_button.setAccessibleName(self.tr("Continue: {step}").format(step=title))
            self.continue_button.setEnabled(True)
        else:
            self.continue_button.setText(self.tr("&Continue"))
            self.continue_button.setEnabled(False)
        self.share_button.setEnabled(bool(state.done))
        self._select_current()

    def _set_due(self, items: list[DueItem]) -> None:
        while self.due_layout.count():
            taken = self.due_layout.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                # Hidden at once: deleteLater waits for the event loop, and until then an old
                # label stayed drawn under the new one (three "Nothing has a due date yet.").
                widget.hide()
                widget.deleteLater()
        if not items:
            self.due_layout.addWidget(wrap_label(self.tr("Nothing has a due date yet.")))
            return
        for item in items:
            label = wrap_label(("⚠ " if item.overdue else "") + due_phrase(item))
            label.setAccessibleName(label.text())
            if item.overdue:
                label.setObjectName("overdue")
                label.setStyleSheet(
                    f"#overdue {{ color: {PROBLEM_FG}; background: {PROBLEM_BG}; font-weight: bold;"
                    f" border-left: 4px solid {PROBLEM_FG}; padding: 4px 8px; }}"
                )
            self.due_layout.addWidget(label)

    def due_texts(self) -> list[str]:
        out = []
        for i in range(self.due_layout.count()):
            entry = self.due_layout.itemAt(i)
            widget = entry.widget() if entry is not None else None
            if isinstance(widget, QLabel):
                out.append(widget.text())
        return out

    def _add(
        self, step_id: str, kind: str, title: str, detail: str, *, overdue: bool = False
    ) -> None:
        item = QListWidgetItem(f"{title}\n      {detail}")
        item.setData(STEP_ROLE, step_id)
        item.setData(KIND_ROLE, kind)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{title.lstrip('✓–▶○⚠+■ ')}. {detail}")
        tip = {
            "current": self.tr("Press Enter to record this step."),
            "offered": self.tr("Press Enter to record this."),
        }.get(kind, "")
        if tip:
            item.setToolTip(tip)
        if kind == "current":
            font = QFont(self.list.font())
            font.setBold(True)
            item.setFont(font)
            item.setBackground(QBrush(QColor(CURRENT_BG)))
            item.setForeground(QBrush(QColor(CURRENT_FG)))
        elif kind == "done":
            item.setForeground(QBrush(QColor(DONE_FG)))
        if overdue:
            font = QFont(self.list.font())
            font.setBold(True)
            item.setFont(font)
            item.setBackground(QBrush(QColor(PROBLEM_BG)))
            item.setForeground(QBrush(QColor(PROBLEM_FG)))
        self.list.addItem(item)

    def _select_current(self) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(KIND_ROLE) == "current":
                self.list.setCurrentRow(row)
                return

    # -- queries for tests and the process tab -------------------------------------------
    def rows(self) -> list[tuple[str, str, str]]:
        """(step id, kind, text) of every row, top to bottom."""
        return [
            (
                self.list.item(r).data(STEP_ROLE),
                self.list.item(r).data(KIND_ROLE),
                self.list.item(r).text(),
            )
            for r in range(self.list.count())
        ]

    # -- activation -----------------------------------------------------------------------
    def _activated(self, item: QListWidgetItem) -> None:
        if item.data(KIND_ROLE) in ("current", "offered"):
            self.step_activated.emit(item.data(STEP_ROLE))

    def _continue(self) -> None:
        if self._state is not None and self._state.current is not None:
            self.step_activated.emit(self._state.current)

    def focus_continue(self) -> None:
        self.continue_button.setFocus(Qt.FocusReason.OtherFocusReason)
