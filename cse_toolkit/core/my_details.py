"""My details: how a person wants to appear as the referrer or submitter on a pack.

Each user records their name as it should appear, job title, agency, work phone and secure
email (issue 14 item 3). The vault keeps them per user, encrypted with everything else
(``vault/user_details.py``); packs print them as the referrer's or submitter's contact, and a
value not recorded reads "Not recorded" (never a placeholder).

Plain Python: the checks here are shared by the first-run page, the "My details" dialog and
``cse-toolkit user set-details``, so each says the same thing about the same mistake.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

MAX_FIELD = 200

FIELD_LABELS: dict[str, str] = {
    "name": "Name as it should appear",
    "job_title": "Job title",
    "agency": "Agency",
    "phone": "Work phone",
    "email": "Secure email",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,30}(?:\s*(?:ext\.?|x)\s*[0-9]{1,6})?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class MyDetails:
    """One person's contact details as they want them printed; "" where not recorded."""

    name: str = ""
    job_title: str = ""
    agency: str = ""
    phone: str = ""
    email: str = ""

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def missing(self) -> list[str]:
        """The labels of the fields not recorded, in form order."""
        return [FIELD_LABELS[f.name] for f in fields(self) if not getattr(self, f.name)]

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    def updated(self, **values: str | None) -> MyDetails:
        """A copy with the given fields changed (None keeps a field as it is)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


def field_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(MyDetails))


def from_json(data: Any) -> MyDetails:
    """Details from what the vault stored; anything odd is dropped, never raised."""
    if not isinstance(data, dict):
        return MyDetails()
    values = {
        name: str(data[name])[:MAX_FIELD]
        for name in field_names()
        if isinstance(data.get(name), str)
    }
    return MyDetails(**values)


def tidy(value: str) -> str:
    """Whitespace at the ends and runs of spaces removed; line breaks become spaces."""
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def problems(details: MyDetails) -> list[str]:
    """What is wrong with the details, each a sentence saying what to do; [] when fine."""
    out: list[str] = []
    for f in fields(details):
        value: str = getattr(details, f.name)
        label = FIELD_LABELS[f.name]
        if len(value) > MAX_FIELD:
            out.append(f"{label} is longer than {MAX_FIELD} characters: shorten it.")
        if _CONTROL.search(value):
            out.append(f"{label} holds a control character: type it again.")
    if details.phone and not _PHONE.match(details.phone):
        out.append(
            "Work phone should be a phone number, for example 01905 123456 or +44 1905 123456."
        )
    if details.email and not _EMAIL.match(details.email):
        out.append("Secure email should be an email address, for example sam.lee@agency.gov.uk.")
    return out


def cleaned(details: MyDetails) -> MyDetails:
    """Every field tidied (see ``tidy``)."""
    return MyDetails(**{name: tidy(getattr(details, name)) for name in field_names()})
