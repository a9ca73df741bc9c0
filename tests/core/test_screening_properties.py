"""Properties of the screening engine (SAFETY.md R1-R3, R6), over generated screenings, for every
installed tool and for generated tool files that ``tools check`` accepts:

- one more present indicator (or immediate danger, or a learning disability) never lowers the
  suggested level;
- floors always hold, and the suggestion is never below the outcome's own minimum;
- immediate danger never gives the lowest level or a route with "no further action";
- nothing answered is always ``incomplete``, and the lowest level cannot be confirmed then;
- the lowest level always requires a plan.

Example counts come from a hypothesis profile: ``screening-ci`` (the default: 4,000 examples
shared by the installed tools, a fixed sample), ``screening-explore`` (5,000, a fresh search each run) or
``screening-quick`` (set ``CSE_SCREENING_PROFILE=screening-quick`` while working). No example database is written (nothing readable on disk).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cse_toolkit.core.catalogue import list_tools, load_pathway, load_tool
from cse_toolkit.core.screening import (
    ConfirmationError,
    Outcome,
    ScreeningInput,
    confirm_level,
    evaluate,
)
from cse_toolkit.core.tools import (
    FloorAgeUnderRule,
    FloorFlagRule,
    ImmediateDangerRule,
    MinimumIfPresentRule,
    Tool,
    check_tool_text,
)

settings.register_profile(
    "screening-ci",
    max_examples=2000,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# CI runs a fixed sample (derandomized) so a red build is reproducible; "screening-explore"
# searches afresh each run with more examples (it found the manual-only minimum hole).
settings.register_profile(
    "screening-explore",
    max_examples=5000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "screening-quick",
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PROFILE = settings.get_profile(os.environ.get("CSE_SCREENING_PROFILE", "screening-ci"))
# Generated tool files cost a parse and a check each: fewer examples, still hundreds of files.
FILE_PROFILE = settings(PROFILE, max_examples=max(60, PROFILE.max_examples // 10))

INSTALLED = {info.id: load_tool(info.id) for info in list_tools()}
# The installed tools share one budget of examples (the profile's count times two, what the two
# CSE tools had alone), so a third tool (issue 19) costs coverage per tool, not suite time:
# with three tools each gets two thirds of the profile's count, never fewer than 1,000.
PER_TOOL = settings(
    PROFILE,
    max_examples=max(min(PROFILE.max_examples, 1000), PROFILE.max_examples * 2 // len(INSTALLED)),
)
STEP_IDS = set(load_pathway("worcestershire-cse-2013").step_ids)


# --- screenings -----------------------------------------------------------------------------


def _answer(tool: Tool, indicator: str, value: str, draw: Any) -> dict[str, Any]:
    section, _ = tool.indicator(indicator)
    out: dict[str, Any] = {"indicator": indicator, "value": value}
    if value in ("yes", "possible"):
        out["basis"] = draw(st.sampled_from(["evidence", "gut_feeling"]))
        if section.has_time_period:
            out["when"] = draw(st.sampled_from(["current", "prior"]))
    return out


@st.composite
def screenings(draw: Any, tool: Tool) -> dict[str, Any]:
    all_ids = [i.id for s in tool.sections for i in s.indicators]
    chosen = draw(st.lists(st.sampled_from(all_ids), unique=True, max_size=len(all_ids)))
    additional = draw(st.booleans())
    top = tool.age_gate.under_with_additional_needs if additional else tool.age_gate.under
    return {
        "tool": tool.id,
        "child": {
            "age": draw(st.integers(min_value=0, max_value=top - 1)),
            "learning_disability": draw(st.booleans()),
            "additional_needs": additional,
        },
        "immediate_danger": draw(st.booleans()),
        "answers": [
            _answer(tool, i, draw(st.sampled_from(["yes", "possible", "no", "unknown"])), draw)
            for i in chosen
        ],
    }


def _run(tool: Tool, data: dict[str, Any]) -> Outcome:
    return evaluate(tool, ScreeningInput.from_dict(data))


def check_safety(tool: Tool, data: dict[str, Any], out: Outcome) -> None:
    """Every per-screening property (R1, R2, R3, floors) on one outcome."""
    lowest = tool.level_ids[0]
    rank = tool.rank(out.suggested_level)
    answers = {a["indicator"]: a for a in data["answers"]}
    present = {i for i, a in answers.items() if a["value"] in ("yes", "possible")}
    scored_present = any(tool.indicator(i)[0].scored for i in present)
    child = data["child"]

    # Floors hold; the suggestion is never below its own minimum, never manual-only.
    assert rank >= tool.rank(out.minimum_level)
    assert out.suggested_level not in tool.manual_only_levels
    for rule in tool.rules:
        if isinstance(rule, FloorAgeUnderRule) and scored_present and child["age"] < rule.age:
            assert rank >= tool.rank(rule.level), rule.id
            assert tool.rank(out.minimum_level) >= tool.rank(rule.level)
        if isinstance(rule, FloorFlagRule) and scored_present and child[rule.flag]:
            assert rank >= tool.rank(rule.level), rule.id
        if isinstance(rule, MinimumIfPresentRule) and present & set(rule.indicators):
            assert tool.rank(out.minimum_level) >= tool.rank(rule.level), rule.id

    # R1: immediate danger is never the lowest level and never "no further action".
    assert out.urgent == data["immediate_danger"]
    if data["immediate_danger"]:
        danger = tool.rules_of(ImmediateDangerRule)[0]
        assert danger.minimum_level is not None
        assert rank > 0 and tool.rank(out.minimum_level) >= tool.rank(danger.minimum_level)
        assert out.next_steps is not None
        step_ids = [s.id for s in out.next_steps.steps]
        assert "nfa" not in step_ids and "refer" in step_ids
        assert not out.incomplete

    # R2: incomplete only at the lowest level; nothing answered is always incomplete there.
    if out.incomplete:
        assert out.suggested_level == lowest
        with pytest.raises(ConfirmationError, match="incomplete"):
            confirm_level(
                tool, out, lowest, "Sam", "x", next_steps_considered="x", rescreen_trigger="x"
            )
    answered = [
        i for i, a in answers.items() if a["value"] != "unknown" and tool.indicator(i)[0].scored
    ]
    if out.suggested_level == lowest and not answered:
        assert out.incomplete

    # R3: the lowest level always requires a plan.
    if out.suggested_level == lowest:
        assert out.next_steps is not None and out.next_steps.require_plan
    low_ns = tool.next_steps_for(lowest)
    assert low_ns is not None and low_ns.require_plan


def check_more_never_lowers(tool: Tool, data: dict[str, Any], draw: Any) -> None:
    """R6: one more present indicator, immediate danger or a learning disability never lowers
    the level (nor the minimum a confirmation may choose)."""
    before = _run(tool, data)
    change = draw(st.sampled_from(["indicator", "indicator", "indicator", "danger", "ld"]))
    if change == "danger":
        after = _run(tool, {**data, "immediate_danger": True})
    elif change == "ld":
        after = _run(tool, {**data, "child": {**data["child"], "learning_disability": True}})
    else:
        all_ids = [i.id for s in tool.sections for i in s.indicators]
        target = draw(st.sampled_from(all_ids))
        old = next((a for a in data["answers"] if a["indicator"] == target), None)
        if old is not None and old["value"] in ("yes", "possible"):
            return  # already present: nothing is added
        rest = [a for a in data["answers"] if a["indicator"] != target]
        added = _answer(tool, target, draw(st.sampled_from(["yes", "possible"])), draw)
        after = _run(tool, {**data, "answers": [*rest, added]})
    assert tool.rank(after.suggested_level) >= tool.rank(before.suggested_level)
    assert tool.rank(after.minimum_level) >= tool.rank(before.minimum_level)


# --- the installed tools ---------------------------------------------------------------------


def test_every_shipped_tool_is_covered() -> None:
    assert {"worcestershire-2013", "west-midlands-regional", "child-exploitation-2026"} <= set(
        INSTALLED
    )


@pytest.mark.parametrize("tool_id", sorted(INSTALLED))
@PER_TOOL
@given(data=st.data())
def test_safety_properties_and_more_never_lowers(tool_id: str, data: Any) -> None:
    # One test per tool for both groups: each generated screening is checked for every
    # property, then for monotonicity, so each tool's examples (PER_TOOL) cover all of them.
    tool = INSTALLED[tool_id]
    screening = data.draw(screenings(tool))
    check_safety(tool, screening, _run(tool, screening))
    check_more_never_lowers(tool, screening, data.draw)


@pytest.mark.parametrize("tool_id", sorted(INSTALLED))
def test_nothing_answered_is_incomplete_at_every_age(tool_id: str) -> None:
    tool = INSTALLED[tool_id]
    for age in range(tool.age_gate.under_with_additional_needs):
        for ld in (False, True):
            out = _run(
                tool,
                {
                    "tool": tool.id,
                    "child": {"age": age, "learning_disability": ld, "additional_needs": True},
                    "answers": [],
                },
            )
            assert out.incomplete and out.suggested_level == tool.level_ids[0]


# --- generated tool files that ``tools check`` accepts ----------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def to_toml(tool: dict[str, Any]) -> str:
    """A tiny TOML writer for the generated tool dicts (scalars, lists, arrays of tables)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in tool.items() if not isinstance(v, list | dict)]
    lines += [
        f"{k} = {_toml_value(v)}"
        for k, v in tool.items()
        if isinstance(v, list) and not (v and isinstance(v[0], dict))
    ]
    for key in ("levels", "sections", "rules", "next_steps"):
        for table in tool.get(key, []):
            lines.append(f"\n[[{key}]]")
            nested = key == "sections"  # a rule's "indicators" is a plain list of ids
            for k, v in table.items():
                if not (nested and k == "indicators"):
                    lines.append(f"{k} = {_toml_value(v)}")
            for ind in table.get("indicators", []) if nested else []:
                lines.append(f"\n[[{key}.indicators]]")
                lines += [f"{k} = {_toml_value(v)}" for k, v in ind.items()]
    return "\n".join(lines) + "\n"


