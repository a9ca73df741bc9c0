"""Intelligence reports for the police (the "FIB form" / partnership information report).

Qt-free core of the intelligence feature: the report and its entities (people, vehicles, phones,
online identities, locations), the normalisers that turn what a worker types into one match key,
the quality checks run while writing (DOMAIN.md section 4.3), the 5WH prompts, the police-style
export lines with the closing marker, the suggested 3x5x2 handling, fuzzy matching of entities
and the connections index that links children through shared people, cars, phones and places.

Design choices worth knowing:

* Entities are frozen value objects; their constructor normalises (a VRM typed as "ab12-abc" is
  stored as "AB12 ABC"). What cannot be normalised (a partial plate, a part of a number) is kept
  as typed, cleaned, because in intelligence "any detail counts"; a quality check then says so.
* The ``normalise_*`` functions return ``None`` for impossible input rather than raising: the
  caller (a form field, an import) decides what to tell the user. Constructors and ``from_dict``
  raise :class:`InvalidIntelligence` (a :class:`~cse_toolkit.errors.UserError`) for invalid values
  of closed sets (role, source type, grading codes) and malformed dates.
* Every quality warning has a stable check id and a fingerprint of what it refers to. An override
  covers the fingerprints that were firing when it was given, so a *new* problem of the same kind
  (another person without a DOB, an edited fact) blocks again: overrides are never silent.
* Nothing here logs, and exception messages never repeat the personal data they complain about,
  because exceptions may reach the log.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Literal, TypeAlias, cast, get_args

from cse_toolkit.core.clock import utc_iso
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


def _check_choice(value: str, allowed: Iterable[str], what: str) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise InvalidIntelligence(f"{what} must be one of: {', '.join(allowed)}.")


# ---------------------------------------------------------------------------------------------
# Normalisers
# ---------------------------------------------------------------------------------------------

# UK number plate formats (DVLA). Only the shape is checked, not the letters DVLA never issues,
# so a plate copied from a foreign-looking but real cherished mark is still accepted.
_VRM_FORMATS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"[A-Z]{2}[0-9]{2}[A-Z]{3}"), 4),  # current, since 2001: AB12 ABC
    (re.compile(r"[A-Z][0-9]{1,3}[A-Z]{3}"), -3),  # prefix, 1983-2001: A123 BCD
    (re.compile(r"[A-Z]{3}[0-9]{1,3}[A-Z]"), 3),  # suffix, 1963-1983: ABC 123D
    (re.compile(r"[A-Z]{1,3}[0-9]{1,4}"), 0),  # dateless (and NI): ABC 123, AB 1234
    (re.compile(r"[0-9]{1,4}[A-Z]{1,3}"), 0),  # dateless reversed: 1234 AB
)
_VRM_STRIP = re.compile(r"[\s\-.]+")


def _vrm_compact(text: str) -> str:
    return _VRM_STRIP.sub("", text).upper()


def normalise_vrm(text: str) -> str | None:
    """A UK vehicle registration mark in its canonical printed form, or ``None``.

    Spaces, dashes and dots are ignored and letters upper-cased; the result has the DVLA
    spacing: ``"AB12 ABC"`` (current), ``"A123 BCD"`` (prefix), ``"ABC 123D"`` (suffix),
    ``"ABC 123"`` / ``"1234 AB"`` (dateless). Returns ``None`` (never raises) when the text
    cannot be a whole UK plate: empty, other characters, or no known format (a partial plate).
    """
    compact = _vrm_compact(text)
    if not compact or len(compact) > 7:
        return None
    for pattern, split in _VRM_FORMATS:
        if pattern.fullmatch(compact):
            if split == 0:  # dateless: the space goes between the letters and the digits
                match = re.match(r"[A-Z]+|[0-9]+", compact)
                assert match is not None
                split = match.end()
            return f"{compact[:split]} {compact[split:]}"
    return None


_PHONE_STRIP = re.compile(r"[\s\-.()/]+")


def normalise_phone(text: str) -> str | None:
    """A phone number in international form (``"+447700900123"``), or ``None``.

    UK forms ``07700 900123``, ``+44 7700 900123``, ``+44 (0)7700 900123``, ``0044…`` and
    ``44…`` all give the same key. Other international numbers keep their ``+`` and digits
    (7–15 digits, E.164). Returns ``None`` (never raises) for anything else, such as a partial
    number or text with letters.
    """
    cleaned = text.strip().replace("(0)", "")
    cleaned = _PHONE_STRIP.sub("", cleaned)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if cleaned.startswith("+"):
        digits = cleaned[1:]
        if not digits.isdigit():
            return None
        if digits.startswith("44"):
            national = digits[2:]
            if national.startswith("0"):  # "+44 07700…" is a common slip
                national = national[1:]
            return _uk(national)
        return "+" + digits if 7 <= len(digits) <= 15 and digits[0] != "0" else None
    if not cleaned.isdigit():
        return None
    if cleaned.startswith("0"):
        return _uk(cleaned[1:])
    if cleaned.startswith("44") and len(cleaned) in (11, 12):
        return _uk(cleaned[2:])
    return None


def _uk(national: str) -> str | None:
    # A UK national significant number is 10 digits (9 for a few old area codes, never for a
    # mobile); it never starts with 0.
    if not national.isdigit() or national[0] == "0":
        return None
    if len(national) == 10 or (len(national) == 9 and national[0] != "7"):
        return "+44" + national
    return None


def display_phone(number: str) -> str:
    """A stored number as a UK worker would write it: ``+447700900123`` -> ``07700 900123``."""
    if number.startswith("+44") and len(number) == 13 and number[3] == "7":
        national = "0" + number[3:]
        return f"{national[:5]} {national[5:]}"
    if number.startswith("+44"):
        return "0" + number[3:]
    return number


_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")


def normalise_postcode(text: str) -> str | None:
    """A full UK postcode with its single space (``"wr12ab"`` -> ``"WR1 2AB"``), or ``None``.

    Returns ``None`` (never raises) for anything that is not a whole postcode, including an
    outward code on its own (``"WR1"``).
    """
    compact = re.sub(r"\s+", "", text).upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.fullmatch(compact)
    if match is None:
        return None
    return f"{match.group(1)} {match.group(2)}"


# Cached: matching a name against a whole index calls these with the same strings many times.
@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    """Accents off, so "Zoë" and "Zoe" compare equal."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def normalise_name(text: str) -> str:
    """Upper-case letters and digits only: "O'Brien-Smith" -> "OBRIENSMITH"."""
    return re.sub(r"[^A-Z0-9]", "", _fold(text).upper())


@functools.lru_cache(maxsize=65536)
def normalise_nickname(text: str) -> str:
    """Lower-case letters and digits only: "Jonno!" -> "jonno"."""
    return re.sub(r"[^a-z0-9]", "", _fold(text).lower())


_PLATFORM_ALIASES = {
    "snap": "snapchat",
    "sc": "snapchat",
    "insta": "instagram",
    "ig": "instagram",
    "fb": "facebook",
    "messenger": "facebook",
    "twitter": "x",
    "tik tok": "tiktok",
    "whatsapp": "whatsapp",
    "wa": "whatsapp",
}
_PLATFORM_DOMAINS = {
    "snapchat.com": "snapchat",
    "instagram.com": "instagram",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "tiktok.com": "tiktok",
    "twitter.com": "x",
    "x.com": "x",
}


def normalise_platform(text: str) -> str:
    name = " ".join(text.lower().split())
    return _PLATFORM_ALIASES.get(name, name.replace(" ", ""))


def normalise_handle(platform: str, handle_or_url: str) -> tuple[str, str]:
    """(platform, handle) match key parts for an online identity.

    Lower-cases, drops a leading ``@``, the URL scheme, ``www.`` and a trailing slash. A profile
    URL on a known site becomes that site's handle, so ``https://www.instagram.com/Jonno_99/``
    and ``@jonno_99`` on Instagram give the same key.
    """
    platform = normalise_platform(platform)
    value = handle_or_url.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = re.sub(r"^www\.", "", value)
    value = value.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    domain, _, path = value.partition("/")
    site = _PLATFORM_DOMAINS.get(domain)
    if site is not None and path:
        parts = [p for p in path.split("/") if p]
        if site == "snapchat" and parts[:1] == ["add"]:
            parts = parts[1:]
        if parts:
            platform = platform or site
            value = parts[0]
    value = value.lstrip("@")
    return platform, value


# ---------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------


