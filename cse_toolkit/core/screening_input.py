"""What a screening is given: the child's context and the answers, and their checks.

``ScreeningInput`` is the stable input form (``screen --answers FILE``, saved screenings);
``validate_input`` checks one against a tool and names every problem (an unknown indicator,
a value that is not allowed, an age the tool does not screen). The engine that scores an input
is ``cse_toolkit.core.screening``, which re-exports these names. This module is Qt-free.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from cse_toolkit.core.tools import (
    ANSWER_VALUES,
    BASIS_VALUES,
    PRESENT_VALUES,
    WHEN_VALUES,
    Tool,
)
from cse_toolkit.errors import UserError

# Ages outside this range cannot be a child's age on a screening date, whatever the tool says.
MIN_AGE = 0


class ScreeningInputError(UserError):
    """The answers cannot be scored: an unknown indicator, a bad value, an impossible age..."""


# --- input ----------------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChildContext(_Input):
    """What the rules need to know about the child. ``age`` in whole years on the screening date."""

    age: StrictInt
    learning_disability: StrictBool = False
    additional_needs: StrictBool = False


class Answer(_Input):
    """One indicator's answer. ``basis`` is required when the value is ``yes`` or ``possible``;
    ``when`` is required for a present answer in a time-period section."""

    # Plain strings here, checked against the tool's answer model in ``validate_input``, so a
    # bad value raises ScreeningInputError however the input was built (JSON or code).
    indicator: str
    value: str = "unknown"
    basis: str | None = None
    when: str | None = None
    note: str = ""


class ScreeningInput(_Input):
    """A screening as entered. ``tool_version`` is None for a new screening (use the tool given);
    a saved screening always carries it."""

    tool: str
    tool_version: str | None = None
    child: ChildContext
    immediate_danger: StrictBool = False
    answers: list[Answer] = Field(default_factory=list)

    @classmethod
    def from_dict(cls, data: Any) -> ScreeningInput:
        """Parse JSON-like data; every problem becomes one ``ScreeningInputError`` message."""
        if not isinstance(data, Mapping):
            raise ScreeningInputError("The screening must be a JSON object ({...}).")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise ScreeningInputError(_describe(exc, data)) from exc

    @property
    def tool_id(self) -> str:
        return self.tool

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _describe(exc: ValidationError, data: Any) -> str:
    lines = []
    for err in exc.errors():
        loc = err["loc"]
        where = ".".join(str(p) for p in loc) or "(top level)"
        if len(loc) >= 2 and loc[0] == "answers" and isinstance(loc[1], int):
            try:
                ident = data["answers"][loc[1]].get("indicator")
            except (KeyError, IndexError, TypeError, AttributeError):
                ident = None
            rest = ".".join(str(p) for p in loc[2:])
            where = f"answer {loc[1] + 1}" + (f" ('{ident}')" if ident else "") + f" {rest}"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "is not a known field (check the spelling)"
        elif err["type"] == "missing":
            msg = "is required"
        elif err["type"] == "literal_error":
            msg = f"has a value that is not allowed: {msg.removeprefix('Input should be ')}"
        lines.append(f"{where.strip()}: {msg}")
    return "The screening answers have problems:\n  " + "\n  ".join(lines)


def validate_input(tool: Tool, inp: ScreeningInput) -> None:
    """Check an input against a tool. Raises ``ScreeningInputError`` naming every problem."""
    problems: list[str] = []
    if inp.tool != tool.id:
        problems.append(f"the answers are for tool '{inp.tool}', not '{tool.id}'")
    age = inp.child.age
    gate = tool.age_gate
    if age < MIN_AGE or age >= max(gate.under_with_additional_needs, gate.under) + 10:
        problems.append(f"age {age} is not possible for a child; give the age in whole years")
    elif age >= gate.under_with_additional_needs:
        problems.append(
            f"age {age}: this tool is for young people under {gate.under_with_additional_needs} "
            "with additional needs"
        )
    elif age >= gate.under and not inp.child.additional_needs:
        problems.append(
            f"age {age}: this tool is for children under {gate.under}, or under "
            f"{gate.under_with_additional_needs} with additional needs (set additional_needs "
            "if that applies)"
        )
    seen: set[str] = set()
    for n, ans in enumerate(inp.answers, 1):
        label = f"answer {n} ('{ans.indicator}')"
        try:
            section, _ = tool.indicator(ans.indicator)
        except KeyError:
            problems.append(
                f"{label}: '{ans.indicator}' is not an indicator of tool '{tool.id}' "
                f"(run 'cse-toolkit tools show {tool.id}' to see the ids)"
            )
            continue
        bad = False
        if ans.value not in ANSWER_VALUES:
            problems.append(
                f"{label}: value '{ans.value}' is not allowed; use yes, possible, no or unknown"
            )
            bad = True
        if ans.basis is not None and ans.basis not in BASIS_VALUES:
            problems.append(
                f"{label}: basis '{ans.basis}' is not allowed; use evidence or gut_feeling"
            )
            bad = True
        if ans.when is not None and ans.when not in WHEN_VALUES:
            problems.append(f"{label}: when '{ans.when}' is not allowed; use current or prior")
            bad = True
        if bad:
            continue
        if ans.indicator in seen:
            problems.append(f"{label}: this indicator is answered twice; keep one answer")
        seen.add(ans.indicator)
        present = ans.value in PRESENT_VALUES
        if present and ans.basis is None:
            problems.append(
                f"{label}: say whether '{ans.value}' is based on evidence or gut_feeling (basis)"
            )
        if section.has_time_period:
            if present and ans.when is None:
                problems.append(
                    f"{label}: say when: 'current' (now or in the past 6 months) or 'prior' "
                    "(only before that)"
                )
        elif ans.when == "prior":
            # "current" is accepted everywhere (it is what an answer without a time period
            # means); "prior" would change the meaning, so it is refused.
            problems.append(
                f"{label}: this indicator has no time period, so 'when' cannot be 'prior'"
            )
    if problems:
        raise ScreeningInputError(
            "The screening answers have problems:\n  " + "\n  ".join(problems)
        )
