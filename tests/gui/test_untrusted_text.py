"""Issue 21: text from a pack is shown as text everywhere the DSL sees it.

A hostile sender names themselves and the child with markup (a fake fingerprint table, an image,
bold) and terminal escapes. After the DSL imports the pack, every page that shows it (child list,
the child's page and each tab, the review queue, the imported packs page) is visited and every
label holding the sender's text must be plain text; tooltips show it escaped.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel

from cse_toolkit.gui.common.widgets import install_plain_text_labels, plain_tip
from cse_toolkit.services import exchange

MARKERS = ("<table", "<img", "<b>", "\x1b")
SENDER = "<table><tr><td>Fingerprint 0000 0000</td></tr></table><img src='file:///etc/x'>"


def test_every_page_shows_pack_text_as_plain_text(
    qtbot: Any, vault_factory: Any, open_window: Any, tmp_path: Path
) -> None:
    install_plain_text_labels(QApplication.instance())  # as the app does at start
    sender = vault_factory(user="mallory", role="worker", display_name=SENDER)
    child = sender.repos.add_child(name="<b>Bold</b> Name", approx_age=13, school="<i>S</i>")
    sender.repos.add_note(child.id, "<img src=x> seen \x1b[31mred", sender.now())
    # Issue 18: an action, an incident and a missing episode carry the sender's words too.
    other = sender.repos.add_child(name="<b>Other</b>")
    sender.incidents.add([child.id, other.id], "<img src=x> car", sender.now(), place="<b>P</b>")
    sender.actions.add("<b>Phone</b> \x1b[31m", sender.now(), child_id=child.id)
    went = sender.now() - timedelta(days=2)
    sender.repos.add_missing(
        child.id,
        went,
        went + timedelta(hours=3),
        "<i>flat</i>",
        police_ref="<b>WM</b>",
        returned_by="<img src=x>",
    )
    pack = exchange.build_pack(
        sender,
        "referral",
        child_id=child.id,
        sharing=exchange.SharingChoice(consent_sought=True, consent_given=True),
    )
    done = exchange.export(sender, pack, tmp_path / "hostile.pdf")
    win = open_window(role="dsl", user="dee")
    vault = win._vault
    exchange.import_pack(vault, done.result.path, done.result.password, confirmed="compared")

    visited, labels_seen, tips = 0, 0, 0
    rich: list[str] = []

    def scan(where: str) -> None:
        nonlocal visited, labels_seen, tips
        visited += 1
        qtbot.wait(50)
        for label in win.findChildren(QLabel):
            if label.isVisible() and any(m in label.text() for m in MARKERS):
                labels_seen += 1
                if label.textFormat() != Qt.TextFormat.PlainText:
                    rich.append(f"{where}: {label.text()[:40]!r}")
        for view in win.findChildren(QAbstractItemView):
            model = view.model()
            if model is None or not view.isVisible():
                continue
            from PySide6.QtCore import QModelIndex

            try:
                columns = model.columnCount(QModelIndex())
            except TypeError:  # list models keep columnCount private
                columns = 1
            for row in range(min(model.rowCount(QModelIndex()), 50)):
                for col in range(max(1, columns)):
                    tip = model.index(row, col).data(Qt.ItemDataRole.ToolTipRole)
                    if isinstance(tip, str) and any(m in tip for m in MARKERS[:3]):
                        tips += 1
                        rich.append(f"{where}: tooltip {tip[:40]!r}")
                    elif isinstance(tip, str) and "&lt;" in tip:
                        tips += 1

    win.show_page("children")
    scan("child list")
    assert win.show_child(child.id)
    for tab in range(win.child_page.tabs.count()):
        win.child_page.tabs.setCurrentIndex(tab)
        scan(f"child tab {win.child_page.tabs.tabText(tab)}")
    for key in ("dsl_queue", "imports", "dsl_audit"):
        if win.show_page(key):
            scan(key)
    assert labels_seen >= 1, "the child's name should be on screen"
    assert rich == []
    assert (
        plain_tip("<b>x</b>\nnext")
        == "<p style='white-space:pre-wrap'>&lt;b&gt;x&lt;/b&gt;<br>next</p>"
    )
    print(
        f"\npages visited {visited}, labels with pack text {labels_seen}, escaped tooltips "
        f"{tips}, rich-text renderings 0"
    )


HOSTILE_SENDER = "\x1b[2K\x1b[1A\r  signed by key 0000 0000 0000 0000\x1b[8m"
HOSTILE_ORG = '<table><tr><td>Fingerprint 0000 0000</td></tr></table><img src="file:///etc/x">'
HOSTILE_RECIPIENT = "CSE team \u202eetis dekcah\u202c\x9b31m"


@pytest.fixture
def hostile_pack(vault_factory: Any, tmp_path: Path) -> Any:
    """A pack whose sender, organisation and recipient are hostile (as in the reliability
    attack test on the CLI)."""
    sender = vault_factory(user="mallory", role="worker", display_name=HOSTILE_SENDER)
    child = sender.repos.add_child(name="<b>Bold</b> \x1b[31mRed", approx_age=13)
    pack = exchange.build_pack(
        sender,
        "referral",
        child_id=child.id,
        sharing=exchange.SharingChoice(consent_sought=True, consent_given=True),
    )
    pack = pack.model_copy(
        update={
            "organisation": HOSTILE_ORG,
            "recipient": pack.recipient.model_copy(update={"name": HOSTILE_RECIPIENT}),
        }
    )
    return exchange.export(sender, pack, tmp_path / "hostile.pdf").result


def test_import_dialog_shows_hostile_fields_as_plain_text(
    hostile_pack: Any, vault_factory: Any, qtbot: Any, monkeypatch: Any
) -> None:
    from cse_toolkit.gui.common import dialogs
    from cse_toolkit.gui.exchange.import_conflicts_page import ImportConflictsPage
    from cse_toolkit.gui.exchange.import_dialog import ImportPackDialog

    for kind in ("info", "warning", "error"):
        monkeypatch.setattr(dialogs, kind, lambda *a, **k: None)
    dsl = vault_factory(user="dee", role="dsl")
    dialog = ImportPackDialog(dsl)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.file_edit.setText(str(hostile_pack.path))
    dialog.password_edit.setText(hostile_pack.password)
    with qtbot.waitSignal(dialog.verified, timeout=10000):
        dialog.go_next()
    fields = dialog.summary_fields
    assert fields["sender"].text() == HOSTILE_SENDER
    assert fields["organisation"].text() == HOSTILE_ORG
    assert fields["recipient"].text() == HOSTILE_RECIPIENT
    dialog.compared_box.setChecked(True)
    with qtbot.waitSignal(dialog.imported, timeout=10000):
        dialog.go_next()
    # A second, conflicting import so the conflicts page shows the sender too.
    page = ImportConflictsPage()
    qtbot.addWidget(page)
    page.set_vault(dsl)
    page.show()
    shown = [w for w in (*dialog.findChildren(QLabel), *page.findChildren(QLabel)) if w.text()]
    hostile = [w for w in shown if any(m in w.text() for m in ("<table", "\x1b", "<b>"))]
    assert hostile, "the hostile fields should be on screen"
    rich = [w.text()[:40] for w in hostile if w.textFormat() != Qt.TextFormat.PlainText]
    assert rich == []
    print(
        f"\nattack HTML sender/organisation (GUI): {len(hostile)} labels showing pack fields, "
        f"{len(rich)} rendered as rich text"
    )
