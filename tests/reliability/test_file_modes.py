"""File permissions under a loose umask (022): the vault folder is 0700 and every file 0600,
including SQLite's -wal and -shm files, backups, the log and the private temp folder."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.vaults import PASSPHRASE, REPO

# Runs with umask 022 from the start, and sets it back to 022 AFTER the app hardened the process,
# as a library could; files must still come out private.
SCRIPT = r"""
import json, os, stat, sys
from pathlib import Path
os.umask(0o022)
from cse_toolkit.__main__ import main
rc = main(["init", "--user", "sam", "--role", "worker"])
assert rc == 0, rc
os.umask(0o022)
from datetime import UTC, datetime, timedelta
from cse_toolkit.vault.vault import Vault
from cse_toolkit.vault.backup import create_backup
folder = Path(os.environ["CSE_TOOLKIT_HOME"])
vault = Vault.open(folder, "sam", sys.argv[1])
child = vault.repos.add_child(name="Mode Test")
for i in range(50):
    vault.repos.add_note(child.id, "note %d " % i * 40, datetime.now(UTC) - timedelta(hours=1))
def modes(root):
    out = {}
    for p in [root, *sorted(root.rglob("*"))]:
        out[str(p.relative_to(root.parent))] = oct(stat.S_IMODE(p.lstat().st_mode))
    return out
while_open = modes(folder)
out = Path(sys.argv[2])
create_backup(vault, out / "backup.zip")
vault.close()
print(json.dumps({"while_open": while_open, "after_close": modes(folder),
                  "backup": oct(stat.S_IMODE((out / "backup.zip").stat().st_mode)),
                  "logs": modes(Path(os.environ["CSE_TOOLKIT_LOG_DIR"])),
                  "tmp": modes(Path(os.environ["CSE_TOOLKIT_TMP"]))}))
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.timeout(300)
def test_modes_under_umask_022(tmp_path: Path, isolated_env, figure) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    out.mkdir()
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, PASSPHRASE, str(out)],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    opened = found["while_open"]
    assert any(k.endswith("-wal") for k in opened) and any(k.endswith("-shm") for k in opened)
    loose = []
    for group in ("while_open", "after_close", "logs", "tmp"):
        for name, mode in found[group].items():
            is_dir = name.count("/") == 0 or name.endswith("backups")
            want = "0o700" if is_dir else "0o600"
            if mode != want:
                loose.append(f"{group}: {name} {mode}")
    if found["backup"] != "0o600":
        loose.append(f"backup zip {found['backup']}")
    figure("file_modes_while_open", ", ".join(f"{k} {v}" for k, v in opened.items()))
    figure("file_modes_loose", len(loose))
    assert loose == [], loose


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_loose_modes_are_repaired_on_open(vault) -> None:  # type: ignore[no-untyped-def]
    from cse_toolkit.vault.vault import Vault

    vault.close()
    folder = vault.folder
    folder.chmod(0o755)
    for name in ("vault.db", "keyslots.json", "chainhead.json"):
        (folder / name).chmod(0o644)
    Vault.open(folder, "sam", PASSPHRASE).close()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
