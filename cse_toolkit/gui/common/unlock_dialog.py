"""The unlock form: choose a user, type the passphrase, open the vault without freezing.

Shown at start-up and as the lock screen (it is the whole window while locked: no names, only
"CSE Toolkit is locked" and this form). Key derivation (Argon2id, about 0.7 s) and opening the
database run on a pool thread through :func:`workers.run_in_background`; the open vault is handed
to the GUI thread in ``unlocked``. Every error a user can act on gets a plain message here, and
the passphrase field is cleared after any failure.

Help where it is needed: the form sits in a scroll area and every label wraps, so nothing is
cut off at 200 % scaling or with the longest message; a warning shows while Caps Lock is on;
"Show passphrase" reveals what was typed (hidden again on every reset); "Forgotten your
passphrase?" opens :class:`RecoveryDialog` to set a new one with the recovery key.

Caps Lock: Qt has no portable way to read it. On Windows ``GetKeyState(VK_CAPITAL)`` is asked;
elsewhere it is inferred from the keys typed in the field (a capital letter without Shift, or a
small one with Shift, means Caps Lock is on; the Caps Lock key itself flips what is known).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from cse_toolkit.core.clock import Clock
from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import DiskFullError
from cse_toolkit.gui.common import dialogs, workers
from cse_toolkit.gui.common.widgets import describe_error
from cse_toolkit.gui.forms.ui_unlock_dialog import Ui_UnlockDialog
from cse_toolkit.policy import Policy
from cse_toolkit.vault.errors import (
    NotAVaultError,
    NoVaultError,
    OlderCopyError,
    UnknownUserError,
    VaultDamagedError,
    VaultTooNewError,
    WrongPassphraseError,
)
from cse_toolkit.vault.keyslots import KeySlots

if TYPE_CHECKING:
    from cse_toolkit.gui.common.account_dialog import AccountDialog

log = logging.getLogger(__name__)
_D = TypeVar("_D", bound="AccountDialog")


class UnlockDialog(QWidget):
    """The unlock form; emits ``unlocked(vault)`` with the open vault."""

    unlocked = Signal(object)

    def __init__(self, folder: Path, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._folder = folder
        self._clock = clock
        self._busy = False
        self.ui = Ui_UnlockDialog()
        self.ui.setupUi(self)
        # Through the style sheet: the app's style sheet styles the panel, and a font set with
        # setFont on a widget inside a styled one is replaced when it is polished.
        size = QFont(self.ui.titleLabel.font()).pointSizeF() * 1.5
        self.ui.titleLabel.setStyleSheet(f"font-size: {size:.1f}pt; font-weight: bold;")
        self.ui.busyBox.hide()
        self.ui.messageLabel.hide()
        self.ui.capsLabel.hide()
        self.ui.capsLabel.setStyleSheet("font-weight: bold;")
        self.ui.capsLabel.setText("\u26a0 " + self.ui.capsLabel.text())
        self.ui.messageLabel.setTextFormat(Qt.TextFormat.PlainText)
        self._usual_description = ""  # what the passphrase field says besides its name
        for label in (
            self.ui.titleLabel,
            self.ui.userLabel,
            self.ui.passphraseLabel,
            self.ui.busyLabel,
        ):
            label.setWordWrap(True)
        self._caps: bool | None = None
        self.kdf: Any = None  # key-derivation parameters for a new passphrase (tests: the floor)
        self.min_passphrase_score = 3
        # The organisation policy the app loaded at start; the unlocked vault carries it.
        self.policy: Policy | None = None
        self.ui.unlockButton.clicked.connect(self.unlock)
        self.ui.passphraseEdit.returnPressed.connect(self.unlock)
        self.ui.passphraseEdit.installEventFilter(self)
        self.ui.showCheck.toggled.connect(self._show_passphrase)
        self.ui.forgotButton.clicked.connect(self.forgotten)
        # (issue 22) A vault older than this laptop last saw: a DSL or an admin may keep it on
        # purpose, with a reason (audited); shown only after that refusal.
        self.keep_older_button = QPushButton(self.tr("&Keep this older copy (DSL or admin)…"))
        self.keep_older_button.setAutoDefault(False)
        self.keep_older_button.hide()
        self.keep_older_button.clicked.connect(self.ask_keep_older)
        self.ui.panelLayout.insertWidget(
            self.ui.panelLayout.indexOf(self.ui.messageLabel) + 1, self.keep_older_button
        )
        self.accept_older_reason: str | None = None
        # (issue 22 item 4) Text the disk could not take, kept until unlock or lost: said here.
        self.kept_label = QLabel()
        self.kept_label.setObjectName("keptLabel")
        self.kept_label.setTextFormat(Qt.TextFormat.PlainText)
        self.kept_label.setWordWrap(True)
        self.kept_label.setStyleSheet("font-weight: bold;")
        self.kept_label.hide()
        self.ui.panelLayout.insertWidget(
            self.ui.panelLayout.indexOf(self.ui.messageLabel), self.kept_label
        )
        # Change passphrase (issue 22: with the choice to re-key), while the vault is closed.
        self.change_button = QPushButton(self.tr("C&hange passphrase…"))
        self.change_button.setAutoDefault(False)
        self.change_button.setFlat(True)
        self.change_button.clicked.connect(self.change_passphrase)
        self.ui.buttonLayout.insertWidget(
            self.ui.buttonLayout.indexOf(self.ui.forgotButton) + 1, self.change_button
        )
        self.setTabOrder(self.ui.userCombo, self.ui.passphraseEdit)
        self.setTabOrder(self.ui.passphraseEdit, self.ui.showCheck)
        # The buttons in the order they are shown (left to right).
        self.setTabOrder(self.ui.showCheck, self.ui.forgotButton)
        self.setTabOrder(self.ui.forgotButton, self.change_button)
        self.setTabOrder(self.change_button, self.ui.unlockButton)
        self.reset(locked=False)

    # -- state --------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    def reset(self, *, locked: bool) -> None:
        """Fresh form: user names re-read from the key slots, passphrase empty, no message."""
        self.ui.titleLabel.setText(
            self.tr("CSE Toolkit is locked") if locked else self.tr("Unlock CSE Toolkit")
        )
        self.ui.passphraseEdit.clear()
        self.ui.showCheck.setChecked(False)
        # Focus jumps straight to this field on lock, so it is what tells a screen reader why.
        self._usual_description = self.tr("CSE Toolkit is locked.") if locked else ""
        self._show_message("")
        self._set_busy(False)
        current = self.ui.userCombo.currentText()
        self.ui.userCombo.clear()
        try:
            names = KeySlots.load(self._folder).user_names
        except FileNotFoundError:
            names = []
            self._show_message(message_for(NoVaultError(str(self._folder)), self._folder))
        except UserError as exc:
            names = []
            self._show_message(message_for(exc, self._folder))
        self.ui.userCombo.addItems(sorted(names))
        if current in names:
            self.ui.userCombo.setCurrentText(current)
        self.ui.userCombo.setEnabled(bool(names))
        self.ui.unlockButton.setEnabled(bool(names))
        self.ui.passphraseEdit.setEnabled(bool(names))
        self.ui.showCheck.setEnabled(bool(names))
        self.ui.forgotButton.setEnabled(bool(names))
        self.change_button.setEnabled(bool(names))

    # -- help while typing -----------------------------------------------------------------
    def _show_passphrase(self, shown: bool) -> None:
        self.ui.passphraseEdit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )

    @property
    def caps_lock_on(self) -> bool | None:
        return self._caps

    def _set_caps(self, on: bool | None) -> None:
        self._caps = on
        self.ui.capsLabel.setVisible(bool(on))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.ui.passphraseEdit:
            if event.type() == QEvent.Type.KeyPress:
                assert isinstance(event, QKeyEvent)
                self._caps_from_key(event)
            elif event.type() == QEvent.Type.FocusIn:
                asked = _windows_caps_lock()
                if asked is not None:
                    self._set_caps(asked)
        return False

    def _caps_from_key(self, event: QKeyEvent) -> None:
        asked = _windows_caps_lock()
        if asked is not None:
            self._set_caps(asked if event.key() != Qt.Key.Key_CapsLock else not asked)
            return
        if event.key() == Qt.Key.Key_CapsLock:
            if self._caps is not None:
                self._set_caps(not self._caps)
            return
        text = event.text()
        if len(text) != 1 or not text.isalpha() or text.upper() == text.lower():
            return
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._set_caps(text.isupper() != shift)

    # -- change passphrase (the vault is closed meanwhile) -------------------------------------
    def _account_dialog(self, kind: type[_D]) -> _D:
        """An account dialog for the users of this screen, the one chosen first."""
        users = [self.ui.userCombo.itemText(i) for i in range(self.ui.userCombo.count())]
        return kind(
            self._folder,
            users,
            self.ui.userCombo.currentText(),
            min_score=self.min_passphrase_score,
            kdf=self.kdf,
            policy=self.policy,
            parent=self,
        )

    def change_passphrase(self) -> None:
        from cse_toolkit.gui.common.passphrase_dialog import PassphraseDialog

        dialog = self._account_dialog(PassphraseDialog)
        self.passphrase_dialog: PassphraseDialog | None = dialog

        def finished(result: int) -> None:
            if dialog.user:
                self._show_message(
                    self.tr(
                        "The passphrase of {user} was changed. Unlock with the new one."
                    ).format(user=dialog.user)
                )
            self.focus_passphrase()

        dialog.finished.connect(finished)
        dialog.open()

    # -- forgotten passphrase --------------------------------------------------------------
    def forgotten(self) -> None:
        from cse_toolkit.gui.common.recovery_dialog import RecoveryDialog

        dialog = self._account_dialog(RecoveryDialog)
        self.recovery: RecoveryDialog | None = dialog
        dialog.finished.connect(lambda result: self._recovered(dialog, result))
        dialog.open()

    def _recovered(self, dialog: Any, result: int) -> None:
        self.recovery = None
        dialog.deleteLater()
        if result and dialog.user:
            self.ui.userCombo.setCurrentText(dialog.user)
            self._show_message(
                self.tr(
                    "A new passphrase is set for {user}. Type it now to unlock. Your recovery key "
                    "still works: keep it somewhere safe."
                ).format(user=dialog.user)
            )
        self.focus_passphrase()

    def focus_passphrase(self) -> None:
        self.ui.passphraseEdit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- unlocking ----------------------------------------------------------------------
    def unlock(self) -> None:
        if self._busy:
            return
        user = self.ui.userCombo.currentText()
        passphrase = self.ui.passphraseEdit.text()
        if not user:
            return
        if not passphrase:
            self._show_message(self.tr("Type your passphrase, then press Enter."))
            return
        self._show_message("")
        self._set_busy(True)
        folder, clock, policy = self._folder, self._clock, self.policy
        accept, self.accept_older_reason = self.accept_older_reason, None
        self.keep_older_button.hide()

        def work() -> object:
            from cse_toolkit.vault.vault import Vault

            return Vault.open(
                folder, user, passphrase, clock=clock, policy=policy, accept_older=accept
            )

        workers.run_in_background(work, self._done, self._failed, parent=self)

    def _done(self, vault: object) -> None:
        self._set_busy(False)
        self.ui.passphraseEdit.clear()
        log.info("unlocked")
        self.unlocked.emit(vault)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.ui.passphraseEdit.clear()
        if not isinstance(exc, UserError):
            # A bug, not the user's doing: the exception hook logs it and shows the crash dialog.
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        log.info("unlock refused: %s", type(exc).__name__)
        self._show_message(message_for(exc, self._folder))
        self.keep_older_button.setVisible(isinstance(exc, OlderCopyError))
        self.focus_passphrase()

    def ask_keep_older(self) -> None:
        """Ask why the older copy is kept; the next unlock then keeps it (DSL or admin)."""
        reason = dialogs.get_text(
            self,
            self.tr("Keep this older copy"),
            self.tr(
                "Only a DSL or an admin can keep an older copy of the vault: records saved "
                "after it was made are not in it. Say why it is kept (recorded in the audit "
                "trail):"
            ),
        )
        reason = " ".join((reason or "").split())
        if not reason:
            return
        self.accept_older_reason = reason
        self.keep_older_button.hide()
        self._show_message(
            self.tr(
                "Type your passphrase and press Unlock to keep this copy. It is recorded in the "
                "audit trail with your reason."
            )
        )
        self.focus_passphrase()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.ui.busyBox.setVisible(busy)
        self.ui.unlockButton.setEnabled(not busy and self.ui.userCombo.count() > 0)
        self.ui.passphraseEdit.setReadOnly(busy)
        self.ui.userCombo.setEnabled(not busy and self.ui.userCombo.count() > 0)

    def _show_message(self, text: str) -> None:
        self.ui.messageLabel.setText(text)
        self.ui.messageLabel.setVisible(bool(text))
        self.ui.messageLabel.setAccessibleDescription(text)
        describe_error(self.ui.passphraseEdit, text, self._usual_description)

    def message(self) -> str:
        return self.ui.messageLabel.text() if self.ui.messageLabel.isVisible() else ""

    def set_kept_notice(self, text: str) -> None:
        """Unsaved text kept until unlock, or lost (counts and kinds only); "" hides it."""
        self.kept_label.setText(text)
        self.kept_label.setVisible(bool(text))
        self.kept_label.setAccessibleName(text)
        locked = self.ui.titleLabel.text() == self.tr("CSE Toolkit is locked")
        base = self.tr("CSE Toolkit is locked.") if locked else ""
        self._usual_description = " ".join(filter(None, (base, text)))
        describe_error(self.ui.passphraseEdit, self.ui.messageLabel.text(), self._usual_description)


def _windows_caps_lock() -> bool | None:
    """Caps Lock's state on Windows; None where it cannot be asked."""
    if sys.platform != "win32":
        return None
    try:
        import ctypes

        return bool(ctypes.windll.user32.GetKeyState(0x14) & 1)
    except (AttributeError, OSError):
        return None


