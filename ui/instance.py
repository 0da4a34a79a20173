"""One desk window per data folder: a lock file (QLockFile) taken at start, so a second copy
of the app on the same folder is told so instead of opening a second window.

The lock holds the process id: a copy that crashed or was killed leaves a stale lock, which
Qt removes when that process no longer runs (by process id, never by age: a desk stays open
for days). The CLI takes no lock: it may run beside the window (SQLite serialises the writes),
and `restore` refuses by itself while the database is open (DeskInUse).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile

LOCK_FILE = "meja-aduan.lock"


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_FILE


def acquire(data_dir: Path) -> tuple[bool, QLockFile | None]:
    """Take the window lock of `data_dir`. Returns (True, lock) when taken, (False, None) when
    another running copy holds it, and (True, None) when no lock can be written at all (a
    read-only data folder: that desk cannot be written by two copies either)."""
    lock = QLockFile(str(lock_path(data_dir)))
    lock.setStaleLockTime(0)  # stale only when its process is gone
    if lock.tryLock(0):
        return True, lock
    if lock.error() == QLockFile.LockError.LockFailedError:
        return False, None
    return True, None
