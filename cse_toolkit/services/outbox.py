"""The outbox: packs exported from this vault and where each stands (exported, sent,
acknowledged with the recipient's reference). Workers see and move their own; DSLs all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError

if TYPE_CHECKING:
    from cse_toolkit.vault.exchange_repo import ExportRow
    from cse_toolkit.vault.vault import Vault


@dataclass(frozen=True)
class OutboxItem:
    id: str
    pack_id: str
    kind: str
    child_id: str | None
    report_id: str | None
    recipient: str
    file_name: str
    state: str
    recipient_ref: str
    created_at: datetime
    sent_at: datetime | None
    acknowledged_at: datetime | None
    password_kept: bool = False  # issue 14: the pack password is kept until marked sent


def _item(r: ExportRow) -> OutboxItem:
    return OutboxItem(
        r.id,
        r.pack_id,
        r.kind,
        r.child_id,
        r.report_id,
        r.recipient,
        r.file_name,
        r.state,
        r.recipient_ref,
        parse_utc(r.created_at),
        parse_utc(r.sent_at) if r.sent_at else None,
        parse_utc(r.acknowledged_at) if r.acknowledged_at else None,
        bool(r.password_kept),
    )


def outbox(vault: Vault, state: str | None = None) -> list[OutboxItem]:
    created_by = None
    if vault.user.role == "worker":
        created_by = vault.user.id
    elif vault.user.role == "admin":
        vault.require("worker", "dsl")
    return [_item(r) for r in vault.exchange.exports(created_by, state)]


def unsent(vault: Vault) -> list[OutboxItem]:
    """Packs exported but not marked sent: shown as a reminder on unlock."""
    return outbox(vault, "exported")


def mark_sent(vault: Vault, export_id: str) -> None:
    _move(vault, export_id, "exported", "sent", "")


def mark_acknowledged(vault: Vault, export_id: str, recipient_ref: str) -> None:
    if not recipient_ref.strip():
        raise UserError("Enter the reference the recipient gave you (it proves they received it).")
    _move(vault, export_id, "sent", "acknowledged", recipient_ref.strip())


def _move(vault: Vault, export_id: str, before: str, after: str, ref: str) -> None:
    vault.require("worker", "dsl")
    row = vault.exchange.export_state(export_id)
    if row is None:
        raise UserError("That export is no longer in the outbox.")
    state, version, created_by = row
    if vault.user.role == "worker" and created_by != vault.user.id:
        raise UserError("You can only update your own exports.")
    if state != before:
        raise UserError(f"This pack is '{state}'; it must be '{before}' to mark it '{after}'.")
    with vault.write("the outbox entry"):
        vault.exchange.move_export(export_id, after, ref)
        vault.audit(f"export.{after}", "export", export_id, version + 1)


def find_export(vault: Vault, prefix: str) -> str:
    """The outbox entry whose id starts with ``prefix`` (the command line's short ids)."""
    ids = vault.exchange.export_ids_starting(prefix)
    if len(ids) != 1:
        raise UserError(f"No single outbox entry starts with '{prefix}'.")
    return ids[0]
