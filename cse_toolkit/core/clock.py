"""Time comes from a clock object so lock timers, due dates and overdue flags are testable."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...

    def monotonic(self) -> float: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def today(self) -> date:
        return self._now.date()

    def advance(self, **kwargs: float) -> None:
        delta = timedelta(**kwargs)
        self._now += delta
        self._mono += delta.total_seconds()


def utc_iso(dt: datetime) -> str:
    """ISO 8601 in UTC with a Z, second precision: the one text form for stored times."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
