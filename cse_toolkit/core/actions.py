"""Actions and incidents as entities, and their rules (no I/O, no SQL, no Qt).

An *action* is something a named person of this vault has to do by a date ("DSL to phone the
school by Friday"), about a child or an incident. It is overdue exactly as a pathway step is:
when the clock's now is past its due time (``core.pathway``'s ``now > due_at``), with the same
clock object, so tests and the app agree.

An *incident* is one note or intelligence fact about several children at once (a party, a car
seen collecting three children). Each linked child's chronology shows it once; the other
children are named only where the viewer may see them (``other_children_words``).

A missing episode's return gives a *return-interview action* due 72 hours after the return
(statutory guidance on children who run away or go missing from home or care).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

RETURN_INTERVIEW_HOURS = 72
RETURN_INTERVIEW = "return_interview"

ActionStatus = Literal["open", "done"]
IncidentKind = Literal["note", "intelligence"]
INCIDENT_KINDS: tuple[IncidentKind, ...] = ("note", "intelligence")


def return_interview_due(returned_at: datetime) -> datetime:
    """When the independent return interview is due: 72 hours after the child returned."""
    return returned_at + timedelta(hours=RETURN_INTERVIEW_HOURS)


def is_overdue(due_at: datetime, now: datetime) -> bool:
    """The pathway's rule for a due date, for actions too."""
    return now > due_at


@dataclass(frozen=True)
class Action:
    id: str
    title: str
    assignee: str  # a user id here, or "import:<name>" for an action that came in a pack
    assignee_label: str
    due_at: datetime
    child_id: str | None
    incident_id: str | None = None
    missing_id: str | None = None
    kind: str = ""  # "" or RETURN_INTERVIEW
    status: ActionStatus = "open"
    done_at: datetime | None = None
    done_by: str = ""
    done_note: str = ""
    created_by: str = ""  # the user id of who set it ("import:<name>" from a pack)
    set_by: str = ""  # who set it, in words
    created_at: str = ""
    version: int = 1
    origin: str = ""  # "" made here; else the vault it came from
    child_ref: str = ""
    child_label: str = ""

    def overdue(self, now: datetime) -> bool:
        return self.status == "open" and is_overdue(self.due_at, now)

    def days(self, now: datetime) -> int:
        """Whole days overdue, or until due (the queue's figure)."""
        return (now - self.due_at).days if self.overdue(now) else (self.due_at - now).days


@dataclass(frozen=True)
class Incident:
    id: str
    kind: IncidentKind
    event_at: datetime
    body: str
    place: str = ""
    author_id: str = ""
    child_ids: tuple[str, ...] = ()
    # Children named in a pack that are not kept in this vault (names only when the sender
    # chose to name them; otherwise just how many).
    elsewhere_names: tuple[str, ...] = ()
    elsewhere_count: int = 0
    version: int = 1
    origin: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class OtherChildren:
    """The other children of an incident as one viewer may see them."""

    named: tuple[str, ...] = ()
    unnamed: int = 0

    @property
    def total(self) -> int:
        return len(self.named) + self.unnamed


@dataclass(frozen=True)
class Viewer:
    """Who is looking: what decides whether another child of an incident is named."""

    user_id: str
    is_dsl: bool
    visible_child_ids: frozenset[str] = field(default_factory=frozenset)


def other_children(
    incident: Incident,
    this_child: str,
    viewer: Viewer,
    labels: dict[str, str],
    *,
    local_vault: str,
) -> OtherChildren:
    """The incident's children other than ``this_child``, named only where the viewer may see
    them: a DSL, and the incident's author in the vault it was written in, see every name;
    anyone else sees the children they may see by name and the rest as a number."""
    author_here = incident.author_id == viewer.user_id and incident.origin in ("", local_vault)
    named: list[str] = []
    unnamed = 0
    for cid in incident.child_ids:
        if cid == this_child:
            continue
        if viewer.is_dsl or author_here or cid in viewer.visible_child_ids:
            named.append(labels.get(cid, cid))
        else:
            unnamed += 1
    named += incident.elsewhere_names
    unnamed += incident.elsewhere_count
    return OtherChildren(tuple(named), unnamed)


def other_children_words(others: OtherChildren) -> str:
    """'Also about: A, B and 2 other children' (plain English; the GUI translates its own)."""
    parts = list(others.named)
    if others.unnamed:
        parts.append("1 other child" if others.unnamed == 1 else f"{others.unnamed} other children")
    if not parts:
        return ""
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Also about: {text}"
