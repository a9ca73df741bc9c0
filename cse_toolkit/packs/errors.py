"""Why a pack could not be opened, as types the command line and the GUI can show as they are.

Every message says what happened in plain words and what to do next; none of them contains
anything from inside the pack (a rejected pack may be hostile, and messages end up in logs).
"""

from __future__ import annotations

from cse_toolkit.errors import UserError


class PackError(UserError):
    """Base class: the pack cannot be used."""


class PackTooLarge(PackError):
    """The file, or something inside it, is over a size cap."""


class PackPasswordError(PackError):
    """The password does not open the pack."""


class PackDamaged(PackError):
    """The file is not a readable pack: damaged, truncated, or not made by the toolkit."""


class PackSignatureInvalid(PackError):
    """The signed data was changed after it was signed."""


class PackUntrustedSigner(PackError):
    """Correctly signed, but by a different vault from the one expected."""


class PackSchemaError(PackError):
    """Signed correctly, but the data does not follow the pack format."""
