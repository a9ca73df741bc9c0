"""Core dumps off at start, for the desktop app and the command line (issue 22 item 5).

A crash dump of a running toolkit holds whatever the process held: the data key, record text,
the passphrase just typed. With ``ulimit -c unlimited`` a crash of the first edition wrote a
145 MB core with all three. ``disable_core_dumps()`` is called by ``paths.harden_process()``
before anything secret exists in the process, and says what it did (names, never values):

* **Linux**: ``RLIMIT_CORE`` soft and hard limit 0 (the process can never raise it again), and
  ``prctl(PR_SET_DUMPABLE, 0)``, which also stops a ``core_pattern`` pipe helper
  (systemd-coredump, apport) from being handed the memory, and stops other processes of the
  same user from attaching a debugger or reading ``/proc/PID/mem`` (only root can).
  Checked on Debian 12 in tests/test_coredumps.py.
* **macOS**: ``RLIMIT_CORE`` 0 (soft and hard): the kernel writes no core to ``/cores``.
  The Crash Reporter's ``.ips`` reports hold stack traces, not memory. Written for macOS 13+;
  the POSIX call is the same one Linux checks.
* **Windows**: there are no core files; the equivalent is Windows Error Reporting, which can
  keep a full memory dump when an administrator has set ``LocalDumps`` for the app. The app
  sets ``SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX)`` (no fault dialog that
  starts WER's dump collection), and excludes its executable from WER for this user
  (``WerAddExcludedApplication(exe, FALSE)``, wer.dll). A ``LocalDumps`` key set by IT for
  ``CSE Toolkit.exe`` still wins: the IT guide says not to set one. Written against the Win32
  documentation for Windows 10 and 11; checked through fakes only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3
# winbase.h
SEM_FAILCRITICALERRORS = 0x0001
SEM_NOGPFAULTERRORBOX = 0x0002


def _posix_rlimit(hard: bool = True) -> str:
    import resource

    _soft, limit = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0 if hard else limit))
    return "RLIMIT_CORE=0" if hard else "RLIMIT_CORE soft=0"


def _libc() -> Any:
    return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def linux_dumpable(libc: Any = None) -> int:
    """``prctl(PR_GET_DUMPABLE)``: 0 when this process cannot be dumped or traced."""
    return int((libc or _libc()).prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))


def _linux_not_dumpable(libc: Any = None) -> str:
    lib = libc or _libc()
    if lib.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) refused")
    return "PR_SET_DUMPABLE=0"


def _windows(kernel32: Any = None, wer: Any = None, exe: str | None = None) -> list[str]:
    done: list[str] = []
    k32 = kernel32 if kernel32 is not None else ctypes.windll.kernel32  # type: ignore[attr-defined]
    previous = int(k32.GetErrorMode()) if hasattr(k32, "GetErrorMode") else 0
    k32.SetErrorMode(previous | SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX)
    done.append("SetErrorMode(SEM_NOGPFAULTERRORBOX)")
    try:
        lib = wer if wer is not None else ctypes.WinDLL("wer.dll")  # type: ignore[attr-defined]
        # HRESULT WerAddExcludedApplication(PCWSTR pwzExeName, BOOL bAllUsers); S_OK == 0.
        if int(lib.WerAddExcludedApplication(exe or sys.executable, False)) == 0:
            done.append("WerAddExcludedApplication")
    except (AttributeError, OSError):
        pass  # wer.dll missing (Windows Server Core without WER): no reports to exclude from
    return done


def disable_core_dumps(
    platform: str | None = None, *, hard: bool = True, **fakes: Any
) -> list[str]:
    """Turn off crash dumps of this process for the rest of its life; returns what was done.

    ``hard`` False (a library import in someone else's process, e.g. the test runner or a
    script importing the vault): only the soft core limit goes to 0, so that process can still
    start children that may dump; the app's own entry points pass True.

    Never raises: a refusal is logged (by name) and the app goes on, since the records are
    still encrypted at rest; what could not be done is left out of the returned list."""
    system = platform or sys.platform
    done: list[str] = []
    steps: list[Any]
    if system == "win32":
        steps = [lambda: _windows(fakes.get("kernel32"), fakes.get("wer"), fakes.get("exe"))]
    elif system == "darwin":
        steps = [lambda: _posix_rlimit(hard)]
    else:
        steps = [lambda: _posix_rlimit(hard)]
        if system.startswith("linux"):
            steps.append(lambda: _linux_not_dumpable(fakes.get("libc")))
    for step in steps:
        try:
            result = step()
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("crash dumps could not be fully disabled (%s)", type(exc).__name__)
            continue
        done.extend(result if isinstance(result, list) else [result])
    return done
