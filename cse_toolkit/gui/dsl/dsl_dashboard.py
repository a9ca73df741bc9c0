"""The DSL's dashboard: charts of the caseload for a period, and the network-meeting summary.

Charts: children by confirmed level; by age band and gender; by school (names: this is the
DSL's own view); missing episodes per month; intelligence mentions per place; due and overdue
pathway dates. Each chart has a text alternative (accessible description and a table toggle).
"Save summary PDF" writes the anonymised one-page update where the user chooses.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.gui.common import dialogs, workers
from cse_toolkit.gui.common.changes import CASE_TOPICS, follow_changes
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.widgets import heading_label, report
from cse_toolkit.gui.dsl.dsl_charts import ChartPanel
from cse_toolkit.gui.dsl.dsl_common import DateRange, DslPage
from cse_toolkit.vault.dsl_repo import DUE_SOON_DAYS, DashboardData

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class DslDashboardPage(DslPage):
    def __init__(self, today: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.follower = follow_changes(self, CASE_TOPICS, self.reload)
        self.heading = heading_label(self.tr("Dashboard"))
        self.range = DateRange(today or date.today())
        self.apply_button = QPushButton(self.tr("Sho&w"))
        self.pdf_button = QPushButton(self.tr("Save &summary PDF…"))
        self.pdf_button.setToolTip(
            self.tr("The anonymised one-page update for a network meeting, for the dates shown")
        )
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Dashboard status"))
        self.status.setWordWrap(True)

        self.levels = ChartPanel(
            self.tr("Children by confirmed level"), [self.tr("Level"), self.tr("Children")]
        )
        self.ages = ChartPanel(
            self.tr("Children by age band and gender"),
            [self.tr("Age band"), "Female", "Male", "Other or not recorded"],
        )
        self.schools = ChartPanel(
            self.tr("Children by school"), [self.tr("School"), self.tr("Children")]
        )
        self.missing = ChartPanel(
            self.tr("Missing episodes per month"), [self.tr("Month"), self.tr("Episodes")]
        )
        self.places = ChartPanel(
            self.tr("Intelligence reports mentioning each place"),
            [self.tr("Place"), self.tr("Reports")],
        )
        self.due = ChartPanel(
            self.tr("Pathway dates overdue or due within {n} days (today)").format(n=DUE_SOON_DAYS),
            [self.tr("What"), self.tr("Overdue"), self.tr("Due soon")],
        )
        self.panels = [self.levels, self.ages, self.schools, self.missing, self.places, self.due]

        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        grid.setHorizontalSpacing(24)
        for i, panel in enumerate(self.panels):
            grid.addWidget(panel, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
        grid.setRowStretch(len(self.panels) // 2, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        scroll.setAccessibleName(self.tr("Charts"))

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.range)
        top.addWidget(self.apply_button)
        top.addWidget(self.pdf_button)
        layout = QVBoxLayout(self.body)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)

        self.apply_button.clicked.connect(self.reload)
        self.range.all_dates.toggled.connect(lambda _on: self.reload())
        self.pdf_button.clicked.connect(self.save_summary_pdf)
        self.data: DashboardData | None = None
        self._loading = self._pending = False

    def set_vault(self, vault: Vault) -> None:
        if vault.user.role == "dsl":
            self.range.set_today(vault.now().date())
        super().set_vault(vault)

    def reload(self) -> None:
        vault = self.vault
        if vault is None:
            return
        if self._loading:
            self._pending = True  # the dates changed while loading: load again when done
            return
        self._loading, self._pending = True, False
        date_from, date_to = self.range.value()
        self.status.setText(self.tr("Loading…"))
        workers.run_in_background(
            lambda: vault.dsl.dashboard(date_from, date_to), self._loaded, self._failed, parent=self
        )

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.status.setText(self.tr("The figures could not be loaded."))
        report(self, self.tr("Dashboard"), exc)

    def _loaded(self, data: DashboardData) -> None:
        self._loading = False
        if self.vault is None:
            return
        if self._pending:
            self.reload()
            return
        self.data = data
        period = (
            self.tr("all dates")
            if data.date_from is None and data.date_to is None
            else (
                self.tr("{a} to {b}").format(
                    a=data.date_from.strftime("%d/%m/%Y") if data.date_from else "…",
                    b=data.date_to.strftime("%d/%m/%Y") if data.date_to else "…",
                )
            )
        )
        self.status.setText(
            ntr(
                "DslDashboard",
                "{n} [child|children] with something recorded in {period}. Levels are each "
                "child's current confirmed level.",
                data.children,
            ).format(n=f"{data.children:,}", period=period)
        )
        self.levels.set_data([c for c, _ in data.by_level], [[n] for _, n in data.by_level])
        # A gender nobody in the period has adds only rows of zeros: leave it out of the chart.
        used = [g for g in range(len(data.genders)) if any(row[g] for row in data.age_gender)] or [
            0
        ]
        self.ages.set_data(
            data.age_bands,
            [[row[g] for g in used] for row in data.age_gender],
            [data.genders[g] for g in used],
        )
        self.schools.set_data([s for s, _ in data.by_school], [[n] for _, n in data.by_school])
        self.missing.set_data(
            [self._month(m) for m, _ in data.missing_per_month],
            [[n] for _, n in data.missing_per_month],
        )
        self.places.set_data([p for p, _ in data.hotspots], [[n] for _, n in data.hotspots])
        self.due.set_data(
            [label for label, _, _ in data.due],
            [[o, s] for _, o, s in data.due],
            [self.tr("Overdue"), self.tr("Due soon")],
        )
        self.loaded.emit()

    @staticmethod
    def _month(text: str) -> str:
        try:
            return date.fromisoformat(text + "-01").strftime("%b %Y")
        except ValueError:
            return text

    def clear(self) -> None:
        super().clear()
        self.data = None
        self._loading = self._pending = False
        self.status.clear()
        for panel in self.panels:
            panel.clear()

    def save_summary_pdf(self) -> None:
        vault = self.vault
        if vault is None:
            return
        from cse_toolkit.packs.summary_pdf import save_summary_pdf

        date_from, date_to = self.range.value()
        stamp = vault.now().date().isoformat()
        path = dialogs.save_file(
            self,
            self.tr("Save the network meeting update"),
            self.tr("PDF files (*.pdf)"),
            f"network-update-{stamp}.pdf",
        )
        if path is None:
            return
        try:
            summary = vault.dsl.summary(date_from, date_to)
            save_summary_pdf(summary, path)
            vault.dsl.record_summary("pdf", date_from, date_to)
        except Exception as exc:  # noqa: BLE001 - user errors shown, bugs reported
            report(self, self.tr("Summary PDF"), exc)
            return
        dialogs.info(
            self,
            self.tr("Summary saved"),
            self.tr(
                "The anonymised update was saved to {path}. It holds no names; numbers from 1 to 4 "
                "are shown as 'fewer than 5'."
            ).format(path=str(path)),
        )
