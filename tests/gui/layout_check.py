"""Finding clipped text: a label, button or box shown smaller than its text needs.

``clipped(root)`` walks every visible widget under ``root`` and returns a description of each
one that is cut off: a word-wrapped label shorter than its height for its width, a one-line
label or a button narrower than its text, a field squashed below its minimum height. Inside a
scroll area nothing counts as clipped for being outside the viewport (it can be scrolled to);
what counts is the widget's own size.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

SLACK = 1  # pixels of rounding


def _name(widget: QWidget) -> str:
    text = ""
    if isinstance(widget, QLabel | QAbstractButton):
        text = widget.text()
    return f"{type(widget).__name__}({widget.objectName() or widget.accessibleName() or text!r})"


def clipped(root: QWidget) -> list[str]:
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) or widget.width() <= 0:
            continue
        if widget.objectName().startswith("qt_") or isinstance(
            widget.parentWidget(), QComboBox | QAbstractSpinBox
        ):
            continue  # Qt's own parts of a control (the line edit inside a combo or spin box)
        size = widget.size()
        if isinstance(widget, QLabel):
            if not widget.text() or widget.pixmap() is not None and not widget.pixmap().isNull():
                continue
            if widget.wordWrap():
                need = widget.heightForWidth(size.width())
                if need > size.height() + SLACK:
                    found.append(f"{_name(widget)} is {size.height()} px high, needs {need}")
            else:
                hint = widget.sizeHint()
                if hint.width() > size.width() + SLACK or hint.height() > size.height() + SLACK:
                    found.append(
                        f"{_name(widget)} is {size.width()}x{size.height()}, "
                        f"needs {hint.width()}x{hint.height()}"
                    )
        elif isinstance(widget, QAbstractButton) and widget.text():
            hint = widget.minimumSizeHint()
            need_w = max(hint.width(), widget.sizeHint().width())
            if need_w > size.width() + SLACK or hint.height() > size.height() + SLACK:
                found.append(
                    f"{_name(widget)} is {size.width()}x{size.height()}, "
                    f"needs {need_w}x{hint.height()}"
                )
        elif isinstance(widget, QLineEdit | QComboBox | QAbstractSpinBox):
            hint = widget.minimumSizeHint()
            if hint.height() > size.height() + SLACK:
                found.append(
                    f"{_name(widget)} squashed to {size.height()} px (needs {hint.height()})"
                )
    return found
