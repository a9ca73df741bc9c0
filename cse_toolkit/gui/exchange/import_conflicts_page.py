"""The "Imported packs" page (DSL): conflicts from imported packs, decided one by one.

An import never overwrites a record that was changed here since it was last imported; it keeps
the incoming version with the import as a conflict (``services.exchange.import_pack``). Here the
DSL sees each one with the version here beside the version in the pack and decides: keep ours,
or take theirs. Each decision is audited; an import leaves the review queue once every conflict
in it is decided. "Import pack…" opens the import dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs
from cse_toolkit.gui.common.changes import follow_changes
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.widgets import heading_label, local_text
from cse_toolkit.gui.exchange.import_dialog import record_text
from cse_toolkit.services import exchange

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class ImportConflictsPage(QWidget):
    """A ``VaultPage`` for DSLs."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follower = follow_changes(self, {"import", "purge", "vault"}, self.reload)
        self.setAccessibleName(self.tr("Imported packs"))
        self._vault: Vault | None = None
        self._pending: list[exchange.PendingConflict] = []

        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Summary"))
        self.import_button = QPushButton(self.tr("&Import pack…"))
        self.import_button.setAccessibleName(self.tr("Import a pack"))
        self.import_button.clicked.connect(self.import_pack)

        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Conflicts to decide"))
        self.list.currentRowChanged.connect(self._show)
        self.local_caption = QLabel(self.tr("Here"))
        self.incoming_caption = QLabel(self.tr("In the pack"))
        for label in (self.local_caption, self.incoming_caption):
            label.setTextFormat(Qt.TextFormat.PlainText)  # the sender's name is the pack's
        self.local_text = QPlainTextEdit()
        self.local_text.setReadOnly(True)
        self.local_text.setAccessibleName(self.tr("The version here"))
        self.incoming_text = QPlainTextEdit()
        self.incoming_text.setReadOnly(True)
        self.incoming_text.setAccessibleName(self.tr("The version in the pack"))
        self.keep_button = QPushButton(self.tr("&Keep the version here"))
        self.keep_button.setAccessibleName(self.tr("Keep the version here"))
        self.keep_button.clicked.connect(lambda: self.decide("local"))
        self.take_button = QPushButton(self.tr("&Take the version in the pack"))
        self.take_button.setAccessibleName(self.tr("Take the version in the pack"))
        self.take_button.clicked.connect(lambda: self.decide("incoming"))

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.import_button)
        sides = QSplitter(Qt.Orientation.Horizontal)
        for caption, text in (
            (self.local_caption, self.local_text),
            (self.incoming_caption, self.incoming_text),
        ):
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(caption)
            column.addWidget(text)
            sides.addWidget(box)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.take_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(self.tr("Imported packs")))
        layout.addLayout(top)
        layout.addWidget(self.list)
        layout.addWidget(sides, 2)
        layout.addLayout(buttons)
        self.setTabOrder(self.import_button, self.list)
        self.setTabOrder(self.list, self.keep_button)
        self.setTabOrder(self.keep_button, self.take_button)
        self._update_buttons()

    # -- VaultPage -------------------------------------------------------------------------
    def set_vault(self, vault: Vault) -> None:
        self._vault = vault
        self.reload()

    def clear(self) -> None:
        self._vault = None
        self._pending = []
        self.list.clear()
        self.local_text.clear()
        self.incoming_text.clear()
        self.summary.clear()
        self._update_buttons()

    # -- contents --------------------------------------------------------------------------
    def reload(self) -> None:
        if self._vault is None:
            return
        self._pending = exchange.pending_conflicts(self._vault)
        labels = {c.id: c.display_name for c in self._vault.repos.list_children()}
        self.list.clear()
        for p in self._pending:
            who = labels.get(p.child_id or "", self.tr("a child not on your list"))
            text = self.tr("{type} for {child}: {why} (pack imported {when})").format(
                type=p.record_type.replace("_", " ").capitalize(),
                child=who,
                why=p.why,
                when=local_text(parse_utc(p.imported_at)),
            )
            self.list.addItem(QListWidgetItem(text))
        if self._pending:
            self.summary.setText(
                ntr(
                    "ImportConflictsPage",
                    "%n conflict(s) from imported packs. Nothing was overwritten: for each, keep "
                    "the version here or take the one in the pack.",
                    len(self._pending),
                )
            )
            self.list.setCurrentRow(0)
        else:
            self.summary.setText(self.tr("No conflicts to decide. Imported packs merged cleanly."))
            self._show(-1)
        self._update_buttons()

    def _current(self) -> exchange.PendingConflict | None:
        row = self.list.currentRow()
        return self._pending[row] if 0 <= row < len(self._pending) else None

    def _show(self, row: int) -> None:
        conflict = self._pending[row] if 0 <= row < len(self._pending) else None
        if conflict is None or self._vault is None:
            self.local_text.clear()
            self.incoming_text.clear()
            self._update_buttons()
            return
        try:
            local = exchange.local_version(self._vault, conflict.record_type, conflict.record_id)
        except UserError:
            local = None
        self.local_caption.setText(
            self.tr("Here (version {v})").format(v=local.get("version", "?") if local else "-")
        )
        self.incoming_caption.setText(
            self.tr("In the pack from {sender}, signed by key {fp} (version {v})").format(
                sender=conflict.sender or self.tr("an unnamed sender"),
                fp=conflict.signer_fingerprint or "?",
                v=conflict.incoming.get("version", "?"),
            )
        )
        self.local_text.setPlainText(record_text(local))
        self.incoming_text.setPlainText(record_text(conflict.incoming))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self._current() is not None
        self.keep_button.setEnabled(has)
        self.take_button.setEnabled(has)
        self.import_button.setEnabled(self._vault is not None)

    # -- actions ---------------------------------------------------------------------------
    def decide(self, keep: str) -> None:
        conflict = self._current()
        if conflict is None or self._vault is None:
            return
        try:
            exchange.resolve_conflict(self._vault, conflict.import_id, conflict.record_id, keep)
        except UserError as exc:
            dialogs.error(self, self.tr("Cannot record the decision"), str(exc))
            return
        self.reload()
        self.changed.emit()
        self.list.setFocus()

    def import_pack(self) -> None:
        if self._vault is None:
            return
        from cse_toolkit.gui.exchange.import_dialog import ImportPackDialog

        dialog = ImportPackDialog(self._vault, parent=self)
        dialog.open()
