"""The one owner of file-system locations: set once at start-up, plain getters after."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "MejaAduan"
ENV_DATA_DIR = "MEJA_ADUAN_DATA_DIR"
ENV_CACHE_DIR = "MEJA_ADUAN_CACHE_DIR"

_data_dir: Path | None = None


def init(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Choose the data folder: the argument, else $MEJA_ADUAN_DATA_DIR, else the platform's."""
    global _data_dir
    if data_dir is None:
        data_dir = os.environ.get(ENV_DATA_DIR) or platformdirs.user_data_path(APP_NAME, False)
    path = Path(data_dir).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    make_private(path)
    _data_dir = path
    return path


# -- privacy of the data folder (POSIX; on Windows the user profile's ACLs already apply) ------
#
# Two halves. make_private() (called by init) sets the folder to 0700 and the files and folders
# directly in it (database, -wal/-shm, audit.key/head, window.ini, logs/, backups/, attachments/)
# to 0600/0700, which repairs anything an earlier version or another tool left open.
# private_umask() is called by the entry points only (desk_app.cli.main, ui.app.run_gui), not
# here: the umask belongs to the process, and a library that opens a desk must not change it.
# With umask 077 every file made later (the database on first open, new log files, attachments)
# is born private; SQLite gives -wal/-shm the database file's own mode.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077


def _posix() -> bool:
    return os.name == "posix"


def private_umask() -> int | None:
    """Set the process umask to 077 (POSIX); return the previous one (None on Windows)."""
    if not _posix():
        return None
    return os.umask(PRIVATE_UMASK)


# What the app keeps directly in the data folder: only these are chmod-ed, so a --data-dir that
# points at a folder holding other things (a home folder, by mistake) leaves those alone.
DESK_FILES = (
    "meja-aduan.sqlite3",
    "meja-aduan.sqlite3-wal",
    "meja-aduan.sqlite3-shm",
    "meja-aduan.sqlite3-journal",
    "meja-aduan.sqlite3-damaged",  # store.db.damage_marker: writes refused until a restore
    "meja-aduan.lock",  # ui.instance: the window's lock (one window per data folder)
    "audit.key",
    "audit.head",
    "window.ini",
    "meja-aduan.log",
    "erasures.jsonl",
)
DESK_FOLDERS = ("logs", "backups", "attachments")


def make_private(folder: Path) -> None:
    """chmod `folder` 0700 and the desk's own files and folders directly in it (DESK_FILES,
    rotated logs, DESK_FOLDERS) 0600/0700, on POSIX.

    Best effort: an entry owned by someone else is left as it is (it is not ours to change).
    """
    if not _posix():
        return
    try:
        os.chmod(folder, PRIVATE_DIR_MODE)
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name in DESK_FOLDERS:
            mode = PRIVATE_DIR_MODE
        elif entry.name in DESK_FILES or entry.name.startswith("meja-aduan.log."):
            mode = PRIVATE_FILE_MODE
        else:
            continue
        try:
            if entry.is_symlink():
                continue
            if entry.stat().st_mode & 0o777 != mode:
                os.chmod(entry.path, mode)
        except OSError:
            continue


def data_dir() -> Path:
    if _data_dir is None:
        return init()
    return _data_dir


def db_path() -> Path:
    return data_dir() / "meja-aduan.sqlite3"


def attachments_dir() -> Path:
    return data_dir() / "attachments"


def erasure_record_path() -> Path:
    """The record of personal-data erasures (services/erasure_record.py): beside the database,
    not in it, so that restoring a backup does not roll it back."""
    return data_dir() / "erasures.jsonl"


def backups_dir() -> Path:
    return data_dir() / "backups"


def log_dir() -> Path:
    return data_dir() / "logs"


def cache_dir() -> Path:
    """The machine's cache for this user (not a desk's: shared by every data folder), for what
    can be made again (calendar_cache.py): $MEJA_ADUAN_CACHE_DIR, else the platform's."""
    return Path(os.environ.get(ENV_CACHE_DIR) or platformdirs.user_cache_path(APP_NAME, False))


def resources_dir() -> Path:
    """Shipped data: in a PyInstaller bundle beside the code; in an installed wheel inside the
    package (desk_app/resources, put there with compiled catalogs by setup.py's build_py); else
    the repository's resources/."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    installed = Path(__file__).resolve().parent / "resources"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "resources"
