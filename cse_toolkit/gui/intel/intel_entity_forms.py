"""The small forms that edit one entity of an intelligence report.

One form per kind (person, vehicle, phone, online identity, place). A form shows an entity
(``set_entity``), and after every edit emits ``edited``; ``entity()`` then builds the new value
object, raising :class:`~cse_toolkit.core.intelligence.InvalidIntelligence` when a field cannot
be stored (the editor shows that message under the form and keeps the last good value).

Typed-in identifiers are normalised the way the police write them: a VRM typed "ab12cde" is shown
"AB12 CDE" with a tick once it is a whole UK plate (the field is rewritten when the user leaves
it, never under the cursor while they type); phones and postcodes likewise.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from cse_toolkit.core import intelligence as intel

TICK = "\u2713"
PLACE_TYPE_LABELS: dict[str, str] = {
    "park": "Park",
    "takeaway": "Takeaway",
    "hotel": "Hotel",
    "taxi_rank": "Taxi rank",
    "bus_station": "Bus station",
    "train_station": "Train station",
    "house": "House or flat",
    "dealing_address": "Address used for dealing (including a cuckooed home)",
    "shopping_centre": "Shopping centre",
    "school": "School",
    "car_park": "Car park",
    "other": "Other",
}
PLATFORMS = ("Snapchat", "Instagram", "TikTok", "WhatsApp", "Facebook", "X", "Telegram")
KIND_LABELS: dict[str, str] = {
    "person": "Person",
    "vehicle": "Vehicle",
    "phone": "Phone",
    "online": "Online",
    "location": "Place",
    "financial": "Money",
    "weapon": "Weapon",
}

_DMY = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})")


def parse_day(text: str) -> date | None:
    """``dd/mm/yyyy`` (or ``yyyy-mm-dd``) as a date; ``None`` when empty.

    Raises :class:`~cse_toolkit.core.intelligence.InvalidIntelligence` for anything else.
    """
    text = text.strip()
    if not text:
        return None
    match = _DMY.fullmatch(text)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        pass
    raise intel.InvalidIntelligence("Write the date as dd/mm/yyyy, for example 03/11/2004.")


def day_text(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def entity_label(entity: intel.Entity) -> str:
    """One line for the entity list: kind, the display form and a tick for a recognised plate."""
    kind = KIND_LABELS[entity.kind]
    text = entity.display()
    if isinstance(entity, intel.Vehicle) and entity.vrm_recognised:
        text = text.replace(entity.vrm, f"{entity.vrm} {TICK}", 1)
    return f"{kind}: {text}"


class EntityForm(QWidget):
    """Base: a form layout, field helpers and the ``edited`` signal."""

    kind = ""
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self._loading = False

    def _line(self, label: str, accessible: str, placeholder: str = "", tip: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(accessible)
        if placeholder:
            edit.setPlaceholderText(placeholder)
        if tip:
            edit.setToolTip(tip)
        edit.textEdited.connect(self._emit)
        edit.editingFinished.connect(self._tidy)
        caption = QLabel(label)
        caption.setBuddy(edit)
        self.form.addRow(caption, edit)
        return edit

    def _combo(self, label: str, accessible: str, items: dict[str, str]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(accessible)
        for value, text in items.items():
            combo.addItem(self.tr(text), value)
        combo.currentIndexChanged.connect(self._emit)
        caption = QLabel(label)
        caption.setBuddy(combo)
        self.form.addRow(caption, combo)
        return combo

    def _hint(self, accessible: str) -> QLabel:
        hint = QLabel()
        hint.setAccessibleName(accessible)
        hint.setWordWrap(True)
        self.form.addRow("", hint)
        return hint

    def _emit(self, *_args: object) -> None:
        if not self._loading:
            self._update_hints()
            self.edited.emit()

    def _tidy(self) -> None:
        """Rewrite identifiers in their canonical form when the user leaves the field."""

    def _update_hints(self) -> None:
        pass

    def first_field(self) -> QWidget:
        item = self.form.itemAt(0, QFormLayout.ItemRole.FieldRole)
        widget = item.widget() if item is not None else None
        return widget or self

    def fields(self) -> list[QWidget]:
        """Every input, in reading order (for the tab chain)."""
        out: list[QWidget] = []
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLineEdit | QComboBox):
                out.append(widget)
        return out

    def set_entity(self, entity: intel.Entity) -> None:
        self._loading = True
        try:
            self._show(entity)
            self._update_hints()
        finally:
            self._loading = False

    def _show(self, entity: intel.Entity) -> None:
        raise NotImplementedError

    def entity(self) -> intel.Entity:
        raise NotImplementedError

    def clear(self) -> None:
        self._loading = True
        try:
            for widget in self.fields():
                if isinstance(widget, QLineEdit):
                    widget.clear()
                else:
                    widget.setCurrentIndex(0)  # type: ignore[attr-defined]
            self._update_hints()
        finally:
            self._loading = False


class PersonForm(EntityForm):
    kind = "person"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.surname = self._line(
            tr("Surname:"),
            tr("Surname"),
            tr("Full surname, correctly spelt"),
            tr("Shown in capitals, as the police write it: SMITH John"),
        )
        self.forenames = self._line(tr("Forenames:"), tr("Forenames"), tr("All forenames"))
        self.nickname = self._line(
            tr("Nickname or alias:"), tr("Nickname or alias"), tr("Separate several with commas")
        )
        self.dob = self._line(
            tr("Date of birth:"),
            tr("Date of birth"),
            tr("dd/mm/yyyy"),
            tr("Date of birth as dd/mm/yyyy. If not known, give an age range instead."),
        )
        self.age_range = self._line(
            tr("Or age range:"),
            tr("Approximate age range"),
            tr("for example 30-40"),
            tr("Only when the date of birth is not known, for example 30-40 or 50+"),
        )
        self.description = self._line(
            tr("Description:"), tr("Description"), tr("Build, height, hair, accent, clothing")
        )
        self.address = self._line(tr("Address:"), tr("Person's address"))
        self.role = self._combo(tr("Role:"), tr("Person's role"), intel.PERSON_ROLES)
        self.preview = self._hint(tr("How the person is written for the police"))

    def _show(self, entity: intel.Entity) -> None:
        assert isinstance(entity, intel.Person)
        self.surname.setText(entity.surname)
        self.forenames.setText(entity.forenames)
        self.nickname.setText(entity.nickname)
        self.dob.setText(day_text(entity.dob))
        self.age_range.setText(entity.age_range or "")
        self.description.setText(entity.description)
        self.address.setText(entity.address)
        self.role.setCurrentIndex(max(0, self.role.findData(entity.role)))

    def entity(self) -> intel.Person:
        return intel.Person(
            surname=self.surname.text(),
            forenames=self.forenames.text(),
            nickname=self.nickname.text(),
            dob=parse_day(self.dob.text()),
            age_range=self.age_range.text() or None,
            description=self.description.text(),
            address=self.address.text(),
            role=self.role.currentData(),
        )

    def _tidy(self) -> None:
        try:
            day = parse_day(self.dob.text())
        except intel.InvalidIntelligence:
            return
        if day is not None and self.dob.text() != day_text(day):
            self.dob.setText(day_text(day))

    def _update_hints(self) -> None:
        try:
            line = intel.format_person_line(self.entity())
        except intel.InvalidIntelligence:
            line = ""
        self.preview.setText(self.tr("Written as: {line}").format(line=line) if line else "")


class VehicleForm(EntityForm):
    kind = "vehicle"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.vrm = self._line(
            tr("Number plate (VRM):"),
            tr("Number plate"),
            tr("for example AB12 CDE"),
            tr(
                "Type it as seen; it is shown in the DVLA form (AB12 CDE) with a tick when it "
                "is a whole UK plate. Part of a plate is still worth giving."
            ),
        )
        self.vrm_status = self._hint(tr("Number plate check"))
        self.make = self._line(tr("Make:"), tr("Vehicle make"), tr("for example Ford"))
        self.model = self._line(tr("Model:"), tr("Vehicle model"), tr("for example Focus"))
        self.colour = self._line(tr("Colour:"), tr("Vehicle colour"))

    def _show(self, entity: intel.Entity) -> None:
        assert isinstance(entity, intel.Vehicle)
        self.vrm.setText(entity.vrm)
        self.make.setText(entity.make)
        self.model.setText(entity.model)
        self.colour.setText(entity.colour)

    def entity(self) -> intel.Vehicle:
        return intel.Vehicle(
            vrm=self.vrm.text(),
            make=self.make.text(),
            model=self.model.text(),
            colour=self.colour.text(),
        )

    def _tidy(self) -> None:
        canonical = intel.normalise_vrm(self.vrm.text())
        text = canonical or " ".join(self.vrm.text().upper().split())
        if text != self.vrm.text():
            self.vrm.setText(text)

    def _update_hints(self) -> None:
        text = self.vrm.text().strip()
        canonical = intel.normalise_vrm(text)
        if not text:
            self.vrm_status.setText(self.tr("No plate yet."))
        elif canonical:
            self.vrm_status.setText(
                self.tr("{tick} {vrm}: a whole UK plate").format(tick=TICK, vrm=canonical)
            )
        else:
            self.vrm_status.setText(self.tr("Not a whole UK plate (kept as typed)."))


class PhoneForm(EntityForm):
    kind = "phone"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = self._line(
            self.tr("Phone number:"),
            self.tr("Phone number"),
            self.tr("for example 07700 900123"),
            self.tr("UK and international numbers; part of a number is still worth giving."),
        )
        self.status = self._hint(self.tr("Phone number check"))
        self.line_name = self._line(
            self.tr("Used as a drug line, known as:"),
            self.tr("Drug line name"),
            self.tr("for example the Jay line; empty if it is not a line"),
        )

    def _show(self, entity: intel.Entity) -> None:
        assert isinstance(entity, intel.Phone)
        self.number.setText(intel.display_phone(entity.number) if entity.number else "")
        self.line_name.setText(entity.line_name)

    def entity(self) -> intel.Phone:
        return intel.Phone(number=self.number.text(), line_name=self.line_name.text())

    def _tidy(self) -> None:
        canonical = intel.normalise_phone(self.number.text())
        if canonical and intel.display_phone(canonical) != self.number.text():
            self.number.setText(intel.display_phone(canonical))

    def _update_hints(self) -> None:
        text = self.number.text().strip()
        canonical = intel.normalise_phone(text)
        if not text:
            self.status.setText("")
        elif canonical:
            self.status.setText(
                self.tr("{tick} {number}: a whole number").format(
                    tick=TICK, number=intel.display_phone(canonical)
                )
            )
        else:
            self.status.setText(self.tr("Not a whole phone number (kept as typed)."))


class OnlineForm(EntityForm):
    kind = "online"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.platform = QComboBox()
        self.platform.setEditable(True)
        self.platform.setAccessibleName(self.tr("Platform or app"))
        self.platform.addItem("")
        self.platform.addItems(PLATFORMS)
        self.platform.setToolTip(self.tr("Choose or type the app or website"))
        self.platform.currentTextChanged.connect(self._emit)
        caption = QLabel(self.tr("Platform:"))
        caption.setBuddy(self.platform)
        self.form.addRow(caption, self.platform)
        self.handle = self._line(
            self.tr("Handle or link:"),
            self.tr("Handle or profile link"),
            self.tr("@name or https://…"),
        )

    def _show(self, entity: intel.Entity) -> None:
        assert isinstance(entity, intel.OnlineIdentity)
        self.platform.setCurrentText(entity.platform)
        self.handle.setText(entity.handle_or_url)

    def entity(self) -> intel.OnlineIdentity:
        return intel.OnlineIdentity(
            platform=self.platform.currentText(), handle_or_url=self.handle.text()
        )

    def clear(self) -> None:
        super().clear()
        self._loading = True
        self.platform.setCurrentText("")
        self._loading = False


class LocationForm(EntityForm):
    kind = "location"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.name = self._line(
            tr("Name of place:"), tr("Name of the place"), tr("for example Riverside Park")
        )
        self.address = self._line(tr("Address:"), tr("Address of the place"))
        self.postcode = self._line(tr("Postcode:"), tr("Postcode"), tr("for example WR1 2AB"))
        self.place_type = self._combo(tr("Type of place:"), tr("Type of place"), PLACE_TYPE_LABELS)

    def _show(self, entity: intel.Entity) -> None:
        assert isinstance(entity, intel.Location)
        self.name.setText(entity.name)
        self.address.setText(entity.address)
        self.postcode.setText(entity.postcode)
        self.place_type.setCurrentIndex(max(0, self.place_type.findData(entity.place_type)))

    def entity(self) -> intel.Location:
        return intel.Location(
            name=self.name.text(),
            address=self.address.text(),
            postcode=self.postcode.text(),
            place_type=self.place_type.currentData(),
        )

    def _tidy(self) -> None:
        canonical = intel.normalise_postcode(self.postcode.text())
        if canonical and canonical != self.postcode.text():
            self.postcode.setText(canonical)


class FinancialForm(EntityForm):
    """Issue 14 item 6: an account, a card, a payment app, or payments seen."""

    kind = "financial"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.what = self._combo(tr("What:"), tr("Kind of financial detail"), intel.FINANCIAL_KINDS)
        self.provider = self._line(tr("Bank, card or app:"), tr("Bank, card or app"))
        self.identifier = self._line(
            tr("Account, card or handle:"),
            tr("Account, card or payment handle"),
            tr("sort code and account, a card's last four digits, or $handle"),
        )
        self.holder = self._line(tr("Whose:"), tr("Whose account"))
        self.details = self._line(
            tr("Payments seen:"), tr("Payments seen"), tr("amounts, dates, who paid whom")
        )

    def _show(self, entity: intel.Entity) -> None:
        assert isinstance(entity, intel.Financial)
        self.what.setCurrentIndex(max(0, self.what.findData(entity.what)))
        self.provider.setText(entity.provider)
        self.identifier.setText(entity.identifier)
        self.holder.setText(entity.holder)
        self.details.setText(entity.details)

    def entity(self) -> intel.Financial:
        return intel.Financial(
            what=self.what.currentData(),
            provider=self.provider.text(),
            identifier=self.identifier.text(),
            holder=self.holder.text(),
            details=self.details.text(),
        )


class WeaponForm(EntityForm):
    """Issue 19 item 4: a weapon seen, carried, kept or talked about."""

    kind = "weapon"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tr = self.tr
        self.weapon = self._combo(tr("Weapon:"), tr("Kind of weapon"), intel.WEAPON_KINDS)
        self.description = self._line(tr("What it looks like:"), tr("What the weapon looks like"))
        self.whose = self._line(tr("Whose:"), tr("Whose weapon"))
        self.where = self._line(tr("Where seen or kept:"), tr("Where the weapon was seen or kept"))

    def _show(self, entity: intel.Entity) -> None:
        assert isinstance(entity, intel.Weapon)
        self.weapon.setCurrentIndex(max(0, self.weapon.findData(entity.weapon)))
        self.description.setText(entity.description)
        self.whose.setText(entity.whose)
        self.where.setText(entity.where)

    def entity(self) -> intel.Weapon:
        return intel.Weapon(
            weapon=self.weapon.currentData(),
            description=self.description.text(),
            whose=self.whose.text(),
            where=self.where.text(),
        )


FORM_TYPES: dict[str, type[EntityForm]] = {
    "person": PersonForm,
    "vehicle": VehicleForm,
    "phone": PhoneForm,
    "online": OnlineForm,
    "location": LocationForm,
    "financial": FinancialForm,
    "weapon": WeaponForm,
}

__all__ = [
    "FORM_TYPES",
    "KIND_LABELS",
    "EntityForm",
    "FinancialForm",
    "LocationForm",
    "OnlineForm",
    "PersonForm",
    "PhoneForm",
    "VehicleForm",
    "WeaponForm",
    "day_text",
    "entity_label",
    "parse_day",
]