@st.composite
def tool_files(draw: Any) -> str:
    """A tool file of random shape: levels, sections, rule levels, floors and minimums drawn at
    random, written mostly to pass the checks (the test keeps only those that do)."""
    n = draw(st.integers(min_value=2, max_value=5))
    levels = [f"l{i}" for i in range(n)]
    manual = [levels[-1]] if n > 2 and draw(st.booleans()) else []
    auto = [lv for lv in levels if lv not in manual]
    above = auto[1:]
    sections: list[dict[str, Any]] = []
    if draw(st.booleans()):
        sections.append(
            {
                "id": "ctx",
                "title": "Context",
                "scored": False,
                "provenance": "published",
                "indicators": [{"id": "ctx_a", "label": "Context a"}],
            }
        )
    section_levels = sorted(
        draw(st.lists(st.sampled_from(above), min_size=1, max_size=3, unique=True)),
        key=levels.index,
        reverse=True,
    )
    rules: list[dict[str, Any]] = []
    scored_ids: list[str] = []
    for si, lv in enumerate(section_levels):
        timed = draw(st.booleans())
        count = draw(st.integers(min_value=1, max_value=4))
        ids = [f"s{si}_i{k}" for k in range(count)]
        scored_ids += ids
        sections.append(
            {
                "id": f"s{si}",
                "title": f"Section {si}",
                "scored": True,
                "level": lv,
                "has_time_period": timed,
                "provenance": draw(st.sampled_from(["published", "to_confirm"])),
                "indicators": [{"id": i, "label": f"Indicator {i}"} for i in ids],
            }
        )
    danger_min = draw(st.sampled_from(levels if draw(st.integers(0, 9)) == 0 else above))
    danger_mode = draw(st.sampled_from(["level", "urgent_flag"]))
    danger: dict[str, Any] = {
        "id": "danger",
        "kind": "immediate_danger",
        "mode": danger_mode,
        "text": "Call 999.",
        "next_steps": ["Call 999 now."],
    }
    if danger_mode == "level":
        danger["level"] = danger_min
        if danger_min in manual:
            danger["level"] = above[-1]
    else:
        danger["minimum"] = danger_min
    rules.append(danger)
    level_rules: list[tuple[str, dict[str, Any]]] = []
    for si, lv in enumerate(section_levels):
        sec = sections[-len(section_levels) + si]
        if sec["has_time_period"]:
            level_rules.append(
                (
                    lv,
                    {
                        "id": f"r{si}_now",
                        "kind": "any_present_in_section",
                        "section": sec["id"],
                        "when": "current",
                        "level": lv,
                        "text": "Now.",
                    },
                )
            )
            prior = draw(st.sampled_from(auto[: levels.index(lv) + 1]))
            level_rules.append(
                (
                    prior,
                    {
                        "id": f"r{si}_prior",
                        "kind": "any_present_in_section_prior_only",
                        "section": sec["id"],
                        "level": prior,
                        "text": "Prior.",
                    },
                )
            )
        else:
            level_rules.append(
                (
                    lv,
                    {
                        "id": f"r{si}",
                        "kind": "any_present_in_section",
                        "section": sec["id"],
                        "level": lv,
                        "text": "Present.",
                    },
                )
            )
    level_rules.sort(key=lambda p: levels.index(p[0]), reverse=True)
    rules += [r for _, r in level_rules]
    rules.append({"id": "default", "kind": "default", "level": levels[0], "text": "Nothing."})
    sec0 = sections[-len(section_levels)]
    higher = [lv for lv in auto if levels.index(lv) > levels.index(sec0["level"])]
    if higher and draw(st.booleans()):
        rules.append(
            {
                "id": "many",
                "kind": "count_at_least",
                "section": sec0["id"],
                "count": draw(st.integers(2, 4)),
                "level": draw(st.sampled_from(higher)),
                "text": "Many.",
                "provenance": "to_confirm",
            }
        )
    rules.append(
        {
            "id": "disclosed",
            "kind": "minimum_if_present",
            "indicators": draw(
                st.lists(st.sampled_from(scored_ids), min_size=1, max_size=3, unique=True)
            ),
            "level": draw(st.sampled_from(above)),
            "text": "Disclosed.",
            "next_steps": ["Tell the police and children's social care today."],
        }
    )
    rules.append(
        {
            "id": "u13",
            "kind": "floor_age_under",
            "age": draw(st.integers(13, 16)),
            "level": draw(st.sampled_from(above)),
            "text": "Young.",
        }
    )
    rules.append(
        {
            "id": "ld",
            "kind": "floor_flag",
            "flag": "learning_disability",
            "level": draw(st.sampled_from(above)),
            "text": "Learning disability.",
        }
    )
    rules.append(
        {
            "id": "incomplete",
            "kind": "incomplete",
            "max_unknown_share": draw(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])),
            "text": "Not enough.",
            "next_steps": ["Complete the screening."],
        }
    )
    rules.append(
        {
            "id": "adult",
            "kind": "adult_route",
            "from_age": 18,
            "text": "Adult.",
            "next_steps": ["Adult safeguarding."],
        }
    )
    next_steps = []
    for i, lv in enumerate(levels):
        if i == 0:
            steps = ["discuss", "nfa", "review"]
        else:
            steps = ["discuss", "refer", "review"]
            if draw(st.integers(0, 9)) == 0:
                steps = ["discuss", draw(st.sampled_from(["nfa", "early_help"])), "review"]
        next_steps.append(
            {
                "level": lv,
                "text": [f"Do {lv}."],
                "steps": steps,
                "require_plan": True if i == 0 and draw(st.integers(0, 9)) else draw(st.booleans()),
            }
        )
    tool = {
        "id": "generated-tool",
        "version": "1.0",
        "name": "Generated",
        "area": "Test",
        "about": "A generated tool.",
        "pathway": "worcestershire-cse-2013",
        "manual_only_levels": manual,
        "levels": [{"id": lv, "label": f"Level {lv}", "meaning": "m"} for lv in levels],
        "sections": sections,
        "rules": rules,
        "next_steps": next_steps,
    }
    return to_toml(tool)


