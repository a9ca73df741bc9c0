"""The report itself, its overrides and the suggested 3x5x2 handling."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from cse_toolkit.core.intelligence.entities import (
    ENTITY_TYPES,
    Entity,
    Location,
    Person,
    Vehicle,
    entity_from_dict,
)
from cse_toolkit.core.intelligence.values import (
    SCHEMA_VERSION,
    SOURCE_TYPES,
    InvalidIntelligence,
    ReportStatus,
    SourceType,
    check_choice,
    check_iso_datetime,
    get_bool,
    get_str,
    get_str_list,
    set_field,
)

# ---------------------------------------------------------------------------------------------
# Handling: the 3x5x2 grading the partner suggests
# ---------------------------------------------------------------------------------------------

SOURCE_EVALUATIONS: dict[str, str] = {"1": "Reliable", "2": "Untested", "3": "Not reliable"}
INTELLIGENCE_ASSESSMENTS: dict[str, str] = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source but corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known",
    "E": "Suspected to be false",
}
HANDLING_CODES: dict[str, str] = {
    "P": "Lawful sharing permitted",
    "C": "Lawful sharing permitted with conditions",
}
HANDLING_LABEL = (
    "Suggested by the submitting partner; the receiving force makes its own evaluation."
)


@dataclass(frozen=True)
class HandlingSuggestion:
    """The 3x5x2 grading (College of Policing APP, 2016+) as a *suggestion* only.

    Source evaluation 1/2/3, intelligence assessment A-E, handling code P/C (C needs the
    conditions written out). A partner cannot grade for the police, so ``marked_as_suggestion``
    is always True and the label says the force makes its own evaluation.
    """

    source_evaluation: str = "2"
    intelligence_assessment: str = "C"
    handling_code: str = "P"
    conditions: str = ""
    marked_as_suggestion: bool = True

    label: ClassVar[str] = HANDLING_LABEL

    def __post_init__(self) -> None:
        check_choice(self.source_evaluation, SOURCE_EVALUATIONS, "The source evaluation")
        check_choice(
            self.intelligence_assessment, INTELLIGENCE_ASSESSMENTS, "The intelligence assessment"
        )
        check_choice(self.handling_code, HANDLING_CODES, "The handling code")
        set_field(self, "conditions", self.conditions.strip())
        if self.handling_code == "C" and not self.conditions:
            raise InvalidIntelligence(
                "Handling code C means sharing is permitted with conditions: write the conditions."
            )
        if self.handling_code == "P" and self.conditions:
            raise InvalidIntelligence(
                "Conditions only apply to handling code C. Choose C, or remove the conditions."
            )
        if self.marked_as_suggestion is not True:
            raise InvalidIntelligence(
                "A partner's grading is always a suggestion; the receiving force evaluates it."
            )

    @property
    def code(self) -> str:
        """The grading as the police write it, e.g. ``"2C P"``."""
        return f"{self.source_evaluation}{self.intelligence_assessment} {self.handling_code}"

    def describe(self) -> str:
        text = (
            f"Source: {self.source_evaluation} ({SOURCE_EVALUATIONS[self.source_evaluation]}); "
            f"information: {self.intelligence_assessment} "
            f"({INTELLIGENCE_ASSESSMENTS[self.intelligence_assessment]}); "
            f"handling: {self.handling_code} ({HANDLING_CODES[self.handling_code]})"
        )
        if self.conditions:
            text += f": {self.conditions}"
        return f"{text}. {self.label}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_evaluation": self.source_evaluation,
            "intelligence_assessment": self.intelligence_assessment,
            "handling_code": self.handling_code,
            "conditions": self.conditions,
            "marked_as_suggestion": self.marked_as_suggestion,
            "label": self.label,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HandlingSuggestion:
        return cls(
            source_evaluation=get_str(data, "source_evaluation", "2"),
            intelligence_assessment=get_str(data, "intelligence_assessment", "C"),
            handling_code=get_str(data, "handling_code", "P"),
            conditions=get_str(data, "conditions"),
            marked_as_suggestion=get_bool(data, "marked_as_suggestion", True),
        )


def suggest_handling(source_type: str) -> HandlingSuggestion:
    """A starting grading from how the information was learned; the worker can change it.

    The partner is the source: what they saw is known directly (A); what a child or someone
    else told them is known indirectly (C); anonymous information is not known (D). Untested
    (2) because only the force can say how reliable a source has proved.
    """
    check_choice(source_type, SOURCE_TYPES, "The source type")
    assessment = {"worker_saw": "A", "anonymous": "D"}.get(source_type, "C")
    return HandlingSuggestion(source_evaluation="2", intelligence_assessment=assessment)


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    """A person's decision to go ahead despite a warning, with their reason.

    ``covers`` holds the fingerprints of the warnings present when it was given; a new warning
    of the same check (a different person, an edited fact) is not covered.
    """

    check_id: str
    reason: str
    by: str
    at: str  # ISO 8601 UTC
    covers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_id": self.check_id,
            "reason": self.reason,
            "by": self.by,
            "at": self.at,
            "covers": list(self.covers),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Override:
        at = get_str(data, "at")
        check_iso_datetime(at, "override time")
        reason = get_str(data, "reason")
        if not reason.strip():
            raise InvalidIntelligence("An override must have a reason.")
        return cls(
            check_id=get_str(data, "check_id"),
            reason=reason,
            by=get_str(data, "by"),
            at=at,
            covers=tuple(get_str_list(data, "covers")),
        )


@dataclass
class IntelReport:
    """One information report for the police. Mutable: it is edited as a draft."""

    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: int = 1
    title: str = ""
    facts: list[str] = field(default_factory=list)
    learned_at: str | None = None  # ISO date or datetime: when the information was learned
    learned_place: str = ""
    happened: str = ""  # issue 14: when it happened, in the submitter's words (not when learned)
    source_type: SourceType = "worker_saw"
    source_detail: str = ""
    already_reported: bool = False
    crime_reference: str = ""
    other_agencies: str = ""
    child_ids: list[str] = field(default_factory=list)  # empty: not about a particular child
    subjects_linked: bool = False
    entities: list[Entity] = field(default_factory=list)
    handling: HandlingSuggestion = field(default_factory=HandlingSuggestion)
    overrides: list[Override] = field(default_factory=list)
    closing_confirmed: bool = False
    status: ReportStatus = "draft"

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`InvalidIntelligence` if a field holds something that cannot be stored.

        Run on construction and again by :meth:`to_dict`: the report is edited in place, and a
        value that ``from_dict`` would refuse must never reach the database, or the saved
        record could not be opened again.
        """
        if not isinstance(self.id, str) or not self.id:
            raise InvalidIntelligence("A report needs an id.")
        if not isinstance(self.version, int) or isinstance(self.version, bool) or self.version < 1:
            raise InvalidIntelligence("A report's version must be a whole number from 1.")
        check_choice(self.source_type, SOURCE_TYPES, "The source type")
        check_choice(self.status, ("draft", "final"), "The report status")
        if self.learned_at is not None:
            if not self.learned_at.strip():
                self.learned_at = None
            else:
                check_iso_datetime(self.learned_at, "date learned")
        for name in ("facts", "child_ids"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidIntelligence(f"The field '{name}' must be a list of text lines.")
        if not all(isinstance(e, tuple(ENTITY_TYPES.values())) for e in self.entities):
            raise InvalidIntelligence(
                "Entities must be people, vehicles, phones, accounts or places."
            )
        if not isinstance(self.handling, HandlingSuggestion):
            raise InvalidIntelligence("The handling suggestion is missing.")

    @property
    def persons(self) -> list[Person]:
        return [e for e in self.entities if isinstance(e, Person)]

    @property
    def vehicles(self) -> list[Vehicle]:
        return [e for e in self.entities if isinstance(e, Vehicle)]

    @property
    def locations(self) -> list[Location]:
        return [e for e in self.entities if isinstance(e, Location)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: only str, int, bool, None, lists and dicts. Validates first."""
        self.validate()
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "facts": list(self.facts),
            "learned_at": self.learned_at,
            "learned_place": self.learned_place,
            "happened": self.happened,
            "source_type": self.source_type,
            "source_detail": self.source_detail,
            "already_reported": self.already_reported,
            "crime_reference": self.crime_reference,
            "other_agencies": self.other_agencies,
            "child_ids": list(self.child_ids),
            "subjects_linked": self.subjects_linked,
            "entities": [e.to_dict() for e in self.entities],
            "handling": self.handling.to_dict(),
            "overrides": [o.to_dict() for o in self.overrides],
            "closing_confirmed": self.closing_confirmed,
            "status": self.status,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IntelReport:
        if not isinstance(data, Mapping):
            raise InvalidIntelligence("An intelligence report must be a JSON object.")
        schema = data.get("schema_version", SCHEMA_VERSION)
        if not isinstance(schema, int) or schema > SCHEMA_VERSION:
            raise InvalidIntelligence(
                "This intelligence report was saved by a newer version of the toolkit. "
                "Update the toolkit to open it."
            )
        learned_at = data.get("learned_at")
        if learned_at is not None and not isinstance(learned_at, str):
            raise InvalidIntelligence("The date learned must be text in ISO format.")
        version = data.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool):
            raise InvalidIntelligence("A report's version must be a whole number from 1.")
        entities = data.get("entities", [])
        overrides = data.get("overrides", [])
        handling = data.get("handling", {})
        if not isinstance(entities, list) or not isinstance(overrides, list):
            raise InvalidIntelligence("Entities and overrides must be lists.")
        if not isinstance(handling, Mapping):
            raise InvalidIntelligence("The handling suggestion must be an object.")
        return cls(
            id=get_str(data, "id"),
            version=version,
            title=get_str(data, "title"),
            facts=get_str_list(data, "facts"),
            learned_at=learned_at,
            learned_place=get_str(data, "learned_place"),
            happened=get_str(data, "happened"),
            source_type=cast(SourceType, get_str(data, "source_type", "worker_saw")),
            source_detail=get_str(data, "source_detail"),
            already_reported=get_bool(data, "already_reported"),
            crime_reference=get_str(data, "crime_reference"),
            other_agencies=get_str(data, "other_agencies"),
            child_ids=get_str_list(data, "child_ids"),
            subjects_linked=get_bool(data, "subjects_linked"),
            entities=[entity_from_dict(e) for e in entities],
            handling=HandlingSuggestion.from_dict(handling),
            overrides=[Override.from_dict(o) for o in overrides],
            closing_confirmed=get_bool(data, "closing_confirmed"),
            status=cast(ReportStatus, get_str(data, "status", "draft")),
        )
