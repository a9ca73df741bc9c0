"""`cse-toolkit action add | list | done` (issue 18): the contract's JSON, plain messages with
exit 1 for a bad date, an unknown person or a note left out, and titles from another user or a
pack printed with their control characters escaped."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.cli import cli, lines

PASS = "otter lamp river gravel"


@pytest.mark.slow
def test_add_list_done_and_refusals(vault_factory: Any) -> None:
    vault = vault_factory(user="sam", role="worker")
    child = vault.repos.add_child(name="Jade Wilson")
    vault.actions.add("Say \x1b[31mRED\x1b[0m", vault.now(), child_id=child.id)
    folder = str(vault.folder)
    vault.close()

    def run(*args: str) -> Any:
        return cli("action", *args, "--data-dir", folder, "--user", "sam", stdin=lines(PASS))

    bad = run("add", "--case", child.ref, "--title", "Phone", "--due", "next friday")
    assert bad.code == 1 and "is not a date" in bad.err
    nobody = run("add", "--case", child.ref, "--title", "Phone", "--due", "2026-12-04", "--to", "x")
    assert nobody.code == 1 and "'x' is not a worker or DSL of this vault" in nobody.err
    run("add", "--case", child.ref, "--title", "Phone the school", "--due", "2099-01-04").ok()
    listed = run("list")
    assert "\x1b" not in listed.out and "\\x1b[31mRED" in listed.out
    assert "OVERDUE since" in listed.out  # the first, due when it was set
    data = run("list", "--json").json()
    assert data["format"] == 1
    phone = next(a for a in data["actions"] if a["title"] == "Phone the school")
    assert phone["child_ref"] == child.ref and phone["overdue"] is False
    assert phone["assignee"] == "sam" and phone["kind"] == "action" and phone["status"] == "open"
    assert run("done", phone["id"][:8], "--note", " ").code == 1
    run("done", phone["id"][:8], "--note", "Spoke to the head of year").ok()
    done = run("list", "--done", "--json").json()["actions"]
    assert next(a for a in done if a["id"] == phone["id"])["note"] == "Spoke to the head of year"
