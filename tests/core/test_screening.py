"""The screening engine: every rule and floor of both tools, possible/unknown, time periods,
immediate danger, input validation, version pinning and confirmation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from cse_toolkit.core.catalogue import load_tool
from cse_toolkit.core.clock import FixedClock
from cse_toolkit.core.screening import (
    SCREENING_JSON_KEYS,
    BelowFloorError,
    ConfirmationError,
    ScreeningInput,
    ScreeningInputError,
    ToolVersionMismatch,
    confirm_level,
    evaluate,
    evaluate_saved,
    tool_for,
)
from cse_toolkit.core.tools import Tool
from cse_toolkit.errors import UserError

WORCS = "worcestershire-2013"
WM = "west-midlands-regional"


@pytest.fixture(scope="module")
def worcs() -> Tool:
    return load_tool(WORCS)


@pytest.fixture(scope="module")
def wm() -> Tool:
    return load_tool(WM)


def ans(
    indicator: str, value: str = "yes", basis: str | None = "evidence", **kw: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"indicator": indicator, "value": value, **kw}
    if basis is not None:
        out["basis"] = basis
    return out


def inp(
    tool: str,
    answers: list[dict[str, Any]] | None = None,
    age: int = 15,
    ld: bool = False,
    an: bool = False,
    danger: bool = False,
    **extra: Any,
) -> ScreeningInput:
    return ScreeningInput.from_dict(
        {
            "tool": tool,
            "child": {"age": age, "learning_disability": ld, "additional_needs": an},
            "immediate_danger": danger,
            "answers": answers or [],
            **extra,
        }
    )


def rules_fired(outcome: Any) -> list[str]:
    return [r.rule for r in outcome.reasons]


# --- Worcestershire rules -------------------------------------------------------------------


def test_worcs_nothing_present_is_none(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS))
    assert out.suggested_level == "none"
    # SAFETY.md R2: nothing answered is not "no indicators": the outcome is incomplete.
    assert rules_fired(out) == ["none_present", "incomplete"]
    assert out.incomplete and out.to_dict()["incomplete"] is True
    assert not out.urgent and out.floors_applied == ()
    old = load_tool(WORCS, "1.0")  # 1.0 screenings keep their 1.0 behaviour
    assert rules_fired(evaluate(old, inp(WORCS, tool_version="1.0"))) == ["none_present"]


@pytest.mark.parametrize(
    ("indicator", "level", "rule"),
    [
        ("low_unknown_adults", "low", "low_present"),
        ("med_hotspots", "medium", "medium_present"),
        ("high_moved_for_sex", "high", "high_present"),
    ],
)
def test_worcs_one_indicator_gives_its_level(
    worcs: Tool, indicator: str, level: str, rule: str
) -> None:
    out = evaluate(worcs, inp(WORCS, [ans(indicator)]))
    assert out.suggested_level == level
    assert out.reasons[0].rule == rule
    assert out.reasons[0].indicators == (indicator,)


def test_worcs_highest_group_wins_and_all_reasons_listed(worcs: Tool) -> None:
    out = evaluate(
        worcs,
        inp(WORCS, [ans("low_older_partner"), ans("high_disappeared"), ans("med_clipping")]),
    )
    assert out.suggested_level == "high"
    assert rules_fired(out) == ["high_present", "medium_present", "low_present"]


def test_worcs_immediate_danger_sets_immediate_and_urgent(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, [ans("low_unknown_adults")], danger=True))
    assert out.suggested_level == "immediate"
    assert out.urgent
    assert out.reasons[0].rule == "immediate_danger"
    assert out.minimum_level == "immediate"
    assert out.next_steps is not None and "emergency" in out.next_steps.contacts


def test_worcs_vulnerability_factors_never_score(worcs: Tool) -> None:
    answers = [ans(i) for i in ("vf_domestic_abuse", "vf_looked_after", "vf_bullying")]
    out = evaluate(worcs, inp(WORCS, answers, age=10, ld=True))
    assert out.suggested_level == "none"
    assert out.floors_applied == ()  # floors need a *scored* indicator
    assert [a.indicator for a in out.present] == [
        "vf_domestic_abuse",
        "vf_bullying",
        "vf_looked_after",
    ]
    assert not any(g.section == "vulnerability_factors" for g in out.gaps)


def test_worcs_floor_under_13(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, [ans("low_truancy_missing")], age=12))
    assert out.computed_level == "low"
    assert out.suggested_level == "medium"
    assert [(f.rule, f.raised) for f in out.floors_applied] == [("floor_under_13", True)]
    # Exactly 13 is not under 13.
    assert (
        evaluate(worcs, inp(WORCS, [ans("low_truancy_missing")], age=13)).suggested_level == "low"
    )


def test_worcs_floor_learning_disability(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, [ans("low_truancy_missing")], ld=True))
    assert out.suggested_level == "medium"
    assert [f.rule for f in out.floors_applied] == ["floor_learning_disability"]


def test_worcs_floor_recorded_but_not_raising_when_already_higher(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, [ans("high_disappeared")], age=11, ld=True))
    assert out.suggested_level == "high"
    assert [(f.rule, f.raised) for f in out.floors_applied] == [
        ("floor_under_13", False),
        ("floor_learning_disability", False),
    ]
    assert out.minimum_level == "medium"


def test_worcs_floor_needs_an_indicator(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, [], age=9, ld=True))
    assert out.suggested_level == "none" and out.floors_applied == ()


# --- West Midlands rules --------------------------------------------------------------------


def test_wm_nothing_present(wm: Tool) -> None:
    out = evaluate(wm, inp(WM))
    assert out.suggested_level == "no_current_risk"
    assert rules_fired(out) == ["no_current_risk", "incomplete"]  # SAFETY.md R2
    assert out.next_steps is not None and out.next_steps.require_plan
    assert out.next_steps.text[0].startswith("Complete the screening")


def test_wm_significant_current(wm: Tool) -> None:
    out = evaluate(wm, inp(WM, [ans("sr_vehicles", when="current")]))
    assert out.suggested_level == "significant"
    assert rules_fired(out) == ["significant_current"]


def test_wm_significant_prior_only_is_at_risk(wm: Tool) -> None:
    out = evaluate(wm, inp(WM, [ans("sr_missing", when="prior")]))
    assert out.suggested_level == "at_risk"
    assert rules_fired(out) == ["significant_prior_only"]
    assert out.reasons[0].indicators == ("sr_missing",)


def test_wm_risk_indicator_is_at_risk(wm: Tool) -> None:
    out = evaluate(wm, inp(WM, [ans("ri_drugs")]))
    assert out.suggested_level == "at_risk"
    assert rules_fired(out) == ["risk_present"]


def test_wm_current_beats_prior(wm: Tool) -> None:
    out = evaluate(
        wm,
        inp(
            WM,
            [
                ans("sr_missing", when="prior"),
                ans("sr_risky_areas", when="current"),
                ans("ri_alcohol"),
            ],
        ),
    )
    assert out.suggested_level == "significant"
    assert rules_fired(out) == ["significant_current", "risk_present", "significant_prior_only"]
    assert out.reasons[0].indicators == ("sr_risky_areas",)


def test_wm_immediate_danger_gives_significant(wm: Tool) -> None:
    out = evaluate(wm, inp(WM, [], danger=True))
    assert out.urgent
    # SAFETY.md R1: never the lowest level, never "no further action"; 999 first.
    assert out.suggested_level == "significant" and out.minimum_level == "significant"
    assert rules_fired(out) == ["immediate_danger"]
    assert out.to_dict()["urgent"] is True and not out.incomplete
    assert out.next_steps is not None and out.next_steps.text[0] == "Call 999 now."
    assert "nfa" not in [s.id for s in out.next_steps.steps]
    assert "refer" in [s.id for s in out.next_steps.steps]


def test_wm_1_0_immediate_danger_only_flagged(wm: Tool) -> None:
    old = load_tool(WM, "1.0")  # kept to show screenings saved under it, unchanged
    out = evaluate(old, inp(WM, [], danger=True, tool_version="1.0"))
    assert out.urgent and out.suggested_level == "no_current_risk"


def test_wm_never_computes_serious(wm: Tool) -> None:
    everything = [ans(x.id, when="current") for x in wm.section("significant").indicators]
    everything += [ans(x.id) for x in wm.section("risk").indicators]
    out = evaluate(wm, inp(WM, everything, age=10, ld=True, danger=True))
    assert out.suggested_level == "significant"


@pytest.mark.parametrize(
    ("age", "ld", "rule"), [(12, False, "floor_under_13"), (15, True, "floor_learning_disability")]
)
def test_wm_floors(wm: Tool, age: int, ld: bool, rule: str) -> None:
    # SAFETY.md R4: under 13 or a learning disability with any indicator is a referral route,
    # the same as on the Worcestershire tool.
    out = evaluate(wm, inp(WM, [ans("ri_self_harm")], age=age, ld=ld))
    assert out.suggested_level == "significant"
    assert [(f.rule, f.raised) for f in out.floors_applied] == [(rule, True)]
    assert out.minimum_level == "significant"


# --- answers: possible, unknown, basis, when -----------------------------------------------


def test_possible_counts_and_is_listed_to_verify(worcs: Tool) -> None:
    out = evaluate(
        worcs,
        inp(WORCS, [ans("med_online_grooming", "possible", "gut_feeling", note="messages seen")]),
    )
    assert out.suggested_level == "medium"
    assert [(a.indicator, a.basis, a.note) for a in out.to_verify] == [
        ("med_online_grooming", "gut_feeling", "messages seen")
    ]


def test_unknown_never_counts_and_every_gap_is_listed(worcs: Tool) -> None:
    scored = [i.id for s in worcs.scored_sections() for i in s.indicators]
    out = evaluate(
        worcs,
        inp(
            WORCS, [ans("high_disappeared", "unknown", None), ans("low_older_partner", "no", None)]
        ),
    )
    assert out.suggested_level == "none"
    gap_ids = [g.indicator for g in out.gaps]
    assert gap_ids == [i for i in scored if i != "low_older_partner"]
    answered = {g.indicator: g.answered for g in out.gaps}
    assert answered["high_disappeared"] is True and answered["high_moved_for_sex"] is False


def test_all_answered_no_gaps(worcs: Tool) -> None:
    answers = [ans(i.id, "no", None) for s in worcs.sections for i in s.indicators]
    out = evaluate(worcs, inp(WORCS, answers))
    assert out.gaps == () and out.suggested_level == "none"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (ans("nope"), "'nope' is not an indicator"),
        ({"indicator": "low_unknown_adults", "value": "yes"}, "evidence or gut_feeling"),
        (ans("low_unknown_adults", when="prior"), "cannot be 'prior'"),
        (ans("low_unknown_adults", "maybe"), "value .maybe. is not allowed"),
        (ans("low_unknown_adults", basis="hunch"), "basis .hunch. is not allowed"),
        ({"indicator": "low_unknown_adults", "valu": "yes"}, "not a known field"),
    ],
)
def test_bad_answers_name_the_problem(worcs: Tool, answer: dict[str, Any], message: str) -> None:
    with pytest.raises(ScreeningInputError, match=message):
        evaluate(worcs, inp(WORCS, [answer]))


def test_bad_values_in_code_built_input_raise_input_error(worcs: Tool, wm: Tool) -> None:
    from cse_toolkit.core.screening import Answer, ChildContext

    built = ScreeningInput(
        tool=WM,
        child=ChildContext(age=14),
        answers=[Answer(indicator="sr_missing", value="yes", basis="evidence", when="lately")],
    )
    with pytest.raises(ScreeningInputError, match="when 'lately' is not allowed"):
        evaluate(wm, built)
    assert built.tool_id == WM


def test_when_current_is_accepted_without_time_period(worcs: Tool) -> None:
    # The DESIGN.md answers-file example carries when = current on a Worcestershire indicator.
    out = evaluate(worcs, inp(WORCS, [ans("low_unknown_adults", when="current")]))
    assert out.suggested_level == "low"


def test_when_required_on_present_time_period_answer(wm: Tool) -> None:
    with pytest.raises(ScreeningInputError, match="say when"):
        evaluate(wm, inp(WM, [ans("sr_missing")]))
    # not needed for an answer that is not present
    assert (
        evaluate(wm, inp(WM, [ans("sr_missing", "no", None)])).suggested_level == "no_current_risk"
    )


def test_duplicate_answer_refused(worcs: Tool) -> None:
    with pytest.raises(ScreeningInputError, match="answered twice"):
        evaluate(worcs, inp(WORCS, [ans("low_older_partner"), ans("low_older_partner", "no")]))


@pytest.mark.parametrize(
    ("age", "an", "message"),
    [
        (-1, False, "not possible"),
        (40, True, "not possible"),
        (18, False, "under 18"),
        (21, True, "under 21"),
    ],
)
def test_impossible_or_gated_ages(worcs: Tool, age: int, an: bool, message: str) -> None:
    with pytest.raises(ScreeningInputError, match=message):
        evaluate(worcs, inp(WORCS, age=age, an=an))


def test_additional_needs_extends_age_gate(worcs: Tool) -> None:
    assert evaluate(worcs, inp(WORCS, age=20, an=True)).suggested_level == "none"
    assert evaluate(worcs, inp(WORCS, age=0)).suggested_level == "none"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ({"tool": WORCS}, "child: is required"),
        ({"tool": WORCS, "child": {"age": "twelve"}}, "child.age"),
        ({"tool": WORCS, "child": {"age": 12.5}}, "child.age"),
        ({"tool": WORCS, "child": {"age": 12}, "extra": 1}, "not a known field"),
    ],
)
def test_malformed_input(data: Any, message: str) -> None:
    with pytest.raises(ScreeningInputError, match=message):
        ScreeningInput.from_dict(data)


def test_input_for_another_tool_refused(worcs: Tool) -> None:
    with pytest.raises(ScreeningInputError, match="for tool 'west-midlands-regional'"):
        evaluate(worcs, inp(WM))


def test_errors_are_user_errors() -> None:
    assert issubclass(ScreeningInputError, UserError)
    assert issubclass(BelowFloorError, UserError)


# --- versions -------------------------------------------------------------------------------


def test_version_mismatch_never_rescored(worcs: Tool) -> None:
    old = inp(WORCS, [ans("low_older_partner")], tool_version="0.9")
    with pytest.raises(ToolVersionMismatch, match="never re-scored"):
        evaluate(worcs, old)
    pinned = inp(WORCS, [ans("low_older_partner")], tool_version=worcs.version)
    assert tool_for(pinned).version == worcs.version
    assert evaluate_saved(pinned).tool_version == worcs.version


# --- output ---------------------------------------------------------------------------------


def test_to_dict_has_contract_keys_and_is_stable(worcs: Tool) -> None:
    i = inp(
        WORCS,
        [ans("low_older_partner", note="n"), ans("med_clipping", "possible", "gut_feeling")],
        age=12,
    )
    a, b = evaluate(worcs, i).to_dict(), evaluate(worcs, i).to_dict()
    assert a == b
    for key in SCREENING_JSON_KEYS:
        assert key in a
    assert a["suggested_level"] == "medium"
    assert a["reasons"][0] == {
        "rule": "medium_present",
        "level": "medium",
        "indicators": ["med_clipping"],
        "text": "At least one medium-level indicator is present.",
    }
    assert a["next_steps"]["steps"][0] == {
        "id": "discuss",
        "title": "Discuss with the DSL or agency lead",
    }
    assert a["next_steps"]["review_interval"] == "4 weeks"
    assert i.to_dict()["answers"][0]["basis"] == "evidence"


# --- confirmation ---------------------------------------------------------------------------


def test_confirm_same_level_needs_no_reason(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, [ans("low_older_partner")]))
    clock = FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    c = confirm_level(worcs, out, "low", "Sam DSL", clock=clock)
    assert (c.level, c.changed, c.confirmed_by) == ("low", False, "Sam DSL")
    assert c.to_dict()["confirmed_at"] == "2026-11-23T10:00:00Z"


def test_confirm_change_needs_reason(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, [ans("low_older_partner")]))
    with pytest.raises(ConfirmationError, match="Say why"):
        confirm_level(worcs, out, "medium", "Sam")
    c = confirm_level(worcs, out, "medium", "Sam", "Known to associate with a suspect")
    assert c.changed and c.reason
    with pytest.raises(ConfirmationError, match="next steps"):
        confirm_level(worcs, out, "none", "Sam", "Partner is 16, checked with school")
    lowered = confirm_level(
        worcs,
        out,
        "none",
        "Sam",
        "Partner is 16, checked with school",
        next_steps_considered="Talked to school",
        rescreen_trigger="any new concern",
    )
    # SAFETY.md R7: lower than the suggestion waits for a DSL.
    assert lowered.level == "none" and lowered.awaiting_signoff
    assert not c.awaiting_signoff


def test_confirm_needs_a_name_and_known_level(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS))
    with pytest.raises(ConfirmationError, match="who is confirming"):
        confirm_level(worcs, out, "none", "  ")
    with pytest.raises(ConfirmationError, match="not a level"):
        confirm_level(worcs, out, "serious", "Sam", "x")


def test_confirm_below_floor_refused(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, [ans("low_older_partner")], age=12))
    with pytest.raises(BelowFloorError, match="under 13"):
        confirm_level(worcs, out, "low", "Sam", "I think it is low")
    assert confirm_level(worcs, out, "high", "Sam", "more known").level == "high"


def test_confirm_below_immediate_refused(worcs: Tool) -> None:
    out = evaluate(worcs, inp(WORCS, danger=True))
    with pytest.raises(BelowFloorError, match="immediate danger"):
        confirm_level(worcs, out, "high", "Sam", "not that bad")


def test_wm_serious_is_manual_with_reason_and_plan(wm: Tool) -> None:
    out = evaluate(wm, inp(WM, [ans("sr_vehicles", when="current")]))
    with pytest.raises(ConfirmationError, match="next steps"):
        confirm_level(wm, out, "significant", "Sam")
    with pytest.raises(ConfirmationError, match="re-screen"):
        confirm_level(wm, out, "significant", "Sam", next_steps_considered="referral")
    ok = confirm_level(
        wm,
        out,
        "serious",
        "Sam",
        "Entrenched; cannot see the risk",
        next_steps_considered="Referral today",
        rescreen_on=date(2026, 12, 21),
    )
    assert ok.level == "serious" and ok.to_dict()["rescreen_on"] == "2026-12-21"


def test_wm_manual_only_level_needs_reason_even_if_suggested(wm: Tool) -> None:
    # Defensive: even an outcome whose suggestion is "serious" needs a reason to confirm it.
    out = evaluate(wm, inp(WM, [ans("sr_vehicles", when="current")]))
    from dataclasses import replace

    serious = replace(out, suggested_level="serious")
    with pytest.raises(ConfirmationError, match="professional judgement"):
        confirm_level(
            wm, serious, "serious", "Sam", next_steps_considered="x", rescreen_trigger="y"
        )


def test_wm_no_current_risk_needs_plan(wm: Tool) -> None:
    answered = [ans(i.id, "no", None) for s in wm.scored_sections() for i in s.indicators]
    out = evaluate(wm, inp(WM, answered))
    assert not out.incomplete
    with pytest.raises(ConfirmationError):
        confirm_level(wm, out, "no_current_risk", "Sam")
    c = confirm_level(
        wm,
        out,
        "no_current_risk",
        "Sam",
        next_steps_considered="Talked to school",
        rescreen_trigger="any missing episode",
    )
    assert c.rescreen_trigger == "any missing episode"


def test_confirm_with_other_tool_version_refused(worcs: Tool, wm: Tool) -> None:
    out = evaluate(worcs, inp(WORCS))
    with pytest.raises(ToolVersionMismatch):
        confirm_level(wm, out, "at_risk", "Sam", "x")


def test_incomplete_lowest_level_needs_why_it_cannot_be_completed(worcs: Tool) -> None:
    # SAFETY.md R2: the lowest level is refused while incomplete, unless the worker records why
    # the screening cannot be completed; that waits for a DSL's sign-off.
    out = evaluate(worcs, inp(WORCS))
    plan = {"next_steps_considered": "Asked school", "rescreen_trigger": "any news"}
    with pytest.raises(ConfirmationError, match="cannot be confirmed while the screening"):
        confirm_level(worcs, out, "none", "Sam", **plan)
    c = confirm_level(worcs, out, "none", "Sam", incomplete_reason="Family moved away", **plan)
    assert c.awaiting_signoff and c.to_dict()["incomplete_reason"] == "Family moved away"
    higher = confirm_level(worcs, out, "low", "Sam", "Worried", incomplete_reason="ignored")
    assert higher.incomplete_reason == "" and not higher.awaiting_signoff
