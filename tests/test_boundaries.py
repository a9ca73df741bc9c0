"""Dependency boundaries: core, vault and packs never load Qt; only vault imports sqlcipher3."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cse_toolkit"

PROBE = r"""
import importlib, json, pkgutil, sys
import cse_toolkit
loaded = []
for name in ("cse_toolkit.core", "cse_toolkit.vault", "cse_toolkit.packs"):
    package = importlib.import_module(name)
    loaded.append(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
        loaded.append(info.name)
print(json.dumps({
    "loaded": loaded,
    "qt": sorted(m for m in sys.modules if m.split(".")[0] == "PySide6"),
    "gui": sorted(m for m in sys.modules if m.startswith("cse_toolkit.gui")),
}))
"""


def test_core_vault_packs_never_load_qt() -> None:
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert "cse_toolkit.vault.db" in found["loaded"]
    assert any(m.startswith("cse_toolkit.core.") for m in found["loaded"])
    assert found["qt"] == [], found["qt"]
    assert found["gui"] == [], found["gui"]


def test_only_the_vault_imports_sqlcipher3() -> None:
    pattern = re.compile(r"^\s*(import\s+sqlcipher3|from\s+sqlcipher3\b)", re.MULTILINE)
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
        and PACKAGE / "vault" not in path.parents
    ]
    assert offenders == []
    inside = [p for p in (PACKAGE / "vault").rglob("*.py") if pattern.search(p.read_text())]
    assert inside, "the vault should be the one place that imports sqlcipher3"
