"""What a designated safeguarding lead (DSL) does with the vault: the review queue, sign-off,
figures for the dashboard and the network-meeting summary, the audit trail, and retention.

Every public method is for the ``dsl`` role only (``PermissionDenied`` otherwise): a worker
sees their own children through ``repos``; an admin manages users only.

Speed: the queue and the figures are built from a handful of whole-table queries, never one
query per child. The pathway's due dates need the engine (``core.pathway.case_state``) per
child; its due items are cached per child against a fingerprint of that child's steps and
level (due dates do not depend on the time of asking, only "overdue" does, and that is worked
out again on every call), so after the first call only changed children are replayed.

Sign-off: agree, change the level (never below the screening's floor, the stored outcome's
``minimum_level``) with a reason, or return to the worker with a comment. The sign-off is an
entry in the audit chain, and the ``signoffs`` row carries that entry's sequence number and
hash, so each proves the other. The worker's own confirmation stays as it was on the
screening; the DSL's level is in the sign-off and, for the child's latest screening, becomes
the child's confirmed level.

Retention: children whose records have not changed for ``policy.retention_months``, or whose
referral was acknowledged more than ``policy.keep_after_acknowledged_days`` ago with nothing
recorded since, are listed for review. Purging one needs its reference typed again, deletes
with SQLCipher's secure delete on (freed pages are zeroed), rebuilds the full-text index
without the deleted notes, checkpoints the WAL into the database and truncates it, and leaves
a ``purge`` entry in the audit trail with counts only.
"""

from __future__ import annotations

import calendar
import dataclasses
import json
import re
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cse_toolkit.core import catalogue, screening, tools
from cse_toolkit.core import pathway as pw
from cse_toolkit.core import summary as sm
from cse_toolkit.core import urgency as urg
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.ids import ref_for
from cse_toolkit.errors import UserError
from cse_toolkit.vault import audit
from cse_toolkit.vault.vault import signoff_message

if TYPE_CHECKING:
    from cse_toolkit.policy import Policy
    from cse_toolkit.vault.vault import Vault

# Queue item kinds (stable ids; the GUI shows ``KIND_LABELS``).
SIGNOFF = "signoff"
LEVEL_CHANGED = "level_changed"
DUE = "due"
UNSENT = "unsent"
IMPORT_CONFLICT = "import_conflict"
DANGER = "danger"
KIND_LABELS = {
    DANGER: "Immediate danger",
    SIGNOFF: "Sign-off",
    LEVEL_CHANGED: "Level changed",
    DUE: "Due date",
    UNSENT: "Referral not sent",
    IMPORT_CONFLICT: "Import conflicts",
}
# Where an item opens: the title of a tab on the child's page (or a page for non-child items).
TAB_SCREENING = "Screening"
TAB_PROCESS = "Process"
TAB_EXPORTS = "Exports"
TAB_IMPORTS = "Imports"

DECISIONS = ("agree", "change", "return")
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
UNSENT_AFTER = timedelta(days=1)
PRIVATE_PLACE = "A private address, not named"
DUE_SOON_DAYS = 14
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- entities -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """Something waiting for the DSL, and where it is dealt with."""

    kind: str
    record_id: str  # screening, export or import id; for due items "<child id>:<due id>"
    child_id: str | None
    child_ref: str
    child_label: str
    title: str
    detail: str
    at: datetime | None  # when it started waiting
    due_at: datetime | None = None
    overdue: bool = False
    open_tab: str = TAB_SCREENING
    # Risk first (core.urgency) for the child this item is about: 0 immediate danger, 1 overdue
    # on a high level, 2 new high level, 3 the rest; ``flag`` is the same in words.
    rank: int = urg.OTHER
    flag: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_id}"


@dataclass(frozen=True)
class SignoffContext:
    """A confirmed screening as the sign-off dialog shows it."""

    screening_id: str
    version: int
    status: str
    child_id: str
    child_ref: str
    child_label: str
    tool_id: str
    tool_version: str
    tool_name: str
    levels: tuple[tuple[str, str], ...]  # (id, label), lowest first
    suggested_level: str | None
    confirmed_level: str | None
    minimum_level: str
    floor_reasons: tuple[str, ...]
    confirmed_by: str
    confirmed_at: datetime | None
    confirm_reason: str

    def label(self, level_id: str | None) -> str:
        for lid, text in self.levels:
            if lid == level_id:
                return text
        return level_id or "none"

    def allowed_levels(self) -> list[tuple[str, str]]:
        """Levels a change may choose: the floor and above."""
        ids = [lid for lid, _ in self.levels]
        floor = ids.index(self.minimum_level) if self.minimum_level in ids else 0
        return list(self.levels[floor:])


@dataclass(frozen=True)
class SignOff:
    id: str
    screening_id: str
    decision: str
    level: str | None
    comment: str
    chain_seq: int
    chain_hash: str
    signed_at: datetime
    # (2) True when the sign-off carries the signature of a DSL in the signed user registry
    # (or dates from before per-person keys); a forged one is shown and refused.
    verified: bool = True


@dataclass(frozen=True)
class ChainCheck:
    rows: int
    problems: tuple[str, ...]
    head: audit.ChainHead
    saved_head_matches: bool

    @property
    def ok(self) -> bool:
        return not self.problems and self.saved_head_matches


@dataclass(frozen=True)
class DashboardData:
    """Figures for the DSL's own dashboard (names of schools and places are fine here)."""

    date_from: date | None
    date_to: date | None
    children: int
    by_level: list[tuple[str, int]]
    age_bands: list[str]
    genders: list[str]
    age_gender: list[list[int]]  # [band][gender]
    by_school: list[tuple[str, int]]
    missing_per_month: list[tuple[str, int]]
    hotspots: list[tuple[str, int]]
    due: list[tuple[str, int, int]]  # (label, overdue, due within DUE_SOON_DAYS)


@dataclass(frozen=True)
class RetentionItem:
    child_id: str
    child_ref: str
    child_label: str
    last_activity: datetime
    reason: str
    kind: str  # "retention" | "acknowledged"


@dataclass(frozen=True)
class PurgeReport:
    child_ref: str
    counts: dict[str, int]
    audit_seq: int
    wal_truncated: bool
    compacted: bool
    backups_remaining: int = 0

    def text(self) -> str:
        parts = [f"{n} {what.replace('_', ' ')}" for what, n in self.counts.items() if n]
        body = ", ".join(parts) or "the child's record only"
        note = ""
        if self.backups_remaining:
            note = (
                f" {self.backups_remaining} encrypted backup file(s) in the vault's backups "
                "folder were taken earlier and still hold older copies."
            )
        return f"Removed {self.child_ref}: {body}.{note}"


