"""The DSL pages: review queue (model checked), sign-off dialog, dashboard, audit trail,
retention, and that workers and admins neither see nor can use them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.vault.dsl_repo import Destination

PASSPHRASE = "otter lamp river gravel"


@pytest.fixture
def demo_dsl(vault_factory: Any, clock: FixedClock) -> Any:
    """A DSL's vault with 15 synthetic children (every screening confirmed, awaiting sign-off)."""
    from cse_toolkit.core import demo
    from cse_toolkit.vault import bulk

    vault = vault_factory(user="dee", role="dsl", clock=clock)
    children = bulk.load_children(vault, demo.generate(15, 5, 3, today=clock.now().date()))
    bulk.load_reports(vault, demo.intelligence(children, 5, 0.6))
    vault.demo_children = children
    return vault


def _loaded(qtbot: Any, page: Any, vault: Any) -> None:
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.set_vault(vault)


def test_queue_model_and_opening_items(
    qtbot: Any, qtmodeltester: Any, demo_dsl: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from cse_toolkit.gui.dsl import dsl_queue
    from cse_toolkit.gui.dsl.dsl_queue import DslQueuePage

    # Issue 17: the filter and the counts run on a pool thread, never on the GUI thread.
    threads: list[int] = []
    arrange = dsl_queue.arrange_queue

    def spy(items: Any, kind: Any) -> Any:
        threads.append(threading.get_ident())
        return arrange(items, kind)

    monkeypatch.setattr(dsl_queue, "arrange_queue", spy)
    page = DslQueuePage()
    qtbot.addWidget(page)
    _loaded(qtbot, page, demo_dsl)
    assert page.table.model() is page.model  # no proxy: nothing filters per row on screen
    qtmodeltester.check(page.model)
    items = demo_dsl.dsl.queue()
    assert page.model.rowCount() == len(items) > 15
    assert page.model.index(0, 0).data() == ("Overdue" if items[0].overdue else "Sign-off")
    assert "items" in page.summary.text()

    page.kind_filter.setCurrentIndex(page.kind_filter.findData("signoff"))
    qtbot.waitUntil(lambda: not page.arranging)  # filtered on a pool thread
    qtmodeltester.check(page.model)
    assert page.model.rowCount() == sum(1 for i in items if i.kind == "signoff")
    assert f"{page.model.rowCount()} shown" in page.summary.text()
    assert len(threads) == 2 and threading.get_ident() not in threads
    for kind in ("overdue", "action_now", "signoff", None):  # the old proxy's rule, per item
        want = [
            i
            for i in items
            if kind is None
            or (i.overdue if kind == "overdue" else False)
            or (kind == "action_now" and (i.rank < 3 or i.overdue))
            or i.kind == kind
        ]
        assert list(arrange(items, kind).shown) == want
    page.table.selectRow(0)
    assert page.signoff_button.isEnabled()
    first = page.current_item()
    with qtbot.waitSignal(page.open_child) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert opened.args == [first.child_id, Destination.SCREENING]  # a typed destination

    page.clear()
    assert page.model.rowCount() == 0 and page.vault is None


def test_signoff_dialog_three_outcomes(qtbot: Any, demo_dsl: Any) -> None:
    from cse_toolkit.gui.dsl.dsl_signoff_dialog import DslSignoffDialog

    screenings = [i for i in demo_dsl.dsl.queue() if i.kind in ("signoff", "level_changed")]
    first, second, third = (i.record_id for i in screenings[:3])

    dialog = DslSignoffDialog(demo_dsl, first)
    qtbot.addWidget(dialog)
    assert dialog.agree.isChecked()
    dialog.choose("agree")
    dialog.ok.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.result_signoff is not None and dialog.result_signoff.decision == "agree"

    dialog = DslSignoffDialog(demo_dsl, second)
    qtbot.addWidget(dialog)
    ctx = dialog.ctx
    offered = [dialog.level.itemData(i) for i in range(dialog.level.count())]
    floor_rank = [lv for lv, _ in ctx.levels].index(ctx.minimum_level)
    assert all([lv for lv, _ in ctx.levels].index(lv) >= floor_rank for lv in offered)
    dialog.choose("change", offered[-1], "")
    dialog.ok.click()  # no reason: refused in the dialog, plainly
    assert not dialog.error.isHidden() and "reason is required" in dialog.error.text()
    assert dialog.result() != dialog.DialogCode.Accepted
    dialog.choose("change", offered[-1], "New disclosure in supervision")
    dialog.ok.click()
    assert dialog.result_signoff is not None and dialog.result_signoff.level == offered[-1]

    dialog = DslSignoffDialog(demo_dsl, third)
    qtbot.addWidget(dialog)
    dialog.choose("return", comment="")
    dialog.ok.click()
    assert "comment is required" in dialog.error.text()
    dialog.choose("return", comment="Please add the school's view")
    dialog.ok.click()
    assert dialog.result_signoff is not None and dialog.result_signoff.decision == "return"
    assert demo_dsl.repos.get_screening(third).status == "returned"
    left = {i.record_id for i in demo_dsl.dsl.queue()}
    assert not {first, second, third} & left


def test_queue_sign_off_button_opens_the_dialog(qtbot: Any, demo_dsl: Any) -> None:
    from cse_toolkit.gui.dsl.dsl_queue import DslQueuePage

    page = DslQueuePage()
    qtbot.addWidget(page)
    _loaded(qtbot, page, demo_dsl)
    page.kind_filter.setCurrentIndex(page.kind_filter.findData("signoff"))
    qtbot.waitUntil(lambda: not page.arranging)
    page.table.selectRow(0)
    before = page.model.rowCount()
    page.signoff_button.click()
    dialog = page.signoff_dialog
    dialog.choose("agree")
    with qtbot.waitSignal(page.loaded, timeout=10000):
        dialog.ok.click()
    assert page.model.rowCount() == before - 1


def test_dashboard_on_a_demo_vault(
    qtbot: Any, demo_dsl: Any, monkeypatch: Any, tmp_path: Any, fake_dialogs: Any
) -> None:
    from cse_toolkit.gui.common import dialogs
    from cse_toolkit.gui.dsl.dsl_dashboard import DslDashboardPage

    page = DslDashboardPage()
    qtbot.addWidget(page)
    page.resize(1100, 900)
    _loaded(qtbot, page, demo_dsl)
    data = page.data
    assert data is not None and data.children == 15
    assert page.levels.table.rowCount() == len(data.by_level)
    total = sum(int(page.levels.table.item(r, 1).text()) for r in range(len(data.by_level)))
    assert total == 15
    for panel in page.panels:
        assert panel.chart.accessibleDescription()  # a text alternative for every chart
    assert "Female" in page.ages.chart.accessibleDescription()
    page.levels.toggle.click()
    assert page.levels.stack.currentWidget() is page.levels.table
    # A period with nothing in it.
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.range.set_range(date(2001, 1, 1), date(2001, 12, 31))
    assert page.data.children == 0
    assert "Nothing recorded" in page.levels.chart.text_alternative()

    target = tmp_path / "update.pdf"
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: target)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.range.set_range(None, None)
    page.pdf_button.click()
    assert target.read_bytes().startswith(b"%PDF")
    assert fake_dialogs.texts("info")
    names = [c.name for c in demo_dsl.demo_children]
    import subprocess

    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "OFFICIAL-SENSITIVE" in text and "Network meeting update" in text
    assert not [n for n in names if n in text]
    page.clear()
    assert page.data is None


