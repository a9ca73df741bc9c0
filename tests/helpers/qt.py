"""Qt helpers for the GUI tests (this module loads Qt: import it from GUI tests only)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication


def activate(qtbot: Any, widget: Any) -> None:
    """Show the window and make it active (keyboard focus and shortcuts need it, offscreen
    too)."""
    widget.show()
    qtbot.waitExposed(widget)
    widget.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=2000)
