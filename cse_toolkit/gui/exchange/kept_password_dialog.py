"""Show a kept pack password from the outbox, after the passphrase (issue 14 item 5).

The person types their passphrase; it is checked with one key derivation on a pool thread
(``services.kept_password.reveal``, which also audits the showing), then the password is shown
in large monospace text with Copy (cleared from the clipboard after 30 s). Closing the dialog,
or locking the app, clears it from the window.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QDialog, QFrame, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import clipboard, workers
from cse_toolkit.gui.common.dialog_buttons import ACCEPT, REJECT, button_box
from cse_toolkit.services import kept_password

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

COPY_CLEAR_MS = 30_000


class KeptPasswordDialog(QDialog):
    """Passphrase, then the kept password of one outbox entry."""

    shown_password = Signal()

    def __init__(
        self, vault: Vault, export_id: str, recipient: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._vault = vault
        self._export_id = export_id
        self.setWindowTitle(self.tr("Show the pack's password"))
        self.setAccessibleName(self.windowTitle())
        self.intro = QLabel(
            self.tr(
                "To read the password of the pack for {recipient} out by phone, type your "
                "passphrase again. Showing it is recorded in the audit trail."
            ).format(recipient=recipient)
        )
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Your passphrase"))
        label = QLabel(self.tr("Your &passphrase:"))
        label.setBuddy(self.passphrase)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("keptPasswordMessage")
        self.password_label = QLabel()
        self.password_label.setObjectName("packPassword")
        self.password_label.setAccessibleName(self.tr("Pack password"))
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 1.8)
        font.setWeight(QFont.Weight.DemiBold)
        self.password_label.setFont(font)
        self.password_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.password_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.password_label.hide()
        self.show_button = QPushButton(self.tr("&Show"))
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.reveal)
        self.copy_button = QPushButton(self.tr("&Copy"))
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy)
        self.copy_button.hide()
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(label)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.message)
        layout.addWidget(self.password_label)
        layout.addWidget(
            button_box(
                (self.show_button, ACCEPT),
                (self.copy_button, ACCEPT),
                (self.close_button, REJECT),
            )
        )
        self.passphrase.setFocus()
        self.resize(520, 260)

    def reveal(self) -> None:
        typed = self.passphrase.text()
        if not typed:
            self.message.setText(self.tr("Type your passphrase first."))
            return
        self.passphrase.clear()
        self.show_button.setEnabled(False)
        self.message.setText(self.tr("Checking your passphrase…"))
        vault, export_id = self._vault, self._export_id
        workers.run_in_background(
            lambda: kept_password.reveal(vault, export_id, typed),
            self._revealed,
            self._failed,
            parent=self,
        )

    def _revealed(self, password: Any) -> None:
        self.message.setText(
            self.tr("Read it out to the recipient. It is erased when you mark the pack sent.")
        )
        self.password_label.setText(str(password))
        self.password_label.show()
        self.copy_button.show()
        self.show_button.hide()
        self.passphrase.setEnabled(False)
        self.copy_button.setFocus()
        self.shown_password.emit()

    def _failed(self, exc: BaseException) -> None:
        self.show_button.setEnabled(True)
        if not isinstance(exc, UserError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        self.message.setText(str(exc))
        self.passphrase.setFocus()

    def copy(self) -> None:
        if self.password_label.text():
            clipboard.copy_sensitive(self.password_label.text(), COPY_CLEAR_MS)
            self.message.setText(self.tr("Copied. The clipboard is cleared in 30 seconds."))

    def done(self, result: int) -> None:
        self.password_label.clear()
        self.passphrase.clear()
        super().done(result)
