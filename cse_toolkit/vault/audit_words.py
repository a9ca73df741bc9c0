"""The audit trail in words, for the DSL: "Sam Okafor signed off the screening for Jade Wilson
(Z5N9-5RMX): agreed High".

The stored audit keeps no free text (ids, action names, levels and counts only); these sentences
are put together when shown, from the audit row and the records it names, so a record deleted
since (a purge) is named by its reference only. The raw entry is always one click away in the
audit page. Only a DSL sees names here (the audit page is DSL-only).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from cse_toolkit.core import catalogue
from cse_toolkit.core.ids import ref_for
from cse_toolkit.vault.audit import AuditRow

if TYPE_CHECKING:
    from cse_toolkit.vault.session import Session

_TOKEN = re.compile(r"(\w+)=(\S*)")
_CHILD_TABLES = {
    "note": "notes",
    "screening": "screenings",
    "pathway_step": "pathway_steps",
    "missing_episode": "missing_episodes",
    "export": "exports",
    "attachment": "attachments",
    "action": "actions",
}
_RECORD_WORDS = {
    "child": "the child's details",
    "note": "a note",
    "screening": "a screening",
    "pathway_step": "a pathway step",
    "missing_episode": "a missing episode",
    "intel_report": "an intelligence report",
    "attachment": "an attachment",
    "action": "an action",
    "incident": "an incident",
}


def tokens(reason: str) -> dict[str, str]:
    """The ``key=value`` words of an audit reason (the only form reasons take)."""
    return dict(_TOKEN.findall(reason or ""))


class _Lookup:
    """What the sentences need, read in a few queries for a whole page of rows."""

    def __init__(self, vault: Session, rows: Sequence[AuditRow]) -> None:  # noqa: C901 - a lookup per record kind
        c = vault.conn
        self.users: dict[str, str] = {
            str(name): str(display or name)
            for name, display in c.execute("SELECT name, display_name FROM users")
        }
        self.child_of: dict[str, str] = {}
        wanted: dict[str, set[str]] = {}
        screening_ids = set()
        for r in rows:
            if r.record_type in _CHILD_TABLES and r.record_id:
                wanted.setdefault(r.record_type, set()).add(r.record_id)
            if r.record_type == "signoff":
                sid = tokens(r.reason).get("screening")
                if sid:
                    screening_ids.add(sid)
        if screening_ids:
            wanted.setdefault("screening", set()).update(screening_ids)
        for record_type, ids in wanted.items():
            table = _CHILD_TABLES[record_type]
            for chunk in _chunks(sorted(ids)):
                marks = ",".join("?" * len(chunk))
                for rid, cid in c.execute(
                    f"SELECT id, child_id FROM {table} WHERE id IN ({marks})", chunk
                ):
                    if cid:
                        self.child_of[rid] = cid
        child_ids = {r.record_id for r in rows if r.record_type == "child"} | set(
            self.child_of.values()
        )
        self.children: dict[str, str] = {}
        for chunk in _chunks(sorted(child_ids)):
            marks = ",".join("?" * len(chunk))
            for cid, ref, name, alias in c.execute(
                f"SELECT id, ref, name, alias FROM children WHERE id IN ({marks})", chunk
            ):
                label = name or alias or ref
                self.children[cid] = f"{label} ({ref})"
        self.steps: dict[str, str] = {}
        self.step_of: dict[str, str] = {}
        step_ids = sorted({r.record_id for r in rows if r.record_type == "pathway_step"})
        for chunk in _chunks(step_ids):
            marks = ",".join("?" * len(chunk))
            for rid, pid, step in c.execute(
                f"SELECT id, pathway_id, step_id FROM pathway_steps WHERE id IN ({marks})", chunk
            ):
                self.step_of[rid] = self._step_title(pid, step)
        self.screening_level: dict[str, str | None] = {}
        sids = sorted({r.record_id for r in rows if r.record_type == "screening"})
        for chunk in _chunks(sids):
            marks = ",".join("?" * len(chunk))
            for sid, level in c.execute(
                f"SELECT id, confirmed_level FROM screenings WHERE id IN ({marks})", chunk
            ):
                self.screening_level[sid] = level
        self.exports: dict[str, str] = {}
        eids = sorted({r.record_id for r in rows if r.record_type == "export"})
        for chunk in _chunks(eids):
            marks = ",".join("?" * len(chunk))
            for eid, kind in c.execute(
                f"SELECT id, kind FROM exports WHERE id IN ({marks})", chunk
            ):
                self.exports[eid] = kind
        self.imports: dict[str, tuple[str, str]] = {}
        iids = sorted({r.record_id for r in rows if r.record_type == "import"})
        for chunk in _chunks(iids):
            marks = ",".join("?" * len(chunk))
            for iid, kind, summary in c.execute(
                f"SELECT id, kind, summary FROM imports WHERE id IN ({marks})", chunk
            ):
                try:
                    sender = str(json.loads(summary or "{}").get("sender", ""))
                except ValueError:
                    sender = ""
                self.imports[iid] = (kind, sender)

    def _step_title(self, pathway_id: str, step_id: str) -> str:
        key = f"{pathway_id}/{step_id}"
        if key not in self.steps:
            from cse_toolkit.errors import UserError

            try:
                self.steps[key] = catalogue.load_pathway(pathway_id).step(step_id).title
            except (UserError, KeyError):
                self.steps[key] = step_id.replace("_", " ")
        return self.steps[key]

    def who(self, actor: str) -> str:
        return self.users.get(actor, actor)

    def level(self, level_id: str | None) -> str:
        if not level_id:
            return "no level"
        return catalogue.level_label(level_id)

    def child(self, record_type: str, record_id: str) -> str:
        cid = record_id if record_type == "child" else self.child_of.get(record_id, "")
        if cid in self.children:
            return self.children[cid]
        if record_type == "child" and record_id:
            return f"a child no longer in this vault ({ref_for(record_id)})"
        return "a child no longer in this vault"


def _chunks(ids: Sequence[str], size: int = 400) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _sentence(r: AuditRow, k: _Lookup) -> str:  # noqa: C901 - a sentence per audit action
    who = k.who(r.actor)
    action, rtype, rid = r.action, r.record_type, r.record_id
    t = tokens(r.reason)
    child = k.child(rtype, rid) if rtype else ""
    if action == "child.create":
        return f"{who} added {child}"
    if action == "child.update":
        return f"{who} changed the details of {child}"
    if action == "note.create":
        return f"{who} wrote a note on {child}"
    if action == "attachment.add":
        kept = (
            " (location and camera data kept for evidence)" if t.get("metadata") == "kept" else ""
        )
        return f"{who} added an attachment to {child}{kept}"
    if action == "attachment.remove":
        return f"{who} removed an attachment from {child} ({t.get('why', 'no reason recorded')})"
    if action == "chronology.print":
        purpose = t.get("purpose", "not recorded").replace("_", " ")
        return f"{who} printed the chronology of {child} (for: {purpose})"
    if action == "missing.create":
        return f"{who} recorded a missing episode for {child}"
    if action == "missing.return":
        return f"{who} recorded the return from a missing episode of {child}"
    if action == "action.create":
        what = "a return-interview action" if t.get("kind") == "return_interview" else "an action"
        return f"{who} set {what} for {child or 'an incident'}"
    if action == "action.done":
        return f"{who} marked an action for {child or 'an incident'} done"
    if action == "incident.create":
        return f"{who} recorded an incident about {t.get('children', 'several')} children"
    if action.startswith("step."):
        title = k.step_of.get(rid, action[5:].replace("_", " "))
        return f"{who} recorded '{title}' for {child}"
    if action == "screening.save":
        return f"{who} saved a screening in progress for {child}"
    if action == "screening.confirm":
        changed = " (not the suggested level)" if "changed from suggestion" in r.reason else ""
        # The level the entry itself records, else (older entries) the screening's now.
        level = t.get("level") or k.screening_level.get(rid)
        return f"{who} confirmed the screening for {child}: {k.level(level)}{changed}"
    if action.startswith("signoff."):
        sid = t.get("screening", "")
        child = k.child("screening", sid) if sid else "a child"
        if action == "signoff.agree":
            return f"{who} signed off the screening for {child}: agreed {k.level(t.get('level'))}"
        if action == "signoff.change":
            return (
                f"{who} signed off the screening for {child}: changed the level from "
                f"{k.level(t.get('from'))} to {k.level(t.get('level'))}"
            )
        if action == "signoff.return":
            return f"{who} returned the screening for {child} to the worker"
    if action.startswith("export.") and rtype == "export":
        kind = k.exports.get(rid, "")
        what = f"the {kind} pack" if kind else "a pack"
        about = f" for {child}" if rid in k.child_of else ""
        state = action[7:]
        if state in ("sent", "acknowledged"):
            return f"{who} marked {what}{about} as {state}"
        return f"{who} exported {what.replace('the ', 'a ', 1)}{about}"
    if action == "import.pack":
        kind, sender = k.imports.get(rid, ("", ""))
        source = f" from {sender}" if sender else ""
        return (
            f"{who} imported a {kind or 'pack'} pack{source} ({t.get('records', '?')} "
            f"records, {t.get('conflicts', '0')} conflicts)"
        )
    if action == "import.update":
        return f"{who} updated {_RECORD_WORDS.get(rtype, rtype)} for {child} from an imported pack"
    if action.startswith("import.resolve."):
        choice = (
            "kept the version here of" if action.endswith("local") else "took the pack's version of"
        )
        return f"{who} {choice} {_RECORD_WORDS.get(rtype, rtype)} for {child}"
    if action == "view":
        if rtype == "child":
            return f"{who} opened the record of {child}"
        return f"{who} looked at {_RECORD_WORDS.get(rtype, rtype.replace('_', ' '))}"
    if action == "purge":
        return (
            f"{who} deleted the record of child {ref_for(rid)} and everything about them "
            "(past the retention period)"
        )
    if action.startswith("summary."):
        period = t.get("period", "all dates").replace("..", " to ")
        return f"{who} made a network-meeting summary ({action[8:]}, {period})"
    if action.startswith("intel.merge."):
        return f"{who} decided whether two intelligence entries are the same ({action[12:]})"
    fixed = {
        "vault.open": "unlocked the vault",
        "vault.backup": "made a backup of the vault",
        "vault.restore": "restored the vault from a backup",
        "vault.accept_older": "accepted an older copy of the vault on purpose",
        "record.bind": "recorded the content of records saved",
        "vault.create": "created the vault",
        "demo.generate": "filled the vault with synthetic demo data",
        "user.details": "updated their own details (My details)",
        "outbox.password": "looked at a kept pack password in the outbox",
        "vault.case_state": "rebuilt every child's stored case state from their records",
    }
    if action in fixed:
        return f"{who} {fixed[action]}"
    if action == "user.add":
        return f"{who} added a user ({t.get('role', 'role not recorded')})"
    record = f" ({rtype.replace('_', ' ')} {ref_for(rid)})" if rtype and rid else ""
    return f"{who}: {action}{record}"


def describe(vault: Session, rows: Sequence[AuditRow]) -> dict[int, str]:
    """A plain sentence for each audit row, by ``seq``."""
    lookup = _Lookup(vault, rows)
    out: dict[int, str] = {}
    for r in rows:
        try:
            out[r.seq] = _sentence(r, lookup)
        except Exception:  # noqa: BLE001 - one odd row never hides the trail
            out[r.seq] = f"{lookup.who(r.actor)}: {r.action}"
    return out


def raw_text(r: AuditRow) -> str:
    """The entry exactly as stored (for the "raw entry" view)."""
    fields: dict[str, Any] = {
        "seq": r.seq,
        "at": r.at,
        "actor": r.actor,
        "action": r.action,
        "record_type": r.record_type,
        "record_id": r.record_id,
        "record_version": r.record_version,
        "reason": r.reason,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    }
    return "\n".join(f"{k}: {v}" for k, v in fields.items())
