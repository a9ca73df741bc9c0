"""The checks a pathway file must pass beyond its schema (ids, transitions, loops, timescales).

``check_pathway_text`` validates TOML text and names every problem by key and line; the
catalogue (``core.catalogue``) uses it to load and check installed files. Qt-free.
"""

from __future__ import annotations

import itertools

from pydantic import ValidationError

from cse_toolkit.core.datafile import Loc, Problem, ProblemList, parse_toml
from cse_toolkit.core.pathway import Pathway, Step, Transition


def _semantic_checks(pw: Pathway, problems: ProblemList) -> None:  # noqa: C901 - a check per rule
    ids: dict[str, int] = {}
    for i, s in enumerate(pw.steps):
        if s.id in ids:
            problems.add(("steps", i, "id"), f"duplicate step id '{s.id}'")
        else:
            ids[s.id] = i
        seen_fields: set[str] = set()
        for fi, f in enumerate(s.fields):
            if f.id in seen_fields:
                problems.add(("steps", i, "fields", fi, "id"), f"duplicate field id '{f.id}'")
            seen_fields.add(f.id)
            if f.type == "choice" and not f.options:
                problems.add(("steps", i, "fields", fi, "options"), "a choice needs options")
            if f.type != "choice" and f.options:
                problems.add(("steps", i, "fields", fi, "options"), "only a choice has options")
    route_ids: set[str] = set()
    for ri, r in enumerate(pw.routes):
        if r.id in route_ids:
            problems.add(("routes", ri, "id"), f"duplicate route id '{r.id}'")
        route_ids.add(r.id)
    if pw.start not in ids:
        problems.add(("start",), f"start step '{pw.start}' is not one of the steps")

    for i, s in enumerate(pw.steps):
        for ti, t in enumerate(s.next):
            loc: tuple[str | int, ...] = ("steps", i, "next", ti)
            if t.to not in ids:
                problems.add((*loc, "to"), f"transition to unknown step '{t.to}'")
            if t.route is not None and t.route not in route_ids:
                problems.add((*loc, "route"), f"names unknown route '{t.route}'")
            if t.if_field is not None and s.field_def(t.if_field) is None:
                problems.add((*loc, "if_field"), f"'{t.if_field}' is not a field of step '{s.id}'")
            if (t.if_field is None) != (t.equals is None):
                problems.add(loc, "if_field and equals go together")
            for ri, rid in enumerate(t.if_route or []):
                if rid not in route_ids:
                    problems.add((*loc, "if_route", ri), f"names unknown route '{rid}'")
            _check_equals(s, t, loc, problems)
        _check_answers_covered(s, i, problems)
        if s.next and all(t.conditional for t in s.next) and s.may_skip:
            problems.add(
                ("steps", i, "may_skip"),
                "a step whose next step depends on its answer cannot be skipped: "
                "set may_skip = false",
            )
        if s.offered and s.next:
            problems.add(("steps", i, "next"), "an offered step returns to the route: no next")

    # Cycles other than declared loop edges: depth-first search over the other edges.
    graph = {s.id: [t.to for t in s.next if not t.loop and t.to in ids] for s in pw.steps}
    colour: dict[str, int] = {}
    reported: set[str] = set()

    def visit(sid: str, trail: list[str]) -> None:
        colour[sid] = 1
        for nxt in graph.get(sid, []):
            if colour.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [sid, nxt]
                if sid not in reported:
                    reported.add(sid)
                    problems.add(
                        ("steps", ids[sid], "next"),
                        "cycle " + " -> ".join(cycle) + ": only the review loop may go back, "
                        "and it must be marked loop = true",
                    )
            elif colour.get(nxt) is None:
                visit(nxt, [*trail, nxt])
        colour[sid] = 2

    for sid in graph:
        if sid not in colour:
            visit(sid, [sid])

    # Unreachable steps (offered steps are reachable from anywhere by definition).
    if pw.start in ids:
        reach = set()
        todo = [pw.start]
        while todo:
            sid = todo.pop()
            if sid in reach or sid not in ids:
                continue
            reach.add(sid)
            todo.extend(t.to for t in pw.steps[ids[sid]].next)
        for i, s in enumerate(pw.steps):
            if s.id not in reach and not s.offered:
                problems.add(
                    ("steps", i, "id"), f"step '{s.id}' cannot be reached from '{pw.start}'"
                )

    for ti, ts in enumerate(pw.timescales):
        loc = ("timescales", ti)
        for si, sid in enumerate(ts.starts):
            if sid not in ids:
                problems.add((*loc, "starts", si), f"unknown step '{sid}'")
        if ts.ends_step is not None and ts.ends_step not in ids:
            problems.add((*loc, "ends_step"), f"unknown step '{ts.ends_step}'")
        for key in ("ends_field", "only_if_field"):
            fid = getattr(ts, key)
            if fid is not None and not any(
                sid in ids and pw.steps[ids[sid]].field_def(fid) for sid in ts.starts
            ):
                problems.add((*loc, key), f"'{fid}' is not a field of the starting step")
        if ts.amount is None and not ts.amount_by_level:
            problems.add(loc, "needs amount or amount_by_level")
        if ts.ends_step is None and ts.ends_field is None:
            problems.add(loc, "needs ends_step or ends_field (what meets it)")


