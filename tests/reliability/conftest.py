"""Reliability tests: every one carries the ``reliability`` marker.

Every test records its figures with the ``figure`` fixture (tests/helpers/figures.py); they are
printed together at the end of the run, so CI output always shows them, with or without ``-s``.
The vault helpers they share are in tests/helpers/vaults.py.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    """Everything under tests/reliability carries the ``reliability`` marker, so the inner loop
    can leave it out with ``-m "not slow and not reliability"``."""
    for item in items:
        if "tests/reliability/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.reliability)
