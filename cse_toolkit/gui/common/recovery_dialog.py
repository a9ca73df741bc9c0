""" "Forgotten your passphrase?": set a new one with the recovery key, without IT.

Reached from the unlock form. The user chooses their name, types the recovery key they wrote
down at first run (groups of four, spaces or dashes as they like) or, with IT beside them,
chooses the organisation's recovery key file, then types a new passphrase twice (the same
strength rule as at first run). The work runs on a pool thread through ``vault.recover``, the
vault's public recovery API: it proves the key opens the database, records
``passphrase.recover`` (or ``passphrase.recover.organisation``) in the audit trail, and only
then replaces the user's key slot. The recovery key keeps working afterwards.

Nothing typed here is kept: the fields are cleared when the dialog closes, whatever happened.
"""

from __future__ import annotations

import base64
import logging
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs, workers
from cse_toolkit.gui.common.account_dialog import AccountDialog
from cse_toolkit.gui.common.dialog_buttons import ACCEPT, REJECT, button_box
from cse_toolkit.gui.common.passphrase_meter import meter_text, too_weak
from cse_toolkit.gui.common.pathway_widgets import InlineMessage
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.policy import Policy

log = logging.getLogger(__name__)

OWN_KEY, ORGANISATION = 0, 1


class RecoveryDialog(AccountDialog):
    """After ``accept()``, ``user`` names whose passphrase was replaced."""

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
        # ``policy``: the one loaded at start (the recovered vault follows it)
        super().__init__(
            folder, users, current, min_score=min_score, kdf=kdf, policy=policy, parent=parent
        )
        self._org_key: Any = None
        title = self.tr("Set a new passphrase")
        self._set_title(title)

        intro = QLabel(
            self.tr(
                "Use the recovery key you wrote down (or printed) when this laptop was set up. "
                "It sets a new passphrase; your records stay as they are. This is recorded in "
                "the audit trail."
            )
        )
        intro.setWordWrap(True)

        self.own_radio = QRadioButton(self.tr("I have my &recovery key"))
        self.org_radio = QRadioButton(self.tr("IT has the &organisation's recovery key file"))
        self.route = QButtonGroup(self)
        self.route.addButton(self.own_radio, OWN_KEY)
        self.route.addButton(self.org_radio, ORGANISATION)
        self.own_radio.setChecked(True)
        self.route.idToggled.connect(self._route_changed)

        self.key_edit = QLineEdit()
        self.key_edit.setAccessibleName(self.tr("Recovery key"))
        self.key_edit.setPlaceholderText(self.tr("e.g. ABCD EFGH JKLM …"))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(QFont(self.font()).pointSizeF() * 1.2)
        self.key_edit.setFont(mono)
        self.file_button = QPushButton(self.tr("Choose the organisation key &file…"))
        self.file_button.setAutoDefault(False)
        self.file_button.clicked.connect(self.choose_org_file)
        self.file_label = QLabel()
        self.file_label.setWordWrap(True)
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        org_row = QHBoxLayout()
        org_row.addWidget(self.file_button)
        org_row.addWidget(self.file_label, 1)
        self.org_box = QWidget()
        self.org_box.setLayout(org_row)
        org_row.setContentsMargins(0, 0, 0, 0)

        self.new_edit = QLineEdit()
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_edit.setAccessibleName(self.tr("New passphrase"))
        self.confirm_edit = QLineEdit()
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit.setAccessibleName(self.tr("New passphrase again"))
        self.strength_label = QLabel()
        self.strength_label.setWordWrap(True)
        self.strength_label.setAccessibleName(self.tr("Passphrase strength"))
        self.new_edit.textChanged.connect(self._strength)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self._label(self.tr("&User:"), self.user_combo), self.user_combo)
        form.addRow(self.own_radio)
        form.addRow(self._label(self.tr("Recovery &key:"), self.key_edit), self.key_edit)
        form.addRow(self.org_radio)
        form.addRow(self.org_box)
        form.addRow(self._label(self.tr("&New passphrase:"), self.new_edit), self.new_edit)
        form.addRow(self._label(self.tr("&Again:"), self.confirm_edit), self.confirm_edit)
        form.addRow(QLabel(self.tr("Strength:")), self.strength_label)

        self.message = InlineMessage()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setAccessibleName(self.tr("Setting the new passphrase"))
        self.busy_bar.hide()

        self.set_button = QPushButton(self.tr("&Set new passphrase"))
        self.set_button.setDefault(True)
        self.set_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons = button_box((self.set_button, ACCEPT), (self.cancel_button, REJECT))

        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(title))
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy_bar)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self._route_changed(OWN_KEY, True)
        self._strength("")
        self.key_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.resize(560, 0)

    # -- input ----------------------------------------------------------------------------
    def _route_changed(self, button_id: int, checked: bool) -> None:
        if not checked:
            return
        own = button_id == OWN_KEY
        self.key_edit.setEnabled(own)
        self.org_box.setEnabled(not own)

    def _strength(self, text: str) -> None:
        self.strength_label.setText(meter_text(text, self._min_score))

    def choose_org_file(self) -> None:
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        path = dialogs.open_file(
            self,
            self.tr("The organisation's recovery key file"),
            self.tr("Key files (*.key *.txt);;All files (*)"),
        )
        if path is None:
            return
        try:
            if path.stat().st_size > 4096:
                raise ValueError("too large")
            raw = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
            self._org_key = X25519PrivateKey.from_private_bytes(raw)
        except (OSError, ValueError, UnicodeDecodeError):
            self._org_key = None
            self.file_label.setText("")
            self._show(
                self.tr("That file is not an organisation recovery key. Ask IT for the right file.")
            )
            return
        self.file_label.setText(path.name)
        self._show("")

    def problems(self) -> str:
        if not self.user_combo.currentText():
            return self.tr("There is no user on this laptop yet.")
        if self.route.checkedId() == OWN_KEY:
            if len("".join(self.key_edit.text().split()).replace("-", "")) < 8:
                return self.tr(
                    "Type your recovery key: the groups of letters and numbers you wrote down."
                )
        elif self._org_key is None:
            return self.tr("Choose the organisation's recovery key file first.")
        new = self.new_edit.text()
        weak = too_weak(new, self._min_score)
        if weak:
            return weak
        if new != self.confirm_edit.text():
            return self.tr("The two new passphrases are not the same. Type them again.")
        return ""

    # -- work -----------------------------------------------------------------------------
    def submit(self) -> None:
        if self._busy:
            return
        problem = self.problems()
        if problem:
            self._show(problem)
            return
        self._show("")
        folder, kdf, policy = self._folder, self._kdf, self._policy
        user = self.user_combo.currentText()
        new = self.new_edit.text()
        key = self.key_edit.text() if self.route.checkedId() == OWN_KEY else None
        org = self._org_key if key is None else None

        def work() -> str:
            from cse_toolkit.vault.vault import recover

            name: str = recover(
                folder, user, new, recovery_key=key, organisation_key=org, kdf=kdf, policy=policy
            )
            return name

        self._set_busy(True)
        workers.run_in_background(work, self._done, self._failed, parent=self)

    def _done(self, name: str) -> None:
        self._set_busy(False)
        self.user = name
        log.info("passphrase set with the recovery route")
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, UserError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        log.info("recovery refused: %s", type(exc).__name__)
        self._show(str(exc))
        self.key_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_bar.setVisible(busy)
        for widget in (
            self.set_button,
            self.key_edit,
            self.new_edit,
            self.confirm_edit,
            self.user_combo,
            self.own_radio,
            self.org_radio,
            self.file_button,
        ):
            widget.setEnabled(not busy)
        if not busy:
            self._route_changed(self.route.checkedId(), True)

    def _show(self, text: str) -> None:
        if text:
            self.message.show_problem(text)
        else:
            self.message.clear_problem()

    def message_text(self) -> str:
        return self.message.text() if self.message.isVisible() else ""

    def done(self, result: int) -> None:
        if self._busy:
            return  # the new key slot is being written: it ends when that is finished
        for edit in (self.key_edit, self.new_edit, self.confirm_edit):
            edit.clear()
        self._org_key = None
        super().done(result)
