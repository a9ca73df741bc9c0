"""A child's page: a header (name, reference, age, level) over tabs.

Built-in tabs: Details, Notes, Chronology, Missing episodes, Attachments. Other parts of the app add theirs
with ``add_tab(widget, title)`` (e.g. "Process" and "Screening"); a tab follows the ``ChildTab``
protocol (``set_child(vault, child)``, ``clear()``, optionally a ``changed`` signal and
``save_draft()``). When any tab emits ``changed`` the child is re-read and every tab refreshed,
and ``child_changed(child_id)`` tells the rest of the window (the child list).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from cse_toolkit.core.catalogue import level_label, load_tool
from cse_toolkit.core.entities import Child
from cse_toolkit.core.screening import awaiting_signoff
from cse_toolkit.errors import UserError
from cse_toolkit.gui.children.attachments_tab import AttachmentsTab
from cse_toolkit.gui.children.child_details_tab import ChildDetailsTab
from cse_toolkit.gui.children.child_dialog import OPEN_EXISTING, ChildDialog
from cse_toolkit.gui.children.chronology_view import ChronologyView
from cse_toolkit.gui.children.missing_episodes_view import MissingEpisodesView
from cse_toolkit.gui.children.notes_tab import NotesTab
from cse_toolkit.gui.common.changes import CASE_TOPICS, follow_changes
from cse_toolkit.gui.common.protocols import ChildTab
from cse_toolkit.gui.common.widgets import heading_label

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)


class ChildPage(QWidget):
    back_requested = Signal()
    child_changed = Signal(str)
    open_other_child = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follower = follow_changes(self, CASE_TOPICS, self._changed_elsewhere)
        self.setAccessibleName(self.tr("Child"))
        self._vault: Vault | None = None
        self._child: Child | None = None
        self._tabs: list[QWidget] = []

        # No mnemonic: Alt+B and Alt+H are taken by fields on the tabs; Alt+Left is "back".
        self.back_button = QPushButton(self.tr("← Back to children"))
        self.back_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Back))
        self.back_button.setToolTip(self.tr("Back to the list of children (Alt+Left)"))
        self.back_button.setAccessibleName(self.tr("Back to children"))
        self.back_button.clicked.connect(self.back_requested)
        self.title_label = heading_label("")
        self.title_label.setAccessibleName(self.tr("Child's name"))
        self.summary_label = QLabel()
        self.summary_label.setAccessibleName(self.tr("Reference, age and level"))
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        head = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title_label)
        titles.addWidget(self.summary_label)
        head.addLayout(titles, 1)
        head.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(self.tr("Child record sections"))
        self.tabs.setDocumentMode(True)
        self.details = ChildDetailsTab()
        self.details.edit_requested.connect(self.edit_details)
        self.notes = NotesTab()
        self.chronology = ChronologyView()
        self.missing = MissingEpisodesView()
        self.attachments = AttachmentsTab()
        self.add_tab(self.details, self.tr("&Details"))
        self.add_tab(self.notes, self.tr("&Notes"))
        self.add_tab(self.chronology, self.tr("C&hronology"))
        self.add_tab(self.missing, self.tr("&Missing episodes"))
        # No mnemonic: every letter of "Attachments" is taken on some tab (Alt+S saves a note,
        # Alt+E edits details, Alt+C is "999 called"); a tab bar takes its letter even when
        # another button has it too. Ctrl+Tab reaches it.
        self.add_tab(self.attachments, self.tr("Attachments"))

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.tabs, 1)
        # Reading order: "Back to children" (top right of the header) before the tabs.
        self.setTabOrder(self.back_button, self.tabs)

    # -- extension point ----------------------------------------------------------------
    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab (a ``ChildTab``); returns its index. Works before or after a child opens."""
        if not isinstance(widget, ChildTab):
            raise TypeError("a child page tab needs set_child(vault, child) and clear()")
        self._tabs.append(widget)
        changed = getattr(widget, "changed", None)
        if changed is not None and hasattr(changed, "connect"):
            changed.connect(self.refresh)
        index = self.tabs.addTab(widget, title)
        # Keep "Back to children" just before the tab bar in the Tab chain (reading order),
        # however many tabs are added later.
        bar = self.tabs.tabBar()
        anchor = bar.previousInFocusChain()
        if anchor is not None and anchor is not self.back_button:
            self.setTabOrder(anchor, self.back_button)
        if self._vault is not None and self._child is not None:
            widget.set_child(self._vault, self._child)
        return index

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i).replace("&", "") for i in range(self.tabs.count())]

    # -- state ----------------------------------------------------------------------------
    @property
    def child(self) -> Child | None:
        return self._child

    @property
    def child_id(self) -> str | None:
        return self._child.id if self._child else None

    def current_tab(self) -> int:
        return self.tabs.currentIndex()

    def set_current_tab(self, index: int) -> None:
        if 0 <= index < self.tabs.count():
            self.tabs.setCurrentIndex(index)

    def set_vault(self, vault: Vault) -> None:
        """VaultPage: the page has no child until one is opened (``set_child``)."""
        self._vault = vault

    def set_child(self, vault: Vault, child_id: str) -> None:
        """Open a child (the view is written to the audit trail)."""
        self._vault = vault
        child = vault.repos.get_child(child_id, log_view=True)
        self._show(child)

    def refresh(self) -> None:
        if self._vault is None or self._child is None:
            return
        child = self._vault.repos.get_child(self._child.id)
        self._show(child)
        self.child_changed.emit(child.id)

    def _changed_elsewhere(self) -> None:
        """A write committed somewhere (an import, a sign-off, a purge): show it."""
        if self._vault is None or self._child is None:
            return
        try:
            child = self._vault.repos.get_child(self._child.id)
        except UserError:
            # Purged (or no longer this user's): nothing left to show on this page.
            self._child = None
            self.title_label.clear()
            self.summary_label.clear()
            self._name_for_screen_readers("")
            for tab in self._tabs:
                tab.clear()  # type: ignore[attr-defined]
            self.back_requested.emit()
            return
        self._show(child)

    def _show(self, child: Child) -> None:
        self._child = child
        self.title_label.setText(child.display_name)
        assert self._vault is not None
        age = child.age_on(self._vault.now().date())
        parts = [self.tr("Ref {ref}").format(ref=child.ref)]
        if age is not None:
            parts.append(
                self.tr("age {age}").format(age=age)
                if child.dob
                else self.tr("age about {age}").format(age=age)
            )
        parts.append(
            self.tr("level: {level}").format(level=level_label(child.confirmed_level))
            if child.confirmed_level
            else self.tr("not screened yet")
        )
        waiting = self._lowered_awaiting_signoff(child)
        if waiting:
            parts.append(
                self.tr("'{level}' awaiting DSL sign-off").format(level=level_label(waiting))
            )
        self.summary_label.setText(" · ".join(parts))
        self._name_for_screen_readers(child.display_name)
        for tab in self._tabs:
            tab.set_child(self._vault, child)  # type: ignore[attr-defined]

    def _name_for_screen_readers(self, name: str) -> None:
        """A screen reader reads a label's accessible name instead of its text, so the heading
        is named by the child's name (Orca said "Child's name"); and each tab's description
        (its tooltip) says whose record it is, since a tab is where focus lands as the child
        opens and Orca says only "Details page tab" otherwise."""
        summary = self.summary_label.text()
        self.title_label.setAccessibleName(name or self.tr("Child's name"))
        self.summary_label.setAccessibleName(summary or self.tr("Reference, age and level"))
        self.tabs.setAccessibleName(
            self.tr("{name}: record sections").format(name=name)
            if name
            else self.tr("Child record sections")
        )
        whose = f"{name} · {summary}" if name else ""
        for index in range(self.tabs.count()):
            self.tabs.setTabToolTip(index, whose)

    def _lowered_awaiting_signoff(self, child: Child) -> str | None:
        """The lower level a worker confirmed on the latest screening, while it waits for a DSL
        (SAFETY.md R7); None when nothing waits."""
        assert self._vault is not None
        done = [s for s in self._vault.repos.screenings_for(child.id) if s.status != "in_progress"]
        if not done:
            return None
        latest = max(done, key=lambda s: s.screened_at)
        try:
            tool = load_tool(latest.tool_id, latest.tool_version)
        except UserError:
            tool = None
        if awaiting_signoff(tool, latest.suggested_level, latest.confirmed_level, latest.status):
            return latest.confirmed_level
        return None

    def clear(self) -> None:
        self._vault = None
        self._child = None
        self.title_label.clear()
        self.summary_label.clear()
        self._name_for_screen_readers("")
        for tab in self._tabs:
            tab.clear()  # type: ignore[attr-defined]

    # -- actions --------------------------------------------------------------------------
    def new_note(self) -> None:
        if self._child is None:
            return
        self.tabs.setCurrentWidget(self.notes)
        self.notes.new_note()

    def edit_details(self) -> None:
        if self._vault is None or self._child is None:
            return
        dialog = ChildDialog(self._vault, self._child, parent=self)
        dialog.finished.connect(lambda result: self._edited(dialog, result))
        dialog.open()

    def _edited(self, dialog: ChildDialog, result: int) -> None:
        dialog.deleteLater()
        if result == OPEN_EXISTING and dialog.open_child_id:
            self.open_other_child.emit(dialog.open_child_id)
        elif result and dialog.child is not None:
            self.refresh()