def _get_str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidIntelligence(f"The field '{key}' must be text.")
    return value


def _get_bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise InvalidIntelligence(f"The field '{key}' must be true or false.")
    return value


def _get_str_list(data: Mapping[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidIntelligence(f"The field '{key}' must be a list of text lines.")
    return list(value)


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidIntelligence(f"The {what} must be a date written as YYYY-MM-DD.") from None


def _check_iso_datetime(text: str, what: str) -> None:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidIntelligence(
            f"The {what} must be a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)."
        ) from None


def _set(obj: object, name: str, value: object) -> None:
    # Frozen dataclasses normalise in __post_init__; this is the documented way to do it.
    object.__setattr__(obj, name, value)


_AGE_RANGE = re.compile(r"(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})|(\d{1,3})\s*\+|(\d{1,3})")


def normalise_age_range(text: str) -> str | None:
    """``"30 to 40"`` -> ``"30-40"``; ``"30+"``; ``"30"`` (about 30). ``None`` if not an age."""
    match = _AGE_RANGE.fullmatch(text.strip())
    if match is None:
        return None
    low, high, plus, single = match.groups()
    if low is not None and high is not None:
        lo, hi = int(low), int(high)
        if lo > hi or hi > 120:
            return None
        return f"{lo}-{hi}"
    if plus is not None:
        return f"{int(plus)}+" if int(plus) <= 120 else None
    return str(int(single)) if int(single) <= 120 else None


_NAME_SPLIT = re.compile(r"\s*(?:,|/|;|\baka\b|\ba\.k\.a\.?)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Person:
    """A person named in a report: subject, victim, associate."""

    kind: ClassVar[str] = "person"

    surname: str = ""
    forenames: str = ""
    nickname: str = ""  # nickname or alias; several may be separated by commas or "aka"
    dob: date | None = None
    age_range: str | None = None
    description: str = ""
    address: str = ""
    role: PersonRole = "unknown"

    def __post_init__(self) -> None:
        for name in ("surname", "forenames", "nickname", "description", "address"):
            _set(self, name, " ".join((getattr(self, name) or "").split()))
        _check_choice(self.role, PERSON_ROLES, "A person's role")
        if self.age_range is not None:
            if not self.age_range.strip():
                _set(self, "age_range", None)
            else:
                normalised = normalise_age_range(self.age_range)
                if normalised is None:
                    raise InvalidIntelligence(
                        "Write the age range as two ages with a dash, for example 30-40."
                    )
                _set(self, "age_range", normalised)

    @property
    def aliases(self) -> list[str]:
        return [a for a in _NAME_SPLIT.split(self.nickname) if a.strip()]

    @property
    def is_named(self) -> bool:
        return bool(self.surname or self.forenames or self.nickname)

    def key(self) -> str | None:
        """``person:SMITH|JOHN`` (surname and first forename), else the first nickname key."""
        keys = self.keys()
        return keys[0] if keys else None

    def keys(self) -> tuple[str, ...]:
        """Every match key: the name key, then one per nickname.

        A first name with no surname is keyed like a nickname, because on its own it works as a
        street name ("Tariq") and should link to reports that give it as a nickname.
        """
        keys: list[str] = []
        surname = normalise_name(self.surname)
        first = normalise_name(self.forenames.split()[0]) if self.forenames else ""
        if surname:
            keys.append(f"person:{surname}|{first}")
        elif first:
            keys.append(f"nickname:{first.lower()}")
        for alias in self.aliases:
            nick = normalise_nickname(alias)
            if nick and f"nickname:{nick}" not in keys:
                keys.append(f"nickname:{nick}")
        return tuple(keys)

    def display(self) -> str:
        name = " ".join(p for p in (self.surname.upper(), self.forenames) if p)
        if self.nickname:
            return f"{name} ({self.nickname})" if name else self.nickname
        return name or "Unnamed person"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "surname": self.surname,
            "forenames": self.forenames,
            "nickname": self.nickname,
            "dob": self.dob.isoformat() if self.dob else None,
            "age_range": self.age_range,
            "description": self.description,
            "address": self.address,
            "role": self.role,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Person:
        dob = data.get("dob")
        if dob is not None and not isinstance(dob, str):
            raise InvalidIntelligence("A date of birth must be a date written as YYYY-MM-DD.")
        age = data.get("age_range")
        if age is not None and not isinstance(age, str):
            raise InvalidIntelligence("An age range must be text such as 30-40.")
        return cls(
            surname=_get_str(data, "surname"),
            forenames=_get_str(data, "forenames"),
            nickname=_get_str(data, "nickname"),
            dob=_parse_date(dob, "date of birth") if dob else None,
            age_range=age,
            description=_get_str(data, "description"),
            address=_get_str(data, "address"),
            role=cast(PersonRole, _get_str(data, "role", "unknown")),
        )


@dataclass(frozen=True)
class Vehicle:
    """A vehicle. ``vrm`` is stored normalised when it is a whole UK plate, else as typed."""

    kind: ClassVar[str] = "vehicle"

    vrm: str = ""
    make: str = ""
    model: str = ""
    colour: str = ""

    def __post_init__(self) -> None:
        for name in ("make", "model", "colour"):
            _set(self, name, " ".join((getattr(self, name) or "").split()))
        canonical = normalise_vrm(self.vrm)
        # A partial plate ("AB12 ?") is still worth passing on, so keep it, upper-cased.
        _set(self, "vrm", canonical or " ".join(self.vrm.upper().split()))

    @property
    def vrm_recognised(self) -> bool:
        return normalise_vrm(self.vrm) is not None

    def key(self) -> str | None:
        compact = _vrm_compact(self.vrm)
        return f"vehicle:{compact}" if compact else None

    def keys(self) -> tuple[str, ...]:
        key = self.key()
        return (key,) if key else ()

    def display(self) -> str:
        what = " ".join(p for p in (self.colour, self.make, self.model) if p)
        if self.vrm:
            return f"{self.vrm} ({what})" if what else self.vrm
        return what or "Vehicle (no details)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "vrm": self.vrm,
            "make": self.make,
            "model": self.model,
            "colour": self.colour,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Vehicle:
        return cls(
            vrm=_get_str(data, "vrm"),
            make=_get_str(data, "make"),
            model=_get_str(data, "model"),
            colour=_get_str(data, "colour"),
        )


@dataclass(frozen=True)
class Phone:
    """A phone number: stored in international form when recognised, else the digits typed."""

    kind: ClassVar[str] = "phone"

    number: str = ""

    def __post_init__(self) -> None:
        canonical = normalise_phone(self.number)
        if canonical is None:
            # Part of a number is still intelligence; keep the digits (and a leading +).
            raw = self.number.strip()
            canonical = ("+" if raw.startswith("+") else "") + re.sub(r"\D", "", raw)
        _set(self, "number", canonical)

    @property
    def number_recognised(self) -> bool:
        return normalise_phone(self.number) == self.number and bool(self.number)

    def key(self) -> str | None:
        return f"phone:{self.number}" if self.number.strip("+") else None

    def keys(self) -> tuple[str, ...]:
        key = self.key()
        return (key,) if key else ()

    def display(self) -> str:
        return display_phone(self.number) if self.number else "Phone (no number)"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "number": self.number}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Phone:
        return cls(number=_get_str(data, "number"))


@dataclass(frozen=True)
class OnlineIdentity:
    """An account or profile: the platform and the handle or URL as given."""

    kind: ClassVar[str] = "online"

    platform: str = ""
    handle_or_url: str = ""

    def __post_init__(self) -> None:
        _set(self, "platform", " ".join(self.platform.split()))
        _set(self, "handle_or_url", self.handle_or_url.strip())

    def key(self) -> str | None:
        platform, handle = normalise_handle(self.platform, self.handle_or_url)
        return f"online:{platform}:{handle}" if handle else None

    def keys(self) -> tuple[str, ...]:
        key = self.key()
        return (key,) if key else ()

    def display(self) -> str:
        if self.platform:
            return f"{self.platform}: {self.handle_or_url}"
        return self.handle_or_url or "Online account (no details)"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "platform": self.platform, "handle_or_url": self.handle_or_url}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OnlineIdentity:
        return cls(
            platform=_get_str(data, "platform"), handle_or_url=_get_str(data, "handle_or_url")
        )


_HOUSE_NUMBER = re.compile(r"^\s*(?:flat\s+\w+,?\s*)?(\d+[A-Za-z]?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Location:
    """A place: a named place, an address, or both; the postcode normalised when whole."""

    kind: ClassVar[str] = "location"

    name: str = ""
    address: str = ""
    postcode: str = ""
    place_type: PlaceType = "other"

    def __post_init__(self) -> None:
        _set(self, "name", " ".join(self.name.split()))
        _set(self, "address", " ".join(self.address.split()))
        _set(self, "postcode", normalise_postcode(self.postcode) or self.postcode.strip().upper())
        _check_choice(self.place_type, PLACE_TYPES, "A place type")

    def key(self) -> str | None:
        """``location:WR12AB`` by postcode, else ``location:name:<name>``.

        A postcode covers a street's worth of homes, so for a house the number from the address
        is added (``location:WR12AB#12``): two neighbours must not look like the same place.
        """
        compact = self.postcode.replace(" ", "")
        if compact:
            if self.place_type == "house":
                number = _HOUSE_NUMBER.match(self.address)
                if number:
                    return f"location:{compact}#{number.group(1).upper()}"
            return f"location:{compact}"
        name = " ".join(
            re.sub(r"[^a-z0-9 ]", " ", _fold(self.name or self.address).lower()).split()
        )
        return f"location:name:{name}" if name else None

    def keys(self) -> tuple[str, ...]:
        key = self.key()
        return (key,) if key else ()

    def display(self) -> str:
        parts = [p for p in (self.name, self.address, self.postcode) if p]
        return ", ".join(parts) or "Place (no details)"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "address": self.address,
            "postcode": self.postcode,
            "place_type": self.place_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Location:
        return cls(
            name=_get_str(data, "name"),
            address=_get_str(data, "address"),
            postcode=_get_str(data, "postcode"),
            place_type=cast(PlaceType, _get_str(data, "place_type", "other")),
        )


Entity: TypeAlias = Person | Vehicle | Phone | OnlineIdentity | Location
_ENTITY_TYPES: dict[str, type[Entity]] = {
    cls.kind: cls for cls in (Person, Vehicle, Phone, OnlineIdentity, Location)
}
ENTITY_KINDS: tuple[str, ...] = tuple(_ENTITY_TYPES)


def entity_from_dict(data: Mapping[str, Any]) -> Entity:
    if not isinstance(data, Mapping):
        raise InvalidIntelligence("Each entity must be an object with a 'kind'.")
    kind = data.get("kind")
    cls = _ENTITY_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidIntelligence(f"An entity's kind must be one of: {', '.join(ENTITY_KINDS)}.")
    return cls.from_dict(data)


def key_kind(key: str) -> str:
    """The entity kind a match key belongs to (a nickname key belongs to a person)."""
    prefix = key.split(":", 1)[0]
    return "person" if prefix == "nickname" else prefix


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
        _check_choice(self.source_evaluation, SOURCE_EVALUATIONS, "The source evaluation")
        _check_choice(
            self.intelligence_assessment, INTELLIGENCE_ASSESSMENTS, "The intelligence assessment"
        )
        _check_choice(self.handling_code, HANDLING_CODES, "The handling code")
        _set(self, "conditions", self.conditions.strip())
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
            source_evaluation=_get_str(data, "source_evaluation", "2"),
            intelligence_assessment=_get_str(data, "intelligence_assessment", "C"),
            handling_code=_get_str(data, "handling_code", "P"),
            conditions=_get_str(data, "conditions"),
            marked_as_suggestion=_get_bool(data, "marked_as_suggestion", True),
        )


def suggest_handling(source_type: str) -> HandlingSuggestion:
    """A starting grading from how the information was learned; the worker can change it.

    The partner is the source: what they saw is known directly (A); what a child or someone
    else told them is known indirectly (C); anonymous information is not known (D). Untested
    (2) because only the force can say how reliable a source has proved.
    """
    _check_choice(source_type, SOURCE_TYPES, "The source type")
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
        at = _get_str(data, "at")
        _check_iso_datetime(at, "override time")
        reason = _get_str(data, "reason")
        if not reason.strip():
            raise InvalidIntelligence("An override must have a reason.")
        return cls(
            check_id=_get_str(data, "check_id"),
            reason=reason,
            by=_get_str(data, "by"),
            at=at,
            covers=tuple(_get_str_list(data, "covers")),
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
        _check_choice(self.source_type, SOURCE_TYPES, "The source type")
        _check_choice(self.status, ("draft", "final"), "The report status")
        if self.learned_at is not None:
            if not self.learned_at.strip():
                self.learned_at = None
            else:
                _check_iso_datetime(self.learned_at, "date learned")
        for name in ("facts", "child_ids"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InvalidIntelligence(f"The field '{name}' must be a list of text lines.")
        if not all(isinstance(e, tuple(_ENTITY_TYPES.values())) for e in self.entities):
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
            id=_get_str(data, "id"),
            version=version,
            title=_get_str(data, "title"),
            facts=_get_str_list(data, "facts"),
            learned_at=learned_at,
            learned_place=_get_str(data, "learned_place"),
            source_type=cast(SourceType, _get_str(data, "source_type", "worker_saw")),
            source_detail=_get_str(data, "source_detail"),
            already_reported=_get_bool(data, "already_reported"),
            crime_reference=_get_str(data, "crime_reference"),
            other_agencies=_get_str(data, "other_agencies"),
            child_ids=_get_str_list(data, "child_ids"),
            subjects_linked=_get_bool(data, "subjects_linked"),
            entities=[entity_from_dict(e) for e in entities],
            handling=HandlingSuggestion.from_dict(handling),
            overrides=[Override.from_dict(o) for o in overrides],
            closing_confirmed=_get_bool(data, "closing_confirmed"),
            status=cast(ReportStatus, _get_str(data, "status", "draft")),
        )


# ---------------------------------------------------------------------------------------------
# Quality checks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInfo:
    title: str
    severity: Severity


CHECKS: dict[str, CheckInfo] = {
    "no_facts": CheckInfo("No facts written", "warning"),
    "fact_too_long": CheckInfo("A fact is long", "warning"),
    "emergency": CheckInfo("Sounds like an emergency", "stop"),
    "vague_reference": CheckInfo("Vague reference to a person", "warning"),
    "unnamed_pronoun": CheckInfo("'He' or 'she' with nobody named", "warning"),
    "initials_only": CheckInfo("Initials instead of a name", "warning"),
    "name_missing": CheckInfo("Person without a full name", "warning"),
    "no_dob": CheckInfo("Person without date of birth or age", "warning"),
    "unlinked_subjects": CheckInfo("Several people not marked as linked", "warning"),
    "no_date_learned": CheckInfo("No date learned", "warning"),
    "date_in_future": CheckInfo("A date is in the future", "warning"),
    "vehicle_no_vrm": CheckInfo("Vehicle without a number plate", "warning"),
    "vrm_unrecognised": CheckInfo("Number plate not in a UK format", "warning"),
    "crime_reference_missing": CheckInfo("Already reported, but no crime reference", "warning"),
    "closing_marker_in_facts": CheckInfo("Closing marker typed as a fact", "warning"),
}


@dataclass(frozen=True)
class QualityWarning:
    """One problem found while writing. ``ref`` is ``"report"``, ``"fact:<i>"`` or
    ``"entity:<i>"`` (0-based indexes into ``facts`` / ``entities``); messages count from 1."""

    check_id: str
    severity: Severity
    message: str
    ref: str
    fingerprint: str
    override: Override | None = None

    @property
    def blocking(self) -> bool:
        return self.override is None


def _fingerprint(check_id: str, subject: str) -> str:
    # A hash, so an override's "covers" list does not copy names or facts around again.
    digest = hashlib.sha256(f"{check_id}\x1f{subject}".encode()).hexdigest()[:16]
    return f"{check_id}:{digest}"


def _person_subject(person: Person) -> str:
    return "|".join((person.surname, person.forenames, person.nickname))


def _entity_subject(entity: Entity) -> str:
    return json.dumps(entity.to_dict(), sort_keys=True)


# Why these phrases: Sandwell/WMP give "a family member" and "one of the males in the shop" as
# examples of what the police cannot act on. A phrase followed by "called ..." names someone.
_VAGUE = re.compile(
    r"\b(?:"
    r"(?:an?|the|some|another|this|that|these|those|unknown|group\s+of)\s+"
    r"(?:[a-z]+\s+)?(?:males?|females?|man|men|woman|women|guys?|blokes?|lads?|fellas?|adults?)"
    r"|one\s+of\s+(?:the|his|her|their)\s+(?:[a-z]+\s+)?"
    r"(?:males|men|lads|boys|guys|mates|friends|girls|females)"
    r"|(?:his|her|their|a)\s+(?:older\s+)?"
    r"(?:mates?|friends?|pals?|cousins?|uncle|boyfriend|girlfriend)"
    r"|(?:a|another)\s+family\s+(?:member|friend)"
    r"|family\s+members?"
    r"|someone|somebody|some\s+(?:guy|bloke|man|woman|lad|people)"
    r")\b",
    re.IGNORECASE,
)
_NAMED_AFTER = re.compile(
    r"^[\s,(]*(?:(?:called|named|known\s+as|aka|a\.k\.a\.?|nicknamed|goes\s+by)\b"
    r"|[A-Z]{2,}\b)"
)
_PRONOUN = re.compile(r"\b(?:he|him|his|she|her)\b", re.IGNORECASE)

# Why a stop: an information report is read days later. Anything happening now goes to 999.
# "help" alone is too common ("Early Help", "helped with homework"), so only cries for help.
_EMERGENCY = re.compile(
    r"\b(?:"
    r"right\s+now|currently\s+(?:with|at)|being\s+(?:held|kept|hurt|abused|raped)"
    r"|held\s+against|locked\s+in|tonight|in\s+(?:immediate\s+)?danger"
    r"|taken\s+to\b[^.]{0,60}\bnow|(?:is|are)\s+(?:with|at)\b[^.]{0,40}\bnow"
    r"|(?:is|are)\s+in\s+(?:his|her|their|the|a|an)\s+(?:car|van|taxi|flat|house|room|hotel)"
    r"\b[^.]{0,30}\bnow"
    # "missing school" is about attendance, not a missing child.
    r"|(?:is|has\s+gone|still)\s+missing"
    r"(?!\s+(?:school|lessons?|classes|college|appointments?|sessions?|education))"
    r"|(?:asked|asking|begged|begging|shouting|screaming|crying|calling|call)\s+for\s+help"
    r"|help\s+(?:me|us)|needs?\s+help\s+now|going\s+to\s+meet\b[^.]{0,40}\b(?:later|today)"
    r")\b",
    re.IGNORECASE,
)

_DOTTED_INITIALS = re.compile(r"\b[A-Z]\.\s?[A-Z]\.?(?=\s|$|[,;])|\b[A-Z]\.\s?[A-Z][a-z]+")
_VOWELS = set("AEIOUY")


def _looks_like_initials(text: str, *, surname: bool) -> bool:
    text = text.strip()
    if not text:
        return False
    if re.fullmatch(r"(?:[A-Za-z]\.\s*){1,3}", text):  # J. / J.S. / J. S.
        return True
    if len(normalise_name(text)) == 1:  # a single letter
        return True
    if not surname and all(len(normalise_name(t)) == 1 for t in text.split()):
        return True  # "J" or "J A" as forenames
    letters = normalise_name(text)
    # "JS" / "JSM": a short run of capitals with no vowel is initials; "NG" is caught too, which
    # is why this is an overridable warning and not a refusal.
    return text.isupper() and 2 <= len(letters) <= 3 and not (set(letters) & _VOWELS)


def _fact_warning(check_id: str, i: int, fact: str, message: str) -> QualityWarning:
    return QualityWarning(
        check_id=check_id,
        severity=CHECKS[check_id].severity,
        message=message,
        ref=f"fact:{i}",
        fingerprint=_fingerprint(check_id, fact),
    )


def _entity_warning(check_id: str, i: int, subject: str, message: str) -> QualityWarning:
    return QualityWarning(
        check_id=check_id,
        severity=CHECKS[check_id].severity,
        message=message,
        ref=f"entity:{i}",
        fingerprint=_fingerprint(check_id, subject),
    )


def _report_warning(check_id: str, message: str, subject: str = "") -> QualityWarning:
    return QualityWarning(
        check_id=check_id,
        severity=CHECKS[check_id].severity,
        message=message,
        ref="report",
        fingerprint=_fingerprint(check_id, subject),
    )


def _is_closing_marker(line: str) -> bool:
    return line.strip().strip("()[]").strip().rstrip(".").lower() == CLOSING_MARKER.strip("()")


def _learned_date(report: IntelReport) -> date | None:
    if report.learned_at is None:
        return None
    try:
        return datetime.fromisoformat(report.learned_at.replace("Z", "+00:00")).date()
    except ValueError:
        return None  # edited in place to something unreadable: ask for the date again


def _raw_warnings(report: IntelReport, today: date) -> list[QualityWarning]:  # noqa: C901
    out: list[QualityWarning] = []
    facts = [(i, f) for i, f in enumerate(report.facts) if f.strip()]
    persons = [(i, e) for i, e in enumerate(report.entities) if isinstance(e, Person)]
    anyone_named = any(p.is_named for _, p in persons)

    if not facts:
        out.append(
            _report_warning(
                "no_facts",
                "Write what you know as short factual lines: who, what, when, where, how.",
            )
        )

    for i, fact in facts:
        n = i + 1
        if _EMERGENCY.search(fact):
            out.append(
                _fact_warning(
                    "emergency",
                    i,
                    fact,
                    f"Fact {n} sounds like something happening now. If a child is in danger "
                    "now, call 999 now: an intelligence report is not read straight away. "
                    "Once you have called 999, record that here. If it is not happening now, "
                    "reword the fact to say when it happened.",
                )
            )
        if len(fact) > MAX_FACT_CHARS:
            out.append(
                _fact_warning(
                    "fact_too_long",
                    i,
                    fact,
                    f"Fact {n} is {len(fact)} characters long. Split it into shorter lines, "
                    "one fact per line.",
                )
            )
        if _is_closing_marker(fact):
            out.append(
                _fact_warning(
                    "closing_marker_in_facts",
                    i,
                    fact,
                    f"Fact {n} is the closing marker. Delete it and tick 'No more information "
                    "available' instead: the toolkit adds the marker as the last line.",
                )
            )
            continue
        vague = [
            m.group(0)
            for m in _VAGUE.finditer(fact)
            if not _NAMED_AFTER.match(fact[m.end() : m.end() + 40])
        ]
        if vague:
            out.append(
                _fact_warning(
                    "vague_reference",
                    i,
                    fact,
                    f"Fact {n} says '{vague[0]}' without a name. Give the full name and date "
                    "of birth if anyone knows them, or a nickname and description; the police "
                    "cannot act on 'a male' or 'a family member'.",
                )
            )
        if not anyone_named and _PRONOUN.search(fact):
            out.append(
                _fact_warning(
                    "unnamed_pronoun",
                    i,
                    fact,
                    f"Fact {n} says 'he' or 'she' but the report names nobody. Add the person "
                    "(SURNAME Forename) so the police know who is meant.",
                )
            )
        if _DOTTED_INITIALS.search(fact):
            out.append(
                _fact_warning(
                    "initials_only",
                    i,
                    fact,
                    f"Fact {n} uses initials. Write the full name (SURNAME Forename); the "
                    "police cannot search on initials.",
                )
            )

    for i, person in persons:
        n = i + 1
        subject = _person_subject(person)
        label = person.display()
        if _looks_like_initials(person.surname, surname=True) or _looks_like_initials(
            person.forenames, surname=False
        ):
            out.append(
                _entity_warning(
                    "initials_only",
                    i,
                    subject,
                    f"{label} (item {n}) is written with initials. Write the full surname and "
                    "forenames, correctly spelt, if anyone knows them.",
                )
            )
        elif not (person.surname and person.forenames):
            out.append(
                _entity_warning(
                    "name_missing",
                    i,
                    subject,
                    f"{label} (item {n}) has no full name. Add surname and forenames if anyone "
                    "knows them; if only a nickname is known, override with that reason.",
                )
            )
        if person.dob is None and person.age_range is None:
            out.append(
                _entity_warning(
                    "no_dob",
                    i,
                    subject,
                    f"{label} (item {n}) has no date of birth. Add it, or an approximate age "
                    "range such as 30-40 if the date is not known.",
                )
            )
        elif person.dob is not None and person.dob > today:
            out.append(
                _entity_warning(
                    "date_in_future",
                    i,
                    subject + "|dob",
                    f"The date of birth of {label} (item {n}) is in the future. Check it.",
                )
            )

    subjects = [p for _, p in persons if p.role != "victim"]
    if len(subjects) > 1 and not report.subjects_linked:
        out.append(
            _report_warning(
                "unlinked_subjects",
                f"This report names {len(subjects)} people. If they are linked (for example "
                "seen together), tick 'the people are linked'; if not, write a separate report "
                "for each person.",
                subject="\x1e".join(sorted(_person_subject(p) for p in subjects)),
            )
        )

    learned = _learned_date(report)
    if learned is None:
        out.append(
            _report_warning(
                "no_date_learned",
                "Add the date you learned this (and the time if you know it).",
            )
        )
    elif learned > today:
        out.append(
            _report_warning(
                "date_in_future",
                "The date learned is in the future. Check it.",
                subject=f"learned|{report.learned_at}",
            )
        )

    for i, entity in enumerate(report.entities):
        if not isinstance(entity, Vehicle):
            continue
        n = i + 1
        if not entity.vrm:
            out.append(
                _entity_warning(
                    "vehicle_no_vrm",
                    i,
                    _entity_subject(entity),
                    f"The vehicle (item {n}) has no number plate. Add the VRM, even part of "
                    "it; if nobody saw it, override with that reason.",
                )
            )
        elif not entity.vrm_recognised:
            out.append(
                _entity_warning(
                    "vrm_unrecognised",
                    i,
                    _entity_subject(entity),
                    f"The number plate of the vehicle (item {n}) is not a whole UK plate. "
                    "Check it; if only part was seen, say which part in the facts.",
                )
            )

    if report.already_reported and not report.crime_reference.strip():
        out.append(
            _report_warning(
                "crime_reference_missing",
                "You say this was already reported. Add the crime or log reference so the "
                "police do not record it twice.",
            )
        )
    return out


def check_report(report: IntelReport, today: date) -> list[QualityWarning]:
    """Every warning for the report, each with the override that covers it (if any).

    Overridden warnings are kept in the list (``blocking`` is False) so the screen and the
    export can show what was overridden and why.
    """
    covering: dict[str, Override] = {}
    for override in report.overrides:
        for fp in override.covers:
            covering.setdefault(fp, override)
    result: list[QualityWarning] = []
    for warning in _raw_warnings(report, today):
        cover = covering.get(warning.fingerprint)
        if cover is not None and cover.check_id == warning.check_id:
            warning = dataclasses.replace(warning, override=cover)
        result.append(warning)
    return result


def blocking_warnings(report: IntelReport, today: date) -> list[QualityWarning]:
    """The warnings neither fixed nor overridden: the report cannot be finalised while any stay."""
    return [w for w in check_report(report, today) if w.blocking]


_CALLED_999 = re.compile(r"\b(?:999|112)\b")
_NOT_CALLED = re.compile(r"\b(?:not|never|no|didn'?t|haven'?t|hasn'?t|won'?t)\b[^.]{0,30}\b999\b")


def apply_override(
    report: IntelReport,
    check_id: str,
    reason: str,
    by: str,
    at: datetime,
    *,
    ref: str | None = None,
) -> Override:
    """Record that ``by`` goes ahead despite the ``check_id`` warnings, for ``reason``.

    Covers the warnings of that check firing now (only the one at ``ref`` if given) and appends
    the override to ``report.overrides``. Refused (:class:`OverrideRefused`) without a reason,
    when no such warning is firing, and for ``emergency`` unless the reason says 999 was called.
    ``at`` must be an aware datetime; the date used for the checks is its date.
    """
    if check_id not in CHECKS:
        raise OverrideRefused(f"There is no check called '{check_id}'.")
    reason = reason.strip()
    if not reason:
        raise OverrideRefused(
            "Write the reason for going ahead despite this warning; it is kept with the report."
        )
    if check_id == "emergency" and (not _CALLED_999.search(reason) or _NOT_CALLED.search(reason)):
        raise OverrideRefused(
            "If a child is in danger now, call 999 now. This warning can only be acknowledged "
            "once 999 has been called: write that you called 999 (for example 'Called 999 at "
            "14:10, log 123'). If it is not happening now, reword the fact instead."
        )
    if not by.strip():
        raise OverrideRefused("An override must say who made it.")
    stamp = utc_iso(at)
    firing = [
        w
        for w in check_report(report, at.date())
        if w.check_id == check_id and w.blocking and (ref is None or w.ref == ref)
    ]
    if not firing:
        raise OverrideRefused(
            f"There is no '{CHECKS[check_id].title}' warning on this report to override."
        )
    override = Override(
        check_id=check_id,
        reason=reason,
        by=by.strip(),
        at=stamp,
        covers=tuple(w.fingerprint for w in firing),
    )
    report.overrides.append(override)
    return override


def finalise(report: IntelReport, today: date) -> None:
    """Mark the report final, or raise :class:`ReportNotReady` naming what is still open."""
    blocking = blocking_warnings(report, today)
    if blocking:
        titles = sorted({CHECKS[w.check_id].title for w in blocking})
        raise ReportNotReady(
            "Fix or override these before finishing the report: " + "; ".join(titles) + "."
        )
    report.status = "final"


# ---------------------------------------------------------------------------------------------
# 5WH prompts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    question: Literal["who", "what", "when", "where", "how", "why", "frequency"]
    text: str
    answered: bool


_WHEN_WORDS = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|\d{1,2}[:.]\d{2}|\d{1,2}\s*(?:am|pm)"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last\s+night"
    r"|last\s+week|this\s+morning|evening|afternoon|weekend"
    r"|january|february|march|april|may|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_WHERE_WORDS = re.compile(
    r"\b(?:street|st|road|rd|lane|avenue|close|park|station|hotel|takeaway|shop|flat|house"
    r"|car\s+park|centre|school|address|town|city)\b"
    r"|\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b",
    re.IGNORECASE,
)
_HOW_WORDS = re.compile(
    r"\b(?:car|taxi|drove|driven|driving|bus|train|walked|picked\s+up|dropped\s+off|phone"
    r"|texted|messaged|message|called|snapchat|instagram|whatsapp|tiktok|facebook|online"
    r"|gave|given|offered|sent)\b",
    re.IGNORECASE,
)
_WHY_WORDS = re.compile(
    r"\b(?:because|so\s+that|in\s+exchange|in\s+return|for\s+money|owes?|owed|debt|paid"
    r"|to\s+get|so\s+she|so\s+he|reason)\b",
    re.IGNORECASE,
)
_FREQUENCY_WORDS = re.compile(
    r"\b(?:every|again|times|regularly|weekly|daily|nightly|often|usually|always|once|twice"
    r"|several|repeatedly|first\s+time|keeps?|most\s+(?:days|nights|weekends))\b",
    re.IGNORECASE,
)


def five_wh_prompts(report: IntelReport) -> list[Prompt]:
    """Who, what, when, where, how, why and frequency, each marked answered or not.

    "Answered" is a heuristic on the entities and the words in the facts: a prompt to look
    again, never a judgement on the report.
    """
    text = "\n".join(report.facts)
    kinds = {e.kind for e in report.entities}
    has = {
        "who": any(p.is_named for p in report.persons),
        "what": any(f.strip() for f in report.facts),
        "when": report.learned_at is not None or bool(_WHEN_WORDS.search(text)),
        "where": "location" in kinds or bool(_WHERE_WORDS.search(text)),
        "how": bool(kinds & {"vehicle", "phone", "online"}) or bool(_HOW_WORDS.search(text)),
        "why": bool(_WHY_WORDS.search(text)),
        "frequency": bool(_FREQUENCY_WORDS.search(text)),
    }
    questions: tuple[
        tuple[Literal["who", "what", "when", "where", "how", "why", "frequency"], str], ...
    ] = (
        ("who", "Who is involved? Full names, dates of birth, nicknames, descriptions."),
        ("what", "What happened, or what was seen or said?"),
        ("when", "When did it happen, and when did you learn it? Dates and times."),
        ("where", "Where did it happen? Addresses, postcodes, places, areas."),
        ("how", "How? Vehicles (VRM), phones, apps and accounts, how the child got there."),
        ("why", "Why, if known? For example gifts, money, drugs, debts, threats."),
        ("frequency", "How often? Once, or do the same names, cars or places keep coming up?"),
    )
    return [Prompt(q, t, has[q]) for q, t in questions]


# ---------------------------------------------------------------------------------------------
# Police-style export lines
# ---------------------------------------------------------------------------------------------


def format_person_line(person: Person) -> str:
    """``SMITH John aka Jonno DOB 01/02/1990 of 1 High St`` (the Sandwell/WMP pattern)."""
    parts = [p for p in (person.surname.upper(), person.forenames) if p]
    if person.nickname:
        parts.append(f"aka {person.nickname}" if parts else person.nickname)
    if person.dob is not None:
        parts.append(f"DOB {person.dob.strftime('%d/%m/%Y')}")
    elif person.age_range is not None:
        parts.append(f"aged {person.age_range}")
    else:
        parts.append("DOB not known")
    if person.address:
        parts.append(f"of {person.address}")
    return " ".join(parts)


def format_fact_line(person: Person | None, fact: str) -> str:
    """A self-contained fact line: the person's line, then the fact."""
    fact = " ".join(fact.split())
    return f"{format_person_line(person)} {fact}" if person is not None else fact


def format_vehicle_line(vehicle: Vehicle) -> str:
    """``VRM: AB12 ABC silver Ford Focus``."""
    what = " ".join(p for p in (vehicle.colour, vehicle.make, vehicle.model) if p)
    line = f"VRM: {vehicle.vrm or 'not known'}"
    return f"{line} {what}" if what else line


def format_entity_line(entity: Entity) -> str:
    if isinstance(entity, Person):
        return format_person_line(entity)
    if isinstance(entity, Vehicle):
        return format_vehicle_line(entity)
    if isinstance(entity, Phone):
        return f"Phone: {entity.display()}"
    if isinstance(entity, OnlineIdentity):
        return f"Online: {entity.display()}"
    return f"Location: {entity.display()}"


def facts_for_export(report: IntelReport) -> list[str]:
    """The facts as sent: blank lines dropped, and the closing marker as the last line only when
    the worker confirmed there is nothing more (a marker typed as a fact is not sent)."""
    lines = [" ".join(f.split()) for f in report.facts if f.strip() and not _is_closing_marker(f)]
    if report.closing_confirmed:
        lines.append(CLOSING_MARKER)
    return lines


# ---------------------------------------------------------------------------------------------
# Fuzzy matching
# ---------------------------------------------------------------------------------------------

# Common English forms and transliterations. Each group is a set of names for the same person.
_NAME_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(g.split())
    for g in (
        "JON JOHN JONATHAN JONATHON JONNY JONNIE JOHNNY JOHNNIE JONNO JACK",
        "MO MOE MOH MOHD MOHAMMED MOHAMMAD MOHAMED MOHAMAD MUHAMMAD MUHAMMED MUHAMAD MAHOMED",
        "MIKE MICHAEL MICK MICKY MICKEY MIKEY",
        "DAVE DAVID DAVEY DAVIE DAVY",
        "ROB ROBERT BOB BOBBY ROBBIE ROBBY BERT",
        "BILL WILL WILLIAM BILLY WILLIE WILLY LIAM",
        "JIM JAMES JIMMY JAMIE JIMMIE",
        "TOM THOMAS TOMMY",
        "DAN DANIEL DANNY",
        "CHRIS CHRISTOPHER KRIS",
        "MATT MATTHEW MATTY MATHEW",
        "NICK NICHOLAS NICKY NICOLAS",
        "TONY ANTHONY ANT ANTONY",
        "STEVE STEPHEN STEVEN STEVIE",
        "ALEX ALEXANDER ALEXANDRA ALEC SANDY",
        "SAM SAMUEL SAMANTHA SAMMY",
        "BEN BENJAMIN BENNY",
        "JOE JOSEPH JOEY",
        "JOSH JOSHUA",
        "ANDY ANDREW DREW",
        "PETE PETER",
        "RICH RICHARD RICK RICKY RICHIE DICK",
        "ED EDWARD EDDIE TED TEDDY",
        "CHARLIE CHARLES CHAS",
        "HARRY HENRY HAL",
        "KATE KATHERINE CATHERINE KATHRYN KATH CATH KATIE KATY",
        "LIZ ELIZABETH BETH LIZZIE LIZZY BETTY ELIZA",
        "BECKY REBECCA BEX",
        "JEN JENNY JENNIFER JENNI",
        "ABDUL ABDULLAH ABDALLAH",
        "USMAN USMAAN OSMAN UTHMAN",
        "YUSUF YOUSEF YOUSUF JOSEF YUSEF",
        "IBRAHIM IBRAHEEM EBRAHIM",
        "HASSAN HASAN",
        "HUSSAIN HUSSEIN HUSAIN",
    )
)
_NAME_GROUP_OF: dict[str, set[int]] = {}
for _i, _group in enumerate(_NAME_GROUPS):
    for _name in _group:
        _NAME_GROUP_OF.setdefault(_name, set()).add(_i)


