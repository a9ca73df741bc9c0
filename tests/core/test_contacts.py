"""Contacts day and night (core/contacts.py, core/uk_time.py) with a fixed clock: the front door
in office hours, the Emergency Duty Team on a weekday evening, at the weekend and on a bank
holiday; UK summer time; the policy's hours strictly typed; "Not recorded", never a placeholder."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cse_toolkit.core.contacts import contact_lines, format_contact, line_text, open_status
from cse_toolkit.core.uk_time import bank_holidays, uk_local
from cse_toolkit.policy import Contacts, PolicyError, parse_policy

POLICY = """
[contacts.front_door]
name = "Test Front Door"
phone = "01234 000002"

[[contacts.front_door.hours]]
days = ["mon", "tue", "wed", "thu"]
opens = "09:00"
closes = "17:00"

[[contacts.front_door.hours]]
days = ["fri"]
opens = "09:00"
closes = "16:30"

[contacts.out_of_hours]
name = "Test Emergency Duty Team"
phone = "01234 000005"
"""

PLACEHOLDERS = ("ask your manager", "not set", "set the contact", "placeholder")


@pytest.fixture(scope="module")
def contacts() -> Contacts:
    return parse_policy(POLICY, "test").contacts


def first_to_ring(contacts: Contacts, moment: datetime) -> tuple[str, str]:
    lines = contact_lines(contacts, ["front_door"], moment)
    now = [line for line in lines if line.now]
    assert len(now) == 1, lines
    return now[0].key, now[0].note


@pytest.mark.parametrize(
    ("moment", "key", "note"),
    [
        (datetime(2026, 12, 1, 10, 0, tzinfo=UTC), "front_door", "Open now until 17:00"),  # Tue
        (datetime(2026, 12, 1, 20, 0, tzinfo=UTC), "out_of_hours", "Ring this number"),  # Tue eve
        (datetime(2026, 12, 5, 10, 0, tzinfo=UTC), "out_of_hours", "Ring this number"),  # Sat
        (datetime(2026, 12, 28, 10, 0, tzinfo=UTC), "out_of_hours", "Ring this number"),  # holiday
        (datetime(2026, 12, 4, 16, 45, tzinfo=UTC), "out_of_hours", "Ring this number"),  # Fri
        (datetime(2026, 7, 7, 15, 30, tzinfo=UTC), "front_door", "Open now until 17:00"),  # BST
        (datetime(2026, 7, 7, 16, 30, tzinfo=UTC), "out_of_hours", "Ring this number"),  # 17:30
    ],
)
def test_the_number_to_ring_by_time_of_day(
    contacts: Contacts, moment: datetime, key: str, note: str
) -> None:
    ring, words = first_to_ring(contacts, moment)
    assert ring == key and words.startswith(note)


def test_closed_front_door_says_when_it_opens(contacts: Contacts) -> None:
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    lines = contact_lines(contacts, ["front_door"], saturday)
    assert [line.key for line in lines] == ["out_of_hours", "front_door"]
    assert lines[1].note == "Closed now: opens Monday 09:00"
    evening = contact_lines(contacts, ["front_door"], datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    assert evening[1].note == "Closed now: opens tomorrow 09:00"
    # Christmas 2026: Friday 25th and Monday 28th (Boxing Day falls on a Saturday).
    christmas_eve = datetime(2026, 12, 24, 17, 30, tzinfo=UTC)
    assert open_status(contacts.front_door, christmas_eve).opens == datetime(2026, 12, 29, 9, 0)
    assert line_text(lines[0]).startswith("Ring now: Emergency Duty Team")


def test_bank_holidays_by_rule() -> None:
    assert bank_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    }
    assert {date(2027, 12, 27), date(2027, 12, 28), date(2027, 3, 26)} <= bank_holidays(2027)
    assert date(2028, 1, 3) in bank_holidays(2028)  # New Year's Day on a Saturday
    assert uk_local(datetime(2026, 3, 29, 0, 59, tzinfo=UTC)).hour == 0  # GMT
    assert uk_local(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)).hour == 2  # BST starts


def test_closed_dates_and_bank_holiday_opening(contacts: Contacts) -> None:
    text = POLICY.replace(
        'phone = "01234 000002"\n',
        'phone = "01234 000002"\nopen_on_bank_holidays = true\nclosed_dates = [2026-12-01]\n',
    )
    door = parse_policy(text, "test").contacts.front_door
    assert open_status(door, datetime(2026, 12, 28, 10, 0, tzinfo=UTC)).state == "open"
    assert open_status(door, datetime(2026, 12, 1, 10, 0, tzinfo=UTC)).state == "closed"


def test_without_hours_or_a_policy_every_line_says_not_recorded() -> None:
    moment = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    lines = contact_lines(Contacts(), ["emergency", "dsl", "front_door", "cse_team"], moment)
    assert [line.key for line in lines] == [
        "emergency",
        "dsl",
        "front_door",
        "out_of_hours",
        "cse_team",
    ]
    assert lines[0].text == "Police emergency, 999"
    for line in lines[1:]:
        assert line.text == "Not recorded" and not line.recorded and not line.now
    for line in lines:
        assert not any(p in line_text(line).lower() for p in PLACEHOLDERS)
    assert format_contact(None) == "Not recorded"
    named = parse_policy('[contacts.cse_team]\nname = "Team"\n', "t").contacts.cse_team
    assert format_contact(named) == "Team, phone and email not recorded"
    # A front door without hours: both numbers, neither marked as the one to ring now.
    door_only = parse_policy('[contacts.front_door]\nname = "D"\nphone = "1"\n', "t").contacts
    lines = contact_lines(door_only, ["front_door"], moment)
    assert lines[0].note == "Opening hours not recorded" and not any(x.now for x in lines)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ('days = ["mon"]\nopens = "9:00"\ncloses = "17:00"', "String should match pattern"),
        ('days = ["mon"]\nopens = "17:00"\ncloses = "09:00"', "must be later than opens"),
        ('days = ["monday"]\nopens = "09:00"\ncloses = "17:00"', "Input should be 'mon'"),
        ('days = ["mon", "mon"]\nopens = "09:00"\ncloses = "17:00"', "lists a day twice"),
        ('days = ["mon"]\nopens = 900\ncloses = "17:00"', "valid string"),
    ],
)
def test_opening_hours_are_strictly_checked(block: str, message: str) -> None:
    text = f'[contacts.front_door]\nname = "D"\n[[contacts.front_door.hours]]\n{block}\n'
    with pytest.raises(PolicyError, match=message) as exc:
        parse_policy(text, "policy.toml")
    assert "contacts.front_door.hours" in str(exc.value)


def test_a_day_given_twice_across_blocks_is_refused() -> None:
    text = (
        '[contacts.front_door]\nname = "D"\n'
        '[[contacts.front_door.hours]]\ndays = ["mon"]\nopens = "09:00"\ncloses = "12:00"\n'
        '[[contacts.front_door.hours]]\ndays = ["mon"]\nopens = "13:00"\ncloses = "17:00"\n'
    )
    with pytest.raises(PolicyError, match="gives hours for mon twice"):
        parse_policy(text, "policy.toml")
