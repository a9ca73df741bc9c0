"""The audit trail: append-only, hash-chained rows, and the chain head kept outside the file.

Each row's hash covers its fields and the previous row's hash, so editing, deleting, reordering
or inserting a row breaks the chain (``verify_chain``). Deleting the newest rows, or replacing the
whole file with an older copy, is caught by the signed chain head stored beside the key slots
(``chainhead.json``) and checked on every open.

(2) Every entry is also signed by the person who made it (``sig``: Ed25519 over the vault id and
the entry's hash, which covers the previous hash): deleting, editing or re-chaining another
person's entries leaves their signatures covering a chain that no longer exists.
``verify_authorship`` checks each signature against the signed user registry and each actor's
role at the time of the action.
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
    # (issue 22) the content hashes of the records this entry's change wrote (JSON, or "")
    content: str = ""


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
    content: str = "",
) -> str:
    fields: list[Any] = [
        seq,
        at,
        actor,
        action,
        record_type,
        record_id,
        record_version,
        reason,
        prev_hash,
    ]
    if content:  # entries written before records were bound keep their hashes
        fields.append(content)
    body = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def signed_message(vault_id: str, digest: str) -> bytes:
    return f"cse-toolkit/audit-entry/v1|{vault_id}|{digest}".encode()


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
    *,
    signer: Ed25519PrivateKey | None = None,
    content: str = "",
) -> ChainHead:
    """Append one row inside the caller's transaction; returns the new head.

    ``signer`` is the actor's own key; without it the entry is unsigned (only a session opened
    with the data key alone, which the app never does, writes such entries).
    """
    last = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (1, genesis_hash(vault_id)) if last is None else (last[0] + 1, last[1])
    digest = row_hash(
        seq, at, actor, action, record_type, record_id, record_version, reason, prev, content
    )
    sig = signer.sign(signed_message(vault_id, digest)).hex() if signer is not None else ""
    values = (seq, at, actor, action, record_type, record_id, record_version, reason, prev, digest)
    if content:
        conn.execute(
            "INSERT INTO audit (seq, at, actor, action, record_type, record_id, record_version,"
            " reason, prev_hash, hash, sig, content) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (*values, sig, content),
        )
    else:
        conn.execute(
            "INSERT INTO audit (seq, at, actor, action, record_type, record_id, record_version,"
            " reason, prev_hash, hash, sig) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (*values, sig),
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


def _content_column(conn: Any) -> str:
    """ ", content" once the vault is migrated (an unmigrated vault is checked before)."""
    names = {str(r[1]) for r in conn.execute("PRAGMA table_info(audit)").fetchall()}
    return ", content" if "content" in names else ""


def verify_chain(conn: Any, vault_id: str) -> tuple[int, list[str]]:
    """Recompute every hash; returns (rows checked, problems)."""
    problems: list[str] = []
    expected_prev = genesis_hash(vault_id)
    expected_seq = 1
    count = 0
    cursor = conn.execute(
        f"SELECT seq, at, actor, action, record_type, record_id, record_version, reason,"
        f" prev_hash, hash{_content_column(conn)} FROM audit ORDER BY seq"
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
            row.content,
        )
        if recomputed != row.hash:
            problems.append(f"row {row.seq}: its content was changed after it was written")
        expected_prev = row.hash
        expected_seq = row.seq + 1
        if len(problems) > 50:
            problems.append("... more problems not listed")
            break
    return count, problems


# -- (2) authorship ------------------------------------------------------------------------

# Actions only some roles may take, checked against the registry in force at the time.
ROLE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("signoff.", ("dsl",)),
    ("import.", ("dsl",)),
    ("registry.sign", ("admin",)),
    ("user.add", ("admin",)),
    ("user.role", ("admin",)),
    ("vault.restore", ("dsl", "admin")),
)


@dataclass
class Authorship:
    """What ``verify_authorship`` found: signed entries per person, and problems."""

    signed_by: dict[str, int]
    legacy: int
    awaiting_registry: int
    problems: list[str]
    registry_signed: bool
    recoveries: int = 0

    def report_lines(self) -> list[str]:
        out = [
            f"  {name}: {n} entr{'y' if n == 1 else 'ies'} signed"
            for name, n in sorted(self.signed_by.items())
        ]
        if self.legacy:
            out.append(
                f"  {self.legacy} entr{'y' if self.legacy == 1 else 'ies'} from before "
                "per-person keys (covered by the chain, not signed by a person)"
            )
        if self.recoveries:
            out.append(
                f"  {self.recoveries} unsigned entr{'y' if self.recoveries == 1 else 'ies'}"
                " from recoveries with the recovery key (no personal key is used)"
            )
        if self.awaiting_registry:
            out.append(
                f"  {self.awaiting_registry} entries signed with keys the admin has not "
                "yet confirmed in the user registry"
            )
        return out


def _key_pending(state: Any, name: str) -> bool:
    entry = state.current.get(name)
    return entry is not None and not entry.public_key


def verify_authorship(
    conn: Any, vault_id: str, state: Any, published: dict[str, str]
) -> Authorship:
    """Check every entry's signature against the user registry (``registry.RegistryState``)
    and every actor's role at the time of the action. ``published`` maps a user's name to the
    public key their slot publishes (used only while their registry entry has no key yet)."""
    from cse_toolkit.vault.registry import verify_sig

    signed: dict[str, int] = {}
    legacy = awaiting = recoveries = 0
    problems: list[str] = []
    legacy_until = state.legacy_until if state.signed else None
    cursor = conn.execute("SELECT seq, actor, action, hash, sig FROM audit ORDER BY seq")
    for seq, actor, action, digest, sig in cursor:
        if len(problems) > 50:
            problems.append("... more problems not listed")
            break
        if not sig:
            if legacy_until is None or seq <= legacy_until:
                legacy += 1
            elif action in ("vault.open", "passphrase.recover"):
                # A recovery with the vault's recovery key opens with the data key alone.
                recoveries += 1
            else:
                problems.append(f"entry {seq} ({action} by {actor}) is not signed by anyone")
            continue
        if not state.signed:
            awaiting += 1
            continue
        message = signed_message(vault_id, digest)
        if state.signed_by(actor, sig, message):
            signed[actor] = signed.get(actor, 0) + 1
        elif _key_pending(state, actor) and verify_sig(published.get(actor, ""), sig, message):
            awaiting += 1
        else:
            problems.append(f"entry {seq} ({action}) is not signed by {actor}'s registered key")
            continue
        in_force = state.in_force_at(seq)
        entry = in_force.get(actor)
        if entry is None:
            if not (action == "registry.sign" and seq == state.versions[0].at_seq + 1):
                problems.append(f"entry {seq} ({action}): {actor} was not a registered user then")
            continue
        for prefix, roles in ROLE_RULES:
            if action.startswith(prefix) and entry.role not in roles:
                first_signing = action == "registry.sign" and state.versions[0].at_seq + 1 == seq
                if not first_signing:
                    problems.append(
                        f"entry {seq} ({action}): {actor} was a {entry.role} then, "
                        f"not {' or '.join(roles)}"
                    )
                break
    return Authorship(signed, legacy, awaiting, problems, state.signed, recoveries)


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
