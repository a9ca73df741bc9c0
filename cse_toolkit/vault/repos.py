"""Repositories: the vault's records as entities, with role rules and audit on every change.

Role rules live here (and in the GUI, which hides what a role cannot do): a ``worker`` sees and
edits the children they own; a ``dsl`` sees all children; an ``admin`` manages users only.
Every create/update/delete writes an audit row in the same transaction; reading a child's record
writes a ``view`` row.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from cse_toolkit.core import catalogue
from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.entities import (
    Child,
    ChronologyItem,
    Draft,
    ImportOrigin,
    MissingEpisode,
    Note,
    NoteAmendment,
    ScreeningRecord,
    StepRecord,
)

# The id helpers are core's (core/ids.py); kept importable here for the vault's callers.
from cse_toolkit.core.ids import new_id as new_id
from cse_toolkit.core.ids import ref_for as ref_for
from cse_toolkit.core.safetext import unstorable
from cse_toolkit.core.screening import driving_level, is_lowered
from cse_toolkit.errors import PermissionDenied, UserError
from cse_toolkit.fsutil import DiskFullError
from cse_toolkit.vault import case_store, rows

# A stored step's fields for the engine: one definition, shared with the case store.
_step_data = case_store.step_data

if TYPE_CHECKING:
    from collections.abc import Callable

    from cse_toolkit.vault.session import Session

MAX_TEXT = 200_000  # characters in one note: far beyond any real note, well below memory limits
# A draft may hold more than a note can (a long paste is kept, and the editor says it must be
# shortened before it can be saved); still bounded so a runaway paste cannot exhaust memory.
MAX_DRAFT = 2_000_000


def level_reason(level: str, tool_id: str) -> str:
    """The audit reason of a ``child.level`` entry (ids only, never personal data)."""
    return f"level={level} tool={tool_id or ''}"


def _tool_or_none(tool_id: str, version: str | None) -> Any:

    try:
        return catalogue.load_tool(tool_id, version)
    except UserError:
        return None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _check_text(value: str, what: str) -> str:
    if len(value) > MAX_TEXT:
        raise UserError(f"The {what} is too long ({len(value):,} characters; limit {MAX_TEXT:,}).")
    return value


_CHILD_COLS = (
    "id, ref, owner_id, version, name, alias, dob, approx_age, approx_age_on, gender, ethnicity,"
    " school, address, household, parental_responsibility, learning_disability, additional_needs,"
    " details, confirmed_level, level_tool, status, created_at, updated_at, origin"
)
_CHILD_FIELDS = rows.CHILD_FIELDS


def _child(row: Any) -> Child:
    return Child(
        id=row[0],
        ref=row[1],
        owner_id=row[2],
        version=row[3],
        name=row[4],
        alias=row[5],
        dob=_date(row[6]),
        approx_age=row[7],
        approx_age_on=_date(row[8]),
        gender=row[9],
        ethnicity=row[10],
        school=row[11],
        address=row[12],
        household=row[13],
        parental_responsibility=row[14],
        learning_disability=bool(row[15]),
        additional_needs=bool(row[16]),
        details=json.loads(row[17] or "{}"),
        confirmed_level=row[18],
        level_tool=row[19],
        status=row[20],
        created_at=row[21],
        updated_at=row[22],
        origin=row[23],
    )


# A child's one-line fields travel in packs as at most 500 characters (packs/schema.py's
# MAX_SHORT); longer is refused here, naming the field, rather than failing at export.
_SHORT_CHILD_FIELDS = ("name", "alias", "gender", "ethnicity")
MAX_SHORT = 500
EARLIEST_YEAR = 1900


def _check_child_value(field: str, value: Any, today: date) -> None:
    """Refuse what a child's record cannot hold, naming the field (issue 22 item 6)."""
    words = "date of birth" if field == "dob" else field.replace("_", " ")
    if isinstance(value, str) and field in _SHORT_CHILD_FIELDS and len(value) > MAX_SHORT:
        raise UserError(
            f"The {words} is too long ({len(value):,} characters; limit {MAX_SHORT}). "
            "Put the rest in the details or a note."
        )
    if field in ("dob", "approx_age_on") and isinstance(value, date):
        if value.year < EARLIEST_YEAR:
            raise UserError(f"The {words} is before {EARLIEST_YEAR}. Check the year.")
        if value > today:
            raise UserError(f"The {words} is in the future. Check the date.")


def _db_value(field: str, value: Any) -> Any:
    if field in ("dob", "approx_age_on"):
        return value.isoformat() if value else None
    if field in ("learning_disability", "additional_needs"):
        return int(bool(value))
    if field == "details":
        return json.dumps(value or {}, ensure_ascii=False)
    if isinstance(value, str):
        return _check_text(value, field.replace("_", " "))
    return value


_NOTE_COLS = (
    "id, child_id, author_id, event_at, body, place, category, source, reported_by, version,"
    " created_at, updated_at, origin"
)


def _note(row: Any) -> Note:
    return Note(
        id=row[0],
        child_id=row[1],
        author_id=row[2],
        event_at=parse_utc(row[3]),
        body=row[4],
        place=row[5],
        category=row[6],
        source=row[7],
        reported_by=row[8],
        version=row[9],
        created_at=row[10],
        updated_at=row[11],
        origin=row[12],
    )


_SCREEN_COLS = (
    "id, child_id, tool_id, tool_version, screened_at, input, outcome, suggested_level,"
    " confirmed_level, confirmed_by, confirmed_at, confirm_reason, status, created_by, version"
)


def _screening(row: Any) -> ScreeningRecord:
    return ScreeningRecord(
        id=row[0],
        child_id=row[1],
        tool_id=row[2],
        tool_version=row[3],
        screened_at=parse_utc(row[4]),
        input=json.loads(row[5]),
        outcome=json.loads(row[6]) if row[6] else None,
        suggested_level=row[7],
        confirmed_level=row[8],
        confirmed_by=row[9],
        confirmed_at=row[10],
        confirm_reason=row[11],
        status=row[12],
        created_by=row[13],
        version=row[14],
    )


