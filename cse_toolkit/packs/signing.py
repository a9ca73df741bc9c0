"""Ed25519 signatures over the canonical JSON of a pack.

The signature covers every field of `pack.json` except `signature` itself, encoded as
`schema.canonical_json` (sorted keys, no spaces, UTF-8). The public key travels inside the signed
data (`vault.public_key`), so a valid signature on its own proves the pack was not changed after
export; it proves *who* made it only when the verifier also passes the key it expects
(`expected_public_key`), e.g. a worker's vault key the DSL registered earlier.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cse_toolkit.packs.errors import PackSignatureInvalid, PackUntrustedSigner
from cse_toolkit.packs.schema import canonical_json

ALG = "Ed25519"


def public_key_bytes(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_b64(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    return base64.b64encode(public_key_bytes(key)).decode("ascii")


def _raw_key(key: Ed25519PublicKey | Ed25519PrivateKey | bytes | str) -> bytes:
    if isinstance(key, Ed25519PublicKey | Ed25519PrivateKey):
        return public_key_bytes(key)
    if isinstance(key, str):
        try:
            key = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PackSignatureInvalid(
                "The pack's signing key is not readable, so the pack cannot be trusted. "
                "Ask the sender to export it again."
            ) from exc
    if len(key) != 32:
        raise PackSignatureInvalid(
            "The pack's signing key has the wrong length, so the pack cannot be trusted. "
            "Ask the sender to export it again."
        )
    return key


def fingerprint(key: Ed25519PublicKey | Ed25519PrivateKey | bytes | str) -> str:
    """Short, readable key fingerprint: first 16 hex digits of SHA-256, in groups of four.

    Short enough to read over the phone and compare with the sender's screen; 64 bits is plenty
    to tell keys apart by eye (it is not what the cryptography relies on).
    """
    digest = hashlib.sha256(_raw_key(key)).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def signature_fingerprint(signature_b64: str) -> str:
    """Short hex tag of a signature value, printed in the PDF footer to tie it to pack.json."""
    digest = hashlib.sha256(signature_b64.encode("ascii")).hexdigest()[:12]
    return " ".join(digest[i : i + 4] for i in range(0, 12, 4))


def signed_bytes(pack: Mapping[str, Any]) -> bytes:
    """The exact bytes the signature covers."""
    return canonical_json({k: v for k, v in pack.items() if k != "signature"})


def sign(pack: Mapping[str, Any], private_key: Ed25519PrivateKey) -> dict[str, Any]:
    """A copy of `pack` (plain JSON data) with `signature` set.

    The pack's `vault.public_key` must be this key's public half: signing with one key while
    naming another would make every verifier reject the pack, so it is refused here instead.
    """
    vault = pack.get("vault")
    if not isinstance(vault, Mapping) or vault.get("public_key") != public_key_b64(private_key):
        raise ValueError("pack['vault']['public_key'] must be the signing key's public key")
    value = private_key.sign(signed_bytes(pack))
    signed = dict(pack)
    signed["signature"] = {"alg": ALG, "value": base64.b64encode(value).decode("ascii")}
    return signed


def verify(
    pack: Mapping[str, Any],
    expected_public_key: Ed25519PublicKey | bytes | str | None = None,
) -> str:
    """Check the signature of plain JSON data; return the signer's fingerprint.

    Raises `PackSignatureInvalid` when the data was changed or the signature is missing or
    malformed, and `PackUntrustedSigner` when it is validly signed by a key other than
    `expected_public_key`.
    """
    tampered = PackSignatureInvalid(
        "The pack has been changed since it was signed, or was not signed by the toolkit. "
        "Do not use it; ask the sender to export it again."
    )
    sig = pack.get("signature")
    vault = pack.get("vault")
    if not isinstance(sig, Mapping) or not isinstance(vault, Mapping):
        raise tampered
    if sig.get("alg") != ALG or set(sig) != {"alg", "value"}:
        raise tampered
    value, key_b64 = sig.get("value"), vault.get("public_key")
    if not isinstance(value, str) or not isinstance(key_b64, str):
        raise tampered
    try:
        raw_sig = base64.b64decode(value, validate=True)
        raw_key = base64.b64decode(key_b64, validate=True)
        public = Ed25519PublicKey.from_public_bytes(raw_key)
    except (binascii.Error, ValueError) as exc:
        raise tampered from exc
    if len(raw_sig) != 64:
        raise tampered
    try:
        public.verify(raw_sig, signed_bytes(pack))
    except InvalidSignature as exc:
        raise tampered from exc
    if expected_public_key is not None and _raw_key(expected_public_key) != raw_key:
        raise PackUntrustedSigner(
            "The pack is correctly signed, but by a different vault from the one expected "
            f"(it was signed by key {fingerprint(raw_key)}, expected "
            f"{fingerprint(expected_public_key)}). Check with the sender before using it."
        )
    return fingerprint(raw_key)
