"""Vault helpers for the reliability and vault tests: set-up, raw access, tampering, checks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
# The writer process of the kill -9 tests (tests/vault uses it for the crash-then-open cases).
WRITER = REPO / "tests" / "reliability" / "writer.py"
PASSPHRASE = "otter lamp river gravel"  # tests/conftest.py PASSPHRASE


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> digest)."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def make_vault(folder: Path, user: str = "sam", role: str = "worker") -> Any:
    """An open vault at the floor Argon2id parameters (fast)."""
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    vault, _ = Vault.create(folder, user, role, PASSPHRASE, kdf=FLOOR_PARAMS)
    return vault


def dek_of(folder: Path, user: str = "sam", passphrase: str = PASSPHRASE) -> bytes:
    from cse_toolkit.vault.keyslots import KeySlots

    return KeySlots.load(folder).unwrap_user(user, passphrase)


def raw_connect(folder: Path, dek: bytes) -> Any:
    """A connection with the vault's recipe but none of the app's checks (for tampering)."""
    from cse_toolkit.vault import db

    return db.connect(folder / db.DB_FILE, dek)


def open_with_key(folder: Path, dek: bytes, user: str = "sam") -> Any:
    """Open like ``Vault.open`` but skip the key derivation (many trials per test)."""
    from cse_toolkit.vault.vault import open_with_key_for_restore

    return open_with_key_for_restore(folder, user, dek)


def table_names(conn: Any) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return sorted(r[0] for r in rows)


def dump_tables(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (read through the app's error mapping)."""
    from cse_toolkit.vault import db

    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        for name in table_names(conn):
            if name == "notes_fts":
                out[name] = conn.execute(
                    "SELECT rowid, body FROM notes_fts WHERE notes_fts MATCH 'bus OR park'"
                    " ORDER BY rowid"
                ).fetchall()
                continue
            rows = conn.execute(f"SELECT * FROM {name}").fetchall()
            out[name] = rows if name == "audit" else sorted(rows, key=repr)  # audit: seq order
    except db.DatabaseError as exc:
        raise db.translate(exc, "reading") from exc
    return out


def parse_acks(lines: list[str]) -> dict[str, Any]:
    """Fold the writer's acknowledgement lines into what must be in the vault."""
    acked: dict[str, Any] = {
        "child": {},
        "note": {},
        "step": set(),
        "missing": set(),
        "draft": {},
        "deleting": set(),
        "commits": 0,
    }
    for line in lines:
        parts = line.split()
        if not parts or parts[0] in ("ready", "held"):
            continue
        kind = parts[0]
        if kind == "intent-del":
            acked["deleting"].add(parts[1])
            continue
        acked["commits"] += 1
        if kind == "child":
            acked["child"].setdefault(parts[1], 1)
        elif kind == "childv":
            acked["child"][parts[1]] = max(int(parts[2]), acked["child"].get(parts[1], 1))
        elif kind == "note":
            acked["note"][parts[1]] = parts[2]
        elif kind in ("step", "missing"):
            acked[kind].add(parts[1])
        elif kind == "draft":
            acked["draft"][parts[1]] = max(int(parts[2]), acked["draft"].get(parts[1], -1))
        else:
            raise AssertionError(f"unexpected writer line {line!r}")
    return acked


def missing_acks(conn: Any, acked: dict[str, Any]) -> list[str]:
    """Acknowledged writes that are not in the database (should always be empty)."""
    import json

    lost: list[str] = []
    versions = dict(conn.execute("SELECT id, version FROM children").fetchall())
    for child_id, version in acked["child"].items():
        if versions.get(child_id, 0) < version:
            lost.append(f"child {child_id} v{version} (have {versions.get(child_id)})")
    bodies = dict(conn.execute("SELECT id, body FROM notes").fetchall())
    for note_id, digest in acked["note"].items():
        body = bodies.get(note_id)
        if body is None or hashlib.sha256(body.encode()).hexdigest()[:16] != digest:
            lost.append(f"note {note_id}")
    steps = {r[0] for r in conn.execute("SELECT id FROM pathway_steps")}
    lost += [f"step {s}" for s in acked["step"] - steps]
    episodes = {r[0] for r in conn.execute("SELECT id FROM missing_episodes")}
    lost += [f"missing {m}" for m in acked["missing"] - episodes]
    drafts = {r[0]: json.loads(r[1])["n"] for r in conn.execute("SELECT id, payload FROM drafts")}
    for draft_id, n in acked["draft"].items():
        if draft_id in acked["deleting"]:
            continue
        if drafts.get(draft_id, -1) < n:
            lost.append(f"draft {draft_id} n={n}")
    return lost


