"""The row writers: the one place each record table is written.

Local saves (``vault.repos``, ``vault.intel``), bulk demo loading (``vault.bulk``) and imports
(``vault.exchange``, for ``services.merge``) all insert, update and delete records through the
``Table`` of the record's table here, so a table's columns are spelled once and a writer can
only name columns the table has.

``children.confirmed_level`` (with the tool, the signer and the signature that go with it) is
not a column any ``Table`` writes: ``set_levels`` is its one writer (``sign_level`` only signs
a level already there again).

Every function runs inside the caller's ``Vault.write()``: none opens a transaction of its own.

(issue 22) Every record a ``Table`` writes is bound to the audit trail: the writers note the
records they touch on the connection (``touch``), and the next audit entry of the transaction
(``Vault.audit``; a ``record.bind`` entry at commit if none followed) stores each record's
content hash (``bind``). ``vault/integrity.py`` checks every record against its newest binding
when the vault opens. A new ``Table`` is bound with no extra code: it is registered here when
it is made (``BOUND``), by its record type (``record_type``, else its name without the plural).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cse_toolkit.core.safetext import unstorable
from cse_toolkit.errors import UserError

_RECORD = ("id", "version", "origin", "created_at", "created_by", "updated_at")


@dataclass(frozen=True)
class Table:
    """A record table: its name and the columns a writer may set (``id`` first)."""

    name: str
    columns: tuple[str, ...]
    # The audit entries' record_type for this table's rows ("" = the name without its "s").
    record_type: str = ""

    def __post_init__(self) -> None:
        if not self.record_type:
            object.__setattr__(self, "record_type", _singular(self.name))
        if self.columns and self.columns[0] == "id":
            BOUND[self.record_type] = self
            BOUND_BY_TABLE[self.name] = self

    def _check(self, names: Iterable[str]) -> None:
        unknown = set(names) - set(self.columns)
        if unknown:
            raise ValueError(f"{self.name} has no writable columns {sorted(unknown)}")

    def _check_text(self, row: Mapping[str, Any]) -> None:
        """Text SQLite cannot take (an unpaired surrogate) or nobody should read back (a NUL)
        is refused, naming the column, before any statement runs (issue 22 item 6)."""
        for name, value in row.items():
            if isinstance(value, str) and (problem := unstorable(value)):
                raise UserError(
                    f"The {name.replace('_', ' ')} contains {problem}, which cannot be saved. "
                    "Remove it (it often comes from pasting) and try again."
                )

    def insert(self, conn: Any, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (column -> value); columns left out keep the table's defaults.

        Rows with the same columns go in as one ``executemany`` (bulk loading), in order.
        """
        start = 0
        while start < len(rows):
            names = tuple(rows[start])
            self._check(names)
            end = start + 1
            while end < len(rows) and tuple(rows[end]) == names:
                end += 1
            for row in rows[start:end]:
                self._check_text(row)
            conn.executemany(
                f"INSERT INTO {self.name} ({', '.join(names)})"
                f" VALUES ({', '.join('?' * len(names))})",
                [tuple(row[n] for n in names) for row in rows[start:end]],
            )
            if "id" in names:
                touch(conn, self.name, [str(row["id"]) for row in rows[start:end]])
            start = end

    def update(
        self, conn: Any, record_id: str, values: Mapping[str, Any], *, bump: bool = False
    ) -> None:
        """Set ``values`` on one record; ``bump`` adds one to its version as well."""
        self._check(values)
        self._check_text(values)
        sets = [f"{name} = ?" for name in values]
        if bump:
            sets.append("version = version + 1")
        conn.execute(
            f"UPDATE {self.name} SET {', '.join(sets)} WHERE id = ?",
            (*values.values(), record_id),
        )
        touch(conn, self.name, [record_id])

    def delete(self, conn: Any, record_id: str) -> None:
        conn.execute(f"DELETE FROM {self.name} WHERE id = ?", (record_id,))
        touch(conn, self.name, [record_id])

    def exists(self, conn: Any, record_id: str) -> bool:
        found = conn.execute(f"SELECT 1 FROM {self.name} WHERE id = ?", (record_id,)).fetchone()
        return found is not None

    def child_of(self, conn: Any, record_id: str) -> str | None:
        """The child a record belongs to (tables with a ``child_id`` column)."""
        row = conn.execute(
            f"SELECT child_id FROM {self.name} WHERE id = ?", (record_id,)
        ).fetchone()
        return None if row is None else str(row[0])


