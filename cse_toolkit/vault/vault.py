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
import dataclasses
import functools
import logging
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from cse_toolkit import paths
from cse_toolkit.core.clock import Clock, SystemClock, utc_iso
from cse_toolkit.core.entities import ROLES, Role, User
from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.fsutil import DiskFullError, remove_stale_temp_files, repair_modes
from cse_toolkit.policy import Policy
from cse_toolkit.vault import (
    anchor,
    audit,
    case_store,
    db,
    integrity,
    registry,
    reserve,
    rows,
    schema,
    unsaved,
)
from cse_toolkit.vault.actions_repo import ActionsRepository
from cse_toolkit.vault.attachments_repo import AttachmentRepository
from cse_toolkit.vault.changes import Change, Listener
from cse_toolkit.vault.dsl_repo import DslRepository
from cse_toolkit.vault.errors import (
    NoVaultError,
    OlderCopyError,
    UnknownUserError,
    VaultDamagedError,
    VaultExistsError,
    VaultTooNewError,
)
from cse_toolkit.vault.exchange_repo import ExchangeRepository
from cse_toolkit.vault.imports_audit import CONFLICT_DECISION_KEYS as CONFLICT_DECISION_KEYS
from cse_toolkit.vault.imports_audit import conflicts_digest as conflicts_digest
from cse_toolkit.vault.imports_audit import import_entry as import_entry
from cse_toolkit.vault.imports_audit import import_problems as import_problems
from cse_toolkit.vault.imports_audit import (
    recorded_conflicts_digest as recorded_conflicts_digest,
)
from cse_toolkit.vault.incidents_repo import IncidentsRepository
from cse_toolkit.vault.intel_repo import IntelRepository
from cse_toolkit.vault.keyslots import (
    SLOTS_FILE,
    KdfParams,
    KeySlots,
    UserKeys,
    calibrate,
    new_recovery_key,
)
from cse_toolkit.vault.messages import level_message as level_message
from cse_toolkit.vault.messages import signoff_message as signoff_message
from cse_toolkit.vault.messages import trust_message as trust_message
from cse_toolkit.vault.registry import RegistryError
from cse_toolkit.vault.repos import Repositories

# (The signed message formats live in vault.messages; imported above "as" themselves, they
# stay importable from here.)
BACKUP_DIR = "backups"

log = logging.getLogger(__name__)

DISK_FULL_NOTICE = (
    "The disk is full: free some space (empty the recycle bin, remove large downloads). The "
    "vault opened from the space it keeps in reserve, so your records and drafts are safe, "
    "but only a little more can be saved until you do."
)


_MADE_BY_CREATE = (
    db.DB_FILE,
    db.DB_FILE + "-wal",
    db.DB_FILE + "-shm",
    SLOTS_FILE,
    audit.HEAD_FILE,
    reserve.RESERVE_FILE,
    reserve.RESCUE_FILE,
)


def _undo_failed_create(create: Callable[..., Any]) -> Callable[..., Any]:
    """A create that fails (a full disk, most often) leaves no half vault behind, so the next
    ``init`` is not told "a vault already exists", and its error is a message: a full disk
    is said as full, never as damage or a traceback."""

    @functools.wraps(create)
    def wrapped(cls: Any, folder: Path, *args: Any, **kwargs: Any) -> Any:
        before = {name for name in _MADE_BY_CREATE if (folder / name).exists()}
        try:
            return create(cls, folder, *args, **kwargs)
        except BaseException as exc:
            if not before and not isinstance(exc, VaultExistsError):
                for name in _MADE_BY_CREATE:
                    with contextlib.suppress(OSError):
                        (folder / name).unlink()
            if isinstance(exc, db.DatabaseError | OSError):
                found = db.translate(exc, "the new vault")
                if isinstance(found, UserError):
                    raise found from exc
            raise

    return wrapped


def exists(folder: Path) -> bool:
    from cse_toolkit.vault import restore_journal

    restore_journal.finish(folder)  # a restore interrupted by a crash: completed or undone
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


@dataclass
class AuditReport:
    entries: int
    head: audit.ChainHead
    problems: list[str]
    authorship: audit.Authorship
    decisions_checked: int


def _check_registry(
    state: registry.RegistryState, user: User, published: str, keys: UserKeys | None
) -> bool:
    """Refuse a user whose database row or key does not match the signed registry.

    Returns True when the slot must be saved again (the registry root to pin)."""
    # A registry replaced wholesale is named as such before its other problems.
    if keys is not None and keys.root is not None:
        if not state.signed:
            raise RegistryError(
                f"The signed user registry is missing from this vault, but {user.name}'s key "
                "slot expects one: someone removed it. Nothing was changed. Tell your IT team."
            )
        if state.root != keys.root:
            raise RegistryError(
                "The user registry was replaced since you last signed in: it is signed by a "
                f"root key that {user.name}'s key slot does not know. Nothing was changed. "
                "Tell your IT team."
            )
    if state.problems:
        raise RegistryError(
            "The user registry does not verify, so no one can sign in until it is checked: "
            + "; ".join(state.problems[:3])
            + ". Nothing was changed. Tell your IT team and restore a backup if needed."
        )
    if not state.signed:
        return False
    own = registry.public_b64(keys.signing) if keys and keys.signing else None
    entry = registry.Entry(user.id, user.name, user.role, published, user.active)
    problems = registry.check_user(state, entry, own)
    registered = state.current.get(user.name)
    if keys is not None and keys.signing is None and registered and registered.public_key:
        problems.append(
            f"{user.name}'s key slot has no signing key although one is registered (a new "
            f"slot written after a recovery, or a forged one); an admin must confirm the new "
            f"key with 'cse-toolkit user confirm-key {user.name}'"
        )
    if problems:
        raise RegistryError(
            f"{user.name} cannot sign in: "
            + "; ".join(problems)
            + ". Nothing was changed. Ask an admin to check the users ('cse-toolkit user list')."
        )
    return keys is not None and keys.root is None


