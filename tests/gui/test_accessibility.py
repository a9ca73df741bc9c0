"""Every window walked by keyboard and by the accessibility tree.

What is walked is enumerated from the code, not listed here:

* the main window (locked: the unlock screen; unlocked as a DSL with the whole app installed),
  and inside it every page of every ``QStackedWidget`` and every tab of every ``QTabWidget``
  (navigation pages, the child page's tabs, the process tab's tracker / forms / screening
  wizard pages / outcome page, the DSL pages, the export wizard pages, ...), each shown in turn;
* every ``QDialog`` subclass defined in ``cse_toolkit.gui`` (found by importing every module and
  walking ``QDialog.__subclasses__()``), made through ``DIALOGS`` below (a new dialog without an
  entry fails ``test_every_dialog_has_a_factory``), and again every stack page inside it.

For each of these screen states the test fails on: an interactive widget without an accessible
name (as Qt's accessibility interface reports it, which is what a screen reader reads), a
focusable widget Tab never reaches, a Tab trap (Tab pressed, focus stays), a Tab step that jumps
back against reading order (``ORDER_ALLOWED`` lists the deliberate ones), and a label, button or
field clipped (``layout_check.clipped``) at 100 % and at 200 % scaling. 200 % runs in a
subprocess under ``QT_SCALE_FACTOR=2`` with the main window at 960 x 540 (a 1920 x 1080 screen
at 200 %); 100 % uses the smallest supported size, 1024 x 600.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QRadioButton,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from .layout_check import clipped, overlapping

SCALE = float(os.environ.get("CSE_A11Y_SCALE", "1"))
MAIN_SIZE = QSize(960, 540) if SCALE >= 2 else QSize(1024, 600)

# Tab steps that go back against reading order on purpose: (state, from, to) by accessible name;
# "*" for any state.
ORDER_ALLOWED: set[tuple[str, str, str]] = {
    # The screening key model: Tab past the last question lands on Next (the usual way on);
    # from Next, Tab goes on to the two buttons left of it, so they are reachable too.
    ("*", "Next page", "Back to the process"),
    ("*", "See the outcome", "Back to the process"),
}


# -- the dialogs -----------------------------------------------------------------------------
@dataclass
class World:
    vault: Any
    child: Any
    screening_id: str
    note: Any
    folder: Path
    policy: Any
    clock: Any


def _first_run(w: World) -> QDialog:
    from cse_toolkit.gui.common.first_run_dialog import FirstRunDialog

    return FirstRunDialog(w.folder.parent / "fresh-vault", w.policy.policy, w.clock)


def _recovery(w: World) -> QDialog:
    from cse_toolkit.gui.common.recovery_dialog import RecoveryDialog

    return RecoveryDialog(w.folder, [w.vault.user.name], w.vault.user.name)


def _passphrase(w: World) -> QDialog:
    from cse_toolkit.gui.common.passphrase_dialog import PassphraseDialog

    return PassphraseDialog(w.folder, [w.vault.user.name], w.vault.user.name)


def _export(w: World) -> QDialog:
    from cse_toolkit.gui.exchange.export_dialog import ExportDialog

    return ExportDialog(w.vault, "referral", child_id=w.child.id, policy=w.policy.policy)


def _add_attachment(w: World) -> QDialog:
    from helpers import samples

    from cse_toolkit.gui.children.attachment_add_dialog import AddAttachmentDialog
    from cse_toolkit.services.attachments import check_bytes

    return AddAttachmentDialog(check_bytes(w.vault, samples.jpeg(), "car.jpg"), w.clock.now())


def _report_files(w: World) -> QDialog:
    from cse_toolkit.gui.intel.intel_attachments import ReportAttachmentsDialog

    return ReportAttachmentsDialog(w.vault, w.vault.intel.list()[0][0])


def _attachment_viewer(w: World) -> QDialog:
    from cse_toolkit.gui.children.attachment_viewer import AttachmentViewer

    info = w.vault.attachments.add(w.child.id, b"A letter.\n", "text/plain", caption="Letter")
    return AttachmentViewer(w.vault, info)


def _missing_return(w: World) -> QDialog:
    from datetime import timedelta

    from cse_toolkit.gui.children.missing_return_dialog import MissingReturnDialog

    episode = w.vault.repos.add_missing(w.child.id, w.clock.now() - timedelta(days=1))
    return MissingReturnDialog(w.vault, episode)


DIALOGS: dict[str, Callable[[World], QDialog]] = {
    "ChildDialog": lambda w: _import("children.child_dialog").ChildDialog(w.vault),
    "DslSignoffDialog": lambda w: _import("dsl.dsl_signoff_dialog").DslSignoffDialog(
        w.vault, w.screening_id
    ),
    "SearchNotesDialog": lambda w: _import("common.search_dialog").SearchNotesDialog(w.vault),
    "RecoveryDialog": _recovery,
    "PassphraseDialog": _passphrase,
    "AccountDialog": _passphrase,  # the two above share it as their base; walked as theirs
    "ExportDialog": _export,
    "FirstRunDialog": _first_run,
    "AmendDialog": lambda w: _import("children.notes_tab").AmendDialog(w.note, w.vault),
    "ImportPackDialog": lambda w: _import("exchange.import_dialog").ImportPackDialog(w.vault),
    "AddAttachmentDialog": _add_attachment,
    "AttachmentViewer": _attachment_viewer,
    "ReportAttachmentsDialog": _report_files,
    "ChronologyPrintDialog": lambda w: _import(
        "children.chronology_print_dialog"
    ).ChronologyPrintDialog(w.vault, w.child),
    "IncidentDialog": lambda w: _import("actions.incident_dialog").IncidentDialog(w.vault, w.child),
    "MissingReturnDialog": _missing_return,
    "MyDetailsDialog": lambda w: _import("common.my_details_dialog").MyDetailsDialog(w.vault),
    "KeptPasswordDialog": lambda w: _import("exchange.kept_password_dialog").KeptPasswordDialog(
        w.vault, "no-such-export", "Family Front Door"
    ),
}


def _about_tool(w: World) -> QDialog:
    from cse_toolkit.core.catalogue import load_tool

    return _import("common.about_page").tool_about_dialog(load_tool("worcestershire-2013"))


# Dialogs built by a function (a plain QDialog filled in), keyed by module.function; every
# function in cse_toolkit.gui annotated to return a QDialog needs an entry.
DIALOG_FUNCTIONS: dict[str, Callable[[World], QDialog]] = {
    "about_page.tool_about_dialog": _about_tool,
}


def _import(name: str) -> Any:
    return importlib.import_module(f"cse_toolkit.gui.{name}")


def dialog_classes() -> list[type]:
    import cse_toolkit.gui as gui

    for info in pkgutil.walk_packages(gui.__path__, "cse_toolkit.gui."):
        importlib.import_module(info.name)
    found: list[type] = []
    todo = list(QDialog.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("cse_toolkit.gui") and not inspect.isabstract(cls):
            found.append(cls)
    return sorted(set(found), key=lambda c: c.__name__)


def dialog_functions() -> list[str]:
    dialog_classes()  # imports every module
    found = []
    for name, module in sorted(sys.modules.items()):
        if not name.startswith("cse_toolkit.gui"):
            continue
        for attr, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == name:
                returns = str(obj.__annotations__.get("return", ""))
                if returns.split(".")[-1].strip("'>") == "QDialog":
                    found.append(f"{name.rsplit('.', 1)[-1]}.{attr}")
    return found


# -- checks ----------------------------------------------------------------------------------
def _effective(widget: QWidget) -> QWidget:
    """The control a focused part belongs to (the line edit inside a combo or spin box)."""
    parent = widget.parentWidget()
    if isinstance(parent, QComboBox | QAbstractSpinBox):
        return parent
    return widget


def accessible_name(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    name = face.text(QAccessible.Text.Name) if face is not None else ""
    return (name or "").strip()


def label(widget: QWidget) -> str:
    return f"{type(widget).__name__}({accessible_name(widget) or widget.objectName()!r})"


def focusables(root: QWidget) -> list[QWidget]:
    """Visible, enabled widgets under ``root`` (its window) that take focus by Tab."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if (
            widget.isVisible()
            and widget.isEnabled()
            and widget.window() is root.window()
            and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.focusProxy() is None
        ):
            found.append(_effective(widget))
    return list(dict.fromkeys(found))


