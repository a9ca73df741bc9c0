"""Repositories: children with version checks, notes and chronology, drafts, search and roles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from helpers.vaults import PASSPHRASE

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.vault import Vault

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WORKER2, DSL = "second worker pass phrase", "designated lead pass phrase"


def test_child_update_checks_the_version(vault) -> None:  # type: ignore[no-untyped-def]
    child = vault.repos.add_child(name="Amy Example", alias="Ames", dob=date(2012, 3, 4))
    assert child.version == 1 and len(child.ref) == 9
    updated = vault.repos.update_child(child.id, expected_version=1, school="Northside")
    assert (updated.version, updated.school) == (2, "Northside")
    with pytest.raises(UserError, match="changed this child's details"):
        vault.repos.update_child(child.id, expected_version=1, school="Stale")
    assert vault.repos.get_child(child.ref).school == "Northside"
    with pytest.raises(UserError):
        vault.repos.add_child(name=" ", alias="")
    with pytest.raises(UserError):
        vault.repos.add_child(name="Too Old", approx_age=40)


def test_notes_backdated_and_chronology_in_event_order(vault_factory) -> None:  # type: ignore[no-untyped-def]
    clock = FixedClock(NOW)
    vault = vault_factory(clock=clock)
    repos = vault.repos
    child = repos.add_child(name="Ben")
    n1 = repos.add_note(child.id, "first written, happened 1 day ago", NOW - timedelta(days=1))
    n2 = repos.add_note(
        child.id,
        "written later, happened 3 days ago",
        NOW - timedelta(days=3),
        source="reported",
        reported_by="teacher",
    )
    ep = repos.add_missing(child.id, NOW - timedelta(days=2), NOW - timedelta(days=2, hours=-5))
    step = repos.record_step(
        child.id,
        "worcestershire-cse-2013",
        "concern",
        NOW - timedelta(days=4),
        {"what": "seen", "when": "2026-11-19T09:00:00Z", "by_whom": "me"},
    )
    assert [n.id for n in repos.notes_for(child.id)] == [n2.id, n1.id]
    order = [item.record_id for item in repos.chronology(child.id)]
    assert order == [step.id, n2.id, ep.id, n1.id]
    with pytest.raises(UserError, match="future"):
        repos.add_note(child.id, "tomorrow", NOW + timedelta(days=1))
    with pytest.raises(UserError, match="empty"):
        repos.add_note(child.id, "   ", NOW)
    with pytest.raises(UserError):
        repos.add_missing(child.id, NOW, NOW - timedelta(days=1))


def test_drafts_upsert_delete_and_become_notes(vault) -> None:  # type: ignore[no-untyped-def]
    repos = vault.repos
    child = repos.add_child(name="Cat")
    draft = repos.save_draft("note", child.id, {"body": "first words"})
    assert repos.save_draft("note", child.id, {"body": "more words"}, draft) == draft
    assert [(d.id, d.payload["body"]) for d in repos.drafts("note")] == [(draft, "more words")]
    repos.add_note(child.id, "more words", datetime.now(UTC), draft_id=draft)
    assert repos.drafts() == []  # saved note and removed draft in one transaction
    other = repos.save_draft("screening", child.id, {"answers": []})
    repos.delete_draft(other)
    assert repos.drafts() == []


def test_search_and_roles(vault_factory) -> None:  # type: ignore[no-untyped-def]
    admin = vault_factory(user="ada", role="admin")
    folder = admin.folder
    admin.add_user("sam", "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("kim", "worker", WORKER2, PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("dee", "dsl", DSL, PASSPHRASE, kdf=FLOOR_PARAMS)
    with pytest.raises(PermissionDenied):
        admin.repos.list_children()
    with pytest.raises(PermissionDenied):
        admin.repos.add_child(name="No")
    with pytest.raises(PermissionDenied):
        admin.repos.search_notes("anything")
    admin.close()
    when = datetime.now(UTC) - timedelta(hours=1)
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        mine = sam.repos.add_child(name="Dan Sample", dob=date(2011, 5, 6))
        sam.repos.add_note(mine.id, "Seen near the café with an older male in a grey car", when)
    with Vault.open(folder, "kim", WORKER2) as kim:
        theirs = kim.repos.add_child(name="Eve Sample")
        kim.repos.add_note(theirs.id, "Grey car again outside school gates", when)
        assert [r[1] for r in kim.repos.search_notes("grey car")] == [theirs.id]
        assert kim.repos.search_notes("cafe") == []  # sam's note: not kim's to see
        with pytest.raises(UserError):
            kim.repos.get_child(mine.id)
        assert [c.id for c in kim.repos.possible_duplicates("Sample")] == [theirs.id]
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        assert [r[1] for r in sam.repos.search_notes("cafe")] == [mine.id]  # diacritics folded
        assert [r[1] for r in sam.repos.search_notes("gre")] == [mine.id]  # prefix match
        hit = sam.repos.search_notes("older")[0]
        assert "[older]" in hit[3]
    with Vault.open(folder, "dee", DSL) as dee:
        assert {r[1] for r in dee.repos.search_notes("grey car")} == {mine.id, theirs.id}
        dupes = dee.repos.possible_duplicates("sample", dob=date(2011, 5, 6))
        assert {c.id for c in dupes} == {mine.id, theirs.id}
        assert [c.id for c in dee.repos.possible_duplicates("nobody", dob=date(2011, 5, 6))] == [
            mine.id
        ]
        assert dee.repos.search_notes('"') == []


def test_chronology_describes_steps_in_words(vault_factory) -> None:  # type: ignore[no-untyped-def]
    """A DSL reads step details as labels, local dates and level names, not raw ids."""
    import re
    from datetime import timedelta

    vault = vault_factory()
    child = vault.repos.add_child(alias="Jay", approx_age=14)
    when = vault.now() - timedelta(days=2)
    vault.repos.record_step(
        child.id,
        "worcestershire-cse-2013",
        "concern",
        when,
        {"what": "Seen at the taxi rank", "when": when, "by_whom": "sam"},
    )
    vault.repos.record_step(
        child.id, "worcestershire-cse-2013", "danger_check", when, {"immediate_danger": False}
    )
    steps = [i for i in vault.repos.chronology(child.id) if i.kind == "step"]
    assert steps[0].title == "Step: Notice and record the concern (done)"
    assert "What was seen or heard: Seen at the taxi rank" in steps[0].detail
    assert when.astimezone().strftime("%d/%m/%Y %H:%M") in steps[0].detail
    assert not re.search(r"\d{4}-\d\d-\d\dT", steps[0].detail)  # no ISO timestamps
    assert steps[1].detail == "Is anyone in immediate danger? no"
