"""What the DSL pages share: a page that only a DSL can use, and date-range controls.

The main window hides the DSL pages from other roles (``add_page(..., roles=("dsl",))``); the
pages refuse as well, in case one is handed a worker's or an admin's vault: they show why and
load nothing. The vault refuses too (``vault.require("dsl")``), so a mistake in the window
still cannot show a record.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

DSL_ROLE = "dsl"


class DslPage(QWidget):
    """Base for the DSL pages: ``body`` holds the page; ``refusal`` replaces it for other roles."""

    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault: Vault | None = None
        self.refusal = QLabel(
            self.tr(
                "Only a designated safeguarding lead can use this page. You are signed in as a "
                "{role}."
            )
        )
        self.refusal.setWordWrap(True)
        self.refusal.setAccessibleName(self.tr("Not available"))
        self.body = QWidget()
        self._stack = QStackedWidget()
        self._stack.addWidget(self.body)
        self._stack.addWidget(self.refusal)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)

    @property
    def vault(self) -> Any:
        return self._vault

    @property
    def refused(self) -> bool:
        return self._stack.currentWidget() is self.refusal

    def set_vault(self, vault: Vault) -> None:
        self.clear()
        role = vault.user.role
        if role != DSL_ROLE:
            self._vault = None
            self.refusal.setText(
                self.tr(
                    "Only a designated safeguarding lead can use this page. You are signed in as "
                    "a {role}."
                ).format(role=role)
            )
            self._stack.setCurrentWidget(self.refusal)
            return
        self._vault = vault
        self._stack.setCurrentWidget(self.body)
        self.reload()

    def reload(self) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError

    def clear(self) -> None:
        self._vault = None


class DateRange(QWidget):
    """ "All dates" or a from/to range (inclusive days), keyboard-reachable."""

    changed = Signal()

    def __init__(self, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.all_dates = QCheckBox(self.tr("&All dates"))
        self.all_dates.setChecked(True)
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit, name in ((self.date_from, self.tr("From")), (self.date_to, self.tr("To"))):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setAccessibleName(name)
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.set_today(today)
        self.all_dates.toggled.connect(self._toggled)
        from_label = QLabel(self.tr("&From"))
        from_label.setBuddy(self.date_from)
        to_label = QLabel(self.tr("T&o"))
        to_label.setBuddy(self.date_to)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.all_dates)
        row.addWidget(from_label)
        row.addWidget(self.date_from)
        row.addWidget(to_label)
        row.addWidget(self.date_to)

    def set_today(self, today: date) -> None:
        start = date(today.year - 1, today.month, 1)  # the last twelve months and a bit
        self.date_from.setDate(QDate(start.year, start.month, start.day))
        self.date_to.setDate(QDate(today.year, today.month, today.day))

    def _toggled(self, on: bool) -> None:
        self.date_from.setEnabled(not on)
        self.date_to.setEnabled(not on)
        self.changed.emit()

    def set_range(self, date_from: date | None, date_to: date | None) -> None:
        self.blockSignals(True)
        if date_from:
            self.date_from.setDate(QDate(date_from.year, date_from.month, date_from.day))
        if date_to:
            self.date_to.setDate(QDate(date_to.year, date_to.month, date_to.day))
        self.blockSignals(False)
        self.all_dates.setChecked(date_from is None and date_to is None)

    def value(self) -> tuple[date | None, date | None]:
        if self.all_dates.isChecked():
            return None, None
        f, t = self.date_from.date(), self.date_to.date()
        return date(f.year(), f.month(), f.day()), date(t.year(), t.month(), t.day())
