"""Small factories for the records tests make over and over, built with the app's own calls
(the real tool scores the screening), so what a test stores is what the app would store.

Every name here is invented.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cse_toolkit.core import intelligence as intel
from cse_toolkit.core import screening
from cse_toolkit.core.entities import Child, ScreeningRecord

TOOL = "worcestershire-2013"
# One low indicator, seen, current: at age 14 no floor applies, so the suggestion is "low".
ONE_LOW = (
    {"indicator": "low_unknown_adults", "value": "yes", "basis": "evidence", "when": "current"},
)


def child(vault: Any, name: str | None = None, **fields: Any) -> Child:
    """A child added as the Add child form does; a fresh made-up name unless one is given."""
    made: Child = vault.repos.add_child(
        name=name if name is not None else f"Child {uuid.uuid4().hex[:6]}", **fields
    )
    return made


def answers_of(answers: Sequence[Mapping[str, Any]] | Mapping[str, str]) -> list[dict[str, Any]]:
    """Answers as the wizard stores them; ``{"indicator": "yes"}`` is shorthand for one seen,
    current answer."""
    if isinstance(answers, Mapping):
        return [
            {"indicator": i, "value": v, "basis": "evidence", "when": "current"}
            for i, v in answers.items()
        ]
    return [dict(a) for a in answers]


def screening_record(
    vault: Any,
    child_id: str,
    answers: Sequence[Mapping[str, Any]] | Mapping[str, str] = ONE_LOW,
    *,
    tool_id: str = TOOL,
    version: str | None = None,
    child_info: Mapping[str, Any] | None = None,
    danger: bool = False,
    level: str | None = None,
    confirmed: bool = True,
    by: str | None = None,
    reason: str = "",
    outcome: Mapping[str, Any] | None = None,
) -> ScreeningRecord:
    """A screening scored by the real tool and saved: confirmed at ``level`` (default: the
    suggestion) by ``by`` (default: the vault's user), or left in progress with
    ``confirmed=False``. ``child_info`` is the screening's child section (default: age 14);
    ``outcome`` replaces the stored outcome (a confirmation added to it, say)."""
    tool = screening.load_tool(tool_id, version)
    data: dict[str, Any] = {
        "tool": tool.id,
        "tool_version": tool.version,
        "child": dict(child_info) if child_info is not None else {"age": 14},
        "immediate_danger": danger,
        "answers": answers_of(answers),
    }
    inp = screening.ScreeningInput.from_dict(data)
    scored = screening.evaluate(tool, inp)
    record = ScreeningRecord(
        id=str(uuid.uuid4()),
        child_id=child_id,
        tool_id=tool.id,
        tool_version=tool.version,
        screened_at=vault.now(),
        input=inp.to_dict(),
        outcome=dict(outcome) if outcome is not None else scored.to_dict(),
        suggested_level=scored.suggested_level,
        confirmed_level=(level or scored.suggested_level) if confirmed else None,
        confirmed_by=(by or vault.user.name) if confirmed else None,
        confirmed_at=vault.now_iso() if confirmed else None,
        confirm_reason=reason,
        status="confirmed" if confirmed else "in_progress",
    )
    saved: ScreeningRecord = vault.repos.save_screening(record)
    return saved


def save_report(vault: Any, child_ids: list[str], *entities: intel.Entity, **fields: Any) -> Any:
    """A final intelligence report linking ``child_ids`` through ``entities``."""
    fields.setdefault("title", "Report")
    fields.setdefault("facts", ["Seen together at the park on Friday evening."])
    fields.setdefault("learned_at", "2026-11-20")
    fields.setdefault("status", "final")
    report = intel.IntelReport(child_ids=list(child_ids), entities=list(entities), **fields)
    return vault.intel.save(report)


def referral_export(vault: Any, child_id: str, out: Path, *, who_consented: str = "") -> Any:
    """A referral pack for the child, exported to ``out`` as the export wizard does, with the
    family's consent recorded; returns what ``exchange.export`` returns."""
    from cse_toolkit.services import exchange

    sharing = exchange.SharingChoice(
        consent_sought=True, consent_given=True, who_consented=who_consented
    )
    pack = exchange.build_pack(vault, "referral", child_id=child_id, sharing=sharing)
    return exchange.export(vault, pack, out)