class Vault:
    """An open vault for one signed-in user, shared by the GUI thread and pool threads as the
    threading rule says (``vault/db.py``'s docstring): statements one at a time, writes in
    ``write()``'s serialised transactions."""

    def __init__(
        self,
        folder: Path,
        conn: Any,
        slots: KeySlots,
        user: User,
        signing_key: Ed25519PrivateKey,
        clock: Clock,
        personal_key: Ed25519PrivateKey | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.folder = folder
        # The organisation policy, loaded and validated once at start (app or command line)
        # and carried here; nothing in the vault reads the policy file. None: the built-in
        # defaults (self-test, tests).
        self.policy = policy if policy is not None else Policy()
        self.conn = conn
        self.slots = slots
        self.user = user
        self._signing_key = signing_key
        self._personal_key = personal_key
        self.clock = clock
        self.registry = registry.RegistryState()
        # Plain sentences the app and the CLI show after unlocking (e.g. registry not signed).
        self.notices: list[str] = []
        self._write_lock = threading.RLock()
        self._write_owner: int | None = None
        self._pending_head: audit.ChainHead | None = None
        self._pending_changes: list[tuple[str, str, str]] = []
        self._listeners: list[Listener] = []
        # Set when a DSL or admin accepted an older copy: the next commit re-records the
        # anchor exactly (it may go back); otherwise it only ever moves forward.
        self._reanchor = False
        # Issue 22 item 4 (vault/reserve.py): the key of the rescue file, and whether the
        # reserve has been given back because the disk is (nearly) full.
        self._stash_key: bytes | None = None
        self.disk_full = False
        # Drafts that not even the rescue file could take (vault/unsaved.py): in memory only.
        self.unsaved = unsaved.Unsaved()
        self.repos = Repositories(self)
        self.incidents = IncidentsRepository(self, self.repos)
        self.repos.attach_incidents(self.incidents)
        self.actions = ActionsRepository(self, self.repos)
        self.intel = IntelRepository(self, self.repos)
        self.dsl = DslRepository(self, self.repos, self.intel)
        self.exchange = ExchangeRepository(self)
        self.attachments = AttachmentRepository(self, self.repos)

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    @_undo_failed_create
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
        policy: Policy | None = None,
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
        personal = Ed25519PrivateKey.generate()
        personal_pub = personal.public_key().public_bytes_raw()
        slots = KeySlots.new(folder, vault_id, signing_key.public_key().public_bytes_raw())
        # The creator's key is the registry's root; their own slot pins it.
        slots.set_user(user, passphrase, dek, params, signing=personal, root=personal_pub)
        recovery = new_recovery_key()
        slots.set_recovery(recovery, dek)
        if organisation_public_key:
            slots.set_organisation(organisation_public_key, dek)
            slots.seal_signing_to_organisation(user, personal)
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
                "INSERT INTO users (id, name, role, display_name, created_at, public_key)"
                " VALUES (?,?,?,?,?,?)",
                (user_id, user, role, display_name, now, registry.b64(personal_pub)),
            )
            audit.append(
                conn, vault_id, now, user, "vault.create", "user", user_id, 1, signer=personal
            )
            state = registry.RegistryState()
            recovery_public = registry.public_b64(slots.recovery_signing_key(recovery))
            registry.append(
                conn,
                vault_id,
                state,
                registry.db_entries(conn),
                user,
                personal,
                now,
                1,
                extra={"recovery_public": recovery_public},
            )
            head = audit.append(
                conn,
                vault_id,
                now,
                user,
                "registry.sign",
                "registry",
                "",
                1,
                "version=1 at creation",
                signer=personal,
            )
            conn.execute("COMMIT")
            # Key slots are written after the database exists and before the head, so a crash
            # here leaves a folder that `exists()` does not accept rather than a half vault.
            slots.save()
            audit.write_head_file(folder, vault_id, head, signing_key)
            anchor.save(
                folder,
                vault_id,
                anchor.Anchor(
                    head.seq,
                    head.hash,
                    anchor.db_commits(conn),
                    slots.generation,
                    slots_digest=slots.digest,
                ),
            )
        except BaseException:
            conn.close()
            raise
        repair_modes(folder)
        reserve.ensure(folder)
        stash_key = reserve.stash_key(dek, vault_id)
        del dek
        vault = cls(
            folder,
            conn,
            slots,
            User(user_id, user, role, display_name),
            signing_key,
            clock,
            personal,
            policy,
        )
        vault.registry = registry.load(conn, vault_id)
        vault._stash_key = stash_key
        return vault, recovery

    @classmethod
    def open(
        cls,
        folder: Path,
        user: str | None,
        passphrase: str,
        *,
        clock: Clock | None = None,
        policy: Policy | None = None,
        accept_older: str | None = None,
    ) -> Vault:
        """Unlock for ``user``. ``policy`` is the one loaded at start (None: built-in defaults).

        ``accept_older`` (a reason): a DSL or an admin opens a vault older than this laptop's
        anchor on purpose (audited ``vault.accept_older``); the anchor then follows it."""
        slots = _require_folder(folder)
        name = _pick_user(slots, user)
        if slots.next_slots() is not None:
            from cse_toolkit.vault import rekey_state

            slots, keys = rekey_state.settle(folder, slots, name, passphrase)  # interrupted
        else:
            keys = slots.unwrap_user_keys(name, passphrase)  # one key derivation for both keys
        return cls._open_with_key(
            folder,
            slots,
            name,
            keys.dek,
            clock or SystemClock(),
            keys,
            policy,
            accept_older=accept_older,
        )

    @classmethod
    def _open_with_key(
        cls,
        folder: Path,
        slots: KeySlots,
        name: str,
        dek: bytes,
        clock: Clock,
        keys: UserKeys | None = None,
        policy: Policy | None = None,
        *,
        accept_older: str | None = None,
    ) -> Vault:
        repair_modes(folder)
        remove_stale_temp_files(folder)
        released = reserve.make_room(folder)  # a nearly full disk: the vault still opens
        db_path = folder / db.DB_FILE
        conn = db.connect(db_path, dek)
        try:
            try:
                found = conn.execute("PRAGMA user_version").fetchone()[0]
                if found > schema.LATEST:
                    raise VaultTooNewError(found, schema.LATEST)
                saved = audit.read_head_file(folder, slots.vault_id, slots.signing_public_key)
                older, reanchor = _against_anchor(folder, slots, conn, accept_older)
                if found < schema.LATEST:
                    # Check rollback before touching anything, then migrate with a backup.
                    if not older:
                        audit.check_not_rolled_back(conn, saved)
                    _migrate(conn, folder, db_path)
                meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
                if meta.get("vault_id") != slots.vault_id:
                    raise VaultDamagedError("the key slots belong to another vault")
                signing_key = Ed25519PrivateKey.from_private_bytes(bytes(meta["signing_key"]))
                if signing_key.public_key().public_bytes_raw() != slots.signing_public_key:
                    raise VaultDamagedError("the signing key does not match")
                if not older:
                    audit.check_not_rolled_back(conn, saved)
                _check_records(conn)
                row = conn.execute(
                    "SELECT id, name, role, display_name, agency, contact, active, public_key"
                    " FROM users WHERE name = ?",
                    (name,),
                ).fetchone()
                state = registry.load(conn, slots.vault_id)
            except db.DatabaseError as exc:
                raise db.translate(exc, "opening the vault") from exc
            if row is None or not row[6]:
                raise UnknownUserError(name, slots.user_names)
            user = User(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]))
            slot_changed = _check_registry(state, user, row[7] or "", keys)
            if older and user.role not in ("dsl", "admin"):
                raise PermissionDenied(
                    "Only a designated safeguarding lead or an admin can accept an older copy "
                    "of the vault. Nothing was changed. Ask your DSL."
                )
        except BaseException:
            conn.close()
            raise
        personal = keys.signing if keys else None
        vault = cls(folder, conn, slots, user, signing_key, clock, personal, policy)
        vault.registry = state
        vault._reanchor = reanchor
        vault._stash_key = reserve.stash_key(dek, slots.vault_id)
        vault.disk_full = released or reserve.is_full(folder)
        try:
            with vault.write():
                if keys is not None and keys.signing is None:
                    slot_changed = vault._make_personal_key(keys) or slot_changed
                vault._publish_own_key()
                if keys is not None:
                    vault._upkeep_registry(keys)
                if older:
                    reason = " ".join(str(accept_older).split())[:300]
                    vault.audit("vault.accept_older", "vault", vault.vault_id, None, reason)
                    vault._reanchor = True
                # Stored case state keyed by another pathway or tool version is rebuilt now.
                case_store.mark_stale(vault.conn, vault.policy, vault.clock)
                vault.audit("vault.open")
            if (
                keys is not None
                and keys.kek
                and keys.signing is not None
                and (slot_changed or (keys.root is None and vault.registry.root is not None))
            ):
                slots.store_signing(name, keys.kek, keys.signing, vault.registry.root)
                slots.save()
            _upkeep_handover(slots, name, keys)
        except BaseException:
            # e.g. disk full or a damaged audit page: do not leave a keyed connection open.
            vault.close()
            raise
        try:
            vault._follow_organisation_key(dek, keys)
        except BaseException:
            vault.close()
            raise
        vault._tell_about_file_anchor()
        vault._space_at_open()
        if not vault.registry.signed:
            vault.notices.append(
                "The user registry is not signed yet (this vault was made before per-person "
                "keys). The first admin signs it at their next unlock; until then role changes "
                "and new users are refused, and authorship cannot be proven."
            )
        return vault

    def _tell_about_file_anchor(self) -> None:
        """Once per vault on this laptop: the anchor is in a file, not a credential store."""
        kind, where = anchor.store_words()
        if kind != "file":
            return
        kept = anchor.load(self.folder, self.vault_id)
        if kept is None or kept.told:
            return
        if anchor.save(self.folder, self.vault_id, dataclasses.replace(kept, told=True)):
            self.notices.append(
                "This laptop has no system credential store, so the record of how far this "
                f"vault went (which catches an older copy put back) is kept in {where}, "
                "outside the vault folder. That is weaker: a copy of your whole user profile "
                "would carry it back. Ask your IT team to set up the system's credential "
                "store (see the IT guide)."
            )

    # -- a full disk (issue 22 item 4; vault/reserve.py) -----------------------------------
    def _space_at_open(self) -> None:
        """Drafts kept in the rescue file go back into the vault; the reserve is made again
        when there is room; a full disk is said at unlock, as full."""
        assert self._stash_key is not None
        kept = reserve.take(self.folder, self._stash_key)
        if kept:
            try:
                with self.write("the drafts kept while the disk was full"):
                    self.repos.put_back_drafts(kept)
                reserve.clear(self.folder)
                self.notices.append(
                    f"The disk was full when the app last locked: {len(kept)} unsaved draft(s) "
                    "were kept in the vault's reserve and are back as drafts."
                )
            except DiskFullError:
                pass  # still full: they stay in the rescue file, said below
        if not self.disk_full and reserve.reserve_bytes():
            # No reserve, and no room to make one: as good as full.
            self.disk_full = not reserve.ensure(self.folder)
        if self.disk_full:
            self.notices.append(DISK_FULL_NOTICE)

    def stash_draft(self, draft: dict[str, Any]) -> None:
        """Keep a draft the database could not take (a full disk) in the rescue file; it is
        put back at the next unlock. Raises ``DiskFullError`` when even that fails."""
        if self._stash_key is None:
            raise DiskFullError("the draft")
        reserve.stash(self.folder, self._stash_key, draft)
        self.disk_full = True

    def seal_unsaved(self) -> bytes | None:
        """At lock: the drafts nothing could store, sealed for the fresh lock-screen process
        (``vault/unsaved.py``); None when there are none."""
        kept = self.unsaved.drafts()
        if not kept or self._stash_key is None:
            return None
        return unsaved.seal(self._stash_key, kept)

    def put_back_unsaved(self, blob: bytes) -> str:
        """After unlock: drafts handed over by the lock back into the vault's drafts ("vault"),
        else the rescue file ("rescue"), else this process's memory ("memory"), each draft
        belonging to this vault's own users only. ``ValueError`` when the blob does not open
        with this vault's key."""
        assert self._stash_key is not None
        kept = unsaved.unseal(self._stash_key, blob)
        if not kept:
            return "vault"
        try:
            with self.write("the drafts kept while the app was locked"):
                self.repos.put_back_drafts(kept)
            return "vault"
        except (UserError, OSError, db.DatabaseError):
            pass  # a full disk (or any storage error): never lose them for it
        where = "rescue"
        for draft in kept:
            try:
                self.stash_draft(draft)
            except (UserError, OSError):
                self.unsaved.keep(draft)
                where = "memory"
        return where

    def _make_room(self) -> None:
        """Before each write: give the reserve back when the disk is nearly full (cheap: a
        stat while the reserve exists), and make it again once space has come back."""
        if reserve.make_room(self.folder):
            self.disk_full = True
            log.warning("the disk is nearly full: the vault's reserve was released")
        elif self.disk_full and reserve.free_bytes(self.folder) > 3 * reserve.reserve_bytes():
            self.disk_full = not reserve.ensure(self.folder)

    # -- organisation recovery key (issue 23) ----------------------------------------------
    def _follow_organisation_key(self, dek: bytes, keys: UserKeys | None) -> None:
        """At unlock: seal to the organisation recovery key the policy names now.

        A new or rotated key gets a fresh organisation slot for the data key (the slot for the
        old key is replaced, so the old private key no longer opens this vault) and this
        person's signing key; other people's signing keys follow at their own next unlock.
        A policy without a key changes nothing (an existing slot is kept). A failure to save
        never stops the unlock: it is reported and tried again next time.
        """
        if keys is None or keys.signing is None:
            return
        target = self.policy.recovery_public_key
        slots = self.slots
        if not target:
            return
        rotated = slots.organisation_recipient() != target
        if not rotated and slots.organisation_signing_recipient(self.user.name) == target:
            return
        before = slots.organisation_recipient()
        try:
            if rotated:
                slots.set_organisation(target, dek)
            slots.seal_signing_to_organisation(self.user.name, keys.signing)
            slots.save()
            if rotated:
                with self.write("the organisation recovery key"):
                    self.audit(
                        "organisation.key.seal",
                        "vault",
                        self.vault_id,
                        None,
                        "rotated" if before else "added",
                    )
        except UserError:
            self.notices.append(
                "The vault could not be sealed to the organisation's new recovery key (the "
                "key slots could not be saved). It will be tried again at the next unlock."
            )

    # -- (2) personal keys and the registry ------------------------------------------------
    def _make_personal_key(self, keys: UserKeys) -> bool:
        """An older slot without a signing key: make one now, wrapped under the same key."""
        personal = Ed25519PrivateKey.generate()
        keys.signing = personal
        self._personal_key = personal
        self.slots.store_signing(self.user.name, keys.kek, personal, keys.root)
        self.slots.seal_signing_to_organisation(self.user.name, personal)
        self.audit("user.key.create", "user", self.user.id)
        return True

    def _publish_own_key(self) -> None:
        if self._personal_key is None:
            return
        mine = registry.public_b64(self._personal_key)
        self.conn.execute(
            "UPDATE users SET public_key = ? WHERE id = ? AND public_key != ?",
            (mine, self.user.id, mine),
        )

    def _may_sign_first_registry(self) -> bool:
        if self.user.role == "admin":
            return True
        admins = self.conn.execute(
            "SELECT 1 FROM users WHERE role = 'admin' AND active = 1 LIMIT 1"
        ).fetchone()
        creator = self.conn.execute("SELECT actor FROM audit WHERE seq = 1").fetchone()
        return admins is None and creator is not None and creator[0] == self.user.name

    def _upkeep_registry(self, keys: UserKeys) -> None:
        """Sign the registry the first time (upgrade), and confirm keys made since."""
        if self._personal_key is None:
            return
        state = self.registry
        if not state.signed:
            if not self._may_sign_first_registry():
                return
            legacy = self.conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM audit WHERE sig = ''"
            ).fetchone()[0]
            head = self.chain_head()
            registry.append(
                self.conn,
                self.vault_id,
                state,
                registry.db_entries(self.conn),
                self.user.name,
                self._personal_key,
                self.now_iso(),
                head.seq,
                legacy_until=legacy,
            )
            self.audit(
                "registry.sign",
                "registry",
                "",
                1,
                f"version=1 first signing after the upgrade; legacy_until={legacy}",
            )
            self._sign_legacy_levels()
            self._sign_legacy_trust()
            return
        if self.user.role != "admin":
            return
        current = state.current
        waiting = [
            e
            for e in registry.db_entries(self.conn)
            if e.name in current
            and not current[e.name].public_key
            and e.public_key
            and current[e.name].role == e.role
            and current[e.name].id == e.id
        ]
        if not waiting:
            return
        names = {e.name: e for e in waiting}
        entries = [names.get(n, e) for n, e in current.items()]
        version = registry.append(
            self.conn,
            self.vault_id,
            state,
            entries,
            self.user.name,
            self._personal_key,
            self.now_iso(),
            self.chain_head().seq,
        )
        self.audit(
            "registry.sign",
            "registry",
            "",
            version.version,
            f"version={version.version} confirmed keys: {', '.join(sorted(names))}",
        )

    def _sign_legacy_levels(self) -> None:
        """At the first signing, vouch for child levels set before per-person keys."""
        rows = self.conn.execute(
            "SELECT id, confirmed_level, level_tool FROM children"
            " WHERE confirmed_level IS NOT NULL AND level_sig = ''"
        ).fetchall()
        for child_id, level, tool in rows:
            self.sign_level(child_id, level, tool or "")

    def _sign_legacy_trust(self) -> None:
        """At the first signing, vouch for senders imported from before the upgrade."""
        for (key,) in self.conn.execute(
            "SELECT public_key FROM trusted_signers WHERE sig = ''"
        ).fetchall():
            self.conn.execute(
                "UPDATE trusted_signers SET signed_by = ?, sig = ? WHERE public_key = ?",
                (self.user.name, self.sign(trust_message(self.vault_id, key, self.user.name)), key),
            )

    def sign_level(self, child_id: str, level: str, tool: str) -> None:
        """Inside a write: sign the child's confirmed level as this person."""
        from cse_toolkit.vault import rows

        sig = self.sign(level_message(self.vault_id, child_id, level, tool, self.user.name))
        rows.sign_level(self.conn, child_id, self.user.name if sig else "", sig)

    def _register_recovered_key(
        self, signing: Ed25519PrivateKey, slots: KeySlots, recovery_key: str
    ) -> str:
        """Inside a write: a registry version, signed with the recovery key, that replaces
        this person's signing key. Returns the audit reason (or why it could not)."""
        recovery_signer = slots.recovery_signing_key(recovery_key)
        if self.registry.versions[0].body.get("recovery_public") != registry.public_b64(
            recovery_signer
        ):
            return (
                "new signing key not registered (vault made before per-person keys): an "
                "admin confirms it with 'user confirm-key'"
            )
        mine = registry.public_b64(signing)
        self.conn.execute("UPDATE users SET public_key = ? WHERE id = ?", (mine, self.user.id))
        entries = [
            registry.Entry(
                e.id, e.name, e.role, mine if e.name == self.user.name else e.public_key, e.active
            )
            for e in self.registry.current.values()
        ]
        version = registry.append(
            self.conn,
            self.vault_id,
            self.registry,
            entries,
            registry.RECOVERY_SIGNER,
            recovery_signer,
            self.now_iso(),
            self.chain_head().seq,
        )
        self._personal_key = signing  # the entry recording the recovery is signed by it
        return (
            f"new signing key registered with the recovery key (registry version {version.version})"
        )

    def sign(self, message: bytes) -> str:
        """This person's signature (hex) over ``message``; "" in a session without a key."""
        if self._personal_key is None:
            return ""
        return self._personal_key.sign(message).hex()

    @property
    def user_public_key(self) -> bytes:
        """The signed-in person's own public signing key (packs carry it)."""
        return self.signing_key().public_key().public_bytes_raw()

    def require_registry(self) -> None:
        if not self.registry.signed:
            raise RegistryError(
                "The user registry is not signed yet, so roles and users cannot change. The "
                "first admin signs it by unlocking the vault once; then try again."
            )
        if self.registry.problems:
            raise RegistryError("The user registry does not verify: " + self.registry.problems[0])

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except db.DatabaseError:
                pass
            self.conn.close()
            self.conn = None
        self._signing_key = None  # type: ignore[assignment]
        self._personal_key = None
        self._listeners.clear()
        self.unsaved.clear()  # sealed first by the lock (Vault.seal_unsaved), if it was kept

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
        """(2) The signed-in person's own Ed25519 key, for packs and decisions (never leaves
        the process). The vault's own key only signs the chain head file."""
        if self._personal_key is None:
            raise UserError(
                "This session was opened without your passphrase, so it cannot sign. Lock and "
                "unlock with your passphrase."
            )
        return self._personal_key

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
            rows.reset_touched(self.conn)
            self._make_room()
            try:
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                except db.DatabaseError as exc:
                    raise db.translate(exc, what) from exc
                try:
                    yield
                    # Case state commits with the records that changed it (vault/case_store.py).
                    case_store.flush(self.conn, self.policy, self.clock, self.vault_id)
                    if rows.pending_touched(self.conn):
                        # Records written after the transaction's last audit entry (or with
                        # none): bound by an entry of their own.
                        self.audit("record.bind")
                    commits = anchor.bump_commits(self.conn)
                    self.conn.execute("COMMIT")
                except BaseException as exc:
                    rows.reset_touched(self.conn)
                    with contextlib.suppress(db.DatabaseError):
                        self.conn.execute("ROLLBACK")
                    if isinstance(exc, db.DatabaseError | OSError):
                        raise db.translate(exc, what) from exc
                    raise
            finally:
                self._write_owner = None
            if self._pending_head is not None:
                try:
                    audit.write_head_file(
                        self.folder, self.vault_id, self._pending_head, self._signing_key
                    )
                except DiskFullError:
                    # The change is committed: saying "not saved" would be false (and invite
                    # typing it again). The head file catches up at the next write with room.
                    self.disk_full = True
                    log.warning("the disk is full: the chain head file lags one write")
            self._advance_anchor(commits)
            committed, self._pending_changes = tuple(self._pending_changes), []
        if committed:
            self._notify(Change(committed))

    def _advance_anchor(self, commits: int) -> None:
        """After a commit: the anchor outside the folder follows (one store write)."""
        head = self._pending_head
        if self._reanchor:
            self._reanchor = False
            current = head or self.chain_head()
            before = anchor.load(self.folder, self.vault_id)
            anchor.save(
                self.folder,
                self.vault_id,
                anchor.Anchor(
                    current.seq,
                    current.hash,
                    commits,
                    self.slots.generation,
                    told=bool(before and before.told),
                    slots_digest=self.slots.digest,
                ),
            )
            return
        anchor.advance(
            self.folder,
            self.vault_id,
            seq=head.seq if head else None,
            digest=head.hash if head else None,
            commits=commits,
        )

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
            signer=self._personal_key,
            content=rows.bind(self.conn),
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
        the vault is open, so it is unwrapped from the admin's slot for this one change. (2)
        The new person's signing key is made here, wrapped only in their slot, and the user
        registry gets a new version signed by the admin.
        """
        self.require("admin")
        self.require_registry()
        role = _check_role(role)
        if not name.strip():
            raise UserError("A user name is needed.")
        if name in self.slots.user_names:
            raise UserError(f"There is already a user called '{name}'.")
        dek = self._admin_keys(admin_passphrase).dek
        params = kdf or calibrate()[0]
        user = User(str(uuid.uuid4()), name, role, display_name)
        personal = Ed25519PrivateKey.generate()
        with self.write("the new user"):
            self.conn.execute(
                "INSERT INTO users (id, name, role, display_name, created_at, public_key)"
                " VALUES (?,?,?,?,?,?)",
                (user.id, name, role, display_name, self.now_iso(), registry.public_b64(personal)),
            )
            self.audit("user.add", "user", user.id, 1, f"role={role}")
            self._sign_registry(f"added {name} as {role}")
            self.slots.set_user(
                name, passphrase, dek, params, signing=personal, root=self.registry.root
            )
            self.slots.seal_signing_to_organisation(name, personal)
            self.slots.save()
        return user

    def set_role(self, name: str, role: str, admin_passphrase: str) -> None:
        """(2) An admin changes a person's role: a new registry version signed by the admin."""
        self.require("admin")
        self.require_registry()
        role = _check_role(role)
        target = next((u for u in self.users() if u.name == name), None)
        if target is None:
            raise UnknownUserError(name, [u.name for u in self.users()])
        if target.role == role:
            raise UserError(f"{name} is already {'an' if role == 'admin' else 'a'} {role}.")
        self._admin_keys(admin_passphrase)
        with self.write("the new role"):
            self.conn.execute("UPDATE users SET role = ? WHERE id = ?", (role, target.id))
            self.audit("user.role", "user", target.id, None, f"role={role} from={target.role}")
            self._sign_registry(f"{name}: {target.role} -> {role}")

    def confirm_key(self, name: str, admin_passphrase: str) -> str:
        """(2) An admin registers the signing key now in ``name``'s slot (after a recovery
        with the recovery key, which makes a new key). Returns its fingerprint."""
        from cse_toolkit.packs.signing import fingerprint

        self.require("admin")
        self.require_registry()
        target = next((u for u in self.users() if u.name == name), None)
        if target is None:
            raise UnknownUserError(name, [u.name for u in self.users()])
        published = self.slots.public_key(name)
        if published is None:
            raise UserError(f"{name}'s key slot holds no signing key yet; they unlock first.")
        self._admin_keys(admin_passphrase)
        with self.write("the confirmed key"):
            self.conn.execute(
                "UPDATE users SET public_key = ? WHERE id = ?", (registry.b64(published), target.id)
            )
            self.audit("user.key.confirm", "user", target.id, None, "")
            self._sign_registry(f"confirmed a new key for {name}")
        return fingerprint(published)

    def _admin_keys(self, admin_passphrase: str) -> UserKeys:
        keys = self.slots.unwrap_user_keys(self.user.name, admin_passphrase)
        if (
            keys.signing is None
            or self._personal_key is None
            or (registry.public_b64(keys.signing) != registry.public_b64(self._personal_key))
        ):
            raise RegistryError("Your key slot changed since you signed in; unlock again.")
        return keys

    def _sign_registry(self, what: str) -> None:
        """Inside a write: sign the users as they now are into the next registry version."""
        assert self._personal_key is not None
        version = registry.append(
            self.conn,
            self.vault_id,
            self.registry,
            registry.db_entries(self.conn),
            self.user.name,
            self._personal_key,
            self.now_iso(),
            self.chain_head().seq,
        )
        self.audit(
            "registry.sign", "registry", "", version.version, f"version={version.version} {what}"
        )

    # -- (2) proving authorship ------------------------------------------------------------
    def case_state_problems(self) -> list[str]:
        """Children whose stored case state is not what a full replay gives (``audit verify``)."""
        return case_store.verify(self.conn, self.policy, self.clock, self.vault_id)

    def rebuild_case_state(self) -> int:
        """Recompute every child's stored case state from their records, audited; returns how
        many children (the rows are derived: nothing a person decided changes)."""
        with self.write("rebuilding the case state"):
            count = case_store.rebuild_all(self.conn)
            self.audit("vault.case_state", reason=f"children={count}")
        return count

    def audit_report(self) -> AuditReport:
        """Everything `audit verify` checks: the chain, the head kept outside the file, the
        registry, every entry's signature and role at the time, every sign-off and level."""
        from cse_toolkit.vault.dsl.signoff import verify_signoff

        count, problems = audit.verify_chain(self.conn, self.vault_id)
        head = self.chain_head()
        try:
            saved = audit.read_head_file(self.folder, self.vault_id, self.public_key)
            if saved is not None and saved != head:
                problems.append(
                    f"the head kept outside the database is entry {saved.seq}, the "
                    f"database ends at {head.seq}"
                )
        except UserError as exc:
            problems.append(str(exc))
        state = registry.load(self.conn, self.vault_id)
        problems += [f"user registry: {p}" for p in state.problems]
        if state.signed:
            for entry in registry.db_entries(self.conn):
                problems += [f"user {p}" for p in registry.check_user(state, entry, None)]
        published = {e.name: e.public_key for e in registry.db_entries(self.conn)}
        authorship = audit.verify_authorship(self.conn, self.vault_id, state, published)
        problems += authorship.problems
        problems += integrity.record_problems(self.conn)[1]
        decisions = 0
        if state.signed:
            for (sid,) in self.conn.execute("SELECT id FROM signoffs ORDER BY rowid").fetchall():
                decisions += 1
                why = verify_signoff(self.conn, self.vault_id, state, sid)
                if why:
                    problems.append(f"sign-off {sid[:8]}: {why}")
            problems += _missing_signoffs(self.conn)
            problems += import_problems(self.conn, self.vault_id, state)
            newest = _newest_levels(self.conn)
            for child_id, level, tool, signer, sig in self.conn.execute(
                "SELECT id, confirmed_level, COALESCE(level_tool, ''), level_signer, level_sig"
                " FROM children WHERE confirmed_level IS NOT NULL"
            ).fetchall():
                decisions += 1
                message = level_message(self.vault_id, child_id, level, tool, signer)
                if not sig or not state.signed_by(signer, sig, message):
                    problems.append(
                        f"child {child_id[:8]}: its level '{level}' is not signed by "
                        f"the person who set it{f' ({signer})' if signer else ''}"
                    )
                    continue
                problems += _level_matches_trail(
                    self.conn, state, child_id, level, tool, signer, newest.pop(child_id, None)
                )
            for (child_id,) in self.conn.execute(
                "SELECT id FROM children WHERE confirmed_level IS NULL"
            ).fetchall():
                if child_id in newest:
                    seq, actor, reason = newest[child_id]
                    problems.append(
                        f"child {child_id[:8]}: it has no level, but entry {seq} "
                        f"recorded {reason.split(' ')[0]} by {actor} (removed "
                        "around the app)"
                    )
        return AuditReport(count, head, problems, authorship, decisions)

    # -- backup ----------------------------------------------------------------------------
    def integrity_problems(self) -> list[str]:
        try:
            return db.integrity_check(self.conn)
        except db.DatabaseError as exc:
            return [str(exc)]


