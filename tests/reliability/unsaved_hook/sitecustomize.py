"""Drives the fresh lock-screen process in tests/reliability/test_unsaved_at_lock.py.

On PYTHONPATH only in that test. In the process the lock started (``CSE_TOOLKIT_LOCKED_START``
set by ``gui/fresh_lock.py``) the app's window class gets a hook: once the lock screen is up it
writes what it says to OUT/locked.json, waits for OUT/go (the test reads this process's memory
meanwhile), frees the full disk, unlocks with the passphrase as a user would, and writes what
came back to OUT/after.json; then the app quits.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

_OUT = os.environ.get("CSE_TEST_UNSAVED_OUT", "")
_MOUNT = os.environ.get("CSE_TEST_UNSAVED_MOUNT", "")

if _OUT and os.environ.get("CSE_TOOLKIT_LOCKED_START") == "1":
    from cse_toolkit.gui import app as _app

    _base = _app.app_window_class

    def _hooked() -> Any:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        out, mount = Path(_OUT), Path(_MOUNT)
        window_class = _base()

        class Hooked(window_class):  # type: ignore[misc, valid-type]
            def start(self) -> None:
                super().start()
                self._t0 = time.monotonic()
                QTimer.singleShot(300, self._locked_up)

            def _locked_up(self) -> None:
                kept = self.kept
                (out / "locked.json").write_text(
                    json.dumps(
                        {
                            "locked": self.locked,
                            "notice": self.unlock.kept_label.text(),
                            "notice_shown": self.unlock.kept_label.isVisibleTo(self.unlock),
                            "kept_chars": kept.total if kept else 0,
                            "kept_sealed_bytes": len(kept.blob) if kept and kept.blob else 0,
                            "env_left": "CSE_TOOLKIT_KEPT" in os.environ,
                        }
                    )
                )
                self._wait_go()

            def _wait_go(self) -> None:
                if not (out / "go").exists():
                    QTimer.singleShot(100, self._wait_go)
                    return
                (mount / "ballast").unlink()
                self.unlock.ui.passphraseEdit.setText("otter lamp river gravel")
                self._t0 = time.monotonic()
                self.unlock.unlock()
                self._wait_back()

            def _wait_back(self) -> None:
                modal = QApplication.activeModalWidget()
                if modal is not None:  # a draft offered back: "Restore it" is the default
                    default = getattr(modal, "defaultButton", lambda: None)()
                    if default is not None:
                        default.click()
                body = self.child_page.notes.editor.ui.bodyEdit.toPlainText()
                done = not self.locked and len(body) >= 1_000_000
                if not done and time.monotonic() - self._t0 < 90:
                    QTimer.singleShot(100, self._wait_back)
                    return
                vault = self.vault
                drafts = vault.repos.drafts("note") if vault is not None else []
                (out / "after.json").write_text(
                    json.dumps(
                        {
                            "unlocked": not self.locked,
                            "editor_text": body,
                            "draft_texts": [d.payload.get("body", "") for d in drafts],
                            "status": self.statusBar().currentMessage(),
                            "bar_shown": self.unsaved_bar.isVisible(),
                            "seconds_to_back": round(time.monotonic() - self._t0, 2),
                        }
                    )
                )
                self.lock_manager.stop()
                vault_ = self.vault
                if vault_ is not None:
                    vault_.close()
                QApplication.exit(0)

        return Hooked

    _app.app_window_class = _hooked
