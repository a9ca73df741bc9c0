"""`cse-toolkit case show / case list` (issue 13): the role rules are the app's, an unknown ref
is exit 1 with a message, and text from a record cannot drive the terminal."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.cli import cli, lines
from helpers.journey import worker_case

from cse_toolkit.commands.case_cmds import plain
from cse_toolkit.vault.keyslots import FLOOR_PARAMS

PASS = "otter lamp river gravel"
SAM = "heron quilt marble cactus"
PRIYA = "violet anchor meadow pencil"


@pytest.mark.slow
def test_roles_unknown_refs_and_escaping(vault_factory: Any) -> None:
    admin = vault_factory(user="ada", role="admin")
    admin.add_user("sam", "worker", SAM, PASS, display_name="Sam Okafor", kdf=FLOOR_PARAMS)
    admin.add_user("alex", "worker", SAM, PASS, kdf=FLOOR_PARAMS)
    admin.add_user("priya", "dsl", PRIYA, PASS, kdf=FLOOR_PARAMS)
    folder = admin.folder
    admin.close()
    from cse_toolkit.vault.vault import Vault

    with Vault.open(folder, "sam", SAM) as sam:
        child = worker_case(sam, "Jade Wilson")
        sam.repos.add_note(child.id, "Said her name is \x1b[31mRED\x1b[0m on the bus", sam.now())

    def run(user: str, secret: str, *args: str) -> Any:
        return cli("case", *args, "--data-dir", str(folder), "--user", user, stdin=lines(secret))

    mine = run("sam", SAM, "list", "--json").json()["cases"]
    assert [c["ref"] for c in mine] == [child.ref]
    assert run("alex", SAM, "list", "--json").json()["cases"] == []  # not Alex's child
    other = run("alex", SAM, "show", child.ref)
    assert other.code == 1 and f"No child with reference {child.ref}" in other.err
    assert run("priya", PRIYA, "show", child.ref, "--json").json()["ref"] == child.ref
    refused = run("ada", PASS, "list")
    assert refused.code == 1 and "worker or designated safeguarding lead" in refused.err
    unknown = run("priya", PRIYA, "show", "ZZZZ-0000")
    assert unknown.code == 1 and "No child with reference ZZZZ-0000" in unknown.err
    assert "Traceback" not in unknown.err

    text = run("priya", PRIYA, "show", child.ref).ok().out
    assert "\x1b" not in text and "\\x1b[31mRED" in text
    assert "Next step: Refer to Children's Social Care" in text
    assert "Priority: New high level" in text
    listing = run("priya", PRIYA, "list").ok().out
    assert child.ref in listing and "Jade Wilson" in listing
    # Opening a case on the command line is audited, as in the app.
    with Vault.open(folder, "priya", PRIYA) as dsl:
        rows, _ = dsl.dsl.audit_page(action="view")
        assert any(r.actor == "priya" and r.record_id == child.id for r in rows)


def test_plain_escapes_control_and_direction_characters() -> None:
    assert plain("a\x1b[2Jb\x07\u202ec") == "a\\x1b[2Jb\\x07\\u202ec"
    assert plain("line\nfake: line\ttab") == "line\\x0afake: line\ttab"  # one line stays one
    assert plain(None) == ""
