"""Opening: wrong passphrase (clean and after a crash left a WAL), newer data version, CLI exits.

A failed open changes no file: every file in the vault folder is byte-identical afterwards.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.cli import cli
from helpers.vaults import PASSPHRASE, WRITER, make_vault, missing_acks, parse_acks, snapshot

from cse_toolkit.vault import db, schema
from cse_toolkit.vault.errors import VaultTooNewError, WrongPassphraseError
from cse_toolkit.vault.vault import Vault


def crash_mid_write(folder: Path, writes: int = 30) -> list[str]:
    """Run the writer for ``writes`` commits, let it spill uncommitted pages into the WAL, then
    SIGKILL it. Returns its acknowledgement lines."""
    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(folder), "7", "--hold-after", str(writes)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if line.strip() == "held":
            break
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=30)
    assert lines and lines[-1] == "held", err[-2000:]
    return lines


def test_wrong_passphrase_changes_no_file(vault) -> None:  # type: ignore[no-untyped-def]
    vault.repos.add_child(name="A Child")
    vault.close()
    before = snapshot(vault.folder)
    with pytest.raises(WrongPassphraseError) as err:
        Vault.open(vault.folder, "sam", "otter lamp river grave1")
    assert "not right" in str(err.value)
    assert snapshot(vault.folder) == before


def test_wrong_passphrase_after_crash_then_right_one_loses_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    make_vault(folder).close()
    lines = crash_mid_write(folder)
    wal = folder / (db.DB_FILE + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    before = snapshot(folder)
    assert any(name.endswith("-wal") for name in before)
    for _ in range(2):
        with pytest.raises(WrongPassphraseError):
            Vault.open(folder, "sam", "wrong passphrase entirely")
    run = cli("audit", "verify", "--data-dir", str(folder), stdin="still not it\n")
    assert run.returncode == 1
    assert "passphrase for sam is not right" in run.stderr and "Traceback" not in run.stderr
    assert snapshot(folder) == before

    acked = parse_acks(lines)
    assert acked["commits"] >= 20
    with Vault.open(folder, "sam", PASSPHRASE) as opened:
        assert missing_acks(opened.conn, acked) == []
        assert (
            opened.conn.execute(
                "SELECT count(*) FROM drafts WHERE id LIKE 'uncommitted-%'"
            ).fetchone()[0]
            == 0
        )
        assert opened.integrity_problems() == []


def test_newer_data_version_is_refused_and_nothing_changes(vault) -> None:  # type: ignore[no-untyped-def]
    vault.close()
    from helpers.vaults import dek_of, raw_connect

    conn = raw_connect(vault.folder, dek_of(vault.folder))
    conn.execute(f"PRAGMA user_version = {schema.LATEST + 1}")
    conn.close()
    before = snapshot(vault.folder)
    with pytest.raises(VaultTooNewError) as err:
        Vault.open(vault.folder, "sam", PASSPHRASE)
    assert "newer version of CSE Toolkit" in str(err.value)
    assert snapshot(vault.folder) == before
    run = cli("audit", "verify", "--data-dir", str(vault.folder), stdin=PASSPHRASE + "\n")
    assert run.returncode == 1 and "newer version" in run.stderr
    assert "Traceback" not in run.stderr
    assert snapshot(vault.folder) == before


@pytest.mark.slow
def test_cli_exit_codes(vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault.close()
    folder = str(vault.folder)
    for args in (
        ["no-such-command"],
        ["init", "--user", "x"],
        ["audit"],
        ["audit", "verify", "--bogus"],
    ):
        run = cli(*args)
        assert run.returncode == 2, (args, run.stderr)
        assert "Traceback" not in run.stderr
    empty = tmp_path / "empty"
    run = cli("audit", "verify", "--data-dir", str(empty), stdin=PASSPHRASE + "\n")
    assert run.returncode == 1 and "There is no vault in" in run.stderr
    run = cli("audit", "verify", "--data-dir", folder, "--user", "nobody", stdin=PASSPHRASE + "\n")
    assert run.returncode == 1 and "There is no user called 'nobody'" in run.stderr
    run = cli("audit", "verify", "--data-dir", folder, stdin="")
    assert run.returncode == 1 and "No passphrase" in run.stderr
    run = cli(
        "init", "--data-dir", folder, "--user", "x", "--role", "worker", stdin=PASSPHRASE + "\n"
    )
    assert run.returncode == 1 and "already exists" in run.stderr
    run = cli(
        "init", "--data-dir", str(empty), "--user", "x", "--role", "worker", stdin="password\n"
    )
    assert run.returncode == 1 and "too weak" in run.stderr
    assert not empty.exists() or not any(empty.iterdir())
    run = cli("audit", "verify", "--data-dir", folder, stdin=PASSPHRASE + "\n")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Audit trail verified")
