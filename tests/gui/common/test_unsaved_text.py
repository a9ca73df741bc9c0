"""Unsaved text at lock is never lost silently (issue 22 item 4, the last fallback).

A draft the full disk could not take (neither the vault nor its rescue file): the bar says so at
once, with "Copy the text"; closing asks first (each button); the panic key does not ask; the
text is sealed and handed over through a memfd to the fresh process (``os.execv`` replaced),
and is back as a draft after unlock. The handover's own checks: a forged fd number, replay,
a size that does not match, no memfd at all."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication

from cse_toolkit.fsutil import DiskFullError
from cse_toolkit.gui import fresh_lock
from cse_toolkit.gui.app import app_window_class
from cse_toolkit.gui.extensions import install_all
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.unsaved import text_chars
from cse_toolkit.vault.vault import Vault
from gui.conftest import PASSPHRASE

TYPED = "Seen getting into a silver car at the bus station. " * 30


class FullDisk:
    """While ``full``, no draft can be written into the vault or its rescue file."""

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


def _type_a_note(qtbot: Any, win: Any, text: str = TYPED) -> Any:
    child = win.vault.repos.add_child(alias="Jay", approx_age=14)
    win.show_child(child.id, win.child_page.tabs.indexOf(win.child_page.notes))
    editor = win.child_page.notes.editor
    editor.ui.bodyEdit.setPlainText(text)
    return child


def _bar_up(qtbot: Any, win: Any) -> None:
    win.child_page.notes.editor.save_draft()  # what the autosave timer does, at once
    qtbot.waitUntil(lambda: win.unsaved_bar.isVisible(), timeout=5000)


def test_the_bar_says_it_at_once_copies_the_text_and_goes_when_the_draft_saves(
    qtbot: Any, open_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = open_window()
    disk = FullDisk(win.vault, monkeypatch)
    _type_a_note(qtbot, win)
    assert not win.unsaved_bar.isVisible()
    _bar_up(qtbot, win)
    bar = win.unsaved_bar
    win.toolbar.widgetForAction(win.lock_action).setFocus()
    chars = text_chars(win.child_page.notes.editor.payload())  # the note and its other fields
    assert len(TYPED) < chars < len(TYPED) + 100
    assert bar.text.text() == (
        f"The disk is full: {chars:,} characters in a note you are writing are not "
        "saved. Free some space on the disk, or copy the text to keep it elsewhere."
    )
    assert bar.accessibleName() == "Text not saved"
    assert bar.accessibleDescription() == bar.text.text()
    # Reached by F6 (a region of its own) and by Tab right after the toolbar.
    assert bar in win.regions()
    chain = win.tab_chain()
    banners = [w for w in chain if win.toolbar.isAncestorOf(w) or win.policy_banner.isAncestorOf(w)]
    assert chain[len(banners)] is bar.copy_button  # after the toolbar and the policy notice
    regions = win.regions()
    for _ in range(regions.index(bar) - regions.index(win.toolbar)):
        win.cycle_region(1)
    qtbot.waitUntil(lambda: QGuiApplication.focusObject() is bar.copy_button, timeout=2000)
    bar.copy_button.click()
    assert QGuiApplication.clipboard().text().startswith(TYPED.strip())
    assert "Paste it somewhere safe now" in bar.text.text()
    # Space comes back: the next save takes it, and the bar goes.
    disk.full = False
    win.child_page.notes.editor.ui.bodyEdit.insertPlainText(" More.")
    win.child_page.notes.editor.save_draft()
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5000)
    win.lock("panic")
    assert QGuiApplication.clipboard().text() == ""  # the copy is cleared at lock


@pytest.mark.parametrize("answer", ["stay", "copy", "close"])
def test_closing_asks_first_with_each_choice(
    qtbot: Any,
    open_window: Any,
    monkeypatch: pytest.MonkeyPatch,
    fake_dialogs: Any,
    caplog: Any,
    answer: str,
) -> None:
    win = open_window()
    vault = win.vault
    FullDisk(vault, monkeypatch)
    _type_a_note(qtbot, win)
    _bar_up(qtbot, win)
    fake_dialogs.answers = [answer]
    with caplog.at_level(logging.WARNING, logger="cse_toolkit"):
        win.close()
    (asked,) = [t for k, _title, t in fake_dialogs.shown if k == "ask"]
    assert "are not saved" in asked and "Closing the app now loses this text." in asked
    if answer == "close":
        assert win.locked and not vault.is_open
        assert "closed with 15" in caplog.text and "characters of unsaved text" in caplog.text
        assert TYPED[:30] not in caplog.text
        return
    assert not win.locked and win.isVisible()  # still unlocked, text still on screen
    assert win.child_page.notes.editor.ui.bodyEdit.toPlainText() == TYPED
    if answer == "copy":
        assert QGuiApplication.clipboard().text().startswith(TYPED.strip())
        assert "Paste the text somewhere safe now" in fake_dialogs.texts("info")[0]
    win.lock("panic")  # the teardown's close finds nothing to ask about


def test_the_panic_key_does_not_ask_and_the_text_comes_back_after_unlock(
    qtbot: Any,
    vault_factory: Any,
    policy: Any,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    fake_dialogs: Any,
) -> None:
    """The real app's window: a lock hands the sealed text to the fresh process (a memfd)."""

    started: list[list[str]] = []
    monkeypatch.setattr(os, "execv", lambda path, args: started.append(args))
    for name in (fresh_lock.RESUME_ENV, fresh_lock.KEPT_ENV, "CSE_TOOLKIT_LOCKED_START"):
        monkeypatch.setenv(name, "")
    vault = vault_factory(clock=clock)
    folder = vault.folder

    def window() -> Any:
        win = app_window_class()(policy, folder, clock, kdf=FLOOR_PARAMS)
        qtbot.addWidget(win)
        install_all(win, policy.policy)
        win.show()
        return win

    win = window()
    win.enter_vault(vault)
    disk = FullDisk(vault, monkeypatch)
    child = _type_a_note(qtbot, win)
    _bar_up(qtbot, win)
    win_payload = win.child_page.notes.editor.payload()
    win.lock_action.trigger()  # Ctrl+Shift+L: at once, no question
    assert started == [fresh_lock.command()]
    assert [k for k, *_ in fake_dialogs.shown] == []
    assert not vault.is_open
    handed = json.loads(os.environ[fresh_lock.KEPT_ENV])
    chars = text_chars(win_payload)
    assert handed["chars"] == {"note": chars}
    assert TYPED[:20] not in os.environ[fresh_lock.KEPT_ENV]
    disk.full = False

    fresh = window()  # the fresh process: it takes the memfd on arrival
    assert fresh_lock.KEPT_ENV not in os.environ
    assert fresh.kept is not None and fresh.kept.blob is not None
    assert TYPED[:20].encode() not in fresh.kept.blob  # ciphertext only
    with pytest.raises(OSError):
        os.fstat(handed["fd"])  # read once and closed
    fresh.start()
    fake_dialogs.answers = ["stay"]
    fresh.close()  # closing the lock screen would lose the kept text: asked first
    assert fresh.isVisible() and fresh.kept is not None
    (asked,) = [t for k, _t, t in fake_dialogs.shown if k == "ask"]
    assert "Closing the app loses them" in asked
    notice = fresh.unlock.kept_label.text()
    assert fresh.unlock.kept_label.isVisibleTo(fresh.unlock)
    assert notice.startswith(f"{chars:,} characters of a note could not be saved")
    assert "kept, encrypted" in notice and "Closing the app loses them" in notice
    monkeypatch.setattr(os, "execv", lambda *a: None)
    fresh.enter_vault(Vault.open(folder, "sam", PASSPHRASE, clock=clock))
    assert not fresh.unlock.kept_label.isVisibleTo(fresh.unlock)
    # Back as a draft, offered like one a crash left (restored into the child's note editor).
    editor = fresh.child_page.notes.editor
    qtbot.waitUntil(lambda: editor.ui.bodyEdit.toPlainText() == TYPED, timeout=5000)
    assert fresh.child_page.child_id == child.id
    fresh.lock("panic")