def fill(vault: Any, children: int = 20, notes: int = 150, seed: int = 1) -> None:
    """Realistic contents spread over many pages."""
    import random
    from datetime import UTC, datetime, timedelta

    rng = random.Random(seed)
    words = "bus station park car phone adult party school late gift money taxi hotel".split()
    now = datetime.now(UTC)
    ids = [
        vault.repos.add_child(name=f"Child {i}", alias=rng.choice(words), approx_age=12 + i % 5).id
        for i in range(children)
    ]
    for i in range(notes):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(5, 600)))
        when = now - timedelta(days=rng.randint(1, 300))
        vault.repos.add_note(rng.choice(ids), f"note {i} {body}", when, place=rng.choice(words))
    vault.repos.save_draft("note", ids[0], {"body": "half-written"})


def copy_vault(src: Path, dst: Path) -> None:
    """Copy a closed vault's files (no -wal/-shm: a closed vault has none)."""
    import shutil

    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(mode=0o700)
    for name in ("vault.db", "keyslots.json", "chainhead.json"):
        shutil.copy2(src / name, dst / name)
    copy_anchor(src, dst)


def anchor_value(folder: Path) -> Any:
    """The anchor this laptop keeps for ``folder`` (None if none)."""
    from cse_toolkit.vault import anchor
    from cse_toolkit.vault.keyslots import KeySlots

    return anchor.load(folder, KeySlots.load(folder).vault_id)


def put_back_anchor(folder: Path, value: Any) -> None:
    """What an attacker in the same OS account could also do: the anchor set to ``value``."""
    from cse_toolkit.vault import anchor
    from cse_toolkit.vault.keyslots import KeySlots

    vault_id = KeySlots.load(folder).vault_id
    if value is None:
        anchor.forget(folder, vault_id)
    else:
        anchor.save(folder, vault_id, value)


def copy_anchor(src: Path, dst: Path) -> None:
    """The copy at ``dst`` gets the rollback anchor this laptop keeps for ``src`` (as if it
    were the same vault on the same laptop), or none."""
    from cse_toolkit.vault import anchor
    from cse_toolkit.vault.keyslots import KeySlots

    vault_id = KeySlots.load(src).vault_id
    kept = anchor.load(src, vault_id)
    if kept is None:
        anchor.forget(dst, vault_id)
    else:
        anchor.save(dst, vault_id, kept)


