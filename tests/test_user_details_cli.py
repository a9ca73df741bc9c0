"""`cse-toolkit user set-details` (issue 14 item 3): record, show, remove one value; a bad
value is exit 1 with a message; text cannot drive the terminal."""

from __future__ import annotations

from typing import Any

from helpers.cli import cli, lines

PASS = "otter lamp river gravel"


def test_set_details_records_shows_and_checks(vault_factory: Any) -> None:
    vault = vault_factory(user="sam", role="worker")
    folder = vault.folder
    vault.close()

    def run(*args: str) -> Any:
        return cli(
            "user",
            "set-details",
            *args,
            "--data-dir",
            str(folder),
            "--user",
            "sam",
            stdin=lines(PASS),
        )

    done = run("--name", "Sam Okafor", "--phone", "01905 000111", "--agency", "Ag\x1b[31mency")
    assert done.code == 1 and "control character" in done.err and "Traceback" not in done.err
    shown = run("--name", "Sam Okafor", "--phone", "01905 000111").ok().out
    assert "Your details are saved" in shown
    assert "Work phone: 01905 000111" in shown and "Secure email: Not recorded" in shown
    bad = run("--email", "sam at agency")
    assert bad.code == 1 and "Secure email should be an email address" in bad.err
    data = run("--phone", "", "--json").ok().json()
    assert data == {
        "format": 1,
        "details": {
            "name": "Sam Okafor",
            "job_title": "",
            "agency": "",
            "phone": "",
            "email": "",
        },
    }
