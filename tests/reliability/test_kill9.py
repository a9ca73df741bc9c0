"""kill -9 at random moments during continuous realistic writes: nothing acknowledged is lost.

A writer process (writer.py) saves children, notes of varying size, steps, missing episodes and
drafts, and prints each record id only after its transaction committed. The test kills it with
SIGKILL at random moments (mostly 5-150 ms after it unlocked the vault; one life in ten during
start-up and unlock), restarts it (nine lives in ten are given the data key so they skip the
0.2 s key derivation, which touches no file; the others unlock with the passphrase), and at the end checks every acknowledged record, SQLCipher's
page check, SQLite's full integrity check, the audit chain and the chain head.

CSE_RELIABILITY_KILLS sets the number of kills (default 200; nightly runs use more) and
CSE_RELIABILITY_SEED the seed.
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.vaults import PASSPHRASE, WRITER, dek_of, make_vault, missing_acks, parse_acks

KILLS = int(os.environ.get("CSE_RELIABILITY_KILLS", "200"))
SEED = int(os.environ.get("CSE_RELIABILITY_SEED", "20261123"))


def _read_until(proc: subprocess.Popen[bytes], buf: bytearray, token: bytes, limit: float) -> bool:
    """Read the writer's stdout into ``buf`` until ``token`` appears or ``limit`` seconds pass."""
    assert proc.stdout is not None
    deadline = time.monotonic() + limit
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while token not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                return False
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                return token in buf
            buf += chunk
    return True


def _drain(proc: subprocess.Popen[bytes], buf: bytearray) -> None:
    assert proc.stdout is not None
    while chunk := os.read(proc.stdout.fileno(), 65536):
        buf += chunk


@pytest.mark.timeout(max(900, KILLS * 4))
def test_kill9_loses_nothing_acknowledged(tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    from cse_toolkit.vault import audit
    from cse_toolkit.vault.vault import Vault

    rng = random.Random(SEED)
    figure("kill9_seed", SEED)
    folder = tmp_path / "vault"
    vault = make_vault(folder)
    vault.repos.add_child(name="First Child", approx_age=13)
    vault.close()
    errors = tmp_path / "writer-stderr.txt"
    with_key = dict(os.environ, CSE_TEST_DEK=dek_of(folder).hex())

    lines: list[str] = []
    early = 0
    started = time.monotonic()
    for life in range(KILLS):
        early_kill = life % 10 == 9
        with errors.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, str(WRITER), str(folder), str(SEED * 100_000 + life)],
                stdout=subprocess.PIPE,
                stderr=err,
                env=None if early_kill else with_key,
            )
        buf = bytearray()
        try:
            if early_kill:
                early += 1  # during start-up and unlock (which itself writes an audit entry)
                time.sleep(rng.uniform(0.0, 0.4))
            else:
                if not _read_until(proc, buf, b"ready\n", 60):
                    proc.kill()
                    proc.wait()
                    pytest.fail(f"writer life {life} never got ready: {errors.read_text()[-2000:]}")
                time.sleep(rng.uniform(0.005, 0.150))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            _drain(proc, buf)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            assert proc.stdout is not None
            proc.stdout.close()
        if proc.returncode != -signal.SIGKILL:
            pytest.fail(
                f"writer life {life} exited {proc.returncode}: {errors.read_text()[-2000:]}"
            )
        text = buf.decode()
        complete = text if text.endswith("\n") else text[: text.rfind("\n") + 1]
        lines += complete.splitlines()
    elapsed = time.monotonic() - started

    acked = parse_acks(lines)
    vault = Vault.open(folder, "sam", PASSPHRASE)  # runs the chain-head check
    try:
        lost = missing_acks(vault.conn, acked)
        corrupt = [r[0] for r in vault.conn.execute("PRAGMA cipher_integrity_check")]
        corrupt += [r[0] for r in vault.conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        rows, breaks = audit.verify_chain(vault.conn, vault.vault_id)
        notes = vault.conn.execute("SELECT count(*) FROM notes").fetchone()[0]
    finally:
        vault.close()
    leftovers = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]

    figure("kill9_kills", f"{KILLS} ({early} during start-up/unlock)")
    figure("kill9_commits", acked["commits"])
    figure("kill9_lost", len(lost))
    figure("kill9_corrupt", len(corrupt))
    figure("kill9_chain_breaks", len(breaks))
    figure("kill9_audit_rows", rows)
    figure("kill9_notes_in_vault", notes)
    figure("kill9_leftover_temp_files", len(leftovers))
    figure("kill9_seconds", f"{elapsed:.1f}")
    assert acked["commits"] >= KILLS, "the writer hardly wrote anything; the test proves little"
    assert lost == [], lost[:20]
    assert corrupt == [], corrupt[:20]
    assert breaks == [], breaks[:20]
