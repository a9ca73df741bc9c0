"""The export wizard's navigation and the information-sharing rule, without a display."""

from __future__ import annotations

from typing import get_args

import pytest

from cse_toolkit.core.export_flow import ExportAnswers, ExportFlow, StepProblem, steps_for
from cse_toolkit.core.sharing import (
    GROUNDS,
    Ground,
    SharingAnswers,
    SharingChoice,
    consent_needed,
    ground_with_consent,
)
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps

COMPLETE = SharingAnswers(
    consent_sought=True,
    consent_given=True,
    who_consented="Mother, for her and the child",
    parents_aware=True,
    child_aware=True,
)


def test_steps_per_kind() -> None:
    assert steps_for("referral") == (
        "recipient",
        "sharing",
        "details",
        "situation",
        "asked",
        "notes",
        "preview",
    )
    assert steps_for("screening") == ("recipient", "sharing", "preview")
    assert steps_for("intelligence") == ("recipient", "sharing", "preview")


def test_step_numbers_back_and_next() -> None:
    flow = ExportFlow("referral")
    assert (flow.number, flow.total, flow.title) == (1, 7, "Recipient")
    assert not flow.can_go_back and flow.previous() is None and flow.following() == "sharing"
    flow.current = "details"
    assert flow.number == 3 and flow.previous() == "sharing" and flow.following() == "situation"
    flow.current = "notes"
    assert flow.number == 6 and flow.following() == "preview"
    flow.current = "preview"
    assert flow.on_last and flow.following() is None and flow.title == "Preview"
    assert ExportFlow("screening", "sharing").following() == "preview"


def test_what_stops_next() -> None:
    assert ExportFlow("referral").problem(ExportAnswers()) == StepProblem("recipient")
    assert ExportFlow("referral").problem(ExportAnswers(recipient_name=" CSC ")) is None
    sharing = ExportFlow("referral", "sharing")
    problem = sharing.problem(ExportAnswers(sharing=SharingAnswers()))
    assert problem is not None and problem.kind == "sharing"
    assert "Say whether you asked for consent to share." in problem.messages
    assert sharing.problem(ExportAnswers(sharing=COMPLETE)) is None
    # An information report needs no consent decision.
    assert ExportFlow("intelligence", "sharing").problem(ExportAnswers()) is None
    details = ExportFlow("referral", "details")
    assert details.problem(ExportAnswers(why_now="  ")) == StepProblem("why_now")
    assert details.problem(ExportAnswers(why_now="Seen with adults")) is None
    # Issue 14: an urgent or immediate referral says where the child is now.
    situation = ExportFlow("referral", "situation")
    assert situation.problem(ExportAnswers(urgent=True)) == StepProblem("where_now")
    assert situation.problem(ExportAnswers(urgent=True, where_now="At home")) is None
    assert situation.problem(ExportAnswers(urgent=False)) is None
    typed = ExportAnswers(urgent=True, where_now="Home", entry_problems=("Bad date",))
    assert situation.problem(typed) == StepProblem("entries", ("Bad date",))
    assert ExportFlow("referral", "preview").problem(ExportAnswers()) is None


def test_one_sharing_rule_for_wizard_service_and_schema() -> None:
    assert tuple(GROUNDS) == get_args(Ground) == get_args(ps.Ground)
    assert not consent_needed("intelligence") and consent_needed("referral")
    assert ground_with_consent(True, "unjustified_delay")
    assert not ground_with_consent(False, "unjustified_delay")
    assert not ground_with_consent(True, None)
    # The wizard drops a ground when consent was given, so the service and schema accept it.
    choice = SharingAnswers(**{**COMPLETE.__dict__, "ground": "unjustified_delay"}).choice()
    assert choice.ground_without_consent is None
    choice.check("referral")
    with pytest.raises(UserError, match="needs a ground"):
        SharingChoice(consent_sought=True, consent_given=False).check("referral")
    with pytest.raises(UserError, match="Unknown ground"):
        SharingChoice(consent_given=False, ground_without_consent="bored").check("screening")
    SharingChoice().check("intelligence")
    with pytest.raises(ValueError, match="consent was given"):
        ps.SharingDecision(
            consent_sought=True,
            consent_given=True,
            ground_without_consent="unjustified_delay",
            decided_by="Sam",
            decided_at="2026-11-23T10:00:00Z",
        )
