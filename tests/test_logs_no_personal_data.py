"""The log file holds no personal data, and every log file is 0600 in a 0700 folder.

A full flow runs through the command line (separate processes, as IT and users run it) and
the core APIs in this process with logging at DEBUG: init, demo data for 5 children, a child
named "Zebedee Quartermaine" with a marked note, a screening, a pack exported, verified and
imported into another vault, a wrong passphrase, a damaged vault and a damaged pack; then, when
the GUI is importable, the desktop app is unlocked, the child opened and a note saved. Every file
in the log folder is then scanned for the names, the note text, the passphrases and the pack
passwords: 0 hits.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import Run, cli
from helpers.factories import screening_record

from cse_toolkit import logs

PASSPHRASE = "otter lamp river gravel"
OTHER_PASSPHRASE = "kettle meadow copper lantern"
FIRST, LAST = "Zebedee", "Quartermaine"
MARKER = "MARKER-NOTE-91827"
GUI_MARKER = "MARKER-GUI-55310"
SECRETS_FOUND: list[str] = []  # pack passwords and recovery keys seen during the flow


@pytest.fixture
def log_dir(isolated_env: dict[str, Path]) -> Any:
    """Logging for this process goes to this test's log folder, at DEBUG."""
    root = logging.getLogger("cse_toolkit")
    saved = (list(root.handlers), root.level, logs._configured)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    logs._configured = False
    logs.setup_logging(level=logging.DEBUG)
    yield isolated_env["logs"]
    for handler in list(root.handlers):
        handler.close()
        root.removeHandler(handler)
    root.handlers[:], root.level, logs._configured = saved


def _cli(*args: str, stdin: str = "", home: Path | None = None) -> Run:
    return cli(*args, stdin=stdin, home=home, timeout=240)


def _ok(result: Run) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _screening(vault: Any, child_id: str) -> Any:
    seen = {
        "indicator": "low_unknown_adults",
        "value": "yes",
        "basis": "evidence",
        "when": "current",
        "note": f"{FIRST} seen with adults, {MARKER}",
    }
    return screening_record(
        vault, child_id, [seen], child_info={"age": 13}, reason=f"agreed; {MARKER}"
    )


