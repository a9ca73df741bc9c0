"""Risk first for the DSL (issue 13): the child list and the review queue put the child in
immediate danger first, then overdue actions on high-level children (a referral never made is
its own overdue item), then new high levels, then the rest by due date; each flag is text too,
and "Needs action now" shows only those."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers.journey import PATHWAY, add_child, discuss_and_decide, record_concern, screen
from PySide6.QtCore import Qt

from cse_toolkit.gui.children.child_table_model import NAME, PRIORITY
from cse_toolkit.gui.dsl.dsl_queue import PRIORITY as QUEUE_PRIORITY
from cse_toolkit.gui.dsl.queue_words import title
from cse_toolkit.gui.extensions import install_all


def _case(vault: Any, name: str, answers: dict[str, str]) -> Any:
    child = add_child(vault, name)
    record_concern(vault, child.id, vault.now() - timedelta(hours=1), "Seen with older males.")
    saved = screen(vault, child.id, answers)
    discuss_and_decide(vault, child.id, saved.confirmed_level, "Pat Lead")
    return child


def _risk_vault(vault_factory: Any, clock: Any) -> dict[str, Any]:
    vault = vault_factory(user="priya", role="dsl", clock=clock)
    kids = {
        "Ben Overdue": _case(vault, "Ben Overdue", {"high_controlling_associates": "yes"}),
        "Eve Medium": _case(vault, "Eve Medium", {"med_cars_unknown_adults": "yes"}),
        "Dan Low": _case(vault, "Dan Low", {"low_unknown_adults": "yes"}),
    }
    clock.advance(days=10)  # nobody made Ben's or Eve's referral
    kids["Cat New"] = _case(vault, "Cat New", {"high_controlling_associates": "yes"})
    amy = add_child(vault, "Amy Unscreened")
    called = vault.now() - timedelta(minutes=40)
    record_concern(vault, amy.id, called - timedelta(minutes=5), "Pulled into a car.")
    danger = add_child(vault, "Amy Danger Two")
    vault.repos.record_step(
        danger.id,
        PATHWAY,
        "concern",
        called,
        {"what": "Pulled into a car", "when": called, "by_whom": "priya"},
    )
    vault.repos.record_step(
        danger.id,
        PATHWAY,
        "danger_check",
        called,
        {"immediate_danger": True, "called_999_at": called, "police_reference": "WMP-0001"},
    )
    kids["Amy Danger Two"] = danger
    kids["Amy Unscreened"] = amy
    return {"vault": vault, "kids": kids, "called": called}


def test_child_list_and_queue_put_risk_first(  # type: ignore[no-untyped-def]
    vault_factory, make_window, policy, clock, wait_list, qtbot
) -> None:
    made = _risk_vault(vault_factory, clock)
    vault = made["vault"]
    win = make_window(vault.folder)
    install_all(win, policy.policy)
    win.enter_vault(vault)
    wait_list(win)
    table = win.child_list.table
    proxy = win.child_list.model  # filtered and sorted off the GUI thread, no proxy

    def shown(col: int) -> list[str]:
        return [proxy.index(r, col).data() for r in range(proxy.rowCount())]

    names = shown(NAME)
    assert names[:4] == ["Amy Danger Two", "Ben Overdue", "Cat New", "Eve Medium"], names
    flags = dict(zip(names, shown(PRIORITY), strict=True))
    assert flags["Amy Danger Two"].startswith("⚠ Immediate danger: 999 called at ")
    assert "Referral to Children's Social Care due" in flags["Ben Overdue"]
    assert flags["Ben Overdue"].startswith("⚠ Overdue: ")
    assert flags["Cat New"] == "New high level: not yet reviewed"
    assert flags["Eve Medium"].startswith("⚠ Overdue: ")  # medium: overdue, not ranked up
    assert flags["Dan Low"] == ""
    assert table.horizontalHeader().sortIndicatorSection() == PRIORITY
    # The flag is text, so a screen reader reads it too.
    row = names.index("Amy Danger Two")
    accessible = proxy.index(row, PRIORITY).data(Qt.ItemDataRole.AccessibleTextRole)
    assert accessible.startswith("⚠ Immediate danger")

    win.child_list.action_only.setChecked(True)
    qtbot.waitUntil(lambda: not win.child_list.arranging)
    assert sorted(shown(NAME)) == ["Amy Danger Two", "Ben Overdue", "Cat New", "Eve Medium"]
    assert win.child_list.count_label.text() == "4 of 6"
    win.child_list.action_only.setChecked(False)
    qtbot.waitUntil(lambda: not win.child_list.arranging)
    assert win.child_list.count_label.text() == "6 children"

    queue = win.parts.dsl.queue
    win.show_page("dsl_queue")
    with qtbot.waitSignal(queue.loaded, timeout=5000):
        queue.reload()
    items = queue.items()
    assert items[0].kind == "danger" and items[0].child_label == "Amy Danger Two"
    assert title(items[0]).startswith("Immediate danger: 999 called at ")
    order = []
    for item in items:
        if item.child_label not in order:
            order.append(item.child_label)
    assert order[:3] == ["Amy Danger Two", "Ben Overdue", "Cat New"], order
    ben = [i for i in items if i.child_label == "Ben Overdue" and i.kind == "due"]
    assert any(title(i) == "Referral to Children's Social Care due" and i.overdue for i in ben)
    assert queue.model.index(0, QUEUE_PRIORITY).data() == "⚠ Immediate danger"
    queue.kind_filter.setCurrentIndex(queue.kind_filter.findData("action_now"))
    qtbot.waitUntil(lambda: not queue.arranging)
    labels = {
        queue.model.index(r, 0).data(Qt.ItemDataRole.UserRole + 1).child_label
        for r in range(queue.model.rowCount())
    }
    assert "Dan Low" not in labels and "Amy Danger Two" in labels
