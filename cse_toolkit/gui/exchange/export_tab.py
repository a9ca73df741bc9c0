"""The "Share" tab on a child's page: export a pack for this child, and the child's packs so far.

Also ``install(window)``: how the main window takes in everything about packs in one call
(the Share tab, the Outbox page, and the unsent-packs reminder after unlocking), so the shell
only needs ``export_tab.install(self)``; it returns the tab and the page (``SharingParts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cse_toolkit.gui.common import dialogs
from cse_toolkit.gui.common.protocols import Shell
from cse_toolkit.gui.common.widgets import local_text
from cse_toolkit.gui.exchange.export_dialog import ExportDialog
from cse_toolkit.gui.exchange.outbox_table_model import state_text
from cse_toolkit.policy import Policy
from cse_toolkit.services import exchange

if TYPE_CHECKING:
    from cse_toolkit.gui.exchange.outbox_page import OutboxPage
    from cse_toolkit.vault.vault import Vault


class ExportTab(QWidget):
    """A ``ChildTab``. ``exported(export_id)`` after a pack was saved and recorded."""

    changed = Signal()
    exported = Signal(str)

    def __init__(self, policy: Policy | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Share"))
        # The policy loaded at start; None: the one the open vault carries (Vault.policy).
        self._policy = policy
        self._vault: Vault | None = None
        self._child: Any = None
        self.dialog: ExportDialog | None = None
        intro = QLabel(
            self.tr(
                "Export an encrypted pack for one recipient. You record the information-sharing "
                "decision, check a preview, and get a password to give by phone."
            )
        )
        intro.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for kind, text in (
            ("referral", self.tr("Export a &referral…")),
            ("screening", self.tr("Export the &screening…")),
            ("intelligence", self.tr("Export &intelligence…")),
        ):
            button = QPushButton(text)
            button.clicked.connect(lambda _c=False, k=kind: self.export(k))
            self.buttons[kind] = button
            row.addWidget(button)
        row.addStretch(1)
        self.history = QLabel()
        self.history.setWordWrap(True)
        self.history.setAccessibleName(self.tr("Packs exported for this child"))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.history)
        layout.addStretch(1)
        if policy is not None:
            self._show_kinds(policy)

    def _show_kinds(self, policy: Policy) -> None:
        for kind, button in self.buttons.items():
            button.setVisible(kind in policy.export_kinds)

    def set_child(self, vault: Vault, child: Any) -> None:
        self._vault = vault
        self._child = child
        if self._policy is None:
            self._show_kinds(vault.policy)
        self._show_history()

    def clear(self) -> None:
        self._vault = None
        self._child = None
        self.history.clear()

    def _show_history(self) -> None:
        if self._vault is None or self._child is None:
            return
        items = [i for i in exchange.outbox(self._vault) if i.child_id == self._child.id]
        if not items:
            self.history.setText(self.tr("No packs exported for this child yet."))
            return
        lines = [self.tr("Packs exported for this child:")]
        for item in items:
            lines.append(
                f"{local_text(item.created_at)}  {item.kind}  {item.recipient}: {state_text(item)}"
            )
        self.history.setText("\n".join(lines))

    def export(self, kind: str) -> None:
        if self._vault is None or self._child is None:
            return
        report_id = None
        if kind == "intelligence":
            rows = self._vault.intel.list(self._child.id)
            if not rows:
                dialogs.info(
                    self,
                    self.tr("No intelligence report"),
                    self.tr("This child has no intelligence report to export."),
                )
                return
            report_id = rows[0][0]
        dialog = ExportDialog(
            self._vault,
            kind,
            child_id=self._child.id,
            report_id=report_id,
            policy=self._policy,
            parent=self,
        )
        self.dialog = dialog
        dialog.exported.connect(self.exported)
        dialog.exported.connect(lambda _id: self._show_history())
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()

    def _closed(self, dialog: ExportDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()


@dataclass(frozen=True)
class SharingParts:
    """Packs: the Share tab on a child's page and the Outbox page."""

    tab: ExportTab
    outbox: OutboxPage


def install(window: Shell, policy: Policy | None = None) -> SharingParts:
    """Add the Share tab, the Outbox page and the unsent reminder to a ``MainWindow``.

    ``policy``: the ``Policy`` loaded at start (None: the one the open vault carries).
    """
    from cse_toolkit.gui.exchange.outbox_page import OutboxPage, unsent_reminder_text

    outbox = OutboxPage()
    tab = ExportTab(policy)
    window.add_child_tab(tab, window.tr("Sh&are"))
    window.add_page("outbox", window.tr("Outbox"), outbox, ("worker", "dsl"))

    def remind(_vault: Any = None) -> None:
        text = unsent_reminder_text(window.vault)
        if text:
            window.statusBar().showMessage(text)
            dialogs.info(window.window(), window.tr("Packs to send"), text)

    window.unlock.unlocked.connect(remind)
    return SharingParts(tab, outbox)
