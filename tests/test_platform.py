"""cse_toolkit.platform: private folders and capture protection on each system.

Linux runs for real here. The Windows and macOS paths run through fakes of the system
interfaces they call (pywin32's win32security, user32, the Objective-C runtime), which record
the calls and model the state the calls change, so each test checks the right call with the
right arguments and that the result is what the app then checks for.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cse_toolkit import fsutil, paths, platform
from cse_toolkit.platform import windows
from cse_toolkit.platform.macos import NS_WINDOW_SHARING_NONE, MacPlatform
from cse_toolkit.platform.posix import PosixPlatform

USER = "S-1-5-21-1000-1000-1000-1001"
SYSTEM = "S-1-5-18"
USERS_GROUP = "S-1-5-32-545"  # BUILTIN\Users: what a folder under C:\Users\Public inherits


# --- Linux, for real ---------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_posix_folders_are_made_private_and_checked(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    folder.mkdir()
    (folder / "vault.db").write_bytes(b"x")
    folder.chmod(0o755)
    (folder / "vault.db").chmod(0o644)
    system = PosixPlatform()
    assert len(system.folder_problems(folder)) == 2
    assert sorted(system.secure_folder(folder)) == ["vault.db", "vault/"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "vault.db").stat().st_mode) == 0o600
    assert system.folder_problems(folder) == []
    assert not system.capture_protection_possible
    assert system.exclude_from_capture(1234) is False


def test_the_vault_and_the_private_folders_go_through_the_platform(tmp_path: Path) -> None:
    fake = platform.FakePlatform()
    platform.use(fake)
    try:
        fsutil.repair_modes(tmp_path)
        assert fake.secured == [tmp_path]
        if os.name != "posix":
            paths.ensure_private_dir(tmp_path / "logs")
            assert tmp_path / "logs" in fake.secured
    finally:
        platform.use(None)
    if sys.platform.startswith("linux"):
        assert isinstance(platform.current(), PosixPlatform)


def test_the_policy_key_for_capture_is_off_by_default_and_strictly_a_boolean() -> None:
    from pydantic import ValidationError

    from cse_toolkit.policy import Policy

    assert Policy().allow_screen_capture is False
    assert Policy(allow_screen_capture=True).allow_screen_capture is True
    with pytest.raises(ValidationError):
        Policy(allow_screen_capture="no")  # type: ignore[arg-type]


# --- Windows, through a fake win32security ---------------------------------------------------
@dataclass
class FakeAcl:
    aces: list[tuple[int, int, int, str]] = field(default_factory=list)

    def AddAccessAllowedAceEx(self, revision: int, flags: int, mask: int, sid: str) -> None:  # noqa: N802
        assert revision == FakeSecurity.ACL_REVISION
        self.aces.append((windows.ACCESS_ALLOWED_ACE_TYPE, flags, mask, sid))

    def GetAceCount(self) -> int:  # noqa: N802
        return len(self.aces)

    def GetAce(self, index: int) -> tuple[tuple[int, int], int, str]:  # noqa: N802
        ace_type, flags, mask, sid = self.aces[index]
        return (ace_type, flags), mask, sid


@dataclass
class FakeDescriptor:
    control: int
    dacl: FakeAcl | None

    def GetSecurityDescriptorControl(self) -> tuple[int, int]:  # noqa: N802
        return self.control, 1

    def GetSecurityDescriptorDacl(self) -> FakeAcl | None:  # noqa: N802
        return self.dacl


class FakeSecurity:
    """The part of win32security the app uses, over an in-memory table of folders."""

    ACL_REVISION = 2
    SE_FILE_OBJECT = 1
    DACL_SECURITY_INFORMATION = 0x4
    PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000
    TOKEN_QUERY = 0x8
    TokenUser = 1
    WinLocalSystemSid = 22

    def __init__(self) -> None:
        self.folders: dict[str, FakeDescriptor] = {}
        self.calls: list[tuple[Any, ...]] = []

    def inherit(self, path: Path) -> None:
        """As a new folder is on NTFS: the parent's list, inherited, the Users group in it."""
        self.folders[str(path)] = FakeDescriptor(
            control=0,
            dacl=FakeAcl([(0, 0x10, 0x1200A9, USERS_GROUP), (0, 0x10, 0x1F01FF, USER)]),
        )

    def ACL(self) -> FakeAcl:  # noqa: N802
        return FakeAcl()

    def SetNamedSecurityInfo(  # noqa: N802
        self,
        path: str,
        kind: int,
        info: int,
        owner: Any,
        group: Any,
        dacl: FakeAcl,
        sacl: Any,
    ) -> None:
        self.calls.append(("SetNamedSecurityInfo", path, kind, info, owner, group, sacl))
        protected = (
            windows.SE_DACL_PROTECTED if info & self.PROTECTED_DACL_SECURITY_INFORMATION else 0
        )
        self.folders[path] = FakeDescriptor(control=protected, dacl=dacl)

    def GetNamedSecurityInfo(self, path: str, kind: int, info: int) -> FakeDescriptor:  # noqa: N802
        assert kind == self.SE_FILE_OBJECT and info == self.DACL_SECURITY_INFORMATION
        return self.folders[path]

    def ConvertSidToStringSid(self, sid: str) -> str:  # noqa: N802
        return sid


