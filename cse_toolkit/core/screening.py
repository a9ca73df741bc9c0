"""The screening engine: answers + child context in, a suggested level with its reasons out.

``evaluate(tool, input)`` applies the tool's rules (data, see ``cse_toolkit.core.tools``) and
returns an ``Outcome``: the suggested level, the reasons (each naming its rule and the indicators
that fired), the floors applied, the answers to verify (``possible``), the gaps (every ``unknown``
or unanswered indicator in a scored section), the urgent flag (call 999) and the next steps (from
the tool and the pathway). The level is only a suggestion: ``confirm_level`` records a named
person confirming or changing it, refuses a level below a floor, and needs a reason for any
change or for a manual-only level.

A screening is tied to one tool version. ``evaluate`` refuses an input made with another version,
and ``tool_for(input)`` loads exactly the version a saved screening was made with, so a newer tool
file never re-scores an old screening.

For the GUI outcome page: ``Outcome`` fields are plain, typed and ordered as the tool lists them;
``Outcome.to_dict()`` is the stable JSON form (``screen --json``, exports). This module is Qt-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cse_toolkit.core.catalogue import load_pathway, load_tool
from cse_toolkit.core.clock import Clock, utc_iso
from cse_toolkit.core.pathway import Pathway, PathwayNotFound

# Re-exported: the input is part of the engine's interface (callers use screening.ScreeningInput).
from cse_toolkit.core.screening_input import MIN_AGE as MIN_AGE
from cse_toolkit.core.screening_input import Answer as Answer
from cse_toolkit.core.screening_input import ChildContext as ChildContext
from cse_toolkit.core.screening_input import ScreeningInput as ScreeningInput
from cse_toolkit.core.screening_input import ScreeningInputError as ScreeningInputError
from cse_toolkit.core.screening_input import validate_input as validate_input
from cse_toolkit.core.tools import (
    EXPLOITATION_KINDS,
    PRESENT_VALUES,
    AdultRouteRule,
    AnyPresentRule,
    CountAtLeastRule,
    DefaultRule,
    FloorAgeUnderRule,
    FloorFlagRule,
    ImmediateDangerRule,
    IncompleteRule,
    MinimumIfPresentRule,
    PriorOnlyRule,
    Tool,
)
from cse_toolkit.errors import UserError


class ToolVersionMismatch(UserError):
    """The screening was made with a different version of the tool than the one given."""


class BelowFloorError(UserError):
    """A confirmed level below a floor (under 13, learning disability, immediate danger)."""


class ConfirmationError(UserError):
    """A confirmation is missing something it needs (who, a reason, a re-screen plan)."""


# --- outcome --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a level was suggested: the rule id, the indicators that fired, and plain text."""

    rule: str
    level: str | None
    indicators: tuple[str, ...]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "indicators": list(self.indicators),
            "text": self.text,
        }


@dataclass(frozen=True)
class FloorApplied:
    """A floor whose condition holds; ``raised`` says whether it changed the suggested level."""

    rule: str
    level: str
    raised: bool
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "level": self.level, "raised": self.raised, "text": self.text}


@dataclass(frozen=True)
class AnswerItem:
    """An answer as listed on the outcome (to verify) with the section it belongs to."""

    indicator: str
    label: str
    section: str
    value: str
    basis: str | None
    when: str | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "label": self.label,
            "section": self.section,
            "value": self.value,
            "basis": self.basis,
            "when": self.when,
            "note": self.note,
        }


@dataclass(frozen=True)
class Gap:
    """An indicator in a scored section answered ``unknown`` or not answered at all."""

    indicator: str
    label: str
    section: str
    answered: bool  # False: not answered at all

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "label": self.label,
            "section": self.section,
            "answered": self.answered,
        }


@dataclass(frozen=True)
class PathwayStepRef:
    id: str
    title: str


@dataclass(frozen=True)
class NextStepsOut:
    """What to do at the suggested level: text, pathway steps, contact keys, review interval."""

    level: str
    text: tuple[str, ...]
    steps: tuple[PathwayStepRef, ...]
    contacts: tuple[str, ...]
    require_plan: bool
    review_interval: str | None  # e.g. "6 weeks" from the pathway, None if not set

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "text": list(self.text),
            "steps": [{"id": s.id, "title": s.title} for s in self.steps],
            "contacts": list(self.contacts),
            "require_plan": self.require_plan,
            "review_interval": self.review_interval,
        }


