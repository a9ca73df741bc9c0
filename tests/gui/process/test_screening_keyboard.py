"""The screening's key model, keyboard only, on both tools: every row of every page answered
with the same keys whatever was chosen before; nothing lands one field early; required
questions stop Next beside the question; the unanswered list jumps to each question."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cse_toolkit.gui.process.screening_wizard import IndicatorRow, ScreeningWizard, legend_text

from .test_screening_wizard import at_screening, clock, open_process  # noqa: F401

K = Qt.Key
ALT = Qt.KeyboardModifier.AltModifier
ANSWERS = ["yes", "possible", "no", "unknown"]
DIGIT = {"yes": K.Key_1, "possible": K.Key_2, "no": K.Key_3, "unknown": K.Key_4}


def _key(qtbot: Any, key: Any, modifier: Any = Qt.KeyboardModifier.NoModifier) -> None:
    """A key to whatever has the focus, as a person's keyboard would send it."""
    _reactivate(qtbot)
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def _reactivate(qtbot: Any) -> None:
    """The offscreen platform deactivates the window when a stacked page changes (no other
    window is shown); a desktop keeps it active. Re-activate, so the focus Qt recorded for the
    window (what the wizard chose) comes back, as it would on screen."""
    if QApplication.activeWindow() is None and _KEEP:
        window = _KEEP[-1].window()
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def _type(qtbot: Any, text: str) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClicks(target, text)


def _focused_row(wizard: ScreeningWizard) -> IndicatorRow | None:
    if QApplication.activeWindow() is None and _KEEP:
        _KEEP[-1].window().activateWindow()
        QApplication.processEvents()
    widget = QApplication.focusWidget()
    while widget is not None and not isinstance(widget, IndicatorRow):
        widget = widget.parentWidget()
    return widget


def _answer_every_row_by_keyboard(qtbot: Any, wizard: ScreeningWizard) -> dict[str, Any]:
    """Walk every page: keys only, one plan per row; returns what each row should hold."""
    expected: dict[str, Any] = {}
    n = 0
    for page_number, page in enumerate(wizard.pages, 1):
        assert wizard.page_index == page_number
        assert page.keys.text() == legend_text(page.section.has_time_period)
        for i, row in enumerate(page.rows):
            assert _focused_row(wizard) is row, (page.section.id, i)
            value = ANSWERS[n % 4]
            _key(qtbot, DIGIT[value])
            basis = when = None
            if value in ("yes", "possible"):
                basis = "gut_feeling" if n % 3 else "evidence"
                _key(qtbot, K.Key_G if basis == "gut_feeling" else K.Key_E)
                if page.section.has_time_period:
                    when = "prior" if n % 2 else "current"
                    _key(qtbot, K.Key_B if when == "prior" else K.Key_C)
            note = ""
            if n % 5 == 0:
                _key(qtbot, K.Key_N)
                assert QApplication.focusWidget() is row.note
                note = f"note {n} seen 1 2 3 at the bus station"
                _type(qtbot, note)
            expected[row.indicator.id] = (value, basis, when, note)
            n += 1
            last = i == len(page.rows) - 1
            # Enter moves on (from the last question: the next page); Tab too, elsewhere.
            _key(qtbot, K.Key_Return if (last or n % 2) else K.Key_Tab)
    return expected


def _check(wizard: ScreeningWizard, expected: dict[str, Any]) -> None:
    for indicator, (value, basis, when, note) in expected.items():
        row = wizard.row(indicator)
        assert (row.value(), row.basis(), row.when() if when else None, row.note.text()) == (
            value,
            basis,
            when,
            note,
        ), indicator


def _start(qtbot: Any, vault: Any, child: Any, other_tool: bool = False) -> ScreeningWizard:
    tab = open_process(qtbot, vault, child)
    tab.tracker.continue_button.setFocus()
    _key(qtbot, K.Key_Space)
    wizard = tab.wizard
    if other_tool:
        wizard.context.tool_combo.setFocus()
        _key(qtbot, K.Key_Up)
    _key(qtbot, K.Key_X, ALT)  # Next
    qtbot.wait(150)
    _KEEP.append(tab)  # the process tab owns the wizard: keep it alive for the test
    return wizard


_KEEP: list[Any] = []


