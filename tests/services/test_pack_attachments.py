"""Attachments in packs: embedded in the encrypted PDF, listed in pack.json with SHA-256, signed;
an import verifies and brings them across, all or nothing. Attacks made as a sender would,
with their own vault key and the bundled libraries."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from helpers import samples
from helpers.factories import child as make_child
from helpers.factories import save_report

from cse_toolkit.errors import UserError
from cse_toolkit.packs.errors import PackSignatureInvalid
from cse_toolkit.packs.pdfpack import build_pack_pdf, open_pack
from cse_toolkit.services import attachments, exchange


def _add(vault: Any, child_id: str, tmp_path: Path, name: str, data: bytes, **kw: Any) -> Any:
    path = tmp_path / name
    path.write_bytes(data)
    return attachments.add_file(vault, child_id, path, **kw)


@pytest.fixture
def two(vault_factory: Any, tmp_path: Path) -> dict[str, Any]:
    worker = vault_factory()
    dsl = vault_factory(user="dee", role="dsl")
    kid = make_child(worker, name="Robin Sample")
    photo = _add(worker, kid.id, tmp_path, "car.jpg", samples.jpeg(), caption="Grey car")
    letter = _add(worker, kid.id, tmp_path, "letter.pdf", samples.pdf(), caption="Consent form")
    return {"worker": worker, "dsl": dsl, "child": kid, "photo": photo, "letter": letter}


def _referral(worker: Any, kid: Any, ids: list[str]) -> Any:
    sharing = exchange.SharingChoice(consent_sought=True, consent_given=True)
    return exchange.build_pack(
        worker, "referral", child_id=kid.id, sharing=sharing, attachment_ids=ids
    )


def test_a_referral_carries_chosen_attachments_and_the_import_brings_them(
    two: dict[str, Any], tmp_path: Path
) -> None:
    worker, dsl, kid = two["worker"], two["dsl"], two["child"]
    pack = _referral(worker, kid, [two["photo"].id, two["letter"].id])
    done = exchange.export(worker, pack, tmp_path / "referral.pdf")
    verified = open_pack(done.result.path, done.result.password)
    listed = verified.pack.attachments
    assert [a.embedded_as for a in listed] == ["attachment-1.jpg", "attachment-2.pdf"]
    for entry in listed:
        data = verified.files[entry.embedded_as]
        assert hashlib.sha256(data).hexdigest() == entry.sha256
        assert entry.sha256 == worker.attachments.get(entry.id).sha256
    assert b"SnoopCam" not in verified.files["attachment-1.jpg"]  # stripped when added
    reason = worker.conn.execute(
        "SELECT reason FROM audit WHERE action = 'export.referral'"
    ).fetchone()[0]
    assert "attachments=2" in reason

    # A receiving organisation's own verifier (docs/examples) checks the files too.
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "verify_pack.py"
    run = subprocess.run(
        [sys.executable, str(example), str(done.result.path)],
        input=done.result.password + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["attachments"][0]["sha256"] == listed[0].sha256

    report = exchange.import_pack(dsl, done.result.path, done.result.password, confirmed="typed")
    assert report.added.get("attachment") == 2
    here = dsl.attachments.for_child(kid.id)
    assert {a.sha256 for a in here} == {e.sha256 for e in listed}
    assert {a.caption for a in here} == {"Grey car", "Consent form"}
    for info in here:
        assert hashlib.sha256(dsl.attachments.content(info.id)).hexdigest() == info.sha256
    assert dsl.audit_report().problems == []
    again = exchange.import_pack(dsl, done.result.path, done.result.password)
    assert again.already_imported and len(dsl.attachments.for_child(kid.id)) == 2


def test_a_pack_without_attachments_is_unchanged(two: dict[str, Any]) -> None:
    pack = _referral(two["worker"], two["child"], [])
    assert "attachments" not in pack.to_json_dict()


def test_an_intelligence_report_carries_attachments_without_the_child(
    two: dict[str, Any], tmp_path: Path
) -> None:
    worker, dsl, kid = two["worker"], two["dsl"], two["child"]
    report = save_report(worker, [kid.id])
    pack = exchange.build_pack(
        worker, "intelligence", report_id=report.id, attachment_ids=[two["photo"].id]
    )
    assert pack.attachments[0].child_id is None
    done = exchange.export(worker, pack, tmp_path / "intel.pdf")
    result = exchange.import_pack(dsl, done.result.path, done.result.password, confirmed="typed")
    assert result.added.get("attachment") == 1
    assert [a.sha256 for a in dsl.attachments.for_report(report.id)] == [two["photo"].sha256]
    other = make_child(worker, name="Another Child")
    stray = _add(worker, other.id, tmp_path, "n.txt", b"not about this report\n")
    with pytest.raises(UserError, match="not on this child's record"):
        exchange.build_pack(worker, "intelligence", report_id=report.id, attachment_ids=[stray.id])


def _swap_embedded(path: Path, password: str, name: str, data: bytes, key: Any) -> bytes:
    """A sender re-building their own pack with different bytes under a listed name, signed
    again with their own key (so every signature is valid)."""
    from cse_toolkit.packs.pdfpack import _FILE_CONTEXT, TRAILER_PREFIX
    from cse_toolkit.packs.signing import public_key_b64

    raw = path.read_bytes()
    body = raw[: raw.rfind(TRAILER_PREFIX)]
    with pikepdf.open(io.BytesIO(body), password=password) as pdf:
        pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, data, filename=name)
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(user=password, owner="o" * 64, R=6, aes=True))
    body = out.getvalue()
    import base64

    sig = base64.b64encode(key.sign(_FILE_CONTEXT + body))
    return body + TRAILER_PREFIX + public_key_b64(key).encode() + b" " + sig + b"\n"


def test_a_file_swapped_under_its_listed_name_is_refused(
    two: dict[str, Any], tmp_path: Path
) -> None:
    worker = two["worker"]
    pack = _referral(worker, two["child"], [two["photo"].id])
    done = exchange.export(worker, pack, tmp_path / "r.pdf")
    forged = _swap_embedded(
        done.result.path,
        done.result.password,
        "attachment-1.jpg",
        samples.png(),
        worker.signing_key(),
    )
    with pytest.raises(PackSignatureInvalid, match="do not match the list signed"):
        open_pack(forged, done.result.password)


def test_a_hostile_attachment_refuses_the_whole_import(two: dict[str, Any], tmp_path: Path) -> None:
    """The sender's vault is not trusted to have checked its files: a bomb listed with its true
    hash and signed is still refused on import, and nothing of the pack is kept."""
    worker, dsl, kid = two["worker"], two["dsl"], two["child"]
    pack = _referral(worker, kid, [two["photo"].id])
    bomb = samples.bomb_png()
    entry = pack.attachments[0].model_copy(
        update={
            "media_type": "image/png",
            "embedded_as": "attachment-1.png",
            "sha256": hashlib.sha256(bomb).hexdigest(),
            "size": len(bomb),
        }
    )
    forged = pack.model_copy(update={"attachments": [entry]})
    password = "otter-lamp-river-gravel"
    data = build_pack_pdf(forged, password, worker.signing_key(), {"attachment-1.png": bomb})
    (tmp_path / "bomb.pdf").write_bytes(data)
    before = dsl.conn.execute("SELECT count(*) FROM children").fetchone()[0]
    with pytest.raises(UserError, match="was refused"):
        exchange.import_pack(dsl, tmp_path / "bomb.pdf", password, confirmed="typed")
    assert dsl.conn.execute("SELECT count(*) FROM children").fetchone()[0] == before
    assert dsl.conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
    assert dsl.conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0


def test_a_screening_pack_may_not_carry_attachments(two: dict[str, Any]) -> None:
    from cse_toolkit.services.pack_attachments import entries_for

    with pytest.raises(UserError, match="does not carry attachments"):
        entries_for(two["worker"], "screening", [two["photo"].id], child_id=two["child"].id)
