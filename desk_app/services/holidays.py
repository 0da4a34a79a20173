"""The desk's own calendar days: local holidays and late SKB changes (a cuti bersama added,
moved or cancelled), kept in the calendar_day table on top of the country's calendar
(domain/calendar.py). IT changes them (Action.CONFIGURE_DESK), each change audited with its
reason as `calendar.day`, in one transaction.

Every deadline uses them at once, without a restart: recording and corrections read the days
inside their own transaction (calendar_in, one small query), so a day IT adds from the settings
tab or the CLI moves the due date of the very next complaint recorded, in any desk process.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, Date, bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from desk_app.domain.calendar import WorkingCalendar
from desk_app.domain.roles import Action
from desk_app.domain.validation import format_date
from desk_app.errors import CalendarDayRefused
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.store import models
from desk_app.store.prepared import Prepared

NAME_MAX = 120
# Plain SQL compiled once and prepared (store/prepared.py): read in every recording's
# transaction, where the ORM's select cost about 0.8 ms, text() about 30 us and this about 5 us.
_DAYS_SINCE = Prepared(
    text("SELECT day, working FROM calendar_day WHERE day >= :since")
    .bindparams(bindparam("since", type_=Date))
    .columns(day=Date, working=Boolean)
)


@dataclass(frozen=True)
class CalendarDayRow:
    """One of the desk's own days. `working`: a working day after all (an SKB moved or
    cancelled a holiday); otherwise a holiday. `national`: what the country's calendar says of
    the day (a holiday's name, or "")."""

    day: dt.date
    working: bool
    name: str
    changed_by: str
    national: str = ""


@dataclass(frozen=True)
class CalendarChanged:
    """What a change did: the day as it was (None: not listed) and as it is now (None:
    removed); `calendar`: the desk's calendar with the change, for a caller that keeps one."""

    before: CalendarDayRow | None
    after: CalendarDayRow | None
    calendar: WorkingCalendar


def read_changes(session: Session, since: dt.date | None = None):
    """The desk's own (holidays, working days), from `since` on (all if None)."""
    rows = _DAYS_SINCE.all(session, {"since": since or dt.date.min})  # (day, working)
    return [day for day, working in rows if not working], [day for day, working in rows if working]


def calendar_in(session: Session, desk, since: dt.date | None = None) -> WorkingCalendar:
    """The desk's working calendar as stored now (the country's days plus IT's changes), for
    a deadline counted from `since` (earlier days do not matter). Inside the caller's
    transaction; no permission of its own (the recording or correction checked)."""
    holidays, working = read_changes(session, since)
    return desk.calendar.with_changes(holidays, working)


def list_days(desk) -> list[CalendarDayRow]:
    """Every day IT set apart, in date order."""
    require(desk, desk.actor, Action.CONFIGURE_DESK)
    with desk.db.reading() as session:
        rows = session.scalars(select(models.CalendarDay).order_by(models.CalendarDay.day)).all()
        return [_row(desk, r) for r in rows]


def add_holiday(desk, day: dt.date, name: str, reason: str) -> CalendarChanged:
    """Make `day` a holiday for this desk (a local holiday, or a cuti bersama a late SKB
    added). Replaces what the desk had said of that day. Raises CalendarDayRefused."""
    require(desk, desk.actor, Action.CONFIGURE_DESK)
    return _set(desk, day, name, reason, working=False)


def add_working_day(desk, day: dt.date, name: str, reason: str) -> CalendarChanged:
    """Make `day` a working day although the country's calendar lists it as a holiday (an SKB
    moved or cancelled a cuti bersama). A Saturday or Sunday is refused."""
    require(desk, desk.actor, Action.CONFIGURE_DESK)
    if day.weekday() >= 5:
        raise CalendarDayRefused(reason="weekend", day=format_date(day))
    return _set(desk, day, name, reason, working=True)


def remove_day(desk, day: dt.date, reason: str) -> CalendarChanged:
    """Give `day` back to the country's calendar. Raises CalendarDayRefused (not listed)."""
    require(desk, desk.actor, Action.CONFIGURE_DESK)
    reason = _reason(reason)
    with desk.db.writing() as session:
        stored = session.get(models.CalendarDay, day)
        if stored is None:
            raise CalendarDayRefused(reason="not_listed", day=format_date(day))
        before = _row(desk, stored)
        session.execute(delete(models.CalendarDay).where(models.CalendarDay.day == day))
        _audit(session, desk, day, before, None, reason)
        calendar = calendar_in(session, desk)
    return CalendarChanged(before, None, calendar)


def _set(desk, day: dt.date, name: str, reason: str, *, working: bool) -> CalendarChanged:
    reason = _reason(reason)
    name = " ".join(name.split())
    if not name:
        raise CalendarDayRefused(reason="no_name", day=format_date(day))
    if len(name) > NAME_MAX:
        raise CalendarDayRefused(reason="name_too_long", day=format_date(day), max=NAME_MAX)
    now = desk.now()
    values = dict(working=working, name=name, changed_by=desk.user, changed_at=now)
    with desk.db.writing() as session:
        stored = session.get(models.CalendarDay, day)
        before = _row(desk, stored) if stored is not None else None
        table = models.CalendarDay.__table__
        if stored is None:
            session.execute(insert(table).values(day=day, **values))
        else:
            session.execute(update(table).where(table.c.day == day).values(**values))
        after = CalendarDayRow(day, working, name, desk.user, desk.calendar.national_holiday(day))
        _audit(session, desk, day, before, after, reason)
        calendar = calendar_in(session, desk)
    return CalendarChanged(before, after, calendar)


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise CalendarDayRefused(reason="no_reason", day="")
    return reason


def _row(desk, stored: models.CalendarDay) -> CalendarDayRow:
    national = desk.calendar.national_holiday(stored.day)
    return CalendarDayRow(stored.day, stored.working, stored.name, stored.changed_by, national)


def _view(row: CalendarDayRow | None) -> dict | None:
    return None if row is None else {"working": row.working, "name": row.name}


def _audit(session, desk, day, before, after, reason: str) -> None:
    audit.append(
        session,
        desk,
        "calendar.day",
        "calendar_day",
        day.isoformat(),
        before=_view(before),
        after=_view(after),
        reason=reason,
    )
