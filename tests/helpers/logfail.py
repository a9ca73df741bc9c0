"""A test fails when anything logs a WARNING or worse that the test did not expect (as
qutebrowser's tests/helpers/logfail.py does): a warning in the log is a problem someone would
otherwise only find in a user's log file.

A test expects a record by capturing at that record's level, on its logger or a parent::

    with caplog.at_level(logging.ERROR, logger="cse_toolkit"):
        handle_exception(...)

The records are collected while the test runs (its fixtures included, from any thread) and the
test fails at teardown, so the code under test runs exactly as it would without the check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest


def _levels() -> dict[str, int]:
    """Every logger's own level now ("" is the root)."""
    found = {"": logging.getLogger().level}
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            found[name] = logger.level
    return found


class LogFailHandler(logging.Handler):
    """Keeps every unexpected record at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.unexpected: list[str] = []
        self._lock_list = threading.Lock()
        self._before = _levels()

    def expected(self, record: logging.LogRecord) -> bool:
        """True when ``caplog.at_level(record.levelno)`` is in force for the record: a logger on
        its way to the root was set, since the test began, to exactly that level."""
        name: str | None = record.name
        while name is not None:
            level = (logging.getLogger(name) if name else logging.getLogger()).level
            if level == record.levelno and self._before.get(name, logging.NOTSET) != level:
                return True
            name = name.rpartition(".")[0] if name else None
        return False

    def emit(self, record: logging.LogRecord) -> None:
        if self.expected(record):
            return
        line = f"{record.levelname} {record.name}: {record.getMessage()}"
        with self._lock_list:
            self.unexpected.append(line)


@pytest.fixture(autouse=True)
def fail_on_unexpected_log() -> Iterator[LogFailHandler]:
    handler = LogFailHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
    if handler.unexpected:
        pytest.fail(
            "unexpected log records at WARNING or above (expect them with caplog.at_level):\n"
            + "\n".join(handler.unexpected),
            pytrace=False,
        )
