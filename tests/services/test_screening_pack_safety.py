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


def saved(vault: Any, version: str, answers: list[dict[str, Any]], confirm: str) -> Any:
    return screening_record(
        vault, child(vault).id, answers, version=version, level=confirm, reason="checked"
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
