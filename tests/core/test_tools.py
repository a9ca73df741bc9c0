"""Tool files: the bundled tools match the contract (TOOLS.md), loading and versions, and
``check_tool_file`` explains broken files by line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cse_toolkit import paths
from cse_toolkit.core import catalogue, tools
from cse_toolkit.core.catalogue import check_tool_file, list_tools, load_tool, load_tool_file
from cse_toolkit.core.datafile import toml_key_lines
from cse_toolkit.core.tools import ToolFileError, ToolNotFound

DATA = Path(__file__).parent / "data"

WORCS_VF = [
    "vf_child_sexual_abuse",
    "vf_domestic_abuse",
    "vf_family_breakdown",
    "vf_physical_abuse_emotional_deprivation",
    "vf_bullying",
    "vf_adult_prostitution",
    "vf_parental_mh_ld",
    "vf_family_substance_use",
    "vf_looked_after",
    "vf_isolation_asylum_migrant_moves",
]
WORCS_LOW = [
    "low_sexualised_dress_risk_taking",
    "low_unaccounted_money_goods",
    "low_unknown_adults",
    "low_reduced_contact_support",
    "low_sexual_health_repeat",
    "low_self_image_eating_self_harm",
    "low_older_partner",
    "low_chat_rooms_online",
    "low_truancy_missing",
]
WORCS_MEDIUM = [
    "med_cars_unknown_adults",
    "med_known_cse_adults",
    "med_online_grooming",
    "med_assault_disclosure_withdrawn",
    "med_hotspots",
    "med_overnight_unexplained",
    "med_placement_breakdown",
    "med_clipping",
]
WORCS_HIGH = [
    "high_u13_sexual_activity",
    "high_homeless_with_exploiter",
    "high_serious_assault_withdrawn",
    "high_abduction_imprisonment",
    "high_moved_for_sex",
    "high_evidence_exploited",
    "high_controlling_associates",
    "high_clubs_hotels_sex",
    "high_disappeared",
    "high_recruiting_peers",
    "disclosure_of_exploitation",  # 1.1, SAFETY.md R5
]
WM_SIGNIFICANT = [
    "sr_missing",
    "sr_controlling_relationship",
    "sr_vehicles",
    "sr_unexplained_money_items",
    "sr_risky_areas",
    "sr_online_grooming",
    "sr_hotels_taxis_takeaways",
    "sr_recurring_sti_terminations",  # 1.1, Sandwell (DOMAIN S3)
    "disclosure_of_exploitation",  # 1.1, SAFETY.md R5
]
WM_RISK = [
    "ri_whereabouts_unknown",
    "ri_education_absence",
    "ri_unknown_contacts",
    "ri_unexplained_injuries",
    "ri_sti_pregnancy",
    "ri_drugs",
    "ri_alcohol",
    "ri_self_harm",
    "ri_phone_concern",
    "ri_unsafe_internet",
    "ri_sexually_assaulted",
    "ri_withdrawn_allegation",
    "ri_risky_sexual_behaviour",
    "ri_lack_safety_awareness",
    "ri_peers_exploited",
]


def _ids(tool: tools.Tool, section: str) -> list[str]:
    return [i.id for i in tool.section(section).indicators]


def test_worcestershire_matches_contract() -> None:
    tool = load_tool("worcestershire-2013")
    assert tool.level_ids == ["none", "low", "medium", "high", "immediate"]
    assert [s.id for s in tool.sections] == ["vulnerability_factors", "low", "medium", "high"]
    assert _ids(tool, "vulnerability_factors") == WORCS_VF
    assert _ids(tool, "low") == WORCS_LOW
    assert _ids(tool, "medium") == WORCS_MEDIUM
    assert _ids(tool, "high") == WORCS_HIGH
    vf = tool.section("vulnerability_factors")
    assert vf.scored is False and vf.level is None
    assert tool.section("low").provenance == "published"
    assert tool.section("medium").provenance == "to_confirm"
    assert tool.section("high").provenance == "to_confirm"
    assert not any(s.has_time_period for s in tool.sections)
    assert tool.manual_only_levels == []
    assert (tool.age_gate.under, tool.age_gate.under_with_additional_needs) == (18, 21)
    danger = tool.rules[0]
    assert isinstance(danger, tools.ImmediateDangerRule)
    assert (danger.mode, danger.level, danger.minimum_level) == ("level", "immediate", "immediate")


def test_west_midlands_matches_contract() -> None:
    tool = load_tool("west-midlands-regional")
    assert tool.level_ids == ["no_current_risk", "at_risk", "significant", "serious"]
    assert _ids(tool, "significant") == WM_SIGNIFICANT
    assert _ids(tool, "risk") == WM_RISK
    assert tool.section("significant").has_time_period
    assert not tool.section("risk").has_time_period
    assert tool.manual_only_levels == ["serious"]
    danger = tool.rules[0]
    assert isinstance(danger, tools.ImmediateDangerRule)
    assert danger.mode == "urgent_flag" and danger.level is None
    assert danger.minimum == "significant"  # SAFETY.md R1
    assert tool.section("risk").provenance == "to_confirm"  # the source list is cut off
    # No rule may compute "serious"; every level records a re-screen plan.
    assert all(getattr(r, "level", None) != "serious" for r in tool.rules)
    for level in tool.level_ids:
        ns = tool.next_steps_for(level)
        assert ns is not None and ns.require_plan


@pytest.mark.parametrize(
    "tool_id", ["worcestershire-2013", "west-midlands-regional", "child-exploitation-2026"]
)
def test_every_indicator_has_label_help_and_provenance(tool_id: str) -> None:
    tool = load_tool(tool_id)
    for sec in tool.sections:
        for ind in sec.indicators:
            # SAFETY.md's 1.1 labels say what is done to the child, which takes a few more words.
            assert ind.label and ind.help and len(ind.label) <= 90
            assert sec.provenance_of(ind) in ("published", "to_confirm")
    assert check_tool_file(list_tools_path(tool_id)) == []


def list_tools_path(tool_id: str) -> Path:
    return next(t.path for t in list_tools() if t.id == tool_id)


def test_list_tools_lists_the_three_tools() -> None:
    ids = [t.id for t in list_tools()]
    assert ids == ["child-exploitation-2026", "west-midlands-regional", "worcestershire-2013"]


# --- the child exploitation tool (issue 19) ----------------------------------------------------

CE_CRIMINAL = [
    "ce_missing_found_out_of_area",
    "ce_unexplained_money_phones",
    "ce_many_calls_phones",
    "ce_controlling_older_people",
    "ce_leaving_home_care",
    "ce_unexplained_injuries",
    "ce_parental_concerns",
    "ce_carrying_weapons",
    "ce_school_decline",
    "ce_gang_isolation",
    "ce_self_harm_wellbeing",
]
CE_CRIMINAL_HIGH = [
    "ce_moving_drugs_money",
    "ce_debt_bondage",
    "ce_kept_at_dealing_address",
    "disclosure_of_criminal_exploitation",
]


def test_child_exploitation_tool_is_worcestershire_cse_plus_criminal_exploitation() -> None:
    tool = load_tool("child-exploitation-2026")
    worcs = load_tool("worcestershire-2013")
    assert (tool.version, tool.pathway) == ("1.0", worcs.pathway)
    assert tool.level_ids == worcs.level_ids
    assert [s.id for s in tool.sections] == [
        "vulnerability_factors",
        "low",
        "medium",
        "high",
        "criminal",
        "criminal_high",
    ]
    # The CSE part is Worcestershire 1.1's, indicator for indicator, with its provenance.
    for sid in ("low", "medium", "high"):
        mine, theirs = tool.section(sid), worcs.section(sid)
        assert mine.exploitation == ["sexual"]
        assert mine.level == theirs.level and mine.provenance == theirs.provenance
        assert [(i.id, i.label, i.help, mine.provenance_of(i)) for i in mine.indicators] == [
            (i.id, i.label, i.help, theirs.provenance_of(i)) for i in theirs.indicators
        ]
    assert _ids(tool, "vulnerability_factors") == [*WORCS_VF, "vf_excluded_from_school"]
    assert tool.section("vulnerability_factors").exploitation == []  # context names no kind
    assert _ids(tool, "criminal") == CE_CRIMINAL
    assert _ids(tool, "criminal_high") == CE_CRIMINAL_HIGH
    for sid, level in (("criminal", "medium"), ("criminal_high", "high")):
        sec = tool.section(sid)
        # No local source grades the Home Office signs: to confirm, and a referral route.
        assert sec.exploitation == ["criminal"] and sec.level == level
        assert sec.provenance == "to_confirm" and "Home Office" in sec.source
        assert tool.is_referral_route(level)
        for ind in sec.indicators:
            assert ind.source or sec.source
    # The Home Office's own words are kept, marked as the source's, on every listed sign.
    assert all("Source wording" in i.help for i in tool.section("criminal").indicators)
    disclosure = tool.rule("disclosure_minimum")
    assert "disclosure_of_criminal_exploitation" in disclosure.indicators
    assert disclosure.level == "high"
    # The two existing tools name no kind: they stay as they are.
    assert all(s.exploitation == [] for s in worcs.sections)


def _ce_file(tmp_path: Path, old: str, new: str) -> Path:
    text = paths.resource_path("tools", "child-exploitation-2026.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "ce.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_scored_section_without_its_kind_is_refused_when_others_name_theirs(
    tmp_path: Path,
) -> None:
    path = _ce_file(
        tmp_path,
        'id = "low"\ntitle = "Sexual exploitation: low-level indicators"\n'
        'exploitation = ["sexual"]',
        'id = "low"\ntitle = "Low"',
    )
    problem = _find(check_tool_file(path), "section 'low' must say which kinds")
    assert problem.line == _line(path, 'id = "low"', 2)  # the section, not the level
    path = _ce_file(
        tmp_path, 'exploitation = ["criminal"]', 'exploitation = ["criminal", "sexual", "criminal"]'
    )
    assert _find(check_tool_file(path), "at most 2 items")
    path = _ce_file(tmp_path, 'exploitation = ["criminal"]', 'exploitation = ["financial"]')
    assert _find(check_tool_file(path), "should be 'sexual' or 'criminal'")


def test_unknown_tool_and_version() -> None:
    with pytest.raises(ToolNotFound, match="no screening tool 'nope'"):
        load_tool("nope")
    with pytest.raises(ToolNotFound, match="Version 9.9"):
        load_tool("worcestershire-2013", "9.9")


@pytest.fixture
def resources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of resources/ so tests can add tool versions."""
    root = tmp_path / "resources"
    shutil.copytree(paths.resource_root() / "tools", root / "tools")
    shutil.copytree(paths.resource_root() / "pathways", root / "pathways")
    monkeypatch.setenv("CSE_TOOLKIT_RESOURCES", str(root))
    return root


