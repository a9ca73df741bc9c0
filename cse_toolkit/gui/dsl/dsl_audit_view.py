"""The audit trail for the DSL: who viewed, changed and exported what, when and why.

A paged table over the audit rows (newest first), filtered by person, action and dates, and a
"Verify chain" button that recomputes every hash and compares the newest entry with the signed
head kept outside the database.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.gui.common import workers
from cse_toolkit.gui.common.changes import ALL_TOPICS, follow_changes
from cse_toolkit.gui.common.table_model import RowTableModel
from cse_toolkit.gui.common.widgets import heading_label, local_text, report
from cse_toolkit.gui.dsl.dsl_common import DateRange, DslPage
from cse_toolkit.vault.audit import AuditRow

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

PAGE_SIZE = 100
SEQ, WHEN, WHO, ACTION, RECORD, WHY, SAID = range(7)
RAW_COLUMNS = (WHO, ACTION, RECORD, WHY)
_Index = QModelIndex | QPersistentModelIndex


class DslAuditModel(RowTableModel):
    HEADERS = ("#", "When", "Who", "Action", "Record", "Reason", "What happened")

    def __init__(self, describe: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self._describe = describe
        self._words: dict[int, str] = {}

    def set_page(self, rows: list[AuditRow], words: dict[int, str]) -> None:
        self._words = words
        self.set_rows(rows)

    def words(self, row: int) -> str:
        return self._words.get(self.row(row).seq, "")

    def row(self, index: int) -> AuditRow:
        row: AuditRow = self.row_at(index)
        return row

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        r = self.row_for(index)
        if r is None:
            return None
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == SEQ:
                return str(r.seq)
            if col == WHEN:
                return local_text(parse_utc(r.at))
            if col == WHO:
                return r.actor
            if col == ACTION:
                return r.action
            if col == RECORD:
                return self._describe(r.record_type, r.record_id) if r.record_type else ""
            if col == WHY:
                return r.reason
            if col == SAID:
                return self._words.get(r.seq, r.action)
        if role == Qt.ItemDataRole.ToolTipRole and col == SEQ:
            return self.tr("Hash {h}").format(h=r.hash)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == SEQ:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class DslAuditPage(DslPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follower = follow_changes(self, ALL_TOPICS, self.reload)
        from cse_toolkit.vault.dsl_repo import DslRepository

        self.heading = heading_label(self.tr("Audit trail"))
        self.actor = QComboBox()
        self.actor.setAccessibleName(self.tr("Person"))
        self.action = QComboBox()
        self.action.setAccessibleName(self.tr("Action"))
        self.range = DateRange(date.today())
        who = QLabel(self.tr("&Who"))
        who.setBuddy(self.actor)
        what = QLabel(self.tr("Ac&tion"))
        what.setBuddy(self.action)
        self.model = DslAuditModel(DslRepository.describe_record, self)
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Audit entries, newest first"))
        self.table.setModel(self.model)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move inside
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WHY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SAID, QHeaderView.ResizeMode.Stretch)
        header.moveSection(SAID, WHEN + 1)  # #, When, What happened, then the raw columns
        # In words by default; the stored entry is one click away (the tick box, or the
        # selected entry shown in full below the table).
        self.show_raw = QCheckBox(self.tr("Show the &raw entries"))
        self.show_raw.setAccessibleName(self.tr("Show the raw audit entries"))
        self.show_raw.toggled.connect(self._raw_toggled)
        self.raw_entry = QLabel()
        self.raw_entry.setTextFormat(Qt.TextFormat.PlainText)
        self.raw_entry.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.raw_entry.setAccessibleName(self.tr("The selected entry as stored"))
        self.raw_entry.setWordWrap(True)
        self._raw_toggled(False)
        self.prev_button = QPushButton(self.tr("&Newer"))
        self.next_button = QPushButton(self.tr("O&lder"))
        self.position = QLabel()
        self.position.setAccessibleName(self.tr("Entries shown"))
        self.verify_button = QPushButton(self.tr("&Verify chain"))
        self.verify_result = QLabel()
        self.verify_result.setWordWrap(True)
        self.verify_result.setAccessibleName(self.tr("Chain check result"))
        self.verify_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        filters = QHBoxLayout()
        filters.addWidget(who)
        filters.addWidget(self.actor)
        filters.addWidget(what)
        filters.addWidget(self.action)
        filters.addWidget(self.range)
        filters.addStretch(1)
        filters.addWidget(self.show_raw)
        paging = QHBoxLayout()
        paging.addWidget(self.position, 1)
        paging.addWidget(self.prev_button)
        paging.addWidget(self.next_button)
        verify = QHBoxLayout()
        verify.addWidget(self.verify_button)
        verify.addWidget(self.verify_result, 1)
        layout = QVBoxLayout(self.body)
        layout.addWidget(self.heading)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.raw_entry)
        layout.addLayout(paging)
        layout.addLayout(verify)

        self.offset = 0
        self.total = 0
        self.actor.currentIndexChanged.connect(lambda _i: self.first_page())
        self.action.currentIndexChanged.connect(lambda _i: self.first_page())
        self.range.changed.connect(self.first_page)
        self.prev_button.clicked.connect(lambda: self.show_page(self.offset - PAGE_SIZE))
        self.next_button.clicked.connect(lambda: self.show_page(self.offset + PAGE_SIZE))
        self.verify_button.clicked.connect(self.verify)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._show_raw_entry(current.row())
        )
        self._filling = False

    def _raw_toggled(self, on: bool) -> None:
        for col in RAW_COLUMNS:
            self.table.setColumnHidden(col, not on)

    def _show_raw_entry(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            from cse_toolkit.vault.audit_words import raw_text

            self.raw_entry.setText(
                self.tr("Entry as stored:") + "\n" + raw_text(self.model.row(row))
            )
        else:
            self.raw_entry.clear()

    def set_vault(self, vault: Vault) -> None:
        if vault.user.role == "dsl":
            self.range.set_today(vault.now().date())
        super().set_vault(vault)

    def reload(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self._filling = True
        for combo, values in (
            (self.actor, vault.dsl.audit_actors()),
            (self.action, vault.dsl.audit_actions()),
        ):
            current = combo.currentData()
            combo.clear()
            combo.addItem(self.tr("Anyone") if combo is self.actor else self.tr("Any action"), None)
            for value in values:
                combo.addItem(value, value)
            index = combo.findData(current)
            combo.setCurrentIndex(max(0, index))
        self._filling = False
        self.verify_result.clear()
        self.first_page()
        self.loaded.emit()

    def first_page(self) -> None:
        if not self._filling:
            self.show_page(0)

    def show_page(self, offset: int) -> None:
        vault = self.vault
        if vault is None:
            return
        date_from, date_to = self.range.value()
        offset = max(0, offset)
        try:
            rows, total = vault.dsl.audit_page(
                actor=self.actor.currentData(),
                action=self.action.currentData(),
                date_from=date_from,
                date_to=date_to,
                limit=PAGE_SIZE,
                offset=offset,
            )
            if not rows and offset:  # the filter shrank the list: show its last page
                offset = max(0, (total - 1) // PAGE_SIZE * PAGE_SIZE)
                rows, total = vault.dsl.audit_page(
                    actor=self.actor.currentData(),
                    action=self.action.currentData(),
                    date_from=date_from,
                    date_to=date_to,
                    limit=PAGE_SIZE,
                    offset=offset,
                )
        except Exception as exc:  # noqa: BLE001 - user errors shown, bugs reported
            report(self, self.tr("Audit trail"), exc)
            return
        self.offset, self.total = offset, total
        try:
            words = vault.dsl.audit_words(rows)
        except Exception as exc:  # noqa: BLE001 - the raw entries still show
            report(self, self.tr("Audit trail"), exc)
            words = {}
        self.model.set_page(rows, words)
        self.raw_entry.clear()
        first = offset + 1 if rows else 0
        self.position.setText(
            self.tr("Entries {a}–{b} of {n}, newest first").format(
                a=f"{first:,}", b=f"{offset + len(rows):,}", n=f"{total:,}"
            )
        )
        self.prev_button.setEnabled(offset > 0)
        self.next_button.setEnabled(offset + len(rows) < total)

    def verify(self) -> None:
        vault = self.vault
        if vault is None:
            return
        self.verify_button.setEnabled(False)
        self.verify_result.setText(self.tr("Checking every entry…"))
        workers.run_in_background(
            vault.dsl.verify_chain, self._verified, self._verify_failed, parent=self
        )

    def _verified(self, check: Any) -> None:
        self.verify_button.setEnabled(True)
        head = self.tr("newest entry #{seq}, hash {h}").format(
            seq=check.head.seq, h=check.head.hash
        )
        if check.ok:
            self.verify_result.setStyleSheet("color: #1b5e20;")
            self.verify_result.setText(
                self.tr(
                    "The chain is intact: {n} entries checked; {head}; it matches the signed copy "
                    "kept outside the database."
                ).format(n=f"{check.rows:,}", head=head)
            )
        else:
            self.verify_result.setStyleSheet("color: #9b1c1c; font-weight: bold;")
            problems = "; ".join(check.problems[:5])
            self.verify_result.setText(
                self.tr(
                    "The chain is NOT intact ({n} entries checked; {head}): {problems}. Tell your "
                    "IT support and do not rely on this vault's history."
                ).format(n=f"{check.rows:,}", head=head, problems=problems)
            )
        self.last_check = check

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.verify_result.clear()
        report(self, self.tr("Verify chain"), exc)

    def clear(self) -> None:
        super().clear()
        self.model.set_rows([])
        self.position.clear()
        self.verify_result.clear()
        self._filling = True
        self.actor.clear()
        self.action.clear()
        self._filling = False
        self.offset = self.total = 0
