"""The worker-to-DSL journey as two people live it (issue 13): Sam records, screens, confirms
and exports a referral pack on his laptop; Priya verifies and imports it on hers, opens the child
in the app and reads what Sam recorded, step by step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.journey import Person, worker_case


def test_an_imported_child_opens_on_the_dsl_laptop_with_every_step(  # type: ignore[no-untyped-def]
    worker: Person, dsl: Person, app: Any, fake_dialogs, qtbot, tmp_path: Path
) -> None:
    with worker.vault() as vault:
        child = worker_case(vault)
        ref, child_id = child.ref, child.id
        local_steps = [(s.step, dict(s.data)) for s in vault.repos.engine_records(child.id)]
    assert [s for s, _ in local_steps] == ["concern", "danger_check", "screen", "discuss", "decide"]

    pack = tmp_path / "outbox" / "referral.pdf"
    pack.parent.mkdir()
    password = worker.export(ref, "referral", pack)

    checked = dsl.verify(pack, password)
    assert checked["valid"] is True and checked["kind"] == "referral"
    # A first pack from Sam's laptop is not imported until Priya has checked who signed it.
    unchecked = dsl.run("import-pack", str(pack), secrets=(password,))
    assert unchecked.code == 1 and checked["signer_fingerprint"] in unchecked.err
    imported = dsl.import_pack(pack, password)
    assert imported["added"]["pathway_step"] == 5
    assert imported["conflicts"] == 0

    win = app(dsl)
    assert win.show_child(child_id), fake_dialogs.texts()
    assert fake_dialogs.texts("error") == []
    page = win.child_page
    assert page.title_label.text() == "Jade Wilson"
    assert "level: High" in page.summary_label.text()
    tracker = win.parts.process_tab.tracker
    rows = {r[0]: r for r in tracker.rows()}
    for step in ("concern", "danger_check", "screen", "discuss", "decide"):
        assert rows[step][1] == "done", rows[step]
    assert rows["refer"][1] == "current"
    assert "by Sam Okafor (imported)" in rows["concern"][2], rows["concern"]
    # The imported screening reads through the same engine as a local one.
    win.parts.process_tab.view_outcome.click()
    assert win.parts.process_tab.current_activity() is win.parts.process_tab.outcome
    assert win.parts.process_tab.outcome.level_label.text() == "High"
    assert fake_dialogs.texts("error") == []

    # The DSL's vault holds Sam's steps with the fields he recorded, not a flattened summary.
    with dsl.vault() as vault:
        steps = [(s.step, dict(s.data)) for s in vault.repos.engine_records(child_id)]
        assert steps == local_steps
        state = vault.repos.case_state(child_id)
        assert state.current == "refer" and state.route == "refer" and state.level == "high"

    # The command line tells the same story.
    case = dsl.case_show(ref)
    assert case["ref"] == ref and case["record"]["name"] == "Jade Wilson"
    assert case["origin"]["kind"] == "imported" and case["origin"]["sender"] == "Sam Okafor"
    assert case["level"]["confirmed"] == "high" and case["level"]["suggested"] == "high"
    assert case["pathway"]["route"] == "refer" and case["pathway"]["set_aside"] == []
    assert [s["id"] for s in case["pathway"]["done"]] == [
        "concern",
        "danger_check",
        "screen",
        "discuss",
        "decide",
    ]
    assert case["next_step"]["id"] == "refer" and case["next_step"]["due_at"]
    kinds = [e["kind"] for e in case["chronology"]]
    assert kinds.count("step") == 5 and kinds.count("note") == 1 and "screening" in kinds
    for entry in case["chronology"]:
        assert entry["origin"]["kind"] == "imported", entry
        assert entry["origin"]["pack_id"] == checked["pack_id"]
        assert entry["author"] in ("Sam Okafor", "sam"), entry
    assert [e["at"] for e in case["chronology"]] == sorted(e["at"] for e in case["chronology"])
    listed = dsl.case_list()["cases"]
    assert [(c["ref"], c["confirmed_level"], c["next_step"]["id"]) for c in listed] == [
        (ref, "high", "refer")
    ]
    # On Sam's laptop the same case is local.
    mine = worker.case_show(ref)
    assert {e["origin"]["kind"] for e in mine["chronology"]} == {"local"}
    assert worker.run("case", "show", "NOPE-0000").code == 1
    assert case["urgency"]["flag"] == "new_high" and case["urgency"]["rank"] == 2
    assert listed[0]["urgency"]["needs_action_now"] is True
