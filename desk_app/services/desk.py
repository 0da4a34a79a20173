"""Opening a desk: the data folder, the database (checked, backed up, migrated) and the
settings, reference data and calendar every service needs.

The desk knows who acts: `Desk.actor`, set by the GUI after its login and by the CLI from
`--user` (services.accounts.authenticate). The GUI and CLI always set an actor once the desk
has users; `actor=None` (tests, demo data, the self-test, tools on a desk not yet set up)
skips the permission checks and records "petugas" as the recording user, as before roles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from desk_app import paths, reference, settings
from desk_app.domain.calendar import WorkingCalendar
from desk_app.domain.roles import Actor
from desk_app.store import migrate
from desk_app.store.db import Database, check_sqlite_file, sqlite_url, utcnow

ANONYMOUS_USER = "petugas"  # recorded_by when no actor is set (headless tools and tests)


@dataclass
class Desk:
    """Everything a service needs about this desk. Made once at start; cheap to pass around."""

    db: Database
    desk_code: str
    desk_name: str
    zone: ZoneInfo
    reference: reference.Reference
    calendar: WorkingCalendar
    attachments_dir: Path
    actor: Actor | None = None
    # Settings whose stored value is not valid (their default is used): the CLI warns on every
    # command and the GUI says so in its status bar, until IT repairs them (settings.py).
    bad_settings: tuple[str, ...] = ()

    @property
    def user(self) -> str:
        """The acting user's name, as complaints (recorded_by) and audit events keep it."""
        return self.actor.username if self.actor is not None else ANONYMOUS_USER

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()

    def local_day(self, when: dt.datetime) -> dt.date:
        return when.replace(tzinfo=dt.UTC).astimezone(self.zone).date()

    def now(self) -> dt.datetime:
        return utcnow()

    def close(self) -> None:
        self.db.close()


def check_integrity(desk: Desk) -> None:
    """PRAGMA quick_check over the whole database; raises DatabaseDamaged. Slow on big
    databases: run it off the GUI thread."""
    if desk.db.path is not None:
        check_sqlite_file(desk.db.path, thorough=True)


def open_desk(
    data_dir: str | Path | None = None, url: str | None = None, actor: Actor | None = None
):
    """Open (creating if needed) the desk's database and return a Desk.

    Raises DatabaseDamaged or DatabaseTooNew without changing anything.
    """
    paths.init(data_dir)
    if url is None:
        db_file = paths.db_path()
        check_sqlite_file(db_file)
        url = sqlite_url(db_file)
    db = Database(url)
    try:
        migrate.upgrade(db, backups_dir=paths.backups_dir())
    except Exception:
        db.close()
        raise
    try:
        loaded = settings.load(db)  # a bad stored value falls back to its default: see .bad
    except Exception:
        db.close()
        raise
    return Desk(
        db=db,
        desk_code=loaded["desk_code"],
        desk_name=loaded["desk_name"],
        zone=ZoneInfo(loaded["timezone"]),
        reference=reference.load(),
        calendar=WorkingCalendar(),
        attachments_dir=paths.attachments_dir(),
        actor=actor,
        bad_settings=loaded.bad,
    )
