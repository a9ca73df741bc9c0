"""The vault: one folder holding an SQLCipher database, its key slots and its chain head.

    vault.db         SQLCipher 4, keyed with a random 256-bit data key (raw key)
    keyslots.json    the data key wrapped per user / recovery key / organisation
    chainhead.json   the newest audit entry, signed with the vault's Ed25519 key
    backups/         encrypted copies taken before migrations

Opening: unwrap the data key from the user's slot (a wrong passphrase fails here, before the
database is touched), open with the connection recipe, migrate if needed (after a backup), check
the audit chain head against the one saved outside the file, repair loose file modes.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from cse_toolkit import paths
from cse_toolkit.core.clock import Clock, SystemClock, utc_iso
from cse_toolkit.core.entities import ROLES, Role, User
from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.fsutil import remove_stale_temp_files, repair_modes
from cse_toolkit.vault import audit, db, schema
from cse_toolkit.vault.changes import Change, Listener
from cse_toolkit.vault.errors import (
    NoVaultError,
    UnknownUserError,
    VaultDamagedError,
    VaultExistsError,
    VaultTooNewError,
)
from cse_toolkit.vault.keyslots import KdfParams, KeySlots, calibrate, new_recovery_key

BACKUP_DIR = "backups"

log = logging.getLogger(__name__)


def exists(folder: Path) -> bool:
    return (folder / db.DB_FILE).exists() and (folder / "keyslots.json").exists()


def _require_folder(folder: Path) -> KeySlots:
    if not exists(folder):
        raise NoVaultError(str(folder))
    return KeySlots.load(folder)


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise UserError(f"Unknown role '{role}'. Use one of: {', '.join(ROLES)}.")
    return role


def _pick_user(slots: KeySlots, user: str | None) -> str:
    names = slots.user_names
    if user:
        if user not in names:
            raise UnknownUserError(user, names)
        return user
    if len(names) == 1:
        return names[0]
    raise UserError(f"This vault has several users; say which with --user ({', '.join(names)}).")


class Vault:
    """An open vault for one signed-in user. Not thread-safe: one thread owns it."""

    def __init__(
        self,
        folder: Path,
        conn: Any,
        slots: KeySlots,
        user: User,
        signing_key: Ed25519PrivateKey,
        clock: Clock,
    ) -> None:
        self.folder = folder
        self.conn = conn
        self.slots = slots
        self.user = user
        self._signing_key = signing_key
        self.clock = clock
        self._write_lock = threading.RLock()
        self._write_owner: int | None = None
        self._pending_head: audit.ChainHead | None = None
        self._pending_changes: list[tuple[str, str, str]] = []
        self._listeners: list[Listener] = []
        from cse_toolkit.vault.dsl_repo import DslRepository
        from cse_toolkit.vault.intel_repo import IntelRepository
        from cse_toolkit.vault.repos import Repositories

        self.repos = Repositories(self)
        self.intel = IntelRepository(self)
        self.dsl = DslRepository(self)

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        folder: Path,
        user: str,
        role: str,
        passphrase: str,
        *,
        display_name: str = "",
        organisation_public_key: str | None = None,
        kdf: KdfParams | None = None,
        clock: Clock | None = None,
    ) -> tuple[Vault, str]:
        """Create a vault; returns it open and the recovery key (to show once)."""
        role = _check_role(role)
        if not user.strip():
            raise UserError("A user name is needed.")
        if exists(folder) or (folder / db.DB_FILE).exists():
            raise VaultExistsError(str(folder))
        paths.ensure_private_dir(folder)
        clock = clock or SystemClock()
        params = kdf or calibrate()[0]
        params.check_floor()
        dek = _random_key()
        vault_id = str(uuid.uuid4())
        signing_key = Ed25519PrivateKey.generate()
        slots = KeySlots.new(folder, vault_id, signing_key.public_key().public_bytes_raw())
        slots.set_user(user, passphrase, dek, params)
        recovery = new_recovery_key()
        slots.set_recovery(recovery, dek)
        if organisation_public_key:
            slots.set_organisation(organisation_public_key, dek)
        db_path = folder / db.DB_FILE
        conn = db.connect(db_path, dek, create=True)
        try:
            _migrate(conn, folder, db_path)
            now = utc_iso(clock.now())
            user_id = str(uuid.uuid4())
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('vault_id', ?), ('signing_key', ?),"
                " ('created_at', ?)",
                (vault_id, signing_key.private_bytes_raw(), now),
            )
            conn.execute(
                "INSERT INTO users (id, name, role, display_name, created_at) VALUES (?,?,?,?,?)",
                (user_id, user, role, display_name, now),
            )
            head = audit.append(conn, vault_id, now, user, "vault.create", "user", user_id, 1)
            conn.execute("COMMIT")
            # Key slots are written after the database exists and before the head, so a crash
            # here leaves a folder that `exists()` does not accept rather than a half vault.
            slots.save()
            audit.write_head_file(folder, vault_id, head, signing_key)
        except BaseException:
            conn.close()
            raise
        repair_modes(folder)
        del dek
        vault = cls(folder, conn, slots, User(user_id, user, role, display_name), signing_key, clock)
        return vault, recovery

    @classmethod
    def open(
        cls, folder: Path, user: str | None, passphrase: str, *, clock: Clock | None = None
    ) -> Vault:
        slots = _require_folder(folder)
        name = _pick_user(slots, user)
        dek = slots.unwrap_user(name, passphrase)
        return cls._open_with_key(folder, slots, name, dek, clock or SystemClock())

    @classmethod
    def _open_with_key(
        cls, folder: Path, slots: KeySlots, name: str, dek: bytes, clock: Clock
    ) -> Vault:
        repair_modes(folder)
        remove_stale_temp_files(folder)
        db_path = folder / db.DB_FILE
        conn = db.connect(db_path, dek)
        try:
            try:
                found = conn.execute("PRAGMA user_version").fetchone()[0]
                if found > schema.LATEST:
                    raise VaultTooNewError(found, schema.LATEST)
                saved = audit.read_head_file(folder, slots.vault_id, slots.signing_public_key)
                if found < schema.LATEST:
                    # Check rollback before touching anything, then migrate with a backup.
                    audit.check_not_rolled_back(conn, saved)
                    _migrate(conn, folder, db_path)
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                if meta.get("vault_id") != slots.vault_id:
                    raise VaultDamagedError("the key slots belong to another vault")
                signing_key = Ed25519PrivateKey.from_private_bytes(bytes(meta["signing_key"]))
                if signing_key.public_key().public_bytes_raw() != slots.signing_public_key:
                    raise VaultDamagedError("the signing key does not match")
                audit.check_not_rolled_back(conn, saved)
                row = conn.execute(
                    "SELECT id, name, role, display_name, agency, contact, active FROM users"
                    " WHERE name = ?",
                    (name,),
                ).fetchone()
            except db.DatabaseError as exc:
                raise db.translate(exc, "opening the vault") from exc
            if row is None or not row[6]:
                raise UnknownUserError(name, slots.user_names)
            user = User(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]))
        except BaseException:
            conn.close()
            raise
        vault = cls(folder, conn, slots, user, signing_key, clock)
        try:
            with vault.write():
                vault.audit("vault.open")
        except BaseException:
            # e.g. disk full or a damaged audit page: do not leave a keyed connection open.
            vault.close()
            raise
        return vault

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except db.DatabaseError:
                pass
            self.conn.close()
            self.conn = None
        self._signing_key = None  # type: ignore[assignment]
        self._listeners.clear()

    @property
    def is_open(self) -> bool:
        return self.conn is not None

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- facts -----------------------------------------------------------------------------
    @property
    def vault_id(self) -> str:
        return self.slots.vault_id

    @property
    def public_key(self) -> bytes:
        return self.slots.signing_public_key

    def signing_key(self) -> Ed25519PrivateKey:
        """The vault's Ed25519 key, for signing packs and sign-offs (never leaves the process)."""
        return self._signing_key

    def now(self) -> datetime:
        return self.clock.now()

    def now_iso(self) -> str:
        return utc_iso(self.clock.now())

    def chain_head(self) -> audit.ChainHead:
        current = audit.head(self.conn)
        assert current is not None  # a vault always has its creation entry
        return current

    # -- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def write(self, what: str = "the change") -> Iterator[None]:
        """One serialised transaction; audit rows added inside it commit with it.

        Writes are serialised across threads (the GUI thread autosaving while a DSL import runs
        on a worker): a lock is held for the whole transaction, and a nested ``write()`` on the
        same thread joins the transaction already open.
        """
        with self._write_lock:
            if self._write_owner == threading.get_ident():
                yield
                return
            self._write_owner = threading.get_ident()
            self._pending_head = None
            self._pending_changes = []
            try:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                except db.DatabaseError as exc:
                    raise db.translate(exc, what) from exc
                try:
                    yield
                    self.conn.execute("COMMIT")
                except BaseException as exc:
                    with contextlib.suppress(db.DatabaseError):
                        self.conn.execute("ROLLBACK")
                    if isinstance(exc, db.DatabaseError | OSError):
                        raise db.translate(exc, what) from exc
                    raise
            finally:
                self._write_owner = None
            if self._pending_head is not None:
                audit.write_head_file(
                    self.folder, self.vault_id, self._pending_head, self._signing_key
                )
            committed, self._pending_changes = tuple(self._pending_changes), []
        if committed:
            self._notify(Change(committed))

    # -- change notification --------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(change)`` after each committed write (on the writing thread);
        returns the function that unsubscribes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def _notify(self, change: Change) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception as exc:  # noqa: BLE001 - a view's problem never undoes a write
                log.error("a change listener failed: %s", type(exc).__name__)

    def audit(
        self,
        action: str,
        record_type: str = "",
        record_id: str = "",
        record_version: int | None = None,
        reason: str = "",
    ) -> audit.ChainHead:
        """Record an action. Must run inside ``write()``. Reasons never hold personal data."""
        if self._write_owner != threading.get_ident():
            raise RuntimeError("audit() outside a write transaction")
        head = audit.append(
            self.conn,
            self.vault_id,
            self.now_iso(),
            self.user.name,
            action,
            record_type,
            record_id,
            record_version,
            reason,
        )
        self._pending_head = head
        self._pending_changes.append((action, record_type, record_id))
        return head

    def log_view(self, record_type: str, record_id: str, reason: str = "") -> None:
        with self.write("the audit entry"):
            self.audit("view", record_type, record_id, None, reason)

    # -- roles -----------------------------------------------------------------------------
    def require(self, *roles: Role) -> None:
        if self.user.role not in roles:
            names = {"worker": "worker", "dsl": "designated safeguarding lead", "admin": "admin"}
            allowed = " or ".join(names[r] for r in roles)
            article = "an" if allowed[0] in "aeiou" else "a"
            raise PermissionDenied(
                f"Only {article} {allowed} can do this; you are signed in as "
                f"{'an' if self.user.role == 'admin' else 'a'} {names[self.user.role]}."
            )

    # -- users -----------------------------------------------------------------------------
    def users(self) -> list[User]:
        rows = self.conn.execute(
            "SELECT id, name, role, display_name, agency, contact, active FROM users ORDER BY name"
        ).fetchall()
        return [User(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    def add_user(
        self,
        name: str,
        role: str,
        passphrase: str,
        admin_passphrase: str,
        *,
        display_name: str = "",
        kdf: KdfParams | None = None,
    ) -> User:
        """An admin adds a person with their own passphrase (a new slot; no re-encryption).

        The admin types their own passphrase again: the data key is not kept in memory while
        the vault is open, so it is unwrapped from the admin's slot for this one change.
        """
        self.require("admin")
        role = _check_role(role)
        if not name.strip():
            raise UserError("A user name is needed.")
        if name in self.slots.user_names:
            raise UserError(f"There is already a user called '{name}'.")
        dek = self.slots.unwrap_user(self.user.name, admin_passphrase)
        params = kdf or calibrate()[0]
        user = User(str(uuid.uuid4()), name, role, display_name)
        with self.write("the new user"):
            self.conn.execute(
                "INSERT INTO users (id, name, role, display_name, created_at) VALUES (?,?,?,?,?)",
                (user.id, name, role, display_name, self.now_iso()),
            )
            self.audit("user.add", "user", user.id, 1, f"role={role}")
            self.slots.set_user(name, passphrase, dek, params)
            self.slots.save()
        return user

    # -- backup ----------------------------------------------------------------------------
    def integrity_problems(self) -> list[str]:
        try:
            return db.integrity_check(self.conn)
        except db.DatabaseError as exc:
            return [str(exc)]


def _random_key() -> bytes:
    import secrets

    return secrets.token_bytes(32)


def _migrate(conn: Any, folder: Path, db_path: Path) -> None:
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > schema.LATEST:
        raise VaultTooNewError(found, schema.LATEST)
    if found == schema.LATEST:
        return
    if found > 0:
        # Copy the (encrypted) file first, after folding the WAL into it.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        backups = paths.ensure_private_dir(folder / BACKUP_DIR)
        shutil.copy2(db_path, backups / f"before-migration-v{found}-to-v{schema.LATEST}.db")
    for version in range(found, schema.LATEST):
        conn.execute("BEGIN IMMEDIATE")
        try:
            schema.MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


# -- passphrase and recovery (no open vault needed) ----------------------------------------


def change_passphrase(
    folder: Path, user: str | None, old: str, new: str, kdf: KdfParams | None = None
) -> str:
    """Re-wrap the data key under a new passphrase; the database is not re-encrypted."""
    slots = _require_folder(folder)
    name = _pick_user(slots, user)
    dek = slots.unwrap_user(name, old)
    _rewrap(folder, slots, name, dek, new, kdf, "passphrase.change")
    return name


def recover(
    folder: Path,
    user: str | None,
    new: str,
    *,
    recovery_key: str | None = None,
    organisation_key: X25519PrivateKey | None = None,
    kdf: KdfParams | None = None,
) -> str:
    """Set a new passphrase using the recovery key (or the organisation's private key)."""
    slots = _require_folder(folder)
    name = _pick_user(slots, user)
    if organisation_key is not None:
        dek = slots.unwrap_organisation(organisation_key)
        action = "passphrase.recover.organisation"
    elif recovery_key is not None:
        dek = slots.unwrap_recovery(recovery_key)
        action = "passphrase.recover"
    else:
        raise UserError("A recovery key is needed.")
    _rewrap(folder, slots, name, dek, new, kdf, action)
    return name


def _rewrap(
    folder: Path,
    slots: KeySlots,
    name: str,
    dek: bytes,
    new: str,
    kdf: KdfParams | None,
    action: str,
) -> None:
    # Prove the key opens the database (and record the change) before replacing the slot.
    vault = Vault._open_with_key(folder, slots, name, dek, SystemClock())
    try:
        with vault.write("the new passphrase"):
            vault.audit(action, "user", vault.user.id)
            slots.set_user(name, new, dek, kdf or calibrate()[0])
            slots.save()
    finally:
        vault.close()


def open_with_key_for_restore(folder: Path, user: str, dek: bytes) -> Vault:
    slots = _require_folder(folder)
    return Vault._open_with_key(folder, slots, user, dek, SystemClock())