def _windows(security: FakeSecurity, user32: Any = None) -> windows.WindowsPlatform:
    return windows.WindowsPlatform(security=security, user32=user32, sids=lambda: (USER, SYSTEM))


def test_windows_gives_the_folder_its_own_access_list_user_and_system_only(tmp_path: Path) -> None:
    security = FakeSecurity()
    security.inherit(tmp_path)
    system = _windows(security)
    problems = system.folder_problems(tmp_path)
    assert any("inherits" in p for p in problems)
    assert any(USERS_GROUP in p for p in problems)

    assert system.secure_folder(tmp_path) == [tmp_path.name + "/"]
    (call,) = security.calls
    assert call == (
        "SetNamedSecurityInfo",
        str(tmp_path),
        FakeSecurity.SE_FILE_OBJECT,
        FakeSecurity.DACL_SECURITY_INFORMATION | FakeSecurity.PROTECTED_DACL_SECURITY_INFORMATION,
        None,
        None,
        None,
    )
    inherit = windows.OBJECT_INHERIT_ACE | windows.CONTAINER_INHERIT_ACE
    assert security.folders[str(tmp_path)].dacl == FakeAcl(
        [(0, inherit, windows.FILE_ALL_ACCESS, USER), (0, inherit, windows.FILE_ALL_ACCESS, SYSTEM)]
    )
    assert system.folder_problems(tmp_path) == []
    # Checked on every open: a private folder is left as it is.
    assert system.secure_folder(tmp_path) == [] and len(security.calls) == 1


def test_windows_excludes_each_window_from_capture(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[tuple[int, int]] = []

    class User32:
        def SetWindowDisplayAffinity(self, hwnd: int, affinity: int) -> int:  # noqa: N802
            calls.append((hwnd, affinity))
            return 1

    system = _windows(FakeSecurity(), User32())
    assert system.exclude_from_capture(0x1A2B) is True
    assert calls == [(0x1A2B, 0x11)]  # WDA_EXCLUDEFROMCAPTURE

    class OldWindows:
        def SetWindowDisplayAffinity(self, hwnd: int, affinity: int) -> int:  # noqa: N802
            return 0

    with caplog.at_level(logging.WARNING, logger="cse_toolkit.platform.windows"):
        assert _windows(FakeSecurity(), OldWindows()).exclude_from_capture(1) is False
    assert "could not be excluded from screen capture" in caplog.text


# --- macOS, through a fake Objective-C runtime -------------------------------------------------
class FakeObjc:
    def __init__(self, locked: bool | None = None) -> None:
        self.sent: list[tuple[int, str, tuple[int, ...]]] = []
        self.sharing = {0x7000: 1}  # NSWindowSharingReadOnly, the default
        self.locked = locked

    def send(self, receiver: int, selector: str, *args: int) -> int:
        self.sent.append((receiver, selector, args))
        if selector == "window":
            return 0x7000 if receiver == 0x6000 else 0
        if selector == "setSharingType:":
            self.sharing[receiver] = args[0]
            return 0
        if selector == "sharingType":
            return self.sharing[receiver]
        raise AssertionError(selector)

    def session_flag(self, key: str) -> bool | None:
        assert key == "CGSSessionScreenIsLocked"
        return self.locked


def test_macos_sets_the_window_sharing_type_to_none() -> None:
    objc = FakeObjc()
    system = MacPlatform(objc)
    assert system.exclude_from_capture(0x6000) is True  # Qt's winId(): the NSView
    assert objc.sent == [
        (0x6000, "window", ()),
        (0x7000, "setSharingType:", (NS_WINDOW_SHARING_NONE,)),
        (0x7000, "sharingType", ()),
    ]
    assert system.exclude_from_capture(0x6001) is False  # a view with no window yet


def test_macos_screen_lock_is_read_from_the_session() -> None:
    assert MacPlatform(FakeObjc(locked=True)).screen_is_locked() is True
    assert MacPlatform(FakeObjc(locked=False)).screen_is_locked() is False
    assert MacPlatform(FakeObjc(locked=None)).screen_is_locked() is False
