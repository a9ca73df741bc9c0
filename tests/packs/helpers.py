"""Build hostile or unusual pack files the exporter would never make, for rejection tests."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import pikepdf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cse_toolkit.packs import pdfpack, signing
from cse_toolkit.packs.render import render_pdf

from .factories import FIXED_KEY, make_pack

PASSWORD = "amber-lotus-kite-harp-oak-quilt"


def file_sign(body: bytes, key: Ed25519PrivateKey = FIXED_KEY) -> bytes:
    """Append a valid file-signature line, as a hostile signer could."""
    sig = key.sign(pdfpack._FILE_CONTEXT + body)
    return (
        body
        + pdfpack.TRAILER_PREFIX
        + signing.public_key_b64(key).encode()
        + b" "
        + base64.b64encode(sig)
        + b"\n"
    )


def craft(
    json_bytes: bytes,
    names: Sequence[str] = ("pack.json",),
    *,
    key: Ed25519PrivateKey = FIXED_KEY,
    encryption: pikepdf.Encryption | None = None,
) -> bytes:
    plain = render_pdf(make_pack("screening"))
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        for name in names:
            pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, json_bytes, filename=name)
        out = io.BytesIO()
        pdf.save(
            out,
            encryption=encryption
            or pikepdf.Encryption(user=PASSWORD, owner="o" * 64, R=6, aes=True),
        )
    body = out.getvalue()
    return file_sign(body, key)