# What a user edits on a child (the levels are written only by ``set_levels``).
CHILD_FIELDS = (
    "name",
    "alias",
    "dob",
    "approx_age",
    "approx_age_on",
    "gender",
    "ethnicity",
    "school",
    "address",
    "household",
    "parental_responsibility",
    "learning_disability",
    "additional_needs",
    "details",
    "status",
)

# -- (issue 22) records bound to the audit trail ----------------------------------------------

# Record type -> table, and table name -> table, for every Table with an ``id`` column.
BOUND: dict[str, Table] = {}
BOUND_BY_TABLE: dict[str, Table] = {}
# The content hash of a record that is gone (deleted through its Table).
GONE = "gone"


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def touch(conn: Any, table: str, ids: Iterable[str]) -> None:
    """Note records written in this transaction (bound by the next audit entry)."""
    touched = getattr(conn, "touched", None)
    if touched is None:
        return
    for record_id in ids:
        touched[(table, record_id)] = None


def reset_touched(conn: Any) -> None:
    """At the start and the end of a transaction (a rolled-back write binds nothing)."""
    try:
        conn.touched = {}
    except AttributeError:  # a connection type without attributes (never the vault's)
        pass


def pending_touched(conn: Any) -> bool:
    return bool(getattr(conn, "touched", None))


def content_hash(conn: Any, table: Table, record_id: str, columns: int | None = None) -> str:
    """``"N:sha256"`` over the record's first N columns (all of them when binding): columns a
    later migration appends are covered from the record's next write, not counted against it."""
    cursor = conn.execute(f"SELECT * FROM {table.name} WHERE id = ?", (record_id,))
    row = cursor.fetchone()
    if row is None:
        return GONE
    return row_digest(tuple(row), columns)


def row_digest(row: tuple[Any, ...], columns: int | None = None) -> str:
    """Each value with its type and length, so no two rows hash alike by running together."""
    count = len(row) if columns is None else min(columns, len(row))
    digest = hashlib.sha256()
    for value in row[:count]:
        if value is None:
            digest.update(b"n;")
        elif isinstance(value, str):
            raw = value.encode("utf-8", "surrogatepass")
            digest.update(b"s%d:" % len(raw))
            digest.update(raw)
        elif isinstance(value, bytes | bytearray | memoryview):
            raw = bytes(value)
            digest.update(b"b%d:" % len(raw))
            digest.update(raw)
        elif isinstance(value, int):
            digest.update(b"i%d;" % value)
        else:
            digest.update(b"f" + repr(value).encode() + b";")
    return f"{count}:{digest.hexdigest()}"


def bind(conn: Any) -> str:
    """The audit entry's ``content``: each record a writer touched since the last binding ->
    its content hash now, as compact JSON keyed ``"table/id"``; "" when there is none."""
    keys: dict[tuple[str, str], None] = dict(getattr(conn, "touched", None) or {})
    if not keys:
        return ""
    reset_touched(conn)
    found = {
        f"{name}/{rid}": content_hash(conn, BOUND_BY_TABLE[name], rid)
        for name, rid in keys
        if name in BOUND_BY_TABLE
    }
    return json.dumps(found, sort_keys=True, separators=(",", ":")) if found else ""


