"""The import dialog (DSL): choose, check (the summary), import (the report), conflicts shown
with both versions, errors in plain words, and workers refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from cse_toolkit.gui.exchange.import_dialog import ImportPackDialog, record_text
from cse_toolkit.services import exchange


@pytest.fixture
def packs(vault_factory: Any, tmp_path: Path) -> dict[str, Any]:
    worker = vault_factory(user="sam", role="worker", display_name="Sam Okafor")
    dsl = vault_factory(user="priya", role="dsl", display_name="Priya Natarajan")
    child = worker.repos.add_child(name="Ruby Clarke", approx_age=14, school="Brookside School")
    worker.repos.add_note(child.id, "Seen at the bus station at 21:40.", worker.now())

    def export(name: str) -> tuple[Path, str]:
        pack = exchange.build_pack(
            worker,
            "referral",
            child_id=child.id,
            sharing=exchange.SharingChoice(
                consent_sought=True, consent_given=True, who_consented="Mother"
            ),
        )
        done = exchange.export(worker, pack, tmp_path / name)
        return done.result.path, done.result.password

    return {"worker": worker, "dsl": dsl, "child": child, "export": export}


def _open(qtbot: Any, vault: Any) -> ImportPackDialog:
    dialog = ImportPackDialog(vault)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _check_and_import(
    qtbot: Any, dialog: ImportPackDialog, path: Path, password: str, monkeypatch: Any
) -> None:
    monkeypatch.setattr("cse_toolkit.gui.common.dialogs.open_file", lambda *a, **k: path)
    dialog.choose_button.click()
    assert dialog.file_edit.text() == str(path)
    assert dialog.password_edit.hasFocus() or dialog.focusWidget() is dialog.password_edit
    qtbot.keyClicks(dialog.password_edit, password)
    with qtbot.waitSignal(dialog.verified, timeout=10000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.current_page() is dialog.summary_page
    if dialog.trust_box.isVisibleTo(dialog):
        dialog.compared_box.setChecked(True)  # compared with the sender on the phone
    with qtbot.waitSignal(dialog.imported, timeout=10000):
        qtbot.keyClick(dialog.next_button, Qt.Key.Key_Return)
    assert dialog.current_page() is dialog.report_page


def test_summary_then_report(
    qtbot: Any, packs: dict[str, Any], monkeypatch: Any, fake_dialogs: Any
) -> None:
    path, password = packs["export"]("one.pdf")
    dialog = _open(qtbot, packs["dsl"])
    monkeypatch.setattr("cse_toolkit.gui.common.dialogs.open_file", lambda *a, **k: path)
    dialog.choose_button.click()
    qtbot.keyClicks(dialog.password_edit, password)
    with qtbot.waitSignal(dialog.verified, timeout=10000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    fields = {k: v.text() for k, v in dialog.summary_fields.items()}
    assert fields["kind"] == "Referral"
    assert fields["sender"] == "Sam Okafor"
    assert fields["organisation"] == "Not recorded"  # no policy, no My details: no placeholder
    assert fields["signer"] == exchange.verify(path, password).signer_fingerprint
    assert fields["records"] == "1 child, 1 note, 1 referral"
    assert fields["created"]
    # Nothing imported before the DSL says so, and a first signer needs its key confirmed.
    assert packs["dsl"].conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert dialog.trust_box.isVisible()
    qtbot.keyClick(dialog.next_button, Qt.Key.Key_Return)
    assert fake_dialogs.shown[-1][:2] == ("warning", "Confirm the sender's key first")
    assert dialog.fingerprint_edit.hasFocus()
    qtbot.keyClicks(dialog.fingerprint_edit, "0000 1111 2222 3333")
    qtbot.keyClick(dialog.next_button, Qt.Key.Key_Return)
    assert fake_dialogs.shown[-1][:2] == ("error", "The fingerprint does not match")
    assert packs["dsl"].conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    dialog.fingerprint_edit.clear()
    qtbot.keyClicks(dialog.fingerprint_edit, fields["signer"].upper().replace(" ", "-"))
    with qtbot.waitSignal(dialog.imported, timeout=10000):
        qtbot.keyClick(dialog.next_button, Qt.Key.Key_Return)
    text = dialog.report_label.text()
    assert "Added: 1 child, 1 note" in text
    assert "Conflicts: 0" in text
    assert f"You confirmed the key {fields['signer']}" in text
    assert exchange.is_trusted(packs["dsl"], exchange.verify(path, password).signer_public_key)
    assert not dialog.conflicts_box.isVisible()
    assert dialog.close_button.text() == "&Close"


def test_wrong_password_is_explained(
    qtbot: Any, packs: dict[str, Any], monkeypatch: Any, fake_dialogs: Any
) -> None:
    path, _password = packs["export"]("one.pdf")
    dialog = _open(qtbot, packs["dsl"])
    dialog.file_edit.setText(str(path))
    dialog.password_edit.setText("not-the-right-one")
    dialog.go_next()
    qtbot.waitUntil(lambda: bool(fake_dialogs.shown), timeout=10000)
    kind, title, text = fake_dialogs.shown[-1]
    assert (kind, title) == ("error", "This pack cannot be used")
    assert text.startswith("The password is wrong.")
    assert dialog.current_page() is dialog.choose_page
    dialog.password_edit.clear()
    dialog.go_next()
    assert fake_dialogs.shown[-1][1] == "Password needed"


def test_conflict_lists_both_versions(qtbot: Any, packs: dict[str, Any], monkeypatch: Any) -> None:
    worker, dsl, child = packs["worker"], packs["dsl"], packs["child"]
    first, pw1 = packs["export"]("v1.pdf")
    exchange.import_pack(dsl, first, pw1, confirmed="compared")
    dsl.repos.update_child(child.id, school="Changed by the DSL")
    worker.repos.update_child(child.id, school="Changed by the worker")
    second, pw2 = packs["export"]("v2.pdf")
    dialog = _open(qtbot, dsl)
    _check_and_import(qtbot, dialog, second, pw2, monkeypatch)
    assert "Conflicts: 1" in dialog.report_label.text()
    assert dialog.conflicts_box.isVisible()
    assert dialog.conflict_list.count() == 1
    assert "changed here since it was imported" in dialog.conflict_list.item(0).text()
    assert "Changed by the DSL" in dialog.local_text.toPlainText()
    assert "Changed by the worker" in dialog.incoming_text.toPlainText()
    assert dialog.local_caption.text() == "Here (version 2)"
    assert dialog.incoming_caption.text() == "In the pack (version 2)"
    assert dsl.repos.get_child(child.id).school == "Changed by the DSL"  # nothing overwritten


def test_workers_cannot_import(qtbot: Any, packs: dict[str, Any]) -> None:
    dialog = _open(qtbot, packs["worker"])
    assert dialog.current_page() is dialog.refused_page
    assert not dialog.next_button.isVisible()


def test_record_text_is_readable() -> None:
    text = record_text(
        {
            "type": "note",
            "id": "n1",
            "version": 3,
            "data": {"text": "Seen", "source_detail": "", "tags": ["a", "b"], "nested": {"x": 1}},
        }
    )
    assert text.splitlines() == [
        "note n1, version 3",
        "text: Seen",
        "tags:",
        "  - a",
        "  - b",
        "nested:",
        "  x: 1",
    ]
    assert record_text(None) == "Not in this vault."
