"""The lock's "every dialog closed" step (``MainWindow.lock``), kept out of the main window."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog, QWidget


def close_everything_else(window: QWidget) -> None:
    """Close popups, modal boxes (innermost first) and every other window of the app."""
    for _ in range(50):
        popup = QApplication.activePopupWidget()
        if popup is None:
            break
        popup.close()
    for _ in range(50):
        modal = QApplication.activeModalWidget()
        if modal is None or modal is window:
            break
        close_one(modal)
    for widget in window.findChildren(QDialog):
        if widget.isVisible():
            close_one(widget)
    for top in QApplication.topLevelWidgets():
        if top is not window and top.isVisible():
            close_one(top)


def close_one(widget: QWidget) -> None:
    if isinstance(widget, QDialog):
        widget.reject()
    if widget.isVisible():
        # A dialog that refuses to be rejected (the export's password page) or a plain
        # window: hide it; nothing of the vault may stay on screen.
        if isinstance(widget, QDialog):
            widget.done(QDialog.DialogCode.Rejected)
        widget.hide()
