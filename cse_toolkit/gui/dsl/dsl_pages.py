"""Plug the DSL pages into the main window: one call, ``install_dsl_pages(window)``.

Adds the review queue, dashboard, audit trail and retention review as navigation pages shown
only to the ``dsl`` role, and opens queue items where they are dealt with: the child's page on
the tab for the item's ``Destination`` (the screening and due dates on the Process tab, packs
on the Share tab), or the page for items with no child.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from cse_toolkit.gui.common.protocols import Shell
from cse_toolkit.gui.dsl.dsl_audit_view import DslAuditPage
from cse_toolkit.gui.dsl.dsl_dashboard import DslDashboardPage
from cse_toolkit.gui.dsl.dsl_queue import DslQueuePage
from cse_toolkit.gui.dsl.dsl_retention import DslRetentionPage
from cse_toolkit.vault.dsl_repo import Destination

DSL_ONLY = ("dsl",)
# The child's tab where each destination is dealt with, best first (a window without the
# Process tab opens the chronology instead).
_TABS = {
    Destination.SCREENING: ("Process",),
    Destination.PROCESS: ("Process", "Chronology"),
    Destination.EXPORTS: ("Share",),
    Destination.ACTIONS: ("Actions", "Chronology"),
}


@dataclass(frozen=True)
class DslPages:
    """The four navigation pages only a DSL sees."""

    queue: DslQueuePage
    dashboard: DslDashboardPage
    audit: DslAuditPage
    retention: DslRetentionPage

    def by_key(self) -> dict[str, QWidget]:
        """The pages under their navigation keys, in navigation order."""
        return {
            "dsl_queue": self.queue,
            "dsl_dashboard": self.dashboard,
            "dsl_audit": self.audit,
            "dsl_retention": self.retention,
        }


def tab_index(window: Shell, destination: str) -> int | None:
    """The index of the child's tab where ``destination`` is dealt with (None: none here)."""
    titles = [t.replace("&", "") for t in window.child_tab_titles()]
    for wanted in _TABS.get(Destination(destination), ()):
        if wanted in titles:
            return titles.index(wanted)
    return None


def install_dsl_pages(window: Shell) -> DslPages:
    """Add the four DSL pages to ``window`` (a ``MainWindow``); returns them."""
    queue = DslQueuePage()
    parts = DslPages(queue, DslDashboardPage(), DslAuditPage(), DslRetentionPage())
    pages = parts.by_key()
    titles = {
        "dsl_queue": window.tr("Review queue"),
        "dsl_dashboard": window.tr("Dashboard"),
        "dsl_audit": window.tr("Audit trail"),
        "dsl_retention": window.tr("Retention"),
    }
    for key, page in pages.items():
        window.add_page(key, titles[key], page, DSL_ONLY)
    queue.open_child.connect(lambda cid, tab: window.show_child(cid, tab_index(window, tab)))
    # Items with no child open a page; sent/unsent packs live on the Outbox page.
    queue.open_page.connect(lambda key: window.show_page({"exports": "outbox"}.get(key) or key))
    return parts
