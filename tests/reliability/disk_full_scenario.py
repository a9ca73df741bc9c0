"""Disk-full scenario, run inside a tiny filesystem by test_disk_full.py.

    python disk_full_scenario.py MOUNT RESULT_JSON

Creates a vault in MOUNT/vault, fills MOUNT with notes until the disk is full, checks the error,
frees the ballast file, saves again, reopens and checks every note that was acknowledged.
Writes its findings to RESULT_JSON (outside the small filesystem).
"""

from __future__ import annotations

import json
import os
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
    ballast.write_bytes(os.urandom(768 * 1024))
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
    result_path.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