def test_audit_page_filters_pages_and_verifies(qtbot: Any, demo_dsl: Any) -> None:
    from cse_toolkit.gui.dsl.dsl_audit_view import PAGE_SIZE, DslAuditPage

    for child in demo_dsl.demo_children[:5]:
        demo_dsl.repos.get_child(child.id, log_view=True)
    page = DslAuditPage()
    qtbot.addWidget(page)
    _loaded(qtbot, page, demo_dsl)
    total = page.total
    assert page.model.rowCount() == min(PAGE_SIZE, total)
    assert page.model.row(0).seq == demo_dsl.chain_head().seq  # newest first
    page.action.setCurrentIndex(page.action.findData("view"))
    assert page.total == 5 and {page.model.row(r).action for r in range(5)} == {"view"}
    assert page.model.index(0, 4).data().startswith("child ")
    page.verify_button.click()
    qtbot.waitUntil(lambda: "intact" in page.verify_result.text(), timeout=10000)
    assert f"#{demo_dsl.chain_head().seq}" in page.verify_result.text()


def test_retention_page_purges_after_typing_the_reference(
    qtbot: Any, vault_factory: Any, monkeypatch: Any, fake_dialogs: Any
) -> None:
    from datetime import UTC, datetime

    from cse_toolkit.gui.common import dialogs
    from cse_toolkit.gui.dsl.dsl_retention import DslRetentionPage

    clock = FixedClock(datetime(2017, 6, 1, tzinfo=UTC))
    vault = vault_factory(user="dee", role="dsl", clock=clock)
    old = vault.repos.add_child(name="Quinn Oldrecord")
    vault.repos.add_note(old.id, "An old note", clock.now())
    clock.advance(days=365 * 8)
    page = DslRetentionPage()
    qtbot.addWidget(page)
    _loaded(qtbot, page, vault)
    assert page.table.rowCount() == 1 and page.table.item(0, 0).text() == old.ref
    page.table.selectRow(0)
    monkeypatch.setattr(dialogs, "get_text", lambda *a, **k: "WRONG-REF")
    page.delete_button.click()
    assert "does not match" in fake_dialogs.texts("error")[-1]
    monkeypatch.setattr(dialogs, "get_text", lambda *a, **k: old.ref)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.delete_button.click()
    assert "Removed" in fake_dialogs.texts("info")[-1]
    assert page.table.rowCount() == 0
    assert vault.repos.list_children() == []


