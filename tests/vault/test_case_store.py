"""Case state kept, not recomputed (vault/case_store.py): stored with the records that change
it, in the same transaction, equal to the engine's own answer, rebuilt on a version change,
checked by ``audit verify``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from helpers.cli import cli
from helpers.factories import screening_record

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.vault import case_store
from cse_toolkit.vault.vault import Vault

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PATHWAY = "worcestershire-cse-2013"
PASSPHRASE = "otter lamp river gravel"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _record(vault: Vault, child_id: str, step: str, data: dict[str, Any]) -> None:
    vault.repos.record_step(child_id, PATHWAY, step, vault.now(), data)


def _started(vault: Vault, child_id: str) -> None:
    _record(vault, child_id, "concern", {"what": "x", "when": NOW, "by_whom": "me"})
    _record(vault, child_id, "danger_check", {"immediate_danger": False})


def _to_review(vault: Vault, child_id: str) -> None:
    """Early Help recorded: the review (re-screen) has a due date."""
    _started(vault, child_id)
    screen = {"screening_id": "s1", "tool": "worcestershire-2013", "tool_version": "1.0"}
    _record(vault, child_id, "screen", screen)
    _record(vault, child_id, "discuss", {"with_whom": "Pat Lead", "discussed_at": NOW})
    _record(vault, child_id, "decide", {"confirmed_level": "low"})
    _record(vault, child_id, "early_help", {"offer": "Youth sessions", "consent": "given"})


def _same_as_engine(vault: Vault, child_id: str) -> None:
    """The stored row says what ``repos.case_state`` (the Process tab's replay) says now."""
    engine = vault.repos.case_state(child_id)
    stored = case_store.read(vault.conn, [child_id])[child_id]
    state = stored.state(vault.now())
    assert state is not None
    assert (state.current, state.level, state.route, state.cycle) == (
        engine.current,
        engine.level,
        engine.route,
        engine.cycle,
    )
    assert stored.next_title == (engine.open[0].title if engine.open else None)
    assert [(d.id, d.due_at, d.overdue) for d in state.due] == [
        (d.id, d.due_at, d.overdue) for d in engine.due
    ]


def test_each_write_stores_the_engines_answer_in_its_own_transaction(
    vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(user="dee", role="dsl", clock=clock)
    child = vault.repos.add_child(name="Ava Example")
    _same_as_engine(vault, child.id)  # a new child: the pathway's first step
    assert case_store.read(vault.conn)[child.id].next_title is not None
    _started(vault, child.id)
    _same_as_engine(vault, child.id)
    screening_record(vault, child.id, child_info={"age": 12})  # medium (under 13)
    _same_as_engine(vault, child.id)
    assert case_store.read(vault.conn)[child.id].screening_status == "confirmed"
    # Nothing is left waiting: every write recomputed what it changed before COMMIT.
    assert vault.conn.execute("SELECT count(*) FROM case_dirty").fetchone()[0] == 0
    assert case_store.verify(vault.conn, vault.policy, vault.clock, vault.vault_id) == []

    # A write that fails leaves neither the step nor its state behind.
    before = case_store.read(vault.conn)[child.id].raw
    with pytest.raises(RuntimeError), vault.write():
        vault.repos.record_step(
            child.id,
            PATHWAY,
            "screen",
            NOW,
            {"screening_id": "s1", "tool": "worcestershire-2013", "tool_version": "1.1"},
        )
        assert case_store.read(vault.conn)[child.id].raw == before  # flushed at COMMIT only
        raise RuntimeError("power cut")
    assert case_store.read(vault.conn)[child.id].raw == before
    assert case_store.read(vault.conn)[child.id].steps == 2


def test_overdue_is_worked_out_from_the_clock_not_stored(
    vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(clock=clock)
    child = vault.repos.add_child(name="Sam Example")
    _to_review(vault, child.id)
    stored = case_store.read(vault.conn)[child.id]
    assert stored.due_dates, "the review has a due date"
    assert not any(d.overdue for d in stored.due(vault.now()))
    raw = stored.raw
    clock.advance(weeks=8)
    again = case_store.read(vault.conn)[child.id]
    assert again.raw == raw  # nothing was written...
    assert all(d.overdue for d in again.due(vault.now()))  # ...and the item is overdue now
    _same_as_engine(vault, child.id)


def test_a_pathway_version_change_rebuilds_at_unlock_and_verify_names_who_differs(
    vault_factory: Any, clock: FixedClock, tmp_path: Any
) -> None:
    vault = vault_factory(user="dee", role="dsl", clock=clock, folder=tmp_path / "v")
    kept, changed = vault.repos.add_child(name="Kept"), vault.repos.add_child(name="Changed")
    _started(vault, kept.id)
    _started(vault, changed.id)
    right = case_store.read(vault.conn)[changed.id].raw
    # Stored under an older pathway file, and one row no longer matching its records (a page
    # spliced, say): written around the triggers, as an attacker with the key would.
    with vault.write():
        vault.conn.execute(
            "UPDATE case_state SET pathway_key = ? WHERE child_id = ?", (f"{PATHWAY}@0.9", kept.id)
        )
        vault.conn.execute(
            "UPDATE case_state SET state = replace(state, '\"cycle\": 1',"
            " '\"cycle\": 7') WHERE child_id = ?",
            (changed.id,),
        )
    problems = case_store.verify(vault.conn, vault.policy, vault.clock, vault.vault_id)
    assert len(problems) == 2
    assert any(p.startswith(f"{kept.ref}: pathway version") for p in problems)
    assert any(p.startswith(changed.ref) and "next step" in p for p in problems)
    vault.close()

    # Unlock rebuilds the row keyed by another pathway version (not the other: same key).
    again = Vault.open(tmp_path / "v", "dee", PASSPHRASE, clock=clock)
    try:
        problems = case_store.verify(again.conn, again.policy, again.clock, again.vault_id)
        assert problems == [f"{changed.ref}: next step or due dates differ from a replay"]
        with again.write():
            assert case_store.rebuild_all(again.conn) == 2  # on demand
        assert case_store.verify(again.conn, again.policy, again.clock, again.vault_id) == []
        assert case_store.read(again.conn)[changed.id].raw == right
    finally:
        again.close()


def test_the_queue_and_the_list_read_the_stored_state(
    vault_factory: Any, clock: FixedClock
) -> None:
    vault = vault_factory(user="dee", role="dsl", clock=clock)
    child = vault.repos.add_child(name="Due Example")
    _to_review(vault, child.id)
    clock.advance(weeks=8)
    due = vault.dsl.due_items()[child.id]
    assert [d.overdue for d in due] == [True]
    assert vault.dsl.urgencies()[child.id].flag == "overdue"
    # Deleting the child (retention) removes its state with it.
    with vault.write():
        vault.conn.execute("DELETE FROM children WHERE id = ?", (child.id,))
        vault.audit("purge.child", "child", child.id, 1)
    assert case_store.read(vault.conn) == {}
    assert child.id not in vault.dsl.due_items()
    assert timedelta(0) <= clock.now() - NOW


def test_audit_verify_names_the_children_that_differ_and_rebuild_mends_them(
    vault_factory: Any, tmp_path: Any
) -> None:
    vault = vault_factory(user="dee", role="dsl", folder=tmp_path / "v")
    child = vault.repos.add_child(name="Tampered Example")
    _started(vault, child.id)
    with vault.write():  # the stored row changed around the app (raw SQL with the key)
        vault.conn.execute(
            "UPDATE case_state SET state = replace(state, '\"screen\"', '\"refer\"')"
            " WHERE child_id = ?",
            (child.id,),
        )
    vault.close()
    args = ("--data-dir", str(tmp_path / "v"))
    run = cli("audit", "verify", *args, stdin=PASSPHRASE + "\n")
    assert run.returncode == 1, run.stdout + run.stderr
    assert f"{child.ref}: next step or due dates differ from a replay" in run.stdout
    assert "rebuild-case-state" in run.stderr and "Traceback" not in run.stderr
    run = cli("audit", "rebuild-case-state", *args, stdin=PASSPHRASE + "\n")
    assert run.returncode == 0 and "rebuilt from the records for 1 children" in run.stdout
    run = cli("audit", "verify", *args, stdin=PASSPHRASE + "\n")
    assert run.returncode == 0 and "matches a full replay" in run.stdout, run.stderr