def _missing_signoffs(conn: Any) -> list[str]:
    """(2) A DSL's sign-off recorded in the audit trail must still be there, and the screening
    it agreed or changed must still say so: deleting the sign-off row (and putting the
    screening back to "awaiting") would otherwise undo the DSL's decision without a trace.
    A screening deleted by a purge (a DSL's act, in the trail after it) takes its sign-offs."""
    found: list[str] = []
    present = {str(r[0]) for r in conn.execute("SELECT id FROM signoffs").fetchall()}
    last_purge = conn.execute(
        "SELECT COALESCE(MAX(seq), 0) FROM audit WHERE action = 'purge'"
    ).fetchone()[0]
    for seq, actor, action, signoff_id, reason in conn.execute(
        "SELECT seq, actor, action, record_id, reason FROM audit WHERE action LIKE 'signoff.%'"
        " ORDER BY seq"
    ).fetchall():
        if signoff_id in present:
            continue
        screening_id = next(
            (
                part[len("screening=") :]
                for part in str(reason).split()
                if part.startswith("screening=")
            ),
            "",
        )
        gone = (
            conn.execute("SELECT 1 FROM screenings WHERE id = ?", (screening_id,)).fetchone()
            is None
        )
        if gone and last_purge > seq:
            continue
        found.append(
            f"sign-off {str(signoff_id)[:8]} ({action} by {actor}, entry {seq}) is in "
            "the audit trail but its record is gone: removed around the app"
        )
    for signoff_id, decision, status in conn.execute(
        "SELECT g.id, g.decision, s.status FROM signoffs g JOIN screenings s"
        " ON s.id = g.screening_id WHERE g.rowid = (SELECT h.rowid FROM signoffs h"
        " WHERE h.screening_id = g.screening_id ORDER BY h.created_at DESC, h.rowid DESC"
        " LIMIT 1)"
    ).fetchall():
        if decision in ("agree", "change") and status != "signed_off":
            found.append(
                f"sign-off {str(signoff_id)[:8]} ({decision}): its screening says "
                f"'{status}' instead of signed off (changed around the app)"
            )
    return found