def test_old_versions_stay_loadable(resources: Path) -> None:
    src = resources / "tools" / "worcestershire-2013.toml"
    newer = src.read_text(encoding="utf-8").replace('version = "1.1"', 'version = "1.10"', 1)
    (resources / "tools" / "worcestershire-2013@1.10.toml").write_text(newer, encoding="utf-8")
    assert load_tool("worcestershire-2013").version == "1.10"  # numeric, not text, order
    assert load_tool("worcestershire-2013", "1.0").version == "1.0"
    assert load_tool("worcestershire-2013", "1.1").version == "1.1"
    versions = [t.version for t in list_tools(all_versions=True) if t.id == "worcestershire-2013"]
    assert versions == ["1.10", "1.1", "1.0"]


def test_retired_version_is_never_used_for_a_new_screening(resources: Path) -> None:
    # 1.0 is kept (retired) to show screenings saved under it; the newest current one is used.
    infos = {t.version: t for t in list_tools(all_versions=True) if t.id == "worcestershire-2013"}
    assert infos["1.0"].retired and not infos["1.1"].retired
    assert load_tool("worcestershire-2013").version == "1.1"
    (resources / "tools" / "worcestershire-2013.toml").unlink()
    assert [t.id for t in list_tools()] == ["child-exploitation-2026", "west-midlands-regional"]
    with pytest.raises(ToolNotFound, match="retired"):
        load_tool("worcestershire-2013")
    # A 1.0 screening still opens with its own labels.
    old = load_tool("worcestershire-2013", "1.0")
    assert old.indicator("high_u13_sexual_activity")[1].label == "Under 13 and sexually active"


