"""Intelligence reports in the vault, kept apart from children's records.

A report is stored whole as JSON (``core.intelligence.IntelReport.to_dict()``) with two small
indexes beside it: the children it is linked to and the entity match keys it mentions. The
connections view is built in memory from the decrypted reports (``core.intelligence``), so no
second copy of the links is kept. Workers see the reports they wrote; DSLs see all.
"""

from __future__ import annotations

import builtins
import json
from typing import TYPE_CHECKING, Any, cast

from cse_toolkit.core import intelligence as intel
from cse_toolkit.core.ids import intel_ref
from cse_toolkit.errors import UserError
from cse_toolkit.vault import rows

if TYPE_CHECKING:
    from cse_toolkit.vault.repos import Repositories
    from cse_toolkit.vault.session import Session


class IntelRepository:
    def __init__(self, vault: Session, repos: Repositories) -> None:
        self._v = vault
        self._repos = repos
        self._index: intel.EntityIndex | None = None
        # Bumped on every change: an index built from rows read before a change (on a
        # background thread, while the GUI saved a draft) must not be cached as current.
        self._generation = 0

    @property
    def _c(self) -> Any:
        return self._v.conn

    def _visible(self) -> tuple[str, tuple[Any, ...]]:
        role = self._v.user.role
        if role == "dsl":
            return "1=1", ()
        if role == "worker":
            return "created_by = ?", (self._v.user.id,)
        raise UserError("An admin account manages users only and cannot see intelligence.")

    def save(self, report: intel.IntelReport) -> intel.IntelReport:
        """Insert or update; the stored version goes up by one on each update."""
        self._v.require("worker", "dsl")
        for child_id in report.child_ids:
            self._repos.get_child(child_id)  # the user must be able to see each linked child
        row = self._c.execute(
            "SELECT version, created_by FROM intel_reports WHERE id = ?", (report.id,)
        ).fetchone()
        now = self._v.now_iso()
        with self._v.write("the intelligence report"):
            if row is None:
                report.version = 1
                self._insert(report, self._v.vault_id, self._v.user.id, _learned(report))
                action = "intel.create"
            else:
                if self._v.user.role == "worker" and row[1] != self._v.user.id:
                    raise UserError("You can only change intelligence reports you wrote.")
                report.version = int(row[0]) + 1
                rows.INTEL_REPORTS.update(
                    self._c,
                    report.id,
                    {
                        "version": report.version,
                        "updated_at": now,
                        "title": report.title,
                        "status": report.status,
                        "learned_at": _learned(report),
                        "body": json.dumps(report.to_dict(), ensure_ascii=False),
                    },
                )
                self._c.execute("DELETE FROM intel_children WHERE report_id = ?", (report.id,))
                self._c.execute("DELETE FROM intel_entities WHERE report_id = ?", (report.id,))
                action = "intel.update"
            self._index_rows(report)
            self._v.audit(action, "intel_report", report.id, report.version)
        self._invalidate()
        return report

    def _insert(
        self, report: intel.IntelReport, origin: str, by: str, learned_at: str | None
    ) -> None:
        now = self._v.now_iso()
        rows.INTEL_REPORTS.insert(
            self._c,
            [
                {
                    "id": report.id,
                    "version": report.version,
                    "origin": origin,
                    "created_at": now,
                    "created_by": by,
                    "updated_at": now,
                    "ref": _ref(report.id),
                    "title": report.title,
                    "status": report.status,
                    "learned_at": learned_at,
                    "body": json.dumps(report.to_dict(), ensure_ascii=False),
                }
            ],
        )

    def write_imported(self, report: intel.IntelReport, origin: str, *, new: bool) -> None:
        """Inside a write: a report as a pack brought it (``services.merge``). A new one is
        added as the importing user's, with the pack's version; a newer version replaces the
        body and the entity index here (the children it is linked to here stay linked). The
        connections index is rebuilt when next asked for (``invalidate``, after the write)."""
        if new:
            self._insert(report, origin, self._v.user.id, None)
        else:
            rows.INTEL_REPORTS.update(
                self._c,
                report.id,
                {
                    "body": json.dumps(report.to_dict(), ensure_ascii=False),
                    "version": report.version,
                    "updated_at": self._v.now_iso(),
                },
            )
            self._c.execute("DELETE FROM intel_entities WHERE report_id = ?", (report.id,))
        self._index_rows(report)

    def invalidate(self) -> None:
        """Forget the cached connections index (reports changed, e.g. by an import)."""
        self._invalidate()

    def _invalidate(self) -> None:
        self._generation += 1
        self._index = None

    def _index_rows(self, report: intel.IntelReport) -> None:
        self._c.executemany(
            "INSERT OR IGNORE INTO intel_children (report_id, child_id) VALUES (?, ?)",
            [(report.id, c) for c in dict.fromkeys(report.child_ids)],
        )
        rows = []
        for entity in report.entities:
            for key in entity.keys():
                rows.append((report.id, key, entity.kind, entity.display()))
        self._c.executemany(
            "INSERT OR IGNORE INTO intel_entities (report_id, key, kind, display) VALUES (?,?,?,?)",
            rows,
        )

    def get(self, report_id: str) -> intel.IntelReport:
        clause, params = self._visible()
        row = self._c.execute(
            f"SELECT body FROM intel_reports WHERE (id = ? OR ref = ?) AND {clause}",
            (report_id, report_id.upper(), *params),
        ).fetchone()
        if row is None:
            raise UserError(f"No intelligence report {report_id} that you can see.")
        return intel.IntelReport.from_dict(json.loads(row[0]))

    def ref_of(self, report_id: str) -> str:
        return _ref(report_id)

    def list(
        self, child_id: str | None = None
    ) -> builtins.list[tuple[str, str, str, str, str | None]]:
        """(id, ref, title, status, learned_at) rows, newest first."""
        clause, params = self._visible()
        sql = f"SELECT id, ref, title, status, learned_at FROM intel_reports r WHERE {clause}"
        if child_id:
            sql += (
                " AND EXISTS (SELECT 1 FROM intel_children ic WHERE ic.report_id = r.id"
                " AND ic.child_id = ?)"
            )
            params = (*params, child_id)
        rows = self._c.execute(sql + " ORDER BY COALESCE(learned_at, created_at) DESC", params)
        return cast("builtins.list[tuple[str, str, str, str, str | None]]", rows.fetchall())

    def has_intelligence(self, child_id: str) -> bool:
        return (
            self._c.execute(
                "SELECT 1 FROM intel_children WHERE child_id = ? LIMIT 1", (child_id,)
            ).fetchone()
            is not None
        )

    # -- connections -------------------------------------------------------------------------
    def decisions(self) -> builtins.list[intel.MergeDecision]:
        rows = self._c.execute(
            "SELECT a_key, b_key, decision, decided_by, decided_at FROM entity_merges"
        ).fetchall()
        return [
            intel.MergeDecision.from_dict(
                {"a_key": r[0], "b_key": r[1], "decision": r[2], "by": r[3], "at": r[4]}
            )
            for r in rows
        ]

    def decide_merge(self, a_key: str, b_key: str, decision: str) -> None:
        self._v.require("worker", "dsl")
        if decision not in ("confirmed", "rejected"):
            # Stored unchecked, a bad value would make every later read of the decisions fail.
            raise UserError("A merge decision must be 'confirmed' or 'rejected'.")
        a, b = sorted((a_key, b_key))
        with self._v.write("the merge decision"):
            self._c.execute(
                "INSERT INTO entity_merges (a_key, b_key, decision, decided_by, decided_at)"
                " VALUES (?,?,?,?,?) ON CONFLICT(a_key, b_key) DO UPDATE SET"
                " decision = excluded.decision, decided_by = excluded.decided_by,"
                " decided_at = excluded.decided_at",
                (a, b, decision, self._v.user.name, self._v.now_iso()),
            )
            self._v.audit(f"intel.merge.{decision}", "entity", f"{a}|{b}"[:200])
        self._invalidate()

    def index(self) -> intel.EntityIndex:
        """The in-memory connections index over every report the user may see (cached)."""
        index = self._index
        if index is None:
            generation = self._generation
            clause, params = self._visible()
            bodies = [
                json.loads(r[0])
                for r in self._c.execute(f"SELECT body FROM intel_reports WHERE {clause}", params)
            ]
            keys = {
                k
                for b in bodies
                for e in b.get("entities", [])
                for k in intel.entity_from_dict(e).keys()
            }
            resolution = intel.resolve_groups(keys, self.decisions())
            index = intel.build_index(bodies, resolution)
            if generation == self._generation:
                self._index = index
        return index

    def connections(self, child_id: str) -> intel.ChildConnections:
        return intel.connections_for_child(self.index(), child_id)

    def hotspots(self, limit: int | None = None) -> builtins.list[tuple[str, int]]:
        return intel.hotspots(self.index(), limit)


def _ref(report_id: str) -> str:
    return intel_ref(report_id)


def _learned(report: intel.IntelReport) -> str | None:
    if not report.learned_at:
        return None
    text = report.learned_at
    return text if "T" in text else text + "T00:00:00Z"
