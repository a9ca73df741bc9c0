"""Issue 23: `verify-pack --json` / `--json-lines` for a receiving organisation's pipeline.

Good, tampered, wrong-password, unknown-signer, unexpected-signer and revoked packs; every
object printed validates against the published docs/verify-pack.schema.json, and the verified
pack.json inside it against docs/pack.schema.json. The command runs in-process (stdin replaced)
to keep the test fast; the exit code and both streams are what a pipeline sees.
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pikepdf
import pytest

from cse_toolkit import cli as cli_module
from cse_toolkit.commands import common
from cse_toolkit.packs import signing

from .test_exchange import PASSPHRASE, Sender

DOCS = Path(__file__).resolve().parents[2] / "docs"
OUTPUT_SCHEMA = json.loads((DOCS / "verify-pack.schema.json").read_text(encoding="utf-8"))
PACK_SCHEMA = json.loads((DOCS / "pack.schema.json").read_text(encoding="utf-8"))


def check_output(obj: dict[str, Any]) -> dict[str, Any]:
    jsonschema.Draft202012Validator(OUTPUT_SCHEMA).validate(obj)
    if obj["valid"]:
        jsonschema.Draft202012Validator(PACK_SCHEMA).validate(obj["pack"])
    return obj


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    monkeypatch.setattr(common, "_reader", None)
    try:
        code = cli_module.run(["verify-pack", *args])
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def attachment(path: Path, password: str) -> dict[str, Any]:
    with pikepdf.open(path, password=password) as pdf:
        data: dict[str, Any] = json.loads(pdf.attachments["pack.json"].get_file().read_bytes())
        return data


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and "logs" not in p.parts}


@pytest.fixture
def sender(vault_factory: Any) -> Sender:
    return Sender(vault_factory(user="sam", role="worker", display_name="Sam Okafor"))


def test_json_good_tampered_wrong_password_and_signers(
    sender: Sender, vault_factory: Any, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    done = sender.export(tmp_path / "r.pdf")
    path, password = done.result.path, done.result.password
    before = files_under(tmp_path)

    code, out, err = run(capsys, monkeypatch, str(path), "--json", stdin=password + "\n")
    assert code == 0, err
    good = check_output(json.loads(out))
    assert good["valid"] is True and "error" not in good
    assert good["pack"] == attachment(path, password)  # exactly the verified pack.json
    assert good["signer"] == {
        "fingerprint": done.result.signer_fingerprint,
        "public_key": good["pack"]["vault"]["public_key"],
        "trust": "unknown",
        "trust_source": "none",
        "revoked": None,
    }
    assert good["signer"]["fingerprint"] == signing.fingerprint(sender.vault.user_public_key)
    assert good["kind"] == "referral" and good["schema_version"] == good["pack"]["schema_version"]
    assert good["audit_chain_head"] == good["pack"]["audit_chain_head"]
    assert good["pack_id"] == done.result.pack_id
    assert files_under(tmp_path) == before, "verify-pack wrote a file"

    # Tampered: one byte of the encrypted body flipped.
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    code, out, err = run(capsys, monkeypatch, str(tampered), "--json", stdin=password + "\n")
    bad = check_output(json.loads(out))
    assert code == 1 and bad["valid"] is False and "pack" not in bad
    assert bad["error"]["code"] == "signature_invalid"
    assert bad["error"]["message"] in err and "Traceback" not in err

    code, out, err = run(
        capsys, monkeypatch, str(path), "--json", stdin="amber-lotus-kite-harp-oak-quilt\n"
    )
    wrong = check_output(json.loads(out))
    assert code == 1 and wrong["error"]["code"] == "wrong_password"
    assert "The password is wrong" in err

    # Unknown signer, as this machine knows it: a DSL vault that never confirmed the key.
    dsl = vault_factory(user="priya", role="dsl")
    dsl_folder = str(dsl.folder)
    dsl.close()
    vault_args = ("--data-dir", dsl_folder, "--user", "priya")
    code, out, err = run(
        capsys, monkeypatch, str(path), "--json", *vault_args, stdin=f"{PASSPHRASE}\n{password}\n"
    )
    unknown = check_output(json.loads(out))
    assert code == 0, err
    assert unknown["signer"]["trust"] == "not_trusted"
    assert unknown["signer"]["trust_source"] == "vault"

    # The DSL confirms the key by importing with it; now the same vault says trusted.
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PASSPHRASE}\n{password}\n"))
    monkeypatch.setattr(common, "_reader", None)
    assert (
        cli_module.run(
            [
                "import-pack",
                str(path),
                *vault_args,
                "--expect-signer",
                done.result.signer_fingerprint,
            ]
        )
        == 0
    )
    capsys.readouterr()
    code, out, err = run(
        capsys, monkeypatch, str(path), "--json", *vault_args, stdin=f"{PASSPHRASE}\n{password}\n"
    )
    assert code == 0 and check_output(json.loads(out))["signer"]["trust"] == "trusted"

    # A different expected signer is refused; the expected one is reported as such.
    other = vault_factory(user="kim", role="worker")
    code, out, err = run(
        capsys,
        monkeypatch,
        str(path),
        "--json",
        "--expect-signer",
        signing.fingerprint(other.user_public_key),
        stdin=password + "\n",
    )
    assert code == 1 and check_output(json.loads(out))["error"]["code"] == "unexpected_signer"
    code, out, err = run(
        capsys,
        monkeypatch,
        str(path),
        "--json",
        "--expect-signer",
        done.result.signer_fingerprint,
        stdin=password + "\n",
    )
    assert code == 0 and check_output(json.loads(out))["signer"]["trust"] == "expected"


def test_json_lines_over_a_folder_with_passwords_in_file_order(
    sender: Sender, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    a = sender.export(inbox / "b-referral.pdf")
    b = sender.export(inbox / "a-screening.pdf", kind="screening")
    (inbox / "notes.txt").write_text("not a pack", encoding="utf-8")
    broken = inbox / "c-broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot really\n")
    # Sorted by name: a-screening, b-referral, c-broken.
    code, out, err = run(
        capsys,
        monkeypatch,
        str(inbox),
        "--json-lines",
        stdin=f"{b.result.password}\n{a.result.password}\nwhatever\n",
    )
    lines = out.splitlines()
    assert len(lines) == 3 and code == 1
    got = [check_output(json.loads(line)) for line in lines]
    assert [Path(o["file"]).name for o in got] == [
        "a-screening.pdf",
        "b-referral.pdf",
        "c-broken.pdf",
    ]
    assert [o["valid"] for o in got] == [True, True, False]
    assert got[0]["kind"] == "screening" and got[1]["kind"] == "referral"
    assert got[2]["error"]["code"] == "damaged" and "c-broken.pdf" in err

    # A missing password line refuses that pack only; the others still verify.
    code, out, err = run(
        capsys,
        monkeypatch,
        str(inbox / "b-referral.pdf"),
        str(inbox / "a-screening.pdf"),
        "--json-lines",
        stdin=f"{a.result.password}\n",
    )
    got = [check_output(json.loads(line)) for line in out.splitlines()]
    assert code == 1 and [o["valid"] for o in got] == [True, False]
    assert got[1]["error"]["code"] == "no_password"

    code, out, err = run(
        capsys,
        monkeypatch,
        str(inbox / "b-referral.pdf"),
        str(inbox / "a-screening.pdf"),
        "--json-lines",
        stdin=f"{a.result.password}\n{b.result.password}\n",
    )
    assert code == 0 and all(json.loads(line)["valid"] for line in out.splitlines())


def test_usage_errors_exit_2(sender: Sender, tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    done = sender.export(tmp_path / "r.pdf")
    p = str(done.result.path)
    assert run(capsys, monkeypatch, p, p, "--json")[0] == 2
    assert run(capsys, monkeypatch, str(tmp_path), "--json")[0] == 2
    assert run(capsys, monkeypatch, p, "--json", "--json-lines")[0] == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(capsys, monkeypatch, str(empty), "--json-lines")[0] == 2


def _revocations(tmp_path: Path, **entry: Any) -> Path:
    path = tmp_path / "revoked.json"
    path.write_text(
        json.dumps({"format": "cse-toolkit-revocations/1", "revoked": [entry]}), encoding="utf-8"
    )
    return path


def test_revocation_list_refuses_packs_dated_after_and_flags_older_ones(
    sender: Sender, tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    done = sender.export(tmp_path / "r.pdf")
    path, password = done.result.path, done.result.password
    created = attachment(path, password)["created_at"]
    key = base64.b64encode(sender.vault.user_public_key).decode()

    # Revoked (laptop lost) before this pack was made: refused, data not handed on.
    lost = _revocations(
        tmp_path, public_key=key, revoked_at="2020-01-01T00:00:00Z", reason="laptop lost"
    )
    code, out, err = run(
        capsys, monkeypatch, str(path), "--json", "--revoked", str(lost), stdin=password + "\n"
    )
    res = check_output(json.loads(out))
    assert code == 1 and res["error"]["code"] == "revoked_signer" and "pack" not in res
    assert res["signer"]["revoked"] == {
        "revoked_at": "2020-01-01T00:00:00Z",
        "reason": "laptop lost",
        "pack_dated_after": True,
    }
    assert "revoked" in err
    # The plain text form refuses too.
    code, out, err = run(
        capsys, monkeypatch, str(path), "--revoked", str(lost), stdin=password + "\n"
    )
    assert code == 1 and "revocation list" in err

    # Revoked after the pack's date (by fingerprint): verified, but flagged.
    later = _revocations(
        tmp_path,
        fingerprint=done.result.signer_fingerprint.upper(),
        revoked_at="2099-01-01T00:00:00Z",
    )
    code, out, err = run(
        capsys, monkeypatch, str(path), "--json", "--revoked", str(later), stdin=password + "\n"
    )
    res = check_output(json.loads(out))
    assert code == 0 and res["valid"] and res["signer"]["trust"] == "revoked"
    assert res["signer"]["revoked"]["pack_dated_after"] is False
    assert "warning" in err and created < "2099"
    code, out, err = run(
        capsys, monkeypatch, str(path), "--revoked", str(later), stdin=password + "\n"
    )
    assert code == 0 and "WARNING: this key was revoked" in out

    # A broken list is an error, never silently ignored.
    bad = tmp_path / "bad.json"
    for text in (
        "{",
        json.dumps({"format": "x"}),
        json.dumps(
            {
                "format": "cse-toolkit-revocations/1",
                "revoked": [{"fingerprint": "12", "revoked_at": "2020"}],
            }
        ),
        json.dumps(
            {
                "format": "cse-toolkit-revocations/1",
                "revoked": [{"public_key": key, "revoked_at": "2020-01-01"}],
            }
        ),
    ):
        bad.write_text(text, encoding="utf-8")
        code, out, err = run(
            capsys, monkeypatch, str(path), "--json", "--revoked", str(bad), stdin=password + "\n"
        )
        assert code == 1 and out == "" and "revocation list" in err, text
    assert os.path.exists(path)


def test_published_output_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(OUTPUT_SCHEMA)
