"""The Details tab: what is known about the child, read-only, with an Edit button."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.catalogue import level_label
from cse_toolkit.core.entities import Child

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class ChildDetailsTab(QWidget):
    edit_requested = Signal()

    FIELDS = (
        ("name", "Name"),
        ("alias", "Alias"),
        ("ref", "Reference"),
        ("age", "Age"),
        ("dob", "Date of birth"),
        ("gender", "Gender"),
        ("ethnicity", "Ethnicity"),
        ("school", "School"),
        ("address", "Address"),
        ("household", "Household"),
        ("parental_responsibility", "Parental responsibility"),
        ("learning_disability", "Learning disability"),
        ("additional_needs", "Additional needs"),
        ("confirmed_level", "Confirmed level"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Details"))
        self.values: dict[str, QLabel] = {}
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, title in self.FIELDS:
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            value.setAccessibleName(self.tr(title))
            self.values[key] = value
            form.addRow(QLabel(self.tr(title) + ":"), value)
        scroll = QScrollArea()
        scroll.setAccessibleName(self.tr("Child's details"))
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_widget)
        self.edit_button = QPushButton(self.tr("&Edit details…"))
        self.edit_button.setAccessibleName(self.tr("Edit details"))
        self.edit_button.clicked.connect(self.edit_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)

    def set_child(self, vault: Vault, child: Child) -> None:
        unknown = self.tr("Not recorded")
        age = child.age_on(vault.now().date())
        shown = {
            "name": child.name,
            "alias": child.alias,
            "ref": child.ref,
            "age": ""
            if age is None
            else (str(age) if child.dob else self.tr("about {age}").format(age=age)),
            "dob": child.dob.strftime("%d/%m/%Y") if child.dob else "",
            "gender": child.gender,
            "ethnicity": child.ethnicity,
            "school": child.school,
            "address": child.address,
            "household": child.household,
            "parental_responsibility": child.parental_responsibility,
            "learning_disability": self.tr("Yes") if child.learning_disability else self.tr("No"),
            "additional_needs": self.tr("Yes") if child.additional_needs else self.tr("No"),
            "confirmed_level": level_label(child.confirmed_level) or self.tr("Not screened yet"),
        }
        for key, label in self.values.items():
            label.setText(shown.get(key) or unknown)

    def clear(self) -> None:
        for label in self.values.values():
            label.clear()
