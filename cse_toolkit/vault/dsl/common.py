"""What the DSL's rooms share: the installed tools (read once per session) and small helpers.

Every room is for the ``dsl`` role only (``PermissionDenied`` otherwise): a worker sees their
own children through ``repos``; an admin manages users only.
"""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

from cse_toolkit.core import catalogue, tools
from cse_toolkit.errors import UserError

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ToolShelf:
    """The screening tools the rooms need, each loaded once (a version no longer installed
    falls back to the newest of its tool; a tool not installed at all is None)."""

    def __init__(self) -> None:
        self._tools: dict[tuple[str, str | None], tools.Tool | None] = {}
        self._labels: dict[tuple[str | None, str], str] = {}
        self._lock = threading.RLock()  # the queue and the figures may load on two threads

    def tool(self, tool_id: str, version: str | None = None) -> tools.Tool | None:
        key = (tool_id, version)
        with self._lock:
            if key not in self._tools:
                try:
                    self._tools[key] = catalogue.load_tool(tool_id, version)
                except UserError:
                    self._tools[key] = None if version is None else self.tool(tool_id)
            return self._tools[key]

    def level_label(self, tool_id: str | None, level: str | None) -> str:
        # Once per (tool, level) per session: catalogue.level_label scans the installed tool
        # folders on every call (0.9 ms), which was 90 % of the queue's first build.
        if not level:
            return "none"
        key = (tool_id, level)
        label = self._labels.get(key)
        if label is None:
            label = self._labels[key] = catalogue.level_label(level, tool_id)
        return label


def child_label(name: str, alias: str, ref: str) -> str:
    if name and alias:
        return f"{name} ({alias})"
    return name or alias or ref


def day_start(d: date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


def day_after(d: date) -> str:
    """The start of the day after ``d`` (an exclusive end)."""
    return day_start(d + timedelta(days=1))


def period_where(
    column: str, date_from: date | None, date_to: date | None
) -> tuple[str, tuple[str, ...]]:
    lo = day_start(date_from) if date_from else ""
    hi = day_after(date_to) if date_to else "9999"
    return f"{column} >= ? AND {column} < ?", (lo, hi)