def message_for(exc: BaseException, folder: Path) -> str:
    """The plain message for an error met while opening the vault."""
    from PySide6.QtCore import QCoreApplication

    def tr(text: str) -> str:
        return QCoreApplication.translate("UnlockDialog", text)

    if isinstance(exc, WrongPassphraseError):
        return tr(
            "That passphrase is not right. Check Caps Lock and try again. If you have "
            'forgotten it, choose "Forgotten your passphrase?" below and use your recovery key.'
        )
    if isinstance(exc, NoVaultError):
        return tr("There is no vault in {folder}. Ask your IT team which folder holds it.").format(
            folder=folder
        )
    if isinstance(exc, NotAVaultError | VaultDamagedError):
        return tr(
            "The vault files in {folder} are damaged or are not a CSE Toolkit vault. Nothing "
            "was changed. Restore from your most recent backup (see 'Restoring a backup' in the "
            "user guide) and tell your IT team."
        ).format(folder=folder)
    if isinstance(exc, VaultTooNewError):
        return tr(
            "This vault was saved by a newer version of CSE Toolkit. Nothing was changed. "
            "Ask your IT team to install the newer version on this laptop."
        )
    if isinstance(exc, OlderCopyError):
        return tr(
            "This vault file is older than the last one this laptop saw: it may have been "
            "replaced by an older copy. Nothing was changed. Tell your DSL and IT team before "
            "you record anything else. If the copy is to be kept on purpose, a DSL or an admin "
            "can keep it with the button below."
        )
    if isinstance(exc, DiskFullError):
        return tr(
            "The disk is full, so the vault could not be opened safely. Nothing was lost. Free "
            "some space (empty the recycle bin, remove large downloads) and try again."
        )
    if isinstance(exc, UnknownUserError):
        return str(exc)
    return str(exc)
