"""The whole app put together (``gui.extensions.install_all``): every role sees the pages it may
use and no others, a child's page has every tab, and the child list shows the next step."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from cse_toolkit.core import demo
from cse_toolkit.gui.extensions import install_all
from cse_toolkit.vault import bulk

EVERYONE = {"guidance", "about"}
CASE_PAGES = {"children", "intelligence", "outbox", "my_actions"}
DSL_PAGES = {"dsl_queue", "dsl_dashboard", "dsl_audit", "dsl_retention", "imports"}


def _window(vault_factory: Any, make_window: Any, policy: Any, clock: Any, role: str) -> Any:
    vault = vault_factory(user="pat", role=role, clock=clock)
    if role != "admin":
        bulk.load_children(vault, demo.generate(6, seed=5, today=clock.now().date()))
    win = make_window(vault.folder)
    install_all(win, policy.policy)
    win.enter_vault(vault)
    return win


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("worker", EVERYONE | CASE_PAGES),
        ("dsl", EVERYONE | CASE_PAGES | DSL_PAGES),
        ("admin", EVERYONE),
    ],
)
def test_each_role_sees_only_its_pages(  # type: ignore[no-untyped-def]
    role, expected, vault_factory, make_window, policy, clock
) -> None:
    win = _window(vault_factory, make_window, policy, clock, role)
    assert set(win.page_keys(visible_only=True)) == expected


def test_child_page_has_every_tab_and_list_shows_next_step(  # type: ignore[no-untyped-def]
    vault_factory, make_window, policy, clock, wait_list, qtbot
) -> None:
    win = _window(vault_factory, make_window, policy, clock, "dsl")
    wait_list(win)
    model = win.child_list.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert any("next" in str(h).lower() for h in headers), headers
    next_col = next(c for c, h in enumerate(headers) if "next" in str(h).lower())
    texts = [model.index(r, next_col).data() for r in range(model.rowCount())]
    assert all(texts), texts  # every demo child has recorded steps, so each has a next step
    first = win.vault.repos.list_children()[0]
    assert win.show_child(first.id)
    titles = [t.replace("&", "") for t in win.child_page.tab_titles()]
    for wanted in (
        "Details",
        "Notes",
        "Chronology",
        "Process",
        "Connections",
        "Share",
        "Actions",
        "Incidents",
    ):
        assert wanted in titles, titles
