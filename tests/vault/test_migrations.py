"""Schema migrations: backup first, data intact; a failing migration changes nothing."""

from __future__ import annotations

import pytest
from helpers.vaults import PASSPHRASE, dek_of, raw_connect

from cse_toolkit.vault import audit, schema
from cse_toolkit.vault.vault import Vault


def _add_column(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute("ALTER TABLE children ADD COLUMN nickname TEXT NOT NULL DEFAULT ''")


def _broken(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute("ALTER TABLE children ADD COLUMN half_done TEXT")
    raise RuntimeError("migration bug")


def test_migration_backs_up_then_migrates(vault, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    child = vault.repos.add_child(name="Kept", approx_age=14)
    vault.close()
    folder = vault.folder
    base = schema.LATEST  # the migrations in this release, then one more
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, _add_column])
    monkeypatch.setattr(schema, "LATEST", len(schema.MIGRATIONS))
    with Vault.open(folder, "sam", PASSPHRASE) as opened:
        assert opened.conn.execute("PRAGMA user_version").fetchone()[0] == base + 1
        assert opened.repos.get_child(child.id).name == "Kept"
        assert opened.conn.execute("SELECT nickname FROM children").fetchone()[0] == ""
        assert audit.verify_chain(opened.conn, opened.vault_id)[1] == []
    backup = folder / "backups" / f"before-migration-v{base}-to-v{base + 1}.db"
    assert backup.exists() and (backup.stat().st_mode & 0o077) == 0
    assert (folder / "backups").stat().st_mode & 0o777 == 0o700
    assert b"Kept" not in backup.read_bytes()  # still encrypted
    copy = folder.parent / "from-backup"
    copy.mkdir(mode=0o700)
    (copy / "vault.db").write_bytes(backup.read_bytes())
    conn = raw_connect(copy, dek_of(folder))
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == base
        assert conn.execute("SELECT name FROM children").fetchone()[0] == "Kept"
    finally:
        conn.close()


def test_failing_migration_changes_nothing(vault, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    vault.repos.add_child(name="Kept")
    vault.close()
    base = schema.LATEST
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, _broken])
    monkeypatch.setattr(schema, "LATEST", base + 1)
    with pytest.raises(RuntimeError, match="migration bug"):
        Vault.open(vault.folder, "sam", PASSPHRASE)
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:base])
    monkeypatch.setattr(schema, "LATEST", base)
    with Vault.open(vault.folder, "sam", PASSPHRASE) as opened:
        assert opened.conn.execute("PRAGMA user_version").fetchone()[0] == base
        cols = [r[1] for r in opened.conn.execute("PRAGMA table_info(children)")]
        assert "half_done" not in cols
        assert [c.name for c in opened.repos.list_children()] == ["Kept"]