def _branch_rects(a: QWidget, b: QWidget) -> tuple[QRect, QRect]:
    """The rectangles of the two children of a's and b's closest common ancestor that hold them:
    so inside a scroll area content is compared with content and the area with what is outside."""
    chain_a = [a]
    while chain_a[-1].parentWidget() is not None:
        chain_a.append(chain_a[-1].parentWidget())
    chain_b = [b]
    while chain_b[-1] not in chain_a and chain_b[-1].parentWidget() is not None:
        chain_b.append(chain_b[-1].parentWidget())
    common = chain_b[-1]
    if common is a or common is b:
        return QRect(), QRect()  # into or out of a container (a scroll area): not a jump
    branch_a = chain_a[chain_a.index(common) - 1]
    branch_b = chain_b[-2]
    return branch_a.geometry(), branch_b.geometry()


def backwards(a: QWidget, b: QWidget) -> bool:
    """Tab from a to b goes against reading order (left to right, then top to bottom): to the
    left on the same line, or up without moving into a column to the right."""
    ra, rb = _branch_rects(a, b)
    if ra.isNull() or rb.isNull():
        return False
    same_line = rb.top() < ra.bottom() and ra.top() < rb.bottom()
    if same_line:
        return rb.center().x() < ra.center().x() - 2 and rb.right() <= ra.left() + 2
    if rb.bottom() <= ra.top():
        return rb.left() < ra.right()
    return False


