"""Actions in words, through ``tr()``: due and overdue as the pathway says them.

"Overdue since 12 Nov 2026" is the Process tab's phrase for a pathway date
(``gui/process/pathway_tracker.due_phrase``); an action uses the same words and the same day
format (``pathway_widgets.day_text``), and the same clock (the vault's).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication

from cse_toolkit.core.actions import RETURN_INTERVIEW, Action
from cse_toolkit.gui.common.pathway_widgets import day_text
from cse_toolkit.gui.common.widgets import local_text

_CONTEXT = "actions"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def due_words(action: Action, now: datetime) -> str:
    """'Overdue since 12 Nov 2026', 'Due 12 Nov 2026 14:00' or 'Done 13 Nov 2026'."""
    if action.status == "done":
        return _tr("Done {when}").format(when=day_text(action.done_at or action.due_at))
    if action.overdue(now):
        return _tr("Overdue since {when}").format(when=day_text(action.due_at))
    return _tr("Due {when}").format(when=local_text(action.due_at))


def title_words(action: Action) -> str:
    if action.kind == RETURN_INTERVIEW:
        return _tr("Return interview after a missing episode (within 72 hours of return)")
    return action.title


def about_words(action: Action) -> str:
    """The child (name where the viewer may see it, else the reference) or the incident."""
    if action.child_ref:
        return action.child_label or action.child_ref
    return _tr("An incident")


def state_words(action: Action) -> str:
    if action.status == "done":
        by = _tr("Done by {who}").format(who=action.done_by or _tr("someone"))
        return f"{by}: {action.done_note}" if action.done_note else by
    if action.origin:
        return _tr("Not done yet (from a pack; set by {who})").format(who=action.set_by)
    return _tr("Not done yet (set by {who})").format(who=action.set_by)
