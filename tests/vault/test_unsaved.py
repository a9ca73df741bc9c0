"""Drafts that nothing on disk could take (issue 22 item 4, the last fallback): kept in memory,
sealed for the lock screen, put back after unlock. vault/unsaved.py, Repositories.save_draft,
Vault.seal_unsaved / put_back_unsaved."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
from helpers.vaults import PASSPHRASE

from cse_toolkit.fsutil import DiskFullError
from cse_toolkit.vault import unsaved
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.vault import Vault


class FullDisk:
    """The vault's drafts cannot be written anywhere while ``full``."""

    def __init__(self, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = True
        real_write, real_stash = vault.write, vault.stash_draft

        @contextlib.contextmanager
        def write(what: str = "the change") -> Iterator[None]:
            if self.full and "draft" in what:
                raise DiskFullError(what)
            with real_write(what):
                yield

        def stash(draft: dict[str, Any]) -> None:
            if self.full:
                raise DiskFullError("the draft")
            real_stash(draft)

        monkeypatch.setattr(vault, "write", write)
        monkeypatch.setattr(vault, "stash_draft", stash)


def test_seal_opens_with_the_same_key_only_and_each_seal_is_fresh() -> None:
    key = os.urandom(32)
    drafts = [{"id": "d1", "kind": "note", "payload": '{"body": "Seen at the station"}'}]
    one, two = unsaved.seal(key, drafts), unsaved.seal(key, drafts)
    assert one != two  # a fresh salt and nonce each time
    assert b"station" not in one
    assert unsaved.unseal(key, one) == drafts
    with pytest.raises(ValueError):
        unsaved.unseal(os.urandom(32), one)  # another vault's key


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[:-1] + bytes([b[-1] ^ 1]),  # a flipped bit in the tag
        lambda b: b[: len(unsaved.MAGIC)] + bytes(16) + b[len(unsaved.MAGIC) + 16 :],  # salt
        lambda b: b"X" + b[1:],  # not the format
        lambda b: b[:20],  # cut short
        lambda b: b + bytes(unsaved.MAX_SEALED),  # oversized
    ],
)
def test_a_damaged_or_oversized_seal_is_refused(damage: Any) -> None:
    key = os.urandom(32)
    blob = unsaved.seal(key, [{"id": "d1", "payload": "{}"}])
    with pytest.raises(ValueError):
        unsaved.unseal(key, damage(blob))


def test_text_chars_counts_the_typed_text_in_every_field() -> None:
    draft = {"payload": '{"body": "abcd", "who": "ef", "n": 3, "tags": ["gh"]}'}
    assert unsaved.draft_chars(draft) == 8
    assert unsaved.kind_name("intel_fact") == "an intelligence report"
    assert unsaved.kind_name("unknown") == "a draft"


def test_a_draft_nothing_could_store_is_kept_in_memory_until_it_saves(
    vault_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = vault_factory()
    child = vault.repos.add_child(name="Amy", approx_age=14)
    told: list[int] = []
    vault.unsaved.listener = lambda: told.append(len(vault.unsaved.drafts()))
    disk = FullDisk(vault, monkeypatch)
    with pytest.raises(DiskFullError):
        vault.repos.save_draft("note", child.id, {"body": "x" * 5000}, "draft-1")
    (kept,) = vault.unsaved.drafts()
    assert kept["id"] == "draft-1" and kept["kind"] == "note"
    assert vault.unsaved.summary() == {"note": 5000}
    assert told == [1]
    disk.full = False
    vault.repos.save_draft("note", child.id, {"body": "x" * 5001}, "draft-1")
    assert vault.unsaved.drafts() == [] and told == [1, 0]
    assert vault.repos.drafts("note")[0].payload["body"] == "x" * 5001


def test_sealed_at_lock_and_put_back_after_unlock(
    vault_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = vault_factory()
    child = vault.repos.add_child(name="Amy", approx_age=14)
    typed = "".join(chr(0x41 + i % 26) for i in range(1_500_000))  # more than the rescue file
    disk = FullDisk(vault, monkeypatch)
    with pytest.raises(DiskFullError):
        vault.repos.save_draft("note", child.id, {"body": typed}, "draft-1")
    blob = vault.seal_unsaved()
    assert blob is not None and typed[:200].encode() not in blob
    folder = vault.folder
    disk.full = False
    vault.close()
    assert vault.unsaved.drafts() == []  # not left in the closed vault's memory
    other = Vault.create(folder.parent / "other", "sam", "worker", PASSPHRASE, kdf=FLOOR_PARAMS)[0]
    try:
        with pytest.raises(ValueError):
            other.put_back_unsaved(blob)  # another vault's key
    finally:
        other.close()
    again = Vault.open(folder, "sam", PASSPHRASE)
    try:
        assert again.put_back_unsaved(blob) == "vault"
        (draft,) = again.repos.drafts("note")
        assert draft.id == "draft-1" and draft.payload["body"] == typed  # 0 characters lost
    finally:
        again.close()


def test_put_back_on_a_still_full_disk_keeps_the_text_in_memory(
    vault_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = vault_factory()
    blob = unsaved.seal(
        vault._stash_key,
        [{"id": "d9", "user_id": vault.user.id, "kind": "note", "target_id": None,
          "payload": '{"body": "' + "y" * 2_000_000 + '"}', "updated_at": "2026-01-01"}],
    )  # fmt: skip
    monkeypatch.setattr(vault, "write", FullDiskWrite())
    assert vault.put_back_unsaved(blob) == "memory"  # too long for the rescue file too
    assert vault.unsaved.summary() == {"note": 2_000_000}


class FullDiskWrite:
    @contextlib.contextmanager
    def __call__(self, what: str = "the change") -> Iterator[None]:
        raise DiskFullError(what)
        yield
