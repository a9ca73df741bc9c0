"""Commands for screening tools: ``tools list|show|check`` and ``screen``.

``screen`` needs no vault: it reads an answers file (format in DESIGN.md), evaluates it with the
tool and prints what a practitioner needs (level, why, what to verify, gaps, next steps, who to
contact from the organisation policy), or the stable JSON form with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from cse_toolkit.core import catalogue
from cse_toolkit.core import tools as tools_mod
from cse_toolkit.core.clock import SystemClock
from cse_toolkit.core.contacts import contact_lines, line_text
from cse_toolkit.core.datafile import load_toml_file, read_text
from cse_toolkit.core.screening import (
    INCOMPLETE_LINE,
    Outcome,
    ScreeningInput,
    ScreeningInputError,
    evaluate,
)
from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import (
    ANSWERS_MAX_BYTES,
    InputTooLargeError,
    check_nesting,
    decode_text,
    read_text_capped,
)
from cse_toolkit.policy import Contacts


def register(subparsers: Any) -> None:
    tools_p = subparsers.add_parser("tools", help="list, show or check screening tools")
    tools_sub = tools_p.add_subparsers(dest="tools_command", metavar="ACTION")
    tools_p.set_defaults(func=lambda args: _usage(tools_p))

    p = tools_sub.add_parser("list", help="list installed screening tools")
    p.add_argument("--all-versions", action="store_true", help="list every installed version")
    p.set_defaults(func=cmd_tools_list)

    p = tools_sub.add_parser("show", help="show a tool's levels, sections, indicators and rules")
    p.add_argument("tool_id", metavar="ID")
    p.add_argument("--version", dest="tool_version", metavar="V", help="a specific version")
    p.add_argument("--json", action="store_true", help="print the tool as JSON")
    p.set_defaults(func=cmd_tools_show)

    p = tools_sub.add_parser(
        "check", help="check a tool (or pathway) file and explain every problem by line"
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_tools_check)

    p = subparsers.add_parser("screen", help="evaluate a screening answers file (no vault needed)")
    p.add_argument("--tool", metavar="ID", help="tool id (default: the 'tool' in the file)")
    p.add_argument(
        "--answers", metavar="FILE", required=True, help="answers file (JSON; '-' for stdin)"
    )
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(func=cmd_screen)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


# --- tools ----------------------------------------------------------------------------------


def cmd_tools_list(args: argparse.Namespace) -> int:
    infos = catalogue.list_tools(all_versions=args.all_versions)
    if not infos:
        print("No screening tools are installed.")
        return 0
    width = max(len(i.id) for i in infos)
    for info in infos:
        print(f"{info.id:<{width}}  {info.version:<6}  {info.name} ({info.area})")
    return 0


def cmd_tools_show(args: argparse.Namespace) -> int:
    tool = catalogue.load_tool(args.tool_id, args.tool_version)
    if args.json:
        print(json.dumps(tool.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return 0
    out = [f"{tool.name}  [{tool.id} version {tool.version}]", f"Area: {tool.area}"]
    if tool.valid_from:
        out.append(f"In use from: {tool.valid_from.isoformat()}")
    out += ["", tool.about.strip(), "", "Levels (lowest first):"]
    for lv in tool.levels:
        manual = "  (chosen by a person only)" if lv.id in tool.manual_only_levels else ""
        out.append(f"  {lv.id}: {lv.label} - {lv.meaning}{manual}")
    for sec in tool.sections:
        kind = f"scored, level '{sec.level}'" if sec.scored else "context only, never scored"
        period = "; answered with when: current or prior" if sec.has_time_period else ""
        points = (
            f"; points to {' and '.join(sec.exploitation)} exploitation" if sec.exploitation else ""
        )
        out += ["", f"{sec.title}  [{sec.id}; {kind}{period}{points}; {sec.provenance}]"]
        if sec.source:
            out.append(f"  Source: {sec.source}")
        for ind in sec.indicators:
            prov = sec.provenance_of(ind)
            mark = "" if prov == sec.provenance else f"  [{prov}]"
            out.append(f"  {ind.id}: {ind.label}{mark}")
    out += ["", "Rules, in order:"]
    for rule in tool.rules:
        out.append(f"  {rule.id} ({rule.kind}): {rule.text}")
    print("\n".join(out))
    return 0


def cmd_tools_check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        raise UserError(f"File {path} does not exist.")
    if not path.is_file():
        raise UserError(f"{path} is not a tool or pathway file (it is a folder or a device).")
    # Read once under the cap (a 50 MiB file or /dev/zero is refused before it is read whole);
    # the checks below read it again from the same cap.
    data = load_toml_file(path) if read_text(path, UserError) else None
    is_pathway = data is not None and "steps" in data and "sections" not in data
    if is_pathway:
        problems = catalogue.check_pathway_file(path)
        what = "pathway"
    else:
        problems = catalogue.check_tool_file(path)
        what = "tool"
    if not problems:
        if what == "tool" and catalogue.file_retired(path):
            print(
                f"{path}: tool file OK, no problems found. It is retired: it only shows "
                "screenings saved under it, is never used for a new screening, and the safety "
                "rules are not checked for it."
            )
            return 0
        print(f"{path}: {what} file OK, no problems found.")
        return 0
    for prob in sorted(problems, key=lambda p: (p.line or 0, p.key)):
        line = prob.line if prob.line else "?"
        key = f" {prob.key}:" if prob.key else ""
        print(f"{path}:{line}:{key} {prob.message}")
    print(f"{len(problems)} problem(s) in {what} file {path}.", file=sys.stderr)
    return 1


# --- screen ---------------------------------------------------------------------------------


def read_answers_text(name: str) -> str:
    """The answers file's text (``-``: standard input), at most ``ANSWERS_MAX_BYTES``."""
    what = "The answers on standard input" if name == "-" else f"Answers file {name}"
    try:
        if name == "-":
            raw = sys.stdin.buffer.read(ANSWERS_MAX_BYTES + 1)
            if len(raw) > ANSWERS_MAX_BYTES:
                raise InputTooLargeError(f"{what} are larger than 2 MiB; they were not read.")
            return decode_text(raw, what)
        return read_text_capped(Path(name), ANSWERS_MAX_BYTES, what)
    except UserError as exc:
        raise ScreeningInputError(exc.message) from exc


