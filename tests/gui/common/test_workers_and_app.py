"""The background helper, the crash handler and start-up with a broken policy."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

import pytest
from PySide6.QtCore import QObject

from cse_toolkit.gui.common import workers


def test_result_delivered_on_gui_thread(qtbot: Any) -> None:
    receiver = QObject()
    got: list[Any] = []
    worker_threads: list[Any] = []

    def work() -> int:
        worker_threads.append(threading.current_thread())
        return 42

    workers.run_in_background(
        work, lambda r: got.append((r, threading.current_thread())), None, receiver
    )
    qtbot.waitUntil(lambda: bool(got))
    assert got[0][0] == 42
    assert got[0][1] is threading.main_thread()
    assert worker_threads[0] is not threading.main_thread()


def test_error_delivered_to_on_error(qtbot: Any) -> None:
    receiver = QObject()
    errors: list[BaseException] = []

    def work() -> None:
        raise ValueError("boom")

    workers.run_in_background(work, lambda r: None, errors.append, receiver)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], ValueError)


def test_nothing_happens_if_receiver_destroyed(qtbot: Any) -> None:
    import shiboken6

    receiver = QObject()
    gate = threading.Event()
    got: list[Any] = []
    workers.run_in_background(lambda: gate.wait(5) and "late", got.append, got.append, receiver)
    shiboken6.delete(receiver)
    gate.set()
    assert workers.wait_for_all(5000)
    qtbot.wait(50)
    assert got == []


def test_crash_handler_logs_code_lines_not_personal_data(
    qtbot: Any, fake_dialogs: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from cse_toolkit.gui.app import handle_exception

    secret = "Jay Smith told me about the man in the silver car"
    try:
        note_text = secret
        raise RuntimeError(f"failed while saving {note_text}")
    except RuntimeError:
        exc_type, exc, tb = sys.exc_info()
    with caplog.at_level(logging.ERROR, logger="cse_toolkit"):
        handle_exception(exc_type, exc, tb)  # type: ignore[arg-type]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "test_workers_and_app.py" in logged
    assert "Jay" not in logged and "silver car" not in logged
    ((kind, _title, text),) = fake_dialogs.shown
    assert kind == "crash" and "Jay" not in text


def test_user_error_at_top_is_a_plain_message(fake_dialogs: Any) -> None:
    from cse_toolkit.errors import UserError
    from cse_toolkit.gui.app import handle_exception

    exc = UserError("The disk is full.")
    handle_exception(UserError, exc, None)
    assert fake_dialogs.shown == [("error", "Cannot do that", "The disk is full.")]


def test_invalid_policy_stops_with_message_naming_the_key(
    qtbot: Any, fake_dialogs: Any, isolated_env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from cse_toolkit.gui.app import run_gui

    isolated_env["policy"].write_text("idle_lock_minutes = 600\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="cse_toolkit.gui"):  # "policy refused" is logged
        assert run_gui([]) == 1
    ((kind, _title, text),) = fake_dialogs.shown
    assert kind == "error" and "idle_lock_minutes" in text


@pytest.mark.parametrize(
    "text, named",
    [
        ("x = " + "[" * 50_000 + "]" * 50_000, "nested more than 16 levels deep"),
        ('idle_lock_minutes = "5"', "idle_lock_minutes (line 1): Input should be a valid integer"),
        ('default_tool = "nope"', "default_tool: 'nope' is not an installed screening tool"),
    ],
)
def test_a_start_on_a_deep_mistyped_or_unknown_tool_policy_shows_the_dialog(
    text: str,
    named: str,
    qtbot: Any,
    fake_dialogs: Any,
    isolated_env: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 22: such a policy used to end the start silently (a RecursionError, no dialog)."""
    from cse_toolkit.gui.app import run_gui

    isolated_env["policy"].write_text(text, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="cse_toolkit.gui"):
        assert run_gui([]) == 1
    ((kind, title, shown),) = fake_dialogs.shown
    assert (kind, title) == ("error", "Organisation policy problem") and named in shown
