"""The code stays as STYLE.md asks: ruff clean (including the ban on PySide6 outside gui/, the
complexity limit and no unused noqa), formatted by ``ruff format``, and mypy clean on the
packages pyproject.toml lists (strict). .pre-commit-config.yaml runs the same checks before a
commit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(
            f"{name} is not installed: it is part of the test extra (pip install -e .[test])"
        )
    return found


def test_ruff_clean() -> None:
    result = subprocess.run(
        [_tool("ruff"), "check", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_clean() -> None:
    """Every file as ``ruff format`` writes it (run ``ruff format .`` to fix)."""
    result = subprocess.run(
        [_tool("ruff"), "format", "--check", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_qt_free_packages() -> None:
    result = subprocess.run(
        [_tool("mypy")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
