"""Fixtures for the GUI tests (pytest-qt, offscreen).

* ``fake_dialogs`` (autouse): replaces every function of ``cse_toolkit.gui.common.dialogs`` so nothing
  blocks; records what was shown and answers ``ask`` from a queue (else its default).
* Qt warnings fail every test (``qt_log_level_fail`` in pyproject.toml), here as everywhere.
* ``window``: a main window on a fresh vault folder; ``open_window``: one already unlocked on a
  vault made with fast key-derivation parameters.
"""

from __future__ import annotations

import os

# pytest-qt makes the (session-wide) QApplication before the function-scoped environment
# fixtures run, so the platform must be chosen when this file is imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cse_toolkit.core.clock import FixedClock

PASSPHRASE = "otter lamp river gravel"


@dataclass
class FakeDialogs:
    shown: list[tuple[str, str, str]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    confirm_answer: bool = True

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.shown if kind is None or k == kind]

    def _record(self, kind: str) -> Callable[..., None]:
        def show(parent: Any, title: str, text: str, *args: Any, **kwargs: Any) -> None:
            self.shown.append((kind, title, text))

        return show

    def ask(
        self,
        parent: Any,
        title: str,
        text: str,
        choices: Any,
        default: str | None = None,
        escape: str | None = None,
    ) -> str:
        self.shown.append(("ask", title, text))
        if self.answers:
            return self.answers.pop(0)
        return default or choices[0][0]

    printed: list[str] = field(default_factory=list)

    def print_document(self, parent: Any, title: str, document: Any) -> bool:
        """Records the document's plain text instead of printing it."""
        self.shown.append(("print", title, document.toPlainText()))
        self.printed.append(document.toPlainText())
        return True

    printed_pages: list[int] = field(default_factory=list)

    def print_images(self, parent: Any, title: str, pages: Any) -> bool:
        """Records how many pages would have gone to the printer."""
        self.shown.append(("print", title, f"{len(pages)} pages"))
        self.printed_pages.append(len(pages))
        return True

    def confirm(self, parent: Any, title: str, text: str, yes: str, no: str) -> bool:
        self.shown.append(("confirm", title, text))
        return self.confirm_answer


@pytest.fixture(autouse=True)
def fake_dialogs(monkeypatch: pytest.MonkeyPatch) -> FakeDialogs:
    from cse_toolkit.gui.common import dialogs

    fake = FakeDialogs()
    for kind in ("info", "warning", "error", "crash"):
        monkeypatch.setattr(dialogs, kind, fake._record(kind))
    monkeypatch.setattr(dialogs, "ask", fake.ask)
    monkeypatch.setattr(dialogs, "confirm", fake.confirm)
    monkeypatch.setattr(dialogs, "get_text", lambda *a, **k: None)
    monkeypatch.setattr(dialogs, "open_file", lambda *a, **k: None)
    monkeypatch.setattr(dialogs, "save_file", lambda *a, **k: None)
    monkeypatch.setattr(dialogs, "print_document", fake.print_document)
    monkeypatch.setattr(dialogs, "print_images", fake.print_images)
    return fake


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def policy() -> Any:
    from cse_toolkit.policy import load_policy

    return load_policy()


@pytest.fixture
def make_window(qtbot: Any, policy: Any, clock: FixedClock) -> Iterator[Callable[..., Any]]:
    from cse_toolkit.gui.main_window import MainWindow
    from cse_toolkit.vault.keyslots import FLOOR_PARAMS

    made: list[Any] = []

    def make(folder: Path, *, tracked: bool = True, **kw: Any) -> Any:
        """``tracked=False``: the test destroys the window itself (a simulated crash)."""
        win = MainWindow(
            kw.pop("loaded_policy", policy), folder, kw.pop("clock", clock), kdf=FLOOR_PARAMS
        )
        if tracked:
            qtbot.addWidget(win)
            made.append(win)
        win.show()
        return win

    yield make
    import shiboken6

    for win in made:
        if shiboken6.isValid(win):
            win.close()  # locks: drafts saved, vault closed, before the vault fixtures tear down


@pytest.fixture
def open_window(vault_factory: Any, make_window: Any, clock: FixedClock) -> Callable[..., Any]:
    """A main window already unlocked on a new vault (role and user as asked)."""

    def make(role: str = "worker", user: str = "sam", tracked: bool = True) -> Any:
        vault = vault_factory(user=user, role=role, clock=clock)
        win = make_window(vault.folder, tracked=tracked)
        win.enter_vault(vault)
        return win

    return make


@pytest.fixture
def wait_list(qtbot: Any) -> Callable[[Any], None]:
    """Wait until the child list has (re)loaded."""

    def wait(win: Any) -> None:
        with qtbot.waitSignal(win.child_list.loaded, timeout=5000):
            win.child_list.reload()

    return wait