@dataclass
class Figures:
    states: int = 0
    widgets: int = 0
    named: int = 0
    reachable: int = 0
    traps: int = 0
    backwards: int = 0
    clipped: int = 0
    overlapping: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, state: str, problem: str) -> None:
        self.problems.setdefault(state, []).append(problem)

    def line(self) -> str:
        return (
            f"a11y at {SCALE:g}x: {self.states} screen states, {self.widgets} interactive "
            f"widgets, {self.named} named, {self.reachable} reached by Tab, "
            f"{self.traps} Tab traps, {self.backwards} steps against reading order, "
            f"{self.clipped} clipped, {self.overlapping} overlapping"
        )


def _check_layout(name: str, root: QWidget, figures: Figures) -> None:
    for problem in clipped(root):
        figures.clipped += 1
        figures.add(name, f"clipped: {problem}")
    for problem in overlapping(root):
        figures.overlapping += 1
        figures.add(name, f"overlap: {problem}")


def check_state(name: str, root: QWidget, figures: Figures, *, tab_walk: bool = True) -> None:
    if QApplication.activeWindow() is not root.window():
        root.window().activateWindow()
        QTest.qWaitForWindowActive(root.window(), 2000)
    for _ in range(2):
        QApplication.processEvents()
    figures.states += 1
    _check_layout(name, root, figures)
    if SCALE >= 2:
        return  # the subprocess at 200 % checks clipping only
    candidates = [w for w in focusables(root) if root is w or root.isAncestorOf(w)]
    everything = focusables(root.window())
    for widget in candidates:
        figures.widgets += 1
        if accessible_name(widget):
            figures.named += 1
        else:
            figures.add(
                name,
                f"no accessible name: {type(widget).__name__} "
                f"{widget.objectName()!r} under "
                f"{type(widget.parentWidget()).__name__}",
            )
    if not tab_walk or not candidates:
        figures.reachable += len(candidates)
        return
    # Start at the first stop in reading order (top, then left); Tab into it is the wrap-around.
    start = min(everything, key=_window_pos)
    start.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    current = QApplication.focusWidget()
    if current is None:
        figures.add(
            name, f"nothing takes focus ({label(start)}, active {QApplication.activeWindow()!r})"
        )
        return
    seen: list[QWidget] = [_effective(current)]
    stays = 0
    for _ in range(3 * len(everything) + 10):
        before = QApplication.focusWidget()
        QTest.keyClick(before, Qt.Key.Key_Tab)
        after = QApplication.focusWidget()
        if after is None:
            figures.add(name, f"Tab from {label(_effective(before))} loses focus")
            break
        sections = before.sectionCount() if isinstance(before, QDateTimeEdit) else 0
        if after is before and sections and stays < sections:
            stays += 1  # Tab moves through the day, month, year ... of a date box, then leaves
            continue
        stays = 0
        if after is before and len(everything) > 1:
            figures.traps += 1
            figures.add(name, f"Tab trap: Tab stays in {label(_effective(before))}")
            escape = _next_candidate(before, everything)
            if escape is None:
                break
            escape.setFocus(Qt.FocusReason.TabFocusReason)
            after = QApplication.focusWidget() or escape
        stop = _effective(after)
        if stop is seen[0]:
            break  # back at the start: the cycle is complete (this step is the wrap-around)
        previous = seen[-1]
        if stop is not previous and backwards(previous, stop) and (root.isAncestorOf(stop)):
            key = (name, accessible_name(previous), accessible_name(stop))
            if key not in ORDER_ALLOWED and ("*", *key[1:]) not in ORDER_ALLOWED:
                figures.backwards += 1
                figures.add(name, f"Tab goes back from {label(previous)} to {label(stop)}")
        if stop in seen:
            break
        seen.append(stop)
    groups = {_radio_group(w) for w in seen} - {None}
    if os.environ.get("CSE_A11Y_DEBUG") and os.environ["CSE_A11Y_DEBUG"] in name:
        print(name, [label(w) for w in seen])
    missed = [w for w in candidates if w not in seen and _radio_group(w) not in groups]
    figures.reachable += len(candidates) - len(missed)
    for widget in missed:
        figures.add(name, f"Tab never reaches {label(widget)}")