#: The one plain line shown on the outcome page and in every pack when the suggestion rests on
#: an indicator or rule marked ``to_confirm`` (SAFETY.md R9).
PROVENANCE_LINE = "This level rests on indicators your partnership has not yet confirmed."
#: What an incomplete outcome says instead of a level (SAFETY.md R2).
INCOMPLETE_LINE = "Not enough information to suggest a level yet."


@dataclass(frozen=True)
class Outcome:
    """The result of ``evaluate``. ``suggested_level`` is a level id of the tool.

    ``incomplete`` (R2): the suggestion is the lowest level but too little was answered to rely
    on it; the lowest level cannot be confirmed. ``to_confirm`` (R9): ids of the rules and
    indicators marked ``to_confirm`` that the suggestion rests on; ``provenance`` is then the
    plain line to show. ``adult_route`` (R10): the young person is over the children's age.
    """

    tool: str
    tool_version: str
    suggested_level: str
    computed_level: str  # before floors
    urgent: bool
    reasons: tuple[Reason, ...]
    floors_applied: tuple[FloorApplied, ...]
    to_verify: tuple[AnswerItem, ...]
    gaps: tuple[Gap, ...]
    present: tuple[AnswerItem, ...]  # every yes/possible answer, context sections included
    next_steps: NextStepsOut | None
    minimum_level: str  # lowest level a confirmation may choose (floors, immediate danger)
    incomplete: bool = False
    to_confirm: tuple[str, ...] = ()
    adult_route: bool = False
    #: The kinds of exploitation (``sexual``, ``criminal``) the present scored indicators point
    #: to, in that order; empty for a tool that covers one kind only (issue 19).
    exploitation: tuple[str, ...] = ()

    @property
    def provenance(self) -> str | None:
        return PROVENANCE_LINE if self.to_confirm else None

    @property
    def exploitation_line(self) -> str | None:
        """The plain line naming the kinds, or None when the tool names none."""
        return exploitation_line(self.exploitation)

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON form; keys never removed (``screen --json`` is a contract)."""
        return {
            "tool": self.tool,
            "tool_version": self.tool_version,
            "suggested_level": self.suggested_level,
            "computed_level": self.computed_level,
            "minimum_level": self.minimum_level,
            "incomplete": self.incomplete,
            "provenance": self.provenance,
            "to_confirm": list(self.to_confirm),
            "adult_route": self.adult_route,
            "exploitation": list(self.exploitation),
            "exploitation_line": self.exploitation_line,
            "urgent": self.urgent,
            "reasons": [r.to_dict() for r in self.reasons],
            "floors_applied": [f.to_dict() for f in self.floors_applied],
            "to_verify": [a.to_dict() for a in self.to_verify],
            "gaps": [g.to_dict() for g in self.gaps],
            "present": [a.to_dict() for a in self.present],
            "next_steps": self.next_steps.to_dict() if self.next_steps else None,
        }


#: Words for each kind of exploitation an outcome can name.
EXPLOITATION_WORDS = {"sexual": "sexual exploitation", "criminal": "criminal exploitation"}


def exploitation_line(kinds: Sequence[str]) -> str | None:
    """ "The indicators point to sexual exploitation." (or criminal, or both); None for none.
    Used by the outcome page, the command line and the pack, so all three say the same."""
    known = [k for k in EXPLOITATION_KINDS if k in kinds]
    if not known:
        return None
    if len(known) == 2:
        return "The indicators point to both sexual and criminal exploitation."
    return f"The indicators point to {EXPLOITATION_WORDS[known[0]]}."


_PATHWAYS: dict[str, Pathway | None] = {}


def _pathway_for(tool: Tool) -> Pathway | None:
    # Looked up once per process: next-step titles and review intervals only, and finding the
    # file on every evaluation would cost more than the evaluation itself. Callers that hold a
    # pathway (the GUI) pass it to evaluate() instead.
    if tool.pathway not in _PATHWAYS:
        try:
            _PATHWAYS[tool.pathway] = load_pathway(tool.pathway)
        except PathwayNotFound:
            return None
    return _PATHWAYS[tool.pathway]


def _next_steps(
    tool: Tool,
    level: str,
    pathway: Pathway | None,
    first: list[str] | None = None,
    drop_contacts: frozenset[str] = frozenset(),
) -> NextStepsOut | None:
    """The level's next steps; ``first`` (from the safety rules that applied) come before."""
    ns = tool.next_steps_for(level)
    if ns is None:
        return None
    text: list[str] = []
    for line in [*(first or []), *ns.text]:
        if line not in text:
            text.append(line)
    refs = []
    for sid in ns.steps:
        title = sid
        if pathway is not None:
            try:
                title = pathway.step(sid).title
            except KeyError:
                pass
        refs.append(PathwayStepRef(id=sid, title=title))
    interval = pathway.review_interval(level) if pathway is not None else None
    return NextStepsOut(
        level=level,
        text=tuple(text),
        steps=tuple(refs),
        contacts=tuple(c for c in ns.contacts if c not in drop_contacts),
        require_plan=ns.require_plan,
        review_interval=f"{interval[0]} {interval[1].replace('_', ' ')}" if interval else None,
    )


