"""Domain entities: plain dataclasses, no Qt and no storage details.

Times are aware UTC datetimes in memory and ISO 8601 ``...Z`` text in storage and packs. Every
record carries ``id`` (UUID) and ``version`` so packs can be merged by record later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

Role = Literal["worker", "dsl", "admin"]
ROLES: tuple[Role, ...] = ("worker", "dsl", "admin")
NoteSource = Literal["first_hand", "reported"]
NOTE_CATEGORIES: tuple[str, ...] = (
    "observation",
    "conversation with the child",
    "information from another agency",
    "information from family",
    "online activity",
    "missing episode",
    "health",
    "education",
    "contact attempt",
    "other",
)


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: Role
    display_name: str = ""
    agency: str = ""
    contact: str = ""
    active: bool = True

    @property
    def label(self) -> str:
        return self.display_name or self.name


@dataclass
class Child:
    id: str
    ref: str
    owner_id: str
    version: int = 1
    name: str = ""
    alias: str = ""
    dob: date | None = None
    approx_age: int | None = None
    approx_age_on: date | None = None
    gender: str = ""
    ethnicity: str = ""
    school: str = ""
    address: str = ""
    household: str = ""
    parental_responsibility: str = ""
    learning_disability: bool = False
    additional_needs: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    confirmed_level: str | None = None
    level_tool: str | None = None
    status: str = "open"
    created_at: str = ""
    updated_at: str = ""
    origin: str = ""

    @property
    def display_name(self) -> str:
        if self.name and self.alias:
            return f"{self.name} ({self.alias})"
        return self.name or self.alias or self.ref

    def age_on(self, day: date) -> int | None:
        """Whole years on ``day``: from the date of birth, else from the approximate age."""
        if self.dob is not None:
            years = day.year - self.dob.year
            if (day.month, day.day) < (self.dob.month, self.dob.day):
                years -= 1
            return years
        if self.approx_age is not None:
            since = self.approx_age_on or day
            return self.approx_age + max(0, (day - since).days // 365)
        return None


@dataclass
class Note:
    id: str
    child_id: str
    author_id: str
    event_at: datetime
    body: str
    place: str = ""
    category: str = "observation"
    source: NoteSource = "first_hand"
    reported_by: str = ""
    version: int = 1
    created_at: str = ""
    updated_at: str = ""
    origin: str = ""


AMENDMENT_KINDS = ("addendum", "correction")


@dataclass
class NoteAmendment:
    """Added to a saved note: the note keeps its words; this is shown (and exported) with it."""

    id: str
    note_id: str
    kind: str  # "addendum" | "correction"
    body: str
    reason: str
    author_id: str
    created_at: str


@dataclass
class Draft:
    id: str
    kind: str
    target_id: str | None
    payload: dict[str, Any]
    updated_at: str


@dataclass
class MissingEpisode:
    id: str
    child_id: str
    from_at: datetime
    to_at: datetime | None = None
    where_found: str = ""
    return_interview: str = ""
    notes: str = ""
    version: int = 1
    created_by: str = ""
    # Issue 18: the statutory guidance's facts (older episodes have none of them).
    reported_at: datetime | None = None  # reported missing to the police
    police_ref: str = ""
    returned_by: str = ""  # who found or brought the child back


@dataclass
class StepRecord:
    id: str
    child_id: str
    pathway_id: str
    step_id: str
    status: Literal["done", "not_applicable"]
    event_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    created_by: str = ""
    version: int = 1
    created_at: datetime | None = None  # when it was written down (the engine's order)


@dataclass
class ScreeningRecord:
    id: str
    child_id: str
    tool_id: str
    tool_version: str
    screened_at: datetime
    input: dict[str, Any]
    outcome: dict[str, Any] | None = None
    suggested_level: str | None = None
    confirmed_level: str | None = None
    confirmed_by: str | None = None
    confirmed_at: str | None = None
    confirm_reason: str = ""
    status: str = "in_progress"
    created_by: str = ""
    version: int = 1


@dataclass(frozen=True)
class ChronologyItem:
    """One line of a child's timeline, whatever it came from."""

    at: datetime
    kind: Literal[
        "note", "screening", "step", "missing", "intelligence", "export", "attachment", "incident"
    ]
    record_id: str
    title: str
    detail: str = ""
    by: str = ""  # who recorded it (a user's name, or the sender's for an imported record)
    origin: str = ""  # "" when recorded in this vault; else the id of the pack it came in


@dataclass(frozen=True)
class ImportOrigin:
    """Where an imported record came from."""

    pack_id: str
    kind: str
    sender: str
    organisation: str
    imported_at: str
