"""Headless self-test for IT: crypto, SQLCipher, resources, fonts, Qt platform plugin, a window.

The last check opens a real window, in a child process, on the platform plugin the app will use
(``QT_QPA_PLATFORM`` or the platform's default): finding the plugin files is not enough, since
a plugin whose system libraries are missing (libxcb-cursor0 on Linux is the usual one) stops
the app at start. When it fails, it names the missing library, or says there is no display.

Runs in a throwaway vault inside the private temp folder, prints what it checked with timings
(key derivation = unlock cost; open = raw-key SQLCipher open), and removes everything it made.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cse_toolkit import paths


def _timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


def _rollback_anchor() -> str:
    """Where this laptop keeps the vault's anchor (platform/anchors.py), written, read back
    and removed once."""
    from cse_toolkit.platform import anchors

    store = anchors.store()
    name = "self-test"
    _, ms = _timed(lambda: store.write(name, "probe"))
    if store.read(name) != "probe":
        raise RuntimeError(f"{store.description} did not keep a value")
    store.delete(name)
    if store.kind == "file":
        return (
            f"no system credential store: kept in {store.description} (weaker: a copy of "
            f"the user's profile carries it back; see the IT guide), write {ms:.1f} ms"
        )
    return f"kept in {store.description}, write {ms:.1f} ms"


def run_self_test(say: Callable[[str], None]) -> bool:
    ok = True

    def check(name: str, fn: Callable[[], str]) -> None:
        nonlocal ok
        try:
            detail = fn()
            say(f"ok    {name}: {detail}")
        except Exception as exc:  # noqa: BLE001 - a self-test reports every failure
            ok = False
            say(f"FAIL  {name}: {type(exc).__name__}: {exc}")

    def crypto() -> str:
        import os

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        assert AESGCM(key).decrypt(nonce, AESGCM(key).encrypt(nonce, b"x", b""), b"") == b"x"
        signer = Ed25519PrivateKey.generate()
        signer.public_key().verify(signer.sign(b"m"), b"m")
        return "AES-256-GCM, Ed25519, Argon2id available"

    check("crypto", crypto)

    def kdf() -> str:
        from cse_toolkit.vault.keyslots import calibrate

        params, seconds = calibrate()
        return (
            f"Argon2id calibrated to m={params.memory_kib // 1024} MiB, t={params.iterations}, "
            f"p={params.lanes}: unlock key derivation {seconds * 1000:.0f} ms"
        )

    check("key derivation", kdf)

    def sqlcipher() -> str:
        from cse_toolkit.vault import db
        from cse_toolkit.vault.keyslots import FLOOR_PARAMS
        from cse_toolkit.vault.vault import Vault

        base = Path(tempfile.mkdtemp(prefix="selftest-", dir=paths.private_tmp_dir()))
        try:
            folder = base / "vault"
            vault, _ = Vault.create(
                folder, "selftest", "worker", "self test pass phrase", kdf=FLOOR_PARAMS
            )
            child = vault.repos.add_child(alias="Test", approx_age=14)
            vault.close()
            raw = (folder / db.DB_FILE).read_bytes()
            if b"SQLite format 3" in raw[:16] or b"Test" in raw:
                raise RuntimeError("database file is not encrypted")
            from cse_toolkit.vault.keyslots import KeySlots

            slots = KeySlots.load(folder)
            dek = slots.unwrap_user("selftest", "self test pass phrase")
            conn, open_ms = _timed(lambda: db.connect(folder / db.DB_FILE, dek))
            version = db.cipher_version(conn)
            conn.close()  # type: ignore[attr-defined]
            reopened = Vault.open(folder, "selftest", "self test pass phrase")
            assert reopened.repos.get_child(child.id).alias == "Test"
            reopened.close()
            from cse_toolkit.vault import anchor

            anchor.forget(folder, slots.vault_id)  # a throwaway vault leaves no anchor behind
            import stat

            modes = {oct(stat.S_IMODE(p.stat().st_mode)) for p in folder.iterdir()}
            if modes - {"0o600", "0o700"}:
                raise RuntimeError(f"loose file modes {modes}")
            return f"SQLCipher {version}, raw-key open {open_ms:.1f} ms, files 0600"
        finally:
            shutil.rmtree(base, ignore_errors=True)

    check("encrypted vault", sqlcipher)

    check("rollback anchor", _rollback_anchor)

    def resources() -> str:
        root = paths.resource_root()
        found = []
        for sub in ("tools", "pathways", "guidance"):
            files = list((root / sub).glob("*"))
            if not files:
                raise RuntimeError(f"no files in {root / sub}")
            found.append(f"{len(files)} {sub}")
        try:
            from cse_toolkit.core import catalogue

            loaded = catalogue.list_tools()
            found.append(f"{len(loaded)} tools load")
        except ImportError:
            pass
        return ", ".join(found) + f" ({root})"

    check("resources", resources)

    def pdf() -> str:
        import io

        import pikepdf
        from reportlab.pdfgen import canvas

        buf = io.BytesIO()
        page = canvas.Canvas(buf)
        page.drawString(72, 720, "self-test")
        page.save()
        pdf_doc = pikepdf.open(io.BytesIO(buf.getvalue()))
        out = io.BytesIO()
        pdf_doc.save(out, encryption=pikepdf.Encryption(owner="o" * 16, user="u" * 16, R=6))
        fonts = list((paths.resource_root() / "fonts").glob("*.ttf"))
        return f"ReportLab + AES-256 (R6) encryption; {len(fonts)} bundled font(s)"

    check("pdf", pdf)

    def qt() -> str:
        from PySide6 import __version__ as qt_version
        from PySide6.QtCore import QLibraryInfo

        plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
        names = sorted(p.name for p in plugins.glob("*")) if plugins.exists() else []
        if not names:
            raise RuntimeError(f"no Qt platform plugins in {plugins}")
        return f"PySide6 {qt_version}; platform plugins: {', '.join(names)}"

    check("qt", qt)

    def screen_lock() -> str:
        """What tells the app the screen locked here (cse_toolkit/gui/common/lock_manager.py)."""
        if sys.platform.startswith("linux"):
            import PySide6.QtDBus  # noqa: F401 - the D-Bus screensaver and logind signals

            return "D-Bus (screensaver ActiveChanged, logind Lock and PrepareForSleep)"
        if sys.platform == "win32":
            import ctypes

            ctypes.windll.wtsapi32.WTSRegisterSessionNotification  # type: ignore[attr-defined]  # noqa: B018
            return "WTS session notifications"
        if sys.platform == "darwin":
            from cse_toolkit.platform.macos import MacPlatform

            MacPlatform().screen_is_locked()
            return "Quartz session (polled every 2 s)"
        return "idle timer only"

    check("screen lock", screen_lock)

    def window() -> str:
        return open_test_window()

    check("window", window)
    return ok


# A real window on the platform plugin the app will use, in a child process: a platform plugin
# that cannot load makes Qt abort the whole process, and its reason (the missing library) is
# only said on stderr with QT_DEBUG_PLUGINS.
WINDOW_PROBE_ENV = "CSE_TOOLKIT_WINDOW_PROBE"

_WINDOW_SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
label = QLabel("CSE Toolkit self-test")
label.show()
for _ in range(3):
    app.processEvents()
handle = label.windowHandle()
ok = handle is not None and handle.isExposed() or app.platformName() in ("offscreen", "minimal")
print("WINDOW", app.platformName(), int(bool(handle)), int(ok))
label.close()
"""


