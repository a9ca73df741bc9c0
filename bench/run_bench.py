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


def build(children: int, notes_per_child: int, big_notes: int = 500) -> None:
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
            for i in range(big_notes)
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
    from cse_toolkit.vault import db, registry
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
    conn = db.SerialConnection(conn)  # the threading rule, as db.connect gives it
    slots = KeySlots.load(like)
    row = conn.execute("SELECT id, name, role FROM users WHERE name = ?", (USER,)).fetchone()
    key = Ed25519PrivateKey.from_private_bytes(
        bytes(conn.execute("SELECT value FROM meta WHERE key = 'signing_key'").fetchone()[0])
    )
    # The person's own signing key, from their slot, as an unlock gives it (exports sign).
    personal = slots.unwrap_user_keys(row[1], PASSPHRASE).signing
    vault = Vault(folder, conn, slots, User(row[0], row[1], row[2]), key, SystemClock(), personal)
    vault.registry = registry.load(conn, slots.vault_id)
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
        "from cse_toolkit.gui.children.child_table_model import ChildTableModel, ViewSpec,"
        " arrange, rows_from_db;"
        "from cse_toolkit.core.clock import SystemClock;"
        "v=Vault.open(Path(sys.argv[1]), sys.argv[2], sys.argv[3]);"
        "m=ChildTableModel(SystemClock()); m.set_arranged(arrange(rows_from_db("
        "v.repos.child_rows(), v.now().date()), ViewSpec()), has_steps=False);"
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


def _prepare_dsl_vaults(count: int) -> None:
    """Empty DSL vaults to import into: encrypted ones and unencrypted copies of them."""
    import shutil

    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    base = OUT / "dsl"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    for i in range(count):
        dsl, _ = Vault.create(base / f"enc-{i}", "dana", "dsl", PASSPHRASE, kdf=FLOOR_PARAMS)
        dsl.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        plain_dir = base / f"plain-{i}"
        plain_dir.mkdir()
        dsl.conn.execute(f"ATTACH DATABASE '{plain_dir / 'vault.db'}' AS plain KEY ''")
        dsl.conn.execute("SELECT sqlcipher_export('plain')")
        dsl.conn.execute("DETACH DATABASE plain")
        dsl.close()


def _refresh_plain() -> None:
    """The plain floor made again from the encrypted vault as this code opens it (after its
    migrations and the stored case state), so both hold the same pages."""
    import shutil

    from cse_toolkit.vault.vault import Vault

    vault = Vault.open(ENC, USER, PASSPHRASE)
    try:
        vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.rmtree(PLAIN, ignore_errors=True)
        PLAIN.mkdir(parents=True)
        vault.conn.execute(f"ATTACH DATABASE '{PLAIN / 'vault.db'}' AS plain KEY ''")
        vault.conn.execute("SELECT sqlcipher_export('plain')")
        vault.conn.execute("DETACH DATABASE plain")
    finally:
        vault.close()


def _open_dsl(mode: str, i: int) -> Any:
    global USER
    from cse_toolkit.vault.vault import Vault

    if mode == "encrypted":
        return Vault.open(OUT / "dsl" / f"enc-{i}", "dana", PASSPHRASE)
    saved, USER = USER, "dana"
    try:
        return _plain_vault(OUT / "dsl" / f"plain-{i}", OUT / "dsl" / f"enc-{i}")
    finally:
        USER = saved


def measure(mode: str, runs: int, first_dsl: int, only: set[str] | None = None) -> dict[str, Any]:
    """Every figure (``only``: of these flows) for one mode ('encrypted' or 'plain'), in this
    process only."""
    from PySide6.QtWidgets import QApplication

    from cse_toolkit.services import exchange
    from cse_toolkit.vault.vault import Vault

    sys.path.insert(0, str(ROOT / "bench"))
    import flows as bench_flows

    app = QApplication.instance() or QApplication([])
    big = (OUT / "big_child.txt").read_text().strip()
    results: dict[str, Any] = {}
    if mode == "encrypted":
        start = time.perf_counter()
        vault = Vault.open(ENC, USER, PASSPHRASE)
        results["unlock_ms"] = (time.perf_counter() - start) * 1000
    else:
        vault = _plain_vault(PLAIN, ENC)
    tmp = Path(tempfile.mkdtemp(dir=OUT))
    try:
        table = bench_flows.flows(vault, big, tmp)
        results.update(bench_flows.measure_flows(table, runs, only))
        if mode == "encrypted":
            # The same calls on the plain copy, alternately in this process (flows.paired).
            floor = _plain_vault(PLAIN, ENC)
            try:
                plain_table = bench_flows.flows(floor, big, Path(tempfile.mkdtemp(dir=OUT)))
                for name, ratios in bench_flows.paired(table, plain_table, runs, only).items():
                    results[name]["paired_cpu_ratios"] = ratios
            finally:
                floor.close()
        if (only is None or "import_500_notes" in only) and not list(tmp.glob("pack-*.pdf")):
            table["export_500_notes"][0]()  # the pack the import flow imports
    finally:
        vault.close()
    if only is not None and "import_500_notes" not in only:
        app.processEvents()
        return results
    pack_file = sorted(tmp.glob("pack-*.pdf"))[0]
    walls, cpus, apps, stalls = [], [], [], []
    for i in range(runs + 1):
        dsl = _open_dsl(mode, first_dsl + i)
        try:
            if i < runs:
                wall, cpu = bench_flows.timed(
                    lambda d=dsl: exchange.import_pack(
                        d, pack_file, "bench-otter-lamp-river", confirmed="compared"
                    )
                )
                walls.append(wall)
                cpus.append(cpu)
            else:  # once in the app: the import on a pool thread, the GUI thread probed
                took, stall = bench_flows.in_app(
                    bench_flows.background(
                        lambda d=dsl: exchange.import_pack(
                            d, pack_file, "bench-otter-lamp-river", confirmed="compared"
                        )
                    )
                )
                apps.append(took)
                stalls.append(stall)
        finally:
            dsl.close()
    results["import_500_notes"] = {
        "ms": walls,
        "cpu_ms": cpus,
        "app_ms": apps,
        "stall_ms": stalls,
        "median_ms": statistics.median(walls),
    }
    app.processEvents()
    return results


