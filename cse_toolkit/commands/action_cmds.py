"""`cse-toolkit action add | list | done` and `incident add`: actions and incidents.

An action is for a worker or DSL of this vault (``--to NAME``, or ``me``), due by a time, about
a child (``--case REF``) or an incident (``--incident ID``). ``action list`` prints the signed-in
person's own open actions (``--case REF``: the child's; ``--all``: every open action, for a
DSL), overdue ones marked as in the app. ``action done ID --note TEXT`` marks one done (an id
prefix of at least 8 characters is enough). ``incident add --case REF --case REF ...`` writes
one incident linked to every child named. Text from a pack or another user is printed with
control characters escaped. ``--json`` output is stable (``"format": 1``; keys only added).
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time
from typing import Any

from cse_toolkit.commands.case_cmds import plain
from cse_toolkit.commands.common import add_vault_args
from cse_toolkit.commands.setup_cmds import open_vault
from cse_toolkit.core.clock import utc_iso
from cse_toolkit.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("action", help="actions for a named person with a due date")
    action_sub = p.add_subparsers(dest="action_command", metavar="ACTION", required=True)
    add = action_sub.add_parser("add", help="set an action for yourself or someone in this vault")
    add_vault_args(add)
    add.add_argument("--title", required=True, help="what has to be done")
    add.add_argument("--to", default="me", metavar="NAME", help="who does it (default: me)")
    add.add_argument(
        "--due",
        required=True,
        metavar="WHEN",
        help="YYYY-MM-DD (by the end of that day, this computer's time) or YYYY-MM-DDTHH:MM",
    )
    about = add.add_mutually_exclusive_group(required=True)
    about.add_argument("--case", metavar="REF", help="the child it is about")
    about.add_argument("--incident", metavar="ID", help="the incident it is about")
    add.add_argument("--json", action="store_true", help="print the action as JSON")
    add.set_defaults(func=cmd_add)

    lst = action_sub.add_parser("list", help="your open actions (or a child's, or all)")
    add_vault_args(lst)
    which = lst.add_mutually_exclusive_group()
    which.add_argument("--case", metavar="REF", help="the actions about this child")
    which.add_argument("--all", action="store_true", help="every open action (a DSL)")
    lst.add_argument("--done", action="store_true", help="include actions already done")
    lst.add_argument("--json", action="store_true", help="print the list as JSON")
    lst.set_defaults(func=cmd_list)

    done = action_sub.add_parser("done", help="mark an action done, with a note")
    add_vault_args(done)
    done.add_argument("id", metavar="ID", help="the action's id (at least its first 8 characters)")
    done.add_argument("--note", required=True, help="what was done (a return interview: outcome)")
    done.set_defaults(func=cmd_done)

    inc = sub.add_parser("incident", help="one note or intelligence fact about several children")
    inc_sub = inc.add_subparsers(dest="incident_command", metavar="ACTION", required=True)
    iadd = inc_sub.add_parser("add", help="record one incident linked to several children")
    add_vault_args(iadd)
    iadd.add_argument(
        "--case", action="append", required=True, metavar="REF", help="a child (repeat)"
    )
    iadd.add_argument("--text", required=True, help="what happened")
    iadd.add_argument("--kind", choices=("note", "intelligence"), default="note")
    iadd.add_argument("--place", default="", help="where it happened")
    iadd.add_argument("--at", metavar="WHEN", help="when it happened (default: now)")
    iadd.set_defaults(func=cmd_incident_add)


def parse_when(text: str) -> datetime:
    """A date (by the end of that day) or a date and time, in this computer's time zone."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(23, 59, 59)).astimezone()
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"'{text}' is not a date. Write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM."
        ) from None
    return when if when.tzinfo else when.astimezone()


def _as_json(a: Any, now: datetime) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "assignee": a.assignee_label,
        "due_at": utc_iso(a.due_at),
        "overdue": a.overdue(now),
        "status": a.status,
        "kind": a.kind or "action",
        "child_ref": a.child_ref or None,
        "incident_id": a.incident_id,
        "missing_episode_id": a.missing_id,
        "set_by": a.set_by,
        "done_at": utc_iso(a.done_at) if a.done_at else None,
        "done_by": a.done_by or None,
        "note": a.done_note,
        "origin": "imported" if a.origin else "local",
    }


def _line(a: Any, now: datetime) -> str:
    when = a.due_at.astimezone().strftime("%d %b %Y %H:%M")
    if a.status == "done":
        state = f"done by {plain(a.done_by)}"
    elif a.overdue(now):
        state = f"OVERDUE since {when}"
    else:
        state = f"due {when}"
    about = plain(a.child_label or a.child_ref) or "an incident"
    return f"{a.id[:8]}  {state}  {plain(a.title)}  [{about}; for {plain(a.assignee_label)}]"


def cmd_add(args: argparse.Namespace) -> int:
    due = parse_when(args.due)
    vault = open_vault(args)
    try:
        action = vault.actions.add(
            args.title, due, assignee=args.to, child_id=args.case, incident_id=args.incident
        )
        now = vault.now()
    finally:
        vault.close()
    if args.json:
        print(json.dumps({"format": 1, "action": _as_json(action, now)}, ensure_ascii=False))
    else:
        print(f"Action {action.id} set for {plain(action.assignee_label)}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    vault = open_vault(args)
    try:
        if args.case:
            found = vault.actions.for_child(args.case)
        elif args.all:
            found = vault.actions.all_open()
        else:
            found = vault.actions.mine(include_done=args.done)
        if not args.done:
            found = [a for a in found if a.status == "open"]
        now = vault.now()
    finally:
        vault.close()
    if args.json:
        out = {"format": 1, "actions": [_as_json(a, now) for a in found]}
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if not found:
        print("No actions.")
    for a in found:
        print(_line(a, now))
    return 0


def cmd_done(args: argparse.Namespace) -> int:
    wanted = args.id.strip().lower()
    if len(wanted) < 8:
        raise UserError("Give at least the first 8 characters of the action's id.")
    vault = open_vault(args)
    try:
        pool = {a.id: a for a in vault.actions.mine(include_done=True)}
        if vault.user.role == "dsl":
            pool.update({a.id: a for a in vault.actions.all_open()})
        matches = [i for i in pool if i.startswith(wanted)]
        if not matches:
            try:
                matches = [vault.actions.get(args.id.strip()).id]
            except UserError:
                raise UserError(f"No action {args.id} that you can see.") from None
        if len(matches) > 1:
            raise UserError(f"'{args.id}' matches {len(matches)} actions; give more of the id.")
        action = vault.actions.done(matches[0], args.note)
    finally:
        vault.close()
    print(f"Action {action.id[:8]} done.")
    return 0


def cmd_incident_add(args: argparse.Namespace) -> int:
    at = parse_when(args.at) if args.at else None
    vault = open_vault(args)
    try:
        incident = vault.incidents.add(
            args.case, args.text, at or vault.now(), kind=args.kind, place=args.place
        )
    finally:
        vault.close()
    print(f"Incident {incident.id} recorded for {len(incident.child_ids)} children.")
    return 0
