"""Temp files left by a process killed mid-save are tidied on the next open, but only old ones."""

from __future__ import annotations

import os
import time

from helpers.vaults import PASSPHRASE

from cse_toolkit.vault.vault import Vault


def test_old_temp_files_removed_recent_kept(vault_factory) -> None:  # type: ignore[no-untyped-def]
    vault = vault_factory()
    folder = vault.folder
    vault.close()
    old = folder / ".chainhead.json.deadbeef.tmp"
    recent = folder / ".keyslots.json.cafef00d.tmp"
    for path in (old, recent):
        path.write_bytes(b"{}")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    Vault.open(folder, "sam", PASSPHRASE).close()
    assert not old.exists()
    assert recent.exists()
