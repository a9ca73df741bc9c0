"""About: version, where the data lives, which policy is in force, and the vault id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from cse_toolkit import APP_NAME, __version__
from cse_toolkit.gui.widgets import heading_label
from cse_toolkit.policy import LoadedPolicy


class AboutPage(QWidget):
    def __init__(self, policy: LoadedPolicy, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("About"))
        self._labels: dict[str, QLabel] = {}
        form = QFormLayout()
        rows = (
            ("version", self.tr("Version"), __version__),
            ("organisation", self.tr("Organisation"), policy.policy.organisation),
            ("data", self.tr("Data folder"), str(folder)),
            ("policy", self.tr("Policy in force"), policy.source),
            ("idle", self.tr("Locks after"),
             self.tr("{n} minutes without input").format(n=policy.policy.idle_lock_minutes)),
            ("vault", self.tr("Vault id"), ""),
            ("user", self.tr("Signed in as"), ""),
        )
        for key, title, value in rows:
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            label.setAccessibleName(title)
            self._labels[key] = label
            form.addRow(QLabel(title + ":"), label)
        intro = QLabel(
            self.tr(
                "An offline, encrypted toolkit for practitioners responding to concerns about "
                "child sexual exploitation. Everything stays on this laptop until you export it."
            )
        )
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(APP_NAME))
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)

    def value(self, key: str) -> str:
        return self._labels[key].text()

    def set_vault(self, vault: Any) -> None:
        self._labels["vault"].setText(vault.vault_id)
        self._labels["user"].setText(f"{vault.user.label} ({vault.user.role})")

    def clear(self) -> None:
        self._labels["vault"].clear()
        self._labels["user"].clear()
