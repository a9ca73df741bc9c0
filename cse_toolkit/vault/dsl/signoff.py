"""Sign-off: the DSL agrees, changes the level (never below the screening's floor, the stored
outcome's ``minimum_level``) with a reason, or returns the screening to the worker with a
comment.

The sign-off is an entry in the audit chain, and the ``signoffs`` row carries that entry's
sequence number and hash, so each proves the other; (2) it is signed with the DSL's own key,
and a sign-off that is not a registered DSL's own does not count. The worker's own
confirmation stays as it was on the screening; the DSL's level is in the sign-off and, for the
child's latest screening, becomes the child's confirmed level.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cse_toolkit.core import screening
from cse_toolkit.core.clock import parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.vault import rows
from cse_toolkit.vault.dsl.common import ToolShelf, child_label
from cse_toolkit.vault.messages import signoff_message

if TYPE_CHECKING:
    from cse_toolkit.vault.repos import Repositories
    from cse_toolkit.vault.session import Session

DECISIONS = ("agree", "change", "return")


@dataclass(frozen=True)
class SignoffContext:
    """A confirmed screening as the sign-off dialog shows it."""

    screening_id: str
    version: int
    status: str
    child_id: str
    child_ref: str
    child_label: str
    tool_id: str
    tool_version: str
    tool_name: str
    levels: tuple[tuple[str, str], ...]  # (id, label), lowest first
    suggested_level: str | None
    confirmed_level: str | None
    minimum_level: str
    floor_reasons: tuple[str, ...]
    confirmed_by: str
    confirmed_at: datetime | None
    confirm_reason: str

    def label(self, level_id: str | None) -> str:
        for lid, text in self.levels:
            if lid == level_id:
                return text
        return level_id or "none"

    def allowed_levels(self) -> list[tuple[str, str]]:
        """Levels a change may choose: the floor and above."""
        ids = [lid for lid, _ in self.levels]
        floor = ids.index(self.minimum_level) if self.minimum_level in ids else 0
        return list(self.levels[floor:])


@dataclass(frozen=True)
class SignOff:
    id: str
    screening_id: str
    decision: str
    level: str | None
    comment: str
    chain_seq: int
    chain_hash: str
    signed_at: datetime
    # (2) True when the sign-off carries the signature of a DSL in the signed user registry
    # (or dates from before per-person keys); a forged one is shown and refused.
    verified: bool = True


_SIGNOFF_SQL = (
    "SELECT g.id, g.screening_id, g.decision, g.level, g.comment, g.chain_seq, g.chain_hash,"
    " g.sig, u.name, a.hash, a.actor, a.record_id"
    " FROM signoffs g LEFT JOIN users u ON u.id = g.created_by"
    " LEFT JOIN audit a ON a.seq = g.chain_seq"
)


def verify_signoff(conn: Any, vault_id: str, state: Any, signoff_id: str) -> str:
    """Why sign-off ``signoff_id`` is not a registered DSL's own, or "" when it is."""
    row = conn.execute(_SIGNOFF_SQL + " WHERE g.id = ?", (signoff_id,)).fetchone()
    if row is None:
        return "no such sign-off"
    return _signoff_problem(vault_id, state, row)


def _signoff_problem(vault_id: str, state: Any, row: Any) -> str:
    signoff_id, screening_id, decision, level, comment, seq, digest, sig, name = row[:9]
    entry_hash, signer, entry_record = row[9:12]
    if not state.signed:
        return ""
    if not sig:
        if seq <= state.legacy_until:
            return ""
        return "it is not signed"
    if entry_hash is None or entry_hash != digest or entry_record != signoff_id:
        return "the audit entry it names is not there"
    message = signoff_message(
        vault_id, signoff_id, screening_id, decision, level, comment or "", seq, digest, signer
    )
    if name != signer or not state.signed_by(signer, sig, message):
        return f"it is not signed by {signer}'s registered key"
    role = state.in_force_at(seq).get(signer)
    if role is None or role.role != "dsl":
        return f"{signer} was not a designated safeguarding lead then"
    return ""


