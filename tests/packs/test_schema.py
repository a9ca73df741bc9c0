"""pack.json model: round trip, canonical JSON, kind rules, strictness, published JSON Schema."""

from __future__ import annotations

import copy
import json

import pytest
from pydantic import ValidationError

from cse_toolkit.packs import schema
from cse_toolkit.packs.pdfpack import sign_pack
from cse_toolkit.packs.schema import PackModel, canonical_json

from .factories import FIXED_KEY, make_pack, pack_dict


@pytest.mark.parametrize("kind", ["referral", "intelligence", "screening"])
@pytest.mark.parametrize("empty", [False, True])
def test_round_trip_is_stable(kind: str, empty: bool) -> None:
    pack = sign_pack(make_pack(kind, empty=empty), FIXED_KEY)
    first = pack.to_json_dict()
    again = PackModel.model_validate(json.loads(canonical_json(first))).to_json_dict()
    assert canonical_json(again) == canonical_json(first)


def test_canonical_json_is_sorted_compact_utf8() -> None:
    data = {"b": "Zoë", "a": [1, {"d": True, "c": None}]}
    assert canonical_json(data) == '{"a":[1,{"c":null,"d":true}],"b":"Zoë"}'.encode()
    assert canonical_json(copy.deepcopy(data)) == canonical_json(data)


def test_unsigned_pack_has_no_signature_key() -> None:
    assert "signature" not in PackModel.model_validate(pack_dict()).to_json_dict()


def test_times_are_utc_with_z() -> None:
    dumped = make_pack().to_json_dict()
    assert dumped["created_at"] == "2024-03-14T16:05:00Z"
    bad = pack_dict()
    bad["created_at"] = "2024-03-14T16:05:00"
    with pytest.raises(ValidationError, match="time zone"):
        PackModel.model_validate(bad)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(surprise=1), "Extra inputs"),
        (lambda d: d["sender"].update(password="x"), "Extra inputs"),
        (lambda d: d["records"][0]["data"].update(shoe_size=5), "Extra inputs"),
        (lambda d: d.update(kind="gossip"), "kind"),
        (lambda d: d["records"].append(d["records"][0]), "appears twice"),
        (lambda d: d["records"].pop(0), "needs 1 child"),
        (lambda d: d["audit_chain_head"].update(hash="abc"), "hash"),
        (lambda d: d["records"][0].update(version=0), "version"),
        (lambda d: d["records"][0].update(id="../../etc/passwd"), "id"),
        (lambda d: d["sender"].update(name="x" * 501), "at most 500"),
        (lambda d: d["records"][2]["data"].update(reason="x" * 20_001), "at most 20000"),
        (lambda d: d.update(pack_id="not-a-uuid"), "pack_id"),
        (lambda d: d["sharing_decision"].update(consent_given=True), "consent was given"),
        (lambda d: d["sharing_decision"].update(ground_without_consent="because"), "ground"),
        (lambda d: d["records"][0].update(type="weapon"), "type"),
    ],
)
def test_invalid_packs_are_refused(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    data = pack_dict("referral")
    data["records"].insert(2, data["records"].pop(1))  # child, screening, referral, ...
    mutate(data)
    with pytest.raises(ValidationError, match=message):
        PackModel.model_validate(data)


def test_minimisation_by_kind() -> None:
    data = pack_dict("intelligence")
    data["records"].append(pack_dict("screening")["records"][0])  # a child record
    with pytest.raises(ValidationError, match="may not contain child"):
        PackModel.model_validate(data)
    data = pack_dict("screening")
    data["records"].append(pack_dict("referral", notes=1)["records"][3])  # a note
    with pytest.raises(ValidationError, match="may not contain note"):
        PackModel.model_validate(data)


def test_record_counts() -> None:
    counts = make_pack("referral", notes=7).record_counts()
    assert counts == {
        "child": 1,
        "missing_episode": 1,
        "note": 7,
        "pathway_step": 1,
        "referral": 1,
        "screening": 1,
    }


def test_published_json_schema_is_up_to_date() -> None:
    path = schema.schema_file()
    assert path.is_file(), "run: python -m cse_toolkit.packs.schema"
    assert path.read_text(encoding="utf-8") == schema.json_schema_text(), (
        "docs/pack.schema.json is out of date: run python -m cse_toolkit.packs.schema"
    )


def test_json_schema_forbids_unknown_fields() -> None:
    published = schema.json_schema()
    assert published["additionalProperties"] is False
    assert all(
        d.get("additionalProperties") is False
        for d in published["$defs"].values()
        if d.get("type") == "object"
    )
