"""Case state kept, not recomputed (issue 17): where each child stands on the pathway.

The ``case_state`` table holds, per child, the output of core's pathway engine
(``core.pathway.case_state``, the same function the Process tab and ``case show`` call): the
next step, the route, the level the pathway recorded, every due item with its due date, the
facts the urgency needs (the latest danger check's 999 call, the latest screening's status
and date) and the child's confirmed level it was worked out from. Each row is keyed by the
pathway file (id@version) and the child's tool (id@version) it was computed with.

Kept in the same transaction as the records that change it: triggers on ``children``
(inserted, deleted, level changed), ``screenings`` and ``pathway_steps`` put the child's id in
``case_dirty``; ``Vault.write()`` calls :func:`flush` just before COMMIT, which recomputes those
children and empties ``case_dirty``. A writer of a new table whose rows change where a case
stands adds the same kind of trigger, or calls :func:`mark` with the child ids.

Rebuilt only when it cannot be trusted: at unlock (:func:`mark_stale`) a row whose pathway or
tool key differs from the installed files', or a child without a row, is recomputed; ``audit
verify`` compares every row with a fresh replay through the repository's own path
(:func:`verify`) and names the children that differ; ``audit rebuild-case-state`` rebuilds
all rows on demand.

"Overdue" depends on today's date, so it is never stored: readers get the due dates and
:class:`StoredCase` works overdue and the urgency out from the clock when asked.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from cse_toolkit.core import catalogue
from cse_toolkit.core import pathway as pw
from cse_toolkit.core import urgency as urg
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.errors import UserError

if TYPE_CHECKING:
    from cse_toolkit.core.clock import Clock

log = logging.getLogger(__name__)

# Bumped when what a row holds, or how it is worked out, changes: every row is rebuilt.
FORMAT = 2
_CHUNK = 400  # ids per "IN (...)" query


def mark(conn: Any, child_ids: Iterable[str]) -> None:
    """Ask for these children's case state to be recomputed before the transaction commits."""
    conn.executemany(
        "INSERT OR IGNORE INTO case_dirty (child_id) VALUES (?)", [(c,) for c in child_ids]
    )


def case_pathway_id(policy: Any, recorded: Sequence[str], level_tool: str | None) -> str:
    """The pathway a case follows (``catalogue.pathway_for_case``, as ``repos.case_pathway_id``):
    the first installed one its steps were recorded under, else the policy's or its tool's."""
    return catalogue.pathway_for_case(
        list(dict.fromkeys(recorded)), level_tool or policy.default_tool, policy.default_pathway
    )


class _Pathways:
    """Pathway files by id, each loaded once per pass (None: not installed)."""

    def __init__(self) -> None:
        self._by_id: dict[str, pw.Pathway | None] = {}

    def get(self, pathway_id: str) -> pw.Pathway | None:
        if pathway_id not in self._by_id:
            try:
                self._by_id[pathway_id] = catalogue.load_pathway(pathway_id)
            except UserError:
                self._by_id[pathway_id] = None
        return self._by_id[pathway_id]

    def key(self, pathway_id: str) -> str:
        found = self.get(pathway_id)
        return f"{pathway_id}@{found.version}" if found else f"{pathway_id}@?"


