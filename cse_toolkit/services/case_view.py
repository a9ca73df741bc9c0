"""A child's case as one plain structure: the record, the levels, where the case stands on the
pathway, what is next and when, and the chronology with who recorded each entry and where it
came from. ``cse-toolkit case show/list`` print it (text or ``--json``); the app reads the same
facts through the same vault calls, so the command line and the screen cannot disagree.

The JSON form is a contract (DESIGN.md, "case show"): keys are only ever added.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cse_toolkit.core import catalogue
from cse_toolkit.core import pathway as pw
from cse_toolkit.core.clock import utc_iso
from cse_toolkit.core.entities import Child, ImportOrigin
from cse_toolkit.core.urgency import urgency, urgency_level
from cse_toolkit.errors import UserError
from cse_toolkit.services.merge import possible_duplicates
from cse_toolkit.vault.vault import Vault

FORMAT = 1


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return utc_iso(value)
    return value.isoformat()


def _origin(origin: str, imported: dict[str, ImportOrigin]) -> dict[str, Any]:
    if not origin:
        return {"kind": "local"}
    info = imported.get(origin)
    if info is None:
        return {
            "kind": "imported",
            "pack_id": origin,
            "sender": "",
            "organisation": "",
            "imported_at": None,
        }
    return {
        "kind": "imported",
        "pack_id": info.pack_id,
        "pack_kind": info.kind,
        "sender": info.sender,
        "organisation": info.organisation,
        "imported_at": info.imported_at,
    }


def _pack_origins(vault: Vault, record_ids: list[str]) -> dict[str, ImportOrigin]:
    by_record = vault.repos.import_origins(record_ids)
    return {o.pack_id: o for o in by_record.values()}


def _levels(vault: Vault, child: Child) -> dict[str, Any]:
    screenings = [s for s in vault.repos.screenings_for(child.id)]
    latest = max(screenings, key=lambda s: s.screened_at) if screenings else None
    suggested = latest.suggested_level if latest else None
    return {
        "confirmed": child.confirmed_level,
        "confirmed_label": catalogue.level_label(child.confirmed_level) or None,
        "suggested": suggested,
        "suggested_label": catalogue.level_label(suggested) or None,
        "tool": latest.tool_id if latest else child.level_tool,
        "latest_screening": None
        if latest is None
        else {
            "id": latest.id,
            "screened_at": _iso(latest.screened_at),
            "status": latest.status,
            "confirmed_by": latest.confirmed_by,
        },
    }


def _pathway(state: pw.CaseState, pathway: pw.Pathway) -> dict[str, Any]:
    current = None
    if state.current is not None:
        current = {"id": state.current, "title": pathway.step(state.current).title}
    return {
        "id": state.pathway,
        "version": state.pathway_version,
        "route": state.route,
        "route_name": state.route_name,
        "level": state.level,
        "cycle": state.cycle,
        "current": current,
        "done": [
            {
                "id": v.id,
                "title": v.title,
                "status": v.status,
                "recorded_at": _iso(v.recorded_at),
                "reason": v.reason,
            }
            for v in state.done
        ],
        "ahead": [{"id": v.id, "title": v.title} for v in state.open[1:]],
        "set_aside": state.to_dict()["set_aside"],
    }


def next_step(state: pw.CaseState) -> dict[str, Any] | None:
    """The step to record next and its (first) due date, or None when the route has ended."""
    if not state.open:
        return None
    view = state.open[0]
    due = [d for d in state.due if d.step == view.id] or list(state.due)
    first = min(due, key=lambda d: d.due_at) if due else None
    return {
        "id": view.id,
        "title": view.title,
        "due_at": _iso(first.due_at) if first else None,
        "due_label": first.label if first else None,
        "overdue": bool(first and first.overdue),
    }


def _urgency(
    vault: Vault,
    child: Child,
    state: pw.CaseState,
    records: list[pw.StepRecord] | None = None,
    latest: tuple[str, datetime] | None = None,
) -> dict[str, Any]:
    if records is None:
        records = vault.repos.engine_records(child.id)
    if latest is None:
        screenings = vault.repos.screenings_for(child.id)
        newest = max(screenings, key=lambda s: s.screened_at) if screenings else None
        latest = (newest.status, newest.screened_at) if newest else None
    status, at = latest if latest else (None, None)
    return urgency(
        state,
        records,
        urgency_level(child.confirmed_level, state),
        vault.now(),
        latest_screening_status=status,
        latest_screening_at=at,
    ).to_dict()


def _case_state(vault: Vault, child: Child) -> tuple[pw.CaseState, pw.Pathway]:
    pathway = catalogue.load_pathway(vault.repos.case_pathway_id(child.id))
    return vault.repos.case_state(child.id, pathway.id), pathway


def show(vault: Vault, ref: str) -> dict[str, Any]:
    """Everything ``case show`` prints. Opening a case is written to the audit trail, as in
    the app. Raises ``UserError`` for a reference this user cannot see."""
    vault.require("worker", "dsl")
    child = vault.repos.get_child(ref.strip(), log_view=True)
    today = vault.now().date()
    state, pathway = _case_state(vault, child)
    chronology = vault.repos.chronology(child.id)
    origins = [child.id] + [i.record_id for i in chronology if i.origin]
    imported = _pack_origins(vault, origins)
    child_origin = vault.repos.import_origins([child.id]).get(child.id)
    owner = {u.id: u.label for u in vault.users()}.get(child.owner_id, child.owner_id)
    return {
        "format": FORMAT,
        "ref": child.ref,
        "id": child.id,
        "record": {
            "name": child.name,
            "alias": child.alias,
            "date_of_birth": _iso(child.dob),
            "age": child.age_on(today),
            "age_is_approximate": child.dob is None and child.approx_age is not None,
            "gender": child.gender,
            "ethnicity": child.ethnicity,
            "school": child.school,
            "address": child.address,
            "household": child.household,
            "parental_responsibility": child.parental_responsibility,
            "learning_disability": child.learning_disability,
            "additional_needs": child.additional_needs,
            "status": child.status,
            "owner": owner,
        },
        "origin": _origin(child_origin.pack_id, {child_origin.pack_id: child_origin})
        if child_origin
        else {"kind": "local"},
        "possible_duplicates": possible_duplicates(vault, child.id),
        "level": _levels(vault, child),
        "pathway": _pathway(state, pathway),
        "urgency": _urgency(vault, child, state),
        "next_step": next_step(state),
        "due": [d.to_dict() for d in state.due],
        "chronology": [
            {
                "at": _iso(i.at),
                "kind": i.kind,
                "title": i.title,
                "detail": i.detail,
                "author": i.by,
                "origin": _origin(i.origin, imported),
                "record_id": i.record_id,
            }
            for i in chronology
        ],
    }


def case_list(vault: Vault) -> list[dict[str, Any]]:
    """Every child this user can see: ref, name, levels and the next step with its due date."""
    vault.require("worker", "dsl")
    records = vault.repos.engine_records_by_child()
    latest_by_child = vault.repos.latest_screenings()
    out: list[dict[str, Any]] = []
    children = vault.repos.list_children()
    pathway_ids = vault.repos.case_pathway_ids(c.id for c in children)
    for child in children:
        pathway = catalogue.load_pathway(pathway_ids[child.id])
        try:
            state = pw.case_state(
                pathway, records.get(child.id, []), vault.clock, child.confirmed_level
            )
            step = next_step(state)
        except pw.PathwayError as exc:  # pragma: no cover - the engine sets records aside
            raise UserError(f"The case {child.ref} cannot be read: {exc}") from exc
        screenings = vault.repos.screenings_for(child.id)
        latest = max(screenings, key=lambda s: s.screened_at) if screenings else None
        out.append(
            {
                "ref": child.ref,
                "id": child.id,
                "name": child.display_name,
                "confirmed_level": child.confirmed_level,
                "confirmed_label": catalogue.level_label(child.confirmed_level) or None,
                "suggested_level": latest.suggested_level if latest else None,
                "route": state.route,
                "next_step": step,
                "overdue": [d.id for d in state.overdue],
                "set_aside": len(state.set_aside),
                "urgency": _urgency(
                    vault, child, state, records.get(child.id, []), latest_by_child.get(child.id)
                ),
            }
        )
    # Risk first, as in the app: the most urgent case first, then by due date, then by ref.
    far = "9999"
    out.sort(key=lambda r: (r["urgency"]["rank"], r["urgency"]["due_at"] or far, r["ref"]))
    return out
