"""Backups of the SQLite database: on demand, daily (kept in rotation), and restore.

A backup is made with SQLite's online backup API, so the desk (and other desks on the same
file) keep recording while it runs: the copy is one consistent snapshot. Each copy is written
to a hidden `.partial` file, checked with PRAGMA integrity_check, fsynced and only then given
its name, so a file with a backup's name is always a whole, checked copy. Copies are switched
to the rollback journal, so a backup is one self-contained file (no -wal beside it).

Names carry the kind and the UTC time: `meja-aduan-daily-20261126T120000Z.sqlite3`. rotate()
deletes what the retention settings no longer keep (services/retention.py): automatic daily
copies by count, manual, pre-restore and pre-migration copies after their number of days.
Files of other names, and copies written elsewhere with `--out`, are never deleted.

restore() replaces the database file and must run with the desk closed everywhere (GUI, CLI,
other windows): it takes the data folder, not an open desk, and refuses (DeskInUse) when it
can see another connection holding the file.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from desk_app import paths
from desk_app.domain.roles import Action
from desk_app.errors import DeskError
from desk_app.files import fsync_dir
from desk_app.i18n import N_, _
from desk_app.services import audit
from desk_app.services.access import require, require_signed_in
from desk_app.services.desk import Desk
from desk_app.services.retention import Retention, from_settings
from desk_app.store import migrate
from desk_app.store.db import busy_timeout_s, damage_marker, utcnow

log = logging.getLogger(__name__)
MANUAL, DAILY, PRE_RESTORE = "manual", "daily", "pre-restore"
AUTOMATIC_KINDS = frozenset({DAILY})
# Rotation of the automatic copies: the newest per day, ISO week and month, this many of each
# by default; the settings (services/retention.py) may say otherwise.
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = Retention.daily, Retention.weekly, Retention.monthly

PREFIX = "meja-aduan"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(
    rf"^{PREFIX}-(?P<kind>[a-z]+(?:-[a-z]+)*)-(?P<stamp>\d{{8}}T\d{{6}}Z)(?:-(?P<n>\d+))?\.sqlite3$"
)
# Copies made by migrate.upgrade before a schema change.
_PRE_MIGRATION = re.compile(
    r"^pre-migration-(?P<rev>.+)-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?\.sqlite3$"
)
_KIND = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
_POSIX = os.name != "nt"
_LOCK_WAIT_S = 2.0
log = logging.getLogger(__name__)


class BackupFailed(DeskError):
    code = "backup_failed"
    template = N_("The backup could not be made ({reason}). The database was not changed.")


class BackupUnsupported(DeskError):
    code = "backup_unsupported"
    template = N_(
        "This desk uses a database server; its backups are made on the server "
        "(for example with pg_dump)."
    )


class RestoreRefused(DeskError):
    """The file offered for a restore is not a usable Meja Aduan backup; nothing was changed."""

    code = "restore_refused"
    template = N_("The file {name} cannot be restored. Nothing was changed.")


class BackupMissing(RestoreRefused):
    code = "backup_missing"
    template = N_("There is no file {name}. Nothing was changed.")


class NotABackup(RestoreRefused):
    code = "not_a_backup"
    template = N_(
        "The file {name} is not a Meja Aduan database, or it is too damaged to read. "
        "Nothing was changed; choose another backup."
    )


class BackupDamaged(RestoreRefused):
    code = "backup_damaged"
    template = N_(
        "The file {name} is damaged: its integrity check failed. "
        "Nothing was changed; choose another backup."
    )


class BackupTooNew(RestoreRefused):
    code = "backup_too_new"
    template = N_(
        "The file {name} was made by a newer version of Meja Aduan (schema {revision}). "
        "Nothing was changed; install the newer version to restore it."
    )


class DeskInUse(DeskError):
    code = "desk_in_use"
    template = N_(
        "The desk's database is still open (in this or another window). Close Meja Aduan "
        "everywhere, then restore again. Nothing was changed."
    )


# -- names -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupName:
    """What a backup's file name says: its kind and when it was made (naive UTC)."""

    name: str
    kind: str
    when: dt.datetime
    n: int = 0

    @property
    def automatic(self) -> bool:
        return self.kind in AUTOMATIC_KINDS


