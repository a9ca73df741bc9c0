"""Ed25519 signing of pack.json."""

from __future__ import annotations

import re

import pytest

from cse_toolkit.packs import signing
from cse_toolkit.packs.errors import PackSignatureInvalid, PackUntrustedSigner

from .factories import FIXED_KEY, OTHER_KEY, pack_dict, signed_dict


def test_sign_then_verify() -> None:
    signed = signed_dict()
    assert signed["signature"]["alg"] == "Ed25519"
    assert signing.verify(signed) == signing.fingerprint(FIXED_KEY)
    assert signing.verify(signed, FIXED_KEY.public_key()) == signing.fingerprint(FIXED_KEY)
    assert signing.verify(signed, signing.public_key_b64(FIXED_KEY))


def test_signature_ignores_key_order_but_not_content() -> None:
    signed = signed_dict()
    reordered = dict(reversed(list(signed.items())))
    signing.verify(reordered)
    signed["records"][0]["data"]["family_name"] = "Whitlowe"
    with pytest.raises(PackSignatureInvalid, match="changed since it was signed"):
        signing.verify(signed)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("signature"),
        lambda d: d["signature"].update(alg="RSA"),
        lambda d: d["signature"].update(value="!!!"),
        lambda d: d["signature"].update(value="AAAA"),
        lambda d: d["signature"].update(extra="1"),
        lambda d: d["vault"].update(public_key=signing.public_key_b64(OTHER_KEY)),
        lambda d: d["vault"].update(public_key="short"),
        lambda d: d.update(signature="nope"),
    ],
)
def test_broken_signatures_are_rejected(breakage) -> None:  # type: ignore[no-untyped-def]
    signed = signed_dict()
    breakage(signed)
    with pytest.raises(PackSignatureInvalid):
        signing.verify(signed)


def test_other_vault_is_untrusted() -> None:
    signed = signed_dict(key=OTHER_KEY)
    signing.verify(signed)  # self-consistent ...
    with pytest.raises(PackUntrustedSigner, match="different vault"):
        signing.verify(signed, FIXED_KEY.public_key())  # ... but not the vault we expected


def test_signing_with_a_key_not_named_in_the_pack_is_refused() -> None:
    with pytest.raises(ValueError, match="public_key"):
        signing.sign(pack_dict(key=FIXED_KEY), OTHER_KEY)


def test_fingerprint_is_short_readable_hex() -> None:
    fp = signing.fingerprint(FIXED_KEY)
    assert re.fullmatch(r"[0-9a-f]{4}( [0-9a-f]{4}){3}", fp)
    assert fp == signing.fingerprint(signing.public_key_b64(FIXED_KEY))
    assert fp != signing.fingerprint(OTHER_KEY)
