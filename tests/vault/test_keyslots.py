"""Key slots: one per user, recovery key, organisation slot; passphrase change re-wraps only."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from helpers.cli import cli
from helpers.vaults import PASSPHRASE, dek_of

from cse_toolkit.vault import db
from cse_toolkit.vault.errors import (
    NotAVaultError,
    WrongPassphraseError,
    WrongRecoveryKeyError,
)
from cse_toolkit.vault.keyslots import FLOOR_PARAMS, KeySlots
from cse_toolkit.vault.vault import Vault, change_passphrase, recover

NEW = "copper violin meadow thunder"
SAM, DEE = "sam pass phrase bright kettle", "dee pass phrase quiet harbour"


def test_each_user_opens_with_their_own_passphrase_only(vault_factory) -> None:  # type: ignore[no-untyped-def]
    admin = vault_factory(user="ada", role="admin")
    folder = admin.folder
    admin.add_user("sam", "worker", SAM, PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("dee", "dsl", DEE, PASSPHRASE, kdf=FLOOR_PARAMS)
    with pytest.raises(WrongPassphraseError):
        admin.add_user("eve", "worker", "x y z w", "not the admin passphrase", kdf=FLOOR_PARAMS)
    admin.close()

    for name, role, passphrase in (
        ("ada", "admin", PASSPHRASE),
        ("sam", "worker", SAM),
        ("dee", "dsl", DEE),
    ):
        with Vault.open(folder, name, passphrase) as opened:
            assert (opened.user.name, opened.user.role) == (name, role)
    for name, passphrase in (("sam", DEE), ("dee", SAM), ("ada", SAM), ("sam", PASSPHRASE)):
        with pytest.raises(WrongPassphraseError):
            Vault.open(folder, name, passphrase)
    # One data key behind every slot: adding users never re-encrypted anything.
    assert dek_of(folder, "sam", SAM) == dek_of(folder, "dee", DEE) == dek_of(folder, "ada")
    assert sorted(KeySlots.load(folder).user_names) == ["ada", "dee", "sam"]


def test_a_slot_copied_from_elsewhere_does_not_open(vault_factory) -> None:  # type: ignore[no-untyped-def]
    a = vault_factory(folder=None)
    b = vault_factory(folder=None)
    a.close()
    b.close()
    slots_a = json.loads((a.folder / "keyslots.json").read_text())
    slots_b = json.loads((b.folder / "keyslots.json").read_text())
    # Same user name and passphrase in both vaults, but the slot is bound to its vault id.
    slots_b["users"]["sam"] = slots_a["users"]["sam"]
    (b.folder / "keyslots.json").write_text(json.dumps(slots_b))
    with pytest.raises(WrongPassphraseError):
        Vault.open(b.folder, "sam", PASSPHRASE)
    # ... and to its user: sam's slot filed under another name does not open either.
    slots_a["users"]["mallory"] = slots_a["users"]["sam"]
    (a.folder / "keyslots.json").write_text(json.dumps(slots_a))
    with pytest.raises(WrongPassphraseError):
        KeySlots.load(a.folder).unwrap_user("mallory", PASSPHRASE)
    # A whole key-slot file from another vault unwraps its own key, which does not open this db.
    (b.folder / "keyslots.json").write_text((a.folder / "keyslots.json").read_text())
    with pytest.raises(NotAVaultError):
        Vault.open(b.folder, "sam", PASSPHRASE)


def test_passphrase_change_rewraps_without_reencrypting(vault) -> None:  # type: ignore[no-untyped-def]
    folder = vault.folder
    child = vault.repos.add_child(name="Kept Child")
    vault.close()
    before = (folder / db.DB_FILE).read_bytes()
    dek = KeySlots.load(folder).unwrap_recovery(vault.recovery_key_for_tests)

    assert change_passphrase(folder, None, PASSPHRASE, NEW, kdf=FLOOR_PARAMS) == "sam"
    with pytest.raises(WrongPassphraseError):
        Vault.open(folder, "sam", PASSPHRASE)
    with Vault.open(folder, "sam", NEW) as opened:
        assert opened.repos.get_child(child.id).name == "Kept Child"
        actions = [r[0] for r in opened.conn.execute("SELECT action FROM audit ORDER BY seq")]
    assert "passphrase.change" in actions
    after = (folder / db.DB_FILE).read_bytes()
    # The same data key, and the file's salt (first 16 bytes) and most pages are unchanged:
    # only pages touched by the audit entries differ.
    assert dek_of(folder, "sam", NEW) == dek
    assert after[:16] == before[:16]
    pages = [i for i in range(0, min(len(before), len(after)), 4096)]
    same = sum(before[i : i + 4096] == after[i : i + 4096] for i in pages)
    assert same >= len(pages) - 8, (same, len(pages))


def test_wrong_old_passphrase_changes_nothing(vault) -> None:  # type: ignore[no-untyped-def]
    vault.close()
    slots = (vault.folder / "keyslots.json").read_bytes()
    with pytest.raises(WrongPassphraseError):
        change_passphrase(vault.folder, "sam", "wrong horse battery", NEW, kdf=FLOOR_PARAMS)
    assert (vault.folder / "keyslots.json").read_bytes() == slots


def test_recovery_key_sets_a_new_passphrase(vault) -> None:  # type: ignore[no-untyped-def]
    folder, key = vault.folder, vault.recovery_key_for_tests
    vault.close()
    with pytest.raises(WrongRecoveryKeyError):
        recover(
            folder,
            None,
            NEW,
            recovery_key="0000-0000-0000-0000-0000-0000-0000-0000",
            kdf=FLOOR_PARAMS,
        )
    with pytest.raises(WrongRecoveryKeyError):
        recover(folder, None, NEW, recovery_key="not a key", kdf=FLOOR_PARAMS)
    # As people type it: lowercase, spaces for hyphens.
    typed = key.lower().replace("-", " ")
    assert recover(folder, None, NEW, recovery_key=typed, kdf=FLOOR_PARAMS) == "sam"
    with pytest.raises(WrongPassphraseError):
        Vault.open(folder, "sam", PASSPHRASE)
    Vault.open(folder, "sam", NEW).close()


def test_recovery_key_reading_mistakes_are_accepted(vault) -> None:  # type: ignore[no-untyped-def]
    vault.close()
    slots = KeySlots.load(vault.folder)
    dek = slots.unwrap_user("sam", PASSPHRASE)
    chosen = "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"
    slots.set_recovery(chosen, dek)  # in memory only
    for typed in (
        chosen,
        chosen.lower(),
        chosen.replace("-", " "),
        chosen.replace("-", ""),
        "O123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ",  # letter O for zero
        "0I23-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ",  # letter I for one
        "0l23-4567-89ab-cdef-ghjk-mnpq-rstv-wxyz",  # lowercase L for one
        " 0123 - 4567 - 89AB - CDEF - GHJK - MNPQ - RSTV - WXYZ ",
    ):
        assert slots.unwrap_recovery(typed) == dek, typed
    for wrong in ("0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXY0", "0123-4567", "U123" + chosen[4:]):
        with pytest.raises(WrongRecoveryKeyError):
            slots.unwrap_recovery(wrong)


@pytest.mark.slow
def test_cli_passwd_and_recover(vault) -> None:  # type: ignore[no-untyped-def]
    folder, key = vault.folder, vault.recovery_key_for_tests
    vault.close()
    run = cli("passwd", "--data-dir", str(folder), stdin=f"wrong one here\n{NEW}\n")
    assert run.returncode == 1 and "not right" in run.stderr and "Traceback" not in run.stderr
    run = cli("passwd", "--data-dir", str(folder), stdin=f"{PASSPHRASE}\n{NEW}\n")
    assert run.returncode == 0, run.stderr
    assert "Passphrase changed for sam" in run.stdout
    again = "amber falcon window pebble"
    wrong = "Q" if key[-1] != "Q" else "R"  # a different last character, always
    run = cli("recover", "--data-dir", str(folder), stdin=f"{key[:-1]}{wrong}\n{again}\n")
    assert run.returncode == 1 and "recovery key does not open" in run.stderr
    run = cli("recover", "--data-dir", str(folder), stdin=f"{key.lower()}\n{again}\n")
    assert run.returncode == 0, run.stderr
    Vault.open(folder, "sam", again).close()


@pytest.mark.slow
def test_organisation_recovery_slot_from_policy(isolated_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    org = X25519PrivateKey.generate()
    public = base64.b64encode(org.public_key().public_bytes_raw()).decode()
    isolated_env["policy"].write_text(
        f'organisation = "Test Partnership"\nrecovery_public_key = "{public}"\n'
    )
    run = cli("init", "--user", "sam", "--role", "worker", stdin=f"{PASSPHRASE}\n")
    assert run.returncode == 0, run.stderr
    assert "organisation can also recover" in run.stdout
    folder = isolated_env["home"]
    slots = KeySlots.load(folder)
    assert slots.has_organisation_slot() and slots.organisation_recipient() == public

    key_file = tmp_path / "org.key"
    key_file.write_text(base64.b64encode(org.private_bytes_raw()).decode())
    wrong_file = tmp_path / "wrong.key"
    wrong_file.write_text(
        base64.b64encode(X25519PrivateKey.generate().private_bytes_raw()).decode()
    )
    run = cli("recover", "--organisation-key", str(wrong_file), stdin=f"{NEW}\n")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    run = cli("recover", "--organisation-key", str(tmp_path / "none"), stdin=f"{NEW}\n")
    assert run.returncode == 1 and "Cannot read the organisation key" in run.stderr
    run = cli("recover", "--organisation-key", str(key_file), stdin=f"{NEW}\n")
    assert run.returncode == 0, run.stderr
    with Vault.open(folder, "sam", NEW) as opened:
        actions = [r[0] for r in opened.conn.execute("SELECT action FROM audit")]
    assert "passphrase.recover.organisation" in actions
