"""Damaged pages met during a read: ``export`` and ``summary --pdf`` (issue 22 item 6).

The first edition ended 14 of 25 such trials in a traceback and twice left an orphan pack file
on disk. Here one page of a copy of a filled vault is damaged (a byte changed in the middle of
the page, so SQLCipher's page HMAC fails) and the real command line runs on it, in process.
Each run must end in a result (the damaged page was not on its path) or exit 1 with the
"damaged" message; no traceback, and no pack or PDF file left behind by a run that failed.
"""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from cse_toolkit import cli as cli_module
from cse_toolkit.commands import common
from tests.helpers.vaults import PASSPHRASE, copy_vault, fill, make_vault, scratch_root

TRIALS = 14
PAGE = 4096


def _run(monkeypatch: pytest.MonkeyPatch, capsys: Any, args: list[str]) -> tuple[str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSPHRASE + "\n"))
    monkeypatch.setattr(common, "_reader", None)
    try:
        code = cli_module.run(args)
    except Exception as exc:  # noqa: BLE001 - the finding
        capsys.readouterr()
        return "traceback", type(exc).__name__
    _out, err = capsys.readouterr()
    if code == 0:
        return "ok", ""
    if "damaged" in err:
        return "damaged", ""
    return "other", err.strip()[:200]


def test_damaged_pages_during_export_and_summary_are_messages_and_leave_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, figure: Any
) -> None:
    root = scratch_root(tmp_path)
    source = root / "source"
    vault = make_vault(source, "dee", "dsl")
    fill(vault, children=6, notes=80)
    ref = vault.repos.list_children()[0].ref
    vault.close()
    pages = (source / "vault.db").stat().st_size // PAGE
    rng = random.Random(22)
    outcomes: dict[str, int] = {}
    others: list[str] = []
    orphans: list[str] = []
    for trial in range(TRIALS):
        folder = root / f"t{trial}"
        copy_vault(source, folder)
        page = rng.randrange(1, pages)  # page 0 holds the salt: damage there is "not a vault"
        with (folder / "vault.db").open("r+b") as db:
            db.seek(page * PAGE + PAGE // 2)
            byte = db.read(1)
            db.seek(page * PAGE + PAGE // 2)
            db.write(bytes([byte[0] ^ 0x5A]))
        out = root / f"out{trial}"
        out.mkdir()
        vault_args = ["--data-dir", str(folder), "--user", "dee"]
        runs = (
            ["export", "--case", ref, "--kind", "referral", "--consent", "given"]
            + ["--out", str(out / "pack.pdf"), *vault_args],
            ["summary", "--pdf", str(out / "summary.pdf"), *vault_args],
        )
        for args in runs:
            made = out / Path(args[args.index("--out" if "--out" in args else "--pdf") + 1]).name
            result, detail = _run(monkeypatch, capsys, args)
            outcomes[result] = outcomes.get(result, 0) + 1
            if result in ("other", "traceback"):
                others.append(f"page {page} {args[0]}: {detail}")
            if result != "ok" and made.exists():
                orphans.append(f"page {page} {args[0]}: {made.name}")
        leftovers = [p.name for p in out.iterdir() if p.suffix != ".pdf"]
        orphans += [f"page {page}: {name}" for name in leftovers]  # half-written temp files
    figure("damaged_reads_runs", 2 * TRIALS)
    figure("damaged_reads_outcomes", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    figure("damaged_reads_tracebacks", outcomes.get("traceback", 0))
    figure("damaged_reads_orphan_files", len(orphans))
    assert others == [], others
    assert orphans == [], orphans
    assert outcomes.get("damaged", 0) > 0, outcomes  # the trials did reach damaged pages
