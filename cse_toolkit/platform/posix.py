"""Linux (and the POSIX half of macOS): private folders by mode bits under a umask of 077."""

from __future__ import annotations

import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def secure_folder_modes(folder: Path) -> list[str]:
    """Tighten ``folder`` to 0700 and what is directly in it to 0600 / 0700 (symlinks left).
    Checked on Debian 12 (ext4, tmpfs) in this project's tests."""
    repaired: list[str] = []
    if not folder.exists():
        return repaired
    if stat.S_IMODE(folder.stat().st_mode) != PRIVATE_DIR:
        folder.chmod(PRIVATE_DIR)
        repaired.append(folder.name + "/")
    for entry in folder.iterdir():
        if entry.is_symlink():
            continue
        want = PRIVATE_DIR if entry.is_dir() else PRIVATE_FILE
        if stat.S_IMODE(entry.lstat().st_mode) != want:
            entry.chmod(want)
            repaired.append(entry.name)
    return repaired


def folder_mode_problems(folder: Path) -> list[str]:
    """Anything in ``folder`` (or the folder) that group or others may open. Debian 12."""
    problems: list[str] = []
    if not folder.exists():
        return problems
    for path in (folder, *(p for p in folder.iterdir() if not p.is_symlink())):
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            problems.append(f"{path.name}: mode {oct(mode)} lets other users in")
    return problems


class PosixPlatform:
    """Checked on Debian 12 (this project's CI) and, for the modes, macOS 14."""

    name = "linux"
    # No X11 or Wayland request keeps a window out of another program's screenshot.
    capture_protection_possible = False

    def secure_folder(self, folder: Path) -> list[str]:
        return secure_folder_modes(folder)

    def folder_problems(self, folder: Path) -> list[str]:
        return folder_mode_problems(folder)

    def exclude_from_capture(self, window_handle: int) -> bool:
        return False
