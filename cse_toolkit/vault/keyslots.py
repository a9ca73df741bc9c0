"""Key slots: the vault's random data key (DEK), wrapped once per way in.

``keyslots.json`` sits beside the database and holds only wrapped keys and public values:

* one slot per user: AES-256-GCM under Argon2id(passphrase, salt), parameters calibrated at
  creation to 0.5-1 s on this machine, never below m = 64 MiB, t = 3, stored per slot;
* a recovery slot: AES-256-GCM under HKDF(recovery key); the recovery key is 160 random bits
  shown once, as eight groups of four characters that are easy to read aloud;
* an organisation slot when the policy holds an X25519 public key: sealed to it (ephemeral
  X25519 + HKDF + AES-256-GCM), so IT can recover with the organisation's private key.

Every slot binds the vault id and the slot's purpose as AES-GCM associated data, so a slot copied
from another vault or another user does not open. Changing a passphrase re-wraps the DEK only.

(2) Per-person keys. A user's slot also wraps that person's own Ed25519 signing key (under the
same Argon2id-derived key, so one derivation opens both), together with the public key of the
user registry's root as this person last saw it (a registry replaced wholesale is then caught at
their next unlock). The organisation slot, when there is one, also seals each signing key, for
recovery. ``generation`` counts every save, so a restore can refuse to bring back older slots.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import atomic_write
from cse_toolkit.vault.errors import (
    NotAVaultError,
    UnknownUserError,
    WrongPassphraseError,
    WrongRecoveryKeyError,
)

FORMAT = 1
SLOTS_FILE = "keyslots.json"
DEK_BYTES = 32
FLOOR_MEMORY_KIB = 64 * 1024
FLOOR_ITERATIONS = 3
MAX_MEMORY_KIB = 1024 * 1024
TARGET_SECONDS = (0.5, 1.0)
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def slots_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int = 4

    def check_floor(self) -> None:
        if self.memory_kib < FLOOR_MEMORY_KIB or self.iterations < FLOOR_ITERATIONS:
            raise ValueError(
                f"Argon2id parameters below the floor (m >= {FLOOR_MEMORY_KIB} KiB, "
                f"t >= {FLOOR_ITERATIONS})"
            )

    def to_dict(self) -> dict[str, int]:
        return {"m": self.memory_kib, "t": self.iterations, "p": self.lanes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KdfParams:
        params = cls(int(data["m"]), int(data["t"]), int(data["p"]))
        params.check_floor()  # a file edited to weaken new slots is refused
        return params


FLOOR_PARAMS = KdfParams(FLOOR_MEMORY_KIB, FLOOR_ITERATIONS)


def derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(passphrase.encode("utf-8"))


def calibrate(target: tuple[float, float] = TARGET_SECONDS) -> tuple[KdfParams, float]:
    """Pick Argon2id parameters that take 0.5-1 s here; returns them and the measured time."""
    params = FLOOR_PARAMS
    salt = os.urandom(16)
    start = time.perf_counter()
    derive("calibration", salt, params)
    elapsed = time.perf_counter() - start
    goal = (target[0] + target[1]) / 2
    if elapsed < target[0]:
        memory = min(MAX_MEMORY_KIB, int(params.memory_kib * goal / max(elapsed, 1e-3)))
        memory = max(FLOOR_MEMORY_KIB, memory - memory % 1024)
        params = KdfParams(memory, FLOOR_ITERATIONS)
        start = time.perf_counter()
        derive("calibration", salt, params)
        elapsed = time.perf_counter() - start
        if elapsed < target[0]:
            # Memory is capped; make up the time with passes instead.
            iterations = max(FLOOR_ITERATIONS, int(params.iterations * goal / max(elapsed, 1e-3)))
            params = KdfParams(memory, iterations)
            start = time.perf_counter()
            derive("calibration", salt, params)
            elapsed = time.perf_counter() - start
    return params, elapsed


def new_recovery_key() -> str:
    """160 random bits as eight groups of four Crockford base32 characters."""
    value = int.from_bytes(secrets.token_bytes(20), "big")
    chars = "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(32))[::-1]
    return "-".join(chars[i : i + 4] for i in range(0, 32, 4))


def _recovery_bytes(text: str) -> bytes:
    cleaned = text.upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.replace("O", "0").replace("I", "1").replace("L", "1")
    if len(cleaned) != 32 or any(c not in _CROCKFORD for c in cleaned):
        raise WrongRecoveryKeyError()
    value = 0
    for c in cleaned:
        value = value * 32 + _CROCKFORD.index(c)
    return value.to_bytes(20, "big")


def _hkdf(secret: bytes, info: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def _aad(vault_id: str, purpose: str) -> bytes:
    return f"cse-toolkit/keyslot/v1|{vault_id}|{purpose}".encode()


@dataclass
class UserKeys:
    """What one passphrase opens: the data key and (2) the person's own signing key.

    ``root`` is the user registry's root public key pinned in this slot (None until pinned).
    ``kek`` is kept only so the caller can add a signing key to an older slot without a second
    key derivation; it never leaves the process and is dropped with this object.
    """

    dek: bytes
    signing: Ed25519PrivateKey | None
    root: bytes | None
    kek: bytes
    # (issue 22) the data key came sealed to this person's handover key by a re-key: the slot
    # is re-wrapped under their passphrase at this unlock (``finish_handover``).
    handed_over: bool = False


def _sign_aad(vault_id: str, user: str) -> bytes:
    return _aad(vault_id, f"sign:{user}")


class KeySlots:
    """The parsed key-slot file. Mutating methods change memory only; call ``save``."""

    def __init__(self, data: dict[str, Any], path: Path) -> None:
        self._data = data
        self.path = path
        # sha256 of the file as read or last written (the anchor keeps the one it wrote).
        self.digest = ""

    # -- file ---------------------------------------------------------------------------
    @classmethod
    def new(cls, folder: Path, vault_id: str, signing_public_key: bytes) -> KeySlots:
        data = {
            "format": FORMAT,
            "vault_id": vault_id,
            "signing_public_key": _b64(signing_public_key),
            "users": {},
            "recovery": None,
            "organisation": None,
        }
        return cls(data, folder / SLOTS_FILE)

    @classmethod
    def load(cls, folder: Path) -> KeySlots:
        path = folder / SLOTS_FILE
        try:
            raw = path.read_bytes()
            if len(raw) > 1_000_000:
                raise ValueError("too large")
            data = json.loads(raw)
            if data.get("format") != FORMAT or not isinstance(data.get("users"), dict):
                raise ValueError("unknown key-slot format")
            uuid.UUID(data["vault_id"])
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NotAVaultError(str(folder), "key slots unreadable") from exc
        slots = cls(data, path)
        slots.digest = slots_digest(raw)
        return slots

    def save(self) -> None:
        self._data["generation"] = self.generation + 1
        text = json.dumps(self._data, indent=2, sort_keys=True).encode("utf-8")
        from cse_toolkit.vault import anchor

        # The anchor outside the folder learns the file about to be written first (a crash
        # between the two leaves either file acceptable), then that it was written.
        digest = slots_digest(text)
        folder = self.path.parent
        anchor.advance(folder, self.vault_id, slots_next=digest)
        atomic_write(self.path, text, what="the vault's key slots")
        self.digest = digest
        anchor.advance(folder, self.vault_id, slots=self.generation, slots_digest=digest)

    # -- facts --------------------------------------------------------------------------
    @property
    def vault_id(self) -> str:
        return str(self._data["vault_id"])

    @property
    def signing_public_key(self) -> bytes:
        return _unb64(self._data["signing_public_key"])

    @property
    def generation(self) -> int:
        """How many times this file was saved (0 for files written before (2))."""
        value = self._data.get("generation", 0)
        return value if isinstance(value, int) else 0

    @property
    def user_names(self) -> list[str]:
        return sorted(self._data["users"])

    def has_recovery(self) -> bool:
        return self._data.get("recovery") is not None

    def has_organisation_slot(self) -> bool:
        return self._data.get("organisation") is not None

    def kdf_params(self, user: str) -> KdfParams:
        return KdfParams.from_dict(self._slot(user)["kdf"])

    def _slot(self, user: str) -> dict[str, Any]:
        slot = self._data["users"].get(user)
        if slot is None:
            raise UnknownUserError(user, self.user_names)
        return slot  # type: ignore[no-any-return]

    # -- wrap / unwrap ------------------------------------------------------------------
    def set_user(
        self,
        user: str,
        passphrase: str,
        dek: bytes,
        params: KdfParams,
        *,
        signing: Ed25519PrivateKey | None = None,
        root: bytes | None = None,
    ) -> None:
        """Wrap the data key (and the person's signing key, if given) under the passphrase."""
        params.check_floor()
        salt = os.urandom(16)
        kek = derive(passphrase, salt, params)
        nonce = os.urandom(12)
        wrapped = AESGCM(kek).encrypt(nonce, dek, _aad(self.vault_id, f"user:{user}"))
        self._data["users"][user] = {
            "kdf": {"alg": "argon2id", "salt": _b64(salt), **params.to_dict()},
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }
        if signing is not None:
            self.store_signing(user, kek, signing, root)
        self.add_handover(user, kek)

    # -- (issue 22) handover keys: a re-key reaches the people who are not there ------------
    def has_handover(self, user: str) -> bool:
        return "handover_public" in self._slot(user)

    def add_handover(self, user: str, kek: bytes) -> None:
        """An X25519 key pair for ``user``: the private half wrapped under their passphrase,
        the public half in the slot, so a re-key by someone else can seal the new data key to
        them (they take it at their next unlock)."""
        slot = self._slot(user)
        private = X25519PrivateKey.generate()
        nonce = os.urandom(12)
        slot["handover_nonce"] = _b64(nonce)
        slot["handover_wrapped"] = _b64(
            AESGCM(kek).encrypt(
                nonce, private.private_bytes_raw(), _aad(self.vault_id, f"handover:{user}")
            )
        )
        slot["handover_public"] = _b64(private.public_key().public_bytes_raw())

    def seal_handover(self, user: str, dek: bytes) -> bool:
        """Seal ``dek`` to ``user``'s handover key; False when their slot has none (a slot
        from before issue 22 whose owner has not unlocked since): it is closed instead."""
        slot = self._slot(user)
        public = slot.get("handover_public")
        if not isinstance(public, str):
            slot["retired"] = True
            return False
        ephemeral = X25519PrivateKey.generate()
        eph_pub = ephemeral.public_key().public_bytes_raw()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(_unb64(public)))
        kek = _hkdf(shared, b"cse-toolkit/handover", eph_pub)
        nonce = os.urandom(12)
        slot["handover_sealed"] = {
            "ephemeral": _b64(eph_pub),
            "nonce": _b64(nonce),
            "wrapped": _b64(AESGCM(kek).encrypt(nonce, dek, _aad(self.vault_id, f"rekey:{user}"))),
        }
        return True

    def _handed_over(self, user: str, slot: dict[str, Any], kek: bytes) -> bytes:
        try:
            private = X25519PrivateKey.from_private_bytes(
                AESGCM(kek).decrypt(
                    _unb64(slot["handover_nonce"]),
                    _unb64(slot["handover_wrapped"]),
                    _aad(self.vault_id, f"handover:{user}"),
                )
            )
            sealed = slot["handover_sealed"]
            eph_pub = _unb64(sealed["ephemeral"])
            shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
            return AESGCM(_hkdf(shared, b"cse-toolkit/handover", eph_pub)).decrypt(
                _unb64(sealed["nonce"]),
                _unb64(sealed["wrapped"]),
                _aad(self.vault_id, f"rekey:{user}"),
            )
        except (InvalidTag, KeyError, ValueError, TypeError) as exc:
            raise NotAVaultError(str(self.path.parent), "handover key slot damaged") from exc

    def finish_handover(self, user: str, kek: bytes, dek: bytes) -> None:
        """Wrap the handed-over data key under the person's own passphrase again."""
        slot = self._slot(user)
        nonce = os.urandom(12)
        slot["nonce"] = _b64(nonce)
        slot["wrapped"] = _b64(AESGCM(kek).encrypt(nonce, dek, _aad(self.vault_id, f"user:{user}")))
        slot.pop("handover_sealed", None)

    # -- (issue 22) an interrupted re-key: the slots for the new data key, kept beside ------
    def next_slots(self) -> KeySlots | None:
        data = self._data.get("rekey_next")
        if not isinstance(data, dict):
            return None
        other = KeySlots(json.loads(json.dumps(data)), self.path)
        return other

    def set_next(self, other: KeySlots) -> None:
        self._data["rekey_next"] = json.loads(json.dumps(other._data))

    def drop_next(self) -> None:
        self._data.pop("rekey_next", None)

    def set_generation(self, generation: int) -> None:
        self._data["generation"] = generation

    def copy(self) -> KeySlots:
        data = json.loads(json.dumps(self._data))
        data.pop("rekey_next", None)
        return KeySlots(data, self.path)

    def store_signing(
        self, user: str, kek: bytes, signing: Ed25519PrivateKey, root: bytes | None
    ) -> None:
        """Wrap ``signing`` (and the pinned registry root) in ``user``'s slot under ``kek``."""
        slot = self._slot(user)
        payload = signing.private_bytes_raw() + (root or b"")
        nonce = os.urandom(12)
        slot["sign_nonce"] = _b64(nonce)
        slot["sign_wrapped"] = _b64(
            AESGCM(kek).encrypt(nonce, payload, _sign_aad(self.vault_id, user))
        )
        slot["public_key"] = _b64(signing.public_key().public_bytes_raw())

    def public_key(self, user: str) -> bytes | None:
        """The public half of ``user``'s signing key as published in the slot (not trusted:
        the signed registry is what vouches for it)."""
        value = self._slot(user).get("public_key")
        return _unb64(value) if isinstance(value, str) else None

    def remove_user(self, user: str) -> None:
        self._slot(user)
        del self._data["users"][user]

    def unwrap_user(self, user: str, passphrase: str) -> bytes:
        return self.unwrap_user_keys(user, passphrase).dek

    def unwrap_user_keys(self, user: str, passphrase: str) -> UserKeys:
        """One key derivation; the data key and the person's signing key from one slot."""
        slot = self._slot(user)
        try:
            params = KdfParams.from_dict(slot["kdf"])
            salt = _unb64(slot["kdf"]["salt"])
            nonce, wrapped = _unb64(slot["nonce"]), _unb64(slot["wrapped"])
        except (KeyError, ValueError, TypeError) as exc:
            raise NotAVaultError(str(self.path.parent), "key slot damaged") from exc
        kek = derive(passphrase, salt, params)
        try:
            dek = AESGCM(kek).decrypt(nonce, wrapped, _aad(self.vault_id, f"user:{user}"))
        except InvalidTag:
            raise WrongPassphraseError(user) from None
        if slot.get("retired"):
            raise UserError(
                f"{user}'s key slot was closed when the vault was re-keyed (it was made before "
                "re-keying could reach it). Nothing was changed. Set a new passphrase with the "
                "recovery key the re-key showed ('cse-toolkit recover'), or ask your DSL."
            )
        handed_over = "handover_sealed" in slot
        if handed_over:
            dek = self._handed_over(user, slot, kek)
        signing: Ed25519PrivateKey | None = None
        root: bytes | None = None
        if "sign_wrapped" in slot:
            try:
                payload = AESGCM(kek).decrypt(
                    _unb64(slot["sign_nonce"]),
                    _unb64(slot["sign_wrapped"]),
                    _sign_aad(self.vault_id, user),
                )
            except (InvalidTag, KeyError, ValueError, TypeError) as exc:
                raise NotAVaultError(str(self.path.parent), "signing key slot damaged") from exc
            signing = Ed25519PrivateKey.from_private_bytes(payload[:32])
            root = payload[32:64] or None
        return UserKeys(dek, signing, root, kek, handed_over)

    def set_recovery(self, recovery_key: str, dek: bytes) -> None:
        salt = os.urandom(16)
        kek = _hkdf(_recovery_bytes(recovery_key), b"cse-toolkit/recovery", salt)
        nonce = os.urandom(12)
        wrapped = AESGCM(kek).encrypt(nonce, dek, _aad(self.vault_id, "recovery"))
        self._data["recovery"] = {
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }

    def unwrap_recovery(self, recovery_key: str) -> bytes:
        slot = self._data.get("recovery")
        if not slot:
            raise WrongRecoveryKeyError()
        kek = _hkdf(_recovery_bytes(recovery_key), b"cse-toolkit/recovery", _unb64(slot["salt"]))
        try:
            return AESGCM(kek).decrypt(
                _unb64(slot["nonce"]), _unb64(slot["wrapped"]), _aad(self.vault_id, "recovery")
            )
        except InvalidTag:
            raise WrongRecoveryKeyError() from None

    def recovery_signing_key(self, recovery_key: str) -> Ed25519PrivateKey:
        """(2) A signing key derived from the recovery key: its public half is in the user
        registry, so whoever holds the recovery key (and only they) can register a person's new
        signing key after a recovery. It can change keys only, never roles or users."""
        seed = _hkdf(
            _recovery_bytes(recovery_key), b"cse-toolkit/recovery-signing", self.vault_id.encode()
        )
        return Ed25519PrivateKey.from_private_bytes(seed)

    def set_organisation(self, public_key_b64: str, dek: bytes) -> None:
        """Seal the data key to the organisation key (replacing any slot for an older key).

        Signing keys sealed to an older organisation key are dropped with it: each person's
        key is sealed to the new one at their next unlock (``organisation_signing_recipient``).
        """
        if self.organisation_recipient() not in (None, public_key_b64):
            self._data.pop("organisation_signing", None)
        recipient = X25519PublicKey.from_public_bytes(_unb64(public_key_b64))
        ephemeral = X25519PrivateKey.generate()
        shared = ephemeral.exchange(recipient)
        eph_pub = ephemeral.public_key().public_bytes_raw()
        kek = _hkdf(shared, b"cse-toolkit/organisation", eph_pub)
        nonce = os.urandom(12)
        wrapped = AESGCM(kek).encrypt(nonce, dek, _aad(self.vault_id, "organisation"))
        self._data["organisation"] = {
            "recipient": public_key_b64,
            "ephemeral": _b64(eph_pub),
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
        }

    def unwrap_organisation(self, private_key: X25519PrivateKey) -> bytes:
        slot = self._data.get("organisation")
        if not slot:
            raise WrongRecoveryKeyError()
        eph_pub = _unb64(slot["ephemeral"])
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        kek = _hkdf(shared, b"cse-toolkit/organisation", eph_pub)
        try:
            return AESGCM(kek).decrypt(
                _unb64(slot["nonce"]), _unb64(slot["wrapped"]), _aad(self.vault_id, "organisation")
            )
        except InvalidTag:
            raise WrongRecoveryKeyError() from None

    def seal_signing_to_organisation(self, user: str, signing: Ed25519PrivateKey) -> None:
        """(2) Seal ``user``'s signing key to the organisation key too, for recovery."""
        slot = self._data.get("organisation")
        if not slot:
            return
        recipient = X25519PublicKey.from_public_bytes(_unb64(slot["recipient"]))
        ephemeral = X25519PrivateKey.generate()
        eph_pub = ephemeral.public_key().public_bytes_raw()
        kek = _hkdf(ephemeral.exchange(recipient), b"cse-toolkit/organisation/sign", eph_pub)
        nonce = os.urandom(12)
        wrapped = AESGCM(kek).encrypt(
            nonce, signing.private_bytes_raw(), _aad(self.vault_id, f"organisation-sign:{user}")
        )
        sealed = self._data.setdefault("organisation_signing", {})
        sealed[user] = {
            "ephemeral": _b64(eph_pub),
            "nonce": _b64(nonce),
            "wrapped": _b64(wrapped),
            "recipient": slot["recipient"],
        }

    def organisation_signing_recipient(self, user: str) -> str | None:
        """The organisation key ``user``'s signing key is sealed to (None: not sealed)."""
        sealed = (self._data.get("organisation_signing") or {}).get(user)
        if not sealed:
            return None
        # Entries from before issue 23 have no recipient: they were sealed to the current slot
        # (a rotation drops every entry sealed to the key it replaces).
        return str(sealed.get("recipient") or self.organisation_recipient() or "")

    def unwrap_organisation_signing(
        self, private_key: X25519PrivateKey, user: str
    ) -> Ed25519PrivateKey | None:
        sealed = (self._data.get("organisation_signing") or {}).get(user)
        if not sealed:
            return None
        eph_pub = _unb64(sealed["ephemeral"])
        shared = private_key.exchange(X25519PublicKey.from_public_bytes(eph_pub))
        kek = _hkdf(shared, b"cse-toolkit/organisation/sign", eph_pub)
        try:
            raw = AESGCM(kek).decrypt(
                _unb64(sealed["nonce"]),
                _unb64(sealed["wrapped"]),
                _aad(self.vault_id, f"organisation-sign:{user}"),
            )
        except InvalidTag:
            raise WrongRecoveryKeyError() from None
        return Ed25519PrivateKey.from_private_bytes(raw)

    def organisation_recipient(self) -> str | None:
        slot = self._data.get("organisation")
        return None if not slot else str(slot["recipient"])
