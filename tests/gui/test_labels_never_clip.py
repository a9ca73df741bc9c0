"""No label, button or field is cut off, on any form, at the smallest supported window size.

The smallest supported size is a 1366 x 768 laptop at 125 % scaling with a taskbar: 1024 x 600
device-independent pixels (docs/IT-GUIDE.md). Each form is shown at that size (a dialog at its
own size when smaller) and ``layout_check.clipped`` lists anything shown smaller than its text
needs; the test fails with that list.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QWidget

from .layout_check import clipped

SMALLEST = QSize(1024, 600)


def _shown(qtbot: Any, widget: QWidget, size: QSize | None = None) -> list[str]:
    target = size or SMALLEST
    hint = widget.sizeHint()
    widget.resize(
        min(max(hint.width(), 200), target.width()), min(max(hint.height(), 200), target.height())
    )
    if size is not None:
        widget.resize(size)
    widget.show()
    qtbot.waitExposed(widget)
    for _ in range(3):
        QApplication.processEvents()
    return clipped(widget)


@pytest.fixture
def worker(vault_factory: Any, clock: Any) -> Any:
    return vault_factory(user="sam", role="worker", clock=clock, display_name="Sam Okafor")


def test_child_dialog(qtbot: Any, worker: Any) -> None:
    from cse_toolkit.gui.children.child_dialog import ChildDialog

    dialog = ChildDialog(worker)
    qtbot.addWidget(dialog)
    dialog._toggle_details(True)
    assert _shown(qtbot, dialog) == []


def test_export_wizard_pages(qtbot: Any, worker: Any) -> None:
    from cse_toolkit.gui.exchange import export_dialog as ed

    child = worker.repos.add_child(name="Jade Example", approx_age=14)
    dialog = ed.ExportDialog(worker, "referral", child_id=child.id)
    qtbot.addWidget(dialog)
    problems = {}
    for page in (dialog.recipient_page, dialog.sharing_page, dialog.details_page):
        dialog._show(page)
        if page is dialog.sharing_page:
            dialog.sought_group.button(ed.YES).setChecked(True)
            dialog.given_group.button(ed.NO).setChecked(True)
        found = _shown(qtbot, dialog, SMALLEST)
        if found:
            problems[page.accessibleName() or str(page)] = found
    assert problems == {}


def test_main_window_notes_and_lock_screen(qtbot: Any, open_window: Any, wait_list: Any) -> None:
    win = open_window()
    child = win.vault.repos.add_child(alias="Jay", approx_age=14)
    wait_list(win)
    win.show_child(child.id, win.child_page.tabs.indexOf(win.child_page.notes))
    assert _shown(qtbot, win, SMALLEST) == []
    win.lock("panic")
    assert _shown(qtbot, win, SMALLEST) == []


def test_every_pathway_step_form(qtbot: Any, worker: Any) -> None:
    from cse_toolkit.core.catalogue import list_pathways, load_pathway, load_tool
    from cse_toolkit.gui.process.pathway_step_form import StepForm

    child = worker.repos.add_child(name="Jade Example", approx_age=14)
    tool = load_tool("worcestershire-2013")
    form = StepForm()
    qtbot.addWidget(form)
    problems = {}
    for pathway_id, version, _ in list_pathways():  # every installed pathway and version
        pathway = load_pathway(pathway_id, version)
        for step in pathway.steps:
            if not step.fields:
                continue
            form.open_step(worker, child, pathway, step.id, tool=tool)
            found = _shown(qtbot, form, QSize(SMALLEST.width() - 200, SMALLEST.height()))
            if found:
                problems[f"{pathway_id}/{step.id}"] = found
            form.clear()
    assert problems == {}


def test_first_run_recovery_and_amend_dialogs(
    qtbot: Any, worker: Any, tmp_path: Any, clock: Any
) -> None:
    from cse_toolkit.gui.children.notes_tab import AmendDialog
    from cse_toolkit.gui.common.first_run_dialog import FirstRunDialog
    from cse_toolkit.gui.common.recovery_dialog import RecoveryDialog
    from cse_toolkit.policy import Policy

    first = FirstRunDialog(tmp_path / "new", Policy(), clock)
    qtbot.addWidget(first)
    assert _shown(qtbot, first) == []
    recovery = RecoveryDialog(worker.folder, ["sam"], "sam")
    qtbot.addWidget(recovery)
    recovery._show(
        "That recovery key does not open this vault. Check each group of characters "
        "and try again; ask IT for the organisation route if it is lost."
    )
    assert _shown(qtbot, recovery) == []
    child = worker.repos.add_child(alias="Jay", approx_age=14)
    note = worker.repos.add_note(child.id, "Seen at the bus station.", worker.now())
    amend = AmendDialog(note, worker)
    qtbot.addWidget(amend)
    assert _shown(qtbot, amend) == []


def test_screening_wizard_pages_and_intel_editor(
    qtbot: Any, vault_factory: Any, clock: Any
) -> None:
    from cse_toolkit.gui.intel.intel_editor import IntelReportEditor

    from .process.test_screening_wizard import at_screening, open_process

    vault = vault_factory(clock=clock)
    tab = open_process(qtbot, vault, at_screening(vault, approx_age=14))
    tab.tracker.continue_button.click()
    wizard = tab.wizard
    problems = {}
    for index in range(wizard.stack.count()):
        wizard.go_to_page(index)
        found = _shown(qtbot, tab, SMALLEST)
        if found:
            problems[index] = found
    assert problems == {}
    editor = IntelReportEditor()
    qtbot.addWidget(editor)
    editor.set_vault(vault)
    editor.new_report()
    assert _shown(qtbot, editor, SMALLEST) == []
