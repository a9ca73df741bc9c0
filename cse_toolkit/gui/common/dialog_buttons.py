"""Dialog buttons in the platform's order, with the app's own labels and accessible names.

``button_box`` puts a dialog's buttons (OK / Cancel, Save / Discard, Create / Cancel) in a
``QDialogButtonBox`` by role, so each platform shows them in its own order (OK then Cancel on
Windows, Cancel then OK on GNOME and macOS) and Tab runs through them in the order shown.
``wizard_row`` does the same for Back / Next / Cancel as ``QWizard`` does: Cancel after Next,
except on macOS where it comes first.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialogButtonBox,
    QHBoxLayout,
    QStyle,
    QWidget,
)

Role = QDialogButtonBox.ButtonRole
ACCEPT = Role.AcceptRole
REJECT = Role.RejectRole
DESTRUCTIVE = Role.DestructiveRole


def button_box(*buttons: tuple[QAbstractButton, Role]) -> QDialogButtonBox:
    """The buttons, each with its role, in a box laid out by the platform's convention."""
    box = QDialogButtonBox()
    for button, role in buttons:
        box.addButton(button, role)
    return box


def _mac_order() -> bool:
    style = QApplication.style()
    layout = style.styleHint(QStyle.StyleHint.SH_DialogButtonLayout) if style else 0
    return layout == QDialogButtonBox.ButtonLayout.MacLayout.value


def wizard_row(back: QAbstractButton, next_: QAbstractButton, cancel: QAbstractButton) -> QWidget:
    """Back, Next and Cancel on the right, in the platform's wizard order, Tab in that order."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addStretch(1)
    order = [cancel, back, next_] if _mac_order() else [back, next_, cancel]
    for button in order:
        layout.addWidget(button)
    for first, second in zip(order, order[1:], strict=False):
        QWidget.setTabOrder(first, second)
    return row
