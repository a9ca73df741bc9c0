"""The rooms of docs/ARCHITECTURE.md hold: no import cycle between modules, no SQL or database
driver outside cse_toolkit/vault, modules small enough to read, and the package picture in
docs/ARCHITECTURE.md drawn from the code as it is.

The import graph is read from the source by scripts/import_graph.py (nothing is imported).
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cse_toolkit"


def _load_script() -> ModuleType:
    # scripts/ is not a package (its files are run as programs); load the one file by path.
    spec = importlib.util.spec_from_file_location(
        "import_graph", ROOT / "scripts" / "import_graph.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_graph", module)
    spec.loader.exec_module(module)
    return module


import_graph = _load_script()


@functools.cache
def _graph() -> dict[str, set[str]]:
    return import_graph.graph()


def _source_files() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if "forms" not in p.relative_to(PACKAGE).parts]


# -- import cycles ------------------------------------------------------------------------------


def test_the_graph_reader_finds_a_cycle(tmp_path: Path) -> None:
    """The reader sees top-level, deferred, relative and TYPE_CHECKING imports."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import c\n")
    (pkg / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n"
    )
    (pkg / "d.py").write_text("import pkg.sub.b\nfrom pkg import a as _a\n")
    edges = import_graph.graph(pkg)
    assert edges["pkg.a"] == {"pkg.sub.b"}
    assert edges["pkg.sub.b"] == {"pkg.c"}
    assert edges["pkg.c"] == {"pkg.a"}
    assert edges["pkg.d"] == {"pkg.sub.b", "pkg.a"}
    assert import_graph.cycles(edges) == [["pkg.a", "pkg.c", "pkg.sub.b"]]
    loop = import_graph.cycle_path(["pkg.a", "pkg.c", "pkg.sub.b"], edges)
    assert loop == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]


def test_no_import_cycle_between_modules() -> None:
    edges = _graph()
    assert len(edges) > 50, "the graph reader found too few modules"
    found = [
        f"{', '.join(group)} (e.g. {' -> '.join(import_graph.cycle_path(group, edges))})"
        for group in import_graph.cycles(edges)
    ]
    assert found == [], "import cycles:\n" + "\n".join(found)


def test_package_picture_is_drawn_from_the_code() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    expected = import_graph.with_picture(text, import_graph.picture(_graph()))
    assert text == expected, (
        "docs/ARCHITECTURE.md's package picture is out of date: "
        "run python scripts/import_graph.py write"
    )


# -- SQL stays in the vault -----------------------------------------------------------------

DRIVERS = ("sqlcipher3", "sqlite3")
# Upper-case keywords in the shapes SQL takes; English prose ("update the list") does not match.
SQL = re.compile(
    r"\b(SELECT\s[\s\S]*?\bFROM\b|INSERT\s+(OR\s+[A-Z]+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b"
    r"|DELETE\s+FROM\b|(CREATE|DROP)\s+(TEMP\s+)?(TABLE|INDEX|TRIGGER|VIEW)\b|ALTER\s+TABLE\b"
    r"|PRAGMA\s+\w+|BEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED)\b|VACUUM\b|ATTACH\s+DATABASE\b)"
)


def _strings(nodes: list[ast.AST]) -> list[tuple[int, str]]:
    """Every string literal with its line, docstrings left out (prose may name a statement)."""
    skipped = set()
    for node in nodes:
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))
        elif isinstance(node, ast.JoinedStr):
            skipped.update(id(v) for v in node.values)  # read with their f-string
    found = []
    for node in nodes:
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            found.append((node.lineno, text))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in skipped:
                found.append((node.lineno, node.value))
    return sorted(found)


def sql_outside_the_vault(files: list[Path], root: Path) -> list[str]:
    offenders = []
    for path in files:
        rel = path.relative_to(root)
        if rel.parts[:2] == ("cse_toolkit", "vault"):
            continue
        nodes = list(ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
        for node in nodes:
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] in DRIVERS:
                    offenders.append(f"{rel}:{node.lineno}: imports {name}")
        for line, text in _strings(nodes):
            match = SQL.search(text)
            if match:
                offenders.append(f"{rel}:{line}: SQL {' '.join(match.group(0).split()[:3])!r}")
    return offenders


def test_the_sql_finder_finds_sql(tmp_path: Path) -> None:
    code = tmp_path / "cse_toolkit" / "gui" / "page.py"
    code.parent.mkdir(parents=True)
    code.write_text(
        '"""SELECT x FROM y in a docstring is prose."""\n'
        "import sqlite3\n"
        "from sqlcipher3 import dbapi2\n"
        "label = 'Select a child from the list, then update the notes'\n"
        "Q = ('SELECT id, name'\n     ' FROM children WHERE id = ?')\n"
        "table = 'notes'\n"
        "W = f'INSERT OR REPLACE INTO {table} VALUES (?)'\n"
        "P = 'PRAGMA user_version'\n"
    )
    inside = tmp_path / "cse_toolkit" / "vault" / "repo.py"
    inside.parent.mkdir(parents=True)
    inside.write_text("import sqlcipher3\nQ = 'DELETE FROM notes'\n")
    found = sql_outside_the_vault([code, inside], tmp_path)
    assert found == [
        "cse_toolkit/gui/page.py:2: imports sqlite3",
        "cse_toolkit/gui/page.py:3: imports sqlcipher3",
        "cse_toolkit/gui/page.py:5: SQL 'SELECT id, name'",
        "cse_toolkit/gui/page.py:8: SQL 'INSERT OR REPLACE'",
        "cse_toolkit/gui/page.py:9: SQL 'PRAGMA user_version'",
    ]


def test_no_sql_and_no_database_driver_outside_the_vault() -> None:
    found = sql_outside_the_vault(_source_files(), ROOT)
    assert found == [], "SQL outside cse_toolkit/vault:\n" + "\n".join(found)


# -- module sizes -------------------------------------------------------------------------------

# Lines per module a reader can hold in mind (ARCHITECTURE.md, "Rooms"): the gui's widgets
# are thin, so less there; generated forms are not counted.
LIMITS = {"gui": 650, "core": 800}


@pytest.mark.parametrize("room", sorted(LIMITS))
def test_modules_stay_small(room: str) -> None:
    limit = LIMITS[room]
    too_big = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in _source_files()
        if p.relative_to(PACKAGE).parts[0] == room
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > limit
    ]
    assert too_big == [], f"{room} modules over {limit} lines:\n" + "\n".join(too_big)