def same_name_group(a: str, b: str) -> bool:
    """True when two forenames are common forms of one another (Jon / Jonathan, Mo / Muhammad)."""
    a, b = normalise_name(a), normalise_name(b)
    return bool(_NAME_GROUP_OF.get(a, set()) & _NAME_GROUP_OF.get(b, set()))


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or
    swap of neighbouring letters (optimal string alignment distance <= 1)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


_SOUNDEX_CODES = {
    **dict.fromkeys("BFPV", "1"),
    **dict.fromkeys("CGJKQSXZ", "2"),
    **dict.fromkeys("DT", "3"),
    "L": "4",
    **dict.fromkeys("MN", "5"),
    "R": "6",
}


@functools.lru_cache(maxsize=65536)
def soundex(name: str) -> str:
    """American Soundex (``"Robert"`` -> ``"R163"``); ``""`` for a name with no letters."""
    letters = re.sub(r"[^A-Z]", "", _fold(name).upper())
    if not letters:
        return ""
    out = letters[0]
    last = _SOUNDEX_CODES.get(letters[0], "")
    for ch in letters[1:]:
        code = _SOUNDEX_CODES.get(ch, "")
        if code and code != last:
            out += code
        if ch not in "HW":  # H and W do not separate letters with the same code
            last = code
    return (out + "000")[:4]


