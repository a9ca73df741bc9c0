"""Wrong passphrase, on a clean vault and after a crash left a WAL behind.

Each attempt is refused with the plain message, costs the full key derivation (measured), and
changes no file: every file in the folder, -wal and -shm included, is byte-identical. After the
crash the right passphrase then opens the vault with every acknowledged record.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.cli import cli
from helpers.vaults import (
    PASSPHRASE,
    WRITER,
    make_vault,
    missing_acks,
    parse_acks,
    snapshot,
)

from cse_toolkit.vault.errors import WrongPassphraseError
from cse_toolkit.vault.vault import Vault

ATTEMPTS = 10
WRONG = (
    "otter lamp river grave",
    "Otter lamp river gravel",
    "otter lamp river gravel ",
    "",
    "correct horse battery staple",
)


def _attempts(folder: Path) -> tuple[float, bool]:
    before = snapshot(folder)
    start = time.perf_counter()
    for i in range(ATTEMPTS):
        with pytest.raises(WrongPassphraseError, match="is not right"):
            Vault.open(folder, "sam", WRONG[i % len(WRONG)])
    per_attempt = (time.perf_counter() - start) * 1000 / ATTEMPTS
    return per_attempt, snapshot(folder) == before


@pytest.mark.timeout(300)
def test_wrong_passphrase_clean_and_after_crash(tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "vault"
    vault = make_vault(folder)
    vault.repos.add_child(name="Someone")
    vault.close()
    ms_clean, same_clean = _attempts(folder)

    proc = subprocess.Popen(
        [sys.executable, str(WRITER), str(folder), "11", "--hold-after", "40"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if lines[-1] == "held":
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert (folder / "vault.db-wal").stat().st_size > 0
    ms_crash, same_crash = _attempts(folder)
    before = snapshot(folder)
    run = cli("audit", "verify", "--data-dir", str(folder), stdin="nope nope nope\n")
    cli_ok = run.returncode == 1 and "not right" in run.stderr and "Traceback" not in run.stderr
    same_cli = snapshot(folder) == before

    acked = parse_acks(lines)
    with Vault.open(folder, "sam", PASSPHRASE) as opened:
        lost = missing_acks(opened.conn, acked)
        problems = opened.integrity_problems()

    figure("wrong_pass_attempts", f"{ATTEMPTS} clean + {ATTEMPTS} after crash + 1 CLI")
    figure("wrong_pass_ms_per_attempt_clean", f"{ms_clean:.0f}")
    figure("wrong_pass_ms_per_attempt_after_crash", f"{ms_crash:.0f}")
    figure("wrong_pass_files_identical", f"clean={same_clean} crash={same_crash} cli={same_cli}")
    figure("wrong_pass_rows_lost_after_crash", f"{len(lost)} of {acked['commits']} acknowledged")
    assert same_clean and same_crash and same_cli
    assert cli_ok, run.stderr
    assert lost == [] and problems == []
    assert ms_clean > 50  # the key derivation really runs for every guess
