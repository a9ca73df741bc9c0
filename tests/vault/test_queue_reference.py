"""The review queue's fast build (one query per kind, the stored case state's columns) equals
a slow reference build (every child's stored state decoded, core's urgency worked out for
each, every label looked up afresh) on random vaults at random times: same items, same order.

The child list's lines are checked the same way (``case_store.lines`` for a handful of ids,
for the whole caseload and against the stored state worked out again)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.factories import screening_record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cse_toolkit.core import catalogue, demo, screening
from cse_toolkit.core import urgency as urg
from cse_toolkit.core.clock import FixedClock, parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.vault import bulk, case_store
from cse_toolkit.vault.dsl import queue as q
from cse_toolkit.vault.dsl.common import child_label
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.vault import Vault

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PATHWAY = "worcestershire-cse-2013"
PASSPHRASE = "otter lamp river gravel"
EXTRAS = ("danger", "lowered", "changed", "signed", "started", "started_high", "quiet")


def _extra(vault: Vault, kind: str, rng: random.Random) -> None:
    """A case the demo data does not make: immediate danger, levels waiting for sign-off,
    a signed-off screening, a case without a level."""
    child = vault.repos.add_child(name=f"Extra {kind} {rng.randint(0, 999)}")
    # A high level screened more than 14 days ago is no longer "new": its next due date
    # passing later moves it up the queue from the rest.
    back = rng.randint(15, 150) if kind == "started_high" else rng.randint(0, 60)
    when = vault.now() - timedelta(days=back, minutes=rng.randint(0, 600))
    if kind in ("danger", "started", "started_high"):
        vault.repos.record_step(
            child.id, PATHWAY, "concern", when, {"what": "x", "when": when, "by_whom": "me"}
        )
        danger = kind == "danger"
        data: dict[str, Any] = {"immediate_danger": danger}
        if danger and rng.random() < 0.7:
            data["called_999_at"] = when
        vault.repos.record_step(child.id, PATHWAY, "danger_check", when, data)
        if not danger:  # due dates ahead: the review, or a high level's referral
            high = kind == "started_high"
            level = "high" if high else None
            screening_record(vault, child.id, child_info={"age": 12}, level=level, reason="seen")
    elif kind in ("lowered", "changed"):
        level = "low" if kind == "lowered" else "high"
        try:
            screening_record(vault, child.id, child_info={"age": 12}, level=level, reason="seen")
        except UserError:
            screening_record(vault, child.id, child_info={"age": 12})
    elif kind == "signed":
        made = screening_record(vault, child.id, child_info={"age": 14})
        vault.dsl.sign_off(made.id, "agree")


def _reference(vault: Vault, within: int = q.DUE_SOON_DAYS) -> list[q.QueueItem]:
    """The queue the slow way: nothing cached, nothing read from the fast columns."""
    conn, now = vault.conn, vault.now()
    horizon = now + timedelta(days=within)
    review = vault.dsl.review
    risk: dict[str, urg.Urgency] = {}
    stored = case_store.read(conn)
    for cid, case in stored.items():
        u = case.urgency(now) if case.steps else None
        if u is not None and u.rank < urg.OTHER:
            risk[cid] = u
    names = {
        cid: (ref, child_label(name, alias, ref))
        for cid, ref, name, alias in conn.execute("SELECT id, ref, name, alias FROM children")
    }

    def ranked(item: q.QueueItem) -> q.QueueItem:
        u = risk.get(item.child_id or "")
        return q._ranked(item, u) if u is not None else item

    items: list[q.QueueItem] = []
    for (
        sid,
        cid,
        tool_id,
        version,
        suggested,
        confirmed,
        by,
        at,
        reason,
        screened,
        out,
    ) in conn.execute(
        "SELECT id, child_id, tool_id, tool_version, suggested_level, confirmed_level,"
        " confirmed_by, confirmed_at, confirm_reason, screened_at, outcome FROM screenings"
        " WHERE status = 'confirmed'"
    ):
        incomplete = (json.loads(out).get("confirmation") or {}).get("incomplete_reason")
        tool = review._shelf.tool(tool_id, version)
        if screening.awaiting_signoff(tool, suggested, confirmed, "confirmed"):
            kind, situation, why = q.LEVEL_CHANGED, q.Situation.LOWERED, reason or ""
        elif incomplete:
            kind, situation, why = q.SIGNOFF, q.Situation.INCOMPLETE, str(incomplete)
        elif confirmed and suggested and confirmed != suggested:
            kind, situation, why = q.LEVEL_CHANGED, q.Situation.CHANGED, reason or ""
        else:
            kind, situation, why = q.SIGNOFF, q.Situation.AWAITING, ""

        def label(level: str | None, tool_id: str = tool_id) -> str:
            return catalogue.level_label(level, tool_id) if level else "none"

        facts = q.ScreeningFacts(situation, by or "", label(confirmed), label(suggested), why)
        ref, shown = names[cid]
        at_time = parse_utc(at or screened)
        items.append(
            ranked(q.QueueItem(kind, sid, cid, ref, shown, facts, at_time, q.Destination.SCREENING))
        )
    titles = {st.id: st.title for st in catalogue.load_pathway(PATHWAY).steps}
    for cid, case in stored.items():
        if not case.steps:
            continue
        for d in case.due(now):
            if not d.overdue and d.due_at > horizon:
                continue
            days = (now - d.due_at).days if d.overdue else (d.due_at - now).days
            ref, shown = names[cid]
            facts = q.DueFacts(d.label, titles.get(d.step, d.step.replace("_", " ")), days)
            items.append(
                ranked(
                    q.QueueItem(
                        q.DUE,
                        f"{cid}:{d.id}",
                        cid,
                        ref,
                        shown,
                        facts,
                        d.due_at,
                        q.Destination.PROCESS,
                        due_at=d.due_at,
                        overdue=d.overdue,
                    )
                )
            )
    # The kinds this fast build did not restructure, as the queue reads them.
    items += [
        ranked(i)
        for i in review._forged_signoff_items()
        + review._action_items(now, within)
        + review._unsent_items(now)
        + review._import_items()
    ]
    for cid, u in risk.items():
        if u.rank == urg.IMMEDIATE:
            ref, shown = names[cid]
            items.append(
                q.QueueItem(
                    q.DANGER,
                    f"{cid}:danger",
                    cid,
                    ref,
                    shown,
                    q.DangerFacts(),
                    u.called_999_at,
                    q.Destination.PROCESS,
                    rank=u.rank,
                    flag=u.text,
                )
            )
    return items


def _order(item: q.QueueItem) -> tuple[Any, ...]:
    far = datetime.max.replace(tzinfo=UTC)
    group = 0 if item.overdue else 1 if item.due_at is not None else 2
    return (item.rank, group, item.due_at or far, item.at or far, item.child_ref)


def _same(fast: list[q.QueueItem], slow: list[q.QueueItem]) -> None:
    assert [_order(i) for i in fast] == sorted(_order(i) for i in fast)  # overdue, urgent first

    def tie(i: q.QueueItem) -> tuple[Any, ...]:
        return (*_order(i), i.kind, i.record_id)

    assert sorted(fast, key=tie) == sorted(slow, key=tie)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 100_000),
    children=st.integers(2, 10),
    extras=st.lists(st.sampled_from(EXTRAS), max_size=8),
    later=st.lists(st.integers(0, 200), min_size=1, max_size=4),
)
def test_the_fast_queue_equals_a_slow_reference_build(
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    children: int,
    extras: list[str],
    later: list[int],
) -> None:
    folder: Path = tmp_path_factory.mktemp("queue")
    clock = FixedClock(NOW)
    vault, _ = Vault.create(folder / "v", "dee", "dsl", PASSPHRASE, kdf=FLOOR_PARAMS, clock=clock)
    try:
        rng = random.Random(seed)
        bulk.load_children(
            vault, demo.generate(children, seed=seed, notes_per_child=1, today=NOW.date())
        )
        for kind in extras:
            _extra(vault, kind, rng)
        for days in sorted(later):
            clock.advance(days=days - (clock.now() - NOW).days)
            first = vault.dsl.queue()  # the first build (the screening items cached)...
            _same(first, _reference(vault))
            assert vault.dsl.queue() == first  # ...and the build from the cache
            ids = [r[0] for r in vault.conn.execute("SELECT id FROM children")]
            now = vault.now()
            some = case_store.lines(vault.conn, ids, now)
            # More ids than the "IN (...)" path takes: the whole table, picked out.
            padded = ids + [f"no-such-{i}" for i in range(case_store._WHOLE + 1)]
            assert case_store.lines(vault.conn, padded, now) == some
            assert case_store.lines(vault.conn, None, now) == some
            want = {}
            for cid, case in case_store.read(vault.conn, ids).items():
                u = case.urgency(now)
                if u is not None:
                    first_due = min((d[3] for d in case.due_dates), default=None)
                    want[cid] = case_store.CaseLine(cid, case.steps, case.next_title, first_due, u)
            assert some == want
            assert case_store.urgent_lines(vault.conn, now) == {
                cid: line
                for cid, line in want.items()
                if line.steps and line.urgency.rank < urg.OTHER
            }
            # As the next unlock does: rows whose window has passed are worked out again now
            # (a high level no longer new is stored with the rest until its due date).
            with vault.write():
                case_store.mark_stale(vault.conn, vault.policy, vault.clock)
                vault.audit("vault.open")
            # Rows whose stored answer (the rest) held only in a moment now past: a reader at
            # any other time must work them out again, not trust the stored rank.
            urgent = sorted(case_store.urgent_lines(vault.conn, now))
            aged = rng.sample(urgent, len(urgent) // 2)
            with vault.write():
                vault.conn.executemany(
                    "UPDATE case_state SET rank = 3, flag = '', urgency_text = '',"
                    " valid_from = ?, valid_until = ? WHERE child_id = ?",
                    [
                        (
                            case_store.moment(now - timedelta(microseconds=2)),
                            case_store.moment(now - timedelta(microseconds=1)),
                            cid,
                        )
                        for cid in aged
                    ],
                )
                vault.audit("vault.open")
        # On the moment a due date passes, and just after it (overdue is "now > due").
        due = sorted({d[3] for c in case_store.read(vault.conn).values() for d in c.due_dates})
        for when in rng.sample(due, min(2, len(due))):
            for at in (when, when + timedelta(microseconds=1)):
                clock.advance(microseconds=(at - clock.now()) // timedelta(microseconds=1))
                _same(vault.dsl.queue(), _reference(vault))
    finally:
        vault.close()
