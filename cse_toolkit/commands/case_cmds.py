"""`cse-toolkit case show REF` and `case list`: read a case as the app shows it.

The passphrase is read from the terminal or the first line of standard input; the role rules are
the app's (a worker sees the children they own, a DSL every child, an admin none). Opening a case
is written to the audit trail. Text from a pack or another user is printed with control
characters escaped, so a hostile record cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from cse_toolkit.commands.common import add_vault_args
from cse_toolkit.commands.setup_cmds import open_vault

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: Any) -> str:
    """``text`` safe for a terminal: control and direction characters as \\xNN / \\uNNNN."""
    if text is None:
        return ""

    def escape(m: re.Match[str]) -> str:
        code = ord(m.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escape, str(text))


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("case", help="read a child's case (record, level, pathway, chronology)")
    case_sub = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    show = case_sub.add_parser("show", help="one case: record, levels, pathway, chronology")
    add_vault_args(show)
    show.add_argument("ref", metavar="REF", help="the child's reference, e.g. Z5N9-5RMX")
    show.add_argument("--json", action="store_true", help="print the case as JSON")
    show.set_defaults(func=cmd_show)
    lst = case_sub.add_parser("list", help="every case you can see, with its next step")
    add_vault_args(lst)
    lst.add_argument("--json", action="store_true", help="print the list as JSON")
    lst.set_defaults(func=cmd_list)


def _when(text: str | None) -> str:
    return text.replace("T", " ").replace("Z", " UTC") if text else "no date"


def _origin_text(origin: dict[str, Any]) -> str:
    if origin.get("kind") != "imported":
        return "local"
    who = f" from {origin['sender']}" if origin.get("sender") else ""
    return f"imported{who} (pack {str(origin.get('pack_id', ''))[:8]})"


def cmd_show(args: argparse.Namespace) -> int:
    from cse_toolkit.services import case_view

    vault = open_vault(args)
    try:
        case = case_view.show(vault, args.ref)
    finally:
        vault.close()
    if args.json:
        print(json.dumps(case, indent=2, ensure_ascii=False))
        return 0
    rec, level, path = case["record"], case["level"], case["pathway"]
    print(
        f"{case['ref']}  {plain(rec['name'] or rec['alias'])}"
        + (f" ({plain(rec['alias'])})" if rec["name"] and rec["alias"] else "")
    )
    age = rec["age"]
    if age is not None:
        print(
            f"  age {'about ' if rec['age_is_approximate'] else ''}{age}"
            + (f", born {rec['date_of_birth']}" if rec["date_of_birth"] else "")
        )
    if rec["school"]:
        print(f"  school: {plain(rec['school'])}")
    print(f"  record: {_origin_text(case['origin'])}; owner {plain(rec['owner'])}")
    print(
        f"Level: confirmed {plain(level['confirmed_label'] or 'not yet')}; "
        f"suggested {plain(level['suggested_label'] or 'no screening yet')}"
    )
    print(
        f"Pathway: {plain(path['route_name'] or 'route decided when the level is confirmed')}"
        + (f" (review cycle {path['cycle']})" if path["cycle"] > 1 else "")
        + f" [{plain(path['id'])} version {plain(path['version'])}]"
    )
    for step in path["done"]:
        print(f"  done  {_when(step['recorded_at'])}  {plain(step['title'])}")
    for aside in path["set_aside"]:
        print(
            f"  NOT USED  {_when(aside['recorded_at'])}  {plain(aside['title'])}: "
            f"{plain(aside['problem'])}"
        )
    if case["urgency"]["text"]:
        print(f"Priority: {plain(case['urgency']['text'])}")
    nxt = case["next_step"]
    if nxt is None:
        print("Next step: none (the route has ended)")
    else:
        due = ""
        if nxt["due_at"]:
            due = f"; {'OVERDUE since' if nxt['overdue'] else 'due'} {_when(nxt['due_at'])}"
        print(f"Next step: {plain(nxt['title'])}{due}")
    print(f"Chronology ({len(case['chronology'])} entries):")
    for item in case["chronology"]:
        by = f" by {plain(item['author'])}" if item["author"] else ""
        print(
            f"  {_when(item['at'])}  {item['kind']:<12} {plain(item['title'])}{by}"
            f" [{_origin_text(item['origin'])}]"
        )
        if item["detail"]:
            print(f"      {plain(' '.join(item['detail'].split()))}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from cse_toolkit.services import case_view

    vault = open_vault(args)
    try:
        rows = case_view.case_list(vault)
    finally:
        vault.close()
    if args.json:
        print(json.dumps({"format": case_view.FORMAT, "cases": rows}, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("No cases you can see.")
        return 0
    for row in rows:
        nxt = row["next_step"]
        step = plain(nxt["title"]) if nxt else "no further steps"
        due = ""
        if nxt and nxt["due_at"]:
            due = f" ({'OVERDUE since' if nxt['overdue'] else 'due'} {nxt['due_at'][:10]})"
        level = plain(row["confirmed_label"] or "not screened")
        flag = f"  [{plain(row['urgency']['text'])}]" if row["urgency"]["text"] else ""
        print(f"{row['ref']}  {plain(row['name']):<30.30} {level:<14.14} {step}{due}{flag}")
    return 0
