"""The single seam for message boxes, file dialogs and input dialogs.

Every view asks through these functions (``from cse_toolkit.gui import dialogs`` then
``dialogs.error(...)``), never through ``QMessageBox``/``QFileDialog``/``QInputDialog`` directly,
so tests replace this module's functions with ``monkeypatch`` and nothing ever blocks.

Buttons carry mnemonics (``&``) so every choice can be made from the keyboard.

Locking closes whatever is open, these boxes included (``MainWindow.lock`` rejects every open
dialog). A box closed by a lock answers as if cancelled (``ask`` gives its escape choice,
``confirm`` False, the file and text dialogs None) so the code that asked goes no further.
File dialogs are Qt's own, not the operating system's: a native dialog runs its own event loop
that the panic key cannot reach, and "lock from anywhere" must hold while one is open.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget

_locks = 0
_locking = False


def note_lock() -> None:
    """Called by the main window as it locks: boxes open now answer "cancelled"."""
    global _locks, _locking
    _locks += 1
    _locking = True


def lock_done() -> None:
    global _locking
    _locking = False


def lock_in_progress() -> bool:
    """True while the app is locking: a dialog being rejected now keeps its draft."""
    return _locking


def _run(dialog: QDialog) -> bool:
    """``exec()`` the dialog; False if the app locked while it was open."""
    before = _locks
    dialog.exec()
    return _locks == before


def _tr(text: str) -> str:
    return QCoreApplication.translate("dialogs", text)


def _box(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, details: str = ""
) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setAccessibleName(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if details:
        box.setDetailedText(details)
    return box


def info(parent: QWidget | None, title: str, text: str) -> None:
    box = _box(parent, QMessageBox.Icon.Information, title, text)
    box.addButton(_tr("&OK"), QMessageBox.ButtonRole.AcceptRole)
    _run(box)


def warning(parent: QWidget | None, title: str, text: str) -> None:
    box = _box(parent, QMessageBox.Icon.Warning, title, text)
    box.addButton(_tr("&OK"), QMessageBox.ButtonRole.AcceptRole)
    _run(box)


def error(parent: QWidget | None, title: str, text: str) -> None:
    box = _box(parent, QMessageBox.Icon.Critical, title, text)
    box.addButton(_tr("&OK"), QMessageBox.ButtonRole.AcceptRole)
    _run(box)


def crash(parent: QWidget | None, text: str, details: str = "") -> None:
    """The crash dialog: something that is not the user's doing went wrong."""
    box = _box(parent, QMessageBox.Icon.Critical, _tr("Something went wrong"), text, details)
    box.addButton(_tr("&OK"), QMessageBox.ButtonRole.AcceptRole)
    _run(box)


def ask(
    parent: QWidget | None,
    title: str,
    text: str,
    choices: Sequence[tuple[str, str]],
    default: str | None = None,
    escape: str | None = None,
) -> str:
    """Offer ``choices`` as (key, button text) pairs; returns the key chosen.

    ``escape`` is what closing the box or pressing Esc means (the last choice if not given).
    """
    box = _box(parent, QMessageBox.Icon.Question, title, text)
    buttons = {}
    for key, label in choices:
        buttons[key] = box.addButton(label, QMessageBox.ButtonRole.ActionRole)
    if default is not None:
        box.setDefaultButton(buttons[default])
    escape_key = escape if escape is not None else choices[-1][0]
    box.setEscapeButton(buttons[escape_key])
    if not _run(box):
        return escape_key
    clicked = box.clickedButton()
    for key, button in buttons.items():
        if button is clicked:
            return key
    return escape_key


def confirm(parent: QWidget | None, title: str, text: str, yes: str, no: str) -> bool:
    return ask(parent, title, text, [("yes", yes), ("no", no)], default="no", escape="no") == "yes"


def get_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setAccessibleName(title)
    if not _run(dialog) or dialog.result() != QDialog.DialogCode.Accepted:
        return None
    return dialog.textValue()


def _paper_printer(parent: QWidget | None, title: str, refusal: str) -> Any:
    """Qt's print dialog with "Print to file" off; the chosen printer, or None when cancelled
    or when the printer turns out to write a file (PDF): then ``refusal`` is shown, since what
    is printed must never be left on the disk unencrypted."""
    from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    printer.setOutputFileName("")
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(title)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, False)
    dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintSelection, False)
    if not _run(dialog) or dialog.result() != QDialog.DialogCode.Accepted:
        return None
    if printer.outputFileName() or printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        error(parent, title, refusal)
        return None
    return printer


def print_document(parent: QWidget | None, title: str, document: QTextDocument) -> bool:
    """Print ``document`` through Qt's print dialog, to a printer only; True if it was sent.

    "Print to file" is switched off, and a printer that turns out to write a file (PDF) is
    refused: what this prints (the recovery sheet) must never be left on the disk as a file.
    """
    printer = _paper_printer(
        parent,
        title,
        _tr(
            "That printer writes a file, which would leave the recovery key on this laptop's "
            "disk unencrypted. Choose a paper printer, or write the key down instead."
        ),
    )
    if printer is None:
        return False
    document.print_(printer)
    return True


def print_images(parent: QWidget | None, title: str, pages: Sequence[QImage]) -> bool:
    """Print page pictures (a chronology rendered in memory) through Qt's print dialog, to a
    printer only; True if they were sent. A printer that writes a file is refused, as above:
    a printed chronology must never be left on the disk unencrypted."""
    printer = _paper_printer(
        parent,
        title,
        _tr(
            "That printer writes a file, which would leave the chronology on this laptop's "
            "disk unencrypted. Choose a paper printer, or export an encrypted pack instead."
        ),
    )
    if printer is None:
        return False
    painter = QPainter(printer)
    try:
        for number, image in enumerate(pages):
            if number:
                printer.newPage()
            room = painter.viewport()
            fitted = image.size().scaled(room.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(room.x(), room.y(), fitted.width(), fitted.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
    finally:
        painter.end()
    return True


def _file_dialog(
    parent: QWidget | None, title: str, filters: str, mode: QFileDialog.AcceptMode, start: str
) -> Path | None:
    dialog = QFileDialog(parent, title, start, filters)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(mode)
    dialog.setAccessibleName(title)
    if mode == QFileDialog.AcceptMode.AcceptOpen:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    else:
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        if start:
            dialog.selectFile(start)
    if not _run(dialog) or dialog.result() != QDialog.DialogCode.Accepted:
        return None
    chosen = dialog.selectedFiles()
    return Path(chosen[0]) if chosen and chosen[0] else None


def open_file(parent: QWidget | None, title: str, filters: str) -> Path | None:
    return _file_dialog(parent, title, filters, QFileDialog.AcceptMode.AcceptOpen, "")


def save_file(parent: QWidget | None, title: str, filters: str, suggested: str = "") -> Path | None:
    return _file_dialog(parent, title, filters, QFileDialog.AcceptMode.AcceptSave, suggested)
