"""The shared start of the unlock screen's two account dialogs: "Change passphrase"
(``passphrase_dialog.py``) and "Forgotten your passphrase?" (``recovery_dialog.py``).

Both work on a closed vault folder under the organisation's passphrase rules, are modal, have
a title said to screen readers, and start with the same user chooser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QWidget

from cse_toolkit.policy import Policy


class AccountDialog(QDialog):
    """``user`` names, once the dialog is done, whose passphrase it changed ("" if none)."""

    def __init__(
        self,
        folder: Path,
        users: list[str],
        current: str = "",
        *,
        min_score: int = 3,
        kdf: Any = None,
        policy: Policy | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._folder = folder
        self._policy = policy
        self._min_score = min_score
        self._kdf = kdf
        self._busy = False
        self.user = ""
        self.setModal(True)
        self.user_combo = QComboBox()
        self.user_combo.addItems(users)
        if current in users:
            self.user_combo.setCurrentText(current)
        self.user_combo.setAccessibleName(self.tr("User"))

    def _set_title(self, title: str) -> None:
        self.setWindowTitle(title)
        self.setAccessibleName(title)

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label
