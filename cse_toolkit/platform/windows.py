"""Windows: private folders by an explicit access list, windows kept out of capture.

Written against the Win32 documentation for Windows 10 2004 and later and Windows 11
(``WDA_EXCLUDEFROMCAPTURE`` needs 10 2004); **not yet run on Windows**: the calls are checked
here through fakes of ``win32security`` and ``user32`` (tests/test_platform.py), and the
Windows job of ``.github/workflows/ci.yml`` runs the same tests there. docs/IT-GUIDE.md says
which steps were checked where.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# winuser.h: SetWindowDisplayAffinity
WDA_NONE = 0x0
WDA_EXCLUDEFROMCAPTURE = 0x11
# winnt.h / ntsecuritycon: full control of a file or folder, inherited by what is inside.
FILE_ALL_ACCESS = 0x1F01FF
OBJECT_INHERIT_ACE = 0x1
CONTAINER_INHERIT_ACE = 0x2
ACCESS_ALLOWED_ACE_TYPE = 0x0
SE_DACL_PROTECTED = 0x1000


def _win32security() -> Any:
    import win32security  # pywin32, Windows only

    return win32security


def _user32() -> Any:
    import ctypes

    return ctypes.windll.user32  # type: ignore[attr-defined]


class WindowsPlatform:
    """See the module docstring; ``security`` and ``user32`` are injectable for tests."""

    name = "windows"
    capture_protection_possible = True

    def __init__(
        self,
        security: Any = None,
        user32: Any = None,
        sids: Callable[[], tuple[Any, Any]] | None = None,
    ) -> None:
        self._security = security
        self._user32 = user32
        self._sids_override = sids

    @property
    def security(self) -> Any:
        if self._security is None:
            self._security = _win32security()
        return self._security

    def _sids(self) -> tuple[Any, Any]:
        sec = self.security
        import win32api  # pywin32, Windows only

        token = sec.OpenProcessToken(win32api.GetCurrentProcess(), sec.TOKEN_QUERY)
        user_sid = sec.GetTokenInformation(token, sec.TokenUser)[0]
        system_sid = sec.CreateWellKnownSid(sec.WinLocalSystemSid, None)
        return user_sid, system_sid

    def user_and_system(self) -> tuple[Any, Any]:
        """The SIDs allowed in: this user (from the process token) and SYSTEM."""
        if self._sids_override is not None:
            return self._sids_override()
        return self._sids()

    def secure_folder(self, folder: Path) -> list[str]:
        """The folder gets an access list of its own: this user and SYSTEM, full control,
        inherited by everything inside; nothing inherited from the parent (protected DACL).
        Written for Windows 10 and 11 (NTFS); checked through the win32security fake only."""
        if not folder.exists() or not self.folder_problems(folder):
            return []
        sec = self.security
        user_sid, system_sid = self.user_and_system()
        dacl = sec.ACL()
        for sid in (user_sid, system_sid):
            dacl.AddAccessAllowedAceEx(
                sec.ACL_REVISION,
                OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE,
                FILE_ALL_ACCESS,
                sid,
            )
        sec.SetNamedSecurityInfo(
            str(folder),
            sec.SE_FILE_OBJECT,
            sec.DACL_SECURITY_INFORMATION | sec.PROTECTED_DACL_SECURITY_INFORMATION,
            None,
            None,
            dacl,
            None,
        )
        return [folder.name + "/"]

    def folder_problems(self, folder: Path) -> list[str]:
        """Inheritance from the parent left on, or anyone but this user and SYSTEM allowed.
        Written for Windows 10 and 11 (NTFS); checked through the win32security fake only."""
        if not folder.exists():
            return []
        sec = self.security
        descriptor = sec.GetNamedSecurityInfo(
            str(folder), sec.SE_FILE_OBJECT, sec.DACL_SECURITY_INFORMATION
        )
        problems: list[str] = []
        control, _revision = descriptor.GetSecurityDescriptorControl()
        if not control & SE_DACL_PROTECTED:
            problems.append(f"{folder.name}: inherits its access list from the parent folder")
        dacl = descriptor.GetSecurityDescriptorDacl()
        if dacl is None:
            return [*problems, f"{folder.name}: no access list (everyone may read it)"]
        allowed = {sec.ConvertSidToStringSid(s) for s in self.user_and_system()}
        for index in range(dacl.GetAceCount()):
            (ace_type, _flags), _mask, sid = dacl.GetAce(index)
            if (
                ace_type == ACCESS_ALLOWED_ACE_TYPE
                and sec.ConvertSidToStringSid(sid) not in allowed
            ):
                problems.append(f"{folder.name}: {sec.ConvertSidToStringSid(sid)} may open it")
        return problems

    def exclude_from_capture(self, window_handle: int) -> bool:
        """``SetWindowDisplayAffinity(hwnd, WDA_EXCLUDEFROMCAPTURE)``: Windows 10 2004 and later
        (older versions refuse, and the window stays capturable); checked through a fake only."""
        user32 = self._user32 if self._user32 is not None else _user32()
        try:
            ok = bool(user32.SetWindowDisplayAffinity(window_handle, WDA_EXCLUDEFROMCAPTURE))
        except (AttributeError, OSError):  # before Windows 10 2004
            ok = False
        if not ok:
            log.warning("the window could not be excluded from screen capture")
        return ok