def _window_pos(widget: QWidget) -> tuple[int, int]:
    """Where a widget sits in its window; inside a scroll area, where the area sits."""
    outer = widget
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            outer = parent
        parent = parent.parentWidget()
    pos = outer.mapTo(outer.window(), outer.rect().topLeft())
    return pos.y(), pos.x()


def _radio_group(widget: QWidget) -> object | None:
    """Tab stops once in a group of exclusive radio buttons (the arrows move inside it)."""
    if not isinstance(widget, QRadioButton):
        return None
    group = widget.group()
    if group is not None and group.exclusive():
        return group
    if widget.autoExclusive():
        return widget.parentWidget()
    return None


def _next_candidate(widget: QWidget, everything: list[QWidget]) -> QWidget | None:
    step = widget.nextInFocusChain()
    for _ in range(2000):
        if step is widget:
            return None
        if _effective(step) in everything and _effective(step) is not _effective(widget):
            return step
        step = step.nextInFocusChain()
    return None


def stack_states(root: QWidget, prefix: str) -> Iterator[str]:
    """Show, one after another, every page of every stack and every tab under ``root``."""
    done: set[int] = set()
    while True:
        stacks = [
            s for s in root.findChildren(QStackedWidget) if id(s) not in done and s.isVisible()
        ]
        if not stacks:
            return
        stack = stacks[0]
        done.add(id(stack))
        tabs = stack.parentWidget() if isinstance(stack.parentWidget(), QTabWidget) else None
        before = stack.currentIndex()
        for index in range(stack.count()):
            if tabs is not None:
                if not tabs.isTabEnabled(index) or not tabs.isTabVisible(index):
                    continue
                tabs.setCurrentIndex(index)
            else:
                stack.setCurrentIndex(index)
            page = stack.widget(index)
            title = (
                tabs.tabText(index).replace("&", "")
                if tabs is not None
                else page.accessibleName() or page.objectName() or type(page).__name__
            )
            yield f"{prefix} / {title}"
            # pages of stacks nested in this page
            yield from stack_states(page, f"{prefix} / {title}") if page.isVisible() else ()
        if tabs is not None:
            tabs.setCurrentIndex(before)
        else:
            stack.setCurrentIndex(before)


# -- the world --------------------------------------------------------------------------------
@pytest.fixture
def world(vault_factory: Any, clock: Any, policy: Any) -> World:
    from cse_toolkit.core import demo
    from cse_toolkit.vault import bulk

    from .process.test_screening_wizard import NOW, at_screening

    vault = vault_factory(user="dee", role="dsl", clock=clock)
    children = bulk.load_children(vault, demo.generate(6, 2, 1, today=clock.now().date()))
    bulk.load_reports(vault, demo.intelligence(children, 2, 0.6))
    child = at_screening(vault, name="Jade Example", approx_age=14)
    note = vault.repos.add_note(child.id, "Seen near the bus station with older adults.", NOW)
    queued = [i for i in vault.dsl.queue() if i.kind in ("signoff", "level_changed")]
    return World(vault, child, queued[0].record_id, note, vault.folder, policy, clock)


def _show(qtbot: Any, widget: QWidget, size: QSize) -> None:
    widget.resize(size)
    widget.show()
    with qtbot.waitActive(widget):
        widget.activateWindow()
    QApplication.processEvents()


