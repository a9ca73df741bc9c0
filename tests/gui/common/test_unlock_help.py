"""The unlock form helps: Caps Lock warning, Show passphrase, "Forgotten your passphrase?" with
the recovery key (audited), and a layout that never clips at 100, 150 and 200 % scaling."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from gui.conftest import PASSPHRASE
from gui.layout_check import clipped

NEW_PASSPHRASE = "heron quilt canal pepper"


def _locked_window(vault_factory: Any, make_window: Any, clock: Any) -> tuple[Any, str]:
    vault = vault_factory(clock=clock)
    recovery = vault.recovery_key_for_tests
    folder = vault.folder
    vault.close()
    win = make_window(folder)
    win.start()
    return win, recovery


def test_caps_lock_warning_and_show_passphrase(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any
) -> None:
    win, _ = _locked_window(vault_factory, make_window, clock)
    form = win.unlock
    edit = form.ui.passphraseEdit
    assert not form.ui.capsLabel.isVisible()
    qtbot.keyClicks(edit, "OTTER")  # capitals without Shift: Caps Lock is on
    assert form.caps_lock_on is True and form.ui.capsLabel.isVisible()
    assert "Caps Lock is on" in form.ui.capsLabel.text()
    qtbot.keyClick(edit, Qt.Key.Key_CapsLock)
    assert not form.ui.capsLabel.isVisible()
    qtbot.keyClick(edit, "a")
    assert form.caps_lock_on is False
    qtbot.keyClick(edit, "A", Qt.KeyboardModifier.ShiftModifier)  # Shift + A: still off
    assert not form.ui.capsLabel.isVisible()

    assert edit.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClick(form.ui.showCheck, Qt.Key.Key_Space)
    assert edit.echoMode() == QLineEdit.EchoMode.Normal
    form.reset(locked=True)  # every lock hides it again
    assert edit.echoMode() == QLineEdit.EchoMode.Password and not form.ui.showCheck.isChecked()


def test_forgotten_passphrase_with_the_recovery_key(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any
) -> None:
    from cse_toolkit.gui.common.recovery_dialog import RecoveryDialog
    from cse_toolkit.vault.vault import Vault

    win, recovery = _locked_window(vault_factory, make_window, clock)
    form = win.unlock
    qtbot.mouseClick(form.ui.forgotButton, Qt.MouseButton.LeftButton)
    dialog = form.recovery
    assert isinstance(dialog, RecoveryDialog) and dialog.isVisible()
    assert dialog.user_combo.currentText() == "sam"

    # A wrong key: said inline, nothing changed.
    qtbot.keyClicks(dialog.key_edit, "AAAA BBBB CCCC DDDD EEEE FFFF GGGG HHHH")
    qtbot.keyClicks(dialog.new_edit, NEW_PASSPHRASE)
    qtbot.keyClicks(dialog.confirm_edit, NEW_PASSPHRASE)
    qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message_text() != "", timeout=10_000)
    assert "recovery key does not open" in dialog.message_text()
    assert dialog.isVisible()

    # A weak new passphrase is refused before any work.
    dialog.key_edit.setText(recovery.lower().replace("-", " "))
    dialog.new_edit.setText("password1")
    dialog.confirm_edit.setText("password1")
    dialog.submit()
    assert "too easy to guess" in dialog.message_text()

    dialog.new_edit.setText(NEW_PASSPHRASE)
    dialog.confirm_edit.setText(NEW_PASSPHRASE)
    with qtbot.waitSignal(dialog.finished, timeout=15_000):
        qtbot.keyClick(dialog.confirm_edit, Qt.Key.Key_Return)
    assert "A new passphrase is set for sam" in form.message()

    qtbot.keyClicks(form.ui.passphraseEdit, NEW_PASSPHRASE)
    qtbot.keyClick(form.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    actions = [r[0] for r in win.vault.conn.execute("SELECT action FROM audit").fetchall()]
    assert "passphrase.recover" in actions
    folder = win.vault.folder
    win.lock("panic")
    from cse_toolkit.vault.errors import WrongPassphraseError

    with pytest.raises(WrongPassphraseError):
        Vault.open(folder, "sam", PASSPHRASE)


def test_the_longest_message_does_not_clip(
    qtbot: Any, vault_factory: Any, make_window: Any, clock: Any
) -> None:
    win, _ = _locked_window(vault_factory, make_window, clock)
    form = win.unlock
    win.resize(800, 600)
    form.ui.messageLabel.setText(_longest_message(form))
    form.ui.messageLabel.show()
    form.ui.capsLabel.show()
    qtbot.wait(50)
    assert clipped(form) == []


def _longest_message(form: Any) -> str:
    from cse_toolkit.gui.common.unlock_dialog import message_for
    from cse_toolkit.vault import errors

    folder = Path("/a/rather/long/folder/name/for/the/vault/on/a/managed/laptop")
    samples = [
        message_for(exc, folder)
        for exc in (
            errors.WrongPassphraseError("sam"),
            errors.NoVaultError(str(folder)),
            errors.NotAVaultError(str(folder)),
            errors.VaultTooNewError(99, 1),
            errors.OlderCopyError("older"),
        )
    ]
    return max(samples, key=len)


SCALE_SCRIPT = r"""
import json, os, sys
sys.path.insert(0, os.environ["TESTS_DIR"])
from PySide6.QtWidgets import QApplication
app = QApplication([])
from cse_toolkit.core.clock import FixedClock
from cse_toolkit.gui.main_window import MainWindow
from cse_toolkit.gui.common.unlock_dialog import message_for
from cse_toolkit.policy import load_policy
from cse_toolkit.vault import errors
from pathlib import Path
from gui.layout_check import clipped
win = MainWindow(load_policy(), Path(sys.argv[1]), FixedClock())
screen = app.primaryScreen().availableGeometry()
win.resize(min(1200, screen.width()), min(760, screen.height()))
win.show()
form = win.unlock
folder = Path(sys.argv[1])
text = max((message_for(e, folder) for e in (errors.WrongPassphraseError("sam"),
            errors.NoVaultError(str(folder)), errors.NotAVaultError(str(folder)),
            errors.OlderCopyError("older"))), key=len)
form.ui.messageLabel.setText(text)
form.ui.messageLabel.show()
form.ui.capsLabel.show()
for _ in range(5):
    app.processEvents()
print(json.dumps({"scale": win.devicePixelRatio(), "size": [win.width(), win.height()],
                  "clipped": clipped(form)}))
"""


@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
def test_unlock_form_never_clips_when_scaled(vault_factory: Any, clock: Any, scale: str) -> None:
    vault = vault_factory(clock=clock)
    folder = vault.folder
    vault.close()
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        QT_SCALE_FACTOR=scale,
        TESTS_DIR=str(Path(__file__).resolve().parents[2]),
        QT_QPA_OFFSCREEN_NO_GLX="1",
    )
    env["QT_LOGGING_RULES"] = "qt.qpa.*=false"
    done = subprocess.run(
        [sys.executable, "-c", SCALE_SCRIPT, str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["scale"] == float(scale)
    assert result["clipped"] == [], result
