"""Plugs actions and incidents into the shell: the child's Actions and Incidents tabs and the
"My actions" page (every role that takes actions; Ctrl+Shift+Y opens it from anywhere)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from cse_toolkit.gui.actions.actions_tab import ActionsTab
from cse_toolkit.gui.actions.incidents_tab import IncidentsTab
from cse_toolkit.gui.actions.my_actions_page import MyActionsPage
from cse_toolkit.gui.common.protocols import Shell

MY_ACTIONS = "my_actions"
SHORTCUT = "Ctrl+Shift+Y"


@dataclass(frozen=True)
class ActionParts:
    actions_tab: ActionsTab
    incidents_tab: IncidentsTab
    my_actions: MyActionsPage


def install_actions(window: Shell) -> ActionParts:
    actions_tab = ActionsTab()
    actions_index = window.add_child_tab(actions_tab, window.tr("A&ctions"))
    incidents_tab = IncidentsTab()
    window.add_child_tab(incidents_tab, window.tr("&Incidents"))
    page = MyActionsPage()
    page.setToolTip(window.tr("My actions ({key})").format(key=SHORTCUT))
    window.add_page(MY_ACTIONS, window.tr("My actions"), page, ("worker", "dsl"))
    page.open_child.connect(lambda cid: window.show_child(cid, actions_index))
    key = QShortcut(QKeySequence(SHORTCUT), window.window())
    key.setContext(Qt.ShortcutContext.WindowShortcut)
    key.activated.connect(lambda: window.show_page(MY_ACTIONS))
    return ActionParts(actions_tab, incidents_tab, page)
