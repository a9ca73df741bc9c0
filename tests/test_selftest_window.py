"""`self-test` opens a real window on the platform plugin the app will use, and names what is
missing when it cannot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cse_toolkit.selftest import window_problem

REPO = Path(__file__).resolve().parent.parent

# What Qt 6 prints (QT_DEBUG_PLUGINS=1) when libxcb-cursor0 is not installed.
QT_MISSING_LIB = """qt.core.plugin.factoryloader: checking directory path "/opt/app/PySide6/Qt/plugins/platforms" ...
qt.core.library: "/opt/app/PySide6/Qt/plugins/platforms/libqxcb.so" cannot load: Cannot load library /opt/app/PySide6/Qt/plugins/platforms/libqxcb.so: (libxcb-cursor.so.0: cannot open shared object file: No such file or directory)
qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.
qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.
This application failed to start because no Qt platform plugin could be initialized.
"""


def test_missing_library_is_named() -> None:
    text = window_problem(QT_MISSING_LIB, -6)
    assert "'xcb' platform plugin cannot load" in text
    assert "missing system library libxcb-cursor.so.0" in text


def test_no_display_fails_with_a_plain_reason() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cse_toolkit.selftest import open_test_window as o; print(o())",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode != 0
    assert "found no display" in done.stderr or "cannot load" in done.stderr, done.stderr[-800:]


def test_offscreen_window_opens() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from cse_toolkit.selftest import open_test_window as o; print(o())",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-800:]
    assert "a window opened on the 'offscreen' platform plugin" in done.stdout
