"""What the outcome page says about a screening's outcome: why this level, the floors that
applied, what to verify, the questions not answered, next steps and who to contact.

``fill_explanation`` writes those six columns of ``OutcomePage`` (``Explanation``) from the
tool and the outcome; its words keep the outcome page's translation context.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cse_toolkit.core.screening import Outcome
from cse_toolkit.core.tools import ANSWER_LABELS, BASIS_LABELS, WHEN_LABELS, Tool
from cse_toolkit.gui.common.pathway_widgets import contact_lines, wrap_label
from cse_toolkit.policy import Policy


def _tr(text: str) -> str:
    return QCoreApplication.translate("OutcomePage", text)


def bullet(text: str, tooltip: str = "") -> QLabel:
    label = wrap_label(f"•  {text}")
    label.setAccessibleName(text)
    if tooltip:
        label.setToolTip(tooltip)
    label.setContentsMargins(12, 0, 0, 0)
    return label


class Column(QWidget):
    """A vertical list of labels that can be emptied and refilled."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(4)

    def clear(self) -> None:
        while self.box.count():
            item = self.box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def add(self, widget: QWidget) -> QWidget:
        self.box.addWidget(widget)
        return widget

    def texts(self) -> list[str]:
        out = []
        for i in range(self.box.count()):
            item = self.box.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                out.append(widget.text())
        return out


@dataclass(frozen=True)
class Explanation:
    """The outcome page's explaining columns, top to bottom."""

    reasons: Column
    floors: Column
    verify: Column
    gaps: Column
    next_steps: Column
    contacts: Column


def fill_explanation(
    cols: Explanation, tool: Tool, outcome: Outcome, pol: Policy, moment: datetime
) -> None:
    """Write every column for ``outcome`` (each emptied first); the contacts as at ``moment``
    (the clock's now: the front door in office hours, the Emergency Duty Team out of hours)."""
    present = {a.indicator: a for a in outcome.present}
    cols.reasons.clear()
    for reason in outcome.reasons:
        cols.reasons.add(wrap_label(reason.text))
        for ind in reason.indicators:
            item = present.get(ind)
            _, indicator = tool.indicator(ind)
            cols.reasons.add(bullet(answer_text(indicator.label, item), ind))

    cols.floors.clear()
    for floor in outcome.floors_applied:
        extra = _tr(" (this raised the level)") if floor.raised else ""
        cols.floors.add(bullet(floor.text + extra, floor.rule))
    _show_block(cols.floors, bool(outcome.floors_applied), _tr("No floor applies."))

    cols.verify.clear()
    for item in outcome.to_verify:
        cols.verify.add(bullet(answer_text(item.label, item), item.indicator))
    _show_block(cols.verify, bool(outcome.to_verify), _tr("Nothing answered Possible."))

    cols.gaps.clear()
    by_section: dict[str, list[str]] = {}
    for gap in outcome.gaps:
        by_section.setdefault(gap.section, []).append(gap.label)
    for section_id, labels in by_section.items():
        title = tool.section(section_id).title
        label = wrap_label(
            _tr("{section} ({n}): {labels}.").format(
                section=title, n=len(labels), labels="; ".join(labels)
            )
        )
        label.setToolTip(", ".join(g.indicator for g in outcome.gaps if g.section == section_id))
        cols.gaps.add(label)
    _show_block(cols.gaps, bool(outcome.gaps), _tr("Every question was answered."))

    cols.next_steps.clear()
    contacts: tuple[str, ...] = ()
    ns = outcome.next_steps
    if ns is not None:
        for text in ns.text:
            cols.next_steps.add(bullet(text))
        if ns.steps:
            cols.next_steps.add(
                wrap_label(
                    _tr("Steps of the process: {steps}.").format(
                        steps=" → ".join(s.title for s in ns.steps)
                    )
                )
            )
        if ns.review_interval and not any("screen within" in t.lower() for t in ns.text):
            cols.next_steps.add(
                wrap_label(
                    _tr("Re-screen within {interval}, or sooner if anything changes.").format(
                        interval=ns.review_interval
                    )
                )
            )
        contacts = ns.contacts
    cols.contacts.clear()
    for title, text in contact_lines(pol, contacts, moment):
        label = QLabel(f"<b>{html.escape(title)}</b><br>{html.escape(text)}")
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(f"{title}: {text}")
        label.setContentsMargins(0, 0, 0, 4)
        cols.contacts.add(label)
    if not contacts:
        cols.contacts.add(wrap_label(_tr("No contacts listed for this level.")))


def _show_block(column: Column, has: bool, empty: str) -> None:
    if not has:
        column.add(wrap_label(empty))


def answer_text(label: str, item: Any) -> str:
    """An indicator with the answer given: value, basis, when, and the worker's note."""
    if item is None:
        return label
    parts = [ANSWER_LABELS.get(item.value, item.value)]
    if item.basis:
        parts.append(BASIS_LABELS.get(item.basis, item.basis).lower())
    if item.when:
        parts.append(WHEN_LABELS.get(item.when, item.when).lower())
    text = f"{label} ({', '.join(parts)})"
    if item.note:
        text += f": “{item.note}”"
    return text
