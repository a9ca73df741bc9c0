"""Schema and ordered migrations, versioned in ``PRAGMA user_version``.

Every record has a UUID ``id`` and an integer ``version`` (incremented on each change) plus the
vault it was first written in (``origin``), so packs can be merged by record id later. The audit
table is append-only: triggers refuse UPDATE and DELETE.

A database newer than ``LATEST`` is refused; before a migration the file is copied (it stays
encrypted) into ``backups/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_RECORD = """
    id TEXT PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
"""

V1 = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('worker', 'dsl', 'admin')),
    display_name TEXT NOT NULL DEFAULT '',
    agency TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE children (
    {_RECORD},
    ref TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    alias TEXT NOT NULL DEFAULT '',
    dob TEXT,
    approx_age INTEGER,
    approx_age_on TEXT,
    gender TEXT NOT NULL DEFAULT '',
    ethnicity TEXT NOT NULL DEFAULT '',
    school TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    household TEXT NOT NULL DEFAULT '',
    parental_responsibility TEXT NOT NULL DEFAULT '',
    learning_disability INTEGER NOT NULL DEFAULT 0,
    additional_needs INTEGER NOT NULL DEFAULT 0,
    details TEXT NOT NULL DEFAULT '{{}}',
    confirmed_level TEXT,
    level_tool TEXT,
    status TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX children_owner ON children(owner_id);
CREATE INDEX children_name ON children(name COLLATE NOCASE);

CREATE TABLE notes (
    {_RECORD},
    child_id TEXT NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL,
    event_at TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'observation',
    source TEXT NOT NULL DEFAULT 'first_hand' CHECK (source IN ('first_hand', 'reported')),
    reported_by TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL
);
CREATE INDEX notes_child_event ON notes(child_id, event_at);

CREATE VIRTUAL TABLE notes_fts USING fts5(
    body, place, content='notes', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER notes_fts_ai AFTER INSERT ON notes BEGIN
    INSERT INTO notes_fts(rowid, body, place) VALUES (new.rowid, new.body, new.place);
END;
CREATE TRIGGER notes_fts_ad AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, body, place)
        VALUES ('delete', old.rowid, old.body, old.place);
END;
CREATE TRIGGER notes_fts_au AFTER UPDATE OF body, place ON notes BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, body, place)
        VALUES ('delete', old.rowid, old.body, old.place);
    INSERT INTO notes_fts(rowid, body, place) VALUES (new.rowid, new.body, new.place);
END;

CREATE TABLE drafts (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    target_id TEXT,
    payload TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX drafts_user ON drafts(user_id);

CREATE TABLE missing_episodes (
    {_RECORD},
    child_id TEXT NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    from_at TEXT NOT NULL,
    to_at TEXT,
    where_found TEXT NOT NULL DEFAULT '',
    return_interview TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX missing_child ON missing_episodes(child_id, from_at);

CREATE TABLE screenings (
    {_RECORD},
    child_id TEXT NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    tool_id TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    screened_at TEXT NOT NULL,
    input TEXT NOT NULL,
    outcome TEXT,
    suggested_level TEXT,
    confirmed_level TEXT,
    confirmed_by TEXT,
    confirmed_at TEXT,
    confirm_reason TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'in_progress'
        CHECK (status IN ('in_progress', 'confirmed', 'signed_off', 'returned'))
);
CREATE INDEX screenings_child ON screenings(child_id, screened_at);
CREATE INDEX screenings_status ON screenings(status);
-- Covers the review queue's reads so the large JSON columns are not decrypted for it.
CREATE INDEX screenings_review ON screenings(
    child_id, status, suggested_level, confirmed_level, screened_at);

CREATE TABLE signoffs (
    {_RECORD},
    screening_id TEXT NOT NULL REFERENCES screenings(id) ON DELETE CASCADE,
    decision TEXT NOT NULL CHECK (decision IN ('agree', 'change', 'return')),
    level TEXT,
    comment TEXT NOT NULL DEFAULT '',
    chain_seq INTEGER NOT NULL,
    chain_hash TEXT NOT NULL
);

CREATE TABLE pathway_steps (
    {_RECORD},
    child_id TEXT NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    pathway_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'not_applicable')),
    event_at TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{{}}',
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX steps_child ON pathway_steps(child_id, event_at);

CREATE TABLE intel_reports (
    {_RECORD},
    ref TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'draft',
    learned_at TEXT,
    body TEXT NOT NULL
);

CREATE TABLE intel_children (
    report_id TEXT NOT NULL REFERENCES intel_reports(id) ON DELETE CASCADE,
    child_id TEXT NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    PRIMARY KEY (report_id, child_id)
);
CREATE INDEX intel_children_child ON intel_children(child_id);

CREATE TABLE intel_entities (
    report_id TEXT NOT NULL REFERENCES intel_reports(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    display TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, key)
);
CREATE INDEX intel_entities_key ON intel_entities(key);

CREATE TABLE entity_merges (
    a_key TEXT NOT NULL,
    b_key TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (a_key, b_key)
);

CREATE TABLE exports (
    {_RECORD},
    pack_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('referral', 'intelligence', 'screening')),
    child_id TEXT REFERENCES children(id) ON DELETE SET NULL,
    report_id TEXT REFERENCES intel_reports(id) ON DELETE SET NULL,
    recipient TEXT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'exported' CHECK (state IN ('exported', 'sent', 'acknowledged')),
    recipient_ref TEXT NOT NULL DEFAULT '',
    sharing TEXT NOT NULL DEFAULT '{{}}',
    sent_at TEXT,
    acknowledged_at TEXT
);
CREATE INDEX exports_state ON exports(state);

CREATE TABLE imports (
    id TEXT PRIMARY KEY NOT NULL,
    pack_id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    signer TEXT NOT NULL,
    signer_audit_seq INTEGER NOT NULL DEFAULT 0,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '{{}}',
    conflicts TEXT NOT NULL DEFAULT '[]',
    resolved INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE import_records (
    record_id TEXT PRIMARY KEY NOT NULL,
    record_type TEXT NOT NULL,
    version INTEGER NOT NULL,
    local_version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    pack_id TEXT NOT NULL,
    signer TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL DEFAULT '',
    record_id TEXT NOT NULL DEFAULT '',
    record_version INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
"""