class SignoffChecks:
    """(2) Is a sign-off a registered DSL's own? Each signature is checked once per session."""

    def __init__(self, session: Session) -> None:
        self._v = session
        self._ok: dict[str, bool] = {}  # sign-off id -> its signature verified

    def verified(self, signoff_id: str) -> bool:
        """Does this sign-off carry the signature of a DSL in the signed user registry, and
        the audit entry it names? Sign-offs from before per-person keys count as verified
        (the chain covers them); with no signed registry yet nothing can be checked."""
        cached = self._ok.get(signoff_id)
        if cached is not None:
            return cached
        ok = verify_signoff(self._v.conn, self._v.vault_id, self._v.registry, signoff_id) == ""
        self._ok[signoff_id] = ok
        return ok

    def check_all(self, signoff_ids: Iterable[str]) -> dict[str, bool]:
        """``verified`` for many sign-offs, in a few queries."""
        unknown = [i for i in dict.fromkeys(signoff_ids) if i not in self._ok]
        for start in range(0, len(unknown), 500):
            chunk = unknown[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for found in self._v.conn.execute(_SIGNOFF_SQL + f" WHERE g.id IN ({marks})", chunk):
                self._ok[found[0]] = (
                    _signoff_problem(self._v.vault_id, self._v.registry, found) == ""
                )
        return self._ok


# Called after a sign-off is saved: (screening id, its audit entry's seq, whether the child's
# level that drives the due dates changed).
SignedOff = Callable[[str, int, bool], None]


class Signoffs:
    """The sign-off room (``vault.dsl.sign_off`` and friends)."""

    def __init__(
        self,
        session: Session,
        repos: Repositories,
        shelf: ToolShelf,
        checks: SignoffChecks,
        on_signed: SignedOff,
    ) -> None:
        self._v = session
        self._repos = repos
        self._shelf = shelf
        self._checks = checks
        self._on_signed = on_signed

    def signoff_context(self, screening_id: str) -> SignoffContext:
        self._v.require("dsl")
        row = self._v.conn.execute(
            "SELECT s.id, s.version, s.status, s.child_id, c.ref, c.name, c.alias, s.tool_id,"
            " s.tool_version, s.outcome, s.input, s.suggested_level, s.confirmed_level,"
            " s.confirmed_by, s.confirmed_at, s.confirm_reason"
            " FROM screenings s JOIN children c ON c.id = s.child_id WHERE s.id = ?",
            (screening_id,),
        ).fetchone()
        if row is None:
            raise UserError("That screening no longer exists.")
        tool = self._shelf.tool(row[7], row[8])
        if tool is None:
            raise UserError(
                f"The screening tool '{row[7]}' version {row[8]} is not installed, so this "
                "screening cannot be signed off here. Install that tool version."
            )
        outcome = json.loads(row[9]) if row[9] else None
        if outcome is None:
            raise UserError("This screening has no outcome yet; the worker must finish it first.")
        minimum = outcome.get("minimum_level")
        if minimum not in tool.level_ids:
            minimum = screening.evaluate(
                tool, screening.ScreeningInput.from_dict(json.loads(row[10]))
            ).minimum_level
        floors = tuple(
            str(f.get("text", "")) for f in outcome.get("floors_applied", []) if isinstance(f, dict)
        )
        return SignoffContext(
            screening_id=row[0],
            version=row[1],
            status=row[2],
            child_id=row[3],
            child_ref=row[4],
            child_label=child_label(row[5], row[6], row[4]),
            tool_id=row[7],
            tool_version=row[8],
            tool_name=tool.name,
            levels=tuple((lv.id, lv.label) for lv in tool.levels),
            suggested_level=row[11],
            confirmed_level=row[12],
            minimum_level=str(minimum),
            floor_reasons=floors,
            confirmed_by=row[13] or "",
            confirmed_at=parse_utc(row[14]) if row[14] else None,
            confirm_reason=row[15] or "",
        )

    def sign_off(
        self,
        screening_id: str,
        decision: str,
        *,
        level: str | None = None,
        comment: str = "",
        expected_version: int | None = None,
    ) -> SignOff:
        """Agree, change the level (with a reason) or return to the worker (with a comment)."""
        self._v.require("dsl")
        if decision not in DECISIONS:
            raise UserError(f"Unknown decision '{decision}': agree, change or return.")
        ctx = self.signoff_context(screening_id)
        if ctx.status in ("signed_off", "returned") and not self._latest_signoff_verified(
            screening_id
        ):
            ctx = replace(ctx, status="confirmed")  # a forged sign-off does not count
        if ctx.status != "confirmed":
            state = {
                "in_progress": "is still in progress",
                "signed_off": "is already signed off",
                "returned": "has been returned to the worker",
            }.get(ctx.status, ctx.status)
            raise UserError(f"This screening {state}; there is nothing to sign off.")
        if expected_version is not None and expected_version != ctx.version:
            raise UserError(
                "This screening changed since you opened it. Open it again to see "
                "the latest version; nothing was signed off."
            )
        comment = comment.strip()
        new_level = self._new_level(ctx, decision, level, comment)
        status = "returned" if decision == "return" else "signed_off"
        signoff_id = str(uuid.uuid4())
        now = self._v.now_iso()
        # Levels are ids, not personal data; the reason and comment stay out of the audit row.
        reason = f"screening={screening_id} level={new_level or ''}"
        if decision == "change":
            reason += f" from={ctx.confirmed_level or ''}"
        c = self._v.conn
        with self._v.write("the sign-off"):
            updated = c.execute(
                "UPDATE screenings SET status = ?, version = version + 1, updated_at = ?"
                " WHERE id = ? AND version = ?",
                (status, now, screening_id, ctx.version),
            ).rowcount
            if updated != 1:
                raise UserError(
                    "This screening changed while you were signing it off; "
                    "nothing was saved. Open it again."
                )
            rows.touch(c, "screenings", [screening_id])  # bound by the sign-off's entry
            if decision == "change" and new_level and self._is_latest(ctx):
                self._repos.set_confirmed_level(ctx.child_id, new_level, ctx.tool_id)
            lowered = screening.is_lowered(
                self._shelf.tool(ctx.tool_id, ctx.tool_version),
                ctx.suggested_level,
                ctx.confirmed_level,
            )
            if decision == "agree" and lowered and ctx.confirmed_level and self._is_latest(ctx):
                # SAFETY.md R7: the worker's lower level drives the case only from now on.
                self._repos.set_confirmed_level(ctx.child_id, ctx.confirmed_level, ctx.tool_id)
            head = self._v.audit(f"signoff.{decision}", "signoff", signoff_id, 1, reason)
            saved_level = None if decision == "return" else new_level
            sig = self._v.sign(
                signoff_message(
                    self._v.vault_id,
                    signoff_id,
                    screening_id,
                    decision,
                    saved_level,
                    comment,
                    head.seq,
                    head.hash,
                    self._v.user.name,
                )
            )
            if not sig:
                raise UserError(
                    "Signing off needs your own signature: lock and unlock with "
                    "your passphrase, then sign off again."
                )
            c.execute(
                "INSERT INTO signoffs (id, origin, created_at, created_by, updated_at,"
                " screening_id, decision, level, comment, chain_seq, chain_hash, sig)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    signoff_id,
                    self._v.vault_id,
                    now,
                    self._v.user.id,
                    now,
                    screening_id,
                    decision,
                    saved_level,
                    comment,
                    head.seq,
                    head.hash,
                    sig,
                ),
            )
        self._on_signed(
            screening_id, head.seq, decision == "change" or (decision == "agree" and lowered)
        )
        return SignOff(
            signoff_id,
            screening_id,
            decision,
            saved_level,
            comment,
            head.seq,
            head.hash,
            parse_utc(now),
        )

    @staticmethod
    def _new_level(
        ctx: SignoffContext, decision: str, level: str | None, comment: str
    ) -> str | None:
        """The level the sign-off records, after checking the decision's rules."""
        if decision == "change":
            ids = [lid for lid, _ in ctx.levels]
            if level not in ids:
                raise UserError(
                    f"Choose one of the tool's levels: "
                    f"{', '.join(label for _, label in ctx.levels)}."
                )
            if level == ctx.confirmed_level:
                raise UserError(
                    f"The level is already {ctx.label(level)}. Choose Agree to keep "
                    "it, or choose a different level."
                )
            if ids.index(level) < ids.index(ctx.minimum_level):
                why = " ".join(r for r in ctx.floor_reasons if r) or "a floor rule applies"
                raise UserError(
                    f"The level cannot be lower than {ctx.label(ctx.minimum_level)} for this "
                    f"screening: {why} Nothing was changed."
                )
            if not comment:
                raise UserError(
                    f"Say why you are changing the level to {ctx.label(level)}: "
                    "a reason is required."
                )
            return level
        if decision == "return" and not comment:
            raise UserError(
                "Say what the worker needs to look at again: a comment is required "
                "when returning a screening."
            )
        return ctx.confirmed_level

    def _is_latest(self, ctx: SignoffContext) -> bool:
        row = self._v.conn.execute(
            "SELECT id FROM screenings WHERE child_id = ? AND status IN ('confirmed',"
            " 'signed_off') ORDER BY screened_at DESC, rowid DESC LIMIT 1",
            (ctx.child_id,),
        ).fetchone()
        return row is None or row[0] == ctx.screening_id

    def signoffs_for(self, screening_id: str) -> list[SignOff]:
        self._v.require("dsl")
        rows = self._v.conn.execute(
            "SELECT id, screening_id, decision, level, comment, chain_seq, chain_hash, created_at"
            " FROM signoffs WHERE screening_id = ? ORDER BY created_at, rowid",
            (screening_id,),
        ).fetchall()
        return [
            SignOff(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                parse_utc(r[7]),
                self._checks.verified(r[0]),
            )
            for r in rows
        ]

    def signoff_verified(self, signoff_id: str) -> bool:
        return self._checks.verified(signoff_id)

    def _latest_signoff_verified(self, screening_id: str) -> bool:
        row = self._v.conn.execute(
            "SELECT id FROM signoffs WHERE screening_id = ? ORDER BY created_at DESC, rowid DESC"
            " LIMIT 1",
            (screening_id,),
        ).fetchone()
        return row is not None and self._checks.verified(row[0])
