"""The DSL repository: review queue, sign-off, roles, figures, audit view and retention purge."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from helpers.factories import screening_record

from cse_toolkit.core import screening
from cse_toolkit.core.clock import FixedClock, utc_iso
from cse_toolkit.core.entities import ScreeningRecord
from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.gui.dsl.queue_words import detail, title
from cse_toolkit.vault import audit, dsl_repo
from cse_toolkit.vault.keyslots import FLOOR_PARAMS, KeySlots
from cse_toolkit.vault.vault import Vault

PASSPHRASE = "otter lamp river gravel"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PATHWAY = "worcestershire-cse-2013"
MARKER = "qqzzmarkerviolet"


# -- factories --------------------------------------------------------------------------------


def confirmed_screening(
    vault: Vault, child_id: str, *, age: int = 12, level: str | None = None, reason: str = ""
) -> ScreeningRecord:
    """A worcestershire-2013 screening with one low indicator: under 13, so the floor is medium."""
    return screening_record(vault, child_id, child_info={"age": age}, level=level, reason=reason)


def started_case(vault: Vault, child_id: str, when: datetime) -> None:
    vault.repos.record_step(
        child_id,
        PATHWAY,
        "concern",
        when,
        {"what": "seen with older males", "when": when, "by_whom": "me"},
    )
    vault.repos.record_step(child_id, PATHWAY, "danger_check", when, {"immediate_danger": False})


def add_export(vault: Vault, child_id: str, created: datetime, state: str = "exported") -> str:
    export_id = str(uuid.uuid4())
    with vault.write():
        vault.conn.execute(
            "INSERT INTO exports (id, origin, created_at, created_by, updated_at, pack_id, kind,"
            " child_id, recipient, state, acknowledged_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                export_id,
                vault.vault_id,
                utc_iso(created),
                vault.user.id,
                utc_iso(created),
                str(uuid.uuid4()),
                "referral",
                child_id,
                "Family Front Door",
                state,
                utc_iso(created) if state == "acknowledged" else None,
            ),
        )
        vault.audit("export.create", "export", export_id, 1)
    return export_id


def add_import(vault: Vault, conflicts: list[Any], resolved: int = 0) -> str:
    import_id = str(uuid.uuid4())
    with vault.write():
        vault.conn.execute(
            "INSERT INTO imports (id, pack_id, signer, imported_at, imported_by, conflicts,"
            " resolved) VALUES (?,?,?,?,?,?,?)",
            (
                import_id,
                str(uuid.uuid4()),
                "key",
                vault.now_iso(),
                vault.user.name,
                json.dumps(conflicts),
                resolved,
            ),
        )
        vault.audit("import.pack", "import", import_id, 1)
    return import_id


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def dsl(vault_factory: Any, clock: FixedClock) -> Vault:
    return vault_factory(user="dee", role="dsl", clock=clock)  # type: ignore[no-any-return]


# -- the queue --------------------------------------------------------------------------------


def test_each_queue_kind_appears_for_the_right_data(dsl: Vault, clock: FixedClock) -> None:
    repos = dsl.repos
    plain = repos.add_child(name="Ava Signoff")
    changed = repos.add_child(name="Ben Changed")
    overdue = repos.add_child(name="Cal Overdue")
    unsent = repos.add_child(name="Dot Unsent")
    conflict = repos.add_child(name="Eve Conflict")
    quiet = repos.add_child(name="Fay Quiet")
    s_plain = confirmed_screening(dsl, plain.id)
    s_changed = confirmed_screening(dsl, changed.id, level="high", reason="new information")
    confirmed_screening(dsl, overdue.id)
    started_case(dsl, overdue.id, NOW - timedelta(days=1))
    started_case(dsl, quiet.id, NOW - timedelta(days=1))  # no level yet: no review clock
    old_export = add_export(dsl, unsent.id, NOW - timedelta(days=2))
    add_export(dsl, unsent.id, NOW - timedelta(hours=3))  # too recent to nag about
    add_export(dsl, unsent.id, NOW - timedelta(days=5), state="sent")
    imp = add_import(dsl, [{"child_id": conflict.id, "field": "name"}])
    add_import(dsl, [])
    add_import(dsl, [{"child_id": conflict.id}], resolved=1)

    items = dsl.dsl.queue()
    keys = {i.key for i in items}
    assert f"signoff:{s_plain.id}" in keys
    assert f"level_changed:{s_changed.id}" in keys
    assert f"signoff:{s_changed.id}" not in keys  # one item per screening
    assert f"unsent:{old_export}" in keys
    assert f"import_conflict:{imp}" in keys
    assert not [i for i in items if i.kind == dsl_repo.DUE]  # review is 4 weeks away

    clock.advance(days=30)  # the medium-level review (4 weeks from the danger check) is overdue
    items = dsl.dsl.queue()
    due = [i for i in items if i.kind == dsl_repo.DUE]
    assert [(i.child_id, i.overdue, i.destination) for i in due] == [
        (overdue.id, True, dsl_repo.Destination.PROCESS)
    ]
    assert due[0].due_at == NOW - timedelta(days=1) + timedelta(weeks=4)
    assert items[0] is due[0]  # overdue first
    by_key = {i.key: i for i in items}
    changed_item = by_key[f"level_changed:{s_changed.id}"]
    # The queue carries data; its words are the GUI's (gui/dsl/queue_words.py).
    assert "Medium" in title(changed_item) and "High" in title(changed_item)
    assert (changed_item.child_id, changed_item.destination) == (
        changed.id,
        dsl_repo.Destination.SCREENING,
    )
    assert by_key[f"unsent:{old_export}"].destination == dsl_repo.Destination.EXPORTS
    assert by_key[f"import_conflict:{imp}"].child_id == conflict.id
    assert quiet.id not in {i.child_id for i in items}


def test_queue_cache_follows_changes(dsl: Vault, clock: FixedClock) -> None:
    child = dsl.repos.add_child(name="Gus")
    assert dsl.dsl.queue() == []
    s = confirmed_screening(dsl, child.id)
    assert [i.key for i in dsl.dsl.queue()] == [f"signoff:{s.id}"]
    dsl.repos.get_child(child.id, log_view=True)  # a view does not change the queue
    assert [i.key for i in dsl.dsl.queue()] == [f"signoff:{s.id}"]
    dsl.dsl.sign_off(s.id, "agree")
    assert dsl.dsl.queue() == []
    started_case(dsl, child.id, NOW)
    clock.advance(weeks=5)
    assert [i.kind for i in dsl.dsl.queue()] == [dsl_repo.DUE]


# -- sign-off ---------------------------------------------------------------------------------


def test_agree_signs_off_and_is_part_of_the_audit_chain(dsl: Vault) -> None:
    child = dsl.repos.add_child(name="Hal")
    s = confirmed_screening(dsl, child.id)
    result = dsl.dsl.sign_off(s.id, "agree", expected_version=s.version)
    assert dsl.repos.get_screening(s.id).status == "signed_off"
    row = dsl.conn.execute(
        "SELECT seq, action, record_id, hash FROM audit WHERE seq = ?", (result.chain_seq,)
    ).fetchone()
    assert row[:3] == (result.chain_seq, "signoff.agree", result.id)
    assert row[3] == result.chain_hash == dsl.chain_head().hash
    assert dsl.dsl.signoffs_for(s.id)[0].level == "medium"
    assert dsl.dsl.verify_chain().ok
    with pytest.raises(UserError, match="already signed off"):
        dsl.dsl.sign_off(s.id, "agree")


def test_change_with_reason_sets_the_childs_level(dsl: Vault) -> None:
    child = dsl.repos.add_child(name="Ida")
    s = confirmed_screening(dsl, child.id)
    with pytest.raises(UserError, match="reason is required"):
        dsl.dsl.sign_off(s.id, "change", level="high")
    with pytest.raises(UserError, match="already Medium"):
        dsl.dsl.sign_off(s.id, "change", level="medium", comment="same")
    result = dsl.dsl.sign_off(s.id, "change", level="high", comment="Disclosure in supervision")
    assert result.level == "high"
    assert dsl.repos.get_child(child.id).confirmed_level == "high"
    stored = dsl.repos.get_screening(s.id)
    assert (stored.status, stored.confirmed_level) == ("signed_off", "medium")  # worker's kept
    entry = dsl.conn.execute(
        "SELECT action, reason FROM audit WHERE seq = ?", (result.chain_seq,)
    ).fetchone()
    assert entry[0] == "signoff.change"
    assert "from=medium" in entry[1] and "level=high" in entry[1]
    assert "Disclosure" not in entry[1]  # free text stays out of the audit trail


def test_change_below_the_floor_is_refused_plainly(dsl: Vault) -> None:
    child = dsl.repos.add_child(name="Jo")
    s = confirmed_screening(dsl, child.id, age=12)
    ctx = dsl.dsl.signoff_context(s.id)
    assert ctx.minimum_level == "medium"
    assert [lv for lv, _ in ctx.allowed_levels()] == ["medium", "high", "immediate"]
    with pytest.raises(UserError, match="cannot be lower than Medium") as err:
        dsl.dsl.sign_off(s.id, "change", level="low", comment="seems fine")
    assert "Nothing was changed" in str(err.value)
    assert dsl.repos.get_screening(s.id).status == "confirmed"
    assert dsl.repos.get_child(child.id).confirmed_level == "medium"


def test_return_with_comment(dsl: Vault) -> None:
    child = dsl.repos.add_child(name="Kai")
    s = confirmed_screening(dsl, child.id)
    with pytest.raises(UserError, match="comment is required"):
        dsl.dsl.sign_off(s.id, "return")
    result = dsl.dsl.sign_off(s.id, "return", comment="Please add the school's view")
    assert (result.decision, result.level) == ("return", None)
    assert dsl.repos.get_screening(s.id).status == "returned"
    assert dsl.repos.get_child(child.id).confirmed_level == "medium"
    assert dsl.dsl.signoffs_for(s.id)[0].comment == "Please add the school's view"
    assert not [i for i in dsl.dsl.queue() if i.record_id == s.id]


def test_stale_version_is_refused(dsl: Vault) -> None:
    child = dsl.repos.add_child(name="Lou")
    s = confirmed_screening(dsl, child.id)
    with pytest.raises(UserError, match="changed since you opened it"):
        dsl.dsl.sign_off(s.id, "agree", expected_version=s.version - 1)


# -- roles ------------------------------------------------------------------------------------


def test_core_refuses_workers_and_admins(vault_factory: Any, tmp_path: Path) -> None:
    admin = vault_factory(user="ash", role="admin", folder=tmp_path / "shared")
    admin.add_user("sam", "worker", "worker pass phrase one", PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("dee", "dsl", "designated lead phrase", PASSPHRASE, kdf=FLOOR_PARAMS)
    with pytest.raises(PermissionDenied):
        admin.repos.list_children()
    for call in (
        admin.dsl.queue,
        admin.dsl.dashboard,
        admin.dsl.verify_chain,
        admin.dsl.retention_candidates,
        admin.dsl.audit_page,
    ):
        with pytest.raises(PermissionDenied):
            call()
    admin.close()

    worker = Vault.open(tmp_path / "shared", "sam", "worker pass phrase one")
    mine = worker.repos.add_child(name="Worker's child")
    s = confirmed_screening(worker, mine.id)
    for call in (
        worker.dsl.queue,
        worker.dsl.dashboard,
        worker.dsl.summary_input,
        worker.dsl.audit_page,
        worker.dsl.verify_chain,
        worker.dsl.retention_candidates,
    ):
        with pytest.raises(PermissionDenied, match="Only a designated safeguarding lead"):
            call()
    with pytest.raises(PermissionDenied):
        worker.dsl.sign_off(s.id, "agree")
    with pytest.raises(PermissionDenied):
        worker.dsl.purge_child(mine.id, mine.ref)
    worker.close()

    lead = Vault.open(tmp_path / "shared", "dee", "designated lead phrase")
    theirs = lead.repos.add_child(name="DSL's own child")
    assert {c.id for c in lead.repos.list_children()} == {mine.id, theirs.id}
    assert [i.key for i in lead.dsl.queue()] == [f"signoff:{s.id}"]
    lead.dsl.sign_off(s.id, "agree")
    lead.close()

    worker = Vault.open(tmp_path / "shared", "sam", "worker pass phrase one")
    assert [c.id for c in worker.repos.list_children()] == [mine.id]
    with pytest.raises(UserError):
        worker.repos.get_child(theirs.id)
    worker.close()


# -- figures ----------------------------------------------------------------------------------


def test_summary_and_dashboard_on_demo_data(dsl: Vault) -> None:
    from cse_toolkit.core import demo
    from cse_toolkit.vault import bulk

    children = bulk.load_children(dsl, demo.generate(30, 3, 4, today=NOW.date()))
    bulk.load_reports(dsl, demo.intelligence(children, 3, 0.5))
    summary = dsl.dsl.summary()
    data = summary.to_dict()
    assert data["children"] == 30
    shown = [v for v in data["levels"].values() if isinstance(v, int)]
    assert all(v == 0 or v >= 5 for v in shown)
    assert all(h["mentions"] >= 5 for h in data["hotspots"])
    names = {c.name for c in children} | {c.school for c in children}
    text = summary.to_text() + json.dumps(data)
    assert not [n for n in names if n in text]
    places = [p for p, _ in dsl.dsl.summary_input().place_mentions]
    assert dsl_repo.PRIVATE_PLACE in places  # the flat in the demo data is a house
    assert not [p for p in places if "vape shop" in p]
    board = dsl.dsl.dashboard()
    assert board.children == 30
    assert sum(n for _, n in board.by_level) == 30
    assert sum(map(sum, board.age_gender)) == 30
    assert sum(n for _, n in board.by_school) == 30
    assert sum(n for _, n in board.missing_per_month) == sum(len(c.missing) for c in children)
    months = [m for m, _ in board.missing_per_month]
    assert months == sorted(set(months)) and len(months) >= 2  # zero months included
    assert board.hotspots and board.hotspots[0][1] >= board.hotspots[-1][1]
    # A period before anything happened holds nobody.
    empty = dsl.dsl.dashboard(NOW.date() - timedelta(days=3000), NOW.date() - timedelta(days=2000))
    assert empty.children == 0
    with pytest.raises(UserError, match="after its end"):
        dsl.dsl.summary_input(NOW.date(), NOW.date() - timedelta(days=1))


def test_audit_page_filters_and_verify(dsl: Vault) -> None:
    child = dsl.repos.add_child(name="Max")
    dsl.repos.get_child(child.id, log_view=True)
    rows, total = dsl.dsl.audit_page(action="child")
    assert [r.action for r in rows] == ["child.create"] and total == 1
    rows, total = dsl.dsl.audit_page(actor="dee", limit=2)
    assert (
        len(rows) == 2 and total == 4 and rows[0].seq > rows[1].seq
    )  # create, registry, child, view
    assert dsl.dsl.audit_page(actor="nobody")[1] == 0
    assert "view" in dsl.dsl.audit_actions() and "child" in dsl.dsl.audit_actions()
    assert dsl.dsl.describe_record("child", child.id) == f"child {child.ref}"
    check = dsl.dsl.verify_chain()
    assert check.ok and check.head == dsl.chain_head()


# -- retention and purge ----------------------------------------------------------------------


def _decrypted_pages(folder: Path, user: str) -> bytes:
    """Every page of vault.db (and any WAL frames), decrypted with the data key.

    SQLCipher 4 with a raw key: AES-256-CBC per page, the IV in the last 80 reserved bytes
    (16 IV + 64 HMAC); page 1 starts with the 16-byte salt. This build has no sqlite_dbpage,
    so the pages are read and decrypted here, free pages and unused space included.
    """
    dek = KeySlots.load(folder).unwrap_user(user, PASSPHRASE)
    size, reserve = 4096, 80

    def page(raw: bytes, first: bool) -> bytes:
        start = 16 if first else 0
        iv = raw[size - reserve : size - reserve + 16]
        dec = Cipher(algorithms.AES(dek), modes.CBC(iv)).decryptor()
        return dec.update(raw[start : size - reserve]) + dec.finalize()

    data = (folder / "vault.db").read_bytes()
    out = [page(data[i : i + size], i == 0) for i in range(0, len(data), size)]
    assert out[0][:2] == b"\x10\x00"  # page size 4096 at offset 16 of page 1: the key is right
    wal = folder / "vault.db-wal"
    if wal.exists():
        raw = wal.read_bytes()
        for off in range(32, len(raw) - size, size + 24):
            pgno = int.from_bytes(raw[off : off + 4], "big")
            out.append(page(raw[off + 24 : off + 24 + size], pgno == 1))
    return b"".join(out)


def test_retention_purge_removes_every_trace(vault_factory: Any, tmp_path: Path) -> None:
    clock = FixedClock(datetime(2018, 3, 1, 9, 0, tzinfo=UTC))
    dsl = vault_factory(user="dee", role="dsl", clock=clock, folder=tmp_path / "v")
    old = dsl.repos.add_child(name="Nia Oldcase", school="Kingsmead School")
    keep = dsl.repos.add_child(name="Ola Current")
    for i in range(3):
        dsl.repos.add_note(
            old.id,
            f"Seen at the bus station {MARKER} visit {i}",
            clock.now() - timedelta(hours=i),
            place="Bus station",
        )
    dsl.repos.add_note(keep.id, "Unrelated note", clock.now())
    s = confirmed_screening(dsl, old.id)
    dsl.dsl.sign_off(s.id, "agree")
    started_case(dsl, old.id, clock.now())
    dsl.repos.add_missing(old.id, clock.now() - timedelta(days=1), clock.now())
    dsl.repos.save_draft("note", old.id, {"body": f"draft {MARKER}"})
    dsl.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert MARKER.encode() in _decrypted_pages(dsl.folder, "dee")  # the scan can see it

    clock.advance(days=365 * 7)
    dsl.repos.add_note(keep.id, "Still open", clock.now())
    clock.advance(days=80)
    candidates = dsl.dsl.retention_candidates()
    assert [c.child_id for c in candidates] == [old.id]
    assert "84 months" in candidates[0].reason
    with pytest.raises(UserError, match="does not match"):
        dsl.dsl.purge_child(old.id, keep.ref)
    with pytest.raises(UserError, match="not due for deletion"):
        dsl.dsl.purge_child(keep.id, keep.ref)

    report = dsl.dsl.purge_child(old.id, old.ref.lower())
    assert report.counts["notes"] == 3 and report.counts["screenings"] == 1
    assert report.counts["sign_offs"] == 1 and report.counts["drafts"] == 1
    assert report.wal_truncated
    assert "3 notes" in report.text()
    with pytest.raises(UserError):
        dsl.repos.get_child(old.id)
    assert dsl.repos.search_notes(MARKER) == []
    tomb = dsl.conn.execute(
        "SELECT action, record_type, record_id, reason FROM audit WHERE seq = ?",
        (report.audit_seq,),
    ).fetchone()
    assert tomb[:3] == ("purge", "child", old.id)
    assert "notes=3" in tomb[3] and "Nia" not in tomb[3]
    count, problems = audit.verify_chain(dsl.conn, dsl.vault_id)
    assert problems == [] and count == report.audit_seq
    dsl.close()

    for path in (tmp_path / "v").rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path
    assert b"markerviolet" not in _decrypted_pages(tmp_path / "v", "dee")
    assert b"Oldcase" not in _decrypted_pages(tmp_path / "v", "dee")
    reopened = Vault.open(tmp_path / "v", "dee", PASSPHRASE, clock=clock)
    assert reopened.dsl.verify_chain().ok
    assert [c.name for c in reopened.repos.list_children()] == ["Ola Current"]
    reopened.close()


def test_acknowledged_referral_past_keep_days_is_listed(dsl: Vault, clock: FixedClock) -> None:
    from cse_toolkit.policy import Policy

    child = dsl.repos.add_child(name="Pip")
    add_export(dsl, child.id, NOW, state="acknowledged")
    clock.advance(days=91)
    listed = dsl.dsl.retention_candidates(Policy())
    assert [(i.child_id, i.kind) for i in listed] == [(child.id, "acknowledged")]
    assert dsl.dsl.retention_candidates(Policy(keep_after_acknowledged_days=120)) == []


def test_months_before_clamps_to_month_end() -> None:
    assert dsl_repo.months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert dsl_repo.months_before(datetime(2026, 1, 15, tzinfo=UTC), 84) == datetime(
        2019, 1, 15, tzinfo=UTC
    )


# -- SAFETY.md R7: lowering needs a second person ------------------------------------------------


def test_lowered_level_waits_for_signoff_and_the_suggestion_drives_until_then(
    vault_factory: Any, clock: FixedClock
) -> None:
    # A 14-year-old with one low indicator: suggested Low; the worker confirms No indicators.
    worker = vault_factory(user="wes", role="worker", clock=clock)
    child = worker.repos.add_child(name="Lee Lowered")
    s = confirmed_screening(worker, child.id, age=14, level="none", reason="Checked with school")
    assert (s.suggested_level, s.confirmed_level) == ("low", "none")
    assert worker.repos.get_child(child.id).confirmed_level == "low"  # the suggestion drives
    assert screening.awaiting_signoff(
        screening.load_tool("worcestershire-2013"), s.suggested_level, s.confirmed_level, s.status
    )
    # The worker cannot lower it at the decide step on their own either.
    started_case(worker, child.id, NOW)
    worker.repos.record_step(
        child.id,
        PATHWAY,
        "screen",
        NOW,
        {"screening_id": s.id, "tool": s.tool_id, "tool_version": s.tool_version},
    )
    worker.repos.record_step(
        child.id, PATHWAY, "discuss", NOW, {"with_whom": "DSL", "discussed_at": NOW}
    )
    with pytest.raises(UserError, match="needs your DSL's sign-off"):
        worker.repos.record_step(child.id, PATHWAY, "decide", NOW, {"confirmed_level": "none"})
    state = worker.repos.case_state(child.id, PATHWAY)
    assert state.current == "decide"
    worker.repos.record_step(child.id, PATHWAY, "decide", NOW, {"confirmed_level": "low"})
    assert worker.repos.case_state(child.id, PATHWAY).route == "early_help"


def test_dsl_queue_shows_awaiting_signoff_and_agreeing_lets_the_lower_level_drive(
    dsl: Vault,
) -> None:
    child = dsl.repos.add_child(name="Mo Lowered")
    s = confirmed_screening(dsl, child.id, age=14, level="none", reason="Checked with school")
    assert dsl.repos.get_child(child.id).confirmed_level == "low"
    item = next(i for i in dsl.dsl.queue() if i.record_id == s.id)
    assert item.kind == dsl_repo.LEVEL_CHANGED
    assert "awaiting DSL sign-off" in title(item) and "Low" in detail(item)
    dsl.dsl.sign_off(s.id, "agree")
    assert dsl.repos.get_child(child.id).confirmed_level == "none"


def test_a_raised_level_drives_at_once(dsl: Vault) -> None:
    child = dsl.repos.add_child(name="Ned Raised")
    confirmed_screening(dsl, child.id, age=14, level="high", reason="new information")
    assert dsl.repos.get_child(child.id).confirmed_level == "high"


def test_incomplete_screening_confirmed_at_the_lowest_level_is_queued_with_its_reason(
    dsl: Vault,
) -> None:
    tool = screening.load_tool("worcestershire-2013")
    child = dsl.repos.add_child(name="Oli Incomplete")
    inp = screening.ScreeningInput.from_dict(
        {"tool": tool.id, "tool_version": tool.version, "child": {"age": 14}, "answers": []}
    )
    out = screening.evaluate(tool, inp)
    c = screening.confirm_level(
        tool,
        out,
        "none",
        "dee",
        next_steps_considered="asked",
        rescreen_trigger="news",
        incomplete_reason="Family moved away",
    )
    stored = {**out.to_dict(), "confirmation": c.to_dict()}
    rec = dsl.repos.save_screening(
        ScreeningRecord(
            id=str(uuid.uuid4()),
            child_id=child.id,
            tool_id=tool.id,
            tool_version=tool.version,
            screened_at=dsl.now(),
            input=inp.to_dict(),
            outcome=stored,
            suggested_level="none",
            confirmed_level="none",
            confirmed_by="dee",
            confirmed_at=dsl.now_iso(),
            confirm_reason="",
            status="confirmed",
        )
    )
    item = next(i for i in dsl.dsl.queue() if i.record_id == rec.id)
    assert title(item) == "Incomplete screening, awaiting DSL sign-off"
    assert "Family moved away" in detail(item)
