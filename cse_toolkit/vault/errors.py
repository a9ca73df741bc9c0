"""Vault errors a user can act on. None of them changes any file."""

from __future__ import annotations

from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import DiskFullError

__all__ = [
    "DiskFullError",
    "NoVaultError",
    "NotAVaultError",
    "OlderCopyError",
    "UnknownUserError",
    "VaultDamagedError",
    "VaultError",
    "VaultExistsError",
    "VaultTooNewError",
    "WrongPassphraseError",
    "WrongRecoveryKeyError",
]


class VaultError(UserError):
    pass


class WrongPassphraseError(VaultError):
    def __init__(self, user: str | None = None) -> None:
        who = f" for {user}" if user else ""
        super().__init__(
            f"That passphrase{who} is not right. Check Caps Lock and try again. "
            "If you have forgotten it, use your recovery key (cse-toolkit recover)."
        )


class WrongRecoveryKeyError(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "That recovery key does not open this vault. Check each group of characters "
            "against the copy you wrote down (letters O/I/L are read as 0/1/1)."
        )


class UnknownUserError(VaultError):
    def __init__(self, user: str, known: list[str]) -> None:
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"There is no user called '{user}' in this vault. Users: {names}.")


class NoVaultError(VaultError):
    def __init__(self, folder: str) -> None:
        super().__init__(
            f"There is no vault in {folder}. Create one with 'cse-toolkit init --user NAME "
            "--role worker', or choose the right folder with --data-dir."
        )


class VaultExistsError(VaultError):
    def __init__(self, folder: str) -> None:
        super().__init__(
            f"A vault already exists in {folder}. Nothing was changed. Choose another folder "
            "with --data-dir if you meant to create a second vault."
        )


class NotAVaultError(VaultError):
    def __init__(self, folder: str, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"The files in {folder} are not a CSE Toolkit vault or are damaged{extra}. "
            "Nothing was changed. Restore from a backup with 'cse-toolkit restore FILE'."
        )


class VaultDamagedError(VaultError):
    def __init__(self, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"The vault file is damaged{extra}. Nothing was changed. Restore the most recent "
            "backup with 'cse-toolkit restore FILE' and tell your IT team."
        )


class VaultTooNewError(VaultError):
    def __init__(self, found: int, supported: int) -> None:
        super().__init__(
            f"This vault was written by a newer version of CSE Toolkit (data version {found}; "
            f"this app understands up to {supported}). Nothing was changed. Install the "
            "newer version of the app to open it."
        )


class OlderCopyError(VaultError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            "This vault is older than the last state this laptop recorded: it may have "
            f"been replaced by an older copy ({detail}). Nothing was changed. Tell your DSL "
            "and IT team. To keep this copy on purpose, a DSL or an admin runs "
            "'cse-toolkit accept-older --reason TEXT' (it is audited)."
        )
