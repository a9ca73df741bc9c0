"""Journey tests: two people, two real vaults in two temporary folders, the real command line
(in a subprocess) and the real app (pytest-qt, offscreen; Qt warnings fail, as everywhere)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gui.conftest import FakeDialogs, fake_dialogs  # noqa: F401 - the shared seam fake
from helpers.journey import Person


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every journey is ``slow``: dozens of real command-line runs each (CI runs them; the inner
    loop, ``-m "not slow and not reliability"``, leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def worker(tmp_path: Path) -> Person:
    """Sam, an outreach worker, on his own laptop (vault made with `cse-toolkit init`)."""
    return Person(tmp_path / "laptop-sam", "sam", "worker", "Sam Okafor").init()


@pytest.fixture
def second_worker(tmp_path: Path) -> Person:
    return Person(
        tmp_path / "laptop-alex",
        "alex",
        "worker",
        "Alex Rowe",
        passphrase="heron quilt marble cactus",
    ).init()


@pytest.fixture
def dsl(tmp_path: Path) -> Person:
    """Priya, the DSL, on hers."""
    return Person(
        tmp_path / "laptop-priya",
        "priya",
        "dsl",
        "Priya Natarajan",
        passphrase="violet anchor meadow pencil",
    ).init()


@pytest.fixture
def app(qtbot: Any) -> Iterator[Callable[[Person], Any]]:
    """The whole app (every page and tab) unlocked on a person's vault."""
    from cse_toolkit.core.clock import SystemClock
    from cse_toolkit.gui.extensions import install_all
    from cse_toolkit.gui.main_window import MainWindow
    from cse_toolkit.policy import load_policy
    from cse_toolkit.vault.vault import Vault

    made: list[Any] = []

    def open_app(person: Person) -> Any:
        policy = load_policy()
        win = MainWindow(policy, person.folder, SystemClock())
        qtbot.addWidget(win)
        install_all(win, policy.policy)
        win.show()
        win.enter_vault(Vault.open(person.folder, person.user, person.passphrase))
        made.append(win)
        return win

    yield open_app
    import shiboken6

    for win in made:
        if shiboken6.isValid(win):
            win.close()


__all__ = ["FakeDialogs"]