def _newest_levels(conn: Any) -> dict[str, tuple[int, str, str]]:
    """Each child's newest ``child.level`` audit entry: (seq, actor, reason)."""
    newest: dict[str, tuple[int, str, str]] = {}
    for seq, actor, child_id, reason in conn.execute(
        "SELECT seq, actor, record_id, reason FROM audit WHERE action = 'child.level' ORDER BY seq"
    ):
        newest[child_id] = (int(seq), str(actor), str(reason))
    return newest


# A worker sets a child's level only by confirming a screening (or recording a step) about
# that child: the level entry is followed, in the same transaction, by that entry.
_WORKER_LEVEL_SOURCES = {
    "screening.confirm": "SELECT child_id FROM screenings WHERE id = ?",
    "step.decide": "SELECT child_id FROM pathway_steps WHERE id = ?",
}


def _level_matches_trail(
    conn: Any,
    state: registry.RegistryState,
    child_id: str,
    level: str,
    tool: str,
    signer: str,
    recorded: tuple[int, str, str] | None,
) -> list[str]:
    """(2) A signed level must also be the newest level the audit trail records for the child
    (else an older signed level was put back), and a worker's level must come with the
    screening that set it (else it was written around the app with the worker's own key)."""
    from cse_toolkit.vault.repos import level_reason

    if recorded is None:
        return []  # set before levels were recorded in the trail (covered by its signature)
    seq, actor, reason = recorded
    label = f"child {child_id[:8]}: its level '{level}' ({signer})"
    if actor != signer or reason != level_reason(level, tool):
        return [
            f"{label} is not the newest level recorded for the child (entry {seq}: "
            f"{reason.split(' ')[0]} by {actor}): it was put back or edited around the app"
        ]
    entry = state.in_force_at(seq).get(actor)
    if entry is None or entry.role != "worker":
        return []
    following = conn.execute(
        "SELECT actor, action, record_id FROM audit WHERE seq = ?", (seq + 1,)
    ).fetchone()
    sql = _WORKER_LEVEL_SOURCES.get(following[1]) if following else None
    owner = conn.execute(sql, (following[2],)).fetchone() if sql and following else None
    if following is None or following[0] != actor or owner is None or owner[0] != child_id:
        return [
            f"{label} was set by a worker without a screening of this child (entry {seq}): "
            "written around the app"
        ]
    return []


