"""The DSL's review queue: everything waiting for them, and where each is dealt with.

An item carries data, never sentences: its kind, the child, when it started waiting, a typed
``Destination`` and the facts of its kind (``ScreeningFacts``, ``DueFacts`` ...). The words are
the GUI's (``gui/dsl/queue_words.py``, through ``tr()``).

Speed: the queue is built from a handful of whole-table queries, never one query per child,
and never a replay of a child's pathway: each child's due dates and urgency are read from the
stored case state (``vault/case_store.py``, kept in the same transaction as the records).
Only the children stored as urgent, or whose stored urgency's time window has passed, are
ranked again (``case_store.urgent_lines``); the due items and the children's names come in
one query (``case_store.due_rows``). "Overdue" is worked out on every call from the stored due
dates and the time of asking.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from cse_toolkit.core import catalogue, screening
from cse_toolkit.core import pathway as pw
from cse_toolkit.core import urgency as urg
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.ids import ref_for
from cse_toolkit.errors import UserError
from cse_toolkit.vault import case_store
from cse_toolkit.vault.dsl.actions import ACTION, ActionFacts, action_rows
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
KINDS = (DANGER, SIGNOFF, LEVEL_CHANGED, DUE, ACTION, UNSENT, IMPORT_CONFLICT)

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
    "action.",  # actions are read afresh on every call (vault/dsl/actions.py)
    "incident.",
)


class Destination(StrEnum):
    """Where an item is dealt with."""

    SCREENING = "screening"  # the child's screening (recorded on their Process tab)
    PROCESS = "process"  # the child's Process tab (pathway steps, due dates)
    EXPORTS = "exports"  # the packs exported for the child (Share tab, Outbox page)
    IMPORTS = "imports"  # the Imported packs page
    ACTIONS = "actions"  # the child's Actions tab


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


Facts = ScreeningFacts | DueFacts | UnsentFacts | ImportFacts | DangerFacts | ActionFacts


@dataclass(frozen=True)
class QueueItem:
    """Something waiting for the DSL, and where it is dealt with."""

    kind: str
    record_id: str  # screening, export, import or action id; due items "<child id>:<due id>"
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


def _ranked(i: QueueItem, risk: urg.Urgency) -> QueueItem:
    """The item with its child's urgency (a plain constructor call: ``dataclasses.replace``
    cost 30 us an item, half a second for a queue of 16,000)."""
    return QueueItem(
        i.kind,
        i.record_id,
        i.child_id,
        i.child_ref,
        i.child_label,
        i.facts,
        i.at,
        i.destination,
        i.due_at,
        i.overdue,
        risk.rank,
        risk.text,
    )


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


class ReviewQueue:
    """The queue room, and the due dates and urgencies the other rooms read from it."""

    def __init__(self, session: Session, shelf: ToolShelf, checks: SignoffChecks) -> None:
        self._v = session
        self._shelf = shelf
        self._checks = checks
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
        self._seen_seq = head

    def signed_off(self, screening_id: str, seq: int, moves_due: bool) -> None:
        """A sign-off was saved (audit entry ``seq``). The queue was up to date just before
        it: drop its item instead of reading every screening again (a changed level also
        moves the due dates)."""
        with self._lock:
            if self._screen_items is not None and self._seen_seq == seq - 1:
                self._screen_items = [i for i in self._screen_items if i.record_id != screening_id]
                self._seen_seq = seq
                # A changed level (moves_due) moved the stored case state in the same
                # transaction (vault/case_store.py): nothing cached here to drop.

    def forget_child(self, child_id: str) -> None:
        """The child was deleted (retention). Their stored case state went with them (the
        row is deleted with the child); only the screening items are read again."""
        with self._lock:
            self._screen_items = None

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
        # Risk first: only the children whose urgency ranks above the rest are read (the
        # stored rows, case_store.urgent_lines). Only their items change (a copy of thousands
        # of items per reload cost more than the rest of the queue); due items are made
        # ranked.
        risk = {cid: line.urgency for cid, line in case_store.urgent_lines(self._c, now).items()}

        def ranked(some: list[QueueItem]) -> list[QueueItem]:
            return [_ranked(i, risk[i.child_id]) if i.child_id in risk else i for i in some]

        items = (
            ranked(items)
            + self._due_queue_items(now, due_within_days, risk)
            + ranked(
                self._action_items(now, due_within_days)
                + self._unsent_items(now)
                + self._import_items()
            )
            + self._danger_items(risk)
        )
        far = datetime.max.replace(tzinfo=UTC)

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
        # Whether a confirmed screening waits for sign-off depends only on its tool and its two
        # levels: worked out once per combination (10,000 screenings share a handful); the
        # facts (frozen) are shared by the screenings that say the same.
        waits: dict[tuple[str, str, str | None, str | None], bool] = {}
        said: dict[tuple[Any, ...], ScreeningFacts] = {}
        label = self._shelf.level_label
        screening_at = Destination.SCREENING
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
            combo = (tool_id, version, suggested, confirmed)
            wait = waits.get(combo)
            if wait is None:
                wait = waits[combo] = screening.awaiting_signoff(
                    self._shelf.tool(tool_id, version), suggested, confirmed, "confirmed"
                )
            if wait:
                # SAFETY.md R7: until the DSL agrees, the suggestion drives the case.
                kind, situation, why = LEVEL_CHANGED, Situation.LOWERED, reason or ""
            elif cannot_complete:
                # SAFETY.md R2: the lowest level on an incomplete screening, with the reason.
                kind, situation, why = SIGNOFF, Situation.INCOMPLETE, str(cannot_complete)
            elif confirmed and suggested and confirmed != suggested:
                kind, situation, why = LEVEL_CHANGED, Situation.CHANGED, reason or ""
            else:
                kind, situation, why = SIGNOFF, Situation.AWAITING, ""
            key = (situation, by, tool_id, confirmed, suggested, why)
            facts = said.get(key)
            if facts is None:
                facts = said[key] = ScreeningFacts(
                    situation, by or "", label(tool_id, confirmed), label(tool_id, suggested), why
                )
            out.append(
                QueueItem(
                    kind,
                    sid,
                    cid,
                    ref,
                    child_label(name, alias, ref),
                    facts,
                    datetime.fromisoformat(at or screened),  # stored as utc_iso: Z is UTC
                    screening_at,
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

    def _due_queue_items(
        self, now: datetime, within_days: int, risk: dict[str, urg.Urgency]
    ) -> list[QueueItem]:
        """Overdue and due-soon pathway items, one query (case_store.due_rows), each made
        with its child's urgency."""
        horizon = now + timedelta(days=within_days)
        titles = self._step_titles()
        process = Destination.PROCESS
        out: list[QueueItem] = []
        for cid, ref, name, alias, raw in case_store.due_rows(self._c, horizon):
            if ref is None:
                ref = label = ref_for(cid)
            else:
                label = child_label(name, alias, ref)
            u = risk.get(cid)
            rank, flag = (u.rank, u.text) if u is not None else (urg.OTHER, "")
            for did, what, step, when in json.loads(raw):
                due_at = datetime.fromisoformat(when)  # utc_iso: Z is UTC
                late = now > due_at
                if not late and due_at > horizon:
                    continue
                days = (now - due_at).days if late else (due_at - now).days
                title = titles.get(step)
                facts = DueFacts(what, title if title is not None else step.replace("_", " "), days)
                out.append(
                    QueueItem(
                        DUE,
                        f"{cid}:{did}",
                        cid,
                        ref,
                        label,
                        facts,
                        due_at,
                        process,
                        due_at,
                        late,
                        rank,
                        flag,
                    )
                )
        return out

    def _action_items(self, now: datetime, within_days: int) -> list[QueueItem]:
        users = {u.id: u.label for u in self._v.users()}
        return [
            _item(
                ACTION,
                aid,
                (cid, ref, label),
                facts,
                due_at,
                Destination.ACTIONS,
                due_at=due_at,
                overdue=late,
            )
            for aid, cid, ref, label, facts, due_at, late in action_rows(
                self._c, now, within_days, users
            )
        ]

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
        wanted = list(dict.fromkeys(ids))
        out: dict[str, tuple[str, str]] = {}
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            for cid, ref, name, alias in self._c.execute(
                f"SELECT id, ref, name, alias FROM children WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                out[cid] = (ref, child_label(name, alias, ref))
        return out

    # -- due dates and urgency ------------------------------------------------------------
    # Both come from the case state the vault keeps with the records (vault/case_store.py):
    # one query, never a replay of every child's history.
    def due_items(self, before: datetime | None = None) -> dict[str, list[pw.DueItem]]:
        """Every child's unmet due items (pathway engine), with ``overdue`` as of now;
        ``before``: only children whose first due date is not later."""
        self._v.require("dsl")
        return case_store.due_items(self._c, self._v.now(), before)

    def urgencies(self) -> dict[str, urg.Urgency]:
        """Each child's urgency now (core.urgency), for children with a recorded step."""
        self._v.require("dsl")
        lines = case_store.lines(self._c, None, self._v.now())
        return {cid: line.urgency for cid, line in lines.items() if line.steps}
