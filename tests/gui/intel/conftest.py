"""Fixtures for the intelligence GUI tests.

Creating a vault derives two keys with Argon2id at the floor parameters (about 3 s here), which
would make these tests slow. So one template vault is created per session and each test gets
its own *copy*, opened with the template's data key (no key derivation): still one temporary
vault per test, in ``tmp_path``, as the conftest's ``vault_factory`` gives. ``vault`` here is
such a copy (the worker's).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PASSPHRASE = "otter lamp river gravel"


@pytest.fixture(scope="session")
def _intel_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, bytes]]:
    from cse_toolkit.vault import vault as vault_module
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS

    made: dict[str, tuple[Path, bytes]] = {}
    root = tmp_path_factory.mktemp("intel-template")
    real_random_key = vault_module._random_key
    for user, role in (("sam", "worker"), ("dana", "dsl")):
        keys: list[bytes] = []

        def capture() -> bytes:
            key = real_random_key()
            keys.append(key)  # noqa: B023 - used at once, inside this loop turn
            return key

        vault_module._random_key = capture
        try:
            vault, _recovery = vault_module.Vault.create(
                root / role, user, role, PASSPHRASE, kdf=FLOOR_PARAMS
            )
        finally:
            vault_module._random_key = real_random_key
        vault.close()
        made[role] = (root / role, keys[0])
    return made


@pytest.fixture
def intel_vault(
    _intel_template: dict[str, tuple[Path, bytes]], tmp_path: Path, clock: Any
) -> Iterator[Callable[..., Any]]:
    """``intel_vault(role="worker")``: an open copy of the template vault for this test."""
    from cse_toolkit.vault.vault import open_with_key_for_restore

    opened: list[Any] = []

    def make(role: str = "worker") -> Any:
        source, key = _intel_template[role]
        folder = tmp_path / f"vault-{role}-{len(opened)}"
        shutil.copytree(source, folder)
        folder.chmod(0o700)
        user = "sam" if role == "worker" else "dana"
        vault = open_with_key_for_restore(folder, user, key)
        vault.clock = clock
        opened.append(vault)
        return vault

    yield make
    for vault in opened:
        if vault.is_open:
            vault.close()


@pytest.fixture
def vault(intel_vault: Callable[..., Any]) -> Any:
    return intel_vault()
