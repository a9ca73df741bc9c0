"""The in-app viewer of one attachment: pictures through Qt's QImage, PDFs through the page
renderer the export preview uses (pypdfium2, in memory), text as plain text.

The bytes are read from the vault and decoded on a pool thread (``workers``), so the window
never waits on a large file. Nothing is ever written to disk or handed to another program:
there is no "save as" and no "open with"; closing the viewer (or locking) drops the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage, QImageReader, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.gui.common import workers
from cse_toolkit.gui.common.dialog_buttons import REJECT, button_box
from cse_toolkit.gui.common.widgets import local_text
from cse_toolkit.gui.exchange.export_preview import PagePreview, RenderedPages, render_pages

if TYPE_CHECKING:
    from cse_toolkit.vault.attachments_repo import AttachmentInfo
    from cse_toolkit.vault.vault import Vault

MAX_VIEW_PAGES = 50


@dataclass
class Decoded:
    image: QImage | None = None
    pages: RenderedPages | None = None
    text: str | None = None


def decode(vault: Vault, info: AttachmentInfo) -> Decoded:
    """On a pool thread: the attachment's bytes, read (audited) and made viewable."""
    data = vault.attachments.content(info.id)
    if info.media_type.startswith("image/"):
        buffer = QBuffer()
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer)
        reader.setAutoTransform(True)  # a phone photo shown the right way up (EXIF orientation)
        image = reader.read()
        buffer.close()
        if image.isNull():
            raise ValueError("the picture could not be decoded")
        return Decoded(image=image)
    if info.media_type == "application/pdf":
        return Decoded(pages=render_pages(data, max_pages=MAX_VIEW_PAGES))
    return Decoded(text=data.decode("utf-8-sig"))


class AttachmentViewer(QDialog):
    def __init__(self, vault: Vault, info: AttachmentInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        title = info.caption or info.file_name or self.tr("Attachment")
        self.setWindowTitle(self.tr("Attachment: {title}").format(title=title))
        self.setAccessibleName(self.tr("Attachment viewer"))
        details = [
            self.tr("Added by {who} on {when}").format(
                who=info.added_by, when=local_text(info.added_at)
            )
        ]
        if info.taken_at:
            details.append(self.tr("taken {when}").format(when=local_text(info.taken_at)))
        if info.metadata_kept:
            details.append(self.tr("location and camera details kept for evidence"))
        self.details = QLabel(" · ".join(details))
        self.details.setWordWrap(True)
        self.details.setAccessibleName(self.tr("About this attachment"))
        self.caption = QLabel(info.caption or self.tr("No caption"))
        self.caption.setWordWrap(True)
        self.caption.setAccessibleName(self.tr("Caption"))
        self.status = QLabel(self.tr("Opening…"))
        self.status.setAccessibleName(self.tr("Status"))

        self.stack = QStackedWidget()
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName(self.tr("Picture"))
        self.picture_area = QScrollArea()
        self.picture_area.setAccessibleName(self.tr("Picture"))
        self.picture_area.setWidget(self.picture)
        self.picture_area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages = PagePreview()
        self.pages.setAccessibleName(self.tr("Pages of the document"))
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("Text of the file"))
        # Only what is shown joins the stack (in ``_shown``): a hidden page is never in the
        # Tab chain or the accessibility tree.
        self.stack.addWidget(QLabel())

        self.fit = QCheckBox(self.tr("&Fit to the window"))
        self.fit.setAccessibleName(self.tr("Fit to the window"))
        self.fit.setChecked(True)
        self.fit.toggled.connect(lambda _on: self._show_image())
        self.fit.setVisible(info.media_type.startswith("image/"))
        close = QPushButton(self.tr("&Close"))
        close.setAccessibleName(self.tr("Close"))
        buttons = button_box((close, REJECT))
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.fit)
        row.addStretch(1)
        row.addWidget(buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.details)
        layout.addWidget(self.status)
        layout.addWidget(self.stack, 1)
        layout.addLayout(row)
        self.resize(820, 640)
        self.finished.connect(lambda _r: self._forget())
        workers.run_in_background(
            lambda: decode(vault, info), self._shown, self._failed, parent=self
        )

    # -- results ---------------------------------------------------------------------------
    def _shown(self, decoded: Decoded) -> None:
        self.status.hide()
        if decoded.image is not None:
            self._image = decoded.image
            self._put(self.picture_area)
            self._show_image()
        elif decoded.pages is not None:
            self.pages.set_pages(decoded.pages)
            self._put(self.pages)
        else:
            self.text.setPlainText(decoded.text or "")
            self._put(self.text)

    def _put(self, widget: QWidget) -> None:
        self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(self.tr("This attachment cannot be shown: {why}").format(why=str(exc)))

    def _show_image(self) -> None:
        if self._image is None:
            return
        image = self._image
        if self.fit.isChecked():
            room = self.picture_area.viewport().size()
            if image.width() > room.width() or image.height() > room.height():
                image = image.scaled(
                    room,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
        self.picture.setPixmap(QPixmap.fromImage(image))
        self.picture.resize(image.size())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if self.fit.isChecked():
            self._show_image()

    def _forget(self) -> None:
        """Closed or locked: no picture, page or text left in memory here."""
        self._image = None
        self.picture.clear()
        self.pages.clear()
        self.text.clear()

    @property
    def showing(self) -> str:
        """What is on screen: 'image', 'pages', 'text' or '' (tests)."""
        current = self.stack.currentWidget()
        if current is self.picture_area:
            return "image"
        if current is self.pages:
            return "pages"
        if current is self.text:
            return "text"
        return ""
