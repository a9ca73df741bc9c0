"""Views stay current (issue 13): after an import, a sign-off, a conflict decision, a purge or
an export, every open view showing that data updates without a lock and unlock, through one
change hub (``gui.changes``) that the vault's committed writes feed; no refresh is called by
hand in these tests."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from helpers.factories import referral_export
from helpers.journey import worker_case

from cse_toolkit.gui.extensions import install_all
from cse_toolkit.services import exchange


def _in_background(work: Any) -> None:
    """Run ``work`` on another thread, as the import dialog does on the pool."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not errors, errors


def _export(vault: Any, child_id: str, out: Path) -> Any:
    return referral_export(vault, child_id, out).result


def test_dsl_views_follow_imports_decisions_and_purges(  # type: ignore[no-untyped-def]
    vault_factory, make_window, policy, clock, wait_list, qtbot, tmp_path: Path
) -> None:
    sam = vault_factory(user="sam", role="worker", display_name="Sam Okafor", clock=clock)
    child = worker_case(sam, "Jade Wilson")
    first = _export(sam, child.id, tmp_path / "a.pdf")
    dsl = vault_factory(user="priya", role="dsl", clock=clock)
    win = make_window(dsl.folder)
    install_all(win, policy.policy)
    win.enter_vault(dsl)
    wait_list(win)
    assert win.child_list.count_label.text() == "0 children"
    queue, audit_page = win.parts.dsl.queue, win.parts.dsl.audit
    dashboard = win.parts.dsl.dashboard

    # An import on a worker thread: the list and its count follow, and the queue.
    _in_background(
        lambda: exchange.import_pack(dsl, first.path, first.password, confirmed="compared")
    )
    qtbot.waitUntil(lambda: win.child_list.count_label.text() == "1 child", timeout=5000)
    win.show_page("dsl_queue")
    qtbot.waitUntil(
        lambda: any(i.child_id == child.id and i.kind == "signoff" for i in queue.items()),
        timeout=5000,
    )
    win.show_page("dsl_dashboard")
    qtbot.waitUntil(lambda: dashboard.follower.reloads >= 1, timeout=5000)
    qtbot.waitUntil(
        lambda: dashboard.data is not None and dashboard.data.children == 1, timeout=5000
    )

    # The worker's next pack conflicts with a correction made here.
    assert win.show_child(child.id)
    dsl.repos.update_child(child.id, school="DSL's correction")
    sam.repos.update_child(child.id, school="Worker's update")
    second = _export(sam, child.id, tmp_path / "b.pdf")
    _in_background(
        lambda: exchange.import_pack(dsl, second.path, second.password, confirmed="compared")
    )
    imports = win.parts.imports_page
    win.show_page("imports")
    qtbot.waitUntil(lambda: imports.list.count() == 1, timeout=5000)

    # A decision on the conflict: the imported-packs page and the queue follow.
    pending = exchange.pending_conflicts(dsl)
    exchange.resolve_conflict(dsl, pending[0].import_id, pending[0].record_id, "incoming")
    qtbot.waitUntil(lambda: imports.list.count() == 0, timeout=5000)
    # The child page, open behind, shows the record the decision took when it comes back.
    win.show_page("child")
    qtbot.waitUntil(
        lambda: (
            win.child_page.child is not None and win.child_page.child.school == "Worker's update"
        ),
        timeout=5000,
    )
    win.show_page("dsl_queue")
    qtbot.waitUntil(
        lambda: not any(i.kind == "import_conflict" for i in queue.items()), timeout=5000
    )

    # The audit trail follows everything (shown when opened, no reload by hand).
    win.show_page("dsl_audit")
    qtbot.waitUntil(
        lambda: any(
            "import.resolve.incoming" in str(audit_page.model.index(r, c).data())
            for r in range(audit_page.model.rowCount())
            for c in range(audit_page.model.columnCount())
        ),
        timeout=5000,
    )

    # A purge: the child page closes, the list and its count follow.
    assert win.show_child(child.id)
    clock.advance(days=365 * 8)
    dsl.dsl.purge_child(child.id, child.ref)
    qtbot.waitUntil(lambda: win.child_page.child is None, timeout=5000)
    qtbot.waitUntil(lambda: win.child_list.count_label.text() == "0 children", timeout=5000)
    assert win.current_page() == "children"


def test_a_workers_outbox_and_child_page_follow_an_export(  # type: ignore[no-untyped-def]
    vault_factory, make_window, policy, clock, wait_list, qtbot, tmp_path: Path
) -> None:
    sam = vault_factory(user="sam", role="worker", display_name="Sam Okafor", clock=clock)
    child = worker_case(sam, "Jade Wilson")
    win = make_window(sam.folder)
    install_all(win, policy.policy)
    win.enter_vault(sam)
    wait_list(win)
    assert win.show_child(child.id)
    chronology = win.child_page.chronology.model
    before = chronology.rowCount()
    _in_background(lambda: _export(sam, child.id, tmp_path / "a.pdf"))
    qtbot.waitUntil(lambda: chronology.rowCount() == before + 1, timeout=5000)
    kinds = [chronology.item_at(r).kind for r in range(chronology.rowCount())]
    assert kinds.count("export") == 1
    win.show_page("outbox")
    qtbot.waitUntil(lambda: win.parts.sharing.outbox.model.rowCount() == 1, timeout=5000)
    # Opening a record writes only a "view" entry: nothing reloads for it.
    reloads = win.child_list.follower.reloads
    assert win.show_child(child.id)
    qtbot.wait(200)
    assert win.child_list.follower.reloads == reloads