def test_edited_file_is_reread(resources: Path) -> None:
    path = resources / "tools" / "west-midlands-regional.toml"
    assert load_tool_file(path).name == "West Midlands regional CSE screening tool"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'name = "West Midlands regional CSE screening tool"', 'name = "WM tool, edited"'
        ),
        encoding="utf-8",
    )
    assert load_tool_file(path).name == "WM tool, edited"


def test_minimal_fixture_is_valid() -> None:
    tool = load_tool_file(DATA / "tool_minimal.toml")
    assert tool.section("main").provenance_of(tool.indicator("main_two")[1]) == "published"
    assert tool.section("main").provenance_of(tool.indicator("main_one")[1]) == "to_confirm"
    assert tool.rank("some") == 1
    rows = tool.provenance_summary()
    assert ("main", "main_two", "published", "") in rows


def _line(path: Path, needle: str, occurrence: int = 1) -> int:
    count = 0
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            count += 1
            if count == occurrence:
                return n
    raise AssertionError(needle)


def _find(problems: list[tools.Problem], text: str) -> tools.Problem:
    hits = [p for p in problems if text in p.message]
    assert hits, f"no problem mentioning {text!r} in {[str(p) for p in problems]}"
    return hits[0]


def test_check_duplicate_ids() -> None:
    path = DATA / "tool_duplicate_ids.toml"
    problems = check_tool_file(path)
    lvl = _find(problems, "duplicate level id 'none'")
    assert lvl.line == _line(path, 'id = "none"', 2)
    assert lvl.key == "levels[none].id"
    sec = _find(problems, "duplicate section id 'context'")
    assert sec.line == _line(path, 'id = "context"', 2)
    ind = _find(problems, "duplicate indicator id 'main_one'")
    assert ind.line == _line(path, 'id = "main_one"', 2)
    assert ind.key == "sections[context].indicators[main_one].id"