_MISSING_COLS = (
    "id, child_id, from_at, to_at, where_found, return_interview, notes, version, created_by,"
    " reported_at, police_ref, returned_by"
)


def _missing(r: Any) -> MissingEpisode:
    return MissingEpisode(
        r[0],
        r[1],
        parse_utc(r[2]),
        parse_utc(r[3]) if r[3] else None,
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        parse_utc(r[9]) if r[9] else None,
        r[10],
        r[11],
    )


def _check_missing_times(
    from_at: datetime, to_at: datetime | None, reported_at: datetime | None
) -> None:
    if to_at is not None and to_at < from_at:
        raise UserError("The child cannot be found before they went missing. Check the dates.")
    if reported_at is not None and reported_at < from_at:
        raise UserError("The police cannot be told before the child went missing. Check the dates.")


class IncidentLines(Protocol):
    """``vault.incidents`` as the chronology needs it (kept a protocol: no import cycle)."""

    def chronology_items(
        self, child_id: str, who: Callable[[str], str]
    ) -> list[ChronologyItem]: ...


def _origin(row_origin: str, pack_id: str | None, vault: Any) -> str:
    """'' for a record made in this vault; else the id of the pack it was imported from."""
    if row_origin == vault.vault_id:
        return ""
    return pack_id or (row_origin[7:] if row_origin.startswith("import:") else "import")


