"""Small values kept outside the vault folder: the operating system's credential store.

The vault's rollback anchor (``vault/anchor.py``: the newest audit entry, the commit count and
the key-slot file's generation) is kept where a copy of the vault folder cannot carry it back:

* Windows Credential Manager, the macOS Keychain, or the Secret Service (GNOME Keyring, KWallet)
  on Linux, through the ``keyring`` library's backend for the system;
* where none exists (a Linux session without a Secret Service, a locked-down build), a file in
  a private folder of this user **outside** the vault folder (``FileStore``). That is weaker: a
  copy of the user's whole profile carries it. The app says so (the IT guide, ``self-test``,
  and once after unlocking).

Tests never touch the real credential store: ``use()`` installs a store (``MemoryStore``, or a
``KeyringStore`` over a fake ``keyring`` backend), and ``CSE_TOOLKIT_ANCHOR_DIR`` (ignored by an
installed app) points the file store at a test folder, for child processes too.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

SERVICE = "cse-toolkit"
MAX_VALUE = 4096

log = logging.getLogger(__name__)


class AnchorStoreError(Exception):
    """The store refused a read or a write (locked keychain, no permission, disk full)."""


class AnchorStore(Protocol):
    #: "credential-store" (the OS's) or "file" (the fallback, named to the user)
    kind: str
    #: what it is, for self-test and the IT guide ("Windows Credential Manager", a path, ...)
    description: str

    def read(self, name: str) -> str | None: ...

    def write(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


@dataclass
class MemoryStore:
    """In memory (tests)."""

    kind: str = "credential-store"
    description: str = "memory (tests)"
    values: dict[str, str] = field(default_factory=dict)
    writes: int = 0

    def read(self, name: str) -> str | None:
        return self.values.get(name)

    def write(self, name: str, value: str) -> None:
        self.writes += 1
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:200]


class FileStore:
    """One small file per name in a private folder of this user (0700/0600, written
    atomically), used only where the system has no credential store."""

    def __init__(self, folder: Path, *, stands_in: bool = False) -> None:
        self.folder = folder
        # ``stands_in``: the test folder of CSE_TOOLKIT_ANCHOR_DIR, standing in for a system
        # credential store (so tests see what a laptop with one sees).
        self.kind = "credential-store" if stands_in else "file"
        self.description = (
            f"the test store in {folder}" if stands_in else f"a private file in {folder}"
        )

    def read(self, name: str) -> str | None:
        path = self.folder / (_safe_name(name) + ".json")
        try:
            with path.open("rb") as f:
                return f.read(MAX_VALUE).decode("utf-8", "replace")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AnchorStoreError(str(exc.strerror or exc)) from exc

    def write(self, name: str, value: str) -> None:
        from cse_toolkit.fsutil import atomic_write
        from cse_toolkit.paths import ensure_private_dir

        try:
            ensure_private_dir(self.folder)
            atomic_write(
                self.folder / (_safe_name(name) + ".json"), value.encode(), "the vault's anchor"
            )
        except OSError as exc:
            raise AnchorStoreError(str(exc.strerror or exc)) from exc

    def delete(self, name: str) -> None:
        (self.folder / (_safe_name(name) + ".json")).unlink(missing_ok=True)


class KeyringStore:
    """The system's credential store through a ``keyring`` backend."""

    kind = "credential-store"

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.description = _backend_words(backend)

    def read(self, name: str) -> str | None:
        try:
            value = self.backend.get_password(SERVICE, name)
        except Exception as exc:
            raise AnchorStoreError(type(exc).__name__) from exc
        return None if value is None else str(value)[:MAX_VALUE]

    def write(self, name: str, value: str) -> None:
        try:
            self.backend.set_password(SERVICE, name, value)
        except Exception as exc:
            raise AnchorStoreError(type(exc).__name__) from exc

    def delete(self, name: str) -> None:
        try:
            self.backend.delete_password(SERVICE, name)
        except Exception as exc:  # noqa: BLE001 - absent already is fine
            log.debug("anchor delete: %s", type(exc).__name__)


def _backend_words(backend: Any) -> str:
    module = type(backend).__module__
    if "Windows" in module:
        return "Windows Credential Manager"
    if "macOS" in module or "OS_X" in module:
        return "the macOS Keychain"
    if "SecretService" in module or "libsecret" in module:
        return "the Secret Service (GNOME Keyring or KWallet)"
    if "kwallet" in module.lower():
        return "KWallet"
    return f"the credential store ({type(backend).__name__})"


def fallback_folder() -> Path:
    """The file store's folder: the user's private app-state folder, never the vault folder."""
    import platformdirs

    from cse_toolkit import APP_ID

    return Path(platformdirs.user_state_dir(APP_ID, "CSEToolkit")) / "anchors"


def _system_backend() -> Any | None:
    """The ``keyring`` backend for this system, or None when there is none usable."""
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:  # pragma: no cover - a dependency; a broken install is reported
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken backend is the same as none
        return None
    if isinstance(backend, fail.Keyring | null.Keyring):
        return None
    try:
        backends = getattr(backend, "backends", None)
        if backends is not None and not backends:
            return None  # a chainer with nothing in it
        if float(getattr(backend, "priority", 1)) <= 0:
            return None
    except Exception:  # noqa: BLE001
        return None
    return backend


_override: AnchorStore | None = None
_cached: AnchorStore | None = None


def store() -> AnchorStore:
    """The store for this process: one installed by ``use`` (tests), the test folder named by
    ``CSE_TOOLKIT_ANCHOR_DIR`` (not in an installed app), the system's credential store, or
    the file fallback."""
    global _cached
    if _override is not None:
        return _override
    env = None if getattr(sys, "frozen", False) else os.environ.get("CSE_TOOLKIT_ANCHOR_DIR")
    if env:
        return FileStore(Path(env), stands_in=True)
    if _cached is None:
        backend = _system_backend()
        _cached = KeyringStore(backend) if backend is not None else FileStore(fallback_folder())
    return _cached


def use(replacement: AnchorStore | None) -> None:
    """Install ``replacement`` for ``store()`` (tests); None goes back to the real one."""
    global _override
    _override = replacement
