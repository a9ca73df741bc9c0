"""Build, write, open and verify the encrypted pack file.

The file is one PDF, encrypted with AES-256 (PDF 2.0 security handler, revision 6), so it opens
in any current PDF reader with the password. Inside it, `pack.json` (the signed structured data)
is an embedded file. Nothing unencrypted ever reaches the disk: the PDF is rendered to memory
by ReportLab, re-opened from memory by pikepdf to attach `pack.json` and encrypt, and only the
encrypted bytes are written, atomically.

Why pikepdf and not ReportLab's own encryption: ReportLab's AES-256 is the deprecated
revision 5 (weak password check, and it needs pyaes). qpdf, under pikepdf, writes revision 6.

Two signatures, both Ed25519 with the vault's key:

1. `pack.json` carries a signature over its own canonical JSON (`signing.py`). This is what an
   importer relies on, and it stays valid when pack.json is kept on its own.
2. The whole encrypted file is signed too, and the signature is appended after the PDF's
   ``%%EOF`` as one comment line (PDF readers ignore it)::

       %CSE-Toolkit-Pack v1 Ed25519 <public key, base64> <signature, base64>

   This binds the *visible* PDF to the signed data: a page that was edited, or a byte flipped
   anywhere in the file, fails the check, and it fails before any PDF or JSON parser has seen
   the bytes. The key in this line must be the one named inside pack.json.

Limits (also in docs): a valid signature proves the file is exactly as that vault exported it;
it proves *which* vault only when the caller passes `expected_public_key` (a key registered
earlier, or compared by fingerprint over the phone). Anyone who holds the password can read the
pack; the password is the only protection of its confidentiality in transit. Replay (importing
the same pack twice) is the importer's job: it has `pack_id`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import re
import secrets
import tempfile
import warnings
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from cse_toolkit.core.safetext import first_unstorable, safe_text
from cse_toolkit.errors import UserError
from cse_toolkit.packs import signing
from cse_toolkit.packs.errors import (
    PackDamaged,
    PackError,
    PackPasswordError,
    PackSchemaError,
    PackSignatureInvalid,
    PackTooLarge,
    PackUntrustedSigner,
)
from cse_toolkit.packs.password import MAX_PASSWORD_CHARS, generate_password
from cse_toolkit.packs.render import render_pdf
from cse_toolkit.packs.schema import (
    MAX_ATTACHMENTS,
    MAX_DEPTH,
    MAX_RECORDS,
    MAX_TEXT,
    SUPPORTED_SCHEMA_VERSIONS,
    PackModel,
    canonical_json,
)

__all__ = [
    "ATTACHMENT_NAME",
    "ExportResult",
    "PackDamaged",
    "PackError",
    "PackPasswordError",
    "PackSchemaError",
    "PackSignatureInvalid",
    "PackSummary",
    "PackTooLarge",
    "PackUntrustedSigner",
    "PackWriteError",
    "VerifiedPack",
    "build_pack_pdf",
    "export_pack",
    "open_pack",
    "sign_pack",
    "verify_pack",
    "write_pack",
]

ATTACHMENT_NAME = "pack.json"
MAX_PACK_BYTES = 50 * 1024 * 1024
MAX_JSON_BYTES = 10 * 1024 * 1024
MAX_ATTACHED_BYTES = 45 * 1024 * 1024  # all embedded attachments together
MAX_JSON_NODES = 2_000_000  # values of any kind; the biggest real pack has a few hundred thousand

TRAILER_PREFIX = b"%CSE-Toolkit-Pack v1 Ed25519 "
_TRAILER = re.compile(
    rb"%CSE-Toolkit-Pack v1 Ed25519 ([A-Za-z0-9+/]{43}=) ([A-Za-z0-9+/]{86}==)\n\Z"
)
# Domain separation: a file signature can never be mistaken for a pack.json signature.
_FILE_CONTEXT = b"cse-toolkit pack file v1\x00"
_TRAILER_MAX = 200

PackSource = str | os.PathLike[str] | bytes | bytearray | memoryview


class PackWriteError(UserError):
    """The pack could not be saved (disk full, folder not writable)."""


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def sign_pack(pack: PackModel, private_key: Ed25519PrivateKey) -> PackModel:
    """`pack` signed with `private_key` (any earlier signature is replaced).

    Signs the model's normalised JSON (`to_json_dict`), so the signature still matches the
    bytes that `build_pack_pdf` embeds.
    """
    data = pack.to_json_dict()
    data.pop("signature", None)
    return PackModel.model_validate(signing.sign(data, private_key))


def build_pack_pdf(
    pack: PackModel,
    password: str,
    signing_key: Ed25519PrivateKey,
    files: Mapping[str, bytes] | None = None,
) -> bytes:
    """The encrypted pack file as bytes: rendered PDF + signed pack.json + file signature.

    `pack` may be signed or not; it is (re)signed here with `signing_key`, whose public key
    must be the one in `pack.vault.public_key`. `files` holds the bytes of every attachment
    `pack.attachments` lists, by its `embedded_as` name (checked against size and SHA-256).
    """
    files = dict(files or {})
    _check_files(pack, files)
    if not password:
        raise ValueError("a pack password is required")
    if len(password.encode("utf-8")) > MAX_PASSWORD_CHARS:
        # poppler-based readers cannot open R6 files with longer passwords (see password.py)
        raise ValueError(f"pack passwords are limited to {MAX_PASSWORD_CHARS} bytes")
    signed = sign_pack(pack, signing_key)
    json_bytes = canonical_json(signed.to_json_dict())
    if len(json_bytes) > MAX_JSON_BYTES:
        raise PackTooLarge(
            "This pack is too large to export in one file. Export a shorter chronology extract."
        )
    plain = render_pdf(signed)
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        pdf.attachments[ATTACHMENT_NAME] = pikepdf.AttachedFileSpec(
            pdf,
            json_bytes,
            description="Signed structured data of this pack (CSE Toolkit pack.json)",
            filename=ATTACHMENT_NAME,
            mime_type="application/json",
        )
        for entry in signed.attachments:
            pdf.attachments[entry.embedded_as] = pikepdf.AttachedFileSpec(
                pdf,
                files[entry.embedded_as],
                description="Attachment listed in pack.json (with its SHA-256)",
                filename=entry.embedded_as,
                mime_type=entry.media_type,
            )
        out = io.BytesIO()
        pdf.save(
            out,
            encryption=pikepdf.Encryption(
                user=password, owner=secrets.token_hex(32), R=6, aes=True, metadata=True
            ),
        )
    body = out.getvalue()
    if not body.endswith(b"\n"):
        body += b"\n"
    file_sig = signing_key.sign(_FILE_CONTEXT + body)
    trailer = (
        TRAILER_PREFIX
        + signing.public_key_b64(signing_key).encode("ascii")
        + b" "
        + base64.b64encode(file_sig)
        + b"\n"
    )
    return body + trailer


def _check_files(pack: PackModel, files: Mapping[str, bytes]) -> None:
    listed = {entry.embedded_as: entry for entry in pack.attachments}
    if set(listed) != set(files):
        raise ValueError("the files given are not the attachments pack.json lists")
    total = 0
    for name, data in files.items():
        entry = listed[name]
        total += len(data)
        if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
            raise ValueError(f"attachment {name} does not match its size and SHA-256")
    if total > MAX_ATTACHED_BYTES:
        raise PackTooLarge(
            f"The chosen attachments take {total / (1024 * 1024):.1f} MB, more than the "
            f"{MAX_ATTACHED_BYTES // (1024 * 1024)} MB one pack can carry. Choose fewer."
        )


def write_pack(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write the (already encrypted) pack atomically: 0600 temp file beside it, fsync, replace."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    tmp_name: str | None = None
    try:
        # mkstemp creates the file with mode 0600 on POSIX, before any byte is written.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
        tmp_name = None
        _fsync_dir(folder)
    except OSError as exc:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
        if exc.errno == 28:  # ENOSPC
            raise PackWriteError(
                f"There is not enough disk space to save the pack in {folder}. "
                "Free some space or choose another folder, then export again."
            ) from exc
        raise PackWriteError(
            f"The pack could not be saved in {folder} ({exc.strerror or exc}). "
            "Choose a folder you can write to and export again."
        ) from exc
    return target


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; NTFS journals the rename
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    password: str
    size: int
    pack_id: str
    signer_fingerprint: str


def export_pack(
    pack: PackModel,
    path: str | os.PathLike[str],
    signing_key: Ed25519PrivateKey,
    password: str | None = None,
    files: Mapping[str, bytes] | None = None,
) -> ExportResult:
    """Generate a password (unless given), build, write atomically; the caller shows the password once."""
    password = password or generate_password().text
    data = build_pack_pdf(pack, password, signing_key, files)
    written = write_pack(path, data)
    return ExportResult(
        path=written,
        password=password,
        size=len(data),
        pack_id=pack.pack_id,
        signer_fingerprint=signing.fingerprint(signing_key),
    )


# --------------------------------------------------------------------------------------------
# Import side
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackSummary:
    kind: str
    pack_id: str
    created_at: datetime
    organisation: str
    sender: str
    recipient: str
    signer_fingerprint: str
    audit_seq: int
    audit_hash: str
    record_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "pack_id": self.pack_id,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "organisation": self.organisation,
            "sender": self.sender,
            "recipient": self.recipient,
            "signer_fingerprint": self.signer_fingerprint,
            "audit_chain_head": {"seq": self.audit_seq, "hash": self.audit_hash},
            "record_counts": dict(self.record_counts),
        }


@dataclass(frozen=True)
class VerifiedPack:
    """A pack whose file signature, pack.json signature and schema have all been checked."""

    pack: PackModel
    raw_json: bytes
    signer_fingerprint: str
    signer_public_key: str
    pages: int
    # The attachments pack.json lists, by embedded name; each matched its size and SHA-256.
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def summary(self) -> PackSummary:
        p = self.pack
        return PackSummary(
            kind=p.kind,
            pack_id=p.pack_id,
            created_at=p.created_at,
            organisation=p.organisation,
            sender=p.sender.name,
            recipient=p.recipient.name,
            signer_fingerprint=self.signer_fingerprint,
            audit_seq=p.audit_chain_head.seq,
            audit_hash=p.audit_chain_head.hash,
            record_counts=p.record_counts(),
        )


def _not_a_pack() -> PackDamaged:
    return PackDamaged(
        "This file is not a CSE Toolkit pack, or it is damaged (it may have been cut short or "
        "changed in transit). Ask the sender to export it again."
    )


def _read_source(source: PackSource, max_bytes: int) -> bytes:
    too_big = PackTooLarge(
        f"This file is larger than the {max_bytes // (1024 * 1024)} MiB a pack may be, so it was "
        "not opened. Check that you chose the right file."
    )
    if isinstance(source, bytes | bytearray | memoryview):
        if len(source) > max_bytes:
            raise too_big
        return bytes(source)
    path = Path(source)
    try:
        # Refuse by size before reading; then read at most one byte more than the cap, in case
        # the file grows between the two calls.
        if path.stat().st_size > max_bytes:
            raise too_big
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise PackDamaged(f"The file {path} does not exist. Check the name and folder.") from exc
    except IsADirectoryError as exc:
        raise PackDamaged(f"{path} is a folder, not a pack file.") from exc
    except OSError as exc:
        raise PackDamaged(f"The file {path} cannot be read ({exc.strerror or exc}).") from exc
    if len(data) > max_bytes:
        raise too_big
    return data


def _check_file_signature(data: bytes, expected: Ed25519PublicKey | bytes | str | None) -> str:
    """Verify the trailing file signature; return the signer's public key (base64)."""
    cut = data.rfind(TRAILER_PREFIX, max(0, len(data) - _TRAILER_MAX))
    if cut <= 0 or data[cut - 1 : cut] != b"\n":
        raise _not_a_pack()
    match = _TRAILER.match(data, cut)
    if match is None:
        raise _not_a_pack()
    key_b64, sig_b64 = match.group(1).decode("ascii"), match.group(2)
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_b64, validate=True))
        public.verify(base64.b64decode(sig_b64, validate=True), _FILE_CONTEXT + data[:cut])
    except (binascii.Error, ValueError, InvalidSignature) as exc:
        raise PackSignatureInvalid(
            "The pack file has been changed or damaged since it was exported (its signature "
            "does not match). Do not use it; ask the sender to export it again."
        ) from exc
    if expected is not None and signing._raw_key(expected) != base64.b64decode(key_b64):
        raise PackUntrustedSigner(
            "The pack is correctly signed, but by a different vault from the one expected "
            f"(signed by key {signing.fingerprint(key_b64)}, expected "
            f"{signing.fingerprint(expected)}). Check with the sender before using it."
        )
    return key_b64


