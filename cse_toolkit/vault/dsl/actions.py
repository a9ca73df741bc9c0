"""The review queue's action rows: every open action overdue or due soon, for the DSL.

Read afresh on every call in one query (an index on ``actions(status, due_at)``), so nothing
here is cached and an action written anywhere shows at the next reload. Overdue is
``core.actions.is_overdue`` (the pathway's rule), on the session's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cse_toolkit.core.actions import RETURN_INTERVIEW, is_overdue
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.vault.dsl.common import child_label

ACTION = "action"


@dataclass(frozen=True)
class ActionFacts:
    title: str  # what has to be done (a person's words: plain text)
    assignee: str  # who it is for, in words
    days: int  # days overdue, or days until due
    return_interview: bool  # the return interview after a missing episode


def action_rows(conn: Any, now: datetime, within_days: int, users: dict[str, str]) -> list[Any]:
    """(action id, child id, child ref, child label, facts, due at, overdue) of each open
    action due before the horizon; an action about an incident is shown on its first child."""
    horizon = utc_iso(now + timedelta(days=within_days))
    found = conn.execute(
        "SELECT a.id, a.title, a.assignee, a.due_at, a.kind,"
        " COALESCE(a.child_id, (SELECT l.child_id FROM incident_children l"
        "  WHERE l.incident_id = a.incident_id ORDER BY l.rowid LIMIT 1))"
        " FROM actions a WHERE a.status = 'open' AND a.due_at <= ?",
        (horizon,),
    ).fetchall()
    if not found:
        return []
    wanted = {r[5] for r in found}
    names = {
        cid: (ref, child_label(name, alias, ref))
        for cid, ref, name, alias in conn.execute("SELECT id, ref, name, alias FROM children")
        if cid in wanted
    }
    out = []
    for aid, title, assignee, due, kind, cid in found:
        due_at = parse_utc(due)
        late = is_overdue(due_at, now)
        days = (now - due_at).days if late else (due_at - now).days
        who = users.get(assignee, assignee.removeprefix("import:"))
        ref, label = names.get(cid, ("", ""))
        facts = ActionFacts(title, who, days, kind == RETURN_INTERVIEW)
        out.append((aid, cid, ref, label, facts, due_at, late))
    return out
