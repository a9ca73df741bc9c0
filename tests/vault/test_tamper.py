"""Damaged files: random bit flips are detected with a clear message, never read as wrong data.

(tests/reliability/test_bitflips.py runs more trials, page swaps and old-page splices.)
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from helpers.cli import cli
from helpers.vaults import (
    PASSPHRASE,
    copy_vault,
    dek_of,
    fill,
    flip_bit,
    make_vault,
    probe,
    reference_dump,
    scratch_root,
    snapshot,
)

SEED = 99
TRIALS = 200


@pytest.mark.slow
def test_random_bit_flips_are_detected(tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    root = scratch_root(tmp_path)
    try:
        folder = root / "sample"
        vault = make_vault(folder)
        fill(vault, children=10, notes=60, seed=SEED)
        vault.close()
        dek = dek_of(folder)
        ref = reference_dump(folder, root / "ref", dek)
        size = (folder / "vault.db").stat().st_size
        rng = random.Random(SEED)
        undetected = []
        late: list[tuple[int, int]] = []  # found while reading or checking, not on open
        for _ in range(TRIALS):
            copy_vault(folder, root / "trial")
            position, bit = rng.randrange(size), rng.randrange(8)
            flip_bit(root / "trial" / "vault.db", position, bit)
            outcome = probe(root / "trial", dek, ref)
            if not outcome.startswith(("refused:", "read:", "chain", "integrity")):
                undetected.append((position, bit, outcome))
            elif not outcome.startswith("refused:"):
                late.append((position, bit))
        figure("tamper_bitflip_detected", f"{TRIALS - len(undetected)}/{TRIALS} (seed {SEED})")
        assert undetected == []
        kept = tmp_path / "sample"
        copy_vault(folder, kept)
        folder = kept
    finally:
        if root != tmp_path:
            shutil.rmtree(root, ignore_errors=True)

    # The command line says so plainly: `audit verify --full` exits 1, no traceback, and opening
    # a damaged vault whose damage is found on open changes no file.
    for position, bit in late[:3]:
        trial = tmp_path / f"cli-{position}"
        copy_vault(folder, trial)
        flip_bit(trial / "vault.db", position, bit)
        run = cli("audit", "verify", "--full", "--data-dir", str(trial), stdin=PASSPHRASE + "\n")
        assert run.returncode == 1, (position, run.stdout, run.stderr)
        assert "Traceback" not in run.stderr
        assert "damaged" in run.stderr or "does not verify" in run.stderr, run.stderr
    first_page = tmp_path / "cli-header"
    copy_vault(folder, first_page)
    flip_bit(first_page / "vault.db", 100, 3)
    before = snapshot(first_page)
    run = cli("audit", "verify", "--data-dir", str(first_page), stdin=PASSPHRASE + "\n")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "not a CSE Toolkit vault or are damaged" in run.stderr
    assert snapshot(first_page) == before


@pytest.mark.slow
def test_damaged_audit_page_gives_the_plain_message(tmp_path: Path) -> None:
    """Regression: a damaged page inside the audit table made `audit verify` print a traceback.

    Since records are bound to the trail (issue 22), opening the vault reads the whole audit
    table, so the damage is found on open; the message must still be the plain one."""
    from helpers.vaults import open_with_key

    folder = tmp_path / "v"
    vault = make_vault(folder)
    for _ in range(300):
        vault.log_view("child", "some-id")
    vault.close()
    opened = open_with_key(folder, dek_of(folder))
    try:
        (root,) = opened.conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'audit'"
        ).fetchone()
    finally:
        opened.close()
    page = int(root) - 1  # SQLite numbers pages from 1
    trial = tmp_path / "trial"
    copy_vault(folder, trial)
    flip_bit(trial / "vault.db", page * 4096 + 2000, 1)
    run = cli("audit", "verify", "--data-dir", str(trial), stdin=PASSPHRASE + "\n")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "The vault file is damaged" in run.stderr
