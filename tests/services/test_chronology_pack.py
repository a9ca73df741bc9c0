"""The printable chronology: chosen by period, kind and entry; exported as an encrypted pack of
kind ``chronology`` and read back with pdftotext (order, heading, page numbers); printed copies
and packs audited as disclosures with their purpose."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.factories import child as make_child

from cse_toolkit.errors import UserError
from cse_toolkit.packs.pdfpack import open_pack
from cse_toolkit.policy import Policy
from cse_toolkit.services import chronology, exchange
from cse_toolkit.services.chronology import ChronologyChoice


@pytest.fixture
def case(vault: Any) -> dict[str, Any]:
    kid = make_child(vault, name="Robin Sample", address="1 Secret Road")
    base = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    notes = []
    for day, words in [
        (0, "ALPHA first note, seen at the station"),
        (10, "BRAVO note the worker leaves out"),
        (20, "CHARLIE third note"),
        (40, "DELTA after the period"),
    ]:
        notes.append(vault.repos.add_note(kid.id, words, base + timedelta(days=day)))
    vault.repos.add_missing(kid.id, base + timedelta(days=15), base + timedelta(days=16))
    return {"child": kid, "notes": notes}


def _pdftotext(path: Path, password: str) -> str:
    run = subprocess.run(
        ["pdftotext", "-layout", "-upw", password, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return run.stdout


def test_the_chronology_pack_read_back_with_pdftotext(
    vault: Any, case: dict[str, Any], tmp_path: Path
) -> None:
    kid, notes = case["child"], case["notes"]
    choice = ChronologyChoice(
        period_from=date(2026, 10, 1),
        period_to=date(2026, 10, 31),
        kinds=("note", "missing"),
        left_out={notes[1].id},
        purpose="strategy_meeting",
    )
    pack = chronology.build_pack(vault, kid.id, choice)
    assert pack.kind == "chronology" and pack.chronology is not None
    assert pack.chronology.left_out == 1 and len(pack.chronology.entries) == 3
    child_data = pack.of_type("child")[0].data
    assert child_data.home_address == "" and child_data.household == []  # identity only
    done = chronology.export(vault, pack, choice, tmp_path / "chronology.pdf")
    verified = open_pack(done.result.path, done.result.password)
    assert verified.pack.kind == "chronology"
    text = _pdftotext(done.result.path, done.result.password)
    flat = " ".join(text.split())
    assert "OFFICIAL-SENSITIVE" in text
    assert f"Chronology: Robin Sample (Ref {kid.ref})" in flat
    assert f"Chronology of {kid.ref}" in flat and "printed by" in flat
    assert "Strategy meeting or discussion" in flat
    pages = re.findall(r"Page (\d+) of (\d+)", text)
    assert pages and pages[0] == ("1", pages[0][1]) and pages[-1][0] == pages[-1][1]
    table = flat[flat.index("2. Chronology") :]
    positions = [table.find(word) for word in ("ALPHA", "Missing episode", "CHARLIE")]
    assert -1 not in positions and positions == sorted(positions)  # in order of events
    assert "BRAVO" not in flat and "DELTA" not in flat  # left out; after the period
    assert "1 Secret Road" not in flat
    reason = vault.conn.execute(
        "SELECT reason FROM audit WHERE action = 'export.chronology'"
    ).fetchone()[0]
    assert "purpose=strategy_meeting" in reason and "entries=3" in reason
    assert "left_out=1" in reason
    from cse_toolkit.services import outbox

    assert [item.kind for item in outbox.outbox(vault)] == ["chronology"]


def test_a_printed_copy_says_so_and_is_audited(vault: Any, case: dict[str, Any]) -> None:
    kid = case["child"]
    choice = ChronologyChoice(purpose="supervision")
    pack = chronology.build_pack(vault, kid.id, choice)
    pdf = chronology.render(pack, printed=True)
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        first = doc[0].get_textpage().get_text_range()
    finally:
        doc.close()
    assert "printed copy" in first and kid.ref in first and "Page 1 of" in first
    chronology.record_print(vault, pack, choice)
    row = vault.conn.execute(
        "SELECT record_id, reason FROM audit WHERE action = 'chronology.print'"
    ).fetchone()
    assert row[0] == kid.id and "purpose=supervision" in row[1]


def test_choices_are_checked(vault: Any, case: dict[str, Any]) -> None:
    kid = case["child"]
    with pytest.raises(UserError, match="what the chronology is for"):
        chronology.build_pack(vault, kid.id, ChronologyChoice(purpose="gossip"))
    with pytest.raises(UserError, match="ends before it starts"):
        chronology.build_pack(
            vault,
            kid.id,
            ChronologyChoice(period_from=date(2026, 10, 5), period_to=date(2026, 10, 1)),
        )
    with pytest.raises(UserError, match="No entries are left"):
        chronology.build_pack(vault, kid.id, ChronologyChoice(kinds=("intelligence",)))


def test_policy_may_forbid_chronologies(vault_factory: Any, tmp_path: Path) -> None:
    vault = vault_factory(policy=Policy(export_kinds=["referral"]))
    kid = make_child(vault)
    vault.repos.add_note(kid.id, "A note", datetime(2026, 10, 1, tzinfo=UTC))
    choice = ChronologyChoice()
    pack = chronology.build_pack(vault, kid.id, choice)
    with pytest.raises(UserError, match="does not allow printing or exporting chronologies"):
        chronology.record_print(vault, pack, choice)


def test_a_chronology_pack_is_not_imported(
    vault: Any, vault_factory: Any, case: dict[str, Any], tmp_path: Path
) -> None:
    dsl = vault_factory(user="dee", role="dsl")
    choice = ChronologyChoice()
    pack = chronology.build_pack(vault, case["child"].id, choice)
    done = chronology.export(vault, pack, choice, tmp_path / "c.pdf")
    with pytest.raises(UserError, match="document to read"):
        exchange.import_pack(dsl, done.result.path, done.result.password, confirmed="typed")


def test_an_incident_is_printed_without_naming_the_other_children(
    vault: Any, case: dict[str, Any]
) -> None:
    kid = case["child"]
    other = make_child(vault, name="Sasha Otherchild")
    vault.incidents.add(
        [kid.id, other.id], "ECHO both seen at the party", datetime(2026, 10, 12, 21, tzinfo=UTC)
    )
    assert any(
        "Sasha" in i.detail for i in vault.repos.chronology(kid.id) if i.kind == "incident"
    )  # on screen, the author sees the other child's name
    pack = chronology.build_pack(vault, kid.id, ChronologyChoice(kinds=("incident",)))
    assert pack.chronology is not None
    [entry] = pack.chronology.entries
    assert "ECHO" in entry.detail and "Sasha" not in entry.detail
    assert "Also about 1 other child (not named here)" in entry.detail
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(chronology.render(pack, printed=True))
    try:
        text = " ".join(doc[n].get_textpage().get_text_range() for n in range(len(doc)))
    finally:
        doc.close()
    assert "ECHO" in text and "Sasha" not in text
