"""The step-by-step pathway as data, and the engine that says where a case stands.

A pathway file (TOML, under ``resources/pathways/``) lists the steps in order of use, what each
step records (field definitions a form can be generated from), the transitions between steps
(some depend on a recorded answer or on the confirmed level), the routes those transitions take
(e.g. "Early Help", "Referral"), and the timescales that turn into due dates.

The engine (``case_state``) replays a case's recorded steps and returns a ``CaseState``: what is
done, the current step, the steps still to come on this route, what can be recorded now, and the
due and overdue items. ``record_step`` refuses a step whose turn has not come (steps cannot be
skipped), unless the skipped step is first recorded as not applicable, with a reason.

The one intended cycle is the review loop (``review -> screen``): it is declared as a loop edge
(``loop = true``) and starts a new cycle of the case; any other cycle is an error in the file.

For the GUI step tracker: ``Pathway.steps`` (``title``, ``help``, ``fields``), and
``CaseState.done`` / ``current`` / ``open`` / ``available`` / ``due`` / ``overdue``.

Time comes from a ``Clock``; nothing here reads the system time. This module is Qt-free.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cse_toolkit.core.clock import Clock, utc_iso
from cse_toolkit.core.datafile import (
    line_of,
    toml_key_lines,
)
from cse_toolkit.core.uk_time import end_of_uk_day
from cse_toolkit.errors import UserError

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
PathwayId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]
FieldType = Literal["text", "date", "datetime", "bool", "choice", "level"]
StepStatus = Literal["done", "not_applicable"]
Unit = Literal["hours", "days", "weeks", "working_days", "end_of_day"]
Provenance = Literal["published", "to_confirm"]


class PathwayError(UserError):
    """A step cannot be recorded as asked; the message says what to do instead."""


class StepOrderError(PathwayError):
    """A step was recorded before its turn (steps cannot be skipped)."""


class StepDataError(PathwayError):
    """A step's recorded data is missing a required field or has a wrong value."""


class PathwayFileError(UserError):
    """A pathway file cannot be read or does not pass its checks."""


class PathwayNotFound(UserError):
    """No such pathway (or version) is installed."""


class _Entity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldDef(_Entity):
    """One thing a step records; enough to generate a form control."""

    id: Id
    label: Text
    type: FieldType
    required: bool = False
    help: str = ""
    options: list[Text] = Field(default_factory=list, description="for type = choice")


class Transition(_Entity):
    """An edge to the next step, taken when its condition holds (no condition: always).

    ``if_field``/``equals`` test a field recorded at this step; ``if_level`` tests the level in
    force; ``if_route`` the route the case is on. ``route`` names the route the case is on from
    here; ``sets_level`` fixes the level (immediate danger). ``loop`` marks the one intended
    back edge (review -> screen).
    """

    to: Id
    if_field: Id | None = None
    equals: bool | str | None = None
    if_level: list[Id] | None = None
    if_route: list[Id] | None = None
    route: Id | None = None
    sets_level: Id | None = None
    loop: bool = False

    @property
    def conditional(self) -> bool:
        return self.if_field is not None or self.if_level is not None or self.if_route is not None


class Step(_Entity):
    """A pathway step. ``offered`` steps (share intelligence) can be recorded at any time."""

    id: Id
    title: Text
    help: str = ""
    may_skip: bool = Field(
        default=True, description="may be recorded as not applicable, with a reason"
    )
    offered: bool = False
    fields: list[FieldDef] = Field(default_factory=list)
    next: list[Transition] = Field(default_factory=list)
    # ``to_confirm``: no local source gives this step or its name; the partnership checks it.
    provenance: Provenance = "published"
    source: str = ""

    def field_def(self, field_id: str) -> FieldDef | None:
        for f in self.fields:
            if f.id == field_id:
                return f
        return None


class Route(_Entity):
    id: Id
    name: Text
    levels: list[Id] = Field(default_factory=list)


class Timescale(_Entity):
    """A due date: ``amount`` (or ``amount_by_level``) ``unit`` after a ``starts`` step;
    ``end_of_day`` is the guidance's "today": the end of the UK day, ``amount`` days later.

    The item is met when ``ends_step`` is done later in the same cycle or the start step's data
    has ``ends_field`` set. ``only_if_field``/``only_if_equals`` limit it to some cases (a phone
    referral needs written confirmation).
    """

    id: Id
    label: Text
    starts: list[Id] = Field(min_length=1)
    unit: Unit
    amount: int | None = Field(default=None, ge=0)
    amount_by_level: dict[str, int] = Field(default_factory=dict)
    ends_step: Id | None = None
    ends_field: Id | None = None
    only_if_field: Id | None = None
    only_if_equals: bool | str | None = None
    source: str = ""
    provenance: Provenance = "published"


