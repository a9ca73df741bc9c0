"""Actions, incidents and missing episodes in the app (issue 18), with the real widgets on a
fixed clock: "My actions" by keyboard, overdue on the child and in the DSL's queue, the
return interview due 72 hours after a return, an incident about several children."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from cse_toolkit.gui.common.widgets import to_qdatetime
from cse_toolkit.gui.extensions import install_all


@pytest.fixture
def window(vault_factory: Any, make_window: Any, policy: Any, clock: Any) -> Any:
    def make(role: str = "dsl") -> Any:
        vault = vault_factory(user="dee", role=role, clock=clock)
        win = make_window(vault.folder)
        install_all(win, policy.policy)
        win.enter_vault(vault)
        return win

    return make


def test_my_actions_by_keyboard_and_overdue_everywhere(window: Any, qtbot: Any, clock: Any) -> None:
    win = window()
    child = win.vault.repos.add_child(name="Jordan Tate")
    win.vault.actions.add("Phone the school", clock.now() + timedelta(hours=2), child_id=child.id)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(
        win.child_list,
        Qt.Key.Key_Y,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    page = win.parts.actions.my_actions
    assert win.pages.currentWidget() is page
    assert page.table.item(0, 1).text() == "Phone the school"
    assert page.table.item(0, 0).text().startswith("Due ")
    clock._now = clock.now() + timedelta(hours=3)
    page.reload()
    assert page.table.item(0, 0).text().startswith("⚠ Overdue since ")
    assert "1 open, 1 overdue" in page.summary.text()

    # The child's Actions tab, opened from the list with Enter.
    page.table.selectRow(0)
    page.open_selected()
    tab = win.parts.actions.actions_tab
    assert win.child_page.tabs.currentWidget() is tab
    assert tab.table.item(0, 0).text().startswith("⚠ Overdue since ")
    # The DSL's queue shows it, overdue, with the queue's own words.
    queue = win.parts.dsl.queue
    win.show_page("dsl_queue")
    qtbot.waitUntil(lambda: any(i.kind == "action" for i in queue.model._rows), timeout=5000)
    item = next(i for i in queue.model._rows if i.kind == "action")
    assert item.overdue


def test_set_an_action_for_someone_and_mark_it_done(
    window: Any, qtbot: Any, fake_dialogs: Any, monkeypatch: Any
) -> None:
    from cse_toolkit.gui.common import dialogs

    win = window()
    child = win.vault.repos.add_child(name="Riley")
    win.show_child(child.id)
    tab = win.parts.actions.actions_tab
    win.child_page.tabs.setCurrentWidget(tab)
    assert tab.assignee_combo.itemData(0) == "me"
    qtbot.keyClicks(tab.title_edit, "Visit at home")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1, timeout=3000)
    monkeypatch.setattr(dialogs, "get_text", lambda *a, **k: "Visited; carer present")
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.done_button, Qt.MouseButton.LeftButton)
    (action,) = win.vault.actions.for_child(child.id)
    assert action.status == "done" and action.done_note == "Visited; carer present"
    qtbot.waitUntil(lambda: "Visited; carer present" in tab.table.item(0, 4).text(), timeout=3000)


def test_missing_episode_return_interview_due_then_overdue(
    window: Any, qtbot: Any, clock: Any
) -> None:
    win = window()
    child = win.vault.repos.add_child(name="Jamie")
    win.show_child(child.id)
    view = win.child_page.missing
    win.child_page.tabs.setCurrentWidget(view)
    view.from_edit.setDateTime(to_qdatetime(clock.now() - timedelta(hours=30)))
    view.reported_check.setChecked(True)
    view.reported_edit.setDateTime(to_qdatetime(clock.now() - timedelta(hours=29)))
    qtbot.keyClicks(view.police_ref_edit, "WM-2026-77")
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=3000)
    assert "WM-2026-77" in view.table.item(0, 1).text()
    assert view.table.item(0, 2).text() == "Not yet found"

    from cse_toolkit.gui.children.missing_return_dialog import MissingReturnDialog

    (episode,) = win.vault.repos.missing_for(child.id)
    dialog = MissingReturnDialog(win.vault, episode, view)
    dialog.when_edit.setDateTime(to_qdatetime(clock.now() - timedelta(hours=2)))
    qtbot.keyClicks(dialog.by_edit, "Police")
    dialog.save()
    view.set_child(win.vault, child)
    assert view.table.item(0, 4).text().startswith("Due ")
    clock._now = clock.now() + timedelta(hours=71)
    view.set_child(win.vault, child)
    assert view.table.item(0, 4).text().startswith("⚠ Overdue since ")


def test_incident_dialog_links_several_children(window: Any, qtbot: Any) -> None:
    from cse_toolkit.gui.actions.incident_dialog import IncidentDialog

    win = window()
    a = win.vault.repos.add_child(name="Alex Moore")
    b = win.vault.repos.add_child(name="Billie Shah")
    win.vault.repos.add_child(name="Casey Lund")
    dialog = IncidentDialog(win.vault, a, win)
    qtbot.keyClicks(dialog.text_edit, "Three children collected by a grey car")
    qtbot.keyClicks(dialog.filter_edit, "billie")
    shown = [
        dialog.children_list.item(r)
        for r in range(dialog.children_list.count())
        if not dialog.children_list.item(r).isHidden()
    ]
    assert [i.text().split(" (")[0] for i in shown] == ["Billie Shah"]
    shown[0].setCheckState(Qt.CheckState.Checked)
    dialog.save()
    assert sorted(dialog.chosen()) == sorted([a.id, b.id])
    win.show_child(b.id)
    tab = win.parts.actions.incidents_tab
    assert tab.table.rowCount() == 1 and tab.table.item(0, 2).text() == "Alex Moore"
    assert [i.kind for i in win.vault.repos.chronology(b.id)] == ["incident"]
    assert win.child_page.chronology.visible_titles() == ["Incident (note) about 2 children"]


def test_pack_text_in_actions_and_incidents_is_plain(
    window: Any, vault_factory: Any, tmp_path: Any, qtbot: Any
) -> None:
    """A hostile sender's action and incident, imported: every cell and tooltip shows the
    markup as text (tooltips escaped), on the Actions and Incidents tabs and in the queue."""
    from cse_toolkit.services import exchange

    sender = vault_factory(user="mallory", role="worker")
    child = sender.repos.add_child(name="Jo")
    other = sender.repos.add_child(name="Other")
    sender.incidents.add([child.id, other.id], "<img src=x> car", sender.now(), place="<b>P</b>")
    sender.actions.add("<b>Phone</b>", sender.now() + timedelta(hours=1), child_id=child.id)
    pack = exchange.build_pack(
        sender,
        "referral",
        child_id=child.id,
        sharing=exchange.SharingChoice(consent_sought=True, consent_given=True),
    )
    done = exchange.export(sender, pack, tmp_path / "hostile.pdf")
    win = window()
    exchange.import_pack(win.vault, done.result.path, done.result.password, confirmed="compared")
    assert win.show_child(child.id)
    seen: list[str] = []
    for tab in (win.parts.actions.actions_tab, win.parts.actions.incidents_tab):
        win.child_page.tabs.setCurrentWidget(tab)
        table = tab.table
        for r in range(table.rowCount()):
            for c in range(table.columnCount()):
                item = table.item(r, c)
                seen.append(item.text())
                assert (
                    "<" not in item.toolTip().replace("<p style='white-space:pre-wrap'>", "")[:-4]
                )
    assert "<b>Phone</b>" in seen and "<b>P</b>: <img src=x> car" in seen
    win.show_page("dsl_queue")  # the imported action reaches the DSL's queue
    queue = win.parts.dsl.queue
    qtbot.waitUntil(lambda: any(i.kind == "action" for i in queue.model._rows), timeout=5000)


def test_an_incident_being_written_survives_a_lock(window: Any, qtbot: Any) -> None:
    from cse_toolkit.gui.actions.incident_dialog import IncidentDialog

    win = window()
    a = win.vault.repos.add_child(name="Alex Moore")
    b = win.vault.repos.add_child(name="Billie Shah")
    win.show_child(a.id)
    tab = win.parts.actions.incidents_tab
    win.child_page.tabs.setCurrentWidget(tab)
    tab.record()
    dialog = next(d for d in tab.findChildren(IncidentDialog) if d.isVisible())
    qtbot.keyClicks(dialog.text_edit, "Seen at the party")
    row = next(
        r
        for r in range(dialog.children_list.count())
        if dialog.children_list.item(r).data(Qt.ItemDataRole.UserRole) == b.id
    )
    dialog.children_list.item(row).setCheckState(Qt.CheckState.Checked)
    folder, vault = win.vault.folder, win.vault
    win.lock("idle")
    assert not vault.is_open
    from cse_toolkit.vault.vault import Vault

    again = Vault.open(folder, "dee", "otter lamp river gravel")
    reopened = IncidentDialog(again, a)
    assert reopened.text_edit.toPlainText() == "Seen at the party"
    assert sorted(reopened.chosen()) == sorted([a.id, b.id])
    reopened.save()
    assert again.repos.drafts("incident") == []
    again.close()