@pytest.mark.parametrize("role", ["worker", "admin"])
def test_pages_refuse_other_roles(qtbot: Any, vault_factory: Any, role: str) -> None:
    from cse_toolkit.gui.dsl.dsl_audit_view import DslAuditPage
    from cse_toolkit.gui.dsl.dsl_dashboard import DslDashboardPage
    from cse_toolkit.gui.dsl.dsl_queue import DslQueuePage
    from cse_toolkit.gui.dsl.dsl_retention import DslRetentionPage

    vault = vault_factory(user="pat", role=role)
    for cls in (DslQueuePage, DslDashboardPage, DslAuditPage, DslRetentionPage):
        page = cls()
        qtbot.addWidget(page)
        page.set_vault(vault)
        assert page.refused and page.vault is None
        assert f"signed in as a {role}" in page.refusal.text()
    queue = DslQueuePage()
    qtbot.addWidget(queue)
    queue.set_vault(vault)
    assert queue.model.rowCount() == 0


@pytest.mark.parametrize(("role", "shown"), [("worker", False), ("admin", False), ("dsl", True)])
def test_main_window_shows_dsl_pages_only_to_a_dsl(
    open_window: Callable[..., Any], role: str, shown: bool
) -> None:
    from cse_toolkit.gui.dsl.dsl_pages import install_dsl_pages

    win = open_window(role=role)
    pages = install_dsl_pages(win).by_key()
    keys = win.page_keys()
    for key in pages:
        assert (key in keys) is shown
        assert win.show_page(key) is shown
    for page in pages.values():  # the window hands its vault only to pages the role may use
        assert (page.vault is win.vault) is shown