class Pathway(_Entity):
    """A validated pathway. Build with ``catalogue.load_pathway`` / ``load_pathway_file``."""

    id: PathwayId
    version: Annotated[str, Field(pattern=r"^\d+(\.\d+)*$")]
    name: Text
    area: Text
    about: Text
    source: str = ""
    start: Id
    routes: list[Route] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    timescales: list[Timescale] = Field(default_factory=list)

    @property
    def step_ids(self) -> list[str]:
        return [s.id for s in self.steps]

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def route(self, route_id: str) -> Route | None:
        for r in self.routes:
            if r.id == route_id:
                return r
        return None

    def route_for_level(self, level: str) -> Route | None:
        for r in self.routes:
            if level in r.levels:
                return r
        return None

    def review_interval(self, level: str, timescale_id: str = "review") -> tuple[int, str] | None:
        """(amount, unit) of a level's review interval, if the pathway sets one."""
        for ts in self.timescales:
            if ts.id == timescale_id:
                amount = ts.amount_by_level.get(level, ts.amount)
                return None if amount is None else (amount, ts.unit)
        return None


# --- recorded steps -------------------------------------------------------------------------


class StepRecord(BaseModel):
    """One recorded step of a case, as the vault stores it.

    ``recorded_at`` is when it was written down; ``event_at`` when it happened, if different
    (due dates count from the event). A not-applicable step needs a ``reason``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: Id
    status: StepStatus = "done"
    recorded_at: datetime
    event_at: datetime | None = None
    recorded_by: str = ""
    reason: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    # Where the record came from: "" when recorded in this vault, else the id of the pack it
    # was imported from. ``summary`` is the sender's own summary of an imported step (packs of
    # format 1 carried only that, not the fields).
    origin: str = ""
    summary: str = ""

    @field_validator("recorded_at", "event_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a time zone (UTC)")
        return value

    @property
    def happened_at(self) -> datetime:
        return self.event_at or self.recorded_at


def validate_step_data(step: Step, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check a step's data against its fields; returns it normalised to JSON-stable values.

    Dates become ``YYYY-MM-DD``; datetimes become UTC ``...Z`` text. Raises ``StepDataError``
    naming every problem.
    """
    problems: list[str] = []
    known = {f.id for f in step.fields}
    for key in data:
        if key not in known:
            problems.append(f"'{key}' is not something this step records")
    out: dict[str, Any] = {}
    for f in step.fields:
        value = data.get(f.id)
        if value is None or value == "":
            if f.required:
                problems.append(f"{f.label} is required")
            continue
        try:
            out[f.id] = _normalise(f, value)
        except ValueError as exc:
            problems.append(f"{f.label}: {exc}")
    if problems:
        raise StepDataError(f"'{step.title}' cannot be recorded: " + "; ".join(problems) + ".")
    return out


def _normalise(f: FieldDef, value: Any) -> Any:
    if f.type == "text":
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value
    if f.type == "bool":
        if not isinstance(value, bool):
            raise ValueError("must be yes or no (true/false)")
        return value
    if f.type == "choice":
        if value not in f.options:
            raise ValueError(f"must be one of {', '.join(f.options)}")
        return value
    if f.type == "level":
        if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError("must be a level id such as 'medium'")
        return value
    if f.type == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str):
            try:
                return date.fromisoformat(value).isoformat()
            except ValueError:
                pass
        raise ValueError("must be a date like 2026-11-23")
    # datetime
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError("must be a date and time like 2026-11-23T14:30:00Z") from exc
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError("must be a date and time with a time zone, like 2026-11-23T14:30:00Z")
    return utc_iso(value)


# --- the engine -----------------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    """A step as the tracker shows it."""

    id: str
    title: str
    status: Literal["done", "not_applicable", "current", "open", "offered"]
    recorded_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class DueItem:
    """Something with a due date that is not met yet."""

    id: str
    label: str
    step: str
    due_at: datetime
    overdue: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "step": self.step,
            "due_at": utc_iso(self.due_at),
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class SetAside:
    """A recorded step the engine could not accept (an imported record, usually): shown
    read-only with ``problem`` in plain words; it does not move the case on."""

    step: str
    title: str
    record: StepRecord
    problem: str


