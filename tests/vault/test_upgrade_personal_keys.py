"""Issue 21, "done when": a vault made by the release before per-person keys opens after the
upgrade. Existing users get their keys at their next unlock; the registry is signed by the first
admin at their next unlock (until then the app says so and refuses role changes).

``fixtures/v1-vault`` was made by that release (schema v1, format-1 key slots without signing
keys, audit rows without signatures): ada (admin), dee (DSL), sam and tom (workers). sam screened
a child; dee signed it off at high. See its README.txt.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers.cli import cli
from helpers.vaults import PASSPHRASE

from cse_toolkit.vault import schema
from cse_toolkit.vault.keyslots import FLOOR_PARAMS, KeySlots
from cse_toolkit.vault.registry import RegistryError
from cse_toolkit.vault.vault import Vault

FIXTURE = Path(__file__).parent / "fixtures" / "v1-vault"
CHILD = "5268a031-d7a2-493c-adba-1af680dd51b9"
SCREENING = "4963c052-4cdf-426d-83ef-70684e9772f0"


@pytest.fixture
def old_vault(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    shutil.copytree(FIXTURE, folder)
    (folder / "README.txt").unlink()
    folder.chmod(0o700)
    return folder


def _slots(folder: Path) -> dict[str, object]:
    return json.loads((folder / "keyslots.json").read_text())["users"]  # type: ignore[no-any-return]


def test_fixture_is_the_old_format(old_vault: Path) -> None:
    assert not any("sign_wrapped" in s for s in _slots(old_vault).values())  # type: ignore[operator]
    assert KeySlots.load(old_vault).generation == 0


@pytest.mark.slow
def test_upgrade_gives_keys_at_each_unlock_and_the_admin_signs_the_registry(
    old_vault: Path,
) -> None:
    # A worker first: the vault migrates (after a backup), sam gets a key, the registry waits.
    with Vault.open(old_vault, "sam", PASSPHRASE) as sam:
        assert sam.conn.execute("PRAGMA user_version").fetchone()[0] == schema.LATEST
        assert not sam.registry.signed
        assert any("not signed yet" in n for n in sam.notices)
        with pytest.raises(RegistryError, match="not signed yet"):
            sam.require_registry()
        sam.repos.add_note(CHILD, "Written after the upgrade.", sam.now())
        assert sam.conn.execute("SELECT sig FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert list((old_vault / "backups").iterdir())  # copied before the migration
    assert "sign_wrapped" in _slots(old_vault)["sam"]  # type: ignore[operator]
    run = cli(
        "audit", "verify", "--data-dir", str(old_vault), "--user", "sam", stdin=PASSPHRASE + "\n"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Authorship cannot be proven yet" in run.stdout
    assert "not signed yet" in run.stderr  # the notice, on every command

    # The DSL: a key too; an admin-only change would still be refused.
    with Vault.open(old_vault, "dee", PASSPHRASE) as dee:
        assert not dee.registry.signed
        signoffs = dee.dsl.signoffs_for(SCREENING)
        assert [s.verified for s in signoffs] == [True]  # nothing to check against yet

    # The first admin's unlock signs the registry (with the keys published so far).
    with Vault.open(old_vault, "ada", PASSPHRASE) as ada:
        state = ada.registry
        assert state.signed and state.ok and state.versions[0].signer == "ada"
        users = state.current
        assert users["sam"].public_key and users["dee"].public_key and users["ada"].public_key
        assert users["tom"].public_key == ""  # tom has not unlocked since the upgrade
        level = ada.conn.execute(
            "SELECT level_signer, level_sig FROM children WHERE id = ?", (CHILD,)
        ).fetchone()
        assert level[0] == "ada" and level[1]  # the level set before the upgrade, vouched for
        report = ada.audit_report()
        assert report.problems == [], report.problems
        assert report.authorship.legacy > 0 and report.authorship.signed_by["sam"] >= 2
        ada.set_role("tom", "dsl", PASSPHRASE)  # role changes work once the registry is signed
        ada.set_role("tom", "worker", PASSPHRASE)
    # tom's first unlock makes his key; ada's next unlock confirms it in the registry.
    with Vault.open(old_vault, "tom", PASSPHRASE) as tom:
        assert tom.registry.signed and tom.registry.current["tom"].public_key == ""
        tom.repos.add_child(name="After Upgrade", approx_age=12)
    with Vault.open(old_vault, "ada", PASSPHRASE) as ada:
        assert ada.registry.current["tom"].public_key
        report = ada.audit_report()
        assert report.problems == [], report.problems
        assert report.authorship.signed_by.get("tom", 0) >= 1
    run = cli(
        "audit", "verify", "--data-dir", str(old_vault), "--user", "dee", stdin=PASSPHRASE + "\n"
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Authorship verified against the signed user registry" in run.stdout
    assert "from before per-person keys" in run.stdout
    # Every slot now pins the registry's root; the passphrases never changed.
    slots = KeySlots.load(old_vault)
    for name in ("ada", "dee", "sam", "tom"):
        assert slots.unwrap_user_keys(name, PASSPHRASE).signing is not None
    assert slots.generation > 0


def test_after_the_upgrade_a_role_edit_is_refused(old_vault: Path) -> None:
    from helpers.vaults import raw_connect

    for name in ("sam", "ada"):
        Vault.open(old_vault, name, PASSPHRASE).close()
    dek = KeySlots.load(old_vault).unwrap_user("sam", PASSPHRASE)
    conn = raw_connect(old_vault, dek)
    conn.execute("UPDATE users SET role = 'dsl' WHERE name = 'sam'")
    conn.close()
    with pytest.raises(RegistryError, match="sam's role is dsl in the database"):
        Vault.open(old_vault, "sam", PASSPHRASE)


def test_recovery_after_the_upgrade_needs_an_admin_to_confirm_the_key(old_vault: Path) -> None:
    from cse_toolkit.vault.vault import recover

    key = (FIXTURE / "README.txt").read_text().split("recovery key ")[1].split(".")[0]
    for name in ("sam", "ada"):
        Vault.open(old_vault, name, PASSPHRASE).close()
    recover(old_vault, "sam", "sam's new pass phrase", recovery_key=key, kdf=FLOOR_PARAMS)
    # The old release's recovery key cannot register keys: an admin confirms sam's new one.
    with pytest.raises(RegistryError, match="confirm-key sam"):
        Vault.open(old_vault, "sam", "sam's new pass phrase")
    with Vault.open(old_vault, "ada", PASSPHRASE) as ada:
        ada.confirm_key("sam", PASSPHRASE)
    with Vault.open(old_vault, "sam", "sam's new pass phrase") as sam:
        assert sam.registry.ok
