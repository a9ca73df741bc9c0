"""The single seam for message boxes, file dialogs and input dialogs.

Every view asks through these functions (``from cse_toolkit.gui import dialogs`` then
``dialogs.error(...)``), never through ``QMessageBox``/``QFileDialog``/``QInputDialog`` directly,
so tests replace this module's functions with ``monkeypatch`` and nothing ever blocks.

Buttons carry mnemonics (``&``) so every choice can be made from the keyboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget


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
    box.exec()


def warning(parent: QWidget | None, title: str, text: str) -> None:
    box = _box(parent, QMessageBox.Icon.Warning, title, text)
    box.addButton(_tr("&OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def error(parent: QWidget | None, title: str, text: str) -> None:
    box = _box(parent, QMessageBox.Icon.Critical, title, text)
    box.addButton(_tr("&OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


def crash(parent: QWidget | None, text: str, details: str = "") -> None:
    """The crash dialog: something that is not the user's doing went wrong."""
    box = _box(parent, QMessageBox.Icon.Critical, _tr("Something went wrong"), text, details)
    box.addButton(_tr("&OK"), QMessageBox.ButtonRole.AcceptRole)
    box.exec()


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
    box.exec()
    clicked = box.clickedButton()
    for key, button in buttons.items():
        if button is clicked:
            return key
    return escape_key


def confirm(parent: QWidget | None, title: str, text: str, yes: str, no: str) -> bool:
    return ask(parent, title, text, [("yes", yes), ("no", no)], default="no", escape="no") == "yes"


def get_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return value if ok else None


def open_file(parent: QWidget | None, title: str, filters: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return Path(name) if name else None


def save_file(parent: QWidget | None, title: str, filters: str, suggested: str = "") -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return Path(name) if name else None
