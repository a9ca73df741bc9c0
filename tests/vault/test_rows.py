"""The row writers of ``vault/rows.py``: one writer per record table, and a child's level
written from one place only."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from cse_toolkit.vault import rows, schema

PACKAGE = Path(__file__).resolve().parents[2] / "cse_toolkit"


def _db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for migrate in schema.MIGRATIONS:
        try:
            migrate(conn)
        except sqlite3.OperationalError as exc:  # FTS5 may be missing from the stdlib build
            if "fts5" not in str(exc):
                raise
    return conn


def _child(child_id: str, **extra: object) -> dict[str, object]:
    return {
        "id": child_id,
        "origin": "v",
        "created_at": "t0",
        "created_by": "u",
        "updated_at": "t0",
        "ref": child_id.upper(),
        "owner_id": "u",
        **extra,
    }


def test_a_writer_names_only_its_tables_columns_and_never_the_level() -> None:
    for column in ("confirmed_level", "level_tool", "level_signer", "level_sig", "nonsense"):
        with pytest.raises(ValueError, match=column):
            rows.CHILDREN.insert(None, [_child("a", **{column: "high"})])
        with pytest.raises(ValueError, match=column):
            rows.CHILDREN.update(None, "a", {column: "high"})


def test_rows_with_different_columns_go_in_as_written_and_levels_from_one_writer() -> None:
    conn = _db()
    rows.CHILDREN.insert(
        conn, [_child("a", name="Ann"), _child("b", name="Bo"), _child("c", approx_age=14)]
    )
    got = conn.execute("SELECT id, name, approx_age, version FROM children ORDER BY id").fetchall()
    assert got == [("a", "Ann", None, 1), ("b", "Bo", None, 1), ("c", "", 14, 1)]
    rows.CHILDREN.update(conn, "a", {"name": "Anne", "updated_at": "t1"}, bump=True)
    rows.set_levels(conn, [rows.Level("b", "high", "tool", "dee", "sig")], "t2", bump=False)
    rows.set_levels(conn, [rows.Level("c", "low", "tool", "", "")], "t3", bump=True)
    got = conn.execute(
        "SELECT id, name, version, confirmed_level, level_tool, level_signer, level_sig,"
        " updated_at FROM children ORDER BY id"
    ).fetchall()
    assert got == [
        ("a", "Anne", 2, None, None, "", "", "t1"),
        ("b", "Bo", 1, "high", "tool", "dee", "sig", "t2"),
        ("c", "", 2, "low", "tool", "", "", "t3"),
    ]


def test_only_the_row_writers_write_a_childs_row() -> None:
    """Local saves, demo loading and imports all write children through ``vault/rows.py``, so
    ``children.confirmed_level`` has one writer."""
    writes = re.compile(r"(INSERT(\s+OR\s+\w+)?\s+INTO|UPDATE)\s+children\b", re.IGNORECASE)
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "vault" / "rows.py" and writes.search(path.read_text("utf-8"))
    ]
    assert offenders == []
