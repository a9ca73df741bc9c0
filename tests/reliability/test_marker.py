"""No plaintext on disk: a unique marker written into every kind of record never appears in
any file the app or SQLite leaves behind, after searches, a big sort, a backup and a crash.

Scanned: the vault folder, the private temp folder (CSE_TOOLKIT_TMP), the log folder, the backup
file, files that appeared in the system temp folders during the test, and any SQLite
``etilqs_*`` temp file. Looked for: the marker in UTF-8 and UTF-16 (both byte orders), as written
and in lower case.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.cli import cli
from helpers.vaults import PASSPHRASE, REPO, make_vault

MARKER = "ZQX-MARKER-7731"
NEEDLES = [
    form.encode(enc)
    for form in (MARKER, MARKER.lower())
    for enc in ("utf-8", "utf-16-le", "utf-16-be")
]
TEMP_DIRS = [Path(tempfile.gettempdir()), Path("/var/tmp"), Path("/usr/tmp")]

CRASH = r"""
import os, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from cse_toolkit.vault.vault import Vault
# With the passphrase (not the data key alone): its entries are signed by sam, so audit verify
# below passes only if nothing else is wrong.
vault = Vault.open(Path(sys.argv[1]), "sam", os.environ["PASS"])
child = vault.repos.list_children()[0]
for i in range(20):
    vault.repos.add_note(child.id, f"crash note {i} {sys.argv[2]} " * 30,
                         datetime.now(UTC) - timedelta(hours=2))
vault.conn.execute("PRAGMA cache_size = 8")
vault.conn.execute("BEGIN IMMEDIATE")
for i in range(60):
    vault.conn.execute("INSERT INTO drafts (id, user_id, kind, payload, updated_at)"
                       " VALUES (?,?,?,?,?)", (f"u{i}", vault.user.id, "note",
                       (sys.argv[2] + " uncommitted ") * 300, "x"))
