#!/usr/bin/env python3
"""Verify a CSE Toolkit pack without the toolkit: only `cryptography` and `pikepdf`.

    python verify_pack.py PACK.pdf [EXPECTED_FINGERPRINT] < password.txt

Reads the pack password from the first line of standard input. Prints the verified pack.json
(canonical JSON, one line) on standard output and exits 0, or prints the reason on standard
error and exits 1. Writes nothing to disk. See docs/INTEGRATION.md, "Verifying independently".

The checks, in order (the toolkit makes the same ones):
1. the file signature: the last line of the file is
   b"%CSE-Toolkit-Pack v1 Ed25519 " + key_b64 + b" " + sig_b64 + b"\\n", and sig is Ed25519
   by key over b"cse-toolkit pack file v1\\x00" + every byte before that line;
2. the PDF opens with the password and is AES-256 (security handler revision 6);
3. it holds one attachment named pack.json (and, when pack.json lists them in its optional
   "attachments" section, the files named there: nothing else);
4. pack.json is already in canonical form: json.dumps(obj, sort_keys=True,
   separators=(",", ":"), ensure_ascii=False).encode("utf-8") gives back the same bytes;
5. signature.alg is "Ed25519" and signature.value is Ed25519 by vault.public_key over the
   canonical JSON of the object without its "signature" member;
6. vault.public_key is the key of the file signature;
7. optionally, the key's fingerprint (first 16 hex digits of SHA-256 of the 32 raw key bytes)
   is the one the sender read out to you;
8. every file pack.json lists under "attachments" is embedded under its "embedded_as" name,
   with that "size" and "sha256", and no other file is.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys

import pikepdf
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

TRAILER_PREFIX = b"%CSE-Toolkit-Pack v1 Ed25519 "
FILE_CONTEXT = b"cse-toolkit pack file v1\x00"
MAX_PACK_BYTES = 50 * 1024 * 1024


class Refused(Exception):
    pass


def canonical(obj: object) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def fingerprint(raw_key: bytes) -> str:
    digest = hashlib.sha256(raw_key).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def ed25519_verify(raw_key: bytes, signature: bytes, message: bytes) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise Refused("signature does not verify") from exc


def verify(data: bytes, password: str, expected_fingerprint: str | None = None) -> dict:
    if len(data) > MAX_PACK_BYTES:
        raise Refused("file too large")
    # 1. File signature (before any parser sees the bytes).
    cut = data.rfind(b"\n" + TRAILER_PREFIX) + 1
    if cut <= 0:
        raise Refused("no file signature line")
    fields = data[cut + len(TRAILER_PREFIX) :].split(b" ")
    if len(fields) != 2 or not fields[1].endswith(b"\n"):
        raise Refused("malformed file signature line")
    key = base64.b64decode(fields[0], validate=True)
    sig = base64.b64decode(fields[1][:-1], validate=True)
    if len(key) != 32 or len(sig) != 64:
        raise Refused("malformed file signature line")
    ed25519_verify(key, sig, FILE_CONTEXT + data[:cut])
    # 2-3. Decrypt in memory, check the encryption, take the one attachment.
    try:
        pdf = pikepdf.open(io.BytesIO(data), password=password)
    except pikepdf.PasswordError as exc:
        raise Refused("wrong password") from exc
    with pdf:
        enc = pdf.encryption if pdf.is_encrypted else None
        if enc is None or enc.R != 6 or enc.bits != 256:
            raise Refused("not AES-256 (revision 6)")
        names = list(pdf.attachments.keys())
        if names.count("pack.json") != 1:
            raise Refused("must hold exactly one attachment named pack.json")
        raw = pdf.attachments["pack.json"].get_file().read_bytes()
        files = {
            name: pdf.attachments[name].get_file().read_bytes()
            for name in names
            if name != "pack.json"
        }
    # 4. One spelling only.
    pack = json.loads(raw)
    if not isinstance(pack, dict) or canonical(pack) != raw:
        raise Refused("pack.json is not in canonical form")
    # 5. pack.json signature.
    signature = pack.get("signature")
    if not isinstance(signature, dict) or signature.get("alg") != "Ed25519":
        raise Refused("pack.json is not signed")
    json_key = base64.b64decode(pack["vault"]["public_key"], validate=True)
    unsigned = {k: v for k, v in pack.items() if k != "signature"}
    ed25519_verify(
        json_key, base64.b64decode(signature["value"], validate=True), canonical(unsigned)
    )
    # 6. Same signer for both.
    if json_key != key:
        raise Refused("file and pack.json signed by different keys")
    # 7. The signer you expect.
    if expected_fingerprint is not None:

        def norm(text: str) -> str:
            return "".join(c for c in text.lower() if c in "0123456789abcdef")

        if norm(expected_fingerprint) != norm(fingerprint(key)):
            raise Refused(f"signed by {fingerprint(key)}, not the expected key")
    # 8. The embedded files are exactly the signed list (names are compared, never used as paths).
    listed = {entry["embedded_as"]: entry for entry in pack.get("attachments", [])}
    if set(listed) != set(files):
        raise Refused("the embedded files are not the ones pack.json lists")
    for name, entry in listed.items():
        body = files[name]
        if len(body) != entry["size"] or hashlib.sha256(body).hexdigest() != entry["sha256"]:
            raise Refused("an embedded file does not match its size and SHA-256")
    return pack


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")
    with open(argv[1], "rb") as handle:
        data = handle.read(MAX_PACK_BYTES + 1)
    try:
        pack = verify(data, password, argv[2] if len(argv) == 3 else None)
    except (Refused, ValueError, KeyError, TypeError, pikepdf.PdfError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(
        f"verified: signed by key {fingerprint(base64.b64decode(pack['vault']['public_key']))}",
        file=sys.stderr,
    )
    sys.stdout.buffer.write(canonical(pack) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
