"""The Intelligence page: the list of reports, the filter, hotspots, opening and writing."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.factories import save_report
from helpers.qt import activate
from PySide6.QtCore import Qt

from cse_toolkit.core import intelligence as intel
from cse_toolkit.gui.intel.intel_page import IntelligencePage

from .test_intel_editor import unnamed_controls

BUS = intel.Location(name="Bus station", postcode="WR1 1AA", place_type="bus_station")
PARK = intel.Location(name="Riverside Park", postcode="WR2 4QQ", place_type="park")
HOTEL = intel.Location(name="Crown Lodge Hotel", postcode="WR5 1YY", place_type="hotel")


@pytest.fixture
def page(qtbot: Any, vault: Any) -> Any:
    widget = IntelligencePage()
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    activate(qtbot, widget)
    yield widget
    widget.save_draft()
    widget.clear()


def open_vault(qtbot: Any, page: IntelligencePage, vault: Any) -> None:
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.set_vault(vault)


def test_hotspots_most_mentioned_first(qtbot: Any, page: IntelligencePage, vault: Any) -> None:
    open_vault(qtbot, page, vault)
    assert page.hotspot_texts() == ["No hotspots"]
    mia = vault.repos.add_child(name="Mia Smith")
    save_report(vault, [mia.id], PARK)
    save_report(vault, [mia.id], BUS, HOTEL)
    save_report(vault, [], BUS, PARK, title="Not about one child")
    save_report(vault, [mia.id], intel.Location(name="bus station", postcode="wr11aa"))
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.reload()
    assert page.hotspot_texts() == [
        "Bus station, WR1 1AA: 3 reports",
        "Riverside Park, WR2 4QQ: 2 reports",
        "Crown Lodge Hotel, WR5 1YY: 1 report",
    ]


def test_list_filter_and_open(qtbot: Any, page: IntelligencePage, vault: Any) -> None:
    mia = vault.repos.add_child(name="Mia Smith")
    ava = vault.repos.add_child(name="Ava Jones")
    both = save_report(
        vault, [mia.id, ava.id], BUS, title="Taxi at the bus station", learned_at="2026-11-01"
    )
    draft = save_report(
        vault, [], PARK, title="Park at night", status="draft", learned_at="2026-11-10"
    )
    open_vault(qtbot, page, vault)
    assert page.report_ids() == [draft.id, both.id]  # newest learned first
    model = page.proxy
    first = [model.index(0, c).data() for c in range(5)]
    assert first == [vault.intel.ref_of(draft.id), "Park at night", "Draft", "10/11/2026", "none"]
    second = [model.index(1, c).data() for c in range(5)]
    assert second[2:] == ["Final", "01/11/2026", "2"]

    qtbot.keyClicks(page.filter_edit, "taxi")
    assert page.report_ids() == [both.id]
    page.filter_edit.clear()
    page.status_combo.setCurrentIndex(page.status_combo.findData("draft"))
    assert page.report_ids() == [draft.id]
    page.status_combo.setCurrentIndex(0)

    page.select_report(both.id)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert page.stack.currentWidget() is page.editor
    assert page.editor.report_id == both.id
    assert page.editor.linked_list.count() == 2
    assert not page.editor.form_area.isEnabled()  # final: reopen to change it

    with qtbot.waitSignal(page.export_requested) as sig:
        qtbot.mouseClick(page.editor.export_button, Qt.MouseButton.LeftButton)
    assert sig.args == [both.id]

    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.mouseClick(page.editor.back_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.list_view


def test_new_report_from_the_keyboard_appears_in_the_list(
    qtbot: Any, page: IntelligencePage, vault: Any
) -> None:
    open_vault(qtbot, page, vault)
    assert page.empty_label.isVisible()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.editor
    assert page.editor.title_edit.hasFocus()
    qtbot.keyClicks(page.editor.title_edit, "Older males at the skate park")
    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.keyClick(page.editor.title_edit, Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
    rows = vault.intel.list()
    assert [(r[2], r[3]) for r in rows] == [("Older males at the skate park", "draft")]
    assert page.report_ids() == [rows[0][0]]
    assert not page.empty_label.isVisible()


def test_new_report_for_a_child_and_lock(qtbot: Any, page: IntelligencePage, vault: Any) -> None:
    mia = vault.repos.add_child(name="Mia Smith", alias="Bee")
    open_vault(qtbot, page, vault)
    page.new_report(mia.id)
    assert page.editor.linked_list.item(0).text() == "Mia Smith (Bee)"
    page.editor.add_fact("Seen getting into a taxi at the bus station on Friday.")
    page.save_draft()  # the main window does this before locking
    page.clear()
    assert vault.intel.get(vault.intel.list()[0][0]).child_ids == [mia.id]
    assert page.model.rowCount() == 0
    assert page.hotspots.count() == 0
    assert page.editor.report is None
    assert page.stack.currentWidget() is page.list_view


def test_every_control_has_an_accessible_name(page: IntelligencePage) -> None:
    assert unnamed_controls(page) == []