def _name_similarity(a: str, b: str, *, forename: bool) -> tuple[float, str]:
    """(score, why) for two single names already passed through :func:`normalise_name`."""
    if not a or not b:
        return 0.0, ""
    if a == b:
        return 1.0, "same"
    if forename and same_name_group(a, b):
        return 0.85, "common forms of the same name"
    if min(len(a), len(b)) >= 4 and within_one_edit(a, b):
        return 0.8, "one letter different"
    if soundex(a) == soundex(b):
        return 0.6, "sounds alike"
    return 0.0, ""


@dataclass(frozen=True)
class MatchSuggestion:
    """Two entity keys that may be the same thing; a person confirms or rejects the merge."""

    a_key: str
    b_key: str
    score: float  # 0..1
    certainty: Certainty
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_key": self.a_key,
            "b_key": self.b_key,
            "score": self.score,
            "certainty": self.certainty,
            "reason": self.reason,
        }


_OCR_CONFUSIONS = {
    frozenset(p) for p in (("0", "O"), ("1", "I"), ("5", "S"), ("8", "B"), ("2", "Z"), ("0", "D"))
}


def _match_vrm(a: str, b: str) -> tuple[float, Certainty, str] | None:
    if a == b:
        return 1.0, "certain", "same number plate"
    if len(a) == len(b):
        diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        if diffs and all(frozenset(d) in _OCR_CONFUSIONS for d in diffs):
            return 0.75, "possible", "number plates differ only by easily misread characters"
        if len(diffs) == 1:
            return 0.6, "possible", "number plates one character different"
    elif within_one_edit(a, b) and min(len(a), len(b)) >= 4:
        return 0.55, "possible", "number plates one character different"
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and short in long_:
        return 0.5, "possible", "one number plate is part of the other"
    return None


