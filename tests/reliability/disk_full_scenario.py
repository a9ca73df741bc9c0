"""Disk-full scenario, run inside a tiny filesystem by test_disk_full.py.

    python disk_full_scenario.py MOUNT RESULT_JSON

Part 1: creates a vault in MOUNT/vault, fills MOUNT with notes until the disk is full, checks the
error, frees the ballast file, saves again, reopens and checks every note that was acknowledged.

Part 2 (issue 22 item 4, the reserve): a vault with its reserve, the disk filled to the last byte
by ballast: it must open (saying the disk is full, never "damaged"), drafts and audit entries
must still save; then notes fill the released reserve until even that is used up, a long draft
is saved "on lock" (into the rescue file) and the vault closed; after freeing space the draft
must be back whole (characters lost: 0). Last, ``init`` on the full disk: a "disk is full"
message and no half vault left.

Writes its findings to RESULT_JSON (outside the small filesystem).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

PASSPHRASE = "otter lamp river gravel"


def main() -> int:
    mount, result_path = Path(sys.argv[1]), Path(sys.argv[2])
    from cse_toolkit.fsutil import DiskFullError
    from cse_toolkit.vault import audit
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    result: dict[str, object] = {}
    folder = mount / "vault"
    vault, _ = Vault.create(folder, "sam", "worker", PASSPHRASE, kdf=FLOOR_PARAMS)
    child = vault.repos.add_child(name="Full Disk", approx_age=15)
    ballast = mount / "ballast"
    ballast.write_bytes(os.urandom(6 * 1024 * 1024))
    when = datetime.now(UTC) - timedelta(hours=1)

    saved: dict[str, str] = {}
    errors: list[str] = []
    committed_despite_error = 0
    for i in range(20_000):
        body = f"note {i} " + os.urandom(1500).hex()
        try:
            note = vault.repos.add_note(child.id, body, when)
        except DiskFullError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
            found = vault.conn.execute("SELECT id FROM notes WHERE body = ?", (body,)).fetchone()
            if found:
                committed_despite_error += 1  # saved, though the user was told it was not
                saved[found[0]] = body
            break
        except Exception as exc:  # noqa: BLE001 - any other error type is a finding
            errors.append(f"UNEXPECTED {type(exc).__name__}: {exc}")
            break
        saved[note.id] = body
    result["commits_before_full"] = len(saved)
    result["error"] = errors[0] if errors else ""
    # Still full: more saves either fail with the same clear error or succeed (SQLite reuses
    # WAL space a failed transaction had claimed); an acknowledged save is never lost.
    later: list[str] = []
    for i in range(5):
        body = f"retry {i} " + os.urandom(1500).hex()
        try:
            saved[vault.repos.add_note(child.id, body, when).id] = body
            later.append("saved")
        except DiskFullError:
            later.append("DiskFullError")
        except Exception as exc:  # noqa: BLE001
            later.append(f"UNEXPECTED {type(exc).__name__}: {exc}")
    result["later_saves"] = later
    have = dict(vault.conn.execute("SELECT id, body FROM notes").fetchall())
    result["lost_while_full"] = sum(1 for k, v in saved.items() if have.get(k) != v)

    def sizes() -> dict[str, int]:
        return {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}

    result["sizes_when_full"] = sizes()
    vault.close()
    # Unlocking writes an audit entry, so on a full disk it fails with the same clear error.
    try:
        Vault.open(folder, "sam", PASSPHRASE).close()
        result["open_while_full"] = "opened"
    except Exception as exc:  # noqa: BLE001
        result["open_while_full"] = f"{type(exc).__name__}: {exc}"

    ballast.unlink()
    vault = Vault.open(folder, "sam", PASSPHRASE)
    resumed = 0
    for i in range(5):
        body = f"after {i} " + os.urandom(200).hex()
        saved[vault.repos.add_note(child.id, body, when).id] = body
        resumed += 1
    result["saves_after_freeing"] = resumed
    vault.close()
    result["sizes_after_close"] = sizes()

    vault = Vault.open(folder, "sam", PASSPHRASE)
    try:
        have = dict(vault.conn.execute("SELECT id, body FROM notes").fetchall())
        result["lost"] = sum(1 for k, v in saved.items() if have.get(k) != v)
        result["integrity"] = vault.integrity_problems()
        result["chain_problems"] = audit.verify_chain(vault.conn, vault.vault_id)[1]
    finally:
        vault.close()
    result["committed_despite_error"] = committed_despite_error
    shutil.rmtree(folder)
    result.update(reserve_part(mount))
    result_path.write_text(json.dumps(result, indent=2))
    return 0


def fill_to_the_last_byte(path: Path) -> None:
    with open(path, "ab", buffering=0) as out:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    out.write(bytes(size))
            except OSError:
                continue


def reserve_part(mount: Path) -> dict[str, object]:
    from cse_toolkit.fsutil import DiskFullError
    from cse_toolkit.vault import reserve
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    out: dict[str, object] = {}
    folder = mount / "reserved"
    vault, _ = Vault.create(folder, "sam", "worker", PASSPHRASE, kdf=FLOOR_PARAMS)
    child = vault.repos.add_child(name="Full Disk", approx_age=15)
    vault.close()
    out["reserve_made"] = (folder / reserve.RESERVE_FILE).exists()
    ballast = mount / "ballast2"
    fill_to_the_last_byte(ballast)
    out["free_when_full"] = reserve.free_bytes(mount)
    try:
        vault = Vault.open(folder, "sam", PASSPHRASE)
        out["open_when_full"] = "opened"
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        out["open_when_full"] = f"{type(exc).__name__}: {exc}"
        return out
    out["open_notice"] = " ".join(vault.notices)
    drafts = audits = 0
    for i in range(20):
        try:
            vault.repos.save_draft("note", child.id, {"body": f"draft {i} " + "x" * 2000})
            drafts += 1
            vault.log_view("child", child.id)
            audits += 1
        except DiskFullError:
            break
    out["drafts_saved_when_full"], out["audits_saved_when_full"] = drafts, audits
    # Use up the released reserve with notes, until even that is full.
    when = datetime.now(UTC) - timedelta(hours=1)
    full_error = ""
    for i in range(20_000):
        try:
            vault.repos.add_note(child.id, f"fill {i} " + os.urandom(1500).hex(), when)
        except DiskFullError as exc:
            full_error = str(exc)
            break
    out["error_when_reserve_used"] = full_error
    # The lock: the editor's text goes to save_draft; the database cannot take it now.
    typed = "".join(chr(0x41 + (i % 26)) for i in range(150_000))
    try:
        draft_id = vault.repos.save_draft("note", child.id, {"body": typed})
        out["lock_save"] = "kept"
    except Exception as exc:  # noqa: BLE001
        out["lock_save"] = f"{type(exc).__name__}: {exc}"
        draft_id = ""
    vault.close()
    ballast.unlink()
    vault = Vault.open(folder, "sam", PASSPHRASE)
    back = {d.id: d.payload.get("body", "") for d in vault.repos.drafts("note")}
    out["chars_lost_on_lock"] = len(typed) - len(back.get(draft_id, "")) if draft_id else -1
    out["text_identical"] = back.get(draft_id) == typed
    out["notice_after_freeing"] = " ".join(vault.notices)
    out["reserve_made_again"] = (folder / reserve.RESERVE_FILE).exists()
    vault.close()
    # init on a full disk: a message, and nothing half-made left for the next try.
    fill_to_the_last_byte(ballast)
    fresh = mount / "fresh"
    try:
        Vault.create(fresh, "sam", "worker", PASSPHRASE, kdf=FLOOR_PARAMS).__getitem__(0).close()
        out["init_when_full"] = "created"
    except Exception as exc:  # noqa: BLE001
        out["init_when_full"] = f"{type(exc).__name__}: {exc}"
    out["init_left_files"] = sorted(p.name for p in fresh.iterdir()) if fresh.exists() else []
    ballast.unlink()
    return out


if __name__ == "__main__":
    sys.exit(main())