def backup_name(kind: str, when: dt.datetime, n: int = 0) -> str:
    suffix = f"-{n}" if n else ""
    return f"{PREFIX}-{kind}-{when.strftime(STAMP_FORMAT)}{suffix}.sqlite3"


def parse_name(name: str) -> BackupName | None:
    """Read a backup's file name; None for anything else (pre-migration copies have kind
    "pre-migration")."""
    match = _NAME.match(name)
    kind = match["kind"] if match else "pre-migration"
    match = match or _PRE_MIGRATION.match(name)
    if not match:
        return None
    try:
        when = dt.datetime.strptime(match["stamp"], STAMP_FORMAT)
    except ValueError:
        return None
    return BackupName(name, kind, when, int(match["n"] or 0))


def _utc(when: dt.datetime | None) -> dt.datetime:
    """Naive UTC, as the database stores times."""
    if when is None:
        return utcnow()
    if when.tzinfo is not None:
        return when.astimezone(dt.UTC).replace(tzinfo=None)
    return when


def _local(when: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC).astimezone(zone)


# -- rotation ----------------------------------------------------------------------------------


def select_for_removal(
    names: Iterable[str],
    now: dt.datetime,
    zone: dt.tzinfo = dt.UTC,
    retention: Retention | None = None,
) -> list[str]:
    """The backups that rotation removes, from file names alone.

    Automatic copies kept: the newest copy of each of the newest `retention.daily` local days,
    `weekly` ISO weeks and `monthly` months that have one (counted in copies, not in calendar
    time, so a desk left off for months still keeps its last copies). Days, weeks and months
    are in `zone`, the desk's time zone. Manual, pre-restore and pre-migration copies are
    removed once older than their number of days. Copies dated after `now` (a clock that was
    wrong) are kept and not counted; unknown files are never selected.
    """
    now = _utc(now)
    retention = retention or Retention()
    parsed = [b for b in map(parse_name, names) if b and b.when <= now]
    autos = sorted(
        (b for b in parsed if b.automatic),
        key=lambda b: (b.when, b.n),
        reverse=True,
    )
    keep: set[str] = set()
    rules = (
        (retention.daily, lambda d: d.date()),
        (retention.weekly, lambda d: d.isocalendar()[:2]),
        (retention.monthly, lambda d: (d.year, d.month)),
    )
    for count, bucket in rules:
        seen: set = set()
        for item in autos:
            key = bucket(_local(item.when, zone))
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.add(key)
            keep.add(item.name)
    removed = [b.name for b in autos if b.name not in keep]
    for item in parsed:
        days = retention.days_for(item.kind)
        if days is not None and now - item.when > dt.timedelta(days=days):
            removed.append(item.name)
    return removed


