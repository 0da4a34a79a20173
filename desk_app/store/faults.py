"""What a failing database means for the user: SQLite's error codes turned into DeskErrors.

One place decides that SQLITE_BUSY is "another window is writing" (DeskBusy), SQLITE_FULL and
ENOSPC are "the disk is full" (DiskFull), SQLITE_READONLY/CANTOPEN on a folder that cannot be
written are "read-only" (DeskReadOnly), and SQLITE_CORRUPT/NOTADB are "damaged"
(DatabaseDamaged). Anything else becomes StorageError with its reason in words. Database
(store/db.py) applies it to every session it hands out, so services never see a driver error
and the user never sees an exception's class name.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

from desk_app.errors import (
    DatabaseDamaged,
    DeskBusy,
    DeskError,
    DeskReadOnly,
    DiskFull,
    StorageError,
)
from desk_app.i18n import _

SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_INTERRUPT = 5, 6, 8, 9
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN = 10, 11, 13, 14
SQLITE_NOTADB = 26
DAMAGED = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB})
# Faults of the computer, not of the code: access denied (PERM), out of memory (NOMEM), a
# network share's broken locking (PROTOCOL), a file too large for the disk (NOLFS). Said as
# StorageError in words by every session, so services need no `except OperationalError`.
SQLITE_PERM, SQLITE_NOMEM, SQLITE_PROTOCOL, SQLITE_NOLFS = 3, 7, 15, 22
OF_THE_COMPUTER = frozenset({SQLITE_PERM, SQLITE_NOMEM, SQLITE_PROTOCOL, SQLITE_NOLFS})


def driver_error(exc: BaseException) -> sqlite3.Error | None:
    """The sqlite3 error inside `exc` (itself, or what SQLAlchemy wrapped), else None."""
    if isinstance(exc, sqlite3.Error):
        return exc
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, sqlite3.Error) else None


def primary_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of `exc` (BUSY, FULL, CORRUPT...), None if it has none."""
    err = driver_error(exc)
    code = getattr(err, "sqlite_errorcode", None) if err is not None else None
    if code is None:
        return None
    return code & 0xFF


def is_busy(exc: BaseException) -> bool:
    return primary_code(exc) in (SQLITE_BUSY, SQLITE_LOCKED)


def is_damage(exc: BaseException) -> bool:
    return primary_code(exc) in DAMAGED


def reason_text(code: int | None) -> str:
    """A SQLite result code as words, for StorageError."""
    if code == SQLITE_IOERR:
        return _("the disk reported a read or write error")
    if code is None:
        return _("the database refused the change")
    return _("the database refused the change (SQLite error {code})").format(code=code)


def translate(exc: BaseException, path: Path | None = None) -> DeskError | None:
    """The DeskError that says what `exc` means, or None when it is not a storage fault (an
    integrity error, a bug: let it rise as it is).

    `path` is the database file, for the messages that name it.
    """
    if isinstance(exc, DeskError):
        return exc
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
            return DiskFull()
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return DeskReadOnly(path=str(path.parent if path else ""))
        return None
    err = driver_error(exc)
    if err is None or not isinstance(err, sqlite3.OperationalError | sqlite3.DatabaseError):
        return None
    if isinstance(err, sqlite3.IntegrityError | sqlite3.ProgrammingError):
        return None
    code = primary_code(err)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return DeskBusy()
    if code == SQLITE_FULL or (code in (SQLITE_IOERR, SQLITE_CANTOPEN) and disk_full(path)):
        return DiskFull()  # an -shm or -wal that cannot be made on a full disk: IOERR
    if code in DAMAGED:
        return DatabaseDamaged(path=str(path or ""))
    if code in (SQLITE_READONLY, SQLITE_CANTOPEN) and not folder_writable(path):
        return DeskReadOnly(path=str(path.parent if path else ""))
    if code in (SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_IOERR) or code in OF_THE_COMPUTER:
        return StorageError(reason=reason_text(code))
    return None  # a statement the code got wrong (no such table...): a bug, shown as one


def folder_writable(db_file: Path | None) -> bool:
    """Whether the database file (and its folder, for -wal/-shm/-journal) can be written."""
    if db_file is None:
        return True
    folder = db_file.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return not db_file.exists() or os.access(db_file, os.W_OK)


def storage_error(exc: BaseException, path: Path | None = None) -> DeskError:
    """translate(), with StorageError (the reason in words) for any other driver error: for
    services that turn every failed write into a message."""
    return translate(exc, path) or StorageError(reason=reason_text(primary_code(exc)))


FULL_BELOW_BYTES = 64 * 1024  # less free space than this: an I/O error there is "disk full"


def disk_full(db_file: Path | None) -> bool:
    """Whether the disk holding `db_file` has (almost) no free space left."""
    if db_file is None:
        return False
    try:
        return shutil.disk_usage(db_file.parent).free < FULL_BELOW_BYTES
    except OSError:
        return False
