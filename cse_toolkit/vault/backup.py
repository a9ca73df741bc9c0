"""Encrypted backups: one zip holding the (still encrypted) database, key slots and chain head.

Nothing in a backup is readable without a passphrase or the recovery key: the database inside is
the SQLCipher file itself and the key slots hold only wrapped keys. Restoring checks the backup
opens with the user's passphrase and that its audit chain verifies before anything is replaced;
the vault being replaced is kept beside it, never deleted.

(2) Restoring is a DSL's or an admin's act, with a reason, audited. Over an existing vault it
keeps the current key slots: the data key never changes, so today's passphrases open the older
database, and a passphrase changed since the backup stays changed (old ones do not come back).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
import zipfile
from dataclasses import replace
from pathlib import Path

from cse_toolkit import __version__, paths
from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import DiskFullError, fsync_dir, repair_modes
from cse_toolkit.policy import Policy
from cse_toolkit.vault import anchor, audit, db, restore_journal, schema
from cse_toolkit.vault.keyslots import SLOTS_FILE
from cse_toolkit.vault.vault import Vault, exists

MANIFEST = "manifest.json"
MEMBERS = {MANIFEST, db.DB_FILE, SLOTS_FILE, audit.HEAD_FILE}
MAX_MEMBER_BYTES = 20 * 1024**3


class BackupError(UserError):
    pass


def create_backup(vault: Vault, out: Path) -> dict[str, object]:
    """Write a consistent backup of the open vault to ``out`` (atomically)."""
    out = out.expanduser().resolve()
    if out.parent == vault.folder.resolve():
        raise BackupError("Save the backup outside the vault folder (for example on a USB drive).")
    if not out.parent.exists():
        raise BackupError(f"The folder {out.parent} does not exist.")
    conn = vault.conn
    tmp = out.parent / f".{out.name}.{secrets.token_hex(6)}.tmp"
    wal = vault.folder / (db.DB_FILE + "-wal")
    try:
        for _ in range(20):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("BEGIN IMMEDIATE")  # no writer can change the file while we copy it
            if not wal.exists() or wal.stat().st_size == 0:
                break
            conn.execute("ROLLBACK")
            time.sleep(0.05)
        else:
            raise BackupError("The vault is busy; close other windows of the app and try again.")
        try:
            head = audit.head(conn)
            manifest = {
                "format": 1,
                "app_version": __version__,
                "vault_id": vault.vault_id,
                "schema_version": schema.LATEST,
                "created_at": vault.now_iso(),
                "audit_seq": head.seq if head else 0,
            }
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2))
                zf.write(vault.folder / db.DB_FILE, db.DB_FILE)
                zf.write(vault.folder / SLOTS_FILE, SLOTS_FILE)
                if (vault.folder / audit.HEAD_FILE).exists():
                    zf.write(vault.folder / audit.HEAD_FILE, audit.HEAD_FILE)
                raw.flush()
                os.fsync(raw.fileno())
        finally:
            conn.execute("ROLLBACK")
        os.replace(tmp, out)
        fsync_dir(out.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.errno == 28:
            raise DiskFullError("the backup") from exc
        raise
    with vault.write("the audit entry"):
        vault.audit("vault.backup", reason=f"audit_seq={manifest['audit_seq']}")
    return manifest


def _read_backup(path: Path, staging: Path) -> dict[str, object]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            # Names are checked against a fixed list and never used as paths.
            if not names <= MEMBERS or not {MANIFEST, db.DB_FILE, SLOTS_FILE} <= names:
                raise BackupError(f"{path.name} is not a CSE Toolkit backup (unexpected contents).")
            if len(infos) != len(names):
                raise BackupError(f"{path.name} is not a valid backup (duplicate entries).")
            for info in infos:
                if info.file_size > MAX_MEMBER_BYTES:
                    raise BackupError(f"{path.name} holds an entry that is too large.")
            manifest = json.loads(zf.read(MANIFEST)[:100_000])
            if manifest.get("format") != 1:
                raise BackupError(f"{path.name} is a backup format this app does not know.")
            for name in names - {MANIFEST}:
                target = staging / name
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out, zf.open(name) as src:
                    shutil.copyfileobj(src, out, 1024 * 1024)
                    out.flush()
                    os.fsync(out.fileno())
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{path.name} is not a backup file or is damaged.") from exc
    except FileNotFoundError as exc:
        raise BackupError(f"There is no file {path}.") from exc
    if not isinstance(manifest, dict):
        raise BackupError(f"{path.name} is not a valid backup.")
    return manifest


RESTORE_ROLES = ("dsl", "admin")


def _require_restorer(vault: Vault) -> None:
    if vault.user.role not in RESTORE_ROLES:
        raise BackupError(
            "Only a designated safeguarding lead or an admin can restore a backup (this backup "
            f"knows {vault.user.name} as a {vault.user.role}). Nothing was changed."
        )


def restore_backup(
    backup: Path,
    folder: Path,
    user: str | None,
    passphrase: str,
    reason: str = "",
    *,
    policy: Policy | None = None,
) -> Path | None:
    """Restore ``backup`` into ``folder``. Returns where the replaced vault was kept, if any."""
    from cse_toolkit.vault.keyslots import KeySlots

    reason = " ".join(reason.split())
    if not reason:
        raise BackupError("Say why the backup is being restored (--reason): it is audited.")
    backup = backup.expanduser().resolve()
    folder = folder.expanduser().resolve()
    current_slots: bytes | None = None
    if exists(folder):
        # Who restores is checked in the vault as it is now (read-only), before anything else.
        from cse_toolkit.vault.vault import verified_role

        user, role = verified_role(folder, user, passphrase)
        if role not in RESTORE_ROLES:
            raise BackupError(
                "Only a designated safeguarding lead or an admin can restore a backup: it "
                "replaces everyone's records. Nothing was changed. Ask your DSL."
            )
        current_slots = (folder / SLOTS_FILE).read_bytes()
        current_id = KeySlots.load(folder).vault_id
    parent = paths.ensure_private_dir(folder.parent)
    staging = parent / f".{folder.name}.restore-{secrets.token_hex(4)}"
    paths.ensure_private_dir(staging)
    try:
        manifest = _read_backup(backup, staging)
        if current_slots is not None:
            if manifest.get("vault_id") != current_id:
                raise BackupError(
                    f"{backup.name} is a backup of another vault, not this one. Nothing was "
                    "changed."
                )
            # Key slots never go back: the current ones (today's passphrases) are kept.
            fd = os.open(staging / SLOTS_FILE, os.O_WRONLY | os.O_TRUNC)
            with os.fdopen(fd, "wb") as out:
                out.write(current_slots)
                out.flush()
                os.fsync(out.fileno())
        # Prove it opens with this person's passphrase and that its history is intact.
        vault = Vault.open(staging, user, passphrase, policy=policy)
        try:
            _require_restorer(vault)
            _, problems = audit.verify_chain(vault.conn, vault.vault_id)
            if problems:
                raise BackupError(
                    "The backup's audit trail does not verify, so it was not restored: "
                    + problems[0]
                )
            restored = vault.chain_head()
            restored_commits = anchor.db_commits(vault.conn)
            vault_id = vault.vault_id
        finally:
            vault.close()
        anchor.forget(staging, vault_id)
        # The anchor outside the folder is told, before anything moves, which older state
        # this DSL's restore puts in place: that state may open, nothing else older may.
        current = anchor.load(folder, vault_id) or anchor.Anchor()
        anchor.save(
            folder,
            vault_id,
            replace(
                current,
                pending_seq=restored.seq,
                pending_hash=restored.hash,
                pending_commits=restored_commits,
            ),
        )
        kept: Path | None = None
        if folder.exists() and any(folder.iterdir()):
            stamp = time.strftime("%Y%m%d-%H%M%S")
            kept = parent / f"{folder.name}-replaced-{stamp}"
        # One journal, then the two renames: a crash anywhere leaves the old or the new vault
        # (the next open completes or undoes the swap, restore_journal.finish).
        restore_journal.begin(folder, staging, kept)
        if kept is not None:
            os.replace(folder, kept)
        elif folder.exists():
            folder.rmdir()
        os.replace(staging, folder)
        fsync_dir(parent)
        restore_journal.end(folder)
        repair_modes(folder)
    except BaseException:
        if not restore_journal.journal_path(folder).exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    vault = Vault.open(folder, user, passphrase, policy=policy)
    try:
        with vault.write("the audit entry"):
            vault.audit(
                "vault.restore",
                reason=f"{reason[:300]} (backup of {manifest.get('created_at', '?')}, audit entry "
                f"{manifest.get('audit_seq', '?')}; replaced vault kept: {'yes' if kept else 'none'})",
            )
    finally:
        vault.close()
    return kept


def is_vault(folder: Path) -> bool:
    return exists(folder)
