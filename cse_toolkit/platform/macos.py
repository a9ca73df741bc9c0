"""macOS: windows kept out of capture, and whether the screen is locked.

Written against Apple's documentation for macOS 12 to 15 (``NSWindow.sharingType`` =
``NSWindowSharingNone``; the Quartz session dictionary's ``CGSSessionScreenIsLocked``); **not yet
run on macOS**: the calls are checked through a fake of the Objective-C runtime
(tests/test_platform.py), and the macOS job of ``.github/workflows/ci.yml`` runs the same tests
there. Private folders use the POSIX modes, as on Linux.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from pathlib import Path
from typing import Protocol

from cse_toolkit.platform.posix import folder_mode_problems, secure_folder_modes

log = logging.getLogger(__name__)

NS_WINDOW_SHARING_NONE = 0
_CF_STRING_ENCODING_UTF8 = 0x08000100


class ObjcRuntime(Protocol):
    def send(self, receiver: int, selector: str, *args: int) -> int:
        """``[receiver selector:args...]`` for pointer-sized arguments and result."""

    def session_flag(self, key: str) -> bool | None:
        """A boolean of the Quartz session dictionary, or None when absent."""


class _CtypesObjc:
    """The real runtime, through libobjc, CoreFoundation and CoreGraphics (no PyObjC)."""

    def __init__(self) -> None:
        self._objc = ctypes.cdll.LoadLibrary(ctypes.util.find_library("objc") or "libobjc.dylib")
        self._objc.sel_registerName.restype = ctypes.c_void_p
        self._objc.sel_registerName.argtypes = [ctypes.c_char_p]
        self._msg: int = ctypes.cast(self._objc.objc_msgSend, ctypes.c_void_p).value or 0

    def send(self, receiver: int, selector: str, *args: int) -> int:
        # objc_msgSend must be called through a prototype of the exact arguments (arm64).
        prototype = ctypes.CFUNCTYPE(
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, *([ctypes.c_size_t] * len(args))
        )
        function = prototype(self._msg)
        sel = self._objc.sel_registerName(selector.encode("ascii"))
        return int(function(receiver, sel, *args) or 0)

    def session_flag(self, key: str) -> bool | None:
        cf = ctypes.cdll.LoadLibrary(ctypes.util.find_library("CoreFoundation") or "CoreFoundation")
        cg = ctypes.cdll.LoadLibrary(ctypes.util.find_library("CoreGraphics") or "CoreGraphics")
        cg.CGSessionCopyCurrentDictionary.restype = ctypes.c_void_p
        cf.CFStringCreateWithCString.restype = ctypes.c_void_p
        cf.CFStringCreateWithCString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint32]
        cf.CFDictionaryGetValue.restype = ctypes.c_void_p
        cf.CFDictionaryGetValue.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        cf.CFBooleanGetValue.argtypes = [ctypes.c_void_p]
        cf.CFRelease.argtypes = [ctypes.c_void_p]
        session = cg.CGSessionCopyCurrentDictionary()
        if not session:
            return None
        name = cf.CFStringCreateWithCString(None, key.encode("ascii"), _CF_STRING_ENCODING_UTF8)
        try:
            value = cf.CFDictionaryGetValue(session, name)
            return bool(cf.CFBooleanGetValue(value)) if value else None
        finally:
            cf.CFRelease(name)
            cf.CFRelease(session)


class MacPlatform:
    """See the module docstring; ``objc`` is injectable for tests."""

    name = "macos"
    capture_protection_possible = True

    def __init__(self, objc: ObjcRuntime | None = None) -> None:
        self._objc = objc

    @property
    def objc(self) -> ObjcRuntime:
        if self._objc is None:
            self._objc = _CtypesObjc()
        return self._objc

    def secure_folder(self, folder: Path) -> list[str]:
        return secure_folder_modes(folder)

    def folder_problems(self, folder: Path) -> list[str]:
        return folder_mode_problems(folder)

    def exclude_from_capture(self, window_handle: int) -> bool:
        """Qt's winId() on macOS is the NSView; its window gets sharingType none. Written for
        macOS 12 to 15; checked through the Objective-C runtime fake only."""
        try:
            window = self.objc.send(window_handle, "window")
            if not window:
                return False
            self.objc.send(window, "setSharingType:", NS_WINDOW_SHARING_NONE)
            return self.objc.send(window, "sharingType") == NS_WINDOW_SHARING_NONE
        except (OSError, AttributeError, ValueError) as exc:
            log.warning(
                "the window could not be excluded from screen capture (%s)", type(exc).__name__
            )
            return False

    def screen_is_locked(self) -> bool:
        """True while the login window covers the session (the screen is locked). Written for
        macOS 12 to 15; checked through a fake only."""
        try:
            return bool(self.objc.session_flag("CGSSessionScreenIsLocked"))
        except (OSError, AttributeError):
            return False