@pytest.fixture(autouse=True)
def _tabs_go_before_their_vault(vault_factory: Any) -> Iterator[None]:
    """The kept tabs are deleted when their test ends, before its vaults close: a tab left
    alive kept its wizard's draft timer, which fired in a later test and saved into a closed
    vault (``'NoneType' object has no attribute 'execute'``, seen under pytest-xdist)."""
    yield
    while _KEEP:
        tab = _KEEP.pop()
        if shiboken6.isValid(tab):
            shiboken6.delete(tab)  # its children (the wizard, its timers) with it


def test_both_tools_keyboard_only(qtbot: Any, vault_factory: Any, clock: Any) -> None:  # noqa: F811
    vault = vault_factory(clock=clock)
    for name, other in (("Jade Example", False), ("Kai Example", True)):
        child = at_screening(vault, name=name, approx_age=14)
        wizard = _start(qtbot, vault, child, other_tool=other)
        assert wizard.tool is not None
        assert wizard.tool.id == ("west-midlands-regional" if other else "worcestershire-2013")
        expected = _answer_every_row_by_keyboard(qtbot, wizard)
        _check(wizard, expected)
        assert len(expected) == len(wizard.rows())
        assert wizard.record_id is not None


def test_tab_after_a_basis_goes_to_the_next_question(
    qtbot: Any,
    vault_factory: Any,
    clock: Any,  # noqa: F811
) -> None:
    vault = vault_factory(clock=clock)
    wizard = _start(qtbot, vault, at_screening(vault, approx_age=14))
    page = wizard.pages[0]
    first, second, third = page.rows[:3]
    assert _focused_row(wizard) is first
    for keys, row in (((K.Key_1, K.Key_G), first), ((K.Key_2, K.Key_E), second)):
        for key in keys:
            _key(qtbot, key)
        _key(qtbot, K.Key_Tab)
        # Not the basis radio of the same row: the next question's answer.
        following = page.rows[page.rows.index(row) + 1]
        assert QApplication.focusWidget() in following.answer_buttons.values()
    assert first.basis() == "gut_feeling" and second.basis() == "evidence"
    _key(qtbot, K.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert _focused_row(wizard) is second
    _key(qtbot, K.Key_Down)
    assert _focused_row(wizard) is third
    # A stray digit on a row never lands in a note.
    _key(qtbot, K.Key_3)
    assert third.value() == "no" and third.note.text() == ""


def test_required_question_stops_next_beside_it_and_the_list_jumps(
    qtbot: Any,
    vault_factory: Any,
    clock: Any,  # noqa: F811
    fake_dialogs: Any,
) -> None:
    vault = vault_factory(clock=clock)
    wizard = _start(qtbot, vault, at_screening(vault, approx_age=14))
    page = wizard.pages[0]
    required = page.rows[2]
    required.required = True  # as a tool file's `required = true` makes it
    assert page.unanswered() == page.rows
    assert f"{len(page.rows)} questions not answered yet" in page.unanswered_label.text()
    _key(qtbot, K.Key_1)
    _key(qtbot, K.Key_E)
    assert len(page.unanswered_buttons) == len(page.rows) - 1
    _key(qtbot, K.Key_X, ALT)
    qtbot.wait(150)
    assert wizard.page_index == 1, "a required question left blank must stop Next"
    assert required.message.isVisible() and "must be answered" in required.message.text()
    assert _focused_row(wizard) is required
    assert fake_dialogs.shown == []  # no box: the message is on the page
    _key(qtbot, K.Key_4)  # Not known is an answer
    assert not required.message.isVisible()
    # The unanswered list: Alt+U, then each button jumps to its question.
    _key(qtbot, K.Key_U, ALT)
    button = QApplication.focusWidget()
    assert button is page.unanswered_buttons[0]
    target = page.unanswered()[0]
    _key(qtbot, K.Key_Space)
    assert _focused_row(wizard) is target
    _key(qtbot, K.Key_X, ALT)
    qtbot.wait(150)
    assert wizard.page_index == 2


def test_required_flag_is_read_from_the_tool_file() -> None:
    from cse_toolkit.core.tools import Indicator

    assert Indicator(id="q", label="Q", required=True).required is True
    assert Indicator(id="q", label="Q").required is False
