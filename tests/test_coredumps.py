"""Core dumps are off in a process started the app's way (issue 22 item 5).

Linux runs for real: a child started through ``cse_toolkit.__main__.main`` (the command line)
or ``gui.app.run_gui`` (the desktop app) reports ``RLIMIT_CORE`` 0/0 and
``prctl(PR_GET_DUMPABLE)`` 0, the kernel's own ``/proc/PID/limits`` agrees, and a crash after
``ulimit -c unlimited`` writes no core file where the same crash without the app's start does.
Windows runs through fakes of kernel32 and wer.dll.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cse_toolkit.platform import coredumps

ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux calls")

REPORT = """
import ctypes, json, resource, sys
from cse_toolkit.platform.coredumps import linux_dumpable
print(json.dumps({"core": resource.getrlimit(resource.RLIMIT_CORE),
                  "dumpable": linux_dumpable()}), flush=True)
sys.stdin.readline()
"""
CLI_CHILD = "from cse_toolkit.__main__ import main\nmain(['paths'])\n" + REPORT
GUI_CHILD = (
    "import os, sys\n"
    "from PySide6.QtCore import QTimer\n"
    "from PySide6.QtWidgets import QApplication\n"
    "app = QApplication(sys.argv)\n"
    "def report():\n"
    "    exec(REPORT)\n"
    "    app.quit()\n"
    "QTimer.singleShot(0, report)\n"
    "from cse_toolkit.gui.app import run_gui\n"
    "run_gui()\n"
)


def _unlimited_core() -> None:
    """``ulimit -c unlimited`` where this process may (root), else as far as its hard limit
    goes (the runner imported the vault, which sets only the soft limit to 0)."""
    import resource

    try:
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    except (ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def _child(code: str, cwd: Path) -> tuple[dict[str, Any], str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    with subprocess.Popen(
        [sys.executable, "-c", f"REPORT = {REPORT!r}\n{code}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
        preexec_fn=_unlimited_core,
    ) as proc:
        assert proc.stdout is not None
        line = ""
        while not line.startswith("{"):
            line = proc.stdout.readline()
            if not line:
                break
        limits = Path(f"/proc/{proc.pid}/limits").read_text() if line else ""
        _out, err = proc.communicate("\n", timeout=60)
    assert line, err[-3000:]
    core_line = next(x for x in limits.splitlines() if x.startswith("Max core file size"))
    return json.loads(line), core_line


@linux_only
@pytest.mark.parametrize("how", ["cli", "gui"])
def test_a_process_started_the_apps_way_cannot_dump_core(how: str, tmp_path: Path) -> None:
    report, limits = _child(CLI_CHILD if how == "cli" else GUI_CHILD, tmp_path)
    assert report == {"core": [0, 0], "dumpable": 0}
    assert limits.split()[4:6] == ["0", "0"], limits  # soft and hard, as the kernel sees them


@linux_only
def test_importing_the_vault_lowers_only_the_soft_limit(tmp_path: Path) -> None:
    """A script or the test runner that imports the vault keeps its hard limit (its children may
    still dump); the app's entry points take the hard limit to 0 (above)."""
    code = "import cse_toolkit.vault.db\n" + REPORT
    report, limits = _child(code, tmp_path)
    assert report["core"][0] == 0 and report["dumpable"] == 0
    import resource

    assert (
        report["core"][1] == resource.getrlimit(resource.RLIMIT_CORE)[1] or report["core"][1] == -1
    )


@linux_only
def test_a_crash_after_the_apps_start_writes_no_core(tmp_path: Path) -> None:
    import resource

    if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
        pytest.skip("this machine's hard core limit is 0: no control crash can dump")
    pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
    crash = "import os\n{start}os.abort()\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = "from cse_toolkit import paths\npaths.harden_process(entry=True)\n"
    results = {}
    for name, start in (("plain", ""), ("app", started)):
        where = tmp_path / name
        where.mkdir()
        run = subprocess.run(
            [sys.executable, "-c", crash.format(start=start)],
            cwd=where,
            env=env,
            capture_output=True,
            preexec_fn=_unlimited_core,
            timeout=60,
        )
        assert run.returncode == -signal.SIGABRT
        results[name] = [p.name for p in where.iterdir() if p.name.startswith("core")]
    assert results["app"] == []
    if pattern.startswith("core"):  # the kernel writes cores into the working folder here
        assert results["plain"], "the control crash wrote no core, so this test proves nothing"


class FakeKernel32:
    def __init__(self) -> None:
        self.modes: list[int] = []

    def GetErrorMode(self) -> int:  # noqa: N802 - the Win32 name
        return 0x8000

    def SetErrorMode(self, mode: int) -> int:  # noqa: N802
        self.modes.append(mode)
        return 0x8000


class FakeWer:
    def __init__(self) -> None:
        self.excluded: list[tuple[str, bool]] = []

    def WerAddExcludedApplication(self, exe: str, all_users: bool) -> int:  # noqa: N802
        self.excluded.append((exe, all_users))
        return 0


def test_windows_turns_off_the_fault_box_and_excludes_the_app_from_error_reports() -> None:
    kernel32, wer = FakeKernel32(), FakeWer()
    done = coredumps.disable_core_dumps(
        "win32", kernel32=kernel32, wer=wer, exe=r"C:\Program Files\CSE Toolkit\CSE Toolkit.exe"
    )
    assert done == ["SetErrorMode(SEM_NOGPFAULTERRORBOX)", "WerAddExcludedApplication"]
    # The existing mode is kept, and both flags are added.
    assert kernel32.modes == [0x8000 | 0x1 | 0x2]
    assert wer.excluded == [(r"C:\Program Files\CSE Toolkit\CSE Toolkit.exe", False)]


def test_a_refusal_is_logged_by_name_and_the_start_goes_on(caplog: Any) -> None:
    class RefusingLibc:
        def prctl(self, *args: int) -> int:
            return -1

    with caplog.at_level("WARNING", logger="cse_toolkit.platform.coredumps"):
        # hard=False: the test runner's own hard limit must stay for the crash tests' children.
        done = coredumps.disable_core_dumps("linux", hard=False, libc=RefusingLibc())
    assert "PR_SET_DUMPABLE=0" not in done
    assert "could not be fully disabled (OSError)" in caplog.text