def _match_phone(a: str, b: str) -> tuple[float, Certainty, str] | None:
    if a == b:
        return 1.0, "certain", "same phone number"
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    if len(da) >= 9 and len(db) >= 9 and da[-9:] == db[-9:]:
        return 0.85, "likely", "phone numbers end with the same 9 digits"
    return None


def _match_persons(a: Person, b: Person) -> tuple[float, Certainty, str] | None:
    sa, sb = normalise_name(a.surname), normalise_name(b.surname)
    fa = normalise_name(a.forenames.split()[0]) if a.forenames else ""
    fb = normalise_name(b.forenames.split()[0]) if b.forenames else ""
    reasons: list[str] = []
    score = 0.0
    if sa and sb:
        s_score, s_why = _name_similarity(sa, sb, forename=False)
        if s_score == 0.0:
            return _match_nicknames(a, b)
        f_score, f_why = _name_similarity(fa, fb, forename=True)
        if not (fa and fb):
            f_score, f_why = 0.5, "forename not known on one side"
        elif f_score == 0.0:
            return _match_nicknames(a, b)
        score = 0.5 * s_score + 0.5 * f_score
        reasons.append(f"surname {s_why}")
        reasons.append(f"forename {f_why}" if fa and fb else f_why)
    else:
        return _match_nicknames(a, b)
    if a.dob and b.dob:
        if a.dob == b.dob:
            score = min(1.0, score + 0.1)
            reasons.append("same date of birth")
        else:
            score *= 0.5
            reasons.append("different dates of birth")
    if score < 0.5:
        return None
    certainty: Certainty = "likely" if score >= 0.85 else "possible"
    return round(score, 3), certainty, "; ".join(reasons)


