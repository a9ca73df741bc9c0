"""A recorded pathway step's data in words (field labels, dates, levels, yes/no), for the
chronology, the case view and packs. Qt-free."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cse_toolkit.core.pathway import FieldDef, Pathway

_HIDDEN_FIELDS = {"screening_id", "tool_version"}


def describe_step_data(
    pathway: Pathway,
    step_id: str,
    data: Mapping[str, Any],
    level_labels: Mapping[str, str],
    *,
    utc: bool = False,
) -> str:
    """A recorded step's data in words: field labels, dates, level labels, yes/no.

    Times are local for the screen, or UTC marked "UTC" (``utc=True``) for a pack read on
    another machine. Internal references (the screening's id, the tool version) are left out;
    they stay in the record.
    """
    try:
        fields = {f.id: f for f in pathway.step(step_id).fields}
    except KeyError:
        fields = {}
    parts: list[str] = []
    for key, value in data.items():
        if value in ("", None) or key in _HIDDEN_FIELDS:
            continue
        field = fields.get(key)
        label = field.label if field else key.replace("_", " ").capitalize()
        words = _value_words(value, field, level_labels, utc)
        parts.append(f"{label} {words}" if label.endswith("?") else f"{label}: {words}")
    return "; ".join(parts)


def _value_words(
    value: Any, field: FieldDef | None, level_labels: Mapping[str, str], utc: bool
) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    kind = field.type if field else ""
    if kind == "level" or text in level_labels:
        return level_labels.get(text, text.replace("_", " "))
    try:
        if kind == "datetime" or (len(text) >= 20 and text[10] == "T"):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if utc:
                return moment.astimezone(UTC).strftime("%d/%m/%Y %H:%M UTC")
            return moment.astimezone().strftime("%d/%m/%Y %H:%M")
        if kind == "date":
            return datetime.fromisoformat(text).strftime("%d/%m/%Y")
    except ValueError:
        pass
    return text
