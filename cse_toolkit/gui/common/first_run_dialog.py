"""First run: create the vault, then show the recovery key once, then offer My details.

Four pages in one dialog: the details (user name, role, optional full name, passphrase twice
with a live strength meter), a busy page while the key is derived on a pool thread, the
recovery key in large monospace groups that must be acknowledged ("I have written this down")
before the dialog can go on, and "My details" (issue 14: how packs print the person as the
referrer or submitter; "Skip for now" leaves them for the My details dialog). The dialog cannot
be dismissed on the recovery page without the acknowledgement: the vault already exists and the
key is never shown again.
"""

from __future__ import annotations

import html
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QKeyEvent, QTextDocument
from PySide6.QtWidgets import QDialog, QWidget

from cse_toolkit.core.clock import Clock
from cse_toolkit.core.entities import ROLES
from cse_toolkit.core.passphrase import estimate
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import clipboard, dialogs, workers
from cse_toolkit.gui.common.dialog_buttons import ACCEPT, REJECT, button_box
from cse_toolkit.gui.common.passphrase_meter import meter_text, too_weak
from cse_toolkit.gui.common.widgets import keep_wrapped_height
from cse_toolkit.gui.forms.ui_first_run_dialog import Ui_FirstRunDialog
from cse_toolkit.policy import Policy
from cse_toolkit.vault.keyslots import KdfParams

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

DETAILS, PROGRESS, RECOVERY, MY_DETAILS = 0, 1, 2, 3
CLIPBOARD_CLEAR_MS = 30_000


def group_recovery_key(key: str) -> str:
    """'ABCD-EFGH-...' as two lines of four groups, for reading aloud and writing down."""
    groups = [g for g in key.replace(" ", "-").split("-") if g]
    lines = [" ".join(groups[i : i + 4]) for i in range(0, len(groups), 4)]
    return "\n".join(lines)