@dataclass
class _DueCacheEntry:
    fingerprint: tuple[int, int, str | None]
    items: list[pw.DueItem] = field(default_factory=list)
    state: pw.CaseState | None = None
    records: list[pw.StepRecord] = field(default_factory=list)


# --- helpers --------------------------------------------------------------------------------


_SIGNOFF_SQL = (
    "SELECT g.id, g.screening_id, g.decision, g.level, g.comment, g.chain_seq, g.chain_hash,"
    " g.sig, u.name, a.hash, a.actor, a.record_id"
    " FROM signoffs g LEFT JOIN users u ON u.id = g.created_by"
    " LEFT JOIN audit a ON a.seq = g.chain_seq"
)


def verify_signoff(conn: Any, vault_id: str, state: Any, signoff_id: str) -> str:
    """Why sign-off ``signoff_id`` is not a registered DSL's own, or "" when it is."""
    row = conn.execute(_SIGNOFF_SQL + " WHERE g.id = ?", (signoff_id,)).fetchone()
    if row is None:
        return "no such sign-off"
    return _signoff_problem(vault_id, state, row)


def _signoff_problem(vault_id: str, state: Any, row: Any) -> str:

    signoff_id, screening_id, decision, level, comment, seq, digest, sig, name = row[:9]
    entry_hash, signer, entry_record = row[9:12]
    if not state.signed:
        return ""
    if not sig:
        if seq <= state.legacy_until:
            return ""
        return "it is not signed"
    if entry_hash is None or entry_hash != digest or entry_record != signoff_id:
        return "the audit entry it names is not there"
    message = signoff_message(vault_id, signoff_id, screening_id, decision, level, comment or "",
                              seq, digest, signer)
    if name != signer or not state.signed_by(signer, sig, message):
        return f"it is not signed by {signer}'s registered key"
    role = state.in_force_at(seq).get(signer)
    if role is None or role.role != "dsl":
        return f"{signer} was not a designated safeguarding lead then"
    return ""


