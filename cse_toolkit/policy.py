"""Organisation policy: one TOML file IT deploys to the system config folder; users cannot change it.

Every setting is declared once below with its type, default and meaning. A file that fails
validation is refused with a message naming the key and its line; the app never falls back to
weaker settings when a security setting is wrong. Types are strict (issue 22): ``"5"`` is not a
number, ``1`` is not true; the file is read under a size cap (``fsutil.POLICY_MAX_BYTES``) and
refused when nested deeper than ``fsutil.TOML_MAX_DEPTH``; a recovery key must be a usable
X25519 point; the default tool and pathway must be installed (``core.catalogue.policy_problems``,
checked by the command line and the app where they load the policy).
"""

from __future__ import annotations

import base64
import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from cse_toolkit import paths
from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import POLICY_MAX_BYTES, check_nesting, read_text_capped

ExportKind = Literal["referral", "intelligence", "screening", "chronology"]
ALL_EXPORT_KINDS: tuple[ExportKind, ...] = ("referral", "intelligence", "screening", "chronology")


class PolicyError(UserError):
    """The policy file is missing a required value or has an invalid one."""


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ClockTime = Annotated[StrictStr, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class OpeningHours(BaseModel):
    """When a service answers, in UK time: ``days`` from ``opens`` to ``closes`` ("HH:MM")."""

    model_config = ConfigDict(extra="forbid", strict=True)
    days: list[Day] = Field(min_length=1, description="mon, tue, wed, thu, fri, sat, sun")
    opens: ClockTime
    closes: ClockTime

    @field_validator("days")
    @classmethod
    def _days_once(cls, value: list[Day]) -> list[Day]:
        if len(set(value)) != len(value):
            raise ValueError("lists a day twice")
        return value

    @model_validator(mode="after")
    def _closes_after_opening(self) -> OpeningHours:
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes}) must be later than opens ({self.opens})")
        return self


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: StrictStr = Field(min_length=1, description="who or which team")
    role: StrictStr = Field(default="", description="e.g. 'Designated safeguarding lead'")
    phone: StrictStr = ""
    email: StrictStr = ""
    address: StrictStr = ""
    notes: StrictStr = ""
    hours: list[OpeningHours] = Field(
        default_factory=list,
        description="when it answers, UK time; none: hours not recorded (the front door's hours "
        "decide when the app points to the out-of-hours number)",
    )
    open_on_bank_holidays: StrictBool = Field(
        default=False, description="the hours also apply on England and Wales bank holidays"
    )
    closed_dates: list[date] = Field(
        default_factory=list, description="one-off closures (e.g. an extra bank holiday)"
    )

    @field_validator("hours")
    @classmethod
    def _no_day_twice(cls, value: list[OpeningHours]) -> list[OpeningHours]:
        seen: set[str] = set()
        for block in value:
            twice = seen & set(block.days)
            if twice:
                raise ValueError(f"gives hours for {', '.join(sorted(twice))} twice")
            seen |= set(block.days)
        return value


class Contacts(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    dsl: list[Contact] = Field(default_factory=list, description="designated safeguarding leads")
    cse_team: Contact | None = Field(default=None, description="the CSE team / co-ordinator")
    front_door: Contact | None = Field(
        default=None, description="Children's Social Care front door (Family Front Door / MASH)"
    )
    early_help: Contact | None = Field(default=None, description="Early Help Hub")
    out_of_hours: Contact | None = Field(
        default=None,
        description="Children's Social Care out of office hours (the Emergency Duty Team)",
    )
    police_intelligence: Contact | None = Field(
        default=None, description="where partnership information reports go"
    )
    emergency: Contact = Field(
        default_factory=lambda: Contact(name="Police emergency", phone="999"),
        description="immediate danger",
    )


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    organisation: str = Field(default="Not set (no organisation policy installed)")
    contacts: Contacts = Field(default_factory=Contacts)
    default_tool: str = Field(default="worcestershire-2013")
    default_pathway: str | None = Field(
        default=None,
        description="the pathway new cases follow; not set: the one the case's screening tool "
        "names (a case keeps the pathway it started with)",
    )
    idle_lock_minutes: int = Field(
        default=5, ge=1, le=30, description="lock after this many minutes without input (1-30)"
    )
    clipboard_clear_seconds: int = Field(
        default=30,
        ge=5,
        le=300,
        description="clear anything the app copied after this many seconds (5-300)",
    )
    allow_screen_capture: StrictBool = Field(
        default=False,
        description="let screenshots and screen sharing see the app's windows (training only); "
        "off by default: Windows and macOS keep them out of capture",
    )
    export_kinds: list[ExportKind] = Field(
        default_factory=lambda: list(ALL_EXPORT_KINDS),
        description="the kinds of pack users may export; at least one",
    )
    recovery_public_key: str | None = Field(
        default=None,
        description="organisation X25519 public key (base64, 32 bytes) for the recovery slot",
    )
    retention_months: int = Field(default=84, ge=1, le=600)
    keep_after_acknowledged_days: int = Field(default=90, ge=0, le=3650)
    min_passphrase_score: int = Field(default=3, ge=2, le=4)
    attachment_max_mb: StrictInt = Field(
        default=20,
        ge=1,
        le=45,
        description="largest attachment (photo, PDF, text) the vault keeps, in MB (1-45)",
    )
    attachments_total_max_mb: StrictInt = Field(
        default=2000,
        ge=10,
        le=20_000,
        description="all attachments in one vault together, in MB (10-20000)",
    )
    schools_in_area: int | None = Field(
        default=None,
        ge=0,
        le=10_000,
        description="schools in the area: the network-meeting summary says 'concerns in N of "
        "M schools' only when this is set",
    )

    @field_validator("recovery_public_key")
    @classmethod
    def _check_key(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        try:
            raw = base64.b64decode(value, validate=True)
        except (ValueError, base64.binascii.Error) as exc:  # type: ignore[attr-defined]
            raise ValueError("is not valid base64") from exc
        if len(raw) != 32:
            raise ValueError(f"must be a 32-byte X25519 public key (got {len(raw)} bytes)")
        from cryptography.hazmat.primitives.asymmetric.x25519 import (
            X25519PrivateKey,
            X25519PublicKey,
        )

        try:
            # A low-order point (all zeros is one) gives an all-zero shared secret: nothing
            # sealed to it would be secret. cryptography refuses the exchange for those.
            X25519PrivateKey.generate().exchange(X25519PublicKey.from_public_bytes(raw))
        except ValueError as exc:
            raise ValueError(
                "is not a usable X25519 public key (a low-order point such as all zeros); "
                "export the public key from the organisation key pair again"
            ) from exc
        return value

    @field_validator("export_kinds")
    @classmethod
    def _unique(cls, value: list[ExportKind]) -> list[ExportKind]:
        if not value:
            raise ValueError("lists no kind; name at least one of " + ", ".join(ALL_EXPORT_KINDS))
        if len(set(value)) != len(value):
            raise ValueError("lists a kind twice")
        return value


BUILT_IN = "built-in defaults"


class LoadedPolicy(BaseModel):
    policy: Policy
    source: str  # path of the file in force, or BUILT_IN

    @property
    def installed(self) -> bool:
        """False when no organisation policy file is installed (the built-in defaults)."""
        return self.source != BUILT_IN


_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\]\s][^\]]*?)[ \t]*\]")
_KEY_PART = r"(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+)"
_ASSIGN = re.compile(rf"^[ \t]*({_KEY_PART}(?:[ \t]*\.[ \t]*{_KEY_PART})*)[ \t]*=")


