"""Opening a desk: the data folder, the database (checked, backed up, migrated) and the
settings, reference data and calendar every service needs.

A Desk is a frozen value. Who acts travels with it: `desk.acting(actor)` is the same desk for
one signed-in user (services.accounts.authenticate), made once per sign-in and handed to every
service call and worker, so no worker ever reads an actor that another thread changed. Every
public service checks `desk.actor` itself (services.accounts.require) and refuses a desk with
no actor: only open_desk, the set-up (init_desk), sign-in and the self-test work without one.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from desk_app import paths, reference, settings
from desk_app.domain.calendar import HOLIDAY_CATEGORIES, WorkingCalendar, local_day
from desk_app.domain.roles import Actor
from desk_app.errors import DatabaseDamaged, DeskReadOnly
from desk_app.leftovers import remove_leftovers
from desk_app.store import bulk_indexes, faults, migrate
from desk_app.store.db import Database, check_sqlite_file, sqlite_url, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Desk:
    """Everything a service needs about this desk, and who acts. Made at start and once per
    sign-in (`acting`); cheap to pass around, never changed in place.

    `set_up`: the desk has its own identity (a desk code stored by init_desk); until then it
    records nothing.
    """

    db: Database
    desk_code: str
    desk_name: str
    zone: ZoneInfo
    reference: reference.Reference
    calendar: WorkingCalendar
    attachments_dir: Path
    actor: Actor | None = None
    set_up: bool = True
    # Settings whose stored value is not valid (their default is used): the CLI warns on every
    # command and the GUI says so in its status bar, until IT repairs them (settings.py).
    bad_settings: tuple[str, ...] = ()
    # The regency/city the desk serves (Kemendagri code, "" for a provincial desk): decides
    # which agencies the intake form offers (reference.Reference.agencies_for).
    region: str = ""
    office: str = ""  # the office's name, on receipts and the window's status bar
    language: str = "id"  # the window's language (i18n.follow_desk)

    def acting(self, actor: Actor | None) -> Desk:
        """This desk, for `actor` (None: nobody signed in)."""
        return replace(self, actor=actor)

    def reloaded(self) -> Desk:
        """This desk with its identity read again from the settings (after init_desk, or
        after IT changed one: the window is rebuilt on it, ui/main_window.py) and its
        reference data read again (a sync may have fetched new sets into the data folder)."""
        return replace(self, reference=reference.load(paths.data_dir()), **_identity(self.db))

    @property
    def user(self) -> str:
        """The acting user's name, as complaints (recorded_by) and audit events keep it; ""
        when nobody is signed in (only the set-up and sign-in write then)."""
        return self.actor.username if self.actor is not None else ""

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()

    def start_of_day(self, day: dt.date) -> dt.datetime:
        """The first moment of the local `day`, in naive UTC as the database stores times (the
        one rule that turns the desk's dates into stored times: lists, exports, the trail)."""
        start = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        return start.astimezone(dt.UTC).replace(tzinfo=None)

    def local_day(self, when: dt.datetime) -> dt.date:
        return local_day(when, self.zone)

    def now(self) -> dt.datetime:
        return utcnow()

    def close(self) -> None:
        self.db.close()


def check_integrity(desk: Desk) -> None:
    """PRAGMA quick_check over the whole database; raises DatabaseDamaged, and then marks the
    database damaged so every later write is refused until a restore. Slow on big databases:
    run it off the GUI thread. Any signed-in user's desk may run it."""
    from desk_app.services.access import require_signed_in

    require_signed_in(desk)
    if desk.db.path is not None:
        try:
            check_sqlite_file(desk.db.path, thorough=True)
        except DatabaseDamaged:
            desk.db.mark_damaged()
            raise


def open_desk(
    data_dir: str | Path | None = None, url: str | None = None, actor: Actor | None = None
):
    """Open (creating if needed) the desk's database and return a Desk.

    Raises DatabaseDamaged or DatabaseTooNew without changing anything; DeskBusy, DiskFull or
    DeskReadOnly when the disk says so. A data folder that cannot be written opens read-only
    (reading works, writes raise DeskReadOnly); a database marked damaged opens for reading
    and refuses writes. Leftovers of a killed backup or restore are removed first.
    """
    folder = paths.init(data_dir)
    remove_leftovers(folder)
    read_only = False
    if url is None:
        db_file = paths.db_path()
        check_sqlite_file(db_file)
        url = sqlite_url(db_file)
        read_only = not faults.folder_writable(db_file)
        if read_only and not db_file.exists():
            raise DeskReadOnly(path=str(folder))
    db = Database(url, read_only=read_only)
    try:
        bulk_indexes.put_back_left(db)  # a killed demo-data run's, before any migration
        migrate.upgrade(db, backups_dir=paths.backups_dir())
        identity = _identity(db)
    except BaseException as exc:
        db.close()
        found = db.fault(exc) if isinstance(exc, Exception) else exc
        if found is exc:
            raise
        raise found from None
    desk = Desk(
        db=db,
        reference=reference.load(paths.data_dir()),
        calendar=_calendar(db),
        attachments_dir=paths.attachments_dir(),
        actor=actor,
        **identity,
    )
    if db.writable:  # a read-only or damaged desk cannot; the next start that can, does
        _reapply_erasures(desk)
    return desk


def _calendar(db: Database) -> WorkingCalendar:
    """The country's working days plus the desk's own (services/holidays.py). Recording and
    corrections read the desk's days again in their transaction, so a change needs no restart.
    The country's days of a year come from the machine's cache once computed (calendar_cache)."""
    from desk_app.calendar_cache import YearCache
    from desk_app.services.holidays import read_changes

    store = YearCache(paths.cache_dir(), HOLIDAY_CATEGORIES)
    with db.reading() as session:
        return WorkingCalendar(*read_changes(session), store=store)


def _reapply_erasures(desk: Desk) -> None:
    """Erasures a restored backup brought back are made again (services/privacy.py). A desk
    that cannot write now (read-only folder, busy) still opens: it is tried at the next start."""
    from sqlalchemy.exc import SQLAlchemyError

    from desk_app.errors import DeskError
    from desk_app.services import privacy

    try:
        privacy.reapply_erasures_at_start(desk)
    except (DeskError, SQLAlchemyError, OSError) as exc:
        log.warning("recorded erasures not re-applied yet: %s", type(exc).__name__)


def _identity(db: Database) -> dict:
    """What the settings say about this desk, in one read. A bad stored value falls back to
    its default and is named in bad_settings; a bad desk code does not make a desk set up (the
    default PKU01 belongs to another desk's series)."""
    loaded = settings.load(db)
    return dict(
        desk_code=loaded["desk_code"],
        desk_name=loaded["desk_name"],
        zone=ZoneInfo(loaded["timezone"]),
        set_up=loaded.is_set("desk_code"),
        bad_settings=loaded.bad,
        region=loaded["region"],
        office=loaded["office"],
        language=loaded["language"],
    )
