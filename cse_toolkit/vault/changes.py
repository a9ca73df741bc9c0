"""What a committed write changed, for whoever shows the data (no Qt here).

Every change to a vault goes through ``Vault.write()`` and leaves audit entries; when the
transaction commits, the vault tells its subscribers which actions were committed (the audit
actions, e.g. ``import.pack``, ``signoff.agree``, ``purge``) and on which record types. The app
turns that into one Qt signal (``gui.changes``), so every open view that shows the affected data
updates, whatever part of the app (or a background import) made the change. Only ids and action
names travel: no personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """The audit entries one committed transaction wrote: (action, record type, record id)."""

    entries: tuple[tuple[str, str, str], ...]

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(a for a, _t, _i in self.entries)

    @property
    def topics(self) -> frozenset[str]:
        """The first word of each action: "import", "signoff", "export", "purge", "view"..."""
        return frozenset(a.split(".", 1)[0] for a, _t, _i in self.entries)

    @property
    def record_types(self) -> frozenset[str]:
        return frozenset(t for _a, t, _i in self.entries if t)

    @property
    def record_ids(self) -> frozenset[str]:
        return frozenset(i for _a, _t, i in self.entries if i)

    def touches(self, topics: Iterable[str]) -> bool:
        return bool(self.topics & set(topics))

    @property
    def only_views(self) -> bool:
        """Opening a record writes a "view" entry but changes no data."""
        return self.topics <= {"view"}


Listener = Callable[[Change], None]
