"""The rollback anchor: how far this vault went, kept outside its folder.

Every file in the vault folder can be put back to an older copy by anyone with the laptop's
files (an old ``chainhead.json`` from a backup, a WAL truncated after a crash, an old
``keyslots.json`` after a passphrase change). So this laptop also keeps, in the operating
system's credential store (``platform/anchors.py``), one small value per vault folder:

    seq, hash   the newest audit entry this laptop saw committed
    commits     the vault's commit count (``meta.commits``, one per write transaction, so
                drafts and other unaudited saves count too)
    slots       the key-slot file's generation

It is advanced once per committed transaction (``Vault.write``) and per key-slot save, and
only ever forward, except by a deliberate, audited act (a DSL or admin accepting an older
copy, a restore, a re-key). On open a database or key-slot file behind it is refused as an
older copy (``check``). A folder this laptop has never seen has no anchor: the first open
records one (trust on first use; SECURITY.md says so).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from cse_toolkit.platform import anchors
from cse_toolkit.vault.errors import OlderCopyError

log = logging.getLogger(__name__)

FORMAT = 1


@dataclass(frozen=True)
class Anchor:
    seq: int = 0
    hash: str = ""
    commits: int = 0
    slots: int = 0
    # The file fallback was named to the user once (after unlocking) for this vault.
    told: bool = False
    # A restore in progress (recorded before its swap): the restored state that may open
    # although it is older. Cleared by the next commit after it opened.
    pending_seq: int = 0
    pending_hash: str = ""
    pending_commits: int = 0
    # sha256 of the key-slot file this laptop last wrote, and of the one it is writing.
    slots_digest: str = ""
    slots_next: str = ""


def name_for(folder: Path, vault_id: str) -> str:
    """One entry per vault and folder (a copy elsewhere is another vault as far as the
    laptop can tell; the live vault stays where the app looks for it)."""
    where = hashlib.sha256(str(folder.expanduser().resolve()).encode()).hexdigest()[:16]
    return f"vault-anchor-{vault_id}-{where}"


def load(folder: Path, vault_id: str) -> Anchor | None:
    """The anchor recorded for this vault folder, or None (never seen here, or unreadable)."""
    try:
        raw = anchors.store().read(name_for(folder, vault_id))
    except anchors.AnchorStoreError as exc:
        log.info("the credential store could not be read (%s)", exc)
        return None
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        if data.get("format") != FORMAT or data.get("vault_id") != vault_id:
            raise ValueError("not this vault's anchor")
        return Anchor(
            int(data["seq"]),
            str(data["hash"]),
            int(data["commits"]),
            int(data["slots"]),
            bool(data.get("told", False)),
            int(data.get("pending_seq", 0)),
            str(data.get("pending_hash", "")),
            int(data.get("pending_commits", 0)),
            str(data.get("slots_digest", "")),
            str(data.get("slots_next", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        log.info("the vault's anchor in the credential store is unreadable; recorded again")
        return None


def save(folder: Path, vault_id: str, anchor: Anchor) -> bool:
    """Record ``anchor`` exactly (deliberate acts and ``advance``). False if the store
    refused (the save itself is not undone; the next commit tries again)."""
    body = {"format": FORMAT, "vault_id": vault_id, **asdict(anchor)}
    try:
        anchors.store().write(name_for(folder, vault_id), json.dumps(body, sort_keys=True))
    except anchors.AnchorStoreError as exc:
        log.info("the credential store refused the vault's anchor (%s)", exc)
        return False
    return True


def advance(
    folder: Path,
    vault_id: str,
    *,
    seq: int | None = None,
    digest: str | None = None,
    commits: int | None = None,
    slots: int | None = None,
    slots_digest: str | None = None,
    slots_next: str | None = None,
) -> Anchor:
    """Move the anchor forward (never back): one read and one write of the store."""
    current = load(folder, vault_id) or Anchor()
    new = current
    if slots_next is not None:
        new = replace(new, slots_next=slots_next)
    if slots_digest is not None:
        new = replace(new, slots_digest=slots_digest, slots_next="")
    if seq is not None and digest is not None and seq >= current.seq:
        new = replace(new, seq=seq, hash=digest)
    if commits is not None and commits > current.commits:
        new = replace(new, commits=commits)
    if slots is not None and slots > current.slots:
        new = replace(new, slots=slots)
    if new != current:
        save(folder, vault_id, new)
    return new


def forget(folder: Path, vault_id: str) -> None:
    try:
        anchors.store().delete(name_for(folder, vault_id))
    except anchors.AnchorStoreError as exc:
        log.info("the credential store could not remove an anchor (%s)", exc)


def db_commits(conn: Any) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = 'commits'").fetchone()
    try:
        return int(row[0]) if row is not None else 0
    except (TypeError, ValueError):
        return 0


def bump_commits(conn: Any) -> int:
    """Inside the caller's transaction: one more commit; returns the new count."""
    row = conn.execute(
        "INSERT INTO meta (key, value) VALUES ('commits', 1) ON CONFLICT(key) DO UPDATE"
        " SET value = CAST(value AS INTEGER) + 1 RETURNING value"
    ).fetchone()
    return int(row[0])


def problem(
    saved: Anchor | None, conn: Any, slots_generation: int, slots_file_digest: str = ""
) -> str | None:
    """Why the vault as found is older than its anchor (None when it is not)."""
    if saved is None:
        return None
    if slots_generation < saved.slots:
        return (
            f"the key-slot file is an older copy (saved {slots_generation} times, this laptop "
            f"last saw {saved.slots}): an old passphrase may have been put back"
        )
    if (
        saved.slots_digest
        and slots_file_digest
        and slots_file_digest not in (saved.slots_digest, saved.slots_next)
    ):
        return (
            "the key-slot file is not the one this laptop last wrote: an old or edited copy "
            "may have been put back"
        )
    if saved.seq:
        row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (saved.seq,)).fetchone()
        if row is None:
            have = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM audit").fetchone()[0]
            return f"it ends at audit entry {have}, this laptop last saw entry {saved.seq}"
        if row[0] != saved.hash:
            return f"audit entry {saved.seq} differs from the one this laptop last saw"
    have_commits = db_commits(conn)
    if have_commits < saved.commits:
        return (
            f"it holds {have_commits} saves, this laptop last saw {saved.commits}: the newest "
            "saves (perhaps drafts) are missing"
        )
    return None


def matches_pending(saved: Anchor | None, conn: Any) -> bool:
    """The database is the state a restore recorded before its swap."""
    if saved is None or not saved.pending_seq:
        return False
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (saved.pending_seq,)).fetchone()
    return (
        row is not None
        and row[0] == saved.pending_hash
        and db_commits(conn) >= saved.pending_commits
    )


def check(saved: Anchor | None, conn: Any, slots_generation: int) -> None:
    why = problem(saved, conn, slots_generation)
    if why:
        raise OlderCopyError(why)


def store_words() -> tuple[str, str]:
    """(kind, description) of where anchors are kept on this laptop (self-test, notices)."""
    store = anchors.store()
    return store.kind, store.description
