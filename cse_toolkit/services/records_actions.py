"""Actions and incidents in pack form, and back (issue 18).

A referral pack for one child carries the child's actions (and those about its incidents) and
its incidents. An incident's other children are left out by default (the information-sharing
rule: only what the recipient needs): the pack then says only how many there are. The worker
may choose to name them (``name_others``); even then only the children they may see are named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cse_toolkit.core.actions import RETURN_INTERVIEW
from cse_toolkit.core.clock import utc_iso
from cse_toolkit.packs import schema as ps
from cse_toolkit.packs.schema import MAX_SHORT, MAX_TEXT

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

# ``services.record_kinds``' Row and Arrival (not imported: record_kinds imports this module).
Row = dict[str, Any]
Arrival = Any


def _short(text: str) -> str:
    return text[:MAX_SHORT]


def _who(users: dict[str, str], user_id: str) -> str:
    return _short(users.get(user_id, user_id.removeprefix("import:")))


def incident_records(
    vault: Vault, child_id: str, *, name_others: bool = False
) -> list[ps.IncidentRecord]:
    users = {u.id: u.label for u in vault.users()}
    out = []
    for incident, others in vault.incidents.for_child(child_id):
        named = [_short(n) for n in others.named][:50] if name_others else []
        out.append(
            ps.IncidentRecord(
                type="incident",
                id=incident.id,
                version=incident.version,
                data=ps.IncidentData(
                    kind=incident.kind,
                    recorded_at=incident.event_at,
                    author=_who(users, incident.author_id),
                    place=_short(incident.place),
                    text=incident.body[:MAX_TEXT],
                    other_children=named,
                    other_children_count=others.total - len(named),
                ),
            )
        )
    return out


def incident_here(vault: Vault, incident_id: str) -> ps.IncidentRecord:
    """The receiver's incident in pack form (for comparing an incoming copy)."""
    incident, names, count = vault.incidents.pack_view(incident_id)
    users = {u.id: u.label for u in vault.users()}
    return ps.IncidentRecord(
        type="incident",
        id=incident.id,
        version=incident.version,
        data=ps.IncidentData(
            kind=incident.kind,
            recorded_at=incident.event_at,
            author=_who(users, incident.author_id),
            place=_short(incident.place),
            text=incident.body[:MAX_TEXT],
            other_children=list(names),
            other_children_count=count,
        ),
    )


def _action_record(a: Any) -> ps.ActionRecord:
    return ps.ActionRecord(
        type="action",
        id=a.id,
        version=a.version,
        data=ps.ActionData(
            title=_short(a.title),
            assignee=_short(a.assignee_label),
            due_at=a.due_at,
            status=a.status,
            kind="return_interview" if a.kind == RETURN_INTERVIEW else "action",
            set_by=_short(a.set_by),
            done_at=a.done_at,
            done_by=_short(a.done_by),
            note=a.done_note[:MAX_TEXT],
            incident_id=a.incident_id,
            missing_episode_id=a.missing_id,
        ),
    )


def action_records(vault: Vault, child_id: str) -> list[ps.ActionRecord]:
    return [_action_record(a) for a in vault.actions.for_child(child_id)]


def action_here(vault: Vault, action_id: str) -> ps.ActionRecord:
    return _action_record(vault.actions.get(action_id))


# -- arriving in a pack -----------------------------------------------------------------------


def action_row(vault: Vault, record: Any, at: Arrival, meta: Row) -> Row:
    d = record.data
    store = vault.exchange
    return {
        **meta,
        "title": d.title,
        "assignee": f"import:{d.assignee}"[:200],
        "due_at": utc_iso(d.due_at),
        "child_id": at.child_id,
        "incident_id": d.incident_id
        if d.incident_id and store.exists("incidents", d.incident_id)
        else None,
        "missing_id": d.missing_episode_id
        if d.missing_episode_id and store.exists("missing_episodes", d.missing_episode_id)
        else None,
        "kind": RETURN_INTERVIEW if d.kind == "return_interview" else "",
        "status": d.status,
        "done_at": utc_iso(d.done_at) if d.done_at else None,
        "done_by": f"import:{d.done_by}"[:200] if d.done_by else "",
        "done_note": d.note,
    }


def store_incident(vault: Vault, record: Any, at: Arrival, meta: Row, new: bool) -> None:
    from cse_toolkit.vault.incidents_repo import elsewhere_json

    d = record.data
    row = {
        **meta,
        "kind": d.kind,
        "author_id": f"import:{d.author}"[:200],
        "event_at": utc_iso(d.recorded_at),
        "place": d.place,
        "body": d.text,
        "elsewhere": elsewhere_json(list(d.other_children), d.other_children_count),
    }
    vault.incidents.write_imported(row, at.child_id, new=new)


def link_incidents(vault: Vault, pack: ps.PackModel, at: Arrival) -> None:
    """Inside the import's write: every incident in the pack is linked to the pack's child,
    also one already here from a pack about another of its children."""
    if not at.child_id or not vault.exchange.exists("children", at.child_id):
        return
    for record in pack.records:
        if record.type == "incident" and vault.exchange.exists("incidents", record.id):
            vault.incidents.link_imported(record.id, at.child_id)
