"""Change passphrase, from the unlock form (the vault is closed while it runs).

Two choices (issue 22): the ordinary change re-wraps the data key under the new passphrase
(``vault.change_passphrase``, quick); "My passphrase may be known to someone else" also re-keys
the database (``vault.rekey.rekey``): a new data key, the vault re-encrypted with it, so no old
key-slot file, backup slot or old passphrase opens the live vault. That takes longer (a progress
bar follows it), gives a new recovery key, shown here once, and reaches the other people of the
vault at their next unlock.

The work runs on a pool thread; its progress is read by a timer on the GUI thread. Nothing typed
here is kept: the fields are cleared when the dialog closes.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import workers
from cse_toolkit.gui.common.account_dialog import AccountDialog
from cse_toolkit.gui.common.dialog_buttons import ACCEPT, REJECT, button_box
from cse_toolkit.gui.common.passphrase_meter import meter_text, too_weak
from cse_toolkit.gui.common.pathway_widgets import InlineMessage
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.policy import Policy

log = logging.getLogger(__name__)


class PassphraseDialog(AccountDialog):
    """After it is done, ``user`` names whose passphrase changed and ``recovery_key`` holds a
    re-key's new recovery key (shown in the dialog until it is closed)."""

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
        super().__init__(
            folder, users, current, min_score=min_score, kdf=kdf, policy=policy, parent=parent
        )
        self._progress: tuple[float, str] = (0.0, "")
        self._lock = threading.Lock()
        self.recovery_key = ""
        title = self.tr("Change passphrase")
        self._set_title(title)

        self.old_edit = self._secret(self.tr("Current passphrase"))
        self.new_edit = self._secret(self.tr("New passphrase"))
        self.confirm_edit = self._secret(self.tr("New passphrase again"))
        self.strength_label = QLabel()
        self.strength_label.setWordWrap(True)
        self.strength_label.setAccessibleName(self.tr("Passphrase strength"))
        self.new_edit.textChanged.connect(
            lambda text: self.strength_label.setText(meter_text(text, self._min_score))
        )
        self.known_check = QCheckBox(
            self.tr("My passphrase may be &known to someone else: also re-encrypt the vault")
        )
        self.known_check.setAccessibleDescription(
            self.tr(
                "Slower. Afterwards no old copy of the key file, no backup's key and no old "
                "passphrase opens this vault. You get a new recovery key."
            )
        )
        known_help = QLabel(self.known_check.accessibleDescription())
        known_help.setWordWrap(True)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self._label(self.tr("&User:"), self.user_combo), self.user_combo)
        form.addRow(self._label(self.tr("&Current passphrase:"), self.old_edit), self.old_edit)
        form.addRow(self._label(self.tr("&New passphrase:"), self.new_edit), self.new_edit)
        form.addRow(self._label(self.tr("&Again:"), self.confirm_edit), self.confirm_edit)
        form.addRow(QLabel(self.tr("Strength:")), self.strength_label)
        form.addRow(self.known_check)
        form.addRow(known_help)

        self.message = InlineMessage()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setAccessibleName(self.tr("Changing the passphrase"))
        self.progress_bar.hide()
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._show_progress)

        self.change_button = QPushButton(self.tr("C&hange passphrase"))
        self.change_button.setDefault(True)
        self.change_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons = button_box((self.change_button, ACCEPT), (self.cancel_button, REJECT))

        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(title))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.strength_label.setText(meter_text("", self._min_score))
        self.old_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.setMinimumWidth(480)
        self.adjustSize()  # the wrapped help lines at this width

    def _secret(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setAccessibleName(name)
        return edit

    def problems(self) -> str:
        if not self.user_combo.currentText():
            return self.tr("There is no user on this laptop yet.")
        if not self.old_edit.text():
            return self.tr("Type your current passphrase.")
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
        if self.user:  # done: the button now closes the dialog
            self.accept()
            return
        problem = self.problems()
        if problem:
            self.message.show_problem(problem)
            return
        self.message.clear_problem()
        folder, kdf, policy = self._folder, self._kdf, self._policy
        user, old, new = self.user_combo.currentText(), self.old_edit.text(), self.new_edit.text()
        known = self.known_check.isChecked()

        def report(fraction: float, words: str) -> None:
            with self._lock:
                self._progress = (fraction, words)

        def work() -> tuple[str, str]:
            if known:
                from cse_toolkit.vault.rekey import rekey

                result = rekey(folder, user, old, new, kdf, policy=policy, progress=report)
                return result.user, result.recovery_key
            from cse_toolkit.vault.vault import change_passphrase

            return change_passphrase(folder, user, old, new, kdf, policy=policy), ""

        self._set_busy(True)
        workers.run_in_background(work, self._done, self._failed, parent=self)

    def _show_progress(self) -> None:
        with self._lock:
            fraction, words = self._progress
        self.progress_bar.setValue(int(fraction * 100))
        self.progress_bar.setFormat(self.tr("%p% done"))
        del words

    def _done(self, result: tuple[str, str]) -> None:
        self._set_busy(False)
        self.user, self.recovery_key = result
        for edit in (self.old_edit, self.new_edit, self.confirm_edit):
            edit.clear()
        log.info("passphrase changed%s", " and the vault re-keyed" if self.recovery_key else "")
        if not self.recovery_key:
            self.accept()
            return
        self.result_label.setText(
            self.tr(
                "Done: the vault is re-encrypted and only your new passphrase opens it. Other "
                "people take the new key at their next unlock. Your new recovery key (write it "
                "down now; the old one no longer works):\n\n{key}"
            ).format(key=self.recovery_key)
        )
        self.result_label.show()
        self.adjustSize()
        self.change_button.setText(self.tr("&Close"))
        self.cancel_button.hide()
        self.result_label.setFocus(Qt.FocusReason.OtherFocusReason)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, UserError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        log.info("passphrase change refused: %s", type(exc).__name__)
        self.message.show_problem(str(exc))
        self.old_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress_bar.setVisible(busy and self.known_check.isChecked())
        if busy:
            self._timer.start()
        else:
            self._timer.stop()
            self._show_progress()  # the last step reported
        for widget in (
            self.change_button,
            self.cancel_button,
            self.user_combo,
            self.old_edit,
            self.new_edit,
            self.confirm_edit,
            self.known_check,
        ):
            widget.setEnabled(not busy)

    def message_text(self) -> str:
        return self.message.text() if self.message.isVisible() else ""

    def done(self, result: int) -> None:
        if self._busy:
            return  # the database or the key slots are being written: it ends when done
        for edit in (self.old_edit, self.new_edit, self.confirm_edit):
            edit.clear()
        self.result_label.clear()
        self.recovery_key = ""
        super().done(result)
