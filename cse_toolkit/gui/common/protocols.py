"""The small contracts between the main window and the widgets that plug into it.

* ``VaultPage``: a page in the main window's navigation (``MainWindow.add_page``). It receives the
  open vault after unlocking (``set_vault``) and must forget every record on ``clear()``, which
  the main window calls when it locks: models emptied, fields blanked, no names left on screen.
* ``ChildTab``: a tab on a child's page (``ChildPage.add_tab``). ``set_child`` is called when a
  child is opened (and again after a change elsewhere on the page); ``clear`` on lock and when the
  page closes. A tab may emit a ``changed`` signal (no arguments) after it writes to the vault so
  the other tabs and the child list refresh.
* ``DraftEditor``: any widget holding unsaved text. Before locking or closing, the main window
  calls ``save_draft()`` on every such widget it owns (found by walking its children), then
  closes the vault. ``save_draft`` must write an encrypted draft (``repos.save_draft``) quickly,
  never ask the user anything, and never raise for an empty editor.

Membership is checked structurally (``isinstance(widget, DraftEditor)``), so a widget only needs
the methods; it does not have to inherit anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from cse_toolkit.core.entities import Child
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
