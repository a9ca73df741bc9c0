"""verify-pack as data: one JSON object per pack for a receiving organisation's pipeline.

Each object says whether the pack verified (both signatures, exactly as ``trust.verify``),
who signed it and what this machine knows about that signer, and carries the verified
``pack.json`` exactly as signed (parsed, not re-modelled), so the output does not depend on which
record types or pack format version the pack uses. The shape is published in
``docs/verify-pack.schema.json``; ``OUTPUT_VERSION`` changes only when a field is removed or
changes meaning (new fields may be added at any time).

Nothing here writes to disk: the pack is read, decrypted in memory and printed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cse_toolkit.errors import UserError
from cse_toolkit.packs import errors as pe
from cse_toolkit.packs import signing
from cse_toolkit.packs.schema import MAX_SHORT

OUTPUT_VERSION = 1
MAX_REVOCATION_BYTES = 1024 * 1024

# Why a pack was refused, as a stable code (the message is for people and may change).
ERROR_CODES: tuple[tuple[type[Exception], str], ...] = (
    (pe.PackPasswordError, "wrong_password"),
    (pe.PackSignatureInvalid, "signature_invalid"),
    (pe.PackUntrustedSigner, "unexpected_signer"),
    (pe.PackTooLarge, "too_large"),
    (pe.PackSchemaError, "not_pack_format"),
    (pe.PackDamaged, "damaged"),
)


class RevokedSigner(UserError):
    """Signed by a key on the revocation list, dated at or after its revocation."""


class NoPassword(UserError):
    """No password line was given for this pack."""


def error_code(exc: Exception) -> str:
    if isinstance(exc, RevokedSigner):
        return "revoked_signer"
    if isinstance(exc, NoPassword):
        return "no_password"
    for kind, code in ERROR_CODES:
        if isinstance(exc, kind):
            return code
    return "refused"


# --------------------------------------------------------------------------------------------
# Revocation list (a file IT publishes to receivers; see docs/IT-GUIDE.md, "Fleet keys")
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revocation:
    fingerprint: str  # normalised: 16 lower-case hex digits
    revoked_at: datetime
    reason: str


def _norm_fpr(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch in "0123456789abcdef")


def load_revocations(path: Path) -> dict[str, Revocation]:
    """Read a revocation list; any problem is a ``UserError`` naming the entry (never ignored)."""
    where = f"The revocation list {path}"
    try:
        if path.stat().st_size > MAX_REVOCATION_BYTES:
            raise UserError(f"{where} is larger than 1 MiB; it cannot be a revocation list.")
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"{where} does not exist. Check the name and folder.") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserError(f"{where} cannot be read as JSON ({type(exc).__name__}).") from exc
    if not isinstance(data, dict) or data.get("format") != "cse-toolkit-revocations/1":
        raise UserError(
            f'{where} must be a JSON object with "format": "cse-toolkit-revocations/1".'
        )
    entries = data.get("revoked")
    if not isinstance(entries, list):
        raise UserError(f'{where} needs a "revoked" list.')
    result: dict[str, Revocation] = {}
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise UserError(f"{where}: entry {n} is not an object.")
        key, fpr = entry.get("public_key"), entry.get("fingerprint")
        try:
            if isinstance(key, str) and key:
                norm = _norm_fpr(signing.fingerprint(key))
                if isinstance(fpr, str) and fpr and _norm_fpr(fpr) != norm:
                    raise UserError(f"{where}: entry {n}'s fingerprint does not match its key.")
            elif isinstance(fpr, str) and len(_norm_fpr(fpr)) == 16:
                norm = _norm_fpr(fpr)
            else:
                raise UserError(
                    f"{where}: entry {n} needs a public_key (base64) or a "
                    "fingerprint (16 hex digits)."
                )
        except pe.PackSignatureInvalid as exc:
            raise UserError(f"{where}: entry {n}'s public_key is not an Ed25519 key.") from exc
        when = entry.get("revoked_at")
        try:
            if not isinstance(when, str):
                raise ValueError(when)
            at = datetime.fromisoformat(when.replace("Z", "+00:00"))
            if at.tzinfo is None:
                raise ValueError(when)
        except ValueError as exc:
            raise UserError(
                f"{where}: entry {n} needs revoked_at as a UTC time, e.g. 2026-11-02T09:00:00Z."
            ) from exc
        reason = entry.get("reason", "")
        # Earliest revocation wins if a key is listed twice.
        old = result.get(norm)
        if old is None or at < old.revoked_at:
            result[norm] = Revocation(norm, at.astimezone(UTC), str(reason)[:MAX_SHORT])
    return result


# --------------------------------------------------------------------------------------------
# Files and passwords
# --------------------------------------------------------------------------------------------


def expand(files: Iterable[str]) -> list[Path]:
    """Files in the order given; a folder stands for its ``*.pdf`` files sorted by name."""
    result: list[Path] = []
    for name in files:
        path = Path(name)
        if path.is_dir():
            result.extend(
                sorted(
                    (p for p in path.iterdir() if p.suffix.lower() == ".pdf" and p.is_file()),
                    key=lambda p: os.fsencode(p.name),
                )
            )
        else:
            result.append(path)
    return result


# --------------------------------------------------------------------------------------------
# One pack -> one JSON object
# --------------------------------------------------------------------------------------------

TrustLookup = Callable[[str], str]  # signer public key (base64) -> "trusted" | "not_trusted"


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _file_sha256(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def result_for(
    path: Path,
    password: str | None,
    *,
    expect_signer: str | None = None,
    trust_lookup: TrustLookup | None = None,
    revocations: dict[str, Revocation] | None = None,
) -> dict[str, Any]:
    """Verify one pack; return the output object (``valid`` false with ``error`` if refused).

    Never raises for a problem with the pack itself: a pipeline gets one object per pack.
    """
    from cse_toolkit.services.trust import verify

    out: dict[str, Any] = {"output_version": OUTPUT_VERSION, "file": str(path), "valid": False}
    try:
        if password is None:
            raise NoPassword(
                "No password was given for this pack (one line per pack on "
                "standard input, in file order)."
            )
        verified = verify(path, password, expect_signer)
    except UserError as exc:
        out["error"] = {"code": error_code(exc), "message": exc.message}
        return out
    plain = json.loads(verified.raw_json)  # exactly the signed bytes, already checked
    pack = verified.pack
    fpr = verified.signer_fingerprint
    if expect_signer:
        trust, source = "expected", "expect_signer"
    elif trust_lookup is not None:
        trust, source = trust_lookup(verified.signer_public_key), "vault"
    else:
        trust, source = "unknown", "none"
    signer: dict[str, Any] = {
        "fingerprint": fpr,
        "public_key": verified.signer_public_key,
        "trust": trust,
        "trust_source": source,
        "revoked": None,
    }
    revoked = (revocations or {}).get(_norm_fpr(fpr))
    if revoked is not None:
        after = pack.created_at >= revoked.revoked_at
        signer["revoked"] = {
            "revoked_at": _utc_text(revoked.revoked_at),
            "reason": revoked.reason,
            "pack_dated_after": after,
        }
        signer["trust"] = "revoked"
    out.update(
        {
            "file_sha256": _file_sha256(path),
            "signer": signer,
            "signer_fingerprint": fpr,
            "kind": pack.kind,
            "schema_version": plain.get("schema_version"),
            "pack_id": pack.pack_id,
            "created_at": _utc_text(pack.created_at),
            "organisation": pack.organisation,
            "sender": pack.sender.name,
            "recipient": pack.recipient.name,
            "audit_chain_head": {
                "seq": pack.audit_chain_head.seq,
                "hash": pack.audit_chain_head.hash,
            },
            "record_counts": pack.record_counts(),
            "pages": verified.pages,
            "pack": plain,
        }
    )
    if revoked is not None and signer["revoked"]["pack_dated_after"]:
        del out["pack"]  # a refused pack's data is not handed on
        out["error"] = {
            "code": "revoked_signer",
            "message": (
                f"The pack is correctly signed, but by key {fpr}, which the revocation list "
                f"says was revoked at {_utc_text(revoked.revoked_at)}, and the pack is dated "
                "after that. Do not use it; check with the sender's organisation."
            ),
        }
        return out
    out["valid"] = True
    return out


def results(
    paths: list[Path],
    passwords: Iterator[str | None],
    **kw: Any,
) -> Iterator[dict[str, Any]]:
    for path in paths:
        yield result_for(path, next(passwords, None), **kw)
