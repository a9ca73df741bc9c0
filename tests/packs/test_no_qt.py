"""The packs package is plain Python: importing it must not load Qt or SQLCipher."""

from __future__ import annotations

import subprocess
import sys


def test_packs_import_without_qt_or_sqlcipher() -> None:
    code = (
        "import sys\n"
        "import cse_toolkit.packs.pdfpack, cse_toolkit.packs.render, cse_toolkit.packs.password\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'sqlcipher3'})\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