# (2) Per-person keys (issue 21): each person's public signing key, a signature on every audit
# entry, sign-off and child level, the admin-signed user registry (append-only: one signed
# snapshot per change), and the senders whose key fingerprint a DSL has confirmed.
V2_PERSONAL_KEYS = """
ALTER TABLE users ADD COLUMN public_key TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN sig TEXT NOT NULL DEFAULT '';
ALTER TABLE signoffs ADD COLUMN sig TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN level_signer TEXT NOT NULL DEFAULT '';
ALTER TABLE children ADD COLUMN level_sig TEXT NOT NULL DEFAULT '';
ALTER TABLE import_records ADD COLUMN local_data_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS signoffs_screening ON signoffs(screening_id, created_at);
CREATE TABLE registry (
    version INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    signer TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TRIGGER registry_no_update BEFORE UPDATE ON registry
BEGIN SELECT RAISE(ABORT, 'registry versions are append-only'); END;
CREATE TRIGGER registry_no_delete BEFORE DELETE ON registry
BEGIN SELECT RAISE(ABORT, 'registry versions are append-only'); END;
CREATE TABLE trusted_signers (
    public_key TEXT PRIMARY KEY NOT NULL,
    fingerprint TEXT NOT NULL,
    sender TEXT NOT NULL DEFAULT '',
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    how TEXT NOT NULL DEFAULT '',
    signed_by TEXT NOT NULL DEFAULT '',
    sig TEXT NOT NULL DEFAULT ''
);
INSERT OR IGNORE INTO trusted_signers (public_key, fingerprint, decided_by, decided_at, how)
    SELECT signer, '', COALESCE((SELECT name FROM users WHERE id = imports.imported_by), ''),
           MIN(imported_at), 'imported before the upgrade'
    FROM imports GROUP BY signer;
"""

# (2) Red team of issue 21: every unlock checks that no registry version recorded in the audit
# trail is missing, and audit verify looks up level and sign-off entries by action; an index
# keeps those look-ups off the audit table's own pages.
V3_AUDIT_ACTION_INDEX = """
CREATE INDEX IF NOT EXISTS audit_action ON audit(action, record_version);
"""

Migration = Callable[[Any], None]


def _script(sql: str) -> Migration:
    def apply(conn: Any) -> None:
        for statement in _split(sql):
            conn.execute(statement)

    return apply


def _split(sql: str) -> list[str]:
    """Split a script into statements, keeping trigger bodies (BEGIN ... END;) whole."""
    statements: list[str] = []
    current: list[str] = []
    in_trigger = False
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        current.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            in_trigger = True
        if in_trigger:
            if upper.endswith("END;"):
                statements.append("\n".join(current))
                current, in_trigger = [], False
        elif stripped.endswith(";"):
            statements.append("\n".join(current))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements


# Note amendments (issue 15): an addendum, or a correction with its reason, added to a saved
# note. The note itself is never changed; amendments are only ever added (no UPDATE).
V_NOTE_AMENDMENTS = f"""
CREATE TABLE note_amendments (
    {_RECORD},
    note_id TEXT NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('addendum', 'correction')),
    body TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    author_id TEXT NOT NULL
);
CREATE INDEX note_amendments_note ON note_amendments(note_id, created_at);
CREATE TRIGGER note_amendments_no_update BEFORE UPDATE ON note_amendments
BEGIN SELECT RAISE(ABORT, 'note amendments are only ever added'); END;
"""

