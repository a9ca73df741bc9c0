"""The referral pack's second version (issue 14 items 3 and 4) and the police pack's contact
(item 6), read back as the recipient reads them: with ``pdftotext``.

A vault with no organisation policy and no "My details" prints no placeholder anywhere; with
My details the referrer (and the submitter) can be called back. The form starts from what the
vault holds. A pack of format 2, made by this code as it was before the bump, still verifies
and imports.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import journey

from cse_toolkit.core.my_details import MyDetails
from cse_toolkit.errors import UserError
from cse_toolkit.packs.pdfpack import export_pack
from cse_toolkit.packs.schema import PackModel
from cse_toolkit.services import exchange
from cse_toolkit.services.referral import ReferralDetails, RiskPersonAnswer, referral_defaults
from cse_toolkit.vault import user_details

PLACEHOLDERS = (
    "Not set (no organisation policy installed)",
    "set the contact in the policy",
    "ask your manager",
    "not set",
    "()",
)
DETAILS = MyDetails(
    name="Sam Okafor",
    job_title="Outreach worker",
    agency="Wychavon Youth Outreach (fictional)",
    phone="01905 000111",
    email="sam.okafor@wychavon.example",
)


def pdf_text(path: Path, password: str) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-upw", password, str(path), "-"],
        capture_output=True,
        check=True,
    )
    return re.sub(r"\s+", " ", done.stdout.decode("utf-8"))


@pytest.fixture
def worker(vault_factory: Any) -> Any:
    return vault_factory(user="sam", role="worker")


def _referral(vault: Any, child_id: str, **answers: Any) -> PackModel:
    details = referral_defaults(vault, child_id)
    for key, value in answers.items():
        setattr(details, key, value)
    sharing = exchange.SharingChoice(
        consent_sought=True, consent_given=True, who_consented="Mother, for the family"
    )
    return exchange.build_pack(
        vault, "referral", child_id=child_id, sharing=sharing, details=details
    )


def test_no_policy_and_no_details_print_no_placeholder(worker: Any, tmp_path: Path) -> None:
    child = journey.worker_case(worker)
    pack = _referral(worker, child.id, where_now="At school until 15:30", reason="Seen twice")
    done = exchange.export(worker, pack, tmp_path / "r.pdf")
    text = pdf_text(done.result.path, done.result.password)
    for placeholder in PLACEHOLDERS:
        assert placeholder not in text, placeholder
    assert "To: Children's Social Care (Family Front Door). Made" in text
    assert "Name: sam" in text  # the account's name: nothing better was recorded
    for line in ("Agency: Not recorded", "Work phone: Not recorded", "Secure email: Not recorded"):
        assert line in text, line
    assert pack.organisation == ""


def test_my_details_are_the_referrers_contact(worker: Any, tmp_path: Path) -> None:
    user_details.save(worker, DETAILS)
    child = journey.worker_case(worker)
    pack = _referral(worker, child.id, where_now="At home with her mother")
    assert pack.sender.name == "Sam Okafor" and pack.sender.email == DETAILS.email
    done = exchange.export(worker, pack, tmp_path / "r.pdf")
    text = pdf_text(done.result.path, done.result.password)
    for line in (
        "Name: Sam Okafor",
        "Job title: Outreach worker",
        "Agency: Wychavon Youth Outreach (fictional)",
        "Work phone: 01905 000111",
        "Secure email: sam.okafor@wychavon.example",
    ):
        assert line in text, line
    # no policy installed: every page's header names the referrer's agency instead
    assert text.count("OFFICIAL-SENSITIVE Wychavon Youth Outreach (fictional)") >= 2


def test_intelligence_pack_has_the_submitters_contact(worker: Any, tmp_path: Path) -> None:
    child = journey.worker_case(worker)
    journey.intel_report(worker, child.id)
    bare = exchange.export(
        worker, exchange.build_pack(worker, "intelligence", child_id=child.id), tmp_path / "a.pdf"
    )
    text = pdf_text(bare.result.path, bare.result.password)
    for placeholder in PLACEHOLDERS:
        assert placeholder not in text, placeholder
    assert "Phone: Not recorded" in text
    user_details.save(worker, DETAILS)
    done = exchange.export(
        worker, exchange.build_pack(worker, "intelligence", child_id=child.id), tmp_path / "b.pdf"
    )
    text = pdf_text(done.result.path, done.result.password)
    assert "Name: Sam Okafor" in text and "Phone: 01905 000111" in text
    assert "Secure email: sam.okafor@wychavon.example" in text


def test_the_form_starts_from_what_the_vault_holds(worker: Any) -> None:
    child = journey.add_child(worker)
    when = worker.now() - timedelta(hours=3)
    worker.repos.add_note(child.id, "Seen getting into a grey car with two adults.", when)
    concern = {"what": "Seen getting into a grey car", "when": when, "by_whom": "sam"}
    worker.repos.record_step(child.id, journey.PATHWAY, "concern", when, concern)
    danger = {"immediate_danger": False, "police_reference": "WMP-0412 (fictional)"}
    worker.repos.record_step(child.id, journey.PATHWAY, "danger_check", when, danger)
    saved = journey.screen(worker, child.id, {"high_controlling_associates": "yes"})
    journey.discuss_and_decide(worker, child.id, saved.confirmed_level, "Priya Natarajan (DSL)")
    journey.intel_report(worker, child.id)
    start = referral_defaults(worker, child.id)
    assert start.urgency == "urgent"  # High is urgent by default
    assert start.police_reference == "WMP-0412 (fictional)"
    assert start.consulted_name == "Priya Natarajan (DSL)" and start.consulted_at is not None
    assert start.basis_of_concern == [
        "Controlled by an older person the child calls a partner, or by their associates"
    ]
    assert [p.intelligence for p in start.risk_people] == [[worker.intel.list(child.id)[0][1]]]
    notes = worker.repos.notes_for(child.id)
    assert start.note_ids == [n.id for n in notes]  # all recent
    # an urgent referral must say where the child is now
    with pytest.raises(UserError, match="where the child is now"):
        _referral(worker, child.id)
    low = journey.add_child(worker, "Leah Example")
    assert referral_defaults(worker, low.id).urgency == "non_urgent"


def test_the_worker_chooses_the_notes(worker: Any) -> None:
    child = journey.worker_case(worker)
    first = worker.repos.notes_for(child.id)[0]
    pack = _referral(worker, child.id, where_now="Home", note_ids=[])
    assert pack.of_type("note") == []
    pack = _referral(worker, child.id, where_now="Home", note_ids=[first.id])
    assert [n.id for n in pack.of_type("note")] == [first.id]


def test_a_bad_date_of_birth_is_a_message(worker: Any) -> None:
    details = ReferralDetails(
        risk_people=[RiskPersonAnswer(name="Dean MARSH", date_of_birth="1995")]
    )
    assert details.problems() == [
        "The date of birth of Dean MARSH should be written as dd/mm/yyyy."
    ]


def test_a_format_2_pack_still_verifies_and_imports(
    worker: Any, vault_factory: Any, tmp_path: Path
) -> None:
    """As the code before the bump made it: format 2, no version 2 referral fields."""
    child = journey.worker_case(worker)
    pack = _referral(worker, child.id, where_now="Home")
    data = pack.to_json_dict()
    data["schema_version"] = "2"
    referral = next(r for r in data["records"] if r["type"] == "referral")
    for key in (
        "where_now",
        "risk_people",
        "other_children",
        "police",
        "request",
        "risk_view",
        "parents_views",
        "language_needs",
        "consulted",
        "child_words",
    ):
        referral["data"].pop(key)
    old = PackModel.model_validate(data)
    out = export_pack(old, tmp_path / "old.pdf", worker.signing_key(), None)
    verified = exchange.verify(out.path, out.password)
    assert verified.pack.schema_version == "2"
    assert verified.pack.of_type("referral")[0].data.where_now is None
    dsl = vault_factory(user="priya", role="dsl")
    report = exchange.import_pack(dsl, out.path, out.password, verified.signer_fingerprint)
    assert report.added.get("child") == 1 and report.added.get("referral", 0) == 0
    assert not report.conflicts
