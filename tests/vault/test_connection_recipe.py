"""The connection recipe (DESIGN.md, second edition): what every vault connection sets.

``cipher_memory_security`` is OFF on purpose (docs/SECURITY.md, "Memory security off"): the
lock, which ends the process, answers the memory risk. A change back to ON must be a decision,
so this test says OFF.
"""

from __future__ import annotations

from pathlib import Path

from helpers.vaults import make_vault


def test_every_connection_has_the_recipe(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "v")
    try:
        conn = vault.conn

        def pragma(name: str) -> str:
            return str(conn.execute(f"PRAGMA {name}").fetchone()[0]).lower()

        assert pragma("cipher_memory_security") in ("0", "off")
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == "1"
        assert pragma("trusted_schema") == "0"
        assert pragma("secure_delete") == "1"
        assert pragma("synchronous") == "2"  # FULL
        assert pragma("temp_store") == "2"  # MEMORY
    finally:
        vault.close()
