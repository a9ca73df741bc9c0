"""The encrypted pack file: encryption, password, tampering, hostile contents, atomic write."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import time
from pathlib import Path

import pikepdf
import pytest

from cse_toolkit.errors import UserError
from cse_toolkit.packs import pdfpack, signing
from cse_toolkit.packs.pdfpack import (
    PackDamaged,
    PackError,
    PackPasswordError,
    PackSchemaError,
    PackSignatureInvalid,
    PackTooLarge,
    PackUntrustedSigner,
    build_pack_pdf,
    export_pack,
    open_pack,
    verify_pack,
    write_pack,
)
from cse_toolkit.packs.schema import canonical_json

from .factories import FIXED_KEY, OTHER_KEY, make_pack, signed_dict
from .helpers import PASSWORD, craft, file_sign


@pytest.fixture(scope="module")
def referral_file() -> bytes:
    return build_pack_pdf(make_pack("referral"), PASSWORD, FIXED_KEY)


def test_error_types_are_user_errors() -> None:
    for err in (
        PackTooLarge,
        PackPasswordError,
        PackDamaged,
        PackSignatureInvalid,
        PackUntrustedSigner,
        PackSchemaError,
    ):
        assert issubclass(err, PackError) and issubclass(err, UserError)


@pytest.mark.parametrize("kind", ["referral", "intelligence", "screening"])
def test_round_trip(kind: str) -> None:
    pack = make_pack(kind)
    data = build_pack_pdf(pack, PASSWORD, FIXED_KEY)
    verified = open_pack(data, PASSWORD, expected_public_key=FIXED_KEY.public_key())
    assert verified.pack.records == pack.records
    assert verified.signer_fingerprint == signing.fingerprint(FIXED_KEY)
    summary = verified.summary
    assert summary.kind == kind and summary.pack_id == pack.pack_id
    assert summary.record_counts == pack.record_counts()
    assert json.loads(json.dumps(summary.as_dict()))["audit_chain_head"]["seq"] == 4821


def test_aes256_r6_reported_by_qpdf(tmp_path: Path, referral_file: bytes) -> None:
    path = write_pack(tmp_path / "pack.pdf", referral_file)
    out = subprocess.run(
        ["qpdf", "--show-encryption", f"--password={PASSWORD}", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "R = 6" in out
    assert "stream encryption method: AESv3" in out
    assert "string encryption method: AESv3" in out
    assert "file encryption method: AESv3" in out
    check = subprocess.run(
        ["qpdf", "--check", f"--password={PASSWORD}", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    listed = subprocess.run(
        ["pdfdetach", "-upw", PASSWORD, "-list", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "1: pack.json" in listed


def test_nothing_readable_without_the_password(referral_file: bytes) -> None:
    for marker in (b"Whitlow", b"WHITLOW", b"Crowngate", b"pack.json", b"Jade"):
        assert marker not in referral_file
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(referral_file))


def test_embedded_json_is_the_signed_canonical_json(referral_file: bytes) -> None:
    with pikepdf.open(io.BytesIO(referral_file), password=PASSWORD) as pdf:
        spec = pdf.attachments["pack.json"]
        raw = spec.get_file().read_bytes()
        assert spec.get_file().mime_type == "application/json"
    loaded = json.loads(raw)
    assert canonical_json(loaded) == raw
    signing.verify(loaded, FIXED_KEY.public_key())


def test_wrong_password_refused(referral_file: bytes) -> None:
    with pytest.raises(PackPasswordError, match="The password is wrong"):
        open_pack(referral_file, "amber-lotus-kite-harp-oak-quill")
    with pytest.raises(PackPasswordError):
        open_pack(referral_file, "")


def test_flipped_bytes_anywhere_are_rejected(referral_file: bytes) -> None:
    size = len(referral_file)
    positions = sorted(
        {
            0,
            5,
            100,
            1000,
            size // 4,
            size // 3,
            size // 2,
            2 * size // 3,
            size - 400,
            size - 200,
            size - 150,
            size - 60,
            size - 3,
            size - 1,
        }
    )
    for pos in positions:
        damaged = bytearray(referral_file)
        damaged[pos] ^= 0x01
        with pytest.raises(PackError) as caught:
            open_pack(bytes(damaged), PASSWORD)
        assert isinstance(caught.value, (PackSignatureInvalid, PackDamaged)), pos


def test_truncated_and_appended_files_are_rejected(referral_file: bytes) -> None:
    for data in (
        referral_file[:-1],
        referral_file[: len(referral_file) // 2],
        referral_file + b"\n",
        referral_file + b"%%EOF\n",
        b"",
        b"%PDF-1.7\n",
    ):
        with pytest.raises((PackDamaged, PackSignatureInvalid)):
            open_pack(data, PASSWORD)


def test_other_vaults_key_is_refused_when_a_key_is_expected() -> None:
    data = build_pack_pdf(make_pack("screening", key=OTHER_KEY), PASSWORD, OTHER_KEY)
    assert open_pack(data, PASSWORD).signer_fingerprint == signing.fingerprint(OTHER_KEY)
    with pytest.raises(PackUntrustedSigner, match="different vault"):
        open_pack(data, PASSWORD, expected_public_key=FIXED_KEY.public_key())
    with pytest.raises(PackUntrustedSigner):
        open_pack(data, PASSWORD, expected_public_key=signing.public_key_b64(FIXED_KEY))


def test_edited_pages_resigned_by_another_key_are_refused(referral_file: bytes) -> None:
    # Someone with the password changes the document and signs the file with their own key:
    # the file key no longer matches the key inside the signed pack.json.
    cut = referral_file.rfind(pdfpack.TRAILER_PREFIX)
    forged = file_sign(referral_file[:cut], OTHER_KEY)
    with pytest.raises(PackSignatureInvalid, match="different keys"):
        open_pack(forged, PASSWORD)


def good_json(kind: str = "screening") -> bytes:
    return canonical_json(signed_dict(kind))


def test_crafted_file_with_good_json_opens() -> None:
    # Control for the hostile cases below: the crafting helper itself makes valid packs.
    assert open_pack(craft(good_json()), PASSWORD).pack.kind == "screening"


def deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def with_field(extra: dict[str, object]) -> bytes:
    data = signed_dict("screening")
    data.update(extra)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "payload, error, message",
    [
        (deep(100_000), PackSchemaError, "nested deeper than 32"),
        (b'{"a":' * 50 + b"1" + b"}" * 50, PackSchemaError, "nested deeper"),
        (b'{"s":"' + b"[" * 100 + b'"}', PackSignatureInvalid, "changed since"),  # not nested
        (b'{"s":"' + b"x" * 20_001 + b'"}', PackSchemaError, "longer than 20000"),
        (b"[" + b"1," * 6000 + b"1]", PackSchemaError, "top level"),
        (b'{"n":' + b"9" * 5000 + b"}", PackSchemaError, "not valid JSON"),
        (b'{"n":1.5}', PackSchemaError, "decimals"),
        (b'{"n":NaN}', PackSchemaError, "NaN"),
        (b'{"a":1,"a":2}', PackSchemaError, "appears twice"),
        (b"\xff\xfe{}", PackSchemaError, "not valid JSON"),
        (b"not json", PackSchemaError, "not valid JSON"),
        (b"{}", PackSignatureInvalid, "changed since"),
        (json.dumps({"x": 1}).encode(), PackSignatureInvalid, "changed since"),
    ],
)
def test_hostile_json_is_rejected(payload: bytes, error: type[PackError], message: str) -> None:
    with pytest.raises(error, match=message):
        open_pack(craft(payload), PASSWORD)


def test_unknown_fields_and_wrong_types_rejected_after_signature() -> None:
    # Validly signed by its own key, but not the pack format: schema errors, no values echoed.
    for extra in ({"surprise": "secret-value"}, {"kind": 7}):
        data = signed_dict("screening")
        data.pop("signature")
        data.update(extra)
        signed = signing.sign(data, FIXED_KEY)
        with pytest.raises(PackSchemaError) as caught:
            open_pack(craft(canonical_json(signed)), PASSWORD)
        assert "secret-value" not in str(caught.value)
        assert "not in the pack format" in str(caught.value)


def test_non_canonical_spelling_is_rejected() -> None:
    spaced = json.dumps(signed_dict("screening"), indent=1).encode()
    with pytest.raises(PackSignatureInvalid, match="not in the signed form"):
        open_pack(craft(spaced), PASSWORD)


def test_newer_schema_version_is_explained() -> None:
    data = signed_dict("screening")
    data.pop("signature")
    data["schema_version"] = "3"
    with pytest.raises(PackSchemaError, match="newer pack format"):
        open_pack(craft(canonical_json(signing.sign(data, FIXED_KEY))), PASSWORD)


@pytest.mark.parametrize(
    "names",
    [
        ("../../etc/passwd",),
        ("/etc/passwd",),
        ("..\\..\\Windows\\system32\\evil.dll",),
        ("pack.json", "pack2.json"),
        ("pack.json", "../pack.json"),
        ("pack.json", "attachment-1.exe"),
        ("pack.json", "attachment-1.jpg/../../x"),
        (),
    ],
)
def test_attachment_names_and_counts(names: tuple[str, ...], tmp_path: Path) -> None:
    before = set(os.listdir(tmp_path))
    os.chdir(tmp_path)
    with pytest.raises(PackDamaged, match="one attached file named pack.json") as caught:
        open_pack(craft(good_json(), names), PASSWORD)
    assert "passwd" not in str(caught.value)
    assert set(os.listdir(tmp_path)) == before  # nothing written


def test_json_size_bomb_is_capped() -> None:
    # 20 MiB of spaces compresses to ~20 KiB: the inflater stops at the cap.
    with pytest.raises(PackTooLarge, match="larger than 10 MiB"):
        open_pack(craft(b"{" + b" " * (20 * 1024 * 1024) + b"}"), PASSWORD)


def test_weaker_encryption_is_refused() -> None:
    weak = craft(
        good_json(), encryption=pikepdf.Encryption(user=PASSWORD, owner="o", R=4, aes=True)
    )
    with pytest.raises(PackDamaged, match="AES-256"):
        open_pack(weak, PASSWORD)


def test_unencrypted_file_is_refused() -> None:
    plain = io.BytesIO()
    with pikepdf.open(io.BytesIO(craft(good_json())), password=PASSWORD) as pdf:
        pdf.save(plain)
    with pytest.raises(PackDamaged, match="AES-256"):
        open_pack(file_sign(plain.getvalue()), PASSWORD)


def test_oversized_file_rejected_before_reading(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)  # sparse: cheap to make
    opened: list[str] = []
    real_open = Path.open

    def spy(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy)
    with pytest.raises(PackTooLarge, match="larger than the 50 MiB"):
        verify_pack(big, PASSWORD)
    assert opened == []
    with pytest.raises(PackTooLarge):
        open_pack(b"x" * 101, PASSWORD, max_bytes=100)


def test_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(PackDamaged, match="does not exist"):
        verify_pack(tmp_path / "nope.pdf", PASSWORD)


def test_write_pack_is_atomic_and_private(tmp_path: Path, referral_file: bytes) -> None:
    old_umask = os.umask(0o022)
    try:
        target = tmp_path / "referral.pdf"
        target.write_bytes(b"old")
        write_pack(target, referral_file)
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == referral_file
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["referral.pdf"]  # no temp left
    assert verify_pack(target, PASSWORD).summary.kind == "referral"


def test_write_pack_error_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(pdfpack.PackWriteError, match="could not be saved"):
        write_pack(tmp_path / "missing-folder" / "p.pdf", b"data")


def test_export_pack_generates_password(tmp_path: Path) -> None:
    result = export_pack(make_pack("intelligence"), tmp_path / "intel.pdf", FIXED_KEY)
    assert len(result.password.split("-")) == 6
    assert verify_pack(result.path, result.password).pack.pack_id == result.pack_id


def test_500_note_export_timing(tmp_path: Path) -> None:
    pack = make_pack("referral", notes=500)
    start = time.perf_counter()
    result = export_pack(pack, tmp_path / "big.pdf", FIXED_KEY)
    elapsed = time.perf_counter() - start
    assert verify_pack(result.path, result.password).summary.record_counts["note"] == 500
    assert elapsed < 10  # budget 2 s (bench/); generous here so loaded CI machines pass


def test_poppler_reader_opens_export_with_generated_password(tmp_path: Path) -> None:
    result = export_pack(make_pack("referral"), tmp_path / "ref.pdf", FIXED_KEY)
    text = subprocess.run(
        ["pdftotext", "-upw", result.password, str(result.path), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "OFFICIAL-SENSITIVE" in text and "WHITLOW" in text


def test_overlong_password_refused_for_reader_compatibility() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        build_pack_pdf(make_pack("screening"), "x" * 33, FIXED_KEY)
