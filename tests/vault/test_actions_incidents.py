"""Actions, incidents across children and missing episodes (issue 18 items 2-4), vault side.

One shared vault with an admin, a DSL (dee) and two workers (sam, kim), everyone on one fixed
clock: actions overdue in the assignee's list, on the child and in the DSL queue; an incident on
three children seen from each, and from a worker who may not see the others; the return
interview due 72 hours after a return.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.vaults import copy_vault

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.vault.keyslots import FLOOR_PARAMS, KeySlots
from cse_toolkit.vault.vault import Vault, open_with_key_for_restore

PASSPHRASE = "otter lamp river gravel"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PHRASES = {
    "dee": "designated lead phrase",
    "sam": "worker pass phrase one",
    "kim": "worker pass phrase two",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The shared vault, made once (each user's keys unwrapped once: Argon2id is slow)."""
    folder = tmp_path_factory.mktemp("actions") / "shared"
    admin, _ = Vault.create(folder, "ash", "admin", PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("dee", "dsl", PHRASES["dee"], PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("sam", "worker", PHRASES["sam"], PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("kim", "worker", PHRASES["kim"], PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.close()
    slots = KeySlots.load(folder)
    keys = {n: slots.unwrap_user_keys(n, p) for n, p in PHRASES.items()}
    return folder, keys


@pytest.fixture
def people(template: tuple[Path, dict[str, Any]], tmp_path: Path) -> Iterator[dict[str, Any]]:
    source, keys = template
    folder = tmp_path / "shared"
    copy_vault(source, folder)
    clock = FixedClock(NOW)
    opened: dict[str, Any] = {}
    for name in PHRASES:
        v = open_with_key_for_restore(folder, name, keys[name].dek, keys[name])
        v.clock = clock
        opened[name] = v
    yield {**opened, "clock": clock}
    for v in opened.values():
        v.close()


def test_action_is_overdue_in_the_list_on_the_child_and_in_the_queue(people: Any) -> None:
    sam, dee, kim, clock = people["sam"], people["dee"], people["kim"], people["clock"]
    child = sam.repos.add_child(name="Jordan Tate")
    action = sam.actions.add(
        "Phone the school about attendance",
        NOW + timedelta(days=2),
        assignee="dee",
        child_id=child.id,
    )
    mine = sam.actions.add("Visit at home", NOW + timedelta(hours=1), child_id=child.ref)
    assert [a.title for a in dee.actions.mine()] == ["Phone the school about attendance"]
    assert [a.title for a in sam.actions.mine()] == ["Visit at home"]
    assert kim.actions.mine() == []
    assert not any(a.overdue(clock.now()) for a in sam.actions.for_child(child.id))
    # The DSL sees its child's name although the child is sam's.
    assert dee.actions.mine()[0].child_label == "Jordan Tate"

    clock._now = NOW + timedelta(days=2, seconds=1)
    now = clock.now()
    assert dee.actions.mine()[0].overdue(now)
    assert {a.id for a in sam.actions.for_child(child.id) if a.overdue(now)} == {action.id, mine.id}
    queued = [i for i in dee.dsl.queue() if i.kind == "action"]
    assert {i.record_id for i in queued} == {action.id, mine.id}
    assert all(i.overdue for i in queued)
    assert next(i for i in queued if i.record_id == mine.id).facts.days == 1  # 47 hours

    done = dee.actions.done(action.id, "Spoke to the head of year; attendance plan agreed")
    assert done.status == "done" and done.done_by == "dee" and not done.overdue(now)
    assert {i.record_id for i in dee.dsl.queue() if i.kind == "action"} == {mine.id}
    trail = [(r.action, r.record_id) for r in dee.dsl.audit_page()[0]]
    assert ("action.create", action.id) in trail and ("action.done", action.id) in trail


def test_action_rules(people: Any) -> None:
    sam, kim = people["sam"], people["kim"]
    child = sam.repos.add_child(name="Riley")
    with pytest.raises(UserError, match="not a worker or DSL of this vault.*dee, kim, sam"):
        sam.actions.add("Phone", NOW, assignee="ash", child_id=child.id)
    with pytest.raises(UserError, match="Say what has to be done"):
        sam.actions.add("   ", NOW, child_id=child.id)
    with pytest.raises(UserError, match="No child"):
        kim.actions.add("Phone", NOW, child_id=child.id)
    given = sam.actions.add("Check the bus station CCTV", NOW, assignee="kim", child_id=child.id)
    # kim sees it in her own list (the child's ref, not the name: she may not see the child).
    assert [(a.title, a.child_label) for a in kim.actions.mine()] == [
        ("Check the bus station CCTV", child.ref)
    ]
    with pytest.raises(UserError, match="Write what was done"):
        kim.actions.done(given.id, "  ")
    assert kim.actions.done(given.id, "No footage kept").status == "done"
    with pytest.raises(UserError, match="already done"):
        sam.actions.done(given.id, "again")
    other = sam.actions.add("Speak to the carer", NOW, child_id=child.id)
    with pytest.raises((UserError, PermissionDenied)):
        kim.actions.done(other.id, "not mine")


def test_incident_on_three_children_seen_from_each(people: Any) -> None:
    sam, kim, dee = people["sam"], people["kim"], people["dee"]
    a = sam.repos.add_child(name="Alex Moore")
    b = sam.repos.add_child(name="Billie Shah")
    c = kim.repos.add_child(name="Casey Lund")
    # sam cannot link a child he may not see.
    with pytest.raises(UserError):
        sam.incidents.add([a.id, c.id], "Car seen", NOW)
    incident = dee.incidents.add(
        [a.id, b.id, c.ref],
        "A grey car collected three children outside the park",
        NOW,
        place="Gheluvelt Park",
    )
    assert incident.child_ids == (a.id, b.id, c.id)

    def line(v: Vault, child_id: str) -> Any:
        found = [i for i in v.repos.chronology(child_id) if i.kind == "incident"]
        assert len(found) == 1  # shown once on each child
        return found[0]

    for child in (a, b, c):  # the DSL (also its author) sees every other name
        others = {x.name for x in (a, b, c)} - {child.name}
        detail = line(dee, child.id).detail
        assert all(name in detail for name in others)
        assert "3 children" in line(dee, child.id).title
    # sam may see Alex and Billie, not Casey: Casey is "1 other child".
    for child, other in ((a, b), (b, a)):
        detail = line(sam, child.id).detail
        assert other.name in detail and "Casey" not in detail and "1 other child" in detail
    detail = line(kim, c.id).detail
    assert "Alex" not in detail and "Billie" not in detail and "2 other children" in detail
    assert "Gheluvelt Park" in detail
    trail = [(r.action, r.reason) for r in dee.dsl.audit_page()[0]]
    assert ("incident.create", "children=3") in trail


def test_incident_author_sees_every_name(people: Any) -> None:
    sam, kim = people["sam"], people["kim"]
    a = sam.repos.add_child(name="Alex Moore")
    b = sam.repos.add_child(name="Billie Shah")
    incident = sam.incidents.add([a.id, b.id], "Group chat", NOW, kind="intelligence")
    line = next(i for i in sam.repos.chronology(a.id) if i.kind == "incident")
    assert "Billie Shah" in line.detail and "intelligence" in line.title
    with pytest.raises(UserError):
        kim.incidents.get(incident.id)


def test_return_interview_is_due_72_hours_after_return_and_then_overdue(people: Any) -> None:
    sam, dee, clock = people["sam"], people["dee"], people["clock"]
    child = sam.repos.add_child(name="Jamie")
    went = NOW - timedelta(days=1)
    episode = sam.repos.add_missing(
        child.id, went, reported_at=went + timedelta(hours=2), police_ref="WM-2026-1234"
    )
    assert sam.actions.for_missing(episode.id) == []
    back = NOW - timedelta(hours=3)
    episode = sam.repos.record_return(
        episode.id, back, returned_by="Police (PC Evans)", where_found="Friend's flat"
    )
    assert (episode.police_ref, episode.returned_by, episode.to_at) == (
        "WM-2026-1234",
        "Police (PC Evans)",
        back,
    )
    [interview] = sam.actions.for_missing(episode.id)
    assert interview.due_at == back + timedelta(hours=72)
    assert interview.kind == "return_interview" and interview in sam.actions.mine()
    clock._now = back + timedelta(hours=72)
    assert not interview.overdue(clock.now())
    clock._now = back + timedelta(hours=72, seconds=1)
    assert interview.overdue(clock.now())
    assert interview.id in {i.record_id for i in dee.dsl.queue() if i.overdue}
    with pytest.raises(UserError, match="outcome of the interview"):
        sam.actions.done(interview.id, "")
    sam.actions.done(interview.id, "Interview held by the return worker; no disclosure")
    assert sam.actions.for_missing(episode.id)[0].done_note.startswith("Interview held")
    with pytest.raises(UserError, match="before they went missing"):
        sam.repos.record_return(episode.id, went - timedelta(hours=1))
    # Counted as before on the dashboard and in the summary.
    assert sum(n for _, n in dee.dsl.dashboard().missing_per_month) == 1
    assert dee.dsl.summary_input().missing_episodes == 1


def test_purging_a_child_takes_its_own_incidents_and_actions(people: Any) -> None:
    dee, clock = people["dee"], people["clock"]
    a = dee.repos.add_child(name="Alex")
    b = dee.repos.add_child(name="Billie")
    shared = dee.incidents.add([a.id, b.id], "Both at the party", NOW)
    alone = dee.incidents.add([a.id], "Alex alone at the station", NOW)
    dee.actions.add("Speak to Alex's carer", NOW, child_id=a.id)
    dee.actions.add("Follow up the party", NOW, incident_id=shared.id)
    clock._now = NOW + timedelta(days=365 * 7 + 80)  # past the default retention
    dee.repos.add_note(b.id, "Still open", clock.now())
    report = dee.dsl.purge_child(a.id, a.ref)
    assert report.counts["incidents"] == 1 and report.counts["actions"] == 1
    with pytest.raises(UserError):
        dee.incidents.get(alone.id)
    assert dee.incidents.get(shared.id).child_ids == (b.id,)
    assert [x.title for x in dee.actions.for_child(b.id)] == ["Follow up the party"]