_EMBEDDED_NAME = re.compile(r"^attachment-[0-9]{1,3}\.(jpg|png|pdf|txt)$")


def _embedded_names(pdf: pikepdf.Pdf) -> list[str]:
    """pack.json first, then the attachment names (checked against a strict pattern)."""
    try:
        names = list(pdf.attachments.keys())
    except Exception as exc:  # a malformed name tree is just "damaged"
        raise _not_a_pack() from exc
    others = [n for n in names if n != ATTACHMENT_NAME]
    if (
        len(names) - len(others) != 1
        or len(others) > MAX_ATTACHMENTS
        or not all(isinstance(n, str) and _EMBEDDED_NAME.match(n) for n in others)
    ):
        # The names are compared, never used as paths, and never echoed (they may be hostile).
        raise PackDamaged(
            f"This pack must hold one attached file named {ATTACHMENT_NAME}, and may hold up "
            f"to {MAX_ATTACHMENTS} attachments named as the toolkit names them; it holds "
            f"{len(names)} files that do not fit. It was not made by the toolkit or has been "
            "changed."
        )
    return [ATTACHMENT_NAME, *others]


def _read_embedded(pdf: pikepdf.Pdf, name: str, cap: int, too_large: PackError) -> bytes:
    """The bytes of one embedded file, decompressed under ``cap``."""
    try:
        spec = pdf.attachments[name]
        if spec.filename != name:
            raise _not_a_pack()
        stream = spec.get_file().obj
        filters = stream.get("/Filter")
        if isinstance(filters, pikepdf.Array):
            filters = filters[0] if len(filters) == 1 else filters
        if int(stream.get("/Length", 0)) > cap:
            raise too_large
        raw = stream.read_raw_bytes()
    except PackError:
        raise
    except Exception as exc:  # pikepdf raises many types for damaged streams
        raise _not_a_pack() from exc
    if filters is None:
        data = raw
    elif filters == pikepdf.Name.FlateDecode:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(raw, cap + 1)
        except zlib.error as exc:
            raise _not_a_pack() from exc
        if inflater.unconsumed_tail:
            raise too_large
    else:
        raise _not_a_pack()
    if len(data) > cap:
        raise too_large
    return data


