"""The entities a report names: people, vehicles, phones (and the drug lines run on them),
online identities, locations (addresses used for dealing among them), financial details
(accounts and payments) and weapons (issue 19 item 4)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeAlias, cast

from cse_toolkit.core.intelligence.normalise import (
    display_phone,
    fold,
    normalise_age_range,
    normalise_handle,
    normalise_name,
    normalise_nickname,
    normalise_phone,
    normalise_postcode,
    normalise_vrm,
    vrm_compact,
)
from cse_toolkit.core.intelligence.values import (
    PERSON_ROLES,
    PLACE_TYPES,
    InvalidIntelligence,
    PersonRole,
    PlaceType,
    check_choice,
    get_str,
    parse_date,
    set_field,
)

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
            set_field(self, name, " ".join((getattr(self, name) or "").split()))
        check_choice(self.role, PERSON_ROLES, "A person's role")
        if self.age_range is not None:
            if not self.age_range.strip():
                set_field(self, "age_range", None)
            else:
                normalised = normalise_age_range(self.age_range)
                if normalised is None:
                    raise InvalidIntelligence(
                        "Write the age range as two ages with a dash, for example 30-40."
                    )
                set_field(self, "age_range", normalised)

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
            surname=get_str(data, "surname"),
            forenames=get_str(data, "forenames"),
            nickname=get_str(data, "nickname"),
            dob=parse_date(dob, "date of birth") if dob else None,
            age_range=age,
            description=get_str(data, "description"),
            address=get_str(data, "address"),
            role=cast(PersonRole, get_str(data, "role", "unknown")),
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
            set_field(self, name, " ".join((getattr(self, name) or "").split()))
        canonical = normalise_vrm(self.vrm)
        # A partial plate ("AB12 ?") is still worth passing on, so keep it, upper-cased.
        set_field(self, "vrm", canonical or " ".join(self.vrm.upper().split()))

    @property
    def vrm_recognised(self) -> bool:
        return normalise_vrm(self.vrm) is not None

    def key(self) -> str | None:
        compact = vrm_compact(self.vrm)
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
            vrm=get_str(data, "vrm"),
            make=get_str(data, "make"),
            model=get_str(data, "model"),
            colour=get_str(data, "colour"),
        )


@dataclass(frozen=True)
class Phone:
    """A phone number: stored in international form when recognised, else the digits typed."""

    kind: ClassVar[str] = "phone"

    number: str = ""
    # Issue 19: the name the number is known by when it is used as a drug-dealing "line"
    # (for example "the Jay line"); empty when it is an ordinary phone.
    line_name: str = ""

    def __post_init__(self) -> None:
        set_field(self, "line_name", " ".join(self.line_name.split()))
        canonical = normalise_phone(self.number)
        if canonical is None:
            # Part of a number is still intelligence; keep the digits (and a leading +).
            raw = self.number.strip()
            canonical = ("+" if raw.startswith("+") else "") + re.sub(r"\D", "", raw)
        set_field(self, "number", canonical)

    @property
    def number_recognised(self) -> bool:
        return normalise_phone(self.number) == self.number and bool(self.number)

    def key(self) -> str | None:
        return f"phone:{self.number}" if self.number.strip("+") else None

    def keys(self) -> tuple[str, ...]:
        key = self.key()
        return (key,) if key else ()

    @property
    def used_as_line(self) -> bool:
        return bool(self.line_name)

    def display(self) -> str:
        number = display_phone(self.number) if self.number else "Phone (no number)"
        return (
            f"{number}, used as the line \u201c{self.line_name}\u201d" if self.line_name else number
        )

    def to_dict(self) -> dict[str, Any]:
        data = {"kind": self.kind, "number": self.number}
        if self.line_name:
            data["line_name"] = self.line_name
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Phone:
        return cls(number=get_str(data, "number"), line_name=get_str(data, "line_name"))


@dataclass(frozen=True)
class OnlineIdentity:
    """An account or profile: the platform and the handle or URL as given."""

    kind: ClassVar[str] = "online"

    platform: str = ""
    handle_or_url: str = ""

    def __post_init__(self) -> None:
        set_field(self, "platform", " ".join(self.platform.split()))
        set_field(self, "handle_or_url", self.handle_or_url.strip())

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
        return cls(platform=get_str(data, "platform"), handle_or_url=get_str(data, "handle_or_url"))


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
        set_field(self, "name", " ".join(self.name.split()))
        set_field(self, "address", " ".join(self.address.split()))
        set_field(
            self, "postcode", normalise_postcode(self.postcode) or self.postcode.strip().upper()
        )
        check_choice(self.place_type, PLACE_TYPES, "A place type")

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
        name = " ".join(re.sub(r"[^a-z0-9 ]", " ", fold(self.name or self.address).lower()).split())
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
            name=get_str(data, "name"),
            address=get_str(data, "address"),
            postcode=get_str(data, "postcode"),
            place_type=cast(PlaceType, get_str(data, "place_type", "other")),
        )


FINANCIAL_KINDS: dict[str, str] = {
    "bank_account": "Bank account",
    "card": "Bank card",
    "payment_app": "Payment app or online account (e.g. PayPal, Cash App)",
    "payment": "A payment (cash or transfer)",
    "other": "Other",
}
WEAPON_KINDS: dict[str, str] = {
    "knife": "Knife or bladed article",
    "firearm": "Gun or imitation gun",
    "other": "Other weapon",
}
_CARD_NUMBER = re.compile(r"(?:\d[ -]?){13,19}")


@dataclass(frozen=True)
class Financial:
    """Financial details (issue 14 item 6): an account or card, or a payment made or received.

    ``identifier`` is what identifies the account (sort code and account number, the last four
    digits of a card, a payment handle); ``details`` the payments seen (amounts, dates, who)."""

    kind: ClassVar[str] = "financial"

    what: str = "other"
    provider: str = ""  # bank, card issuer or app
    identifier: str = ""
    holder: str = ""
    details: str = ""

    def __post_init__(self) -> None:
        for name in ("provider", "identifier", "holder", "details"):
            set_field(self, name, " ".join((getattr(self, name) or "").split()))
        check_choice(self.what, tuple(FINANCIAL_KINDS), "The kind of financial detail")

    @property
    def full_card_number(self) -> bool:
        """A whole card number was typed (only the last four digits should travel)."""
        return self.what == "card" and bool(_CARD_NUMBER.search(self.identifier))

    def key(self) -> str | None:
        ident = re.sub(r"[^0-9a-z@]", "", fold(self.identifier).lower())
        return f"financial:{ident}" if len(ident) >= 4 else None

    def keys(self) -> tuple[str, ...]:
        key = self.key()
        return (key,) if key else ()

    def display(self) -> str:
        parts = [p for p in (self.provider, self.identifier) if p]
        label = FINANCIAL_KINDS[self.what].split(" (")[0]
        return f"{label}: {', '.join(parts)}" if parts else label

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "what": self.what,
            "provider": self.provider,
            "identifier": self.identifier,
            "holder": self.holder,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Financial:
        return cls(
            what=get_str(data, "what", "other"),
            provider=get_str(data, "provider"),
            identifier=get_str(data, "identifier"),
            holder=get_str(data, "holder"),
            details=get_str(data, "details"),
        )


@dataclass(frozen=True)
class Weapon:
    """A weapon seen, carried, kept or talked about (issue 19 item 4)."""

    kind: ClassVar[str] = "weapon"

    weapon: str = "other"
    description: str = ""
    whose: str = ""
    where: str = ""  # where it was seen or is kept

    def __post_init__(self) -> None:
        for name in ("description", "whose", "where"):
            set_field(self, name, " ".join((getattr(self, name) or "").split()))
        check_choice(self.weapon, tuple(WEAPON_KINDS), "The kind of weapon")

    def key(self) -> str | None:
        return None  # a weapon links reports through its owner and its place, not itself

    def keys(self) -> tuple[str, ...]:
        return ()

    def display(self) -> str:
        label = WEAPON_KINDS[self.weapon]
        return f"{label}: {self.description}" if self.description else label

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "weapon": self.weapon,
            "description": self.description,
            "whose": self.whose,
            "where": self.where,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Weapon:
        return cls(
            weapon=get_str(data, "weapon", "other"),
            description=get_str(data, "description"),
            whose=get_str(data, "whose"),
            where=get_str(data, "where"),
        )


Entity: TypeAlias = Person | Vehicle | Phone | OnlineIdentity | Location | Financial | Weapon
ENTITY_TYPES: dict[str, type[Entity]] = {
    cls.kind: cls for cls in (Person, Vehicle, Phone, OnlineIdentity, Location, Financial, Weapon)
}
ENTITY_KINDS: tuple[str, ...] = tuple(ENTITY_TYPES)


def entity_from_dict(data: Mapping[str, Any]) -> Entity:
    if not isinstance(data, Mapping):
        raise InvalidIntelligence("Each entity must be an object with a 'kind'.")
    kind = data.get("kind")
    cls = ENTITY_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidIntelligence(f"An entity's kind must be one of: {', '.join(ENTITY_KINDS)}.")
    return cls.from_dict(data)


def key_kind(key: str) -> str:
    """The entity kind a match key belongs to (a nickname key belongs to a person)."""
    prefix = key.split(":", 1)[0]
    return "person" if prefix == "nickname" else prefix
