"""(2) The user registry: who the users are, their roles and their public signing keys, signed.

The registry is an append-only list of snapshots in the ``registry`` table. Each snapshot holds
every user (id, name, role, public key, active), the version before it (by hash), the audit
sequence number it was signed at, and who signed it:

* version 1 is signed by its root: the vault's creator at ``init`` or, for a vault made before
  per-person keys, the first admin at their next unlock (the creator when there is no admin);
* every later version is signed by a user who is an active admin, with the key listed for them,
  in the version before it.

Whoever holds the data key can still write rows, so the registry alone is not the anchor: every
user's own key slot pins the root's public key (``keyslots.UserKeys.root``), and a registry whose
root differs from the one in an honest user's slot is refused at that user's next unlock. A user
whose database row disagrees with the signed registry (a role edited with SQL, a user added
without an admin's signature, a key that is not the one registered) is refused by name.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cse_toolkit.errors import UserError

DOMAIN = b"cse-toolkit/registry/v1|"
RECOVERY_SIGNER = "(recovery key)"


class RegistryError(UserError):
    """A user, role or registry that does not verify; the message names who and what."""


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    role: str
    public_key: str  # base64; "" = the person has not made their key yet (upgraded vault)
    active: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "public_key": self.public_key,
            "active": self.active,
        }


@dataclass
class Version:
    version: int
    body: dict[str, Any]
    signer: str
    signature: str
    digest: str

    @property
    def at_seq(self) -> int:
        return int(self.body.get("at_seq", 0))

    _entries: dict[str, Entry] | None = field(default=None, repr=False, compare=False)

    def entries(self) -> dict[str, Entry]:
        if self._entries is None:  # read once: verification asks for every audit entry
            self._entries = {
                u["name"]: Entry(
                    str(u["id"]),
                    str(u["name"]),
                    str(u["role"]),
                    str(u.get("public_key", "")),
                    bool(u.get("active", True)),
                )
                for u in self.body.get("users", [])
            }
        return self._entries


@dataclass
class RegistryState:
    """The verified registry: every version (in order), problems found, and the root key."""

    versions: list[Version] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    root: bytes | None = None
    _key_cache: dict[str, list[Ed25519PublicKey]] = field(default_factory=dict, repr=False)

    @property
    def signed(self) -> bool:
        return bool(self.versions)

    @property
    def ok(self) -> bool:
        return self.signed and not self.problems

    @property
    def current(self) -> dict[str, Entry]:
        return self.versions[-1].entries() if self.versions else {}

    @property
    def legacy_until(self) -> int:
        """Audit entries up to this sequence number were written before per-person keys."""
        return int(self.versions[0].body.get("legacy_until", 0)) if self.versions else 0

    def in_force_at(self, seq: int) -> dict[str, Entry]:  # a few versions: a linear scan
        """The registry in force when audit entry ``seq`` was written (the first version for
        entries before it was signed)."""
        chosen = self.versions[0] if self.versions else None
        for v in self.versions:
            if v.at_seq < seq:
                chosen = v
        return chosen.entries() if chosen else {}

    def keys_of(self, name: str) -> set[str]:
        """Every public key ever registered for ``name``."""
        found = set()
        for v in self.versions:
            entry = v.entries().get(name)
            if entry and entry.public_key:
                found.add(entry.public_key)
        return found

    def public_keys(self, name: str) -> list[Ed25519PublicKey]:
        """``keys_of`` as loaded key objects, cached (verifying thousands of entries)."""
        if name not in self._key_cache:
            self._key_cache[name] = [
                Ed25519PublicKey.from_public_bytes(base64.b64decode(k))
                for k in sorted(self.keys_of(name))
            ]
        return self._key_cache[name]

    def signed_by(self, name: str, signature_hex: str, message: bytes) -> bool:
        """Is ``signature_hex`` over ``message`` made with a key registered for ``name``?"""
        try:
            raw = bytes.fromhex(signature_hex)
        except ValueError:
            return False
        for key in self.public_keys(name):
            try:
                key.verify(raw, message)
                return True
            except InvalidSignature:
                continue
        return False


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def public_b64(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes_raw())


def verify_sig(public_key_b64: str, signature_hex: str, message: bytes) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def load(conn: Any, vault_id: str) -> RegistryState:
    """Read and verify every version; never raises for a bad registry (see ``problems``)."""
    state = RegistryState()
    rows = conn.execute(
        "SELECT version, body, signer, signature FROM registry ORDER BY version"
    ).fetchall()
    previous: Version | None = None
    for number, raw, signer, signature in rows:
        try:
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            state.problems.append(f"registry version {number} is not readable")
            break
        digest = hashlib.sha256(DOMAIN + raw.encode()).hexdigest()
        version = Version(int(number), body, str(signer), str(signature), digest)
        expected = previous.version + 1 if previous else 1
        if version.version != expected or body.get("version") != version.version:
            state.problems.append(f"registry version {number} is out of order")
        if body.get("vault_id") != vault_id:
            state.problems.append(f"registry version {number} belongs to another vault")
        if body.get("signed_by") != signer:
            state.problems.append(f"registry version {number} names another signer")
        if previous is None:
            entry = version.entries().get(signer)
            if entry is None or not entry.public_key:
                state.problems.append(f"registry version 1: its signer {signer} is not in it")
            else:
                state.root = base64.b64decode(entry.public_key)
                if not verify_sig(entry.public_key, signature, DOMAIN + raw.encode()):
                    state.problems.append(f"registry version 1 is not signed by {signer}'s key")
        else:
            if body.get("prev") != previous.digest:
                state.problems.append(
                    f"registry version {number} does not follow version {previous.version}"
                )
            if signer == RECOVERY_SIGNER:
                _check_recovery_version(state, previous, version, raw)
                state.versions.append(version)
                previous = version
                continue
            admin = previous.entries().get(signer)
            if admin is None or admin.role != "admin" or not admin.active or not admin.public_key:
                state.problems.append(
                    f"registry version {number} was signed by {signer}, who was not an admin "
                    "in the version before it"
                )
            elif not verify_sig(admin.public_key, signature, DOMAIN + raw.encode()):
                state.problems.append(
                    f"registry version {number} is not signed by {signer}'s registered key"
                )
        state.versions.append(version)
        previous = version
    _check_against_audit(conn, state)
    return state


def _check_against_audit(conn: Any, state: RegistryState) -> None:
    """Every registry version the (signed) audit trail says was written must still be there:
    versions are chained to each other but not to the future, so deleting the newest one (a
    demotion, a removed user) would otherwise leave a shorter registry that verifies."""
    recorded = (
        conn.execute(
            "SELECT COALESCE(MAX(record_version), 0) FROM audit WHERE action = 'registry.sign'"
        ).fetchone()[0]
        or 0
    )
    for (reason,) in conn.execute(
        "SELECT reason FROM audit WHERE action = 'passphrase.recover'"
        " AND reason LIKE '%(registry version %'"
    ).fetchall():
        tail = str(reason).rsplit("(registry version ", 1)[-1].rstrip(")")
        if tail.isdigit():
            recorded = max(recorded, int(tail))
    have = len(state.versions)
    if recorded > have:
        state.problems.append(
            f"the audit trail records user registry version {recorded}, but the registry ends "
            f"at version {have}: a newer version was removed"
        )


def _check_recovery_version(
    state: RegistryState, previous: Version, version: Version, raw: str
) -> None:
    """A version signed with the recovery key may only replace people's signing keys."""
    recovery_public = state.versions[0].body.get("recovery_public") if state.versions else None
    number = version.version
    if not recovery_public or not verify_sig(
        recovery_public, version.signature, DOMAIN + raw.encode()
    ):
        state.problems.append(f"registry version {number} is not signed by the recovery key")
        return
    before, after = previous.entries(), version.entries()
    same = before.keys() == after.keys() and all(
        (b.id, b.role, b.active) == (after[n].id, after[n].role, after[n].active)
        for n, b in before.items()
    )
    if not same:
        state.problems.append(
            f"registry version {number} was signed with the recovery key but changes users or "
            "roles (the recovery key may only replace a person's signing key)"
        )