class Repositories:
    def __init__(self, vault: Session) -> None:
        self._v = vault
        # Set by the vault once built (incidents need these repositories for role checks).
        self._incidents: IncidentLines | None = None

    def attach_incidents(self, incidents: IncidentLines) -> None:
        self._incidents = incidents

    @property
    def _c(self) -> Any:
        return self._v.conn

    def _record_meta(self) -> tuple[str, str, str, str]:
        now = self._v.now_iso()
        return now, self._v.user.id, self._v.vault_id, now

    # -- children ------------------------------------------------------------------------
    def _visible_clause(self) -> tuple[str, tuple[Any, ...]]:
        role = self._v.user.role
        if role == "dsl":
            return "1=1", ()
        if role == "worker":
            return "owner_id = ?", (self._v.user.id,)
        raise PermissionDenied(
            "An admin account manages users only and cannot see children's records."
        )

    def list_children(self, text: str = "") -> list[Child]:
        clause, params = self._visible_clause()
        sql = f"SELECT {_CHILD_COLS} FROM children WHERE {clause}"
        if text:
            like = f"%{text}%"
            sql += " AND (name LIKE ? OR alias LIKE ? OR ref LIKE ? OR school LIKE ?)"
            params = params + (like, like, like, like)
        sql += " ORDER BY name COLLATE NOCASE, alias COLLATE NOCASE"
        return [_child(r) for r in self._c.execute(sql, params).fetchall()]

    def child_rows(self) -> list[tuple[Any, ...]]:
        """Raw rows for the child list (fast path: id, ref, name, alias, dob, approx age,
        approx_age_on, level, updated_at, owner)."""
        clause, params = self._visible_clause()
        return self._c.execute(  # type: ignore[no-any-return]
            "SELECT id, ref, name, alias, dob, approx_age, approx_age_on, confirmed_level,"
            f" updated_at, owner_id, status FROM children WHERE {clause}",
            params,
        ).fetchall()

    def get_child(self, child_id: str, *, log_view: bool = False) -> Child:
        clause, params = self._visible_clause()
        row = self._c.execute(
            f"SELECT {_CHILD_COLS} FROM children WHERE (id = ? OR ref = ?) AND {clause}",
            (child_id, child_id.upper()) + params,
        ).fetchone()
        if row is None:
            raise UserError(f"No child with reference {child_id} that you can see.")
        child = _child(row)
        if log_view:
            self._v.log_view("child", child.id)
        return child

    def possible_duplicates(
        self, name: str, alias: str = "", dob: date | None = None
    ) -> list[Child]:
        """Children whose name, alias or date of birth match: shown before creating one."""
        found: dict[str, Child] = {}
        terms = [t.strip() for t in (name, alias) if t and t.strip()]
        clause, params = self._visible_clause()
        for term in terms:
            like = f"%{term}%"
            for row in self._c.execute(
                f"SELECT {_CHILD_COLS} FROM children WHERE {clause}"
                " AND (name LIKE ? OR alias LIKE ?) LIMIT 20",
                params + (like, like),
            ):
                found[row[0]] = _child(row)
        if dob is not None:
            for row in self._c.execute(
                f"SELECT {_CHILD_COLS} FROM children WHERE {clause} AND dob = ? LIMIT 20",
                params + (dob.isoformat(),),
            ):
                found[row[0]] = _child(row)
        if terms and len(found) < 20:
            # Spelling variants ("Jayde Wilson" / "Jade Wilson"): the connections view's name
            # rules (core.names), over the names and aliases only, then the full rows.
            from cse_toolkit.core.names import names_alike

            alike = [
                r[0]
                for r in self._c.execute(
                    f"SELECT id, name, alias FROM children WHERE {clause}", params
                )
                if r[0] not in found
                and any(names_alike(t, v) for t in terms for v in (r[1], r[2]) if v)
            ][: 20 - len(found)]
            for child_id in alike:
                row = self._c.execute(
                    f"SELECT {_CHILD_COLS} FROM children WHERE id = ?", (child_id,)
                ).fetchone()
                found[row[0]] = _child(row)
        return list(found.values())

    def add_child(self, **fields: Any) -> Child:
        self._v.require("worker", "dsl")
        if not (str(fields.get("name", "")).strip() or str(fields.get("alias", "")).strip()):
            raise UserError("Give at least a name or an alias so you can find this child again.")
        unknown = set(fields) - set(_CHILD_FIELDS) - {"id", "owner_id"}
        if unknown:
            raise ValueError(f"unknown child fields: {sorted(unknown)}")
        if fields.get("approx_age") is not None and fields.get("approx_age_on") is None:
            fields["approx_age_on"] = self._v.now().date()
        age = fields.get("approx_age")
        if age is not None and not (0 <= int(age) <= 25):
            raise UserError("The approximate age must be between 0 and 25.")
        today = self._v.now().date()
        for key, value in fields.items():
            _check_child_value(key, value, today)
        child_id = fields.pop("id", None) or new_id()
        owner = fields.pop("owner_id", None) or self._v.user.id
        now, by, origin, _ = self._record_meta()
        cols = ["id", "ref", "owner_id", "origin", "created_at", "created_by", "updated_at"]
        vals: list[Any] = [child_id, ref_for(child_id), owner, origin, now, by, now]
        for key, value in fields.items():
            cols.append(key)
            vals.append(_db_value(key, value))
        with self._v.write("the child's record"):
            rows.CHILDREN.insert(self._c, [dict(zip(cols, vals, strict=True))])
            self._v.audit("child.create", "child", child_id, 1)
        return self.get_child(child_id)

    def update_child(
        self, child_id: str, expected_version: int | None = None, **fields: Any
    ) -> Child:
        self._v.require("worker", "dsl")
        child = self.get_child(child_id)
        if expected_version is not None and child.version != expected_version:
            raise UserError(
                "Someone else changed this child's details since you opened them. "
                "Reopen the record to see the latest version; your changes were not saved."
            )
        unknown = set(fields) - set(_CHILD_FIELDS)
        if unknown:
            raise ValueError(f"unknown child fields: {sorted(unknown)}")
        if not fields:
            return child
        today = self._v.now().date()
        for key, value in fields.items():
            _check_child_value(key, value, today)
        values = {k: _db_value(k, v) for k, v in fields.items()}
        with self._v.write("the child's record"):
            rows.CHILDREN.update(
                self._c, child.id, {**values, "updated_at": self._v.now_iso()}, bump=True
            )
            self._v.audit("child.update", "child", child.id, child.version + 1)
        return self.get_child(child.id)

    def set_confirmed_level(self, child_id: str, level: str, tool_id: str) -> None:
        """Called inside a write when a screening is confirmed or signed off, a decide step
        is recorded, or a DSL takes a pack's level: the one way a saved child's level changes."""
        from cse_toolkit.vault.messages import level_message

        # (2) Signed by the person setting it.
        signer = self._v.user.name
        sig = self._v.sign(level_message(self._v.vault_id, child_id, level, tool_id, signer))
        rows.set_levels(
            self._c,
            [rows.Level(child_id, level, tool_id, signer if sig else "", sig)],
            self._v.now_iso(),
            bump=True,
        )
        # The level also goes into the (signed, chained) audit trail: a signature on the row
        # alone proves only that this person once set this level, so an older signed level put
        # back with SQL would verify. audit verify compares the row with the newest entry.
        self._v.audit("child.level", "child", child_id, None, level_reason(level, tool_id))

    # -- notes ---------------------------------------------------------------------------
    def add_note(
        self,
        child_id: str,
        body: str,
        event_at: datetime,
        *,
        place: str = "",
        category: str = "observation",
        source: str = "first_hand",
        reported_by: str = "",
        draft_id: str | None = None,
    ) -> Note:
        """Save a note; the draft it came from (if any) is removed in the same transaction."""
        self._v.require("worker", "dsl")
        child = self.get_child(child_id)
        if not body.strip():
            raise UserError("The note is empty. Write what you saw or heard before saving.")
        if source not in ("first_hand", "reported"):
            raise UserError("Say whether you saw this yourself or someone reported it.")
        if event_at > self._v.now():
            raise UserError("The time of the event is in the future. Check the date and time.")
        _check_text(body, "note")
        note_id = new_id()
        now, by, origin, _ = self._record_meta()
        with self._v.write("the note"):
            rows.NOTES.insert(
                self._c,
                [
                    {
                        "id": note_id,
                        "child_id": child.id,
                        "author_id": by,
                        "event_at": utc_iso(event_at),
                        "body": body,
                        "place": place,
                        "category": category,
                        "source": source,
                        "reported_by": reported_by,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                        "origin": origin,
                        "created_by": by,
                    }
                ],
            )
            if draft_id:
                self._c.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
            self._v.audit("note.create", "note", note_id, 1)
        return self.get_note(note_id)

    # -- note amendments (the note keeps its words; these are added and shown with it) ------
    def add_amendment(self, note_id: str, kind: str, body: str, reason: str = "") -> NoteAmendment:
        """Add an addendum, or a correction with its reason, to a saved note (audited)."""
        self._v.require("worker", "dsl")
        note = self.get_note(note_id)  # also the role check on the child
        if kind not in ("addendum", "correction"):
            raise UserError("Choose whether this adds to the note or corrects it.")
        if not body.strip():
            raise UserError("Write what you are adding or correcting before saving.")
        if kind == "correction" and not reason.strip():
            raise UserError("Say why the note needs correcting: the reason is kept with it.")
        _check_text(body, "amendment")
        _check_text(reason, "reason")
        amendment_id = new_id()
        now, by, origin, _ = self._record_meta()
        with self._v.write("the amendment"):
            self._c.execute(
                "INSERT INTO note_amendments (id, version, origin, created_at, created_by,"
                " updated_at, note_id, kind, body, reason, author_id)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    amendment_id,
                    1,
                    origin,
                    now,
                    by,
                    now,
                    note.id,
                    kind,
                    body.strip(),
                    reason.strip(),
                    by,
                ),
            )
            self._v.audit(f"note.{kind}", "note", note.id, note.version)
        return NoteAmendment(amendment_id, note.id, kind, body.strip(), reason.strip(), by, now)

    def amendments_for_child(self, child_id: str) -> dict[str, list[NoteAmendment]]:
        """Every amendment to the child's notes, by note id, oldest first."""
        self.get_child(child_id)  # role check
        rows = self._c.execute(
            "SELECT a.id, a.note_id, a.kind, a.body, a.reason, a.author_id, a.created_at"
            " FROM note_amendments a JOIN notes n ON n.id = a.note_id WHERE n.child_id = ?"
            " ORDER BY a.created_at, a.rowid",
            (child_id,),
        ).fetchall()
        found: dict[str, list[NoteAmendment]] = {}
        for r in rows:
            found.setdefault(r[1], []).append(NoteAmendment(*r))
        return found

    def get_note(self, note_id: str) -> Note:
        row = self._c.execute(f"SELECT {_NOTE_COLS} FROM notes WHERE id = ?", (note_id,)).fetchone()
        if row is None:
            raise UserError("That note no longer exists.")
        note = _note(row)
        self.get_child(note.child_id)  # role check
        return note

    def notes_for(self, child_id: str) -> list[Note]:
        child = self.get_child(child_id)
        rows = self._c.execute(
            f"SELECT {_NOTE_COLS} FROM notes WHERE child_id = ? ORDER BY event_at, created_at",
            (child.id,),
        ).fetchall()
        return [_note(r) for r in rows]

    def search_notes(self, query: str, limit: int = 200) -> list[tuple[str, str, str, str]]:
        """Full-text search over the notes the user may see.

        Returns (note id, child id, event_at, snippet) rows for the ``limit`` most recently
        written matches, ordered by event date, newest first; the snippet marks the first
        matching word with [ ].

        Why it is built this way (measured on 195,000 notes, when the recipe still had
        SQLCipher's process-wide ``cipher_memory_security = ON``, which wiped every freed
        allocation): FTS5's newest-first walk of a prefix query and its ``snippet()`` function
        cost 400-800 ms. Reading the matching row ids in index order (about 30 ms for 33,000
        matches), keeping the newest ``limit`` and making the snippets here costs ~30 ms.
        """
        problem = unstorable(query)
        if problem:
            raise UserError(
                f"The search contains {problem}, which no note can contain. Remove it (it often "
                "comes from pasting) and search again."
            )
        terms = [t for t in query.replace('"', " ").split() if t]
        if not terms:
            return []
        # One-letter words are matched whole: as prefixes they match most of the index.
        match = " ".join(f'"{t}"*' if len(t) > 1 else f'"{t}"' for t in terms)
        role = self._v.user.role
        if role not in ("dsl", "worker"):
            self._visible_clause()  # raises for roles that may not read notes
            return []
        ids = [
            r[0]
            for r in self._c.execute(
                "SELECT rowid FROM notes_fts WHERE notes_fts MATCH ?", (match,)
            )
        ]
        if role == "worker":
            mine = {
                r[0]
                for r in self._c.execute(
                    "SELECT n.rowid FROM notes n JOIN children c ON c.id = n.child_id"
                    " WHERE c.owner_id = ?",
                    (self._v.user.id,),
                )
            }
            ids = [i for i in ids if i in mine]
        newest = ids[-limit:]
        if not newest:
            return []
        marks = ",".join("?" * len(newest))
        rows = self._c.execute(
            f"SELECT id, child_id, event_at, body FROM notes WHERE rowid IN ({marks})", newest
        ).fetchall()
        out = [(r[0], r[1], r[2], _snippet(r[3], terms)) for r in rows]
        out.sort(key=lambda r: r[2], reverse=True)
        return out

    # -- drafts (autosave; they live in the encrypted database) ----------------------------
    def save_draft(
        self, kind: str, target_id: str | None, payload: dict[str, Any], draft_id: str | None = None
    ) -> str:
        fresh, draft_id = draft_id is None, draft_id or new_id()
        text = json.dumps(payload, ensure_ascii=False)
        if len(text) > MAX_DRAFT:
            raise UserError(
                f"The draft is too long to keep ({len(text):,} characters; limit "
                f"{MAX_DRAFT:,}). Shorten it or save part of it elsewhere."
            )
        now = self._v.now_iso()
        try:
            with self._v.write("the draft"):
                self._c.execute(
                    "INSERT INTO drafts (id, user_id, kind, target_id, payload, updated_at)"
                    " VALUES (?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                    " payload = excluded.payload, updated_at = excluded.updated_at",
                    (draft_id, self._v.user.id, kind, target_id, text, now),
                )
        except DiskFullError:
            # Even the released reserve is used up: the draft goes into the vault's rescue
            # file (vault/reserve.py), encrypted, and back into the drafts at the next unlock.
            draft = {"id": draft_id, "user_id": self._v.user.id, "kind": kind,
                     "target_id": target_id, "payload": text, "updated_at": now}  # fmt: skip
            try:
                self._v.stash_draft(draft)
            except DiskFullError:
                self._v.unsaved.keep(draft)  # nowhere on disk: said at once, kept at lock
                raise
        self._v.unsaved.drop(draft_id)
        if fresh:  # an editor that never got the id of its failed write: this one replaces it
            self._v.unsaved.drop_like(self._v.user.id, kind, target_id)
        return draft_id

    def put_back_drafts(self, kept: list[dict[str, Any]]) -> None:
        """Drafts kept in the rescue file while the disk was full, back into the vault
        (inside the caller's write); a newer copy already saved is kept."""
        for d in kept:
            self._c.execute(
                "INSERT INTO drafts (id, user_id, kind, target_id, payload, updated_at)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET payload = excluded.payload,"
                " updated_at = excluded.updated_at WHERE excluded.updated_at > drafts.updated_at",
                (str(d.get("id")), str(d.get("user_id")), str(d.get("kind")),
                 d.get("target_id"), str(d.get("payload")), str(d.get("updated_at"))),
            )  # fmt: skip

    def drafts(self, kind: str | None = None) -> list[Draft]:
        sql = "SELECT id, kind, target_id, payload, updated_at FROM drafts WHERE user_id = ?"
        params: tuple[Any, ...] = (self._v.user.id,)
        if kind:
            sql += " AND kind = ?"
            params += (kind,)
        rows = self._c.execute(sql + " ORDER BY updated_at", params).fetchall()
        return [Draft(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def delete_draft(self, draft_id: str) -> None:
        self._v.unsaved.drop(draft_id)
        with self._v.write("the draft"):
            self._c.execute(
                "DELETE FROM drafts WHERE id = ? AND user_id = ?", (draft_id, self._v.user.id)
            )

    # -- missing episodes ------------------------------------------------------------------
    def add_missing(
        self,
        child_id: str,
        from_at: datetime,
        to_at: datetime | None = None,
        where_found: str = "",
        return_interview: str = "",
        notes: str = "",
        *,
        reported_at: datetime | None = None,
        police_ref: str = "",
        returned_by: str = "",
    ) -> MissingEpisode:
        """A missing episode; with a return time, also its return-interview action (due 72
        hours after the return, ``vault.actions_repo``), in the same transaction."""
        from cse_toolkit.vault.actions_repo import add_return_interview

        self._v.require("worker", "dsl")
        child = self.get_child(child_id)
        _check_missing_times(from_at, to_at, reported_at)
        for text, what in ((where_found, "where found"), (police_ref, "police reference")):
            _check_text(text, what)
        ep_id = new_id()
        now, by, origin, _ = self._record_meta()
        with self._v.write("the missing episode"):
            rows.MISSING_EPISODES.insert(
                self._c,
                [
                    {
                        "id": ep_id,
                        "origin": origin,
                        "created_at": now,
                        "created_by": by,
                        "updated_at": now,
                        "child_id": child.id,
                        "from_at": utc_iso(from_at),
                        "to_at": utc_iso(to_at) if to_at else None,
                        "where_found": where_found,
                        "return_interview": return_interview,
                        "notes": notes,
                        "reported_at": utc_iso(reported_at) if reported_at else None,
                        "police_ref": police_ref.strip(),
                        "returned_by": returned_by.strip(),
                    }
                ],
            )
            self._v.audit("missing.create", "missing_episode", ep_id, 1)
            if to_at is not None:
                add_return_interview(self._v, child.id, ep_id, to_at)
        return self.get_missing(ep_id)

    def record_return(
        self, episode_id: str, to_at: datetime, returned_by: str = "", where_found: str = ""
    ) -> MissingEpisode:
        """The child was found or came back: when, by whom and where; the return-interview
        action (due 72 hours later) is created with it."""
        from cse_toolkit.vault.actions_repo import add_return_interview

        self._v.require("worker", "dsl")
        episode = self.get_missing(episode_id)
        _check_missing_times(episode.from_at, to_at, episode.reported_at)
        _check_text(where_found, "where found")
        with self._v.write("the missing episode"):
            rows.MISSING_EPISODES.update(
                self._c,
                episode.id,
                {
                    "to_at": utc_iso(to_at),
                    "returned_by": returned_by.strip() or episode.returned_by,
                    "where_found": where_found.strip() or episode.where_found,
                    "updated_at": self._v.now_iso(),
                },
                bump=True,
            )
            self._v.audit("missing.return", "missing_episode", episode.id, episode.version + 1)
            add_return_interview(self._v, episode.child_id, episode.id, to_at)
        return self.get_missing(episode.id)

    def get_missing(self, episode_id: str) -> MissingEpisode:
        row = self._c.execute(
            f"SELECT {_MISSING_COLS} FROM missing_episodes WHERE id = ?", (episode_id,)
        ).fetchone()
        if row is None:
            raise UserError("That missing episode no longer exists.")
        self.get_child(row[1])  # role check
        return _missing(row)

    def missing_for(self, child_id: str) -> list[MissingEpisode]:
        child = self.get_child(child_id)
        rows = self._c.execute(
            f"SELECT {_MISSING_COLS} FROM missing_episodes WHERE child_id = ? ORDER BY from_at",
            (child.id,),
        ).fetchall()
        return [_missing(r) for r in rows]

    # -- pathway steps ---------------------------------------------------------------------
    def record_step(
        self,
        child_id: str,
        pathway_id: str,
        step_id: str,
        event_at: datetime,
        data: dict[str, Any] | None = None,
        *,
        status: str = "done",
        reason: str = "",
    ) -> StepRecord:
        """Record a pathway step after the pathway engine agrees it may be recorded now.

        Steps cannot be skipped; a step that does not apply is recorded as ``not_applicable``
        with a reason. The data is stored as the engine normalised it.
        """
        from cse_toolkit.core import pathway as pw

        self._v.require("worker", "dsl")
        child = self.get_child(child_id)
        if status == "not_applicable" and not reason.strip():
            raise UserError("Say why this step does not apply.")
        pathway = catalogue.load_pathway(pathway_id)
        existing = self.engine_records(child.id)
        new = pw.StepRecord(
            step=step_id,
            status=status,  # type: ignore[arg-type]
            recorded_at=self._v.now(),
            event_at=event_at,
            recorded_by=self._v.user.name,
            reason=reason,
            data=data or {},
        )
        if step_id == "decide" and status == "done":
            self._refuse_lowering_alone(child, (data or {}).get("confirmed_level"))
        updated = pw.record_step(pathway, existing, new, child.confirmed_level)
        stored = updated[-1]
        rec_id = new_id()
        now, by, origin, _ = self._record_meta()
        with self._v.write("the step"):
            rows.PATHWAY_STEPS.insert(
                self._c,
                [
                    {
                        "id": rec_id,
                        "origin": origin,
                        "created_at": now,
                        "created_by": by,
                        "updated_at": now,
                        "child_id": child.id,
                        "pathway_id": pathway_id,
                        "step_id": step_id,
                        "status": status,
                        "event_at": utc_iso(event_at),
                        "data": json.dumps(stored.data, ensure_ascii=False),
                        "reason": reason,
                    }
                ],
            )
            if step_id == "decide" and status == "done" and stored.data.get("confirmed_level"):
                level = str(stored.data["confirmed_level"])
                self.set_confirmed_level(child.id, level, child.level_tool or "")
            self._v.audit(f"step.{step_id}", "pathway_step", rec_id, 1)
        return StepRecord(
            rec_id,
            child.id,
            pathway_id,
            step_id,
            status,  # type: ignore[arg-type]
            event_at,
            stored.data,
            reason,
            by,
        )

    def _refuse_lowering_alone(self, child: Any, level: Any) -> None:
        """SAFETY.md R7 at the decide step: only a DSL may record a level below the child's
        current level; a worker lowers it on the screening, where it waits for sign-off."""
        if self._v.user.role == "dsl" or not isinstance(level, str) or not child.confirmed_level:
            return
        tool = _tool_or_none(child.level_tool or "", None)
        if tool is None or not is_lowered(tool, child.confirmed_level, level):
            return
        try:
            current, chosen = tool.level(child.confirmed_level).label, tool.level(level).label
        except KeyError:
            return
        raise UserError(
            f"'{chosen}' is lower than the child's level '{current}'. A lower level needs your "
            f"DSL's sign-off: confirm it on the screening with a reason (it goes to your DSL, "
            f"and '{current}' stays until they agree), or record '{current}' here."
        )

    def engine_records_by_child(self) -> dict[str, list[Any]]:
        """Every visible child's steps as engine records, in one query (for the child list)."""
        from cse_toolkit.core import pathway as pw

        clause, params = self._visible_clause()
        clause = clause.replace("owner_id", "c.owner_id")
        out: dict[str, list[Any]] = {}
        # The engine's facts only (no origin or summary: the list shows neither); a step held
        # as an older pack's words fails validation and is set aside all the same.
        for r in self._c.execute(
            "SELECT s.child_id, s.step_id, s.status, s.created_at, s.event_at, s.reason, s.data,"
            " s.created_by FROM pathway_steps s JOIN children c ON c.id = s.child_id"
            f" WHERE {clause} ORDER BY s.child_id, s.created_at, s.rowid",
            params,
        ):
            out.setdefault(r[0], []).append(
                pw.StepRecord.model_construct(
                    step=r[1],
                    status=r[2],
                    recorded_at=parse_utc(r[3]),
                    event_at=parse_utc(r[4]),
                    reason=r[5],
                    data=json.loads(r[6]),
                    recorded_by=r[7],
                )
            )
        return out

    def is_legacy_import(self, step_id: str) -> bool:
        """A pathway step imported from a pack of format 1 (its words only, no fields)."""
        row = self._c.execute(
            "SELECT origin, data FROM pathway_steps WHERE id = ?", (step_id,)
        ).fetchone()
        if row is None or row[0] == self._v.vault_id:
            return False
        data = json.loads(row[1])
        return "summary" in data and set(data) <= {"summary", "reference"}

    def latest_screenings(self) -> dict[str, tuple[str, datetime]]:
        """Each visible child's latest screening: (status, when screened), in one query."""
        clause, params = self._visible_clause()
        clause = clause.replace("owner_id", "c.owner_id")
        out: dict[str, tuple[str, datetime]] = {}
        for child_id, status, at in self._c.execute(
            "SELECT s.child_id, s.status, s.screened_at FROM screenings s"
            " JOIN children c ON c.id = s.child_id"
            f" WHERE {clause} ORDER BY s.child_id, s.screened_at, s.rowid",
            params,
        ):
            out[child_id] = (status, parse_utc(at))
        return out

    def engine_records(self, child_id: str) -> list[Any]:
        """The child's steps as the pathway engine's records, in the order recorded."""
        from cse_toolkit.core import pathway as pw

        rows = self._c.execute(
            "SELECT s.step_id, s.status, s.created_at, s.event_at, s.reason, s.data, s.created_by,"
            " s.origin, i.pack_id FROM pathway_steps s"
            " LEFT JOIN import_records i ON i.record_id = s.id"
            " WHERE s.child_id = ? ORDER BY s.created_at, s.rowid",
            (child_id,),
        ).fetchall()
        out = []
        for r in rows:
            data, summary = _step_data(json.loads(r[5]), r[7] != self._v.vault_id)
            out.append(
                pw.StepRecord(
                    step=r[0],
                    status=r[1],
                    recorded_at=parse_utc(r[2]),
                    event_at=parse_utc(r[3]),
                    reason=r[4],
                    data=data,
                    recorded_by=r[6],
                    summary=summary,
                    origin=_origin(r[7], r[8], self._v),
                )
            )
        return out

    def case_state(self, child_id: str, pathway_id: str | None = None) -> Any:
        """Where the child's case stands on the pathway now (``core.pathway.CaseState``)."""
        from cse_toolkit.core import pathway as pw

        child = self.get_child(child_id)
        pathway = catalogue.load_pathway(pathway_id or self.case_pathway_id(child.id))
        return pw.case_state(
            pathway, self.engine_records(child.id), self._v.clock, child.confirmed_level
        )

    def case_lines(self, child_ids: list[str] | None = None) -> dict[str, Any]:
        """Each visible child's next step, first due date and urgency now
        (``vault.case_store.CaseLine``), from the case state kept with the records: the child
        list's columns for the whole caseload in one query."""
        clause, params = self._visible_clause()
        found = case_store.lines(self._c, child_ids, self._v.now())
        if clause == "1=1":
            return found
        mine = {r[0] for r in self._c.execute(f"SELECT id FROM children WHERE {clause}", params)}
        return {cid: line for cid, line in found.items() if cid in mine}

    def case_pathway_id(self, child_id: str) -> str:
        """The pathway the child's case follows (``catalogue.pathway_for_case``): the one its
        first step was recorded under, else the one the policy or the case's tool names."""
        rows = self._c.execute(
            "SELECT pathway_id FROM pathway_steps WHERE child_id = ? ORDER BY created_at, rowid",
            (child_id,),
        ).fetchall()
        tool = self._c.execute(
            "SELECT level_tool FROM children WHERE id = ?", (child_id,)
        ).fetchone()
        return self._pathway_for([r[0] for r in rows], tool[0] if tool else None)

    def case_pathway_ids(self, child_ids: Iterable[str]) -> dict[str, str]:
        """``case_pathway_id`` for many children in two queries (the child list, ``case list``)."""
        recorded: dict[str, list[str]] = {}
        for cid, pid in self._c.execute(
            "SELECT child_id, pathway_id FROM pathway_steps ORDER BY child_id, created_at, rowid"
        ):
            ids = recorded.setdefault(cid, [])
            if pid not in ids:
                ids.append(pid)
        tools = dict(self._c.execute("SELECT id, level_tool FROM children").fetchall())
        return {cid: self._pathway_for(recorded.get(cid, []), tools.get(cid)) for cid in child_ids}

    def _pathway_for(self, recorded: list[str], level_tool: str | None) -> str:
        pol = self._v.policy
        return catalogue.pathway_for_case(
            recorded, level_tool or pol.default_tool, pol.default_pathway
        )

    def steps_for(self, child_id: str) -> list[StepRecord]:
        child = self.get_child(child_id)
        rows = self._c.execute(
            "SELECT id, child_id, pathway_id, step_id, status, event_at, data, reason, created_by,"
            " version, created_at FROM pathway_steps WHERE child_id = ?"
            " ORDER BY event_at, created_at",
            (child.id,),
        ).fetchall()
        return [
            StepRecord(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                parse_utc(r[5]),
                json.loads(r[6]),
                r[7],
                r[8],
                r[9],
                parse_utc(r[10]),
            )
            for r in rows
        ]

    # -- screenings ------------------------------------------------------------------------
    def save_screening(self, record: ScreeningRecord) -> ScreeningRecord:
        """Insert or update a screening (in progress or confirmed); version bumps on update."""
        self._v.require("worker", "dsl")
        child = self.get_child(record.child_id)
        existing = self._c.execute(
            "SELECT version, status FROM screenings WHERE id = ?", (record.id,)
        ).fetchone()
        now, by, origin, _ = self._record_meta()
        values = {
            "tool_id": record.tool_id,
            "tool_version": record.tool_version,
            "screened_at": utc_iso(record.screened_at),
            "input": json.dumps(record.input, ensure_ascii=False),
            "outcome": json.dumps(record.outcome, ensure_ascii=False) if record.outcome else None,
            "suggested_level": record.suggested_level,
            "confirmed_level": record.confirmed_level,
            "confirmed_by": record.confirmed_by,
            "confirmed_at": record.confirmed_at,
            "confirm_reason": record.confirm_reason,
            "status": record.status,
        }
        with self._v.write("the screening"):
            if existing is None:
                rows.SCREENINGS.insert(
                    self._c,
                    [
                        {
                            "id": record.id,
                            "origin": origin,
                            "created_at": now,
                            "created_by": by,
                            "updated_at": now,
                            "child_id": child.id,
                            **values,
                        }
                    ],
                )
                version = 1
            else:
                if existing[1] in ("confirmed", "signed_off") and record.status == "in_progress":
                    raise UserError("A confirmed screening cannot be reopened; start a new one.")
                if existing[1] == "signed_off":
                    raise UserError(
                        "This screening has been signed off by the DSL; start a new one."
                    )
                rows.SCREENINGS.update(self._c, record.id, {**values, "updated_at": now}, bump=True)
                version = existing[0] + 1
            if record.status == "confirmed" and record.confirmed_level:
                # SAFETY.md R7: a level below the suggestion waits for a DSL; until then the
                # suggestion is the child's level (pathway, due dates, list, queue).
                driving = driving_level(
                    _tool_or_none(record.tool_id, record.tool_version),
                    record.suggested_level,
                    record.confirmed_level,
                    record.status,
                )
                self.set_confirmed_level(
                    child.id, driving or record.confirmed_level, record.tool_id
                )
            action = "screening.confirm" if record.status == "confirmed" else "screening.save"
            # The worker's reason stays on the screening; the audit (which can never be purged)
            # records only whether the level was changed, never free text.
            changed = record.status == "confirmed" and record.confirmed_level not in (
                None,
                record.suggested_level,
            )
            # (2) The confirmed level (an id, not personal data) is in the entry its confirmer
            # signs.
            level = f"level={record.confirmed_level}" if record.status == "confirmed" else ""
            self._v.audit(
                action,
                "screening",
                record.id,
                version,
                f"{level} level changed from suggestion".strip() if changed else level,
            )
        return self.get_screening(record.id)

    def get_screening(self, screening_id: str) -> ScreeningRecord:
        row = self._c.execute(
            f"SELECT {_SCREEN_COLS} FROM screenings WHERE id = ?", (screening_id,)
        ).fetchone()
        if row is None:
            raise UserError("That screening no longer exists.")
        rec = _screening(row)
        self.get_child(rec.child_id)
        return rec

    def screenings_for(self, child_id: str) -> list[ScreeningRecord]:
        child = self.get_child(child_id)
        rows = self._c.execute(
            f"SELECT {_SCREEN_COLS} FROM screenings WHERE child_id = ? ORDER BY screened_at",
            (child.id,),
        ).fetchall()
        return [_screening(r) for r in rows]

    # -- chronology ------------------------------------------------------------------------
    def import_origins(self, record_ids: list[str]) -> dict[str, ImportOrigin]:
        """For each imported record among ``record_ids``: the pack it (last) came in."""
        out: dict[str, ImportOrigin] = {}
        for start in range(0, len(record_ids), 500):
            chunk = record_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for rid, pack_id, kind, summary, at in self._c.execute(
                "SELECT r.record_id, r.pack_id, COALESCE(i.kind, ''), COALESCE(i.summary, '{}'),"
                " COALESCE(i.imported_at, r.imported_at) FROM import_records r"
                " LEFT JOIN imports i ON i.pack_id = r.pack_id"
                f" WHERE r.record_id IN ({marks})",
                chunk,
            ):
                try:
                    info = json.loads(summary)
                except ValueError:
                    info = {}
                out[rid] = ImportOrigin(
                    pack_id,
                    kind,
                    str(info.get("sender", "")),
                    str(info.get("organisation", "")),
                    at,
                )
        return out

    def chronology(self, child_id: str) -> list[ChronologyItem]:
        """One timeline ordered by event date: backdated items slot into place.

        Each item says who recorded it and, for an imported record, the pack it came in.
        """
        child = self.get_child(child_id)
        users = {u.id: u.label for u in self._v.users()}
        names = {u.name: u.label for u in self._v.users()}
        local = self._v.vault_id

        def who(user_id: str) -> str:
            return users.get(user_id, user_id.removeprefix("import:"))

        items: list[ChronologyItem] = []
        for n in self.notes_for(child.id):
            source = "reported" if n.source == "reported" else "first-hand"
            title = f"Note ({n.category}, {source})"
            detail = f"At {n.place}: {n.body}" if n.place else n.body
            items.append(
                ChronologyItem(
                    n.event_at,
                    "note",
                    n.id,
                    title,
                    detail,
                    who(n.author_id),
                    n.origin if n.origin != local else "",
                )
            )
        from cse_toolkit.core.catalogue import installed_labels

        levels, tool_names = installed_labels()
        origins = dict(
            self._c.execute(
                "SELECT id, origin FROM screenings WHERE child_id = ? UNION ALL"
                " SELECT id, origin FROM pathway_steps WHERE child_id = ? UNION ALL"
                " SELECT id, origin FROM missing_episodes WHERE child_id = ?",
                (child.id, child.id, child.id),
            ).fetchall()
        )
        for s in self.screenings_for(child.id):
            level_id = s.confirmed_level or s.suggested_level
            level = levels.get(level_id, level_id) if level_id else "in progress"
            tool = tool_names.get(s.tool_id, s.tool_id)
            origin = origins.get(s.id, local)
            by = names.get(s.confirmed_by or "", s.confirmed_by or "") or who(s.created_by)
            items.append(
                ChronologyItem(
                    s.screened_at,
                    "screening",
                    s.id,
                    f"Screening ({tool})",
                    f"Level: {level}; status: {s.status.replace('_', ' ')}",
                    by,
                    origin if origin != local else "",
                )
            )
        pathways: dict[str, Any] = {}
        for st in self.steps_for(child.id):
            state = "not applicable" if st.status == "not_applicable" else "done"
            if st.pathway_id not in pathways:
                pathways[st.pathway_id] = _pathway_or_none(st.pathway_id)
            pathway = pathways[st.pathway_id]
            origin = origins.get(st.id, local)
            data, summary = _step_data(st.data, origin != local)
            if st.reason:
                detail = st.reason
            elif summary:
                detail = summary
            elif pathway is not None:
                from cse_toolkit.core.step_words import describe_step_data

                detail = describe_step_data(pathway, st.step_id, data, {**levels, **tool_names})
            else:
                detail = ", ".join(f"{k}: {v}" for k, v in data.items() if v)
            title = st.step_id.replace("_", " ")
            if pathway is not None:
                try:
                    title = pathway.step(st.step_id).title
                except KeyError:
                    pass
            items.append(
                ChronologyItem(
                    st.event_at,
                    "step",
                    st.id,
                    f"Step: {title} ({state})",
                    detail,
                    who(st.created_by),
                    origin if origin != local else "",
                )
            )
        for m in self.missing_for(child.id):
            end = utc_iso(m.to_at) if m.to_at else "not yet found"
            origin = origins.get(m.id, local)
            facts = [f"Until {end}. Found: {m.where_found or 'not recorded'}"]
            if m.returned_by:
                facts.append(f"Found or returned by: {m.returned_by}")
            if m.reported_at:
                facts.append(f"Reported to the police at {utc_iso(m.reported_at)}")
            if m.police_ref:
                facts.append(f"Police reference: {m.police_ref}")
            items.append(
                ChronologyItem(
                    m.from_at,
                    "missing",
                    m.id,
                    "Missing episode",
                    "\n".join(facts),
                    who(m.created_by),
                    origin if origin != local else "",
                )
            )
        for rid, ref, learned, by, origin in self._c.execute(
            "SELECT r.id, r.ref, COALESCE(r.learned_at, r.created_at), r.created_by, r.origin"
            " FROM intel_reports r JOIN intel_children ic ON ic.report_id = r.id"
            " WHERE ic.child_id = ?",
            (child.id,),
        ):
            items.append(
                ChronologyItem(
                    parse_utc(learned),
                    "intelligence",
                    rid,
                    f"Intelligence report {ref}",
                    "",
                    who(by),
                    origin if origin != local else "",
                )
            )
        for eid, kind, recipient, created, state, by in self._c.execute(
            "SELECT id, kind, recipient, created_at, state, created_by FROM exports"
            " WHERE child_id = ?",
            (child.id,),
        ):
            items.append(
                ChronologyItem(
                    parse_utc(created),
                    "export",
                    eid,
                    f"Exported {kind} pack to {recipient}",
                    f"State: {state}",
                    who(by),
                )
            )
        if self._incidents is not None:
            items += self._incidents.chronology_items(child.id, who)
        imported = self.import_origins([i.record_id for i in items if i.origin])
        items = [
            dataclasses.replace(i, origin=imported[i.record_id].pack_id)
            if i.origin and i.record_id in imported
            else i
            for i in items
        ]
        items.sort(key=lambda i: (i.at, i.kind))
        return items


def _pathway_or_none(pathway_id: str) -> Any:

    try:
        return catalogue.load_pathway(pathway_id)
    except UserError:
        return None


def _snippet(body: str, terms: list[str], before: int = 60, after: int = 110) -> str:
    """A short piece of ``body`` around the first word starting with one of ``terms``."""
    import re

    # Longer words match as prefixes (as in the index query); one-letter words whole.
    alternatives = [re.escape(t) + (r"\w*" if len(t) > 1 else r"\b") for t in terms]
    pattern = re.compile(r"\b(?:" + "|".join(alternatives) + ")", re.IGNORECASE)
    found = pattern.search(body)
    if found is None:
        text = " ".join(body.split())
        return text[: before + after] + ("…" if len(text) > before + after else "")
    start = max(0, found.start() - before)
    end = min(len(body), found.end() + after)
    if start > 0:
        space = body.find(" ", start)
        start = space + 1 if 0 <= space < found.start() else start
    if end < len(body):
        space = body.rfind(" ", found.end(), end)
        end = space if space > found.end() else end
    piece = body[start : found.start()] + "[" + found.group(0) + "]" + body[found.end() : end]
    piece = " ".join(piece.split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(body) else "")


def entity_dict(obj: Any) -> dict[str, Any]:
    data = asdict(obj)
    for key, value in list(data.items()):
        if isinstance(value, datetime):
            data[key] = utc_iso(value)
        elif isinstance(value, date):
            data[key] = value.isoformat()
    return data
