"""Incidents: one note or intelligence fact about several children, written once.

``vault.incidents`` (``IncidentsRepository``). An incident is one ``incidents`` record and one
``incident_children`` link per child, written together in one transaction and audited once
(``incident.create``; the reason holds only how many children, never who). Each linked child's
chronology shows it once (``chronology_items``), naming the other children only where the
viewer may see them (``core.actions.other_children``: a DSL, and the author in this vault, see
every name; anyone else "N other children").

An incident that came in a pack is linked to the pack's child; the other children the sender
named (only when they chose to) or counted are kept as words in ``elsewhere``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from cse_toolkit.core.actions import (
    INCIDENT_KINDS,
    Incident,
    OtherChildren,
    Viewer,
    other_children,
)
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.entities import ChronologyItem
from cse_toolkit.core.ids import new_id
from cse_toolkit.errors import UserError
from cse_toolkit.vault import rows

if TYPE_CHECKING:
    from cse_toolkit.core.entities import Child
    from cse_toolkit.vault.session import Session

MAX_BODY = 200_000
MAX_CHILDREN = 50

_COLS = "id, kind, event_at, body, place, author_id, elsewhere, version, origin, created_at"


def _elsewhere(text: str) -> tuple[tuple[str, ...], int]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return (), 0
    if not isinstance(data, dict):
        return (), 0
    names = data.get("names", [])
    count = data.get("count", 0)
    safe_names = tuple(str(n) for n in names if isinstance(n, str))[:MAX_CHILDREN]
    return safe_names, count if isinstance(count, int) and 0 <= count <= 10_000 else 0


class Children(Protocol):
    """The one thing needed of ``vault.repos``: a child the signed-in person may see (the
    role check), or ``UserError``."""

    def get_child(self, child_id: str) -> Child: ...


class IncidentsRepository:
    def __init__(self, session: Session, repos: Children) -> None:
        self._v = session
        self._repos = repos

    @property
    def _c(self) -> Any:
        return self._v.conn

    def add(
        self,
        child_ids: list[str],
        body: str,
        event_at: datetime,
        *,
        kind: str = "note",
        place: str = "",
    ) -> Incident:
        """One incident linked to every child in ``child_ids`` (ids or refs the signed-in
        person may see), in one transaction."""
        self._v.require("worker", "dsl")
        if kind not in INCIDENT_KINDS:
            raise UserError("An incident is a note or an intelligence fact.")
        body = body.strip()
        if not body:
            raise UserError("Write what happened before saving the incident.")
        if len(body) > MAX_BODY:
            raise UserError(f"The incident is too long (limit {MAX_BODY:,} characters).")
        ids: list[str] = []
        for given in child_ids:
            cid = self._repos.get_child(given).id  # the role check, and refs to ids
            if cid not in ids:
                ids.append(cid)
        if not ids:
            raise UserError("Choose the children this incident is about.")
        if len(ids) > MAX_CHILDREN:
            raise UserError(f"Link at most {MAX_CHILDREN} children to one incident.")
        if event_at.tzinfo is None:
            raise UserError("The time of the incident needs a time zone.")
        incident_id = new_id()
        now = self._v.now_iso()
        with self._v.write("the incident"):
            rows.INCIDENTS.insert(
                self._c,
                [
                    {
                        "id": incident_id,
                        "origin": self._v.vault_id,
                        "created_at": now,
                        "created_by": self._v.user.id,
                        "updated_at": now,
                        "kind": kind,
                        "author_id": self._v.user.id,
                        "event_at": utc_iso(event_at),
                        "place": place.strip(),
                        "body": body,
                    }
                ],
            )
            rows.INCIDENT_CHILDREN.insert(
                self._c, [{"incident_id": incident_id, "child_id": cid} for cid in ids]
            )
            self._v.audit("incident.create", "incident", incident_id, 1, f"children={len(ids)}")
        return self.get(incident_id)

    def _incident(self, row: Any) -> Incident:
        kids = tuple(
            r[0]
            for r in self._c.execute(
                "SELECT child_id FROM incident_children WHERE incident_id = ? ORDER BY rowid",
                (row[0],),
            )
        )
        names, count = _elsewhere(row[6])
        return Incident(
            id=row[0],
            kind=row[1],
            event_at=parse_utc(row[2]),
            body=row[3],
            place=row[4],
            author_id=row[5],
            child_ids=kids,
            elsewhere_names=names,
            elsewhere_count=count,
            version=row[7],
            origin="" if row[8] == self._v.vault_id else row[8],
            created_at=row[9],
        )

    def get(self, incident_id: str) -> Incident:
        """An incident about at least one child the signed-in person may see."""
        row = self._c.execute(
            f"SELECT {_COLS} FROM incidents WHERE id = ?", (incident_id,)
        ).fetchone()
        if row is None:
            raise UserError("That incident cannot be found.")
        incident = self._incident(row)
        if not any(self._sees(cid) for cid in incident.child_ids):
            raise UserError("That incident cannot be found.")
        return incident

    def _sees(self, child_id: str) -> bool:
        try:
            self._repos.get_child(child_id)
        except UserError:
            return False
        return True

    def for_child(self, child_id: str) -> list[tuple[Incident, OtherChildren]]:
        """The child's incidents, oldest first, each with its other children as the
        signed-in person may see them."""
        child = self._repos.get_child(child_id)
        found = self._c.execute(
            f"SELECT {_COLS} FROM incidents WHERE id IN"
            " (SELECT incident_id FROM incident_children WHERE child_id = ?)"
            " ORDER BY event_at, created_at",
            (child.id,),
        ).fetchall()
        incidents = [self._incident(r) for r in found]
        if not incidents:
            return []
        viewer = self._viewer()
        labels = self._labels({cid for i in incidents for cid in i.child_ids})
        return [
            (i, other_children(i, child.id, viewer, labels, local_vault=self._v.vault_id))
            for i in incidents
        ]

    def _viewer(self) -> Viewer:
        me = self._v.user
        if me.role == "dsl":
            return Viewer(me.id, True)
        visible = frozenset(
            r[0] for r in self._c.execute("SELECT id FROM children WHERE owner_id = ?", (me.id,))
        )
        return Viewer(me.id, False, visible)

    def _labels(self, ids: set[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        wanted = sorted(ids)
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            for cid, ref, name, alias in self._c.execute(
                f"SELECT id, ref, name, alias FROM children WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                out[cid] = f"{name} ({alias})" if name and alias else name or alias or ref
        return out

    def chronology_items(self, child_id: str, who: Callable[[str], str]) -> list[ChronologyItem]:
        """The child's incidents as chronology lines (``repos.chronology``)."""
        from cse_toolkit.core.actions import other_children_words

        items = []
        for incident, others in self.for_child(child_id):
            what = "Intelligence fact" if incident.kind == "intelligence" else "Note"
            title = f"Incident ({what.lower()}) about {others.total + 1} children"
            if not others.total:
                title = f"Incident ({what.lower()})"
            detail = f"At {incident.place}: {incident.body}" if incident.place else incident.body
            also = other_children_words(others)
            items.append(
                ChronologyItem(
                    incident.event_at,
                    "incident",
                    incident.id,
                    title,
                    f"{detail}\n{also}" if also else detail,
                    who(incident.author_id),
                    incident.origin,
                )
            )
        return items

    # -- imports (inside the import's write; ``services.record_kinds``) ---------------------
    def write_imported(self, row: dict[str, Any], child_id: str | None, *, new: bool) -> None:
        """An incident from a pack, linked to the pack's child."""
        if new:
            rows.INCIDENTS.insert(self._c, [row])
            if child_id:
                rows.INCIDENT_CHILDREN.insert(
                    self._c, [{"incident_id": row["id"], "child_id": child_id}]
                )
            return
        values = {k: v for k, v in row.items() if k not in ("id", "created_at", "created_by")}
        rows.INCIDENTS.update(self._c, row["id"], values)
        if child_id:
            self.link_imported(row["id"], child_id)

    def link_imported(self, incident_id: str, child_id: str) -> None:
        """A pack about another child of an incident already here: link that child too (it was
        one of the incident's unnamed or named others, so it leaves that count)."""
        linked = self._c.execute(
            "SELECT 1 FROM incident_children WHERE incident_id = ? AND child_id = ?",
            (incident_id, child_id),
        ).fetchone()
        if linked is not None:
            return
        rows.INCIDENT_CHILDREN.insert(self._c, [{"incident_id": incident_id, "child_id": child_id}])
        found = self._c.execute(
            "SELECT elsewhere FROM incidents WHERE id = ?", (incident_id,)
        ).fetchone()
        names, count = _elsewhere(found[0] if found else "{}")
        if count:
            elsewhere = json.dumps({"names": list(names), "count": count - 1})
            rows.INCIDENTS.update(self._c, incident_id, {"elsewhere": elsewhere})

    def pack_view(self, incident_id: str) -> tuple[Incident, tuple[str, ...], int]:
        """(the incident, the other children named in it, how many others are unnamed) as a
        receiver compares an incoming copy: named only where a pack named them."""
        incident = self.get(incident_id)
        linked_others = max(0, len(incident.child_ids) - 1)
        return incident, incident.elsewhere_names, incident.elsewhere_count + linked_others


def elsewhere_json(names: list[str], count: int) -> str:
    """The ``elsewhere`` column of an imported incident."""
    return json.dumps({"names": names[:MAX_CHILDREN], "count": count}, ensure_ascii=False)