def append(
    conn: Any,
    vault_id: str,
    state: RegistryState,
    entries: list[Entry],
    signer_name: str,
    signer_key: Ed25519PrivateKey,
    at: str,
    at_seq: int,
    *,
    legacy_until: int = 0,
    extra: dict[str, Any] | None = None,
) -> Version:
    """Sign and store the next version (inside the caller's transaction)."""
    number = len(state.versions) + 1
    body: dict[str, Any] = {
        "vault_id": vault_id,
        "version": number,
        "prev": state.versions[-1].digest if state.versions else "",
        "users": [e.as_dict() for e in sorted(entries, key=lambda e: e.name)],
        "signed_by": signer_name,
        "signed_at": at,
        "at_seq": at_seq,
    }
    if number == 1:
        body["legacy_until"] = legacy_until
    body.update(extra or {})
    raw = _canonical(body).decode()
    signature = signer_key.sign(DOMAIN + raw.encode()).hex()
    conn.execute(
        "INSERT INTO registry (version, body, signer, signature) VALUES (?,?,?,?)",
        (number, raw, signer_name, signature),
    )
    version = Version(
        number, body, signer_name, signature, hashlib.sha256(DOMAIN + raw.encode()).hexdigest()
    )
    state.versions.append(version)
    state._key_cache.clear()
    if number == 1 and signer_name != RECOVERY_SIGNER:
        state.root = signer_key.public_key().public_bytes_raw()
    return version


def db_entries(conn: Any) -> list[Entry]:
    """The users as the database has them (what a registry version would sign)."""
    return [
        Entry(r[0], r[1], r[2], r[3] or "", bool(r[4]))
        for r in conn.execute(
            "SELECT id, name, role, public_key, active FROM users ORDER BY name"
        ).fetchall()
    ]


def check_user(state: RegistryState, row: Entry, own_public_b64: str | None) -> list[str]:
    """Why ``row`` (a user as the database has them) does not match the signed registry."""
    entry = state.current.get(row.name)
    if entry is None:
        return [
            f"{row.name} is not in the signed user registry (a user added without an "
            "admin's signature)"
        ]
    problems = []
    if entry.role != row.role:
        problems.append(
            f"{row.name}'s role is {row.role} in the database but {entry.role} in "
            "the signed user registry"
        )
    if entry.id != row.id:
        problems.append(f"{row.name}'s user id does not match the signed user registry")
    if entry.active != row.active:
        problems.append(f"{row.name}'s active state does not match the signed user registry")
    if own_public_b64 is not None and entry.public_key and entry.public_key != own_public_b64:
        problems.append(
            f"the signing key in {row.name}'s key slot is not the one registered "
            f"for {row.name} (the key slot was replaced or forged; after a recovery "
            f"with the recovery key an admin confirms the new key with "
            f"'cse-toolkit user confirm-key {row.name}')"
        )
    return problems
