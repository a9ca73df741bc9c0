"""Add a child (an alias and an approximate age are enough) or edit their details.

Search before create: while the name, alias or date of birth are typed, possible existing
records (``repos.possible_duplicates``) are listed under the fields, with a button to open one
instead; adding anyway asks once more. After ``accept()``, ``child`` is the saved record; if
the user chose an existing record, the dialog ends with ``OPEN_EXISTING`` and
``open_child_id`` says which.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.entities import Child
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import autosave, dialogs, workers
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.widgets import heading_label, report

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

OPEN_EXISTING = 2
CHILD_DRAFT_KIND = "child_form"
log = logging.getLogger(__name__)
GENDERS = ("", "Female", "Male", "Non-binary", "Prefer not to say")


class ChildDialog(QDialog):
    DUPLICATE_DELAY_MS = 250

    def __init__(self, vault: Vault, child: Child | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._vault = vault
        self._editing = child
        self.child: Child | None = None
        self.open_child_id: str | None = None
        self.draft_id: str | None = None
        self._duplicates: list[Child] = []
        adding = child is None
        title = self.tr("Add a child") if adding else self.tr("Edit details")
        self.setWindowTitle(title)
        self.setAccessibleName(title)

        intro = QLabel(
            self.tr(
                "An alias and an approximate age are enough to start. You can add the rest later."
            )
            if adding
            else self.tr("Change what you know; leave the rest blank.")
        )
        intro.setWordWrap(True)

        self.name_edit = self._line(self.tr("Name"))
        self.alias_edit = self._line(self.tr("Alias or known as"))
        self.age_spin = QSpinBox()
        self.age_spin.setRange(-1, 25)
        self.age_spin.setSpecialValueText(self.tr("Not known"))
        self.age_spin.setValue(-1)
        self.age_spin.setAccessibleName(self.tr("Approximate age"))
        self.dob_check = QCheckBox(self.tr("&Date of birth known"))
        self.dob_check.setAccessibleName(self.tr("Date of birth known"))
        self.dob_edit = QDateEdit()
        self.dob_edit.setCalendarPopup(True)
        self.dob_edit.setDisplayFormat("dd/MM/yyyy")
        today = vault.now().date()
        self.dob_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.dob_edit.setDate(QDate(today.year - 14, 1, 1))
        self.dob_edit.setEnabled(False)
        self.dob_edit.setAccessibleName(self.tr("Date of birth"))
        self.dob_check.toggled.connect(self.dob_edit.setEnabled)

        basics = QFormLayout()
        basics.addRow(self._label(self.tr("&Name:"), self.name_edit), self.name_edit)
        basics.addRow(self._label(self.tr("A&lias:"), self.alias_edit), self.alias_edit)
        basics.addRow(self._label(self.tr("Appro&ximate age:"), self.age_spin), self.age_spin)
        dob_row = QHBoxLayout()
        dob_row.addWidget(self.dob_check)
        dob_row.addWidget(self.dob_edit, 1)
        basics.addRow(QLabel(self.tr("Date of birth:")), dob_row)

        # -- full details ------------------------------------------------------------------
        self.gender_combo = QComboBox()
        self.gender_combo.setEditable(True)
        self.gender_combo.addItems([self.tr(g) if g else "" for g in GENDERS])
        self.gender_combo.setAccessibleName(self.tr("Gender"))
        self.ethnicity_edit = self._line(self.tr("Ethnicity"))
        self.school_edit = self._line(self.tr("School or college"))
        self.address_edit = self._text(self.tr("Address"))
        self.household_edit = self._text(self.tr("Household"))
        self.parental_edit = self._line(self.tr("Parental responsibility"))
        self.ld_check = QCheckBox(self.tr("Has a learning d&isability"))
        self.ld_check.setAccessibleName(self.tr("Has a learning disability"))
        self.needs_check = QCheckBox(self.tr("Has additional n&eeds"))
        self.needs_check.setAccessibleName(self.tr("Has additional needs"))

        self.details_box = QGroupBox(self.tr("More details"))
        details = QFormLayout(self.details_box)
        details.addRow(self._label(self.tr("&Gender:"), self.gender_combo), self.gender_combo)
        details.addRow(
            self._label(self.tr("E&thnicity:"), self.ethnicity_edit), self.ethnicity_edit
        )
        details.addRow(self._label(self.tr("&School:"), self.school_edit), self.school_edit)
        details.addRow(self._label(self.tr("Add&ress:"), self.address_edit), self.address_edit)
        details.addRow(
            self._label(self.tr("&Household:"), self.household_edit), self.household_edit
        )
        details.addRow(
            self._label(self.tr("&Parental responsibility:"), self.parental_edit),
            self.parental_edit,
        )
        details.addRow("", self.ld_check)
        details.addRow("", self.needs_check)

        self.more_button = QPushButton(self.tr("Show &more details"))
        self.more_button.setCheckable(True)
        self.more_button.setAccessibleName(self.tr("Show more details"))
        self.more_button.toggled.connect(self._toggle_details)

        # -- duplicates --------------------------------------------------------------------
        self.duplicates_box = QGroupBox(self.tr("Is this a child you already have?"))
        dup_layout = QVBoxLayout(self.duplicates_box)
        self.duplicates_label = QLabel()
        self.duplicates_label.setWordWrap(True)
        self.duplicates_list = QListWidget()
        self.duplicates_list.setAccessibleName(self.tr("Possible existing records"))
        self.duplicates_list.setMaximumHeight(110)
        self.duplicates_list.itemActivated.connect(lambda _item: self._open_existing())
        self.open_existing_button = QPushButton(self.tr("&Open that record instead"))
        self.open_existing_button.setAccessibleName(self.tr("Open the selected existing record"))
        self.open_existing_button.clicked.connect(self._open_existing)
        dup_layout.addWidget(self.duplicates_label)
        dup_layout.addWidget(self.duplicates_list)
        dup_layout.addWidget(self.open_existing_button, 0, Qt.AlignmentFlag.AlignRight)
        self.duplicates_box.hide()

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(
            self.tr("&Add child") if adding else self.tr("&Save"),
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.save_button.setAccessibleName(self.tr("Add child") if adding else self.tr("Save"))
        cancel = self.buttons.addButton(self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAccessibleName(self.tr("Cancel"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(title))
        layout.addWidget(intro)
        layout.addLayout(basics)
        layout.addWidget(self.duplicates_box)
        layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details_box)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Enter in any field saves; only once the button is inside the dialog does Qt record it
        # as the dialog's default, and the helper buttons must not take Enter for themselves.
        self.save_button.setDefault(True)
        for button in (self.more_button, self.open_existing_button, cancel):
            button.setAutoDefault(False)

        self._dup_timer = QTimer(self)
        self._dup_timer.setSingleShot(True)
        self._dup_timer.setInterval(self.DUPLICATE_DELAY_MS)
        self._dup_timer.timeout.connect(self._check_in_background)
        self._dup_result: tuple[Any, list[Child]] | None = None
        if adding:
            for signal in (
                self.name_edit.textChanged,
                self.alias_edit.textChanged,
                self.dob_check.toggled,
                self.dob_edit.dateChanged,
            ):
                signal.connect(self._dup_timer.start)
            self.details_box.hide()
        elif child is not None:  # editing (``adding`` is ``child is None``)
            self.more_button.hide()
            self._load(child)
        self.setTabOrder(self.name_edit, self.alias_edit)
        self.setTabOrder(self.alias_edit, self.age_spin)
        self.setTabOrder(self.age_spin, self.dob_check)
        self.setTabOrder(self.dob_check, self.dob_edit)
        self.resize(560, 0)
        # Typing is kept as an encrypted draft as it goes (gui/common/autosave.py), not only on lock.
        self._draft_timer = autosave.DraftTimer(self.save_draft, self)
        autosave.watch(self, self._draft_timer.touch)

    def reject(self) -> None:
        """Cancel drops the draft; a lock (which also rejects the dialog) keeps it."""
        self._draft_timer.stop()
        if not dialogs.lock_in_progress():
            self._drop_draft()
        super().reject()

    # -- building helpers ----------------------------------------------------------------
    def _line(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        return edit

    def _text(self, name: str) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setAccessibleName(name)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 12)
        return edit

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _toggle_details(self, shown: bool) -> None:
        self.details_box.setVisible(shown)
        self.more_button.setText(
            self.tr("Hide &more details") if shown else self.tr("Show &more details")
        )
        self.adjustSize()

    # -- values --------------------------------------------------------------------------
    def _load(self, child: Child) -> None:
        self.name_edit.setText(child.name)
        self.alias_edit.setText(child.alias)
        self.age_spin.setValue(child.approx_age if child.approx_age is not None else -1)
        if child.dob is not None:
            self.dob_check.setChecked(True)
            self.dob_edit.setDate(QDate(child.dob.year, child.dob.month, child.dob.day))
        self.gender_combo.setCurrentText(child.gender)
        self.ethnicity_edit.setText(child.ethnicity)
        self.school_edit.setText(child.school)
        self.address_edit.setPlainText(child.address)
        self.household_edit.setPlainText(child.household)
        self.parental_edit.setText(child.parental_responsibility)
        self.ld_check.setChecked(child.learning_disability)
        self.needs_check.setChecked(child.additional_needs)

    def _dob(self) -> date | None:
        if not self.dob_check.isChecked():
            return None
        d = self.dob_edit.date()
        return date(d.year(), d.month(), d.day())

    def values(self) -> dict[str, Any]:
        age = self.age_spin.value()
        return {
            "name": self.name_edit.text().strip(),
            "alias": self.alias_edit.text().strip(),
            "approx_age": None if age < 0 else age,
            "dob": self._dob(),
            "gender": self.gender_combo.currentText().strip(),
            "ethnicity": self.ethnicity_edit.text().strip(),
            "school": self.school_edit.text().strip(),
            "address": self.address_edit.toPlainText().strip(),
            "household": self.household_edit.toPlainText().strip(),
            "parental_responsibility": self.parental_edit.text().strip(),
            "learning_disability": self.ld_check.isChecked(),
            "additional_needs": self.needs_check.isChecked(),
        }

    # -- drafts (protocols.DraftEditor) ----------------------------------------------------
    def save_draft(self) -> None:
        """Called before locking: keep what was typed, encrypted, to offer back on unlock."""
        if self._vault is None or self.child is not None:
            return
        values = self.values()
        if self._editing is None and not any(v not in ("", None, False) for v in values.values()):
            return
        payload = {
            "editing": self._editing.id if self._editing else None,
            "values": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()},
        }
        try:
            self.draft_id = self._vault.repos.save_draft(
                CHILD_DRAFT_KIND,
                self._editing.id if self._editing else None,
                payload,
                self.draft_id,
            )
        except Exception:  # noqa: BLE001 - saving a draft must never stop the lock
            log.error("could not save the child form draft")

    def load_values(self, values: dict[str, Any]) -> None:
        """Fill the form from a saved draft (see ``save_draft``)."""
        self.name_edit.setText(values.get("name", ""))
        self.alias_edit.setText(values.get("alias", ""))
        age = values.get("approx_age")
        self.age_spin.setValue(age if isinstance(age, int) else -1)
        dob = values.get("dob")
        if dob:
            d = date.fromisoformat(dob)
            self.dob_check.setChecked(True)
            self.dob_edit.setDate(QDate(d.year, d.month, d.day))
        self.gender_combo.setCurrentText(values.get("gender", ""))
        self.ethnicity_edit.setText(values.get("ethnicity", ""))
        self.school_edit.setText(values.get("school", ""))
        self.address_edit.setPlainText(values.get("address", ""))
        self.household_edit.setPlainText(values.get("household", ""))
        self.parental_edit.setText(values.get("parental_responsibility", ""))
        self.ld_check.setChecked(bool(values.get("learning_disability")))
        self.needs_check.setChecked(bool(values.get("additional_needs")))

    def _drop_draft(self) -> None:
        if self.draft_id is not None:
            try:
                self._vault.repos.delete_draft(self.draft_id)
            except Exception:  # noqa: BLE001 - the record is saved; a stale draft is harmless
                log.error("could not delete the child form draft")
            self.draft_id = None

    # -- duplicates ----------------------------------------------------------------------
    def _dup_key(self) -> tuple[str, str, Any]:
        values = self.values()
        return values["name"], values["alias"], values["dob"]

    def _check_in_background(self) -> None:
        """While typing: the check (spelling variants over every child) runs off the GUI
        thread; the list shows what it finds for what is typed by then."""
        key = self._dup_key()
        if not any(key):
            self._show_duplicates([])
            return
        vault = self._vault

        def found(result: list[Child]) -> None:
            self._dup_result = (key, result)
            if self._dup_key() == key:
                self._show_duplicates(result)

        workers.run_in_background(lambda: vault.repos.possible_duplicates(*key), found, parent=self)

    def check_duplicates(self) -> list[Child]:
        key = self._dup_key()
        if not any(key):
            return self._show_duplicates([])
        if self._dup_result is not None and self._dup_result[0] == key:
            return self._show_duplicates(self._dup_result[1])
        return self._show_duplicates(self._vault.repos.possible_duplicates(*key))

    def _show_duplicates(self, found: list[Child]) -> list[Child]:
        self._duplicates = found
        self.duplicates_list.clear()
        for child in self._duplicates[:20]:
            age = child.age_on(self._vault.now().date())
            text = child.display_name + f"  ·  {child.ref}"
            if age is not None:
                text += "  ·  " + self.tr("age {age}").format(age=age)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, child.id)
            self.duplicates_list.addItem(item)
        if self._duplicates:
            self.duplicates_list.setCurrentRow(0)
            n = len(self._duplicates)
            self.duplicates_label.setText(
                ntr(
                    "ChildDialog",
                    "%n existing record(s) [looks|look] similar. Open one "
                    "instead of adding a second record for the same child.",
                    n,
                )
            )
        self.duplicates_box.setVisible(bool(self._duplicates))
        return self._duplicates

    def _open_existing(self) -> None:
        item = self.duplicates_list.currentItem()
        if item is None:
            return
        self.open_child_id = str(item.data(Qt.ItemDataRole.UserRole))
        self._draft_timer.stop()
        self._drop_draft()
        self.done(OPEN_EXISTING)

    # -- saving --------------------------------------------------------------------------
    def save(self) -> None:
        values = self.values()
        if not (values["name"] or values["alias"]):
            dialogs.warning(
                self,
                self.tr("Name or alias needed"),
                self.tr("Give at least a name or an alias so you can find this child again."),
            )
            self.alias_edit.setFocus()
            return
        try:
            if self._editing is None:
                self._dup_timer.stop()
                found = self.check_duplicates()
                if found:
                    names = ", ".join(f"{c.display_name} ({c.ref})" for c in found[:5])
                    choice = dialogs.ask(
                        self,
                        self.tr("Possible duplicate"),
                        self.tr(
                            "There may already be a record for this child: {names}. A second "
                            "record splits their history. Add a new child anyway?"
                        ).format(names=names),
                        [("add", self.tr("&Add as a new child")), ("back", self.tr("&Go back"))],
                        default="back",
                        escape="back",
                    )
                    if choice != "add":
                        self.duplicates_list.setFocus()
                        return
                fields = {k: v for k, v in values.items() if v not in ("", None, False)}
                self.child = self._vault.repos.add_child(**fields)
            else:
                current = self._editing
                changed = {k: v for k, v in values.items() if getattr(current, k) != v}
                if changed.get("approx_age") is not None:
                    changed["approx_age_on"] = self._vault.now().date()
                self.child = self._vault.repos.update_child(
                    current.id, expected_version=current.version, **changed
                )
        except UserError as exc:
            report(self, self.tr("Not saved"), exc)
            return
        self._drop_draft()
        self.accept()