def probe(folder: Path, dek: bytes, reference: dict[str, Any] | None) -> str:
    """Open a (possibly damaged) vault and read everything; returns how it went:

    ``refused:<Error>`` on open, ``read:<Error>`` while reading, ``chain`` / ``integrity`` when a
    check reported problems, ``intact`` when everything matched ``reference``, ``WRONG`` when
    data silently differed, ``unclear:<Type>: msg`` for an error a user could not act on.
    """
    from cse_toolkit.errors import UserError
    from cse_toolkit.vault import audit

    try:
        vault = open_with_key(folder, dek)
    except UserError as exc:
        return f"refused:{type(exc).__name__}"
    except Exception as exc:  # noqa: BLE001 - classified, not swallowed
        return f"unclear:{type(exc).__name__}: {exc}"
    try:
        try:
            data = dump_tables(vault.conn)
            data["app"] = app_dump(vault)
        except UserError as exc:
            return f"read:{type(exc).__name__}"
        except Exception as exc:  # noqa: BLE001
            return f"unclear:{type(exc).__name__}: {exc}"
        if reference is not None:
            for name, rows in reference.items():
                if name in FTS_SHADOW:
                    continue
                got = data.get(name)
                if name == "audit":
                    got = (got or [])[: len(rows)]
                if got != rows:
                    return f"WRONG:{name}"
        try:
            _, chain = audit.verify_chain(vault.conn, vault.vault_id)
        except Exception as exc:  # noqa: BLE001
            from cse_toolkit.vault import db

            err = db.translate(exc, "reading")
            if isinstance(err, UserError):
                return f"read:{type(err).__name__}"
            return f"unclear:{type(exc).__name__}: {exc}"
        if chain:
            return "chain"
        if vault.integrity_problems():
            return "integrity"
    finally:
        vault.close()
    return "intact"
    for name, rows in reference.items():
        got = data.get(name)
        if name == "audit":
            got = (got or [])[: len(rows)]
        if got != rows:
            return f"WRONG:{name}"
    return "intact"


SEARCH_WORDS = "bus station park car phone adult party school late gift money taxi hotel".split()
# The search index's internal tables: what they mean is compared through app_dump's searches.
FTS_SHADOW = ("notes_fts_data", "notes_fts_idx", "notes_fts_docsize", "notes_fts_config")


def app_dump(vault: Any) -> list[Any]:
    """What the app shows (through the repositories and their indexes, not table scans): each
    child, their notes and screenings, and the drafts."""
    from cse_toolkit.vault import db

    try:
        shown: list[Any] = []
        for child in vault.repos.list_children():
            shown.append(
                (
                    repr(child),
                    [repr(n) for n in vault.repos.notes_for(child.id)],
                    [repr(s) for s in vault.repos.screenings_for(child.id)],
                )
            )
        shown.append([repr(d) for d in vault.repos.drafts()])
        # What the notes' search shows, for every word fill() writes (the search index's own
        # tables are compared by what they return, not page by page).
        for word in SEARCH_WORDS:
            shown.append((word, vault.repos.search_notes(word)))
        return shown
    except db.DatabaseError as exc:
        raise db.translate(exc, "reading") from exc


def reference_dump(src: Path, scratch: Path, dek: bytes) -> dict[str, Any]:
    """What a healthy copy of ``src`` reads as (its own open entry left out of the audit)."""
    copy_vault(src, scratch)
    vault = open_with_key(scratch, dek)
    try:
        data = dump_tables(vault.conn)
        data["app"] = app_dump(vault)
    finally:
        vault.close()
    data["audit"] = data["audit"][:-1]
    return data


def flip_bit(path: Path, position: int, bit: int) -> None:
    with path.open("r+b") as f:
        f.seek(position)
        byte = f.read(1)[0]
        f.seek(position)
        f.write(bytes([byte ^ (1 << bit)]))


def scratch_root(tmp_path: Path) -> Path:
    """A folder on tmpfs when there is one (many open/close cycles; fsync is free there)."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        import tempfile

        return Path(tempfile.mkdtemp(prefix="cse-rel-", dir=shm))
    return tmp_path


AUDIT_TRIGGERS = (
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END",
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END",
)


def tamper_audit(folder: Path, dek: bytes, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """What an insider with the data key could do: drop the triggers, change rows, put the
    triggers back."""
    conn = raw_connect(folder, dek)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("DROP TRIGGER audit_no_delete")
        for sql, params in statements:
            conn.execute(sql, params)
        for sql in AUDIT_TRIGGERS:
            conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def audit_rows(folder: Path, dek: bytes) -> list[tuple[Any, ...]]:
    conn = raw_connect(folder, dek)
    try:
        # The chained columns (each entry's signature, (2), is checked by audit verify).
        return conn.execute(
            "SELECT seq, at, actor, action, record_type, record_id, record_version, reason,"
            " prev_hash, hash FROM audit ORDER BY seq"
        ).fetchall()
    finally:
        conn.close()
