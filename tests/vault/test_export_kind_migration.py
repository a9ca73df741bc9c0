"""The exports table is rebuilt to take chronology packs: rows, columns and indexes kept."""

from __future__ import annotations

import sqlite3

import pytest

from cse_toolkit.vault import schema


def test_rebuild_keeps_rows_and_indexes_and_widens_the_kinds() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("PRAGMA foreign_keys = ON")
    at = schema.MIGRATIONS.index(schema._export_kind_chronology)
    for migrate in schema.MIGRATIONS[:at]:
        try:
            migrate(conn)
        except sqlite3.OperationalError as exc:  # FTS5 may be missing from the stdlib build
            if "fts5" not in str(exc):
                raise
    conn.execute("CREATE INDEX exports_by_child ON exports(child_id)")  # another's index
    row = ("e1", "v", "t", "u", "t", "p1", "referral", None, None, "Front door")
    conn.execute(
        "INSERT INTO exports (id, origin, created_at, created_by, updated_at, pack_id, kind,"
        " child_id, report_id, recipient) VALUES (?,?,?,?,?,?,?,?,?,?)",
        row,
    )
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO exports (id, origin, created_at, created_by, updated_at, pack_id, kind,"
            " recipient) VALUES ('e2','v','t','u','t','p2','chronology','x')"
        )
    schema._export_kind_chronology(conn)
    schema._export_kind_chronology(conn)  # twice: nothing more to do
    conn.execute(
        "INSERT INTO exports (id, origin, created_at, created_by, updated_at, pack_id, kind,"
        " recipient) VALUES ('e2','v','t','u','t','p2','chronology','x')"
    )
    kept = conn.execute("SELECT id, kind, recipient, state FROM exports ORDER BY id").fetchall()
    assert kept == [
        ("e1", "referral", "Front door", "exported"),
        ("e2", "chronology", "x", "exported"),
    ]
    names = {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'exports'")
    }
    assert {"exports", "exports_state", "exports_by_child"} <= names
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO exports (id, origin, created_at, created_by, updated_at, pack_id, kind,"
            " recipient) VALUES ('e3','v','t','u','t','p3','anything','x')"
        )
