"""Screening tools as versioned data: the tool file schema, its loader and its checker.

A tool file (TOML, under ``resources/tools/``) holds everything a local partnership owns about a
screening tool: the ordered levels, the sections and their indicators (short label, longer help
text, where each came from), the rules that suggest a level, the floors that stop a level being
too low, the age gate and the next steps for each level. The ids are a contract (see
``domain/TOOLS.md``): saved screenings, packs and tests refer to them, so they never change.

Versions: a file carries ``id`` and ``version`` inside it, so old versions can sit beside new ones
(name them ``<id>@<version>.toml``). ``catalogue.load_tool(id)`` gives the newest;
``catalogue.load_tool(id, version)`` gives exactly that version, which is how a saved screening
is shown with the tool it was made with (finding and loading files is ``core.catalogue``'s).

For the GUI wizard: ``Tool.sections`` (in order) -> ``Section.indicators`` (``label``, ``help``,
provenance via ``Section.provenance_of``), ``ANSWER_VALUES`` / ``BASIS_VALUES`` / ``WHEN_VALUES``
for the answer controls, ``Section.has_time_period`` to show the current/prior choice, and
``Tool.levels`` for the outcome page. ``catalogue.check_tool_file`` explains every problem in a
file by line (``cse-toolkit tools check FILE``).

This module is Qt-free.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cse_toolkit.core.datafile import (
    Loc,
    Problem,
    ProblemList,
    parse_toml,
)
from cse_toolkit.errors import UserError

# --- the answer model (fixed for every tool; TOOLS.md "Answer model") --------------------------

AnswerValue = Literal["yes", "possible", "no", "unknown"]
Basis = Literal["evidence", "gut_feeling"]
When = Literal["current", "prior"]
Provenance = Literal["published", "to_confirm"]
ContactKey = Literal[
    "dsl", "front_door", "early_help", "cse_team", "police_intelligence", "emergency"
]
ChildFlag = Literal["learning_disability", "additional_needs"]
#: The kinds of exploitation a section's indicators point to (issue 19), in display order.
ExploitationKind = Literal["sexual", "criminal"]
EXPLOITATION_KINDS: tuple[ExploitationKind, ...] = ("sexual", "criminal")

ANSWER_VALUES: tuple[AnswerValue, ...] = ("yes", "possible", "no", "unknown")
#: ``yes`` and ``possible`` both count as present: safeguarding errs on the side of caution.
PRESENT_VALUES: frozenset[str] = frozenset({"yes", "possible"})
BASIS_VALUES: tuple[Basis, ...] = ("evidence", "gut_feeling")
WHEN_VALUES: tuple[When, ...] = ("current", "prior")
CONTACT_KEYS: tuple[ContactKey, ...] = (
    "dsl",
    "front_door",
    "early_help",
    "cse_team",
    "police_intelligence",
    "emergency",
)
ANSWER_LABELS: dict[str, str] = {
    "yes": "Yes",
    "possible": "Possible",
    "no": "No",
    "unknown": "Not known",
}
BASIS_LABELS: dict[str, str] = {"evidence": "Evidence", "gut_feeling": "Gut feeling"}
WHEN_LABELS: dict[str, str] = {
    "current": "Now or in the past 6 months",
    "prior": "Only before the past 6 months",
}

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
ToolId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=64)]
Version = Annotated[str, Field(pattern=r"^\d+(\.\d+)*$", max_length=32)]
Text = Annotated[str, Field(min_length=1)]


_R = TypeVar("_R")


class ToolFileError(UserError):
    """A tool file cannot be read or does not pass its checks; the message lists every problem."""


class ToolNotFound(UserError):
    """No tool (or no such version of a tool) is installed."""


class _Entity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Level(_Entity):
    """One outcome level. Levels are listed lowest first; their order is the scale."""

    id: Id
    label: Text
    meaning: Text


class Indicator(_Entity):
    """One question in a section. ``label`` is shown in the wizard; ``help`` on demand."""

    id: Id
    label: Text
    help: str = ""
    provenance: Provenance | None = Field(
        default=None, description="overrides the section's provenance for this indicator"
    )
    source: str = ""
    required: bool = Field(
        default=False, description="the wizard will not go on until this question is answered"
    )
    exploitation: list[ExploitationKind] | None = Field(
        default=None, min_length=1, max_length=2, description="overrides the section's kinds"
    )


class Section(_Entity):
    """A group of indicators. ``level`` is None for context-only (never scored) sections."""

    id: Id
    title: Text
    about: str = ""
    scored: bool
    level: Id | None = None
    has_time_period: bool = False
    provenance: Provenance
    source: str = ""
    exploitation: list[ExploitationKind] = Field(
        default_factory=list, max_length=2, description="kinds its indicators point to (issue 19)"
    )
    indicators: list[Indicator] = Field(min_length=1)

    def provenance_of(self, indicator: Indicator) -> Provenance:
        return indicator.provenance or self.provenance

    def exploitation_of(self, indicator: Indicator) -> list[ExploitationKind]:
        return self.exploitation if indicator.exploitation is None else indicator.exploitation


class AgeGate(_Entity):
    """Who the tool is for: younger than ``under`` (or ``under_with_additional_needs``)."""

    under: int = Field(default=18, ge=1, le=30)
    under_with_additional_needs: int = Field(default=21, ge=1, le=30)


class _Rule(_Entity):
    id: Id
    text: Text = Field(description="the reason shown to the user when this rule applies")
    provenance: Provenance = Field(
        default="published",
        description="to_confirm: the rule is borrowed or inferred, not from a local source (R9)",
    )
    source: str = ""


class ImmediateDangerRule(_Rule):
    """Immediate danger: either sets a level (``mode = "level"``) or raises the urgent flag.

    ``minimum`` (SAFETY.md R1) is the lowest level a child in immediate danger can be given; for
    ``mode = "level"`` it defaults to that level. ``next_steps`` are shown before the level's own
    (the 999 instruction first).
    """

    kind: Literal["immediate_danger"]
    mode: Literal["level", "urgent_flag"]
    level: Id | None = None
    minimum: Id | None = None
    next_steps: list[Text] = Field(default_factory=list)

    @property
    def minimum_level(self) -> str | None:
        return self.minimum or (self.level if self.mode == "level" else None)


class AnyPresentRule(_Rule):
    """Any indicator of ``section`` present (optionally only with ``when``) -> ``level``."""

    kind: Literal["any_present_in_section"]
    section: Id
    level: Id
    when: When | None = None


class PriorOnlyRule(_Rule):
    """Any indicator of a time-period ``section`` present only before the past 6 months."""

    kind: Literal["any_present_in_section_prior_only"]
    section: Id
    level: Id


class DefaultRule(_Rule):
    """The level when no other level rule applies."""

    kind: Literal["default"]
    level: Id


class CountAtLeastRule(_Rule):
    """``count`` or more indicators of ``section`` present -> at least ``level`` (SAFETY.md R8).

    A level rule, not a floor: a person may confirm lower (with a reason and a DSL's sign-off).
    """

    kind: Literal["count_at_least"]
    section: Id
    count: int = Field(ge=2, le=100)
    level: Id


class FloorAgeUnderRule(_Rule):
    """Floor: child younger than ``age`` and any scored indicator present -> at least ``level``."""

    kind: Literal["floor_age_under"]
    age: int = Field(ge=1, le=30)
    level: Id


class FloorFlagRule(_Rule):
    """Floor: child has ``flag`` and any scored indicator present -> at least ``level``."""

    kind: Literal["floor_flag"]
    flag: ChildFlag
    level: Id


class MinimumIfPresentRule(_Rule):
    """Floor: any of ``indicators`` present -> at least ``level`` (SAFETY.md R5: disclosure and
    assault). ``next_steps`` are shown before the level's own."""

    kind: Literal["minimum_if_present"]
    indicators: list[Id] = Field(min_length=1)
    level: Id
    next_steps: list[Text] = Field(default_factory=list)


class IncompleteRule(_Rule):
    """Not enough information (SAFETY.md R2): when the suggestion would be the lowest level and
    no scored indicator is answered, or more than ``max_unknown_share`` of them are unknown, the
    outcome is incomplete, the lowest level cannot be confirmed and ``next_steps`` come first."""

    kind: Literal["incomplete"]
    max_unknown_share: float = Field(default=0.5, ge=0.0, le=1.0)
    next_steps: list[Text] = Field(min_length=1)


_FRONT_DOOR: tuple[ContactKey, ...] = ("front_door",)


class AdultRouteRule(_Rule):
    """A young person aged ``from_age`` or over (screened because of additional needs) takes the
    adult route (SAFETY.md R10): ``next_steps`` come first and ``drop_contacts`` (the children's
    front door) are not offered."""

    kind: Literal["adult_route"]
    from_age: int = Field(ge=1, le=30)
    next_steps: list[Text] = Field(min_length=1)
    drop_contacts: list[ContactKey] = Field(default_factory=lambda: list(_FRONT_DOOR))


Rule = Annotated[
    ImmediateDangerRule
    | AnyPresentRule
    | PriorOnlyRule
    | DefaultRule
    | CountAtLeastRule
    | FloorAgeUnderRule
    | FloorFlagRule
    | MinimumIfPresentRule
    | IncompleteRule
    | AdultRouteRule,
    Field(discriminator="kind"),
]
LEVEL_RULE_KINDS = ("any_present_in_section", "any_present_in_section_prior_only", "default")
FLOOR_RULE_KINDS = ("floor_age_under", "floor_flag", "minimum_if_present")
RULE_KINDS = (
    "immediate_danger",
    "any_present_in_section",
    "any_present_in_section_prior_only",
    "default",
    "count_at_least",
    "floor_age_under",
    "floor_flag",
    "minimum_if_present",
    "incomplete",
    "adult_route",
)
#: The pathway step that makes a level a referral route (SAFETY.md R1, R4, R5).
REFER_STEP = "refer"
#: The pathway step that closes a case with no further action (never for immediate danger).
NFA_STEP = "nfa"


class NextSteps(_Entity):
    """What to do at one level: plain text, pathway step ids, contacts (policy keys)."""

    level: Id
    text: list[Text] = Field(min_length=1)
    steps: list[Id] = Field(default_factory=list)
    contacts: list[ContactKey] = Field(default_factory=list)
    require_plan: bool = Field(
        default=False,
        description="the confirmation must record next steps considered and a re-screen "
        "date or trigger",
    )


class Tool(_Entity):
    """A screening tool, validated. Build with ``catalogue.load_tool`` / ``load_tool_file``."""

    id: ToolId
    version: Version
    name: Text
    area: Text
    about: Text
    source: str = ""
    valid_from: date | None = None
    pathway: ToolId = Field(description="id of the pathway whose steps next_steps names")
    retired: bool = Field(
        default=False,
        description="kept only to show screenings saved under it: never used for a new "
        "screening, and the safety rules (SAFETY.md, from 1.1) are not applied to it",
    )
    levels: list[Level] = Field(min_length=2)
    manual_only_levels: list[Id] = Field(default_factory=list)
    age_gate: AgeGate = Field(default_factory=AgeGate)
    sections: list[Section] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    next_steps: list[NextSteps] = Field(default_factory=list)

    # Lookups built once per (frozen) instance: the engine must stay well under 5 ms, and
    # cached_property stores into __dict__, so later reads are plain attribute reads.
    @cached_property
    def _rank(self) -> dict[str, int]:
        return {lv.id: i for i, lv in enumerate(self.levels)}

    @cached_property
    def _sections(self) -> dict[str, Section]:
        return {s.id: s for s in self.sections}

    @cached_property
    def _indicators(self) -> dict[str, tuple[Section, Indicator]]:
        return {i.id: (s, i) for s in self.sections for i in s.indicators}

    @property
    def level_ids(self) -> list[str]:
        return [lv.id for lv in self.levels]

    def level(self, level_id: str) -> Level:
        for lv in self.levels:
            if lv.id == level_id:
                return lv
        raise KeyError(level_id)

    def rank(self, level_id: str) -> int:
        """Position on the scale (0 = lowest). KeyError for an unknown level."""
        return self._rank[level_id]

    def section(self, section_id: str) -> Section:
        return self._sections[section_id]

    def indicator(self, indicator_id: str) -> tuple[Section, Indicator]:
        """The section and indicator for an id. KeyError for an unknown id."""
        return self._indicators[indicator_id]

    def next_steps_for(self, level_id: str) -> NextSteps | None:
        for ns in self.next_steps:
            if ns.level == level_id:
                return ns
        return None

    def scored_sections(self) -> list[Section]:
        return [s for s in self.sections if s.scored]

    def rules_of(self, rule_type: type[_R]) -> list[_R]:
        return [r for r in self.rules if isinstance(r, rule_type)]

    def rule(self, rule_id: str) -> Any:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def indicator_provenance(self, indicator_id: str) -> Provenance:
        section, ind = self.indicator(indicator_id)
        return section.provenance_of(ind)

    def is_referral_route(self, level_id: str) -> bool:
        """True when the level's next steps include a referral to children's social care."""
        ns = self.next_steps_for(level_id)
        return ns is not None and REFER_STEP in ns.steps

    def to_confirm(self) -> list[tuple[str, str, str]]:
        """What rests on borrowed or inferred content, for the "About this tool" page (R9):
        (what, name, source) for every section, indicator and rule marked ``to_confirm``."""
        out: list[tuple[str, str, str]] = []
        for sec in self.sections:
            if sec.provenance == "to_confirm":
                out.append(("section", sec.title, sec.source))
            for ind in sec.indicators:
                if ind.provenance == "to_confirm" and sec.provenance != "to_confirm":
                    out.append(("indicator", ind.label, ind.source or sec.source))
        for rule in self.rules:
            if rule.provenance == "to_confirm":
                out.append(("rule", rule.text, rule.source))
        return out

    def provenance_summary(self) -> list[tuple[str, str, Provenance, str]]:
        """(section id, indicator id or "", provenance, source) for the "About this tool" page."""
        rows: list[tuple[str, str, Provenance, str]] = []
        for sec in self.sections:
            rows.append((sec.id, "", sec.provenance, sec.source))
            for ind in sec.indicators:
                if ind.provenance and ind.provenance != sec.provenance:
                    rows.append((sec.id, ind.id, ind.provenance, ind.source or sec.source))
        return rows


# --- checks ---------------------------------------------------------------------------------


def _duplicates(items: Iterable[tuple[Loc, str]], what: str, problems: ProblemList) -> None:
    seen: dict[str, Loc] = {}
    for loc, ident in items:
        if ident in seen:
            problems.add(loc, f"duplicate {what} id '{ident}' (each id must be used once)")
        else:
            seen[ident] = loc


def _exploitation_checks(tool: Tool, problems: ProblemList) -> None:
    """A tool naming the kinds of exploitation (issue 19) names them for every scored section,
    so an outcome never leaves a kind out; a tool for one kind names none."""
    scored = [(si, s) for si, s in enumerate(tool.sections) if s.scored]
    for si, sec in scored if any(s.exploitation for _, s in scored) else []:
        if not sec.exploitation:
            problems.add(
                ("sections", si, "id"),
                f"section '{sec.id}' must say which kinds of exploitation it points to "
                '(exploitation = ["sexual"], ["criminal"] or both), as the other scored '
                "sections of this tool do",
            )


def _semantic_checks(tool: Tool, problems: ProblemList, step_ids: set[str] | None) -> None:  # noqa: C901 - a check per rule
    levels = tool.level_ids
    rank = {lv: i for i, lv in enumerate(levels)}
    _duplicates(
        ((("levels", i, "id"), lv.id) for i, lv in enumerate(tool.levels)), "level", problems
    )
    _duplicates(
        ((("sections", i, "id"), s.id) for i, s in enumerate(tool.sections)), "section", problems
    )
    _duplicates(
        (
            (("sections", si, "indicators", ii, "id"), ind.id)
            for si, s in enumerate(tool.sections)
            for ii, ind in enumerate(s.indicators)
        ),
        "indicator",
        problems,
    )
    _duplicates(((("rules", i, "id"), r.id) for i, r in enumerate(tool.rules)), "rule", problems)
    _exploitation_checks(tool, problems)
    _duplicates(
        ((("next_steps", i, "level"), ns.level) for i, ns in enumerate(tool.next_steps)),
        "next steps level",
        problems,
    )

    def known_level(loc: Loc, level: str | None) -> bool:
        if level is not None and level not in rank:
            problems.add(loc, f"names level '{level}', which is not one of the levels {levels}")
            return False
        return level is not None

    sections = {s.id: s for s in tool.sections}
    for si, sec in enumerate(tool.sections):
        if sec.scored and sec.level is None:
            problems.add(("sections", si, "scored"), "a scored section needs a level")
        if not sec.scored and sec.level is not None:
            problems.add(("sections", si, "level"), "a context-only section has no level")
        known_level(("sections", si, "level"), sec.level)

    for mi, lv in enumerate(tool.manual_only_levels):
        known_level(("manual_only_levels", mi), lv)
    manual = set(tool.manual_only_levels)

    last_level_rank: int | None = None
    seen_default = False
    immediate_rules = 0
    floor_seen = False
    for ri, rule in enumerate(tool.rules):
        loc: Loc = ("rules", ri)
        level = getattr(rule, "level", None)
        if level is not None and not known_level((*loc, "level"), level):
            continue
        if level in manual and rule.kind != "immediate_danger":
            problems.add(
                (*loc, "level"), f"level '{level}' is manual-only, so no rule may suggest it"
            )
        if isinstance(rule, ImmediateDangerRule):
            if rule.minimum is not None and known_level((*loc, "minimum"), rule.minimum):
                if rule.minimum in manual:
                    problems.add(
                        (*loc, "minimum"),
                        f"level '{rule.minimum}' is manual-only (a person's judgement), so it "
                        "cannot be the immediate-danger minimum",
                    )
            immediate_rules += 1
            if immediate_rules > 1:
                problems.add((*loc, "kind"), "only one immediate_danger rule is allowed")
            if rule.mode == "level" and rule.level is None:
                problems.add((*loc, "mode"), 'mode "level" needs a level')
            if rule.mode == "urgent_flag" and rule.level is not None:
                problems.add((*loc, "level"), 'mode "urgent_flag" does not set a level')
            if rule.mode == "level" and rule.level in manual:
                problems.add((*loc, "level"), f"level '{rule.level}' is manual-only")
            continue
        if isinstance(rule, IncompleteRule | AdultRouteRule):
            if isinstance(rule, AdultRouteRule) and rule.from_age > tool.age_gate.under:
                problems.add(
                    (*loc, "from_age"),
                    f"the adult route must start at or below the age gate ({tool.age_gate.under})",
                )
            continue
        if isinstance(rule, MinimumIfPresentRule):
            floor_seen = True
            for ii, ident in enumerate(rule.indicators):
                try:
                    owner, _ = tool.indicator(ident)
                except KeyError:
                    problems.add(
                        (*loc, "indicators", ii),
                        f"names indicator '{ident}', which is not an indicator of this tool",
                    )
                    continue
                if not owner.scored:
                    problems.add(
                        (*loc, "indicators", ii),
                        f"indicator '{ident}' is context only (scored = false) and cannot "
                        "set a minimum",
                    )
            if level is not None and rank[level] == 0:
                problems.add(
                    (*loc, "level"),
                    "a minimum at the lowest level has no effect; name a higher one",
                )
            continue
        if isinstance(rule, AnyPresentRule | PriorOnlyRule | CountAtLeastRule):
            sec_obj = sections.get(rule.section)
            if sec_obj is None:
                problems.add(
                    (*loc, "section"),
                    f"names section '{rule.section}', which does not exist "
                    f"(sections: {sorted(sections)})",
                )
            elif not sec_obj.scored:
                problems.add(
                    (*loc, "section"),
                    f"section '{rule.section}' is context only (scored = false) and cannot "
                    "raise a level",
                )
            elif (
                isinstance(rule, CountAtLeastRule)
                and sec_obj.level is not None
                and level is not None
                and rank[level] <= rank[sec_obj.level]
            ):
                problems.add(
                    (*loc, "level"),
                    f"a count rule must give a level above the section's own level "
                    f"('{sec_obj.level}'), or it has no effect",
                )
            elif not sec_obj.has_time_period and (
                isinstance(rule, PriorOnlyRule) or getattr(rule, "when", None) is not None
            ):
                problems.add(
                    (*loc, "section"),
                    f"section '{rule.section}' has no time period, so 'when'/prior-only "
                    "cannot apply",
                )
        if isinstance(rule, CountAtLeastRule):
            continue  # a level rule of its own kind: the highest level that applies wins
        if isinstance(rule, FloorAgeUnderRule | FloorFlagRule):
            floor_seen = True
            if level is not None and rank[level] == 0:
                problems.add(
                    (*loc, "level"), "a floor at the lowest level has no effect; name a higher one"
                )
            if (
                isinstance(rule, FloorAgeUnderRule)
                and rule.age > tool.age_gate.under_with_additional_needs
            ):
                problems.add((*loc, "age"), "floor age is above the tool's age gate")
            continue
        # Level rules are written highest first, so that "first rule that applies" and
        # "highest level that applies" always agree.
        if floor_seen:
            problems.add((*loc, "kind"), "level rules must come before the floor rules")
        if seen_default:
            problems.add((*loc, "kind"), "no rule can follow the default rule")
        if isinstance(rule, DefaultRule):
            seen_default = True
            if level is not None and rank[level] != 0:
                problems.add((*loc, "level"), "the default rule should give the lowest level")
        if level is not None:
            if last_level_rank is not None and rank[level] > last_level_rank:
                problems.add(
                    (*loc, "level"),
                    f"levels out of order: rule gives '{level}', higher than the rule before it; "
                    "write level rules from the highest level to the lowest",
                )
            last_level_rank = rank[level]
    if not seen_default:
        problems.add(("rules",), "no default rule: add one giving the lowest level")
    for si, sec in enumerate(tool.sections):
        if sec.scored and not any(getattr(r, "section", None) == sec.id for r in tool.rules):
            problems.add(("sections", si, "id"), f"scored section '{sec.id}' is used by no rule")

    if tool.age_gate.under_with_additional_needs < tool.age_gate.under:
        problems.add(("age_gate", "under_with_additional_needs"), "must not be lower than 'under'")

    covered: set[str] = set()
    for ni, ns in enumerate(tool.next_steps):
        if known_level((("next_steps", ni, "level")), ns.level):
            covered.add(ns.level)
        for sti, step in enumerate(ns.steps):
            if step_ids is not None and step not in step_ids:
                problems.add(
                    ("next_steps", ni, "steps", sti),
                    f"names pathway step '{step}', which is not a step of pathway '{tool.pathway}'",
                )
    for li, level_def in enumerate(tool.levels):
        if level_def.id not in covered:
            problems.add(
                ("levels", li, "id"), f"level '{level_def.id}' has no [[next_steps]] entry"
            )
    if not tool.retired and not problems.items:
        _safety_checks(tool, problems)


def _rule_loc(tool: Tool, rule: Any, key: str) -> Loc:
    return ("rules", tool.rules.index(rule), key)


def _safety_checks(tool: Tool, problems: ProblemList) -> None:  # noqa: C901 - R1-R5, R10 side by side
    """The safety rules of SAFETY.md (R1-R5, R10) that a tool file must express.

    A file that breaks one is refused by ``tools check`` and at load. Files kept only to show
    screenings saved under them say ``retired = true`` and are never used for a new screening.
    """
    levels = tool.level_ids
    lowest = levels[0]
    rank = {lv: i for i, lv in enumerate(levels)}
    retire_hint = " (a file kept only to show old screenings can say retired = true instead)"

    # R3: the lowest level always needs a plan.
    for ni, ns in enumerate(tool.next_steps):
        if ns.level == lowest and not ns.require_plan:
            problems.add(
                ("next_steps", ni, "level"),
                f"safety rule R3: the lowest level '{lowest}' must say require_plan = true "
                "(next steps considered and a re-screen date or trigger)" + retire_hint,
            )

    # R1: immediate danger has a minimum, never the lowest level, never 'no further action'.
    danger = tool.rules_of(ImmediateDangerRule)
    if not danger:
        problems.add(
            ("rules",),
            "safety rule R1: add an immediate_danger rule with a minimum level" + retire_hint,
        )
    for rule in danger:
        minimum = rule.minimum_level
        if minimum is None:
            problems.add(
                _rule_loc(tool, rule, "kind"),
                "safety rule R1: an immediate_danger rule needs a minimum level (minimum = "
                "'...'), above the lowest level" + retire_hint,
            )
            continue
        if rank[minimum] == 0:
            problems.add(
                _rule_loc(tool, rule, "minimum" if rule.minimum else "level"),
                f"safety rule R1: immediate danger can never give the lowest level '{lowest}'",
            )
            continue
        for lv in levels[rank[minimum] :]:
            found = tool.next_steps_for(lv)
            if found is None:
                continue
            ni = tool.next_steps.index(found)
            ns = found
            if NFA_STEP in ns.steps:
                problems.add(
                    ("next_steps", ni, "steps"),
                    f"safety rule R1: level '{lv}' can follow immediate danger, so its steps "
                    f"must not include '{NFA_STEP}' (no further action)",
                )
            if REFER_STEP not in ns.steps:
                problems.add(
                    ("next_steps", ni, "steps"),
                    f"safety rule R1: level '{lv}' can follow immediate danger, so its steps "
                    f"must include '{REFER_STEP}' (a referral to children's social care)",
                )

    # R2: not enough information.
    if not tool.rules_of(IncompleteRule):
        problems.add(
            ("rules",),
            "safety rule R2: add an 'incomplete' rule (not enough information to suggest the "
            "lowest level)" + retire_hint,
        )
    elif len(tool.rules_of(IncompleteRule)) > 1:
        extra = tool.rules_of(IncompleteRule)[1]
        problems.add(_rule_loc(tool, extra, "kind"), "only one incomplete rule is allowed")

    # R4: under 13 and learning disability lead to a referral route.
    ages = tool.rules_of(FloorAgeUnderRule)
    if not any(r.age >= 13 for r in ages):
        problems.add(
            ("rules",),
            "safety rule R4: add a floor_age_under rule (age = 13) giving a referral-route "
            "level" + retire_hint,
        )
    flags = [r for r in tool.rules_of(FloorFlagRule) if r.flag == "learning_disability"]
    if not flags:
        problems.add(
            ("rules",),
            "safety rule R4: add a floor_flag rule for learning_disability giving a "
            "referral-route level" + retire_hint,
        )
    floors: list[FloorAgeUnderRule | FloorFlagRule] = [*ages, *flags]
    for floor in floors:
        if not tool.is_referral_route(floor.level):
            problems.add(
                _rule_loc(tool, floor, "level"),
                f"safety rule R4: the floor level '{floor.level}' must be a referral route "
                f"(its next steps must include the '{REFER_STEP}' step)",
            )

    # R5: disclosure and assault.
    minimums = tool.rules_of(MinimumIfPresentRule)
    if not minimums:
        problems.add(
            ("rules",),
            "safety rule R5: add a minimum_if_present rule for disclosure and assault "
            "indicators" + retire_hint,
        )
    for minimum_rule in minimums:
        if not tool.is_referral_route(minimum_rule.level):
            problems.add(
                _rule_loc(tool, minimum_rule, "level"),
                f"safety rule R5: the minimum level '{minimum_rule.level}' must be a referral "
                f"route (its next steps must include the '{REFER_STEP}' step)",
            )
        if not minimum_rule.next_steps:
            problems.add(
                _rule_loc(tool, minimum_rule, "kind"),
                "safety rule R5: say what to do today in next_steps (for example 'Tell the "
                "police and children's social care today.')",
            )

    # R10: young people over the age gate take the adult route.
    gate = tool.age_gate
    if gate.under_with_additional_needs > gate.under and not tool.rules_of(AdultRouteRule):
        problems.add(
            ("rules",),
            f"safety rule R10: this tool screens young people aged {gate.under} or over, so "
            "add an adult_route rule (adult safeguarding, not the children's front door)"
            + retire_hint,
        )


def check_tool_text(
    text: str, step_ids: set[str] | None = None
) -> tuple[Tool | None, list[Problem]]:
    """Validate tool TOML text. Returns the tool (None if any problem) and every problem."""
    data, syntax = parse_toml(text)
    if data is None:
        return None, syntax
    problems = ProblemList(text, data, RULE_KINDS)
    try:
        tool = Tool.model_validate(data)
    except ValidationError as exc:
        problems.add_validation_error(exc)
        return None, problems.items
    _semantic_checks(tool, problems, step_ids)
    return (None if problems.items else tool), problems.items