print("held", flush=True)
time.sleep(600)
"""


def _temp_listing() -> set[Path]:
    found: set[Path] = set()
    for folder in TEMP_DIRS:
        if folder.is_dir():
            found.update(folder.iterdir())
    return found


def _scan(roots: list[Path], extra: tuple[bytes, ...] = ()) -> tuple[int, int, list[str]]:
    files = scanned = 0
    hits: list[str] = []
    seen: set[Path] = set()
    for root in roots:
        paths = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in paths:
            if path in seen or not path.is_file() or path.is_symlink():
                continue
            seen.add(path)
            try:
                data = path.read_bytes()
            except OSError:
                continue
            files += 1
            scanned += len(data)
            hits += [f"{path} ({needle!r})" for needle in (*NEEDLES, *extra) if needle in data]
    return files, scanned, hits


@pytest.mark.timeout(600)
def test_marker_never_reaches_the_disk(tmp_path: Path, isolated_env, figure) -> None:  # type: ignore[no-untyped-def]
    temp_before = _temp_listing()
    folder = isolated_env["home"]
    vault = make_vault(folder)
    now = datetime.now(UTC)
    repos = vault.repos
    child = repos.add_child(
        name=f"Name {MARKER}",
        alias=f"alias {MARKER}",
        school=f"School {MARKER}",
        address=f"1 {MARKER} Road",
        details={"note": MARKER},
        approx_age=14,
    )
    other = repos.add_child(name="Plain Child", approx_age=13)
    draft = repos.save_draft("note", child.id, {"body": f"draft {MARKER}"})
    repos.save_draft("note", child.id, {"body": f"draft again {MARKER}"}, draft)
    repos.add_note(
        child.id,
        f"seen with {MARKER} at the station",
        now - timedelta(days=2),
        place=f"Place {MARKER}",
        draft_id=draft,
    )
    repos.save_draft("note", other.id, {"body": f"open draft {MARKER}"})
    repos.add_missing(
        child.id,
        now - timedelta(days=5),
        now - timedelta(days=4),
        where_found=f"found {MARKER}",
        notes=f"missing {MARKER}",
    )
    repos.record_step(
        child.id,
        "worcestershire-cse-2013",
        "concern",
        now - timedelta(days=3),
        {
            "what": f"concern {MARKER}",
            "when": "2026-01-05T10:00:00Z",
            "by_whom": f"worker {MARKER}",
        },
    )
    repos.update_child(child.id, expected_version=1, household=f"household {MARKER}")
    # Attachments (issue 18): a text file holding the marker and a photo whose bytes are
    # random, so a slice of them is a needle of its own; both also go out in a pack.
    from helpers import samples

    from cse_toolkit.services import attachments, exchange

    sources = tmp_path / "sources"  # the worker's own files: read, never scanned
    sources.mkdir()
    (sources / "letter.txt").write_text(f"letter {MARKER}\n", encoding="utf-8")
    (sources / "noise.png").write_bytes(samples.noise_png(seed=7731))
    text_att = attachments.add_file(vault, child.id, sources / "letter.txt", caption=MARKER)
    photo_att = attachments.add_file(vault, child.id, sources / "noise.png")
    stored = vault.attachments.content(photo_att.id)
    photo_needle = stored[len(stored) // 2 : len(stored) // 2 + 32]
    assert MARKER.encode() in vault.attachments.content(text_att.id)
    sharing = exchange.SharingChoice(consent_sought=True, consent_given=True)
    pack = exchange.build_pack(
        vault,
        "referral",
        child_id=child.id,
        sharing=sharing,
        attachment_ids=[text_att.id, photo_att.id],
    )
    (tmp_path / "out").mkdir()
    exported = exchange.export(vault, pack, tmp_path / "out" / "referral.pdf")
    # Thousands of rows in one transaction, then a big sort over a large text column.
    with vault.write("bulk notes"):
        for i in range(3000):
            repos.add_note(
                other.id,
                f"bulk {i} {MARKER} " + "words and more words " * 80,
                now - timedelta(minutes=i),
            )
    sorted_rows = vault.conn.execute(
        "SELECT body FROM notes ORDER BY substr(body, 12) DESC, length(body)"
    ).fetchall()
    assert len(sorted_rows) == 3001
    assert repos.search_notes("ZQX")  # full-text search over every note
    assert repos.search_notes("marker 7731 station")
    assert repos.list_children(MARKER)
    assert repos.possible_duplicates(f"Name {MARKER}")
    assert repos.chronology(child.id)
    from cse_toolkit.vault.backup import create_backup

    backup = tmp_path / "backup.zip"
    create_backup(vault, backup)
    vault.close()

    # A crash in the middle of marker writes, leaving a WAL with committed and spilled pages.
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH, str(folder), MARKER],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PASS=PASSPHRASE),
        cwd=REPO,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert (folder / "vault.db-wal").exists()
    # The command line too (it writes the log): verify, search-free commands, backup.
    run = cli("audit", "verify", "--full", stdin=PASSPHRASE + "\n")
    assert run.returncode == 0, run.stderr
    run = cli("backup", "--out", str(tmp_path / "cli-backup.zip"), stdin=PASSPHRASE + "\n")
    assert run.returncode == 0, run.stderr

    new_temp = sorted(_temp_listing() - temp_before)
    etilqs = [p for d in TEMP_DIRS if d.is_dir() for p in d.glob("etilqs_*")]
    roots = [
        folder,
        isolated_env["tmp"],
        isolated_env["logs"],
        backup,
        tmp_path / "cli-backup.zip",
        exported.result.path,  # the encrypted pack: nothing readable inside the file
        *new_temp,
        *etilqs,
    ]
    files, scanned, hits = _scan(roots, (photo_needle,))
    figure("marker_files_scanned", files)
    figure("marker_bytes_scanned", scanned)
    figure("marker_new_system_temp_entries", len(new_temp))
    figure("marker_etilqs_files", len(etilqs))
    figure("marker_hits", len(hits))
    assert scanned > 1_000_000  # the vault really holds the bulk notes
    control = tmp_path / "control.bin"
    control.write_bytes(b"x" + MARKER.lower().encode("utf-16-be") + b"y")
    assert len(_scan([control])[2]) == 1  # the scanner does find what it looks for
    assert len(_scan([sources], (photo_needle,))[2]) == 2  # the source files hold both needles
    assert hits == [], hits[:10]
