"""Small factories for realistic fake packs. Every name, place, number and reference is invented."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cse_toolkit.packs import signing
from cse_toolkit.packs.schema import PackModel

# Fixed seed key so packs (and PDFs rendered with invariant=1) are reproducible.
FIXED_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"test vault key").digest())
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"another vault").digest())
CREATED = datetime(2024, 3, 14, 16, 5, tzinfo=UTC)

NOTE_TEXTS = [
    "Seen at Crowngate bus station at 21:40 with two adult males not known to staff. "
    "Appeared anxious & would not say where she was going <later said 'a mate's'>.",
    "Jade disclosed that 'Smithy' gives her vapes and lifts home from school in a grey car.",
    "School report: attendance dropped to 62% this half term; two unexplained absences.",
    "Mother phoned: Jade came home at 02:00, would not say where she had been; new phone.",
    "Discussed with DSL (Priya Natarajan). Agreed to screen today and share intelligence.",
]


def envelope(kind: str, key: Ed25519PrivateKey = FIXED_KEY, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": "3",
        "pack_id": str(uuid.UUID(int=0x1234_5678_9ABC_4DEF_8123_456789ABCDEF)),
        "kind": kind,
        "created_at": CREATED.isoformat().replace("+00:00", "Z"),
        "organisation": "Wychavon Youth Outreach (fictional)",
        "recipient": {
            "name": "Family Front Door",
            "route": "secure email",
            "email": "ffd@example.invalid",
        },
        "sender": {
            "name": "Sam Okafor",
            "role": "Outreach worker",
            "agency": "Wychavon Youth Outreach",
            "contact": "01905 000 111",
            "email": "sam.okafor@example.invalid",
            "address": "1 Example Street, Worcester WR1 0XX",
            "availability": "Mon-Thu",
        },
        "vault": {"id": "vault-7f3a", "public_key": signing.public_key_b64(key)},
        "audit_chain_head": {"seq": 4821, "hash": hashlib.sha256(b"head").hexdigest()},
        "sharing_decision": {
            "consent_sought": False,
            "consent_given": None,
            "parents_aware": False,
            "parents_not_aware_reason": "Telling the family may alert the adults involved.",
            "child_aware": True,
            "child_consents": False,
            "ground_without_consent": "risk_of_significant_harm",
            "decided_by": "Priya Natarajan (DSL)",
            "decided_at": "2024-03-14T15:30:00Z",
            "reason": "Risk of significant harm; consent-seeking could put Jade at risk.",
        },
        "records": [],
    }
    data.update(overrides)
    return data


def child_record(empty: bool = False) -> dict[str, Any]:
    if empty:
        return {"type": "child", "id": "child-1", "version": 1, "data": {}}
    return {
        "type": "child",
        "id": "child-1",
        "version": 3,
        "data": {
            "family_name": "Whitlow",
            "given_names": "Jade Amira",
            "other_names": ["JJ"],
            "date_of_birth": "2010-06-02",
            "age": 13,
            "gender": "Female",
            "ethnicity": "Mixed White and Black Caribbean",
            "religion": "None",
            "first_language": "English",
            "interpreter_needed": False,
            "learning_disability": False,
            "nhs_number": "999 000 0000",
            "home_address": "12 Example Road, Droitwich WR9 0ZZ",
            "phones": ["07700 900123"],
            "gp": "Example Surgery",
            "school": "Example Academy, Year 8",
            "description": "Slim, 5'2\", long dark hair, often in a grey hoodie.",
            "looked_after_status": "At home, no care history",
            "household": [
                {
                    "name": "Karen Whitlow",
                    "date_of_birth": "1984-01-20",
                    "relationship": "Mother",
                    "address": "12 Example Road, Droitwich WR9 0ZZ",
                    "phone": "07700 900456",
                    "parental_responsibility": True,
                    "lives_with_child": True,
                },
                {
                    "name": "Tyler Whitlow",
                    "date_of_birth": "2015-09-09",
                    "relationship": "Brother",
                    "lives_with_child": True,
                    "parental_responsibility": False,
                },
                {
                    "name": "Zoë Łukasik-Ng",
                    "relationship": "Aunt (regular overnight visitor)",
                    "parental_responsibility": False,
                    "lives_with_child": False,
                },
            ],
        },
    }


def screening_record(empty: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tool_id": "worcestershire-2013",
        "tool_version": "1.0.0",
        "tool_title": "Worcestershire CSE screening tool (2013)",
        "screened_on": "2024-03-14",
        "suggested_level": "medium",
    }
    if not empty:
        data |= {
            "screened_by": "Sam Okafor",
            "child_age": 13,
            "learning_disability": False,
            "additional_needs": False,
            "sections": [
                {
                    "id": "low",
                    "title": "Low risk indicators",
                    "answers": [
                        {
                            "indicator": "low_unknown_adults",
                            "label": "Associating with unknown adults",
                            "value": "yes",
                            "basis": "evidence",
                            "note": "Seen at the bus station with two men.",
                        },
                        {
                            "indicator": "low_unaccounted_money_goods",
                            "label": "Money or goods not accounted for",
                            "value": "possible",
                            "basis": "gut_feeling",
                            "note": "New phone; says a friend gave it.",
                        },
                    ],
                },
                {
                    "id": "medium",
                    "title": "Medium risk indicators",
                    "answers": [
                        {
                            "indicator": "med_older_boyfriend",
                            "label": "Older 'boyfriend'",
                            "value": "unknown",
                        },
                    ],
                },
            ],
            "reasons": [
                {
                    "rule": "medium indicator present",
                    "indicators": ["low_unknown_adults"],
                    "text": "Floor applied for age under 13",
                }
            ],
            "floors_applied": ["age under 13: at least medium"],
            "to_verify": ["low_unaccounted_money_goods"],
            "gaps": ["med_older_boyfriend"],
            "next_steps": ["Discuss with the DSL today", "Refer to the Family Front Door"],
            "confirmed_level": "medium",
            "confirmed_by": "Priya Natarajan",
            "confirmed_at": "2024-03-14T15:20:00Z",
            "confirmation_reason": "Agreed with the suggested level.",
        }
    return {"type": "screening", "id": "scr-1", "version": 1, "data": data}


def referral_record(empty: bool = False) -> dict[str, Any]:
    if empty:
        return {"type": "referral", "id": "ref-1", "version": 1, "data": {"urgency": "non_urgent"}}
    return {
        "type": "referral",
        "id": "ref-1",
        "version": 2,
        "data": {
            "urgency": "urgent",
            "route": "Phoned the Family Front Door at 14:05 (spoke to duty social worker); written confirmation within 24 hours.",
            "phoned_at": "2024-03-14T14:05:00Z",
            "referrer_involvement": "Weekly outreach sessions since September.",
            "reason": "Escalating concerns over two weeks: adults at the bus station, late returns, new phone.",
            "concerns": [
                {
                    "text": "Seen getting into a grey Vauxhall with two adult men.",
                    "source": "first_hand",
                    "occurred_on": "2024-03-12",
                },
                {
                    "text": "Friend says Jade 'goes to parties with older lads'.",
                    "source": "reported",
                    "source_detail": "peer, told worker 13/03",
                },
            ],
            "basis_of_concern": [
                "Going missing",
                "Concerning relationship with an older male",
                "Unexplained money or items",
            ],
            "past_violence": ["Unknown"],
            "actions_taken": [
                {
                    "on": "2024-03-14",
                    "action": "Partnership information report sent to West Mercia Police",
                    "by": "Sam Okafor",
                    "reference": "PIR-0001 (fictional)",
                },
            ],
            "other_agencies": [
                {"name": "Example Academy", "role": "School DSL", "contact": "01905 000 222"}
            ],
            "child_views": "Jade says she is fine and that 'they're just mates', but agreed to keep meeting.",
            "where_now": {
                "where": "At home with her mother since 18:00",
                "with_whom": "Karen Whitlow (mother)",
                "safe": "yes",
                "safe_detail": "Mother is keeping her in tonight and will call 999 if the car returns.",
            },
            "risk_people": [
                {
                    "name": "Dean MARSH",
                    "date_of_birth": "1995-04-11",
                    "relationship": "Adult who gives her lifts; she calls him a friend",
                    "address": "Flat 3, 40 Example Lane, Worcester",
                    "intelligence": ["INT-0001"],
                }
            ],
            "other_children": [
                {
                    "name": "Mia (surname not known)",
                    "age": "13",
                    "details": "Friend asked to bring others to parties.",
                }
            ],
            "police": {
                "called_999_at": "2024-03-12T21:50:00Z",
                "reference": "WMP-LOG-0412 (fictional)",
                "officer": "PC 1234 Example",
            },
            "request": "A strategy discussion today and a child protection enquiry.",
            "risk_view": "High: she is being groomed by adults who move her at night.",
            "parents_views": "Mother is worried and supports the referral.",
            "language_needs": "None; English spoken at home.",
            "consulted": {
                "name": "Priya Natarajan",
                "role": "Designated safeguarding lead",
                "at": "2024-03-14T13:30:00Z",
            },
            "child_words": ["They're just mates, they look after me."],
        },
    }


def note_records(n: int, long_every: int = 0) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        text = NOTE_TEXTS[i % len(NOTE_TEXTS)]
        if long_every and i % long_every == 0:
            text = (text + " ") * 60  # ~6,000 characters: must wrap and split across pages
        out.append(
            {
                "type": "note",
                "id": f"note-{i:05d}",
                "version": 1,
                "data": {
                    "recorded_at": (CREATED - timedelta(hours=7 * i))
                    .isoformat()
                    .replace("+00:00", "Z"),
                    "occurred_on": (date(2024, 3, 14) - timedelta(days=i // 3)).isoformat(),
                    "author": "Sam Okafor",
                    "source": ["first_hand", "reported", "unknown"][i % 3],
                    "source_detail": "school office" if i % 3 == 1 else "",
                    "text": text,
                },
            }
        )
    return out


def extra_chronology() -> list[dict[str, Any]]:
    return [
        {
            "type": "missing_episode",
            "id": "miss-1",
            "version": 1,
            "data": {
                "started_at": "2024-03-09T22:00:00Z",
                "ended_at": "2024-03-10T09:30:00Z",
                "reported_to_police": True,
                "police_reference": "WM-000-fictional",
                "found_where": "Returned home alone",
                "summary": "Missing overnight.",
            },
        },
        {
            "type": "pathway_step",
            "id": "step-1",
            "version": 1,
            "data": {
                "pathway_id": "worcestershire-cse-2013",
                "step_id": "screen",
                "title": "Screening",
                "status": "done",
                "recorded_at": "2024-03-14T15:00:00Z",
                "recorded_by": "Sam Okafor",
            },
        },
    ]


def intel_record(empty: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {"source": "worker_observed"}
    if not empty:
        data |= {
            "subjects": [
                {
                    "surname": "Marsh",
                    "forenames": "Dean Anthony",
                    "date_of_birth": "1995-04-11",
                    "aliases": ["Smithy"],
                    "address": "Flat 3, 40 Example Lane, Worcester",
                    "description": "White male, about 6ft, shaved head, Brummie accent.",
                    "role": "suspected_perpetrator",
                }
            ],
            "vehicles": [
                {"vrm": "AB12 ABC", "make": "Vauxhall", "model": "Astra", "colour": "Grey"}
            ],
            "phones": [{"number": "07700 900999", "owner": "MARSH Dean"}],
            "online_identities": [
                {"platform": "Snapchat", "handle": "smithy_95x", "owner": "MARSH Dean"}
            ],
            "locations": [{"name": "Crowngate bus station", "address": "Worcester"}],
            "information": [
                "MARSH Dean DOB 11/04/1995 seen collecting two girls aged about 13 from Crowngate bus station on 12/03/2024 at 21:40.",
                "VRM: AB12 ABC grey Vauxhall Astra used on each occasion.",
            ],
            "happened": "Thursday 12/03/2024 around 21:40, and twice the week before",
            "financial": [
                {
                    "what": "payment_app",
                    "provider": "Cash App",
                    "identifier": "$smithy95",
                    "details": "£20 sent to the child twice (she showed the worker)",
                }
            ],
            "weapons": [
                {"weapon": "knife", "description": "Folding knife", "where": "Kept in the car door"}
            ],
            "no_more_information": True,
            "how_known": "Seen by the submitter during outreach.",
            "already_reported": False,
            "other_agencies": [{"name": "Family Front Door", "role": "Referral made 14/03/2024"}],
            "suggested_handling": {
                "source_evaluation": "1",
                "intelligence_assessment": "A",
                "handling_code": "P",
            },
        }
    return {"type": "intel_report", "id": "intel-1", "version": 1, "data": data}


def pack_dict(
    kind: str = "referral",
    *,
    empty: bool = False,
    notes: int = 6,
    long_every: int = 0,
    key: Ed25519PrivateKey = FIXED_KEY,
) -> dict[str, Any]:
    """Unsigned plain-JSON pack data of the given kind."""
    if kind == "referral":
        records = [child_record(empty), referral_record(empty)]
        if not empty:
            records += [screening_record()] + note_records(notes, long_every) + extra_chronology()
    elif kind == "screening":
        records = [child_record(empty), screening_record(empty)]
    else:
        records = [intel_record(empty)]
    data = envelope(kind, key)
    if kind == "intelligence":
        data["recipient"] = {
            "name": "West Mercia Police partnership intelligence (fictional)",
            "route": "secure email",
            "email": "intel@example.invalid",
            "address": "PO Box 0, Worcester",
        }
    data["records"] = records
    return data


def signed_dict(
    kind: str = "referral", key: Ed25519PrivateKey = FIXED_KEY, **kw: Any
) -> dict[str, Any]:
    return signing.sign(pack_dict(kind, key=key, **kw), key)


def make_pack(kind: str = "referral", key: Ed25519PrivateKey = FIXED_KEY, **kw: Any) -> PackModel:
    """A signed, validated pack model."""
    return PackModel.model_validate(signed_dict(kind, key, **kw))
