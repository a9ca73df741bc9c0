"""Encrypted backups and restore: data back, replaced vault kept, bad files refused untouched."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from helpers.cli import cli
from helpers.vaults import PASSPHRASE, make_vault, snapshot

from cse_toolkit.vault.backup import BackupError, create_backup, restore_backup
from cse_toolkit.vault.errors import WrongPassphraseError
from cse_toolkit.vault.vault import Vault


def _names(folder: Path) -> list[str]:
    with Vault.open(folder, "sam", PASSPHRASE) as opened:
        return sorted(c.name for c in opened.repos.list_children())


@pytest.fixture
def vault(vault_factory):  # type: ignore[no-untyped-def]
    return vault_factory(role="dsl")  # restoring is a DSL's (or an admin's) act


def test_backup_and_restore_api(vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault.repos.add_child(name="In Backup")
    out = tmp_path / "b.zip"
    manifest = create_backup(vault, out)
    assert manifest["vault_id"] == vault.vault_id
    with zipfile.ZipFile(out) as zf:
        assert set(zf.namelist()) == {
            "manifest.json",
            "vault.db",
            "keyslots.json",
            "chainhead.json",
        }
        assert b"In Backup" not in zf.read("vault.db")
    vault.repos.add_child(name="After Backup")
    vault.close()
    kept = restore_backup(out, vault.folder, "sam", PASSPHRASE, "test restore")
    assert _names(vault.folder) == ["In Backup"]
    assert kept is not None and _names(kept) == ["After Backup", "In Backup"]
    with pytest.raises(BackupError, match="outside the vault folder"):
        with Vault.open(vault.folder, "sam", PASSPHRASE) as opened:
            create_backup(opened, vault.folder / "x.zip")


@pytest.mark.slow
def test_backup_and_restore_cli(vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault.repos.add_child(name="In Backup")
    vault.close()
    out = tmp_path / "cli.zip"
    args = ["--data-dir", str(vault.folder)]
    run = cli("backup", "--out", str(out), *args, stdin=PASSPHRASE + "\n")
    assert run.returncode == 0 and "Backup written" in run.stdout, run.stderr
    target = tmp_path / "fresh"
    run = cli(
        "restore",
        str(out),
        "--data-dir",
        str(target),
        "--reason",
        "new laptop",
        stdin=PASSPHRASE + "\n",
    )
    assert run.returncode == 0, run.stderr
    assert _names(target) == ["In Backup"]
    run = cli("restore", str(out), *args, stdin=PASSPHRASE + "\n")
    assert run.returncode == 2 and "--reason" in run.stderr  # the reason is required
    run = cli("restore", str(out), *args, "--reason", "test", stdin=PASSPHRASE + "\n")
    assert run.returncode == 0 and "was kept at" in run.stdout, run.stderr


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.slow
def test_damaged_or_foreign_backups_are_refused(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "home" / "vault", role="dsl")
    vault.repos.add_child(name="Current")
    good = tmp_path / "good.zip"
    create_backup(vault, good)
    vault.close()
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    foreign_folder = tmp_path / "foreign"
    foreign = make_vault(foreign_folder, user="sam", role="dsl")
    create_backup(foreign, tmp_path / "foreign.zip")
    foreign.close()
    bad_db = dict(members, **{"vault.db": members["vault.db"][:4096] + b"\0" * 4096})
    cases = {
        "not a zip": b"this is not a zip file at all",
        "truncated": good.read_bytes()[:2000],
        "path traversal member": _zip(dict(members, **{"../../x": b"boom"})),
        "missing database": _zip({k: v for k, v in members.items() if k != "vault.db"}),
        "unknown format": _zip(dict(members, **{"manifest.json": b'{"format": 9}'})),
        "damaged database": _zip(bad_db),
    }
    parent = vault.folder.parent
    before, listing = snapshot(vault.folder), sorted(p.name for p in parent.iterdir())
    for name, data in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.zip"
        path.write_bytes(data)
        with pytest.raises(Exception) as err:  # the type is checked below
            restore_backup(path, vault.folder, "sam", PASSPHRASE, "test")
        assert isinstance(err.value, BackupError | WrongPassphraseError) or "damaged" in str(
            err.value
        ), (name, err.value)
        run = cli(
            "restore",
            str(path),
            "--data-dir",
            str(vault.folder),
            "--reason",
            "test",
            stdin=PASSPHRASE + "\n",
        )
        assert run.returncode == 1 and "Traceback" not in run.stderr, (name, run.stderr)
        assert snapshot(vault.folder) == before, name
        assert sorted(p.name for p in parent.iterdir()) == listing, name
    assert not (tmp_path.parent / "x").exists() and not (parent.parent / "x").exists()
    # Another vault's backup opens only with that vault's passphrase: here, a different one.
    with Vault.open(foreign_folder, "sam", PASSPHRASE):
        pass
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import change_passphrase

    change_passphrase(
        foreign_folder, "sam", PASSPHRASE, "other vault pass phrase", kdf=FLOOR_PARAMS
    )
    with Vault.open(foreign_folder, "sam", "other vault pass phrase") as opened:
        create_backup(opened, tmp_path / "foreign2.zip")
    with pytest.raises(BackupError, match="another vault"):
        restore_backup(tmp_path / "foreign2.zip", vault.folder, "sam", PASSPHRASE, "test")
    assert snapshot(vault.folder) == before
