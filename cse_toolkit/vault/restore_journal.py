"""The restore's swap journal: a crash at any point leaves the old or the new vault.

A restore moves the current vault folder aside and the verified staging folder into its place:
two renames. Before the first, ``begin`` writes a small journal beside the folder (atomically,
fsync'd) naming both. ``finish`` (run by ``vault.exists`` and so by every open, the app's start
and the CLI) completes a swap the journal shows half done, or undoes one that had not started,
then removes the journal. The names it may move are checked against the two patterns a restore
makes, siblings of the vault folder, so a planted journal can only move those.

Whether the restored (older) database may then open is the anchor's decision, not the
journal's: ``restore_backup`` records the restored state as the anchor's ``pending`` state
before the swap (``vault/anchor.py``), so a journal on disk never lowers the anchor.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path

from cse_toolkit.fsutil import atomic_write, fsync_dir

log = logging.getLogger(__name__)


def journal_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.restore-journal.json"


def _allowed(folder: Path, name: str, kind: str) -> bool:
    base = re.escape(folder.name)
    pattern = rf"\.{base}\.restore-[0-9a-f]{{8}}" if kind == "staging" else rf"{base}-replaced-.+"
    return bool(re.fullmatch(pattern, name)) and "/" not in name and "\\" not in name


def begin(folder: Path, staging: Path, kept: Path | None) -> None:
    body = {"format": 1, "staging": staging.name, "kept": kept.name if kept else None}
    atomic_write(journal_path(folder), json.dumps(body).encode(), "the restore journal")


def end(folder: Path) -> None:
    journal_path(folder).unlink(missing_ok=True)
    fsync_dir(folder.parent)


def finish(folder: Path) -> str | None:
    """Complete or undo an interrupted restore of ``folder``; returns what was done (None
    when there was nothing to do)."""
    path = journal_path(folder)
    if not path.exists():
        return None
    try:
        body = json.loads(path.read_bytes()[:10_000])
        staging_name = str(body["staging"])
        kept_name = body.get("kept")
        if not _allowed(folder, staging_name, "staging") or (
            kept_name is not None and not _allowed(folder, str(kept_name), "kept")
        ):
            raise ValueError("unexpected names")
    except (OSError, ValueError, KeyError, TypeError):
        log.info("an unreadable restore journal was removed")
        end(folder)
        return "removed an unreadable restore journal"
    staging = folder.parent / staging_name
    kept = folder.parent / str(kept_name) if kept_name else None
    vault_here = (folder / "vault.db").exists() and (folder / "keyslots.json").exists()
    if staging.exists() and not folder.exists():
        # The old vault was moved aside, the restored one not yet in place: roll forward.
        os.replace(staging, folder)
        done = "completed an interrupted restore"
    elif staging.exists():
        # The swap had not started (or the folder is back): the old vault stays.
        shutil.rmtree(staging, ignore_errors=True)
        done = "undid an interrupted restore (the vault was not replaced)"
    elif not vault_here and kept is not None and kept.exists():
        # Nothing in place and no staging: put the old vault back.
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(kept, folder)
        done = "undid an interrupted restore (the previous vault was put back)"
    else:
        done = "finished an interrupted restore"
    fsync_dir(folder.parent)
    end(folder)
    log.info("restore journal: %s", done)
    return done
