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
    assert [s for s, _ in local_steps] == ["concern", "danger_check", "screen", "discuss",
                                           "decide"]

    pack = tmp_path / "outbox" / "referral.pdf"
    pack.parent.mkdir()
    password = worker.export(ref, "referral", pack)

    checked = dsl.verify(pack, password)
    assert checked["valid"] is True and checked["kind"] == "referral"
    imported = dsl.import_pack(pack, password)
    assert imported["added"]["pathway_step"] == 5
    assert imported["conflicts"] == 0

    win = app(dsl)
    assert win.show_child(child_id), fake_dialogs.texts()
    assert fake_dialogs.texts("error") == []
    page = win.child_page
    assert page.title_label.text() == "Jade Wilson"
    assert "level: High" in page.summary_label.text()
    tracker = win.process_tab.tracker
    rows = {r[0]: r for r in tracker.rows()}
    for step in ("concern", "danger_check", "screen", "discuss", "decide"):
        assert rows[step][1] == "done", rows[step]
    assert rows["refer"][1] == "current"
    assert "by Sam Okafor (imported)" in rows["concern"][2], rows["concern"]

    # The DSL's vault holds Sam's steps with the fields he recorded, not a flattened summary.
    with dsl.vault() as vault:
        steps = [(s.step, dict(s.data)) for s in vault.repos.engine_records(child_id)]
        assert steps == local_steps
        state = vault.repos.case_state(child_id)
        assert state.current == "refer" and state.route == "refer" and state.level == "high"