@dataclass(frozen=True)
class CaseState:
    """Where a case stands on the pathway at ``as_of``."""

    pathway: str
    pathway_version: str
    as_of: datetime
    cycle: int  # 1 for the first pass; +1 each time a review loops back to screening
    level: str | None
    route: str | None  # route id, e.g. "refer"
    route_name: str | None
    done: list[StepView]  # this cycle's recorded steps (and the steps before the loop), in order
    current: str | None  # the step to record next (None: the route ended without a loop)
    open: list[StepView]  # current and the steps still ahead on this route
    available: list[StepView]  # what can be recorded now: current + offered steps
    due: list[DueItem] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)

    @property
    def overdue(self) -> list[DueItem]:
        return [d for d in self.due if d.overdue]

    @property
    def next_steps(self) -> list[StepView]:
        """What can be recorded now (the current step, then the offered ones)."""
        return list(self.available)

    @property
    def done_ids(self) -> list[str]:
        return [s.id for s in self.done]

    @property
    def open_ids(self) -> list[str]:
        return [s.id for s in self.open]

    def to_dict(self) -> dict[str, Any]:
        def view(v: StepView) -> dict[str, Any]:
            return {
                "id": v.id,
                "title": v.title,
                "status": v.status,
                "recorded_at": utc_iso(v.recorded_at) if v.recorded_at else None,
                "reason": v.reason,
            }

        return {
            "pathway": self.pathway,
            "pathway_version": self.pathway_version,
            "as_of": utc_iso(self.as_of),
            "cycle": self.cycle,
            "level": self.level,
            "route": self.route,
            "route_name": self.route_name,
            "done": [view(v) for v in self.done],
            "current": self.current,
            "open": [view(v) for v in self.open],
            "available": [view(v) for v in self.available],
            "due": [d.to_dict() for d in self.due],
            "overdue": [d.id for d in self.overdue],
            "set_aside": [
                {
                    "step": a.step,
                    "title": a.title,
                    "recorded_at": utc_iso(a.record.happened_at),
                    "origin": a.record.origin,
                    "problem": a.problem,
                }
                for a in self.set_aside
            ],
        }


@dataclass
class _Walk:
    current: str | None
    level: str | None
    route: str | None = None
    cycle: int = 1
    cycle_start: datetime | None = None  # when the latest loop began a new cycle
    # Latest record of each step in this cycle (steps before the loop target keep theirs).
    latest: dict[str, StepRecord] = field(default_factory=dict)
    order: list[StepRecord] = field(default_factory=list)


def _choose(
    step: Step, rec: StepRecord | None, level: str | None, route: str | None
) -> Transition | None:
    data = rec.data if rec is not None and rec.status == "done" else {}
    for t in step.next:
        if t.if_field is not None and data.get(t.if_field) != t.equals:
            continue
        if t.if_level is not None and (level is None or level not in t.if_level):
            continue
        if t.if_route is not None and (route is None or route not in t.if_route):
            continue
        return t
    return None


def _loop_body(pathway: Pathway, target: str) -> set[str]:
    """Steps reachable from a loop target without taking a loop edge: reset on each new cycle."""
    seen: set[str] = set()
    todo = [target]
    while todo:
        sid = todo.pop()
        if sid in seen:
            continue
        seen.add(sid)
        try:
            step = pathway.step(sid)
        except KeyError:
            continue
        todo.extend(t.to for t in step.next if not t.loop)
    return seen


def _level_of(step: Step, rec: StepRecord, confirmed_level: str | None) -> str | None:
    # The level recorded at the step itself (a "level" field) wins; else the case's level.
    for f in step.fields:
        value = rec.data.get(f.id)
        if f.type == "level" and isinstance(value, str) and value:
            return value
    return confirmed_level


def _walk(
    pathway: Pathway,
    records: Sequence[StepRecord],
    confirmed_level: str | None,
    set_aside: list[SetAside] | None = None,
) -> _Walk:
    """Replay ``records``. With a ``set_aside`` list, a record the engine cannot accept is put
    there (with what is wrong, in words) and the replay goes on without it; without one, the
    first such record raises ``PathwayError``."""
    state = _Walk(current=pathway.start, level=None)
    started = False
    for rec in records:
        if set_aside is None:
            _apply(pathway, state, rec, confirmed_level, started)
            started = True
            continue
        # _apply raises before it changes anything, except where a step was already added to
        # ``latest``/``order``: undo exactly that (cheaper than copying the state each time).
        scalars = (state.current, state.level, state.route, state.cycle, state.cycle_start)
        length, had, before = len(state.order), rec.step in state.latest, state.latest.get(rec.step)
        try:
            _apply(pathway, state, rec, confirmed_level, started)
        except PathwayError as exc:
            state.current, state.level, state.route, state.cycle, state.cycle_start = scalars
            del state.order[length:]
            if had:
                state.latest[rec.step] = before  # type: ignore[assignment]
            else:
                state.latest.pop(rec.step, None)
            set_aside.append(_set_aside(pathway, rec, exc))
            continue
        started = True
    if state.level is None:
        state.level = confirmed_level
    return state


