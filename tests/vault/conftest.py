"""Vault tests: no display, floor Argon2id parameters. Shares the helpers in
tests/reliability/relkit.py (snapshot, CLI runner, raw access) and reports figures at the end."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reliability"))

_FIGURES = pytest.StashKey[list[tuple[str, str, str]]]()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    figures = config.stash.get(_FIGURES, None)
    if not figures:
        return
    terminalreporter.section("vault figures")
    for test, name, value in figures:
        terminalreporter.write_line(f"{name}: {value}    [{test}]")


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str, object], None]:
    def record(name: str, value: object) -> None:
        request.config.stash.setdefault(_FIGURES, []).append((request.node.name, name, str(value)))
        print(f"{name}: {value}")

    return record
