"""The Attachments tab: a child's photos, scans, PDFs and text files, as thumbnails.

Files come in through the file dialog seam (``dialogs.open_file``) or by dropping them on the
tab. Each is read and checked on a pool thread (``services.attachments.read_and_check``: type
from the content, hostile files refused), then ``AddAttachmentDialog`` asks for the caption, the
time taken and, for a photo that records them, whether to keep its location and camera details
for evidence; the save runs on a pool thread too. The file on disk is only read.

Opening shows the attachment in ``AttachmentViewer`` inside the app; nothing is handed to
another program or written out. The warning about indecent images of children stays on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.entities import Child
from cse_toolkit.gui.common import dialogs, workers
from cse_toolkit.gui.common.widgets import local_text, report

if TYPE_CHECKING:
    from cse_toolkit.services.attachments import Prepared
    from cse_toolkit.vault.attachments_repo import AttachmentInfo
    from cse_toolkit.vault.vault import Vault

FILTERS = "Photos, PDFs and text (*.jpg *.jpeg *.png *.pdf *.txt);;All files (*)"
MAX_DROPPED = 10
REMOVE_CHOICES = (
    ("added_by_mistake", "Added by mistake"),
    ("wrong_child", "On the wrong child's record"),
    ("not_needed", "No longer needed"),
    ("must_not_be_kept", "Must not be kept (for example an indecent image)"),
)


class AttachmentsTab(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from cse_toolkit.gui.children.attachment_add_dialog import indecent_images_warning

        self.setAccessibleName(self.tr("Attachments"))
        self.setAcceptDrops(True)
        self._vault: Vault | None = None
        self._child: Child | None = None
        self._items: list[AttachmentInfo] = []
        self._queue: list[Path] = []
        self.busy = False

        self.warning = indecent_images_warning(self)
        self.hint = QLabel(
            self.tr(
                "Photos (JPEG, PNG), PDFs and plain text, kept encrypted in the vault. Add a "
                "file, or drop it here. Location and camera details are removed unless you "
                "keep them for evidence."
            )
        )
        self.hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Attachments on this record"))
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(160, 160))
        self.list.setGridSize(QSize(200, 230))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.itemActivated.connect(lambda _item: self.open_selected())
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.empty = QLabel(self.tr("No attachments on this record yet."))
        self.empty.setAccessibleName(self.tr("No attachments"))
        self.status = QLabel()
        self.status.setAccessibleName(self.tr("Status"))

        self.add_button = QPushButton(self.tr("&Add file…"))
        self.add_button.setAccessibleName(self.tr("Add file"))
        self.add_button.clicked.connect(self.choose_file)
        self.open_button = QPushButton(self.tr("&Open"))
        self.open_button.setAccessibleName(self.tr("Open attachment"))
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button = QPushButton(self.tr("&Remove…"))
        self.remove_button.setAccessibleName(self.tr("Remove attachment"))
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for button in (self.add_button, self.open_button, self.remove_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addWidget(self.hint)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    # -- ChildTab --------------------------------------------------------------------------
    def set_child(self, vault: Vault, child: Child) -> None:
        self._vault, self._child = vault, child
        self._items = vault.attachments.for_child(child.id)
        self.list.clear()
        style = self.style()
        for info in self._items:
            item = QListWidgetItem(self._icon(info, style), self._label(info))
            item.setData(Qt.ItemDataRole.UserRole, info.id)
            item.setToolTip(info.caption or info.file_name)
            self.list.addItem(item)
        self.empty.setVisible(not self._items)
        self._update_buttons()

    def clear(self) -> None:
        self._vault = self._child = None
        self._items = []
        self._queue = []
        self.list.clear()
        self.status.clear()

    def _icon(self, info: AttachmentInfo, style: QStyle) -> QIcon:
        if info.thumbnail:
            image = QImage.fromData(info.thumbnail)
            if not image.isNull():
                return QIcon(QPixmap.fromImage(image))
        kind = (
            QStyle.StandardPixmap.SP_FileDialogDetailedView
            if info.media_type == "application/pdf"
            else QStyle.StandardPixmap.SP_FileIcon
        )
        return style.standardIcon(kind)

    def _label(self, info: AttachmentInfo) -> str:
        caption = info.caption or info.file_name or self.tr("No caption")
        if len(caption) > 60:
            caption = caption[:57] + "…"
        when = info.taken_at or info.added_at
        what = {"application/pdf": self.tr("PDF"), "text/plain": self.tr("Text")}.get(
            info.media_type, self.tr("Photo")
        )
        return f"{caption}\n{what} · {local_text(when, with_time=False)} · {info.added_by}"

    def selected(self) -> AttachmentInfo | None:
        items = self.list.selectedItems()
        if not items:
            return None
        wanted = items[0].data(Qt.ItemDataRole.UserRole)
        return next((i for i in self._items if i.id == wanted), None)

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        self.open_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen and not self.busy)
        self.add_button.setEnabled(self._child is not None and not self.busy)

    # -- adding ----------------------------------------------------------------------------
    def choose_file(self) -> None:
        if self._child is None:
            return
        path = dialogs.open_file(self, self.tr("Add a file to the record"), self.tr(FILTERS))
        if path is not None:
            self.add_paths([path])

    def add_paths(self, paths: list[Path]) -> None:
        """Check and add these files one after another (each asks its own questions)."""
        self._queue += paths[:MAX_DROPPED]
        if len(paths) > MAX_DROPPED:
            dialogs.info(
                self,
                self.tr("Add files"),
                self.tr("Only the first {n} files are added at a time.").format(n=MAX_DROPPED),
            )
        if not self.busy:
            self._next()

    def _next(self) -> None:
        if not self._queue or self._vault is None or self._child is None:
            self._set_busy(False)
            return
        path = self._queue.pop(0)
        vault = self._vault
        self._set_busy(True, self.tr("Checking {name}…").format(name=path.name))
        from cse_toolkit.services import attachments

        workers.run_in_background(
            lambda: attachments.read_and_check(vault, path),
            self._checked,
            lambda exc: self._refused(exc, path.name),
            parent=self,
        )

    def _refused(self, exc: BaseException, name: str) -> None:
        self._set_busy(False)
        report(self, self.tr("{name} was not added").format(name=name), exc)
        self._next()

    def _checked(self, prepared: Prepared) -> None:
        if self._vault is None or self._child is None:
            return
        from cse_toolkit.gui.children.attachment_add_dialog import AddAttachmentDialog

        dialog = AddAttachmentDialog(prepared, self._vault.now(), parent=self)
        dialog.finished.connect(lambda result: self._answered(dialog, result))
        dialog.open()

    def _answered(self, dialog: QWidget, result: int) -> None:
        from cse_toolkit.gui.children.attachment_add_dialog import AddAttachmentDialog
        from cse_toolkit.services import attachments

        assert isinstance(dialog, AddAttachmentDialog)
        dialog.deleteLater()
        vault, child = self._vault, self._child
        if not result or vault is None or child is None:
            self._next()
            return
        prepared, caption, taken, keep = (
            dialog.prepared,
            dialog.caption,
            dialog.taken_at,
            dialog.keep,
        )
        self._set_busy(True, self.tr("Adding…"))
        workers.run_in_background(
            lambda: attachments.save(
                vault, child.id, prepared, caption=caption, taken_at=taken, keep_metadata=keep
            ),
            lambda _info: self._saved(),
            lambda exc: self._refused(exc, prepared.file_name),
            parent=self,
        )

    def _saved(self) -> None:
        self._set_busy(False)
        self.changed.emit()
        self._next()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.status.setText(text)
        self._update_buttons()

    # -- drag and drop ---------------------------------------------------------------------
    @staticmethod
    def _local_files(event: QDragEnterEvent | QDropEvent) -> list[Path]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if self._child is not None and self._local_files(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt API)
        files = self._local_files(event)
        if self._child is None or not files:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_paths(files)

    # -- opening and removing --------------------------------------------------------------
    def open_selected(self) -> None:
        info = self.selected()
        if info is None or self._vault is None:
            return
        from cse_toolkit.gui.children.attachment_viewer import AttachmentViewer

        viewer = AttachmentViewer(self._vault, info, parent=self)
        viewer.finished.connect(lambda _r: viewer.deleteLater())
        viewer.open()

    def remove_selected(self) -> None:
        info = self.selected()
        if info is None or self._vault is None:
            return
        choices = [(key, self.tr(text)) for key, text in REMOVE_CHOICES]
        why = dialogs.ask(
            self,
            self.tr("Remove the attachment"),
            self.tr(
                "Remove '{caption}' from the record for good? Say why; the removal is kept "
                "in the audit trail."
            ).format(caption=info.caption or info.file_name),
            [*choices, ("cancel", self.tr("Cancel"))],
            default="cancel",
            escape="cancel",
        )
        if why == "cancel":
            return
        vault = self._vault
        self._set_busy(True, self.tr("Removing…"))
        workers.run_in_background(  # a large file's pages take a moment to free
            lambda: vault.attachments.remove(info.id, why),
            lambda _none: self._saved(),
            self._remove_failed,
            parent=self,
        )

    def _remove_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        report(self, self.tr("The attachment was not removed"), exc)
