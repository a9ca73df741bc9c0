"""Unsaved text through a real lock on a full disk: run by test_unsaved_at_lock.py.

    python unsaved_lock_driver.py MOUNT OUT

MOUNT is a small tmpfs holding the vault (``CSE_TOOLKIT_HOME`` = MOUNT/vault); OUT, outside it,
takes the findings. The real app's window (``gui.app.app_window_class``) is unlocked on a
child's notes tab; the disk is filled to the last byte and the vault's released reserve used up
by notes; a note longer than the rescue file (1 MiB) is typed, so it can be saved neither in
the vault nor in the rescue file. The bar's text is written to OUT/before.json, then the app
locks by the panic path: the process image is replaced by a fresh start of the app
(``gui/fresh_lock.py``), which the hook in unsaved_hook/sitecustomize.py drives from there on.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cse_toolkit import paths

PASSPHRASE = "otter lamp river gravel"
MARKER = "KESTREL-WHARF-4471 by the lock gates. "
TYPED_CHARS = 1_500_000  # more than the 1 MiB rescue file can take


def typed_text() -> str:
    return (MARKER * (TYPED_CHARS // len(MARKER) + 1))[:TYPED_CHARS]


def fill_to_the_last_byte(path: Path) -> None:
    with open(path, "ab", buffering=0) as out:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    out.write(bytes(size))
            except OSError:
                continue


def main() -> int:
    paths.harden_process()
    mount, out = Path(sys.argv[1]), Path(sys.argv[2])
    from PySide6.QtWidgets import QApplication

    from cse_toolkit.core.clock import SystemClock
    from cse_toolkit.fsutil import DiskFullError
    from cse_toolkit.gui.app import app_window_class, configure_application
    from cse_toolkit.gui.extensions import install_all
    from cse_toolkit.logs import setup_logging
    from cse_toolkit.policy import load_policy
    from cse_toolkit.vault import reserve
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    folder = paths.data_dir()
    vault, _ = Vault.create(folder, "sam", "worker", PASSPHRASE, kdf=FLOOR_PARAMS)
    child = vault.repos.add_child(name="Full Disk", approx_age=15)
    vault.close()
    app = QApplication(sys.argv[:1])
    setup_logging()
    configure_application(app)
    loaded = load_policy()
    window = app_window_class()(loaded, folder, SystemClock(), kdf=FLOOR_PARAMS)
    install_all(window, loaded.policy)
    window.show()
    window.start()
    vault = Vault.open(folder, "sam", PASSPHRASE, policy=loaded.policy)
    window.unlock.reset(locked=False)
    window.enter_vault(vault)
    window.show_child(child.id, window.child_page.tabs.indexOf(window.child_page.notes))
    for _ in range(20):
        app.processEvents()
    result: dict[str, object] = {"reserve_made": (folder / reserve.RESERVE_FILE).exists()}
    fill_to_the_last_byte(mount / "ballast")
    when = datetime.now(UTC) - timedelta(hours=1)
    notes = 0
    for i in range(20_000):  # the released reserve, used up
        try:
            vault.repos.add_note(child.id, f"fill {i} " + os.urandom(1500).hex(), when)
            notes += 1
        except DiskFullError:
            break
    result["notes_into_the_reserve"] = notes
    result["free_bytes"] = reserve.free_bytes(mount)
    editor = window.child_page.notes.editor
    editor.ui.bodyEdit.setPlainText(typed_text())
    editor.save_draft()  # what the autosave timer does
    for _ in range(50):
        app.processEvents()
    result["status"] = editor.ui.statusLabel.text()
    result["bar_shown"] = window.unsaved_bar.isVisible()
    result["bar_text"] = window.unsaved_bar.text.text()
    result["typed_chars"] = TYPED_CHARS
    (out / "before.json").write_text(json.dumps(result, indent=2))
    window.lock("panic")  # does not return: the process image is replaced
    (out / "before.json").write_text(json.dumps({**result, "exec": "failed"}))
    return 1


if __name__ == "__main__":
    sys.exit(main())
