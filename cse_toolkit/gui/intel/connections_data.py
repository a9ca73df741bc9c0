"""What the connections view shows, worked out on a pool thread.

``load`` (``_load``) runs in ``workers.run_in_background``: it reads the index (cached by the
repository), the children's labels and the possible matches, and then makes every line the view
draws, as plain immutable rows: the entities grouped by kind with their counts and "also linked
to" names, the linked children with what they share, the rescreen prompt's links and the "linked
to" text of each possible match. The GUI thread only turns those rows into tree items in one
step (issue 17: drawing 430 linked children after the index was built stalled the window).

No widgets here; the words go through ``QCoreApplication.translate`` with the view's context
(``ConnectionsView``), which is safe on any thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from cse_toolkit.core import intelligence as intel
from cse_toolkit.gui.intel.intel_editor import NOT_ON_CASELOAD, child_label

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

KIND_GROUPS = (
    ("person", "People"),
    ("vehicle", "Vehicles"),
    ("phone", "Phones"),
    ("online", "Online identities"),
    ("location", "Places"),
    ("financial", "Money"),
)
MAX_NAMES_INLINE = 3
_CONTEXT = "ConnectionsView"  # the view's tr() context: one set of translations


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


@dataclass(frozen=True)
class Suggestion:
    """A possible match between an entity of this child and another in the index."""

    a_key: str
    b_key: str
    a_display: str
    b_display: str
    certainty: str
    reason: str
    b_children: frozenset[str]


@dataclass(frozen=True)
class LinkRow:
    """One entity line of the tree: its name, its report count, who else it links."""

    display: str
    count: str
    others: str
    link: intel.EntityLink


@dataclass(frozen=True)
class LinkGroup:
    title: str  # "People (3)"
    rows: tuple[LinkRow, ...]


@dataclass(frozen=True)
class ChildLine:
    """One linked child: its label and what links them."""

    child_id: str
    label: str
    through: str


@dataclass(frozen=True)
class Loaded:
    index: intel.EntityIndex
    labels: dict[str, str]
    suggestions: list[Suggestion]
    child_id: str = ""
    conn: intel.ChildConnections | None = None
    groups: tuple[LinkGroup, ...] = ()
    children: tuple[ChildLine, ...] = ()
    rescreen: tuple[intel.EntityLink, ...] = ()
    card_others: tuple[str, ...] = ()  # "linked to ..." of each suggestion, same order


_Loaded = Loaded  # the name bench/flows.py and older code use


def label_of(labels: Mapping[str, str], child_id: str) -> str:
    return labels.get(child_id) or _tr(NOT_ON_CASELOAD)


def names(labels: Mapping[str, str], child_ids: Iterable[str]) -> str:
    """Up to three children by label, then "and N more"."""
    found = sorted(label_of(labels, c) for c in child_ids)
    if len(found) <= MAX_NAMES_INLINE:
        return ", ".join(found)
    shown = ", ".join(found[:MAX_NAMES_INLINE])
    return _tr("{names} and {n} more").format(names=shown, n=len(found) - MAX_NAMES_INLINE)


def _visible_labels(vault: Vault) -> dict[str, str]:
    return {row[0]: child_label(row[2] or "", row[3] or "") for row in vault.repos.child_rows()}


def _load(vault: Vault, child_id: str, previous: Loaded | None = None) -> Loaded:
    """Runs on a pool thread: the index (cached by the repository), the children's labels, the
    possible matches for the child, and every line the view draws from them.

    The labels are read again only when the index is new: a child can only appear in the
    connections through a saved report, and saving one replaces the index.
    """
    index = vault.intel.index()
    if previous is not None and previous.index is index:
        labels = previous.labels
    else:
        labels = _visible_labels(vault)
    decided = [d.pair for d in vault.intel.decisions()]
    suggestions = possible_matches(index, child_id, decided)
    conn = intel.connections_for_child(index, child_id)
    return Loaded(
        index=index,
        labels=labels,
        suggestions=suggestions,
        child_id=child_id,
        conn=conn,
        groups=_groups(conn, labels),
        children=_children(conn, index, labels),
        rescreen=tuple(intel.rescreen_prompts(conn)),
        card_others=tuple(
            names(labels, s.b_children) if s.b_children else _tr("no child") for s in suggestions
        ),
    )


def _groups(conn: intel.ChildConnections, labels: Mapping[str, str]) -> tuple[LinkGroup, ...]:
    by_kind: dict[str, list[intel.EntityLink]] = {}
    for link in conn.links:
        by_kind.setdefault(link.kind, []).append(link)
    groups = []
    for kind, title in KIND_GROUPS:
        links = by_kind.get(kind, [])
        if not links:
            continue
        rows = []
        for link in links:
            mine, total = len(link.child_report_ids), len(link.report_ids)
            count = _tr("{n} reports").format(n=total) if total > 1 else _tr("1 report")
            if mine != total:
                count += " " + _tr("({n} about this child)").format(n=mine)
            others = names(labels, link.other_child_ids) if link.other_child_ids else ""
            rows.append(LinkRow(link.display, count, others, link))
        groups.append(LinkGroup(f"{_tr(title)} ({len(links)})", tuple(rows)))
    return tuple(groups)


def _children(
    conn: intel.ChildConnections, index: intel.EntityIndex, labels: Mapping[str, str]
) -> tuple[ChildLine, ...]:
    rows = sorted(
        conn.connected_children.items(),
        key=lambda item: (-len(item[1]), label_of(labels, item[0]).lower()),
    )
    return tuple(
        ChildLine(other, label_of(labels, other), ", ".join(index.displays.get(k, k) for k in keys))
        for other, keys in rows
    )


def possible_matches(
    index: intel.EntityIndex,
    child_id: str,
    decided: Iterable[frozenset[str]] = (),
) -> list[Suggestion]:
    """Fuzzy matches for the child's entities that nobody has decided on yet, best first."""
    done = set(decided)
    seen: set[frozenset[str]] = set()
    out: list[tuple[float, Suggestion]] = []
    mine = index.child_keys.get(child_id, set())
    for key in sorted(mine):
        entity = index.entities.get(key)
        if entity is None:
            continue
        for match in intel.suggest_matches(entity, index):
            a = index.canonical.get(match.a_key, match.a_key)
            b = match.b_key
            pair = frozenset((a, b))
            if a == b or b in mine or pair in seen or pair in done:
                continue
            if frozenset((match.a_key, b)) in done:
                continue
            seen.add(pair)
            out.append(
                (
                    match.score,
                    Suggestion(
                        a_key=a,
                        b_key=b,
                        a_display=index.displays.get(a, entity.display()),
                        b_display=index.displays.get(b, b),
                        certainty=match.certainty,
                        reason=match.reason,
                        b_children=frozenset(index.key_children.get(b, set())),
                    ),
                )
            )
    out.sort(key=lambda item: (-item[0], item[1].b_display))
    return [s for _, s in out]
