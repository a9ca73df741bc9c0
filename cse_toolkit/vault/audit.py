"""The audit trail: append-only, hash-chained rows, and the chain head kept outside the file.

Each row's hash covers its fields and the previous row's hash, so editing, deleting, reordering
or inserting a row breaks the chain (``verify_chain``). Deleting the newest rows, or replacing the
whole file with an older copy, is caught by the signed chain head stored beside the key slots
(``chainhead.json``) and checked on every open.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cse_toolkit.fsutil import atomic_write
from cse_toolkit.vault.errors import OlderCopyError

HEAD_FILE = "chainhead.json"


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: str
    actor: str
    action: str
    record_type: str
    record_id: str
    record_version: int | None
    reason: str
    prev_hash: str
    hash: str


def genesis_hash(vault_id: str) -> str:
    return hashlib.sha256(f"cse-toolkit/audit/genesis|{vault_id}".encode()).hexdigest()


def row_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    record_type: str,
    record_id: str,
    record_version: int | None,
    reason: str,
    prev_hash: str,
) -> str:
    body = json.dumps(
        [seq, at, actor, action, record_type, record_id, record_version, reason, prev_hash],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    conn: Any,
    vault_id: str,
    at: str,
    actor: str,
    action: str,
    record_type: str = "",
    record_id: str = "",
    record_version: int | None = None,
    reason: str = "",
) -> ChainHead:
    """Append one row inside the caller's transaction; returns the new head."""
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (1, genesis_hash(vault_id)) if last is None else (last[0] + 1, last[1])
    digest = row_hash(seq, at, actor, action, record_type, record_id, record_version, reason, prev)
    conn.execute(
        "INSERT INTO audit (seq, at, actor, action, record_type, record_id, record_version,"
        " reason, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (seq, at, actor, action, record_type, record_id, record_version, reason, prev, digest),
    )
    return ChainHead(seq, digest)


def head(conn: Any) -> ChainHead | None:
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else ChainHead(int(row[0]), str(row[1]))


def rows(conn: Any, limit: int | None = None, offset: int = 0) -> list[AuditRow]:
    sql = (
        "SELECT seq, at, actor, action, record_type, record_id, record_version, reason,"
        " prev_hash, hash FROM audit ORDER BY seq"
    )
    params: tuple[int, ...] = ()
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params = (limit, offset)
    return [AuditRow(*r) for r in conn.execute(sql, params).fetchall()]


def verify_chain(conn: Any, vault_id: str) -> tuple[int, list[str]]:
    """Recompute every hash; returns (rows checked, problems)."""
    problems: list[str] = []
    expected_prev = genesis_hash(vault_id)
    expected_seq = 1
    count = 0
    cursor = conn.execute(
        "SELECT seq, at, actor, action, record_type, record_id, record_version, reason,"
        " prev_hash, hash FROM audit ORDER BY seq"
    )
    for raw in cursor:
        row = AuditRow(*raw)
        count += 1
        if row.seq != expected_seq:
            problems.append(f"row {row.seq}: expected sequence {expected_seq} (a row is missing)")
        if row.prev_hash != expected_prev:
            problems.append(f"row {row.seq}: does not follow the previous row")
        recomputed = row_hash(
            row.seq,
            row.at,
            row.actor,
            row.action,
            row.record_type,
            row.record_id,
            row.record_version,
            row.reason,
            row.prev_hash,
        )
        if recomputed != row.hash:
            problems.append(f"row {row.seq}: its content was changed after it was written")
        expected_prev = row.hash
        expected_seq = row.seq + 1
        if len(problems) > 50:
            problems.append("... more problems not listed")
            break
    return count, problems


# -- the head kept outside the database --------------------------------------------------


def _head_payload(vault_id: str, head: ChainHead) -> bytes:
    return json.dumps(
        {"vault_id": vault_id, "seq": head.seq, "hash": head.hash},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("utf-8")


def write_head_file(folder: Path, vault_id: str, head: ChainHead, key: Ed25519PrivateKey) -> None:
    signature = key.sign(_head_payload(vault_id, head)).hex()
    data = {"vault_id": vault_id, "seq": head.seq, "hash": head.hash, "signature": signature}
    atomic_write(folder / HEAD_FILE, json.dumps(data, indent=2).encode(), "the audit chain head")


def read_head_file(folder: Path, vault_id: str, public_key: bytes) -> ChainHead | None:
    path = folder / HEAD_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_bytes()[:10_000])
        head = ChainHead(int(data["seq"]), str(data["hash"]))
        if data["vault_id"] != vault_id:
            raise ValueError("head belongs to another vault")
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            bytes.fromhex(data["signature"]), _head_payload(vault_id, head)
        )
    except (ValueError, KeyError, TypeError, InvalidSignature) as exc:
        raise OlderCopyError("the saved record of the latest state is not valid") from exc
    return head


def check_not_rolled_back(conn: Any, saved: ChainHead | None) -> None:
    """The database must contain the saved head: same hash at the same sequence number."""
    if saved is None:
        if head(conn) is not None:
            raise OlderCopyError("the record of the latest state is missing")
        return
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (saved.seq,)).fetchone()
    if row is None:
        current = head(conn)
        have = current.seq if current else 0
        raise OlderCopyError(f"it ends at audit entry {have}, the laptop last saw {saved.seq}")
    if row[0] != saved.hash:
        raise OlderCopyError(f"audit entry {saved.seq} differs from the one last seen")