def test_still_full_at_unlock_the_text_is_back_in_its_editor_and_the_bar_says_so(
    qtbot: Any, open_window: Any, monkeypatch: pytest.MonkeyPatch, clock: Any
) -> None:
    win = open_window()
    vault = win.vault
    FullDisk(vault, monkeypatch)
    child = _type_a_note(qtbot, win)
    _bar_up(qtbot, win)
    win.lock("idle")  # in this process (tests keep it): the sealed text stays with the window
    assert win.kept is not None and win.kept.blob is not None
    assert TYPED[:20].encode() not in win.kept.blob
    assert win.unlock.kept_label.text().startswith(f"{win.kept.total:,} characters of a note")
    again = Vault.open(vault.folder, "sam", PASSPHRASE, clock=clock)
    FullDisk(again, monkeypatch)  # still full
    win.enter_vault(again)
    assert win.child_page.child_id == child.id
    editor = win.child_page.notes.editor
    assert editor.ui.bodyEdit.toPlainText() == TYPED
    qtbot.waitUntil(lambda: win.unsaved_bar.isVisible(), timeout=5000)
    assert win.kept is None and not win.unlock.kept_label.isVisibleTo(win.unlock)
    # The same draft: once it saves, the bar goes.
    monkeypatch.undo()
    editor.ui.bodyEdit.insertPlainText(" More.")
    editor.save_draft()
    qtbot.waitUntil(lambda: not win.unsaved_bar.isVisible(), timeout=5000)
    assert [d.payload["body"] for d in again.repos.drafts("note")] == [TYPED + " More."]
    win.lock("panic")