def _extract_json(pdf: pikepdf.Pdf) -> bytes:
    """The bytes of the pack.json attachment, decompressed under a cap."""
    _embedded_names(pdf)
    return _read_embedded(pdf, ATTACHMENT_NAME, MAX_JSON_BYTES, _json_too_large())


def _extract_files(pdf: pikepdf.Pdf) -> dict[str, bytes]:
    """The embedded attachments (not yet matched to pack.json), under one overall cap."""
    files: dict[str, bytes] = {}
    left = MAX_ATTACHED_BYTES
    too_large = PackTooLarge(
        f"The attachments inside this pack are larger than {MAX_ATTACHED_BYTES // (1024 * 1024)}"
        " MB, so they were not read. It was not made by the toolkit, or has been changed."
    )
    for name in _embedded_names(pdf)[1:]:
        data = _read_embedded(pdf, name, left, too_large)
        left -= len(data)
        files[name] = data
    return files


def _match_files(pack: PackModel, files: dict[str, bytes]) -> None:
    """Every attachment pack.json lists is there, with its size and SHA-256; nothing else."""
    listed = {entry.embedded_as: entry for entry in pack.attachments}
    ok = set(listed) == set(files) and all(
        len(files[n]) == e.size and hashlib.sha256(files[n]).hexdigest() == e.sha256
        for n, e in listed.items()
    )
    if not ok:
        raise PackSignatureInvalid(
            "The files attached to this pack do not match the list signed inside it (a file "
            "is missing, extra or changed). Do not use it; ask the sender to export it again."
        )


