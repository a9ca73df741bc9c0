"""Who to call, and which number at this time of day: the one place a contact becomes a line.

Every contact line the app prints (the outcome page, the process tab, ``screen`` on the command
line, the guidance library, the packs) is made here from the organisation policy's contacts:

* ``format_contact``: "Name (role), phone, email"; a contact the policy does not give is
  ``NOT_RECORDED``, never a placeholder or an instruction.
* ``open_status``: whether a service with opening hours (UK time, England and Wales bank
  holidays closed unless it says otherwise) is open at a moment, until when, or when it opens.
* ``contact_lines``: the lines for a list of policy keys at a moment. For the children's social
  care front door the line says whether it is open now; when it is closed, the out-of-hours
  service (the Emergency Duty Team) comes first, since that is the number to ring now.

Times come from the caller's clock; this module is Qt-free. Words are English: the GUI builds
its own translated words from the structured fields (``ContactLine.key``, ``status``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Literal

from cse_toolkit.core.uk_time import is_bank_holiday, uk_local
from cse_toolkit.policy import DAYS, Contact, Contacts

NOT_RECORDED = "Not recorded"

TITLES: dict[str, str] = {
    "emergency": "Emergency",
    "dsl": "Designated safeguarding lead",
    "front_door": "Family Front Door (Children's Social Care)",
    "out_of_hours": "Emergency Duty Team (Children's Social Care out of hours)",
    "early_help": "Early Help Hub",
    "cse_team": "CSE team",
    "police_intelligence": "Police intelligence",
}

OpenState = Literal["open", "closed", "unknown"]


@dataclass(frozen=True)
class OpenStatus:
    """A service's state at a moment. ``until`` (open) and ``opens`` (closed) are UK
    wall-clock times (naive); ``opens`` is None when no opening is found within a fortnight."""

    state: OpenState
    until: datetime | None = None
    opens: datetime | None = None


@dataclass(frozen=True)
class ContactLine:
    """One line: the policy key, its title, the contact in words, and a note on its hours.

    ``now`` marks the line to ring now (the out-of-hours service while the front door is
    closed). ``status`` is the contact's opening state at the moment asked.
    """

    key: str
    title: str
    text: str
    note: str = ""
    status: OpenStatus = OpenStatus("unknown")
    now: bool = False
    recorded: bool = True


def format_contact(contact: Contact | None) -> str:
    """The contact as one plain line: "Name (role), phone, email". A missing contact is
    ``NOT_RECORDED``; a contact with neither phone nor email says so."""
    if contact is None:
        return NOT_RECORDED
    head = contact.name + (f" ({contact.role})" if contact.role else "")
    parts = [head, *(x for x in (contact.phone, contact.email) if x)]
    if not contact.phone and not contact.email:
        parts.append("phone and email not recorded")
    return ", ".join(parts)


def _closed_on(contact: Contact, day: datetime) -> bool:
    d = day.date()
    return d in contact.closed_dates or (is_bank_holiday(d) and not contact.open_on_bank_holidays)


def _blocks_on(contact: Contact, day: datetime) -> list[tuple[time, time]]:
    if _closed_on(contact, day):
        return []
    name = DAYS[day.weekday()]
    return sorted(
        (time.fromisoformat(b.opens), time.fromisoformat(b.closes))
        for b in contact.hours
        if name in b.days
    )


def open_status(contact: Contact | None, moment: datetime) -> OpenStatus:
    """Whether ``contact`` answers at ``moment`` (aware), by its hours in UK time."""
    if contact is None or not contact.hours:
        return OpenStatus("unknown")
    local = uk_local(moment)
    for opens, closes in _blocks_on(contact, local):
        if opens <= local.time() < closes:
            return OpenStatus("open", until=datetime.combine(local.date(), closes))
    for ahead in range(15):
        day = local + timedelta(days=ahead)
        for opens, _closes in _blocks_on(contact, day):
            start = datetime.combine(day.date(), opens)
            if start > local:
                return OpenStatus("closed", opens=start)
    return OpenStatus("closed")


def when_words(at: datetime, now_local: datetime) -> str:
    """'17:00', 'tomorrow 09:00' or 'Monday 09:00' (UK time)."""
    clock = at.strftime("%H:%M")
    if at.date() == now_local.date():
        return clock
    if at.date() == now_local.date() + timedelta(days=1):
        return f"tomorrow {clock}"
    return f"{at.strftime('%A')} {clock}"


def status_note(status: OpenStatus, moment: datetime) -> str:
    """The hours note in words: "Open now until 17:00", "Closed now: opens Monday 09:00"."""
    local = uk_local(moment)
    if status.state == "open" and status.until is not None:
        return f"Open now until {when_words(status.until, local)}"
    if status.state == "closed":
        if status.opens is None:
            return "Closed now"
        return f"Closed now: opens {when_words(status.opens, local)}"
    return ""


def _line(key: str, contact: Contact | None, moment: datetime, title: str = "") -> ContactLine:
    status = open_status(contact, moment)
    return ContactLine(
        key=key,
        title=title or TITLES.get(key, key.replace("_", " ").capitalize()),
        text=format_contact(contact),
        note=status_note(status, moment),
        status=status,
        recorded=contact is not None,
    )


def front_door_lines(contacts: Contacts, moment: datetime) -> list[ContactLine]:
    """The front door and the out-of-hours service, the one to ring now first.

    Closed front door: the Emergency Duty Team first, marked ``now``. Open: the front door,
    marked ``now``, then the out-of-hours service for later. Hours not recorded: both, front
    door first, neither marked, and the note says the hours are not recorded.
    """
    door = _line("front_door", contacts.front_door, moment)
    edt = _line("out_of_hours", contacts.out_of_hours, moment)
    later = "When the front door is closed" if edt.recorded and not edt.note else edt.note
    state = door.status.state
    if state == "closed":
        ring = "Ring this number while the front door is closed"
        return [_with(edt, now=True, note=ring if edt.recorded and not edt.note else None), door]
    if state == "open":
        return [_with(door, now=True), _with(edt, note=later)]
    if door.recorded:
        door = _with(door, note="Opening hours not recorded")
    return [door, _with(edt, note=later)]


def _with(line: ContactLine, *, now: bool | None = None, note: str | None = None) -> ContactLine:
    return replace(
        line, now=line.now if now is None else now, note=line.note if note is None else note
    )


def contact_lines(contacts: Contacts, keys: Iterable[str], moment: datetime) -> list[ContactLine]:
    """The lines for ``keys`` (policy contact keys, in order) at ``moment``.

    ``dsl`` gives one line per DSL; ``front_door`` gives the front door and the out-of-hours
    service (``front_door_lines``), so ``out_of_hours`` after it is not repeated. A key the
    policy has no contact for gives a line that says ``NOT_RECORDED``.
    """
    lines: list[ContactLine] = []
    done: set[str] = set()
    for key in keys:
        if key in done:
            continue
        done.add(key)
        if key == "dsl":
            people = list(contacts.dsl)
            if not people:
                lines.append(_line("dsl", None, moment))
            lines += [_line("dsl", person, moment) for person in people]
        elif key == "front_door":
            lines += front_door_lines(contacts, moment)
            done.add("out_of_hours")
        else:
            value = getattr(contacts, key, None)
            lines.append(_line(key, value if isinstance(value, Contact) else None, moment))
    return lines


def line_text(line: ContactLine) -> str:
    """A line in words for plain text (the command line): "Title: text (note)"."""
    note = f" ({line.note})" if line.note else ""
    mark = "Ring now: " if line.now else ""
    return f"{mark}{line.title}: {line.text}{note}"


__all__ = [
    "NOT_RECORDED",
    "TITLES",
    "ContactLine",
    "OpenStatus",
    "contact_lines",
    "format_contact",
    "front_door_lines",
    "line_text",
    "open_status",
    "status_note",
]
