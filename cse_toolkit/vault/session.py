"""What a repository needs from the open vault: the narrow ``Session`` protocol.

Repositories (``repos``, ``intel_repo``, the DSL's rooms) take a ``Session`` rather than the
whole ``Vault``, so they never import ``vault.vault`` and the vault can build them without an
import cycle. ``vault.vault.Vault`` is the one real implementation; mypy checks that it fits.

The organisation policy arrives here loaded once, at start (``cse_toolkit.policy``): a
repository reads ``session.policy`` and never the policy file.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cse_toolkit.core.clock import Clock
    from cse_toolkit.core.entities import Role, User
    from cse_toolkit.policy import Policy
    from cse_toolkit.vault.audit import ChainHead
    from cse_toolkit.vault.registry import RegistryState
    from cse_toolkit.vault.unsaved import Unsaved


class Session(Protocol):
    """One signed-in person's open vault, as a repository sees it."""

    @property
    def conn(self) -> Any:
        """The serialised SQLCipher connection (``vault.db.SerialConnection``)."""

    @property
    def user(self) -> User: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def folder(self) -> Path: ...

    @property
    def policy(self) -> Policy:
        """The organisation policy loaded at start."""

    @property
    def registry(self) -> RegistryState: ...

    @property
    def vault_id(self) -> str: ...

    @property
    def public_key(self) -> bytes:
        """The vault's own public key (it signs the chain head kept outside the database)."""

    def now(self) -> datetime: ...

    def now_iso(self) -> str: ...

    def chain_head(self) -> ChainHead: ...

    def write(self, what: str = "the change") -> AbstractContextManager[None]:
        """One serialised transaction; audit rows added inside it commit with it."""

    def audit(
        self,
        action: str,
        record_type: str = "",
        record_id: str = "",
        record_version: int | None = None,
        reason: str = "",
    ) -> ChainHead: ...

    def log_view(self, record_type: str, record_id: str, reason: str = "") -> None: ...

    def require(self, *roles: Role) -> None: ...

    def sign(self, message: bytes) -> str:
        """This person's signature (hex) over ``message``; "" in a session without a key."""

    def users(self) -> list[User]: ...

    unsaved: Unsaved  # drafts nothing on disk could take (vault/unsaved.py)

    def stash_draft(self, draft: dict[str, Any]) -> None:
        """Keep a draft the database could not take (a full disk) in the rescue file."""
