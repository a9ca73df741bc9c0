"""Headless self-test for IT: crypto, SQLCipher, resources, fonts, Qt platform plugin.

Runs in a throwaway vault inside the private temp folder, prints what it checked with timings
(key derivation = unlock cost; open = raw-key SQLCipher open), and removes everything it made.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cse_toolkit import paths


def _timed(fn: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


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
            vault, _ = Vault.create(folder, "selftest", "worker", "self test pass phrase",
                                    kdf=FLOOR_PARAMS)
            child = vault.repos.add_child(alias="Test", approx_age=14)
            vault.close()
            raw = (folder / db.DB_FILE).read_bytes()
            if b"SQLite format 3" in raw[:16] or b"Test" in raw:
                raise RuntimeError("database file is not encrypted")
            from cse_toolkit.vault.keyslots import KeySlots

            slots = KeySlots.load(folder)
            dek = slots.unwrap_user("selftest", "self test pass phrase")
            conn, open_ms = _timed(lambda: db.connect(folder / db.DB_FILE, dek))
            version = conn.execute("PRAGMA cipher_version").fetchone()[0]  # type: ignore[attr-defined]
            conn.close()  # type: ignore[attr-defined]
            reopened = Vault.open(folder, "selftest", "self test pass phrase")
            assert reopened.repos.get_child(child.id).alias == "Test"
            reopened.close()
            import stat

            modes = {oct(stat.S_IMODE(p.stat().st_mode)) for p in folder.iterdir()}
            if modes - {"0o600", "0o700"}:
                raise RuntimeError(f"loose file modes {modes}")
            return f"SQLCipher {version}, raw-key open {open_ms:.1f} ms, files 0600"
        finally:
            shutil.rmtree(base, ignore_errors=True)

    check("encrypted vault", sqlcipher)

    def resources() -> str:
        root = paths.resource_root()
        found = []
        for sub in ("tools", "pathways", "guidance"):
            files = list((root / sub).glob("*"))
            if not files:
                raise RuntimeError(f"no files in {root / sub}")
            found.append(f"{len(files)} {sub}")
        try:
            from cse_toolkit.core import tools as tools_mod

            loaded = tools_mod.list_tools()
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
    return ok
