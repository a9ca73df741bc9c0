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
from cse_toolkit.core.demo import DemoChild
from cse_toolkit.core.ids import ref_for
from cse_toolkit.core.intelligence import IntelReport

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

    def level_sig(ch: DemoChild) -> str:  # (2) levels are signed by whoever sets them
        if not ch.confirmed_level:
            return ""
        return vault.sign(level_message(origin, ch.id, ch.confirmed_level, ch.tool_id or "",
                                        vault.user.name))

    with vault.write("the demo data"):
        c.executemany(
            "INSERT INTO children (id, ref, owner_id, origin, created_at, created_by, updated_at,"
            " name, alias, dob, gender, school, learning_disability, confirmed_level, level_tool,"
            " level_signer, level_sig) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(ch.id, ref_for(ch.id), uid, origin, now, uid, now, ch.name, ch.alias,
              ch.dob.isoformat(), ch.gender, ch.school, int(ch.learning_disability),
              ch.confirmed_level, ch.tool_id, vault.user.name if ch.confirmed_level else "",
              level_sig(ch)) for ch in children],
        )
        c.executemany(
            "INSERT INTO notes (id, origin, created_at, created_by, updated_at, child_id,"
            " author_id, event_at, place, category, source, body)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(n["id"], origin, now, uid, now, ch.id, uid, utc_iso(n["event_at"]), n["place"],
              n["category"], n["source"], n["body"]) for ch in children for n in ch.notes],
        )
        c.executemany(
            "INSERT INTO missing_episodes (id, origin, created_at, created_by, updated_at,"
            " child_id, from_at, to_at, where_found, return_interview)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(m["id"], origin, now, uid, now, ch.id, utc_iso(m["from_at"]), utc_iso(m["to_at"]),
              m["where_found"], m["return_interview"]) for ch in children for m in ch.missing],
        )
        rows = []
        for ch in children:
            s = ch.screening
            if s is None:
                continue
            rows.append((s["id"], origin, now, uid, now, ch.id, s["input"]["tool"],
                         s["input"]["tool_version"], utc_iso(s["screened_at"]),
                         json.dumps(s["input"]), json.dumps(s["outcome"]), s["suggested_level"],
                         s["confirmed_level"], vault.user.name, utc_iso(s["screened_at"]),
                         s["status"]))
        c.executemany(
            "INSERT INTO screenings (id, origin, created_at, created_by, updated_at, child_id,"
            " tool_id, tool_version, screened_at, input, outcome, suggested_level,"
            " confirmed_level, confirmed_by, confirmed_at, status)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        step_rows = []
        for ch in children:
            for i, st in enumerate(ch.steps):
                step_id = f"{ch.id[:24]}{i:012x}"
                recorded = utc_iso(st.recorded_at)
                step_rows.append((step_id, origin, recorded, uid, recorded, ch.id,
                                  "worcestershire-cse-2013", st.step, st.status,
                                  utc_iso(st.happened_at), json.dumps(st.data), st.reason))
        c.executemany(
            "INSERT INTO pathway_steps (id, origin, created_at, created_by, updated_at, child_id,"
            " pathway_id, step_id, status, event_at, data, reason)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            step_rows,
        )
        notes = sum(len(ch.notes) for ch in children)
        vault.audit("demo.generate", reason=f"children={len(children)} notes={notes}")


def load_reports(vault: Vault, reports: list[IntelReport], batch: int = 500) -> None:
    for start in range(0, len(reports), batch):
        with vault.write("the demo data"):  # one transaction (and one fsync) per batch
            for report in reports[start : start + batch]:
                vault.intel.save(report)