def _against_anchor(
    folder: Path, slots: KeySlots, conn: Any, accept_older: str | None
) -> tuple[str | None, bool]:
    """(why the vault is older than this laptop's anchor, or None; whether the next commit
    re-records the anchor exactly). Raises ``OlderCopyError`` unless ``accept_older``."""
    anchored = anchor.load(folder, slots.vault_id)
    older = anchor.problem(anchored, conn, slots.generation, slots.digest)
    # A restore recorded the state it put in place before swapping folders.
    pending = anchor.matches_pending(anchored, conn)
    if older and pending:
        older = None
    if older and not accept_older:
        raise OlderCopyError(older)
    return older, pending or bool(anchored and anchored.pending_seq) or bool(older)


def _upkeep_handover(slots: KeySlots, name: str, keys: UserKeys | None) -> None:
    """(issue 22) Take a data key a re-key sealed to this person, and give an older slot its
    handover key (so the next re-key reaches them)."""
    if keys is None or not keys.kek:
        return
    changed = False
    if keys.handed_over:
        slots.finish_handover(name, keys.kek, keys.dek)
        changed = True
    if not slots.has_handover(name):
        slots.add_handover(name, keys.kek)
        changed = True
    if changed:
        slots.save()


def _check_records(conn: Any) -> None:
    """(issue 22) Every record as its newest audit entry recorded it, before anything is read."""
    _, damaged = integrity.record_problems(conn, limit=3)
    if damaged:
        raise VaultDamagedError("records do not match the audit trail: " + "; ".join(damaged))


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
    folder: Path,
    user: str | None,
    old: str,
    new: str,
    kdf: KdfParams | None = None,
    *,
    policy: Policy | None = None,
) -> str:
    """Re-wrap the data key under a new passphrase; the database is not re-encrypted."""
    slots = _require_folder(folder)
    name = _pick_user(slots, user)
    keys = slots.unwrap_user_keys(name, old)
    _rewrap(folder, slots, name, keys, new, kdf, "passphrase.change", policy=policy)
    return name


