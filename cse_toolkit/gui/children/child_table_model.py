"""The child list as a Qt table model over plain rows, and its filter proxy.

Rows come from ``repos.child_rows()`` (one query, no per-child work) and are turned into
``ChildRow`` tuples once, so ``data()`` only indexes into a list. The "next step" and "due"
columns come from a provider the pathway engine supplies
(``ChildTableModel.set_next_step_provider``); without one they are hidden and the level column
says "Not screened yet" for children with no confirmed level. Nothing is invented.

Nothing per row runs on the GUI thread (issue 17: a Python ``filterAcceptsRow`` and a Python
sort over 10,000 rows stalled the window for 1-2.6 s): the rows are immutable ``ChildRow``
tuples, and the page has them filtered and sorted by :func:`arrange` on a pool thread. The model
only swaps in the result (one reset) and answers ``data()`` for the rows on screen; a click on a
column header asks the page for a new arrangement (``sort_requested``) instead of sorting here.
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
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from cse_toolkit.core import catalogue
from cse_toolkit.core.clock import Clock

SEARCH_ROLE = int(Qt.ItemDataRole.UserRole.value) + 1
ID_ROLE = int(Qt.ItemDataRole.UserRole.value) + 2
SORT_ROLE = int(Qt.ItemDataRole.UserRole.value) + 3

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


@dataclass(frozen=True, slots=True)
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
    rank: int = NO_RANK
    flag: str = ""
    action_now: bool = False
    due_at: datetime | None = None
    # The level in words (``catalogue.level_label``), worked out with the row off the GUI
    # thread: its first call reads every installed tool file (0.4 s).
    level_text: str = ""

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
    level_texts: dict[str | None, str] = {}
    for cid, ref, name, alias, dob, approx, approx_on, level, *_ in raw:
        label = f"{name} ({alias})" if name and alias else name or alias or ref
        key = (dob, approx, approx_on)
        age = ages.get(key, -1)
        if age == -1:
            age = ages[key] = _age(dob, approx, approx_on, today)
        level_text = level_texts.get(level)
        if level_text is None:
            level_text = level_texts[level] = catalogue.level_label(level) or ""
        row = ChildRow(
            cid,
            ref,
            label,
            age,
            not dob and approx is not None,
            level,
            "",
            None,
            f"{label}\t{ref}\t{level or ''}".casefold(),
            level_text=level_text,
        )
        step = steps.get(cid)
        out.append(_with_step(row, step) if step else row)
    out.sort(key=lambda r: r.search)
    return out


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """What the user asked to see: the filter words, "needs action now", the sort column."""

    text: str = ""
    action_only: bool = False
    column: int = PRIORITY
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Arranged:
    """Rows ready for the model, made on a pool thread by :func:`arrange`."""

    rows: tuple[ChildRow, ...]  # every row, by name: what later arrangements start from
    shown: tuple[ChildRow, ...]  # the rows the filter lets through, in the sort order
    where: Mapping[str, int]  # child id -> its row in ``shown``
    spec: ViewSpec


EMPTY = Arranged((), (), {}, ViewSpec())


def matches(rows: Sequence[ChildRow], text: str, action_only: bool) -> list[ChildRow]:
    """The rows whose search text holds every word of ``text`` (any order, any case)."""
    words = text.casefold().split()
    if len(words) == 1:
        word = words[0]
        out = [r for r in rows if word in r.search]
    elif words:
        out = [r for r in rows if all(w in r.search for w in words)]
    else:
        out = list(rows)
    if action_only:
        out = [r for r in out if r.action_now]
    return out


def _sort_key(column: int) -> Callable[[ChildRow], Any] | None:
    # Each key returns None for "not known"; those rows go last in either direction.
    return {
        NAME: lambda r: r.search,
        REF: lambda r: r.ref,
        AGE: lambda r: r.age,
        LEVEL: lambda r: _LEVEL_ORDER.get(r.level or ""),
        NEXT_STEP: lambda r: r.next_step.casefold() or None,
        DUE: lambda r: r.due,
        PRIORITY: lambda r: r.urgency_key(),
    }.get(column)


def sort_rows(rows: Sequence[ChildRow], column: int, descending: bool) -> list[ChildRow]:
    """Stable sort by a column, rows with no value for it last (in either direction)."""
    key = _sort_key(column)
    if key is None:
        return list(rows)
    keyed = [(key(r), r) for r in rows]  # each row's key once
    known = [kr for kr in keyed if kr[0] is not None]
    known.sort(key=lambda kr: kr[0], reverse=descending)
    return [r for _k, r in known] + [r for k, r in keyed if k is None]


def arrange(rows: Sequence[ChildRow], spec: ViewSpec) -> Arranged:
    """Filter, then sort, the rows (by name) for ``spec``. Runs on a pool thread, never on the
    GUI thread: 10,000 children take tens of milliseconds of Python."""
    shown = tuple(
        sort_rows(matches(rows, spec.text, spec.action_only), spec.column, spec.descending)
    )
    return Arranged(tuple(rows), shown, {r.id: n for n, r in enumerate(shown)}, spec)


def with_steps(rows: Sequence[ChildRow], steps: Mapping[str, NextStep]) -> list[ChildRow]:
    """The rows with the pathway's next steps filled in (a child missing from ``steps`` shows
    none). New rows: the old ones may be on screen meanwhile."""
    out = []
    for r in rows:
        step = steps.get(r.id)
        if step:
            out.append(_with_step(r, step))
        elif r.next_step or r.rank != NO_RANK:
            out.append(_with_step(r, NextStep("")))
        else:
            out.append(r)
    return out


class ChildTableModel(QAbstractTableModel):
    # A header click: the page arranges the rows on a pool thread and swaps them in.
    sort_requested = Signal(int, Qt.SortOrder)

    def __init__(self, clock: Clock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._arranged = EMPTY
        self._rows: tuple[ChildRow, ...] = ()
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
    def set_arranged(self, arranged: Arranged, *, has_steps: bool) -> None:
        """Swap in rows :func:`arrange` made: one reset, nothing per row."""
        self.beginResetModel()
        self._arranged = arranged
        self._rows = arranged.shown
        self._has_steps = has_steps
        self.endResetModel()

    def clear(self) -> None:
        self.set_arranged(EMPTY, has_steps=self._has_steps)

    @property
    def has_steps(self) -> bool:
        return self._has_steps

    @property
    def arranged(self) -> Arranged:
        return self._arranged

    def total(self) -> int:
        """Every child loaded, shown or filtered out."""
        return len(self._arranged.rows)

    def rows(self) -> tuple[ChildRow, ...]:
        """The rows shown, in order."""
        return self._rows

    def row_at(self, row: int) -> ChildRow:
        return self._rows[row]

    def row_of(self, child_id: str) -> int:
        """The row showing ``child_id``, or -1 (filtered out or not loaded)."""
        return self._arranged.where.get(child_id, -1)

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
        return _ROW_FLAGS

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Asked ~50 times per visible row at every paint: plain int roles, no enum arithmetic.
        row = index.row()
        if not 0 <= row < len(self._rows) or not index.isValid():
            return None
        r = self._rows[row]
        col = index.column()
        if role == _DISPLAY or role == _ACCESSIBLE:
            return self._display(r, col)
        if role == SEARCH_ROLE:
            return r.search
        if role == ID_ROLE:
            return r.id
        if role == _TOOLTIP:
            if col == DUE and r.due is not None:
                return self._due_text(r)
            if col == PRIORITY and r.flag:
                return r.flag
            return None
        if role == _FONT and (
            (col == DUE and self._overdue(r)) or (col == PRIORITY and r.rank <= 1)
        ):
            return self._bold
        if role == _FOREGROUND and col == PRIORITY and r.rank <= 1:
            return _URGENT_FG
        if role == _BACKGROUND and col == PRIORITY and r.rank == 0:
            return _DANGER_BG
        return None

    def _display(self, r: ChildRow, col: int) -> str:
        if col == NAME:
            return r.label
        if col == REF:
            return r.ref
        if col == AGE:
            return r.age_text
        if col == LEVEL:
            return r.level_text or self.tr("Not screened yet")
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
        # Not here: sorting 10,000 rows in Python would stall the window (see ``arrange``).
        if _sort_key(column) is not None:
            self.sort_requested.emit(column, order)


_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_LEVEL_ORDER = {"none": 0, "low": 1, "medium": 2, "high": 3, "immediate": 4}
_FAR = datetime.max.replace(tzinfo=UTC)
_URGENT_FG = QBrush(QColor("#9b1c1c"))
_DANGER_BG = QBrush(QColor("#fde8e8"))


def _with_step(row: ChildRow, step: NextStep) -> ChildRow:
    search = f"{row.label}\t{row.ref}\t{row.level or ''}"
    if step.text or step.flag:
        search += f"\t{step.text}\t{step.flag}"
    return ChildRow(
        row.id,
        row.ref,
        row.label,
        row.age,
        row.age_is_approx,
        row.level,
        step.text,
        step.due,
        search.casefold(),
        step.rank,
        step.flag,
        step.action_now,
        step.due_at,
        row.level_text,
    )
