"""Police-style export lines (the Sandwell/WMP pattern) and the closing marker."""

from __future__ import annotations

from cse_toolkit.core.intelligence.entities import (
    Entity,
    Financial,
    OnlineIdentity,
    Person,
    Phone,
    Vehicle,
    Weapon,
)
from cse_toolkit.core.intelligence.report import IntelReport
from cse_toolkit.core.intelligence.values import CLOSING_MARKER, is_closing_marker

# Police-style export lines
# ---------------------------------------------------------------------------------------------


def format_person_line(person: Person) -> str:
    """``SMITH John aka Jonno DOB 01/02/1990 of 1 High St`` (the Sandwell/WMP pattern)."""
    parts = [p for p in (person.surname.upper(), person.forenames) if p]
    if person.nickname:
        parts.append(f"aka {person.nickname}" if parts else person.nickname)
    if person.dob is not None:
        parts.append(f"DOB {person.dob.strftime('%d/%m/%Y')}")
    elif person.age_range is not None:
        parts.append(f"aged {person.age_range}")
    else:
        parts.append("DOB not known")
    if person.address:
        parts.append(f"of {person.address}")
    return " ".join(parts)


def format_fact_line(person: Person | None, fact: str) -> str:
    """A self-contained fact line: the person's line, then the fact."""
    fact = " ".join(fact.split())
    return f"{format_person_line(person)} {fact}" if person is not None else fact


def format_vehicle_line(vehicle: Vehicle) -> str:
    """``VRM: AB12 ABC silver Ford Focus``."""
    what = " ".join(p for p in (vehicle.colour, vehicle.make, vehicle.model) if p)
    line = f"VRM: {vehicle.vrm or 'not known'}"
    return f"{line} {what}" if what else line


def format_entity_line(entity: Entity) -> str:
    if isinstance(entity, Person):
        return format_person_line(entity)
    if isinstance(entity, Vehicle):
        return format_vehicle_line(entity)
    if isinstance(entity, Phone):
        return f"Phone: {entity.display()}"
    if isinstance(entity, OnlineIdentity):
        return f"Online: {entity.display()}"
    if isinstance(entity, Financial):
        return f"Money: {entity.display()}"
    if isinstance(entity, Weapon):
        return f"Weapon: {entity.display()}"
    return f"Location: {entity.display()}"


def facts_for_export(report: IntelReport) -> list[str]:
    """The facts as sent: blank lines dropped, and the closing marker as the last line only when
    the worker confirmed there is nothing more (a marker typed as a fact is not sent)."""
    lines = [" ".join(f.split()) for f in report.facts if f.strip() and not is_closing_marker(f)]
    if report.closing_confirmed:
        lines.append(CLOSING_MARKER)
    return lines
