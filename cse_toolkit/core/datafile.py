"""Data files (tool and pathway TOML): parsing, problems located by line, versions, headers.

What the tool and pathway files share, so neither module imports the other for it: a
:class:`Problem` names the TOML key path and the line it is on (``cse-toolkit tools check``
and the app at load explain every problem by line), :class:`ProblemList` turns pydantic's
validation errors into problems, and ``file_header`` reads a file's id, version, name and area
without validating the whole file (to list installed files cheaply).

This module is Qt-free.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cse_toolkit.errors import UserError
from cse_toolkit.fsutil import (
    DATA_FILE_MAX_BYTES,
    TOML_MAX_DEPTH,
    nesting_depth,
    read_text_capped,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file: a message, the TOML key path and its line (if found)."""

    message: str
    key: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "line ?"
        key = f" [{self.key}]" if self.key else ""
        return f"{where}{key}: {self.message}"


Loc = tuple[str | int, ...]

_AOT_RE = re.compile(r"^\[\[\s*(.+?)\s*\]\]\s*(#.*)?$")
_TABLE_RE = re.compile(r"^\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY_RE = re.compile(
    r"""^((?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _split_key(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_\-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def toml_key_lines(text: str) -> dict[Loc, int]:
    """Map key paths (with array-of-table indices) to the line where each is written.

    tomllib reports no positions, so this scans the text: table and array-of-table headers,
    ``key =`` lines, skipping multi-line strings and arrays. Positions inside inline tables and
    arrays map to the line of their key. Good enough to point a person at the right place.
    """
    result: dict[Loc, int] = {}
    aot_count: dict[Loc, int] = {}
    current: Loc = ()
    skip_until: str | None = None  # closing delimiter of a multi-line string
    depth = 0  # open brackets of a multi-line array / inline table
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if skip_until is not None:
            if line.count(skip_until) % 2 == 1:
                skip_until = None
            continue
        if depth > 0:
            depth += _bracket_delta(line)
            continue
        if not line or line.startswith("#"):
            continue
        aot = _AOT_RE.match(line)
        table = None if aot else _TABLE_RE.match(line)
        if aot or table:
            keys = _split_key((aot or table).group(1))  # type: ignore[union-attr]
            path: Loc = ()
            for i, key in enumerate(keys):
                path = (*path, key)
                last = i == len(keys) - 1
                if last and aot:
                    count = aot_count.get(path, 0)
                    aot_count[path] = count + 1
                    result.setdefault(path, number)
                    path = (*path, count)
                elif path in aot_count:
                    path = (*path, aot_count[path] - 1)
            current = path
            result.setdefault(current, number)
            continue
        key_match = _KEY_RE.match(line)
        if not key_match:
            continue
        full = (*current, *_split_key(key_match.group(1)))
        result.setdefault(full, number)
        value = line[key_match.end() :].strip()
        for quote in ('"""', "'''"):
            if value.startswith(quote) and value.count(quote) == 1:
                skip_until = quote
                break
        else:
            depth = max(0, _bracket_delta(value))
    return result


def _bracket_delta(text: str) -> int:
    # Strip strings and comments first so brackets inside text do not count.
    cleaned = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', "", text)
    cleaned = cleaned.split("#", 1)[0]
    return cleaned.count("[") + cleaned.count("{") - cleaned.count("]") - cleaned.count("}")


def line_of(lines: Mapping[Loc, int], loc: Sequence[str | int]) -> int | None:
    """The line of ``loc`` or of its nearest written parent."""
    path = tuple(loc)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def format_loc(data: Any, loc: Sequence[str | int]) -> str:
    """A readable key path: ``sections[low].indicators[low_unknown_adults].label``.

    List items with an ``id`` are named by it; others by position counting from 1.
    """
    out = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            out += f"[{ident}]" if isinstance(ident, str) and ident else f"[#{part + 1}]"
            node = item
        else:
            out += f".{part}" if out else part
            node = node.get(part) if isinstance(node, dict) else None
    return out


class ProblemList:
    """Collects problems for one file, locating each by its key path."""

    def __init__(self, text: str, data: Any, rule_kinds: Sequence[str] = ()) -> None:
        self._lines = toml_key_lines(text)
        self._data = data
        # The kinds a discriminated union of the file accepts, named when a kind is unknown.
        self._rule_kinds = tuple(rule_kinds)
        self.items: list[Problem] = []

    def add(self, loc: Sequence[str | int], message: str) -> None:
        self.items.append(
            Problem(
                message=message, key=format_loc(self._data, loc), line=line_of(self._lines, loc)
            )
        )

    def add_validation_error(self, exc: ValidationError) -> None:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            # Discriminated unions add the tag name ("any_present_in_section") to the path.
            loc = _strip_union_tags(self._data, loc)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "is not a known key here (check the spelling)"
            elif err["type"] == "missing":
                msg = "is required but missing"
            elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                loc = (*loc, "kind")
                msg = "unknown rule kind; use one of " + ", ".join(self._rule_kinds)
            self.add(loc, msg)


def _strip_union_tags(data: Any, loc: Loc) -> Loc:
    out: list[str | int] = []
    node: Any = data
    for part in loc:
        if isinstance(part, str) and not (isinstance(node, dict) and part in node):
            if isinstance(node, dict) and node.get("kind") == part:
                continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part) if isinstance(part, str) else None
        elif isinstance(node, list) and isinstance(part, int):
            node = node[part] if 0 <= part < len(node) else None
        else:
            node = None
    return tuple(out)


