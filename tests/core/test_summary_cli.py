"""`cse-toolkit summary` in a subprocess: a demo vault of 12 children reports 12."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import Run, cli

PASSPHRASE = "otter lamp river gravel"


def run(*args: str, home: Path) -> Run:
    return cli(*args, stdin=PASSPHRASE + "\n", home=home)


def make_vault(home: Path, role: str) -> None:
    """Created in-process with the floor key-derivation parameters: the CLI's calibration
    (0.5-1 s per unlock by design) would dominate the test time."""
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    Vault.create(home, "dee", role, PASSPHRASE, kdf=FLOOR_PARAMS)[0].close()


@pytest.mark.slow
def test_summary_json_on_a_demo_vault_of_12(tmp_path: Path) -> None:
    home = tmp_path / "vault"
    make_vault(home, "dsl")
    made = run("demo", "--children", "12", home=home)
    assert made.returncode == 0, made.stderr
    pdf = tmp_path / "update.pdf"
    out = run("summary", "--json", "--pdf", str(pdf), home=home)
    assert out.returncode == 0, out.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    data = json.loads(out.stdout)
    assert data["children"] == 12
    assert isinstance(data["levels"], dict) and data["levels"]
    for value in data["levels"].values():
        assert value in ("<5", "suppressed") or (
            isinstance(value, int) and value not in range(1, 5)
        )
    assert all(h["mentions"] >= 5 for h in data["hotspots"])

    text = run("summary", "--from", "2000-01-01", "--to", "2000-12-31", home=home)
    assert text.returncode == 0, text.stderr
    assert "0 children known" in text.stdout and "1 January 2000" in text.stdout

    bad = run("summary", "--from", "2026-02-01", "--to", "2026-01-01", home=home)
    assert bad.returncode == 1 and "--from is after --to" in bad.stderr
    usage = run("summary", "--from", "yesterday", home=home)
    assert usage.returncode == 2


def test_summary_refuses_a_worker(tmp_path: Path) -> None:
    home = tmp_path / "vault"
    make_vault(home, "worker")
    out = run("summary", "--json", home=home)
    assert out.returncode == 1
    assert "Only a designated safeguarding lead" in out.stderr