def test_check_unknown_levels() -> None:
    path = DATA / "tool_unknown_level.toml"
    problems = check_tool_file(path)
    rule = _find(problems, "names level 'severe'")
    assert rule.line == _line(path, 'level = "severe"')
    assert rule.key == "rules[main_present].level"
    ns = _find(problems, "names level 'nil'")
    assert ns.line == _line(path, 'level = "nil"')
    _find(problems, "level 'none' has no [[next_steps]] entry")


def test_check_rule_naming_missing_section() -> None:
    path = DATA / "tool_missing_section.toml"
    prob = _find(check_tool_file(path), "names section 'mian'")
    assert prob.line == _line(path, 'section = "mian"')


def test_check_syntax_error_has_line() -> None:
    problems = check_tool_file(DATA / "tool_bad_syntax.toml")
    assert len(problems) == 1
    assert problems[0].line == _line(DATA / "tool_bad_syntax.toml", 'name = "Minimal tool')
    assert "not valid TOML" in problems[0].message


def test_check_schema_errors() -> None:
    path = DATA / "tool_schema_errors.toml"
    problems = check_tool_file(path)
    extra = _find(problems, "not a known key")
    assert extra.line == _line(path, "labl =") and extra.key.endswith(".labl")
    _find(problems, "is required but missing")
    kind = _find(problems, "unknown rule kind")
    assert kind.line == _line(path, 'kind = "fallback"')
    prov = _find(problems, "'published' or 'to_confirm'")
    assert prov.line == _line(path, 'provenance = "maybe"')


def test_check_unordered_levels_and_useless_floor() -> None:
    path = DATA / "tool_unordered_levels.toml"
    problems = check_tool_file(path)
    order = _find(problems, "levels out of order")
    assert order.key == "rules[main_present].level"
    floor = _find(problems, "floor at the lowest level")
    assert floor.line == _line(path, "age = 13") + 1


def test_check_unknown_pathway_step() -> None:
    path = DATA / "tool_unknown_step.toml"
    prob = _find(check_tool_file(path), "pathway step 'phone_a_friend'")
    assert prob.line == _line(path, "phone_a_friend")
    assert "line" in str(prob)


def test_load_broken_file_raises_with_lines() -> None:
    with pytest.raises(ToolFileError, match=r"line \d+ \[rules\[main_present\]\.section\]"):
        load_tool_file(DATA / "tool_missing_section.toml")
    with pytest.raises(ToolFileError, match="does not exist"):
        check_tool_file(DATA / "no_such_file.toml")


