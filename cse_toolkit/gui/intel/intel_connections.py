"""Connections: who and what links a child to other children, from the intelligence reports.

``ConnectionsView`` shows, for one child, the people, vehicles, phones, online identities and
places in the reports linked to them (``vault.intel.connections``), and for each the other
children who share it: by name and alias when the user can see that child, otherwise as "another
child (not on your caseload)". Below, "possible matches" from fuzzy matching
(``suggest_matches`` against the index: a plate one character out, a misspelt surname) wait for a
person to confirm or reject (``vault.intel.decide_merge``); a confirmed match links the children
from then on, a rejected one is not suggested again.

The index decrypts every report the user may see, so it is built off the GUI thread
(``workers.run_in_background``) with a busy indicator; once built it is cached by the repository
and a child's connections show in a few milliseconds (figures in the commit message and the
report of the work). Every line drawn is made on that thread too (``connections_data``); the
GUI thread only turns the rows into tree items, in one step.

It is a ``ChildTab`` (``set_child(vault, child)``, ``clear()``) for ``ChildPage.add_tab``, and
can also be used alone (``set_vault`` then ``show_child(child_id)``).

Signals:

* ``open_child(str)``: a child id, when the user opens another linked child (Enter or
  double-click on a child the user can see).
* ``open_report(str)``: a report id, when the user opens one of the reports listed.
* ``loaded()``: the connections of the current child are on screen.
* ``changed()``: a merge decision was recorded (other views may refresh).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core import intelligence as intel
from cse_toolkit.core.entities import Child
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs, workers
from cse_toolkit.gui.common.widgets import heading_label, report
from cse_toolkit.gui.intel.connections_data import (
    KIND_GROUPS,
    MAX_NAMES_INLINE,
    ChildLine,
    LinkGroup,
    Loaded,
    Suggestion,
    _load,
    _Loaded,
    label_of,
    names,
    possible_matches,
)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault
CHILD_ROLE = Qt.ItemDataRole.UserRole + 1
REPORT_ROLE = Qt.ItemDataRole.UserRole + 2
LINK_ROLE = Qt.ItemDataRole.UserRole + 3


class SuggestionCard(QFrame):
    def __init__(self, suggestion: Suggestion, others: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suggestion = suggestion
        self.setObjectName("matchCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        text = self.tr(
            "\u201c{a}\u201d in this child's reports and \u201c{b}\u201d (linked to {others}) "
            "may be the same: {reason} ({certainty} match)."
        ).format(
            a=suggestion.a_display,
            b=suggestion.b_display,
            others=others,
            reason=suggestion.reason,
            certainty=suggestion.certainty,
        )
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.confirm_button = QPushButton(self.tr("Same"))
        self.confirm_button.setAccessibleName(
            self.tr("Confirm {a} and {b} are the same").format(
                a=suggestion.a_display, b=suggestion.b_display
            )
        )
        self.confirm_button.setToolTip(self.tr("They are the same: link the children"))
        self.reject_button = QPushButton(self.tr("Not the same"))
        self.reject_button.setAccessibleName(
            self.tr("Reject: {a} and {b} are not the same").format(
                a=suggestion.a_display, b=suggestion.b_display
            )
        )
        self.reject_button.setToolTip(self.tr("Different: do not suggest this again"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.confirm_button)
        layout.addWidget(self.reject_button)
        self.setAccessibleName(self.tr("Possible match"))
        self.setAccessibleDescription(text)


class ConnectionsView(QWidget):
    open_child = Signal(str)
    open_report = Signal(str)
    loaded = Signal()
    changed = Signal()
    rescreen_requested = Signal(str)  # a child id: open its Process tab to screen again

    def __init__(self, vault: Vault | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Connections"))
        self._vault: Vault | None = None
        self._child_id: str | None = None
        self._data: _Loaded | None = None
        self._generation = 0
        self._pending = False  # a child to show once the view is visible
        self.connections: intel.ChildConnections | None = None
        self.suggestions: list[Suggestion] = []
        self.cards: list[SuggestionCard] = []
        self.rescreen_links: list[intel.EntityLink] = []
        self._build()
        if vault is not None:
            self.set_vault(vault)

    def _build(self) -> None:
        tr = self.tr
        self.heading = heading_label(tr("Connections"))
        self.summary = QLabel(tr("Open a child to see who and what links them to others."))
        self.summary.setAccessibleName(tr("Connections summary"))
        self.summary.setWordWrap(True)
        # Risk first: an adult, vehicle or place in several other children's intelligence is a
        # reason to screen this child again. Words and a button, not only a colour.
        self.rescreen = QFrame()
        self.rescreen.setObjectName("rescreenPrompt")
        self.rescreen.setStyleSheet(
            "#rescreenPrompt { background: #fff4e5; border-left: 4px solid #8a4b00; }"
        )
        rescreen_layout = QHBoxLayout(self.rescreen)
        self.rescreen_label = QLabel()
        self.rescreen_label.setTextFormat(Qt.TextFormat.PlainText)  # names come from reports
        self.rescreen_label.setWordWrap(True)
        self.rescreen_label.setAccessibleName(tr("Re-screen prompt"))
        self.rescreen_button = QPushButton(tr("&Re-screen on the Process tab"))
        self.rescreen_button.setAccessibleName(tr("Re-screen this child on the Process tab"))
        self.rescreen_button.clicked.connect(self._rescreen_clicked)
        rescreen_layout.addWidget(self.rescreen_label, 1)
        rescreen_layout.addWidget(self.rescreen_button)
        self.rescreen.setVisible(False)

        self.busy = QWidget()
        busy_layout = QHBoxLayout(self.busy)
        busy_layout.setContentsMargins(0, 0, 0, 0)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(160)
        self.busy_bar.setAccessibleName(tr("Building the connections index"))
        busy_layout.addWidget(self.busy_bar)
        busy_layout.addWidget(QLabel(tr("Building the connections index…")))
        busy_layout.addStretch(1)
        self.busy.setVisible(False)

        self.tree = QTreeWidget()
        self.tree.setAccessibleName(tr("What links this child to others"))
        self.tree.setToolTip(tr("Enter or double-click opens a child or a report"))
        self.tree.setHeaderLabels([tr("Linked through"), tr("Mentioned in"), tr("Also linked to")])
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 300)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemExpanded.connect(self._expanded)

        self.children_tree = QTreeWidget()
        self.children_tree.setAccessibleName(tr("Children linked to this child"))
        self.children_tree.setToolTip(tr("Enter or double-click opens the child"))
        self.children_tree.setHeaderLabels([tr("Child"), tr("Shares")])
        self.children_tree.setRootIsDecorated(False)
        self.children_tree.setUniformRowHeights(True)
        self.children_tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.children_tree.itemActivated.connect(self._activated)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addWidget(heading_label(tr("People, vehicles, phones, accounts, places"), 1.1))
        left_layout.addWidget(self.tree, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(heading_label(tr("Linked children"), 1.1))
        right_layout.addWidget(self.children_tree, 1)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(right)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setChildrenCollapsible(False)

        self.matches_heading = heading_label(tr("Possible matches to check"), 1.1)
        self.matches_hint = QLabel(
            tr(
                "Spelt or typed slightly differently in other reports. Confirm only when you "
                "are sure they are the same: confirming links the children."
            )
        )
        self.matches_hint.setWordWrap(True)
        self._cards_box = QWidget()
        self._cards_layout = QVBoxLayout(self._cards_box)
        self._cards_layout.setContentsMargins(0, 0, 4, 0)
        self._cards_layout.setSpacing(4)
        self._cards_layout.addStretch(1)
        self.no_matches = QLabel(tr("No possible matches."))
        self._cards_layout.insertWidget(0, self.no_matches)
        self.matches_scroll = QScrollArea()
        self.matches_scroll.setWidgetResizable(True)
        self.matches_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.matches_scroll.setWidget(self._cards_box)
        self.matches_scroll.setAccessibleName(tr("Possible matches"))
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.matches_heading)
        bottom_layout.addWidget(self.matches_hint)
        bottom_layout.addWidget(self.matches_scroll, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.rescreen)
        layout.addWidget(self.busy)
        layout.addWidget(split, 1)
        QWidget.setTabOrder(self.tree, self.children_tree)
        QWidget.setTabOrder(self.children_tree, self.matches_scroll)

    # -- context ---------------------------------------------------------------------------
    def set_vault(self, vault: Vault) -> None:
        if vault is not self._vault:
            self._data = None
        self._vault = vault

    def set_child(self, vault: Vault, child: Child) -> None:
        """``ChildTab``: show ``child``'s connections."""
        self.set_vault(vault)
        self.show_child(child.id)

    def show_child(self, child_id: str) -> None:
        """Show a child's connections; builds the index first if needed (``loaded`` when done)."""
        if self._vault is None:
            return
        if child_id != self._child_id:
            self._clear_views()
        self._child_id = child_id
        if self.isVisible():
            self._request()
        else:
            # A tab on the child's page is told about every child opened; read the index only
            # when the tab is actually looked at.
            self._pending = True

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._pending and self._vault is not None and self._child_id is not None:
            self._request()

    def refresh(self) -> None:
        """Re-read after a change (a new report, a merge decision)."""
        if self._child_id is not None:
            self._request()

    def _request(self) -> None:
        self._pending = False
        vault, child_id, previous = self._vault, self._child_id, self._data
        assert vault is not None and child_id is not None
        self._generation += 1
        generation = self._generation
        self.busy.setVisible(True)
        workers.run_in_background(
            lambda: _load(vault, child_id, previous),
            lambda data: self._loaded(generation, data),
            lambda exc: self._failed(generation, exc),
            parent=self,
            freeze_gc=True,
        )

    def _loaded(self, generation: int, data: _Loaded) -> None:
        if generation != self._generation or self._vault is None or self._child_id is None:
            return  # cleared (locked) or another child asked for meanwhile
        self.busy.setVisible(False)
        self._data = data
        self._show()
        self.loaded.emit()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.busy.setVisible(False)
        report(self, self.tr("Cannot show the connections"), exc)

    def clear(self) -> None:
        """Forget every name and link (on lock)."""
        self._generation += 1
        self._vault = None
        self._child_id = None
        self._data = None
        self._pending = False
        self.busy.setVisible(False)
        self._clear_views()
        self.summary.setText(self.tr("Open a child to see who and what links them to others."))

    def _clear_views(self) -> None:
        self.connections = None
        self.suggestions = []
        self.tree.clear()
        self.children_tree.clear()
        self._set_cards([])
        self._set_rescreen([])

    # -- showing -----------------------------------------------------------------------------
    def label_of(self, child_id: str) -> str:
        return label_of(self._data.labels if self._data else {}, child_id)

    def _names(self, child_ids: Iterable[str]) -> str:
        return names(self._data.labels if self._data else {}, child_ids)

    def _show(self) -> None:
        data = self._data
        child_id = self._child_id
        assert data is not None and child_id is not None and data.conn is not None
        conn = data.conn
        self.connections = conn
        self.tree.setUpdatesEnabled(False)
        self.children_tree.setUpdatesEnabled(False)
        try:
            self.tree.clear()
            self.children_tree.clear()
            self._fill_tree(data.groups)
            self._fill_children(data.children)
        finally:
            self.tree.setUpdatesEnabled(True)
            self.children_tree.setUpdatesEnabled(True)
        self.suggestions = data.suggestions
        self._set_cards(self.suggestions, data.card_others)
        self._set_rescreen(list(data.rescreen))
        n_children = len(conn.connected_children)
        if not conn.links:
            self.summary.setText(self.tr("No intelligence reports link this child to anything."))
        elif not n_children:
            self.summary.setText(
                self.tr("{n} linked through the reports; no other child shares them.").format(
                    n=len(conn.links)
                )
            )
        else:
            self.summary.setText(
                self.tr(
                    "{n} linked through the reports; {shared} of them shared with {c} other "
                    "children."
                ).format(n=len(conn.links), shared=len(conn.shared), c=n_children)
            )

    def _set_rescreen(self, links: list[intel.EntityLink]) -> None:
        self.rescreen_links = links
        if not links:
            self.rescreen.setVisible(False)
            self.rescreen_label.clear()
            return
        kinds = {
            "person": self.tr("the adult"),
            "vehicle": self.tr("the vehicle"),
            "location": self.tr("the place"),
        }
        parts = [
            self.tr("{what} '{name}' (in the intelligence about {n} other children)").format(
                what=kinds.get(link.kind, link.kind),
                name=link.display,
                n=len(link.other_child_ids),
            )
            for link in links[:3]
        ]
        more = len(links) - 3
        text = self.tr("⚠ Re-screen this child: linked to {things}.").format(
            things="; ".join(parts)
        )
        if more > 0:
            text += " " + self.tr("And {n} more.").format(n=more)
        self.rescreen_label.setText(text)
        self.rescreen.setVisible(True)

    def _rescreen_clicked(self) -> None:
        if self._child_id is not None:
            self.rescreen_requested.emit(self._child_id)

    def _fill_tree(self, groups: Iterable[LinkGroup]) -> None:
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for g in groups:
            group = QTreeWidgetItem([g.title])
            group.setFont(0, bold)
            group.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(group)
            items = []
            for row in g.rows:
                item = QTreeWidgetItem([row.display, row.count, row.others])
                item.setData(0, Qt.ItemDataRole.AccessibleTextRole, row.display)
                item.setData(0, LINK_ROLE, row.link)
                item.setToolTip(0, row.display)
                item.setToolTip(2, row.others)
                # The children and reports under it are made when it is opened: a well-known
                # car can link hundreds of children, and most rows are never opened.
                item.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
                items.append(item)
            group.addChildren(items)
            group.setExpanded(True)

    def _expanded(self, item: QTreeWidgetItem) -> None:
        link = item.data(0, LINK_ROLE)
        if not isinstance(link, intel.EntityLink) or item.childCount():
            return
        subs = []
        for other in sorted(link.other_child_ids, key=self.label_of):
            sub = QTreeWidgetItem([self.tr("Child: {name}").format(name=self.label_of(other))])
            sub.setData(0, CHILD_ROLE, other)
            subs.append(sub)
        for report_id in sorted(link.child_report_ids):
            ref = self._vault.intel.ref_of(report_id) if self._vault else report_id
            sub = QTreeWidgetItem([self.tr("Report {ref}").format(ref=ref)])
            sub.setData(0, REPORT_ROLE, report_id)
            subs.append(sub)
        item.addChildren(subs)
        item.setChildIndicatorPolicy(
            QTreeWidgetItem.ChildIndicatorPolicy.DontShowIndicatorWhenChildless
        )

    def _fill_children(self, lines: Iterable[ChildLine]) -> None:
        items = []
        for line in lines:
            item = QTreeWidgetItem([line.label, line.through])
            item.setData(0, CHILD_ROLE, line.child_id)
            item.setToolTip(1, line.through)
            items.append(item)
        self.children_tree.addTopLevelItems(items)

    def _set_cards(self, suggestions: list[Suggestion], others: Iterable[str] = ()) -> None:
        for card in self.cards:
            self._cards_layout.removeWidget(card)  # never setParent(None): see ChecksPanel
            card.hide()
            card.deleteLater()
        self.cards = []
        linked = list(others)  # made on the pool thread with the suggestions
        for n, s in enumerate(suggestions):
            if n < len(linked):
                text = linked[n]
            else:
                text = self._names(s.b_children) if s.b_children else self.tr("no child")
            card = SuggestionCard(s, text, self._cards_box)
            card.confirm_button.clicked.connect(lambda _=False, x=s: self.decide(x, "confirmed"))
            card.reject_button.clicked.connect(lambda _=False, x=s: self.decide(x, "rejected"))
            self._cards_layout.insertWidget(self._cards_layout.count() - 1, card)
            card.show()
            self.cards.append(card)
        self.no_matches.setVisible(not suggestions)

    # -- actions -----------------------------------------------------------------------------
    def decide(self, suggestion: Suggestion, decision: str) -> bool:
        """Record a person's decision on a possible match, then refresh the links."""
        if self._vault is None:
            return False
        if decision == "confirmed" and not dialogs.confirm(
            self,
            self.tr("Confirm the match"),
            self.tr(
                "Treat {a} and {b} as the same? The children linked to either will be shown "
                "as connected."
            ).format(a=suggestion.a_display, b=suggestion.b_display),
            self.tr("&Same"),
            self.tr("&Cancel"),
        ):
            return False
        try:
            self._vault.intel.decide_merge(suggestion.a_key, suggestion.b_key, decision)
        except UserError as exc:
            report(self, self.tr("Decision not recorded"), exc)
            return False
        self.suggestions = [s for s in self.suggestions if s != suggestion]
        self._set_cards(self.suggestions)
        self.changed.emit()
        self.refresh()
        return True

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        child_id = item.data(0, CHILD_ROLE)
        if child_id:
            if self._data is not None and child_id in self._data.labels:
                self.open_child.emit(child_id)
            return
        report_id = item.data(0, REPORT_ROLE)
        if report_id:
            self.open_report.emit(report_id)

    # -- for tests and the screen reader summary ------------------------------------------
    def linked_child_labels(self) -> list[str]:
        items = (
            self.children_tree.topLevelItem(i)
            for i in range(self.children_tree.topLevelItemCount())
        )
        return [item.text(0) for item in items if item is not None]

    def link_rows(self) -> list[tuple[str, str, str]]:
        """(kind group, display, also linked to) for every entity shown."""
        out = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            if group is None:
                continue
            for i in range(group.childCount()):
                item = group.child(i)
                if item is not None:
                    out.append((group.text(0), item.text(0), item.text(2)))
        return out


__all__ = [
    "KIND_GROUPS",
    "MAX_NAMES_INLINE",
    "ConnectionsView",
    "Loaded",
    "Suggestion",
    "_Loaded",
    "_load",
    "possible_matches",
]