def recover(
    folder: Path,
    user: str | None,
    new: str,
    *,
    recovery_key: str | None = None,
    organisation_key: X25519PrivateKey | None = None,
    kdf: KdfParams | None = None,
    policy: Policy | None = None,
) -> str:
    """Set a new passphrase using the recovery key (or the organisation's private key)."""
    slots = _require_folder(folder)
    name = _pick_user(slots, user)
    if organisation_key is not None:
        dek = slots.unwrap_organisation(organisation_key)
        # The organisation slot also holds each person's signing key: they keep their key.
        signing = slots.unwrap_organisation_signing(organisation_key, name)
        action = "passphrase.recover.organisation"
    elif recovery_key is not None:
        dek = slots.unwrap_recovery(recovery_key)
        # The vault's recovery key never holds anyone's signing key: a new one is made and
        # registered with the recovery key's own signature (keys only; never roles or users).
        signing = None
        action = "passphrase.recover"
    else:
        raise UserError("A recovery key is needed.")
    _rewrap(
        folder,
        slots,
        name,
        UserKeys(dek, signing, None, b""),
        new,
        kdf,
        action,
        recovery_key=recovery_key,
        policy=policy,
    )
    return name


def _rewrap(
    folder: Path,
    slots: KeySlots,
    name: str,
    keys: UserKeys,
    new: str,
    kdf: KdfParams | None,
    action: str,
    *,
    recovery_key: str | None = None,
    policy: Policy | None = None,
) -> None:
    # Prove the key opens the database (and record the change) before replacing the slot.
    # A recovery with the vault's recovery key has no signing key: that session is opened with
    # the data key alone and its audit entry is unsigned (audit verify lists it as a recovery).
    signed = keys.signing is not None
    vault = Vault._open_with_key(
        folder, slots, name, keys.dek, SystemClock(), keys if signed else None, policy
    )
    try:
        with vault.write("the new passphrase"):
            signing = keys.signing or Ed25519PrivateKey.generate()
            reason = ""
            if not signed and recovery_key is not None and vault.registry.signed:
                reason = vault._register_recovered_key(signing, slots, recovery_key)
            vault.audit(action, "user", vault.user.id, None, reason)
            slots.set_user(
                name,
                new,
                keys.dek,
                kdf or calibrate()[0],
                signing=signing,
                root=keys.root or vault.registry.root,
            )
            slots.seal_signing_to_organisation(name, signing)
            slots.save()
    finally:
        vault.close()


