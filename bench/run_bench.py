"""Performance harness: the DESIGN.md budgets measured on a benchmark vault, beside plain SQLite.

    python bench/run_bench.py build      # 10,000 children, ~200,000 notes (+ one child with 500)
    python bench/run_bench.py run        # measure; writes bench/out/results.json and a table

The benchmark vault is made with ``cse-toolkit demo`` (synthetic data only). The floor is the
same data in an unencrypted SQLite file made with ``sqlcipher_export`` and opened by the same
SQLite library (sqlcipher3 with no key): every figure is also given as a ratio to that floor.
The plain copy holds only synthetic data and lives in bench/out (ignored by git).

This is not a test: it reports medians of repeated runs and never fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# CSE_BENCH_OUT: where the vaults are built (e.g. /tmp/bench-10k; never inside git).
OUT = Path(os.environ.get("CSE_BENCH_OUT", str(ROOT / "bench" / "out")))
ENC = OUT / "vault"
PLAIN = OUT / "plain"
PASSPHRASE = "bench otter lamp river"
USER = "bench"
sys.path.insert(0, str(ROOT))

os.environ.setdefault("CSE_TOOLKIT_TMP", str(OUT / "tmp"))
os.environ.setdefault("CSE_TOOLKIT_LOG_DIR", str(OUT / "logs"))
os.environ.setdefault("CSE_TOOLKIT_POLICY", str(OUT / "no-policy.toml"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _cli(*args: str, stdin: str = PASSPHRASE + "\n", env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "cse_toolkit", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"cse-toolkit {' '.join(args)} failed: {result.stderr}")
    return result.stdout


def build(children: int, notes_per_child: int) -> None:
    import shutil

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    start = time.perf_counter()
    _cli(
        "demo",
        "--data-dir",
        str(ENC),
        "--user",
        USER,
        "--children",
        str(children),
        "--notes-per-child",
        str(notes_per_child),
        "--intelligence-share",
        "0.1",
        "--seed",
        "7",
    )
    print(f"demo vault built in {time.perf_counter() - start:.0f} s")
    # One child with exactly 500 notes for the 'open a child' and export budgets.
    from datetime import UTC, datetime, timedelta

    from cse_toolkit.core import demo
    from cse_toolkit.vault import bulk
    from cse_toolkit.vault.vault import Vault

    vault = Vault.open(ENC, USER, PASSPHRASE)
    try:
        big = next(demo.generate(1, seed=99, notes_per_child=1, today=vault.now().date()))
        big.name = "Benchmark Child"
        base = datetime.now(UTC) - timedelta(days=400)
        big.notes = [
            {
                **big.notes[0],
                "id": f"{big.id[:24]}{i:012x}",
                "event_at": base + timedelta(hours=17 * i),
                "body": f"{big.notes[0]['body']} Follow-up contact number {i}.",
            }
            for i in range(500)
        ]
        bulk.load_children(vault, [big])
        (OUT / "big_child.txt").write_text(big.id)
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # The plain floor: the same pages, unencrypted, for comparison only.
        PLAIN.mkdir(parents=True)
        vault.conn.execute(f"ATTACH DATABASE '{PLAIN / 'vault.db'}' AS plain KEY ''")
        vault.conn.execute("SELECT sqlcipher_export('plain')")
        vault.conn.execute("DETACH DATABASE plain")
    finally:
        vault.close()
    print(f"built {ENC} and plain copy {PLAIN}")


def _plain_vault(folder: Path, like: Path) -> Any:
    """A Vault object over an unencrypted copy: same code paths, no cipher."""
    import sqlcipher3
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cse_toolkit.core.clock import SystemClock
    from cse_toolkit.core.entities import User
    from cse_toolkit.vault.keyslots import KeySlots
    from cse_toolkit.vault.vault import Vault

    conn = sqlcipher3.connect(
        str(folder / "vault.db"), isolation_level=None, check_same_thread=False
    )
    for pragma in (
        "temp_store = MEMORY",
        "journal_mode = WAL",
        "synchronous = FULL",
        "foreign_keys = ON",
        "secure_delete = ON",
        "cache_size = -32768",
    ):
        conn.execute(f"PRAGMA {pragma}")
    slots = KeySlots.load(like)
    row = conn.execute("SELECT id, name, role FROM users WHERE name = ?", (USER,)).fetchone()
    key = Ed25519PrivateKey.from_private_bytes(
        bytes(conn.execute("SELECT value FROM meta WHERE key = 'signing_key'").fetchone()[0])
    )
    vault = Vault(folder, conn, slots, User(row[0], row[1], row[2]), key, SystemClock())
    return vault


def _median(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _cold_start(runs: int) -> float:
    script = (
        "import time, sys; t0=float(sys.argv[1]);"
        "from cse_toolkit import paths; paths.harden_process();"
        "from PySide6.QtWidgets import QApplication; app=QApplication([]);"
        "from cse_toolkit.core.clock import SystemClock;"
        "from cse_toolkit.gui.common.unlock_dialog import UnlockDialog;"
        "from pathlib import Path; w=UnlockDialog(Path(sys.argv[2]), SystemClock()); w.show();"
        "app.processEvents(); print((time.time()-t0)*1000)"
    )
    times = []
    for _ in range(runs):
        t0 = time.time()
        out = subprocess.run(
            [sys.executable, "-c", script, str(t0), str(ENC)],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ.copy(),
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times)


def _idle_memory() -> float:
    script = (
        "import sys, time; from cse_toolkit import paths; paths.harden_process();"
        "from PySide6.QtWidgets import QApplication; app=QApplication([]);"
        "from cse_toolkit.vault.vault import Vault; from pathlib import Path;"
        "from cse_toolkit.gui.children.child_table_model import ChildTableModel, rows_from_db;"
        "from cse_toolkit.core.clock import SystemClock;"
        "v=Vault.open(Path(sys.argv[1]), sys.argv[2], sys.argv[3]);"
        "m=ChildTableModel(SystemClock()); m.set_rows(rows_from_db(v.repos.child_rows(),"
        " v.now().date()), has_steps=False);"
        "from PySide6.QtWidgets import QTableView; t=QTableView(); t.setModel(m); t.show();"
        "[app.processEvents() for _ in range(20)]; time.sleep(1);"
        "print([l for l in open('/proc/self/status') if l.startswith('VmRSS')][0].split()[1])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(ENC), USER, PASSPHRASE],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def _prepare_dsl_vaults(runs: int) -> None:
    """Empty DSL vaults to import into: encrypted ones and unencrypted copies of them.

    Made here, in their own process, because an encrypted connection switches on SQLCipher's
    process-wide memory security, which would also slow the plain floor if it ran alongside.
    """
    import shutil

    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    base = OUT / "dsl"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    for i in range(runs):
        dsl, _ = Vault.create(base / f"enc-{i}", "dana", "dsl", PASSPHRASE, kdf=FLOOR_PARAMS)
        dsl.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        plain_dir = base / f"plain-{i}"
        plain_dir.mkdir()
        dsl.conn.execute(f"ATTACH DATABASE '{plain_dir / 'vault.db'}' AS plain KEY ''")
        dsl.conn.execute("SELECT sqlcipher_export('plain')")
        dsl.conn.execute("DETACH DATABASE plain")
        dsl.close()


def measure(mode: str, runs: int) -> dict[str, Any]:
    """Every data-side figure for one mode ('encrypted' or 'plain'), in this process only."""
    global USER
    from cse_toolkit.services import exchange
    from cse_toolkit.vault.vault import Vault

    big = (OUT / "big_child.txt").read_text().strip()
    results: dict[str, Any] = {}
    if mode == "encrypted":
        start = time.perf_counter()
        vault = Vault.open(ENC, USER, PASSPHRASE)
        results["unlock_ms"] = (time.perf_counter() - start) * 1000
    else:
        vault = _plain_vault(PLAIN, ENC)
    try:
        from cse_toolkit.gui.children.child_table_model import rows_from_db
    except ImportError:  # the GUI is optional for the data-side figures
        rows_from_db = None  # type: ignore[assignment]

    def child_list() -> object:
        raw = vault.repos.child_rows()
        return rows_from_db(raw, vault.now().date()) if rows_from_db else raw

    work: dict[str, Callable[[], object]] = {
        "child_list": child_list,
        "search_common": lambda: vault.repos.search_notes("station"),
        "search_rare": lambda: vault.repos.search_notes("clinic appointment"),
        "open_child_500_notes": lambda: (
            vault.repos.get_child(big),
            vault.repos.notes_for(big),
            vault.repos.chronology(big),
        ),
    }
    for name, fn in work.items():
        fn()  # warm the page cache once, as a second look at the same screen would
        results[name] = _median(fn, runs)

    tmp = Path(tempfile.mkdtemp(dir=OUT))
    counter = iter(range(10_000))

    def export() -> object:
        pack = exchange.build_pack(
            vault,
            "referral",
            child_id=big,
            sharing=exchange.SharingChoice(consent_sought=True, consent_given=True),
        )
        return exchange.export(
            vault, pack, tmp / f"pack-{next(counter)}.pdf", password="bench-otter-lamp-river"
        )

    results["export_500_notes"] = _median(export, runs)
    vault.close()
    pack_file = sorted(tmp.glob("pack-*.pdf"))[0]
    times = []
    for i in range(runs):
        if mode == "encrypted":
            dsl = Vault.open(OUT / "dsl" / f"enc-{i}", "dana", PASSPHRASE)
        else:
            saved, USER = USER, "dana"
            try:
                dsl = _plain_vault(OUT / "dsl" / f"plain-{i}", OUT / "dsl" / f"enc-{i}")
            finally:
                USER = saved
        start = time.perf_counter()
        exchange.import_pack(dsl, pack_file, "bench-otter-lamp-river")
        times.append((time.perf_counter() - start) * 1000)
        dsl.close()
    results["import_500_notes"] = statistics.median(times)
    return results


def _in_process(*args: str) -> Any:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_all(runs: int) -> dict[str, Any]:
    _in_process("prepare-dsl", "--runs", str(runs))
    enc = _in_process("measure", "--mode", "encrypted", "--runs", str(runs))
    plain = _in_process("measure", "--mode", "plain", "--runs", str(runs))
    results: dict[str, Any] = {"runs": runs, "unlock_ms": enc.pop("unlock_ms")}
    for key, value in enc.items():
        results[key] = {
            "encrypted_ms": value,
            "plain_ms": plain[key],
            "ratio": value / plain[key] if plain[key] else None,
        }
    results["cold_start_to_unlock_ms"] = _cold_start(max(3, runs // 2))
    results["idle_memory_mb"] = _idle_memory()
    from cse_toolkit.vault.vault import Vault

    check = Vault.open(ENC, USER, PASSPHRASE)
    results["data"] = {
        t: check.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("children", "notes", "intel_reports")
    }
    kdf = json.loads((ENC / "keyslots.json").read_text())["users"][USER]["kdf"]
    check.close()
    results["kdf"] = {k: kdf[k] for k in ("m", "t", "p")}
    results["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    return results


BUDGETS = [
    ("child_list", "case list shown", 150),
    ("search_common", "search across all notes (common word)", 100),
    ("search_rare", "search across all notes (rare phrase)", 100),
    ("open_child_500_notes", "open a child with 500 notes", 150),
    ("export_500_notes", "export a pack with 500 notes", 2000),
    ("import_500_notes", "import that pack (DSL vault)", None),
]


def table(results: dict[str, Any]) -> str:
    lines = [
        "| work | budget | encrypted (median) | plain SQLite | ratio |",
        "|---|---|---|---|---|",
    ]
    for key, label, budget in BUDGETS:
        r = results[key]
        b = f"< {budget} ms" if budget else "-"
        lines.append(
            f"| {label} | {b} | {r['encrypted_ms']:.1f} ms | {r['plain_ms']:.1f} ms |"
            f" {r['ratio']:.2f}x |"
        )
    lines.append(
        f"| cold start to the unlock window | < 1500 ms |"
        f" {results['cold_start_to_unlock_ms']:.0f} ms | n/a | n/a |"
    )
    lines.append(
        f"| unlock (Argon2id + open) | 500-1000 ms by design |"
        f" {results['unlock_ms']:.0f} ms | n/a | n/a |"
    )
    lines.append(
        f"| idle memory (child list shown) | < 250 MB |"
        f" {results['idle_memory_mb']:.0f} MB | n/a | n/a |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--children", type=int, default=10_000)
    b.add_argument("--notes-per-child", type=int, default=20)
    r = sub.add_parser("run")
    r.add_argument("--runs", type=int, default=7)
    m = sub.add_parser("measure")  # internal: one mode in its own process
    m.add_argument("--mode", choices=["encrypted", "plain"], required=True)
    m.add_argument("--runs", type=int, default=7)
    d = sub.add_parser("prepare-dsl")  # internal
    d.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.cmd == "build":
        build(args.children, args.notes_per_child)
    elif args.cmd == "measure":
        print(json.dumps(measure(args.mode, args.runs)))
    elif args.cmd == "prepare-dsl":
        _prepare_dsl_vaults(args.runs)
        print("{}")
    else:
        results = run_all(args.runs)
        (OUT / "results.json").write_text(json.dumps(results, indent=2))
        print(json.dumps(results["data"]))
        print(table(results))


if __name__ == "__main__":
    main()
