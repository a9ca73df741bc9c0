"""Packs carry the screening safety rules (SAFETY.md R7, R9, "Versions"): a screening saved
under 1.0 exports with its 1.0 labels and levels, plus the provenance line; a lowered level is
shown as awaiting DSL sign-off."""

from __future__ import annotations

import subprocess
from typing import Any

from helpers.factories import child, screening_record

from cse_toolkit.core import screening
from cse_toolkit.packs import signing
from cse_toolkit.packs.render import render_pdf
from cse_toolkit.packs.schema import PackModel
from cse_toolkit.services import exchange
from tests.packs.factories import FIXED_KEY, pack_dict

PROVENANCE = screening.PROVENANCE_LINE


def saved(
    vault: Any,
    version: str,
    answers: list[dict[str, Any]],
    confirm: str,
    tool_id: str = "worcestershire-2013",
    keep_kinds: bool = True,
) -> Any:
    record = screening_record(
        vault,
        child(vault).id,
        answers,
        tool_id=tool_id,
        version=version,
        level=confirm,
        reason="checked",
    )
    if keep_kinds:
        return record
    # As saved before issue 19 added the kinds to the outcome: the pack works them out again.
    outcome = {
        k: v for k, v in record.outcome.items() if k not in ("exploitation", "exploitation_line")
    }
    return screening_record(
        vault,
        child(vault).id,
        answers,
        tool_id=tool_id,
        version=version,
        level=confirm,
        reason="checked",
        outcome=outcome,
    )


def yes(ident: str) -> dict[str, Any]:
    return {"indicator": ident, "value": "yes", "basis": "evidence"}


def test_a_1_0_screening_exports_with_its_1_0_labels_and_the_provenance_line(
    vault: Any,
) -> None:
    rec = saved(vault, "1.0", [yes("high_u13_sexual_activity")], "high")
    data = exchange.screening_record(vault, rec.id).data
    assert data.tool_version == "1.0" and data.suggested_level == "high"
    labels = {a.indicator: a.label for s in data.sections for a in s.answers}
    assert labels["high_u13_sexual_activity"] == "Under 13 and sexually active"  # 1.0 words
    assert "disclosure_of_exploitation" not in labels  # a 1.1 indicator
    assert data.provenance == PROVENANCE  # 1.0's high list is to confirm too
    assert not data.awaiting_signoff


def test_a_lowered_1_1_screening_exports_awaiting_signoff(vault: Any) -> None:
    rec = saved(vault, "1.1", [yes("med_hotspots")], "low")
    data = exchange.screening_record(vault, rec.id).data
    assert data.awaiting_signoff and data.provenance == PROVENANCE
    raw = pack_dict("screening")
    for r in raw["records"]:
        if r["type"] == "screening":
            r["data"] |= {
                "provenance": data.provenance,
                "awaiting_signoff": True,
                "confirmed_level": "low",
            }
    pack = PackModel.model_validate(signing.sign(raw, FIXED_KEY))
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=render_pdf(pack), capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert PROVENANCE in flat
    assert "awaiting DSL sign-off" in flat


def test_a_child_exploitation_referral_pack_says_which_kind(vault: Any) -> None:
    # Issue 19: only criminal-exploitation indicators: a referral level, and the pack says so.
    rec = saved(
        vault, "1.0", [yes("ce_moving_drugs_money")], "high", tool_id="child-exploitation-2026"
    )
    data = exchange.screening_record(vault, rec.id).data
    assert data.suggested_level == "high" and data.exploitation == ["criminal"]
    both = saved(
        vault,
        "1.0",
        [yes("ce_gang_isolation"), yes("low_older_partner")],
        "medium",
        tool_id="child-exploitation-2026",
        keep_kinds=False,
    )
    assert exchange.screening_record(vault, both.id).data.exploitation == ["sexual", "criminal"]
    # A CSE-only tool names no kind (the field stays empty).
    assert (
        exchange.screening_record(
            vault, saved(vault, "1.1", [yes("med_hotspots")], "medium").id
        ).data.exploitation
        == []
    )
    raw = pack_dict("screening")
    for r in raw["records"]:
        if r["type"] == "screening":
            r["data"] |= {"exploitation": ["criminal"]}
    pack = PackModel.model_validate(signing.sign(raw, FIXED_KEY))
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=render_pdf(pack), capture_output=True, check=True
    ).stdout.decode()
    assert "The indicators point to criminal exploitation." in " ".join(text.split())