def _core_and_cli_flow(tmp_path: Path, home: Path) -> str:
    """Runs the flow; returns the child's id."""
    from cse_toolkit.services import exchange
    from cse_toolkit.vault.vault import Vault

    # Command line: a DSL's vault with 5 synthetic children.
    made = _ok(
        _cli(
            "init",
            "--user",
            "sam",
            "--role",
            "dsl",
            "--name",
            f"{FIRST} Worker",
            stdin=PASSPHRASE + "\n",
        )
    )
    SECRETS_FOUND.extend(re.findall(r"^\s{4}(\S.+)$", made, re.M))  # the recovery key
    _ok(_cli("demo", "--children", "5", "--user", "sam", stdin=PASSPHRASE + "\n"))

    # Core APIs: the named child, a marked note, a screening, a pack.
    vault = Vault.open(home, "sam", PASSPHRASE)
    try:
        child = vault.repos.add_child(name=f"{FIRST} {LAST}", alias="Zeb", approx_age=13)
        vault.repos.add_note(
            child.id,
            f"{FIRST} {LAST} said the man at the chip shop drives a blue car. {MARKER}",
            vault.now() - timedelta(hours=1),
            place=f"outside {LAST}'s flat",
        )
        _screening(vault, child.id)
        assert any(MARKER in n.body for n in vault.repos.notes_for(child.id))
        pack = exchange.build_pack(
            vault,
            "referral",
            child_id=child.id,
            sharing=exchange.SharingChoice(
                consent_sought=True, consent_given=True, reason=f"concern for {FIRST}"
            ),
            details=exchange.ReferralDetails(reason=f"{MARKER} referral"),
        )
        done = exchange.export(vault, pack, tmp_path / "api-pack.pdf")
        SECRETS_FOUND.append(done.result.password)
        ref = child.ref
    finally:
        vault.close()

    # Command line: export, verify and import into another vault.
    out = _ok(
        _cli(
            "export",
            "--user",
            "sam",
            "--case",
            ref,
            "--kind",
            "referral",
            "--consent",
            "given",
            "--out",
            str(tmp_path / "cli-pack.pdf"),
            stdin=PASSPHRASE + "\n",
        )
    )
    password = re.search(r"^Password: (.+)$", out, re.M).group(1)  # type: ignore[union-attr]
    signer = re.search(r"^Signed by .*: (.+)$", out, re.M).group(1)  # type: ignore[union-attr]
    SECRETS_FOUND.append(password)
    _ok(
        _cli(
            "verify-pack", str(tmp_path / "cli-pack.pdf"), "--password-stdin", stdin=password + "\n"
        )
    )
    other = tmp_path / "other-vault"
    made = _ok(
        _cli("init", "--user", "lee", "--role", "dsl", stdin=OTHER_PASSPHRASE + "\n", home=other)
    )
    SECRETS_FOUND.extend(re.findall(r"^\s{4}(\S.+)$", made, re.M))
    imported = _ok(
        _cli(
            "import-pack",
            "--user",
            "lee",
            str(tmp_path / "cli-pack.pdf"),
            "--expect-signer",
            signer,
            stdin=f"{OTHER_PASSPHRASE}\n{password}\n",
            home=other,
        )
    )
    assert imported.strip()

    # Errors: wrong passphrase, a wrong pack password, a damaged pack, a damaged vault.
    wrong = _cli("audit", "verify", "--user", "sam", stdin=f"{FIRST} {LAST} {MARKER}\n")
    assert wrong.returncode == 1 and "passphrase" in wrong.stderr.lower()
    bad_pw = _cli(
        "verify-pack", str(tmp_path / "cli-pack.pdf"), "--password-stdin", stdin=f"{MARKER}\n"
    )
    assert bad_pw.returncode == 1
    damaged_pack = tmp_path / "damaged-pack.pdf"
    data = bytearray((tmp_path / "cli-pack.pdf").read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0xFF
    damaged_pack.write_bytes(bytes(data))
    assert (
        _cli("verify-pack", str(damaged_pack), "--password-stdin", stdin=password + "\n").returncode
        == 1
    )
    broken = tmp_path / "broken-vault"
    shutil.copytree(home, broken)
    db = next(p for p in broken.iterdir() if p.name.endswith(".db") or p.suffix == ".sqlcipher")
    raw = bytearray(db.read_bytes())
    for page in range(2, len(raw) // 4096):
        raw[page * 4096 + 100] ^= 0x55  # one flipped byte in every page after the first
    db.write_bytes(bytes(raw))
    damaged = _cli(
        "audit", "verify", "--user", "sam", "--full", stdin=PASSPHRASE + "\n", home=broken
    )
    assert damaged.returncode == 1, damaged.stdout
    assert "Traceback" not in damaged.stderr
    return child.id


def _gui_flow(
    request: pytest.FixtureRequest, home: Path, child_id: str, monkeypatch: pytest.MonkeyPatch
) -> bool:
    """Unlock the desktop app, open the child and save a note. False if no GUI to drive."""
    try:
        pytest.importorskip("pytestqt")
        from cse_toolkit.gui.common import dialogs
        from cse_toolkit.gui.main_window import MainWindow
    except (ImportError, pytest.skip.Exception):
        return False
    from cse_toolkit.core.clock import SystemClock
    from cse_toolkit.policy import load_policy

    qtbot = request.getfixturevalue("qtbot")
    for kind in ("info", "warning", "error", "crash"):
        monkeypatch.setattr(dialogs, kind, lambda *a, **k: None)
    monkeypatch.setattr(dialogs, "ask", lambda *a, **k: k.get("default") or a[3][0][0])
    monkeypatch.setattr(dialogs, "confirm", lambda *a, **k: True)
    from PySide6.QtCore import Qt  # noqa: TID251 - the GUI part of the flow

    win = MainWindow(load_policy(), home, SystemClock())
    qtbot.addWidget(win)
    win.show()
    win.start()
    form = win.unlock
    qtbot.keyClicks(form.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(form.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.locked, timeout=20_000)
    win.show_child(child_id, win.child_page.tabs.indexOf(win.child_page.notes))
    editor = win.child_page.notes.editor
    qtbot.keyClicks(editor.ui.bodyEdit, f"{FIRST} came back late. {GUI_MARKER}")
    before = len(win.vault.repos.notes_for(child_id))
    editor.save()
    qtbot.waitUntil(lambda: len(win.vault.repos.notes_for(child_id)) == before + 1, timeout=5000)
    win.close()
    return True


@pytest.mark.slow
def test_logs_hold_no_personal_data_and_are_private(
    tmp_path: Path,
    isolated_env: dict[str, Path],
    log_dir: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    SECRETS_FOUND.clear()
    home = isolated_env["home"]
    child_id = _core_and_cli_flow(tmp_path, home)
    gui_ran = _gui_flow(request, home, child_id, monkeypatch)
    for handler in logging.getLogger("cse_toolkit").handlers:
        handler.flush()

    files = [p for p in log_dir.rglob("*") if p.is_file()]
    assert files, "no log file was written"
    text = b"".join(p.read_bytes() for p in files)
    if gui_ran:
        assert b"unlocked" in text and b"note saved" in text  # the GUI part did log
    needles = [
        FIRST,
        LAST,
        MARKER,
        GUI_MARKER,
        "Zeb ",
        PASSPHRASE,
        OTHER_PASSPHRASE,
        *SECRETS_FOUND,
    ]
    hits = {n: text.count(n.encode()) for n in needles if n and n.encode() in text}
    hits.update(
        {
            f"{n} (lower case)": 1
            for n in (FIRST, LAST, MARKER)
            if n.lower().encode() in text.lower() and n not in hits
        }
    )
    assert hits == {}, f"personal data or secrets in the log: {hits}"
    assert len(SECRETS_FOUND) >= 3  # two recovery keys and the pack passwords were checked

    if os.name == "posix":
        assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
        modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
        assert set(modes.values()) == {"0o600"}, modes


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_rotated_log_files_are_0600_under_umask_022(log_dir: Path) -> None:
    old = os.umask(0o022)
    try:
        log = logging.getLogger("cse_toolkit.test")
        for i in range(12_000):  # > 1 MB: at least one rollover
            log.info("filler line %06d for the rollover check ...........................", i)
    finally:
        os.umask(old)
    files = sorted(p.name for p in log_dir.iterdir())
    assert logs.LOG_FILE_NAME + ".1" in files
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in log_dir.iterdir()}
    assert set(modes.values()) == {"0o600"}, modes
