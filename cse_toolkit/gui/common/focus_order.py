"""Keyboard order of a window: its Tab stops as Qt decides them, and F6 region cycling.

The main window computes its Tab order instead of setting it with ``setTabOrder``, because
pages and tabs plugged in later (``add_page``, ``add_tab``) join Qt's focus chain at its end;
these helpers walk that chain the way Qt does.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton, QTabWidget, QWidget


def tab_stops(window: QWidget) -> list[QWidget]:
    """Every widget Tab stops on in ``window``, in Qt's focus chain order."""
    stops: list[QWidget] = []
    groups: set[int] = set()
    step = window.nextInFocusChain()
    for _ in range(50000):
        if step is None or step is window:
            break
        if is_tab_stop(step, groups):
            stops.append(step)
        step = step.nextInFocusChain()
    return stops


def region_target(regions: Sequence[QWidget], focus: QWidget | None, step: int) -> QWidget | None:
    """F6 / Shift+F6: the first control of the region after (``step`` 1) or before (-1) the one
    holding ``focus``; None when no region has a control to focus."""
    if not regions:
        return None
    here = next(
        (
            i
            for i, r in enumerate(regions)
            if focus is not None and (focus is r or r.isAncestorOf(focus))
        ),
        -1,
    )
    start = 0 if here < 0 and step > 0 else here
    for n in range(1, len(regions) + 1):
        target = first_focusable(regions[(start + step * n) % len(regions)])
        if target is not None:
            return target
    return None


def focus_into(page: QWidget | None, focus: QWidget | None) -> None:
    """Focus ``page``'s first control unless ``focus`` is already a visible control inside it.

    After unlocking, Qt hands focus to whatever follows the hidden unlock form in the focus
    chain (the navigation list, or a table on a page not shown), which a screen reader then
    reads out; the user should land on the page in front of them."""
    if page is None or (focus is not None and focus.isVisible() and page.isAncestorOf(focus)):
        return
    target = first_focusable(page)
    if target is not None:
        target.setFocus(Qt.FocusReason.OtherFocusReason)


def first_focusable(region: QWidget) -> QWidget | None:
    """The first control of ``region`` that Tab would stop on, in focus-chain order."""
    if region.focusPolicy() & Qt.FocusPolicy.TabFocus and region.isEnabled():
        return region
    widget = region.nextInFocusChain()
    for _ in range(5000):
        if widget is None or widget is region:
            return None
        if (
            region.isAncestorOf(widget)
            and widget.isVisible()
            and widget.isEnabled()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            return widget
        widget = widget.nextInFocusChain()
    return None


def is_tab_stop(widget: QWidget, groups: set[int]) -> bool:
    """Whether Tab stops on ``widget`` (as Qt decides: visible, enabled, Tab focus, one stop
    per group of exclusive radio buttons: the checked one, else the first). ``groups`` collects
    the radio groups already given their stop."""
    if not (
        widget.isVisible()
        and widget.isEnabled()
        and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        and widget.focusProxy() is None
    ):
        return False
    if isinstance(widget, QTabWidget):
        return False  # it hands focus to its tab bar, which is the stop
    if isinstance(widget, QRadioButton):
        group = widget.group()
        exclusive = group.exclusive() if group is not None else widget.autoExclusive()
        if exclusive:
            parent = widget.parentWidget()
            members = (
                group.buttons()
                if group is not None
                else [
                    b
                    for b in parent.findChildren(QRadioButton)
                    if b.parentWidget() is parent and b.autoExclusive()
                ]
            )
            checked = [b for b in members if b.isChecked()]
            if checked:
                return widget.isChecked()
            key = id(group if group is not None else parent)
            if key in groups:
                return False
            groups.add(key)
    return True
