"""Record that a missing child was found or came back: when, by whom, where.

Saving also sets the independent return interview as an action, due 72 hours after the return
(``vault.repos.record_return``); it shows on the Missing episodes tab, the child's Actions tab,
the person's "My actions" and the DSL's review queue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common.dialog_buttons import ACCEPT, REJECT, button_box
from cse_toolkit.gui.common.widgets import from_qdatetime, report, to_qdatetime

if TYPE_CHECKING:
    from cse_toolkit.core.entities import MissingEpisode
    from cse_toolkit.vault.vault import Vault


class MissingReturnDialog(QDialog):
    def __init__(self, vault: Vault, episode: MissingEpisode, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Found or returned"))
        self.setAccessibleName(self.tr("Found or returned"))
        self._vault, self._episode = vault, episode
        now = to_qdatetime(vault.now())
        self.when_edit = QDateTimeEdit(now)
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when_edit.setMaximumDateTime(now)
        self.when_edit.setMinimumDateTime(to_qdatetime(episode.from_at))
        self.when_edit.setAccessibleName(self.tr("Found or returned at"))
        self.by_edit = QLineEdit(episode.returned_by)
        self.by_edit.setAccessibleName(self.tr("Found or returned by"))
        self.by_edit.setPlaceholderText(self.tr("e.g. police, a carer, came back alone"))
        self.where_edit = QLineEdit(episode.where_found)
        self.where_edit.setAccessibleName(self.tr("Where found"))
        note = QLabel(
            self.tr(
                "The independent return interview is then due within 72 hours of the return; "
                "it is set as an action for you."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout()
        for text, widget in (
            (self.tr("&When:"), self.when_edit),
            (self.tr("&By whom:"), self.by_edit),
            (self.tr("Whe&re found:"), self.where_edit),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setAccessibleName(self.tr("Save the return"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(button_box((self.save_button, ACCEPT), (self.cancel_button, REJECT)))

    def save(self) -> None:
        try:
            self._vault.repos.record_return(
                self._episode.id,
                from_qdatetime(self.when_edit.dateTime()),
                self.by_edit.text(),
                self.where_edit.text(),
            )
        except UserError as exc:
            report(self, self.tr("The return was not saved"), exc)
            return
        self.accept()
