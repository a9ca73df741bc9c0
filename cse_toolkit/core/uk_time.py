"""UK civil time without a time-zone database: local time, bank holidays, the end of a day.

The toolkit runs offline on laptops whose system time zone may be anything (a Windows laptop
has no IANA database unless ``tzdata`` is installed), but the services it points to keep UK
hours. So the rule is written out here: UK time is UTC in winter (GMT) and UTC+1 in summer
(BST), from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October
(the Summer Time Order 2002, unchanged since).

Bank holidays are England and Wales's, by their rules: New Year's Day, Good Friday, Easter
Monday, the first and last Mondays of May, the last Monday of August, Christmas Day and Boxing
Day, each moved to the next weekday when it falls at a weekend. One-off days (a coronation, a
jubilee) are not rules: an organisation lists them in its policy (``closed_dates``).

Qt-free; times come in as aware datetimes from the clock object.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def uk_offset(moment: datetime) -> timedelta:
    """UTC offset of UK civil time at an aware ``moment``: 0 (GMT) or 1 hour (BST)."""
    utc = moment.astimezone(UTC)
    year = utc.year
    start = datetime.combine(_last_sunday(year, 3), time(1, 0), UTC)
    end = datetime.combine(_last_sunday(year, 10), time(1, 0), UTC)
    return timedelta(hours=1) if start <= utc < end else timedelta(0)


def uk_local(moment: datetime) -> datetime:
    """``moment`` as UK wall-clock time (a naive datetime: the reading on a UK clock)."""
    utc = moment.astimezone(UTC)
    return (utc + uk_offset(utc)).replace(tzinfo=None)


def from_uk_local(wall: datetime) -> datetime:
    """A UK wall-clock reading (naive) as an aware UTC datetime. In the hour the clocks go
    back, the earlier (BST) reading is taken; a reading in the skipped hour counts as BST."""
    guess = wall.replace(tzinfo=UTC) - timedelta(hours=1)
    if uk_offset(guess) == timedelta(hours=1):
        return guess
    return wall.replace(tzinfo=UTC)


def end_of_uk_day(moment: datetime, days_after: int = 0) -> datetime:
    """The last second (23:59:59 UK time) of the day ``days_after`` days after ``moment``'s
    UK day, as aware UTC: "today" is the end of today in the UK, wherever the laptop is."""
    day = uk_local(moment).date() + timedelta(days=days_after)
    return from_uk_local(datetime.combine(day, time(23, 59, 59)))


def _easter(year: int) -> date:
    # The anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=64)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays of ``year`` by rule (no one-off days)."""
    easter = _easter(year)
    days = {
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        _weekday_on_or_after(date(year, 5, 1), 0),
        _last_monday(year, 5),
        _last_monday(year, 8),
    }
    new_year = date(year, 1, 1)
    days.add(new_year if new_year.weekday() < 5 else _weekday_on_or_after(new_year, 0))
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() < 5 and boxing.weekday() < 5:
        days |= {christmas, boxing}
    elif christmas.weekday() == 4:  # Friday: Boxing Day moves to Monday
        days |= {christmas, date(year, 12, 28)}
    elif christmas.weekday() == 5:  # Saturday: both move to Monday and Tuesday
        days |= {date(year, 12, 27), date(year, 12, 28)}
    else:  # Sunday: Christmas moves to Tuesday, Boxing Day is Monday
        days |= {boxing, date(year, 12, 27)}
    return frozenset(days)


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)


__all__ = [
    "bank_holidays",
    "end_of_uk_day",
    "from_uk_local",
    "is_bank_holiday",
    "uk_local",
    "uk_offset",
]