# Attachments (issue 18): photos, scans, PDFs and text kept inside the encrypted vault, for a
# child (or, arrived in an intelligence pack, for a report). The bytes are the last column so
# listing them reads no blob; ``sha256`` is of ``content``; ``thumbnail`` is a small PNG.
V_ATTACHMENTS = f"""
CREATE TABLE attachments (
    {_RECORD},
    child_id TEXT REFERENCES children(id) ON DELETE CASCADE,
    report_id TEXT REFERENCES intel_reports(id) ON DELETE CASCADE,
    media_type TEXT NOT NULL
        CHECK (media_type IN ('image/jpeg', 'image/png', 'application/pdf', 'text/plain')),
    file_name TEXT NOT NULL DEFAULT '',
    caption TEXT NOT NULL DEFAULT '',
    taken_at TEXT,
    added_by TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    metadata_kept INTEGER NOT NULL DEFAULT 0,
    width INTEGER NOT NULL DEFAULT 0,
    height INTEGER NOT NULL DEFAULT 0,
    pages INTEGER NOT NULL DEFAULT 0,
    thumbnail BLOB NOT NULL DEFAULT x'',
    content BLOB NOT NULL,
    CHECK (child_id IS NOT NULL OR report_id IS NOT NULL)
);
CREATE INDEX attachments_child ON attachments(child_id, created_at);
CREATE INDEX attachments_report ON attachments(report_id);
"""

# Issue 18: the outbox takes chronology packs. SQLite cannot change a CHECK constraint in
# place, so the exports table is rebuilt from its own stored definition with the kind list
# widened (columns and indexes other migrations added are kept as they are).
_OLD_EXPORT_KINDS = "kind IN ('referral', 'intelligence', 'screening')"
_NEW_EXPORT_KINDS = "kind IN ('referral', 'intelligence', 'screening', 'chronology')"


def _export_kind_chronology(conn: Any) -> None:
    row = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'exports'"
    ).fetchone()
    table_sql = str(row[0])
    if _OLD_EXPORT_KINDS not in table_sql:
        return  # already widened
    indexes = [
        str(r[0])
        for r in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'exports'"
            " AND sql IS NOT NULL"
        ).fetchall()
    ]
    new_sql = table_sql.replace(_OLD_EXPORT_KINDS, _NEW_EXPORT_KINDS).replace(
        "CREATE TABLE exports", "CREATE TABLE exports_widened", 1
    )
    conn.execute(new_sql)
    conn.execute("INSERT INTO exports_widened SELECT * FROM exports")
    conn.execute("DROP TABLE exports")
    conn.execute("ALTER TABLE exports_widened RENAME TO exports")
    for index_sql in indexes:
        conn.execute(index_sql)


# Actions, incidents across children and missing episodes as the statutory guidance asks
# (issue 18 items 2-4): an action for a named person with a due date, about a child or an
# incident; one incident (a note or an intelligence fact) linked to several children; and a
# missing episode's reported-missing time, police reference and who found or returned the child.
V_ACTIONS_INCIDENTS = f"""
CREATE TABLE incidents (
    {_RECORD},
    kind TEXT NOT NULL DEFAULT 'note' CHECK (kind IN ('note', 'intelligence')),
    author_id TEXT NOT NULL,
    event_at TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    elsewhere TEXT NOT NULL DEFAULT '{{}}'
);
CREATE TABLE incident_children (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    child_id TEXT NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, child_id)
);
CREATE INDEX incident_children_child ON incident_children(child_id);
CREATE TABLE actions (
    {_RECORD},
    title TEXT NOT NULL,
    assignee TEXT NOT NULL,
    due_at TEXT NOT NULL,
    child_id TEXT REFERENCES children(id) ON DELETE CASCADE,
    incident_id TEXT REFERENCES incidents(id) ON DELETE CASCADE,
    missing_id TEXT REFERENCES missing_episodes(id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT '' CHECK (kind IN ('', 'return_interview')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    done_at TEXT,
    done_by TEXT NOT NULL DEFAULT '',
    done_note TEXT NOT NULL DEFAULT '',
    CHECK (child_id IS NOT NULL OR incident_id IS NOT NULL)
);
CREATE INDEX actions_assignee ON actions(assignee, status, due_at);
CREATE INDEX actions_child ON actions(child_id);
CREATE INDEX actions_open ON actions(status, due_at);
ALTER TABLE missing_episodes ADD COLUMN reported_at TEXT;
ALTER TABLE missing_episodes ADD COLUMN police_ref TEXT NOT NULL DEFAULT '';
ALTER TABLE missing_episodes ADD COLUMN returned_by TEXT NOT NULL DEFAULT '';
"""

