"""Export offline, phone later (issue 14 item 5): the pack password kept in the outbox entry,
shown only after the passphrase, audited, erased when the pack is marked sent; and what an
attacker with the vault's data key, or another user of the same vault, gets (nothing)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from helpers import journey
from helpers.cli import cli, lines
from helpers.factories import referral_export
from helpers.vaults import PASSPHRASE, dek_of, raw_connect

from cse_toolkit.services import exchange, kept_password
from cse_toolkit.vault.errors import WrongPassphraseError
from cse_toolkit.vault.keyslots import FLOOR_PARAMS

PRIYA = "violet anchor meadow pencil"


def _audit(vault: Any) -> list[tuple[str, str]]:
    rows = vault.conn.execute(
        "SELECT action, record_id FROM audit WHERE action = 'outbox.password'"
    ).fetchall()
    return [(str(a), str(r)) for a, r in rows]


def test_kept_shown_after_the_passphrase_audited_and_erased_when_sent(
    vault_factory: Any, tmp_path: Path
) -> None:
    admin = vault_factory(user="ada", role="admin")
    admin.add_user("sam", "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    admin.add_user("priya", "dsl", PRIYA, PASSPHRASE, kdf=FLOOR_PARAMS)
    folder = admin.folder
    admin.close()
    from cse_toolkit.vault.vault import Vault

    sam = Vault.open(folder, "sam", PASSPHRASE)
    child = journey.add_child(sam)
    done = referral_export(sam, child.id, tmp_path / "r.pdf", who_consented="Mother")
    password, export_id = done.result.password, done.export_id
    (item,) = exchange.outbox(sam)
    assert item.password_kept
    # Not without the passphrase, and a wrong one is not audited as a showing.
    with pytest.raises(WrongPassphraseError):
        kept_password.reveal(sam, export_id, "not my passphrase")
    assert _audit(sam) == []
    assert kept_password.reveal(sam, export_id, PASSPHRASE) == password
    assert kept_password.reveal(sam, export_id, PASSPHRASE) == password
    assert _audit(sam) == [("outbox.password", export_id)] * 2  # every view
    sam.close()

    # The attacker's view: the vault's data key (own passphrase + Python) opens the database;
    # the column holds neither the password nor anything the vault's own key opens.
    conn = raw_connect(folder, dek_of(folder, "sam"))
    sealed = conn.execute(
        "SELECT kept_password FROM exports WHERE id = ?", (export_id,)
    ).fetchone()[0]
    vault_key = bytes(
        conn.execute("SELECT value FROM meta WHERE key = 'signing_key'").fetchone()[0]
    )
    conn.close()
    assert sealed and password not in sealed
    raw = base64.b64decode(sealed)
    wrong_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"cse-toolkit kept pack password v1"
    ).derive(vault_key)
    with pytest.raises(InvalidTag):
        AESGCM(wrong_key).decrypt(raw[:12], raw[12:], None)

    # Another user of the same vault (a DSL sees the outbox) cannot show it.
    with Vault.open(folder, "priya", PRIYA) as priya:
        with pytest.raises(kept_password.NoKeptPassword, match="Only the person who exported"):
            kept_password.reveal(priya, export_id, PRIYA)

    # Marked sent: erased in the same transaction.
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        exchange.mark_sent(sam, export_id)
        assert not kept_password.has_kept_password(sam, export_id)
        (item,) = exchange.outbox(sam)
        assert not item.password_kept
        with pytest.raises(kept_password.NoKeptPassword, match="erased when the pack is marked"):
            kept_password.reveal(sam, export_id, PASSPHRASE)
    conn = raw_connect(folder, dek_of(folder, "sam"))
    assert conn.execute("SELECT kept_password FROM exports").fetchall() == [("",)]
    conn.close()


def test_outbox_show_password_on_the_command_line(vault_factory: Any, tmp_path: Path) -> None:
    vault = vault_factory(user="sam", role="worker")
    child = journey.add_child(vault)
    done = referral_export(vault, child.id, tmp_path / "r.pdf", who_consented="Mother")
    folder = vault.folder
    vault.close()
    args = ("outbox", "--data-dir", str(folder), "--user", "sam")
    wrong = cli(*args, "--show-password", done.export_id[:8], stdin=lines(PASSPHRASE, "nope"))
    assert wrong.code == 1 and "Traceback" not in wrong.err
    shown = cli(*args, "--show-password", done.export_id[:8], stdin=lines(PASSPHRASE, PASSPHRASE))
    assert shown.ok().out.strip() == f"Password: {done.result.password}"
    # An urgent referral on the command line must say where the child is now.
    urgent = cli(
        "export",
        "--data-dir",
        str(folder),
        "--user",
        "sam",
        "--case",
        child.ref,
        "--kind",
        "referral",
        "--urgency",
        "urgent",
        "--consent",
        "given",
        "--out",
        str(tmp_path / "u.pdf"),
        stdin=lines(PASSPHRASE),
    )
    assert urgent.code == 1 and "where the child is now" in urgent.err
    assert not (tmp_path / "u.pdf").exists()
