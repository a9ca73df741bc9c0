"""The outbox: every pack exported from this vault and where it has got to.

A pack is *exported* (the encrypted file is saved), then *sent* (the worker marks it once it
has gone by secure email), then *acknowledged* (the recipient replied with their reference).
The page lists them (``OutboxTableModel``), with Mark sent, Mark acknowledged, Show password
(the pack password kept until the pack is marked sent, shown after the passphrase: issue 14)
and, for a designated safeguarding lead, Import a pack.

``unsent_reminder_text(vault)`` is the line the main window shows after unlocking when packs
are still waiting to be sent, so nothing stays only on the laptop for long (RELIABILITY.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs
from cse_toolkit.gui.common.changes import follow_changes
from cse_toolkit.gui.common.widgets import heading_label, report
from cse_toolkit.gui.exchange.outbox_table_model import OutboxTableModel
from cse_toolkit.services import exchange

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


def _tr(text: str) -> str:
    return QCoreApplication.translate("OutboxPage", text)


def unsent_reminder_text(vault: Vault | None) -> str | None:
    """The reminder ("2 packs exported but not marked sent: ..."), or None if none wait."""
    if vault is None or vault.user.role not in ("worker", "dsl"):
        return None
    count = len(exchange.unsent(vault))
    if count == 0:
        return None
    if count == 1:
        return _tr(
            "1 pack exported but not marked sent: send it when you are back on the network, "
            "then mark it sent in the Outbox."
        )
    return _tr(
        "{n} packs exported but not marked sent: send them when you are back on the network, "
        "then mark them sent in the Outbox."
    ).format(n=count)


class OutboxPage(QWidget):
    """A ``VaultPage``: the outbox for the signed-in user (a worker sees their own packs)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follower = follow_changes(self, {"export", "import", "purge", "vault"}, self.reload)
        self.setAccessibleName(self.tr("Outbox"))
        self._vault: Vault | None = None

        title = heading_label(self.tr("Outbox"))
        self.intro = QLabel(
            self.tr(
                "Packs you exported. Send each file by secure email and give its password by "
                "phone, then mark it sent. When the recipient replies with their reference, "
                "mark it acknowledged."
            )
        )
        self.intro.setWordWrap(True)
        self.model = OutboxTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("outboxTable")
        self.table.setAccessibleName(self.tr("Exported packs"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # Every column as wide as what it holds; the last (the file name) takes what is left.
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.empty_label = QLabel(self.tr("Nothing exported yet."))

        self.sent_button = QPushButton(self.tr("Mark &sent"))
        self.sent_button.setToolTip(self.tr("You have sent this pack by secure email"))
        self.sent_button.clicked.connect(self.mark_sent)
        self.ack_button = QPushButton(self.tr("Mark ac&knowledged…"))
        self.ack_button.setToolTip(self.tr("The recipient replied with their reference"))
        self.ack_button.clicked.connect(self.mark_acknowledged)
        self.password_button = QPushButton(self.tr("Show &password…"))
        self.password_button.setToolTip(
            self.tr("Read the pack's password out by phone (kept until you mark it sent)")
        )
        self.password_button.clicked.connect(self.show_password)
        self.refresh_button = QPushButton(self.tr("&Refresh"))
        self.refresh_button.clicked.connect(self.reload)
        self.import_button = QPushButton(self.tr("&Import a pack…"))
        self.import_button.setToolTip(self.tr("Import a pack a worker sent you (DSL)"))
        self.import_button.clicked.connect(self.import_pack)
        self.import_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.sent_button)
        buttons.addWidget(self.ack_button)
        buttons.addWidget(self.password_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.refresh_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(buttons)
        self._update_buttons()

    # -- VaultPage ---------------------------------------------------------------------------
    def set_vault(self, vault: Vault) -> None:
        self._vault = vault
        self.import_button.setVisible(vault.user.role == "dsl")
        self.reload()

    def clear(self) -> None:
        self._vault = None
        self.model.clear()
        self.import_button.hide()
        self._update_buttons()

    # -- content -----------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        if self._vault is None:
            return
        current = select or self.selected_id()
        items = exchange.outbox(self._vault)
        self.model.set_items(items, self._labels(items))
        self.empty_label.setVisible(not items)
        self.table.setVisible(bool(items))
        row = self.model.row_of(current) if current else -1
        if row < 0 and items:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        self._update_buttons()

    def _labels(self, items: list[Any]) -> dict[str, str]:
        assert self._vault is not None
        labels: dict[str, str] = {}
        for item in items:
            if item.child_id and item.child_id not in labels:
                try:
                    child = self._vault.repos.get_child(item.child_id)
                    labels[item.child_id] = f"{child.display_name} ({child.ref})"
                except UserError:
                    labels[item.child_id] = self.tr("(record no longer here)")
            elif item.report_id and not item.child_id and item.report_id not in labels:
                labels[item.report_id] = self.tr("Report {ref}").format(
                    ref=self._vault.intel.ref_of(item.report_id)
                )
        return labels

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return str(self.model.item(index.row()).id)

    def _selected(self) -> Any:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.item(index.row())

    def _update_buttons(self) -> None:
        item = self._selected() if self._vault is not None else None
        self.sent_button.setEnabled(item is not None and item.state == "exported")
        self.ack_button.setEnabled(item is not None and item.state == "sent")
        self.password_button.setEnabled(
            item is not None and item.state == "exported" and item.password_kept
        )
        self.refresh_button.setEnabled(self._vault is not None)

    # -- actions ---------------------------------------------------------------------------
    def mark_sent(self) -> None:
        item = self._selected()
        if item is None or self._vault is None:
            return
        try:
            exchange.mark_sent(self._vault, item.id)
        except BaseException as exc:  # noqa: BLE001 - a user error is shown, a bug is reported
            report(self, self.tr("Cannot mark the pack sent"), exc)
            self.reload()
            return
        self.reload(item.id)
        self.changed.emit()
        self.table.setFocus()

    def mark_acknowledged(self) -> None:
        item = self._selected()
        if item is None or self._vault is None:
            return
        reference = dialogs.get_text(
            self,
            self.tr("Pack acknowledged"),
            self.tr("The reference {recipient} gave for this pack:").format(
                recipient=item.recipient
            ),
        )
        if reference is None:
            return
        try:
            exchange.mark_acknowledged(self._vault, item.id, reference)
        except BaseException as exc:  # noqa: BLE001
            report(self, self.tr("Cannot mark the pack acknowledged"), exc)
            return
        self.reload(item.id)
        self.changed.emit()
        self.table.setFocus()

    def show_password(self) -> None:
        """Issue 14: the kept password, after the passphrase (``KeptPasswordDialog``)."""
        item = self._selected()
        if item is None or self._vault is None:
            return
        from cse_toolkit.gui.exchange.kept_password_dialog import KeptPasswordDialog

        dialog = KeptPasswordDialog(self._vault, item.id, item.recipient, parent=self)
        self.password_dialog = dialog
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def import_pack(self) -> None:
        if self._vault is None or self._vault.user.role != "dsl":
            return
        from cse_toolkit.gui.exchange.import_dialog import ImportPackDialog

        dialog = ImportPackDialog(self._vault, parent=self)
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
