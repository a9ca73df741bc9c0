"""The main window: navigation, pages, toolbar, and the lock/unlock cycle.

While locked the whole window is the unlock form (no names anywhere). Unlocking hands the open
vault to every page the user's role may use (``VaultPage.set_vault``) and returns the user to
where they were (same page, same child, same tab). Locking, in order: every ``DraftEditor``
saves its draft; open dialogs close; running background jobs finish; the vault is closed;
every page is cleared (``VaultPage.clear``); the clipboard is cleared if it holds something the
app put there; the unlock form is shown.

Extension points for the other parts of the app:

* ``add_page(key, title, widget, roles)``: a page in the left navigation, shown only to the
  given roles (``None``: everyone). The widget follows ``protocols.VaultPage``.
* ``child_page.add_tab(widget, title)``: a tab on every child's page (``protocols.ChildTab``).
* ``child_list.set_next_step_provider(fn)``: the pathway engine's next step and due date.

What the features add is kept in one typed structure, ``parts`` (``gui/parts.py``), handed over
once by ``extensions.install_all``. Features' installers see the window through
``protocols.Shell``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from cse_toolkit import APP_NAME
from cse_toolkit.core.clock import Clock
from cse_toolkit.core.entities import Role
from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import DiskFullError
from cse_toolkit.gui import draft_offers
from cse_toolkit.gui.children.child_dialog import OPEN_EXISTING, ChildDialog
from cse_toolkit.gui.children.child_list_page import ChildListPage
from cse_toolkit.gui.children.child_page import ChildPage
from cse_toolkit.gui.common import changes, clipboard, dialogs, workers
from cse_toolkit.gui.common.about_page import AboutPage
from cse_toolkit.gui.common.first_run_dialog import FirstRunDialog
from cse_toolkit.gui.common.focus_order import focus_into, region_target, tab_stops
from cse_toolkit.gui.common.guidance_page import GuidancePage
from cse_toolkit.gui.common.lock_close import close_everything_else
from cse_toolkit.gui.common.lock_manager import LockManager
from cse_toolkit.gui.common.policy_banner import workspace_layout
from cse_toolkit.gui.common.protocols import DraftEditor, VaultPage
from cse_toolkit.gui.common.search_dialog import SearchNotesDialog
from cse_toolkit.gui.common.unlock_dialog import UnlockDialog
from cse_toolkit.gui.parts import AppParts
from cse_toolkit.gui.unsaved_bar import (
    UnsavedBar,
    ask_before_close,
    lock_screen_text,
    put_back,
    seal_at_lock,
)
from cse_toolkit.policy import LoadedPolicy
from cse_toolkit.vault.keyslots import KdfParams

if TYPE_CHECKING:
    from cse_toolkit.gui.exchange.outbox_page import OutboxPage
    from cse_toolkit.gui.fresh_lock import Handover
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

CASE_ROLES: tuple[Role, ...] = ("worker", "dsl")
_TAIL_PAGES = ("guidance", "about")
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


@dataclass
class _Page:
    key: str
    title: str
    widget: QWidget
    roles: tuple[str, ...] | None
    item: QListWidgetItem | None

    def allowed(self, role: str) -> bool:
        return self.roles is None or role in self.roles


class MainWindow(QMainWindow):
    def __init__(
        self,
        policy: LoadedPolicy,
        folder: Path,
        clock: Clock,
        *,
        kdf: KdfParams | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(APP_NAME)
        self.setAccessibleName(APP_NAME)
        self._policy = policy
        self._folder = folder
        self._clock = clock
        self._kdf = kdf
        self._vault: Vault | None = None
        self._pages: dict[str, _Page] = {}
        self._location: dict[str, Any] | None = None
        self.first_run: FirstRunDialog | None = None
        self._parts: AppParts | None = None

        # -- lock screen and workspace --------------------------------------------------
        self.root = QStackedWidget()
        self.setCentralWidget(self.root)
        self.unlock = UnlockDialog(folder, clock)
        self.unlock.kdf = kdf
        self.unlock.min_passphrase_score = policy.policy.min_passphrase_score
        self.unlock.policy = policy.policy  # loaded once at start; the vault carries it
        self.unlock.unlocked.connect(self.enter_vault)
        self.root.addWidget(self.unlock)

        self.workspace = QWidget()
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setAccessibleName(self.tr("Sections"))
        self.nav.currentItemChanged.connect(self._nav_changed)
        self.pages = QStackedWidget()
        # The "no organisation policy installed" notice above the navigation and the page.
        self.policy_banner, work_layout = workspace_layout(self.workspace, policy)
        self.unsaved_bar = UnsavedBar.below(self.policy_banner)  # text nothing could store
        self.kept: Handover | None = None
        work_layout.addWidget(self.nav)
        work_layout.addWidget(self.pages, 1)
        self.root.addWidget(self.workspace)

        # -- pages -------------------------------------------------------------------------
        self.child_list = ChildListPage(clock)
        self.child_list.open_child.connect(lambda cid: self.show_child(cid))
        self.child_list.add_child_requested.connect(self.add_child)
        self.child_page = ChildPage()
        self.child_page.back_requested.connect(self._back_to_list)
        self.child_page.child_changed.connect(lambda cid: self.child_list.reload(cid))
        self.child_page.open_other_child.connect(lambda cid: self.show_child(cid))
        self.guidance = GuidancePage(policy.policy)
        self.about = AboutPage(policy, folder)
        self.add_page("children", self.tr("Children"), self.child_list, CASE_ROLES)
        self.add_page("guidance", self.tr("Guidance"), self.guidance)
        self.add_page("about", self.tr("About"), self.about)
        # Reached from the child list, not from the navigation.
        self.add_page("child", "", self.child_page, CASE_ROLES, in_navigation=False)

        # -- actions ---------------------------------------------------------------------
        self.lock_action = self._action(
            self.tr("&Lock now"),
            "Ctrl+Shift+L",
            self.tr("Lock the app now (Ctrl+Shift+L)"),
            lambda: self.lock("panic"),
        )
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.add_child_action = self._action(
            self.tr("&Add child"),
            "Ctrl+Shift+C",
            self.tr("Add a child (Ctrl+Shift+C)"),
            self.add_child,
        )
        self.search_action = self._action(
            self.tr("&Search notes"),
            "Ctrl+Shift+F",
            self.tr("Search the notes of every child you can see (Ctrl+Shift+F)"),
            self.search_notes,
        )
        self.guidance_action = self._action(
            self.tr("&Guidance"),
            "F1",
            self.tr("Open the guidance library (F1)"),
            lambda: self.show_page("guidance"),
        )
        self.about_action = self._action(
            self.tr("A&bout"),
            "Ctrl+Shift+B",
            self.tr("Version, data folder and policy (Ctrl+Shift+B)"),
            lambda: self.show_page("about"),
        )
        self.filter_action = self._action(
            self.tr("Filter children"), "Ctrl+F", "", self.focus_child_filter
        )
        self.new_note_action = self._action(self.tr("New note"), "Ctrl+N", "", self.new_note)
        self.toolbar = QToolBar(self.tr("Main toolbar"))
        self.toolbar.setAccessibleName(self.tr("Main toolbar"))
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar.setIconSize(QSize(16, 16))
        tools = (self.lock_action, self.add_child_action, self.search_action)
        for action in (*tools, self.guidance_action, self.about_action):
            self.add_toolbar_action(action)
        self.addToolBar(self.toolbar)
        self.region_action = self._action(
            self.tr("Next region"), "F6", "", lambda: self.cycle_region(1)
        )
        self.region_back_action = self._action(
            self.tr("Previous region"), "Shift+F6", "", lambda: self.cycle_region(-1)
        )
        for action in (self.region_action, self.region_back_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self.addAction(self.filter_action)
        self.addAction(self.new_note_action)

        self.user_label = QLabel()
        self.user_label.setAccessibleName(self.tr("Signed-in user"))
        self.statusBar().addPermanentWidget(self.user_label)

        clipboard.install(policy.policy.clipboard_clear_seconds)
        self.lock_manager = LockManager(clock, policy.policy.idle_lock_minutes, self)
        self.lock_manager.lock_requested.connect(self.lock)
        self._show_locked(first=True)
        self.resize(1200, 760)

    def add_toolbar_action(self, action: QAction) -> None:
        """An action on the toolbar; keyboard users reach it by Tab (the toolbar is first in
        reading order) or F6."""
        self.toolbar.addAction(action)
        button = self.toolbar.widgetForAction(action)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setAccessibleName(action.text().replace("&", ""))
        button.setAccessibleDescription(action.toolTip())

    def _action(self, text: str, shortcut: str, tip: str, slot: Any) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # -- pages -------------------------------------------------------------------------
    @property
    def parts(self) -> AppParts:
        """The pages and tabs the features added (``extensions.install_all``)."""
        if self._parts is None:
            raise RuntimeError("the features have not been installed (extensions.install_all)")
        return self._parts

    def install_parts(self, parts: AppParts) -> None:
        if self._parts is not None:
            raise ValueError("the features are already installed")
        self._parts = parts

    def add_child_tab(self, widget: QWidget, title: str) -> int:
        """A tab on every child's page (a ``ChildTab``); returns its index."""
        return self.child_page.add_tab(widget, title)

    def child_tab_titles(self) -> list[str]:
        return self.child_page.tab_titles()

    def add_page(
        self,
        key: str,
        title: str,
        widget: QWidget,
        roles: Sequence[str] | None = None,
        *,
        in_navigation: bool = True,
    ) -> None:
        """Add a page (a ``VaultPage``) shown only to ``roles`` (None: every role)."""
        if key in self._pages:
            raise ValueError(f"a page called {key!r} already exists")
        if not isinstance(widget, VaultPage):
            raise TypeError("a page needs set_vault(vault) and clear()")
        item = None
        if in_navigation:
            item = QListWidgetItem(title)
            item.setData(KEY_ROLE, key)
            # Work pages come first; Guidance and About stay at the bottom of the list.
            tail = [self._pages[k].item for k in _TAIL_PAGES if k in self._pages]
            rows = [self.nav.row(i) for i in tail if i is not None]
            if key not in _TAIL_PAGES and rows:
                self.nav.insertItem(min(rows), item)
            else:
                self.nav.addItem(item)
            self._fit_navigation()
        self.pages.addWidget(widget)
        page = _Page(key, title, widget, tuple(roles) if roles is not None else None, item)
        self._pages[key] = page
        if self._vault is not None:
            allowed = page.allowed(self._vault.user.role)
            if item is not None:
                item.setHidden(not allowed)
            if allowed:
                widget.set_vault(self._vault)

    def _fit_navigation(self) -> None:
        metrics = self.nav.fontMetrics()
        widest = max(
            (metrics.horizontalAdvance(self.nav.item(i).text()) for i in range(self.nav.count())),
            default=0,
        )
        self.nav.setFixedWidth(widest + 8 * metrics.averageCharWidth())

    def page_keys(self, *, visible_only: bool = True) -> list[str]:
        """Navigation pages, in order; only those shown to the signed-in user by default."""
        keys = []
        for i in range(self.nav.count()):
            item = self.nav.item(i)
            if not visible_only or not item.isHidden():
                keys.append(str(item.data(KEY_ROLE)))
        return keys

    def current_page(self) -> str:
        widget = self.pages.currentWidget()
        for page in self._pages.values():
            if page.widget is widget:
                return page.key
        return ""

    def show_page(self, key: str) -> bool:
        page = self._pages.get(key)
        if page is None or self._vault is None or not page.allowed(self._vault.user.role):
            return False
        self.pages.setCurrentWidget(page.widget)
        nav_key = "children" if key == "child" else key
        nav_page = self._pages.get(nav_key)
        if nav_page is not None and nav_page.item is not None:
            self.nav.blockSignals(True)
            self.nav.setCurrentItem(nav_page.item)
            self.nav.blockSignals(False)
        return True

    def _nav_changed(self, current: QListWidgetItem | None, _previous: Any) -> None:
        if current is not None:
            self.show_page(str(current.data(KEY_ROLE)))

    def _back_to_list(self) -> None:
        self.show_page("children")
        self.child_list.table.setFocus()

    # -- vault lifecycle ----------------------------------------------------------------
    @property
    def vault(self) -> Vault | None:
        return self._vault

    @property
    def locked(self) -> bool:
        return self._vault is None

    def start(self) -> None:
        """First run (no vault yet) or the unlock form."""
        from cse_toolkit.vault.vault import exists

        if exists(self._folder):
            self._show_locked(first=True)
            return
        dialog = FirstRunDialog(
            self._folder, self._policy.policy, self._clock, kdf=self._kdf, parent=self
        )
        self.first_run = dialog
        dialog.finished.connect(lambda result: self._first_run_done(dialog, result))
        dialog.open()

    def _first_run_done(self, dialog: FirstRunDialog, result: int) -> None:
        self.first_run = None
        dialog.deleteLater()
        if result and dialog.vault is not None:
            self.unlock.reset(locked=False)
            self.enter_vault(dialog.vault)
        else:
            self.close()

    def enter_vault(self, vault: Vault) -> None:
        self._vault = vault
        changes.hub().watch(vault)  # every view that follows changes stays current
        role = vault.user.role
        for page in self._pages.values():
            allowed = page.allowed(role)
            if page.item is not None:
                page.item.setHidden(not allowed)
            if allowed:
                page.widget.set_vault(vault)  # type: ignore[attr-defined]
        can_case = role in CASE_ROLES
        for action in (self.lock_action, self.guidance_action, self.about_action):
            action.setEnabled(True)
        for action in (
            self.add_child_action,
            self.search_action,
            self.filter_action,
            self.new_note_action,
        ):
            action.setEnabled(can_case)
        self.user_label.setText(
            self.tr("Signed in as {user} ({role})").format(user=vault.user.label, role=role)
        )
        self.toolbar.show()
        self.statusBar().show()
        for notice in getattr(vault, "notices", []):
            # e.g. the user registry not signed yet (a vault from before per-person keys).
            self.statusBar().showMessage(self.tr(notice))
        self.root.setCurrentWidget(self.workspace)
        self._restore_location()
        focus_into(self.pages.currentWidget(), QApplication.focusWidget())
        self.lock_manager.start()
        log.info("vault open for role %s", role)
        self.unsaved_bar.set_vault(vault)
        if note := put_back(self, vault, self.kept):  # before the drafts are offered
            self.statusBar().showMessage(note)
        self.kept = None
        self.unlock.set_kept_notice("")
        self.offer_drafts()

    def _restore_location(self) -> None:
        where = self._location or {}
        self._location = None
        assert self._vault is not None  # called by enter_vault
        role = self._vault.user.role
        if where.get("child_id") and role in CASE_ROLES:
            if self.show_child(where["child_id"], where.get("tab")):
                return
        if where.get("page") and self.show_page(where["page"]):
            return
        self.show_page("children" if role in CASE_ROLES else "guidance")

    def current_location(self) -> dict[str, Any]:
        key = self.current_page()
        where: dict[str, Any] = {"page": key}
        if key == "child" and self.child_page.child_id:
            where["child_id"] = self.child_page.child_id
            where["tab"] = self.child_page.current_tab()
        return where

    def lock(self, reason: str = "panic") -> None:
        """The one lock path (idle, panic, toolbar, suspend, screen lock, closing).

        In order: every ``DraftEditor`` in every window saves its draft; popups, message boxes,
        file dialogs and other dialogs close (boxes opened through ``dialogs`` answer
        "cancelled"); running background jobs finish; the vault closes; every page is cleared;
        the clipboard is cleared if it still holds the app's text; the lock screen shows.
        """
        if self._vault is None:
            return
        log.info("locking (%s)", reason)
        self.lock_manager.stop()
        dialogs.note_lock()
        self._location = self.current_location()
        bugs: list[BaseException] = []
        for widget in self._draft_editors():
            try:
                widget.save_draft()
            except DiskFullError:
                pass  # the text is kept (vault.unsaved) and sealed below, the bar said it
            except Exception as exc:  # noqa: BLE001 - lock anyway, report after
                bugs.append(exc)
        close_everything_else(self)
        workers.wait_for_all()
        self.kept = seal_at_lock(self._vault)  # text nothing could store: handed over sealed
        self.unsaved_bar.set_vault(None)
        vault, self._vault = self._vault, None
        changes.hub().forget()
        for page in self._pages.values():
            try:
                page.widget.clear()  # type: ignore[attr-defined]
            except Exception as exc:  # noqa: BLE001
                bugs.append(exc)
        try:
            vault.close()
        except Exception as exc:  # noqa: BLE001
            bugs.append(exc)
        clipboard.clear_ours()
        dialogs.lock_done()
        self._show_locked(first=False)
        for bug in bugs:
            sys.excepthook(type(bug), bug, bug.__traceback__)

    def _draft_editors(self) -> list[Any]:
        """Every ``DraftEditor`` in this window and in any other top-level window of the app."""
        seen: set[int] = set()
        found: list[Any] = []
        roots: list[QWidget] = [self]
        roots += [w for w in QApplication.topLevelWidgets() if w is not self and w.isVisible()]
        for root in roots:
            for widget in [root, *root.findChildren(QWidget)]:
                if isinstance(widget, DraftEditor) and id(widget) not in seen:
                    seen.add(id(widget))
                    found.append(widget)
        return found

    def _show_locked(self, *, first: bool) -> None:
        self.lock_manager.stop()
        self.toolbar_visible(False)
        self.user_label.clear()
        self.unlock.reset(locked=not first)
        self.root.setCurrentWidget(self.unlock)
        self.unlock.set_kept_notice(lock_screen_text(self.kept))
        self.unlock.focus_passphrase()

    def toolbar_visible(self, shown: bool) -> None:
        self.toolbar.setVisible(shown)
        for action in (*self.toolbar.actions(), self.filter_action, self.new_note_action):
            action.setEnabled(shown)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if not ask_before_close(self, self.unsaved_bar):
            event.ignore()  # "Stay open" or "Copy the text"
            return
        self.lock("close")
        event.accept()

    # -- drafts left from a crash ---------------------------------------------------------
    def offer_drafts(self) -> None:
        """Offer back note drafts left by a crash or power cut (one restored at a time), then
        an Add/Edit child form, then an export wizard (``draft_offers``)."""
        vault = self._vault
        if vault is None or vault.user.role not in CASE_ROLES:
            return
        draft_offers.offer(self, vault, self._clock, self._policy.policy)

    def child_dialog_opened(self, dialog: ChildDialog) -> None:
        """A child form opened by someone else (a restored draft): finish it as Add child does."""
        dialog.finished.connect(lambda result, d=dialog: self._child_added(d, result))

    def outbox(self) -> OutboxPage | None:
        """The Outbox page, when the features are installed."""
        return self._parts.sharing.outbox if self._parts is not None else None

    # -- actions ---------------------------------------------------------------------------
    def show_child(self, child_id: str, tab: int | None = None) -> bool:
        if self._vault is None or self._vault.user.role not in CASE_ROLES:
            return False
        try:
            self.child_page.set_child(self._vault, child_id)
        except UserError as exc:
            dialogs.error(self, self.tr("Cannot open this record"), str(exc))
            return False
        self.show_page("child")
        if tab is not None:
            self.child_page.set_current_tab(tab)
        self.child_list.select_child(child_id)
        focus_into(self.child_page.tabs, QApplication.focusWidget())  # not left on the list
        return True

    def add_child(self) -> None:
        if self._vault is None or self._vault.user.role not in CASE_ROLES:
            return
        dialog = ChildDialog(self._vault, parent=self)
        dialog.finished.connect(lambda result: self._child_added(dialog, result))
        dialog.open()

    def _child_added(self, dialog: ChildDialog, result: int) -> None:
        dialog.deleteLater()
        if self._vault is None:
            return
        if result == OPEN_EXISTING and dialog.open_child_id:
            self.show_child(dialog.open_child_id)
        elif result and dialog.child is not None:
            self.child_list.reload(dialog.child.id)
            self.show_child(dialog.child.id, self.child_page.tabs.indexOf(self.child_page.notes))

    def search_notes(self) -> None:
        if self._vault is None or self._vault.user.role not in CASE_ROLES:
            return
        dialog = SearchNotesDialog(self._vault, parent=self)
        notes_tab = self.child_page.tabs.indexOf(self.child_page.notes)
        dialog.open_child.connect(lambda cid: self.show_child(cid, notes_tab))
        dialog.finished.connect(lambda _r: dialog.deleteLater())
        dialog.open()

    def new_note(self) -> None:
        """Ctrl+N on a child's page: the Notes tab, cursor in the note text."""
        if self.current_page() == "child":
            self.child_page.new_note()

    def tab_chain(self) -> list[QWidget]:
        """The Tab stops of the unlocked window in reading order: the toolbar, the navigation,
        then the page (on a child's page: "Back to children", the tab bar, the tab). Within each
        part Qt's focus chain order is kept; this is computed, not set with setTabOrder, because
        pages and tabs plugged in later (``add_page``, ``add_tab``) join the chain at its end."""
        stops = tab_stops(self)
        back, bar = self.child_page.back_button, self.child_page.tabs.tabBar()

        def place(widget: QWidget) -> tuple[int, int]:
            banners = (self.policy_banner, self.unsaved_bar)
            if self.toolbar.isAncestorOf(widget) or any(b.isAncestorOf(widget) for b in banners):
                return 0, 0 if self.toolbar.isAncestorOf(widget) else 1
            if widget is self.nav:
                return 1, 0
            if widget is back:
                return 2, 0
            if widget is bar:
                return 2, 1
            return 2, 2

        return sorted(stops, key=place)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 (Qt API)
        if self._vault is None:
            return super().focusNextPrevChild(next)
        stops = self.tab_chain()
        focus = QApplication.focusWidget()
        if not stops or focus is None:
            return super().focusNextPrevChild(next)
        here = stops.index(focus) if focus in stops else -1
        if here < 0:
            return super().focusNextPrevChild(next)
        target = stops[(here + (1 if next else -1)) % len(stops)]
        target.setFocus(
            Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason
        )
        return True

    def regions(self) -> list[QWidget]:
        """The window's regions in reading order: the toolbar, the navigation, the page."""
        if self._vault is None:
            return []
        return [
            w
            for w in (self.toolbar, self.policy_banner, self.unsaved_bar, self.nav)
            + (self.pages.currentWidget(),)
            if w is not None and w.isVisible()
        ]

    def cycle_region(self, step: int) -> None:
        """F6 / Shift+F6: focus moves to the first control of the next / previous region."""
        target = region_target(self.regions(), QApplication.focusWidget(), step)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_child_filter(self) -> None:
        if self.show_page("children"):
            self.child_list.focus_filter()
