"""Issue 22: a WAL truncated at a frame boundary, with an older chainhead.json put back.

The attacker has the laptop's files but no passphrase. After a crash (or while the app runs) the
WAL holds the newest commits; cutting it at a frame boundary gives a consistent older database,
and every backup zip carries an older ``chainhead.json`` that matches it. Before the anchor in
the OS credential store this opened cleanly in 70 of 70 cases (drafts: 8 of 9). Now every cut
that removed a commit must be refused as an older copy: 0 silent.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.vaults import copy_anchor, dek_of, make_vault, open_with_key, scratch_root

from cse_toolkit.errors import UserError
from cse_toolkit.vault.vault import open_with_key_for_restore

PAGE = 4096
FRAME = 24 + PAGE
HEADER = 32
SAMPLE = 10  # cut points tried per scenario (spread over the WAL; the last frame always)


def _state(folder: Path, dek: bytes) -> tuple[Any, ...]:
    vault = open_with_key(folder, dek)
    try:
        notes = vault.conn.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
        drafts = vault.conn.execute("SELECT id, payload FROM drafts ORDER BY id").fetchall()
        children = vault.conn.execute("SELECT id, version FROM children ORDER BY id").fetchall()
        return tuple(notes), tuple(drafts), tuple(children)
    finally:
        vault.close()


def _scenario(root: Path, kind: str) -> dict[str, Any]:
    """A live vault whose WAL holds several commits of ``kind`` (notes or drafts), copied as
    a crash would leave it; the chain head from before those commits (a backup's) kept."""
    live = root / f"live-{kind}"
    vault = make_vault(live)
    child = vault.repos.add_child(name="Jay Example", approx_age=14)
    vault.close()  # checkpointed: the WAL is empty from here
    old_head = (live / "chainhead.json").read_bytes()
    dek = dek_of(live)
    vault = open_with_key_for_restore(live, "sam", dek)
    when = datetime.now(UTC) - timedelta(hours=1)
    for i in range(6):
        if kind == "notes":
            vault.repos.add_note(child.id, f"note {i} " + "seen near the station " * 40, when)
        else:
            vault.repos.save_draft("note", child.id, {"body": f"draft {i} " + "typing " * 200})
    crashed = root / f"crashed-{kind}"
    crashed.mkdir(mode=0o700)
    for name in ("vault.db", "vault.db-wal", "keyslots.json", "chainhead.json"):
        shutil.copy2(live / name, crashed / name)
    copy_anchor(live, crashed)  # this laptop's anchor, as it was when the copy was taken
    vault.close()
    return {"folder": crashed, "dek": dek, "old_head": old_head}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", ["notes", "drafts"])
def test_wal_truncated_with_an_older_head_is_refused(
    tmp_path: Path, kind: str, figure: Any
) -> None:
    root = scratch_root(tmp_path)
    try:
        made = _scenario(root, kind)
        crashed, dek = made["folder"], made["dek"]
        wal_size = (crashed / "vault.db-wal").stat().st_size
        frames = (wal_size - HEADER) // FRAME
        assert frames > 6, frames
        full = None
        trial = root / "trial"
        points = sorted({round(i * (frames - 1) / (SAMPLE - 1)) for i in range(SAMPLE)} | {frames})
        outcomes = {"refused": 0, "silent": 0, "same": 0}
        silent: list[int] = []
        for cut in points:
            if trial.exists():
                shutil.rmtree(trial)
            shutil.copytree(crashed, trial)
            copy_anchor(crashed, trial)
            with (trial / "vault.db-wal").open("r+b") as f:
                f.truncate(HEADER + cut * FRAME)
            (trial / "chainhead.json").write_bytes(made["old_head"])
            if cut == frames:
                full = _state(trial, dek)  # nothing cut: the newest state opens
                outcomes["same"] += 1
                continue
            try:
                state = _state(trial, dek)
            except UserError:
                outcomes["refused"] += 1
                continue
            outcomes["silent"] += 1
            silent.append(cut)
            del state
        assert full is not None
        figure(
            f"WAL truncation with an older chain head ({kind})",
            f"{len(points) - 1} cuts of {frames} frames: {outcomes['refused']} refused as older, "
            f"{outcomes['silent']} silent",
        )
        assert silent == [], f"opened silently after cuts at frames {silent}"
    finally:
        if root != tmp_path:
            shutil.rmtree(root, ignore_errors=True)