def _match_nicknames(a: Person, b: Person) -> tuple[float, Certainty, str] | None:
    def names(p: Person) -> set[str]:
        out = {normalise_nickname(x) for x in p.aliases}
        if p.forenames and not p.surname:
            out.add(normalise_nickname(p.forenames.split()[0]))
        return {n for n in out if n}

    na, nb = names(a), names(b)
    if na & nb:
        return 0.8, "likely", "same nickname"
    # A nickname on one side may be the other's first name, or a form of it (Jonno / Jonathan).
    firsts_a = {normalise_nickname(a.forenames.split()[0])} if a.forenames else set()
    firsts_b = {normalise_nickname(b.forenames.split()[0])} if b.forenames else set()
    for x in na | firsts_a:
        for y in nb | firsts_b:
            if x in firsts_a and y in firsts_b:
                continue  # forename vs forename alone is not enough without surnames
            if x == y or same_name_group(x, y):
                return 0.5, "possible", "a nickname matches the other's first name"
            if min(len(x), len(y)) >= 4 and within_one_edit(x, y):
                return 0.6, "possible", "nicknames one letter different"
    return None


def _match_online(a: OnlineIdentity, b: OnlineIdentity) -> tuple[float, Certainty, str] | None:
    pa, ha = normalise_handle(a.platform, a.handle_or_url)
    pb, hb = normalise_handle(b.platform, b.handle_or_url)
    if not ha or not hb:
        return None
    if (pa, ha) == (pb, hb):
        return 1.0, "certain", "same account"
    if ha == hb:
        return 0.5, "possible", "same handle on a different platform"
    if pa == pb and min(len(ha), len(hb)) >= 4 and within_one_edit(ha, hb):
        return 0.6, "possible", "handles one character different"
    return None


