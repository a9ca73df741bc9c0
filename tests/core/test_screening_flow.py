"""The screening wizard's navigation, without a display (core/screening_flow.py)."""

from __future__ import annotations

import pytest

from cse_toolkit.core.catalogue import load_tool
from cse_toolkit.core.screening import ChildContext, ScreeningInput
from cse_toolkit.core.screening_flow import (
    ContextProblem,
    ScreeningFlow,
    answer_problem,
    context_problem,
)

TOOL = "worcestershire-2013"


def test_pages_back_next_and_finish() -> None:
    flow = ScreeningFlow(sections=3)
    assert flow.total == 4 and flow.on_context and not flow.can_go_back
    assert flow.previous() is None and flow.following() == 1 and not flow.on_last
    flow.index = 1
    assert flow.section_of(1) == 0 and flow.section_of(0) is None and flow.page_of(0) == 1
    assert flow.previous() == 0 and flow.following() == 2
    flow.index = 3
    assert flow.on_last and flow.following() is None  # Next shows the outcome
    assert flow.clamp(9) == 3 and flow.clamp(-2) == 0
    assert not ScreeningFlow(sections=0).on_last  # page 0 alone never finishes
    assert flow.first_section_with_problem([False, True, True]) == 1
    assert flow.first_section_with_problem([False, False]) is None


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"required": True, "value": None}, "required"),
        ({"required": False, "value": None}, None),
        ({"value": "unknown"}, None),
        ({"value": "no"}, None),
        ({"value": "yes"}, "basis"),
        ({"value": "possible", "basis": "gut_feeling"}, None),
        ({"value": "yes", "basis": "evidence", "has_time_period": True}, "when"),
        ({"value": "yes", "basis": "evidence", "has_time_period": True, "when": "prior"}, None),
    ],
)
def test_what_stops_a_question(kw: dict[str, object], expected: str | None) -> None:
    args: dict[str, object] = {
        "required": False,
        "has_time_period": False,
        "value": None,
        "basis": None,
        "when": None,
    }
    args.update(kw)
    assert answer_problem(**args) == expected  # type: ignore[arg-type]


def test_before_you_start_asks_danger_first_then_age_then_the_tool() -> None:
    tool = load_tool(TOOL)
    ok = ScreeningInput(tool=TOOL, child=ChildContext(age=14), answers=[])
    assert context_problem(tool, None, ok) == ContextProblem("danger")
    assert context_problem(tool, False, None) == ContextProblem("age")
    assert context_problem(None, False, ok) == ContextProblem("age")
    assert context_problem(tool, True, ok) is None
    too_old = ScreeningInput(tool=TOOL, child=ChildContext(age=19), answers=[])
    problem = context_problem(tool, False, too_old)
    assert problem is not None and problem.kind == "input"
    assert "age 19" in problem.detail and "have problems" not in problem.detail
