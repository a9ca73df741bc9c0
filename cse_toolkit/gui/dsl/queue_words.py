"""The review queue in words: what each item is called and says, through ``tr()``.

``vault.dsl.queue()`` gives data (a kind, the child, facts of the kind, a ``Destination``);
every sentence the DSL reads about an item is made here, so it can be translated. Names,
references, reasons and pack ids inside the sentences may come from a pack or another user:
they are shown as plain text (the queue's cells and tooltips are never rich text).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.vault.dsl_repo import (
    ACTION,
    DANGER,
    DUE,
    IMPORT_CONFLICT,
    LEVEL_CHANGED,
    SIGNOFF,
    UNSENT,
    ActionFacts,
    DangerFacts,
    DueFacts,
    ImportFacts,
    QueueItem,
    ScreeningFacts,
    Situation,
    UnsentFacts,
)

_CONTEXT = "DslQueue"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def kind_labels() -> dict[str, str]:
    """Each kind's name, in the order the filter lists them."""
    return {
        DANGER: _tr("Immediate danger"),
        SIGNOFF: _tr("Sign-off"),
        LEVEL_CHANGED: _tr("Level changed"),
        DUE: _tr("Due date"),
        ACTION: _tr("Action"),
        UNSENT: _tr("Referral not sent"),
        IMPORT_CONFLICT: _tr("Import conflicts"),
    }


def kind_label(kind: str) -> str:
    return kind_labels().get(kind, kind)


def _pack_kind(kind: str) -> str:
    return {
        "referral": _tr("Referral"),
        "intelligence": _tr("Intelligence"),
        "screening": _tr("Screening"),
    }.get(kind, kind.capitalize())


def title(item: QueueItem) -> str:
    """The item in a few words (the queue's What column)."""
    facts = item.facts
    if isinstance(facts, ScreeningFacts):
        return _screening_title(facts)
    if isinstance(facts, DueFacts):
        return facts.label
    if isinstance(facts, ActionFacts):
        if facts.return_interview:
            return _tr("Return interview after a missing episode")
        return _tr("Action: {title}").format(title=facts.title)
    if isinstance(facts, UnsentFacts):
        return _tr("{kind} pack exported but not marked sent").format(
            kind=_pack_kind(facts.pack_kind)
        )
    if isinstance(facts, ImportFacts):
        return ntr(_CONTEXT, "Imported pack has %n conflict(s) to resolve", facts.conflicts)
    if isinstance(facts, DangerFacts):
        return item.flag  # core.urgency's words for it ("Immediate danger: 999 called at ...")
    return item.kind


def _screening_title(f: ScreeningFacts) -> str:
    if f.situation is Situation.LOWERED:
        return _tr("Level lowered, awaiting DSL sign-off: {suggested} to {level}").format(
            suggested=f.suggested, level=f.level
        )
    if f.situation is Situation.INCOMPLETE:
        return _tr("Incomplete screening, awaiting DSL sign-off")
    if f.situation is Situation.CHANGED:
        return _tr("Level changed: {suggested} to {level}").format(
            suggested=f.suggested, level=f.level
        )
    if f.situation is Situation.FORGED:
        return _tr("Sign-off not signed by a DSL: refused")
    return _tr("Screening awaiting sign-off")


def detail(item: QueueItem) -> str:
    """What to know and do about it (the queue's Detail column)."""
    facts = item.facts
    if isinstance(facts, ScreeningFacts):
        return _screening_detail(facts)
    if isinstance(facts, DueFacts):
        return _due_detail(facts, item.overdue)
    if isinstance(facts, ActionFacts):
        return _tr("{when}: {title}, for {who}. Mark it done on the child's Actions tab.").format(
            when=_when(facts.days, item.overdue), title=facts.title, who=facts.assignee
        )
    if isinstance(facts, UnsentFacts):
        return ntr(
            _CONTEXT,
            "Exported for {recipient} %n day(s) ago; send it and mark it sent, or say why not.",
            facts.days,
        ).format(recipient=facts.recipient)
    if isinstance(facts, ImportFacts):
        return _tr("Pack {pack} imported by {by}; nothing was overwritten.").format(
            pack=facts.pack_id, by=facts.imported_by
        )
    if isinstance(facts, DangerFacts):
        return _tr(
            "Make sure the child is safe now; the strategy meeting is held straight "
            "away. Record it on the child's Process tab."
        )
    return ""


def _screening_detail(f: ScreeningFacts) -> str:
    who = f.confirmed_by or _tr("the worker")
    reason = f.reason or _tr("none given")
    if f.situation is Situation.LOWERED:
        return _tr(
            "{who} chose {level}, lower than the suggested {suggested}. Until you agree, "
            "{suggested} drives the process and due dates. Reason: {reason}"
        ).format(who=who, level=f.level, suggested=f.suggested, reason=reason)
    if f.situation is Situation.INCOMPLETE:
        return _tr(
            "{who} could not complete the screening and confirmed {level}. Why it cannot be "
            "completed: {reason}"
        ).format(who=who, level=f.level, reason=f.reason)
    if f.situation is Situation.CHANGED:
        return _tr(
            "{who} chose {level} instead of the suggested {suggested}. Reason: {reason}"
        ).format(who=who, level=f.level, suggested=f.suggested, reason=reason)
    if f.situation is Situation.FORGED:
        return _tr(
            "This screening is marked as signed off, but the sign-off does not carry the "
            "signature of a designated safeguarding lead in the user registry, so it does not "
            "count. Sign it off again and tell your IT team."
        )
    return _tr("Level {level} confirmed by {who}.").format(level=f.level, who=who)


def _when(days: int, overdue: bool) -> str:
    """The same words for a pathway date and an action: overdue by, due in."""
    if overdue:
        return _tr("Overdue today") if days == 0 else ntr(_CONTEXT, "Overdue by %n day(s)", days)
    return _tr("Due today") if days == 0 else ntr(_CONTEXT, "Due in %n day(s)", days)


def _due_detail(f: DueFacts, overdue: bool) -> str:
    return _tr("{when}: record '{step}' on the child's Process tab.").format(
        when=_when(f.days, overdue), step=f.step
    )
