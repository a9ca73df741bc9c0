"""Attachments in packs: chosen ones go out embedded in the encrypted PDF, listed in pack.json
with their SHA-256 (the optional ``attachments`` section); an import brings them across.

Out (``entries_for``, ``files_for``): a referral carries attachments of its child; an
intelligence report carries attachments of the children it is linked to, without naming the
child (the police pack holds no child record). The bytes are read from the vault as stored.

In (``bring_across``, inside the importer's one transaction, so all or nothing): the pack's
file signature, pack.json's signature and every embedded file's size and SHA-256 were checked
before anything was parsed (``packs.pdfpack.open_pack``). Each file is then checked again from
its content as a local file would be (``packs.attachment_files.inspect``: a sender's vault is
not trusted to have done so), and kept on the pack's child (referral) or report (intelligence).
A hostile file refuses the whole import. A pack whose child is already here from another
source merges nothing, its attachments included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cse_toolkit.core.clock import utc_iso
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps
from cse_toolkit.packs.attachment_files import AttachmentRefused, inspect
from cse_toolkit.packs.schema import MAX_SHORT

if TYPE_CHECKING:
    from cse_toolkit.packs.pdfpack import VerifiedPack
    from cse_toolkit.vault.vault import Vault


def entries_for(
    vault: Vault,
    kind: str,
    ids: Sequence[str],
    *,
    child_id: str | None = None,
    report_id: str | None = None,
) -> list[ps.AttachmentEntry]:
    """pack.json's list for the attachments chosen (in the order chosen)."""
    if not ids:
        return []
    if kind not in ps.ATTACHMENT_KINDS:
        raise UserError(f"A {kind} pack does not carry attachments.")
    if len(set(ids)) != len(ids):
        raise UserError("An attachment was chosen twice.")
    if len(ids) > ps.MAX_ATTACHMENTS:
        raise UserError(f"A pack can carry at most {ps.MAX_ATTACHMENTS} attachments.")
    allowed: set[str | None]
    if kind == "intelligence":
        if report_id is None:
            raise UserError("Say which intelligence report the attachments go with.")
        allowed = set(vault.intel.get(report_id).child_ids)
    else:
        allowed = {child_id}
    entries = []
    for number, att_id in enumerate(ids, start=1):
        info = vault.attachments.get(att_id)
        if info.child_id not in allowed:
            raise UserError(
                "An attachment chosen is not on this child's record (or on a child this "
                "report is about), so it was not added to the pack."
            )
        entries.append(
            ps.AttachmentEntry(
                id=info.id,
                version=info.version,
                embedded_as=f"attachment-{number}.{ps.ATTACHMENT_EXTENSIONS[info.media_type]}",
                media_type=info.media_type,  # type: ignore[arg-type]
                sha256=info.sha256,
                size=info.size,
                caption=info.caption,
                file_name=info.file_name[:MAX_SHORT],
                taken_at=info.taken_at,
                added_at=info.added_at,
                added_by=info.added_by[:MAX_SHORT],
                metadata_kept=info.metadata_kept,
                child_id=info.child_id if kind == "referral" else None,
            )
        )
    return entries


def files_for(vault: Vault, pack: ps.PackModel) -> dict[str, bytes]:
    """The bytes of every attachment the pack lists, by embedded name."""
    return {
        e.embedded_as: vault.attachments.content(e.id, log_view=False) for e in pack.attachments
    }


def bring_across(vault: Vault, verified: VerifiedPack, *, merged: bool) -> int:
    """Keep the pack's attachments here (inside the import's transaction); how many were new.

    ``merged`` is False when the pack's child is held whole as conflicts: nothing is kept.
    """
    pack = verified.pack
    if not pack.attachments or not merged:
        return 0
    report_id = next((r.id for r in pack.records if r.type == "intel_report"), None)
    limit = vault.attachments.max_file_bytes
    added = 0
    for entry in pack.attachments:
        data = verified.files[entry.embedded_as]
        try:
            checked = inspect(data, max_bytes=limit)
        except AttachmentRefused as exc:
            raise UserError(
                f"An attachment in this pack ({entry.embedded_as}) was refused: {exc} Nothing "
                "from the pack was imported; tell the sender."
            ) from exc
        if checked.media_type != entry.media_type:
            raise UserError(
                f"An attachment in this pack ({entry.embedded_as}) is not the type pack.json "
                "says it is. Nothing from the pack was imported; tell the sender."
            )
        now = vault.now_iso()
        values = {
            "id": entry.id,
            "version": entry.version,
            "origin": pack.vault.id,
            "created_at": now,
            "created_by": f"import:{pack.sender.name}"[:MAX_SHORT],
            "updated_at": now,
            "child_id": entry.child_id,
            "report_id": None if entry.child_id else report_id,
            "media_type": entry.media_type,
            "file_name": entry.file_name,
            "caption": entry.caption,
            "taken_at": utc_iso(entry.taken_at) if entry.taken_at else None,
            "added_by": entry.added_by,
            "size": entry.size,
            "sha256": entry.sha256,
            "metadata_kept": int(entry.metadata_kept),
            "width": checked.width,
            "height": checked.height,
            "pages": checked.pages,
            "thumbnail": checked.thumbnail,
            "content": data,
        }
        owner = ("children", entry.child_id) if entry.child_id else ("intel_reports", report_id)
        if owner[1] is None or not vault.exchange.exists(owner[0], owner[1]):
            continue  # its child or report was held as a conflict: nothing to attach it to
        if vault.attachments.insert_arrived(values):
            added += 1
    return added
