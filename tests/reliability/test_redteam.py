"""Red team of issue 21: attacks beyond those in test_insider_attacks.py.

Written as the attacker would: a worker of the team vault with their own passphrase and Python
using the bundled libraries (sqlcipher3 through the vault's own connection recipe, cryptography),
or a sender who signs packs with their own key. Each test states what the attacker does and
asserts the app, the CLI or ``audit verify`` refuses or detects it; the figures are printed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers.vaults import PASSPHRASE, raw_connect
from test_insider_attacks import (
    COLS,
    _export,
    attacker_keys,
    cli_verify,
    confirmed,
    dee_report,
    resign_head,
)

from cse_toolkit.errors import UserError
from cse_toolkit.services import exchange
from cse_toolkit.vault import audit
from cse_toolkit.vault.errors import OlderCopyError, VaultDamagedError
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.vault import Vault, level_message


@pytest.fixture
def raised(tmp_path: Path) -> dict[str, Any]:
    """ada (admin), dee (DSL), sam (worker). sam screened Jay (low); dee signed it off, raising
    Jay to medium; sam screened again (low); dee signed that off raising Jay to high. sam kept
    a copy of Jay's row from when it said medium (any user can read the database)."""
    folder = tmp_path / "team"
    ada, _ = Vault.create(folder, "ada", "admin", PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("dee", "dsl", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("sam", "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.close()
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        child = sam.repos.add_child(name="Jay Example", approx_age=14)
        first = confirmed(sam, child.id)
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        dee.dsl.sign_off(first.id, "change", level="medium", comment="Seen with older men.")
    conn = raw_connect(folder, attacker_keys(folder).dek)
    kept = conn.execute(
        "SELECT confirmed_level, level_tool, level_signer, level_sig FROM children WHERE id = ?",
        (child.id,),
    ).fetchone()
    conn.close()
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        second = confirmed(sam, child.id)
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        dee.dsl.sign_off(second.id, "change", level="high", comment="Now missing overnight.")
        assert dee.repos.get_child(child.id).confirmed_level == "high"
        assert dee.audit_report().problems == []
    return {
        "folder": folder,
        "child": child.id,
        "kept": kept,
        "first": first.id,
        "second": second.id,
    }


def _sql(folder: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """sam's few lines of Python: their own data key, a raw connection, edits, head re-signed."""
    conn = raw_connect(folder, attacker_keys(folder).dek)
    for sql, params in statements:
        conn.execute(sql, params)
    resign_head(folder, conn)
    conn.close()


def _level_of(folder: Path, child_id: str) -> str:
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        return str(dee.repos.get_child(child_id).confirmed_level)


REFUSED = "refused on open"


def _outcome(folder: Path, child_id: str) -> tuple[str, list[str]]:
    """What dee gets after an edit around the app: the level the app shows and audit verify's
    problems, or (issue 22: the record no longer matches its newest audit entry) the vault
    refused on open as damaged, naming the record."""
    try:
        shown = _level_of(folder, child_id)
    except VaultDamagedError as exc:
        return REFUSED, [str(exc)]
    return shown, list(dee_report(folder).problems)


def _detected_words(shown: str, problems: list[str]) -> str:
    if shown == REFUSED:
        return "refused on open: the record does not match its newest audit entry"
    return f"detected by audit verify: {len(problems)} problem(s)"


# -- 1. a DSL's level put back to an earlier one of their own signed levels ------------------


def test_replayed_old_dsl_level_is_detected(raised: dict[str, Any], figure: Any) -> None:
    folder, child = raised["folder"], raised["child"]
    level, tool, signer, sig = raised["kept"]
    assert (level, signer) == ("medium", "dee")
    _sql(
        folder,
        (
            "UPDATE children SET confirmed_level = ?, level_tool = ?, level_signer = ?,"
            " level_sig = ? WHERE id = ?",
            (level, tool, signer, sig, child),
        ),
    )
    shown, problems = _outcome(folder, child)
    assert shown in (REFUSED, "medium")  # never read as the DSL's level without a problem
    assert any(child[:8] in p for p in problems), problems
    verify = cli_verify(folder)
    assert verify.returncode == 1 and child[:8] in verify.stdout + verify.stderr
    figure(
        "attack old DSL level signature replayed (high -> medium)",
        f"{_detected_words(shown, problems)}, CLI exit {verify.returncode}",
    )


# -- 2. a worker lowers a child's level and signs the row with their own key -----------------


def test_worker_self_signed_lower_level_is_detected(raised: dict[str, Any], figure: Any) -> None:
    folder, child = raised["folder"], raised["child"]
    keys = attacker_keys(folder)
    vault_id = raised_vault_id(folder)
    sig = keys.signing.sign(
        level_message(vault_id, child, "none", "worcestershire-2013", "sam")
    ).hex()
    _sql(
        folder,
        (
            "UPDATE children SET confirmed_level = 'none', level_signer = 'sam',"
            " level_sig = ? WHERE id = ?",
            (sig, child),
        ),
    )
    shown, problems = _outcome(folder, child)
    assert shown in (REFUSED, "none")
    assert any(child[:8] in p for p in problems), problems
    figure(
        "attack worker's own signature on a lowered level (high -> none, no screening)",
        _detected_words(shown, problems),
    )


def test_worker_level_with_own_trail_entry_is_detected(raised: dict[str, Any], figure: Any) -> None:
    """The careful version: sam also appends their own signed ``child.level`` entry at the end
    of the chain (correct hash, sam's registered key), so the row is 'the newest level'."""
    folder, child = raised["folder"], raised["child"]
    keys = attacker_keys(folder)
    vault_id = raised_vault_id(folder)
    tool = "worcestershire-2013"
    sig = keys.signing.sign(level_message(vault_id, child, "none", tool, "sam")).hex()
    conn = raw_connect(folder, keys.dek)
    seq, prev = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    at = "2026-12-03T10:00:00Z"
    reason = f"level=none tool={tool}"
    digest = audit.row_hash(seq + 1, at, "sam", "child.level", "child", child, None, reason, prev)
    entry_sig = keys.signing.sign(audit.signed_message(vault_id, digest)).hex()
    conn.execute(
        f"INSERT INTO audit ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (seq + 1, at, "sam", "child.level", "child", child, None, reason, prev, digest, entry_sig),
    )
    conn.execute(
        "UPDATE children SET confirmed_level = 'none', level_signer = 'sam',"
        " level_sig = ? WHERE id = ?",
        (sig, child),
    )
    resign_head(folder, conn)
    conn.close()
    shown, problems = _outcome(folder, child)
    assert shown in (REFUSED, "none")
    assert any("without a screening of this child" in p or child[:8] in p for p in problems)
    figure(
        "attack worker lowers a level with their own signed trail entry (no screening)",
        _detected_words(shown, problems),
    )


def raised_vault_id(folder: Path) -> str:
    from cse_toolkit.vault.keyslots import KeySlots

    return KeySlots.load(folder).vault_id


# -- 3. the DSL's sign-off deleted, the screening put back to "awaiting" ---------------------


def test_deleted_dsl_signoff_is_detected(
    raised: dict[str, Any], tmp_path: Path, figure: Any
) -> None:
    folder, second = raised["folder"], raised["second"]
    kept = tmp_path / "status-only"
    shutil.copytree(folder, kept)
    _sql(kept, ("UPDATE screenings SET status = 'confirmed' WHERE id = ?", (second,)))
    status_only = dee_report_or_refusal(kept)
    assert any("instead of signed off" in p or second[:8] in p for p in status_only)
    _sql(
        folder,
        ("DELETE FROM signoffs WHERE screening_id = ?", (second,)),
        ("UPDATE screenings SET status = 'confirmed' WHERE id = ?", (second,)),
    )
    problems = dee_report_or_refusal(folder)
    assert any("sign-off" in p or second[:8] in p for p in problems), problems
    verify = cli_verify(folder)
    assert verify.returncode == 1
    figure(
        "attack DSL sign-off row deleted (screening back to awaiting)",
        f"detected ({problems[0][:90]}...), CLI exit {verify.returncode}",
    )
    figure(
        "attack sign-off kept, screening status put back to awaiting",
        f"detected: {len(status_only)} problem(s) ({status_only[0][:90]}...)",
    )


# -- 4. the newest registry version deleted: a demotion undone -------------------------------


def test_deleted_registry_version_is_detected(tmp_path: Path, figure: Any) -> None:
    folder = tmp_path / "team"
    ada, _ = Vault.create(folder, "ada", "admin", PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("sam", "dsl", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("dee", "dsl", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.set_role("sam", "worker", PASSPHRASE)  # sam is no longer a DSL
    newest = ada.conn.execute("SELECT MAX(version) FROM registry").fetchone()[0]
    ada.close()
    # sam: drop the append-only trigger, delete the version that demoted them, role back.
    _sql(
        folder,
        ("DROP TRIGGER registry_no_delete", ()),
        ("DELETE FROM registry WHERE version = ?", (newest,)),
        ("UPDATE users SET role = 'dsl' WHERE name = 'sam'", ()),
    )
    refused = ""
    try:
        with Vault.open(folder, "sam", PASSPHRASE) as sam:
            role = sam.user.role
    except Exception as exc:  # noqa: BLE001 - the refusal is what we measure
        refused, role = str(exc), ""
    problems = dee_report_or_refusal(folder)
    assert refused or problems, f"sam signed in as {role}; audit verify: {problems}"
    assert "registry" in (refused + " ".join(problems))
    figure(
        "attack newest registry version deleted (demotion undone)",
        f"sam's unlock: {'refused' if refused else 'allowed as ' + role}; "
        f"dee's audit verify: {len(problems)} problem(s)",
    )


def dee_report_or_refusal(folder: Path) -> list[str]:
    try:
        return list(dee_report(folder).problems)
    except Exception as exc:  # noqa: BLE001
        return [str(exc)]


# -- 5. a pending import conflict edited or hidden by a worker -------------------------------


@pytest.fixture
def pending(vault_factory: Any, tmp_path: Path) -> dict[str, Any]:
    """pat (another vault) referred Jay at low; dee imported it (fingerprint compared) and
    raised Jay to medium. pat's second pack says immediate: a level conflict waits for dee."""
    folder = tmp_path / "team"
    ada, _ = Vault.create(folder, "ada", "admin", PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("dee", "dsl", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("sam", "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.close()
    pat = vault_factory(user="pat", role="worker", display_name="Pat Sender")
    child = pat.repos.add_child(name="Jay Example", approx_age=14)
    first = confirmed(pat, child.id)
    one = _export(pat, child.id, tmp_path / "one.pdf")
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        exchange.import_pack(dee, one.result.path, one.result.password, confirmed="compared")
        dee.dsl.sign_off(first.id, "change", level="medium", comment="Seen with older men.")
    confirmed(pat, child.id, level="immediate")
    two = _export(pat, child.id, tmp_path / "two.pdf")
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        report = exchange.import_pack(dee, two.result.path, two.result.password)
        assert [c.record_type for c in report.conflicts] == ["level"]
        assert dee.audit_report().problems == []
    return {"folder": folder, "child": child.id}


def _edit_conflicts(folder: Path, edit: Any) -> None:
    conn = raw_connect(folder, attacker_keys(folder).dek)
    import_id, raw = conn.execute(
        "SELECT id, conflicts FROM imports WHERE conflicts != '[]'"
    ).fetchone()
    conflicts = json.loads(raw)
    resolved = edit(conflicts)
    conn.execute(
        "UPDATE imports SET conflicts = ?, resolved = ? WHERE id = ?",
        (json.dumps(conflicts), int(resolved), import_id),
    )
    resign_head(folder, conn)
    conn.close()


def test_forged_incoming_level_in_a_pending_conflict_is_refused(
    pending: dict[str, Any], figure: Any
) -> None:
    """sam rewrites what 'the sender's screening says' from immediate to none, hoping dee
    takes the incoming version and signs a lowering the sender never sent."""
    folder, child = pending["folder"], pending["child"]

    def lower(conflicts: list[dict[str, Any]]) -> bool:
        conflicts[0]["incoming"]["data"]["level"] = "none"
        conflicts[0]["why"] = "the sender's screening says None, lower than the level here"
        return False

    _edit_conflicts(folder, lower)
    try:
        dee = Vault.open(folder, "dee", PASSPHRASE)
    except VaultDamagedError as exc:
        # issue 22: the import record no longer matches its audit entry: refused on open.
        assert "import" in str(exc)
        figure(
            "attack pending conflict's incoming level rewritten (immediate -> none)",
            "refused on open: the import record does not match its newest audit entry",
        )
        return
    with dee:
        shown = exchange.pending_conflicts(dee)
        problems = dee.audit_report().problems
        with pytest.raises(UserError) as refused:
            exchange.resolve_conflict(dee, shown[0].import_id, child, "incoming")
        level = dee.repos.get_child(child).confirmed_level
    assert level == "medium"
    assert "changed around the app" in str(refused.value)
    assert any("conflicts" in p for p in problems), problems
    figure(
        "attack pending conflict's incoming level rewritten (immediate -> none)",
        f"taking it refused; level stays {level}; audit verify: {len(problems)} problem(s)",
    )


def test_hidden_pending_conflict_is_detected(pending: dict[str, Any], figure: Any) -> None:
    """sam marks the conflict decided ('keep ours') so dee never sees that the sender now
    says immediate."""
    folder = pending["folder"]

    def hide(conflicts: list[dict[str, Any]]) -> bool:
        conflicts[0].update(resolution="local", decided_by="dee", decided_at="2026-12-03T10:00:00Z")
        return True

    _edit_conflicts(folder, hide)
    try:
        with Vault.open(folder, "dee", PASSPHRASE) as dee:
            waiting = len(exchange.pending_conflicts(dee))
            problems = dee.audit_report().problems
    except VaultDamagedError as exc:
        assert "import" in str(exc)
        figure(
            "attack pending conflict marked decided by a worker (hidden from the DSL)",
            "refused on open: the import record does not match its newest audit entry",
        )
        return
    assert any("conflict" in p for p in problems), problems
    figure(
        "attack pending conflict marked decided by a worker (hidden from the DSL)",
        f"queue shows {waiting}; audit verify: {len(problems)} problem(s)",
    )


# -- 6. a DSL's sign-off row moved onto another screening --------------------------------------


def test_signoff_moved_to_another_screening_is_detected(
    raised: dict[str, Any], figure: Any
) -> None:
    """sam re-points dee's first sign-off (agreeing medium) at the second screening, after
    deleting dee's real sign-off of it (which raised Jay to high)."""
    folder, first, second = raised["folder"], raised["first"], raised["second"]
    _sql(
        folder,
        ("DELETE FROM signoffs WHERE screening_id = ?", (second,)),
        ("UPDATE signoffs SET screening_id = ? WHERE screening_id = ?", (second, first)),
    )
    problems = dee_report(folder).problems
    assert any("not signed by dee's registered key" in p for p in problems), problems
    figure(
        "attack signed sign-off moved to another screening",
        f"held: detected by audit verify ({len(problems)} problem(s); the signature covers "
        "the screening id and its audit entry)",
    )


# -- 7. the DSL's own newest entries removed by another user ---------------------------------


def test_another_persons_newest_entries_removed(raised: dict[str, Any], figure: Any) -> None:
    folder, child, second = raised["folder"], raised["child"], raised["second"]
    keys = attacker_keys(folder)
    vault_id = raised_vault_id(folder)
    conn = raw_connect(folder, keys.dek)
    rows = conn.execute("SELECT seq, actor FROM audit ORDER BY seq").fetchall()
    keep = max(seq for seq, actor in rows if actor != "dee")  # dee's session is the tail
    before = conn.execute(
        "SELECT reason FROM audit WHERE seq = (SELECT MAX(seq) FROM audit"
        " WHERE action = 'child.level' AND seq <= ?)",
        (keep,),
    ).fetchone()[0]
    level = before.split()[0].split("=", 1)[1]
    sig = keys.signing.sign(
        level_message(vault_id, child, level, "worcestershire-2013", "sam")
    ).hex()
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq > ?", (keep,))
    conn.execute("DELETE FROM signoffs WHERE screening_id = ?", (second,))
    conn.execute("UPDATE screenings SET status = 'confirmed' WHERE id = ?", (second,))
    conn.execute(
        "UPDATE children SET confirmed_level = ?, level_signer = 'sam', level_sig = ? WHERE id = ?",
        (level, sig, child),
    )
    resign_head(folder, conn)
    conn.close()
    # The anchor in the OS credential store (platform/anchors.py) remembers dee's newest entry:
    # the vault is refused as an older copy before anything is read, for dee and for sam.
    refused = []
    for who in ("dee", "sam"):
        with pytest.raises(OlderCopyError) as caught:
            Vault.open(folder, who, PASSPHRASE)
        refused.append(who)
        assert "older copy" in str(caught.value)
    figure(
        "attack the DSL's own newest entries removed by a worker (sign-off high undone)",
        f"refused on open as an older copy for {', '.join(refused)} (the anchor outside the "
        "folder)",
    )


# -- 8. a sender's pack about the same person under a new child id --------------------------


def test_same_person_new_id_pack_does_not_lower_and_is_pointed_out(
    pending: dict[str, Any], vault_factory: Any, tmp_path: Path, figure: Any
) -> None:
    """mal (their own key; the DSL expects it) knows Jay's name and date of birth and sends a
    pack about 'Jay Example' under a new child id, screened at none: the record the DSL raised
    stays as it is, and the import says that a child of that name and birth date is here."""
    from datetime import date

    folder, child = pending["folder"], pending["child"]
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        dee.repos.update_child(child, dob=date(2012, 5, 1))
    mal = vault_factory(user="mal", role="worker", display_name="Mal Sender")
    twin = mal.repos.add_child(name="Jay Example", dob=date(2012, 5, 1))
    confirmed(mal, twin.id, level="none")
    pack = _export(mal, twin.id, tmp_path / "twin.pdf")
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        report = exchange.import_pack(
            dee,
            pack.result.path,
            pack.result.password,
            expected_signer=pack.result.signer_fingerprint,
        )
        level = dee.repos.get_child(child).confirmed_level
        ref = dee.repos.get_child(child).ref
    lines = "\n".join(report.lines())
    assert level == "medium"
    assert ref in lines and "same name and date of birth" in lines, lines
    figure(
        "attack same person under a new child id, level none",
        f"existing record stays {level}; the import report names {ref} as the same name "
        "and date of birth",
    )
