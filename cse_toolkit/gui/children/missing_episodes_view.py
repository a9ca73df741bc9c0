"""The Missing episodes tab: the log of times the child went missing, and a form to add one.

As the statutory guidance on children who run away or go missing asks: when the child was
reported missing to the police and the police reference; when they were found or came back and
by whom; and the independent return interview, set as an action due 72 hours after the return
(overdue like any action), with its outcome. "Record the return…" completes an episode recorded
while the child was still missing; "Interview outcome…" marks the interview done.

Each episode also appears in the chronology (``repos.chronology``). Older episodes (before
these facts were kept) show what they have; their free-text return interview stays as written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.actions import RETURN_INTERVIEW
from cse_toolkit.core.entities import Child, MissingEpisode
from cse_toolkit.errors import UserError
from cse_toolkit.gui.actions.action_words import due_words
from cse_toolkit.gui.actions.actions_table import mark_done
from cse_toolkit.gui.common.widgets import (
    from_qdatetime,
    local_text,
    plain_tip,
    report,
    to_qdatetime,
)

if TYPE_CHECKING:
    from cse_toolkit.core.actions import Action
    from cse_toolkit.vault.vault import Vault


class MissingEpisodesView(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Missing episodes"))
        self._vault: Vault | None = None
        self._child: Child | None = None
        self._episodes: list[MissingEpisode] = []
        self._interviews: dict[str, Action] = {}

        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName(self.tr("Missing episodes"))
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Went missing"),
                self.tr("Reported to police"),
                self.tr("Found or returned"),
                self.tr("Where found"),
                self.tr("Return interview"),
            ]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for col in (0, 1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.return_button = QPushButton(self.tr("Record the &return…"))
        self.return_button.setAccessibleName(self.tr("Record that the child was found or returned"))
        self.return_button.clicked.connect(self.record_return)
        self.outcome_button = QPushButton(self.tr("Interview &outcome…"))
        self.outcome_button.setAccessibleName(self.tr("Record the return interview's outcome"))
        self.outcome_button.clicked.connect(self.record_outcome)

        self.from_edit = self._when(self.tr("Went missing at"))
        self.reported_check = QCheckBox(self.tr("Re&ported to the police"))
        self.reported_check.setAccessibleName(self.tr("Reported to the police"))
        self.reported_edit = self._when(self.tr("Reported to the police at"))
        self.reported_edit.setEnabled(False)
        self.reported_check.toggled.connect(self.reported_edit.setEnabled)
        self.police_ref_edit = QLineEdit()
        self.police_ref_edit.setAccessibleName(self.tr("Police reference"))
        self.found_check = QCheckBox(self.tr("&Found or returned"))
        self.found_check.setAccessibleName(self.tr("Found or returned"))
        self.to_edit = self._when(self.tr("Found at"))
        self.to_edit.setEnabled(False)
        self.found_check.toggled.connect(self.to_edit.setEnabled)
        self.by_edit = QLineEdit()
        self.by_edit.setAccessibleName(self.tr("Found or returned by"))
        self.by_edit.setPlaceholderText(self.tr("e.g. police, a carer, came back alone"))
        self.where_edit = QLineEdit()
        self.where_edit.setAccessibleName(self.tr("Where found"))
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setAccessibleName(self.tr("Notes about the episode"))
        self.notes_edit.setTabChangesFocus(True)
        self.notes_edit.setFixedHeight(self.notes_edit.fontMetrics().lineSpacing() * 3 + 12)
        self.add_button = QPushButton(self.tr("Add &episode"))
        self.add_button.setAccessibleName(self.tr("Add missing episode"))
        self.add_button.clicked.connect(self.add_episode)

        form_box = QGroupBox(self.tr("Record a missing episode"))
        form = QFormLayout(form_box)
        from_label = QLabel(self.tr("&Went missing:"))
        from_label.setBuddy(self.from_edit)
        form.addRow(from_label, self.from_edit)
        reported_row = QHBoxLayout()
        reported_row.addWidget(self.reported_check)
        reported_row.addWidget(self.reported_edit, 1)
        form.addRow(QLabel(self.tr("Police:")), reported_row)
        ref_label = QLabel(self.tr("Po&lice reference:"))
        ref_label.setBuddy(self.police_ref_edit)
        form.addRow(ref_label, self.police_ref_edit)
        to_row = QHBoxLayout()
        to_row.addWidget(self.found_check)
        to_row.addWidget(self.to_edit, 1)
        form.addRow(QLabel(self.tr("Found:")), to_row)
        by_label = QLabel(self.tr("Found or returned &by:"))
        by_label.setBuddy(self.by_edit)
        form.addRow(by_label, self.by_edit)
        where_label = QLabel(self.tr("Where fo&und:"))
        where_label.setBuddy(self.where_edit)
        form.addRow(where_label, self.where_edit)
        notes_label = QLabel(self.tr("No&tes:"))
        notes_label.setBuddy(self.notes_edit)
        form.addRow(notes_label, self.notes_edit)
        form.addRow("", self.add_button)

        buttons = QHBoxLayout()
        buttons.addWidget(self.return_button)
        buttons.addWidget(self.outcome_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(form_box)
        chain = (
            self.table,
            self.return_button,
            self.outcome_button,
            self.from_edit,
            self.reported_check,
            self.reported_edit,
            self.police_ref_edit,
            self.found_check,
            self.to_edit,
            self.by_edit,
            self.where_edit,
            self.notes_edit,
            self.add_button,
        )
        for first, second in zip(chain, chain[1:], strict=False):
            self.setTabOrder(first, second)

    def _when(self, name: str) -> QDateTimeEdit:
        edit = QDateTimeEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        edit.setAccessibleName(name)
        return edit

    def set_child(self, vault: Vault, child: Child) -> None:
        same = self._child is not None and self._child.id == child.id
        self._vault, self._child = vault, child
        now_dt = vault.now()
        now = to_qdatetime(now_dt)
        for edit in (self.from_edit, self.reported_edit, self.to_edit):
            edit.setMaximumDateTime(now)
            if not same:
                edit.setDateTime(now)
        episodes = list(reversed(vault.repos.missing_for(child.id)))
        self._episodes = episodes
        self._interviews = {
            a.missing_id: a
            for a in vault.actions.for_child(child.id)
            if a.kind == RETURN_INTERVIEW and a.missing_id
        }
        self.table.setRowCount(len(episodes))
        for row, ep in enumerate(episodes):
            reported = local_text(ep.reported_at) if ep.reported_at else ""
            if ep.police_ref:
                reported = f"{reported} ({ep.police_ref})".strip()
            found = local_text(ep.to_at) if ep.to_at else self.tr("Not yet found")
            if ep.to_at and ep.returned_by:
                found = self.tr("{when}, by {who}").format(when=found, who=ep.returned_by)
            values = (
                local_text(ep.from_at),
                reported or self.tr("Not recorded"),
                found,
                ep.where_found,
                self._interview_text(ep, now_dt),
            )
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tip(text))
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()

    def _interview_text(self, ep: MissingEpisode, now: object) -> str:
        action = self._interviews.get(ep.id)
        if action is None:
            if ep.return_interview:
                return ep.return_interview  # an older episode's own words
            return self.tr("Due 72 hours after the return") if ep.to_at is None else ""
        if action.status == "done":
            return self.tr("Done: {outcome}").format(outcome=action.done_note)
        late = action.overdue(now)  # type: ignore[arg-type]
        words = due_words(action, now)  # type: ignore[arg-type]
        return ("⚠ " + words) if late else words

    def selected_episode(self) -> MissingEpisode | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or not 0 <= rows[0].row() < len(self._episodes):
            return None
        return self._episodes[rows[0].row()]

    def clear(self) -> None:
        self._vault = self._child = None
        self._episodes, self._interviews = [], {}
        self.table.setRowCount(0)
        for edit in (self.where_edit, self.by_edit, self.police_ref_edit):
            edit.clear()
        self.notes_edit.clear()
        self.found_check.setChecked(False)
        self.reported_check.setChecked(False)

    def add_episode(self) -> None:
        if self._vault is None or self._child is None:
            return
        to_at = from_qdatetime(self.to_edit.dateTime()) if self.found_check.isChecked() else None
        reported = (
            from_qdatetime(self.reported_edit.dateTime())
            if self.reported_check.isChecked()
            else None
        )
        try:
            self._vault.repos.add_missing(
                self._child.id,
                from_qdatetime(self.from_edit.dateTime()),
                to_at,
                self.where_edit.text().strip(),
                "",
                self.notes_edit.toPlainText().strip(),
                reported_at=reported,
                police_ref=self.police_ref_edit.text(),
                returned_by=self.by_edit.text() if to_at else "",
            )
        except UserError as exc:
            report(self, self.tr("The episode was not saved"), exc)
            return
        self.clear_form()
        self.changed.emit()

    def clear_form(self) -> None:
        for edit in (self.where_edit, self.by_edit, self.police_ref_edit):
            edit.clear()
        self.notes_edit.clear()
        self.found_check.setChecked(False)
        self.reported_check.setChecked(False)

    def record_return(self) -> None:
        from cse_toolkit.gui.children.missing_return_dialog import MissingReturnDialog
        from cse_toolkit.gui.common import dialogs

        episode = self.selected_episode()
        if self._vault is None or episode is None:
            dialogs.info(self, self.tr("Choose an episode"), self.tr("Select an episode first."))
            return
        if episode.to_at is not None:
            dialogs.info(
                self,
                self.tr("Already returned"),
                self.tr("The return of this episode is already recorded."),
            )
            return
        dialog = MissingReturnDialog(self._vault, episode, self)
        dialog.accepted.connect(self.changed.emit)
        dialog.open()

    def record_outcome(self) -> None:
        from cse_toolkit.gui.common import dialogs

        episode = self.selected_episode()
        action = self._interviews.get(episode.id) if episode else None
        if self._vault is None or action is None:
            dialogs.info(
                self,
                self.tr("No return interview yet"),
                self.tr(
                    "Select an episode whose return is recorded: the return interview is set "
                    "when the child is found or returns."
                ),
            )
            return
        if mark_done(self, self._vault, action):
            self.changed.emit()