def _json_too_large() -> PackTooLarge:
    return PackTooLarge(
        f"The data inside this pack is larger than {MAX_JSON_BYTES // (1024 * 1024)} MiB, so it "
        "was not read. It was not made by the toolkit, or has been changed."
    )


def _schema_error(detail: str) -> PackSchemaError:
    return PackSchemaError(
        f"The data inside this pack is not in the pack format ({detail}). It may come from a "
        "newer version of the toolkit; otherwise ask the sender to export it again."
    )


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def check_json_depth(data: bytes, max_depth: int = MAX_DEPTH) -> None:
    """Refuse nesting deeper than `max_depth` *before* `json.loads` sees the bytes.

    Python's json parser recurses once per level; a few hundred thousand "[" would exhaust the
    stack. Strings (escapes included) are removed first so brackets inside text do not count.
    """
    depth = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub(b"", data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                raise _schema_error(f"nested deeper than {max_depth} levels")
        else:
            depth -= 1


def _no_floats(text: str) -> Any:
    raise _schema_error("numbers with decimals are not used in packs")


def _no_constants(text: str) -> Any:
    raise _schema_error(f"{text[:10]} is not allowed")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _schema_error("a field name appears twice in one object")
        result[key] = value
    return result


def _walk(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_pack_json(data: bytes) -> dict[str, Any]:
    """Bytes -> plain JSON data, with depth, size, count and duplicate-key caps; no schema yet."""
    if len(data) > MAX_JSON_BYTES:
        raise _json_too_large()
    check_json_depth(data)
    try:
        text = data.decode("utf-8")
        loaded = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_float=_no_floats,
            parse_constant=_no_constants,
        )
    except PackError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers JSONDecodeError and integers longer than Python's digit limit.
        raise _schema_error("it is not valid JSON") from exc
    if not isinstance(loaded, dict):
        raise _schema_error("the top level is not an object")
    bad = first_unstorable(loaded)
    if bad is not None:
        # Refused here, before anything encodes, signs, stores or prints the text.
        raise _schema_error(f"{bad[0]} holds {bad[1]}")
    nodes = 0
    for item in _walk(loaded):
        nodes += 1
        if nodes > MAX_JSON_NODES:
            raise _schema_error(f"more than {MAX_JSON_NODES} values")
        if isinstance(item, str) and len(item) > MAX_TEXT:
            raise _schema_error(f"a text is longer than {MAX_TEXT} characters")
        if isinstance(item, list) and len(item) > MAX_RECORDS:
            raise _schema_error(f"a list is longer than {MAX_RECORDS} items")
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > 2**63:
            raise _schema_error("a number is out of range")
    return loaded


def _validation_summary(exc: ValidationError) -> str:
    # Field paths and error kinds only: values may be personal data or hostile.
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "top level"
        kind = (
            "unknown field" if err["type"] == "extra_forbidden" else err["type"].replace("_", " ")
        )
        if err["type"] == "value_error":  # the schema's own words (no values but a year)
            kind = safe_text(str(err["msg"]).removeprefix("Value error, "))[:200]
        parts.append(f"{where}: {kind}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def open_pack(
    source: PackSource,
    password: str,
    *,
    expected_public_key: Ed25519PublicKey | bytes | str | None = None,
    max_bytes: int = MAX_PACK_BYTES,
) -> VerifiedPack:
    """Open, decrypt and fully verify a pack; raise a `PackError` subclass if anything is wrong.

    Order matters: size cap, then the file signature (before any parser sees the bytes), then
    decrypt, then pack.json's caps, depth scan and signature over its raw bytes, and only then
    the schema. Nothing is written anywhere.
    """
    data = _read_source(source, max_bytes)
    file_key = _check_file_signature(data, expected_public_key)
    try:
        with warnings.catch_warnings():
            # An unencrypted file makes pikepdf warn that no password was needed; it is refused
            # just below with a clear message, so the warning adds nothing.
            warnings.filterwarnings(
                "ignore", message="A password was provided", category=UserWarning
            )
            pdf = pikepdf.open(io.BytesIO(data), password=password)
    except pikepdf.PasswordError as exc:
        raise PackPasswordError(
            "The password is wrong. Check it with the sender (it is six words joined by dashes, "
            "given separately from the file) and try again."
        ) from exc
    except Exception as exc:  # qpdf reports damage with several exception types
        raise _not_a_pack() from exc
    with pdf:
        enc = pdf.encryption if pdf.is_encrypted else None
        if (
            enc is None
            or enc.R != 6
            or enc.bits != 256
            or enc.stream_method.name != "aesv3"
            or enc.file_method.name != "aesv3"
        ):
            raise PackDamaged(
                "This pack is not protected with AES-256 encryption as the toolkit's packs are. "
                "Do not use it; ask the sender to export it again."
            )
        raw_json = _extract_json(pdf)
        files = _extract_files(pdf)
        try:
            pages = len(pdf.pages)
        except Exception as exc:
            raise _not_a_pack() from exc
    plain = parse_pack_json(raw_json)
    fingerprint = signing.verify(plain, expected_public_key)
    if canonical_json(plain) != raw_json:
        # Only one spelling of the signed data is accepted, so what was verified is exactly
        # what is used (no whitespace, key order or escape variants).
        raise PackSignatureInvalid(
            "The data inside this pack is not in the signed form. Do not use it; ask the sender "
            "to export it again."
        )
    vault = plain.get("vault")
    if not isinstance(vault, dict) or vault.get("public_key") != file_key:
        raise PackSignatureInvalid(
            "The pack file and the data inside it were signed by different keys. Do not use it; "
            "ask the sender to export it again."
        )
    schema_version = plain.get("schema_version")
    if schema_version not in SUPPORTED_SCHEMA_VERSIONS:
        raise PackSchemaError(
            "This pack was made in a newer pack format than this version of the toolkit reads. "
            "Update the toolkit, or ask the sender to export it from the same version."
        )
    try:
        pack = PackModel.model_validate(plain)
    except ValidationError as exc:
        raise _schema_error(_validation_summary(exc)) from exc
    _match_files(pack, files)
    return VerifiedPack(
        pack=pack,
        raw_json=raw_json,
        signer_fingerprint=fingerprint,
        signer_public_key=file_key,
        pages=pages,
        files=files,
    )


def verify_pack(
    path: str | os.PathLike[str],
    password: str,
    expected_public_key: Ed25519PublicKey | bytes | str | None = None,
) -> VerifiedPack:
    """Check a pack file without importing anything; `.summary` says what it holds."""
    return open_pack(path, password, expected_public_key=expected_public_key)