def run_window_probe() -> int:
    """The child process's side of ``open_test_window`` in the installed app."""
    exec(compile(_WINDOW_SCRIPT, "<self-test window>", "exec"), {"__name__": "__probe__"})
    return 0


def open_test_window(timeout: float = 60.0) -> str:
    """Open a window as the app would; on failure, say which system library is missing."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_DEBUG_PLUGINS="1")
    env.pop("QT_LOGGING_RULES", None)
    if getattr(sys, "frozen", False):
        # In the installed app sys.executable is the app itself, which takes no "-c": it runs
        # the probe when this variable is set (see __main__.main).
        command = [sys.executable]
        env[WINDOW_PROBE_ENV] = "1"
    else:
        command = [sys.executable, "-c", _WINDOW_SCRIPT]
    try:
        done = subprocess.run(command, env=env, timeout=timeout, capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        raise RuntimeError("opening a test window did not finish within a minute") from None
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "WINDOW" and parts[3] == "1":
            return f"a window opened on the '{parts[1]}' platform plugin"
    raise RuntimeError(window_problem(done.stderr, done.returncode))


def window_problem(stderr: str, returncode: int) -> str:
    """The reason a test window could not open, naming the missing library where Qt says it."""
    import re

    missing = sorted(
        set(re.findall(r"([\w.+-]+\.so[\w.]*): cannot open shared object file", stderr))
    )
    missing += sorted(
        set(
            re.findall(
                r"(?:library|module) \"?([\w.+-]+\.(?:dll|dylib))\"? "
                r"(?:could not be found|not found)",
                stderr,
                re.I,
            )
        )
    )
    if "xcb-cursor0 or libxcb-cursor0 is needed" in stderr and "libxcb-cursor.so.0" not in missing:
        missing.append("libxcb-cursor.so.0")
    plugin = re.search(r"Could not load the Qt platform plugin \"([^\"]+)\"", stderr)
    where = f"the '{plugin.group(1)}' platform plugin" if plugin else "the Qt platform plugin"
    if missing:
        return (
            f"{where} cannot load: missing system librar{'y' if len(missing) == 1 else 'ies'} "
            f"{', '.join(missing)} (install the package that provides "
            f"{'it' if len(missing) == 1 else 'them'})"
        )
    if re.search(r"could not connect to display|cannot open display|no display", stderr, re.I):
        return (
            f"{where} found no display to open a window on (run from the desktop session; "
            "set QT_QPA_PLATFORM=offscreen to check everything but the display)"
        )
    tail = [ln for ln in stderr.strip().splitlines() if ln.strip()][-3:]
    detail = " / ".join(tail) if tail else f"exit code {returncode}"
    return f"no window could be opened on {where}: {detail}"