def test_no_memfd_means_the_lock_screen_says_what_was_lost(
    qtbot: Any, make_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(fresh_lock.KEPT_ENV, raising=False)
    monkeypatch.delattr(os, "memfd_create", raising=False)  # Windows: no memfd,
    monkeypatch.setattr(fresh_lock, "_posixshmem", lambda: None)  # no POSIX shared memory
    kept = fresh_lock.Handover(b"sealed", {"note": 1234, "intel_fact": 10})
    with pytest.MonkeyPatch.context() as m:
        m.setattr(fresh_lock.log, "error", lambda *a: None)
        assert fresh_lock.hand_over(kept) is None
    arrived = fresh_lock.take_handover()
    assert arrived is not None and arrived.lost and arrived.total == 1244
    from cse_toolkit.gui.unsaved_bar import lock_screen_text

    assert lock_screen_text(arrived) == (
        "1,244 characters of an intelligence report and a note could not be saved before "
        "the lock, because the disk was full, and are lost. Free some space on the disk."
    )


@pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="Linux memfd")
def test_the_handover_is_taken_once_and_a_forged_fd_is_not_read(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(fresh_lock.KEPT_ENV, raising=False)
    blob = os.urandom(3000)
    fd = fresh_lock.hand_over(fresh_lock.Handover(blob, {"note": 3}))
    assert fd is not None and os.get_inheritable(fd)
    with pytest.raises(OSError):
        os.write(fd, b"x")  # sealed against writes
    raw = os.environ[fresh_lock.KEPT_ENV]
    taken = fresh_lock.take_handover()
    assert taken is not None and taken.blob == blob
    assert fresh_lock.take_handover() is None  # replay: taken once
    monkeypatch.setenv(fresh_lock.KEPT_ENV, raw)
    again = fresh_lock.take_handover()  # the same value put back: the fd is gone
    assert again is not None and again.blob is None and again.lost

    # A forged number: an ordinary open file of the right size is never read nor closed.
    other = tmp_path / "other.bin"
    other.write_bytes(b"s" * 100)
    with open(other, "rb") as handle:
        forged = {"fd": handle.fileno(), "size": 100, "chars": {"note": 5}}
        monkeypatch.setenv(fresh_lock.KEPT_ENV, json.dumps(forged))
        got = fresh_lock.take_handover()
        assert got is not None and got.blob is None
        assert os.fstat(handle.fileno()).st_size == 100  # still open
    # A real memfd whose size does not match, bad counts, junk: nothing taken.
    fd = fresh_lock.hand_over(fresh_lock.Handover(blob, {"note": 3}))
    assert fd is not None
    value = json.loads(os.environ[fresh_lock.KEPT_ENV])
    for bad in ({**value, "size": 10}, {**value, "fd": True}, {**value, "fd": 2}):
        monkeypatch.setenv(fresh_lock.KEPT_ENV, json.dumps(bad))
        got = fresh_lock.take_handover()
        assert got is not None and got.blob is None
    os.fstat(fd)  # not closed by a value that does not match it
    # Counts that are not a kind and a count are dropped; the blob is still taken.
    monkeypatch.setenv(fresh_lock.KEPT_ENV, json.dumps({**value, "chars": {"Note!": 1, "x": -1}}))
    got = fresh_lock.take_handover()
    assert got is not None and got.blob == blob and got.chars == {}
    for junk in ("[1]", "{", "x" * 3000):
        monkeypatch.setenv(fresh_lock.KEPT_ENV, junk)
        assert fresh_lock.take_handover() is None


@pytest.mark.skipif(fresh_lock._posixshmem() is None, reason="POSIX shared memory")
def test_without_memfd_posix_shared_memory_carries_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS's way (tried here with the memfd taken away): a named object, taken once."""
    monkeypatch.delenv(fresh_lock.KEPT_ENV, raising=False)
    monkeypatch.delattr(os, "memfd_create", raising=False)
    blob = os.urandom(70_000)
    assert fresh_lock.hand_over(fresh_lock.Handover(blob, {"note": 9})) is None
    raw = os.environ[fresh_lock.KEPT_ENV]
    value = json.loads(raw)
    assert value["shm"].startswith("/cse-kept-") and value["size"] == len(blob)
    taken = fresh_lock.take_handover()
    assert taken is not None and taken.blob == blob and taken.chars == {"note": 9}
    monkeypatch.setenv(fresh_lock.KEPT_ENV, raw)  # replayed: the object is gone
    again = fresh_lock.take_handover()
    assert again is not None and again.blob is None and again.lost
    for name in ("/etc/passwd", "/cse-kept-../../x", "cse-kept-0123456789abcdef"):
        monkeypatch.setenv(fresh_lock.KEPT_ENV, json.dumps({**value, "shm": name}))
        got = fresh_lock.take_handover()
        assert got is not None and got.blob is None
    # An image that never started: the object is unlinked, not left in memory.
    fresh_lock.hand_over(fresh_lock.Handover(blob, {"note": 9}))
    name = json.loads(os.environ[fresh_lock.KEPT_ENV])["shm"]
    fresh_lock.drop_handover()
    assert fresh_lock.KEPT_ENV not in os.environ
    with pytest.raises(OSError):
        fresh_lock._posixshmem().shm_open(name, os.O_RDONLY, 0)


def test_an_editor_whose_save_draft_raises_on_a_full_disk_locks_without_an_error_box(
    qtbot: Any, open_window: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight of the nine editors let save_draft's DiskFullError out (the incident form, for
    one): the lock takes it as kept, not as a bug, and hands the text over."""
    from PySide6.QtWidgets import QWidget

    win = open_window()
    vault = win.vault
    FullDisk(vault, monkeypatch)

    class Incident(QWidget):
        def save_draft(self) -> None:
            if vault.is_open:  # only while this test's vault is
                vault.repos.save_draft("incident", None, {"body": "seen at the park"})

    form = Incident(win)
    form.show()
    reported: list[Any] = []
    monkeypatch.setattr(sys, "excepthook", lambda *a: reported.append(a))
    win.lock("idle")
    assert reported == []  # not reported as a bug: no "Cannot do that" box over the lock screen
    assert win.kept is not None and win.kept.chars == {"incident": len("seen at the park")}
    assert win.unlock.kept_label.text().startswith("16 characters of an incident")
    form.hide()
    form.deleteLater()
    win.kept = None  # else the fixture's closing asks (the lock screen keeps text) and stays