def evaluate(tool: Tool, inp: ScreeningInput, pathway: Pathway | None = None) -> Outcome:  # noqa: C901 - the rule kinds in order
    """Suggest a level for ``inp`` with ``tool``.

    The level is the highest level any level rule gives (rules are written highest first, so
    this is also the first rule that applies); the default rule applies when none does. Floors
    then raise it. ``pathway`` defaults to the tool's own pathway (for step titles and the
    review interval). Raises ``ToolVersionMismatch`` or ``ScreeningInputError``.
    """
    if inp.tool_version is not None and inp.tool_version != tool.version:
        raise ToolVersionMismatch(
            f"This screening was made with version {inp.tool_version} of '{inp.tool}', not "
            f"version {tool.version}. Open it with the version it was made with; a screening "
            "is never re-scored with another version."
        )
    validate_input(tool, inp)
    if pathway is None:
        pathway = _pathway_for(tool)

    answers = {a.indicator: a for a in inp.answers}
    # Present indicators by section, in the tool's order (outcomes list them as the tool does).
    present_by_section: dict[str, list[tuple[str, str | None]]] = {}
    present: list[AnswerItem] = []
    to_verify: list[AnswerItem] = []
    gaps: list[Gap] = []
    any_scored_present = False
    for section in tool.sections:
        hits: list[tuple[str, str | None]] = []
        for ind in section.indicators:
            ans = answers.get(ind.id)
            value = ans.value if ans else "unknown"
            if value in PRESENT_VALUES and ans is not None:
                when = ans.when if section.has_time_period else None
                hits.append((ind.id, when))
                item = AnswerItem(
                    indicator=ind.id,
                    label=ind.label,
                    section=section.id,
                    value=value,
                    basis=ans.basis,
                    when=when,
                    note=ans.note,
                )
                present.append(item)
                if value == "possible":
                    to_verify.append(item)
            elif value == "unknown" and section.scored:
                gaps.append(
                    Gap(
                        indicator=ind.id,
                        label=ind.label,
                        section=section.id,
                        answered=ans is not None,
                    )
                )
        present_by_section[section.id] = hits
        if section.scored and hits:
            any_scored_present = True

    rank = {lv: i for i, lv in enumerate(tool.level_ids)}
    lowest = tool.level_ids[0]
    reasons: list[Reason] = []
    level: str | None = None
    urgent = False
    minimum = lowest
    default_rule: DefaultRule | None = None
    floors: list[FloorAgeUnderRule | FloorFlagRule] = []
    minimums: list[MinimumIfPresentRule] = []
    incomplete_rule: IncompleteRule | None = None
    adult_rule: AdultRouteRule | None = None
    first_steps: list[str] = []
    # Rules whose reason contributes to the suggestion: (rule, level it gives, indicators).
    contributing: list[tuple[Any, str, tuple[str, ...]]] = []

    def raise_to(candidate: str) -> None:
        nonlocal level
        if level is None or rank[candidate] > rank[level]:
            level = candidate

    def raise_minimum(candidate: str) -> None:
        nonlocal minimum
        if rank[candidate] > rank[minimum]:
            minimum = candidate

    for rule in tool.rules:
        if isinstance(rule, ImmediateDangerRule):
            if inp.immediate_danger:
                urgent = True
                first_steps.extend(rule.next_steps)
                floor_level = rule.minimum_level
                if rule.mode == "level" and rule.level is not None:
                    raise_to(rule.level)
                if floor_level is not None:
                    raise_to(floor_level)
                    raise_minimum(floor_level)
                reasons.append(Reason(rule.id, floor_level, (), rule.text))
                if floor_level is not None:
                    contributing.append((rule, floor_level, ()))
        elif isinstance(rule, AnyPresentRule):
            fired = tuple(
                ind
                for ind, when in present_by_section.get(rule.section, [])
                if rule.when is None or when == rule.when
            )
            if fired:
                raise_to(rule.level)
                reasons.append(Reason(rule.id, rule.level, fired, rule.text))
                contributing.append((rule, rule.level, fired))
        elif isinstance(rule, PriorOnlyRule):
            fired = tuple(
                ind for ind, when in present_by_section.get(rule.section, []) if when == "prior"
            )
            if fired:
                raise_to(rule.level)
                reasons.append(Reason(rule.id, rule.level, fired, rule.text))
                contributing.append((rule, rule.level, fired))
        elif isinstance(rule, CountAtLeastRule):
            fired = tuple(ind for ind, _ in present_by_section.get(rule.section, []))
            if len(fired) >= rule.count:
                raise_to(rule.level)
                reasons.append(Reason(rule.id, rule.level, fired, rule.text))
                contributing.append((rule, rule.level, fired))
        elif isinstance(rule, DefaultRule):
            default_rule = rule
        elif isinstance(rule, MinimumIfPresentRule):
            minimums.append(rule)
        elif isinstance(rule, IncompleteRule):
            incomplete_rule = rule
        elif isinstance(rule, AdultRouteRule):
            adult_rule = rule
        else:
            floors.append(rule)

    if level is None:
        # Only the default applies. The tool check guarantees a default rule exists.
        assert default_rule is not None
        level = default_rule.level
        reasons.append(Reason(default_rule.id, default_rule.level, (), default_rule.text))
    computed: str = level

    applied: list[FloorApplied] = []
    present_ids = {ind for hits in present_by_section.values() for ind, _ in hits}
    for rule_m in minimums:
        fired = tuple(i for i in rule_m.indicators if i in present_ids)
        if fired:
            raised = rank[rule_m.level] > rank[level]
            raise_to(rule_m.level)
            raise_minimum(rule_m.level)
            applied.append(FloorApplied(rule_m.id, rule_m.level, raised, rule_m.text))
            first_steps.extend(rule_m.next_steps)
            contributing.append((rule_m, rule_m.level, fired))
    if any_scored_present:
        for floor in floors:
            holds = (
                inp.child.age < floor.age
                if isinstance(floor, FloorAgeUnderRule)
                else bool(getattr(inp.child, floor.flag))
            )
            if holds:
                raised = rank[floor.level] > rank[level]
                raise_to(floor.level)
                applied.append(FloorApplied(floor.id, floor.level, raised, floor.text))
                raise_minimum(floor.level)
                contributing.append((floor, floor.level, ()))
    assert level is not None
    final: str = level

    # R2: unknown is not no. Only ever at the lowest level: present indicators always stand.
    incomplete = False
    if incomplete_rule is not None and final == lowest:
        scored = [i.id for sec in tool.scored_sections() for i in sec.indicators]
        answered = sum(
            1 for i in scored if i in answers and answers[i].value in ("yes", "no", "possible")
        )
        unknown = len(scored) - answered
        if answered == 0 or unknown > incomplete_rule.max_unknown_share * len(scored):
            incomplete = True
            first_steps = [*incomplete_rule.next_steps, *first_steps]
            reasons.append(Reason(incomplete_rule.id, None, (), incomplete_rule.text))

    # R10: a young person over the children's age takes the adult route.
    adult = adult_rule is not None and inp.child.age >= adult_rule.from_age
    drop: frozenset[str] = frozenset()
    if adult and adult_rule is not None:
        first_steps = [*adult_rule.next_steps, *first_steps]
        drop = frozenset(adult_rule.drop_contacts)
        reasons.append(Reason(adult_rule.id, None, (), adult_rule.text))

    # R9: what the suggestion rests on. A rule or indicator contributes when it gives the
    # final level (a lower reason is overtaken and does not carry the suggestion).
    to_confirm: list[str] = []
    for rule_c, gives, fired in contributing:
        if gives != final:
            continue
        if rule_c.provenance == "to_confirm" and rule_c.id not in to_confirm:
            to_confirm.append(rule_c.id)
        for fired_id in fired:
            if tool.indicator_provenance(fired_id) == "to_confirm" and fired_id not in to_confirm:
                to_confirm.append(fired_id)

    return Outcome(
        tool=tool.id,
        tool_version=tool.version,
        suggested_level=final,
        computed_level=computed,
        urgent=urgent,
        reasons=tuple(reasons),
        floors_applied=tuple(applied),
        to_verify=tuple(to_verify),
        gaps=tuple(gaps),
        present=tuple(present),
        next_steps=_next_steps(tool, final, pathway, first_steps, drop),
        minimum_level=minimum,
        incomplete=incomplete,
        to_confirm=tuple(to_confirm),
        adult_route=adult,
        exploitation=_kinds(tool, present),
    )


