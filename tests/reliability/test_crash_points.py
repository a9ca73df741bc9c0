"""Issue 22 items 3 and 7: a kill at every step of a restore and of a re-key recovers.

A step is every ``os.replace`` and ``os.fsync`` the operation makes (each durable change on
disk goes through one of them: atomic writes, the journal, the renames, the re-encrypted
copy). The operation runs in a forked child that ``os._exit``s just before the Nth step; the
test then opens the folder as the app would (``vault.exists`` first, which completes or undoes
an interrupted restore) and requires the old or the new vault, never "no vault", nothing lost.
Before issue 22 a kill between restore's two renames left "no vault, create one" (1 of 94).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.vaults import PASSPHRASE, copy_vault, make_vault, scratch_root

from cse_toolkit.errors import UserError
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.vault import Vault, exists

NEW = "harbour violet candle seven"
# Steps tried per operation (the counts are printed): every one of the last TAIL steps (the
# journal, the renames, the final slots and anchor) and EARLY more spread over the rest
# (reading the backup into staging, the key-slot file beside the old one, the export).
TAIL = 5
EARLY = 2


def _count_steps(fn: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> int:
    """Steps ``fn`` takes when run the way the trials run it: in a forked child of this
    process (a run here would count one-time work, e.g. a first anchor write, that the
    trials then skip). The child's run is on disk, so its result can be checked here."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        seen = [0]
        for name in ("replace", "fsync"):
            real = getattr(os, name)

            def counted(*a: Any, _real: Any = real, **k: Any) -> Any:
                seen[0] += 1
                return _real(*a, **k)

            setattr(os, name, counted)
        try:
            fn()
        except BaseException:  # noqa: BLE001 - reported as no count
            os._exit(3)
        os.write(write, str(seen[0]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        counted_steps = pipe.read()
    os.waitpid(pid, 0)
    assert counted_steps, "the counting run failed"
    monkeypatch.undo()
    return int(counted_steps)


def _killed_at(step: int, fn: Callable[[], Any]) -> int:
    """Run ``fn`` in a child killed just before its ``step``-th replace/fsync; exit status."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        count = [0]
        for name in ("replace", "fsync"):
            real = getattr(os, name)

            def hooked(*a: Any, _real: Any = real, **k: Any) -> Any:
                count[0] += 1
                if count[0] == step:
                    os._exit(9)
                return _real(*a, **k)

            setattr(os, name, hooked)
        try:
            fn()
        except BaseException:  # noqa: BLE001 - reported by the exit status
            os._exit(3)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _points(total: int) -> list[int]:
    if total <= TAIL + EARLY:
        return list(range(1, total + 1))
    head = total - TAIL
    early = {1 + round(i * (head - 1) / max(1, EARLY - 1)) for i in range(EARLY)}
    return sorted(early | set(range(head + 1, total + 1)))


def _children(folder: Path, user: str, passphrases: tuple[str, ...]) -> set[str]:
    last: Exception | None = None
    for passphrase in passphrases:
        try:
            with Vault.open(folder, user, passphrase) as vault:
                return {c.name for c in vault.repos.list_children()}
        except UserError as exc:
            last = exc
    raise AssertionError(f"the vault does not open: {last}")


@pytest.mark.timeout(400)
def test_restore_killed_at_every_step_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figure: Any
) -> None:
    from cse_toolkit.vault.backup import create_backup, restore_backup

    root = scratch_root(tmp_path)
    try:
        live = root / "live" / "vault"
        vault = make_vault(live, user="dee", role="dsl")
        vault.repos.add_child(name="Kept in the backup")
        backup = root / "backup.zip"
        create_backup(vault, backup)
        vault.repos.add_child(name="Added after the backup")
        vault.close()
        old, new = {"Kept in the backup", "Added after the backup"}, {"Kept in the backup"}

        def fresh() -> Path:
            parent = root / "trial"
            if parent.exists():
                shutil.rmtree(parent)
            parent.mkdir()
            copy_vault(live, parent / "vault")
            return parent / "vault"

        folder = fresh()

        def run() -> None:
            restore_backup(backup, folder, "dee", PASSPHRASE, "kill test")

        total = _count_steps(run, monkeypatch)
        assert _children(folder, "dee", (PASSPHRASE,)) == new
        # Counted again now that this process has opened a vault (one-time work, such as a first
        # anchor write, is done): the trials below start from this same state.
        folder = fresh()
        total = _count_steps(run, monkeypatch)
        outcomes: dict[str, int] = {"old vault": 0, "restored vault": 0}
        bad: list[str] = []
        points = _points(total)
        finished = 0
        for step in points:
            folder = fresh()
            status = _killed_at(step, run)
            assert status in (9, 0), f"step {step}: the child ended with {status}, not the kill"
            finished += status == 0  # fewer steps than the counted run: it completed
            if not exists(folder):
                bad.append(f"step {step}: no vault")
                continue
            found = _children(folder, "dee", (PASSPHRASE,))
            if found == old:
                outcomes["old vault"] += 1
            elif found == new:
                outcomes["restored vault"] += 1
            else:
                bad.append(f"step {step}: {sorted(found)}")
        figure(
            "restore killed at a step",
            f"{len(points)} of {total} steps tried: {outcomes['old vault']} old vault, "
            f"{outcomes['restored vault']} restored vault, {len(bad)} without a vault"
            f" ({finished} completed before their step)",
        )
        assert bad == [], bad
        assert finished < len(points) // 2, "most trials must be real kills"
    finally:
        if root != tmp_path:
            shutil.rmtree(root, ignore_errors=True)


@pytest.mark.timeout(400)
def test_rekey_killed_at_every_step_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figure: Any
) -> None:
    from cse_toolkit.vault.rekey import rekey

    root = scratch_root(tmp_path)
    try:
        live = root / "live"
        vault = make_vault(live)
        vault.repos.add_child(name="Jay Example")
        vault.close()
        want = {"Jay Example"}

        def fresh() -> Path:
            folder = root / "trial"
            copy_vault(live, folder)
            return folder

        folder = fresh()

        def run() -> None:
            rekey(folder, "sam", PASSPHRASE, NEW, FLOOR_PARAMS)

        total = _count_steps(run, monkeypatch)
        assert _children(folder, "sam", (NEW,)) == want
        folder = fresh()  # counted again from the state the trials start from (see restore)
        total = _count_steps(run, monkeypatch)
        opened = {"old passphrase": 0, "new passphrase": 0}
        bad: list[str] = []
        points = _points(total)
        finished = 0
        for step in points:
            folder = fresh()
            # Some runs take fewer steps than the counted one (one-time work done by then):
            # a run that completed before its step must still open, with the new passphrase.
            status = _killed_at(step, run)
            assert status in (9, 0), f"step {step}: the child ended with {status}"
            finished += status == 0
            for label, passphrase in (("new passphrase", NEW), ("old passphrase", PASSPHRASE)):
                try:
                    with Vault.open(folder, "sam", passphrase) as vault:
                        found = {c.name for c in vault.repos.list_children()}
                    opened[label] += 1
                    if found != want:
                        bad.append(f"step {step}: {sorted(found)}")
                    break
                except UserError:
                    continue
            else:
                bad.append(f"step {step}: opens with neither passphrase")
        figure(
            "re-key killed at a step",
            f"{len(points)} of {total} steps tried: {opened['old passphrase']} open with the old "
            f"passphrase (not re-keyed), {opened['new passphrase']} with the new, {len(bad)} lost"
            f" ({finished} completed before their step)",
        )
        assert bad == [], bad
        assert finished < len(points) // 2, "most trials must be real kills"
    finally:
        if root != tmp_path:
            shutil.rmtree(root, ignore_errors=True)


def test_old_key_slots_after_a_rekey_are_refused(tmp_path: Path, figure: Any) -> None:
    """The old key-slot file (and a backup's) with the old, perhaps known, passphrase."""
    from cse_toolkit.vault.backup import create_backup
    from cse_toolkit.vault.rekey import rekey

    folder = tmp_path / "vault"
    vault = make_vault(folder)
    vault.repos.add_child(name="Jay Example")
    create_backup(vault, tmp_path / "before.zip")
    vault.close()
    old_slots = (folder / "keyslots.json").read_bytes()
    rekey(folder, "sam", PASSPHRASE, NEW, FLOOR_PARAMS)
    import zipfile

    with zipfile.ZipFile(tmp_path / "before.zip") as zf:
        backup_slots = zf.read("keyslots.json")
    refused = 0
    cases = {"old keyslots.json": old_slots, "the backup's keyslots.json": backup_slots}
    for raw in cases.values():
        trial = tmp_path / "trial"
        if trial.exists():
            shutil.rmtree(trial)
        shutil.copytree(folder, trial)
        (trial / "keyslots.json").write_bytes(raw)
        for anchor_kept in (True, False):
            from helpers.vaults import copy_anchor, put_back_anchor

            if anchor_kept:
                copy_anchor(folder, trial)
            else:
                put_back_anchor(trial, None)  # even on a laptop without the anchor
            with pytest.raises(UserError):
                Vault.open(trial, "sam", PASSPHRASE)
            refused += 1
    figure(
        "old key slots after a re-key",
        f"{refused} of {refused} refused (with and without the anchor)",
    )
