"""The performance harness runs end to end (bench/run_bench.py on a 5-child vault).

Not a benchmark: the figures of so small a vault mean nothing and nothing here checks them. It
only proves the harness still measures every flow it reports, beside plain SQLite, with a
GUI-stall figure for each, so a change that breaks it is seen before someone runs it by hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOWS = (
    "child_list",
    "next_steps",
    "search_common",
    "search_rare",
    "open_child_500_notes",
    "export_500_notes",
    "import_500_notes",
    "dsl_queue",
    "dashboard",
    "connections",
)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_harness_measures_every_flow_on_a_tiny_vault(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CSE_BENCH_OUT": str(tmp_path / "bench"),
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
    }
    script = str(ROOT / "bench" / "run_bench.py")

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, script, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    run("build", "--children", "5", "--notes-per-child", "2", "--big-notes", "20")
    # Not --quick: the cold start and the idle memory are measured too (the idle memory's
    # script once still called a model method the child list had dropped).
    out = run("run", "--runs", "1", "--rounds", "1")
    results = json.loads((tmp_path / "bench" / "results.json").read_text())
    assert results["cold_start_to_unlock_ms"] > 0 and results["idle_memory_mb"] > 0
    for flow in FLOWS:
        figures = results[flow]
        assert figures["encrypted_ms"] > 0 and figures["plain_ms"] > 0, flow
        assert figures["ratio"] is not None and figures["stall_ms"] >= 0, flow
    assert results["data"]["children"] == 6  # the five and the one big child
    assert "| DSL review queue (first build) |" in out
    # A subset of the flows (--flows): only those are measured and reported.
    out = run("run", "--runs", "1", "--rounds", "1", "--flows", "search_rare,dashboard")
    results = json.loads((tmp_path / "bench" / "results.json").read_text())
    assert set(FLOWS) & set(results) == {"search_rare", "dashboard"}
    assert results["dashboard"]["cpu_ratio"] is not None
    assert "| DSL dashboard |" in out and "| DSL review queue" not in out