def _read_answers(name: str) -> Any:
    text = read_answers_text(name)
    try:
        check_nesting(text, "json", f"Answers file {name}")
    except UserError as exc:
        raise ScreeningInputError(exc.message) from exc
    try:
        return json.loads(text)
    except RecursionError as exc:  # cannot happen after the nesting check; never a traceback
        raise ScreeningInputError(f"Answers file {name} is nested too deep.") from exc
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):  # e.g. an integer over 4300 digits
            raise ScreeningInputError(f"Answers file {name} is not valid JSON.") from exc
        raise ScreeningInputError(
            f"Answers file {name} is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}."
        ) from exc


def cmd_screen(args: argparse.Namespace) -> int:
    data = _read_answers(args.answers)
    if not isinstance(data, dict):
        raise ScreeningInputError(f"Answers file {args.answers} must hold a JSON object ({{...}}).")
    if args.tool:
        named = data.get("tool")
        if named is not None and named != args.tool:
            raise ScreeningInputError(
                f"The answers file is for tool '{named}' but --tool says '{args.tool}'."
            )
        data = {**data, "tool": args.tool}
    elif "tool" not in data:
        raise ScreeningInputError("Say which tool: use --tool ID or a 'tool' key in the file.")
    inp = ScreeningInput.from_dict(data)
    tool = catalogue.load_tool(inp.tool, inp.tool_version)
    outcome = evaluate(tool, inp)
    if args.json:
        print(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(render_outcome(tool, outcome, args.policy.contacts))
    return 0


def _contact_lines(keys: tuple[str, ...], contacts: Contacts, now: datetime) -> list[str]:
    """Who to contact at ``now``: the front door in office hours, the Emergency Duty Team out
    of hours (``core.contacts``); a contact the policy does not give reads "Not recorded"."""
    return [f"  {line_text(line)}" for line in contact_lines(contacts, keys, now)]


def render_outcome(
    tool: tools_mod.Tool, outcome: Outcome, contacts: Contacts, now: datetime | None = None
) -> str:
    """The outcome in plain words for a practitioner (the text form of ``screen``); the
    contacts as at ``now`` (default: the system clock's time)."""
    now = now or SystemClock().now()

    def label(level: str) -> str:
        return tool.level(level).label

    out: list[str] = [f"{tool.name} (version {tool.version})", ""]
    if outcome.urgent:
        out += ["URGENT: someone is in immediate danger. CALL 999 NOW.", ""]
    if outcome.incomplete:
        out += [
            f"INCOMPLETE: {INCOMPLETE_LINE}",
            f"  {label(outcome.suggested_level)} cannot be confirmed until the screening is "
            "complete.",
        ]
    out.append(f"Suggested level: {label(outcome.suggested_level)}")
    if outcome.suggested_level != outcome.computed_level:
        out.append(
            f"  (the indicators alone give {label(outcome.computed_level)}; a floor raised it)"
        )
    if outcome.minimum_level != tool.level_ids[0]:
        out.append(f"  It cannot be confirmed lower than {label(outcome.minimum_level)}.")
    if outcome.exploitation_line:
        out.append(outcome.exploitation_line)
    if outcome.provenance:
        out.append(outcome.provenance)
    out += [
        "This is a suggestion: you and your DSL confirm it or a higher level. A lower level "
        "needs a reason and your DSL's sign-off.",
        "",
        "Why:",
    ]
    present = {a.indicator: a for a in outcome.present}
    for reason in outcome.reasons:
        out.append(f"  - {reason.text}")
        for ind in reason.indicators:
            a = present[ind]
            basis = tools_mod.BASIS_LABELS.get(a.basis or "", "")
            when = f", {tools_mod.WHEN_LABELS[a.when].lower()}" if a.when else ""
            note = f": {a.note}" if a.note else ""
            out.append(f"      {a.label} ({a.value}, {basis.lower()}{when}){note}")
    for floor in outcome.floors_applied:
        out.append(f"  - {floor.text}")
    out += ["", 'To verify (answered "possible"):']
    if outcome.to_verify:
        out += [f"  - {a.label}" + (f": {a.note}" if a.note else "") for a in outcome.to_verify]
    else:
        out.append("  None.")
    out += ["", f"Gaps to follow up (not known or not answered): {len(outcome.gaps)}"]
    by_section: dict[str, list[str]] = {}
    for gap in outcome.gaps:
        by_section.setdefault(gap.section, []).append(gap.label)
    for sec_id, labels in by_section.items():
        out.append(f"  {tool.section(sec_id).title}:")
        out += [f"    - {text}" for text in labels]
    ns = outcome.next_steps
    if ns is not None:
        out += ["", "What to do next:"]
        out += [f"  - {text}" for text in ns.text]
        if ns.steps:
            out.append("  Steps: " + " -> ".join(s.title for s in ns.steps))
        if ns.review_interval:
            out.append(f"  Re-screen within {ns.review_interval}, or sooner if anything changes.")
        if ns.require_plan:
            out.append("  Record the next steps you considered and a re-screen date or trigger.")
        out += ["", "Who to contact:"]
        out += _contact_lines(ns.contacts, contacts, now)
    return "\n".join(out)
