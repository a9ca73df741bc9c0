"""Writes from two threads on one open vault are serialised, never mixed into one transaction
(the GUI thread autosaves while a DSL import runs on a worker thread)."""

from __future__ import annotations

import sys
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


def test_reads_from_several_threads_on_one_connection_never_break(vault) -> None:  # type: ignore[no-untyped-def]
    """The child list's next steps, the review queue and sign-off checks read on pool threads
    while the GUI thread reads too. sqlcipher3's SQLite is multi-thread, not serialised, so
    unguarded reads of one connection from several threads broke its statement cache
    (``KeyError`` from ``execute``). Every statement now runs under the connection's lock."""
    for n in range(30):  # more distinct statements than the cache holds: it evicts
        vault.repos.add_child(alias=f"Child {n}", approx_age=12 + n % 5)
    queries = [
        "SELECT id, ref, name, alias FROM children",
        "SELECT count(*) FROM children",
        "SELECT id, approx_age FROM children ORDER BY ref",
        "SELECT seq FROM audit ORDER BY seq DESC LIMIT 5",
    ]
    failures: list[BaseException] = []
    counts: list[int] = []
    start = threading.Barrier(4)

    def reader(offset: int) -> None:
        try:
            start.wait(5)
            for i in range(400):
                sql = queries[(i + offset) % len(queries)] + f" -- {i % 60}"
                counts.append(len(vault.conn.execute(sql).fetchall()))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so a race shows at once
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures[:3]
    assert len(counts) == 1600


def test_a_statement_waits_while_another_thread_uses_the_connection(vault) -> None:  # type: ignore[no-untyped-def]
    """The threading rule itself: while one thread is inside a statement, another thread's
    statement on the same connection waits for it instead of running alongside."""
    conn = vault.conn
    done = threading.Event()

    def other_thread() -> None:
        conn.execute("SELECT count(*) FROM children").fetchone()
        done.set()

    with conn._lock:  # what a statement in progress on this thread holds
        worker = threading.Thread(target=other_thread)
        worker.start()
        assert not done.wait(0.3), "a second thread ran a statement on a busy connection"
    assert done.wait(5)
    worker.join(5)
