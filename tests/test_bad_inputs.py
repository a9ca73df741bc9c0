"""Every bad input a message (issue 22 item 6): caps, depth, strict policy, the boundary.

Each case is what the issue found as a traceback, an unbounded read or an accepted bad value;
each must now be a ``UserError`` whose message names the file or field, with nothing stored.
The command line cases run in process (``cli.run``) so the exit code and stderr are the real
ones without an interpreter start each.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from cse_toolkit import cli as cli_module
from cse_toolkit import fsutil
from cse_toolkit.commands import common
from cse_toolkit.core import catalogue
from cse_toolkit.core.ids import ref_for
from cse_toolkit.errors import UserError
from cse_toolkit.packs import pdfpack, signing
from cse_toolkit.packs.errors import PackSchemaError
from cse_toolkit.packs.schema import canonical_json
from cse_toolkit.policy import PolicyError, parse_policy, read_policy_file
from tests.packs.factories import FIXED_KEY, pack_dict
from tests.packs.helpers import PASSWORD, craft

PASSPHRASE = "otter lamp river gravel"


def run_cli(
    capsys: Any, monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    monkeypatch.setattr(common, "_reader", None)
    code = cli_module.run(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# --- reading files: size caps before reading whole --------------------------------------------
def test_read_capped_never_reads_more_than_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"a" * (fsutil.MiB + 1))
    with pytest.raises(fsutil.InputTooLargeError, match="larger than 1 MiB"):
        fsutil.read_capped(big, fsutil.MiB, "The file")
    # /dev/zero claims size 0 and never ends: the read stops at the cap plus one byte.
    with pytest.raises(fsutil.InputTooLargeError):
        fsutil.read_capped(Path("/dev/zero"), 64 * 1024, "The file")
    with pytest.raises(fsutil.InputUnreadableError, match="does not exist"):
        fsutil.read_capped(tmp_path / "none", 10)
    with pytest.raises(fsutil.InputUnreadableError, match="is a folder"):
        fsutil.read_capped(tmp_path, 10)
    (tmp_path / "latin1.toml").write_bytes(b"name = '\xe9'")
    with pytest.raises(fsutil.InputUnreadableError, match="not UTF-8 text"):
        fsutil.read_text_capped(tmp_path / "latin1.toml", 100)


def test_nesting_scan_ignores_brackets_in_strings_and_comments() -> None:
    assert fsutil.nesting_depth('[["[[[[", {"a": "]]{{"}]]') == 3
    toml = "a = [[1]] # [[[[\n[t]\nb = \"[[[\"\nc = '''[[[\n[['''\nd = '[['"
    assert fsutil.nesting_depth(toml, "toml") == 2
    assert fsutil.nesting_depth("[" * 100_000) == 100_000


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x = " + "[" * 50_000 + "]" * 50_000, "nested more than 16 levels"),
        ("x = " + "{a=" * 3000 + "1" + "}" * 3000, "nested more than 16 levels"),
        ('idle_lock_minutes = "5"', "idle_lock_minutes (line 1): Input should be a valid integer"),
        ("allow_screen_capture = 1", "allow_screen_capture (line 1): Input should be a valid"),
        ("export_kinds = []", "export_kinds (line 1): lists no kind"),
        (
            f'recovery_public_key = "{base64.b64encode(bytes(32)).decode()}"',
            "recovery_public_key (line 1): is not a usable X25519 public key",
        ),
    ],
)
def test_policy_refuses_deep_files_strings_for_numbers_and_unusable_keys(
    text: str, expected: str
) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(text, "policy.toml")
    assert expected in str(refused.value)


def test_policy_file_is_read_under_its_cap_and_an_unknown_default_tool_is_named(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PolicyError, match="larger than 1 MiB"):
        read_policy_file(Path("/dev/zero"))
    unknown = tmp_path / "p.toml"
    unknown.write_text('default_tool = "nope"\ndefault_pathway = "gone"\n')
    code, _out, err = run_cli(capsys, monkeypatch, "policy", "check", str(unknown))
    assert code == 1
    assert "default_tool: 'nope' is not an installed screening tool" in err
    assert "default_pathway: 'gone' is not an installed pathway" in err
    # The same file in force stops every command that uses the policy, with the same words.
    monkeypatch.setenv("CSE_TOOLKIT_POLICY", str(unknown))
    code, _out, err = run_cli(capsys, monkeypatch, "case", "list")
    assert code == 1 and "default_tool: 'nope'" in err
    assert catalogue.policy_problems("worcestershire-2013", "worcestershire-cse-2013") == []


def test_tool_files_and_answers_are_capped_and_depth_limited(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (3 * fsutil.MiB))
    code, _out, err = run_cli(capsys, monkeypatch, "tools", "check", str(big))
    assert code == 1 and "larger than 2 MiB" in err
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000)
    code, out, _err = run_cli(capsys, monkeypatch, "tools", "check", str(deep))
    assert code == 1 and "nested more than 16 levels deep" in out
    code, _out, err = run_cli(capsys, monkeypatch, "tools", "check", "/dev/zero")
    assert code == 1 and "is not a tool or pathway file" in err
    answers = tmp_path / "a.json"
    answers.write_text("[" * 100_000 + "]" * 100_000)
    args = ("screen", "--tool", "worcestershire-2013", "--answers")
    code, _out, err = run_cli(capsys, monkeypatch, *args, str(answers))
    assert code == 1 and "nested more than 32 levels deep" in err
    code, _out, err = run_cli(capsys, monkeypatch, *args, "/dev/zero")
    assert code == 1 and "larger than 2 MiB" in err
    answers.write_text('{"tool": "worcestershire-2013", "answers": [' + "9" * 5000 + "]}")
    code, _out, err = run_cli(capsys, monkeypatch, *args, str(answers))
    assert code == 1 and "is not valid JSON" in err


def test_command_line_bytes_that_are_not_text_are_refused_by_name(
    capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = b"\xff\xfe".decode("utf-8", "surrogateescape")  # what Python makes of such argv
    code, _out, err = run_cli(capsys, monkeypatch, "case", "show", "--json", "--user", broken)
    assert code == 2 and "The value of --user contains an unpaired surrogate" in err
    code, _out, err = run_cli(capsys, monkeypatch, "audit", "verify", stdin="\x00\n")
    assert code == 1


# --- packs: surrogates and dates refused at the boundary, with the field named ------------------
def _pack_bytes(mutate: Any = None, raw: Any = None) -> bytes:
    data = pack_dict("referral")
    if mutate:
        mutate(data)
    signed = signing.sign(data, FIXED_KEY)
    body = raw(canonical_json(signed)) if raw else canonical_json(signed)
    return craft(body)


def _child(data: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in data["records"] if r["type"] == "child")["data"]


def _set_dob(value: str) -> Any:
    return lambda d: _child(d).__setitem__("date_of_birth", value)


def _note_date(d: dict[str, Any]) -> None:
    next(r for r in d["records"] if r["type"] == "note")["data"]["occurred_on"] = "0999-01-01"


@pytest.mark.parametrize(
    "mutate, raw, expected",
    [
        (None, lambda b: b.replace(b'"family_name":"', b'"family_name":"\\ud800', 1),
         "records.0.data.family_name holds an unpaired surrogate character"),
        (None, lambda b: b.replace(b'"gender":"', b'"gender":"\\u0000', 1),
         "records.0.data.gender holds a NUL character"),
        (_set_dob("0001-01-01"), None, "date_of_birth: the year 1 is outside 1900-2100"),
        (_set_dob("2999-01-01"), None, "date_of_birth: the year 2999 is outside"),
        (_set_dob(f"{datetime.now(UTC).year + 1}-01-01"), None,
         "date_of_birth: a date of birth cannot be in the future"),
        (_note_date, None, "occurred_on: the year 999 is outside 1900-2100"),
    ],
)  # fmt: skip
def test_a_pack_with_surrogates_or_impossible_dates_is_refused_naming_the_field(
    mutate: Any, raw: Any, expected: str
) -> None:
    with pytest.raises(PackSchemaError) as refused:
        pdfpack.open_pack(_pack_bytes(mutate, raw), PASSWORD)
    assert expected in str(refused.value)


def test_a_record_id_from_another_system_still_gets_a_reference() -> None:
    assert ref_for("child-1") == ref_for("child-1") != ref_for("child-2")
    assert len(ref_for("child-1")) == 9


# --- the vault's boundary --------------------------------------------------------------------
def test_child_fields_and_searches_that_cannot_be_stored_are_refused(vault: Any) -> None:
    with pytest.raises(UserError, match="The name is too long \\(501 characters; limit 500\\)"):
        vault.repos.add_child(name="N" * 501)
    with pytest.raises(UserError, match="The name contains a NUL character"):
        vault.repos.add_child(name="Amy\x00")
    with pytest.raises(UserError, match="The alias contains an unpaired surrogate"):
        vault.repos.add_child(name="Amy", alias="\ud800")
    with pytest.raises(UserError, match="The date of birth is before 1900"):
        vault.repos.add_child(name="Amy", dob=date(1, 1, 1))
    with pytest.raises(UserError, match="The date of birth is in the future"):
        vault.repos.add_child(name="Amy", dob=date(2999, 1, 1))
    child = vault.repos.add_child(name="Amy", approx_age=14)
    with pytest.raises(UserError, match="The school contains an unpaired surrogate"):
        vault.repos.update_child(child.id, school="x\udcff")
    with pytest.raises(UserError, match="The body contains a NUL character"):
        vault.repos.add_note(child.id, "seen\x00", datetime.now(UTC))
    for query in ("a\x00b", "\ud800", "x\udcff"):
        with pytest.raises(UserError, match="The search contains"):
            vault.repos.search_notes(query)
    assert [c.name for c in vault.repos.list_children()] == ["Amy"]


def test_an_over_long_name_already_stored_is_refused_at_export_without_quoting_it(
    vault: Any,
) -> None:
    from cse_toolkit.services import exchange
    from cse_toolkit.vault import rows

    CONSENT = exchange.SharingChoice(consent_sought=True, consent_given=True)  # noqa: N806

    child = vault.repos.add_child(name="Amy", approx_age=14)
    secret = "Zebedee" * 80  # 560 characters, written as an older version could have
    with vault.write():
        rows.CHILDREN.update(vault.conn, child.id, {"name": secret})
    with pytest.raises(UserError) as refused:
        exchange.build_pack(vault, "referral", child_id=child.id, sharing=CONSENT)
    message = str(refused.value)
    assert "cannot be exported: given names is not in a form" in message
    assert "Zebedee" not in message and refused.value.__cause__ is None


def test_demo_twice_says_so_and_a_reimported_pack_exits_3(
    tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = str(tmp_path / "demo")
    args = ("demo", "--children", "2", "--data-dir", folder, "--user", "dee")
    code, _out, err = run_cli(capsys, monkeypatch, *args, stdin=f"{PASSPHRASE}\n")
    assert code == 0, err
    code, _out, err = run_cli(capsys, monkeypatch, *args, stdin=f"{PASSPHRASE}\n")
    assert code == 1 and "already has the demo data of seed 1: nothing was added" in err
    pack = tmp_path / "good.pdf"
    pack.write_bytes(_pack_bytes())
    fpr = signing.fingerprint(FIXED_KEY.public_key())
    imp = ("import-pack", str(pack), "--data-dir", folder, "--user", "dee", "--json")
    imp += ("--expect-signer", fpr)
    codes = []
    for _ in range(2):
        code, out, err = run_cli(capsys, monkeypatch, *imp, stdin=f"{PASSPHRASE}\n{PASSWORD}\n")
        codes.append((code, json.loads(out)["already_imported"]))
    assert codes == [(0, False), (3, True)]