def rotate(
    folder: Path,
    now: dt.datetime | None = None,
    zone: dt.tzinfo = dt.UTC,
    retention: Retention | None = None,
) -> list[Path]:
    """Delete the backups in `folder` that select_for_removal() picks (with the -wal beside a
    raw pre-restore copy); return them."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    names = (p.name for p in folder.iterdir())
    for name in select_for_removal(names, _utc(now), zone, retention):
        path = folder / name
        path.unlink(missing_ok=True)
        Path(f"{path}-wal").unlink(missing_ok=True)
        removed.append(path)
    return removed


def _rotate_desk_backups(desk: Desk, now: dt.datetime) -> None:
    """rotate() the desk's backups folder with its zone and retention settings, after each copy
    made there. A copy that cannot be deleted now is tried again after the next backup."""
    try:
        rotate(paths.backups_dir(), now, desk.zone, from_settings(desk.db))
    except OSError as exc:
        log.warning("old backups not deleted yet: %s", type(exc).__name__)


# -- files -------------------------------------------------------------------------------------


def _private_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if _POSIX:
        os.chmod(folder, 0o700)


def _fsync_file(path: Path) -> None:
    with open(path, "r+b") as fh:
        os.fsync(fh.fileno())


def _new_partial(folder: Path, name: str, mode: int = 0o600) -> Path:
    """An empty, private file to write a copy into before it gets its real name."""
    path = folder / f".{name}.{secrets.token_hex(4)}.partial"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.close(fd)
    if _POSIX:
        os.chmod(path, mode)  # the umask may have taken bits away
    return path


def _publish(partial: Path, folder: Path, kind: str, when: dt.datetime) -> Path:
    """Give the finished copy its name, never replacing another backup of the same second."""
    for n in range(1000):
        target = folder / backup_name(kind, when, n)
        try:
            os.link(partial, target)  # atomic and never overwrites
        except FileExistsError:
            continue
        except OSError:  # no hard links on this file system (FAT)
            if target.exists():
                continue
            os.replace(partial, target)
            return target
        partial.unlink()
        return target
    raise FileExistsError(target)


def _ro_uri(path: Path) -> str:
    """Open a file read-only without leaving -wal/-shm files beside it. With no -wal file the
    database is all in the main file, so it can be opened immutable."""
    uri = path.resolve().as_uri() + "?mode=ro"
    if not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def _copy_database(src: sqlite3.Connection, target: Path) -> None:
    """Copy with the online backup API into `target`, as a rollback-journal database."""
    dst = sqlite3.connect(str(target), isolation_level=None)
    try:
        src.backup(dst)  # all pages in one step: one consistent snapshot of the source
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()


def _integrity_ok(path: Path) -> bool:
    conn = sqlite3.connect(_ro_uri(path), uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


# -- making backups ----------------------------------------------------------------------------


def make_backup(
    desk: Desk, out: Path | None = None, kind: str = MANUAL, *, now: dt.datetime | None = None
) -> Path:
    """Copy the live database (others may be writing) and return the checked copy's path.

    Without `out` the copy goes into the backups folder (0700) as
    meja-aduan-<kind>-<UTC time>.sqlite3; `out` may name a file (replaced if it exists) or a
    folder. The copy is 0600, passes PRAGMA integrity_check and is fsynced. After a copy into
    the backups folder, the folder is rotated (the retention settings); a copy written
    elsewhere with `out` is outside the desk and never deleted by it. Raises
    BackupFailed, or BackupUnsupported on a database server. A manual copy needs
    Action.BACKUP (IT, the desk service); the automatic ones are the desk's own duty.
    """
    if kind == MANUAL:
        require(desk, desk.actor, Action.BACKUP)
    else:  # the desk's own duty, set off by whoever is signed in
        require_signed_in(desk)
    source = desk.db.path
    if source is None:
        raise BackupUnsupported()
    if not _KIND.match(kind):
        raise ValueError(f"bad backup kind {kind!r}")
    when = _utc(now)
    target: Path | None = None
    if out is None:
        folder = paths.backups_dir()
    elif Path(out).is_dir():
        folder = Path(out)
    else:
        target = Path(out)
        folder = target.parent
        if target.resolve() == source.resolve():
            raise BackupFailed(reason=_("that is the desk's own database file"))
    partial = None
    try:
        if out is None:
            _private_folder(folder)
        folder.mkdir(parents=True, exist_ok=True)
        partial = _new_partial(folder, target.name if target else backup_name(kind, when))
        # A read-only data folder: read it as the desk does (no -wal/-shm can be made there).
        name, uri = (_ro_uri(source), True) if desk.db.read_only else (str(source), False)
        src = sqlite3.connect(name, uri=uri, timeout=busy_timeout_s(), isolation_level=None)
        try:
            _copy_database(src, partial)
        finally:
            src.close()
        if not _integrity_ok(partial):
            raise BackupFailed(reason=_("the copy failed its integrity check"))
        _fsync_file(partial)
        if target is None:
            target = _publish(partial, folder, kind, when)
        else:
            os.replace(partial, target)
        fsync_dir(folder)
    except sqlite3.Error as exc:
        raise _copy_fault(exc) from None
    except OSError as exc:
        raise _copy_fault(exc) from None
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
    if not desk.db.writable:  # a read-only desk may still be copied elsewhere, unrecorded
        return target
    with desk.db.writing() as session:  # who made which copy, in the trail
        audit.append(session, desk, "backup.make", "backup", target.name, after={"kind": kind})
    if out is None:
        _rotate_desk_backups(desk, when)
    return target


def _copy_fault(exc: Exception) -> DeskError:
    """A failed copy in words: busy or a full disk as such, else BackupFailed with a reason."""
    from desk_app.errors import DeskBusy, DiskFull
    from desk_app.files import reason_text
    from desk_app.store import faults

    found = faults.translate(exc)
    if isinstance(found, DeskBusy | DiskFull):
        return found
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        return BackupFailed(reason=reason_text(exc))
    return BackupFailed(reason=faults.reason_text(faults.primary_code(exc)))


def daily_backup_if_due(desk: Desk, now: dt.datetime | None = None) -> Path | None:
    """Make today's automatic backup unless one exists for the desk's local day (make_backup
    then rotates the folder).

    Returns the new copy, or None when there was nothing to do (already made today, or a
    database server). Raises BackupFailed; the caller decides whether to tell the user.
    Whoever is signed in sets it off (NotSignedIn without anyone).
    """
    require_signed_in(desk)
    if desk.db.path is None:
        return None
    now = _utc(now)
    today = desk.local_day(now)
    folder = paths.backups_dir()
    if folder.is_dir():
        for path in folder.iterdir():
            item = parse_name(path.name)
            if item and item.kind == DAILY and desk.local_day(item.when) == today:
                return None
    return make_backup(desk, kind=DAILY, now=now)  # which rotates the folder


# -- checking and restoring --------------------------------------------------------------------


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def _refusal(exc: sqlite3.DatabaseError, name: str) -> RestoreRefused:
    if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF == sqlite3.SQLITE_CORRUPT:
        return BackupDamaged(name=name)
    return NotABackup(name=name)


def check_backup(path: Path, name: str | None = None) -> str:
    """Check that `path` is a whole Meja Aduan database this version can open; return its
    schema revision. Raises BackupMissing, NotABackup, BackupDamaged or BackupTooNew."""
    path = Path(path)
    name = name or str(path)
    if not path.is_file():
        raise BackupMissing(name=name)
    try:
        conn = sqlite3.connect(_ro_uri(path), uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if not {"alembic_version", "complaint"} <= tables:
                raise NotABackup(name=name)
            if conn.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                raise BackupDamaged(name=name)
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _refusal(exc, name) from None
    if not revision or not revision[0]:
        raise NotABackup(name=name)
    if revision[0] not in _known_revisions():
        raise BackupTooNew(name=name, revision=revision[0])
    return revision[0]


def list_backups(folder: Path) -> list[Path]:
    """Every backup in `folder` (any kind, pre-migration copies too), newest first."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = [(parse_name(p.name), p) for p in folder.iterdir() if p.is_file()]
    found = [(item, p) for item, p in found if item]
    found.sort(key=lambda pair: (pair[0].when, pair[0].n), reverse=True)
    return [p for _item, p in found]


