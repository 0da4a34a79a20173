"""The secondary indexes set aside while a large bulk load runs, and built again after it
(demo data, issue 11).

Keeping an index up to date row by row costs more the bigger the table grows: at a million
demo complaints, plain sqlite3 writing the app's rows into its schema took 88 ms per 1,000 rows,
of which the complaint's, outbox's and audit trail's plain (non-unique) indexes were more than
half; writing without them and building them after took 45. So a load that at least doubles
the complaints sets those indexes aside first and builds them again when it ends, however it
ends. What a row must satisfy never lapses: the unique indexes (tracking number, ids) and the
foreign keys stay; the full-text index is still filled per chunk; while the load runs, the
desk's other windows read the same rows, only more slowly.

Setting aside records each index's SQL (and the loading process's id) in the `setting` table
in the same transaction as the drops, and building them again removes that record in the same
transaction as the builds: a load killed in between (power cut, kill -9) leaves the record, and
the next open of the desk (put_back_left, before any migration, which may expect them) builds
them, unless the process that set them aside is still running (a window opened on the desk
while demo data is being written leaves its indexes to it). SQLite only.
"""

from __future__ import annotations

import json
import logging
import os
import sys

from sqlalchemy import text

log = logging.getLogger(__name__)

TABLES = ("complaint", "outbox", "audit_event")
# The setting row: JSON {"pid": the loading process, "indexes": [[name, SQL], ...]}.
MARKER = "bulk.indexes_set_aside"

_PLAIN_INDEXES = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
    f"AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN {TABLES} ORDER BY name"
)
_HELD = text("SELECT coalesce(max(seq), 0) FROM complaint")  # about as many as it holds
_INDEX_NAMES = text("SELECT name FROM sqlite_master WHERE type = 'index'")
_MARKER = text("SELECT value FROM setting WHERE key = :key").bindparams(key=MARKER)
_HAS_SETTINGS = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'setting'")


def _sqlite(session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def set_aside(session, adding: int) -> int:
    """In the caller's write transaction, before `adding` complaints are written: drop the
    plain indexes of TABLES, their SQL kept in the marker row, when that at least doubles the
    complaints; return how many (none: fewer, not SQLite, or some are set aside already)."""
    if not _sqlite(session) or session.execute(_MARKER).first() is not None:
        return 0
    if session.execute(_HELD).scalar() > adding:  # building them again would cost more
        return 0
    indexes = [tuple(row) for row in session.execute(_PLAIN_INDEXES)]
    session.execute(
        text("INSERT INTO setting (key, value) VALUES (:key, :value)"),
        {"key": MARKER, "value": json.dumps({"pid": os.getpid(), "indexes": indexes})},
    )
    for name, _sql in indexes:
        session.execute(text(f'DROP INDEX "{_quoted(name)}"'))
    return len(indexes)


def put_back(session) -> int:
    """In the caller's write transaction: build each index the marker row names that is
    missing, and remove the row; return how many were built."""
    if not _sqlite(session):
        return 0
    found = session.execute(_MARKER).scalar()
    if found is None:
        return 0
    present = set(session.execute(_INDEX_NAMES).scalars())
    missing = [sql for name, sql in _read(found)[1] if name not in present]
    for sql in missing:
        session.execute(text(sql))
    session.execute(text("DELETE FROM setting WHERE key = :key"), {"key": MARKER})
    return len(missing)


def put_back_left(db) -> None:
    """At the desk's open: the indexes a killed load left set aside, built again (nothing
    when none were, or the database cannot be written now: the next open that can, does)."""
    if not db.writable or db.engine.dialect.name != "sqlite":
        return
    with db.reading() as session:
        if session.execute(_HAS_SETTINGS).first() is None:
            return
        found = session.execute(_MARKER).scalar()
    if found is None:
        return
    pid = _read(found)[0]
    if pid is not None and pid != os.getpid() and _running(pid):
        return  # a load still writing: it builds them when it ends
    with db.writing() as session:
        built = put_back(session)
    log.warning("indexes left set aside by an interrupted bulk load built again: %d", built)


def _read(found: str) -> tuple[int | None, list]:
    """(the loading process's id, [[name, SQL], ...]) from the marker row; a row that cannot
    be read names nothing (the indexes it named stay missing: slower reads, never wrong ones)."""
    try:
        value = json.loads(found)
        indexes = [(str(name), str(sql)) for name, sql in value["indexes"]]
        pid = value.get("pid")
        return (pid if isinstance(pid, int) else None), indexes
    except (ValueError, TypeError, KeyError, AttributeError):
        log.warning("the record of indexes set aside could not be read")
        return None, []


def _running(pid: int) -> bool:
    """Whether a process with this id runs now (an id used again by another process only
    puts the building off to a later open)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return kernel32.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: running
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


def _quoted(name: str) -> str:
    return name.replace('"', '""')
