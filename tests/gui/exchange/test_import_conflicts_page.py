"""The Imported packs page: a DSL decides each conflict from an imported pack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.factories import referral_export

from cse_toolkit.core import demo
from cse_toolkit.gui.extensions import install_all
from cse_toolkit.services import exchange
from cse_toolkit.vault import bulk


def _export(vault: Any, child_id: str, out: Path) -> Any:
    return referral_export(vault, child_id, out).result


def test_queue_opens_the_page_and_a_decision_clears_it(  # type: ignore[no-untyped-def]
    vault_factory, make_window, policy, clock, qtbot, tmp_path
) -> None:
    worker = vault_factory(user="sam", role="worker", clock=clock)
    child = bulk.load_children(worker, demo.generate(1, seed=3, today=clock.now().date()))[0]
    dsl = vault_factory(user="dee", role="dsl", clock=clock)
    first = _export(worker, child.id, tmp_path / "a.pdf")
    exchange.import_pack(dsl, first.path, first.password, confirmed="compared")
    dsl.repos.update_child(child.id, school="DSL's correction")
    worker.repos.update_child(child.id, school="Worker's update")
    second = _export(worker, child.id, tmp_path / "b.pdf")
    exchange.import_pack(dsl, second.path, second.password, confirmed="compared")

    win = make_window(dsl.folder)
    install_all(win, policy.policy)
    win.enter_vault(dsl)
    queue = win.parts.dsl.queue

    def kinds() -> list[str]:
        return [queue.model.item(r).kind for r in range(queue.model.rowCount())]

    qtbot.waitUntil(lambda: "import_conflict" in kinds(), timeout=10_000)
    for row in range(queue.model.rowCount()):
        index = queue.model.index(row, 0)
        queue.table.setCurrentIndex(index)
        if queue.current_item().kind == "import_conflict":
            break
    queue.open_selected()
    assert win.current_page() == "imports"
    page = win.parts.imports_page
    assert page.list.count() == 1
    assert "DSL's correction" in page.local_text.toPlainText()
    assert "Worker's update" in page.incoming_text.toPlainText()
    page.take_button.click()
    assert page.list.count() == 0
    assert dsl.repos.get_child(child.id).school == "Worker's update"
    # Back on the queue (a hidden page catches up with the change hub when it is shown).
    win.show_page("dsl_queue")
    qtbot.waitUntil(lambda: "import_conflict" not in kinds(), timeout=10_000)
