"""What went out in packs and what came in: the outbox, imports and their conflicts, the import
tracking that tells "unchanged here since" from "changed here", and the senders a DSL trusts.

The SQL of ``services.export``, ``services.merge``, ``services.conflicts`` and
``services.trust``: those modules hold the rules (never lower protection, conflicts for a person
to decide) and call these methods, inside their own ``Vault.write()`` where they write. Records
a pack brings go in through the row writers of ``vault.rows``, by table name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from cse_toolkit.vault import rows
from cse_toolkit.vault.imports_audit import import_entry

if TYPE_CHECKING:
    from cse_toolkit.vault.registry import RegistryState


class Store(Protocol):
    """What this repository needs of the open vault (``vault.vault.Vault`` fits), so it never
    imports the vault itself."""

    @property
    def conn(self) -> Any: ...

    @property
    def vault_id(self) -> str: ...

    @property
    def registry(self) -> RegistryState: ...

    def now_iso(self) -> str: ...


@dataclass(frozen=True)
class Tracked:
    """The last import of one record: the version that arrived, the local version it became,
    the hash of what arrived, the hash of its data here after the import ("" before the hash
    was kept) and the sender's key."""

    version: int
    local_version: int
    content_hash: str
    local_data_hash: str
    signer: str


@dataclass(frozen=True)
class ImportRow:
    id: str
    pack_id: str
    imported_at: str
    signer: str
    conflicts: str  # JSON, as stored
    summary: str  # JSON, as stored


@dataclass(frozen=True)
class TrustRow:
    public_key: str
    fingerprint: str
    sender: str
    decided_by: str
    decided_at: str
    how: str
    signed_by: str
    sig: str


@dataclass(frozen=True)
class ExportRow:
    id: str
    pack_id: str
    kind: str
    child_id: str | None
    report_id: str | None
    recipient: str
    file_name: str
    state: str
    recipient_ref: str
    created_at: str
    sent_at: str | None
    acknowledged_at: str | None
    password_kept: int = 0  # issue 14: 1 while a sealed pack password is kept


_EXPORT_COLS = (
    "id, pack_id, kind, child_id, report_id, recipient, file_name, state, recipient_ref,"
    " created_at, sent_at, acknowledged_at, kept_password != ''"
)
_EXPORT_STAMPS = {"sent": "sent_at", "acknowledged": "acknowledged_at"}


