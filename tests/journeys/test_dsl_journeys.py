"""More journeys from a worker's laptop to the DSL's (issue 13): a pack of the older format, the
same pack twice, screening and intelligence packs, sign-off, and a second worker's pack about
the same child. Each reads the case back with `cse-toolkit case show --json` too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers.journey import Person, intel_report, worker_case

from cse_toolkit.gui.dsl.dsl_queue import ITEM_ROLE

DATA = Path(__file__).parent / "data"


def test_a_pack_of_the_older_format_imports_and_its_steps_show_read_only(  # type: ignore[no-untyped-def]
    dsl: Person, app: Any, fake_dialogs, qtbot
) -> None:
    pack = DATA / "referral-pack-format-1.pdf"
    meta = json.loads((DATA / "referral-pack-format-1.json").read_text())
    assert dsl.verify(pack, meta["password"])["valid"] is True
    from cse_toolkit.packs.pdfpack import open_pack

    old = open_pack(pack, meta["password"]).pack
    assert old.schema_version == "1"  # made by the toolkit before pack format 2
    assert all(not r.data.fields for r in old.of_type("pathway_step"))
    imported = dsl.import_pack(pack, meta["password"])
    assert imported["added"]["pathway_step"] == 5 and imported["added"]["child"] == 1

    # Opening the child never fails because of a record the engine cannot use.
    win = app(dsl)
    assert win.show_child(meta["child_id"]), fake_dialogs.texts()
    assert fake_dialogs.texts("error") == []
    rows = win.parts.process_tab.tracker.rows()
    set_aside = [r for r in rows if r[1] == "set_aside"]
    assert [r[0] for r in set_aside] == ["concern", "danger_check", "screen", "discuss", "decide"]
    concern = set_aside[0][2]
    assert "older pack that carried only a summary" in concern
    assert "What was seen or heard" in concern and "Their summary:" in concern
    assert "grey car" in concern  # what Sam wrote is still there to read
    # The case waits at the first step: the DSL records it (nothing was skipped silently).
    current = [r for r in rows if r[1] == "current"]
    assert current and current[0][0] == "concern"
    chronology = win.child_page.chronology.model
    assert chronology.rowCount() >= 7

    case = dsl.case_show(meta["ref"])
    assert [a["step"] for a in case["pathway"]["set_aside"]] == [
        "concern",
        "danger_check",
        "screen",
        "discuss",
        "decide",
    ]
    assert all("older pack" in a["problem"] for a in case["pathway"]["set_aside"])
    assert case["pathway"]["current"]["id"] == "concern"
    assert case["level"]["confirmed"] == "high"  # the screening itself imported whole
    assert case["origin"]["kind"] == "imported"

    # The same pack again changes nothing.
    again = dsl.import_pack(pack, meta["password"])
    assert again["already_imported"] is True and again["added"] == {}
    assert dsl.case_show(meta["ref"])["chronology"] == case["chronology"]


def test_screening_and_intelligence_packs_then_the_dsl_signs_off(  # type: ignore[no-untyped-def]
    worker: Person, dsl: Person, app: Any, fake_dialogs, qtbot, tmp_path: Path
) -> None:
    with worker.vault() as vault:
        child = worker_case(vault, "Mia Hartley")
        report = intel_report(vault, child.id)
        ref, child_id = child.ref, child.id
    sent = tmp_path / "sent"
    sent.mkdir()
    referral_pw = worker.export(ref, "referral", sent / "referral.pdf")
    screening_pw = worker.export(ref, "screening", sent / "screening.pdf")
    intel_pw = worker.export(ref, "intelligence", sent / "intel.pdf", "--report", report.id)

    assert dsl.verify(sent / "intel.pdf", intel_pw)["kind"] == "intelligence"
    added = dsl.import_pack(sent / "intel.pdf", intel_pw)["added"]
    assert added == {"intel_report": 1}
    screened = dsl.import_pack(sent / "screening.pdf", screening_pw)
    assert screened["added"] == {"child": 1, "screening": 1}
    referral = dsl.import_pack(sent / "referral.pdf", referral_pw)
    assert referral["added"]["pathway_step"] == 5 and referral["conflicts"] == 0
    assert referral["unchanged"] == 2  # the child and the screening came in the screening pack

    win = app(dsl)
    queue = win.parts.dsl.queue
    queue.reload()
    qtbot.waitUntil(lambda: any(i.child_id == child_id for i in queue.items()), timeout=5000)
    waiting = [i for i in queue.items() if i.child_id == child_id and i.kind == "signoff"]
    assert len(waiting) == 1

    # The DSL reads the child's chronology: imported entries, in time order, saying whence.
    assert win.show_child(child_id), fake_dialogs.texts()
    model = win.child_page.chronology.model
    items = [model.item_at(r) for r in range(model.rowCount())]
    assert [i.at for i in items] == sorted(i.at for i in items)
    assert {i.kind for i in items} >= {"note", "screening", "step"}
    by_col = model.columnCount() - 1
    assert all(
        "(imported, pack" in model.index(r, by_col).data()
        for r in range(model.rowCount())
        if items[r].kind != "intelligence"
    )

    # Sign-off from the queue: the item leaves the queue on screen, with no lock and unlock,
    # and the child list and the audit trail show it too.
    win.show_page("dsl_queue")
    qtbot.waitUntil(lambda: queue.isVisible(), timeout=2000)
    row = next(
        r
        for r in range(queue.model.rowCount())
        if queue.model.index(r, 0).data(ITEM_ROLE).record_id == waiting[0].record_id
    )
    queue.table.selectRow(row)
    queue.sign_off_selected()
    dialog = queue.signoff_dialog
    dialog.choose("agree")
    dialog.submit()
    qtbot.waitUntil(
        lambda: not any(i.child_id == child_id and i.kind == "signoff" for i in queue.items()),
        timeout=5000,
    )
    audit = win.parts.dsl.audit
    win.show_page("dsl_audit")
    # The audit trail in words, the raw entry one click away; the stored entry has no text.
    said = f"Priya Natarajan signed off the screening for Mia Hartley ({ref}): agreed High"
    qtbot.waitUntil(
        lambda: any(audit.model.words(r) == said for r in range(audit.model.rowCount())),
        timeout=5000,
    )
    row = next(r for r in range(audit.model.rowCount()) if audit.model.words(r) == said)
    audit.table.selectRow(row)
    raw = audit.raw_entry.text()
    assert "action: signoff.agree" in raw and "reason: screening=" in raw
    assert "Mia" not in raw and "Hartley" not in raw
    imported = [
        audit.model.words(r)
        for r in range(audit.model.rowCount())
        if audit.model.row(r).action == "import.pack"
    ]
    assert (
        "Priya Natarajan imported a referral pack from Sam Okafor (9 records, 0 conflicts)"
        in imported
    ), imported

    case = dsl.case_show(ref)
    assert case["level"]["latest_screening"]["status"] == "signed_off"
    kinds = [e["kind"] for e in case["chronology"]]
    assert "screening" in kinds and kinds.count("step") == 5


def test_a_second_workers_pack_about_the_same_child_is_flagged(  # type: ignore[no-untyped-def]
    worker: Person, second_worker: Person, dsl: Person, tmp_path: Path
) -> None:
    with worker.vault() as vault:
        first = worker_case(vault, "Jade Wilson")
    with second_worker.vault() as vault:
        second = worker_case(vault, "Jade Wilson")  # the same girl, on another laptop
    a = worker.export(first.ref, "referral", tmp_path / "a.pdf")
    b = second_worker.export(second.ref, "referral", tmp_path / "b.pdf")
    dsl.import_pack(tmp_path / "a.pdf", a)
    alex = dsl.verify(tmp_path / "b.pdf", b)["signer_fingerprint"]  # compared with Alex
    done = dsl.run(
        "import-pack", str(tmp_path / "b.pdf"), "--expect-signer", alex, secrets=(b,)
    ).ok()
    assert first.ref in done.out and (
        f"may be the same child as {first.ref}" in done.out
        or "same name and date of birth is already here" in done.out
    ), done.out
    flagged = dsl.import_pack(tmp_path / "b.pdf", b)  # already imported: says so again
    assert flagged["already_imported"] is True
    cases = {c["ref"]: c for c in dsl.case_list()["cases"]}
    assert set(cases) == {first.ref, second.ref}
    shown = dsl.case_show(second.ref)
    assert shown["possible_duplicates"] == [first.ref]


def test_an_upgraded_workers_next_pack_completes_steps_an_older_pack_gave_as_words(  # type: ignore[no-untyped-def]
    dsl: Person, tmp_path: Path
) -> None:
    """Sam's laptop made the format 1 pack; after the upgrade it exports again (format 2, signed
    with Sam's own key now). Nothing merges silently: the records are held as conflicts; once
    Priya takes the pack's versions, the read-only steps are the steps Sam recorded."""
    import shutil

    from cse_toolkit.services import exchange

    pack = DATA / "referral-pack-format-1.pdf"
    meta = json.loads((DATA / "referral-pack-format-1.json").read_text())
    dsl.import_pack(pack, meta["password"])
    assert len(dsl.case_show(meta["ref"])["pathway"]["set_aside"]) == 5

    laptop = tmp_path / "laptop-sam"
    shutil.copytree(DATA / "laptop-format-1", laptop)
    sam = Person(laptop, "sam", "worker", "Sam Okafor")
    password = sam.export(meta["ref"], "referral", tmp_path / "again.pdf")
    again = dsl.import_pack(tmp_path / "again.pdf", password)
    assert again["added"] == {}
    if again["conflicts"]:  # a new signing key for the same vault: held for a DSL to decide
        with dsl.vault() as vault:
            for pending in exchange.pending_conflicts(vault):
                exchange.resolve_conflict(vault, pending.import_id, pending.record_id, "incoming")
    else:
        assert again["updated"].get("pathway_step") == 5, json.dumps(again)
    case = dsl.case_show(meta["ref"])
    assert case["pathway"]["set_aside"] == []
    assert case["pathway"]["current"]["id"] == "refer"
    assert [s["id"] for s in case["pathway"]["done"]] == [
        "concern",
        "danger_check",
        "screen",
        "discuss",
        "decide",
    ]
