"""The ``figure`` fixture: a test records ``name: value`` (kills, commits, lost, ms per
attempt...) and every figure is printed together at the end of the run, in one section per test
folder ("reliability figures", "vault figures"), with or without ``-s``.

Figures travel on the test's report (``user_properties``), so they reach the summary from
pytest-xdist's worker processes too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

import pytest

KEY = "figure"


class FigureSummary:
    """Collects the figures from each test's final report and prints them at the end."""

    def __init__(self) -> None:
        self.figures: list[tuple[str, str, str, str]] = []  # folder, test, name, value

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "teardown":  # the last report of a test carries all its properties
            return
        parts = PurePosixPath(report.nodeid.split("::")[0]).parts
        folder = parts[1] if len(parts) > 2 and parts[0] == "tests" else "test"
        test = report.nodeid.rpartition("::")[2]
        for key, value in report.user_properties:
            if key == KEY:
                name, text = value
                self.figures.append((folder, test, str(name), str(text)))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        folders = sorted({f[0] for f in self.figures})
        for folder in folders:
            terminalreporter.section(f"{folder} figures")
            for where, test, name, text in self.figures:
                if where == folder:
                    terminalreporter.write_line(f"{name}: {text}    [{test}]")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(FigureSummary(), "cse-toolkit-figures")


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str, object], None]:
    """Record ``name: value`` for the summary (and print it at once for ``-s`` runs)."""

    def record(name: str, value: object) -> None:
        text = str(value)
        request.node.user_properties.append((KEY, (name, text)))
        print(f"{name}: {text}")

    return record