def _start(d: date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


def _end_exclusive(d: date) -> str:
    return _start(d + timedelta(days=1))


def _label(name: str, alias: str, ref: str) -> str:
    if name and alias:
        return f"{name} ({alias})"
    return name or alias or ref


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month end)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def age_on(dob: str | None, approx: int | None, approx_on: str | None, when: date) -> int | None:
    if dob:
        born = date.fromisoformat(dob)
        return when.year - born.year - ((when.month, when.day) < (born.month, born.day))
    if approx is not None:
        since = date.fromisoformat(approx_on) if approx_on else when
        return approx + max(0, (when - since).days // 365)
    return None


AGE_BANDS = ("Under 10", "10-11", "12-13", "14-15", "16-17", "18 and over", "Not known")


def age_band(age: int | None) -> str:
    if age is None:
        return AGE_BANDS[-1]
    if age < 10:
        return AGE_BANDS[0]
    if age >= 18:
        return AGE_BANDS[5]
    return AGE_BANDS[1 + (age - 10) // 2]


def _fill_months(
    months: list[tuple[str, int]], date_from: date | None, date_to: date | None
) -> list[tuple[str, int]]:
    """Every month of the period (or from the first to the last episode), zeros included: a
    month left out of a time series would read as if it did not exist."""
    if not months and not (date_from and date_to):
        return months
    have = dict(months)
    first = date_from.strftime("%Y-%m") if date_from else months[0][0]
    last = date_to.strftime("%Y-%m") if date_to else months[-1][0]
    year, month = int(first[:4]), int(first[5:7])
    out: list[tuple[str, int]] = []
    while f"{year:04d}-{month:02d}" <= last and len(out) < 1200:
        key = f"{year:04d}-{month:02d}"
        out.append((key, have.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def short_tool_name(name: str) -> str:
    """ "Worcestershire CSE screening tool" -> "Worcestershire" for chart labels."""
    short = re.sub(r"\s*(CSE\s+)?screening tool\s*$", "", name, flags=re.I).strip()
    return short or name


def _gender(text: str) -> str:
    value = text.strip().lower()
    if value in ("female", "f", "girl"):
        return "Female"
    if value in ("male", "m", "boy"):
        return "Male"
    return "Other or not recorded"


# --- the repository -------------------------------------------------------------------------


class DslRepository:
    def __init__(self, vault: Vault) -> None:
        self._v = vault
        self._due_cache: dict[str, _DueCacheEntry] = {}
        self._due_valid = False
        self._urgency_cache: dict[str, tuple[Any, datetime, urg.Urgency]] = {}
        self._screen_items: list[QueueItem] | None = None
        self._seen_seq = 0
        self._signoff_ok: dict[str, bool] = {}  # sign-off id -> its signature verified
        # The GUI may build the queue and the dashboard on two pool threads at once; the caches
        # are filled under this lock.
        self._lock = threading.RLock()
        self._tools: dict[tuple[str, str | None], tools.Tool | None] = {}
        self._titles: dict[str, str] | None = None

    @property
    def _c(self) -> Any:
        return self._v.conn

    def _require(self) -> None:
        self._v.require("dsl")

    def _tool(self, tool_id: str, version: str | None = None) -> tools.Tool | None:
        key = (tool_id, version)
        if key not in self._tools:
            try:
                self._tools[key] = catalogue.load_tool(tool_id, version)
            except UserError:
                self._tools[key] = None if version is None else self._tool(tool_id)
        return self._tools[key]

    def level_label(self, tool_id: str | None, level: str | None) -> str:
        return catalogue.level_label(level, tool_id) if level else "none"

    # -- review queue ---------------------------------------------------------------------
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

    def queue(self, due_within_days: int = DUE_SOON_DAYS) -> list[QueueItem]:
        """Everything waiting for the DSL: overdue first, then due soon, then oldest first."""
        self._require()
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
            if i.child_id in urgent and i.kind != DANGER else i
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
        out = []
        for cid, u in danger.items():
            ref, label = names[cid] if cid in names else (ref_for(cid), ref_for(cid))
            out.append(QueueItem(
                kind=DANGER, record_id=f"{cid}:danger", child_id=cid, child_ref=ref,
                child_label=label, title=u.text,
                detail="Make sure the child is safe now; the strategy meeting is held "
                       "straight away. Record it on the child's Process tab.",
                at=u.called_999_at, due_at=None, overdue=False, open_tab=TAB_PROCESS,
                rank=u.rank, flag=u.text,
            ))
        return out

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
            when = parse_utc(at or screened)
            who = by or "the worker"
            level = self.level_label(tool_id, confirmed)
            if screening.awaiting_signoff(
                self._tool(tool_id, version), suggested, confirmed, "confirmed"
            ):
                # SAFETY.md R7: until the DSL agrees, the suggestion drives the case.
                out.append(
                    QueueItem(
                        kind=LEVEL_CHANGED,
                        record_id=sid,
                        child_id=cid,
                        child_ref=ref,
                        child_label=_label(name, alias, ref),
                        title=f"Level lowered, {screening.AWAITING_SIGNOFF}: "
                        f"{self.level_label(tool_id, suggested)} to {level}",
                        detail=f"{who} chose {level}, lower than the suggested "
                        f"{self.level_label(tool_id, suggested)}. Until you agree, "
                        f"{self.level_label(tool_id, suggested)} drives the process and due "
                        f"dates. Reason: {reason or 'none given'}",
                        at=when,
                        open_tab=TAB_SCREENING,
                    )
                )
            elif cannot_complete:
                # SAFETY.md R2: the lowest level on an incomplete screening, with the reason.
                out.append(
                    QueueItem(
                        kind=SIGNOFF,
                        record_id=sid,
                        child_id=cid,
                        child_ref=ref,
                        child_label=_label(name, alias, ref),
                        title=f"Incomplete screening, {screening.AWAITING_SIGNOFF}",
                        detail=f"{who} could not complete the screening and confirmed {level}. "
                        f"Why it cannot be completed: {cannot_complete}",
                        at=when,
                        open_tab=TAB_SCREENING,
                    )
                )
            elif confirmed and suggested and confirmed != suggested:
                out.append(
                    QueueItem(
                        kind=LEVEL_CHANGED,
                        record_id=sid,
                        child_id=cid,
                        child_ref=ref,
                        child_label=_label(name, alias, ref),
                        title=f"Level changed: {self.level_label(tool_id, suggested)} to {level}",
                        detail=f"{who} chose {level} instead of the suggested "
                        f"{self.level_label(tool_id, suggested)}. Reason: {reason or 'none given'}",
                        at=when,
                        open_tab=TAB_SCREENING,
                    )
                )
            else:
                out.append(
                    QueueItem(
                        kind=SIGNOFF,
                        record_id=sid,
                        child_id=cid,
                        child_ref=ref,
                        child_label=_label(name, alias, ref),
                        title="Screening awaiting sign-off",
                        detail=f"Level {level} confirmed by {who}.",
                        at=when,
                        open_tab=TAB_SCREENING,
                    )
                )
        return out

    def due_items(self) -> dict[str, list[pw.DueItem]]:
        """Every child's unmet due items (pathway engine), with ``overdue`` as of now."""
        self._require()
        now = self._v.now()
        with self._lock:
            self._sync()
            cached = self._due_cache if self._due_valid else self._refresh_due_cache()
            self._due_valid = True
            entries = list(cached.items())
        out: dict[str, list[pw.DueItem]] = {}
        for child_id, entry in entries:
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
        sql = (
            "SELECT child_id, pathway_id, step_id, status, created_at, event_at, reason, data,"
            " created_by, rowid FROM pathway_steps"
        )
        rows: list[Any] = []
        if len(stale) > 400:
            rows = self._c.execute(sql).fetchall()
            wanted = set(stale)
            rows = [r for r in rows if r[0] in wanted]
        else:
            for start in range(0, len(stale), 200):
                chunk = stale[start : start + 200]
                rows += self._c.execute(
                    f"{sql} WHERE child_id IN ({','.join('?' * len(chunk))})", chunk
                ).fetchall()
        # The engine replays steps in the order recorded (repos.engine_records' order).
        rows.sort(key=lambda r: (r[0], r[4], r[9]))
        grouped: dict[str, list[Any]] = defaultdict(list)
        for r in rows:
            grouped[r[0]].append(r)
        pathways: dict[str, pw.Pathway] = {}
        for cid in stale:
            fp = fingerprints[cid]
            recs = grouped.get(cid, [])
            items: list[pw.DueItem] = []
            state: pw.CaseState | None = None
            records: list[pw.StepRecord] = []
            if recs:
                pid = recs[-1][1]
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

    def urgencies(self) -> dict[str, urg.Urgency]:
        """Each child's urgency now (core.urgency), for children with a recorded step."""
        self._require()
        now = self._v.now()
        with self._lock:
            self._sync()
            cached = self._due_cache if self._due_valid else self._refresh_due_cache()
            self._due_valid = True
            entries = list(cached.items())
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
            fresh = [pw.DueItem(d.id, d.label, d.step, d.due_at, now > d.due_at)
                     for d in entry.items]
            level = urg.urgency_level(entry.fingerprint[2], entry.state)
            found = urg.urgency(entry.state, entry.records, level, now,
                                latest_screening_status=status, latest_screening_at=at,
                                due=fresh)
            moments = [d.due_at for d in entry.items]
            if at is not None:
                moments.append(at + timedelta(days=urg.NEW_DAYS))
            until = min([m for m in moments if m > now] + [now + timedelta(hours=1)])
            cache[cid] = (key, until, found)
            out[cid] = found
        return out

    def _due_queue_items(self, now: datetime, within_days: int) -> list[QueueItem]:
        horizon = now + timedelta(days=within_days)
        due = self.due_items()
        if not due:
            return []
        names = self._child_names(due)
        out: list[QueueItem] = []
        for cid, items in due.items():
            ref, label = names[cid] if cid in names else (ref_for(cid), ref_for(cid))
            for d in items:
                if not d.overdue and d.due_at > horizon:
                    continue
                out.append(
                    QueueItem(
                        kind=DUE,
                        record_id=f"{cid}:{d.id}",
                        child_id=cid,
                        child_ref=ref,
                        child_label=label,
                        title=d.label,
                        detail=self._due_detail(d, now),
                        at=d.due_at,
                        due_at=d.due_at,
                        overdue=d.overdue,
                        open_tab=TAB_PROCESS,
                    )
                )
        return out

    def _due_detail(self, d: pw.DueItem, now: datetime) -> str:
        step = self._step_titles().get(d.step, d.step.replace("_", " "))
        days = (now - d.due_at).days if d.overdue else (d.due_at - now).days
        if d.overdue:
            when = (
                "Overdue today" if days == 0 else f"Overdue by {days} day{'s' if days != 1 else ''}"
            )
        else:
            when = "Due today" if days == 0 else f"Due in {days} day{'s' if days != 1 else ''}"
        return f"{when}: record '{step}' on the child's Process tab."

    def _step_titles(self) -> dict[str, str]:
        if self._titles is None:
            from cse_toolkit.policy import load_policy

            try:
                pathway = catalogue.load_pathway(load_policy().policy.default_pathway)
                self._titles = {st.id: st.title for st in pathway.steps}
            except UserError:
                self._titles = {}
        return self._titles

    def _child_names(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        wanted = set(ids)
        out: dict[str, tuple[str, str]] = {}
        for cid, ref, name, alias in self._c.execute("SELECT id, ref, name, alias FROM children"):
            if cid in wanted:
                out[cid] = (ref, _label(name, alias, ref))
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
            days = max(1, (now - made).days)
            out.append(
                QueueItem(
                    kind=UNSENT,
                    record_id=eid,
                    child_id=cid,
                    child_ref=ref or "",
                    child_label=_label(name or "", alias or "", ref or "") if cid else "",
                    title=f"{kind.capitalize()} pack exported but not marked sent",
                    detail=f"Exported for {recipient} {days} day{'s' if days != 1 else ''} ago; "
                    "send it and mark it sent, or say why not.",
                    at=made,
                    open_tab=TAB_EXPORTS,
                )
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
            n = len(listed)
            out.append(
                QueueItem(
                    kind=IMPORT_CONFLICT,
                    record_id=iid,
                    child_id=cid,
                    child_ref=ref,
                    child_label=label,
                    title=f"Imported pack has {n} conflict{'s' if n != 1 else ''} to resolve",
                    detail=f"Pack {pack_id} imported by {by}; nothing was overwritten.",
                    at=parse_utc(at),
                    open_tab=TAB_IMPORTS,
                )
            )
        return out

    # -- sign-off -------------------------------------------------------------------------
    def signoff_context(self, screening_id: str) -> SignoffContext:
        self._require()
        row = self._c.execute(
            "SELECT s.id, s.version, s.status, s.child_id, c.ref, c.name, c.alias, s.tool_id,"
            " s.tool_version, s.outcome, s.input, s.suggested_level, s.confirmed_level,"
            " s.confirmed_by, s.confirmed_at, s.confirm_reason"
            " FROM screenings s JOIN children c ON c.id = s.child_id WHERE s.id = ?",
            (screening_id,),
        ).fetchone()
        if row is None:
            raise UserError("That screening no longer exists.")
        tool = self._tool(row[7], row[8])
        if tool is None:
            raise UserError(
                f"The screening tool '{row[7]}' version {row[8]} is not installed, so this "
                "screening cannot be signed off here. Install that tool version."
            )
        outcome = json.loads(row[9]) if row[9] else None
        if outcome is None:
            raise UserError("This screening has no outcome yet; the worker must finish it first.")
        minimum = outcome.get("minimum_level")
        if minimum not in tool.level_ids:
            minimum = screening.evaluate(
                tool, screening.ScreeningInput.from_dict(json.loads(row[10]))
            ).minimum_level
        floors = tuple(
            str(f.get("text", "")) for f in outcome.get("floors_applied", []) if isinstance(f, dict)
        )
        return SignoffContext(
            screening_id=row[0],
            version=row[1],
            status=row[2],
            child_id=row[3],
            child_ref=row[4],
            child_label=_label(row[5], row[6], row[4]),
            tool_id=row[7],
            tool_version=row[8],
            tool_name=tool.name,
            levels=tuple((lv.id, lv.label) for lv in tool.levels),
            suggested_level=row[11],
            confirmed_level=row[12],
            minimum_level=str(minimum),
            floor_reasons=floors,
            confirmed_by=row[13] or "",
            confirmed_at=parse_utc(row[14]) if row[14] else None,
            confirm_reason=row[15] or "",
        )

    def sign_off(
        self,
        screening_id: str,
        decision: str,
        *,
        level: str | None = None,
        comment: str = "",
        expected_version: int | None = None,
    ) -> SignOff:
        """Agree, change the level (with a reason) or return to the worker (with a comment)."""
        self._require()
        if decision not in DECISIONS:
            raise UserError(f"Unknown decision '{decision}': agree, change or return.")
        ctx = self.signoff_context(screening_id)
        if ctx.status in ("signed_off", "returned") and not self._latest_signoff_verified(
            screening_id
        ):
            ctx = replace(ctx, status="confirmed")  # a forged sign-off does not count
        if ctx.status != "confirmed":
            state = {
                "in_progress": "is still in progress",
                "signed_off": "is already signed off",
                "returned": "has been returned to the worker",
            }.get(ctx.status, ctx.status)
            raise UserError(f"This screening {state}; there is nothing to sign off.")
        if expected_version is not None and expected_version != ctx.version:
            raise UserError(
                "This screening changed since you opened it. Open it again to see "
                "the latest version; nothing was signed off."
            )
        comment = comment.strip()
        new_level: str | None = ctx.confirmed_level
        if decision == "change":
            ids = [lid for lid, _ in ctx.levels]
            if level not in ids:
                raise UserError(
                    f"Choose one of the tool's levels: "
                    f"{', '.join(label for _, label in ctx.levels)}."
                )
            if level == ctx.confirmed_level:
                raise UserError(
                    f"The level is already {ctx.label(level)}. Choose Agree to keep "
                    "it, or choose a different level."
                )
            if ids.index(level) < ids.index(ctx.minimum_level):
                why = " ".join(r for r in ctx.floor_reasons if r) or "a floor rule applies"
                raise UserError(
                    f"The level cannot be lower than {ctx.label(ctx.minimum_level)} for this "
                    f"screening: {why} Nothing was changed."
                )
            if not comment:
                raise UserError(
                    f"Say why you are changing the level to {ctx.label(level)}: "
                    "a reason is required."
                )
            new_level = level
        elif decision == "return" and not comment:
            raise UserError(
                "Say what the worker needs to look at again: a comment is required "
                "when returning a screening."
            )
        status = "returned" if decision == "return" else "signed_off"
        signoff_id = str(uuid.uuid4())
        now = self._v.now_iso()
        # Levels are ids, not personal data; the reason and comment stay out of the audit row.
        reason = f"screening={screening_id} level={new_level or ''}"
        if decision == "change":
            reason += f" from={ctx.confirmed_level or ''}"
        with self._v.write("the sign-off"):
            updated = self._c.execute(
                "UPDATE screenings SET status = ?, version = version + 1, updated_at = ?"
                " WHERE id = ? AND version = ?",
                (status, now, screening_id, ctx.version),
            ).rowcount
            if updated != 1:
                raise UserError(
                    "This screening changed while you were signing it off; "
                    "nothing was saved. Open it again."
                )
            if decision == "change" and new_level and self._is_latest(ctx):
                self._v.repos.set_confirmed_level(ctx.child_id, new_level, ctx.tool_id)
            lowered = screening.is_lowered(
                self._tool(ctx.tool_id, ctx.tool_version), ctx.suggested_level,
                ctx.confirmed_level,
            )
            if decision == "agree" and lowered and ctx.confirmed_level and self._is_latest(ctx):
                # SAFETY.md R7: the worker's lower level drives the case only from now on.
                self._v.repos.set_confirmed_level(ctx.child_id, ctx.confirmed_level, ctx.tool_id)
            head = self._v.audit(f"signoff.{decision}", "signoff", signoff_id, 1, reason)
            saved_level = None if decision == "return" else new_level
            sig = self._v.sign(signoff_message(
                self._v.vault_id, signoff_id, screening_id, decision, saved_level, comment,
                head.seq, head.hash, self._v.user.name))
            if not sig:
                raise UserError("Signing off needs your own signature: lock and unlock with "
                                "your passphrase, then sign off again.")
            self._c.execute(
                "INSERT INTO signoffs (id, origin, created_at, created_by, updated_at,"
                " screening_id, decision, level, comment, chain_seq, chain_hash, sig)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    signoff_id,
                    self._v.vault_id,
                    now,
                    self._v.user.id,
                    now,
                    screening_id,
                    decision,
                    None if decision == "return" else new_level,
                    comment,
                    head.seq,
                    head.hash,
                    sig,
                ),
            )
        with self._lock:
            # The queue was up to date just before this sign-off: drop its item instead of
            # reading every screening again (a changed level also moves the due dates).
            if self._screen_items is not None and self._seen_seq == head.seq - 1:
                self._screen_items = [i for i in self._screen_items if i.record_id != screening_id]
                self._seen_seq = head.seq
                if decision == "change" or (decision == "agree" and lowered):
                    self._due_valid = False
        return SignOff(
            signoff_id,
            screening_id,
            decision,
            None if decision == "return" else new_level,
            comment,
            head.seq,
            head.hash,
            parse_utc(now),
        )

    def _is_latest(self, ctx: SignoffContext) -> bool:
        row = self._c.execute(
            "SELECT id FROM screenings WHERE child_id = ? AND status IN ('confirmed',"
            " 'signed_off') ORDER BY screened_at DESC, rowid DESC LIMIT 1",
            (ctx.child_id,),
        ).fetchone()
        return row is None or row[0] == ctx.screening_id

    def signoffs_for(self, screening_id: str) -> list[SignOff]:
        self._require()
        rows = self._c.execute(
            "SELECT id, screening_id, decision, level, comment, chain_seq, chain_hash, created_at"
            " FROM signoffs WHERE screening_id = ? ORDER BY created_at, rowid",
            (screening_id,),
        ).fetchall()
        return [SignOff(r[0], r[1], r[2], r[3], r[4], r[5], r[6], parse_utc(r[7]),
                        self.signoff_verified(r[0])) for r in rows]

    def signoff_verified(self, signoff_id: str) -> bool:
        """(2) Does this sign-off carry the signature of a DSL in the signed user registry,
        and the audit entry it names? Sign-offs from before per-person keys count as verified
        (the chain covers them); with no signed registry yet nothing can be checked."""
        cached = self._signoff_ok.get(signoff_id)
        if cached is not None:
            return cached
        ok = verify_signoff(self._c, self._v.vault_id, self._v.registry, signoff_id) == ""
        self._signoff_ok[signoff_id] = ok
        return ok

    def _latest_signoff_verified(self, screening_id: str) -> bool:
        row = self._c.execute(
            "SELECT id FROM signoffs WHERE screening_id = ? ORDER BY created_at DESC, rowid DESC"
            " LIMIT 1", (screening_id,),
        ).fetchone()
        return row is not None and self.signoff_verified(row[0])

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
        unknown = [r[6] for r in rows if r[6] is not None and r[6] not in self._signoff_ok]
        for start in range(0, len(unknown), 500):
            chunk = unknown[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for found in self._c.execute(_SIGNOFF_SQL + f" WHERE g.id IN ({marks})", chunk):
                self._signoff_ok[found[0]] = (
                    _signoff_problem(self._v.vault_id, self._v.registry, found) == ""
                )
        out = []
        for sid, cid, ref, name, alias, screened, latest in rows:
            if latest is not None and self._signoff_ok.get(latest, False):
                continue
            out.append(QueueItem(
                kind=SIGNOFF, record_id=sid, child_id=cid, child_ref=ref,
                child_label=_label(name, alias, ref),
                title="Sign-off not signed by a DSL: refused",
                detail="This screening is marked as signed off, but the sign-off does not carry "
                       "the signature of a designated safeguarding lead in the user registry, "
                       "so it does not count. Sign it off again and tell your IT team.",
                at=parse_utc(screened), open_tab=TAB_SCREENING,
            ))
        return out

    # -- figures --------------------------------------------------------------------------
    def _children_in_period(self, date_from: date | None, date_to: date | None) -> list[Any]:
        """(id, school, gender, dob, approx_age, approx_age_on, level, level_tool) of every
        child with something recorded in the period (all children when it is open-ended)."""
        cols = (
            "c.id, c.school, c.gender, c.dob, c.approx_age, c.approx_age_on,"
            " c.confirmed_level, c.level_tool"
        )
        if date_from is None and date_to is None:
            return list(self._c.execute(f"SELECT {cols} FROM children c").fetchall())
        lo = _start(date_from) if date_from else ""
        hi = _end_exclusive(date_to) if date_to else "9999"
        rows = self._c.execute(
            f"SELECT {cols} FROM children c WHERE c.id IN ("
            " SELECT id FROM children WHERE created_at >= ?1 AND created_at < ?2"
            " UNION SELECT child_id FROM notes WHERE event_at >= ?1 AND event_at < ?2"
            " UNION SELECT child_id FROM screenings WHERE screened_at >= ?1 AND screened_at < ?2"
            " UNION SELECT child_id FROM missing_episodes WHERE from_at >= ?1 AND from_at < ?2"
            " UNION SELECT child_id FROM pathway_steps WHERE event_at >= ?1 AND event_at < ?2)",
            (lo, hi),
        ).fetchall()
        if date_to is not None and date_to < self._v.now().date():
            rows = self._levels_as_at(rows, date_to)
        return list(rows)

    def _levels_as_at(self, rows: list[Any], date_to: date) -> list[Any]:
        """For a period that ended in the past: each child's level from their latest confirmed
        screening by then (the DSL's level where it was signed off with a change)."""
        latest: dict[str, tuple[str | None, str]] = {}
        for cid, level, tool_id, signed in self._c.execute(
            "SELECT s.child_id, s.confirmed_level, s.tool_id,"
            " (SELECT g.level FROM signoffs g WHERE g.screening_id = s.id"
            "  AND g.decision = 'change' ORDER BY g.created_at DESC LIMIT 1)"
            " FROM screenings s WHERE s.status IN ('confirmed', 'signed_off')"
            " AND s.screened_at < ? ORDER BY s.screened_at, s.rowid",
            (_end_exclusive(date_to),),
        ):
            latest[cid] = (signed or level, tool_id)
        out = []
        for r in rows:
            level, tool_id = latest.get(r[0], (None, r[7]))
            out.append((*r[:6], level, tool_id))
        return out

    def _tool_levels(self) -> list[sm.ToolLevels]:
        from cse_toolkit.policy import load_policy

        default = load_policy().policy.default_tool
        infos = sorted(catalogue.list_tools(), key=lambda t: (t.id != default, t.id))
        out = []
        for info in infos:
            tool = self._tool(info.id)
            if tool is not None:
                out.append(
                    sm.ToolLevels(
                        tool.id, tool.name, tuple((lv.id, lv.label) for lv in tool.levels)
                    )
                )
        return out

    def _period_where(
        self, column: str, date_from: date | None, date_to: date | None
    ) -> tuple[str, tuple[str, ...]]:
        lo = _start(date_from) if date_from else ""
        hi = _end_exclusive(date_to) if date_to else "9999"
        return f"{column} >= ? AND {column} < ?", (lo, hi)

    def place_mentions(
        self, date_from: date | None = None, date_to: date | None = None
    ) -> list[tuple[str, int]]:
        """Places by the number of intelligence reports (in the period) that mention them,
        with places a person confirmed as the same counted together."""
        self._require()
        return [(shown, n) for _key, shown, n in self._place_counts(date_from, date_to)]

    def _place_counts(
        self, date_from: date | None, date_to: date | None
    ) -> list[tuple[str, str, int]]:
        where, params = self._period_where(
            "COALESCE(r.learned_at, r.created_at)", date_from, date_to
        )
        rows = self._c.execute(
            "SELECT e.key, e.display, e.report_id FROM intel_entities e"
            " JOIN intel_reports r ON r.id = e.report_id"
            f" WHERE e.kind = 'location' AND {where}",
            params,
        ).fetchall()
        if not rows:
            return []
        from cse_toolkit.core import intelligence as intel

        resolution = intel.resolve_groups({r[0] for r in rows}, self._v.intel.decisions())
        canonical = resolution.canonical()
        reports: dict[str, set[str]] = defaultdict(set)
        display: dict[str, str] = {}
        for key, shown, report_id in rows:
            head = canonical.get(key, key)
            reports[head].add(report_id)
            if head not in display or key == head:
                display[head] = shown or key.split(":", 1)[-1]
        counts = [(k, display[k], len(v)) for k, v in reports.items()]
        counts.sort(key=lambda t: (-t[2], t[1].casefold()))
        return counts

    def _private_place_keys(self) -> set[str]:
        """Keys of places recorded as a house: someone's home is never named in a summary."""
        from cse_toolkit.core import intelligence as intel

        keys: set[str] = set()
        for name, address, postcode in self._c.execute(
            "SELECT DISTINCT json_extract(e.value, '$.name'), json_extract(e.value, '$.address'),"
            " json_extract(e.value, '$.postcode') FROM intel_reports r,"
            " json_each(r.body, '$.entities') e"
            " WHERE json_extract(e.value, '$.kind') = 'location'"
            " AND json_extract(e.value, '$.place_type') = 'house'"
        ):
            try:
                key = intel.Location(
                    name=name or "",
                    address=address or "",
                    postcode=postcode or "",
                    place_type="house",
                ).key()
            except (ValueError, UserError):
                continue
            if key:
                keys.add(key)
        return keys

    def summary_input(
        self, date_from: date | None = None, date_to: date | None = None
    ) -> sm.SummaryInput:
        """The facts for ``core.summary.build_summary`` (no names, no ids leave here)."""
        self._require()
        from cse_toolkit.policy import load_policy

        if date_from and date_to and date_from > date_to:
            raise UserError("The start of the period is after its end. Check the dates.")
        rows = self._children_in_period(date_from, date_to)
        children = [sm.ChildFacts(level=r[6], level_tool=r[7], school=r[1] or "") for r in rows]
        schools = self._c.execute(
            "SELECT count(DISTINCT lower(trim(school))) FROM children WHERE trim(school) != ''"
        ).fetchone()[0]
        where, params = self._period_where("from_at", date_from, date_to)
        missing = self._c.execute(
            f"SELECT count(*) FROM missing_episodes WHERE {where}", params
        ).fetchone()[0]
        swhere, sparams = self._period_where("s.screened_at", date_from, date_to)
        themes = self._c.execute(
            "SELECT json_extract(p.value, '$.label'), count(DISTINCT s.child_id)"
            " FROM screenings s, json_each(s.outcome, '$.present') p"
            f" WHERE s.status IN ('confirmed', 'signed_off') AND s.outcome IS NOT NULL"
            f" AND {swhere} GROUP BY 1",
            sparams,
        ).fetchall()
        private = self._private_place_keys()
        return sm.SummaryInput(
            organisation=load_policy().policy.organisation,
            date_from=date_from,
            date_to=date_to,
            generated_on=self._v.now().date(),
            children=children,
            tools=self._tool_levels(),
            schools_recorded=int(schools),
            missing_episodes=int(missing),
            place_mentions=[
                (PRIVATE_PLACE if key in private else shown, n)
                for key, shown, n in self._place_counts(date_from, date_to)
            ],
            indicator_counts=[(str(label), int(n)) for label, n in themes if label],
        )

    def summary(
        self,
        date_from: date | None = None,
        date_to: date | None = None,
        *,
        schools_listed: int | None = None,
        hotspot_min: int = sm.HOTSPOT_MIN,
    ) -> sm.NetworkSummary:
        if schools_listed is None:
            schools_listed = self._policy(None).schools_in_area
        return sm.build_summary(
            self.summary_input(date_from, date_to),
            schools_listed=schools_listed,
            hotspot_min=hotspot_min,
        )

    def record_summary(self, what: str, date_from: date | None, date_to: date | None) -> None:
        """Audit that an anonymised summary was produced (``what``: text, json or pdf)."""
        self._require()
        span = f"{date_from.isoformat() if date_from else ''}..{date_to.isoformat() if date_to else ''}"
        with self._v.write("the audit entry"):
            self._v.audit("summary." + what, "summary", "", None, f"period={span}")

    def dashboard(
        self, date_from: date | None = None, date_to: date | None = None
    ) -> DashboardData:
        self._require()
        if date_from and date_to and date_from > date_to:
            raise UserError("The start of the period is after its end. Check the dates.")
        rows = self._children_in_period(date_from, date_to)
        as_of = date_to if date_to else self._v.now().date()
        as_of = min(as_of, self._v.now().date())

        levels: Counter[tuple[str, str]] = Counter()
        order: dict[tuple[str, str], tuple[int, int]] = {}
        tool_levels = self._tool_levels()
        for ti, t in enumerate(tool_levels):
            for li, (lid, _label) in enumerate(t.levels):
                order[(t.tool_id, lid)] = (ti, -li)
        several = len({r[7] for r in rows if r[6]}) > 1
        for r in rows:
            levels[(r[7] or "", r[6] or "")] += 1
        by_level: list[tuple[str, int]] = []
        for (tool_id, lid), n in sorted(levels.items(), key=lambda kv: order.get(kv[0], (99, 0))):
            if not lid:
                text = "No confirmed level"
            else:
                text = self.level_label(tool_id, lid)
                tool = self._tool(tool_id) if tool_id else None
                if several and tool is not None:
                    text = f"{text} ({short_tool_name(tool.name)})"
            by_level.append((text, n))

        genders = ["Female", "Male", "Other or not recorded"]
        grid = [[0] * len(genders) for _ in AGE_BANDS]
        schools: Counter[str] = Counter()
        for r in rows:
            band = AGE_BANDS.index(age_band(age_on(r[3], r[4], r[5], as_of)))
            grid[band][genders.index(_gender(r[2] or ""))] += 1
            schools[(r[1] or "").strip() or "Not recorded"] += 1
        keep = [i for i, row in enumerate(grid) if any(row)]

        where, params = self._period_where("from_at", date_from, date_to)
        months = [
            (m, int(n))
            for m, n in self._c.execute(
                f"SELECT substr(from_at, 1, 7), count(*) FROM missing_episodes WHERE {where}"
                " GROUP BY 1 ORDER BY 1",
                params,
            )
        ]
        months = _fill_months(months, date_from, date_to)

        due_counts: dict[str, list[int]] = {}
        now = self._v.now()
        soon = now + timedelta(days=DUE_SOON_DAYS)
        for items in self.due_items().values():
            for d in items:
                slot = due_counts.setdefault(d.label, [0, 0])
                if d.overdue:
                    slot[0] += 1
                elif d.due_at <= soon:
                    slot[1] += 1
        return DashboardData(
            date_from=date_from,
            date_to=date_to,
            children=len(rows),
            by_level=by_level,
            age_bands=[AGE_BANDS[i] for i in keep],
            genders=genders,
            age_gender=[grid[i] for i in keep],
            by_school=sorted(schools.items(), key=lambda t: (-t[1], t[0].casefold())),
            missing_per_month=months,
            hotspots=self.place_mentions(date_from, date_to)[:10],
            due=sorted(
                ((k, v[0], v[1]) for k, v in due_counts.items()), key=lambda t: (-t[1], t[0])
            ),
        )

    # -- audit trail ----------------------------------------------------------------------
    def audit_page(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> tuple[list[audit.AuditRow], int]:
        """Audit rows, newest first, filtered; returns (rows, how many match in all).

        ``action`` matches the action itself or a family of actions (``signoff`` matches
        ``signoff.agree``, ``signoff.change`` ...)."""
        self._require()
        where: list[str] = []
        params: list[Any] = []
        if actor:
            where.append("actor = ?")
            params.append(actor)
        if action:
            where.append("(action = ? OR substr(action, 1, ?) = ?)")
            params += [action, len(action) + 1, action + "."]
        if date_from:
            where.append("at >= ?")
            params.append(_start(date_from))
        if date_to:
            where.append("at < ?")
            params.append(_end_exclusive(date_to))
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        total = self._c.execute(f"SELECT count(*) FROM audit{clause}", params).fetchone()[0]
        rows = self._c.execute(
            "SELECT seq, at, actor, action, record_type, record_id, record_version, reason,"
            f" prev_hash, hash FROM audit{clause} ORDER BY seq DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return [audit.AuditRow(*r) for r in rows], int(total)

    def audit_words(self, rows: list[audit.AuditRow]) -> dict[int, str]:
        """Each row as a plain sentence ("Sam signed off the screening for Jade Wilson ...")."""
        from cse_toolkit.vault.audit_words import describe

        self._require()
        return describe(self._v, rows)

    def audit_actors(self) -> list[str]:
        self._require()
        return [r[0] for r in self._c.execute("SELECT DISTINCT actor FROM audit ORDER BY 1")]

    def audit_actions(self) -> list[str]:
        """Action families (the part before the first dot), then the full actions."""
        self._require()
        actions = [r[0] for r in self._c.execute("SELECT DISTINCT action FROM audit")]
        families = sorted({a.split(".", 1)[0] for a in actions if "." in a})
        return families + sorted(a for a in actions if a not in families)

    def verify_chain(self) -> ChainCheck:
        """Recompute every audit hash and compare the newest entry with the signed head kept
        outside the database."""
        self._require()
        count, problems = audit.verify_chain(self._c, self._v.vault_id)
        head = self._v.chain_head()
        try:
            saved = audit.read_head_file(self._v.folder, self._v.vault_id, self._v.public_key)
        except UserError as exc:
            problems = [*problems, str(exc)]
            saved = None
        matches = saved is not None and saved == head
        if saved is not None and not matches:
            problems = [
                *problems,
                f"the signed head kept outside the database is entry "
                f"{saved.seq}, the database ends at {head.seq}",
            ]
        return ChainCheck(count, tuple(problems), head, matches)

    @staticmethod
    def describe_record(record_type: str, record_id: str) -> str:
        """A record as a person can look it up: the child's reference for children."""
        if record_type == "child" and _UUID.match(record_id):
            return f"child {ref_for(record_id)}"
        if record_type == "intel_report" and _UUID.match(record_id):
            return f"intelligence report I-{ref_for(record_id)}"  # as intel_repo shows it
        if _UUID.match(record_id):
            return f"{record_type.replace('_', ' ')} {ref_for(record_id)}"
        return f"{record_type.replace('_', ' ')} {record_id}".strip()

    # -- retention ------------------------------------------------------------------------
    def _policy(self, policy: Policy | None) -> Policy:
        if policy is not None:
            return policy
        from cse_toolkit.policy import load_policy

        return load_policy().policy

    def retention_candidates(self, policy: Policy | None = None) -> list[RetentionItem]:
        """Children due for a retention review, oldest activity first."""
        self._require()
        pol = self._policy(policy)
        now = self._v.now()
        cutoff = months_before(now, pol.retention_months)
        ack_cutoff = now - timedelta(days=pol.keep_after_acknowledged_days)
        activity = self._last_activity()
        exports: dict[str, tuple[str | None, int]] = {
            r[0]: (r[1], int(r[2]))
            for r in self._c.execute(
                "SELECT child_id, max(acknowledged_at), sum(state != 'acknowledged')"
                " FROM exports WHERE child_id IS NOT NULL GROUP BY child_id"
            )
        }
        out: list[RetentionItem] = []
        for cid, ref, name, alias in self._c.execute("SELECT id, ref, name, alias FROM children"):
            last = activity.get(cid)
            if last is None:
                continue
            label = _label(name, alias, ref)
            if last < cutoff:
                out.append(
                    RetentionItem(
                        cid,
                        ref,
                        label,
                        last,
                        f"Nothing recorded since {last:%d/%m/%Y}; records are kept for "
                        f"{pol.retention_months} months after the last change.",
                        "retention",
                    )
                )
                continue
            ack, open_exports = exports.get(cid, (None, 0))
            if ack and not open_exports:
                acked = parse_utc(ack)
                if acked < ack_cutoff and last < ack_cutoff:
                    out.append(
                        RetentionItem(
                            cid,
                            ref,
                            label,
                            last,
                            f"Referral acknowledged on {acked:%d/%m/%Y}, nothing recorded since "
                            f"{last:%d/%m/%Y}; kept {pol.keep_after_acknowledged_days} days after "
                            "acknowledgement.",
                            "acknowledged",
                        )
                    )
        out.sort(key=lambda i: i.last_activity)
        return out

    def _last_activity(self) -> dict[str, datetime]:
        latest: dict[str, str] = {}
        # Plain scans reduced here: GROUP BY on these tables walks the child index and looks
        # every row up in the table, which on an encrypted file costs far more than one pass.
        for sql in (
            "SELECT id, updated_at FROM children",
            "SELECT child_id, updated_at FROM notes",
            "SELECT child_id, updated_at FROM screenings",
            "SELECT child_id, updated_at FROM pathway_steps",
            "SELECT child_id, updated_at FROM missing_episodes",
        ):
            for cid, at in self._c.execute(sql):
                if at and (cid not in latest or at > latest[cid]):
                    latest[cid] = at
        return {cid: parse_utc(at) for cid, at in latest.items()}

    def purge_child(
        self,
        child_id: str,
        typed_ref: str,
        *,
        policy: Policy | None = None,
        compact: bool = False,
    ) -> PurgeReport:
        """Delete a child past retention and everything recorded about them.

        ``typed_ref`` must be the child's reference, typed by the DSL. Intelligence reports
        that mention only this child go too; reports that also concern other children stay
        (only the link to this child is removed). The audit keeps a ``purge`` entry with
        counts and the record id, never names or text.
        """
        self._require()
        child = self._v.repos.get_child(child_id)
        if typed_ref.strip().upper() != child.ref:
            raise UserError(f"The reference typed does not match {child.ref}. Nothing was deleted.")
        if child.id not in {i.child_id for i in self.retention_candidates(policy)}:
            raise UserError(
                f"{child.ref} is not due for deletion under the retention policy. "
                "Nothing was deleted."
            )
        c = self._c
        cid = child.id
        counts: dict[str, int] = {}

        def count(sql: str) -> int:
            return int(c.execute(sql, (cid,)).fetchone()[0])

        with self._v.write("the deletion"):
            only_here = [
                r[0]
                for r in c.execute(
                    "SELECT report_id FROM intel_children WHERE child_id = ?1 AND report_id NOT IN"
                    " (SELECT report_id FROM intel_children WHERE child_id != ?1)",
                    (cid,),
                )
            ]
            counts["notes"] = count("SELECT count(*) FROM notes WHERE child_id = ?")
            counts["screenings"] = count("SELECT count(*) FROM screenings WHERE child_id = ?")
            counts["sign_offs"] = count(
                "SELECT count(*) FROM signoffs WHERE screening_id IN"
                " (SELECT id FROM screenings WHERE child_id = ?)"
            )
            counts["pathway_steps"] = count("SELECT count(*) FROM pathway_steps WHERE child_id = ?")
            counts["missing_episodes"] = count(
                "SELECT count(*) FROM missing_episodes WHERE child_id = ?"
            )
            counts["exports"] = count("SELECT count(*) FROM exports WHERE child_id = ?")
            counts["drafts"] = count("SELECT count(*) FROM drafts WHERE target_id = ?")
            counts["intelligence_reports"] = len(only_here)
            counts["intelligence_links"] = count(
                "SELECT count(*) FROM intel_children WHERE child_id = ?"
            ) - len(only_here)
            # Notes one by one through the table so the FTS triggers remove their index rows.
            c.execute("DELETE FROM notes WHERE child_id = ?", (cid,))
            c.execute(
                "DELETE FROM signoffs WHERE screening_id IN"
                " (SELECT id FROM screenings WHERE child_id = ?)",
                (cid,),
            )
            for table in (
                "screenings",
                "pathway_steps",
                "missing_episodes",
                "exports",
                "intel_children",
            ):
                c.execute(f"DELETE FROM {table} WHERE child_id = ?", (cid,))
            c.execute("DELETE FROM drafts WHERE target_id = ?", (cid,))
            c.executemany("DELETE FROM intel_reports WHERE id = ?", [(r,) for r in only_here])
            c.execute("DELETE FROM children WHERE id = ?", (cid,))
            # Merge the index segments so no page still holds the deleted notes' terms.
            c.execute("INSERT INTO notes_fts(notes_fts) VALUES('optimize')")
            reason = " ".join(f"{k}={v}" for k, v in counts.items())
            head = self._v.audit("purge", "child", cid, child.version, reason)
        self._due_cache.pop(cid, None)
        self._v.intel.invalidate()  # the connections index held the deleted reports
        compacted = False
        if compact:
            c.execute("VACUUM")
            compacted = True
        busy, _log, _done = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        backups = self._v.folder / "backups"
        n_backups = sum(1 for p in backups.iterdir() if p.is_file()) if backups.is_dir() else 0
        return PurgeReport(child.ref, counts, head.seq, busy == 0, compacted, n_backups)


__all__ = [
    "AGE_BANDS",
    "DECISIONS",
    "DUE",
    "IMPORT_CONFLICT",
    "KIND_LABELS",
    "LEVEL_CHANGED",
    "SIGNOFF",
    "TAB_EXPORTS",
    "TAB_IMPORTS",
    "TAB_PROCESS",
    "TAB_SCREENING",
    "UNSENT",
    "ChainCheck",
    "DashboardData",
    "DslRepository",
    "PurgeReport",
    "QueueItem",
    "RetentionItem",
    "SignOff",
    "SignoffContext",
    "age_band",
    "age_on",
    "months_before",
]