# Case state kept, not recomputed (issue 17, vault/case_store.py): each child's pathway
# position as core's engine worked it out, keyed by the pathway and tool versions it used.
# The triggers mark a child whose records change; Vault.write() recomputes the marked children
# before COMMIT, so the stored state commits with the records (or not at all).
V_CASE_STATE = """
CREATE TABLE case_state (
    child_id TEXT PRIMARY KEY NOT NULL REFERENCES children(id) ON DELETE CASCADE,
    pathway_key TEXT NOT NULL,
    tool_key TEXT NOT NULL DEFAULT '',
    steps INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    child_level TEXT,
    screening_status TEXT,
    screened_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE case_dirty (child_id TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
CREATE TRIGGER case_dirty_child_new AFTER INSERT ON children
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (NEW.id); END;
CREATE TRIGGER case_dirty_child_level AFTER UPDATE OF confirmed_level, level_tool ON children
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (NEW.id); END;
CREATE TRIGGER case_dirty_child_gone AFTER DELETE ON children
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (OLD.id); END;
CREATE TRIGGER case_dirty_step_new AFTER INSERT ON pathway_steps
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (NEW.child_id); END;
CREATE TRIGGER case_dirty_step_changed AFTER UPDATE ON pathway_steps
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (NEW.child_id), (OLD.child_id); END;
CREATE TRIGGER case_dirty_step_gone AFTER DELETE ON pathway_steps
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (OLD.child_id); END;
CREATE TRIGGER case_dirty_screening_new AFTER INSERT ON screenings
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (NEW.child_id); END;
CREATE TRIGGER case_dirty_screening_changed
AFTER UPDATE OF child_id, status, screened_at ON screenings
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (NEW.child_id), (OLD.child_id); END;
CREATE TRIGGER case_dirty_screening_gone AFTER DELETE ON screenings
BEGIN INSERT OR IGNORE INTO case_dirty (child_id) VALUES (OLD.child_id); END;
"""

# Reads at the floor (issue 17): the case state's columns the child list and the review queue
# read for every child (vault/case_store.py HOT; the JSON state is decoded only when the
# clock has left a row's window), and covering indexes so the queue's screening read and the
# child names never touch the wide rows (outcome and input JSON, two overflow pages each).
V_CASE_READS = """
ALTER TABLE case_state ADD COLUMN next_title TEXT;
ALTER TABLE case_state ADD COLUMN first_due TEXT;
ALTER TABLE case_state ADD COLUMN rank INTEGER;
ALTER TABLE case_state ADD COLUMN flag TEXT;
ALTER TABLE case_state ADD COLUMN urgency_text TEXT;
ALTER TABLE case_state ADD COLUMN urgency_due TEXT;
ALTER TABLE case_state ADD COLUMN called_999_at TEXT;
ALTER TABLE case_state ADD COLUMN overdue_label TEXT;
ALTER TABLE case_state ADD COLUMN valid_from TEXT;
ALTER TABLE case_state ADD COLUMN valid_until TEXT;
CREATE INDEX case_state_first_due ON case_state(first_due) WHERE first_due IS NOT NULL;
CREATE INDEX screenings_queue ON screenings(
    status, child_id, id, tool_id, tool_version, suggested_level, confirmed_level, confirmed_by,
    confirmed_at, confirm_reason, screened_at,
    json_extract(outcome, '$.confirmation.incomplete_reason'));
CREATE INDEX screenings_latest ON screenings(child_id, screened_at, status);
CREATE INDEX children_label ON children(id, ref, name, alias);
"""

# Issue 14: the pack password kept in the outbox entry until the pack is marked sent, sealed
# with a key only the exporting person's own signing key gives (services/kept_password.py).
V_EXPORT_KEPT_PASSWORD = """
ALTER TABLE exports ADD COLUMN kept_password TEXT NOT NULL DEFAULT '';
"""

# (issue 22) Records bound to the audit trail: each entry's ``content`` holds the content
# hashes of the records its change wrote (``vault/rows.py`` ``bind``), covered by its chain hash.
# Older entries have none ("unbound"); each record is bound at its next write.
V_AUDIT_CONTENT = """
ALTER TABLE audit ADD COLUMN content TEXT NOT NULL DEFAULT '';
"""

# Ordered: index i migrates from user_version i to i + 1.
MIGRATIONS: list[Migration] = [
    _script(V1),
    _script(V2_PERSONAL_KEYS),
    _script(V_NOTE_AMENDMENTS),
    _script(V3_AUDIT_ACTION_INDEX),
    _script(V_ATTACHMENTS),
    _export_kind_chronology,
    _script(V_ACTIONS_INCIDENTS),
    _script(V_CASE_STATE),
    _script(V_CASE_READS),
    _script(V_EXPORT_KEPT_PASSWORD),
    _script(V_AUDIT_CONTENT),
]
LATEST = len(MIGRATIONS)