def parse_toml(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse TOML; a syntax error becomes a Problem with the line tomllib reports, and nesting
    deeper than ``fsutil.TOML_MAX_DEPTH`` is refused before tomllib recurses into it."""
    if nesting_depth(text, "toml") > TOML_MAX_DEPTH:
        return None, [
            Problem(message=f"nested more than {TOML_MAX_DEPTH} levels deep; not read", line=None)
        ]
    try:
        return tomllib.loads(text), []
    except RecursionError:  # a nesting the scan did not see (dotted keys): refused the same way
        return None, [Problem(message="nested too deep; not read", line=None)]
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = re.search(r"line (\d+)", msg)
        line = int(match.group(1)) if match else None
        return None, [Problem(message=f"not valid TOML: {msg}", line=line)]


def read_text(path: Path, error: type[UserError]) -> str:
    """The file's text, at most ``fsutil.DATA_FILE_MAX_BYTES``; ``error`` (the file kind's own
    error type) says why it cannot be read."""
    try:
        return read_text_capped(path, DATA_FILE_MAX_BYTES, f"File {path}")
    except UserError as exc:
        raise error(exc.message) from exc


def load_toml_file(path: Path) -> dict[str, Any] | None:
    """A data file's TOML for a quick look (headers, ``retired``): None if it cannot be read,
    is too big or too deep (the full check reports why)."""
    try:
        text = read_text_capped(path, DATA_FILE_MAX_BYTES, str(path))
    except UserError:
        return None
    data, _problems = parse_toml(text)
    return data


def stat_key(path: Path, error: type[UserError], what: str) -> tuple[int, int]:
    """(modification time, size): the key loaders cache a checked file under, so a file
    replaced on disk is read again and an unchanged one costs nothing."""
    try:
        st = path.stat()
    except OSError as exc:
        raise error(f"{what} {path} cannot be read: {exc}") from exc
    return st.st_mtime_ns, st.st_size


def version_key(version: str) -> tuple[int, ...]:
    """Numeric ordering of versions: "1.10" is newer than "1.9"."""
    return tuple(int(p) for p in version.split("."))


def file_header(path: Path) -> tuple[str, str, str, str] | None:
    """(id, version, name, area) of a tool or pathway file; None if it cannot be read.

    Cached on the file's modification time and size, so listing installed files is cheap
    enough to do on every lookup while still seeing a file that was replaced.
    """
    try:
        st = path.stat()
    except OSError:
        return None
    return _header(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _header(path_str: str, _mtime: int, _size: int) -> tuple[str, str, str, str] | None:
    data = load_toml_file(Path(path_str))
    if data is None:
        return None  # reported when someone asks for it or runs `tools check`
    ident, version = data.get("id"), data.get("version")
    if not isinstance(ident, str) or not isinstance(version, str):
        return None
    try:
        version_key(version)
    except ValueError:
        return None
    return ident, version, str(data.get("name", ident)), str(data.get("area", ""))
