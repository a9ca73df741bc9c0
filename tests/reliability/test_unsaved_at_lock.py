"""Unsaved text at lock on a full disk: 0 characters lost (issue 22 item 4, the last fallback).

On a real 16 MiB tmpfs (as test_disk_full.py: mounted directly as root, else in an unprivileged
user+mount namespace): the real app, a child's notes tab, the disk full to the last byte and the
vault's released reserve used up, then a note of 1,500,000 characters typed (more than the
1 MiB rescue file). Measured: the bar says it at once; the panic lock replaces the process
(``os.execv``) and the fresh lock screen says the text is kept; as root, that process's memory
holds no copy of the typed text (ciphertext only); after space is freed and the user unlocks,
the note is back in its editor and in the drafts, whole.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.test_lock_memory import _dump_counts
from tests.reliability.unsaved_lock_driver import MARKER, typed_text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

_MOUNT = 'mount -t tmpfs -o size=16m,mode=0700 tmpfs "$1" || exit 97; shift; exec "$@"'


def _wait_for(path: Path, app: subprocess.Popen[str], timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if app.poll() is not None or time.monotonic() > deadline:
            err = app.stderr.read() if app.stderr else ""
            raise AssertionError(f"no {path.name} (exit {app.poll()}): {err[-3000:]}")
        time.sleep(0.2)
    time.sleep(0.2)  # written whole
    found: dict[str, Any] = json.loads(path.read_text())
    return found


@pytest.mark.timeout(300)
def test_text_nothing_could_store_survives_a_real_lock_whole(
    tmp_path: Path, isolated_env: dict[str, Path], figure: Any
) -> None:
    mount, out = tmp_path / "small", tmp_path / "out"
    mount.mkdir()
    out.mkdir()
    env = {
        **os.environ,
        "CSE_TOOLKIT_HOME": str(mount / "vault"),
        "CSE_TOOLKIT_RESERVE_KIB": "4096",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE / "unsaved_hook")]),
        "QT_QPA_PLATFORM": "offscreen",
        "CSE_TEST_UNSAVED_OUT": str(out),
        "CSE_TEST_UNSAVED_MOUNT": str(mount),
    }
    cmd = [sys.executable, str(HERE / "unsaved_lock_driver.py"), str(mount), str(out)]
    mounted = False
    if os.geteuid() == 0:
        ok = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount)],
            capture_output=True,
        )
        mounted = ok.returncode == 0
    if not mounted:
        if not shutil.which("unshare"):
            pytest.skip("cannot mount a small tmpfs here (not root, no user namespaces)")
        cmd = ["unshare", "-Urm", "sh", "-c", _MOUNT, "sh", str(mount), *cmd]
    typed = typed_text()
    try:
        with subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        ) as app:
            try:
                before = _wait_for(out / "before.json", app)
                locked = _wait_for(out / "locked.json", app)
                cmdline = Path(f"/proc/{app.pid}/cmdline").read_text().split("\0")
                counts: dict[str, int] | None = None
                if os.geteuid() == 0:
                    counts = _dump_counts(
                        app.pid,
                        {
                            "typed (UTF-8)": MARKER.encode(),
                            "typed (UTF-16)": MARKER.encode("utf-16-le"),
                        },
                    )
                (out / "go").write_text("go")
                after = _wait_for(out / "after.json", app)
                app.wait(timeout=60)
            finally:
                if app.poll() is None:
                    app.kill()
                app.communicate(timeout=30)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)

    back = after["editor_text"]
    lost = len(typed) - len(back) if back == typed[: len(back)] else len(typed)
    figure("unsaved_at_lock_typed_chars", before["typed_chars"])
    figure("unsaved_at_lock_free_bytes_when_typed", before["free_bytes"])
    figure("unsaved_at_lock_bar", before["bar_text"][:90])
    figure("unsaved_at_lock_lock_screen", locked["notice"][:90])
    figure("unsaved_at_lock_sealed_bytes_handed_over", locked["kept_sealed_bytes"])
    figure("unsaved_at_lock_copies_in_lock_screen_memory", counts if counts else "not root")
    figure("unsaved_at_lock_chars_lost", lost)
    figure("unsaved_at_lock_seconds_unlock_to_back", after["seconds_to_back"])

    assert before["reserve_made"] and before["notes_into_the_reserve"] > 0
    assert before["free_bytes"] < 64 * 1024, before
    assert before["bar_shown"] is True, before
    assert before["bar_text"].startswith("The disk is full: 1,5"), before["bar_text"]
    assert "could not be saved" in before["status"]
    assert cmdline[1:3] == ["-m", "cse_toolkit"], cmdline  # the fresh process
    assert locked["locked"] and locked["notice_shown"] and not locked["env_left"]
    assert (
        "kept, encrypted" in locked["notice"] and "Closing the app loses them" in locked["notice"]
    )
    assert locked["kept_chars"] >= len(typed) and locked["kept_sealed_bytes"] > len(typed)
    if counts is not None:
        assert counts == {"typed (UTF-8)": 0, "typed (UTF-16)": 0}, counts
    assert after["unlocked"], after["status"]
    assert lost == 0 and back == typed
    assert typed in after["draft_texts"]
    assert after["bar_shown"] is False
