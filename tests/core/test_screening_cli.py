"""The command line as IT scripts and practitioners use it: ``tools list|show|check`` and
``screen``, run in a subprocess with every app location inside the test's tmp_path."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import Run, cli

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parents[2]

POLICY = """
organisation = "Test Outreach"

[[contacts.dsl]]
name = "Alex Example"
phone = "01234 000001"

[contacts.front_door]
name = "Family Front Door"
phone = "01234 000002"
"""

DESIGN_EXAMPLE = {
    "tool": "worcestershire-2013",
    "child": {"age": 12, "learning_disability": False, "additional_needs": False},
    "immediate_danger": False,
    "answers": [
        {
            "indicator": "low_unknown_adults",
            "value": "yes",
            "basis": "evidence",
            "when": "current",
            "note": "seen with two adults at the bus station",
        }
    ],
}


@pytest.fixture
def run(tmp_path: Path) -> Any:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    env = {
        **os.environ,
        "CSE_TOOLKIT_HOME": str(tmp_path / "home"),
        "CSE_TOOLKIT_POLICY": str(policy),
        "CSE_TOOLKIT_TMP": str(tmp_path / "tmp"),
        "CSE_TOOLKIT_LOG_DIR": str(tmp_path / "logs"),
    }
    env.pop("CSE_TOOLKIT_RESOURCES", None)

    def _run(*args: str) -> Run:
        return cli(*args, env=env, cwd=tmp_path, timeout=60)

    return _run


def write(tmp_path: Path, data: Any, name: str = "answers.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_tools_list_and_show(run: Any) -> None:
    out = run("tools", "list")
    assert out.returncode == 0, out.stderr
    assert "worcestershire-2013" in out.stdout and "west-midlands-regional" in out.stdout
    shown = run("tools", "show", "west-midlands-regional", "--json")
    assert shown.returncode == 0, shown.stderr
    tool = json.loads(shown.stdout)
    assert tool["id"] == "west-midlands-regional" and tool["manual_only_levels"] == ["serious"]
    text = run("tools", "show", "worcestershire-2013")
    assert "to_confirm" in text.stdout and "vf_looked_after" in text.stdout
    missing = run("tools", "show", "nope")
    assert missing.returncode == 1 and "no screening tool 'nope'" in missing.stderr


def test_child_exploitation_tool_listed_checked_and_names_the_kind(
    run: Any, tmp_path: Path
) -> None:
    # Issue 19 "Done when": listed, accepted, and a screening with only criminal-exploitation
    # indicators suggests a level and a referral route, and says which kind.
    listed = run("tools", "list")
    assert "child-exploitation-2026  1.0" in listed.stdout
    shipped = Path(__file__).resolve().parents[2] / "resources/tools/child-exploitation-2026.toml"
    checked = run("tools", "check", str(shipped))
    assert checked.returncode == 0 and "no problems" in checked.stdout
    shown = run("tools", "show", "child-exploitation-2026").stdout
    assert (
        "[criminal; scored, level 'medium'; points to criminal exploitation; to_confirm]" in shown
    )
    answers = write(
        tmp_path,
        {
            "tool": "child-exploitation-2026",
            "child": {"age": 14},
            "answers": [{"indicator": "ce_many_calls_phones", "value": "yes", "basis": "evidence"}],
        },
    )
    result = json.loads(run("screen", "--answers", answers, "--json").stdout)
    assert result["suggested_level"] == "medium"
    assert result["exploitation"] == ["criminal"]
    assert result["exploitation_line"] == "The indicators point to criminal exploitation."
    assert "refer" in [s["id"] for s in result["next_steps"]["steps"]]
    text = run("screen", "--answers", answers).stdout
    assert "Suggested level: Medium\nThe indicators point to criminal exploitation." in text


def test_tools_check(run: Any) -> None:
    good = run("tools", "check", str(DATA / "tool_minimal.toml"))
    assert good.returncode == 0 and "no problems" in good.stdout
    bad = run("tools", "check", str(DATA / "tool_duplicate_ids.toml"))
    assert bad.returncode == 1
    assert "tool_duplicate_ids.toml:16: levels[none].id: duplicate level id 'none'" in bad.stdout
    assert "Traceback" not in bad.stderr
    cycle = run("tools", "check", str(DATA / "pathway_cycle.toml"))
    assert cycle.returncode == 1 and "cycle work -> review -> work" in cycle.stdout
    syntax = run("tools", "check", str(DATA / "tool_bad_syntax.toml"))
    assert syntax.returncode == 1 and ":5: not valid TOML" in syntax.stdout


def test_screen_json_contract(run: Any, tmp_path: Path) -> None:
    out = run(
        "screen",
        "--tool",
        "worcestershire-2013",
        "--answers",
        write(tmp_path, DESIGN_EXAMPLE),
        "--json",
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    for key in (
        "tool",
        "tool_version",
        "suggested_level",
        "reasons",
        "floors_applied",
        "to_verify",
        "gaps",
        "next_steps",
    ):
        assert key in result
    assert result["suggested_level"] == "medium"
    assert result["reasons"][0]["rule"] == "low_present"
    assert result["reasons"][0]["indicators"] == ["low_unknown_adults"]
    assert result["floors_applied"][0]["rule"] == "floor_under_13"


def test_screen_text_for_a_practitioner(run: Any, tmp_path: Path) -> None:
    data = {
        **DESIGN_EXAMPLE,
        "answers": [
            *DESIGN_EXAMPLE["answers"],  # type: ignore[list-item]
            {"indicator": "med_online_grooming", "value": "possible", "basis": "gut_feeling"},
        ],
    }
    out = run("screen", "--answers", write(tmp_path, data))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Suggested level: Medium" in text
    assert (
        "Why:" in text and "In contact with adults the family does not know (yes, evidence" in text
    )
    assert 'To verify (answered "possible"):\n  - Being groomed online' in text
    assert "Gaps to follow up" in text
    assert "What to do next:" in text and "Family Front Door" in text
    assert "Designated safeguarding lead: Alex Example, 01234 000001" in text
    assert "Not recorded" in text and "ask your manager" not in text


def test_screen_wm_urgent_flag(run: Any, tmp_path: Path) -> None:
    data = {
        "tool": "west-midlands-regional",
        "child": {"age": 15},
        "immediate_danger": True,
        "answers": [],
    }
    out = run("screen", "--tool", "west-midlands-regional", "--answers", write(tmp_path, data))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[2].startswith("URGENT") and "CALL 999" in out.stdout
    assert "re-screen date or trigger" in out.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"tool": "worcestershire-2013", ', "not valid JSON"),
        ({**DESIGN_EXAMPLE, "tool": "no-such-tool"}, "no screening tool 'no-such-tool'"),
        (
            {
                **DESIGN_EXAMPLE,
                "answers": [{"indicator": "low_made_up", "value": "yes", "basis": "evidence"}],
            },
            "'low_made_up' is not an indicator",
        ),
        (
            {
                **DESIGN_EXAMPLE,
                "answers": [{"indicator": "low_unknown_adults", "value": "perhaps"}],
            },
            "value 'perhaps' is not allowed",
        ),
        ({**DESIGN_EXAMPLE, "child": {"age": 40}}, "age 40 is not possible"),
    ],
)
def test_screen_errors_exit_1_with_a_message(
    run: Any, tmp_path: Path, content: Any, message: str
) -> None:
    out = run("screen", "--answers", write(tmp_path, content))
    assert out.returncode == 1
    assert message in out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""


def test_screen_tool_mismatch_and_missing_file(run: Any, tmp_path: Path) -> None:
    out = run(
        "screen", "--tool", "west-midlands-regional", "--answers", write(tmp_path, DESIGN_EXAMPLE)
    )
    assert out.returncode == 1 and "--tool says 'west-midlands-regional'" in out.stderr
    gone = run("screen", "--answers", str(tmp_path / "missing.json"))
    assert gone.returncode == 1 and "does not exist" in gone.stderr


def test_tools_check_refuses_an_unsafe_tool_by_line(run: Any, tmp_path: Path) -> None:
    text = (DATA / "tool_minimal.toml").read_text(encoding="utf-8")
    unsafe = tmp_path / "unsafe.toml"
    unsafe.write_text(text.replace("require_plan = true\n", ""), encoding="utf-8")
    out = run("tools", "check", str(unsafe))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "next_steps[#1].level: safety rule R3" in out.stdout
    old = Path(__file__).resolve().parents[2] / "resources/tools/worcestershire-2013@1.0.toml"
    retired = run("tools", "check", str(old))
    assert retired.returncode == 0 and "retired" in retired.stdout


def test_screen_json_has_the_1_1_safety_fields(run: Any, tmp_path: Path) -> None:
    nothing = {"tool": "worcestershire-2013", "child": {"age": 14}, "answers": []}
    out = json.loads(run("screen", "--json", "--answers", write(tmp_path, nothing)).stdout)
    assert out["tool_version"] == "1.1" and out["incomplete"] is True
    assert out["next_steps"]["require_plan"] is True
    assert out["next_steps"]["text"][0].startswith("Complete the screening")
    medium = {
        **nothing,
        "answers": [{"indicator": "med_hotspots", "value": "yes", "basis": "evidence"}],
    }
    out = json.loads(run("screen", "--json", "--answers", write(tmp_path, medium)).stdout)
    assert out["incomplete"] is False
    assert out["provenance"] == (
        "This level rests on indicators your partnership has not yet confirmed."
    )
    assert out["to_confirm"] == ["med_hotspots"]
    # A screening saved under 1.0 is scored with 1.0, never re-scored.
    old = {**nothing, "tool_version": "1.0"}
    out = json.loads(run("screen", "--json", "--answers", write(tmp_path, old)).stdout)
    assert out["tool_version"] == "1.0" and out["incomplete"] is False
    text = run("screen", "--answers", write(tmp_path, nothing)).stdout
    assert "INCOMPLETE: Not enough information to suggest a level yet." in text


def test_screen_malformed_answers_exit_1_naming_the_problem(run: Any, tmp_path: Path) -> None:
    bad = {
        "tool": "west-midlands-regional",
        "child": {"age": 15},
        "answers": [
            {"indicator": "disclosure_of_exploitation", "value": "yes", "basis": "evidence"}
        ],
    }
    out = run("screen", "--answers", write(tmp_path, bad))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "disclosure_of_exploitation" in out.stderr and "say when" in out.stderr
