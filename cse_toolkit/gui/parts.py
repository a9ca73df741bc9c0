"""The parts the features plug into the main window, as one typed structure.

``extensions.install_all`` builds every feature's pages and tabs, hands them to the window
(``MainWindow.install_parts``) and returns them; code and tests reach a part through
``window.parts`` (``window.parts.dsl.queue``, ``window.parts.sharing.outbox``), never through
attributes set on the window from outside. Each feature's installer returns its own share of the
structure, defined beside it (``dsl_pages.install_dsl_pages`` -> ``DslPages``,
``export_tab.install`` -> ``SharingParts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cse_toolkit.gui.actions.install import ActionParts
    from cse_toolkit.gui.dsl.dsl_pages import DslPages
    from cse_toolkit.gui.exchange.export_tab import SharingParts
    from cse_toolkit.gui.exchange.import_conflicts_page import ImportConflictsPage
    from cse_toolkit.gui.intel.intel_connections import ConnectionsView
    from cse_toolkit.gui.intel.intel_page import IntelligencePage
    from cse_toolkit.gui.process.pathway_page import ProcessTab


@dataclass(frozen=True)
class AppParts:
    """Everything ``install_all`` adds to the shell, by feature."""

    process_tab: ProcessTab
    connections_tab: ConnectionsView
    intel_page: IntelligencePage
    sharing: SharingParts
    dsl: DslPages
    imports_page: ImportConflictsPage
    actions: ActionParts
