"""Actions: something a named person of this vault does by a date, about a child or an incident.

``vault.actions`` (``ActionsRepository``). Who may do what:

- a worker or a DSL adds an action for themselves ("me") or any active worker or DSL of the
  signed user registry (an admin manages users only and takes no actions), about a child they
  may see or an incident about one;
- everyone sees the actions assigned to them ("My actions"), whatever the child, and the
  actions about a child they may see (the child's page); a DSL sees all (the review queue);
- the assignee, the person who set the action, or a DSL marks it done, with a note (for a
  return interview the note is its outcome).

Every change is written through ``rows.ACTIONS`` and audited (ids only, never the words).
Overdue is ``core.actions.is_overdue``, the pathway's rule, on the session's clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from cse_toolkit.core.actions import RETURN_INTERVIEW, Action, return_interview_due
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.ids import new_id
from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.vault import rows

if TYPE_CHECKING:
    from cse_toolkit.core.entities import Child, User
    from cse_toolkit.vault.session import Session

MAX_TITLE = 500
MAX_NOTE = 20_000
ME = "me"

_COLS = (
    "a.id, a.title, a.assignee, a.due_at, a.child_id, a.incident_id, a.missing_id, a.kind,"
    " a.status, a.done_at, a.done_by, a.done_note, a.created_by, a.created_at, a.version,"
    " a.origin, COALESCE(c.ref, ''), COALESCE(c.name, ''), COALESCE(c.alias, ''), c.owner_id"
)
# An action's child: its own, or (for an action about an incident) none; the child list of
# an incident is read separately.
_FROM = "FROM actions a LEFT JOIN children c ON c.id = a.child_id"


def assignable_users(session: Session) -> list[User]:
    """The people an action can be given to: active workers and DSLs, and (once the registry
    is signed) only those the signed registry lists as active."""
    signed = session.registry.current if session.registry.signed else None
    out = []
    for u in session.users():
        if not u.active or u.role not in ("worker", "dsl"):
            continue
        entry = signed.get(u.name) if signed is not None else None
        if signed is not None and (entry is None or entry.id != u.id or not entry.active):
            continue
        out.append(u)
    return out


def resolve_assignee(session: Session, who: str) -> User:
    """ "me", or a user's name or id, among ``assignable_users``; else a plain message."""
    wanted = who.strip()
    if not wanted or wanted.lower() == ME:
        if session.user.role not in ("worker", "dsl"):
            raise PermissionDenied("An admin account manages users only and takes no actions.")
        return session.user
    people = assignable_users(session)
    for u in people:
        if wanted == u.id or wanted.lower() in (u.name.lower(), u.label.lower()):
            return u
    names = ", ".join(u.name for u in people) or "nobody yet"
    raise UserError(
        f"'{wanted}' is not a worker or DSL of this vault. Give the action to 'me' or to one "
        f"of: {names}."
    )


def insert_action(
    session: Session,
    title: str,
    due_at: datetime,
    assignee: User,
    *,
    child_id: str | None,
    incident_id: str | None = None,
    missing_id: str | None = None,
    kind: str = "",
) -> str:
    """Inside or outside a write: one new action, audited. The callers check the child."""
    title = " ".join(title.split())
    if not title:
        raise UserError("Say what has to be done.")
    if len(title) > MAX_TITLE:
        raise UserError(f"Keep the action to {MAX_TITLE} characters; put the rest in a note.")
    if due_at.tzinfo is None:
        raise UserError("The due date needs a time zone.")
    action_id = new_id()
    now = session.now_iso()
    with session.write("the action"):
        rows.ACTIONS.insert(
            session.conn,
            [
                {
                    "id": action_id,
                    "origin": session.vault_id,
                    "created_at": now,
                    "created_by": session.user.id,
                    "updated_at": now,
                    "title": title,
                    "assignee": assignee.id,
                    "due_at": utc_iso(due_at),
                    "child_id": child_id,
                    "incident_id": incident_id,
                    "missing_id": missing_id,
                    "kind": kind,
                }
            ],
        )
        session.audit("action.create", "action", action_id, 1, f"kind={kind or 'action'}")
    return action_id


def add_return_interview(
    session: Session, child_id: str, episode_id: str, returned_at: datetime
) -> str:
    """The return-interview action of a missing episode: due 72 hours after the return, for
    the person who recorded the return (they can give it to someone else by doing it again
    for them, or a DSL can)."""
    open_one = session.conn.execute(
        "SELECT id FROM actions WHERE missing_id = ? AND kind = ? AND status = 'open'",
        (episode_id, RETURN_INTERVIEW),
    ).fetchone()
    if open_one is not None:
        return str(open_one[0])
    return insert_action(
        session,
        "Independent return interview (within 72 hours of return)",
        return_interview_due(returned_at),
        session.user,
        child_id=child_id,
        missing_id=episode_id,
        kind=RETURN_INTERVIEW,
    )


class Children(Protocol):
    """The one thing needed of ``vault.repos``: a child the signed-in person may see (the
    role check), or ``UserError``."""

    def get_child(self, child_id: str) -> Child: ...


