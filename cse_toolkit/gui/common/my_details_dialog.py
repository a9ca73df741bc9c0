"""My details (issue 14 item 3): how packs print you as the referrer or submitter.

``MyDetailsForm`` is the five fields (name as it should appear, job title, agency, work phone,
secure email), used by the first-run dialog's last page and by ``MyDetailsDialog``, which the
toolbar's "My details" (Ctrl+Shift+D) opens and the export wizard offers once before the first
export when nothing is recorded. The checks are core's (``core/my_details.py``); the details
are kept per user, encrypted in the vault (``vault/user_details.py``); saving is audited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core import my_details as md
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs
from cse_toolkit.gui.common.dialog_buttons import ACCEPT, REJECT, button_box
from cse_toolkit.gui.common.widgets import heading_label

if TYPE_CHECKING:
    from cse_toolkit.gui.common.protocols import Shell
    from cse_toolkit.vault.vault import Vault

MNEMONIC_LABELS = {
    "name": "&Name as it should appear:",
    "job_title": "&Job title:",
    "agency": "A&gency:",
    "phone": "Work &phone:",
    "email": "Secure &email:",
}
HINTS = {
    "name": "e.g. Sam Okafor",
    "job_title": "e.g. Youth outreach worker",
    "agency": "e.g. Wychavon Youth Outreach",
    "phone": "e.g. 01905 123456",
    "email": "e.g. sam.okafor@agency.gov.uk",
}


class MyDetailsForm(QWidget):
    """The five fields, filled from ``details``; ``details()`` reads them back."""

    def __init__(self, details: md.MyDetails, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edits: dict[str, QLineEdit] = {}
        form = QFormLayout(self)
        for name in md.field_names():
            edit = QLineEdit(getattr(details, name))
            edit.setAccessibleName(self.tr(md.FIELD_LABELS[name]))
            edit.setPlaceholderText(self.tr(HINTS[name]))
            edit.setMaxLength(md.MAX_FIELD)
            label = QLabel(self.tr(MNEMONIC_LABELS[name]))
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.edits[name] = edit

    def details(self) -> md.MyDetails:
        return md.MyDetails(**{name: edit.text() for name, edit in self.edits.items()})

    def first_edit(self) -> QLineEdit:
        return self.edits["name"]


def save_details(vault: Vault, details: md.MyDetails, parent: QWidget) -> bool:
    """Keep the details; a plain message and False when they cannot be used."""
    from cse_toolkit.vault import user_details

    try:
        user_details.save(vault, details)
    except UserError as exc:
        dialogs.warning(parent, parent.tr("Check your details"), str(exc))
        return False
    return True


class MyDetailsDialog(QDialog):
    """Edit My details. ``reminder=True``: offered before the first export, with "Not now"."""

    def __init__(
        self, vault: Vault, *, reminder: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        from cse_toolkit.vault import user_details

        self._vault = vault
        self.setWindowTitle(self.tr("My details"))
        self.setAccessibleName(self.windowTitle())
        intro = QLabel(
            self.tr(
                "Before your first export: the front door or the police will want to call you "
                "back. Packs print these details as the referrer's or submitter's contact; "
                "anything left empty reads \u201cNot recorded\u201d."
            )
            if reminder
            else self.tr(
                "How packs print you as the referrer or submitter. Anything left empty reads "
                "\u201cNot recorded\u201d. Kept encrypted in the vault, for you only."
            )
        )
        intro.setWordWrap(True)
        self.form = MyDetailsForm(user_details.details(vault))
        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("&Not now") if reminder else self.tr("Cancel"))
        self.save_button.clicked.connect(self._save)
        self.cancel_button.clicked.connect(self.reject)
        self.buttons = button_box((self.save_button, ACCEPT), (self.cancel_button, REJECT))
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(self.tr("My details")))
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.form.first_edit().setFocus()
        self.resize(560, 320)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.form.first_edit().setFocus()

    def _save(self) -> None:
        if save_details(self._vault, self.form.details(), self):
            self.accept()


def install(window: Shell) -> QAction:
    """The toolbar's "My details" (Ctrl+Shift+D; no Alt key: every letter is taken on some
    page), opening the dialog for the signed-in person."""
    action = QAction(window.tr("My details"), window.window())
    action.setShortcut(QKeySequence("Ctrl+Shift+D"))
    tip = window.tr(
        "Your name, job title, agency, phone and secure email, as packs print them (Ctrl+Shift+D)"
    )
    action.setToolTip(tip)
    action.setStatusTip(tip)

    def open_dialog() -> None:
        if window.vault is None:
            return  # locked
        dialog = MyDetailsDialog(window.vault, parent=window.window())
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    action.triggered.connect(lambda _checked=False: open_dialog())
    window.add_toolbar_action(action)
    return action