def _in_process(*args: str) -> Any:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ.copy(),
    )
    if out.returncode != 0:
        raise SystemExit(f"run_bench {' '.join(args)} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_all(
    runs: int, rounds: int, quick: bool = False, only: set[str] | None = None
) -> dict[str, Any]:
    """``rounds`` pairs of processes, encrypted then plain, interleaved so that the load of a
    shared machine falls on both alike; each figure is the median of every run of its mode.
    ``only``: just these flows (and no cold start or idle memory)."""
    _refresh_plain()
    picked = ["--flows", ",".join(sorted(only))] if only is not None else []
    if only is None or "import_500_notes" in only:
        _in_process("prepare-dsl", "--count", str(2 * rounds * (runs + 1)))
    samples: dict[str, dict[str, Any]] = {"encrypted": {}, "plain": {}}
    unlock = []
    for r in range(rounds):
        for n, mode in enumerate(("encrypted", "plain")):
            first = (2 * r + n) * (runs + 1)
            got = _in_process(
                "measure", "--mode", mode, "--runs", str(runs), "--first-dsl", str(first), *picked
            )
            if "unlock_ms" in got:
                unlock.append(got.pop("unlock_ms"))
            for key, value in got.items():
                slot = samples[mode].setdefault(
                    key,
                    {"ms": [], "cpu_ms": [], "app_ms": [], "stall_ms": [], "paired_cpu_ratios": []},
                )
                for field in slot:
                    slot[field] += value.get(field, [])
    med = statistics.median
    results: dict[str, Any] = {"runs": runs, "rounds": rounds, "unlock_ms": med(unlock)}
    for key, enc in samples["encrypted"].items():
        plain = samples["plain"][key]
        results[key] = {
            "encrypted_ms": med(enc["ms"]),
            "plain_ms": med(plain["ms"]),
            "ratio": med(enc["ms"]) / med(plain["ms"]) if med(plain["ms"]) else None,
            "encrypted_cpu_ms": med(enc["cpu_ms"]),
            "plain_cpu_ms": med(plain["cpu_ms"]),
            "cpu_ratio_median": med(enc["cpu_ms"]) / med(plain["cpu_ms"])
            if med(plain["cpu_ms"])
            else None,
            # The headline: the best run of each mode. CPU time only grows with the load of a
            # shared machine (the other core's cache and memory traffic, a preempted call's
            # cold caches), never shrinks, so the least disturbed run is the closest to the
            # work itself; medians of 3-10 runs still carry that noise (10-25 % on a 4 ms
            # flow at load 4, in either direction).
            "encrypted_cpu_best_ms": min(enc["cpu_ms"]),
            "plain_cpu_best_ms": min(plain["cpu_ms"]),
            "cpu_ratio": min(enc["cpu_ms"]) / min(plain["cpu_ms"])
            if min(plain["cpu_ms"])
            else None,
            # Encrypted and plain timed alternately in one process (flows.paired): the
            # median of the pairs' ratios, the figure least moved by the machine's load.
            "paired_cpu_ratio": med(enc["paired_cpu_ratios"]) if enc["paired_cpu_ratios"] else None,
            "app_ms": med(enc["app_ms"]),
            "plain_app_ms": med(plain["app_ms"]),
            "stall_ms": max(enc["stall_ms"]),
            "plain_stall_ms": max(plain["stall_ms"]),
        }
    if not quick and only is None:
        results["cold_start_to_unlock_ms"] = _cold_start(max(3, runs))
        results["idle_memory_mb"] = _idle_memory()
    from cse_toolkit.vault.vault import Vault

    check = Vault.open(ENC, USER, PASSPHRASE)
    results["data"] = {
        t: check.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("children", "notes", "screenings", "pathway_steps", "intel_reports")
    }
    kdf = json.loads((ENC / "keyslots.json").read_text())["users"][USER]["kdf"]
    check.close()
    results["kdf"] = {k: kdf[k] for k in ("m", "t", "p")}
    results["machine"] = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    return results


