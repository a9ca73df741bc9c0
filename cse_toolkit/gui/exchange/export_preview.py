"""The pages of a pack as pictures, rendered from the PDF bytes in memory.

``render_pages`` turns the unencrypted PDF (``packs.render.render_pdf``) into ``QImage`` pages
with pypdfium2; it runs on a pool thread (``workers.run_in_background``) and nothing it touches
is ever written to disk. ``PagePreview`` shows the pages one under another in a scroll area
with "Page X of Y", and moves page by page with Page Up / Page Down.

PDFium is not thread-safe, so every use of it here holds one lock (two previews rendering at
once, e.g. after going back and forward quickly, would otherwise share the library).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from cse_toolkit.packs.pdfium_lock import LOCK as PDFIUM_LOCK

# Enough for a reader to check every page; bigger packs show their first pages only, so the
# preview of a 500-note chronology cannot take hundreds of megabytes of images.
MAX_PREVIEW_PAGES = 25
SCALE = 1.25  # 72 dpi PDF points -> about 90 dpi: A4 at ~745 px wide, readable on a laptop

_pdfium_lock = PDFIUM_LOCK  # shared with the PDF attachments' thumbnails


def _tr(text: str) -> str:
    return QCoreApplication.translate("PagePreview", text)


@dataclass
class RenderedPages:
    images: list[QImage] = field(default_factory=list)
    total: int = 0  # pages in the document (may be more than were rendered)


def render_pages(
    pdf: bytes, scale: float = SCALE, max_pages: int = MAX_PREVIEW_PAGES
) -> RenderedPages:
    """Rasterise up to ``max_pages`` pages of ``pdf`` (bytes in memory) into QImages."""
    import pypdfium2 as pdfium

    out = RenderedPages()
    with _pdfium_lock:
        doc = pdfium.PdfDocument(pdf)
        try:
            out.total = len(doc)
            for number in range(min(out.total, max_pages)):
                page = doc[number]
                try:
                    bitmap = page.render(scale=scale, rev_byteorder=True)  # RGB byte order
                    try:
                        image = QImage(
                            bitmap.buffer,
                            bitmap.width,
                            bitmap.height,
                            bitmap.stride,
                            QImage.Format.Format_RGB888,
                        )
                        # Copy: the QImage must own its pixels once PDFium's bitmap is closed.
                        out.images.append(image.copy())
                    finally:
                        bitmap.close()
                finally:
                    page.close()
        finally:
            doc.close()
    return out


class _PageView(QWidget):
    """One page, painted straight from its QImage.

    No QPixmap: converting 25 full pages to pixmaps on the GUI thread took long enough to
    freeze the window for a moment; drawing an image only costs what is on screen.
    """

    def __init__(self, image: QImage, number: int, total: int) -> None:
        super().__init__()
        self._image = image
        self.setFixedSize(image.width() + 2, image.height() + 2)
        self.setAccessibleName(_tr("Page {n} of {total}").format(n=number, total=total))

    def image(self) -> QImage:
        return self._image

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.drawImage(1, 1, self._image)
        painter.setPen(QColor("#777777"))
        painter.drawRect(0, 0, self.width() - 1, self.height() - 1)
        painter.end()


class PagePreview(QScrollArea):
    """Rendered pages in a column; ``page_changed(number, total)`` as the reader scrolls."""

    page_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(_tr("Preview of the pack's pages"))
        self.setWidgetResizable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pages: list[_PageView] = []
        self._total = 0
        self._inner = QWidget()
        self._inner.setObjectName("previewPages")
        self._column = QVBoxLayout(self._inner)
        self._column.setSpacing(12)
        self._column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setWidget(self._inner)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._report_page())

    # -- content ---------------------------------------------------------------------------
    def set_pages(self, pages: RenderedPages) -> None:
        self.clear()
        self._total = pages.total
        shown = len(pages.images)
        for number, image in enumerate(pages.images, start=1):
            label = _PageView(image, number, pages.total)
            self._pages.append(label)
            self._column.addWidget(label)
        if shown < pages.total:
            more = QLabel(
                _tr(
                    "The preview shows the first {shown} of {total} pages. "
                    "The exported file holds all {total}."
                ).format(shown=shown, total=pages.total)
            )
            more.setWordWrap(True)
            self._column.addWidget(more)
        self.verticalScrollBar().setValue(0)
        self._report_page()

    def clear(self) -> None:
        """Forget every page (also on lock: no record left on screen or in memory here)."""
        while self._column.count():
            item = self._column.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._pages = []
        self._total = 0

    @property
    def page_count(self) -> int:
        return len(self._pages)

    @property
    def total(self) -> int:
        return self._total

    # -- where the reader is ----------------------------------------------------------------
    def current_page(self) -> int:
        """The page at the top of the view (1-based), 0 with no pages."""
        if not self._pages:
            return 0
        if self.verticalScrollBar().value() == 0:
            return 1  # also before the first layout, when every page still sits at y = 0
        top = self.verticalScrollBar().value() + self.viewport().height() // 3
        current = 1
        for number, label in enumerate(self._pages, start=1):
            if label.y() <= top:
                current = number
        return current

    def show_page(self, number: int) -> None:
        if not self._pages:
            return
        number = max(1, min(number, len(self._pages)))
        self.verticalScrollBar().setValue(self._pages[number - 1].y())
        self._report_page()

    def _report_page(self) -> None:
        self.page_changed.emit(self.current_page(), self._total)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        key = event.key()
        if key == Qt.Key.Key_PageDown and self._pages:
            self.show_page(self.current_page() + 1)
        elif key == Qt.Key.Key_PageUp and self._pages:
            self.show_page(self.current_page() - 1)
        elif key == Qt.Key.Key_Home and self._pages:
            self.show_page(1)
        elif key == Qt.Key.Key_End and self._pages:
            self.show_page(len(self._pages))
        else:
            super().keyPressEvent(event)
