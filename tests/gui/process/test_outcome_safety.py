"""The outcome page shows the safety rules as a practitioner needs them (SAFETY.md): incomplete
(R2), the provenance line (R9), a lowered level awaiting DSL sign-off (R7), the 999 banner and
a referral route for immediate danger (R1), and "About this tool" listing what is to confirm."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from helpers.factories import child, screening_record
from PySide6.QtCore import Qt

from cse_toolkit.core import screening
from cse_toolkit.core.clock import FixedClock
from cse_toolkit.core.entities import ScreeningRecord
from cse_toolkit.gui.common.about_page import ToolAboutView
from cse_toolkit.gui.process.outcome_page import OutcomePage

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def make_record(
    vault: Any,
    tool_id: str,
    answers: list[dict[str, Any]],
    *,
    age: int = 15,
    danger: bool = False,
    confirm: str | None = None,
    reason: str = "",
    version: str | None = None,
) -> ScreeningRecord:
    """A saved screening (in progress, or confirmed at ``confirm``) for a new child."""
    return screening_record(
        vault,
        child(vault).id,
        answers,
        tool_id=tool_id,
        version=version,
        child_info={"age": age},
        danger=danger,
        level=confirm,
        confirmed=bool(confirm),
        reason=reason,
    )


def show(qtbot: Any, vault: Any, record: ScreeningRecord) -> OutcomePage:
    page = OutcomePage()
    qtbot.addWidget(page)
    page.resize(1280, 860)
    page.show()
    page.show_screening(vault, record)
    return page


def yes(indicator: str, **extra: Any) -> dict[str, Any]:
    return {"indicator": indicator, "value": "yes", "basis": "evidence", **extra}


def test_nothing_answered_is_incomplete_and_the_lowest_level_is_refused(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    page = show(qtbot, vault, make_record(vault, "worcestershire-2013", []))
    assert page.incomplete_note.isVisibleTo(page)
    assert "Not enough information" in page.incomplete_note.text()
    assert page.next_steps.texts()[0].startswith("•  Complete the screening")
    qtbot.keyClicks(page.plan_steps, "Ask the school")
    page.rescreen_trigger.setText("when the school replies")
    qtbot.mouseClick(page.confirm_button, Qt.MouseButton.LeftButton)
    assert "incomplete" in page.message.text()
    assert page.record is not None and page.record.status == "in_progress"
    # SAFETY.md R2: if it cannot be completed, the worker says why and a DSL signs that off.
    assert "cannot be completed" in page.reason_label.text()
    qtbot.keyClicks(page.reason_edit, "The family has moved away; no agency can be reached")
    qtbot.mouseClick(page.confirm_button, Qt.MouseButton.LeftButton)
    assert page.record.status == "confirmed"
    assert page.record.outcome["confirmation"]["incomplete_reason"].startswith("The family")
    page.show_screening(vault, page.record)
    assert page.signoff_note.isVisibleTo(page)
    assert "could not be completed" in page.signoff_note.text()


def test_immediate_danger_on_west_midlands_is_significant_with_999_first(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    page = show(qtbot, vault, make_record(vault, "west-midlands-regional", [], danger=True))
    assert page.banner.isVisibleTo(page)
    assert page.level_label.text() == "Significant risk"
    assert page.next_steps.texts()[0] == "•  Call 999 now."
    assert "It cannot be lower than 'Significant risk'" in page.floor_note.text()
    assert not page.incomplete_note.isVisibleTo(page)


def test_provenance_line_when_the_level_rests_on_to_confirm_content(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    page = show(qtbot, vault, make_record(vault, "worcestershire-2013", [yes("med_hotspots")]))
    assert page.provenance_note.isVisibleTo(page)
    assert "not yet confirmed" in page.provenance_note.text()
    published = show(
        qtbot, vault, make_record(vault, "worcestershire-2013", [yes("low_truancy_missing")])
    )
    assert not published.provenance_note.isVisibleTo(published)


def test_lowered_level_is_shown_awaiting_dsl_signoff(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    rec = make_record(
        vault,
        "worcestershire-2013",
        [yes("low_unknown_adults")],
        confirm="none",
        reason="Checked with school: the adults are family friends",
    )
    page = show(qtbot, vault, rec)
    assert page.signoff_note.isVisibleTo(page)
    text = page.signoff_note.text()
    assert "Awaiting DSL sign-off" in text and "'Low' drives the process" in text
    assert vault.repos.get_child(rec.child_id).confirmed_level == "low"


def test_reason_label_says_a_lower_level_needs_signoff(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    page = show(qtbot, vault, make_record(vault, "worcestershire-2013", [yes("med_hotspots")]))
    page.level_combo.setCurrentIndex(page.level_combo.findData("low"))
    assert "DSL must sign it off" in page.reason_label.text()


def test_a_1_0_screening_shows_its_1_0_labels(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    rec = make_record(
        vault, "worcestershire-2013", [yes("high_u13_sexual_activity")], age=12, version="1.0"
    )
    page = show(qtbot, vault, rec)
    assert page.tool is not None and page.tool.version == "1.0"
    assert any("Under 13 and sexually active" in t for t in page.reasons.texts())


@pytest.mark.parametrize("tool_id", ["worcestershire-2013", "west-midlands-regional"])
def test_about_this_tool_lists_what_is_to_confirm(qtbot: Any, tool_id: str) -> None:
    view = ToolAboutView(screening.load_tool(tool_id))
    qtbot.addWidget(view)
    assert view.to_confirm_lines, "both shipped tools have content to confirm"
    joined = " ".join(view.to_confirm_lines)
    if tool_id == "worcestershire-2013":
        assert "Medium-level indicators" in joined and "Five or more" in joined
    else:
        assert "Risk indicators" in joined


def test_child_page_header_says_a_lowered_level_awaits_signoff(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    from cse_toolkit.gui.children.child_page import ChildPage

    vault = vault_factory(clock=clock)
    rec = make_record(
        vault,
        "worcestershire-2013",
        [yes("med_hotspots")],
        confirm="low",
        reason="The house is a relative's",
    )
    page = ChildPage()
    qtbot.addWidget(page)
    page.set_child(vault, rec.child_id)
    text = page.summary_label.text()
    assert "level: Medium" in text and "'Low' awaiting DSL sign-off" in text


def test_dsl_signoff_dialog_says_the_level_was_lowered(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    from cse_toolkit.gui.dsl.dsl_signoff_dialog import DslSignoffDialog

    dsl = vault_factory(user="dee", role="dsl", clock=clock)
    rec = make_record(
        dsl,
        "worcestershire-2013",
        [yes("med_hotspots")],
        confirm="low",
        reason="The house is a relative's",
    )
    dialog = DslSignoffDialog(dsl, rec.id)
    qtbot.addWidget(dialog)
    assert "Until you agree, Medium drives the process" in dialog.lowered_label.text()
    raised = make_record(
        dsl, "worcestershire-2013", [yes("med_hotspots")], confirm="high", reason="More known"
    )
    other = DslSignoffDialog(dsl, raised.id)
    qtbot.addWidget(other)
    assert not hasattr(other, "lowered_label")


def test_the_outcome_names_the_kinds_of_exploitation(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    # Issue 19: only criminal-exploitation indicators: a referral level, and the kind named.
    vault = vault_factory(clock=clock)
    page = show(
        qtbot,
        vault,
        make_record(
            vault, "child-exploitation-2026", [yes("ce_missing_found_out_of_area")], age=14
        ),
    )
    assert page.level_label.text() == "Medium"
    assert page.exploitation_note.isVisibleTo(page)
    assert page.exploitation_note.text() == "The indicators point to criminal exploitation."
    assert any("Refer to Children's Social Care" in t for t in page.next_steps.texts())
    page.show_screening(
        vault,
        make_record(
            vault,
            "child-exploitation-2026",
            [yes("ce_moving_drugs_money"), yes("low_older_partner")],
            age=14,
        ),
    )
    assert page.level_label.text() == "High"
    assert "both sexual and criminal" in page.exploitation_note.text()
    # The CSE-only tools name no kind: the line is not shown.
    page.show_screening(vault, make_record(vault, "worcestershire-2013", [yes("med_hotspots")]))
    assert not page.exploitation_note.isVisibleTo(page)


def test_the_policy_default_tool_can_select_the_child_exploitation_tool(
    qtbot: Any, vault_factory: Any, clock: FixedClock
) -> None:
    from cse_toolkit.gui.process.screening_wizard import ScreeningWizard
    from cse_toolkit.policy import parse_policy

    vault = vault_factory(clock=clock)
    # The policy file as the app reads it once at start and hands to the open vault.
    vault.policy = parse_policy('default_tool = "child-exploitation-2026"\n', "policy.toml")
    child = vault.repos.add_child(name="Sam Example")
    wizard = ScreeningWizard()
    qtbot.addWidget(wizard)
    wizard.set_child(vault, child, immediate_danger=False)
    assert wizard.context.tool_combo.currentData() == "child-exploitation-2026"
    assert wizard.tool is not None and wizard.tool.id == "child-exploitation-2026"
    titles = [page.section.id for page in wizard.pages]
    assert titles[-2:] == ["criminal", "criminal_high"]
