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
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.catalogue import list_tools, load_tool
from cse_toolkit.core.entities import Child, ScreeningRecord
from cse_toolkit.core.screening import (
    ChildContext,
    ScreeningInput,
    evaluate,
    tool_for,
)
from cse_toolkit.core.screening_flow import ContextProblem, ScreeningFlow, context_problem
from cse_toolkit.core.tools import (
    Tool,
)
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import autosave, dialogs
from cse_toolkit.gui.common.autosave import DraftTimer
from cse_toolkit.gui.common.pathway_widgets import (
    policy,
)
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.process.screening_pages import ContextPage, SectionPage
from cse_toolkit.gui.process.screening_rows import IndicatorRow, legend_text, screening_tr

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

DRAFT_KIND = "screening_wizard"  # where an in-progress screening's page is kept


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
        self.setAccessibleName(screening_tr("Screening"))
        self._vault: Vault | None = None
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
        self.progress.setAccessibleName(screening_tr("Progress"))
        self.saved_label = QLabel()
        self.saved_label.setAccessibleName(screening_tr("Autosave"))
        self.prev_button = QPushButton(screening_tr("◀ Pre&vious"))
        self.prev_button.setAccessibleName(screening_tr("Previous page"))
        self.next_button = QPushButton(screening_tr("Ne&xt ▶"))
        self.next_button.setAccessibleName(screening_tr("Next page"))
        self.next_button.setDefault(True)
        self.back_button = QPushButton(screening_tr("Back to the &process"))
        self.back_button.setToolTip(
            screening_tr("Your answers are kept: come back to finish (Esc)")
        )
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
        self, vault: Vault, child: Child | str, *, immediate_danger: bool | None = None
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
            tool = load_tool(policy(self._vault).default_tool)
            self._fill_tools(tool.id)
            assert self._vault is not None
            today = self._vault.now().astimezone().date()
            age = child.age_on(today)
            c = self.context
            c.age.setValue(age if age is not None else -1)
            if child.dob is not None:
                c.age_note.setText(
                    screening_tr("Worked out from the date of birth ({dob}).").format(
                        dob=child.dob.strftime("%d/%m/%Y")
                    )
                )
            elif age is not None:
                c.age_note.setText(
                    screening_tr("Worked out from the approximate age on the record.")
                )
            else:
                c.age_note.setText(screening_tr("No age on the record: enter the child's age."))
            c.learning_disability.setChecked(child.learning_disability)
            c.additional_needs.setChecked(child.additional_needs)
            c.set_danger(immediate_danger)
            self._danger_answered = immediate_danger is not None
            assert self._vault is not None
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
        assert self._vault is not None
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
            c.age_note.setText(screening_tr("As entered when this screening was started."))
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
            screening_tr("Resumed the screening started {when}.").format(
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
            screening_tr("Change the screening tool?"),
            screening_tr("The answers given with '{tool}' will be cleared.").format(
                tool=self._tool.name
            ),
            screening_tr("&Change the tool"),
            screening_tr("&Keep the tool"),
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
            page.scroll_area.ensureWidgetVisible(row, 0, 24)

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
            screening_tr("Saved {time}").format(
                time=self._vault.now().astimezone().strftime("%H:%M:%S")
            )
        )

    def forget_position(self) -> None:
        """Drop the page draft (the screening was confirmed)."""
        if self._vault is not None and self._page_draft_id is not None:
            self._vault.repos.delete_draft(self._page_draft_id)
        self._page_draft_id = None

    # -- navigation (the rules are core.screening_flow's; this renders them) -------------
    @property
    def flow(self) -> ScreeningFlow:
        return ScreeningFlow(sections=self.stack.count() - 1, index=self.stack.currentIndex())

    def _update_nav(self) -> None:
        flow = self.flow
        self.prev_button.setEnabled(flow.can_go_back)
        if flow.on_context:
            self.progress.setText(
                screening_tr("Page 1 of {m}: before you start").format(m=flow.total)
            )
        else:
            self.progress.setText(
                screening_tr("Page {n} of {m}").format(n=flow.index + 1, m=flow.total)
            )
        self.progress.setAccessibleDescription(self.progress.text())
        last = flow.on_last
        self.next_button.setText(
            screening_tr("See the &outcome ▶") if last else screening_tr("Ne&xt ▶")
        )
        self.next_button.setAccessibleName(
            screening_tr("See the outcome") if last else screening_tr("Next page")
        )

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
        back = self.flow.previous()
        if back is not None:
            self._go(back)

    def next(self) -> None:
        flow = self.flow
        if flow.on_context and not self._check_context():
            return
        section = flow.section_of(flow.index)
        if section is not None:
            page = self.pages[section]
            row = page.first_problem()
            if row is not None:
                self._show_row_problem(page, row)
                return
        following = flow.following()
        if following is not None:
            self._go(following)
        else:
            self.finish()

    def _context_problem(self) -> ContextProblem | None:
        return context_problem(self._tool, self.context.danger(), self.current_input())

    def _check_context(self) -> bool:
        c = self.context
        c.message.clear_problem()
        problem = self._context_problem()
        if problem is None:
            return True
        if problem.kind == "danger":
            c.message.show_problem(
                screening_tr("Answer the first question: is anyone in immediate danger?")
            )
            c.danger_yes.setFocus()
        elif problem.kind == "age":
            c.message.show_problem(screening_tr("Enter the child's age in whole years."))
            c.age.setFocus()
        else:
            c.message.show_problem(problem.detail)
            c.age.setFocus()
        return False

    def _show_row_problem(self, page: SectionPage, row: IndicatorRow) -> None:
        """Stop on ``row``: its problem is said beside it, and the page's message says where."""
        problem = row.problem() or ""
        row.show_problem(problem)
        others = [r for r in page.rows if r is not row and r.problem() is not None]
        for other in others:
            other.show_problem(other.problem() or "")
        if others:
            problem += " " + ntr(
                "screening", "%n more question(s) on this page must be completed too.", len(others)
            )
        page.message.show_problem(problem)
        row.focus_problem()
        page.scroll_area.ensureWidgetVisible(row)

    def _past_end(self, enter: bool) -> None:
        """Moving on from the last question: Enter goes to the next page, Tab to Next."""
        if enter:
            self.next()
        else:
            self.next_button.setFocus(Qt.FocusReason.TabFocusReason)

    def finish(self) -> None:
        """Check every answer, save, and hand over to the outcome page."""
        if self._tool is None or self._context_problem() is not None:
            self._go(0, save=False)
            self._check_context()
            return
        flow = self.flow
        section = flow.first_section_with_problem(
            [page.first_problem() is not None for page in self.pages]
        )
        if section is not None:
            page = self.pages[section]
            row = page.first_problem()
            assert row is not None
            self._go(flow.page_of(section), save=False)
            self._show_row_problem(page, row)
            return
        inp = self.current_input()
        assert inp is not None
        try:
            evaluate(self._tool, inp)
        except UserError as exc:
            current = self.stack.currentWidget()
            target = current.message if isinstance(current, SectionPage) else self.context.message
            target.show_problem(str(exc))
            return
        self._dirty = True
        self.save_draft()
        assert self._record_id is not None
        self.finished.emit(self._record_id)

    def _back(self) -> None:
        self.save_draft()
        self.back_requested.emit()

    def go_to_page(self, index: int) -> None:
        """Open a page directly (the outcome page's "change answers")."""
        self._go(self.flow.clamp(index), save=False)


def in_progress_screening(vault: Vault, child_id: str) -> ScreeningRecord | None:
    """The child's newest in-progress screening, if any."""
    found = [s for s in vault.repos.screenings_for(child_id) if s.status == "in_progress"]
    return max(found, key=lambda s: s.screened_at) if found else None


__all__ = [
    "DRAFT_KIND",
    "IndicatorRow",
    "ScreeningWizard",
    "legend_text",
    "SectionPage",
    "in_progress_screening",
]