def _match_locations(a: Location, b: Location) -> tuple[float, Certainty, str] | None:
    if a.key() is not None and a.key() == b.key():
        return 1.0, "likely", "same place"
    na = normalise_nickname(a.name)
    nb = normalise_nickname(b.name)
    if na and na == nb:
        return 0.8, "likely", "same place name"
    if a.postcode and a.postcode == b.postcode and normalise_postcode(a.postcode):
        return 0.6, "possible", "same postcode"
    if na and nb and min(len(na), len(nb)) >= 6 and within_one_edit(na, nb):
        return 0.6, "possible", "place names one letter different"
    return None


def match_entities(a: Entity, b: Entity) -> MatchSuggestion | None:
    """How likely two entities are the same thing, or ``None`` when there is no reason to think so."""
    result: tuple[float, Certainty, str] | None = None
    if isinstance(a, Vehicle) and isinstance(b, Vehicle):
        ka, kb = _vrm_compact(a.vrm), _vrm_compact(b.vrm)
        result = _match_vrm(ka, kb) if ka and kb else None
    elif isinstance(a, Phone) and isinstance(b, Phone):
        result = _match_phone(a.number, b.number) if a.number and b.number else None
    elif isinstance(a, Person) and isinstance(b, Person):
        result = _match_persons(a, b)
    elif isinstance(a, OnlineIdentity) and isinstance(b, OnlineIdentity):
        result = _match_online(a, b)
    elif isinstance(a, Location) and isinstance(b, Location):
        result = _match_locations(a, b)
    ka_key, kb_key = a.key(), b.key()
    if result is None or ka_key is None or kb_key is None:
        return None
    score, certainty, reason = result
    return MatchSuggestion(ka_key, kb_key, score, certainty, reason)


def match_candidates(
    entities_a: Iterable[Entity], entities_b: Iterable[Entity]
) -> list[MatchSuggestion]:
    """Every plausible match between two lists (e.g. a new report and an existing one),
    best first."""
    list_b = list(entities_b)
    out = [
        m
        for a in entities_a
        for b in list_b
        if a.kind == b.kind and (m := match_entities(a, b)) is not None
    ]
    out.sort(key=lambda m: (-m.score, m.a_key, m.b_key))
    return out


def suggest_matches(entity: Entity, index: EntityIndex) -> list[MatchSuggestion]:
    """Entities already in the index that may be ``entity``, best first (its own key excluded)."""
    own = set(entity.keys())
    out: list[MatchSuggestion] = []
    for key, other in index.entities.items():
        if key in own or other.kind != entity.kind:
            continue
        primary = other.key()
        if primary is None or index.canonical.get(primary, primary) != key:
            continue  # the same entity under its nickname key: suggest it once only
        match = match_entities(entity, other)
        if match is not None:
            out.append(
                MatchSuggestion(match.a_key, key, match.score, match.certainty, match.reason)
            )
    out.sort(key=lambda m: (-m.score, m.b_key))
    return out


# ---------------------------------------------------------------------------------------------
# Merge decisions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeDecision:
    """A person's decision that two keys are (``confirmed``) or are not (``rejected``) the same."""

    a_key: str
    b_key: str
    decision: Decision
    by: str
    at: str  # ISO 8601 UTC

    def __post_init__(self) -> None:
        _check_choice(self.decision, ("confirmed", "rejected"), "A merge decision")
        _check_iso_datetime(self.at, "decision time")

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.a_key, self.b_key))

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_key": self.a_key,
            "b_key": self.b_key,
            "decision": self.decision,
            "by": self.by,
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MergeDecision:
        return cls(
            a_key=_get_str(data, "a_key"),
            b_key=_get_str(data, "b_key"),
            decision=cast(Decision, _get_str(data, "decision")),
            by=_get_str(data, "by"),
            at=_get_str(data, "at"),
        )


@dataclass(frozen=True)
class GroupResolution:
    """Keys grouped by confirmed merges. ``skipped`` lists confirmed merges that were not
    applied because they would have joined a pair someone rejected: shown, never silent."""

    groups: list[frozenset[str]]
    skipped: list[MergeDecision]

    def canonical(self) -> dict[str, str]:
        """Each key in a group of two or more -> the group's smallest key."""
        out: dict[str, str] = {}
        for group in self.groups:
            if len(group) > 1:
                head = min(group)
                for key in group:
                    out[key] = head
        return out


def resolve_groups(keys: Iterable[str], decisions: Iterable[MergeDecision]) -> GroupResolution:
    """Group ``keys`` through confirmed merges (union-find), never joining a rejected pair.

    The latest decision about a pair wins (someone may change their mind). Merges are applied
    in time order; a confirmed merge that would put a rejected pair in one group is skipped and
    reported. Keys met only in decisions still carry links (A=X, X=B joins A and B) but are
    not listed in the groups.
    """
    latest: dict[frozenset[str], MergeDecision] = {}
    for d in sorted(decisions, key=lambda d: (d.at, d.a_key, d.b_key)):
        if d.a_key != d.b_key:
            latest[d.pair] = d
    rejected = [d.pair for d in latest.values() if d.decision == "rejected"]

    parent: dict[str, str] = {}
    members: dict[str, set[str]] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        members.setdefault(x, {x})
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    wanted = list(dict.fromkeys(keys))
    for key in wanted:
        find(key)
    skipped: list[MergeDecision] = []
    confirmed = sorted(
        (d for d in latest.values() if d.decision == "confirmed"),
        key=lambda d: (d.at, d.a_key, d.b_key),
    )
    for d in confirmed:
        ra, rb = find(d.a_key), find(d.b_key)
        if ra == rb:
            continue
        ga, gb = members[ra], members[rb]
        if any((x in ga and y in gb) or (x in gb and y in ga) for x, y in map(tuple, rejected)):
            skipped.append(d)
            continue
        if len(ga) < len(gb):
            ra, rb, ga, gb = rb, ra, gb, ga
        parent[rb] = ra
        ga |= gb
        del members[rb]

    wanted_set = set(wanted)
    groups: dict[str, set[str]] = {}
    for key in wanted:
        groups.setdefault(find(key), set()).add(key)
    result = sorted((frozenset(g) for g in groups.values() if g & wanted_set), key=min)
    return GroupResolution(groups=result, skipped=skipped)


