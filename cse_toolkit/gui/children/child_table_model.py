"""The child list as a Qt table model over plain rows, and its filter proxy.

Rows come from ``repos.child_rows()`` (one query, no per-child work) and are turned into
``ChildRow`` tuples once, so ``data()`` only indexes into a list. The "next step" and "due"
columns come from a provider the pathway engine supplies
(``ChildTableModel.set_next_step_provider``); without one they are hidden and the level column
says "Not screened yet" for children with no confirmed level. Nothing is invented.

Sorting is done by the source model with a Python key (fast for 10,000 rows); the proxy only
filters, on a precomputed lower-case search text per row, so typing in the filter box stays
instant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from cse_toolkit.core import catalogue
from cse_toolkit.core.clock import Clock

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3

NAME, REF, AGE, LEVEL, NEXT_STEP, DUE, PRIORITY = range(7)
COLUMNS = 7
NO_RANK = 9  # no urgency worked out yet (no pathway provider, or still loading)

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class NextStep:
    """What the pathway says comes next for a child, and by when (None: no due date)."""

    text: str
    due: date | None = None
    # Risk first (core.urgency): 0 immediate danger, 1 overdue on a high level, 2 new high,
    # 3 the rest; ``flag`` says it in words; ``action_now`` is the "needs action now" filter.
    rank: int = NO_RANK
    flag: str = ""
    action_now: bool = False
    due_at: datetime | None = None


# (vault, child ids) -> {child id: NextStep}; children missing from the mapping show nothing.
NextStepProvider = Callable[[Any, Sequence[str]], Mapping[str, NextStep]]


@dataclass(slots=True)
class ChildRow:
    id: str
    ref: str
    label: str
    age: int | None
    age_is_approx: bool
    level: str | None
    next_step: str
    due: date | None
    search: str
    visible: bool = True  # set by ChildFilterProxy: the filter's answer for this row
    rank: int = NO_RANK
    flag: str = ""
    action_now: bool = False
    due_at: datetime | None = None

    def urgency_key(self) -> tuple[int, datetime, str]:
        return (self.rank, self.due_at or _FAR, self.search)

    @property
    def age_text(self) -> str:
        if self.age is None:
            return ""
        return f"~{self.age}" if self.age_is_approx else str(self.age)


def _age(dob: str | None, approx: int | None, approx_on: str | None, today: date) -> int | None:
    # ISO dates compared as text: this runs 10,000 times when the list loads.
    if dob:
        years = today.year - int(dob[:4])
        if today.isoformat()[5:] < dob[5:10]:
            years -= 1
        return years
    if approx is not None:
        if not approx_on:
            return approx
        return approx + max(0, (today - date.fromisoformat(approx_on)).days // 365)
    return None


def rows_from_db(
    raw: Sequence[Sequence[Any]], today: date, steps: Mapping[str, NextStep] | None = None
) -> list[ChildRow]:
    """``repos.child_rows()`` output -> ChildRow, sorted by name (case-insensitive)."""
    out: list[ChildRow] = []
    steps = steps or {}
    ages: dict[tuple[Any, Any, Any], int | None] = {}
    for cid, ref, name, alias, dob, approx, approx_on, level, *_ in raw:
        label = f"{name} ({alias})" if name and alias else name or alias or ref
        key = (dob, approx, approx_on)
        age = ages.get(key, -1)
        if age == -1:
            age = ages[key] = _age(dob, approx, approx_on, today)
        step = steps.get(cid)
        text, due = (step.text, step.due) if step else ("", None)
        row = ChildRow(
            cid,
            ref,
            label,
            age,
            not dob and approx is not None,
            level,
            text,
            due,
            f"{label}\t{ref}\t{level or ''}\t{text}".casefold(),
        )
        if step:
            _apply_step(row, step)
        out.append(row)
    out.sort(key=lambda r: r.search)
    return out


class ChildTableModel(QAbstractTableModel):
    def __init__(self, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._rows: list[ChildRow] = []
        self._has_steps = False
        self._bold = QFont()
        self._bold.setBold(True)
        self._headers = [
            self.tr("Name or alias"),
            self.tr("Ref"),
            self.tr("Age"),
            self.tr("Confirmed level"),
            self.tr("Next step"),
            self.tr("Due"),
            self.tr("Priority"),
        ]

    # -- contents -----------------------------------------------------------------------
    def set_rows(self, rows: list[ChildRow], *, has_steps: bool) -> None:
        self.beginResetModel()
        self._rows = rows
        self._has_steps = has_steps
        self.endResetModel()

    def set_steps(self, steps: Mapping[str, NextStep]) -> None:
        """Fill in the next step and due date once the pathway engine has worked them out."""
        for r in self._rows:
            step = steps.get(r.id)
            if step:
                _apply_step(r, step)
            else:
                r.next_step, r.due, r.rank, r.flag, r.action_now, r.due_at = (
                    "",
                    None,
                    NO_RANK,
                    "",
                    False,
                    None,
                )
                r.search = f"{r.label}\t{r.ref}\t{r.level or ''}".casefold()
        if self._rows:
            self.dataChanged.emit(
                self.index(0, NEXT_STEP), self.index(len(self._rows) - 1, PRIORITY)
            )

    def clear(self) -> None:
        self.set_rows([], has_steps=self._has_steps)

    @property
    def has_steps(self) -> bool:
        return self._has_steps

    def rows(self) -> list[ChildRow]:
        return self._rows

    def row_at(self, row: int) -> ChildRow:
        return self._rows[row]

    def row_of(self, child_id: str) -> int:
        for i, r in enumerate(self._rows):
            if r.id == child_id:
                return i
        return -1

    # -- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else COLUMNS

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < COLUMNS:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        if not 0 <= row < len(self._rows):
            return None
        r = self._rows[row]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, col)
        if role == SEARCH_ROLE:
            return r.search
        if role == ID_ROLE:
            return r.id
        if role == Qt.ItemDataRole.ToolTipRole and col == DUE and r.due is not None:
            return self._due_text(r)
        if role == Qt.ItemDataRole.ToolTipRole and col == PRIORITY and r.flag:
            return r.flag
        if role == Qt.ItemDataRole.FontRole and (
            (col == DUE and self._overdue(r)) or (col == PRIORITY and r.rank <= 1)
        ):
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and col == PRIORITY and r.rank <= 1:
            return _URGENT_FG
        if role == Qt.ItemDataRole.BackgroundRole and col == PRIORITY and r.rank == 0:
            return _DANGER_BG
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._display(r, col)
        return None

    def _display(self, r: ChildRow, col: int) -> str:
        if col == NAME:
            return r.label
        if col == REF:
            return r.ref
        if col == AGE:
            return r.age_text
        if col == LEVEL:
            return catalogue.level_label(r.level) or self.tr("Not screened yet")
        if col == NEXT_STEP:
            return r.next_step
        if col == DUE:
            return self._due_text(r)
        if col == PRIORITY:
            return r.flag
        return ""

    def _overdue(self, r: ChildRow) -> bool:
        return r.due is not None and r.due < self._clock.now().date()

    def _due_text(self, r: ChildRow) -> str:
        if r.due is None:
            return ""
        when = r.due.strftime("%d/%m/%Y")
        if self._overdue(r):
            return self.tr("Overdue since {date}").format(date=when)
        return when

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # Each key returns None for "not known"; those rows go last in either direction.
        keys: dict[int, Callable[[ChildRow], Any]] = {
            NAME: lambda r: r.search,
            REF: lambda r: r.ref,
            AGE: lambda r: r.age,
            LEVEL: lambda r: _LEVEL_ORDER.get(r.level or ""),
            NEXT_STEP: lambda r: r.next_step.casefold() or None,
            DUE: lambda r: r.due,
            PRIORITY: lambda r: r.urgency_key(),
        }
        key = keys.get(column)
        if key is None:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        ids = [self._rows[i.row()].id for i in old]
        # Each row's key once (three times per row cost 0.6-1.8 s of GUI thread on 10,000
        # children under load: bench/run_bench.py).
        keyed = [(key(r), r) for r in self._rows]
        known = [kr for kr in keyed if kr[0] is not None]
        unknown = [r for k, r in keyed if k is None]
        known.sort(key=lambda kr: kr[0], reverse=order == Qt.SortOrder.DescendingOrder)
        # In place: the filter proxy holds this list and reads each row's ``visible`` flag.
        self._rows[:] = [r for _k, r in known] + unknown
        where = {r.id: n for n, r in enumerate(self._rows)}
        self.changePersistentIndexList(
            old, [self.index(where[cid], i.column()) for cid, i in zip(ids, old, strict=True)]
        )
        self.layoutChanged.emit()


_LEVEL_ORDER = {"none": 0, "low": 1, "medium": 2, "high": 3, "immediate": 4}
_FAR = datetime.max.replace(tzinfo=UTC)
_URGENT_FG = QBrush(QColor("#9b1c1c"))
_DANGER_BG = QBrush(QColor("#fde8e8"))


def _apply_step(row: ChildRow, step: NextStep) -> None:
    row.next_step, row.due = step.text, step.due
    row.rank, row.flag, row.action_now, row.due_at = (
        step.rank,
        step.flag,
        step.action_now,
        step.due_at,
    )
    row.search = (
        f"{row.label}\t{row.ref}\t{row.level or ''}\t{row.next_step}\t{row.flag}".casefold()
    )


class ChildFilterProxy(QSortFilterProxyModel):
    """Instant filter over the child list; sorting is delegated to the source model.

    The match is worked out in one Python pass over the rows' precomputed search text (all
    words must appear, in any order) and kept on each row; ``filterAcceptsRow`` only reads it. Asking
    the source model's ``data()`` per row from C++ took ~300 ms for 10,000 children; this takes
    a few tens of milliseconds.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(False)
        self._filtering = False
        self._rows: list[ChildRow] = []
        self._text = ""
        self._action_only = False

    @property
    def action_only(self) -> bool:
        return self._action_only

    def set_action_only(self, on: bool) -> None:
        """Show only the children who need action now (``NextStep.action_now``)."""
        self._action_only = on
        self.set_filter_text(self._text)

    @property
    def filter_text(self) -> str:
        return self._text

    def set_filter_text(self, text: str) -> None:
        self._match(text)
        # One layout change instead of beginFilterChange/endFilterChange: the incremental
        # update emits a rowsRemoved/rowsInserted pair per run of hidden rows, which for a
        # scattered match over 10,000 children costs the view far more than a re-layout.
        self.invalidate()

    def prepare(self, rows: list[ChildRow]) -> None:
        """Work out the current filter on rows about to replace the source model's rows, so
        the proxy maps the new rows once (call before ``ChildTableModel.set_rows``)."""
        self._match(self._text, rows)

    def _match(self, text: str, rows: list[ChildRow] | None = None) -> None:
        self._text = text
        if rows is None:
            source = self.sourceModel()
            rows = source.rows() if isinstance(source, ChildTableModel) else []
        self._rows = rows
        words = text.casefold().split()
        self._filtering = bool(words) or self._action_only
        if len(words) == 1:
            word = words[0]
            for r in rows:
                r.visible = word in r.search
        elif words:
            for r in rows:
                r.visible = all(w in r.search for w in words)
        else:
            for r in rows:
                r.visible = True
        if self._action_only:
            for r in rows:
                r.visible = r.visible and r.action_now

    def refilter(self) -> None:
        """Re-apply the current text after the source rows changed."""
        self.set_filter_text(self._text)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:  # noqa: N802
        # Called from C++ once per row: keep it to a list index and an attribute.
        if not self._filtering:
            return True
        try:
            return self._rows[source_row].visible
        except IndexError:
            return False

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if isinstance(source, ChildTableModel):
            source.sort(column, order)
