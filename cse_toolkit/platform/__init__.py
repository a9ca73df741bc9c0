"""What differs between the systems the toolkit runs on, behind one small interface.

Three things the operating system decides, each with one implementation per system and a fake
for tests (``FakePlatform``):

* **private folders**: the vault, log and temp folders readable by the user alone. POSIX: modes
  0700/0600 under a umask of 077 (``posix.py``). Windows: an explicit access list, the user and
  SYSTEM only, inheritance from the parent cut (``windows.py``, pywin32's ``win32security``),
  because POSIX modes mean nothing on NTFS and a folder otherwise inherits whatever its parent
  allows.
* **capture protection**: windows showing records excluded from screenshots, screen recording
  and screen sharing. Windows: ``SetWindowDisplayAffinity(WDA_EXCLUDEFROMCAPTURE)``; macOS: the
  window's sharing type set to none. Linux (X11 and Wayland) has no such request: the About page
  and the IT guide say so.
* **screen lock**: how the system tells the app the screen locked. The Qt side lives in
  ``gui/common/lock_manager.py`` (D-Bus on Linux, the WTS session message on Windows); macOS is
  asked here (``macos.screen_is_locked``), as the Quartz session dictionary says.

``current()`` gives the implementation for this system; nothing here imports Qt.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class Platform(Protocol):
    """One operating system's answers (see the module docstring)."""

    name: str
    capture_protection_possible: bool

    def secure_folder(self, folder: Path) -> list[str]:
        """Make ``folder`` and what is directly in it private to this user; returns what it
        changed (file names only, never contents)."""

    def folder_problems(self, folder: Path) -> list[str]:
        """What makes ``folder`` readable by anyone but this user (empty when private)."""

    def exclude_from_capture(self, window_handle: int) -> bool:
        """Keep the native window out of screenshots and screen sharing; True if the system
        accepted. ``window_handle`` is Qt's ``winId()`` (an HWND on Windows, an NSView* on
        macOS)."""


@dataclass
class FakePlatform:
    """Records what the app asked of the system; for tests on any machine."""

    name: str = "fake"
    capture_protection_possible: bool = True
    accept_capture: bool = True
    secured: list[Path] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)
    problems: dict[Path, list[str]] = field(default_factory=dict)

    def secure_folder(self, folder: Path) -> list[str]:
        self.secured.append(folder)
        self.problems.pop(folder, None)
        return []

    def folder_problems(self, folder: Path) -> list[str]:
        return list(self.problems.get(folder, []))

    def exclude_from_capture(self, window_handle: int) -> bool:
        self.excluded.append(window_handle)
        return self.accept_capture


_override: Platform | None = None


def current() -> Platform:
    """This system's implementation (or the one a test installed with ``use``)."""
    if _override is not None:
        return _override
    if sys.platform == "win32":
        from cse_toolkit.platform.windows import WindowsPlatform

        return WindowsPlatform()
    if sys.platform == "darwin":
        from cse_toolkit.platform.macos import MacPlatform

        return MacPlatform()
    from cse_toolkit.platform.posix import PosixPlatform

    return PosixPlatform()


def use(platform: Platform | None) -> None:
    """Install ``platform`` for ``current()`` (tests); ``None`` goes back to the real one."""
    global _override
    _override = platform
