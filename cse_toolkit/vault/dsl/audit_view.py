"""The audit trail as the DSL reads it: filtered pages, plain sentences, and the chain check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from cse_toolkit.core.ids import ref_for
from cse_toolkit.errors import UserError
from cse_toolkit.vault import audit
from cse_toolkit.vault.dsl.common import UUID, day_after, day_start

if TYPE_CHECKING:
    from cse_toolkit.vault.session import Session


@dataclass(frozen=True)
class ChainCheck:
    rows: int
    problems: tuple[str, ...]
    head: audit.ChainHead
    saved_head_matches: bool

    @property
    def ok(self) -> bool:
        return not self.problems and self.saved_head_matches


def describe_record(record_type: str, record_id: str) -> str:
    """A record as a person can look it up: the child's reference for children."""
    if record_type == "child" and UUID.match(record_id):
        return f"child {ref_for(record_id)}"
    if record_type == "intel_report" and UUID.match(record_id):
        return f"intelligence report I-{ref_for(record_id)}"  # as intel_repo shows it
    if UUID.match(record_id):
        return f"{record_type.replace('_', ' ')} {ref_for(record_id)}"
    return f"{record_type.replace('_', ' ')} {record_id}".strip()


class AuditView:
    """The audit room (``vault.dsl.audit_page``, ``verify_chain`` ...)."""

    def __init__(self, session: Session) -> None:
        self._v = session

    @property
    def _c(self) -> Any:
        return self._v.conn

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
        self._v.require("dsl")
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
            params.append(day_start(date_from))
        if date_to:
            where.append("at < ?")
            params.append(day_after(date_to))
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

        self._v.require("dsl")
        return describe(self._v, rows)

    def audit_actors(self) -> list[str]:
        self._v.require("dsl")
        return [r[0] for r in self._c.execute("SELECT DISTINCT actor FROM audit ORDER BY 1")]

    def audit_actions(self) -> list[str]:
        """Action families (the part before the first dot), then the full actions."""
        self._v.require("dsl")
        actions = [r[0] for r in self._c.execute("SELECT DISTINCT action FROM audit")]
        families = sorted({a.split(".", 1)[0] for a in actions if "." in a})
        return families + sorted(a for a in actions if a not in families)

    def verify_chain(self) -> ChainCheck:
        """Recompute every audit hash and compare the newest entry with the signed head kept
        outside the database."""
        self._v.require("dsl")
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
