"""Writes from two threads on one open vault are serialised, never mixed into one transaction
(the GUI thread autosaves while a DSL import runs on a worker thread)."""

from __future__ import annotations

import threading
import time

from cse_toolkit.vault import audit


def test_writes_from_two_threads_do_not_interleave(vault) -> None:  # type: ignore[no-untyped-def]
    child = vault.repos.add_child(alias="Jay", approx_age=14)
    inside = threading.Event()
    order: list[str] = []
    failures: list[BaseException] = []

    def slow_import() -> None:
        try:
            with vault.write("the import"):
                inside.set()
                order.append("import started")
                time.sleep(0.3)
                vault.conn.execute(
                    "UPDATE children SET school = 'Imported' WHERE id = ?", (child.id,)
                )
                vault.audit("test.import", "child", child.id)
                order.append("import committed")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    worker = threading.Thread(target=slow_import)
    worker.start()
    inside.wait(5)
    vault.repos.save_draft("note", child.id, {"text": "typed while importing"})
    order.append("draft saved")
    worker.join(5)
    assert not failures, failures
    assert order == ["import started", "import committed", "draft saved"]
    assert vault.repos.get_child(child.id).school == "Imported"
    assert [d.payload["text"] for d in vault.repos.drafts("note")] == ["typed while importing"]
    count, problems = audit.verify_chain(vault.conn, vault.vault_id)
    assert problems == [] and count >= 3