@FILE_PROFILE
@given(data=st.data())
def test_properties_hold_for_any_tool_file_that_passes_the_check(data: Any) -> None:
    text = data.draw(tool_files())
    tool, problems = check_tool_text(text, STEP_IDS)
    assume(tool is not None)
    assert tool is not None and problems == []
    for _ in range(3):
        screening = data.draw(screenings(tool))
        check_safety(tool, screening, _run(tool, screening))
        check_more_never_lowers(tool, screening, data.draw)


@settings(PROFILE, max_examples=max(50, PROFILE.max_examples // 20))
@given(text=tool_files())
def test_the_check_refuses_every_generated_file_that_breaks_r1_or_r3(text: str) -> None:
    tool, problems = check_tool_text(text, STEP_IDS)
    import tomllib

    data = tomllib.loads(text)
    danger = data["rules"][0]
    minimum = danger.get("minimum") or danger.get("level")
    lowest = data["levels"][0]["id"]
    low_plan = data["next_steps"][0]["require_plan"]
    steps = {ns["level"]: ns["steps"] for ns in data["next_steps"]}
    ids = [lv["id"] for lv in data["levels"]]
    after_danger = ids[ids.index(minimum) :]
    if (
        minimum == lowest
        or not low_plan
        or any("refer" not in steps[lv] or "nfa" in steps[lv] for lv in after_danger)
    ):
        assert tool is None and problems
        if not any("manual-only" in p.message for p in problems):
            # Safety rules are checked once the file's structure is sound.
            assert any("safety rule" in p.message for p in problems)
