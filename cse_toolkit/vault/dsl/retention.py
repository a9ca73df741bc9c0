"""Retention: children whose records have not changed for ``policy.retention_months``, or
whose referral was acknowledged more than ``policy.keep_after_acknowledged_days`` ago with
nothing recorded since, are listed for review.

Purging one needs its reference typed again, deletes with SQLCipher's secure delete on (freed
pages are zeroed), rebuilds the full-text index without the deleted notes, checkpoints the WAL
into the database and truncates it, and leaves a ``purge`` entry in the audit trail with counts
only.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.vault.dsl.common import child_label
from cse_toolkit.vault.dsl.queue import ReviewQueue

if TYPE_CHECKING:
    from cse_toolkit.policy import Policy
    from cse_toolkit.vault.intel_repo import IntelRepository
    from cse_toolkit.vault.repos import Repositories
    from cse_toolkit.vault.session import Session


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


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month end)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


class Retention:
    """The retention room (``vault.dsl.retention_candidates``, ``purge_child``)."""

    def __init__(
        self, session: Session, repos: Repositories, intel: IntelRepository, queue: ReviewQueue
    ) -> None:
        self._v = session
        self._repos = repos
        self._intel = intel
        self._queue = queue

    def retention_candidates(self, policy: Policy | None = None) -> list[RetentionItem]:
        """Children due for a retention review, oldest activity first (``policy``: the one in
        force unless given)."""
        self._v.require("dsl")
        pol = policy if policy is not None else self._v.policy
        c = self._v.conn
        now = self._v.now()
        cutoff = months_before(now, pol.retention_months)
        ack_cutoff = now - timedelta(days=pol.keep_after_acknowledged_days)
        activity = self._last_activity()
        exports: dict[str, tuple[str | None, int]] = {
            r[0]: (r[1], int(r[2]))
            for r in c.execute(
                "SELECT child_id, max(acknowledged_at), sum(state != 'acknowledged')"
                " FROM exports WHERE child_id IS NOT NULL GROUP BY child_id"
            )
        }
        out: list[RetentionItem] = []
        for cid, ref, name, alias in c.execute("SELECT id, ref, name, alias FROM children"):
            last = activity.get(cid)
            if last is None:
                continue
            label = child_label(name, alias, ref)
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
            for cid, at in self._v.conn.execute(sql):
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
        self._v.require("dsl")
        child = self._repos.get_child(child_id)
        if typed_ref.strip().upper() != child.ref:
            raise UserError(f"The reference typed does not match {child.ref}. Nothing was deleted.")
        if child.id not in {i.child_id for i in self.retention_candidates(policy)}:
            raise UserError(
                f"{child.ref} is not due for deletion under the retention policy. "
                "Nothing was deleted."
            )
        c = self._v.conn
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
            # Issue 18: an incident about this child alone goes with it; one about others too
            # only loses its link to this child.
            incidents_here = [
                r[0]
                for r in c.execute(
                    "SELECT incident_id FROM incident_children WHERE child_id = ?1 AND incident_id"
                    " NOT IN (SELECT incident_id FROM incident_children WHERE child_id != ?1)",
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
            counts["attachments"] = count("SELECT count(*) FROM attachments WHERE child_id = ?")
            counts["actions"] = count("SELECT count(*) FROM actions WHERE child_id = ?")
            counts["incidents"] = len(incidents_here)
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
                "attachments",
            ):
                c.execute(f"DELETE FROM {table} WHERE child_id = ?", (cid,))
            c.execute("DELETE FROM drafts WHERE target_id = ?", (cid,))
            c.executemany("DELETE FROM intel_reports WHERE id = ?", [(r,) for r in only_here])
            c.execute("DELETE FROM actions WHERE child_id = ?", (cid,))
            c.execute("DELETE FROM incident_children WHERE child_id = ?", (cid,))
            c.executemany("DELETE FROM incidents WHERE id = ?", [(r,) for r in incidents_here])
            c.execute("DELETE FROM children WHERE id = ?", (cid,))
            # Merge the index segments so no page still holds the deleted notes' terms.
            c.execute("INSERT INTO notes_fts(notes_fts) VALUES('optimize')")
            reason = " ".join(f"{k}={v}" for k, v in counts.items())
            head = self._v.audit("purge", "child", cid, child.version, reason)
        self._queue.forget_child(cid)
        self._intel.invalidate()  # the connections index held the deleted reports
        compacted = False
        if compact:
            c.execute("VACUUM")
            compacted = True
        busy, _log, _done = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        backups = self._v.folder / "backups"
        n_backups = sum(1 for p in backups.iterdir() if p.is_file()) if backups.is_dir() else 0
        return PurgeReport(child.ref, counts, head.seq, busy == 0, compacted, n_backups)
