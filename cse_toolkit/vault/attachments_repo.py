"""Attachments: photos, scans, PDFs and text kept inside the encrypted vault (issue 18).

Written through ``rows.ATTACHMENTS`` and audited through the session's ``audit`` in the same
transaction, like every other record. The bytes never leave the database except into an
encrypted pack; nothing here writes a file. What a file *is* (its real type, metadata stripped,
hostile content refused) is decided before it gets here, by ``packs.attachment_files`` through
``services.attachments``; this room keeps the caps (per file and per vault, from the policy),
the role rules (who may see the child may see its attachments), and the audit.

Listing reads every column but ``content``; ``content`` reads one attachment's bytes and writes
a ``view`` entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.ids import new_id
from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.vault import rows

if TYPE_CHECKING:
    from cse_toolkit.vault.repos import Repositories
    from cse_toolkit.vault.session import Session

MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf", "text/plain")
MAX_CAPTION = 2_000
MAX_FILE_NAME = 255
MB = 1024 * 1024
# Why an attachment is removed: words from this list only (the audit trail keeps no free text).
REMOVE_REASONS = ("added_by_mistake", "wrong_child", "not_needed", "must_not_be_kept")

_COLS = (
    "id, version, origin, created_at, created_by, child_id, report_id, media_type, file_name,"
    " caption, taken_at, added_by, size, sha256, metadata_kept, width, height, pages, thumbnail"
)


@dataclass(frozen=True)
class AttachmentInfo:
    """One attachment without its bytes (``AttachmentRepository.content`` reads those)."""

    id: str
    version: int
    origin: str
    added_at: datetime
    created_by: str
    child_id: str | None
    report_id: str | None
    media_type: str
    file_name: str
    caption: str
    taken_at: datetime | None
    added_by: str
    size: int
    sha256: str
    metadata_kept: bool
    width: int
    height: int
    pages: int
    thumbnail: bytes


def _info(r: Any) -> AttachmentInfo:
    return AttachmentInfo(
        id=r[0],
        version=r[1],
        origin=r[2],
        added_at=parse_utc(r[3]),
        created_by=r[4],
        child_id=r[5],
        report_id=r[6],
        media_type=r[7],
        file_name=r[8],
        caption=r[9],
        taken_at=parse_utc(r[10]) if r[10] else None,
        added_by=r[11],
        size=int(r[12]),
        sha256=r[13],
        metadata_kept=bool(r[14]),
        width=int(r[15]),
        height=int(r[16]),
        pages=int(r[17]),
        thumbnail=bytes(r[18] or b""),
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AttachmentRepository:
    def __init__(self, session: Session, repos: Repositories) -> None:
        self._v = session
        self._repos = repos

    @property
    def _c(self) -> Any:
        return self._v.conn

    # -- caps ------------------------------------------------------------------------------
    @property
    def max_file_bytes(self) -> int:
        return self._v.policy.attachment_max_mb * MB

    @property
    def max_total_bytes(self) -> int:
        return self._v.policy.attachments_total_max_mb * MB

    def total_bytes(self) -> int:
        row = self._c.execute("SELECT COALESCE(SUM(size), 0) FROM attachments").fetchone()
        return int(row[0])

    def check_room(self, size: int) -> None:
        """Refuse a file over the per-file cap, or one that would fill the vault's share."""
        if size > self.max_file_bytes:
            raise UserError(
                f"This file is {size / MB:.1f} MB; your organisation allows attachments of up to "
                f"{self._v.policy.attachment_max_mb} MB. Reduce it (a smaller photo, or fewer "
                "pages) and add it again."
            )
        used = self.total_bytes()
        if used + size > self.max_total_bytes:
            raise UserError(
                f"The vault's attachments already take {used / MB:.0f} MB of the "
                f"{self._v.policy.attachments_total_max_mb} MB your organisation allows, so this "
                f"file ({size / MB:.1f} MB) was not added. Remove attachments that are no longer "
                "needed, or ask IT to raise the limit (attachments_total_max_mb)."
            )

    # -- writing ---------------------------------------------------------------------------
    def add(
        self,
        child_id: str,
        content: bytes,
        media_type: str,
        *,
        file_name: str = "",
        caption: str = "",
        taken_at: datetime | None = None,
        metadata_kept: bool = False,
        thumbnail: bytes = b"",
        width: int = 0,
        height: int = 0,
        pages: int = 0,
    ) -> AttachmentInfo:
        """Keep ``content`` (already checked, ``services.attachments``) on a child's record."""
        self._v.require("worker", "dsl")
        child = self._repos.get_child(child_id)
        if media_type not in MEDIA_TYPES:
            raise UserError("Only photos (JPEG, PNG), PDFs and plain text can be attached.")
        if len(caption) > MAX_CAPTION:
            raise UserError(f"The caption is too long (limit {MAX_CAPTION:,} characters).")
        if taken_at is not None and taken_at > self._v.now():
            raise UserError("The time the photo or document was taken cannot be in the future.")
        att_id = new_id()
        now = self._v.now_iso()
        row = {
            "id": att_id,
            "origin": self._v.vault_id,
            "created_at": now,
            "created_by": self._v.user.id,
            "updated_at": now,
            "child_id": child.id,
            "report_id": None,
            "media_type": media_type,
            "file_name": file_name[-MAX_FILE_NAME:],
            "caption": caption,
            "taken_at": utc_iso(taken_at) if taken_at else None,
            "added_by": self._v.user.label,
            "size": len(content),
            "sha256": sha256_hex(content),
            "metadata_kept": int(metadata_kept),
            "width": width,
            "height": height,
            "pages": pages,
            "thumbnail": thumbnail,
            "content": content,
        }
        with self._v.write("the attachment"):
            self.check_room(len(content))
            rows.ATTACHMENTS.insert(self._c, [row])
            kept = "kept" if metadata_kept else "removed"
            self._v.audit(
                "attachment.add",
                "attachment",
                att_id,
                1,
                f"type={media_type} size={len(content)} metadata={kept}",
            )
        return self.get(att_id)

    def insert_arrived(self, values: Mapping[str, Any]) -> bool:
        """An attachment that came in a pack (inside the importer's transaction): added unless
        it is already here. True when added."""
        if rows.ATTACHMENTS.exists(self._c, str(values["id"])):
            return False
        self.check_room(len(values["content"]))
        rows.ATTACHMENTS.insert(self._c, [dict(values)])
        self._v.audit(
            "attachment.add",
            "attachment",
            str(values["id"]),
            int(values.get("version", 1)),
            f"type={values['media_type']} size={len(values['content'])} origin=import",
        )
        return True

    def remove(self, attachment_id: str, why: str) -> None:
        """Delete an attachment for good (its adder or a DSL), with a reason from the list."""
        if why not in REMOVE_REASONS:
            raise UserError("Choose why the attachment is removed.")
        info = self.get(attachment_id)
        if self._v.user.role != "dsl" and info.created_by != self._v.user.id:
            raise PermissionDenied(
                "Only the person who added an attachment, or a DSL, can remove it."
            )
        with self._v.write("removing the attachment"):
            rows.ATTACHMENTS.delete(self._c, attachment_id)
            self._v.audit(
                "attachment.remove", "attachment", attachment_id, info.version, f"why={why}"
            )

    # -- reading ---------------------------------------------------------------------------
    def for_child(self, child_id: str) -> list[AttachmentInfo]:
        child = self._repos.get_child(child_id)
        found = self._c.execute(
            f"SELECT {_COLS} FROM attachments WHERE child_id = ?"
            " ORDER BY COALESCE(taken_at, created_at), created_at",
            (child.id,),
        ).fetchall()
        return [_info(r) for r in found]

    def _require_report(self, report_id: str) -> None:
        """As for the report itself: a DSL sees every report, a worker their own."""
        role = self._v.user.role
        if role == "dsl":
            return
        if role != "worker":
            raise PermissionDenied("An admin account cannot see records.")
        row = self._c.execute(
            "SELECT 1 FROM intel_reports WHERE id = ? AND created_by = ?",
            (report_id, self._v.user.id),
        ).fetchone()
        if row is None:
            raise UserError("That intelligence report is not one you can see.")

    def for_report(self, report_id: str) -> list[AttachmentInfo]:
        """Attachments that arrived with an intelligence report (not on a child's record)."""
        self._require_report(report_id)
        found = self._c.execute(
            f"SELECT {_COLS} FROM attachments WHERE report_id = ? ORDER BY created_at",
            (report_id,),
        ).fetchall()
        return [_info(r) for r in found]

    def get(self, attachment_id: str) -> AttachmentInfo:
        row = self._c.execute(
            f"SELECT {_COLS} FROM attachments WHERE id = ?", (attachment_id,)
        ).fetchone()
        if row is None:
            raise UserError("That attachment is no longer in the vault.")
        info = _info(row)
        if info.child_id is not None:
            self._repos.get_child(info.child_id)  # raises for a child this user cannot see
        elif info.report_id is not None:
            self._require_report(info.report_id)
        return info

    def content(self, attachment_id: str, *, log_view: bool = True) -> bytes:
        """The attachment's bytes (checked against its hash); the view is audited."""
        info = self.get(attachment_id)
        row = self._c.execute(
            "SELECT content FROM attachments WHERE id = ?", (attachment_id,)
        ).fetchone()
        data = bytes(row[0])
        if sha256_hex(data) != info.sha256:
            raise UserError(
                "This attachment is damaged (its content no longer matches the hash kept when "
                "it was added). Ask a DSL to restore the vault from a backup."
            )
        if log_view:
            self._v.log_view("attachment", attachment_id)
        return data
