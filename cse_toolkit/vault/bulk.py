"""Bulk loading of generated demo data (``core.demo``) in large transactions.

The normal repositories write one audited transaction per change, which is right for people and
far too slow for 200,000 synthetic notes. Here a batch of children goes in one transaction with
one audit row saying what was generated. Used only by ``cse-toolkit demo``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from cse_toolkit.core.clock import utc_iso
from cse_toolkit.core.demo import DEMO_PATHWAY, DemoChild
from cse_toolkit.core.ids import ref_for
from cse_toolkit.core.intelligence import IntelReport
from cse_toolkit.vault import rows

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


def load_children(
    vault: Vault,
    children: Iterable[DemoChild],
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> list[DemoChild]:
    vault.require("worker", "dsl")
    done: list[DemoChild] = []
    pending: list[DemoChild] = []
    for child in children:
        pending.append(child)
        if len(pending) >= batch:
            _write(vault, pending)
            done += pending
            pending = []
            if progress:
                progress(len(done))
    if pending:
        _write(vault, pending)
        done += pending
        if progress:
            progress(len(done))
    return done


def _write(vault: Vault, children: list[DemoChild]) -> None:
    c = vault.conn
    now = vault.now_iso()
    uid, origin = vault.user.id, vault.vault_id
    from cse_toolkit.vault.vault import level_message

    def level(ch: DemoChild) -> rows.Level:  # (2) levels are signed by whoever sets them
        sig = ""
        if ch.confirmed_level:
            sig = vault.sign(
                level_message(origin, ch.id, ch.confirmed_level, ch.tool_id or "", vault.user.name)
            )
        return rows.Level(
            ch.id,
            ch.confirmed_level,
            ch.tool_id,
            vault.user.name if ch.confirmed_level else "",
            sig,
        )

    with vault.write("the demo data"):
        rows.CHILDREN.insert(
            c,
            [
                {
                    "id": ch.id,
                    "ref": ref_for(ch.id),
                    "owner_id": uid,
                    "origin": origin,
                    "created_at": now,
                    "created_by": uid,
                    "updated_at": now,
                    "name": ch.name,
                    "alias": ch.alias,
                    "dob": ch.dob.isoformat(),
                    "gender": ch.gender,
                    "school": ch.school,
                    "learning_disability": int(ch.learning_disability),
                }
                for ch in children
            ],
        )
        # The levels the generator chose, through the one writer of a child's level.
        rows.set_levels(c, [level(ch) for ch in children], now, bump=False)
        rows.NOTES.insert(
            c,
            [
                {
                    "id": n["id"],
                    "origin": origin,
                    "created_at": now,
                    "created_by": uid,
                    "updated_at": now,
                    "child_id": ch.id,
                    "author_id": uid,
                    "event_at": utc_iso(n["event_at"]),
                    "place": n["place"],
                    "category": n["category"],
                    "source": n["source"],
                    "body": n["body"],
                }
                for ch in children
                for n in ch.notes
            ],
        )
        rows.MISSING_EPISODES.insert(
            c,
            [
                {
                    "id": m["id"],
                    "origin": origin,
                    "created_at": now,
                    "created_by": uid,
                    "updated_at": now,
                    "child_id": ch.id,
                    "from_at": utc_iso(m["from_at"]),
                    "to_at": utc_iso(m["to_at"]),
                    "where_found": m["where_found"],
                    "return_interview": m["return_interview"],
                }
                for ch in children
                for m in ch.missing
            ],
        )
        screenings = []
        for ch in children:
            s = ch.screening
            if s is None:
                continue
            screenings.append(
                {
                    "id": s["id"],
                    "origin": origin,
                    "created_at": now,
                    "created_by": uid,
                    "updated_at": now,
                    "child_id": ch.id,
                    "tool_id": s["input"]["tool"],
                    "tool_version": s["input"]["tool_version"],
                    "screened_at": utc_iso(s["screened_at"]),
                    "input": json.dumps(s["input"]),
                    "outcome": json.dumps(s["outcome"]),
                    "suggested_level": s["suggested_level"],
                    "confirmed_level": s["confirmed_level"],
                    "confirmed_by": vault.user.name,
                    "confirmed_at": utc_iso(s["screened_at"]),
                    "status": s["status"],
                }
            )
        rows.SCREENINGS.insert(c, screenings)
        steps = []
        for ch in children:
            for i, st in enumerate(ch.steps):
                recorded = utc_iso(st.recorded_at)
                steps.append(
                    {
                        "id": f"{ch.id[:24]}{i:012x}",
                        "origin": origin,
                        "created_at": recorded,
                        "created_by": uid,
                        "updated_at": recorded,
                        "child_id": ch.id,
                        "pathway_id": DEMO_PATHWAY,
                        "step_id": st.step,
                        "status": st.status,
                        "event_at": utc_iso(st.happened_at),
                        "data": json.dumps(st.data),
                        "reason": st.reason,
                    }
                )
        rows.PATHWAY_STEPS.insert(c, steps)
        notes = sum(len(ch.notes) for ch in children)
        vault.audit("demo.generate", reason=f"children={len(children)} notes={notes}")


def load_reports(vault: Vault, reports: list[IntelReport], batch: int = 500) -> None:
    for start in range(0, len(reports), batch):
        with vault.write("the demo data"):  # one transaction (and one fsync) per batch
            for report in reports[start : start + batch]:
                vault.intel.save(report)
