"""(issue 22) Every record checked against the newest audit entry that bound it.

SQLCipher's page HMAC catches a flipped bit but not an older copy of a page put back (a field
silently reverted, a note gone from a child's list), and a damaged overflow page can read back
as zeros. Each audited change stores its records' content hashes (``vault/rows.py`` ``bind``);
``record_problems`` reads the trail's bindings (newest per record) and every row of every bound
table once, when the vault opens, and names each record that differs:

* a record whose content is not what its newest binding says (an old page, zero-filled text);
* a record bound but missing (a page of the table put back from before it was written), unless
  a purge came after (a purge removes a child's records with one entry);
* a record bound as deleted that is there again.

Records never bound (written before this check existed, and not changed since) are "unbound":
they are not checked until their next write. The cost is one pass over the trail's bindings
and one over the record tables: measured in tests/reliability/test_splices.py.
"""

from __future__ import annotations

import json
from typing import Any

from cse_toolkit.vault import rows


def bindings(conn: Any) -> tuple[dict[tuple[str, str], tuple[int, str]], int]:
    """(table, id) -> (seq, hash) of the newest binding; and the newest purge's seq."""
    found: dict[tuple[str, str], tuple[int, str]] = {}
    last_purge = 0
    columns = {str(r[1]) for r in conn.execute("PRAGMA table_info(audit)").fetchall()}
    if "content" not in columns:
        return found, last_purge
    for seq, action, content in conn.execute(
        "SELECT seq, action, content FROM audit WHERE content != '' OR action = 'purge'"
        " ORDER BY seq"
    ).fetchall():
        if action == "purge":
            last_purge = int(seq)
        if not content:
            continue
        try:
            bound = json.loads(content)
        except ValueError:
            continue  # the chain check names an edited entry
        if not isinstance(bound, dict):
            continue
        for key, digest in bound.items():
            table, _, record_id = str(key).partition("/")
            found[(table, record_id)] = (int(seq), str(digest))
    return found, last_purge


def _existing_tables(conn: Any) -> set[str]:
    return {
        str(r[0])
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    }


def record_problems(conn: Any, limit: int = 20) -> tuple[int, list[str]]:
    """(records checked, problems) for every bound table."""
    expected, last_purge = bindings(conn)
    problems: list[str] = []
    checked = 0
    present = _existing_tables(conn)
    for table in rows.BOUND_BY_TABLE.values():
        if table.name not in present:
            continue
        seen: set[str] = set()
        for row in conn.execute(f"SELECT * FROM {table.name}").fetchall():
            record_id = str(row[0])
            seen.add(record_id)
            want = expected.get((table.name, record_id))
            if want is None:
                continue  # unbound
            checked += 1
            seq, digest = want
            if digest == rows.GONE:
                problems.append(
                    f"{table.record_type} {record_id[:8]} was deleted (entry {seq}) but is there "
                    "again"
                )
                continue
            count = _column_count(digest)
            if rows.row_digest(tuple(row), count) != digest:
                problems.append(
                    f"{table.record_type} {record_id[:8]} is not what entry {seq} recorded "
                    "(an older or damaged page, or an edit around the app)"
                )
        for (name, record_id), (seq, digest) in expected.items():
            if name != table.name or record_id in seen or digest == rows.GONE:
                continue
            if seq < last_purge:
                continue  # a purge after it removed the child's records
            checked += 1
            problems.append(
                f"{table.record_type} {record_id[:8]} recorded by entry {seq} is missing "
                "(an older or damaged page)"
            )
        if len(problems) >= limit:
            break
    if not problems:
        problems += index_problems(conn, present)
    return checked, problems[:limit]


def index_problems(conn: Any, present: set[str] | None = None) -> list[str]:
    """Every table's indexes and the notes' search index agree with the rows (an older index
    page makes a child's notes or drafts vanish from their list, or search miss them)."""
    from cse_toolkit.vault import db

    present = present if present is not None else _existing_tables(conn)
    found = [
        str(line)
        for (line,) in conn.execute("PRAGMA integrity_check(10)").fetchall()
        if line != "ok"
    ]
    if "notes_fts" in present:
        try:
            conn.execute("INSERT INTO notes_fts(notes_fts, rank) VALUES('integrity-check', 1)")
        except db.DatabaseError:
            found.append("the notes' search index does not match the notes")
    return found


def _column_count(digest: str) -> int | None:
    head, _, _ = digest.partition(":")
    return int(head) if head.isdigit() else None
