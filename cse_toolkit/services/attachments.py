"""Adding an attachment: read the file under the cap, check what it really is, keep it.

Two steps, both slow enough for a pool thread (the GUI runs them with ``workers``):

1. ``read_and_check(vault, path)`` reads at most the policy's per-file cap (plus one byte, so a
   larger file is refused without reading it all), and checks the bytes from their content
   (``packs.attachment_files.inspect``): type, damage, decompression bombs, active PDF content,
   text that is not text. It returns a ``Prepared`` (nothing written yet) and says whether the
   picture carries location or camera data.
2. ``save(vault, child_id, prepared, ...)`` keeps it in the vault, with location and camera
   data removed unless the worker chose to keep them for evidence (asked each time).

The file on disk is only read, never changed, moved or copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cse_toolkit.errors import UserError
from cse_toolkit.packs.attachment_files import CheckedFile, inspect, too_big_message

if TYPE_CHECKING:
    from cse_toolkit.vault.attachments_repo import AttachmentInfo
    from cse_toolkit.vault.vault import Vault


@dataclass(frozen=True)
class Prepared:
    file_name: str
    checked: CheckedFile

    @property
    def has_metadata(self) -> bool:
        return self.checked.metadata.any


def read_capped(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refused by size before (and while) reading."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UserError(too_big_message(size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise UserError(f"The file {path.name} is no longer there. Choose it again.") from exc
    except IsADirectoryError as exc:
        raise UserError(f"{path.name} is a folder. Choose a file.") from exc
    except OSError as exc:
        raise UserError(f"The file {path.name} cannot be read ({exc.strerror or exc}).") from exc
    if len(data) > max_bytes:
        raise UserError(too_big_message(len(data), max_bytes))
    return data


def check_bytes(vault: Vault, data: bytes, file_name: str = "") -> Prepared:
    limit = vault.attachments.max_file_bytes
    return Prepared(file_name, inspect(data, max_bytes=limit))


def read_and_check(vault: Vault, path: Path) -> Prepared:
    data = read_capped(path, vault.attachments.max_file_bytes)
    return check_bytes(vault, data, path.name)


def save(
    vault: Vault,
    child_id: str,
    prepared: Prepared,
    *,
    caption: str = "",
    taken_at: datetime | None = None,
    keep_metadata: bool = False,
) -> AttachmentInfo:
    checked = prepared.checked
    keep = keep_metadata and prepared.has_metadata
    return vault.attachments.add(
        child_id,
        checked.content(keep),
        checked.media_type,
        file_name=prepared.file_name,
        caption=caption.strip(),
        taken_at=taken_at,
        metadata_kept=keep,
        thumbnail=checked.thumbnail,
        width=checked.width,
        height=checked.height,
        pages=checked.pages,
    )


def add_file(
    vault: Vault,
    child_id: str,
    path: Path,
    *,
    caption: str = "",
    taken_at: datetime | None = None,
    keep_metadata: bool = False,
) -> AttachmentInfo:
    """Both steps at once (the command line and tests)."""
    prepared = read_and_check(vault, path)
    return save(
        vault, child_id, prepared, caption=caption, taken_at=taken_at, keep_metadata=keep_metadata
    )
