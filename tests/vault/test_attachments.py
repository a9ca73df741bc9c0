"""Attachments in the vault: kept encrypted, checked from their content, metadata stripped
unless kept for evidence, capped, audited, and hostile files refused without a crash."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from helpers import samples
from helpers.factories import child as make_child
from PIL import Image

from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.packs.attachment_files import AttachmentRefused, inspect, sniff
from cse_toolkit.policy import Policy
from cse_toolkit.services import attachments

PASSPHRASE = "otter lamp river gravel"  # tests/conftest.py
OTHER = "second worker passphrase here"


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_photo_round_trips_with_location_and_camera_data_removed(
    vault: Any, tmp_path: Path
) -> None:
    kid = make_child(vault)
    original = samples.jpeg()
    prepared = attachments.read_and_check(vault, _file(tmp_path, "car.jpg", original))
    assert prepared.has_metadata
    meta = prepared.checked.metadata
    assert meta.location and meta.camera and meta.taken_at is not None
    info = attachments.save(vault, kid.id, prepared, caption="Car and plate")
    stored = vault.attachments.content(info.id)
    assert info.sha256 == hashlib.sha256(stored).hexdigest()
    assert info.media_type == "image/jpeg" and not info.metadata_kept
    assert b"SnoopCam" not in stored and b"Model-X9" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        exif = img.getexif()
        assert 0x8825 not in exif and 0x010F not in exif
        assert exif.get(0x0112) == 6  # still shown the right way up
        img.load()  # the picture itself is intact
    assert stored[-200:] == original[-200:]  # not re-encoded: the scan data is the same bytes
    listed = vault.attachments.for_child(kid.id)
    assert [a.caption for a in listed] == ["Car and plate"]
    assert listed[0].thumbnail.startswith(b"\x89PNG")
    assert listed[0].added_by == vault.user.label


def test_a_worker_may_keep_the_metadata_for_evidence(vault: Any, tmp_path: Path) -> None:
    kid = make_child(vault)
    original = samples.png()
    info = attachments.add_file(
        vault, kid.id, _file(tmp_path, "screen.png", original), keep_metadata=True
    )
    assert info.metadata_kept
    assert vault.attachments.content(info.id) == original  # byte for byte as it came
    actions = [r[0] for r in vault.conn.execute("SELECT action, reason FROM audit").fetchall()]
    assert "attachment.add" in actions
    reason = vault.conn.execute(
        "SELECT reason FROM audit WHERE action = 'attachment.add'"
    ).fetchone()[0]
    assert "metadata=kept" in reason


def test_png_text_chunks_and_exif_are_removed(vault: Any, tmp_path: Path) -> None:
    kid = make_child(vault)
    info = attachments.add_file(vault, kid.id, _file(tmp_path, "s.png", samples.png()))
    stored = vault.attachments.content(info.id)
    assert b"SnoopCam" not in stored and b"eXIf" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        img.load()
        assert img.size == (40, 30)


def test_type_comes_from_the_content_not_the_name(vault: Any, tmp_path: Path) -> None:
    kid = make_child(vault)
    info = attachments.add_file(vault, kid.id, _file(tmp_path, "letter.txt", samples.pdf()))
    assert info.media_type == "application/pdf" and info.pages == 1
    assert info.thumbnail.startswith(b"\x89PNG")  # the first page, drawn small
    with pytest.raises(AttachmentRefused, match="not a photo"):
        attachments.add_file(vault, kid.id, _file(tmp_path, "photo.jpg", b"MZ\x90\x00" * 50))
    text = attachments.add_file(
        vault, kid.id, _file(tmp_path, "notes.pdf", "Texte reçu: à 16h\n".encode())
    )
    assert text.media_type == "text/plain"


HOSTILE = {
    "image bomb": (samples.bomb_png, "50 megapixels"),
    "truncated image": (samples.truncated_jpeg, "damaged"),
    "malformed image": (samples.malformed_png, "damaged"),
    "pdf javascript": (samples.pdf_javascript, "JavaScript"),
    "pdf launch": (samples.pdf_launch, "Launch action"),
    "pdf named javascript": (samples.pdf_named_javascript, "JavaScript"),
    "truncated pdf": (samples.truncated_pdf, "damaged"),
    "text not utf-8": (lambda: "café".encode("latin-1") * 10, "UTF-8"),
    "text with nul": (lambda: b"hello\x00world\n", "control characters"),
    "text with escape": (lambda: b"hello \x1b[31mred\x1b[0m\n", "control characters"),
    "heic": (lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64, "HEIC"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_is_refused_with_a_plain_message(case: str) -> None:
    make, words = HOSTILE[case]
    data = make()
    with pytest.raises(AttachmentRefused, match=words) as info:
        inspect(data, max_bytes=10**7)
    assert "Traceback" not in str(info.value)


def test_the_bomb_is_refused_from_its_header_before_decoding() -> None:
    # 81 megapixels: under Pillow's own limit, over the toolkit's; refused from the header.
    data = samples.bomb_png(side=9_000)
    assert len(data) < 2_000
    assert sniff(data) == "image/png"
    with pytest.raises(AttachmentRefused, match="9000 x 9000"):
        inspect(data, max_bytes=10**6)


def test_caps_per_file_and_per_vault_come_from_the_policy(
    vault_factory: Any, tmp_path: Path
) -> None:
    policy = Policy(attachment_max_mb=1, attachments_total_max_mb=10)
    vault = vault_factory(policy=policy)
    kid = make_child(vault)
    big = _file(tmp_path, "big.txt", b"a" * (1024 * 1024 + 1))
    with pytest.raises(UserError, match="up to 1.0 MB"):
        attachments.add_file(vault, kid.id, big)
    for i in range(10):
        attachments.add_file(vault, kid.id, _file(tmp_path, f"{i}.txt", b"b" * 1_000_000))
    with pytest.raises(UserError, match="already take 10 MB of the 10 MB"):
        attachments.add_file(vault, kid.id, _file(tmp_path, "last.txt", b"c" * 500_000))
    assert len(vault.attachments.for_child(kid.id)) == 10


def test_policy_caps_are_strict_ints() -> None:
    from cse_toolkit.policy import PolicyError, parse_policy

    with pytest.raises(PolicyError, match="attachment_max_mb"):
        parse_policy('attachment_max_mb = "20"\n', "p.toml")
    with pytest.raises(PolicyError, match="attachments_total_max_mb"):
        parse_policy("attachments_total_max_mb = 5.0\n", "p.toml")
    assert parse_policy("attachment_max_mb = 5\n", "p.toml").attachment_max_mb == 5


def test_only_who_may_see_the_child_sees_its_attachments(
    vault_factory: Any, tmp_path: Path
) -> None:
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    admin = vault_factory(user="ada", role="admin")
    folder = admin.folder
    admin.add_user("sam", "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("kim", "worker", OTHER, PASSPHRASE, kdf=FLOOR_PARAMS)
    with pytest.raises(PermissionDenied):
        admin.attachments.add("x", b"a\n", "text/plain")
    admin.close()
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        kid = make_child(sam)
        info = attachments.add_file(sam, kid.id, _file(tmp_path, "n.txt", b"a letter\n"))
    with Vault.open(folder, "kim", OTHER) as kim:
        with pytest.raises(UserError):
            kim.attachments.content(info.id)
        with pytest.raises(UserError):
            kim.attachments.remove(info.id, "not_needed")


def test_removal_needs_a_listed_reason_and_is_audited(vault: Any, tmp_path: Path) -> None:
    kid = make_child(vault)
    info = attachments.add_file(vault, kid.id, _file(tmp_path, "n.txt", b"a letter\n"))
    with pytest.raises(UserError, match="Choose why"):
        vault.attachments.remove(info.id, "because I said so")
    vault.attachments.remove(info.id, "added_by_mistake")
    assert vault.attachments.for_child(kid.id) == []
    assert vault.audit_report().problems == []


def test_a_damaged_attachment_reads_as_damaged(vault: Any, tmp_path: Path) -> None:
    kid = make_child(vault)
    info = attachments.add_file(vault, kid.id, _file(tmp_path, "n.txt", b"a letter\n"))
    vault.conn.execute("UPDATE attachments SET content = ? WHERE id = ?", (b"changed\n", info.id))
    with pytest.raises(UserError, match="damaged"):
        vault.attachments.content(info.id)
