"""Record one incident (a note or an intelligence fact) about several children at once.

The child whose page it was opened from is ticked; the others are the children the signed-in
person may see, ticked in a filtered list (Space ticks the current one). Saving writes one
incident and its links in one go (``vault.incidents.add``); each child's chronology then shows
it once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common.dialog_buttons import ACCEPT, REJECT, button_box
from cse_toolkit.gui.common.widgets import from_qdatetime, local_text, report, to_qdatetime

if TYPE_CHECKING:
    from cse_toolkit.core.entities import Child
    from cse_toolkit.vault.vault import Vault

ID_ROLE = Qt.ItemDataRole.UserRole
DRAFT_KIND = "incident"


class IncidentDialog(QDialog):
    def __init__(self, vault: Vault, child: Child, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Incident about several children"))
        self.setAccessibleName(self.tr("Incident about several children"))
        self._vault = vault
        self._child = child
        self.saved_id: str | None = None

        self.note_radio = QRadioButton(self.tr("A &note"))
        self.intel_radio = QRadioButton(self.tr("An &intelligence fact"))
        self.note_radio.setChecked(True)
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.note_radio)
        self.kind_group.addButton(self.intel_radio)
        kinds = QHBoxLayout()
        kinds.addWidget(self.note_radio)
        kinds.addWidget(self.intel_radio)
        kinds.addStretch(1)
        self.when_edit = QDateTimeEdit(to_qdatetime(vault.now()))
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when_edit.setMaximumDateTime(to_qdatetime(vault.now()))
        self.when_edit.setAccessibleName(self.tr("When it happened"))
        self.place_edit = QLineEdit()
        self.place_edit.setAccessibleName(self.tr("Where it happened"))
        self.text_edit = QPlainTextEdit()
        self.text_edit.setAccessibleName(self.tr("What happened"))
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setPlaceholderText(
            self.tr("e.g. a grey car collected three children outside the park at 21:10")
        )
        self.filter_edit = QLineEdit()
        self.filter_edit.setAccessibleName(self.tr("Find a child"))
        self.filter_edit.setPlaceholderText(self.tr("type part of a name or reference"))
        self.filter_edit.textChanged.connect(self._filter)
        self.children_list = QListWidget()
        self.children_list.setAccessibleName(self.tr("Children this incident is about"))
        for other in vault.repos.list_children():
            label = other.name or other.alias or other.ref
            item = QListWidgetItem(f"{label} ({other.ref})")
            item.setData(ID_ROLE, other.id)
            flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
            if other.id == child.id:
                flags &= ~Qt.ItemFlag.ItemIsEnabled  # this child always: it was opened from here
            item.setFlags(flags)
            checked = other.id == child.id
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.children_list.addItem(item)
        self.hint = QLabel(
            self.tr(
                "Each child's chronology shows the incident once. Other people see the other "
                "children's names only if they may see those children; a pack names them only "
                "if you choose to."
            )
        )
        self.hint.setWordWrap(True)

        form = QFormLayout()
        form.addRow(QLabel(self.tr("What it is:")), kinds)
        for text, widget in (
            (self.tr("&When:"), self.when_edit),
            (self.tr("Whe&re:"), self.place_edit),
            (self.tr("What &happened:"), self.text_edit),
            (self.tr("&Find a child:"), self.filter_edit),
            (self.tr("&Children:"), self.children_list),
        ):
            buddy = QLabel(text)
            buddy.setBuddy(widget)
            form.addRow(buddy, widget)
        self.save_button = QPushButton(self.tr("&Save incident"))
        self.save_button.setAccessibleName(self.tr("Save the incident"))
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel"))
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.cancel)
        self._draft_id: str | None = None
        self._restore_draft()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(button_box((self.save_button, ACCEPT), (self.cancel_button, REJECT)))
        self.resize(620, 560)

    def _filter(self, text: str) -> None:
        wanted = text.strip().lower()
        for row in range(self.children_list.count()):
            item = self.children_list.item(row)
            item.setHidden(bool(wanted) and wanted not in item.text().lower())

    def chosen(self) -> list[str]:
        return [
            str(self.children_list.item(r).data(ID_ROLE))
            for r in range(self.children_list.count())
            if self.children_list.item(r).checkState() == Qt.CheckState.Checked
        ]

    # -- drafts: a lock or a crash never loses what was typed (``protocols.DraftEditor``) ----
    def save_draft(self) -> None:
        text = self.text_edit.toPlainText()
        if not text.strip() and self._draft_id is None:
            return
        payload = {
            "body": text,
            "place": self.place_edit.text(),
            "kind": "intelligence" if self.intel_radio.isChecked() else "note",
            "children": self.chosen(),
        }
        self._draft_id = self._vault.repos.save_draft(
            DRAFT_KIND, self._child.id, payload, self._draft_id
        )

    def _restore_draft(self) -> None:
        found = [d for d in self._vault.repos.drafts(DRAFT_KIND) if d.target_id == self._child.id]
        if not found:
            return
        draft = found[-1]
        self._draft_id = draft.id
        data = draft.payload
        self.text_edit.setPlainText(str(data.get("body", "")))
        self.place_edit.setText(str(data.get("place", "")))
        self.intel_radio.setChecked(data.get("kind") == "intelligence")
        wanted = {str(c) for c in data.get("children", []) if isinstance(c, str)}
        for row in range(self.children_list.count()):
            item = self.children_list.item(row)
            if item.data(ID_ROLE) in wanted:
                item.setCheckState(Qt.CheckState.Checked)
        self.hint.setText(
            self.tr("Your unsaved incident from {when} is back.").format(
                when=local_text(parse_utc(draft.updated_at))
            )
            + " "
            + self.hint.text()
        )

    def _drop_draft(self) -> None:
        if self._draft_id is not None:
            self._vault.repos.delete_draft(self._draft_id)
            self._draft_id = None

    def cancel(self) -> None:
        """Cancel (the button): the draft goes too. A lock closes the dialog without this."""
        self._drop_draft()
        self.reject()

    def save(self) -> None:
        try:
            incident = self._vault.incidents.add(
                self.chosen(),
                self.text_edit.toPlainText(),
                from_qdatetime(self.when_edit.dateTime()),
                kind="intelligence" if self.intel_radio.isChecked() else "note",
                place=self.place_edit.text(),
            )
        except UserError as exc:
            report(self, self.tr("The incident was not saved"), exc)
            return
        self.saved_id = incident.id
        self._drop_draft()
        self.accept()