def walk(qtbot: Any, world: World, make_window: Any) -> Figures:
    from cse_toolkit.gui.extensions import install_all

    figures = Figures()
    win = make_window(world.folder)
    install_all(win, world.policy.policy)
    _show(qtbot, win, MAIN_SIZE)
    check_state("unlock screen", win, figures)
    from cse_toolkit.gui.common.unlock_dialog import message_for
    from cse_toolkit.vault.errors import WrongPassphraseError

    win.unlock._show_message(message_for(WrongPassphraseError("wrong"), world.folder))
    check_state("unlock screen after a wrong passphrase", win, figures)
    win.enter_vault(world.vault)
    # The process tab with a screening under way, so the wizard has its pages.
    win.show_child(world.child.id, win.child_page.tabs.indexOf(win.parts.process_tab))
    win.parts.process_tab.show_wizard() if hasattr(win.parts.process_tab, "show_wizard") else None
    win.parts.process_tab.wizard.set_child(world.vault, world.child)
    win.show_page("children")
    with qtbot.waitActive(win):
        win.activateWindow()
    for key in win.page_keys():
        win.show_page(key)
        check_state(f"page {key}", win, figures)
        for state in stack_states(win.pages.currentWidget(), f"page {key}"):
            check_state(state, win, figures)
    win.show_child(world.child.id)
    for state in stack_states(win.child_page, "child page"):
        check_state(state, win, figures)
    made = [(c.__name__, DIALOGS[c.__name__]) for c in dialog_classes() if c.__name__ in DIALOGS]
    made += [(n, DIALOG_FUNCTIONS[n]) for n in dialog_functions() if n in DIALOG_FUNCTIONS]
    for title, factory in made:
        dialog = factory(world)
        qtbot.addWidget(dialog)
        hint = dialog.sizeHint()
        _show(
            qtbot,
            dialog,
            QSize(
                min(max(hint.width(), 200), MAIN_SIZE.width()),
                min(max(hint.height(), 200), MAIN_SIZE.height()),
            ),
        )
        check_state(title, dialog, figures)
        for state in stack_states(dialog, title):
            check_state(state, dialog, figures)
        dialog.done(0)
        dialog.hide()
    win.lock("panic")
    check_state("unlock screen after locking", win, figures)
    return figures


def _report(figures: Figures) -> str:
    lines = [figures.line()]
    for state, problems in figures.problems.items():
        lines.append(f"  {state}:")
        lines += [f"    {p}" for p in problems]
    return "\n".join(lines)


# -- the tests --------------------------------------------------------------------------------
def test_every_dialog_has_a_factory() -> None:
    missing = [c.__name__ for c in dialog_classes() if c.__name__ not in DIALOGS]
    assert missing == [], f"add these dialogs to DIALOGS in {__file__}: {missing}"
    functions = dialog_functions()
    assert "about_page.tool_about_dialog" in functions
    missing = [n for n in functions if n not in DIALOG_FUNCTIONS]
    assert missing == [], f"add these to DIALOG_FUNCTIONS in {__file__}: {missing}"


@pytest.mark.skipif(SCALE >= 2, reason="the 100 % walk")
@pytest.mark.slow
def test_every_window_by_keyboard_and_accessibility_tree(
    qtbot: Any, world: World, make_window: Any
) -> None:
    figures = walk(qtbot, world, make_window)
    print("\n" + _report(figures))
    assert figures.states > 30
    assert figures.problems == {}, _report(figures)


@pytest.mark.skipif(SCALE < 2, reason="run by test_nothing_clipped_at_200_percent")
def test_walk_at_scale(qtbot: Any, world: World, make_window: Any) -> None:
    figures = walk(qtbot, world, make_window)
    print("\n" + _report(figures))
    assert figures.states > 30
    assert figures.problems == {}, _report(figures)


@pytest.mark.skipif(SCALE >= 2, reason="this is the parent")
@pytest.mark.slow
def test_nothing_clipped_at_200_percent() -> None:
    env = dict(os.environ, CSE_A11Y_SCALE="2", QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"{__file__}::test_walk_at_scale",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    figures = [line for line in run.stdout.splitlines() if line.startswith("a11y at")]
    print("\n" + "\n".join(figures))
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
