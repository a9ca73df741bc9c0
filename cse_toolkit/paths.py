"""Where things live: data, config, policy, logs and bundled resources.

The data folder is, in order: an explicit ``--data-dir``, the ``CSE_TOOLKIT_HOME`` environment
variable, or the platform's per-user data folder. The organisation policy lives in the
system-wide config folder (``CSE_TOOLKIT_POLICY`` overrides it, for tests and pilots).
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import platformdirs

from cse_toolkit import APP_ID

_APP_AUTHOR = "CSEToolkit"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override).expanduser().resolve()
    env = os.environ.get("CSE_TOOLKIT_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_ID, _APP_AUTHOR))


def site_config_dir() -> Path:
    """The system-wide config folder: platformdirs' site_config_dir without $XDG_CONFIG_DIRS.

    platformdirs takes the first entry of $XDG_CONFIG_DIRS on Linux and macOS when it is set.
    Desktop sessions set it (Ubuntu: /etc/xdg/xdg-ubuntu:/etc/xdg), which would move the policy
    away from where IT installed it, silently, and let a user point the app at a file of their
    own. So the folder is fixed per OS: /etc/xdg/cse-toolkit, /Library/Application
    Support/cse-toolkit, C:\\ProgramData\\CSEToolkit\\cse-toolkit.
    """
    if sys.platform.startswith("win"):
        return Path(platformdirs.site_config_dir(APP_ID, _APP_AUTHOR))
    if sys.platform == "darwin":
        return Path("/Library/Application Support") / APP_ID
    return Path("/etc/xdg") / APP_ID


def policy_file() -> Path:
    # The override is for tests and source checkouts. An installed (frozen) app ignores it, so
    # a user cannot point the app at a policy of their own with weaker security settings.
    env = None if getattr(sys, "frozen", False) else os.environ.get("CSE_TOOLKIT_POLICY")
    if env:
        return Path(env).expanduser().resolve()
    return site_config_dir() / "policy.toml"


def log_dir() -> Path:
    env = os.environ.get("CSE_TOOLKIT_LOG_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_log_dir(APP_ID, _APP_AUTHOR))


def private_tmp_dir() -> Path:
    """A 0700 folder for SQLite's temporary files (none are expected: temp_store is MEMORY)."""
    env = os.environ.get("CSE_TOOLKIT_TMP")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_cache_dir(APP_ID, _APP_AUTHOR)) / "tmp"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) and make sure it is private: 0700 on POSIX, repairing a
    looser mode; on Windows an access list of this user and SYSTEM only (not inherited)."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode != PRIVATE_DIR_MODE:
            path.chmod(PRIVATE_DIR_MODE)
    else:
        from cse_toolkit import platform

        platform.current().secure_folder(path)
    return path


_hardened = False


def harden_process(*, entry: bool = False) -> None:
    """Run before sqlcipher3 is imported: core dumps off, umask 077, a private SQLITE_TMPDIR.

    ``entry``: called by a process entry point (``__main__.main``, ``gui.app.run_gui``), which
    also sets the core limit's hard limit to 0 (the process can never raise it again). The
    vault's import calls it without, so a process that merely imports the vault (the test
    runner, a script) keeps its hard limit for the children it starts.

    SQLite reads SQLITE_TMPDIR when it first needs a temp file, and creates files with the
    process umask, so both must be set before any database is opened. Core dumps go off first,
    before any passphrase or key exists in the process (``platform/coredumps.py``).
    """
    global _hardened
    from cse_toolkit.platform.coredumps import disable_core_dumps

    if entry or not _hardened:
        disable_core_dumps(hard=entry)
    if _hardened:
        return
    if os.name == "posix":
        os.umask(0o077)
    tmp = ensure_private_dir(private_tmp_dir())
    os.environ["SQLITE_TMPDIR"] = str(tmp)
    _hardened = True


def resource_root() -> Path:
    """The ``resources/`` folder: bundled by PyInstaller, or beside the package in a checkout."""
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        return Path(frozen_base) / "resources"
    env = os.environ.get("CSE_TOOLKIT_RESOURCES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    return resource_root().joinpath(*parts)