BUDGETS = [
    ("child_list", "child list shown (every row)", 150),
    ("next_steps", "next steps and urgency, whole caseload", None),
    ("search_common", "search all notes (common word)", 100),
    ("search_rare", "search all notes (rare phrase)", 100),
    ("open_child_500_notes", "open a child with 500 notes", 150),
    ("export_500_notes", "export a pack with 500 notes", 2000),
    ("import_500_notes", "import that pack (DSL vault)", None),
    ("dsl_queue", "DSL review queue (first build)", None),
    ("dashboard", "DSL dashboard", None),
    ("connections", "connections view (index built on first look)", None),
]


FLOWS = [key for key, _, _ in BUDGETS]


def _flow_names(text: str) -> set[str]:
    names = {n.strip() for n in text.split(",") if n.strip()}
    unknown = names - set(FLOWS)
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown flow {', '.join(sorted(unknown)) or '(none given)'}; known: {', '.join(FLOWS)}"
        )
    return names


def _x(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def table(results: dict[str, Any]) -> str:
    lines = [
        "| work | budget | encrypted | plain SQLite | ratio | CPU ms enc / plain (best run)"
        " | CPU ratio (paired) | CPU ratio (best) | CPU ratio (median) | in the app"
        " | longest GUI stall |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, label, budget in BUDGETS:
        if key not in results:
            continue  # not measured in this run (--flows)
        r = results[key]
        b = f"< {budget} ms" if budget else "-"
        lines.append(
            f"| {label} | {b} | {r['encrypted_ms']:.1f} ms | {r['plain_ms']:.1f} ms |"
            f" {r['ratio']:.2f}x | {r['encrypted_cpu_best_ms']:.1f} / {r['plain_cpu_best_ms']:.1f} |"
            f" {_x(r.get('paired_cpu_ratio'))} |"
            f" {r['cpu_ratio']:.2f}x | {r['cpu_ratio_median']:.2f}x | {r['app_ms']:.0f} ms |"
            f" {r['stall_ms']:.0f} ms |"
        )
    if "cold_start_to_unlock_ms" in results:
        lines.append(
            f"| cold start to the unlock window | < 1500 ms |"
            f" {results['cold_start_to_unlock_ms']:.0f} ms | n/a | | | | | | | |"
        )
    lines.append(
        f"| unlock (Argon2id + open) | 500-1000 ms by design |"
        f" {results['unlock_ms']:.0f} ms | n/a | | | | | | | |"
    )
    if "idle_memory_mb" in results:
        lines.append(
            f"| idle memory (child list shown) | < 250 MB |"
            f" {results['idle_memory_mb']:.0f} MB | n/a | | | | | | | |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--children", type=int, default=10_000)
    b.add_argument("--notes-per-child", type=int, default=20)
    b.add_argument("--big-notes", type=int, default=500, help="notes of the one big child")
    r = sub.add_parser("run")
    r.add_argument("--runs", type=int, default=3, help="runs of each flow per process")
    r.add_argument("--rounds", type=int, default=3, help="encrypted/plain process pairs")
    r.add_argument("--quick", action="store_true", help="skip cold start and idle memory")
    flow_help = "comma-separated flows to measure (default: all): " + ", ".join(FLOWS)
    r.add_argument("--flows", type=_flow_names, default=None, help=flow_help)
    m = sub.add_parser("measure")  # internal: one mode in its own process
    m.add_argument("--mode", choices=["encrypted", "plain"], required=True)
    m.add_argument("--runs", type=int, default=3)
    m.add_argument("--first-dsl", type=int, default=0)
    m.add_argument("--flows", type=_flow_names, default=None)
    d = sub.add_parser("prepare-dsl")  # internal
    d.add_argument("--count", type=int, default=8)
    args = parser.parse_args()
    if args.cmd == "build":
        build(args.children, args.notes_per_child, args.big_notes)
    elif args.cmd == "measure":
        print(json.dumps(measure(args.mode, args.runs, args.first_dsl, args.flows)), flush=True)
        # The figures are out: skip the teardown of the offscreen widgets (their event
        # filters outlive their Python attributes and abort the exit under PySide6).
        os._exit(0)
    elif args.cmd == "prepare-dsl":
        _prepare_dsl_vaults(args.count)
        print("{}")
    else:
        results = run_all(args.runs, args.rounds, args.quick, args.flows)
        (OUT / "results.json").write_text(json.dumps(results, indent=2))
        print(json.dumps(results["data"]))
        print(table(results))


if __name__ == "__main__":
    main()
