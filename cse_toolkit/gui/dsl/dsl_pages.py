"""Plug the DSL pages into the main window: one call, ``install_dsl_pages(window)``.

Adds the review queue, dashboard, audit trail and retention review as navigation pages shown
only to the ``dsl`` role, and opens queue items where they are dealt with: the child's page on
the tab for the item's ``Destination`` (the screening and due dates on the Process tab, packs
on the Share tab), or the page for items with no child.
"""

from __future__ import annotations

from typing import Any

from cse_toolkit.gui.dsl.dsl_audit_view import DslAuditPage
from cse_toolkit.gui.dsl.dsl_dashboard import DslDashboardPage
from cse_toolkit.gui.dsl.dsl_queue import DslQueuePage
from cse_toolkit.gui.dsl.dsl_retention import DslRetentionPage
from cse_toolkit.vault.dsl_repo import Destination

DSL_ONLY = ("dsl",)
# The child's tabs (window attributes) where each destination is dealt with, best first: a
# window without the Process tab opens the chronology instead.
_TABS = {
    Destination.SCREENING: ("process_tab",),
    Destination.PROCESS: ("process_tab", "chronology"),
    Destination.EXPORTS: ("export_tab",),
}


def tab_index(window: Any, destination: str) -> int | None:
    """The index of the child's tab where ``destination`` is dealt with (None: none here)."""
    page = window.child_page
    for name in _TABS.get(Destination(destination), ()):
        widget = getattr(window, name, None) or getattr(page, name, None)
        index = page.tabs.indexOf(widget) if widget is not None else -1
        if index >= 0:
            return int(index)
    return None


def install_dsl_pages(window: Any) -> dict[str, Any]:
    """Add the four DSL pages to ``window`` (a ``MainWindow``); returns them by key."""
    queue = DslQueuePage()
    dashboard = DslDashboardPage()
    audit = DslAuditPage()
    retention = DslRetentionPage()
    pages = {
        "dsl_queue": queue,
        "dsl_dashboard": dashboard,
        "dsl_audit": audit,
        "dsl_retention": retention,
    }
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
    queue.open_page.connect(lambda key: window.show_page({"exports": "outbox"}.get(key, key)))
    return pages