def missing_fields(step: Step, data: Mapping[str, Any]) -> list[str]:
    """The labels of the required fields ``data`` lacks (for a read-only note)."""
    return [f.label for f in step.fields if f.required and data.get(f.id) in (None, "")]


def _set_aside(pathway: Pathway, rec: StepRecord, exc: PathwayError) -> SetAside:
    try:
        step = pathway.step(rec.step)
    except KeyError:
        return SetAside(rec.step, rec.step, rec, str(exc))
    problem = str(exc)
    if isinstance(exc, StepDataError) and rec.status == "done":
        missing = missing_fields(step, rec.data)
        if rec.summary and not rec.data:
            problem = (
                "It came from an older pack that carried only a summary, not what was recorded"
                + (f": {', '.join(missing)} missing." if missing else ".")
            )
        elif missing:
            problem = f"Missing: {', '.join(missing)}. " + problem
    return SetAside(step.id, step.title, rec, problem)


def _apply(
    pathway: Pathway,
    state: _Walk,
    rec: StepRecord,
    confirmed_level: str | None,
    started: bool,
) -> None:
    try:
        step = pathway.step(rec.step)
    except KeyError:
        raise PathwayError(f"'{rec.step}' is not a step of the pathway '{pathway.name}'.") from None
    if rec.status == "not_applicable":
        if not step.may_skip:
            raise StepOrderError(
                f"'{step.title}' cannot be marked not applicable: it decides where the case "
                "goes next. Record it instead."
            )
        if not rec.reason.strip():
            raise StepDataError(f"Say why '{step.title}' is not applicable: a reason is required.")
    else:
        validate_step_data(step, rec.data)
    if step.offered:
        if not started:
            first = pathway.step(pathway.start).title
            raise StepOrderError(f"Record '{first}' before '{step.title}'.")
        state.latest[step.id] = rec
        state.order.append(rec)
        return
    if rec.step != state.current:
        if state.current is None:
            raise StepOrderError(f"'{step.title}' cannot be recorded: this case's route has ended.")
        expected = pathway.step(state.current)
        raise StepOrderError(
            f"'{step.title}' cannot be recorded yet: the next step is '{expected.title}'. "
            "Steps cannot be skipped; if that step does not apply, record it as not "
            "applicable with a reason."
        )
    state.latest[step.id] = rec
    state.order.append(rec)
    level = state.level
    if any(t.if_level for t in step.next):
        level = _level_of(step, rec, confirmed_level)
        if level is None and rec.status == "done":
            raise StepDataError(
                f"'{step.title}' needs the confirmed level: confirm the screening's level first."
            )
        state.level = level
    if not step.next:
        state.current = None
        return
    chosen = _choose(step, rec, state.level, state.route)
    if chosen is None:
        raise StepDataError(
            f"After '{step.title}' the pathway has no step for what was recorded "
            f"(level: {state.level or 'not set'}). Check the recorded answers."
        )
    if chosen.sets_level:
        state.level = chosen.sets_level
    if chosen.route:
        state.route = chosen.route
    if chosen.loop:
        state.cycle += 1
        body = _loop_body(pathway, chosen.to)
        state.latest = {k: v for k, v in state.latest.items() if k not in body}
        state.order = [r for r in state.order if r.step not in body]
        state.route = None
        state.cycle_start = rec.happened_at
    state.current = chosen.to


def record_step(
    pathway: Pathway,
    records: Sequence[StepRecord],
    new: StepRecord,
    confirmed_level: str | None = None,
) -> list[StepRecord]:
    """The case's records with ``new`` added, after checking it may be recorded now.

    Raises ``StepOrderError`` for a step whose turn has not come, ``StepDataError`` for
    missing or wrong data (or a not-applicable step without a reason). Returns a new list; the
    step's data is stored normalised (see ``validate_step_data``).
    """
    state = _walk(pathway, records, confirmed_level, [])
    if new.status == "done":
        try:
            step = pathway.step(new.step)
        except KeyError:
            raise PathwayError(f"'{new.step}' is not a step of this pathway.") from None
        new = new.model_copy(update={"data": validate_step_data(step, new.data)})
    _apply(pathway, state, new, confirmed_level, started=bool(state.order))
    return [*records, new]


