"""The audit trail in words (issue 13): each entry as a sentence a DSL reads, put together when
shown; the stored audit keeps no names and no free text."""

from __future__ import annotations

from typing import Any

from helpers.journey import worker_case

from cse_toolkit.vault.audit_words import describe, raw_text, tokens


def test_entries_read_as_sentences_and_the_store_has_no_names(vault_factory: Any) -> None:
    from cse_toolkit.core.clock import FixedClock

    clock = FixedClock()
    vault = vault_factory(user="priya", role="dsl", display_name="Priya Natarajan", clock=clock)
    child = worker_case(vault, "Jade Wilson")
    vault.repos.get_child(child.id, log_view=True)
    screening = next(s for s in vault.repos.screenings_for(child.id))
    vault.dsl.sign_off(
        screening.id,
        "change",
        level="immediate",
        comment="Seen being taken to a hotel by an older man tonight",
    )
    rows, _total = vault.dsl.audit_page(limit=100)
    words = describe(vault, rows)
    said = {r.action: words[r.seq] for r in rows}
    who = "Priya Natarajan"
    jade = f"Jade Wilson ({child.ref})"
    assert said["child.create"] == f"{who} added {jade}"
    assert said["note.create"] == f"{who} wrote a note on {jade}"
    assert said["step.concern"] == f"{who} recorded 'Notice and record the concern' for {jade}"
    assert said["screening.confirm"] == f"{who} confirmed the screening for {jade}: High"
    assert said["signoff.change"] == (
        f"{who} signed off the screening for {jade}: changed the level from High to Immediate"
    )
    assert said["view"] == f"{who} opened the record of {jade}"

    # Stored: ids, actions, levels; no name, no comment.
    for r in rows:
        stored = raw_text(r)
        assert "Jade" not in stored and "Wilson" not in stored and "hotel" not in stored
        assert all(k.isidentifier() for k in tokens(r.reason))

    # After a purge the entries still read, naming the child by reference only.
    clock.advance(days=365 * 8)
    vault.dsl.purge_child(child.id, child.ref)
    rows, _total = vault.dsl.audit_page(limit=200)
    words = describe(vault, rows)
    purge = next(words[r.seq] for r in rows if r.action == "purge")
    assert purge.startswith(f"{who} deleted the record of child {child.ref}")
    create = next(words[r.seq] for r in rows if r.action == "child.create")
    assert create == f"{who} added a child no longer in this vault ({child.ref})"
