"""What the intelligence modules share: errors, closed sets of ids, and the checks that
turn stored dictionaries back into values (raising :class:`InvalidIntelligence`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Literal, get_args

from cse_toolkit.errors import UserError

SCHEMA_VERSION = 1

CLOSING_MARKER = "(no more information available)"

MAX_FACT_CHARS = 300


class InvalidIntelligence(UserError, ValueError):
    """A value that cannot be stored in an intelligence report (the message says which field)."""


class OverrideRefused(UserError):
    """An override was refused: no reason given, or (for an emergency) 999 not recorded."""


class ReportNotReady(UserError):
    """The report still has warnings that are neither fixed nor overridden."""


# ---------------------------------------------------------------------------------------------
# Closed sets (ids are stored; labels are for the screen)
# ---------------------------------------------------------------------------------------------

SourceType = Literal["child_disclosed", "worker_saw", "third_party", "anonymous"]
SOURCE_TYPES: dict[str, str] = {
    "child_disclosed": "The child told me",
    "worker_saw": "I saw or heard it myself",
    "third_party": "Someone else told me",
    "anonymous": "Anonymous (source not known)",
}

PersonRole = Literal["victim", "person_of_concern", "suspected_perpetrator", "associate", "unknown"]
PERSON_ROLES: dict[str, str] = {
    "victim": "Victim",
    "person_of_concern": "Person of concern",
    "suspected_perpetrator": "Suspected perpetrator",
    "associate": "Associate",
    "unknown": "Not known",
}

PlaceType = Literal[
    "park",
    "takeaway",
    "hotel",
    "taxi_rank",
    "bus_station",
    "train_station",
    "house",
    "dealing_address",
    "shopping_centre",
    "school",
    "car_park",
    "other",
]
PLACE_TYPES: tuple[str, ...] = get_args(PlaceType)

ReportStatus = Literal["draft", "final"]
Severity = Literal["warning", "stop"]
Certainty = Literal["certain", "likely", "possible"]
Decision = Literal["confirmed", "rejected"]


def check_choice(value: str, allowed: Iterable[str], what: str) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise InvalidIntelligence(f"{what} must be one of: {', '.join(allowed)}.")


def get_str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidIntelligence(f"The field '{key}' must be text.")
    return value


def get_bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise InvalidIntelligence(f"The field '{key}' must be true or false.")
    return value


def get_str_list(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidIntelligence(f"The field '{key}' must be a list of text lines.")
    return list(value)


def parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidIntelligence(f"The {what} must be a date written as YYYY-MM-DD.") from None


def check_iso_datetime(text: str, what: str) -> None:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidIntelligence(
            f"The {what} must be a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)."
        ) from None


def set_field(obj: object, name: str, value: object) -> None:
    # Frozen dataclasses normalise in __post_init__; this is the documented way to do it.
    object.__setattr__(obj, name, value)


def is_closing_marker(line: str) -> bool:
    return line.strip().strip("()[]").strip().rstrip(".").lower() == CLOSING_MARKER.strip("()")
