"""Nothing left in memory after lock (issue 22 item 5): the lock screen is a fresh process.

The real app (its own window class, policy and features) is unlocked with a child open whose
note and name hold marker text; its memory is read (``/proc/PID/mem``, as ``gcore`` would) once
before the lock, as the control, and again once the lock has replaced the process with a fresh
start of the app and its lock screen is up. Counted: the data key (raw bytes, and hex as the key
pragma spells it) and the record text (UTF-8 as Python holds it, UTF-16 as Qt does).

Linux only, and only where this test may read another process's memory (root, or
``ptrace_scope`` 0 with the same user; the app makes itself not dumpable, so only root can).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.vaults import dek_of, make_vault

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NOTE_MARKER = "QUOKKA-LANTERN-7319 seen near the canal bridge"
NAME_MARKER = "Zephyrine Marchbanks"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0,
    reason="reading another process's memory needs Linux and root (the app is not dumpable)",
)


def _dump_counts(pid: int, patterns: dict[str, bytes]) -> dict[str, int]:
    counts = dict.fromkeys(patterns, 0)
    maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("r") or line.endswith(("[vvar]", "[vsyscall]")):
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except (OSError, ValueError, OverflowError):
                continue
            for name, pattern in patterns.items():
                counts[name] += data.count(pattern)
    return counts


def _wait_for(check: Any, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.timeout(240)
def test_after_lock_the_process_holds_no_data_key_and_no_record_text(
    tmp_path: Path, isolated_env: dict[str, Path], figure: Any
) -> None:
    folder = isolated_env["home"]
    vault = make_vault(folder)
    child = vault.repos.add_child(name=NAME_MARKER, approx_age=14)
    vault.repos.add_note(child.id, NOTE_MARKER, datetime.now(UTC))
    vault.close()
    dek = dek_of(folder)
    patterns = {
        "data key (raw)": dek,
        "data key (hex)": dek.hex().encode(),
        "note text (UTF-8)": NOTE_MARKER.encode(),
        "note text (UTF-16)": NOTE_MARKER.encode("utf-16-le"),
        "child's name (UTF-8)": NAME_MARKER.encode(),
        "child's name (UTF-16)": NAME_MARKER.encode("utf-16-le"),
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    log_dir = isolated_env["logs"]
    with subprocess.Popen(
        [sys.executable, str(HERE / "lock_memory_driver.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as app:
        try:
            assert app.stdout is not None and app.stdin is not None
            assert app.stdout.readline().strip() == "ready", app.stderr.read() if app.stderr else ""
            before = _dump_counts(app.pid, patterns)

            def started() -> bool:
                text = "".join(p.read_text(errors="replace") for p in log_dir.glob("*.log*"))
                return "app started" in text

            app.stdin.write("lock\n")
            app.stdin.flush()
            _wait_for(
                lambda: "\0-m\0cse_toolkit" in Path(f"/proc/{app.pid}/cmdline").read_text(), "exec"
            )
            _wait_for(started, "the fresh lock screen")
            cmdline = Path(f"/proc/{app.pid}/cmdline").read_text().split("\0")
            after = _dump_counts(app.pid, patterns)
            status = Path(f"/proc/{app.pid}/status").read_text()
        finally:
            app.kill()
            app.communicate(timeout=30)
    figure("lock_memory_before_lock", ", ".join(f"{k} {v}" for k, v in before.items()))
    figure("lock_memory_after_lock", ", ".join(f"{k} {v}" for k, v in after.items()))
    figure("lock_memory_lock_screen_process", " ".join(cmdline[1:3]))
    # The control: the unlocked app did hold the record text, so the reading can find it.
    assert before["note text (UTF-8)"] + before["note text (UTF-16)"] > 0, before
    assert before["child's name (UTF-8)"] + before["child's name (UTF-16)"] > 0, before
    assert cmdline[1:3] == ["-m", "cse_toolkit"], cmdline  # a fresh start of the app itself
    assert re.search(r"^Name:\s+python", status, re.M)
    assert after == dict.fromkeys(patterns, 0), after
