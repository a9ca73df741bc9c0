"""The DSL's review queue: everything waiting for them, and where each is dealt with.

An item carries data, never sentences: its kind, the child, when it started waiting, a typed
``Destination`` and the facts of its kind (``ScreeningFacts``, ``DueFacts`` ...). The words are
the GUI's (``gui/dsl/queue_words.py``, through ``tr()``).

Speed: the queue is built from a handful of whole-table queries, never one query per child.
The pathway's due dates need the engine (``core.pathway.case_state``) per child; its due items
are cached per child against a fingerprint of that child's steps and level (due dates do not
depend on the time of asking, only "overdue" does, and that is worked out again on every
call), so after the first call only changed children are replayed.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cse_toolkit.core import catalogue, screening
from cse_toolkit.core import pathway as pw
from cse_toolkit.core import urgency as urg
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.ids import ref_for
from cse_toolkit.errors import UserError
from cse_toolkit.vault.dsl.common import ToolShelf, child_label
from cse_toolkit.vault.dsl.signoff import SignoffChecks

if TYPE_CHECKING:
    from cse_toolkit.vault.session import Session

# Queue item kinds (stable ids; the GUI names them).
SIGNOFF = "signoff"
LEVEL_CHANGED = "level_changed"
DUE = "due"
UNSENT = "unsent"
IMPORT_CONFLICT = "import_conflict"
DANGER = "danger"
KINDS = (DANGER, SIGNOFF, LEVEL_CHANGED, DUE, UNSENT, IMPORT_CONFLICT)

UNSENT_AFTER = timedelta(days=1)
DUE_SOON_DAYS = 14
# Audit actions that cannot change what the queue's cached parts are built from (exports and
# imports are read afresh on every call, so their actions are here too).
_NO_QUEUE_EFFECT = (
    "view",
    "vault.open",
    "vault.backup",
    "note.",
    "missing.",
    "intel.",
    "summary.",
    "user.",
    "passphrase.",
    "export.",
)


class Destination(StrEnum):
    """Where an item is dealt with."""

    SCREENING = "screening"  # the child's screening (recorded on their Process tab)
    PROCESS = "process"  # the child's Process tab (pathway steps, due dates)
    EXPORTS = "exports"  # the packs exported for the child (Share tab, Outbox page)
    IMPORTS = "imports"  # the Imported packs page


class Situation(StrEnum):
    """What is waiting on a confirmed screening."""

    AWAITING = "awaiting"  # confirmed as suggested, waiting for sign-off
    INCOMPLETE = "incomplete"  # SAFETY.md R2: could not be completed (lowest level, a reason)
    LOWERED = "lowered"  # SAFETY.md R7: below the suggestion; the suggestion drives until agreed
    CHANGED = "changed"  # a level other than the suggestion (not lower)
    FORGED = "forged"  # marked signed off, but not by a registered DSL: refused


@dataclass(frozen=True)
class ScreeningFacts:
    situation: Situation
    confirmed_by: str  # "" when not recorded
    level: str  # the confirmed level's label
    suggested: str  # the suggested level's label
    reason: str  # the worker's reason for the level, or why the screening cannot be completed


@dataclass(frozen=True)
class DueFacts:
    label: str  # the due date's own label (from the pathway file)
    step: str  # the pathway step to record (its title)
    days: int  # days overdue, or days until due


@dataclass(frozen=True)
class UnsentFacts:
    pack_kind: str  # referral | intelligence | screening
    recipient: str
    days: int  # days since it was exported (at least 1)


@dataclass(frozen=True)
class ImportFacts:
    pack_id: str
    imported_by: str
    conflicts: int


@dataclass(frozen=True)
class DangerFacts:
    pass  # the item's ``flag`` (core.urgency's words) says it all


Facts = ScreeningFacts | DueFacts | UnsentFacts | ImportFacts | DangerFacts


@dataclass(frozen=True)
class QueueItem:
    """Something waiting for the DSL, and where it is dealt with."""

    kind: str
    record_id: str  # screening, export or import id; for due items "<child id>:<due id>"
    child_id: str | None
    child_ref: str
    child_label: str
    facts: Facts
    at: datetime | None  # when it started waiting
    destination: Destination
    due_at: datetime | None = None
    overdue: bool = False
    # Risk first (core.urgency) for the child this item is about: 0 immediate danger, 1 overdue
    # on a high level, 2 new high level, 3 the rest; ``flag`` is the same in words.
    rank: int = urg.OTHER
    flag: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_id}"


_Child = tuple[str | None, str, str]  # (id, ref, label)


def _item(
    kind: str,
    record_id: str,
    child: _Child,
    facts: Facts,
    at: datetime | None,
    destination: Destination,
    **more: Any,
) -> QueueItem:
    """The one way a queue item is made."""
    cid, ref, label = child
    return QueueItem(
        kind=kind,
        record_id=record_id,
        child_id=cid,
        child_ref=ref,
        child_label=label,
        facts=facts,
        at=at,
        destination=destination,
        **more,
    )


@dataclass
class _DueCacheEntry:
    fingerprint: tuple[int, int, str | None]
    items: list[pw.DueItem] = field(default_factory=list)
    state: pw.CaseState | None = None
    records: list[pw.StepRecord] = field(default_factory=list)


class ReviewQueue:
    """The queue room, and the due dates and urgencies the other rooms read from it."""

    def __init__(self, session: Session, shelf: ToolShelf, checks: SignoffChecks) -> None:
        self._v = session
        self._shelf = shelf
        self._checks = checks
        self._due_cache: dict[str, _DueCacheEntry] = {}
        self._due_valid = False
        self._urgency_cache: dict[str, tuple[Any, datetime, urg.Urgency]] = {}
        self._screen_items: list[QueueItem] | None = None
        self._seen_seq = 0
        # The GUI may build the queue and the dashboard on two pool threads at once; the caches
        # are filled under this lock.
        self._lock = threading.RLock()
        self._titles: dict[str, str] | None = None

    @property
    def _c(self) -> Any:
        return self._v.conn

    # -- keeping the caches current -------------------------------------------------------
    def _sync(self) -> None:
        """Forget cached queue inputs if anything that could change them was written.

        Every change to the vault writes an audit entry in the same transaction, so the audit
        trail since the last look says what changed. Actions that cannot change a screening,
        a pathway step or a child's level or name are skipped; anything else (including an
        action this code does not know) means the cache is rebuilt.
        """
        head = self._v.chain_head().seq
        if head == self._seen_seq:
            return
        actions = [
            r[0]
            for r in self._c.execute(
                "SELECT DISTINCT action FROM audit WHERE seq > ?", (self._seen_seq,)
            )
        ]
        if any(not a.startswith(_NO_QUEUE_EFFECT) for a in actions):
            self._screen_items = None
            self._due_valid = False
        self._seen_seq = head

    def signed_off(self, screening_id: str, seq: int, moves_due: bool) -> None:
        """A sign-off was saved (audit entry ``seq``). The queue was up to date just before
        it: drop its item instead of reading every screening again (a changed level also
        moves the due dates)."""
        with self._lock:
            if self._screen_items is not None and self._seen_seq == seq - 1:
                self._screen_items = [i for i in self._screen_items if i.record_id != screening_id]
                self._seen_seq = seq
                if moves_due:
                    self._due_valid = False

    def forget_child(self, child_id: str) -> None:
        """The child was deleted (retention)."""
        with self._lock:
            self._due_cache.pop(child_id, None)

    # -- the queue ------------------------------------------------------------------------
    def queue(self, due_within_days: int = DUE_SOON_DAYS) -> list[QueueItem]:
        """Everything waiting for the DSL: overdue first, then due soon, then oldest first."""
        self._v.require("dsl")
        with self._lock:
            self._sync()
            if self._screen_items is None:
                self._screen_items = self._screening_items() + self._forged_signoff_items()
            items = list(self._screen_items)
        now = self._v.now()
        items += self._due_queue_items(now, due_within_days)
        items += self._unsent_items(now)
        items += self._import_items()
        far = datetime.max.replace(tzinfo=UTC)
        risk = self.urgencies()
        items += self._danger_items(risk)
        # Only the few urgent children's items change (a copy of thousands of items per
        # reload cost more than the rest of the queue).
        urgent = {cid: u for cid, u in risk.items() if u.rank < urg.OTHER}
        items = [
            dataclasses.replace(i, rank=urgent[i.child_id].rank, flag=urgent[i.child_id].text)
            if i.child_id in urgent and i.kind != DANGER
            else i
            for i in items
        ]

        def order(item: QueueItem) -> tuple[int, int, datetime, datetime, str]:
            group = 0 if item.overdue else 1 if item.due_at is not None else 2
            return (item.rank, group, item.due_at or far, item.at or far, item.child_ref)

        items.sort(key=order)
        return items

    def _danger_items(self, risk: dict[str, urg.Urgency]) -> list[QueueItem]:
        """One item per child in immediate danger, above everything else."""
        danger = {cid: u for cid, u in risk.items() if u.rank == urg.IMMEDIATE}
        if not danger:
            return []
        names = self._child_names(danger)
        return [
            _item(
                DANGER,
                f"{cid}:danger",
                self._child(cid, names),
                DangerFacts(),
                u.called_999_at,
                Destination.PROCESS,
                rank=u.rank,
                flag=u.text,
            )
            for cid, u in danger.items()
        ]

    def _screening_items(self) -> list[QueueItem]:
        rows = self._c.execute(
            "SELECT s.id, s.child_id, c.ref, c.name, c.alias, s.tool_id, s.suggested_level,"
            " s.confirmed_level, s.confirmed_by, s.confirmed_at, s.confirm_reason, s.screened_at,"
            " s.tool_version, json_extract(s.outcome, '$.confirmation.incomplete_reason')"
            " FROM screenings s JOIN children c ON c.id = s.child_id WHERE s.status = 'confirmed'"
        ).fetchall()
        out: list[QueueItem] = []
        for (
            sid,
            cid,
            ref,
            name,
            alias,
            tool_id,
            suggested,
            confirmed,
            by,
            at,
            reason,
            screened,
            version,
            cannot_complete,
        ) in rows:
            if screening.awaiting_signoff(
                self._shelf.tool(tool_id, version), suggested, confirmed, "confirmed"
            ):
                # SAFETY.md R7: until the DSL agrees, the suggestion drives the case.
                kind, situation, why = LEVEL_CHANGED, Situation.LOWERED, reason or ""
            elif cannot_complete:
                # SAFETY.md R2: the lowest level on an incomplete screening, with the reason.
                kind, situation, why = SIGNOFF, Situation.INCOMPLETE, str(cannot_complete)
            elif confirmed and suggested and confirmed != suggested:
                kind, situation, why = LEVEL_CHANGED, Situation.CHANGED, reason or ""
            else:
                kind, situation, why = SIGNOFF, Situation.AWAITING, ""
            facts = ScreeningFacts(
                situation,
                by or "",
                self._shelf.level_label(tool_id, confirmed),
                self._shelf.level_label(tool_id, suggested),
                why,
            )
            out.append(
                _item(
                    kind,
                    sid,
                    (cid, ref, child_label(name, alias, ref)),
                    facts,
                    parse_utc(at or screened),
                    Destination.SCREENING,
                )
            )
        return out

    def _forged_signoff_items(self) -> list[QueueItem]:
        """Screenings marked signed off (or returned) whose latest sign-off is not a registered
        DSL's own: one query, each signature checked once per session."""
        if not self._v.registry.signed:
            return []
        rows = self._c.execute(
            "SELECT s.id, s.child_id, c.ref, c.name, c.alias, s.screened_at,"
            " (SELECT g.id FROM signoffs g WHERE g.screening_id = s.id"
            "  ORDER BY g.created_at DESC, g.rowid DESC LIMIT 1)"
            " FROM screenings s JOIN children c ON c.id = s.child_id"
            " WHERE s.status IN ('signed_off', 'returned')"
        ).fetchall()
        verified = self._checks.check_all(r[6] for r in rows if r[6] is not None)
        facts = ScreeningFacts(Situation.FORGED, "", "", "", "")
        return [
            _item(
                SIGNOFF,
                sid,
                (cid, ref, child_label(name, alias, ref)),
                facts,
                parse_utc(screened),
                Destination.SCREENING,
            )
            for sid, cid, ref, name, alias, screened, latest in rows
            if not (latest is not None and verified.get(latest, False))
        ]

    def _due_queue_items(self, now: datetime, within_days: int) -> list[QueueItem]:
        horizon = now + timedelta(days=within_days)
        due = self.due_items()
        if not due:
            return []
        names = self._child_names(due)
        titles = self._step_titles()
        out: list[QueueItem] = []
        for cid, items in due.items():
            child = self._child(cid, names)
            for d in items:
                if not d.overdue and d.due_at > horizon:
                    continue
                days = (now - d.due_at).days if d.overdue else (d.due_at - now).days
                facts = DueFacts(d.label, titles.get(d.step, d.step.replace("_", " ")), days)
                out.append(
                    _item(
                        DUE,
                        f"{cid}:{d.id}",
                        child,
                        facts,
                        d.due_at,
                        Destination.PROCESS,
                        due_at=d.due_at,
                        overdue=d.overdue,
                    )
                )
        return out

    def _unsent_items(self, now: datetime) -> list[QueueItem]:
        before = utc_iso(now - UNSENT_AFTER)
        rows = self._c.execute(
            "SELECT e.id, e.kind, e.recipient, e.created_at, e.child_id, c.ref, c.name, c.alias"
            " FROM exports e LEFT JOIN children c ON c.id = e.child_id"
            " WHERE e.state = 'exported' AND e.created_at < ?",
            (before,),
        ).fetchall()
        out: list[QueueItem] = []
        for eid, kind, recipient, created, cid, ref, name, alias in rows:
            made = parse_utc(created)
            label = child_label(name or "", alias or "", ref or "") if cid else ""
            facts = UnsentFacts(kind, recipient, max(1, (now - made).days))
            out.append(
                _item(UNSENT, eid, (cid, ref or "", label), facts, made, Destination.EXPORTS)
            )
        return out

    def _import_items(self) -> list[QueueItem]:
        rows = self._c.execute(
            "SELECT id, pack_id, imported_at, imported_by, conflicts FROM imports"
            " WHERE resolved = 0 AND conflicts NOT IN ('', '[]', '{}')"
        ).fetchall()
        out: list[QueueItem] = []
        for iid, pack_id, at, by, raw in rows:
            try:
                conflicts = json.loads(raw)
            except ValueError:
                conflicts = [raw]
            if not conflicts:
                continue
            listed = conflicts if isinstance(conflicts, list) else [conflicts]
            child_ids = [
                str(c.get("child_id")) for c in listed if isinstance(c, dict) and c.get("child_id")
            ]
            names = self._child_names(child_ids) if child_ids else {}
            cid = next((c for c in child_ids if c in names), None)
            ref, label = names.get(cid, ("", "")) if cid else ("", "")
            out.append(
                _item(
                    IMPORT_CONFLICT,
                    iid,
                    (cid, ref, label),
                    ImportFacts(pack_id, by, len(listed)),
                    parse_utc(at),
                    Destination.IMPORTS,
                )
            )
        return out

    def _child(self, cid: str, names: dict[str, tuple[str, str]]) -> _Child:
        ref, label = names[cid] if cid in names else (ref_for(cid), ref_for(cid))
        return cid, ref, label

    def _step_titles(self) -> dict[str, str]:
        if self._titles is None:
            try:
                pol = self._v.policy
                pid = catalogue.pathway_for_case([], pol.default_tool, pol.default_pathway)
                self._titles = {st.id: st.title for st in catalogue.load_pathway(pid).steps}
            except UserError:
                self._titles = {}
        return self._titles

    def _child_names(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        wanted = set(ids)
        out: dict[str, tuple[str, str]] = {}
        for cid, ref, name, alias in self._c.execute("SELECT id, ref, name, alias FROM children"):
            if cid in wanted:
                out[cid] = (ref, child_label(name, alias, ref))
        return out

    # -- due dates and urgency ------------------------------------------------------------
    def _current_due(self) -> list[tuple[str, _DueCacheEntry]]:
        with self._lock:
            self._sync()
            cached = self._due_cache if self._due_valid else self._refresh_due_cache()
            self._due_valid = True
            return list(cached.items())

    def due_items(self) -> dict[str, list[pw.DueItem]]:
        """Every child's unmet due items (pathway engine), with ``overdue`` as of now."""
        self._v.require("dsl")
        now = self._v.now()
        out: dict[str, list[pw.DueItem]] = {}
        for child_id, entry in self._current_due():
            if entry.items:
                out[child_id] = [
                    pw.DueItem(d.id, d.label, d.step, d.due_at, now > d.due_at) for d in entry.items
                ]
        return out

    def _refresh_due_cache(self) -> dict[str, _DueCacheEntry]:
        fingerprints = {
            r[0]: (int(r[1]), int(r[2]), r[3])
            for r in self._c.execute(
                "SELECT p.child_id, count(*), max(p.rowid), c.confirmed_level"
                " FROM pathway_steps p JOIN children c ON c.id = p.child_id GROUP BY p.child_id"
            )
        }
        cache = self._due_cache
        for gone in set(cache) - set(fingerprints):
            del cache[gone]
        stale = [
            cid
            for cid, fp in fingerprints.items()
            if cid not in cache or cache[cid].fingerprint != fp
        ]
        if not stale:
            return cache
        grouped = self._steps_of(stale)
        pathways: dict[str, pw.Pathway] = {}
        for cid in stale:
            fp = fingerprints[cid]
            recs = grouped.get(cid, [])
            items: list[pw.DueItem] = []
            state: pw.CaseState | None = None
            records: list[pw.StepRecord] = []
            if recs:
                # A case keeps the pathway it started with (its first installed one).
                pid = catalogue.pathway_for_case([r[1] for r in recs], None)
                if pid not in pathways:
                    pathways[pid] = catalogue.load_pathway(pid)
                records = [
                    pw.StepRecord.model_construct(
                        step=r[2],
                        status=r[3],
                        recorded_at=parse_utc(r[4]),
                        event_at=parse_utc(r[5]),
                        reason=r[6],
                        data=json.loads(r[7]),
                        recorded_by=r[8],
                    )
                    for r in recs
                ]
                try:
                    state = pw.case_state(pathways[pid], records, self._v.clock, fp[2])
                    items = list(state.due)
                except pw.PathwayError:
                    items = []  # a broken history is shown on the child's Process tab
            cache[cid] = _DueCacheEntry(fp, items, state, records)
        return cache

    def _steps_of(self, child_ids: list[str]) -> dict[str, list[Any]]:
        """The recorded pathway steps of these children, each child's in the order recorded
        (``repos.engine_records``' order)."""
        sql = (
            "SELECT child_id, pathway_id, step_id, status, created_at, event_at, reason, data,"
            " created_by, rowid FROM pathway_steps"
        )
        rows: list[Any] = []
        if len(child_ids) > 400:
            wanted = set(child_ids)
            rows = [r for r in self._c.execute(sql).fetchall() if r[0] in wanted]
        else:
            for start in range(0, len(child_ids), 200):
                chunk = child_ids[start : start + 200]
                rows += self._c.execute(
                    f"{sql} WHERE child_id IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
        rows.sort(key=lambda r: (r[0], r[4], r[9]))
        grouped: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            grouped[r[0]].append(r)
        return grouped

    def urgencies(self) -> dict[str, urg.Urgency]:
        """Each child's urgency now (core.urgency), for children with a recorded step."""
        self._v.require("dsl")
        now = self._v.now()
        entries = self._current_due()
        latest: dict[str, tuple[str, datetime]] = {}
        for cid, status, at in self._c.execute(
            "SELECT child_id, status, screened_at FROM screenings ORDER BY child_id, screened_at"
        ):
            latest[cid] = (status, parse_utc(at))
        out: dict[str, urg.Urgency] = {}
        cache = self._urgency_cache
        for cid, entry in entries:
            if entry.state is None:
                continue
            status, at = latest.get(cid, (None, None))
            key = (entry.fingerprint, status, at)
            hit = cache.get(cid)
            # An urgency holds until its steps or screening change, or a date passes (a due
            # date, or the end of "new" for a high level).
            if hit is not None and hit[0] == key and now < hit[1]:
                out[cid] = hit[2]
                continue
            fresh = [
                pw.DueItem(d.id, d.label, d.step, d.due_at, now > d.due_at) for d in entry.items
            ]
            level = urg.urgency_level(entry.fingerprint[2], entry.state)
            found = urg.urgency(
                entry.state,
                entry.records,
                level,
                now,
                latest_screening_status=status,
                latest_screening_at=at,
                due=fresh,
            )
            moments = [d.due_at for d in entry.items]
            if at is not None:
                moments.append(at + timedelta(days=urg.NEW_DAYS))
            until = min([m for m in moments if m > now] + [now + timedelta(hours=1)])
            cache[cid] = (key, until, found)
            out[cid] = found
        return out