class ExchangeRepository:
    def __init__(self, vault: Store) -> None:
        self._v = vault

    @property
    def _c(self) -> Any:
        return self._v.conn

    # -- a pack's records, by the table they live in (vault.rows) ---------------------------
    def _table(self, table: str) -> rows.Table:
        try:
            return rows.RECORD_TABLES[table]
        except KeyError:
            raise ValueError(f"not a record table: {table}") from None

    def exists(self, table: str, record_id: str) -> bool:
        return self._table(table).exists(self._c, record_id)

    def child_of(self, table: str, record_id: str) -> str | None:
        return self._table(table).child_of(self._c, record_id)

    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        self._table(table).insert(self._c, [row])

    def update(self, table: str, record_id: str, values: Mapping[str, Any]) -> None:
        self._table(table).update(self._c, record_id, values)

    def delete(self, table: str, record_id: str) -> None:
        self._table(table).delete(self._c, record_id)

    # -- children, as the merge policy needs them ------------------------------------------
    def child_origin_level(self, child_id: str) -> tuple[str, str | None, str | None] | None:
        """(origin, confirmed level, level tool) of a child here, or None."""
        row = self._c.execute(
            "SELECT origin, confirmed_level, level_tool FROM children WHERE id = ?", (child_id,)
        ).fetchone()
        return None if row is None else (str(row[0]), row[1], row[2])

    def child_level(self, child_id: str) -> tuple[str | None, str | None, str] | None:
        """(confirmed level, level tool, who signed it) of a child here, or None."""
        row = self._c.execute(
            "SELECT confirmed_level, level_tool, level_signer FROM children WHERE id = ?",
            (child_id,),
        ).fetchone()
        return None if row is None else (row[0], row[1], str(row[2]))

    def same_name_and_dob(self, child_id: str) -> list[str]:
        """Refs of other children with the name and date of birth of ``child_id`` (at most
        five; none when it has no name or no date of birth)."""
        row = self._c.execute("SELECT name, dob FROM children WHERE id = ?", (child_id,)).fetchone()
        if row is None or not str(row[0] or "").strip() or not row[1]:
            return []
        return [
            str(r[0])
            for r in self._c.execute(
                "SELECT ref FROM children WHERE id != ? AND lower(trim(name)) = lower(trim(?))"
                " AND dob = ? ORDER BY ref LIMIT 5",
                (child_id, row[0], row[1]),
            ).fetchall()
        ]

    def decided_here(self, screening_id: str) -> bool:
        """A screening a DSL of this vault signed off or returned."""
        return (
            self._c.execute(
                "SELECT 1 FROM signoffs WHERE screening_id = ? LIMIT 1", (screening_id,)
            ).fetchone()
            is not None
        )

    # -- import tracking ---------------------------------------------------------------------
    def tracked(self, record_id: str) -> Tracked | None:
        row = self._c.execute(
            "SELECT version, local_version, content_hash, local_data_hash, signer"
            " FROM import_records WHERE record_id = ?",
            (record_id,),
        ).fetchone()
        if row is None:
            return None
        return Tracked(int(row[0]), int(row[1]), str(row[2]), str(row[3] or ""), str(row[4]))

    def track(
        self,
        record_id: str,
        record_type: str,
        version: int,
        local_version: int,
        content_hash: str,
        pack_id: str,
        signer: str,
        local_data_hash: str,
    ) -> None:
        """Inside a write: which version of a record arrived and which local version it
        became (the first sender's key is kept)."""
        self._c.execute(
            "INSERT INTO import_records (record_id, record_type, version, local_version,"
            " content_hash, pack_id, signer, imported_at, local_data_hash)"
            " VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(record_id) DO UPDATE SET version = excluded.version,"
            " local_version = excluded.local_version, content_hash = excluded.content_hash,"
            " pack_id = excluded.pack_id, imported_at = excluded.imported_at,"
            " local_data_hash = excluded.local_data_hash",
            (
                record_id,
                record_type,
                version,
                local_version,
                content_hash,
                pack_id,
                signer,
                self._v.now_iso(),
                local_data_hash,
            ),
        )

    # -- imports -----------------------------------------------------------------------------
    def pack_imported(self, pack_id: str) -> bool:
        return (
            self._c.execute("SELECT 1 FROM imports WHERE pack_id = ?", (pack_id,)).fetchone()
            is not None
        )

    def add_import(self, row: Mapping[str, Any]) -> None:
        """Inside a write: the import of one pack, with its summary and conflicts (JSON)."""
        rows.IMPORTS.insert(self._c, [row])

    def get_import(self, import_id: str) -> ImportRow | None:
        row = self._c.execute(
            "SELECT id, pack_id, imported_at, signer, conflicts, summary FROM imports WHERE id = ?",
            (import_id,),
        ).fetchone()
        return None if row is None else ImportRow(*row)

    def unresolved_imports(self) -> list[ImportRow]:
        """Imports with a conflict no one has decided yet, oldest first."""
        return [
            ImportRow(*r)
            for r in self._c.execute(
                "SELECT id, pack_id, imported_at, signer, conflicts, summary FROM imports"
                " WHERE resolved = 0 ORDER BY imported_at, rowid"
            ).fetchall()
        ]

    def set_import_conflicts(self, import_id: str, conflicts: str, resolved: bool) -> None:
        """Inside a write: the import's conflicts with their decisions (JSON)."""
        rows.IMPORTS.update(self._c, import_id, {"conflicts": conflicts, "resolved": int(resolved)})

    def signed_import_entry(self, import_id: str) -> tuple[int, str, str] | None:
        """The ``import.pack`` audit entry of ``import_id`` as (seq, actor, reason), if it is
        there, unchanged and signed by its actor's registered key."""
        return import_entry(self._c, self._v.vault_id, self._v.registry, import_id)

    # -- senders a DSL trusts ------------------------------------------------------------------
    def trust_row(self, public_key: str) -> TrustRow | None:
        row = self._c.execute(
            "SELECT public_key, fingerprint, sender, decided_by, decided_at, how, signed_by, sig"
            " FROM trusted_signers WHERE public_key = ?",
            (public_key,),
        ).fetchone()
        return None if row is None else TrustRow(*row)

    def trusted(self) -> list[TrustRow]:
        return [
            TrustRow(*r)
            for r in self._c.execute(
                "SELECT public_key, fingerprint, sender, decided_by, decided_at, how, signed_by, sig"
                " FROM trusted_signers ORDER BY decided_at"
            ).fetchall()
        ]

    def set_trusted(self, row: TrustRow) -> None:
        """Inside a write: a DSL's (signed) decision about a sender's key."""
        self._c.execute(
            "INSERT OR REPLACE INTO trusted_signers (public_key, fingerprint, sender, decided_by,"
            " decided_at, how, signed_by, sig) VALUES (?,?,?,?,?,?,?,?)",
            (
                row.public_key,
                row.fingerprint,
                row.sender,
                row.decided_by,
                row.decided_at,
                row.how,
                row.signed_by,
                row.sig,
            ),
        )

    # -- the outbox --------------------------------------------------------------------------
    def add_export(self, row: Mapping[str, Any]) -> None:
        """Inside a write: a pack written to a file, as the outbox shows it."""
        rows.EXPORTS.insert(self._c, [row])

    def exports(self, created_by: str | None = None, state: str | None = None) -> list[ExportRow]:
        """Outbox entries, newest first: all, or one person's, in one state or any."""
        sql = f"SELECT {_EXPORT_COLS} FROM exports"
        where: list[str] = []
        params: list[Any] = []
        if created_by is not None:
            where.append("created_by = ?")
            params.append(created_by)
        if state:
            where.append("state = ?")
            params.append(state)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [
            ExportRow(*r)
            for r in self._c.execute(sql + " ORDER BY created_at DESC", tuple(params)).fetchall()
        ]

    def export_state(self, export_id: str) -> tuple[str, int, str] | None:
        """(state, version, created_by) of an outbox entry, or None."""
        row = self._c.execute(
            "SELECT state, version, created_by FROM exports WHERE id = ?", (export_id,)
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), str(row[2]))

    def move_export(self, export_id: str, state: str, recipient_ref: str = "") -> None:
        """Inside a write: an outbox entry marked ``sent`` or ``acknowledged`` (with the time,
        and the recipient's reference when one is given), its version one up."""
        now = self._v.now_iso()
        # Issue 14: the kept pack password is erased as soon as the pack is marked sent.
        values: dict[str, Any] = {"state": state, _EXPORT_STAMPS[state]: now, "kept_password": ""}
        if recipient_ref:
            values["recipient_ref"] = recipient_ref
        values["updated_at"] = now
        rows.EXPORTS.update(self._c, export_id, values, bump=True)

    def kept_password(self, export_id: str) -> str:
        """The sealed pack password kept in an outbox entry ("" when none is kept)."""
        row = self._c.execute(
            "SELECT kept_password FROM exports WHERE id = ?", (export_id,)
        ).fetchone()
        return "" if row is None else str(row[0])

    def export_ids_starting(self, prefix: str) -> list[str]:
        """Ids of outbox entries that start with ``prefix`` (the command line's short ids)."""
        return [
            str(r[0])
            for r in self._c.execute(
                "SELECT id FROM exports WHERE id LIKE ?", (prefix + "%",)
            ).fetchall()
        ]
