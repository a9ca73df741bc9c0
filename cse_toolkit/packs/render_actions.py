"""The referral PDF's actions section and its incidents, as rows ``packs.render`` lays out.

Kept apart from ``render`` (which lays them out with its one table builder) so the referral's
layout and these optional parts merge separately. Every value is the sender's text: the table
builder escapes it.
"""

from __future__ import annotations

from datetime import date, datetime

from cse_toolkit.packs.schema import ActionRecord, IncidentRecord, PackModel

ACTIONS_TITLE = "Actions set (who does what, by when)"
ACTION_HEADERS = ("Due", "Action", "For", "Done")
ACTION_WIDTHS = (0.16, 0.4, 0.16, 0.28)


def _dt(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M UTC") if value else ""


def action_rows(pack: PackModel, now: datetime | None = None) -> list[tuple[str, str, str, str]]:
    """One row per action, by due date: done ones with who, when and the note."""
    found: list[ActionRecord] = pack.of_type("action")
    out = []
    for r in sorted(found, key=lambda r: (r.data.due_at, r.id)):
        a = r.data
        title = a.title
        if a.kind == "return_interview":
            title = f"{title} (return interview after a missing episode)"
        if a.set_by:
            title += f"\nSet by {a.set_by}"
        if a.status == "done":
            state = f"Done {_dt(a.done_at)}" + (f" by {a.done_by}" if a.done_by else "")
            if a.note:
                state += f"\n{a.note}"
        else:
            late = now is not None and now > a.due_at
            state = "Not done yet: overdue" if late else "Not done yet"
        out.append((_dt(a.due_at), title, a.assignee, state))
    return out


def other_children_text(data: object) -> str:
    """'Also about: A and 2 other children' from an incident's data ('' for none)."""
    names = list(getattr(data, "other_children", []))
    count = int(getattr(data, "other_children_count", 0))
    if count:
        names.append("1 other child" if count == 1 else f"{count} other children")
    if not names:
        return ""
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Also about: {text}"


def incident_entries(pack: PackModel) -> list[tuple[date, int, str, tuple[str, str, str, str]]]:
    """The chronology extract's incident lines (sort key, order, id, cells)."""
    found: list[IncidentRecord] = pack.of_type("incident")
    out = []
    for r in found:
        i = r.data
        what = "Incident (intelligence)" if i.kind == "intelligence" else "Incident"
        text = f"At {i.place}: {i.text}" if i.place else i.text
        also = other_children_text(i)
        when = i.recorded_at.date()
        out.append(
            (
                when,
                0,
                r.id,
                (when.strftime("%d/%m/%Y"), what, i.author, f"{text}\n{also}" if also else text),
            )
        )
    return out
