"""One way for every open view to stay current: the change hub.

The vault tells its subscribers what each committed write changed (``vault.changes.Change``:
audit actions and record types, no personal data). ``ChangeHub`` re-emits that as one Qt signal
on the GUI thread, wherever the write happened (a background import, a dialog, another page).
A view says once which kinds of change it shows and how to reload::

    follow_changes(self, {"import", "signoff", "purge"}, self.reload)

and reloads (coalesced: a burst of writes gives one reload) whenever such a change commits
while it has a vault. Nothing calls a view's refresh by hand after a write.

Topics are the first word of the audit action: child, note, step, screening, signoff, import,
export, purge, missing, action, incident, intel, summary, vault, user, view ("view" only records that something
was opened; a view that does not show the audit trail never follows it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from cse_toolkit.vault.changes import Change

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

# Every topic that changes what a child's record, lists and counts show.
CASE_TOPICS = frozenset(
    {
        "child",
        "note",
        "step",
        "screening",
        "signoff",
        "import",
        "missing",
        "action",
        "incident",
        "intel",
        "purge",
        "export",
        "vault",
    }
)
ALL_TOPICS = CASE_TOPICS | {"summary", "user", "view", "demo"}


class ChangeHub(QObject):
    """Emits ``changed(Change)`` on the GUI thread after each committed write."""

    changed = Signal(object)
    _from_any_thread = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # A signal emitted on a worker thread reaches this object's thread (the GUI's) queued.
        self._from_any_thread.connect(self._relay)
        self._unsubscribe: Callable[[], None] | None = None

    @Slot(object)
    def _relay(self, change: Change) -> None:
        self.changed.emit(change)

    def watch(self, vault: Vault) -> None:
        """Follow ``vault`` (after an unlock); forget the previous one."""
        self.forget()
        if vault is not None and hasattr(vault, "subscribe"):
            self._unsubscribe = vault.subscribe(self.publish)

    def forget(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def publish(self, change: Change) -> None:
        """Called by the vault on the writing thread."""
        self._from_any_thread.emit(change)


_hub: ChangeHub | None = None


def hub() -> ChangeHub:
    global _hub
    if _hub is None:
        _hub = ChangeHub()
    return _hub


class _Follower(QObject):
    """Reloads its owner after a relevant change: at once (coalesced) if the owner is on
    screen, else the next time it is shown, so hidden pages cost nothing."""

    def __init__(
        self, owner: QObject, topics: frozenset[str], reload: Callable[[], None], delay_ms: int
    ) -> None:
        super().__init__(owner)
        self._topics = topics
        self._reload = reload
        self._owner = owner
        self._stale = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self._fire)
        hub().changed.connect(self._changed)
        owner.installEventFilter(self)
        self.reloads = 0  # for tests: how many reloads changes caused

    def _changed(self, change: Change) -> None:
        if change.only_views and "view" not in self._topics:
            return
        if not change.touches(self._topics):
            return
        self._timer.start()

    def _has_vault(self) -> bool:
        owner = self._owner
        return (
            getattr(owner, "vault", None) is not None or getattr(owner, "_vault", None) is not None
        )

    def _fire(self) -> None:
        if not self._has_vault():
            return  # locked: the next unlock loads everything afresh
        if isinstance(self._owner, QWidget) and not self._owner.isVisible():
            self._stale = True
            return
        self._stale = False
        self.reloads += 1
        self._reload()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self._owner and event.type() == QEvent.Type.Show and self._stale:
            self._stale = False
            self._timer.start()
        return False


def follow_changes(
    owner: QObject, topics: Iterable[str], reload: Callable[[], None], delay_ms: int = 50
) -> QObject:
    """Reload ``owner`` when a change on one of ``topics`` commits (see the module doc)."""
    return _Follower(owner, frozenset(topics), reload, delay_ms)
