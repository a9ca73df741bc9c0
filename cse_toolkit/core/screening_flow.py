"""Where the screening wizard goes next, and what stops it: the wizard's navigation, Qt-free.

As Electrum's ``wizard.py`` does, the flow decides and a thin widget renders: the widget
(``gui/process/screening_wizard.py``) asks the flow which page comes next, whether Back is
possible, whether the next step is the outcome, and what is missing on a page; it only shows
the answer in its own translated words. So the navigation is tested without a display.

Pages: page 0 is "Before you start" (the immediate danger question first, then the tool and the
child's context); then one page per section of the tool, in the tool's order. Next from a page
with a problem stays on it; Next from the last section finishes (the outcome page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cse_toolkit.core.screening_input import ScreeningInput, validate_input
from cse_toolkit.core.tools import PRESENT_VALUES, Tool
from cse_toolkit.errors import UserError

#: What stops a question: a required one left blank ("Not known" is an answer), a present
#: answer without its basis (evidence or gut feeling), or without when (time-period sections).
AnswerProblem = Literal["required", "basis", "when"]

CONTEXT_PAGE = 0


def answer_problem(
    *,
    required: bool,
    has_time_period: bool,
    value: str | None,
    basis: str | None,
    when: str | None,
) -> AnswerProblem | None:
    """What is missing from one question's answer before the screening can be finished."""
    if required and value is None:
        return "required"
    if value not in PRESENT_VALUES:
        return None
    if basis is None:
        return "basis"
    if has_time_period and when is None:
        return "when"
    return None


@dataclass(frozen=True)
class ContextProblem:
    """Why page 0 cannot be left: ``danger`` (the first question is not answered), ``age`` (no
    age in whole years), or ``input`` with the engine's own words in ``detail``."""

    kind: Literal["danger", "age", "input"]
    detail: str = ""


def context_problem(
    tool: Tool | None, danger: bool | None, inp: ScreeningInput | None
) -> ContextProblem | None:
    """What stops "Before you start": the danger question first, then the age, then anything
    the tool refuses about the child (an age it does not screen)."""
    if danger is None:
        return ContextProblem("danger")
    if inp is None or tool is None:
        return ContextProblem("age")
    try:
        validate_input(tool, inp.model_copy(update={"answers": []}))
    except UserError as exc:
        detail = str(exc).replace("The screening answers have problems:", "").strip()
        return ContextProblem("input", detail)
    return None


@dataclass
class ScreeningFlow:
    """The pages of one screening and the page shown (0 = before you start)."""

    sections: int = 0
    index: int = CONTEXT_PAGE

    @property
    def total(self) -> int:
        return self.sections + 1

    @property
    def on_context(self) -> bool:
        return self.index == CONTEXT_PAGE

    @property
    def can_go_back(self) -> bool:
        return self.index > CONTEXT_PAGE

    @property
    def on_last(self) -> bool:
        """The page whose Next shows the outcome (never page 0 alone: a tool has sections)."""
        return self.index == self.total - 1 and self.total > 1

    def section_of(self, index: int) -> int | None:
        """The section shown on page ``index`` (0-based), None for "before you start"."""
        return index - 1 if index > CONTEXT_PAGE else None

    def page_of(self, section: int) -> int:
        return section + 1

    def clamp(self, index: int) -> int:
        return max(CONTEXT_PAGE, min(index, self.total - 1))

    def previous(self) -> int | None:
        """The page Back goes to, or None on the first page."""
        return self.index - 1 if self.can_go_back else None

    def following(self) -> int | None:
        """The page Next goes to once this page has no problem; None means finish."""
        return self.index + 1 if self.index < self.total - 1 else None

    def first_section_with_problem(self, problems: Sequence[bool]) -> int | None:
        """Finishing checks every section in order and stops at the first with a problem."""
        return next((i for i, problem in enumerate(problems) if problem), None)
