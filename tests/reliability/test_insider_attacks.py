"""Issue 21: the DSL's word holds. Each attack is written as the attacker would make it.

The insider is a worker of the team vault with their own passphrase and a few lines of Python
using the bundled libraries (the data key from their own slot, a raw SQLCipher connection, the
vault's own key from the database to re-sign the chain head file). The sender is anyone who
once received a pack, so knows a child's id, and signs packs with a key of their own. Every
attack must be refused or detected, and each test prints its figures.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from helpers.cli import cli
from helpers.factories import screening_record
from helpers.vaults import PASSPHRASE, anchor_value, put_back_anchor, raw_connect, snapshot

from cse_toolkit.errors import UserError
from cse_toolkit.gui.dsl.queue_words import title
from cse_toolkit.packs.pdfpack import export_pack, open_pack
from cse_toolkit.services import exchange
from cse_toolkit.vault import audit, registry
from cse_toolkit.vault.audit import row_hash
from cse_toolkit.vault.backup import create_backup
from cse_toolkit.vault.keyslots import FLOOR_PARAMS, KeySlots
from cse_toolkit.vault.registry import RegistryError
from cse_toolkit.vault.vault import Vault, level_message, signoff_message

ATTACKER_PASS = "sam knows this one too"
COLS = (
    "seq, at, actor, action, record_type, record_id, record_version, reason, prev_hash, hash, sig"
)


# -- the team and its records ---------------------------------------------------------------


def confirmed(vault: Vault, child_id: str, level: str | None = None, age: int = 14) -> Any:
    """A confirmed worcestershire-2013 screening (one low indicator; age 14: no floor)."""
    return screening_record(
        vault, child_id, child_info={"age": age}, level=level, reason="seen today" if level else ""
    )


@pytest.fixture
def team(tmp_path: Path) -> dict[str, Any]:
    """ada (admin) made the vault and added dee (DSL) and sam (worker). sam screened Jay;
    dee signed it off, raising the level to high; sam screened Jay again (awaiting dee)."""
    folder = tmp_path / "team"
    ada, _ = Vault.create(folder, "ada", "admin", PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("dee", "dsl", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("sam", "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.close()
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        child = sam.repos.add_child(name="Jay Example", approx_age=14)
        first = confirmed(sam, child.id)
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        dee.dsl.sign_off(first.id, "change", level="high", comment="Seen with older men twice.")
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        second = confirmed(sam, child.id, level="high")
    return {"folder": folder, "child": child.id, "signed": first.id, "waiting": second.id}


def attacker_keys(folder: Path) -> Any:
    return KeySlots.load(folder).unwrap_user_keys("sam", PASSPHRASE)


def dee_report(folder: Path) -> Any:
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        return dee.audit_report()


def cli_verify(folder: Path, user: str = "dee") -> Any:
    return cli(
        "audit", "verify", "--data-dir", str(folder), "--user", user, stdin=PASSPHRASE + "\n"
    )


def vault_key(conn: Any) -> Ed25519PrivateKey:
    raw = conn.execute("SELECT value FROM meta WHERE key = 'signing_key'").fetchone()[0]
    return Ed25519PrivateKey.from_private_bytes(bytes(raw))


def resign_head(folder: Path, conn: Any) -> None:
    """What a careful forger does last: the head file matches the edited chain again."""
    vid = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0]
    head = audit.head(conn)
    assert head is not None
    audit.write_head_file(folder, vid, head, vault_key(conn))


# -- 1. a role edited with SQL ---------------------------------------------------------------


def test_role_edited_with_sql_is_refused_and_detected(team: dict[str, Any], figure: Any) -> None:
    folder = team["folder"]
    conn = raw_connect(folder, attacker_keys(folder).dek)
    conn.execute("UPDATE users SET role = 'dsl' WHERE name = 'sam'")  # no audit row
    conn.close()
    with pytest.raises(RegistryError) as refused:
        Vault.open(folder, "sam", PASSPHRASE)
    assert "sam's role is dsl in the database but worker in the signed user registry" in str(
        refused.value
    )
    run = cli(
        "import-pack",
        str(folder / "none.pdf"),
        "--data-dir",
        str(folder),
        "--user",
        "sam",
        "--password-stdin",
        stdin=f"{PASSPHRASE}\nx\n",
    )
    assert run.returncode == 1 and "cannot sign in" in run.stderr and "Traceback" not in run.stderr
    verify = cli_verify(folder)
    assert verify.returncode == 1 and "sam's role is dsl in the database" in verify.stdout
    figure(
        "attack role edit by SQL",
        "refused at sam's unlock and by the CLI; audit verify (dee): detected, exit 1",
    )


# -- 2. a forged DSL key slot, then a "sign-off as the DSL", keyslots.json put back ---------


def test_forged_dsl_slot_cannot_sign_as_the_dsl(team: dict[str, Any], figure: Any) -> None:
    folder = team["folder"]
    keys = attacker_keys(folder)
    original = (folder / "keyslots.json").read_bytes()
    # This attacker also rewrites the anchor in the credential store (same OS account) when
    # putting the slots back: this test is about what the signatures show, not the anchor.
    anchor_before = anchor_value(folder)
    forged = Ed25519PrivateKey.generate()
    slots = KeySlots.load(folder)
    slots.set_user("dee", ATTACKER_PASS, keys.dek, FLOOR_PARAMS, signing=forged, root=keys.root)
    slots.save()
    with pytest.raises(RegistryError) as refused:
        Vault.open(folder, "dee", ATTACKER_PASS)
    assert "not the one registered for dee" in str(refused.value)
    slots = KeySlots.load(folder)
    slots.set_user("dee", ATTACKER_PASS, keys.dek, FLOOR_PARAMS)  # an old-style slot, no key
    slots.save()
    with pytest.raises(RegistryError, match="has no signing key although one is registered"):
        Vault.open(folder, "dee", ATTACKER_PASS)

    # Bypassing the app: sign the waiting screening off "as dee" and lower the level.
    conn = raw_connect(folder, keys.dek)
    vid = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0]
    dee_id = conn.execute("SELECT id FROM users WHERE name = 'dee'").fetchone()[0]
    now = "2026-12-03T09:00:00Z"
    signoff_id = str(uuid.uuid4())
    conn.execute("BEGIN IMMEDIATE")
    head = audit.append(
        conn,
        vid,
        now,
        "dee",
        "signoff.change",
        "signoff",
        signoff_id,
        1,
        f"screening={team['waiting']} level=low",
        signer=forged,
    )
    sig = forged.sign(
        signoff_message(
            vid, signoff_id, team["waiting"], "change", "low", "fine", head.seq, head.hash, "dee"
        )
    ).hex()
    conn.execute(
        "INSERT INTO signoffs (id, origin, created_at, created_by, updated_at, screening_id,"
        " decision, level, comment, chain_seq, chain_hash, sig) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            signoff_id,
            vid,
            now,
            dee_id,
            now,
            team["waiting"],
            "change",
            "low",
            "fine",
            head.seq,
            head.hash,
            sig,
        ),
    )
    conn.execute("UPDATE screenings SET status = 'signed_off' WHERE id = ?", (team["waiting"],))
    level_sig = forged.sign(
        level_message(vid, team["child"], "low", "worcestershire-2013", "dee")
    ).hex()
    conn.execute(
        "UPDATE children SET confirmed_level = 'low', level_signer = 'dee',"
        " level_sig = ? WHERE id = ?",
        (level_sig, team["child"]),
    )
    conn.execute("COMMIT")
    resign_head(folder, conn)
    conn.close()
    (folder / "keyslots.json").write_bytes(original)  # the real DSL's passphrase works again
    put_back_anchor(folder, anchor_before)

    from cse_toolkit.vault.errors import VaultDamagedError

    try:
        dee = Vault.open(folder, "dee", PASSPHRASE)
    except VaultDamagedError as exc:
        # issue 22: the screening and the child no longer match their newest audit entries
        # (the worker's SQL went around the app), so the vault is refused before it is read.
        assert team["child"][:8] in str(exc) and team["waiting"][:8] in str(exc)
        verify = cli_verify(folder)
        assert verify.returncode == 1
        figure(
            "attack forged DSL slot",
            "unlock as dee refused (2 of 2 slot forms); the forged sign-off and lowered level "
            "refused on open (records do not match their audit entries); CLI exit 1",
        )
        return
    with dee:
        signoffs = dee.dsl.signoffs_for(team["waiting"])
        assert [s.verified for s in signoffs] == [False]
        refused_items = [i for i in dee.dsl.queue() if i.record_id == team["waiting"]]
        assert refused_items and "refused" in title(refused_items[0])
        report = dee.audit_report()
        # The real DSL can still sign it off: the forged one does not count.
        dee.dsl.sign_off(team["waiting"], "agree")
        assert dee.dsl.signoffs_for(team["waiting"])[-1].verified
    problems = report.problems
    assert any("(signoff.change) is not signed by dee's registered key" in p for p in problems)
    assert any(
        f"sign-off {signoff_id[:8]}: it is not signed by dee's registered key" in p
        for p in problems
    )
    assert any(
        "its level 'low' is not signed by the person who set it (dee)" in p for p in problems
    )
    verify = cli_verify(folder)
    assert verify.returncode == 1
    figure(
        "attack forged DSL slot",
        "unlock as dee refused (2 of 2 slot forms); forged sign-off "
        f"shown unsigned and refused in the queue; audit verify: {len(problems)} problems "
        "(entry, sign-off, level)",
    )


# -- 3. a ghost admin --------------------------------------------------------------------


def test_ghost_admin_is_refused_and_cannot_sign_the_registry(
    team: dict[str, Any], figure: Any
) -> None:
    folder = team["folder"]
    keys = attacker_keys(folder)
    ghost = Ed25519PrivateKey.generate()
    conn = raw_connect(folder, keys.dek)
    conn.execute(
        "INSERT INTO users (id, name, role, created_at, public_key) VALUES"
        " (?, 'ghost', 'admin', '2026-12-03T09:00:00Z', ?)",
        (str(uuid.uuid4()), registry.public_b64(ghost)),
    )
    conn.close()
    slots = KeySlots.load(folder)
    slots.set_user("ghost", ATTACKER_PASS, keys.dek, FLOOR_PARAMS, signing=ghost, root=keys.root)
    slots.save()
    with pytest.raises(RegistryError, match="ghost is not in the signed user registry"):
        Vault.open(folder, "ghost", ATTACKER_PASS)
    assert any("ghost is not in the signed user registry" in p for p in dee_report(folder).problems)

    # The ghost signs a registry version of its own making: everyone is refused, by name.
    conn = raw_connect(folder, keys.dek)
    vid = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0]
    state = registry.load(conn, vid)
    conn.execute("BEGIN IMMEDIATE")
    registry.append(
        conn, vid, state, registry.db_entries(conn), "ghost", ghost, "2026-12-03T09:00:00Z", 99
    )
    conn.execute("COMMIT")
    conn.close()
    with pytest.raises(RegistryError, match="signed by ghost, who was not an admin"):
        Vault.open(folder, "dee", PASSPHRASE)

    # ... or replaces the whole registry with one rooted in its own key.
    conn = raw_connect(folder, keys.dek)
    conn.execute("DROP TRIGGER registry_no_delete")
    conn.execute("DELETE FROM registry")
    fresh = registry.RegistryState()
    conn.execute("BEGIN IMMEDIATE")
    registry.append(
        conn, vid, fresh, registry.db_entries(conn), "ghost", ghost, "2026-12-03T09:00:00Z", 1
    )
    conn.execute("COMMIT")
    conn.close()
    with pytest.raises(RegistryError, match="user registry was replaced since you last signed"):
        Vault.open(folder, "dee", PASSPHRASE)
    with pytest.raises(RegistryError, match="replaced"):
        Vault.open(folder, "ada", PASSPHRASE)
    figure(
        "attack ghost admin",
        "ghost refused at unlock; its registry version refused (signer "
        "not an admin); a replaced registry refused at dee's and ada's unlock (root pinned "
        "in their own slots)",
    )


# -- 4. dropped triggers, deleted rows, re-chained and re-signed audit -----------------------


def _rewrite(folder: Path, keys: Any, edit: Any) -> None:
    conn = raw_connect(folder, keys.dek)
    vid = conn.execute("SELECT value FROM meta WHERE key = 'vault_id'").fetchone()[0]
    rows = conn.execute(f"SELECT {COLS} FROM audit ORDER BY seq").fetchall()
    rows = edit(rows)
    out, prev = [], audit.genesis_hash(vid)
    for i, r in enumerate(rows, start=1):
        digest = row_hash(i, r[1], r[2], r[3], r[4], r[5], r[6], r[7], prev)
        sig = r[10]
        if r[2] == "sam":  # the forger re-signs their own entries with their own key
            sig = keys.signing.sign(audit.signed_message(vid, digest)).hex()
        out.append((i, *r[1:8], prev, digest, sig))
        prev = digest
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM audit")
    for r in out:
        conn.execute(f"INSERT INTO audit ({COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)", r)
    conn.execute("COMMIT")
    conn.execute(
        "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
        "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END"
    )
    resign_head(folder, conn)
    conn.close()


def test_rechained_audit_is_detected_by_others_signatures(
    team: dict[str, Any], tmp_path: Path, figure: Any
) -> None:
    import shutil

    folder = team["folder"]
    keys = attacker_keys(folder)
    assert dee_report(folder).problems == []
    cases = {
        "one of sam's entries before dee's deleted, all re-chained": lambda rows: _drop_first(
            rows, lambda r: r[2] == "sam" and r[3] == "child.create"
        ),
        "dee's sign-off entry deleted, all re-chained": lambda rows: _drop_first(
            rows, lambda r: r[3] == "signoff.change"
        ),
        "dee's sign-off re-attributed to sam, all re-chained": lambda rows: [
            (*r[:2], "sam", *r[3:]) if r[3] == "signoff.change" else r for r in rows
        ],
    }
    detected = 0
    for name, edit in cases.items():
        trial = tmp_path / f"trial-{detected}"
        shutil.copytree(folder, trial)
        _rewrite(trial, keys, edit)
        problems = dee_report(trial).problems
        assert problems, name
        detected += 1
    verify = cli_verify(trial)  # the last case: dee's sign-off now claims to be sam's
    assert verify.returncode == 1 and "(signoff.change): sam was a worker then" in verify.stdout
    # What stays possible (docs/SECURITY.md): a user removing their OWN newest entries.
    own_tail = tmp_path / "own-tail"
    shutil.copytree(folder, own_tail)
    _rewrite(own_tail, keys, lambda rows: rows[:-1] if rows[-1][2] == "sam" else rows)
    tail_problems = dee_report(own_tail).problems
    figure(
        "attack re-chained audit",
        f"{detected}/{len(cases)} detected by audit verify "
        "(other people's signatures no longer cover the chain)",
    )
    limit = (
        "yes"
        if tail_problems
        else ("no (as documented; caught by heads signed into packs and sign-offs held by others)")
    )
    figure("limit: own newest entries removed", f"detected locally: {limit}")


def _drop_first(rows: list[Any], match: Any) -> list[Any]:
    index = next(i for i, r in enumerate(rows) if match(r))
    return rows[:index] + rows[index + 1 :]


# -- 5. lowering packs, from an unknown and from a known signer --------------------------------


@pytest.fixture
def exchange_pair(vault_factory: Any, tmp_path: Path) -> dict[str, Any]:
    """A worker's vault sent Jay's referral with a screening at low; the DSL imported it
    (fingerprint compared) and signed it off, raising the level to high."""
    worker = vault_factory(user="sam", role="worker", display_name="Sam Okafor")
    dsl = vault_factory(user="dee", role="dsl", display_name="Dee Lead")
    child = worker.repos.add_child(name="Jay Example", approx_age=14)
    worker.repos.add_note(child.id, "Seen at the bus station at 21:40.", worker.now())
    first = confirmed(worker, child.id)
    done = _export(worker, child.id, tmp_path / "first.pdf")
    exchange.import_pack(dsl, done.result.path, done.result.password, confirmed="compared")
    dsl.dsl.sign_off(first.id, "change", level="high", comment="Two reports of older men.")
    assert dsl.repos.get_child(child.id).confirmed_level == "high"
    return {"worker": worker, "dsl": dsl, "child": child.id, "first": done, "screening": first.id}


def _export(vault: Vault, child_id: str, out: Path) -> Any:
    pack = exchange.build_pack(
        vault,
        "referral",
        child_id=child_id,
        sharing=exchange.SharingChoice(consent_sought=True, consent_given=True),
    )
    return exchange.export(vault, pack, out)


def _state(dsl: Vault, child_id: str) -> tuple[Any, ...]:
    c = dsl.conn
    return (
        dsl.repos.get_child(child_id).confirmed_level,
        c.execute("SELECT COUNT(*) FROM notes WHERE child_id = ?", (child_id,)).fetchone()[0],
        c.execute(
            "SELECT status FROM screenings WHERE child_id = ? ORDER BY rowid", (child_id,)
        ).fetchall(),
    )


def test_a_known_signer_cannot_lower_a_dsl_confirmed_level(
    exchange_pair: dict[str, Any], tmp_path: Path, figure: Any
) -> None:
    worker, dsl, child = exchange_pair["worker"], exchange_pair["dsl"], exchange_pair["child"]
    confirmed(worker, child, level="none")  # the sender now says: no concern
    worker.repos.add_note(child, "Says things are fine now.", worker.now())
    done = _export(worker, child, tmp_path / "second.pdf")
    report = exchange.import_pack(dsl, done.result.path, done.result.password)
    assert dsl.repos.get_child(child).confirmed_level == "high"  # not lowered
    levels = [c for c in report.conflicts if c.record_type == "level"]
    assert len(levels) == 1 and "lower than the level here" in levels[0].why
    # The sender's screening is kept as the sender's, and the DSL's sign-off still stands.
    rows = dsl.conn.execute(
        "SELECT status, created_by, origin FROM screenings WHERE child_id = ? ORDER BY rowid",
        (child,),
    ).fetchall()
    assert rows[0][0] == "signed_off" and rows[-1][1].startswith("import:Sam Okafor")
    assert rows[-1][2] == worker.vault_id
    assert dsl.dsl.signoffs_for(exchange_pair["screening"])[-1].verified
    # No false "changed here since it was imported" for the legitimate second pack.
    assert not any("changed here since" in c.why for c in report.conflicts), report.lines()
    pending = exchange.pending_conflicts(dsl)
    assert [p.record_type for p in pending] == ["level"] and pending[0].sender == "Sam Okafor"
    exchange.resolve_conflict(dsl, pending[0].import_id, child, "local")
    assert dsl.repos.get_child(child).confirmed_level == "high"
    assert dsl.audit_report().problems == []
    figure(
        "attack lowering pack, known signer",
        "level kept at high (1 level conflict for the "
        "DSL); sender's screening kept as theirs; sign-off intact; 0 false conflicts",
    )


def test_an_unknown_signer_waits_and_cannot_merge_into_a_child(
    exchange_pair: dict[str, Any], tmp_path: Path, figure: Any
) -> None:
    dsl, child = exchange_pair["dsl"], exchange_pair["child"]
    first = exchange_pair["first"].result
    # The attacker received the first pack: they copy it, keep the worker's vault id, add a
    # screening confirmed at none and a note, and sign it with their own key.
    pack = open_pack(first.path, first.password).pack
    mallory = Ed25519PrivateKey.generate()
    screening_rec = next(r for r in pack.records if r.type == "screening")
    lowered = screening_rec.model_copy(
        update={
            "id": str(uuid.uuid4()),
            "data": screening_rec.data.model_copy(update={"confirmed_level": "none"}),
        }
    )
    note = next(r for r in pack.records if r.type == "note")
    extra = note.model_copy(
        update={
            "id": str(uuid.uuid4()),
            "data": note.data.model_copy(update={"text": "Case can be closed."}),
        }
    )
    forged = pack.model_copy(
        update={
            "pack_id": str(uuid.uuid4()),
            "vault": pack.vault.model_copy(update={"public_key": registry.public_b64(mallory)}),
            "records": [*pack.records, lowered, extra],
        }
    )
    out = export_pack(forged, tmp_path / "forged.pdf", mallory, "a password for it")
    # An insider with the DSL vault's data key pre-trusts the attacker's key around the app
    # (a row "signed" with the attacker's own key in dee's name): it does not count.
    from cse_toolkit.vault.vault import trust_message

    conn = raw_connect(dsl.folder, KeySlots.load(dsl.folder).unwrap_user("dee", PASSPHRASE))
    conn.execute(
        "INSERT INTO trusted_signers (public_key, fingerprint, decided_by, decided_at, how,"
        " signed_by, sig) VALUES (?,?,?,?,?,?,?)",
        (
            registry.public_b64(mallory),
            "",
            "dee",
            "2026-12-03T09:00:00Z",
            "compared",
            "dee",
            mallory.sign(trust_message(dsl.vault_id, registry.public_b64(mallory), "dee")).hex(),
        ),
    )
    conn.close()
    assert not exchange.is_trusted(dsl, registry.public_b64(mallory))
    before = _state(dsl, child)
    head = dsl.chain_head()
    with pytest.raises(exchange.UnknownSigner) as refused:
        exchange.import_pack(dsl, out.path, out.password)
    assert out.signer_fingerprint in str(refused.value)
    assert _state(dsl, child) == before and dsl.chain_head() == head  # nothing written
    run = cli(
        "import-pack",
        str(out.path),
        "--data-dir",
        str(dsl.folder),
        "--user",
        "dee",
        "--password-stdin",
        stdin=f"{PASSPHRASE}\n{out.password}\n",
    )
    assert run.returncode == 1 and "--expect-signer" in run.stderr
    # Even if the DSL is talked into confirming the key, nothing merges into Jay's record.
    report = exchange.import_pack(dsl, out.path, out.password, out.signer_fingerprint)
    assert _state(dsl, child) == before
    assert report.added == {} and len(report.conflicts) == len(forged.records) - 1
    assert all("already here from another source" in c.why for c in report.conflicts)
    assert exchange.is_trusted(dsl, registry.public_b64(mallory))  # now dee's own decision
    figure(
        "attack lowering pack, unknown signer",
        "refused before import, also with a trust "
        "row forged around the app (0 rows written, CLI exit 1); once confirmed: 0 changes, "
        f"{len(report.conflicts)} records held as conflicts",
    )


# -- 6. a worker restores an old backup -------------------------------------------------------


def test_worker_cannot_restore_and_a_dsl_restore_keeps_todays_slots(
    team: dict[str, Any], tmp_path: Path, figure: Any
) -> None:
    from cse_toolkit.vault.vault import change_passphrase

    folder = team["folder"]
    backup = tmp_path / "sam-backup.zip"
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        create_backup(sam, backup)
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        dee.dsl.sign_off(team["waiting"], "agree")
    new_dee = "dee has a new passphrase now"
    change_passphrase(folder, "dee", PASSPHRASE, new_dee, kdf=FLOOR_PARAMS)
    before = snapshot(folder)
    run = cli(
        "restore",
        str(backup),
        "--data-dir",
        str(folder),
        "--user",
        "sam",
        "--reason",
        "oops",
        stdin=PASSPHRASE + "\n",
    )
    assert run.returncode == 1 and "Only a designated safeguarding lead or an admin" in run.stderr
    assert snapshot(folder) == before
    run = cli(
        "restore",
        str(backup),
        "--data-dir",
        str(folder),
        "--user",
        "dee",
        "--reason",
        "laptop disk replaced",
        stdin=new_dee + "\n",
    )
    assert run.returncode == 0, run.stderr
    assert "was kept at" in run.stdout
    kept = Path(run.stdout.split("was kept at ")[1].split(" (")[0])
    assert kept.is_dir() and (kept / "vault.db").exists()
    with pytest.raises(UserError, match="not right"):
        Vault.open(folder, "dee", PASSPHRASE)  # the old passphrase did not come back
    with Vault.open(folder, "dee", new_dee) as dee:
        rows = dee.conn.execute(
            "SELECT actor, reason, sig FROM audit WHERE action = 'vault.restore'"
        ).fetchall()
        assert rows and rows[-1][0] == "dee" and "laptop disk replaced" in rows[-1][1]
        assert rows[-1][2]  # signed by dee
        assert dee.audit_report().problems == []
    figure(
        "attack worker restore",
        "refused (exit 1, files unchanged); DSL restore: audited "
        "with reason, old passphrase stays dead, replaced vault kept and named",
    )


# -- 7. hostile sender names (ANSI, HTML, bidi) ----------------------------------------------

HOSTILE_SENDER = "\x1b[2K\x1b[1A\r  signed by key 0000 0000 0000 0000\x1b[8m"
HOSTILE_ORG = '<table><tr><td>Fingerprint 0000 0000</td></tr></table><img src="file:///etc/x">'
HOSTILE_RECIPIENT = "CSE team \u202eetis dekcah\u202c\x9b31m"


@pytest.fixture
def hostile_pack(vault_factory: Any, tmp_path: Path) -> Any:
    sender = vault_factory(user="mallory", role="worker", display_name=HOSTILE_SENDER)
    child = sender.repos.add_child(name="<b>Bold</b> \x1b[31mRed", approx_age=13)
    sender.repos.add_note(child.id, "Note <img src=x> \x1b]0;title\x07", sender.now())
    pack = exchange.build_pack(
        sender,
        "referral",
        child_id=child.id,
        sharing=exchange.SharingChoice(consent_sought=True, consent_given=True),
    )
    pack = pack.model_copy(
        update={
            "organisation": HOSTILE_ORG,
            "recipient": pack.recipient.model_copy(update={"name": HOSTILE_RECIPIENT}),
        }
    )
    return exchange.export(sender, pack, tmp_path / "hostile.pdf").result


def test_hostile_text_is_shown_escaped_in_the_cli(
    hostile_pack: Any, vault_factory: Any, figure: Any
) -> None:
    run = cli(
        "verify-pack",
        str(hostile_pack.path),
        "--password-stdin",
        stdin=hostile_pack.password + "\n",
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    bad = [ch for ch in out if ch in "\x1b\x9b\u202e\u202c\x07\r"]
    assert bad == [], repr(out)
    assert "\\x1b[2K\\x1b[1A\\x0d  signed by key 0000" in out
    assert f"  signed by key {hostile_pack.signer_fingerprint}\n" in out  # the real one, intact
    assert "\\u202e" in out and "\\x9b" in out
    dsl = vault_factory(user="dee", role="dsl")
    folder = dsl.folder
    dsl.close()
    run = cli(
        "import-pack",
        str(hostile_pack.path),
        "--data-dir",
        str(folder),
        "--password-stdin",
        stdin=f"{PASSPHRASE}\n{hostile_pack.password}\n",
    )
    assert run.returncode == 1 and "\x1b" not in run.stderr and "\\x1b[2K" in run.stderr
    run = cli(
        "import-pack",
        str(hostile_pack.path),
        "--data-dir",
        str(folder),
        "--password-stdin",
        "--expect-signer",
        hostile_pack.signer_fingerprint,
        stdin=f"{PASSPHRASE}\n{hostile_pack.password}\n",
    )
    assert run.returncode == 0 and not any(ch in run.stdout for ch in "\x1b\u202e"), run.stderr
    figure(
        "attack ANSI/bidi sender name (CLI)",
        "verify-pack, import-pack refusal and report: "
        "0 control characters printed; the real fingerprint line intact",
    )


# The same hostile pack in the GUI (Qt tests live in tests/gui): see
# tests/gui/test_untrusted_text.py::test_import_dialog_shows_hostile_fields_as_plain_text.