class FirstRunDialog(QDialog):
    """Creates the vault. After ``accept()``, ``vault`` is the open vault."""

    def __init__(
        self,
        folder: Path,
        policy: Policy,
        clock: Clock,
        *,
        kdf: KdfParams | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._folder = folder
        self._policy = policy
        self._clock = clock
        self._kdf = kdf  # None: calibrate on this machine (tests pass the floor parameters)
        self._recovery_key = ""
        self.vault: Vault | None = None
        self.ui = Ui_FirstRunDialog()
        self.ui.setupUi(self)
        heading = QFont(self.ui.detailsTitle.font())
        heading.setPointSizeF(heading.pointSizeF() * 1.4)
        heading.setBold(True)
        self.ui.detailsTitle.setFont(heading)
        self.ui.recoveryTitle.setFont(heading)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(QFont(self.font()).pointSizeF() * 1.8)
        mono.setBold(True)
        self.ui.recoveryKeyLabel.setFont(mono)
        self.ui.recoveryKeyLabel.setMargin(12)
        labels = {
            "worker": self.tr("Outreach worker or police officer"),
            "dsl": self.tr("Designated safeguarding lead (DSL)"),
            "admin": self.tr("Administrator (manages users only)"),
        }
        for role in ROLES:
            self.ui.roleCombo.addItem(labels[role], role)
        # The meter's words in a form row of their own, under the bar: QFormLayout gives a
        # nested layout holding a wrapped label too little height (at 200 % the words were
        # drawn over "Passphrase again").
        self.ui.strengthLayout.removeWidget(self.ui.strengthLabel)
        position: Any = self.ui.detailsForm.getWidgetPosition(self.ui.confirmLabel)
        self.ui.detailsForm.insertRow(int(position[0]), "", self.ui.strengthLabel)
        keep_wrapped_height(self.ui.strengthLabel)
        self.ui.passphraseEdit.textChanged.connect(self._update_strength)
        self.ui.createButton.clicked.connect(self.create_vault)
        self.ui.cancelButton.clicked.connect(self.reject)
        self.ui.copyButton.clicked.connect(self.copy_key)
        self.ui.printButton.clicked.connect(self.print_sheet)
        self.ui.writtenDownCheck.toggled.connect(self.ui.continueButton.setEnabled)
        self.ui.continueButton.clicked.connect(self._finish)
        self.setTabOrder(self.ui.userNameEdit, self.ui.roleCombo)
        self.setTabOrder(self.ui.roleCombo, self.ui.fullNameEdit)
        self.setTabOrder(self.ui.fullNameEdit, self.ui.passphraseEdit)
        self.setTabOrder(self.ui.passphraseEdit, self.ui.confirmEdit)
        # Create / Cancel in the platform's order; Tab runs through them as shown.
        buttons = button_box((self.ui.createButton, ACCEPT), (self.ui.cancelButton, REJECT))
        self.ui.detailsButtons.addWidget(buttons)
        self.setTabOrder(self.ui.confirmEdit, buttons)
        self._build_my_details_page()
        self.ui.pages.setCurrentIndex(DETAILS)
        self.ui.detailsMessage.hide()
        self._update_strength("")
        self.resize(640, 440)

    def _build_my_details_page(self) -> None:
        from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout

        from cse_toolkit.core.my_details import MyDetails
        from cse_toolkit.gui.common.my_details_dialog import MyDetailsForm
        from cse_toolkit.gui.common.widgets import heading_label

        page = QWidget()
        intro = QLabel(
            self.tr(
                "Packs you export print these as your contact, so the front door or the police "
                "can call you back. You can skip this and fill them in later (My details, "
                "Ctrl+Shift+D); anything left empty reads \u201cNot recorded\u201d."
            )
        )
        intro.setWordWrap(True)
        self.my_details = MyDetailsForm(MyDetails(name=self.ui.fullNameEdit.text()))
        self.save_details_button = QPushButton(self.tr("&Save and continue"))
        self.skip_details_button = QPushButton(self.tr("S&kip for now"))
        self.save_details_button.clicked.connect(self._save_my_details)
        self.skip_details_button.clicked.connect(self._skip_my_details)
        layout = QVBoxLayout(page)
        layout.addWidget(heading_label(self.tr("My details")))
        layout.addWidget(intro)
        layout.addWidget(self.my_details)
        layout.addStretch(1)
        layout.addWidget(
            button_box((self.save_details_button, ACCEPT), (self.skip_details_button, REJECT))
        )
        self.ui.pages.addWidget(page)

    def _save_my_details(self) -> None:
        from cse_toolkit.gui.common.my_details_dialog import save_details

        if self.vault is not None and save_details(self.vault, self.my_details.details(), self):
            self.accept()

    def _skip_my_details(self) -> None:
        from cse_toolkit.vault import user_details

        if self.vault is not None:
            user_details.mark_offered(self.vault)
        self.accept()

    # -- details page -------------------------------------------------------------------
    def _update_strength(self, text: str) -> None:
        strength = estimate(text)
        self.ui.strengthBar.setValue(strength.score)
        self.ui.strengthLabel.setText(meter_text(text, self._policy.min_passphrase_score))
        self.ui.strengthBar.setAccessibleDescription(strength.label)

    def problems(self) -> str:
        """Why the details cannot be used yet ('' when they can)."""
        name = self.ui.userNameEdit.text().strip()
        passphrase = self.ui.passphraseEdit.text()
        if not name:
            return self.tr("Type a user name: it is what you choose when you unlock.")
        weak = too_weak(passphrase, self._policy.min_passphrase_score)
        if weak:
            return weak
        if passphrase != self.ui.confirmEdit.text():
            return self.tr("The two passphrases are not the same. Type them again.")
        return ""

    def create_vault(self) -> None:
        """Create the vault off the GUI thread (``QWidget.create`` is Qt's own: not this)."""
        problem = self.problems()
        if problem:
            self._details_message(problem)
            if "passphrase" in problem.lower():
                self.ui.confirmEdit.clear()
                self.ui.passphraseEdit.setFocus()
            return
        self._details_message("")
        folder, clock, kdf = self._folder, self._clock, self._kdf
        name = self.ui.userNameEdit.text().strip()
        role = str(self.ui.roleCombo.currentData())
        full_name = self.ui.fullNameEdit.text().strip()
        passphrase = self.ui.passphraseEdit.text()
        org_key, policy = self._policy.recovery_public_key, self._policy

        def work() -> object:
            from cse_toolkit.vault.vault import Vault

            return Vault.create(
                folder,
                name,
                role,
                passphrase,
                display_name=full_name,
                organisation_public_key=org_key,
                kdf=kdf,
                clock=clock,
                policy=policy,
            )

        self.ui.pages.setCurrentIndex(PROGRESS)
        workers.run_in_background(work, self._created, self._failed, parent=self)

    def _created(self, result: object) -> None:
        vault, recovery = cast("tuple[Vault, str]", result)
        self.vault = vault
        self._recovery_key = recovery
        self.ui.passphraseEdit.clear()
        self.ui.confirmEdit.clear()
        self.ui.recoveryKeyLabel.setText(group_recovery_key(recovery))
        self.ui.recoveryKeyLabel.setAccessibleDescription(recovery)
        self.ui.pages.setCurrentIndex(RECOVERY)
        # One default button per dialog: Enter now means Continue (once it is enabled).
        self.ui.continueButton.setDefault(True)
        self.ui.copyButton.setFocus()
        log.info("vault created")

    def _failed(self, exc: BaseException) -> None:
        self.ui.pages.setCurrentIndex(DETAILS)
        if not isinstance(exc, UserError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
            return
        self._details_message(str(exc))

    def _details_message(self, text: str) -> None:
        self.ui.detailsMessage.setText(text)
        self.ui.detailsMessage.setVisible(bool(text))

    # -- recovery page ------------------------------------------------------------------
    @property
    def page(self) -> int:
        return self.ui.pages.currentIndex()

    def recovery_key_text(self) -> str:
        return self.ui.recoveryKeyLabel.text()

    def copy_key(self) -> None:
        clipboard.copy_sensitive(self._recovery_key, CLIPBOARD_CLEAR_MS)
        self.ui.copyLabel.setText(self.tr("Copied. The clipboard will be cleared in 30 seconds."))

    def recovery_sheet(self) -> QTextDocument:
        """The printable sheet: the key in large groups and how to use it. Built in memory."""
        name = html.escape(self.ui.userNameEdit.text().strip())
        org = html.escape(self._policy.organisation)
        when = html.escape(self._clock.now().astimezone().strftime("%d/%m/%Y"))
        key = "<br>".join(
            html.escape(line) for line in group_recovery_key(self._recovery_key).splitlines()
        )
        steps = [
            self.tr(
                "Keep this sheet locked away, apart from the laptop. Anyone with this "
                "sheet and the laptop can open the records."
            ),
            self.tr(
                "If you forget your passphrase: on the unlock screen choose "
                "\u201cForgotten your passphrase?\u201d, type this key, then choose a "
                "new passphrase."
            ),
            self.tr(
                "The key keeps working after you use it. If this sheet is lost or seen "
                "by someone else, tell your DSL and IT team."
            ),
        ]
        body = (
            f"<h1>{html.escape(self.tr('CSE Toolkit recovery sheet'))}</h1>"
            f"<p>{html.escape(self.tr('User'))}: <b>{name}</b><br>"
            + (f"{html.escape(self.tr('Organisation'))}: {org}<br>" if org else "")
            + f"{html.escape(self.tr('Created'))}: {when}</p>"
            f"<p style='font-family: monospace; font-size: 26pt; font-weight: bold'>{key}</p>"
            "<ol>" + "".join(f"<li>{html.escape(s)}</li>" for s in steps) + "</ol>"
        )
        document = QTextDocument()
        document.setHtml(body)
        return document

    def print_sheet(self) -> None:
        if not self._recovery_key:
            return
        document = self.recovery_sheet()
        if dialogs.print_document(self, self.tr("Print the recovery sheet"), document):
            self.ui.copyLabel.setText(self.tr("Sent to the printer. Collect it now."))
        document.clear()

    def _finish(self) -> None:
        if self.ui.writtenDownCheck.isChecked():
            self._recovery_key = ""
            self.ui.recoveryKeyLabel.clear()
            name = self.my_details.edits["name"]
            if not name.text():
                name.setText(self.ui.fullNameEdit.text().strip())
            self.ui.pages.setCurrentIndex(MY_DETAILS)
            self.save_details_button.setDefault(True)
            name.setFocus()

    def reject(self) -> None:
        # Once the vault exists the dialog ends only through "Continue" then My details (Esc
        # there is "Skip for now"); during the key derivation it cannot end at all.
        if self.page == DETAILS:
            super().reject()
        elif self.page == MY_DETAILS:
            self._skip_my_details()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Escape and self.page not in (DETAILS, MY_DETAILS):
            event.ignore()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if self.page not in (DETAILS, MY_DETAILS):
            event.ignore()
            return
        super().closeEvent(event)
