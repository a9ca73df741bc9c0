"""Issue 22 item 3: "my passphrase may be known" re-keys the database."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import cli

from cse_toolkit.errors import UserError
from cse_toolkit.vault.keyslots import FLOOR_PARAMS, KeySlots
from cse_toolkit.vault.rekey import rekey
from cse_toolkit.vault.vault import Vault

PASSPHRASE = "otter lamp river gravel"
NEW = "harbour violet candle seven"


def _team(folder: Path) -> str:
    ada, _ = Vault.create(folder, "ada", "admin", PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.add_user("dee", "dsl", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    ada.close()
    with Vault.open(folder, "dee", PASSPHRASE) as dee:
        return dee.repos.add_child(name="Jay Example").id


def test_rekey_shuts_old_slots_and_reaches_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "team"
    child = _team(folder)
    old_slots = (folder / "keyslots.json").read_bytes()
    old_dek = KeySlots.load(folder).unwrap_user("dee", PASSPHRASE)
    steps: list[float] = []
    result = rekey(
        folder, "dee", PASSPHRASE, NEW, FLOOR_PARAMS, progress=lambda f, w: steps.append(f)
    )
    assert steps[0] == 0.0 and steps[-1] == 1.0 and steps == sorted(steps)
    assert result.handed_over == ["ada"] and result.closed == []
    # dee with the new passphrase, ada with her own (the key sealed to her handover key).
    with Vault.open(folder, "dee", NEW) as dee:
        assert dee.repos.get_child(child).name == "Jay Example"
        assert dee.audit_report().problems == []
    with Vault.open(folder, "ada", PASSPHRASE) as ada:
        assert ada.user.role == "admin"
    with Vault.open(folder, "ada", PASSPHRASE):
        pass  # the slot was re-wrapped under her passphrase at the first unlock
    with pytest.raises(UserError):
        Vault.open(folder, "dee", PASSPHRASE)
    # The old key-slot file put back (with the old, known passphrase): refused.
    trial = tmp_path / "trial"
    shutil.copytree(folder, trial)
    (trial / "keyslots.json").write_bytes(old_slots)
    with pytest.raises(UserError):
        Vault.open(trial, "dee", PASSPHRASE)
    # Even with the old data key in hand the database does not open.
    from cse_toolkit.vault import db
    from cse_toolkit.vault.errors import NotAVaultError

    with pytest.raises(NotAVaultError):
        db.connect(folder / db.DB_FILE, old_dek)
    # The new recovery key works; nothing of the old one does.
    from cse_toolkit.vault.vault import recover

    recover(
        folder, "dee", "third pass phrase here", recovery_key=result.recovery_key, kdf=FLOOR_PARAMS
    )


def test_cli_passwd_known(tmp_path: Path, isolated_env: Any) -> None:
    folder = isolated_env["home"]
    vault, _ = Vault.create(folder, "sam", "worker", PASSPHRASE, kdf=FLOOR_PARAMS)
    vault.close()
    run = cli("passwd", "--known", stdin=f"{PASSPHRASE}\n{NEW}\n{NEW}\n")
    assert run.returncode == 0, run.stderr
    assert "re-encrypted" in run.stdout and "New recovery key" in run.stdout
    assert "100%" in run.stderr
    with Vault.open(folder, "sam", NEW):
        pass