class ActionsRepository:
    def __init__(self, session: Session, repos: Children) -> None:
        self._v = session
        self._repos = repos

    @property
    def _c(self) -> Any:
        return self._v.conn

    def assignable(self) -> list[User]:
        return assignable_users(self._v)

    def add(
        self,
        title: str,
        due_at: datetime,
        *,
        assignee: str = ME,
        child_id: str | None = None,
        incident_id: str | None = None,
    ) -> Action:
        """A new action for ``assignee`` ("me", a name or a user id) about a child or an
        incident the signed-in person may see."""
        self._v.require("worker", "dsl")
        if not child_id and not incident_id:
            raise UserError("Say which child or incident the action is about.")
        person = resolve_assignee(self._v, assignee)
        cid = self._repos.get_child(child_id).id if child_id else None
        iid = None
        if incident_id:
            iid = self._visible_incident(incident_id)
        action_id = insert_action(self._v, title, due_at, person, child_id=cid, incident_id=iid)
        return self.get(action_id)

    def _visible_incident(self, incident_id: str) -> str:
        kids = [
            r[0]
            for r in self._c.execute(
                "SELECT child_id FROM incident_children WHERE incident_id = ?", (incident_id,)
            )
        ]
        if not kids:
            raise UserError("That incident cannot be found.")
        for cid in kids:
            try:
                self._repos.get_child(cid)
                return incident_id
            except UserError:
                continue
        raise UserError("That incident cannot be found.")

    def _rows(self, where: str, params: tuple[Any, ...]) -> list[Action]:
        users = {u.id: u.label for u in self._v.users()}
        found = self._c.execute(
            f"SELECT {_COLS} {_FROM} WHERE {where} ORDER BY a.status, a.due_at, a.rowid", params
        ).fetchall()
        out = []
        me = self._v.user
        for r in found:
            # Whose child it is decides whether its name may be shown: a DSL's, the owner's.
            may_see = me.role == "dsl" or r[19] == me.id
            label = r[17] if r[17] and not r[18] else f"{r[17]} ({r[18]})" if r[17] else r[18]
            out.append(
                Action(
                    id=r[0],
                    title=r[1],
                    assignee=r[2],
                    assignee_label=users.get(r[2], r[2].removeprefix("import:")),
                    due_at=parse_utc(r[3]),
                    child_id=r[4],
                    incident_id=r[5],
                    missing_id=r[6],
                    kind=r[7],
                    status=r[8],
                    done_at=parse_utc(r[9]) if r[9] else None,
                    done_by=users.get(r[10], r[10].removeprefix("import:")),
                    done_note=r[11],
                    created_by=r[12],
                    set_by=users.get(r[12], r[12].removeprefix("import:")),
                    created_at=r[13],
                    version=r[14],
                    origin="" if r[15] == self._v.vault_id else r[15],
                    child_ref=r[16],
                    child_label=(label or r[16]) if may_see else r[16],
                )
            )
        return out

    def get(self, action_id: str) -> Action:
        found = self._rows("a.id = ?", (action_id,))
        if not found or not self._may_see(found[0]):
            raise UserError("That action cannot be found.")
        return found[0]

    def _may_see(self, action: Action) -> bool:
        me = self._v.user
        if me.role == "dsl" or action.assignee == me.id:
            return True
        if me.role != "worker":
            return False
        try:
            if action.child_id:
                self._repos.get_child(action.child_id)
            elif action.incident_id:
                self._visible_incident(action.incident_id)
            return True
        except UserError:
            return False

    def mine(self, *, include_done: bool = False) -> list[Action]:
        """The signed-in person's own actions: open ones by due date (then done ones)."""
        status = "" if include_done else " AND a.status = 'open'"
        return self._rows(f"a.assignee = ?{status}", (self._v.user.id,))

    def for_child(self, child_id: str) -> list[Action]:
        """Actions about the child, or about an incident the child is part of."""
        child = self._repos.get_child(child_id)
        return self._rows(
            "a.child_id = ? OR a.incident_id IN"
            " (SELECT incident_id FROM incident_children WHERE child_id = ?)",
            (child.id, child.id),
        )

    def for_missing(self, episode_id: str) -> list[Action]:
        return [a for a in self._rows("a.missing_id = ?", (episode_id,)) if self._may_see(a)]

    def all_open(self) -> list[Action]:
        """Every open action (a DSL's view: the review queue)."""
        self._v.require("dsl")
        return self._rows("a.status = 'open'", ())

    def done(self, action_id: str, note: str) -> Action:
        """Mark an action done with a note of what was done (a return interview: its outcome)."""
        self._v.require("worker", "dsl")
        action = self.get(action_id)
        me = self._v.user
        if action.status == "done":
            raise UserError("This action is already done.")
        mine = me.id in (action.assignee, action.created_by)
        if not (mine or me.role == "dsl"):
            raise PermissionDenied(
                f"Only {action.assignee_label}, the person who set the action or a DSL can "
                "mark it done."
            )
        note = note.strip()
        if not note:
            what = (
                "the outcome of the interview"
                if action.kind == RETURN_INTERVIEW
                else "what was done"
            )
            raise UserError(f"Write {what} before marking it done.")
        if len(note) > MAX_NOTE:
            raise UserError(f"The note is too long (limit {MAX_NOTE:,} characters).")
        now = self._v.now_iso()
        with self._v.write("the action"):
            rows.ACTIONS.update(
                self._c,
                action.id,
                {
                    "status": "done",
                    "done_at": now,
                    "done_by": me.id,
                    "done_note": note,
                    "updated_at": now,
                },
                bump=True,
            )
            self._v.audit("action.done", "action", action.id, action.version + 1)
        return self.get(action.id)