# ---------------------------------------------------------------------------------------------
# Connections index
# ---------------------------------------------------------------------------------------------


@dataclass
class EntityIndex:
    """Entity key -> the reports and children that mention it, and the reverse maps.

    Built in memory from the decrypted reports; never stored (it would be a second copy of
    the links). Keys merged by a person map to one canonical key.
    """

    key_reports: dict[str, set[str]] = field(default_factory=dict)
    key_children: dict[str, set[str]] = field(default_factory=dict)
    child_keys: dict[str, set[str]] = field(default_factory=dict)
    report_keys: dict[str, set[str]] = field(default_factory=dict)
    report_children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    displays: dict[str, str] = field(default_factory=dict)
    canonical: dict[str, str] = field(default_factory=dict)

    def add_report(self, report: IntelReport | Mapping[str, Any]) -> None:
        if not isinstance(report, IntelReport):
            report = IntelReport.from_dict(report)
        if report.id in self.report_keys:
            self.remove_report(report.id)
        keys: set[str] = set()
        for entity in report.entities:
            for raw in entity.keys():
                key = self.canonical.get(raw, raw)
                keys.add(key)
                if key not in self.entities:
                    self.entities[key] = entity
                    self.displays[key] = _key_display(entity, raw)
        children = tuple(dict.fromkeys(report.child_ids))
        self.report_keys[report.id] = keys
        self.report_children[report.id] = children
        for key in keys:
            self.key_reports.setdefault(key, set()).add(report.id)
            kc = self.key_children.setdefault(key, set())
            kc.update(children)
        for child in children:
            self.child_keys.setdefault(child, set()).update(keys)

    def remove_report(self, report_id: str) -> None:
        keys = self.report_keys.pop(report_id, set())
        children = self.report_children.pop(report_id, ())
        for key in keys:
            reports = self.key_reports.get(key)
            if reports is not None:
                reports.discard(report_id)
                if not reports:
                    del self.key_reports[key]
                    self.key_children.pop(key, None)
                    self.entities.pop(key, None)
                    self.displays.pop(key, None)
                    continue
            # Recompute the children of this key from the reports still holding it.
            self.key_children[key] = {
                c for r in self.key_reports[key] for c in self.report_children.get(r, ())
            }
        for child in children:
            remaining = {
                k
                for k in self.child_keys.get(child, set())
                if child in self.key_children.get(k, ())
            }
            if remaining:
                self.child_keys[child] = remaining
            else:
                self.child_keys.pop(child, None)

    def mentions(self, key: str) -> int:
        """How many reports mention the entity."""
        return len(self.key_reports.get(self.canonical.get(key, key), ()))


def _key_display(entity: Entity, key: str) -> str:
    # A link made through a nickname is shown as that nickname: the other report may give only
    # "Jonno", and showing "SMITH John" there would claim more than is known.
    if isinstance(entity, Person) and key.startswith("nickname:"):
        for alias in [*entity.aliases, *entity.forenames.split()[:1]]:
            if f"nickname:{normalise_nickname(alias)}" == key:
                return f"Nickname: {alias}"
    return entity.display()


def build_index(
    reports: Iterable[IntelReport | Mapping[str, Any]],
    resolution: GroupResolution | None = None,
) -> EntityIndex:
    """Index reports (objects or their ``to_dict()`` rows), merging keys a person confirmed."""
    index = EntityIndex(canonical=resolution.canonical() if resolution else {})
    for report in reports:
        index.add_report(report)
    return index


@dataclass(frozen=True)
class EntityLink:
    """One entity linked to a child: where it appears and which other children share it."""

    key: str
    kind: str
    display: str
    report_ids: frozenset[str]  # every report mentioning it
    child_report_ids: frozenset[str]  # the reports about this child that mention it
    other_child_ids: frozenset[str]


@dataclass(frozen=True)
class ChildConnections:
    child_id: str
    links: list[EntityLink]  # most shared first
    connected_children: dict[str, list[str]]  # other child id -> the keys they share

    @property
    def shared(self) -> list[EntityLink]:
        return [link for link in self.links if link.other_child_ids]


def connections_for_child(index: EntityIndex, child_id: str) -> ChildConnections:
    """The entities in the child's reports and, for each, the other children who share it."""
    links: list[EntityLink] = []
    connected: dict[str, list[str]] = {}
    for key in index.child_keys.get(child_id, ()):
        reports = index.key_reports.get(key, set())
        mine = frozenset(r for r in reports if child_id in index.report_children.get(r, ()))
        others = frozenset(index.key_children.get(key, set()) - {child_id})
        links.append(
            EntityLink(
                key=key,
                kind=key_kind(key),
                display=index.displays.get(key, key),
                report_ids=frozenset(reports),
                child_report_ids=mine,
                other_child_ids=others,
            )
        )
        for other in others:
            connected.setdefault(other, []).append(key)
    links.sort(key=lambda link: (-len(link.other_child_ids), -len(link.report_ids), link.key))
    for keys in connected.values():
        keys.sort()
    return ChildConnections(child_id=child_id, links=links, connected_children=connected)


RESCREEN_KINDS = frozenset({"person", "vehicle", "location"})
RESCREEN_MIN_CHILDREN = 2  # "several other children"


def rescreen_prompts(conn: ChildConnections) -> list[EntityLink]:
    """The adults, vehicles and places linked to this child that also appear in the
    intelligence about ``RESCREEN_MIN_CHILDREN`` or more other children: each is a reason to
    screen the child again (issue 13), most shared first."""
    return [
        link
        for link in conn.links
        if link.kind in RESCREEN_KINDS and len(link.other_child_ids) >= RESCREEN_MIN_CHILDREN
    ]


def hotspots(
    index_or_reports: EntityIndex | Iterable[IntelReport | Mapping[str, Any]],
    limit: int | None = None,
) -> list[tuple[str, int]]:
    """Places by the number of reports that mention them, most first (then by name)."""
    index = (
        index_or_reports
        if isinstance(index_or_reports, EntityIndex)
        else build_index(index_or_reports)
    )
    counts: list[tuple[str, int]] = []
    for key, reports in index.key_reports.items():
        if isinstance(index.entities.get(key), Location):
            counts.append((index.displays[key], len(reports)))
    counts.sort(key=lambda item: (-item[1], item[0].lower()))
    return counts[:limit] if limit is not None else counts


__all__ = [
    "CHECKS",
    "RESCREEN_KINDS",
    "RESCREEN_MIN_CHILDREN",
    "rescreen_prompts",
    "CLOSING_MARKER",
    "CheckInfo",
    "ChildConnections",
    "ENTITY_KINDS",
    "Entity",
    "EntityIndex",
    "EntityLink",
    "GroupResolution",
    "HANDLING_CODES",
    "HANDLING_LABEL",
    "HandlingSuggestion",
    "INTELLIGENCE_ASSESSMENTS",
    "IntelReport",
    "InvalidIntelligence",
    "Location",
    "MAX_FACT_CHARS",
    "MatchSuggestion",
    "MergeDecision",
    "OnlineIdentity",
    "Override",
    "OverrideRefused",
    "PERSON_ROLES",
    "PLACE_TYPES",
    "Person",
    "Phone",
    "Prompt",
    "QualityWarning",
    "ReportNotReady",
    "SCHEMA_VERSION",
    "SOURCE_EVALUATIONS",
    "SOURCE_TYPES",
    "Vehicle",
    "apply_override",
    "blocking_warnings",
    "build_index",
    "check_report",
    "connections_for_child",
    "display_phone",
    "entity_from_dict",
    "facts_for_export",
    "finalise",
    "five_wh_prompts",
    "format_entity_line",
    "format_fact_line",
    "format_person_line",
    "format_vehicle_line",
    "hotspots",
    "key_kind",
    "match_candidates",
    "match_entities",
    "normalise_age_range",
    "normalise_handle",
    "normalise_name",
    "normalise_nickname",
    "normalise_phone",
    "normalise_platform",
    "normalise_postcode",
    "normalise_vrm",
    "resolve_groups",
    "same_name_group",
    "soundex",
    "suggest_handling",
    "suggest_matches",
    "within_one_edit",
]
