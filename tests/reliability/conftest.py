"""Reliability tests: shared helpers and the figures each test reports.

Every test records its figures with the ``figure`` fixture; they are printed together at the end
of the run (``pytest_terminal_summary``), so CI output always shows them, with or without ``-s``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    """Everything under tests/reliability carries the ``reliability`` marker, so the inner loop
    can leave it out with ``-m "not slow and not reliability"``."""
    for item in items:
        if "tests/reliability/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.reliability)


_FIGURES = pytest.StashKey[list[tuple[str, str, str]]]()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    figures = config.stash.get(_FIGURES, None)
    if not figures:
        return
    terminalreporter.section("reliability figures")
    for test, name, value in figures:
        terminalreporter.write_line(f"{name}: {value}    [{test}]")


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str, object], None]:
    """Record ``name: value`` for the summary (and print it at once for ``-s`` runs)."""

    def record(name: str, value: object) -> None:
        text = str(value)
        request.config.stash.setdefault(_FIGURES, []).append((request.node.name, name, text))
        print(f"{name}: {text}")

    return record