CHILDREN = Table("children", (*_RECORD, "ref", "owner_id", *CHILD_FIELDS), "child")
NOTES = Table(
    "notes",
    (
        *_RECORD,
        "child_id",
        "author_id",
        "event_at",
        "place",
        "category",
        "source",
        "reported_by",
        "body",
    ),
)
SCREENINGS = Table(
    "screenings",
    (
        *_RECORD,
        "child_id",
        "tool_id",
        "tool_version",
        "screened_at",
        "input",
        "outcome",
        "suggested_level",
        "confirmed_level",
        "confirmed_by",
        "confirmed_at",
        "confirm_reason",
        "status",
    ),
)
PATHWAY_STEPS = Table(
    "pathway_steps",
    (*_RECORD, "child_id", "pathway_id", "step_id", "status", "event_at", "data", "reason"),
)
MISSING_EPISODES = Table(
    "missing_episodes",
    (
        *_RECORD,
        "child_id",
        "from_at",
        "to_at",
        "where_found",
        "return_interview",
        "notes",
        "reported_at",
        "police_ref",
        "returned_by",
    ),
)
INCIDENTS = Table(
    "incidents", (*_RECORD, "kind", "author_id", "event_at", "place", "body", "elsewhere")
)
# The links of an incident to its children (no record of their own: written with it).
INCIDENT_CHILDREN = Table("incident_children", ("incident_id", "child_id"))
ACTIONS = Table(
    "actions",
    (
        *_RECORD,
        "title",
        "assignee",
        "due_at",
        "child_id",
        "incident_id",
        "missing_id",
        "kind",
        "status",
        "done_at",
        "done_by",
        "done_note",
    ),
)
ATTACHMENTS = Table(
    "attachments",
    (
        *_RECORD,
        "child_id",
        "report_id",
        "media_type",
        "file_name",
        "caption",
        "taken_at",
        "added_by",
        "size",
        "sha256",
        "metadata_kept",
        "width",
        "height",
        "pages",
        "thumbnail",
        "content",
    ),
)
INTEL_REPORTS = Table("intel_reports", (*_RECORD, "ref", "title", "status", "learned_at", "body"))
EXPORTS = Table(
    "exports",
    (
        *_RECORD,
        "pack_id",
        "kind",
        "child_id",
        "report_id",
        "recipient",
        "file_name",
        "state",
        "recipient_ref",
        "sharing",
        "sent_at",
        "acknowledged_at",
        "kept_password",
    ),
)
IMPORTS = Table(
    "imports",
    (
        "id",
        "pack_id",
        "kind",
        "signer",
        "signer_audit_seq",
        "imported_at",
        "imported_by",
        "summary",
        "conflicts",
        "resolved",
    ),
)

# The tables a pack's records land in, by the name ``vault.exchange`` is given.
RECORD_TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        CHILDREN,
        NOTES,
        SCREENINGS,
        PATHWAY_STEPS,
        MISSING_EPISODES,
        INTEL_REPORTS,
        INCIDENTS,
        ACTIONS,
    )
}


@dataclass(frozen=True)
class Level:
    """A child's confirmed level as stored: the level, its tool, who set it and their
    signature over ``vault.level_message`` ("" when the vault has no personal keys yet)."""

    child_id: str
    level: str | None
    tool_id: str | None
    signer: str
    sig: str


def set_levels(conn: Any, levels: Sequence[Level], updated_at: str, *, bump: bool) -> None:
    """The one writer of ``children.confirmed_level``: the level, its tool and its signature
    always change together. ``bump`` adds one to the child's version (a level set on a saved
    child); bulk loading sets the level of children it has just inserted, without a bump."""
    conn.executemany(
        "UPDATE children SET confirmed_level = ?, level_tool = ?, level_signer = ?,"
        f" level_sig = ?, updated_at = ?{', version = version + 1' if bump else ''}"
        " WHERE id = ?",
        [(lv.level, lv.tool_id, lv.signer, lv.sig, updated_at, lv.child_id) for lv in levels],
    )
    touch(conn, "children", [lv.child_id for lv in levels])


def sign_level(conn: Any, child_id: str, signer: str, sig: str) -> None:
    """A level already here signed again, unchanged (levels set before per-person keys are
    vouched for at the first signing of the registry)."""
    conn.execute(
        "UPDATE children SET level_signer = ?, level_sig = ? WHERE id = ?",
        (signer, sig, child_id),
    )
    touch(conn, "children", [child_id])
