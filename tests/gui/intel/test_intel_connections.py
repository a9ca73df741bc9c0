"""The connections view: children linked through shared entities, and possible matches."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from helpers.factories import save_report
from PySide6.QtCore import Qt

from cse_toolkit.core import intelligence as intel
from cse_toolkit.gui.intel.intel_connections import ConnectionsView

from .test_intel_editor import unnamed_controls


@pytest.fixture
def view(qtbot: Any, vault: Any) -> ConnectionsView:
    widget = ConnectionsView(vault)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    return widget


@pytest.fixture
def children(vault: Any) -> tuple[Any, Any, Any]:
    mia = vault.repos.add_child(name="Mia Smith", alias="Bee")
    ava = vault.repos.add_child(name="Ava Jones")
    kez = vault.repos.add_child(alias="Kez")
    return mia, ava, kez


def show(qtbot: Any, view: ConnectionsView, child_id: str) -> None:
    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.show_child(child_id)


def test_two_children_linked_through_a_shared_vehicle(
    qtbot: Any, view: ConnectionsView, vault: Any, children: Any
) -> None:
    mia, ava, kez = children
    save_report(vault, [mia.id], intel.Vehicle(vrm="AB12 CDE", make="Vauxhall", colour="silver"))
    save_report(vault, [ava.id], intel.Vehicle(vrm="ab12-cde"))
    save_report(vault, [kez.id], intel.Vehicle(vrm="YX63 KLM"))

    with qtbot.waitSignal(view.loaded, timeout=5000):
        view.show_child(mia.id)
        assert view.busy.isVisible()  # the index is built off the GUI thread
    assert not view.busy.isVisible()
    assert view.linked_child_labels() == ["Ava Jones"]
    assert view.link_rows() == [("Vehicles (1)", "AB12 CDE (silver Vauxhall)", "Ava Jones")]
    assert view.children_tree.topLevelItem(0).text(1) == "AB12 CDE (silver Vauxhall)"
    assert "shared with 1 other children" in view.summary.text()

    show(qtbot, view, kez.id)
    assert view.linked_child_labels() == []
    assert "no other child shares them" in view.summary.text()


def test_linked_through_a_nickname(
    qtbot: Any, view: ConnectionsView, vault: Any, children: Any
) -> None:
    mia, ava, _ = children
    save_report(vault, [mia.id], intel.Person(nickname="Deano", age_range="20-30"))
    save_report(
        vault,
        [ava.id],
        intel.Person(surname="HOLLAND", forenames="Dean", nickname="Deano"),
    )
    show(qtbot, view, ava.id)
    assert view.linked_child_labels() == ["Mia Smith (Bee)"]
    rows = view.link_rows()
    assert ("People (2)", "Nickname: Deano", "Mia Smith (Bee)") in rows
    assert ("People (2)", "HOLLAND Dean (Deano)", "") in rows


def test_children_the_user_cannot_see_are_not_named(
    qtbot: Any, view: ConnectionsView, vault: Any, children: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    mia, ava, _ = children
    save_report(vault, [mia.id], intel.Phone(number="07700 900123"))
    save_report(vault, [ava.id], intel.Phone(number="+44 7700 900123"))
    real_rows = vault.repos.child_rows
    monkeypatch.setattr(
        vault.repos, "child_rows", lambda: [r for r in real_rows() if r[0] != ava.id]
    )
    opened: list[str] = []
    view.open_child.connect(opened.append)
    show(qtbot, view, mia.id)
    assert view.linked_child_labels() == ["another child (not on your caseload)"]
    item = view.children_tree.topLevelItem(0)
    view.children_tree.itemActivated.emit(item, 0)
    assert opened == []  # cannot open a record the user may not see
    assert "Ava" not in " ".join(text for row in view.link_rows() for text in row)


def test_open_a_linked_child_and_a_report(
    qtbot: Any, view: ConnectionsView, vault: Any, children: Any
) -> None:
    mia, ava, _ = children
    first = save_report(vault, [mia.id], intel.Location(name="Riverside Park", postcode="wr24qq"))
    save_report(vault, [ava.id], intel.Location(name="Park", postcode="WR2 4QQ"))
    show(qtbot, view, mia.id)
    with qtbot.waitSignal(view.open_child) as sig:
        view.children_tree.setFocus()
        view.children_tree.setCurrentItem(view.children_tree.topLevelItem(0))
        qtbot.keyClick(view.children_tree, Qt.Key.Key_Return)
    assert sig.args == [ava.id]
    entity = view.tree.topLevelItem(0).child(0)
    assert entity.childCount() == 0  # made when opened
    view.tree.setFocus()
    view.tree.setCurrentItem(entity)
    qtbot.keyClick(view.tree, Qt.Key.Key_Right)  # open it from the keyboard
    assert [entity.child(i).text(0) for i in range(entity.childCount())] == [
        "Child: Ava Jones",
        f"Report {vault.intel.ref_of(first.id)}",
    ]
    report_item = next(
        entity.child(i) for i in range(entity.childCount()) if "Report" in entity.child(i).text(0)
    )
    with qtbot.waitSignal(view.open_report) as sig:
        view.tree.itemActivated.emit(report_item, 0)
    assert sig.args == [first.id]


def test_confirm_a_suggested_merge_links_the_children(
    qtbot: Any, view: ConnectionsView, vault: Any, children: Any, fake_dialogs: Any
) -> None:
    mia, ava, _ = children
    save_report(vault, [mia.id], intel.Vehicle(vrm="AB12 CDE"))
    save_report(vault, [ava.id], intel.Vehicle(vrm="AB12 CDF"))
    show(qtbot, view, mia.id)
    assert view.linked_child_labels() == []
    assert len(view.cards) == 1
    card = view.cards[0]
    assert card.label.text() == (
        "\u201cAB12 CDE\u201d in this child's reports and \u201cAB12 CDF\u201d (linked to Ava "
        "Jones) may be the same: number plates one character different (possible match)."
    )
    assert card.isVisible()

    fake_dialogs.confirm_answer = False  # the person thinks again
    qtbot.mouseClick(card.confirm_button, Qt.MouseButton.LeftButton)
    assert vault.intel.decisions() == []

    fake_dialogs.confirm_answer = True
    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.mouseClick(view.cards[0].confirm_button, Qt.MouseButton.LeftButton)
    assert [(d.decision, d.by) for d in vault.intel.decisions()] == [("confirmed", "sam")]
    assert view.linked_child_labels() == ["Ava Jones"]
    assert view.cards == []
    assert view.no_matches.isVisible()


def test_reject_a_suggested_merge(
    qtbot: Any, view: ConnectionsView, vault: Any, children: Any
) -> None:
    mia, ava, _ = children
    save_report(
        vault, [mia.id], intel.Person(surname="HOLLAND", forenames="Dean", dob=date(1994, 3, 12))
    )
    save_report(
        vault, [ava.id], intel.Person(surname="HOLAND", forenames="Dean", dob=date(1994, 3, 12))
    )
    show(qtbot, view, mia.id)
    assert len(view.cards) == 1
    with qtbot.waitSignal(view.loaded, timeout=5000):
        qtbot.mouseClick(view.cards[0].reject_button, Qt.MouseButton.LeftButton)
    assert [d.decision for d in vault.intel.decisions()] == ["rejected"]
    assert view.cards == []
    assert view.linked_child_labels() == []
    show(qtbot, view, ava.id)  # not suggested again from the other side either
    assert view.cards == []


def test_clear_forgets_and_ignores_a_late_result(
    qtbot: Any, view: ConnectionsView, vault: Any, children: Any
) -> None:
    mia, ava, _ = children
    save_report(vault, [mia.id, ava.id], intel.Vehicle(vrm="AB12 CDE"))
    show(qtbot, view, mia.id)
    assert view.linked_child_labels() == ["Ava Jones"]
    view.show_child(ava.id)
    view.clear()  # locked while the index was being read
    qtbot.wait(200)
    assert view.linked_child_labels() == []
    assert view.tree.topLevelItemCount() == 0
    assert "Ava" not in view.summary.text()


def test_reads_nothing_until_shown_and_is_accessible(qtbot: Any, vault: Any, children: Any) -> None:
    mia, ava, _ = children
    save_report(vault, [mia.id, ava.id], intel.Vehicle(vrm="AB12 CDE"))
    hidden = ConnectionsView(vault)  # as a tab on a child's page, not yet looked at
    qtbot.addWidget(hidden)
    hidden.set_child(vault, mia)
    qtbot.wait(50)
    assert hidden.connections is None and not hidden.busy.isVisible()
    with qtbot.waitSignal(hidden.loaded, timeout=5000):
        hidden.show()
    assert hidden.linked_child_labels() == ["Ava Jones"]
    assert unnamed_controls(hidden) == []
    hidden.clear()


def test_a_vehicle_in_several_other_childrens_intelligence_prompts_a_rescreen(
    qtbot: Any, view: ConnectionsView, vault: Any, children: Any
) -> None:
    """Issue 13: a child linked to an adult, vehicle or place that appears in the intelligence
    about several other children gets a prompt, in words, to screen again."""
    mia, ava, kez = children
    save_report(vault, [mia.id], intel.Vehicle(vrm="AB12 CDE", make="Vauxhall", colour="silver"))
    save_report(vault, [ava.id], intel.Vehicle(vrm="ab12-cde"))
    show(qtbot, view, mia.id)
    assert not view.rescreen.isVisible()  # one other child: the links show, no prompt
    save_report(vault, [kez.id], intel.Vehicle(vrm="AB12CDE"))
    vault.intel._index = None
    show(qtbot, view, mia.id)
    assert view.rescreen.isVisible()
    text = view.rescreen_label.text()
    assert text.startswith("⚠ Re-screen this child: linked to the vehicle 'AB12 CDE")
    assert "in the intelligence about 2 other children" in text
    with qtbot.waitSignal(view.rescreen_requested, timeout=1000) as got:
        view.rescreen_button.click()
    assert got.args == [mia.id]
    show(qtbot, view, kez.id)
    assert view.rescreen.isVisible()  # Kez shares it with Mia and Ava too