def _recorded_pathways(conn: Any, ids: Sequence[str] | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for cid, pid in _select(
        conn,
        "SELECT child_id, pathway_id FROM pathway_steps WHERE child_id",
        ids,
        " ORDER BY child_id, created_at, rowid",
    ):
        out.setdefault(cid, []).append(pid)
    return out


def _tool_key(tool_id: str | None, tools: dict[str, str]) -> str:
    if not tool_id:
        return ""
    if tool_id not in tools:
        try:
            tools[tool_id] = f"{tool_id}@{catalogue.load_tool(tool_id).version}"
        except UserError:
            tools[tool_id] = f"{tool_id}@?"
    return tools[tool_id]


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _select(conn: Any, sql: str, ids: Sequence[str] | None, tail: str = "") -> list[Any]:
    """``sql`` (ending in a WHERE clause's column) for these ids, or for every row."""
    if ids is None:
        return list(conn.execute(f"{sql} IS NOT NULL{tail}").fetchall())
    out: list[Any] = []
    for chunk in _chunks(ids):
        out += conn.execute(f"{sql} IN ({','.join('?' * len(chunk))}){tail}", chunk).fetchall()
    return out


def step_data(data: dict[str, Any], imported: bool) -> tuple[dict[str, Any], str]:
    """(the step's recorded fields, the sender's summary) of a stored step.

    Packs of format 1 carried a step only as a summary and a reference; those imports are
    stored as ``{"summary": ..., "reference": ...}``. They are given to the engine without
    fields (so it shows them read-only, saying what is missing), never as fields it refuses.
    """
    if imported and "summary" in data and set(data) <= {"summary", "reference"}:
        return {}, str(data.get("summary") or "")
    return data, ""


_step_data = step_data


def _engine_records(rows: Iterable[Any], vault_id: str) -> dict[str, list[pw.StepRecord]]:
    out: dict[str, list[pw.StepRecord]] = {}
    for cid, step, status, created, event, reason, data, by, origin in rows:
        fields, summary = _step_data(json.loads(data), origin != vault_id)
        out.setdefault(cid, []).append(
            pw.StepRecord(
                step=step,
                status=status,
                recorded_at=parse_utc(created),
                event_at=parse_utc(event),
                reason=reason,
                data=fields,
                recorded_by=by,
                summary=summary,
            )
        )
    return out


def _state_json(state: pw.CaseState | None, records: Sequence[pw.StepRecord], failed: str) -> str:
    if state is None:
        return json.dumps({"v": FORMAT, "failed": failed})
    danger = [
        r
        for r in records
        if r.step == "danger_check" and r.status == "done" and r.data.get("immediate_danger")
    ]
    called = danger[-1].data.get("called_999_at") if danger else None
    return json.dumps(
        {
            "v": FORMAT,
            "level": state.level,
            "route": state.route,
            "route_name": state.route_name,
            "cycle": state.cycle,
            "current": state.current,
            "next": state.open[0].title if state.open else None,
            "due": [[d.id, d.label, d.step, utc_iso(d.due_at)] for d in state.due],
            "danger": None if not danger else {"called_999_at": called},
            "set_aside": len(state.set_aside),
        },
        ensure_ascii=False,
        sort_keys=True,
    )


@dataclass(frozen=True)
class _Fresh:
    child_id: str
    pathway_key: str
    tool_key: str
    steps: int
    state: str
    child_level: str | None
    screening_status: str | None
    screened_at: str | None
    hot: tuple[Any, ...]


HOT = (
    "next_title",
    "first_due",
    "rank",
    "flag",
    "urgency_text",
    "urgency_due",
    "called_999_at",
    "overdue_label",
    "valid_from",
    "valid_until",
)


def moment(dt: datetime) -> str:
    """A time as stored in the window columns: UTC, microseconds, so text order is time order."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _opt(dt: datetime | None) -> str | None:
    return None if dt is None else moment(dt)


def _hot(
    state: pw.CaseState | None,
    records: Sequence[pw.StepRecord],
    level: str | None,
    status: str | None,
    screened: str | None,
    now: datetime,
) -> tuple[Any, ...]:
    """What the child list and the queue read for every child, and the time window in which
    core's urgency gives exactly this answer.

    ``core.urgency.urgency`` depends on the clock only through ``now > due_at`` for each due
    item and ``now - screened_at <= NEW_DAYS``: it is constant between those moments. So the
    answer worked out now holds for every ``now`` in (valid_from, valid_until]; a reader whose
    clock is outside the window works it out again from the stored state (``StoredCase``)."""
    if state is None:
        return (None,) * len(HOT)
    at = parse_utc(screened) if screened else None
    risk = urg.urgency(
        state,
        records,
        urg.urgency_level(level, state),
        now,
        latest_screening_status=status,
        latest_screening_at=at,
    )
    moments = {d.due_at for d in state.due}
    if at is not None:
        moments.add(at + timedelta(days=urg.NEW_DAYS))
    before = [m for m in moments if m < now]
    after = [m for m in moments if m >= now]
    first = min((d.due_at for d in state.due), default=None)
    return (
        state.open[0].title if state.open else None,
        _opt(first),
        risk.rank,
        risk.flag,
        risk.text,
        _opt(risk.due_at),
        _opt(risk.called_999_at),
        risk.overdue_label,
        _opt(max(before)) if before else None,
        _opt(min(after)) if after else None,
    )


def compute(
    conn: Any, policy: Any, clock: Clock, vault_id: str, child_ids: Sequence[str] | None
) -> list[_Fresh]:
    """The engine's answer for these children (None: every child), read in a few queries.
    A case whose pathway is not installed is stored as refused (``failed``), like a history the
    engine refuses: the list and the queue show nothing for it, the Process tab says why."""
    children = _select(
        conn, "SELECT id, confirmed_level, level_tool FROM children WHERE id", child_ids
    )
    if not children:
        return []
    ids = [c[0] for c in children] if child_ids is not None else None
    records = _engine_records(
        _select(
            conn,
            "SELECT child_id, step_id, status, created_at, event_at, reason, data, created_by,"
            " origin FROM pathway_steps WHERE child_id",
            ids,
            " ORDER BY child_id, created_at, rowid",
        ),
        vault_id,
    )
    latest: dict[str, tuple[str, str]] = {}
    for cid, status, at in _select(
        conn,
        "SELECT child_id, status, screened_at FROM screenings WHERE child_id",
        ids,
        " ORDER BY child_id, screened_at, rowid",
    ):
        latest[cid] = (status, at)
    recorded = _recorded_pathways(conn, ids)
    pathways = _Pathways()
    tools: dict[str, str] = {}
    out: list[_Fresh] = []
    now = clock.now()
    for cid, level, tool_id in children:
        recs = records.get(cid, [])
        pid = case_pathway_id(policy, recorded.get(cid, []), tool_id)
        pathway, pathway_key = pathways.get(pid), pathways.key(pid)
        state: pw.CaseState | None = None
        failed = ""
        try:
            if pathway is None:
                raise pw.PathwayNotFound(pid)
            state = pw.case_state(pathway, recs, clock, level)
        except (pw.PathwayError, pw.PathwayNotFound) as exc:  # shown on the Process tab
            failed = type(exc).__name__
        status, at = latest.get(cid, (None, None))
        out.append(
            _Fresh(
                cid,
                pathway_key,
                _tool_key(tool_id, tools),
                len(recs),
                _state_json(state, recs, failed),
                level,
                status,
                at,
                _hot(state, recs, level, status, at, now),
            )
        )
    return out


def _store(conn: Any, fresh: Sequence[_Fresh], now: str) -> None:
    cols = (
        "child_id, pathway_key, tool_key, steps, state, child_level, screening_status,"
        f" screened_at, updated_at, {', '.join(HOT)}"
    )
    conn.executemany(
        f"INSERT OR REPLACE INTO case_state ({cols}) VALUES ({', '.join('?' * (9 + len(HOT)))})",
        [
            (
                f.child_id,
                f.pathway_key,
                f.tool_key,
                f.steps,
                f.state,
                f.child_level,
                f.screening_status,
                f.screened_at,
                now,
                *f.hot,
            )
            for f in fresh
        ],
    )


def flush(conn: Any, policy: Any, clock: Clock, vault_id: str) -> int:
    """Recompute the children marked in this transaction (``Vault.write()``, before COMMIT)."""
    ids = [r[0] for r in conn.execute("SELECT child_id FROM case_dirty").fetchall()]
    if not ids:
        return 0
    fresh = compute(conn, policy, clock, vault_id, ids)
    found = {f.child_id for f in fresh}
    gone = [(c,) for c in ids if c not in found]
    if gone:
        conn.executemany("DELETE FROM case_state WHERE child_id = ?", gone)
    _store(conn, fresh, utc_iso(clock.now()))
    conn.execute("DELETE FROM case_dirty")
    return len(fresh)


def mark_stale(conn: Any, policy: Any, clock: Clock) -> int:
    """At unlock: mark every child whose row is missing, of an older format, keyed by another
    pathway or tool version than the installed files, or whose urgency window has passed (so
    the day's first look reads every row's answer as stored). Returns how many."""
    recorded = _recorded_pathways(conn, None)
    pathways = _Pathways()
    tools: dict[str, str] = {}
    now = moment(clock.now())
    stale = [
        cid
        for cid, tool_id, have_pathway, have_tool, fmt, until in conn.execute(
            "SELECT c.id, c.level_tool, s.pathway_key, s.tool_key, json_extract(s.state, '$.v'),"
            " s.valid_until FROM children c LEFT JOIN case_state s ON s.child_id = c.id"
        ).fetchall()
        if fmt != FORMAT
        or have_tool != _tool_key(tool_id, tools)
        or (until is not None and until < now)
        or have_pathway != pathways.key(case_pathway_id(policy, recorded.get(cid, []), tool_id))
    ]
    if stale:
        mark(conn, stale)
    return len(stale)


def rebuild_all(conn: Any) -> int:
    """Mark every child (``audit rebuild-case-state``); the write's flush recomputes them."""
    conn.execute("INSERT OR IGNORE INTO case_dirty (child_id) SELECT id FROM children")
    return int(conn.execute("SELECT count(*) FROM case_dirty").fetchone()[0])


# -- reading --------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredCase:
    """One child's stored case state, with overdue and the urgency worked out at read time."""

    child_id: str
    steps: int
    child_level: str | None
    screening_status: str | None
    screened_at: datetime | None
    pathway: str
    pathway_version: str
    failed: str
    level: str | None
    route: str | None
    route_name: str | None
    cycle: int
    current: str | None
    next_title: str | None
    due_dates: tuple[tuple[str, str, str, datetime], ...]
    danger: dict[str, Any] | None
    raw: str = field(repr=False, default="")

    @property
    def fingerprint(self) -> tuple[int, int, str | None]:
        """Changes whenever the stored row does (the queue's caches key on it)."""
        return (self.steps, zlib.crc32(self.raw.encode()), self.child_level)

    def due(self, now: datetime) -> list[pw.DueItem]:
        return [pw.DueItem(i, lab, st, at, now > at) for i, lab, st, at in self.due_dates]

    def state(self, now: datetime) -> pw.CaseState | None:
        """The engine's ``CaseState`` as stored (the steps done are not kept: the Process tab
        replays the history itself), with ``overdue`` as of ``now``."""
        if self.failed:
            return None
        ahead = (
            [pw.StepView(self.current, self.next_title or "", "current")]
            if (self.current is not None)
            else []
        )
        return pw.CaseState(
            pathway=self.pathway,
            pathway_version=self.pathway_version,
            as_of=now,
            cycle=self.cycle,
            level=self.level,
            route=self.route,
            route_name=self.route_name,
            done=[],
            current=self.current,
            open=ahead,
            available=list(ahead),
            due=self.due(now),
        )

    def danger_records(self) -> list[pw.StepRecord]:
        """The latest danger check that said yes, as the urgency reads it."""
        if self.danger is None:
            return []
        return [
            pw.StepRecord.model_construct(
                step="danger_check",
                status="done",
                data={"immediate_danger": True, "called_999_at": self.danger.get("called_999_at")},
            )
        ]

    def urgency(self, now: datetime) -> urg.Urgency | None:
        state = self.state(now)
        if state is None:
            return None
        return urg.urgency(
            state,
            self.danger_records(),
            urg.urgency_level(self.child_level, state),
            now,
            latest_screening_status=self.screening_status,
            latest_screening_at=self.screened_at,
        )


def _stored(row: Any) -> StoredCase:
    cid, pathway_key, steps, raw, level, status, at = row
    data = json.loads(raw)
    pid, _, version = str(pathway_key).partition("@")
    return StoredCase(
        child_id=cid,
        steps=int(steps),
        child_level=level,
        screening_status=status,
        screened_at=parse_utc(at) if at else None,
        pathway=pid,
        pathway_version=version,
        failed=str(data.get("failed") or ""),
        level=data.get("level"),
        route=data.get("route"),
        route_name=data.get("route_name"),
        cycle=int(data.get("cycle") or 1),
        current=data.get("current"),
        next_title=data.get("next"),
        due_dates=tuple((i, lab, st, parse_utc(at)) for i, lab, st, at in data.get("due") or []),
        danger=data.get("danger"),
        raw=raw,
    )


def read(conn: Any, child_ids: Sequence[str] | None = None) -> dict[str, StoredCase]:
    """The stored case state of these children (None: every child), in one query per 400."""
    rows = _select(
        conn,
        "SELECT child_id, pathway_key, steps, state, child_level, screening_status, screened_at"
        " FROM case_state WHERE child_id",
        child_ids,
    )
    return {r[0]: _stored(r) for r in rows}


# -- checking ---------------------------------------------------------------------------------
def _comparable(text: str) -> dict[str, Any]:
    data = json.loads(text)
    data.pop("set_aside", None)
    return dict(data)


def verify(conn: Any, policy: Any, clock: Clock, vault_id: str) -> list[str]:
    """Every child whose stored case state is not what a full replay gives now, as
    ``"<ref>: <what differs>"``; [] when they all match."""
    stored = read(conn)
    pathways = _Pathways()
    now = clock.now()
    shown = lines(conn, None, now)
    tools: dict[str, str] = {}
    problems: list[str] = []
    children = conn.execute("SELECT id, ref, confirmed_level, level_tool FROM children").fetchall()
    for cid, ref, level, tool_id in children:
        have = stored.get(cid)
        if have is None:
            problems.append(f"{ref}: no stored case state")
            continue
        # The replay: the child's history read one child at a time, as the Process tab does.
        recs = []
        rows = conn.execute(
            "SELECT step_id, status, created_at, event_at, reason, data, created_by, origin,"
            " pathway_id FROM pathway_steps WHERE child_id = ? ORDER BY created_at, rowid",
            (cid,),
        ).fetchall()
        pid = case_pathway_id(policy, [r[8] for r in rows], tool_id)
        pathway, pathway_key = pathways.get(pid), pathways.key(pid)
        for step, status, created, event, reason, data, by, origin, _pid in rows:
            fields, summary = _step_data(json.loads(data), origin != vault_id)
            recs.append(
                pw.StepRecord(
                    step=step,
                    status=status,
                    recorded_at=parse_utc(created),
                    event_at=parse_utc(event),
                    reason=reason,
                    data=fields,
                    recorded_by=by,
                    summary=summary,
                )
            )
        state: pw.CaseState | None = None
        failed = ""
        try:
            if pathway is None:
                raise pw.PathwayNotFound(pid)
            state = pw.case_state(pathway, recs, clock, level)
        except (pw.PathwayError, pw.PathwayNotFound) as exc:
            failed = type(exc).__name__
        latest = conn.execute(
            "SELECT status, screened_at FROM screenings WHERE child_id = ?"
            " ORDER BY screened_at DESC, rowid DESC LIMIT 1",
            (cid,),
        ).fetchone()
        want_status, want_at = (latest[0], parse_utc(latest[1])) if latest else (None, None)
        differs = []
        if f"{have.pathway}@{have.pathway_version}" != pathway_key:
            differs.append("pathway version")
        if (
            _tool_key(tool_id, tools)
            != conn.execute(
                "SELECT tool_key FROM case_state WHERE child_id = ?", (cid,)
            ).fetchone()[0]
        ):
            differs.append("tool version")
        if have.child_level != level:
            differs.append("level")
        if (have.screening_status, have.screened_at) != (want_status, want_at):
            differs.append("latest screening")
        if have.steps != len(recs):
            differs.append("steps recorded")
        if _comparable(have.raw) != _comparable(_state_json(state, recs, failed)):
            differs.append("next step or due dates")
        # What the list and the queue show now (the stored columns, or the stored state when
        # the clock has left their window) against core's urgency worked out now.
        hot = _hot(state, recs, level, want_status, latest[1] if latest else None, now)
        line = shown.get(cid)
        seen = None if line is None else (line.next_title, line.first_due, line.urgency)
        want = None
        if state is not None:
            want = (
                hot[0],
                _when(hot[1]),
                urg.Urgency(hot[2], hot[3], hot[4], _when(hot[5]), _when(hot[6]), hot[7]),
            )
        if seen != want:
            differs.append("urgency")
        if differs:
            problems.append(f"{ref}: {', '.join(differs)} differ from a replay")
    return problems


# -- the fast read: what the child list and the queue show ------------------------------------
class CaseLine(NamedTuple):
    """One child's next step, first due date and urgency as of the ``now`` it was read for."""

    child_id: str
    steps: int
    next_title: str | None
    first_due: datetime | None
    urgency: urg.Urgency


def _when(text: str | None) -> datetime | None:
    # Stored as moment() writes it (or utc_iso): fromisoformat reads the Z as UTC itself.
    return None if text is None else datetime.fromisoformat(text)


_LINE_SQL = f"SELECT child_id, steps, {', '.join(HOT)} FROM case_state"
# More ids than this are read as the whole table and picked out here: one scan of a few
# hundred pages beats 25 "IN (...)" queries of 400 for the whole caseload.
_WHOLE = 2000


def lines(conn: Any, child_ids: Sequence[str] | None, now: datetime) -> dict[str, CaseLine]:
    """Every (or these) children's line, in one query: the stored answer where ``now`` is in
    its window, else core's urgency worked out again from the stored state. A child whose
    history the engine refused has no line."""
    if child_ids is not None and len(child_ids) > _WHOLE:
        wanted = set(child_ids)
        rows = [r for r in conn.execute(_LINE_SQL).fetchall() if r[0] in wanted]
    else:
        rows = _select(conn, f"{_LINE_SQL} WHERE child_id", child_ids)
    return _lines(conn, rows, now)


def urgent_lines(conn: Any, now: datetime) -> dict[str, CaseLine]:
    """The lines of children with a recorded step whose urgency now ranks above
    ``urg.OTHER`` (the review queue's re-ranking): one query that reads only the rows stored
    as urgent and the rows whose window the clock has left (worked out again, as in
    :func:`lines`); every other row's stored answer is ``OTHER`` for this ``now``."""
    at = moment(now)
    rows = conn.execute(
        f"{_LINE_SQL} WHERE steps > 0 AND rank IS NOT NULL"
        " AND (rank < ? OR valid_from >= ? OR valid_until < ?)",
        (urg.OTHER, at, at),
    ).fetchall()
    return {
        cid: line for cid, line in _lines(conn, rows, now).items() if line.urgency.rank < urg.OTHER
    }


def _lines(conn: Any, rows: Iterable[Any], now: datetime) -> dict[str, CaseLine]:
    at = moment(now)
    out: dict[str, CaseLine] = {}
    slow: list[str] = []
    for (
        cid,
        steps,
        title,
        first,
        rank,
        flag,
        text,
        due,
        called,
        label,
        since,
        until,
    ) in rows:
        if rank is None:
            continue  # a history the engine refused (or a row from before the columns)
        if (since is not None and at <= since) or (until is not None and at > until):
            slow.append(cid)
            continue
        risk = urg.Urgency(rank, flag, text, _when(due), _when(called), label)
        out[cid] = CaseLine(cid, steps, title, _when(first), risk)
    for cid, case in read(conn, slow).items() if slow else ():
        risk_now = case.urgency(now)
        if risk_now is not None:
            first_at = min((d[3] for d in case.due_dates), default=None)
            out[cid] = CaseLine(cid, case.steps, case.next_title, first_at, risk_now)
    return out


def due_rows(conn: Any, before: datetime) -> list[tuple[str, str | None, str, str, str]]:
    """(child id, ref, name, alias, the due items' JSON) of every child with a recorded step
    whose first due date is not later than ``before``: the review queue's due items in one
    query (the due list is taken out of the stored state by SQLite; ref None: no child row)."""
    rows = conn.execute(
        "SELECT s.child_id, c.ref, c.name, c.alias, json_extract(s.state, '$.due')"
        " FROM case_state s LEFT JOIN children c ON c.id = s.child_id"
        " WHERE s.steps > 0 AND s.first_due IS NOT NULL AND s.first_due <= ?",
        (moment(before),),
    ).fetchall()
    return [(cid, ref, name or "", alias or "", due or "[]") for cid, ref, name, alias, due in rows]


def due_items(
    conn: Any, now: datetime, before: datetime | None = None
) -> dict[str, list[pw.DueItem]]:
    """The unmet due items of children with a recorded step, with ``overdue`` as of ``now``;
    ``before``: only children whose first due date is not later than that."""
    sql = "SELECT child_id, state FROM case_state WHERE steps > 0 AND first_due IS NOT NULL"
    params: tuple[str, ...] = ()
    if before is not None:
        sql += " AND first_due <= ?"
        params = (moment(before),)
    out: dict[str, list[pw.DueItem]] = {}
    for cid, raw in conn.execute(sql, params).fetchall():
        items = []
        for i, lab, st, d in json.loads(raw).get("due") or []:
            at = datetime.fromisoformat(d)
            items.append(pw.DueItem(i, lab, st, at, now > at))
        if items:
            out[cid] = items
    return out
