"""Properties of the screening engine for both tools, over generated screenings:
adding a present answer never lowers the suggested level; floors always hold; the suggestion is
never a manual-only level; gaps and to-verify lists match the answers exactly."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cse_toolkit.core.screening import ScreeningInput, evaluate
from cse_toolkit.core.tools import FloorAgeUnderRule, FloorFlagRule, Tool, load_tool

TOOLS = {t: load_tool(t) for t in ("worcestershire-2013", "west-midlands-regional")}


def _answer(tool: Tool, indicator: str, draw: Any) -> dict[str, Any]:
    section, _ = tool.indicator(indicator)
    value = draw(st.sampled_from(["yes", "possible", "no", "unknown"]))
    out: dict[str, Any] = {"indicator": indicator, "value": value}
    if value in ("yes", "possible"):
        out["basis"] = draw(st.sampled_from(["evidence", "gut_feeling"]))
        if section.has_time_period:
            out["when"] = draw(st.sampled_from(["current", "prior"]))
    return out


@st.composite
def screenings(draw: Any, tool_id: str) -> tuple[Tool, dict[str, Any]]:
    tool = TOOLS[tool_id]
    all_ids = [i.id for s in tool.sections for i in s.indicators]
    chosen = draw(st.lists(st.sampled_from(all_ids), unique=True, max_size=len(all_ids)))
    additional = draw(st.booleans())
    top = tool.age_gate.under_with_additional_needs if additional else tool.age_gate.under
    data = {
        "tool": tool.id,
        "child": {
            "age": draw(st.integers(min_value=0, max_value=top - 1)),
            "learning_disability": draw(st.booleans()),
            "additional_needs": additional,
        },
        "immediate_danger": draw(st.booleans()),
        "answers": [_answer(tool, i, draw) for i in chosen],
    }
    return tool, data


def _present_answer(tool: Tool, indicator: str, when: str) -> dict[str, Any]:
    section, _ = tool.indicator(indicator)
    out: dict[str, Any] = {"indicator": indicator, "value": "yes", "basis": "evidence"}
    if section.has_time_period:
        out["when"] = when
    return out


@pytest.mark.parametrize("tool_id", sorted(TOOLS))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_adding_a_present_answer_never_lowers_the_level(tool_id: str, data: Any) -> None:
    tool, screening = data.draw(screenings(tool_id))
    before = evaluate(tool, ScreeningInput.from_dict(screening))
    scored_ids = [i.id for s in tool.sections for i in s.indicators]
    target = data.draw(st.sampled_from(scored_ids))
    when = data.draw(st.sampled_from(["current", "prior"]))
    answers = [a for a in screening["answers"] if a["indicator"] != target]
    old = next((a for a in screening["answers"] if a["indicator"] == target), None)
    if old is not None and old["value"] in ("yes", "possible"):
        return  # already present: nothing is added
    after = evaluate(
        tool,
        ScreeningInput.from_dict(
            {**screening, "answers": [*answers, _present_answer(tool, target, when)]}
        ),
    )
    assert tool.rank(after.suggested_level) >= tool.rank(before.suggested_level)


@pytest.mark.parametrize("tool_id", sorted(TOOLS))
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_floors_always_hold_and_lists_match(tool_id: str, data: Any) -> None:
    tool, screening = data.draw(screenings(tool_id))
    out = evaluate(tool, ScreeningInput.from_dict(screening))
    child = screening["child"]
    answers = {a["indicator"]: a for a in screening["answers"]}
    scored_present = any(
        a["value"] in ("yes", "possible") and tool.indicator(i)[0].scored
        for i, a in answers.items()
    )
    level = tool.rank(out.suggested_level)
    for rule in tool.rules:
        if isinstance(rule, FloorAgeUnderRule) and scored_present and child["age"] < rule.age:
            assert level >= tool.rank(rule.level)
        if isinstance(rule, FloorFlagRule) and scored_present and child[rule.flag]:
            assert level >= tool.rank(rule.level)
    assert level >= tool.rank(out.minimum_level)
    assert out.suggested_level not in tool.manual_only_levels
    assert out.urgent == screening["immediate_danger"]
    if not scored_present and not (
        screening["immediate_danger"] and tool.id == "worcestershire-2013"
    ):
        assert out.suggested_level == tool.level_ids[0]
    expected_gaps = [
        i.id
        for s in tool.scored_sections()
        for i in s.indicators
        if answers.get(i.id, {"value": "unknown"})["value"] == "unknown"
    ]
    assert [g.indicator for g in out.gaps] == expected_gaps
    assert sorted(a.indicator for a in out.to_verify) == sorted(
        i for i, a in answers.items() if a["value"] == "possible"
    )
    for reason in out.reasons:
        for ind in reason.indicators:
            assert answers[ind]["value"] in ("yes", "possible")