def _check_equals(s: Step, t: Transition, loc: Loc, problems: ProblemList) -> None:
    """``equals`` must be a value the field can hold: an option of a choice, true/false."""
    f = s.field_def(t.if_field) if t.if_field is not None else None
    if f is None or t.equals is None:
        return
    if f.type == "choice" and t.equals not in f.options:
        problems.add((*loc, "equals"), f"'{t.equals}' is not one of the options of '{f.id}'")
    elif f.type == "bool" and not isinstance(t.equals, bool):
        problems.add((*loc, "equals"), f"'{f.id}' is yes or no: equals must be true or false")


def _check_answers_covered(s: Step, index: int, problems: ProblemList) -> None:
    """A step whose way on depends on its answers has a way on for every combination of them
    (required choice and yes/no fields); a transition limited to a level or a route does not
    count, since the case may be on another."""
    if not any(t.if_field is not None for t in s.next):
        return
    if any(t.if_field is None and t.if_route is None and t.if_level is None for t in s.next):
        return  # an unconditional fallback exists
    fields = []
    for fid in dict.fromkeys(t.if_field for t in s.next if t.if_field is not None):
        f = s.field_def(fid)
        if f is None or not f.required or f.type not in ("choice", "bool"):
            return  # an answer that may be missing: the engine reports it when recorded
        fields.append(f)
    values = [list(f.options) if f.type == "choice" else [True, False] for f in fields]
    for combo in itertools.product(*values):
        answers = {f.id: v for f, v in zip(fields, combo, strict=True)}
        if not any(
            t.if_route is None
            and t.if_level is None
            and (t.if_field is None or answers.get(t.if_field) == t.equals)
            for t in s.next
        ):
            words = ", ".join(
                f"{fid} = {str(v).lower() if isinstance(v, bool) else repr(v)}"
                for fid, v in answers.items()
            )
            problems.add(("steps", index, "next"), f"no next step when {words}: add a transition")
            return


def check_pathway_text(text: str) -> tuple[Pathway | None, list[Problem]]:
    """Validate pathway TOML text. Returns the pathway (None if any problem) and every problem."""
    data, syntax = parse_toml(text)
    if data is None:
        return None, syntax
    problems = ProblemList(text, data)
    try:
        pw = Pathway.model_validate(data)
    except ValidationError as exc:
        problems.add_validation_error(exc)
        return None, problems.items
    _semantic_checks(pw, problems)
    return (None if problems.items else pw), problems.items
