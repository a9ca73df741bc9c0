"""My details, per user, inside the encrypted vault (issue 14 item 3).

Kept in the ``meta`` table under ``user_details:<user id>`` as JSON: the details themselves
(``core/my_details.py``) and whether the person has been offered the form (at first run, or
when they first unlock a vault made before My details). Nothing about them leaves the
database; each save is audited (``user.details``, no personal data in the entry).

They are not in the ``users`` row: that row is bound to the signed user registry, and a person
changing their phone number must not need an admin to sign a new registry version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cse_toolkit.core import my_details as md
from cse_toolkit.errors import UserError
from cse_toolkit.vault.session import Session

_PREFIX = "user_details:"


@dataclass(frozen=True)
class Stored:
    details: md.MyDetails
    offered: bool = False  # the form was shown once (filled in or skipped)


def _key(user_id: str) -> str:
    return _PREFIX + user_id


def load(session: Session, user_id: str | None = None) -> Stored:
    """The signed-in person's details (or another user's, for ``user_id``)."""
    row = session.conn.execute(
        "SELECT value FROM meta WHERE key = ?", (_key(user_id or session.user.id),)
    ).fetchone()
    if row is None:
        return Stored(md.MyDetails())
    try:
        raw = row[0]
        data: Any = json.loads(raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw)
    except (ValueError, UnicodeDecodeError):
        return Stored(md.MyDetails())
    if not isinstance(data, dict):
        return Stored(md.MyDetails())
    return Stored(
        md.from_json(data.get("details")),
        offered=data.get("offered") is True,
    )


def details(session: Session) -> md.MyDetails:
    return load(session).details


def _store(session: Session, stored: Stored) -> None:
    body = json.dumps(
        {
            "details": stored.details.to_json(),
            "offered": stored.offered,
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    session.conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (_key(session.user.id), body),
    )


def save(session: Session, new: md.MyDetails) -> md.MyDetails:
    """Check, tidy and keep the signed-in person's details; audited. Raises UserError."""
    new = md.cleaned(new)
    found = md.problems(new)
    if found:
        raise UserError(" ".join(found))
    with session.write("your details"):
        _store(session, Stored(new, offered=True))
        filled = sum(1 for name in md.field_names() if getattr(new, name))
        session.audit("user.details", "user", session.user.id, None, f"fields={filled}")
    return new


def mark_offered(session: Session) -> None:
    """Remember that the form was offered (and skipped): it is not offered again."""
    before = load(session)
    if before.offered:
        return
    with session.write("your details"):
        _store(session, Stored(before.details, offered=True))
