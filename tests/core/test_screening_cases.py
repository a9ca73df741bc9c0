"""Named cases across the three tools (Worcestershire and West Midlands 1.1, child exploitation
1.0), each with the source of its expected result.

Sources: ``domain/SAFETY.md`` rules R1-R10, ``domain/TOOLS.md`` (the tools' own rules) and
``domain/DOMAIN.md`` source ids (S2 West Midlands guidance, S3 Sandwell, S16 Croydon, S22
Herefordshire). A case lists answers as ``id`` (yes, evidence), ``id:possible``, ``id:no`` or,
on the West Midlands significant section, ``id@prior``. The child-exploitation cases also say
which kinds of exploitation the outcome names (issue 19; the Home Office county lines guidance
for the criminal-exploitation signs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cse_toolkit.core.catalogue import load_tool
from cse_toolkit.core.screening import ScreeningInput, evaluate

W = "worcestershire-2013"
WM = "west-midlands-regional"
CE = "child-exploitation-2026"
VERSIONS = {W: "1.1", WM: "1.1", CE: "1.0"}


@dataclass(frozen=True)
class Case:
    name: str
    tool: str
    answers: tuple[str, ...]
    level: str
    age: int = 15
    ld: bool = False
    an: bool = False
    danger: bool = False
    incomplete: bool = False
    minimum: str | None = None
    adult: bool = False
    provenance: bool | None = None  # None: not checked
    first_step: str | None = None
    no_steps: tuple[str, ...] = field(default=())
    kinds: tuple[str, ...] | None = None  # None: not checked
    refer: bool | None = None  # a referral route (the pathway's refer step); None: not checked


def _all_no(tool_id: str) -> tuple[str, ...]:
    tool = load_tool(tool_id)
    return tuple(f"{i.id}:no" for s in tool.scored_sections() for i in s.indicators)


CASES = [
    # --- Worcestershire ---------------------------------------------------------------------
    # TOOLS.md tool 1 rule 5 + SAFETY.md R2: nothing answered is not "no indicators".
    Case(
        "w_nothing_answered_incomplete",
        W,
        (),
        "none",
        incomplete=True,
        first_step="Complete the screening",
    ),
    # TOOLS.md tool 1 rule 5: every question answered No gives none, complete.
    Case("w_all_no_is_none", W, _all_no(W), "none"),
    # SAFETY.md R2: more than half of the scored indicators unknown at the lowest level.
    Case("w_mostly_unknown_incomplete", W, _all_no(W)[:10], "none", incomplete=True),
    # SAFETY.md R2: when indicators are present the level stands (gaps stay listed).
    Case("w_one_low_not_incomplete", W, ("low_unknown_adults",), "low"),
    # TOOLS.md tool 1 rule 4: any low indicator gives low.
    Case("w_low_possible_counts", W, ("low_older_partner:possible",), "low"),
    # TOOLS.md tool 1 rule 3 (medium list to_confirm) + SAFETY.md R9 provenance line.
    Case("w_medium_to_confirm", W, ("med_hotspots",), "medium", provenance=True),
    # TOOLS.md tool 1 rule 2 (high list to_confirm).
    Case("w_high", W, ("high_moved_for_sex",), "high", provenance=True),
    # TOOLS.md tool 1: low list is published, so no provenance line.
    Case("w_low_published", W, ("low_truancy_missing",), "low", provenance=False),
    # TOOLS.md tool 1 rule 8: vulnerability factors are context, never scored.
    Case("w_context_only", W, ("vf_domestic_abuse", *_all_no(W)), "none"),
    # SAFETY.md R8: five low indicators give at least medium (to_confirm, Kent and Medway).
    Case(
        "w_five_low_is_medium",
        W,
        (
            "low_sexualised_dress_risk_taking",
            "low_unaccounted_money_goods",
            "low_unknown_adults",
            "low_reduced_contact_support",
            "low_truancy_missing",
        ),
        "medium",
        provenance=True,
    ),
    # SAFETY.md R8: four low indicators stay low.
    Case(
        "w_four_low_is_low",
        W,
        (
            "low_sexualised_dress_risk_taking",
            "low_unaccounted_money_goods",
            "low_unknown_adults",
            "low_truancy_missing",
        ),
        "low",
    ),
    # SAFETY.md R1: immediate danger gives immediate, 999 first, referral, never nfa.
    Case(
        "w_danger_nothing_else",
        W,
        (),
        "immediate",
        danger=True,
        minimum="immediate",
        first_step="Call 999 now.",
        no_steps=("nfa",),
    ),
    # SAFETY.md R1: immediate danger with indicators stays immediate.
    Case(
        "w_danger_with_low",
        W,
        ("low_unknown_adults",),
        "immediate",
        danger=True,
        minimum="immediate",
    ),
    # SAFETY.md R4 (Croydon S16, Herefordshire S22): under 13 with one indicator -> medium.
    Case("w_age_11_one_low", W, ("low_unknown_adults",), "medium", age=11, minimum="medium"),
    # SAFETY.md R4: the same child at 12.
    Case("w_age_12_one_low", W, ("low_chat_rooms_online",), "medium", age=12, minimum="medium"),
    # SAFETY.md R4: 13 is not under 13; low stands.
    Case("w_age_13_one_low", W, ("low_chat_rooms_online",), "low", age=13),
    # SAFETY.md R4: under 13 with no indicator present: no floor, but incomplete (R2).
    Case("w_age_10_nothing", W, (), "none", age=10, incomplete=True),
    # SAFETY.md R4: learning disability with one low indicator -> medium.
    Case(
        "w_ld_one_low", W, ("low_self_image_eating_self_harm",), "medium", ld=True, minimum="medium"
    ),
    # SAFETY.md R4: learning disability and a context factor only: context never scores.
    Case("w_ld_context_only", W, ("vf_bullying", *_all_no(W)), "none", ld=True),
    # SAFETY.md R5: disclosure of exploitation -> at least high, police and CSC today.
    Case(
        "w_disclosure",
        W,
        ("disclosure_of_exploitation",),
        "high",
        minimum="high",
        first_step="Tell the police and children's social care today.",
    ),
    # SAFETY.md R5: a withdrawn serious sexual assault allegation -> at least high.
    Case(
        "w_assault_withdrawn",
        W,
        ("high_serious_assault_withdrawn:possible",),
        "high",
        minimum="high",
    ),
    # SAFETY.md R5 / Words: a child under 13 subjected to sexual activity -> at least high.
    Case("w_u13_sexual_activity", W, ("high_u13_sexual_activity",), "high", age=12, minimum="high"),
    # TOOLS.md tool 1: a physical-assault disclosure withdrawn is medium (not R5: not sexual).
    Case("w_physical_assault_withdrawn", W, ("med_assault_disclosure_withdrawn",), "medium"),
    # SAFETY.md R10: 19 with additional needs: adult route, not the Family Front Door.
    Case(
        "w_age_19_adult_route",
        W,
        ("med_online_grooming",),
        "medium",
        age=19,
        an=True,
        adult=True,
        first_step="Aged 18 or over",
    ),
    # SAFETY.md R10: 17 is still a child: no adult route.
    Case("w_age_17_child_route", W, ("med_online_grooming",), "medium", age=17),
    # --- West Midlands ----------------------------------------------------------------------
    # SAFETY.md R2 + DOMAIN S2 ("no current CSE risk does not mean..."): nothing answered.
    Case("wm_nothing_answered_incomplete", WM, (), "no_current_risk", incomplete=True),
    # TOOLS.md tool 2 rule 3: every question answered No.
    Case("wm_all_no", WM, _all_no(WM), "no_current_risk"),
    # TOOLS.md tool 2 rule 1: one significant indicator now requires action.
    Case("wm_significant_now", WM, ("sr_vehicles",), "significant"),
    # TOOLS.md tool 2 rule 2: a significant indicator only before the past 6 months.
    Case("wm_significant_prior", WM, ("sr_missing@prior",), "at_risk"),
    # TOOLS.md tool 2 rule 2; SAFETY.md 1.1: the risk section is to_confirm (R9 line).
    Case("wm_one_risk", WM, ("ri_drugs",), "at_risk", provenance=True),
    # SAFETY.md "West Midlands tool, version 1.1": Sandwell's indicator (DOMAIN S3).
    Case(
        "wm_sandwell_sti_terminations",
        WM,
        ("sr_recurring_sti_terminations",),
        "significant",
        provenance=False,
    ),
    # SAFETY.md R1: immediate danger alone -> significant, never no current risk / nfa.
    Case(
        "wm_danger_nothing_else",
        WM,
        (),
        "significant",
        danger=True,
        minimum="significant",
        first_step="Call 999 now.",
        no_steps=("nfa",),
    ),
    # SAFETY.md R1: immediate danger with one risk indicator -> significant.
    Case(
        "wm_danger_with_risk",
        WM,
        ("ri_alcohol",),
        "significant",
        danger=True,
        minimum="significant",
    ),
    # SAFETY.md R4: an 11-year-old with one risk indicator -> significant (referral), the same
    # route as on the Worcestershire tool.
    Case(
        "wm_age_11_one_risk",
        WM,
        ("ri_unknown_contacts",),
        "significant",
        age=11,
        minimum="significant",
    ),
    # SAFETY.md R4: under 13 with a prior-only significant indicator -> significant.
    Case("wm_age_12_prior_only", WM, ("sr_online_grooming@prior",), "significant", age=12),
    # SAFETY.md R4: learning disability with one risk indicator -> significant.
    Case(
        "wm_ld_one_risk", WM, ("ri_phone_concern",), "significant", ld=True, minimum="significant"
    ),
    # SAFETY.md R5: ri_sexually_assaulted carries a minimum of significant.
    Case(
        "wm_sexually_assaulted",
        WM,
        ("ri_sexually_assaulted",),
        "significant",
        minimum="significant",
        first_step="Tell the police and children's social care today.",
    ),
    # SAFETY.md R5: ri_withdrawn_allegation carries a minimum of significant.
    Case(
        "wm_withdrawn_allegation",
        WM,
        ("ri_withdrawn_allegation:possible",),
        "significant",
        minimum="significant",
    ),
    # SAFETY.md R5: disclosure_of_exploitation, even if only before the past 6 months.
    Case(
        "wm_disclosure_prior",
        WM,
        ("disclosure_of_exploitation@prior",),
        "significant",
        minimum="significant",
    ),
    # SAFETY.md R8 (to_confirm): five risk indicators -> at least significant.
    Case(
        "wm_five_risk",
        WM,
        (
            "ri_whereabouts_unknown",
            "ri_education_absence",
            "ri_drugs",
            "ri_alcohol",
            "ri_unsafe_internet",
        ),
        "significant",
        provenance=True,
    ),
    # TOOLS.md tool 2 rule 2: four risk indicators stay at risk.
    Case(
        "wm_four_risk",
        WM,
        ("ri_whereabouts_unknown", "ri_education_absence", "ri_drugs", "ri_alcohol"),
        "at_risk",
    ),
    # TOOLS.md tool 2 rule 4: serious is never computed, whatever is present.
    Case(
        "wm_everything_never_serious",
        WM,
        tuple(i.id for s in load_tool(WM).scored_sections() for i in s.indicators),
        "significant",
        age=10,
        ld=True,
        danger=True,
    ),
    # SAFETY.md R10: 20 with additional needs: adult route.
    Case("wm_age_20_adult", WM, ("sr_vehicles",), "significant", age=20, an=True, adult=True),
    # SAFETY.md R2: answers present only in a context-free tool: one risk 'no', rest unknown.
    Case("wm_one_no_rest_unknown", WM, ("ri_drugs:no",), "no_current_risk", incomplete=True),
    # --- Child exploitation (sexual and criminal) -------------------------------------------
    # Issue 19: the CSE-only tools name no kind.
    Case("w_names_no_kind", W, ("med_hotspots",), "medium", kinds=()),
    # Issue 19 (the issue's own example): a 14-year-old carrying drugs between towns for an
    # older man: high, a referral, criminal exploitation; to_confirm (no local source grades it).
    Case(
        "ce_county_lines_carrying_drugs",
        CE,
        ("ce_moving_drugs_money", "ce_controlling_older_people"),
        "high",
        age=14,
        kinds=("criminal",),
        refer=True,
        provenance=True,
    ),
    # Issue 19 "Done when": only criminal-exploitation signs suggest a level and a referral
    # route (Home Office signs; medium is the more protective reading, to_confirm).
    Case(
        "ce_one_sign_is_a_referral",
        CE,
        ("ce_many_calls_phones",),
        "medium",
        kinds=("criminal",),
        refer=True,
        provenance=True,
    ),
    Case(
        "ce_possible_sign_counts",
        CE,
        ("ce_unexplained_money_phones:possible",),
        "medium",
        kinds=("criminal",),
        refer=True,
    ),
    # The CSE part is Worcestershire 1.1: a published low indicator stays low, sexual only.
    Case(
        "ce_sexual_low",
        CE,
        ("low_truancy_missing",),
        "low",
        kinds=("sexual",),
        provenance=False,
        refer=False,
    ),
    # Both kinds at once: the same children are often exploited both ways.
    Case(
        "ce_both_kinds",
        CE,
        ("low_older_partner", "ce_missing_found_out_of_area"),
        "medium",
        kinds=("sexual", "criminal"),
        refer=True,
    ),
    # SAFETY.md R5 applied to criminal exploitation: a disclosure gives at least high, today.
    Case(
        "ce_disclosure_criminal",
        CE,
        ("disclosure_of_criminal_exploitation",),
        "high",
        minimum="high",
        first_step="Tell the police and children's social care today.",
        kinds=("criminal",),
    ),
    # SAFETY.md R5: the CSE disclosure still gives at least high.
    Case(
        "ce_disclosure_sexual",
        CE,
        ("disclosure_of_exploitation",),
        "high",
        minimum="high",
        kinds=("sexual",),
    ),
    # SAFETY.md R1: immediate danger gives immediate, 999 first, never nfa; no indicator, no kind.
    Case(
        "ce_danger_nothing_else",
        CE,
        (),
        "immediate",
        danger=True,
        minimum="immediate",
        first_step="Call 999 now.",
        no_steps=("nfa",),
        kinds=(),
    ),
    # SAFETY.md R2: nothing answered is incomplete, whatever the tool.
    Case("ce_nothing_answered_incomplete", CE, (), "none", incomplete=True, kinds=()),
    # SAFETY.md R4: under 13 with a low sign -> medium (referral), as on the other tools.
    Case("ce_age_11_one_low", CE, ("low_unknown_adults",), "medium", age=11, minimum="medium"),
    # SAFETY.md R4: learning disability with a criminal sign: the floor holds (medium already).
    Case("ce_ld_one_sign", CE, ("ce_school_decline",), "medium", ld=True, minimum="medium"),
    # Context factors (including the Home Office's school exclusion) never score or name a kind.
    Case("ce_context_only", CE, ("vf_excluded_from_school", *_all_no(CE)), "none", kinds=()),
    # SAFETY.md R10: 19 with additional needs and a criminal sign: the adult route (GET THERE).
    Case(
        "ce_age_19_adult_route",
        CE,
        ("ce_debt_bondage",),
        "high",
        age=19,
        an=True,
        adult=True,
        first_step="Aged 18 or over",
        kinds=("criminal",),
    ),
]


def _answer(tool_id: str, spec: str) -> dict[str, Any]:
    tool = load_tool(tool_id)
    value, when = "yes", "current"
    if "@" in spec:
        spec, when = spec.split("@")
    if ":" in spec:
        spec, value = spec.split(":")
    section, _ = tool.indicator(spec)
    out: dict[str, Any] = {"indicator": spec, "value": value}
    if value in ("yes", "possible"):
        out["basis"] = "evidence"
        if section.has_time_period:
            out["when"] = when
    return out


def test_there_are_at_least_40_cases_across_the_tools() -> None:
    assert len(CASES) >= 40
    assert {c.tool for c in CASES} == {W, WM, CE}
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Case) -> None:
    tool = load_tool(case.tool)
    assert tool.version == VERSIONS[case.tool]
    out = evaluate(
        tool,
        ScreeningInput.from_dict(
            {
                "tool": case.tool,
                "child": {
                    "age": case.age,
                    "learning_disability": case.ld,
                    "additional_needs": case.an,
                },
                "immediate_danger": case.danger,
                "answers": [_answer(case.tool, a) for a in case.answers],
            }
        ),
    )
    assert out.suggested_level == case.level
    assert out.incomplete == case.incomplete
    assert out.adult_route == case.adult
    if case.minimum is not None:
        assert out.minimum_level == case.minimum
    if case.provenance is not None:
        assert (out.provenance is not None) == case.provenance
    assert out.next_steps is not None
    if case.first_step is not None:
        assert out.next_steps.text[0].startswith(case.first_step)
    for step in case.no_steps:
        assert step not in [s.id for s in out.next_steps.steps]
    if case.adult:
        assert "front_door" not in out.next_steps.contacts
    if out.suggested_level == tool.level_ids[0]:
        assert out.next_steps.require_plan  # SAFETY.md R3
    if case.kinds is not None:
        assert out.exploitation == case.kinds
        assert out.to_dict()["exploitation"] == list(case.kinds)
    if case.refer is not None:
        assert ("refer" in [s.id for s in out.next_steps.steps]) == case.refer
        assert tool.is_referral_route(out.suggested_level) == case.refer
