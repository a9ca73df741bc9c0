"""The example organisation policy validates, and policy errors name the key and its line."""

from __future__ import annotations

import base64
import re

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from cse_toolkit import paths
from cse_toolkit.policy import (
    ALL_EXPORT_KINDS,
    Contact,
    Contacts,
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
)

EXAMPLE = paths.resource_path("policy.example.toml")


@pytest.fixture(scope="module")
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    """1-based line number of the only line that starts with ``needle``."""
    numbers = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith(needle)]
    assert len(numbers) == 1, needle
    return numbers[0]


def _problem(text: str) -> str:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "policy.toml")
    return str(info.value)


def _public_key_b64() -> str:
    raw = (
        X25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


# --- the example file ----------------------------------------------------------------------------


def test_example_policy_validates(example_text: str) -> None:
    policy = parse_policy(example_text, str(EXAMPLE))
    assert policy.organisation.startswith("Example")
    assert policy.idle_lock_minutes == 5
    assert policy.export_kinds == list(ALL_EXPORT_KINDS)
    assert policy.recovery_public_key is None
    assert len(policy.contacts.dsl) >= 1
    assert policy.contacts.front_door is not None
    assert policy.contacts.early_help is not None
    assert policy.contacts.cse_team is not None
    assert policy.contacts.police_intelligence is not None
    assert policy.contacts.emergency.phone == "999"


def test_example_policy_loads_from_file() -> None:
    loaded = load_policy(EXAMPLE)
    assert loaded.source == str(EXAMPLE)


def test_example_values_equal_the_defaults(example_text: str) -> None:
    """The example documents the defaults; if policy.py changes one, the example must follow."""
    policy = parse_policy(example_text, "example")
    defaults = Policy()
    for key in (
        "default_tool",
        "default_pathway",
        "idle_lock_minutes",
        "clipboard_clear_seconds",
        "export_kinds",
        "retention_months",
        "keep_after_acknowledged_days",
        "min_passphrase_score",
    ):
        assert getattr(policy, key) == getattr(defaults, key), key


def test_example_documents_every_setting(example_text: str) -> None:
    for key in Policy.model_fields:
        assert re.search(rf"^# {key}\b", example_text, re.M), f"{key} has no comment"
    for key in Contacts.model_fields:
        assert f"contacts.{key}]" in example_text, f"contacts.{key} is not shown"
    for key in Contact.model_fields:
        assert re.search(rf"^#   {key} +- ", example_text, re.M), f"contact field {key}"


def test_example_contacts_are_placeholders(example_text: str) -> None:
    policy = parse_policy(example_text, "example")
    contacts = policy.contacts
    named = [*contacts.dsl, contacts.front_door, contacts.early_help, contacts.cse_team]
    named.append(contacts.police_intelligence)
    for contact in named:
        assert contact is not None
        assert contact.name.startswith("Example")
        assert contact.phone == "" or contact.phone.startswith("01234 00000")
        assert contact.email == "" or contact.email.endswith("@example.org")
    assert "REPLACE" in example_text


def test_example_with_recovery_key_uncommented_validates(example_text: str) -> None:
    key = _public_key_b64()
    text = re.sub(
        r'^# recovery_public_key = ".*"$',
        f'recovery_public_key = "{key}"',
        example_text,
        count=1,
        flags=re.M,
    )
    assert text != example_text
    assert parse_policy(text, "example").recovery_public_key == key


# --- errors name the key and the line ------------------------------------------------------------


def test_idle_lock_out_of_range_names_key_and_line(example_text: str) -> None:
    text = example_text.replace("idle_lock_minutes = 5", "idle_lock_minutes = 45")
    message = _problem(text)
    line = _line_of(text, "idle_lock_minutes =")
    assert f"idle_lock_minutes (line {line})" in message
    assert "30" in message


def test_idle_lock_zero_refused() -> None:
    message = _problem('organisation = "X"\nidle_lock_minutes = 0\n')
    assert "idle_lock_minutes (line 2)" in message


def test_unknown_key_names_key_and_line(example_text: str) -> None:
    text = example_text.replace("idle_lock_minutes = 5", "idle_lock_minute = 5")
    message = _problem(text)
    line = _line_of(text, "idle_lock_minute =")
    assert f"idle_lock_minute (line {line})" in message
    assert "not a known setting" in message


def test_unknown_key_inside_a_contact() -> None:
    text = '[contacts.front_door]\nname = "X"\nfax = "1"\n'
    message = _problem(text)
    assert "contacts.front_door.fax (line 3)" in message
    assert "not a known setting" in message


def test_bad_recovery_key_base64_names_key_and_line() -> None:
    text = 'organisation = "X"\nidle_lock_minutes = 5\nrecovery_public_key = "not base64!"\n'
    message = _problem(text)
    assert "recovery_public_key (line 3)" in message
    assert "not valid base64" in message


def test_recovery_key_wrong_length_names_key_and_line() -> None:
    short = base64.b64encode(b"\x01" * 16).decode()
    text = f'organisation = "X"\nrecovery_public_key = "{short}"\n'
    message = _problem(text)
    assert "recovery_public_key (line 2)" in message
    assert "32-byte" in message and "got 16 bytes" in message


def test_empty_recovery_key_means_none() -> None:
    assert parse_policy('recovery_public_key = ""\n', "p").recovery_public_key is None


def test_duplicate_export_kind_names_key_and_line(example_text: str) -> None:
    text = example_text.replace(
        'export_kinds = ["referral", "intelligence", "screening", "chronology"]',
        'export_kinds = ["referral", "referral"]',
    )
    message = _problem(text)
    line = _line_of(text, "export_kinds =")
    assert f"export_kinds (line {line})" in message
    assert "twice" in message


def test_unknown_export_kind_refused() -> None:
    message = _problem('export_kinds = ["referral", "everything"]\n')
    assert "export_kinds" in message and "(line 1)" in message


def test_bad_toml_gives_line() -> None:
    message = _problem('organisation = "X"\nidle_lock_minutes = \n')
    assert "not valid TOML" in message
    assert "line 2" in message


def test_several_problems_all_reported() -> None:
    text = "idle_lock_minutes = 99\nretention_months = 0\ncolour = 1\n"
    message = _problem(text)
    assert "3 problem(s)" in message
    assert "idle_lock_minutes (line 1)" in message
    assert "retention_months (line 2)" in message
    assert "colour (line 3)" in message