def _add(start: datetime, amount: int, unit: str) -> datetime:
    if unit == "end_of_day":
        return end_of_uk_day(start, amount)
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "days":
        return start + timedelta(days=amount)
    if unit == "weeks":
        return start + timedelta(weeks=amount)
    # Working days skip Saturdays and Sundays. Bank holidays are not known offline; a due date
    # after one is a day early, which errs on the safe side.
    out = start
    left = amount
    while left > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            left -= 1
    return out


def _due_items(pathway: Pathway, state: _Walk, now: datetime) -> list[DueItem]:
    items: list[DueItem] = []
    for ts in pathway.timescales:
        starts = [state.latest[s] for s in ts.starts if s in state.latest]
        # Only this cycle's records start a clock: a review resets the due dates.
        starts = [
            r
            for r in starts
            if r.status == "done"
            and (state.cycle_start is None or r.happened_at >= state.cycle_start)
        ]
        if not starts:
            continue
        start = max(starts, key=lambda r: r.happened_at)
        if ts.only_if_field is not None and start.data.get(ts.only_if_field) != ts.only_if_equals:
            continue
        amount = ts.amount
        if ts.amount_by_level:
            amount = ts.amount_by_level.get(state.level or "", ts.amount)
        if amount is None:
            continue
        if ts.ends_field is not None and start.data.get(ts.ends_field) not in (None, "", False):
            continue
        if ts.ends_step is not None:
            end = state.latest.get(ts.ends_step)
            if end is not None and end.happened_at >= start.happened_at:
                continue
        due = _add(start.happened_at.astimezone(UTC), amount, ts.unit)
        items.append(
            DueItem(
                id=ts.id,
                label=ts.label,
                step=ts.ends_step or start.step,
                due_at=due,
                overdue=now > due,
            )
        )
    items.sort(key=lambda d: d.due_at)
    return items


def _path_ahead(
    pathway: Pathway, current: str | None, level: str | None, route: str | None
) -> list[str]:
    ahead: list[str] = []
    sid = current
    while sid is not None and sid not in ahead:
        ahead.append(sid)
        step = pathway.step(sid)
        if any(t.if_field is not None for t in step.next):
            # A step whose answer decides the way on (danger check, the social care decision)
            # with nothing recorded yet: the path beyond it is not known, so the tracker stops.
            break
        chosen = _choose(step, None, level, route) if step.next else None
        if chosen is None:
            unconditional = [t for t in step.next if not t.conditional]
            chosen = unconditional[0] if unconditional else None
        if chosen is None or chosen.loop:
            break
        sid = chosen.to
    return ahead


def case_state(
    pathway: Pathway,
    records: Sequence[StepRecord],
    clock: Clock,
    confirmed_level: str | None = None,
) -> CaseState:
    """Replay ``records`` (in the order recorded) and say where the case stands now.

    ``confirmed_level`` is the level confirmed for the case's latest screening; a level
    recorded at the decide step takes precedence within its cycle. A record the engine cannot
    accept (an imported step without its fields, one out of order) does not stop the replay: it
    is listed in ``set_aside`` with what is wrong, and the case stands where the others put it.
    """
    set_aside: list[SetAside] = []
    state = _walk(pathway, records, confirmed_level, set_aside)
    now = clock.now()
    done = [
        StepView(
            id=r.step,
            title=pathway.step(r.step).title,
            status=r.status,
            recorded_at=r.recorded_at,
            reason=r.reason,
        )
        for r in state.order
    ]
    ahead = _path_ahead(pathway, state.current, state.level, state.route)
    open_views = [
        StepView(id=s, title=pathway.step(s).title, status="current" if i == 0 else "open")
        for i, s in enumerate(ahead)
    ]
    available = list(open_views[:1])
    if records:
        available += [
            StepView(id=s.id, title=s.title, status="offered") for s in pathway.steps if s.offered
        ]
    route = pathway.route(state.route) if state.route else None
    return CaseState(
        pathway=pathway.id,
        pathway_version=pathway.version,
        as_of=now,
        cycle=state.cycle,
        level=state.level,
        route=route.id if route else state.route,
        route_name=route.name if route else None,
        done=done,
        current=state.current,
        open=open_views,
        available=available,
        due=_due_items(pathway, state, now),
        set_aside=set_aside,
    )


__all__ = [
    "CaseState",
    "DueItem",
    "FieldDef",
    "Pathway",
    "PathwayError",
    "PathwayFileError",
    "PathwayNotFound",
    "Route",
    "SetAside",
    "Step",
    "StepDataError",
    "StepOrderError",
    "StepRecord",
    "StepView",
    "Timescale",
    "Transition",
    "case_state",
    "line_of",
    "missing_fields",
    "record_step",
    "toml_key_lines",
    "validate_step_data",
]