def _split_key(key: str) -> list[str | int]:
    return [part.strip().strip("\"'") for part in key.split(".")]


def _find_line(text: str, loc: tuple[str | int, ...]) -> int | None:
    """Best-effort line of a key path in TOML text (tomllib does not report positions).

    Follows [table] and [[array of tables]] headers (counting the arrays, so the error in the
    second [[contacts.dsl]] points at that block), and returns the line of the assignment or
    header that is the longest prefix of the error's location. Leading whitespace is matched
    within a line only, so blank lines before a key do not move the answer.
    """
    target = list(loc)
    if not target:
        return None
    table: list[str | int] = []
    counts: dict[tuple[str | int, ...], int] = {}
    best_line, best_len = None, 0
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            parts = _split_key(header.group(2))
            if header.group(1) == "[[":
                counts[tuple(parts)] = counts.get(tuple(parts), 0) + 1
                table = [*parts, counts[tuple(parts)] - 1]
            else:
                table = parts
            path = table
        else:
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            path = [*table, *_split_key(assign.group(1))]
        if path == target[: len(path)] and len(path) > best_len:
            best_line, best_len = number, len(path)
            if best_len == len(target):
                break
    return best_line


def parse_policy(text: str, source: str) -> Policy:
    try:
        check_nesting(text, "toml", f"Policy file {source}")
        data = tomllib.loads(text)
    except UserError as exc:
        raise PolicyError(exc.message) from exc
    except RecursionError as exc:  # nesting the scan cannot see (dotted keys)
        raise PolicyError(f"Policy file {source} is nested too deep to read.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"Policy file {source} is not valid TOML: {exc}") from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            key = ".".join(str(p) for p in loc) or "(top level)"
            line = _find_line(text, loc)
            where = f" (line {line})" if line else ""
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "is not a known setting (check the spelling against the example policy)"
            problems.append(f"  {key}{where}: {msg}")
        raise PolicyError(
            f"Policy file {source} has {len(problems)} problem(s):\n" + "\n".join(problems)
        ) from exc


def load_policy(path: Path | None = None) -> LoadedPolicy:
    """The policy in force: called once, at start (``gui/app.py``, ``cli.py``), and passed
    down from there (``Vault.policy``); nothing reads the file later, so a file that breaks
    while the app runs changes nothing until the next start. No file means built-in
    defaults; a broken file is an error."""
    if path is not None:
        return read_policy_file(path)
    target = paths.policy_file()
    if not target.exists():
        return LoadedPolicy(policy=Policy(), source=BUILT_IN)
    return read_policy_file(target)


def read_policy_file(target: Path) -> LoadedPolicy:
    """The policy in one named file (``cse-toolkit policy check FILE``); it must exist."""
    if not target.exists():
        raise PolicyError(f"Policy file {target} does not exist.")
    try:
        text = read_text_capped(target, POLICY_MAX_BYTES, f"Policy file {target}")
    except UserError as exc:
        raise PolicyError(exc.message) from exc
    return LoadedPolicy(policy=parse_policy(text, str(target)), source=str(target))
