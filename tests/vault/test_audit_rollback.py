"""The audit trail is append-only and hash-chained; an older copy of the file is refused.

(tests/reliability/test_audit_tamper.py and test_rollback.py run the full case tables.)
"""

from __future__ import annotations

import json
import shutil

import pytest
from helpers.cli import cli
from helpers.vaults import PASSPHRASE, audit_rows, dek_of, snapshot, tamper_audit

from cse_toolkit.vault import audit, db
from cse_toolkit.vault.errors import OlderCopyError
from cse_toolkit.vault.vault import Vault


def test_triggers_refuse_update_and_delete(vault) -> None:  # type: ignore[no-untyped-def]
    vault.repos.add_child(name="A")
    for sql in ("UPDATE audit SET actor = 'x' WHERE seq = 1", "DELETE FROM audit WHERE seq = 1"):
        with pytest.raises(db.DatabaseError, match="append-only"):
            vault.conn.execute(sql)
    count, problems = audit.verify_chain(vault.conn, vault.vault_id)
    assert count >= 2 and problems == []


def test_every_change_is_audited_with_actor_and_record(vault) -> None:  # type: ignore[no-untyped-def]
    child = vault.repos.add_child(name="A")
    vault.repos.update_child(child.id, expected_version=1, school="S")
    vault.repos.get_child(child.id, log_view=True)
    rows = audit.rows(vault.conn)
    assert [(r.actor, r.action, r.record_id, r.record_version) for r in rows[-3:]] == [
        ("sam", "child.create", child.id, 1),
        ("sam", "child.update", child.id, 2),
        ("sam", "view", child.id, None),
    ]
    head = json.loads((vault.folder / "chainhead.json").read_text())
    assert (head["seq"], head["hash"]) == (rows[-1].seq, rows[-1].hash)


def test_edited_or_deleted_rows_fail_audit_verify(vault) -> None:  # type: ignore[no-untyped-def]
    for i in range(6):
        vault.repos.add_child(name=f"C{i}")
    vault.close()
    folder, dek = vault.folder, dek_of(vault.folder)
    run = cli("audit", "verify", "--data-dir", str(folder), stdin=PASSPHRASE + "\n")
    assert run.returncode == 0 and "Audit trail verified" in run.stdout, run.stderr
    tamper_audit(
        folder,
        dek,
        ("UPDATE audit SET actor = 'dee' WHERE seq = 3", ()),
        ("DELETE FROM audit WHERE seq = 5", ()),
    )
    run = cli("audit", "verify", "--data-dir", str(folder), stdin=PASSPHRASE + "\n")
    assert run.returncode == 1, run.stdout
    assert "row 3: its content was changed" in run.stdout
    assert "row 6: expected sequence 5" in run.stdout
    assert "does not verify" in run.stderr and "Traceback" not in run.stderr


def test_deleting_the_newest_row_is_caught_on_open(vault) -> None:  # type: ignore[no-untyped-def]
    vault.repos.add_child(name="A")
    vault.close()
    dek = dek_of(vault.folder)
    last = audit_rows(vault.folder, dek)[-1][0]
    tamper_audit(vault.folder, dek, ("DELETE FROM audit WHERE seq = ?", (last,)))
    with pytest.raises(OlderCopyError, match="older copy"):
        Vault.open(vault.folder, "sam", PASSPHRASE)


def test_older_copy_of_the_file_is_refused(vault, tmp_path) -> None:  # type: ignore[no-untyped-def]
    vault.repos.add_child(name="Before")
    vault.close()
    old = tmp_path / "old.db"
    shutil.copy2(vault.folder / db.DB_FILE, old)
    with Vault.open(vault.folder, "sam", PASSPHRASE) as opened:
        opened.repos.add_child(name="After")
    shutil.copy2(old, vault.folder / db.DB_FILE)
    before = snapshot(vault.folder)
    with pytest.raises(OlderCopyError) as err:
        Vault.open(vault.folder, "sam", PASSPHRASE)
    assert "replaced by an older copy" in str(err.value)
    assert snapshot(vault.folder) == before
    run = cli("audit", "verify", "--data-dir", str(vault.folder), stdin=PASSPHRASE + "\n")
    assert run.returncode == 1 and "older copy" in run.stderr and "Traceback" not in run.stderr


def test_missing_chain_head_is_refused(vault) -> None:  # type: ignore[no-untyped-def]
    vault.close()
    (vault.folder / "chainhead.json").unlink()
    with pytest.raises(OlderCopyError, match="missing"):
        Vault.open(vault.folder, "sam", PASSPHRASE)