def verified_role(folder: Path, user: str | None, passphrase: str) -> tuple[str, str]:
    """(name, role) of a person, checked against the signed registry, without writing anything
    (read-only): for deciding whether they may restore over this vault."""
    slots = _require_folder(folder)
    name = _pick_user(slots, user)
    keys = slots.unwrap_user_keys(name, passphrase)
    conn = db.connect(folder / db.DB_FILE, keys.dek)  # nothing is written; closing removes the WAL
    try:
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] < schema.LATEST:
                # Not migrated yet (no registry to check): the role as the database has it.
                row = conn.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
                if row is None:
                    raise UnknownUserError(name, slots.user_names)
                return name, str(row[0])
            row = conn.execute(
                "SELECT id, name, role, display_name, agency, contact, active, public_key"
                " FROM users WHERE name = ?",
                (name,),
            ).fetchone()
            state = registry.load(conn, slots.vault_id)
        except db.DatabaseError as exc:
            raise db.translate(exc, "opening the vault") from exc
        if row is None or not row[6]:
            raise UnknownUserError(name, slots.user_names)
        person = User(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]))
        _check_registry(state, person, row[7] or "", keys)
        return name, person.role
    finally:
        conn.close()


def open_with_key_for_restore(
    folder: Path,
    user: str,
    dek: bytes,
    keys: UserKeys | None = None,
    policy: Policy | None = None,
) -> Vault:
    """Open with the data key alone (tests, maintenance): the user's registry entry is still
    checked, but without ``keys`` the session has no signing key and its entries are unsigned."""
    slots = _require_folder(folder)
    return Vault._open_with_key(folder, slots, user, dek, SystemClock(), keys, policy)
