"""Issue 23: the organisation recovery key follows the policy at each unlock (rotation).

IT rotates the key by changing `recovery_public_key` in the policy. New vaults get the new key
at creation; an existing vault is re-sealed at its next unlock: the data key gets a slot for the
new key (the old private key no longer opens it) and each person's signing key is sealed to the
new key at their own next unlock. Tested as IT would use it: `recover` with each private key.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from cse_toolkit.policy import load_policy
from cse_toolkit.vault.errors import WrongRecoveryKeyError
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.vault import Vault, recover

PASSPHRASE = "otter lamp river gravel"


def pub(key: X25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes_raw()).decode()


def set_policy(isolated_env: dict[str, Path], key: X25519PrivateKey | None) -> None:
    text = f'recovery_public_key = "{pub(key)}"\n' if key else 'organisation = "Test"\n'
    isolated_env["policy"].write_text(text, encoding="utf-8")


def slots_json(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "keyslots.json").read_text(encoding="utf-8"))
    return data


def test_rotated_key_reseals_at_next_unlock(
    vault_factory: Any, isolated_env: dict[str, Path]
) -> None:
    old, new = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    set_policy(isolated_env, old)
    admin = vault_factory(user="ada", role="admin", organisation_public_key=pub(old))
    admin.add_user("sam", "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    folder = admin.folder
    admin.close()
    with _open(folder, "sam") as sam:
        sam_key = sam.user_public_key
    assert slots_json(folder)["organisation"]["recipient"] == pub(old)

    # IT rotates: the policy now names the new key. Nothing changes until someone unlocks.
    set_policy(isolated_env, new)
    assert slots_json(folder)["organisation"]["recipient"] == pub(old)
    with _open(folder, "ada") as ada:
        actions = [r[0] for r in ada.conn.execute("SELECT action FROM audit").fetchall()]
        assert ada.audit_report().problems == []
    data = slots_json(folder)
    assert data["organisation"]["recipient"] == pub(new)
    # ada's signing key is sealed to the new key; sam's (sealed to the old one) was dropped.
    assert set(data["organisation_signing"]) == {"ada"}
    assert data["organisation_signing"]["ada"]["recipient"] == pub(new)
    assert "organisation.key.seal" in actions

    # The old private key no longer opens the vault; the new one does.
    with pytest.raises(WrongRecoveryKeyError):
        recover(
            folder, "ada", "a brand new pass phrase here", organisation_key=old, kdf=FLOOR_PARAMS
        )

    # sam unlocks: their signing key follows the new key, and an organisation recovery with
    # the new key keeps sam's own signing key (packs they signed stay attributable).
    with _open(folder, "sam"):
        pass
    assert slots_json(folder)["organisation_signing"]["sam"]["recipient"] == pub(new)
    recover(folder, "sam", "sam's new pass phrase words", organisation_key=new, kdf=FLOOR_PARAMS)
    with Vault.open(folder, "sam", "sam's new pass phrase words") as sam:
        assert sam.user_public_key == sam_key

    # Unlocking again with the same policy changes nothing.
    generation = slots_json(folder)["generation"]
    with _open(folder, "ada"):
        pass
    assert slots_json(folder)["generation"] == generation


def test_key_added_later_is_sealed_and_removing_it_keeps_the_slot(
    vault_factory: Any, isolated_env: dict[str, Path]
) -> None:
    vault = vault_factory(user="sam", role="worker")
    folder = vault.folder
    vault.close()
    assert slots_json(folder).get("organisation") is None
    key = X25519PrivateKey.generate()
    set_policy(isolated_env, key)
    with _open(folder, "sam"):
        pass
    assert slots_json(folder)["organisation"]["recipient"] == pub(key)
    set_policy(isolated_env, None)  # a policy without a key does not remove the slot
    with _open(folder, "sam"):
        pass
    assert slots_json(folder)["organisation"]["recipient"] == pub(key)
    recover(folder, "sam", "another long pass phrase", organisation_key=key, kdf=FLOOR_PARAMS)


def _open(folder: Path, user: str) -> Vault:
    # Each unlock is a fresh start of the app, which reads the policy in force then.
    return Vault.open(folder, user, PASSPHRASE, policy=load_policy().policy)
