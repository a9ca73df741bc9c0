"""UK local time (GMT, and BST in summer) for what a UK reader sees, without a time-zone
database: Windows Python has none unless ``tzdata`` is installed, and a pack must print the
same time on every laptop.

The rule is the UK's (The Summer Time Order 2002): BST from 01:00 UTC on the last Sunday of
March to 01:00 UTC on the last Sunday of October.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def _last_sunday_0100(year: int, month: int) -> datetime:
    last = datetime(year, month + 1, 1, 1, 0, tzinfo=UTC) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def is_bst(moment: datetime) -> bool:
    utc = moment.astimezone(UTC)
    return _last_sunday_0100(utc.year, 3) <= utc < _last_sunday_0100(utc.year, 10)


def uk_local(moment: datetime) -> datetime:
    """The same instant as a naive UK wall-clock time."""
    utc = moment.astimezone(UTC)
    return (utc + (timedelta(hours=1) if is_bst(utc) else timedelta(0))).replace(tzinfo=None)


def uk_text(moment: datetime | None, *, with_zone: bool = False) -> str:
    """``14/03/2026 18:05`` in UK time ("" for None); with_zone adds GMT or BST."""
    if moment is None:
        return ""
    text = uk_local(moment).strftime("%d/%m/%Y %H:%M")
    return f"{text} {'BST' if is_bst(moment) else 'GMT'}" if with_zone else text
