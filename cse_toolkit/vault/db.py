"""Opening SQLCipher connections with the one connection recipe (DESIGN.md, "The vault").

This module is the only place that imports sqlcipher3. ``paths.harden_process()`` runs first so
the umask and a private SQLITE_TMPDIR are in force before SQLite can create any file.

The threading rule (written here once; other comments point here):

* An open vault has one connection, shared by the GUI thread and the pool threads of
  ``gui/common/workers.py`` (unlock, the child list's next steps, the review queue, sign-off checks,
  search, imports, and note drafts on their one-thread lane). Any of them may read and write.
* sqlcipher3's SQLite is built multi-thread (``sqlcipher3.threadsafety == 1``), not
  serialised: one connection must never run statements on two threads at once (doing so
  corrupted the statement cache). So :class:`SerialConnection` runs every statement, and reads
  its rows whole, under one lock, and no cursor outlives the call. That is why the connection
  is opened with ``check_same_thread=False``: the unlock opens it on a pool thread and the GUI
  thread goes on with it.
* ``Vault.write()`` serialises whole transactions on top of that (another thread waits; a
  nested ``write()`` on the same thread joins the open one). Change notices go out after the
  commit on the writing thread; ``gui/changes.py`` re-emits them on the GUI thread.
* The GUI thread never blocks for more than 50 ms, so anything that may take longer (a big
  read, an import, an fsync'd draft) goes to a pool thread; locking waits for running jobs
  before the vault closes.
* Any other connection (backup, restore, checks) is opened, used and closed by one thread.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cse_toolkit import paths

paths.harden_process()

import sqlcipher3  # noqa: E402  (must follow harden_process)
from sqlcipher3 import dbapi2  # noqa: E402

from cse_toolkit.errors import UserError  # noqa: E402
from cse_toolkit.fsutil import DiskFullError  # noqa: E402
from cse_toolkit.vault.errors import NotAVaultError, VaultDamagedError  # noqa: E402

DB_FILE = "vault.db"
Connection = dbapi2.Connection
DatabaseError = dbapi2.DatabaseError
IntegrityError = dbapi2.IntegrityError
OperationalError = dbapi2.OperationalError

CIPHER_VERSION_EXPECTED = "4."


def _key_pragma(dek: bytes) -> str:
    # A raw 256-bit key: SQLCipher's own PBKDF2 is skipped (the DEK is already random).
    return f"PRAGMA key = \"x'{dek.hex()}'\""


def connect(db_path: Path, dek: bytes, *, readonly: bool = False, create: bool = False) -> Any:
    """Open ``db_path`` keyed with ``dek`` and apply the recipe. Raises vault errors."""
    if not create and not db_path.exists():
        raise NotAVaultError(str(db_path.parent), "database file missing")
    uri = db_path.resolve().as_uri() + ("?mode=ro" if readonly else "")
    # check_same_thread=False: the threading rule (this module's docstring) lets the GUI thread
    # and pool threads share the connection, one statement at a time (SerialConnection).
    conn = sqlcipher3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        # Off, as DESIGN.md's second edition asks: wiping every freed allocation process-wide made
        # reads several times slower (open a child 31.8 ms -> 6.8 ms with it off, plain SQLite
        # 6.4 ms) while Python keeps its own unwiped copies of everything read anyway. What it
        # was meant to protect (decrypted data in a running process) is answered by the lock,
        # which ends the process (docs/SECURITY.md; tests/vault/test_connection_recipe.py).
        conn.execute("PRAGMA cipher_memory_security = OFF")
        conn.execute(_key_pragma(dek))
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except DatabaseError as exc:
            from cse_toolkit.vault.reserve import LOW_WATER, free_bytes

            if "file is not a database" not in str(exc) and free_bytes(db_path.parent) < LOW_WATER:
                # SQLite could not make its WAL index on a full disk: full, not damaged.
                raise DiskFullError("the vault", done="could not be opened") from exc
            raise NotAVaultError(str(db_path.parent), "the key does not open it") from exc
        conn.execute("PRAGMA temp_store = MEMORY")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        # Decrypted page cache: 32 MiB (negative = KiB). Measured in bench/.
        conn.execute("PRAGMA cache_size = -32768")
        version = conn.execute("PRAGMA cipher_version").fetchone()[0]
        if not str(version).startswith(CIPHER_VERSION_EXPECTED):
            raise VaultDamagedError(f"unexpected SQLCipher {version}")
    except BaseException:
        conn.close()
        raise
    return SerialConnection(conn)


class Rows:
    """The whole result of one statement, read while the connection's lock was held.

    Behaves like the cursor callers used before (iterate, ``fetchone``, ``fetchall``,
    ``fetchmany``, ``description``, ``rowcount``, ``lastrowid``)."""

    def __init__(self, cursor: Any) -> None:
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        self._rows: list[Any] = cursor.fetchall() if cursor.description is not None else []
        self._at = 0

    def __iter__(self) -> Iterator[Any]:
        while self._at < len(self._rows):
            row = self._rows[self._at]
            self._at += 1
            yield row

    def fetchone(self) -> Any:
        if self._at >= len(self._rows):
            return None
        row = self._rows[self._at]
        self._at += 1
        return row

    def fetchmany(self, size: int = 1) -> list[Any]:
        out = self._rows[self._at : self._at + size]
        self._at += len(out)
        return out

    def fetchall(self) -> list[Any]:
        out = self._rows[self._at :]
        self._at = len(self._rows)
        return out


class SerialConnection:
    """The vault's one connection, shared by threads one statement at a time (the threading
    rule in this module's docstring).

    Using the connection on two threads at once corrupted the statement cache (``KeyError``
    from ``execute``, seen when the review queue and the child list's provider read together).
    So every statement runs, and its rows are read whole, under one lock; no cursor outlives
    the call. Transactions are serialised on top of this by ``Vault.write()``'s own lock.
    """

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        # Records written in the open transaction, bound by its next audit entry (rows.touch).
        self.touched: dict[tuple[str, str], None] = {}

    def execute(self, sql: str, params: Any = ()) -> Rows:
        with self._lock:
            return Rows(self._conn.execute(sql, params))

    def executemany(self, sql: str, seq: Any) -> Rows:
        with self._lock:
            return Rows(self._conn.executemany(sql, seq))

    def executescript(self, script: str) -> Rows:
        with self._lock:
            return Rows(self._conn.executescript(script))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def translate(exc: BaseException, what: str = "the change") -> BaseException:
    """Map a sqlite error to the user-facing error it means, or return it unchanged."""
    message = str(exc).lower()
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(what)
    if "database or disk is full" in message or "disk i/o error" in message and "full" in message:
        return DiskFullError(what)
    # A damaged page under the full-text index surfaces as "vtable constructor failed".
    damaged = ("file is not a database", "malformed", "vtable constructor", "corruption found")
    if any(m in message for m in damaged):
        return VaultDamagedError("a page failed its integrity check")
    return exc


def as_user_error(exc: BaseException, what: str = "the change") -> UserError | None:
    """The user-facing error a storage failure that reached the top means (a damaged page met
    during any read: "damaged"; a full disk: "full"), or None when it is not one (a bug)."""
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, DatabaseError | OSError):
        found = translate(exc, what)
        if isinstance(found, UserError):
            return found
    return None


def integrity_check(conn: Any) -> list[str]:
    """SQLCipher's page HMAC check plus SQLite's own: empty list when all is well."""
    problems = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
    rows = conn.execute("PRAGMA quick_check").fetchall()
    problems += [str(r[0]) for r in rows if r[0] != "ok"]
    return problems


def cipher_version(conn: Any) -> str:
    """The SQLCipher version of an open connection (the self-test reports it)."""
    return str(conn.execute("PRAGMA cipher_version").fetchone()[0])
