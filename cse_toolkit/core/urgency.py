"""Risk first: how urgently a child's case needs the DSL, as one rank and a flag in words.

The order (issue 13, agreed with DSLs):

0. **Immediate danger**: the danger check said yes (999 called) and the strategy meeting has not
   been held yet, or the level driving the case is "immediate".
1. **Overdue** actions on a child at a high level (High, Significant, Serious).
2. **New high**: a child at a high level whose latest screening the DSL has not signed off yet,
   or that was confirmed in the last ``NEW_DAYS`` days.
3. Everything else, soonest due date first (overdue dates are the soonest).

The rank is also a sentence (``Urgency.text``), so a list can show it as text and not only as
colour, and a screen reader reads it. No Qt here: the child list, the review queue and the
command line all call ``urgency()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.core.pathway import CaseState, DueItem, StepRecord

IMMEDIATE, OVERDUE_HIGH, NEW_HIGH, OTHER = range(4)
HIGH_LEVELS = frozenset({"high", "significant", "serious", "immediate"})
NEW_DAYS = 14
_FAR = datetime.max.replace(tzinfo=UTC)

Flag = Literal["immediate_danger", "overdue", "new_high", ""]


@dataclass(frozen=True)
class Urgency:
    rank: int  # IMMEDIATE, OVERDUE_HIGH, NEW_HIGH or OTHER
    flag: Flag
    text: str  # the flag in words, e.g. "Immediate danger: 999 called at 14:05 on 3 Dec 2026"
    due_at: datetime | None = None  # the first due date, if any
    called_999_at: datetime | None = None
    overdue_label: str = ""  # the first overdue item's label

    @property
    def needs_action_now(self) -> bool:
        """The "needs action now" filter: immediate danger, overdue, or a new high level."""
        return self.rank < OTHER or (self.due_at is not None and self.flag == "overdue")

    def sort_key(self) -> tuple[int, datetime]:
        return (self.rank, self.due_at or _FAR)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "flag": self.flag,
            "text": self.text,
            "due_at": self.due_at.isoformat().replace("+00:00", "Z") if self.due_at else None,
            "needs_action_now": self.needs_action_now,
        }


def _moment(at: datetime) -> str:
    local = at.astimezone(UTC)
    return f"{local:%H:%M} on {local.day} {local:%b %Y} UTC"


def _danger_call(state: CaseState, records: Sequence[StepRecord]) -> tuple[bool, datetime | None]:
    """(immediate danger still open, when 999 was called if recorded)."""
    danger = [
        r
        for r in records
        if r.step == "danger_check" and r.status == "done" and r.data.get("immediate_danger")
    ]
    open_danger = state.route == "immediate" and state.current == "strategy_meeting"
    if not open_danger and state.level != "immediate":
        return False, None
    called: datetime | None = None
    if danger:
        value = danger[-1].data.get("called_999_at")
        if isinstance(value, str) and value:
            try:
                called = parse_utc(value)
            except ValueError:
                called = None
    return True, called


def urgency_level(child_level: str | None, state: CaseState) -> str | None:
    """The level a case's urgency is judged on: the child's level, which already follows rule
    R7 (``core.screening.driving_level``, applied when a screening is confirmed or signed off:
    a lowered level awaiting sign-off leaves the suggestion in force), else the level the
    pathway recorded (a danger check's "immediate", a decide step)."""
    return child_level or state.level


def urgency(
    state: CaseState,
    records: Sequence[StepRecord],
    level: str | None,
    now: datetime,
    *,
    latest_screening_status: str | None = None,
    latest_screening_at: datetime | None = None,
    due: Sequence[DueItem] | None = None,
) -> Urgency:
    """How urgently this case needs action (see the module doc).

    ``level`` is the level that drives the case (the confirmed level, or the one the pathway
    recorded); ``latest_screening_*`` say whether the DSL has signed off the latest screening;
    ``due`` replaces ``state.due`` (the same items with ``overdue`` worked out again as of
    ``now``, for a cached state).
    """
    items = list(state.due if due is None else due)
    first_due = min((d.due_at for d in items), default=None)
    danger, called = _danger_call(state, records)
    if danger or level == "immediate":
        text = (
            f"Immediate danger: 999 called at {_moment(called)}"
            if called is not None
            else "Immediate danger: the time 999 was called is not recorded"
        )
        return Urgency(IMMEDIATE, "immediate_danger", text, first_due, called)
    high = (level or state.level or "") in HIGH_LEVELS
    overdue = sorted((d for d in items if d.overdue), key=lambda d: d.due_at)
    if high and overdue:
        item = overdue[0]
        text = f"Overdue since {item.due_at:%d %b %Y}: {item.label}"
        return Urgency(OVERDUE_HIGH, "overdue", text, item.due_at, overdue_label=item.label)
    if high:
        recent = latest_screening_at is not None and now - latest_screening_at <= timedelta(
            days=NEW_DAYS
        )
        if latest_screening_status == "confirmed" or recent:
            return Urgency(
                NEW_HIGH,
                "new_high",
                "New high level: not yet reviewed by the DSL"
                if latest_screening_status == "confirmed"
                else "New high level",
                first_due,
            )
    if overdue:
        item = overdue[0]
        return Urgency(
            OTHER,
            "overdue",
            f"Overdue since {item.due_at:%d %b %Y}: {item.label}",
            item.due_at,
            overdue_label=item.label,
        )
    return Urgency(OTHER, "", "", first_due)
