"""The review queue's words live in the GUI (``gui/dsl/queue_words.py``): the vault gives data.

Each kind of item, as the DSL reads it in the What and Detail columns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cse_toolkit.gui.dsl.queue_words import detail, kind_label, kind_labels, title
from cse_toolkit.vault import dsl_repo
from cse_toolkit.vault.dsl_repo import (
    DangerFacts,
    Destination,
    DueFacts,
    ImportFacts,
    QueueItem,
    ScreeningFacts,
    Situation,
    UnsentFacts,
)

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def item(kind: str, facts: Any, **more: Any) -> QueueItem:
    return QueueItem(
        kind=kind,
        record_id="r1",
        child_id="c1",
        child_ref="K7M2",
        child_label="Jade",
        facts=facts,
        at=AT,
        destination=more.pop("destination", Destination.SCREENING),
        **more,
    )


def screening(situation: Situation, by: str = "sam", reason: str = "") -> QueueItem:
    kind = (
        dsl_repo.LEVEL_CHANGED
        if situation in (Situation.LOWERED, Situation.CHANGED)
        else dsl_repo.SIGNOFF
    )
    return item(kind, ScreeningFacts(situation, by, "Low", "Medium", reason))


@pytest.mark.parametrize(
    ("queued", "what", "says"),
    [
        pytest.param(
            screening(Situation.LOWERED, reason="Checked with school"),
            "Level lowered, awaiting DSL sign-off: Medium to Low",
            "sam chose Low, lower than the suggested Medium. Until you agree, Medium drives the "
            "process and due dates. Reason: Checked with school",
            id="lowered",
        ),
        pytest.param(
            screening(Situation.INCOMPLETE, by="", reason="Family moved away"),
            "Incomplete screening, awaiting DSL sign-off",
            "the worker could not complete the screening and confirmed Low. Why it cannot be "
            "completed: Family moved away",
            id="incomplete",
        ),
        pytest.param(
            screening(Situation.CHANGED),
            "Level changed: Medium to Low",
            "sam chose Low instead of the suggested Medium. Reason: none given",
            id="changed",
        ),
        pytest.param(
            screening(Situation.AWAITING, by=""),
            "Screening awaiting sign-off",
            "Level Low confirmed by the worker.",
            id="awaiting",
        ),
        pytest.param(
            screening(Situation.FORGED),
            "Sign-off not signed by a DSL: refused",
            "This screening is marked as signed off, but the sign-off does not carry the "
            "signature of a designated safeguarding lead in the user registry, so it does not "
            "count. Sign it off again and tell your IT team.",
            id="forged",
        ),
        pytest.param(
            item(
                dsl_repo.DUE,
                DueFacts("Review due", "Review the plan", 3),
                destination=Destination.PROCESS,
                overdue=True,
                due_at=AT,
            ),
            "Review due",
            "Overdue by 3 days: record 'Review the plan' on the child's Process tab.",
            id="overdue",
        ),
        pytest.param(
            item(
                dsl_repo.DUE,
                DueFacts("Review due", "Review the plan", 1),
                destination=Destination.PROCESS,
                due_at=AT,
            ),
            "Review due",
            "Due in 1 day: record 'Review the plan' on the child's Process tab.",
            id="due-soon",
        ),
        pytest.param(
            item(
                dsl_repo.DUE,
                DueFacts("Review due", "Review the plan", 0),
                destination=Destination.PROCESS,
                overdue=True,
                due_at=AT,
            ),
            "Review due",
            "Overdue today: record 'Review the plan' on the child's Process tab.",
            id="overdue-today",
        ),
        pytest.param(
            item(
                dsl_repo.UNSENT,
                UnsentFacts("referral", "Family Front Door", 2),
                destination=Destination.EXPORTS,
            ),
            "Referral pack exported but not marked sent",
            "Exported for Family Front Door 2 days ago; send it and mark it sent, or say why not.",
            id="unsent",
        ),
        pytest.param(
            item(
                dsl_repo.IMPORT_CONFLICT,
                ImportFacts("P-1234", "dee", 1),
                destination=Destination.IMPORTS,
            ),
            "Imported pack has 1 conflict to resolve",
            "Pack P-1234 imported by dee; nothing was overwritten.",
            id="import",
        ),
        pytest.param(
            item(
                dsl_repo.DANGER,
                DangerFacts(),
                destination=Destination.PROCESS,
                rank=0,
                flag="Immediate danger: 999 called at 09:00",
            ),
            "Immediate danger: 999 called at 09:00",
            "Make sure the child is safe now; the strategy meeting is held straight away. "
            "Record it on the child's Process tab.",
            id="danger",
        ),
    ],
)
def test_each_item_in_words(queued: QueueItem, what: str, says: str) -> None:
    assert title(queued) == what
    assert detail(queued) == says


def test_every_kind_has_a_name_and_text_from_a_pack_is_not_a_template() -> None:
    assert list(kind_labels()) == list(dsl_repo.KINDS)
    assert kind_label(dsl_repo.UNSENT) == "Referral not sent"
    # A sender's pack id or name with braces is shown as it is, never formatted again.
    tricky = item(
        dsl_repo.IMPORT_CONFLICT,
        ImportFacts("{0}{pack}", "{by}", 2),
        destination=Destination.IMPORTS,
    )
    assert detail(tricky) == "Pack {0}{pack} imported by {by}; nothing was overwritten."
    assert title(tricky) == "Imported pack has 2 conflicts to resolve"
