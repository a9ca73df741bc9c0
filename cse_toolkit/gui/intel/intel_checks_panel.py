"""The live quality checks of an intelligence report, one card per warning.

Each card shows the check's title and plain message, a button naming what it refers to ("Go to
fact 2", "Go to item 1") that selects it in the editor, and an "Override…" button. Overridden
warnings stay listed, marked as overridden with who, when and the reason: nothing is silent.

The panel only shows; the editor decides. Signals:

* ``go_to(str)``: the warning's ``ref`` (``"report"``, ``"fact:<i>"``, ``"entity:<i>"``);
* ``override_requested(object)``: the :class:`~cse_toolkit.core.intelligence.QualityWarning`.

Cards are rebuilt only when the set of warnings changes (not on every keystroke), and focus that
was on a card comes back to the same place in the new list.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core import intelligence as intel
from cse_toolkit.core.clock import parse_utc
from cse_toolkit.gui.common.widgets import local_text

# The stop and warning colours are alarms and must read the same in light and dark themes, so
# they are fixed; everything else comes from the palette (see ui/app.qss).
STOP_COLOUR = "#b00020"
WARNING_COLOUR = "#b35c00"
DONE_COLOUR = "#6b6b6b"


def ref_label(ref: str) -> str:
    """What a warning refers to, counting from 1 like the messages do."""
    kind, _, index = ref.partition(":")
    if kind == "fact":
        return f"fact {int(index) + 1}"
    if kind == "entity":
        return f"item {int(index) + 1}"
    return "the report"


class WarningCard(QFrame):
    def __init__(self, warning: intel.QualityWarning, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.warning = warning
        self.setObjectName("warningCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        info = intel.CHECKS[warning.check_id]
        if warning.override is not None:
            colour, state = DONE_COLOUR, self.tr("Overridden")
        elif warning.severity == "stop":
            colour, state = STOP_COLOUR, self.tr("Stop")
        else:
            colour, state = WARNING_COLOUR, self.tr("Warning")
        self.setStyleSheet(
            f"QFrame#warningCard {{ border: 1px solid palette(mid); "
            f"border-left: 5px solid {colour}; border-radius: 3px; }}"
        )
        self.title = QLabel(f"{state}: {self.tr(info.title)}")
        font = QFont(self.title.font())
        font.setBold(True)
        self.title.setFont(font)
        self.title.setStyleSheet(f"color: {colour};")
        self.title.setWordWrap(True)
        self.message = QLabel(warning.message)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        self.override_label: QLabel | None = None
        if warning.override is not None:
            ov = warning.override
            when = local_text(parse_utc(ov.at))
            self.override_label = QLabel(
                self.tr("Overridden by {by} on {when}. Reason: {reason}").format(
                    by=ov.by, when=when, reason=ov.reason
                )
            )
            self.override_label.setWordWrap(True)
            self.override_label.setAccessibleName(self.tr("Override reason"))
            layout.addWidget(self.override_label)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        target = ref_label(warning.ref)
        self.go_button = QPushButton(self.tr("Go to {target}").format(target=target))
        self.go_button.setAccessibleName(
            self.tr("Go to {target}: {title}").format(target=target, title=info.title)
        )
        self.go_button.setToolTip(self.tr("Select what this warning is about"))
        buttons.addWidget(self.go_button)
        buttons.addStretch(1)
        self.override_button = QPushButton(self.tr("Override…"))
        self.override_button.setAccessibleName(
            self.tr("Override: {title}").format(title=info.title)
        )
        self.override_button.setToolTip(
            self.tr(
                "Go ahead despite this warning; you will be asked for the reason, which is "
                "kept with the report"
            )
        )
        buttons.addWidget(self.override_button)
        layout.addLayout(buttons)
        self.go_button.setVisible(warning.ref != "report")  # nothing to go to
        # Only once it has a parent: showing a parentless button opens it as a window, which
        # takes activation (and the keyboard) away from the editor.
        self.override_button.setVisible(warning.override is None)
        self.setAccessibleName(f"{state}: {info.title}")
        self.setAccessibleDescription(warning.message)


class ChecksPanel(QWidget):
    go_to = Signal(str)
    override_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Quality checks"))
        self.summary = QLabel()
        self.summary.setAccessibleName(self.tr("Quality checks summary"))
        self.summary.setWordWrap(True)
        self._list = QWidget()
        self._list_layout = QVBoxLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 4, 0)
        self._list_layout.setSpacing(6)
        self._list_layout.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(self._list)
        self.scroll_area.setAccessibleName(self.tr("Warnings"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.scroll_area, 1)
        self.cards: list[WarningCard] = []
        self._signature: tuple[object, ...] | None = None
        self.set_warnings([])

    def set_warnings(self, warnings: Sequence[intel.QualityWarning]) -> bool:
        """Show ``warnings`` (stops first, then open warnings, then overridden ones);
        returns True when the cards were rebuilt."""
        warnings = sorted(warnings, key=lambda w: (w.override is not None, w.severity != "stop"))
        signature = tuple(
            (w.fingerprint, w.ref, w.message, w.override.at if w.override else None)
            for w in warnings
        )
        if signature == self._signature:
            return False
        self._signature = signature
        focus_index = self._focused_card()
        for card in self.cards:
            # Never setParent(None): that makes the card a window for a moment, and creating
            # or re-parenting a window takes activation (and the keyboard) from this one.
            self._list_layout.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        for warning in warnings:
            card = WarningCard(warning, self._list)
            card.go_button.clicked.connect(lambda _=False, ref=warning.ref: self.go_to.emit(ref))
            card.override_button.clicked.connect(
                lambda _=False, w=warning: self.override_requested.emit(w)
            )
            self._list_layout.insertWidget(self._list_layout.count() - 1, card)
            card.show()  # at once, not on the next event loop turn (screen readers, tests)
            self.cards.append(card)
        open_ = sum(1 for w in warnings if w.blocking)
        done = len(warnings) - open_
        if not warnings:
            self.summary.setText(self.tr("No warnings. Check the facts read clearly."))
        else:
            parts = [self.tr("{n} to fix or override").format(n=open_)]
            if done:
                parts.append(self.tr("{n} overridden").format(n=done))
            self.summary.setText(", ".join(parts) + ".")
        if focus_index is not None and self.cards:
            card = self.cards[min(focus_index, len(self.cards) - 1)]
            target = card.override_button if card.override_button.isVisible() else card.go_button
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _focused_card(self) -> int | None:
        for i, card in enumerate(self.cards):
            if card.go_button.hasFocus() or card.override_button.hasFocus():
                return i
        return None

    def card_for(self, check_id: str, ref: str | None = None) -> WarningCard | None:
        for card in self.cards:
            if card.warning.check_id == check_id and (ref is None or card.warning.ref == ref):
                return card
        return None

    def focus_first(self) -> None:
        for card in self.cards:
            if card.warning.blocking:
                card.override_button.setFocus(Qt.FocusReason.ShortcutFocusReason)
                self.scroll_area.ensureWidgetVisible(card)
                return
        self.scroll_area.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def clear(self) -> None:
        self._signature = None
        self.set_warnings([])
