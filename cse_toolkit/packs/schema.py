"""The data model of `pack.json`, the structured half of every exported pack.

A pack carries *records* (child, referral, note, screening, pathway step, missing episode,
intelligence report), each with its vault id and version, so the receiving DSL can merge them by
id + version without guessing. The PDF a person reads is rendered from the same records
(`render.py`), so what is seen and what is imported cannot drift apart.

Everything here is deliberately strict because packs arrive from outside: unknown fields are
refused (`extra="forbid"`), every string and list has a cap, there are no floats (so the
canonical JSON that is signed has one spelling only), and each kind of pack may hold only the
record types its recipient needs (data minimisation, DOMAIN.md §6.2).

The published JSON Schema is generated from these models: `python -m cse_toolkit.packs.schema`
writes `docs/pack.schema.json`, and a test fails when the file is out of date.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from cse_toolkit.core import sharing as sharing_rule

SCHEMA_VERSION = "2"
# Every format this version reads. 2 added a pathway step's recorded fields (`fields`), the
# reason a step did not apply, when it was written down and the pathway's version; a pack of
# format 1 still imports (its steps carry only a summary and are shown read-only).
SUPPORTED_SCHEMA_VERSIONS = ("1", "2")

# Caps. Generous for real work (a long note is a few thousand characters), small enough that a
# hostile pack cannot make the importer or the PDF renderer run out of memory.
MAX_TEXT = 20_000  # one free-text field (a note, a reason)
MAX_SHORT = 500  # names, titles, references, single-line values
MAX_ID = 100
MAX_RECORDS = 5_000
MAX_LIST = 500  # any other list (answers, subjects, lines of information ...)
MAX_DEPTH = 32  # JSON nesting; the models themselves need fewer than 10 levels

Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
Short = Annotated[str, StringConstraints(max_length=MAX_SHORT)]
RecordId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_ID, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"),
]
HexHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Base64 = Annotated[str, StringConstraints(max_length=200, pattern=r"^[A-Za-z0-9+/]+={0,2}$")]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must include a time zone (UTC, ending in Z)")
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


# Dates a real record can hold (issue 22): a year-1 birth date or a note "dated" 0999 is refused
# here, naming the field, instead of failing later in date arithmetic.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def check_record_date(value: object, name: str) -> None:
    """Raise ``ValueError`` for a date (or date-time) outside the years a record can hold, or a
    date of birth in the future."""
    if not isinstance(value, date):
        return
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"the year {value.year} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")
    if name == "date_of_birth":
        day = value.date() if isinstance(value, datetime) else value
        if day > datetime.now(UTC).date() + timedelta(days=1):
            raise ValueError("a date of birth cannot be in the future")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    @field_validator("*", mode="after")
    @classmethod
    def _dates_in_range(cls, value: Any, info: ValidationInfo) -> Any:
        for item in value if isinstance(value, list | tuple) else (value,):
            check_record_date(item, info.field_name or "")
        return value


# --------------------------------------------------------------------------------------------
# Envelope: who made the pack, for whom, and on what basis it was shared
# --------------------------------------------------------------------------------------------


class Recipient(_Strict):
    name: Short = Field(description="who receives the pack, e.g. 'Family Front Door'")
    route: Short = Field(description="how it is sent, e.g. 'secure email to ...'")
    address: Text = ""
    phone: Short = ""
    email: Short = ""


class Sender(_Strict):
    name: Short = Field(description="the signed-in user who exported the pack")
    role: Short = ""
    agency: Short = ""
    contact: Short = Field(default="", description="phone number")
    email: Short = Field(default="", description="secure email")
    address: Text = ""
    availability: Short = Field(default="", description="e.g. 'part-time, Mon-Wed'")


class VaultIdentity(_Strict):
    id: RecordId
    public_key: Base64 = Field(description="the vault's Ed25519 public key, 32 bytes, base64")


class ChainHead(_Strict):
    seq: int = Field(ge=0, le=2**53)
    hash: HexHash


Ground = sharing_rule.Ground


class SharingDecision(_Strict):
    """Golden rule 7: what was decided about sharing, why, by whom and when."""

    consent_sought: bool
    consent_given: bool | None = None
    who_consented: Short = Field(default="", description="who gave consent, whose data it covers")
    parents_aware: bool | None = None
    parents_not_aware_reason: Text = ""
    child_aware: bool | None = None
    child_consents: bool | None = None
    ground_without_consent: Ground | None = None
    decided_by: Short
    decided_at: UtcDateTime
    reason: Text = ""

    @model_validator(mode="after")
    def _ground_when_no_consent(self) -> SharingDecision:
        if sharing_rule.ground_with_consent(self.consent_given, self.ground_without_consent):
            raise ValueError("a ground for sharing without consent is given, but consent was given")
        return self


class Signature(_Strict):
    alg: Literal["Ed25519"] = "Ed25519"
    value: Base64


# --------------------------------------------------------------------------------------------
# Record data, one model per record type
# --------------------------------------------------------------------------------------------


class HouseholdMember(_Strict):
    name: Short
    date_of_birth: date | None = None
    relationship: Short = ""
    address: Text = ""
    phone: Short = ""
    parental_responsibility: bool | None = None
    lives_with_child: bool | None = None
    notes: Text = ""


class ChildData(_Strict):
    family_name: Short = ""
    given_names: Short = ""
    other_names: list[Short] = Field(default_factory=list, max_length=50)
    date_of_birth: date | None = None
    age: int | None = Field(default=None, ge=0, le=25)
    gender: Short = ""
    ethnicity: Short = ""
    religion: Short = ""
    first_language: Short = ""
    interpreter_needed: bool | None = None
    disability_health_needs: Text = ""
    learning_disability: bool | None = None
    nhs_number: Short = ""
    home_address: Text = ""
    current_address: Text = ""
    current_address_reason: Text = ""
    phones: list[Short] = Field(default_factory=list, max_length=50)
    gp: Text = ""
    school: Text = ""
    description: Text = Field(default="", description="physical description to help identify")
    looked_after_status: Short = ""
    household: list[HouseholdMember] = Field(default_factory=list, max_length=100)


ConcernSource = Literal["first_hand", "reported", "unknown"]


class Concern(_Strict):
    text: Text
    source: ConcernSource = Field(description="first-hand (seen/heard by the referrer) or reported")
    source_detail: Short = Field(default="", description="who reported it, when reported")
    occurred_on: date | None = None


class Action(_Strict):
    on: date | None = None
    action: Text
    by: Short = ""
    reference: Short = ""


class Agency(_Strict):
    name: Short
    contact: Short = ""
    role: Short = ""


class ReferralData(_Strict):
    urgency: Literal["immediate_danger", "urgent", "non_urgent"]
    route: Text = Field(default="", description="e.g. 'phoned Family Front Door 14:05, ref ...'")
    phoned_at: UtcDateTime | None = None
    referrer_involvement: Text = ""
    reason: Text = Field(default="", description="why the referral is being made now")
    concerns: list[Concern] = Field(default_factory=list, max_length=MAX_LIST)
    basis_of_concern: list[Short] = Field(default_factory=list, max_length=50)
    past_violence: list[Short] = Field(default_factory=list, max_length=50)
    actions_taken: list[Action] = Field(default_factory=list, max_length=MAX_LIST)
    other_agencies: list[Agency] = Field(default_factory=list, max_length=100)
    child_views: Text = ""


class NoteData(_Strict):
    recorded_at: UtcDateTime
    occurred_on: date | None = None
    author: Short = ""
    source: ConcernSource = "unknown"
    source_detail: Short = ""
    text: Text


Answer = Literal["yes", "possible", "no", "unknown"]


class IndicatorAnswer(_Strict):
    indicator: RecordId
    label: Text = ""
    value: Answer = "unknown"
    basis: Literal["evidence", "gut_feeling"] | None = None
    when: Literal["current", "prior"] | None = None
    note: Text = ""


class ScreeningSection(_Strict):
    id: RecordId
    title: Short = ""
    answers: list[IndicatorAnswer] = Field(default_factory=list, max_length=200)


class Reason(_Strict):
    rule: Short
    indicators: list[RecordId] = Field(default_factory=list, max_length=200)
    text: Text = ""


class ScreeningData(_Strict):
    tool_id: RecordId
    tool_version: Short
    tool_title: Short = ""
    screened_on: date
    screened_by: Short = ""
    child_age: int | None = Field(default=None, ge=0, le=25)
    learning_disability: bool | None = None
    additional_needs: bool | None = None
    immediate_danger: bool = False
    sections: list[ScreeningSection] = Field(default_factory=list, max_length=50)
    suggested_level: RecordId
    reasons: list[Reason] = Field(default_factory=list, max_length=200)
    floors_applied: list[Short] = Field(default_factory=list, max_length=50)
    to_verify: list[Short] = Field(default_factory=list, max_length=200)
    gaps: list[Short] = Field(default_factory=list, max_length=200)
    next_steps: list[Text] = Field(default_factory=list, max_length=50)
    confirmed_level: RecordId | None = None
    confirmed_by: Short = ""
    confirmed_at: UtcDateTime | None = None
    confirmation_reason: Text = ""
    # SAFETY.md R9: the one plain line when the level rests on content marked to_confirm.
    provenance: Text = ""
    # SAFETY.md R7: confirmed below the suggestion and not yet signed off by a DSL.
    awaiting_signoff: bool = False
    # Issue 19: the kinds of exploitation the indicators point to (empty for a CSE-only tool).
    exploitation: list[Literal["sexual", "criminal"]] = Field(
        default_factory=list,
        max_length=2,
        description="the kinds of exploitation the present indicators point to: sexual, "
        "criminal or both; empty when the tool covers one kind only",
    )


class StepField(_Strict):
    """One field of a pathway step as recorded: text (dates and times as ISO text) or yes/no."""

    id: RecordId = Field(description="the field's id in the pathway file, e.g. 'what'")
    value: Annotated[str, StringConstraints(max_length=MAX_TEXT)] | bool


class PathwayStepData(_Strict):
    pathway_id: RecordId
    pathway_version: Short = ""
    step_id: RecordId
    title: Short = ""
    status: Literal["done", "not_applicable", "pending"]
    recorded_at: UtcDateTime = Field(description="when the step happened")
    entered_at: UtcDateTime | None = Field(
        default=None, description="when it was written down: the order the pathway replays"
    )
    recorded_by: Short = ""
    summary: Text = Field(default="", description="the step in words, for people")
    reference: Short = ""
    fields: list[StepField] = Field(
        default_factory=list,
        max_length=100,
        description="format 2: every field as recorded, for the receiver's pathway engine",
    )
    reason: Text = Field(default="", description="why a step did not apply")

    @model_validator(mode="after")
    def _fields_once(self) -> PathwayStepData:
        ids = [f.id for f in self.fields]
        if len(ids) != len(set(ids)):
            raise ValueError("a step field appears twice")
        return self


class MissingEpisodeData(_Strict):
    started_at: UtcDateTime
    ended_at: UtcDateTime | None = None
    reported_to_police: bool | None = None
    police_reference: Short = ""
    found_where: Text = ""
    return_interview: Text = ""
    summary: Text = ""
    # Issue 18 (optional: older packs have neither).
    reported_at: UtcDateTime | None = Field(default=None, description="reported missing to police")
    returned_by: Short = Field(default="", description="who found or brought the child back")


class ActionData(_Strict):
    """An action for a named person with a due date (issue 18), about the pack's child or an
    incident in the pack; a return interview after a missing episode names the episode."""

    title: Short
    assignee: Short = Field(description="who does it, in the sender's vault")
    due_at: UtcDateTime
    status: Literal["open", "done"] = "open"
    kind: Literal["action", "return_interview"] = "action"
    set_by: Short = ""
    done_at: UtcDateTime | None = None
    done_by: Short = ""
    note: Text = Field(default="", description="what was done (a return interview: its outcome)")
    incident_id: RecordId | None = None
    missing_episode_id: RecordId | None = None


class IncidentData(_Strict):
    """One note or intelligence fact about several children (issue 18). The other children are
    named only when the sender chose to; otherwise only how many there are."""

    kind: Literal["note", "intelligence"] = "note"
    recorded_at: UtcDateTime
    author: Short = ""
    place: Short = ""
    text: Text
    other_children: list[Short] = Field(
        default_factory=list,
        max_length=50,
        description="the other children's names, only when the sender chose to name them",
    )
    other_children_count: int = Field(
        default=0, ge=0, le=10_000, description="how many other children are not named"
    )


class Subject(_Strict):
    surname: Short = ""
    forenames: Short = ""
    date_of_birth: date | None = None
    age_range: Short = Field(default="", description="when the DOB is not known, e.g. '25-30'")
    aliases: list[Short] = Field(default_factory=list, max_length=50)
    address: Text = ""
    description: Text = ""
    role: Literal[
        "victim", "person_of_concern", "suspected_perpetrator", "associate", "unknown"
    ] = "unknown"


class Vehicle(_Strict):
    vrm: Short = ""
    make: Short = ""
    model: Short = ""
    colour: Short = ""
    notes: Text = ""


class Phone(_Strict):
    number: Short
    owner: Short = ""
    notes: Text = ""


class OnlineIdentity(_Strict):
    platform: Short = ""
    handle: Short = ""
    url: Short = ""
    owner: Short = ""


class Location(_Strict):
    name: Short = ""
    address: Text = ""
    notes: Text = ""


class Handling(_Strict):
    """The 3x5x2 grading the partner *suggests*; the receiving force decides."""

    source_evaluation: Literal["1", "2", "3"]
    intelligence_assessment: Literal["A", "B", "C", "D", "E"]
    handling_code: Literal["P", "C"]
    conditions: Text = ""


class IntelReportData(_Strict):
    subjects: list[Subject] = Field(default_factory=list, max_length=50)
    vehicles: list[Vehicle] = Field(default_factory=list, max_length=50)
    phones: list[Phone] = Field(default_factory=list, max_length=50)
    online_identities: list[OnlineIdentity] = Field(default_factory=list, max_length=50)
    locations: list[Location] = Field(default_factory=list, max_length=50)
    information: list[Text] = Field(default_factory=list, max_length=MAX_LIST)
    no_more_information: bool = Field(
        default=False, description="the submitter confirmed there is nothing more to add"
    )
    source: Literal["child_disclosed", "worker_observed", "third_party", "other"]
    how_known: Text = ""
    already_reported: bool | None = None
    crime_reference: Short = ""
    other_agencies: list[Agency] = Field(default_factory=list, max_length=100)
    suggested_handling: Handling | None = None


# --------------------------------------------------------------------------------------------
# Records: type + id + version + typed data (a discriminated union on `type`)
# --------------------------------------------------------------------------------------------


class _Record(_Strict):
    id: RecordId
    version: int = Field(ge=1, le=2**31)


class ChildRecord(_Record):
    type: Literal["child"]
    data: ChildData


class ReferralRecord(_Record):
    type: Literal["referral"]
    data: ReferralData


class NoteRecord(_Record):
    type: Literal["note"]
    data: NoteData


class ScreeningRecord(_Record):
    type: Literal["screening"]
    data: ScreeningData


class PathwayStepRecord(_Record):
    type: Literal["pathway_step"]
    data: PathwayStepData


class MissingEpisodeRecord(_Record):
    type: Literal["missing_episode"]
    data: MissingEpisodeData


class IntelReportRecord(_Record):
    type: Literal["intel_report"]
    data: IntelReportData


class ActionRecord(_Record):
    type: Literal["action"]
    data: ActionData


class IncidentRecord(_Record):
    type: Literal["incident"]
    data: IncidentData


Record = Annotated[
    ChildRecord
    | ReferralRecord
    | NoteRecord
    | ScreeningRecord
    | PathwayStepRecord
    | MissingEpisodeRecord
    | IntelReportRecord
    | ActionRecord
    | IncidentRecord,
    Field(discriminator="type"),
]

RecordType = Literal[
    "child",
    "referral",
    "note",
    "screening",
    "pathway_step",
    "missing_episode",
    "intel_report",
    "action",
    "incident",
]

PackKind = Literal["referral", "intelligence", "screening", "chronology"]

# Which record types each recipient may receive, and how many: (minimum, maximum or None).
# Minimisation is enforced here, not left to the exporter: the police never get the child's
# screening, the CSE team's screening pack carries no notes.
KIND_RULES: dict[str, dict[str, tuple[int, int | None]]] = {
    "referral": {
        "child": (1, 1),
        "referral": (1, 1),
        "screening": (0, 5),
        "note": (0, None),
        "pathway_step": (0, None),
        "missing_episode": (0, None),
        "incident": (0, None),
        "action": (0, None),
    },
    "intelligence": {"intel_report": (1, 1)},
    "screening": {"child": (1, 1), "screening": (1, 1)},
    # A printable chronology: the child (identity only) and the chosen entries, in its section.
    "chronology": {"child": (1, 1)},
}
# Which kinds may carry attachments (embedded files) and the chronology section.
ATTACHMENT_KINDS = ("referral", "intelligence")


# --------------------------------------------------------------------------------------------
# Optional sections (issue 18): attachments embedded in the PDF, and a printable chronology
# --------------------------------------------------------------------------------------------

MAX_ATTACHMENTS = 20
MAX_ATTACHMENT_BYTES = 45 * 1024 * 1024
AttachmentName = Annotated[
    str, StringConstraints(pattern=r"^attachment-[0-9]{1,3}\.(jpg|png|pdf|txt)$")
]
ATTACHMENT_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/pdf": "pdf",
    "text/plain": "txt",
}


class AttachmentEntry(_Strict):
    """One file embedded in the encrypted PDF beside pack.json, named ``embedded_as``."""

    id: RecordId
    version: int = Field(default=1, ge=1, le=2**31)
    embedded_as: AttachmentName
    media_type: Literal["image/jpeg", "image/png", "application/pdf", "text/plain"]
    sha256: HexHash = Field(description="SHA-256 of the embedded file's bytes")
    size: int = Field(ge=1, le=MAX_ATTACHMENT_BYTES)
    caption: Text = ""
    file_name: Short = Field(default="", description="the name it had when added (display only)")
    taken_at: UtcDateTime | None = None
    added_at: UtcDateTime
    added_by: Short = ""
    metadata_kept: bool = Field(
        default=False, description="location and camera data kept for evidence"
    )
    child_id: RecordId | None = Field(default=None, description="the child record it belongs to")

    @model_validator(mode="after")
    def _name_fits_type(self) -> AttachmentEntry:
        if not self.embedded_as.endswith("." + ATTACHMENT_EXTENSIONS[self.media_type]):
            raise ValueError("the embedded file's name does not match its type")
        return self


ChronologyKind = Literal[
    "note",
    "incident",
    "screening",
    "step",
    "missing",
    "intelligence",
    "export",
    "attachment",
    "other",
]


class ChronologyEntry(_Strict):
    at: UtcDateTime
    kind: ChronologyKind
    title: Short
    detail: Text = ""
    recorded_by: Short = ""
    origin: Short = Field(default="", description="the pack it came in, if imported")


class ChronologyExtract(_Strict):
    """A chronology chosen for printing: the period, the kinds of entry, and what was left out."""

    child_ref: Short
    period_from: date | None = None
    period_to: date | None = None
    kinds: Annotated[list[ChronologyKind], Field(max_length=20)]
    left_out: int = Field(default=0, ge=0, le=MAX_RECORDS)
    printed_by: Short
    printed_at: UtcDateTime
    local_offset_minutes: int = Field(
        default=0, ge=-24 * 60, le=24 * 60, description="the printer's UTC offset, for local times"
    )
    purpose: Short
    entries: Annotated[list[ChronologyEntry], Field(max_length=MAX_RECORDS)]


class PackModel(_Strict):
    """The whole of `pack.json`. `signature` is absent until the pack is signed."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="CSE Toolkit pack",
        json_schema_extra={
            "$comment": (
                "signature.value is Ed25519 over the canonical JSON (sort_keys, separators "
                "(',',':'), ensure_ascii=False, UTF-8) of the whole object without 'signature', "
                "made with vault.public_key"
            )
        },
    )

    schema_version: Literal["1", "2"] = "2"
    pack_id: Annotated[
        str,
        StringConstraints(
            pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
        ),
    ]
    kind: PackKind
    created_at: UtcDateTime
    organisation: Short
    recipient: Recipient
    sender: Sender
    vault: VaultIdentity
    audit_chain_head: ChainHead
    sharing_decision: SharingDecision
    records: Annotated[list[Record], Field(max_length=MAX_RECORDS)]
    # Optional sections: absent from pack.json when empty, so packs without them are unchanged.
    attachments: Annotated[list[AttachmentEntry], Field(max_length=MAX_ATTACHMENTS)] = Field(
        default_factory=list, description="files embedded in the PDF beside pack.json"
    )
    chronology: ChronologyExtract | None = Field(
        default=None, description="a chronology pack's entries (kind chronology only)"
    )
    signature: Signature | None = None

    @model_validator(mode="after")
    def _records_fit_kind(self) -> PackModel:
        rules = KIND_RULES[self.kind]
        counts: dict[str, int] = {}
        seen: set[tuple[str, str]] = set()
        for record in self.records:
            counts[record.type] = counts.get(record.type, 0) + 1
            key = (record.type, record.id)
            if key in seen:
                raise ValueError(f"record {record.type} {record.id} appears twice")
            seen.add(key)
        for record_type in counts:
            if record_type not in rules:
                raise ValueError(f"a {self.kind} pack may not contain {record_type} records")
        for record_type, (low, high) in rules.items():
            n = counts.get(record_type, 0)
            if n < low or (high is not None and n > high):
                want = (
                    f"{low}" if low == high else f"{low} to {high if high is not None else 'any'}"
                )
                raise ValueError(
                    f"a {self.kind} pack needs {want} {record_type} record(s), has {n}"
                )
        self._check_sections()
        return self

    def _check_sections(self) -> None:
        if self.attachments and self.kind not in ATTACHMENT_KINDS:
            raise ValueError(f"a {self.kind} pack may not carry attachments")
        names = [a.embedded_as for a in self.attachments]
        ids = [a.id for a in self.attachments]
        if len(set(names)) != len(names) or len(set(ids)) != len(ids):
            raise ValueError("an attachment appears twice")
        children = {r.id for r in self.records if r.type == "child"}
        for entry in self.attachments:
            if entry.child_id is not None and entry.child_id not in children:
                raise ValueError("an attachment names a child the pack does not carry")
        if (self.kind == "chronology") != (self.chronology is not None):
            raise ValueError("a chronology section belongs in a chronology pack, and only there")

    # Convenience accessors for rendering and summaries.
    def of_type(self, record_type: RecordType) -> list[Any]:
        return [r for r in self.records if r.type == record_type]

    def record_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.records:
            counts[record.type] = counts.get(record.type, 0) + 1
        return dict(sorted(counts.items()))

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON data (dates as ISO strings, UTC times ending in Z), ready to canonicalise."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=False)
        if self.signature is None:
            data.pop("signature", None)
        if not self.attachments:
            data.pop("attachments", None)
        if self.chronology is None:
            data.pop("chronology", None)
        return data


def canonical_json(data: Any) -> bytes:
    """The one byte spelling of `data` that is signed and verified."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def json_schema() -> dict[str, Any]:
    schema = PackModel.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://cse-toolkit.invalid/pack.schema.json"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_file() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "docs" / "pack.schema.json"


if __name__ == "__main__":  # pragma: no cover - developer tool
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else schema_file()
    target.write_text(json_schema_text(), encoding="utf-8")
    print(f"wrote {target}")
