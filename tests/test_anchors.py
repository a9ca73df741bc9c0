"""The rollback anchor's stores (platform/anchors.py), with a fake keyring backend: the real
credential store of the user running the tests is never touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked

from cse_toolkit.platform import anchors


class FakeKeyring(KeyringBackend):
    """A keyring backend in memory (``keyring``'s own interface)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.locked = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("locked")
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.locked:
            raise KeyringLocked("locked")
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.values.pop((service, username), None)


@pytest.fixture
def fake_keyring() -> Any:
    backend = FakeKeyring()
    anchors.use(anchors.KeyringStore(backend))
    yield backend
    anchors.use(None)


def test_the_vault_anchor_lives_in_the_credential_store(fake_keyring: Any, tmp_path: Path) -> None:
    from helpers.vaults import PASSPHRASE, make_vault

    from cse_toolkit.vault import anchor
    from cse_toolkit.vault.vault import Vault

    vault = make_vault(tmp_path / "v")
    vault.repos.add_child(name="Jay Example")
    head = vault.chain_head()
    vault.close()
    keys = [k for k in fake_keyring.values if k[0] == anchors.SERVICE]
    assert len(keys) == 1 and keys[0][1].startswith("vault-anchor-")
    saved = anchor.load(tmp_path / "v", vault.vault_id)
    assert saved is not None and saved.seq >= head.seq and saved.commits >= 1
    assert not list((tmp_path / "v").glob("*anchor*"))  # nothing of it in the vault folder
    # A locked store never stops the vault: it opens, and the anchor waits for the next write.
    fake_keyring.locked = True
    with Vault.open(tmp_path / "v", "sam", PASSPHRASE) as opened:
        assert opened.repos.list_children()
    fake_keyring.locked = False


def test_the_file_fallback_is_named_once(tmp_path: Path) -> None:
    from helpers.vaults import PASSPHRASE, make_vault

    from cse_toolkit.vault.vault import Vault

    anchors.use(anchors.FileStore(tmp_path / "state" / "anchors"))
    try:
        make_vault(tmp_path / "v").close()
        with Vault.open(tmp_path / "v", "sam", PASSPHRASE) as first:
            assert any("no system credential store" in n for n in first.notices)
        with Vault.open(tmp_path / "v", "sam", PASSPHRASE) as second:
            assert not any("credential store" in n for n in second.notices)
        files = list((tmp_path / "state" / "anchors").iterdir())
        assert len(files) == 1 and oct(files[0].stat().st_mode & 0o777) == "0o600"
    finally:
        anchors.use(None)


def test_no_usable_backend_means_the_file_store(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    monkeypatch.delenv("CSE_TOOLKIT_ANCHOR_DIR")
    monkeypatch.setattr(anchors, "_cached", None)
    monkeypatch.setattr(keyring, "get_keyring", lambda: fail.Keyring())
    store = anchors.store()
    assert store.kind == "file" and "anchors" in store.description
    monkeypatch.setattr(anchors, "_cached", None)
    monkeypatch.setattr(keyring, "get_keyring", lambda: FakeKeyring())
    assert anchors.store().kind == "credential-store"
    monkeypatch.setattr(anchors, "_cached", None)
