"""The dialog that asks about a file before it is kept: caption, time taken, and (for a photo
carrying them) whether to keep its location and camera details for evidence.

It says plainly, every time, that an indecent image of a child must never be copied or saved,
even as evidence, and must be reported to the police; the toolkit cannot detect one.
The file has already been read and checked (``services.attachments.read_and_check``, on a pool
thread) before this opens; nothing is kept until Add is pressed.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.gui.common.dialog_buttons import ACCEPT, REJECT, button_box
from cse_toolkit.gui.common.pathway_widgets import PROBLEM_BG, PROBLEM_FG
from cse_toolkit.gui.common.widgets import from_qdatetime, keep_wrapped_height, to_qdatetime
from cse_toolkit.services.attachments import Prepared

KINDS = {
    "image/jpeg": "JPEG photo",
    "image/png": "PNG picture",
    "application/pdf": "PDF document",
    "text/plain": "Plain text",
}


def indecent_images_warning(widget: QWidget) -> QLabel:
    """The warning the add dialog and the Attachments tab both show."""
    label = keep_wrapped_height(
        QLabel(
            widget.tr(
                "Never add, copy, save or forward an indecent image of a child, even as "
                "evidence: that is a crime whoever does it. If you see one, do not copy it: "
                "report it to the police (999 in an emergency, otherwise 101) and to CEOP, and "
                "tell your DSL. The toolkit cannot recognise such images and does not try to."
            )
        )
    )
    label.setObjectName("warningBanner")
    label.setStyleSheet(
        f"QLabel {{ color: {PROBLEM_FG}; background: {PROBLEM_BG}; padding: 6px;"
        " border-radius: 4px; font-weight: bold; }"
    )
    label.setWordWrap(True)
    label.setAccessibleName(widget.tr("Indecent images of children: never copy, report"))
    return label


class AddAttachmentDialog(QDialog):
    """Asks for the caption, the time taken, and whether to keep location and camera data."""

    def __init__(self, prepared: Prepared, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prepared = prepared
        checked = prepared.checked
        self.setWindowTitle(self.tr("Add an attachment"))
        self.setAccessibleName(self.tr("Add an attachment"))
        self.setModal(True)

        kind = self.tr(KINDS.get(checked.media_type, checked.media_type))
        if checked.width:
            kind += f", {checked.width} x {checked.height}"
        if checked.pages:
            kind += self.tr(", {n} page(s)").format(n=checked.pages)
        about = QLabel(
            self.tr("{name}: {kind}, {size:.1f} MB").format(
                name=prepared.file_name or self.tr("dropped file"),
                kind=kind,
                size=len(checked.original) / (1024 * 1024),
            )
        )
        about.setWordWrap(True)
        about.setAccessibleName(self.tr("The file"))
        self.preview = QLabel()
        self.preview.setAccessibleName(self.tr("Small picture of the file"))
        if checked.thumbnail:
            self.preview.setPixmap(QPixmap.fromImage(QImage.fromData(checked.thumbnail)))

        self.caption_edit = QLineEdit()
        self.caption_edit.setAccessibleName(self.tr("Caption"))
        self.caption_edit.setPlaceholderText(
            self.tr("what it shows and where it came from, e.g. 'grey car outside school'")
        )
        self.caption_edit.setMaxLength(2000)
        self.taken_known = QCheckBox(self.tr("&Time taken is known:"))
        self.taken_known.setAccessibleName(self.tr("Time taken is known"))
        self.taken_edit = QDateTimeEdit()
        self.taken_edit.setCalendarPopup(True)
        self.taken_edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.taken_edit.setAccessibleName(self.tr("Time taken"))
        self.taken_edit.setMaximumDateTime(to_qdatetime(now))
        camera_time = checked.metadata.taken_at
        if camera_time is not None and camera_time.astimezone() <= now.astimezone():
            # The camera's clock has no time zone: read as this laptop's local time.
            self.taken_edit.setDateTime(
                QDateTime(
                    QDate(camera_time.year, camera_time.month, camera_time.day),
                    QTime(camera_time.hour, camera_time.minute, camera_time.second),
                )
            )
            self.taken_known.setChecked(True)
        else:
            self.taken_edit.setDateTime(to_qdatetime(now))
        self.taken_edit.setEnabled(self.taken_known.isChecked())
        self.taken_known.toggled.connect(self.taken_edit.setEnabled)

        self.keep_metadata = QCheckBox(
            self.tr("&Keep the location and camera details for evidence")
        )
        self.keep_metadata.setAccessibleName(self.tr("Keep location and camera details"))
        meta = checked.metadata
        found = [
            self.tr("where it was taken (GPS)") if meta.location else "",
            self.tr("the camera or phone") if meta.camera else "",
            self.tr("other details") if meta.other and not (meta.location or meta.camera) else "",
        ]
        self.metadata_note = QLabel(
            self.tr(
                "This picture records {what}. They are removed when it is added, unless you "
                "keep them for evidence (then say so to anyone you share it with)."
            ).format(what=", ".join(f for f in found if f))
        )
        self.metadata_note.setWordWrap(True)
        self.metadata_note.setVisible(prepared.has_metadata)
        self.keep_metadata.setVisible(prepared.has_metadata)

        form = QFormLayout()
        caption_label = QLabel(self.tr("&Caption:"))
        caption_label.setBuddy(self.caption_edit)
        form.addRow(caption_label, self.caption_edit)
        taken_row = QHBoxLayout()
        taken_row.addWidget(self.taken_known)
        taken_row.addWidget(self.taken_edit, 1)
        form.addRow(QLabel(self.tr("Taken:")), taken_row)

        self.add_button = QPushButton(self.tr("&Add to the record"))
        self.add_button.setAccessibleName(self.tr("Add to the record"))
        self.add_button.setDefault(True)
        cancel = QPushButton(self.tr("Cancel"))
        cancel.setAccessibleName(self.tr("Cancel"))
        buttons = button_box((self.add_button, ACCEPT), (cancel, REJECT))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.preview)
        top.addWidget(about, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(indecent_images_warning(self))
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(self.metadata_note)
        layout.addWidget(self.keep_metadata)
        layout.addWidget(buttons)
        self.caption_edit.setFocus()
        self.resize(560, self.sizeHint().height())

    @property
    def caption(self) -> str:
        return self.caption_edit.text().strip()

    @property
    def taken_at(self) -> datetime | None:
        if not self.taken_known.isChecked():
            return None
        return from_qdatetime(self.taken_edit.dateTime())

    @property
    def keep(self) -> bool:
        return self.prepared.has_metadata and self.keep_metadata.isChecked()
