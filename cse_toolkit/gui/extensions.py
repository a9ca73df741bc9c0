"""Puts the whole app together: every page and tab the parts of the app contribute.

The main window (``main_window.py``) is the shell; the process, intelligence, export, outbox and
DSL parts are built as pages and tabs that plug into its extension points. ``install_all`` is
called once after the window is built (``app.run_gui`` does it; tests that want the complete app
call it too). Pages are shown only to the roles that may use them; the core refuses the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cse_toolkit.gui.parts import AppParts
from cse_toolkit.policy import Policy

if TYPE_CHECKING:
    from cse_toolkit.gui.main_window import MainWindow


def install_all(window: MainWindow, policy: Policy) -> AppParts:
    """Build every feature's pages and tabs into ``window``; returns them (also ``window.parts``)."""
    from cse_toolkit.gui.actions.install import install_actions
    from cse_toolkit.gui.dsl.dsl_pages import install_dsl_pages
    from cse_toolkit.gui.exchange import export_tab
    from cse_toolkit.gui.exchange.export_dialog import ExportDialog
    from cse_toolkit.gui.exchange.import_conflicts_page import ImportConflictsPage
    from cse_toolkit.gui.intel.intel_connections import ConnectionsView
    from cse_toolkit.gui.intel.intel_page import IntelligencePage
    from cse_toolkit.gui.process.pathway_page import ProcessTab, next_step_provider

    # The child's page: the guided process first after the details, then links, then sharing.
    process_tab = ProcessTab()
    window.child_page.add_tab(process_tab, window.tr("&Process"))
    window.child_list.set_next_step_provider(next_step_provider)
    connections_tab = ConnectionsView()
    window.child_page.add_tab(connections_tab, window.tr("Co&nnections"))
    connections_tab.open_child.connect(lambda cid: window.show_child(cid))
    connections_tab.rescreen_requested.connect(
        lambda cid: window.show_child(cid, window.child_page.tabs.indexOf(process_tab))
    )

    intel_page = IntelligencePage()
    window.add_page("intelligence", window.tr("Intelligence"), intel_page, ("worker", "dsl"))

    def export_intelligence(report_id: str) -> None:
        if window.vault is None:
            return  # locked meanwhile
        dialog = ExportDialog(
            window.vault, "intelligence", report_id=report_id, policy=policy, parent=window
        )
        dialog.open()

    def open_report(report_id: str) -> None:
        window.show_page("intelligence")
        intel_page.open_report(report_id)

    intel_page.export_requested.connect(export_intelligence)
    connections_tab.open_report.connect(open_report)

    actions = install_actions(window)  # issue 18: Actions, Incidents, My actions
    sharing = export_tab.install(window, policy)  # the Share tab, the Outbox page, reminders
    dsl = install_dsl_pages(window)
    imports_page = ImportConflictsPage()
    window.add_page("imports", window.tr("Imported packs"), imports_page, ("dsl",))
    # Every page that shows imported data, the queue included, follows committed changes
    # through the change hub (gui.changes): no page reloads another by hand.
    parts = AppParts(process_tab, connections_tab, intel_page, sharing, dsl, imports_page, actions)
    window.install_parts(parts)
    return parts
