"""The lock ends the process (issue 22 item 5): what the real app's window hands over.

The process replacement itself is measured in tests/reliability/test_lock_memory.py; here the
window class of the real app (``gui.app.app_window_class``) with ``os.execv`` replaced: a lock
runs the one lock path first (drafts saved, vault closed) and then starts the app again with
only ids for the way back; the fresh start opens on the lock screen and, after unlock, returns
to the same child and tab. Closing the app does not restart it.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from cse_toolkit.gui import fresh_lock
from cse_toolkit.gui.app import app_window_class
from cse_toolkit.gui.extensions import install_all
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.vault import Vault
from gui.conftest import PASSPHRASE


class Restarted(Exception):
    pass


def _window(qtbot: Any, policy: Any, folder: Any, clock: Any) -> Any:
    win = app_window_class()(policy, folder, clock, kdf=FLOOR_PARAMS)
    qtbot.addWidget(win)
    install_all(win, policy.policy)
    win.show()
    return win


def test_a_lock_restarts_the_app_with_ids_only_and_it_comes_back_to_the_same_tab(
    qtbot: Any, vault_factory: Any, policy: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[list[str]] = []

    def execv(path: str, args: list[str]) -> None:
        started.append(args)
        raise Restarted

    monkeypatch.setattr(os, "execv", execv)
    for name in (fresh_lock.RESUME_ENV, "CSE_TOOLKIT_LOCKED_START"):
        monkeypatch.setenv(name, "")  # whatever the lock sets is undone after the test
    vault = vault_factory(clock=clock)
    folder = vault.folder
    child = vault.repos.add_child(name="Amy Secretname", approx_age=14)
    vault.repos.save_draft("note", child.id, {"body": "typed before the lock"})
    win = _window(qtbot, policy, folder, clock)
    win.enter_vault(vault)
    tab = win.child_page.tabs.indexOf(win.child_page.notes)
    win.show_child(child.id, tab)
    with pytest.raises(Restarted):
        win.lock("idle")
    assert not vault.is_open  # the one lock path ran first
    assert started == [fresh_lock.command()]
    handed = json.loads(os.environ[fresh_lock.RESUME_ENV])
    assert handed == {"page": "child", "child_id": child.id, "tab": tab}
    assert "Secretname" not in os.environ[fresh_lock.RESUME_ENV]

    # The fresh process: the lock screen, then the same place after unlock.
    fresh = _window(qtbot, policy, folder, clock)
    assert fresh_lock.RESUME_ENV not in os.environ  # taken on arrival
    fresh.start()
    assert fresh.locked and fresh.unlock.ui.titleLabel.text() == "CSE Toolkit is locked"
    fresh.enter_vault(Vault.open(folder, "sam", PASSPHRASE, clock=clock))
    assert fresh.child_page.child_id == child.id
    assert fresh.child_page.tabs.currentIndex() == tab
    monkeypatch.setattr(os, "execv", lambda *a: pytest.fail("closing must not restart"))
    fresh.close()  # a close locks but ends the app


@pytest.mark.parametrize(
    "raw",
    ['{"child_id": "x\\u0000", "page": "Child!"}', "[1]", "{", '{"tab": 3}', "x" * 500],
)
def test_a_handed_over_location_is_ids_only_or_nothing(
    raw: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fresh_lock.RESUME_ENV, raw)
    assert fresh_lock.resume_location() is None
