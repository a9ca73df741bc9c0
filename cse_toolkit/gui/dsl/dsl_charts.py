"""Simple, accessible bar charts drawn with QPainter, each with a table to switch to.

Why not QtCharts: it lives in PySide6-Addons (a second, much larger wheel) and is deprecated
in Qt 6 in favour of QtGraphs; the dashboard needs only horizontal bars, which a small painter
draws crisply at any scale, in the palette's colours, with every value printed beside its bar
(no reading values off an axis). Each chart carries a text alternative: its accessible
description lists every value, and "Show as table" swaps the chart for a plain table a screen
reader can walk cell by cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

# Colour-blind-safe series colours (Okabe-Ito hues, darkened to 3:1 or more on a white page:
# tests/gui/test_contrast.py), and a pattern for each series so colour is never the only cue
# (the legend shows the same pattern).
SERIES_COLOURS = ("#0b5394", "#b84a00", "#00795a", "#a3427f", "#8a6100", "#1f6f9e")
SERIES_PATTERNS = (
    Qt.BrushStyle.NoBrush,
    Qt.BrushStyle.BDiagPattern,
    Qt.BrushStyle.CrossPattern,
    Qt.BrushStyle.FDiagPattern,
    Qt.BrushStyle.Dense5Pattern,
    Qt.BrushStyle.DiagCrossPattern,
)


def _fill_series(p: QPainter, rect: QRectF, series: int) -> None:
    p.fillRect(rect, QColor(SERIES_COLOURS[series % len(SERIES_COLOURS)]))
    pattern = SERIES_PATTERNS[series % len(SERIES_PATTERNS)]
    if pattern != Qt.BrushStyle.NoBrush:
        p.fillRect(rect, QBrush(QColor("#ffffff"), pattern))


class BarChart(QWidget):
    """Horizontal bars: one row per category, one bar per series, the value at the bar's end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._categories: list[str] = []
        self._series: list[str] = []
        self._values: list[list[int]] = []
        self._empty_text = self.tr("Nothing recorded for this period.")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def set_data(
        self,
        categories: Sequence[str],
        values: Sequence[Sequence[int]],
        series: Sequence[str] = (),
    ) -> None:
        self._categories = list(categories)
        self._values = [list(v) for v in values]
        self._series = list(series) or [""]
        self.setFixedHeight(self.sizeHint().height())
        self.updateGeometry()
        self.update()

    def text_alternative(self) -> str:
        if not self._categories:
            return self._empty_text
        parts = []
        for cat, vals in zip(self._categories, self._values, strict=True):
            if len(self._series) > 1:
                inner = ", ".join(f"{s} {v}" for s, v in zip(self._series, vals, strict=True))
                parts.append(f"{cat}: {inner}")
            else:
                parts.append(f"{cat}: {vals[0]}")
        return "; ".join(parts) + "."

    def _row_height(self) -> int:
        fm = QFontMetrics(self.font())
        return max(fm.height() + 6, len(self._series) * (fm.height() - 2) + 8)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        fm = QFontMetrics(self.font())
        legend = fm.height() + 8 if len(self._series) > 1 else 0
        rows = max(1, len(self._categories))
        return QSize(360, legend + rows * self._row_height() + 8)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text = pal.windowText().color()
        fm = QFontMetrics(self.font())
        if not self._categories:
            p.setPen(text)
            p.drawText(
                self.rect(),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                self._empty_text,
            )
            return
        top = 4
        if len(self._series) > 1:
            x = 0
            for i, name in enumerate(self._series):
                _fill_series(p, QRectF(x, top + 2, 14, fm.height() - 4), i)
                p.setPen(text)
                p.drawText(x + 16, top + fm.ascent(), name)
                x += 16 + fm.horizontalAdvance(name) + 16
            top += fm.height() + 8
        label_w = min(
            max(fm.horizontalAdvance(c) for c in self._categories) + 12, int(self.width() * 0.45)
        )
        biggest = max((v for row in self._values for v in row), default=0) or 1
        value_w = fm.horizontalAdvance(f"{biggest:,}") + 10
        bar_area = max(10, self.width() - label_w - value_w - 4)
        row_h = self._row_height()
        n = len(self._series)
        bar_h = max(4, (row_h - 6) // n)
        for r, (cat, vals) in enumerate(zip(self._categories, self._values, strict=True)):
            y = top + r * row_h
            p.setPen(text)
            shown = fm.elidedText(cat, Qt.TextElideMode.ElideRight, label_w - 8)
            p.drawText(
                QRectF(0, y, label_w - 8, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                shown,
            )
            for s, v in enumerate(vals):
                by = y + 3 + s * bar_h
                w = bar_area * v / biggest
                _fill_series(p, QRectF(label_w, by, max(w, 1 if v else 0), bar_h - 1), s)
                p.setPen(text)
                p.drawText(
                    QRectF(label_w + w + 4, by, value_w, bar_h),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    f"{v:,}",
                )
        p.end()


class ChartPanel(QWidget):
    """A titled chart with a "Show as table" toggle; the table is the text alternative."""

    def __init__(self, title: str, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._headers = list(headers)
        self.heading = QLabel(title)
        bold = self.heading.font()
        bold.setBold(True)
        self.heading.setFont(bold)
        self.heading.setAccessibleName(title)
        self.toggle = QToolButton()
        self.toggle.setText(self.tr("Show as &table"))
        self.toggle.setCheckable(True)
        self.toggle.setAccessibleName(self.tr("Show {title} as a table").format(title=title))
        self.toggle.toggled.connect(self._toggled)
        self.chart = BarChart()
        self.chart.setAccessibleName(title)
        self.table = QTableWidget()
        self.table.setAccessibleName(self.tr("{title} (table)").format(title=title))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move inside
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.chart)
        self.stack.addWidget(self.table)
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        head = QHBoxLayout()
        head.addWidget(self.heading, 1)
        head.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        layout.addLayout(head)
        layout.addWidget(self.stack)

    def _toggled(self, on: bool) -> None:
        self.stack.setCurrentWidget(self.table if on else self.chart)
        self.toggle.setText(self.tr("Show as &chart") if on else self.tr("Show as &table"))
        self.stack.setFixedHeight((self.table if on else self.chart).sizeHint().height())

    def set_data(
        self,
        categories: Sequence[str],
        values: Sequence[Sequence[int]],
        series: Sequence[str] = (),
    ) -> None:
        self.chart.set_data(categories, values, series)
        self.chart.setAccessibleDescription(self.chart.text_alternative())
        self.setToolTip(self.chart.text_alternative())
        self.table.clear()
        headers = [self._headers[0], *series] if series else self._headers
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(categories))
        for r, (cat, vals) in enumerate(zip(categories, values, strict=True)):
            self.table.setItem(r, 0, QTableWidgetItem(cat))
            for c, v in enumerate(vals, start=1):
                item = QTableWidgetItem(f"{v:,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        height = (
            self.table.horizontalHeader().height()
            + 4
            + sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        )
        self.table.setFixedHeight(min(height, 400))
        self._toggled(self.toggle.isChecked())

    def clear(self) -> None:
        self.set_data([], [])
