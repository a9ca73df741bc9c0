"""Shared test set-up: every test runs with its own data, temp and log folders, no policy file
unless it sets one, and a guard that fails on any attempt to open a network connection.

tests/helpers/ holds what tests share (one place each): the CLI runner (``helpers.cli``), vault
set-up and raw access (``helpers.vaults``), factories (``helpers.factories``), the journeys'
people (``helpers.journey``), and two plugins loaded here for every test: ``helpers.figures``
(the ``figure`` fixture and the figures summary) and ``helpers.logfail`` (a test fails on an
unexpected WARNING log record). Qt warnings fail every test that uses Qt (pyproject.toml,
``qt_log_level_fail``).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

pytest_plugins = ("helpers.figures", "helpers.logfail")


def pytest_configure(config: pytest.Config) -> None:
    # The inner loop (-m "not slow ...") checks the screening properties on 150 examples;
    # CI, which runs everything, on 2,000 (tests/core/test_screening_properties.py).
    if "not slow" in (config.option.markexpr or ""):
        os.environ.setdefault("CSE_SCREENING_PROFILE", "screening-quick")


class NetworkAttempted(AssertionError):
    pass


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_create_connection = socket.create_connection


def _refuse(*args: object, **kwargs: object) -> None:
    raise NetworkAttempted("the app or a test tried to open a network connection")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def guarded_connect(self: socket.socket, address: object) -> None:
        if self.family == getattr(socket, "AF_UNIX", None):
            return _real_connect(self, address)  # local IPC (e.g. Qt, dbus) is not network
        _refuse()

    def guarded_connect_ex(self: socket.socket, address: object) -> int:
        if self.family == getattr(socket, "AF_UNIX", None):
            return _real_connect_ex(self, address)
        _refuse()
        return 1

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "create_connection", _refuse)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Point every location the app uses into this test's tmp_path."""
    dirs = {
        "home": tmp_path / "data" / "vault",
        "tmp": tmp_path / "sqlite-tmp",
        "logs": tmp_path / "logs",
        "policy": tmp_path / "policy.toml",
        # The rollback anchors (platform/anchors.py): never the real credential store.
        "anchors": tmp_path / "anchors",
    }
    monkeypatch.setenv("CSE_TOOLKIT_HOME", str(dirs["home"]))
    monkeypatch.setenv("CSE_TOOLKIT_TMP", str(dirs["tmp"]))
    monkeypatch.setenv("CSE_TOOLKIT_LOG_DIR", str(dirs["logs"]))
    monkeypatch.setenv("CSE_TOOLKIT_POLICY", str(dirs["policy"]))  # absent file = defaults
    monkeypatch.setenv("CSE_TOOLKIT_ANCHOR_DIR", str(dirs["anchors"]))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    # The vault's full-disk reserve (vault/reserve.py), small: thousands of test vaults.
    # tests/reliability/test_disk_full.py runs the real size.
    monkeypatch.setenv("CSE_TOOLKIT_RESERVE_KIB", "64")
    return dirs


PASSPHRASE = "otter lamp river gravel"


@pytest.fixture
def vault_factory(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Make open vaults quickly: Argon2id at the floor parameters (m=64 MiB, t=3)."""
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    made = []

    def make(user: str = "sam", role: str = "worker", folder: Path | None = None, **kw):  # type: ignore[no-untyped-def]
        target = folder or tmp_path / f"vault-{len(made)}"
        vault, recovery = Vault.create(target, user, role, PASSPHRASE, kdf=FLOOR_PARAMS, **kw)
        vault.recovery_key_for_tests = recovery
        made.append(vault)
        return vault

    yield make
    for vault in made:
        if vault.is_open:
            vault.close()


@pytest.fixture
def vault(vault_factory):  # type: ignore[no-untyped-def]
    return vault_factory()