def newest_good_backup(folder: Path) -> Path | None:
    """The newest backup in `folder` that check_backup() accepts (for the damaged-database
    offer); None if there is none. Reads every page of each copy it tries."""
    for path in list_backups(folder):
        try:
            check_backup(path)
        except RestoreRefused:
            continue
        return path
    return None


def _sidecars(db_file: Path) -> list[Path]:
    return [Path(f"{db_file}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return "locked" in str(exc) or "busy" in str(exc)
    return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _set_aside(db_file: Path, backups: Path, when: dt.datetime) -> Path:
    """Copy the current database into a pre-restore backup and leave it without a WAL.

    With an exclusive lock (so no other connection is open), the WAL is checkpointed into
    the main file and the backup API copies it. A database too damaged for that is copied
    byte for byte (with its -wal, if any) instead: a damaged database is what restores are for.
    """
    _private_folder(backups)
    partial = _new_partial(backups, backup_name(PRE_RESTORE, when))
    try:
        try:
            conn = sqlite3.connect(str(db_file), timeout=_LOCK_WAIT_S, isolation_level=None)
        except sqlite3.Error:
            conn = None
        if conn is not None:
            try:
                conn.execute("PRAGMA locking_mode = EXCLUSIVE")
                conn.execute("BEGIN EXCLUSIVE")
                conn.execute("COMMIT")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                _copy_database(conn, partial)
                raw = False
            except sqlite3.Error as exc:
                if _is_busy(exc):
                    raise DeskInUse() from None
                raw = True
            finally:
                conn.close()  # the last connection: SQLite removes the (empty) WAL
        else:
            raw = True
        if raw:
            shutil.copyfile(db_file, partial)
        _fsync_file(partial)
        saved = _publish(partial, backups, PRE_RESTORE, when)
        wal = Path(f"{db_file}-wal")
        if raw and wal.exists() and wal.stat().st_size:
            shutil.copyfile(wal, f"{saved}-wal")
            _fsync_file(Path(f"{saved}-wal"))
            if _POSIX:
                os.chmod(f"{saved}-wal", 0o600)
        fsync_dir(backups)
        return saved
    finally:
        partial.unlink(missing_ok=True)


def restore(data_dir: str | Path | None, source: Path, *, actor: str | None = None) -> Path | None:
    """Replace the desk's database with the backup `source`. Call it with the desk closed.

    `source` is checked first (a whole Meja Aduan database of a schema this version knows; an
    older schema is migrated at the next start); on any doubt RestoreRefused is raised and
    nothing changes. Then the current database is copied into the backups folder as a
    pre-restore backup (never a silent overwrite), its -wal/-shm/-journal files are removed
    and the checked copy of `source` takes its place with one atomic rename. Returns the
    pre-restore copy, or None when the folder had no database yet. Raises DeskInUse when
    another connection holds the database. The restore is then an event of the restored trail
    (by `actor`), and the audit head is anchored there.
    """
    paths.init(data_dir)
    db_file, backups = paths.db_path(), paths.backups_dir()
    source = Path(source)
    name = str(source)
    if source.exists() and db_file.exists() and source.resolve() == db_file.resolve():
        raise RestoreRefused(name=name)
    if not source.is_file():
        raise BackupMissing(name=name)
    mode = (db_file.stat().st_mode & 0o777) if db_file.exists() else 0o600
    partial = _new_partial(db_file.parent, db_file.name, mode)
    try:
        # Check the copy that will be installed, not the source (which could still change).
        try:
            src = sqlite3.connect(_ro_uri(source), uri=True)
            try:
                _copy_database(src, partial)
            finally:
                src.close()
        except sqlite3.DatabaseError as exc:
            raise _refusal(exc, name) from None
        check_backup(partial, name=name)
        _fsync_file(partial)
        when = utcnow()
        saved = _set_aside(db_file, backups, when) if db_file.exists() else None
        # Stale WAL frames of the old file would be replayed onto the new one: remove them
        # first (their content is in the pre-restore copy).
        for sidecar in _sidecars(db_file):
            sidecar.unlink(missing_ok=True)
        try:
            os.replace(partial, db_file)
        except PermissionError:  # Windows: the file is open somewhere
            raise DeskInUse() from None
        damage_marker(db_file).unlink(missing_ok=True)  # the damaged file is set aside
        fsync_dir(db_file.parent)
    finally:
        partial.unlink(missing_ok=True)
    _record_restore(db_file, source.name, actor)
    return saved


def _record_restore(db_file: Path, name: str, actor: str | None) -> None:
    """The restore as an event in the restored trail, and the head anchored there (the
    restored trail legitimately ends earlier). Best effort: the restore itself is done."""
    from desk_app.audit.chain import record_restore
    from desk_app.store.db import Database, sqlite_url

    db = Database(sqlite_url(db_file))
    try:
        record_restore(db, name, actor)
    except Exception as exc:  # noqa: BLE001 - e.g. a backup from before the audit trail
        log.warning("restore not recorded in the audit trail: %s", type(exc).__name__)
        from desk_app.audit import head

        head.forget()  # the old head belongs to the replaced trail
    finally:
        db.close()