def test_toml_key_lines_handles_tables_and_multiline() -> None:
    text = (
        "a = 1\n"
        'about = """\n'
        "x = not a key\n"
        '"""\n'
        "[gate]\n"
        "under = 18\n"
        "[[s]]\n"
        'id = "one"\n'
        "[[s.i]]\n"
        'id = "i1"\n'
        "[[s]]\n"
        'id = "two"\n'
        "list = [\n"
        '  "y = 2",\n'
        "]\n"
        "[[s.i]]\n"
        'id = "i2"\n'
    )
    lines = toml_key_lines(text)
    assert lines[("a",)] == 1
    assert ("x",) not in lines
    assert lines[("gate", "under")] == 6
    assert lines[("s", 0, "id")] == 8
    assert lines[("s", 0, "i", 0, "id")] == 10
    assert lines[("s", 1, "id")] == 12
    assert lines[("s", 1, "i", 0, "id")] == 17
    assert ("y",) not in lines and ("s", 1, "y") not in lines


# --- safety rules (SAFETY.md R1-R5, R10) refused by line and key ------------------------------


def _unsafe(tmp_path: Path, old: str, new: str) -> Path:
    text = (DATA / "tool_minimal.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "unsafe.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_immediate_danger_without_a_minimum_is_refused(tmp_path: Path) -> None:
    path = _unsafe(tmp_path, 'minimum = "some"\n', "")
    problem = _find(check_tool_file(path), "safety rule R1")
    assert problem.key == "rules[danger].kind" and problem.line == _line(path, 'id = "danger"') + 1
    with pytest.raises(ToolFileError, match="R1"):
        load_tool_file(path)  # the app refuses it at load too


def test_immediate_danger_at_the_lowest_level_is_refused(tmp_path: Path) -> None:
    path = _unsafe(tmp_path, 'minimum = "some"', 'minimum = "none"')
    problem = _find(check_tool_file(path), "never give the lowest level")
    assert problem.key == "rules[danger].minimum" and problem.line == _line(
        path, 'minimum = "none"'
    )


def test_lowest_level_without_require_plan_is_refused(tmp_path: Path) -> None:
    path = _unsafe(tmp_path, "require_plan = true\n", "")
    problem = _find(check_tool_file(path), "safety rule R3")
    assert problem.key == "next_steps[#1].level"
    assert problem.line == _line(path, 'level = "none"', occurrence=2)  # the [[next_steps]] one


def test_missing_incomplete_floor_and_disclosure_rules_are_refused(tmp_path: Path) -> None:
    path = _unsafe(
        tmp_path,
        'kind = "incomplete"',
        'kind = "floor_flag"\nflag = "additional_needs"\nlevel = "some"',
    )
    path.write_text(
        path.read_text(encoding="utf-8").replace('next_steps = ["Complete the screening."]\n', ""),
        encoding="utf-8",
    )
    messages = [p.message for p in check_tool_file(path)]
    assert any("safety rule R2" in m for m in messages), messages


def test_floor_that_is_not_a_referral_route_is_refused(tmp_path: Path) -> None:
    path = _unsafe(tmp_path, 'steps = ["refer"]', 'steps = ["early_help"]')
    problems = check_tool_file(path)
    assert {p.message.split(":")[0] for p in problems} >= {
        "safety rule R1",
        "safety rule R4",
        "safety rule R5",
    }
    floor = _find(problems, "floor level 'some' must be a referral route")
    assert floor.key == "rules[floor_u13].level"


def test_retired_file_is_exempt_from_safety_rules_but_never_newest(tmp_path: Path) -> None:
    path = _unsafe(tmp_path, 'minimum = "some"\n', "")
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'version = "1.0"', 'version = "1.0"\nretired = true', 1
        ),
        encoding="utf-8",
    )
    assert check_tool_file(path) == []
    assert catalogue.file_retired(path)


def test_immediate_danger_minimum_cannot_be_a_manual_only_level(tmp_path: Path) -> None:
    # Found by the generated-file property: a manual-only level can never be suggested.
    path = _unsafe(
        tmp_path,
        'pathway = "worcestershire-cse-2013"',
        'pathway = "worcestershire-cse-2013"\nmanual_only_levels = ["some"]',
    )
    problem = _find(check_tool_file(path), "cannot be the immediate-danger minimum")
    assert problem.key == "rules[danger].minimum"