def _kinds(tool: Tool, present: list[AnswerItem]) -> tuple[str, ...]:
    """The kinds of exploitation the present scored indicators point to, in display order."""
    found: set[str] = set()
    for item in present:
        section, indicator = tool.indicator(item.indicator)
        if section.scored:
            found.update(section.exploitation_of(indicator))
    return tuple(k for k in EXPLOITATION_KINDS if k in found)


def tool_for(inp: ScreeningInput) -> Tool:
    """The tool a screening is scored with: exactly its saved version, else the newest."""
    return load_tool(inp.tool, inp.tool_version)


def evaluate_saved(inp: ScreeningInput) -> Outcome:
    """Evaluate a screening with the tool version it names (the newest if it names none)."""
    return evaluate(tool_for(inp), inp)


# --- confirmation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    """A named person's decision on the level. ``changed`` is True when it differs from the
    suggestion; then ``reason`` says why."""

    tool: str
    tool_version: str
    suggested_level: str
    level: str
    confirmed_by: str
    reason: str
    changed: bool
    confirmed_at: datetime | None
    next_steps_considered: str
    rescreen_on: date | None
    rescreen_trigger: str
    awaiting_signoff: bool = False  # R7: below the suggestion, so a DSL must agree
    incomplete_reason: str = ""  # R2: why an incomplete screening cannot be completed

    def to_dict(self) -> dict[str, Any]:
        return {
            "awaiting_signoff": self.awaiting_signoff,
            "incomplete_reason": self.incomplete_reason,
            "tool": self.tool,
            "tool_version": self.tool_version,
            "suggested_level": self.suggested_level,
            "level": self.level,
            "confirmed_by": self.confirmed_by,
            "reason": self.reason,
            "changed": self.changed,
            "confirmed_at": utc_iso(self.confirmed_at) if self.confirmed_at else None,
            "next_steps_considered": self.next_steps_considered,
            "rescreen_on": self.rescreen_on.isoformat() if self.rescreen_on else None,
            "rescreen_trigger": self.rescreen_trigger,
        }


def confirm_level(
    tool: Tool,
    outcome: Outcome,
    level: str,
    confirmed_by: str,
    reason: str = "",
    *,
    next_steps_considered: str = "",
    rescreen_on: date | None = None,
    rescreen_trigger: str = "",
    incomplete_reason: str = "",
    clock: Clock | None = None,
) -> Confirmation:
    """Record a named person confirming the suggested level or choosing another.

    Refuses (``BelowFloorError``) a level below ``outcome.minimum_level``; needs a ``reason``
    for a change or for a manual-only level (``ConfirmationError``); where the level's next
    steps say ``require_plan``, needs ``next_steps_considered`` and a re-screen date or trigger.
    While the outcome is incomplete (R2) the lowest level is refused unless
    ``incomplete_reason`` says why the screening cannot be completed; that confirmation then
    waits for a DSL's sign-off, as a lowered level does (R7).
    """
    if outcome.tool != tool.id or outcome.tool_version != tool.version:
        raise ToolVersionMismatch(
            f"This outcome was made with {outcome.tool} version {outcome.tool_version}; "
            f"confirm it with that version, not {tool.id} version {tool.version}."
        )
    if level not in tool.level_ids:
        raise ConfirmationError(
            f"'{level}' is not a level of this tool. Choose one of: {', '.join(tool.level_ids)}."
        )
    who = confirmed_by.strip()
    if not who:
        raise ConfirmationError("Say who is confirming the level (a name is required).")
    reason = reason.strip()
    if tool.rank(level) < tool.rank(outcome.minimum_level):
        floor_text = "; ".join(f.text for f in outcome.floors_applied) or (
            "immediate danger was reported"
        )
        raise BelowFloorError(
            f"The level cannot be lower than '{tool.level(outcome.minimum_level).label}': "
            f"{floor_text} If the child's details are wrong, correct them and screen again."
        )
    incomplete_reason = incomplete_reason.strip()
    if outcome.incomplete and tool.rank(level) == 0 and not incomplete_reason:
        raise ConfirmationError(
            f"{INCOMPLETE_LINE} '{tool.level(level).label}' cannot be confirmed while the "
            "screening is incomplete: complete the screening first (answer the questions that "
            "are Not known), or choose a higher level. If it cannot be completed, say why: "
            "your DSL signs that off."
        )
    if not (outcome.incomplete and tool.rank(level) == 0):
        incomplete_reason = ""
    changed = level != outcome.suggested_level
    lowered = tool.rank(level) < tool.rank(outcome.suggested_level)
    if lowered and not reason:
        raise ConfirmationError(
            f"Say why you are lowering the level from "
            f"'{tool.level(outcome.suggested_level).label}' to '{tool.level(level).label}': a "
            "reason is required, and the lower level waits for your DSL's sign-off."
        )
    if changed and not reason:
        raise ConfirmationError(
            f"Say why you are changing the level from '{tool.level(outcome.suggested_level).label}' "
            f"to '{tool.level(level).label}': a reason is required."
        )
    if level in tool.manual_only_levels and not reason:
        raise ConfirmationError(
            f"'{tool.level(level).label}' is a professional judgement: give the reason for it."
        )
    ns = tool.next_steps_for(level)
    if ns is not None and ns.require_plan:
        if not next_steps_considered.strip():
            raise ConfirmationError(
                "Record the next steps you considered: this tool requires them at every level."
            )
        if rescreen_on is None and not rescreen_trigger.strip():
            raise ConfirmationError(
                "Give a re-screen date or what will trigger a re-screen: this tool requires one."
            )
    return Confirmation(
        tool=tool.id,
        tool_version=tool.version,
        suggested_level=outcome.suggested_level,
        level=level,
        confirmed_by=who,
        reason=reason,
        changed=changed,
        confirmed_at=clock.now() if clock is not None else None,
        next_steps_considered=next_steps_considered.strip(),
        rescreen_on=rescreen_on,
        rescreen_trigger=rescreen_trigger.strip(),
        awaiting_signoff=lowered or bool(incomplete_reason),
        incomplete_reason=incomplete_reason,
    )


# --- the level that drives the case (SAFETY.md R7) ----------------------------------------

#: Shown wherever a lowered level waits for a DSL.
AWAITING_SIGNOFF = "awaiting DSL sign-off"


def is_lowered(tool: Tool | None, suggested: str | None, confirmed: str | None) -> bool:
    """True when ``confirmed`` is below ``suggested`` on the tool's scale.

    Without the tool, or with a level the tool does not know, the answer is True whenever the
    two differ: the suggestion is then assumed to be the higher (the protective reading).
    """
    if not suggested or not confirmed or suggested == confirmed:
        return False
    if tool is None:
        return True
    try:
        return tool.rank(confirmed) < tool.rank(suggested)
    except KeyError:
        return True


def awaiting_signoff(
    tool: Tool | None, suggested: str | None, confirmed: str | None, status: str
) -> bool:
    """A worker confirmed below the suggestion and no DSL has signed it off yet."""
    return status in ("confirmed", "returned") and is_lowered(tool, suggested, confirmed)


def driving_level(
    tool: Tool | None,
    suggested: str | None,
    confirmed: str | None,
    status: str,
    signed_level: str | None = None,
) -> str | None:
    """The level that drives the case: the pathway, due dates, the child list, the DSL queue.

    The one place rule R7 is written. A screening in progress drives nothing (None). A
    confirmed level at or above the suggestion drives at once; one below it drives only once
    a DSL signs it off (``status == "signed_off"``); until then the suggestion drives. A DSL's
    own level at sign-off (``signed_level``) drives once signed off.
    """
    if status == "signed_off":
        return signed_level or confirmed or suggested
    if status not in ("confirmed", "returned"):
        return None
    if awaiting_signoff(tool, suggested, confirmed, status):
        return suggested
    return confirmed or suggested


SCREENING_JSON_KEYS: tuple[str, ...] = (
    "tool",
    "tool_version",
    "suggested_level",
    "reasons",
    "floors_applied",
    "to_verify",
    "gaps",
    "next_steps",
)
