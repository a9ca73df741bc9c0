"""A printable chronology: a child's timeline, chosen by period, kind and entry, for
supervision, a strategy meeting or a court bundle.

``choose`` picks the entries (``ChronologyChoice``); ``build_pack`` puts them in a pack of kind
``chronology`` (the child's identity only: name, date of birth, age; never the address or the
household) headed with who prints it, when and why; ``render`` makes the PDF in memory for the
preview and for paper (``printed=True``: no pack, no signature, "printed copy" on every page);
``record_print`` audits a paper copy as a disclosure with its purpose; ``export`` writes the
encrypted pack (same AES-256 PDF, password and outbox as every other pack) and audits it.

The audit trail keeps no free text: the purpose is one of ``PURPOSES``; the reason holds the
purpose and the counts.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cse_toolkit.core.entities import ChronologyItem
from cse_toolkit.errors import UserError
from cse_toolkit.packs import schema as ps
from cse_toolkit.packs.schema import MAX_SHORT, MAX_TEXT

if TYPE_CHECKING:
    from cse_toolkit.services.export import Exported
    from cse_toolkit.vault.vault import Vault

KIND: ps.PackKind = "chronology"
ENTRY_KINDS: tuple[ps.ChronologyKind, ...] = (
    "note",
    "incident",
    "screening",
    "step",
    "missing",
    "intelligence",
    "export",
    "attachment",
)
PURPOSES: dict[str, str] = {
    "supervision": "Supervision",
    "strategy_meeting": "Strategy meeting or discussion",
    "child_protection_conference": "Child protection conference",
    "court": "Court bundle",
    "case_review": "Case review or audit",
    "subject_access": "Subject access request",
    "other": "Other (recorded with the DSL)",
}


@dataclass
class ChronologyChoice:
    """What goes in: the period (dates inclusive, local), the kinds, and entries left out."""

    period_from: date | None = None
    period_to: date | None = None
    kinds: Sequence[str] = ENTRY_KINDS
    left_out: set[str] = field(default_factory=set)  # record ids
    purpose: str = "supervision"

    def check(self) -> None:
        if self.purpose not in PURPOSES:
            raise UserError("Choose what the chronology is for.")
        if self.period_from and self.period_to and self.period_to < self.period_from:
            raise UserError("The period ends before it starts. Check the dates.")
        unknown = set(self.kinds) - set(ENTRY_KINDS)
        if unknown:
            raise UserError(f"Unknown kinds of entry: {', '.join(sorted(unknown))}.")


def _unnamed(vault: Vault, child_id: str, items: list[ChronologyItem]) -> list[ChronologyItem]:
    """Incidents as a printed chronology shows them: the other children counted, never named
    (what goes out about one child names no other; issue 18, item 3)."""
    if not any(i.kind == "incident" for i in items):
        return items
    totals = {incident.id: others.total for incident, others in vault.incidents.for_child(child_id)}
    out = []
    for item in items:
        if item.kind == "incident":
            lines = [ln for ln in item.detail.split("\n") if not ln.startswith("Also about:")]
            n = totals.get(item.record_id, 0)
            if n:
                lines.append(
                    f"Also about {n} other {'child' if n == 1 else 'children'} (not named here)"
                )
            item = dataclasses.replace(item, detail="\n".join(lines))
        out.append(item)
    return out


def timeline(vault: Vault, child_id: str) -> list[ChronologyItem]:
    """The child's whole chronology, attachments included, oldest first; incidents name no
    other child."""
    items = _unnamed(vault, child_id, list(vault.repos.chronology(child_id)))
    for info in vault.attachments.for_child(child_id):
        items.append(
            ChronologyItem(
                info.taken_at or info.added_at,
                "attachment",
                info.id,
                f"Attachment: {info.caption or info.file_name or 'no caption'}",
                f"Added by {info.added_by}",
                info.added_by,
            )
        )
    items.sort(key=lambda i: (i.at, i.kind))
    return items


def in_period(item: ChronologyItem, choice: ChronologyChoice) -> bool:
    day = item.at.astimezone().date()
    if choice.period_from and day < choice.period_from:
        return False
    return not (choice.period_to and day > choice.period_to)


def choose(items: Sequence[ChronologyItem], choice: ChronologyChoice) -> list[ChronologyItem]:
    """The entries that go in (period and kinds first; then what the person left out)."""
    return [
        i
        for i in items
        if i.kind in choice.kinds and in_period(i, choice) and i.record_id not in choice.left_out
    ]


def left_out_count(items: Sequence[ChronologyItem], choice: ChronologyChoice) -> int:
    """Entries in the period and kinds chosen that the person took out by hand."""
    return sum(
        1
        for i in items
        if i.kind in choice.kinds and in_period(i, choice) and i.record_id in choice.left_out
    )


_STORED_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b")


def local_times(text: str) -> str:
    """Stored UTC times in a detail ("2026-11-19T14:20:08Z") as local ones, as on screen."""
    from cse_toolkit.core.clock import parse_utc

    return _STORED_TIME.sub(
        lambda m: parse_utc(m.group(0)).astimezone().strftime("%d/%m/%Y %H:%M"), text
    )


def _identity(vault: Vault, child_id: str) -> ps.ChildRecord:
    """The child as a chronology needs them: who they are, nothing of where they live."""
    from cse_toolkit.services.records import child_record

    full = child_record(vault, child_id).data
    data = ps.ChildData(
        family_name=full.family_name,
        given_names=full.given_names,
        other_names=full.other_names,
        date_of_birth=full.date_of_birth,
        age=full.age,
    )
    return ps.ChildRecord(type="child", id=child_id, version=1, data=data)


def build_pack(
    vault: Vault,
    child_id: str,
    choice: ChronologyChoice,
    recipient: ps.Recipient | None = None,
) -> ps.PackModel:
    """An unsigned chronology pack (for the preview, paper, or the encrypted export)."""
    from cse_toolkit.services.exchange import SharingChoice
    from cse_toolkit.services.export import _envelope

    vault.require("worker", "dsl")
    choice.check()
    child = vault.repos.get_child(child_id)
    items = timeline(vault, child.id)
    chosen = choose(items, choice)
    if not chosen:
        raise UserError(
            "No entries are left to print: widen the period or tick more kinds of entry."
        )
    now = vault.now()
    offset = now.astimezone().utcoffset()
    extract = ps.ChronologyExtract(
        child_ref=child.ref,
        period_from=choice.period_from,
        period_to=choice.period_to,
        kinds=[k for k in ENTRY_KINDS if k in choice.kinds],
        left_out=left_out_count(items, choice),
        printed_by=vault.user.label[:MAX_SHORT],
        printed_at=now,
        local_offset_minutes=int(offset.total_seconds() // 60) if offset else 0,
        purpose=PURPOSES[choice.purpose],
        entries=[
            ps.ChronologyEntry(
                at=i.at,
                kind=i.kind if i.kind in ENTRY_KINDS else "other",
                title=i.title[:MAX_SHORT],
                detail=local_times(i.detail)[:MAX_TEXT],
                recorded_by=i.by[:MAX_SHORT],
                origin=i.origin[:MAX_SHORT],
            )
            for i in chosen
        ],
    )
    sharing = SharingChoice(consent_sought=False, reason=f"Chronology for: {extract.purpose}")
    recipient = recipient or ps.Recipient(
        name=f"{PURPOSES[choice.purpose]}"[:MAX_SHORT], route="given by hand or secure email"
    )
    records: list[ps.ChildRecord] = [_identity(vault, child.id)]
    return _envelope(vault, KIND, records, sharing, recipient, vault.policy, extract)


def render(pack: ps.PackModel, *, printed: bool) -> bytes:
    from cse_toolkit.packs.render import render_pdf

    return render_pdf(pack, printed=printed)


def allowed(vault: Vault) -> bool:
    return KIND in vault.policy.export_kinds


def _reason(pack: ps.PackModel, choice: ChronologyChoice) -> str:
    assert pack.chronology is not None
    period = (
        f"{choice.period_from.isoformat() if choice.period_from else ''}.."
        f"{choice.period_to.isoformat() if choice.period_to else ''}"
    )
    return (
        f"purpose={choice.purpose} entries={len(pack.chronology.entries)} "
        f"left_out={pack.chronology.left_out} period={period}"
    )


def _refuse_unless_allowed(vault: Vault) -> None:
    if not allowed(vault):
        raise UserError(
            "Your organisation's policy does not allow printing or exporting chronologies "
            "from this laptop (export_kinds)."
        )


def record_print(vault: Vault, pack: ps.PackModel, choice: ChronologyChoice) -> None:
    """A paper copy was sent to a printer: audited as a disclosure, with its purpose."""
    _refuse_unless_allowed(vault)
    child_id = next(r.id for r in pack.records if r.type == "child")
    with vault.write("the audit entry"):
        vault.audit("chronology.print", "child", child_id, None, _reason(pack, choice))


def export(vault: Vault, pack: ps.PackModel, choice: ChronologyChoice, out: Path) -> Exported:
    """The encrypted chronology pack, written and put in the outbox (slow: a pool thread)."""
    from cse_toolkit.services.export import record_export, write_pack_file

    _refuse_unless_allowed(vault)
    result = write_pack_file(vault, pack, out)
    return record_export(vault, pack, result, reason=_reason(pack, choice))
