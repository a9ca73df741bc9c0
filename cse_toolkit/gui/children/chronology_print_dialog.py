"""Print or export a child's chronology: choose the period, the kinds of entry and entries to
leave out, say what it is for, look at the pages, then print them or export an encrypted pack.

The pages are built and rendered on a pool thread (``services.chronology``, the pack renderer,
pypdfium2), shown in the app (``PagePreview``) and never written to disk. Printing goes through
the dialog seam (``dialogs.print_images``: Qt's print dialog, paper printers only); exporting
writes the same AES-256 pack as every other, into the outbox, with its password shown once.
Both are audited as disclosures with their purpose.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.entities import Child, ChronologyItem
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs, workers
from cse_toolkit.gui.common.dialog_buttons import REJECT, button_box
from cse_toolkit.gui.common.widgets import local_text, plain_tip, report
from cse_toolkit.gui.exchange.export_preview import PagePreview, render_pages
from cse_toolkit.services import chronology
from cse_toolkit.services.chronology import ENTRY_KINDS, PURPOSES, ChronologyChoice

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

PRINT_SCALE = 150 / 72  # 150 dpi on paper
KIND_WORDS = {
    "note": "Notes",
    "incident": "Incidents",
    "screening": "Screenings",
    "step": "Pathway steps",
    "missing": "Missing episodes",
    "intelligence": "Intelligence",
    "export": "Packs shared",
    "attachment": "Attachments",
}


class ChronologyPrintDialog(QDialog):
    def __init__(self, vault: Vault, child: Child, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault, self._child = vault, child
        self._items: list[ChronologyItem] = chronology.timeline(vault, child.id)
        self._pack: Any = None
        self._generation = 0
        self.setWindowTitle(
            self.tr("Print or export the chronology of {ref}").format(ref=child.ref)
        )
        self.setAccessibleName(self.tr("Print or export the chronology"))
        self.resize(1180, 760)

        self.purpose = QComboBox()
        self.purpose.setAccessibleName(self.tr("What it is for"))
        for key, words in PURPOSES.items():
            self.purpose.addItem(self.tr(words), key)
        self.from_on = QCheckBox(self.tr("&From:"))
        self.from_on.setAccessibleName(self.tr("Start the period on a date"))
        self.to_on = QCheckBox(self.tr("&To:"))
        self.to_on.setAccessibleName(self.tr("End the period on a date"))
        today = QDate.fromString(vault.now().astimezone().date().isoformat(), Qt.DateFormat.ISODate)
        first = self._items[0].at.astimezone().date().isoformat() if self._items else None
        self.from_date = self._date(self.tr("Period starts"), first, today)
        self.to_date = self._date(self.tr("Period ends"), None, today)
        self.kind_boxes: dict[str, QCheckBox] = {}
        kinds_box = QGroupBox(self.tr("Kinds of entry"))
        kinds_layout = QVBoxLayout(kinds_box)
        for kind in ENTRY_KINDS:
            box = QCheckBox(self.tr(KIND_WORDS[kind]))
            box.setAccessibleName(self.tr(KIND_WORDS[kind]))
            box.setChecked(True)
            box.toggled.connect(self._choice_changed)
            self.kind_boxes[kind] = box
            kinds_layout.addWidget(box)
        self.entries = QListWidget()
        self.entries.setAccessibleName(self.tr("Entries (untick to leave one out)"))
        self.entries.itemChanged.connect(lambda _i: self._schedule())

        period = QFormLayout()
        period.addRow(QLabel(self.tr("For:")), self.purpose)
        period.addRow(self.from_on, self.from_date)
        period.addRow(self.to_on, self.to_date)
        left = QVBoxLayout()
        left.addLayout(period)
        left.addWidget(kinds_box)
        left.addWidget(QLabel(self.tr("Entries (untick to leave one out):")))
        left.addWidget(self.entries, 1)
        left_widget = QWidget()
        left_widget.setLayout(left)
        left_widget.setFixedWidth(380)

        self.preview = PagePreview()
        self.status = QLabel(self.tr("Preparing the preview…"))
        self.status.setAccessibleName(self.tr("Preview status"))
        self.status.setWordWrap(True)
        self.preview.page_changed.connect(self._page_changed)
        right = QVBoxLayout()
        right.addWidget(self.status)
        right.addWidget(self.preview, 1)

        self.print_button = QPushButton(self.tr("&Print…"))
        self.print_button.setAccessibleName(self.tr("Print"))
        self.print_button.clicked.connect(self.print_pages)
        self.export_button = QPushButton(self.tr("&Export as encrypted pack…"))
        self.export_button.setAccessibleName(self.tr("Export as encrypted pack"))
        self.export_button.clicked.connect(self.export_pack)
        close = QPushButton(self.tr("&Close"))
        close.setAccessibleName(self.tr("Close"))
        closing = button_box((close, REJECT))
        closing.rejected.connect(self.reject)
        self.allowed = chronology.allowed(vault)
        self.policy_note = QLabel(
            self.tr(
                "Your organisation's policy does not allow printing or exporting chronologies "
                "from this laptop."
            )
        )
        self.policy_note.setVisible(not self.allowed)
        bottom = QHBoxLayout()
        bottom.addWidget(self.policy_note, 1)
        bottom.addWidget(self.print_button)
        bottom.addWidget(self.export_button)
        bottom.addWidget(closing)

        body = QHBoxLayout()
        body.addWidget(left_widget)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(bottom)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(400)
        self._timer.timeout.connect(self._start_preview)
        for signal in (
            self.purpose.currentIndexChanged,
            self.from_on.toggled,
            self.to_on.toggled,
            self.from_date.dateChanged,
            self.to_date.dateChanged,
        ):
            signal.connect(self._choice_changed)
        self.from_on.toggled.connect(self.from_date.setEnabled)
        self.to_on.toggled.connect(self.to_date.setEnabled)
        self.from_date.setEnabled(False)
        self.to_date.setEnabled(False)
        self.finished.connect(lambda _r: self.preview.clear())
        self._fill_entries()
        self._set_ready(False)
        self._start_preview()

    def _date(self, name: str, iso: str | None, today: QDate) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd/MM/yyyy")
        edit.setAccessibleName(name)
        edit.setMaximumDate(today)
        edit.setDate(QDate.fromString(iso, Qt.DateFormat.ISODate) if iso else today)
        return edit

    # -- the choice ------------------------------------------------------------------------
    def choice(self) -> ChronologyChoice:
        def day(on: QCheckBox, edit: QDateEdit) -> date | None:
            if not on.isChecked():
                return None
            return date.fromisoformat(edit.date().toString(Qt.DateFormat.ISODate))

        left_out = set()
        for row in range(self.entries.count()):
            item = self.entries.item(row)
            if item.checkState() != Qt.CheckState.Checked:
                left_out.add(str(item.data(Qt.ItemDataRole.UserRole)))
        return ChronologyChoice(
            period_from=day(self.from_on, self.from_date),
            period_to=day(self.to_on, self.to_date),
            kinds=[k for k, box in self.kind_boxes.items() if box.isChecked()],
            left_out=left_out,
            purpose=str(self.purpose.currentData()),
        )

    def _fill_entries(self) -> None:
        """The entries in the period and kinds chosen; what was unticked stays unticked."""
        choice = self.choice()
        self.entries.blockSignals(True)
        self.entries.clear()
        for item in self._items:
            if item.kind not in choice.kinds or not chronology.in_period(item, choice):
                continue
            detail = " ".join(chronology.local_times(item.detail).split())
            detail = detail if len(detail) <= 70 else detail[:67] + "…"
            line = QListWidgetItem(f"{local_text(item.at)}  {item.title}: {detail}")
            line.setToolTip(plain_tip(item.detail[:2000]))
            line.setFlags(line.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            left = item.record_id in choice.left_out
            line.setCheckState(Qt.CheckState.Unchecked if left else Qt.CheckState.Checked)
            line.setData(Qt.ItemDataRole.UserRole, item.record_id)
            self.entries.addItem(line)
        self.entries.blockSignals(False)

    def _choice_changed(self) -> None:
        self._fill_entries()
        self._schedule()

    def _schedule(self) -> None:
        self._set_ready(False)
        self._timer.start()

    # -- preview (pool thread) -------------------------------------------------------------
    def _start_preview(self) -> None:
        self._generation += 1
        generation, vault, child_id, choice = (
            self._generation,
            self._vault,
            self._child.id,
            self.choice(),
        )
        self.status.setText(self.tr("Preparing the preview…"))

        def job() -> tuple[Any, Any]:
            pack = chronology.build_pack(vault, child_id, choice)
            return pack, render_pages(chronology.render(pack, printed=True))

        workers.run_in_background(
            job,
            lambda result: self._previewed(generation, result),
            lambda exc: self._preview_failed(generation, exc),
            parent=self,
        )

    def _previewed(self, generation: int, result: tuple[Any, Any]) -> None:
        if generation != self._generation:
            return
        self._pack, pages = result
        self.preview.set_pages(pages)
        self._set_ready(True)

    def _preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._pack = None
        self.preview.clear()
        if not isinstance(exc, UserError):
            report(self, self.tr("The preview could not be made"), exc)
        self.status.setText(str(exc))

    def _page_changed(self, number: int, total: int) -> None:
        if total:
            self.status.setText(
                self.tr("Page {n} of {total}. This is what will be printed or exported.").format(
                    n=number, total=total
                )
            )

    def _set_ready(self, ready: bool) -> None:
        self.print_button.setEnabled(ready and self.allowed)
        self.export_button.setEnabled(ready and self.allowed)

    # -- print and export ------------------------------------------------------------------
    def print_pages(self) -> None:
        pack, choice = self._pack, self.choice()
        if pack is None:
            return
        self._set_ready(False)
        self.status.setText(self.tr("Preparing the pages for the printer…"))

        def job() -> Any:
            pdf = chronology.render(pack, printed=True)
            return render_pages(pdf, scale=PRINT_SCALE, max_pages=10_000).images

        workers.run_in_background(
            job, lambda images: self._print(pack, choice, images), self._failed, parent=self
        )

    def _print(self, pack: Any, choice: ChronologyChoice, images: list[Any]) -> None:
        self._set_ready(True)
        title = self.tr("Chronology of {ref}").format(ref=self._child.ref)
        if not dialogs.print_images(self, title, images):
            self.status.setText(self.tr("Nothing was printed."))
            return
        try:
            chronology.record_print(self._vault, pack, choice)
        except Exception as exc:  # noqa: BLE001 - a user error is shown, a bug is reported
            report(self, self.tr("The printing was not recorded"), exc)
            return
        self.status.setText(
            self.tr("Sent to the printer ({n} pages). Keep the paper copy safe.").format(
                n=len(images)
            )
        )

    def export_pack(self) -> None:
        pack, choice = self._pack, self.choice()
        if pack is None:
            return
        path = dialogs.save_file(
            self,
            self.tr("Save the chronology pack"),
            self.tr("PDF pack (*.pdf)"),
            f"chronology-{self._child.ref}.pdf",
        )
        if path is None:
            return
        vault = self._vault
        self._set_ready(False)
        self.status.setText(self.tr("Exporting…"))
        workers.run_in_background(
            lambda: chronology.export(vault, pack, choice, path),
            self._exported,
            self._failed,
            parent=self,
        )

    def _exported(self, done: Any) -> None:
        self._set_ready(True)
        self.status.setText(self.tr("Saved {name}.").format(name=done.result.path.name))
        dialogs.info(
            self,
            self.tr("Chronology pack saved"),
            self.tr(
                "Saved {name}, encrypted, and added to the outbox.\n\nIts password is shown "
                "this once:\n\n{password}\n\nGive it to the recipient another way (by phone), "
                "never with the file."
            ).format(name=done.result.path.name, password=done.result.password),
        )

    def _failed(self, exc: BaseException) -> None:
        self._set_ready(self._pack is not None)
        report(self, self.tr("The chronology was not printed or exported"), exc)
