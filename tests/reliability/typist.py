"""A person typing into the app's real editors, for test_typing_kill.py (run as a script).

    python typist.py FOLDER EDITOR SPEED SEED TARGET

Opens the vault in FOLDER (data key from CSE_TEST_DEK, so no key derivation), builds the real
widget for EDITOR ("note", "child", "export", "intel", "step") the way the app does, prints ``READY``,
then types the text ``text_for(SEED)`` key by key with QTest at SPEED ("human": 120-320 ms a
key with thinking pauses of up to 2.5 s; "burst": 25-45 ms a key, no pause) and prints
``T <chars typed> <monotonic time>`` after each key. It never ends by itself: the test kills
it with SIGKILL. Only counts go to stdout; the text itself is synthetic.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

WORDS = (
    "seen with two older males near the bus station after school said they buy her food "
    "and give her lifts in a silver car phone has new contacts she would not name "
    "mother worried about late nights and new clothes staff noticed bruising on the arm"
).split()


def text_for(seed: int, length: int = 2000) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)[:length]


def delays(speed: str, seed: int) -> Any:
    rng = random.Random(seed * 7 + 1)
    while True:
        if speed == "burst":
            yield rng.uniform(0.025, 0.045)
        else:
            if rng.random() < 0.04:
                yield rng.uniform(0.8, 2.5)  # a pause to think or to listen
            else:
                yield rng.uniform(0.12, 0.32)


def build(editor: str, vault: Any, target: str) -> tuple[Any, Any]:
    """The real widget, and the field the person types into."""
    if editor == "note":
        from cse_toolkit.gui.children.note_editor import NoteEditor

        widget = NoteEditor()
        widget.set_child(vault, vault.repos.get_child(target))
        widget.show()
        return widget, widget.ui.bodyEdit
    if editor == "child":
        from cse_toolkit.gui.children.child_dialog import ChildDialog

        widget = ChildDialog(vault)
        widget.show()
        widget._toggle_details(True)
        return widget, widget.household_edit
    if editor == "export":
        from cse_toolkit.gui.exchange.export_dialog import ExportDialog

        widget = ExportDialog(vault, "referral", child_id=target)
        widget.show()
        widget.go_next()
        from cse_toolkit.gui.exchange import export_dialog as ed

        widget.sought_group.button(ed.YES).setChecked(True)
        widget.given_group.button(ed.YES).setChecked(True)
        return widget, widget.who_consented
    if editor == "intel":
        from cse_toolkit.gui.intel.intel_editor import IntelReportEditor

        widget = IntelReportEditor()
        widget.set_vault(vault)
        widget.new_report([target])
        widget.title_edit.setText("Silver car at the bus station")
        widget.save_draft()  # a report in the vault; the fact being typed is its own draft
        widget.show()
        return widget, widget.fact_input
    if editor == "step":
        from cse_toolkit.core.catalogue import load_pathway, load_tool
        from cse_toolkit.gui.process.pathway_step_form import StepForm

        widget = StepForm()
        widget.open_step(
            vault,
            vault.repos.get_child(target),
            load_pathway("worcestershire-cse-2013"),
            "concern",
            tool=load_tool("worcestershire-2013"),
        )
        widget.show()
        return widget, widget._controls["what"].focusables[-1]
    raise SystemExit(f"unknown editor {editor}")


def main() -> int:
    folder, editor, speed, seed_text, target = sys.argv[1:6]
    seed = int(seed_text)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from cse_toolkit.vault.vault import open_with_key_for_restore

    app = QApplication([])
    vault = open_with_key_for_restore(
        Path(folder), "sam", bytes.fromhex(os.environ["CSE_TEST_DEK"])
    )
    widget, field = build(editor, vault, target)
    field.setFocus()
    text = text_for(seed)
    waits = delays(speed, seed)
    typed = 0
    out = sys.stdout

    def key() -> None:
        nonlocal typed
        if typed >= len(text):
            return
        QTest.keyClicks(field, text[typed])
        typed += 1
        out.write(f"T {typed} {time.monotonic():.4f}\n")
        out.flush()
        QTimer.singleShot(int(next(waits) * 1000), key)

    out.write(f"READY {time.monotonic():.4f}\n")
    out.flush()
    QTimer.singleShot(0, key)
    app.exec()
    _ = widget
    return 0


if __name__ == "__main__":
    sys.exit(main())
