"""The small contracts between the main window and the widgets that plug into it.

* ``VaultPage``: a page in the main window's navigation (``MainWindow.add_page``). It receives the
  open vault after unlocking (``set_vault``) and must forget every record on ``clear()``, which
  the main window calls when it locks: models emptied, fields blanked, no names left on screen.
* ``ChildTab``: a tab on a child's page (``ChildPage.add_tab``). ``set_child`` is called when a
  child is opened (and again after a change elsewhere on the page); ``clear`` on lock and when the
  page closes. A tab may emit a ``changed`` signal (no arguments) after it writes to the vault so
  the other tabs and the child list refresh.
* ``Shell``: what a feature's installer (``dsl_pages.install_dsl_pages``, ``export_tab.install``)
  may use of the main window, so a feature depends on this contract and not on ``MainWindow``.
* ``DraftEditor``: any widget holding unsaved text. Before locking or closing, the main window
  calls ``save_draft()`` on every such widget it owns (found by walking its children), then
  closes the vault. ``save_draft`` must write an encrypted draft (``repos.save_draft``) quickly,
  never ask the user anything, and never raise for an empty editor.

Membership is checked structurally (``isinstance(widget, DraftEditor)``), so a widget only needs
the methods; it does not have to inherit anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QStatusBar, QWidget

    from cse_toolkit.core.entities import Child
    from cse_toolkit.gui.common.unlock_dialog import UnlockDialog
    from cse_toolkit.vault.vault import Vault


@runtime_checkable
class VaultPage(Protocol):
    def set_vault(self, vault: Vault) -> None: ...

    def clear(self) -> None: ...


@runtime_checkable
class ChildTab(Protocol):
    def set_child(self, vault: Vault, child: Child) -> None: ...

    def clear(self) -> None: ...


@runtime_checkable
class DraftEditor(Protocol):
    def save_draft(self) -> None: ...


class Shell(Protocol):
    """The main window as a feature's installer sees it (``MainWindow`` has all of this)."""

    @property
    def unlock(self) -> UnlockDialog: ...

    @property
    def vault(self) -> Vault | None: ...

    def window(self) -> QWidget: ...

    def tr(self, sourceText: str, /, disambiguation: str | None = ..., n: int = ...) -> str: ...  # noqa: N803 (Qt API)

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 (Qt API)

    def add_page(
        self,
        key: str,
        title: str,
        widget: QWidget,
        roles: Sequence[str] | None = None,
        *,
        in_navigation: bool = True,
    ) -> None: ...

    def add_child_tab(self, widget: QWidget, title: str) -> int: ...

    def add_toolbar_action(self, action: QAction) -> None: ...

    def child_tab_titles(self) -> list[str]: ...

    def show_child(self, child_id: str, tab: int | None = None) -> bool: ...

    def show_page(self, key: str) -> bool: ...
