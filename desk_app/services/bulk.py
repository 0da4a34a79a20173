"""Recording many validated complaints in one transaction (an import, demo data): what
intake._write does for one, done per chunk.

Every complaint gets what a save gives it (its tracking number in the desk's series for its
day, its due date, its outbox row, its attachments, its own sealed audit event) in the caller's
write transaction, so a chunk is all there or none of it. Only the way differs (issue 11):
- the numbers of a day are taken with one counter update per day, not one per complaint;
- the complaints, outbox rows, attachments and audit events (each still sealed over the one
  before it) go in one executemany each (not the ORM's bulk path, which split a chunk into
  thousands of executes wherever a value was None; on SQLite the driver's own executemany,
  each value bound as Core would bind it: _insert_many);
- the full-text index is filled once per chunk from the rows just written: the per-row
  trigger is set aside inside the transaction and put back, word for word, before it ends
  (a rollback puts it back too; other connections never see the table without it).

No permission check of its own, and no `desk` first: not a door. It runs inside the write
transaction of a service that has already asked (intake.record_many and demo.generate require
Action.RECORD). It repeats what intake._write does for one complaint: a change to what a save
writes must be made in both (tests/core/test_bulk.py compares what the two write).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import Date, bindparam, func, select, text

from desk_app.audit import chain
from desk_app.domain import numbering
from desk_app.domain.complaint import ValidComplaint
from desk_app.services import holidays
from desk_app.services.desk import Desk
from desk_app.store import driver, models

FTS_TRIGGER = "complaint_fts_ai"  # migration 0001: one FTS insert per complaint inserted

_ADVANCE = text(
    "INSERT INTO day_counter (desk_code, day, last_seq) VALUES (:desk_code, :day, :n) "
    "ON CONFLICT (desk_code, day) DO UPDATE SET last_seq = day_counter.last_seq + :n "
    "RETURNING last_seq"
).bindparams(bindparam("day", type_=Date))
_FILL_FTS = text(
    "INSERT INTO complaint_fts(rowid, subject, description, reporter_name) "
    "SELECT seq, subject, description, reporter_name FROM complaint WHERE seq > :after"
)


def _insert_many(session, table, rows: list[dict]) -> None:
    """INSERT `rows` into `table` as insert(table) would, through the driver's executemany
    (store/driver.py: Core's executemany spent more per row building and processing its
    parameters than SQLite spent inserting them)."""
    driver.insert_many(session.connection(), table, rows)


def _numbers(session, desk: Desk, days: list[dt.date]) -> list[str]:
    """Tracking numbers for complaints recorded on `days` (in order): each day's counter
    moved once by its count, the numbers handed out in the order given."""
    series = {}
    for day, count in Counter(days).items():
        last = session.execute(
            _ADVANCE, {"desk_code": desk.desk_code, "day": day, "n": count}
        ).scalar_one()
        series[day] = iter(numbering.series(desk.desk_code, day, last - count + 1, count))
    return [next(series[day]) for day in days]


class _ChunkCalendar:
    """The desk's calendar for one chunk, each (start, days) counted once: complaints of a
    chunk share a few received days, and counting working days was a fifth of the time."""

    def __init__(self, calendar) -> None:
        self._calendar = calendar
        self._counted: dict[tuple[dt.date, int], dt.date] = {}

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        key = (start, days)
        if key not in self._counted:
            self._counted[key] = self._calendar.add_working_days(start, days)
        return self._counted[key]


def _fts_trigger(session) -> str | None:
    """The SQL of the per-row FTS trigger, or None (not SQLite, or no such trigger)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    return session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": FTS_TRIGGER},
    ).scalar()


def write_many(session, desk: Desk, items: list[tuple[ValidComplaint, dt.datetime]]) -> list:
    """Record each (validated complaint, time it is recorded) in the caller's write
    transaction; return intake.Recorded for each, in order."""
    from desk_app.services import intake

    if not items:
        return []
    days = [desk.local_day(now) for _valid, now in items]
    numbers = _numbers(session, desk, days)
    earliest = min(
        day if valid.received_at in (None, now) else desk.local_day(valid.received_at)
        for (valid, now), day in zip(items, days, strict=True)
    )
    calendar = _ChunkCalendar(holidays.calendar_in(session, desk, since=earliest))
    rows, outbox, files = [], [], []
    for (valid, now), number in zip(items, numbers, strict=True):
        row = intake.complaint_row(
            desk, valid, number=number, now=now, link_to=None, calendar=calendar
        )
        rows.append(row)
        outbox.append(intake.outbox_record(row["id"], now))
        files.append(
            [
                dict(filename=f["filename"], sha256=f["sha256"], size=int(f["size"]))
                for f in valid.attachments
            ]
        )

    trigger = _fts_trigger(session)
    if trigger is not None:
        after = session.scalar(select(func.coalesce(func.max(models.Complaint.seq), 0)))
        session.execute(text(f"DROP TRIGGER {FTS_TRIGGER}"))
    _insert_many(session, models.Complaint.__table__, rows)
    if trigger is not None:
        session.execute(_FILL_FTS, {"after": after})
        session.execute(text(trigger))
    attachments = [
        dict(complaint_id=row["id"], **f) for row, fs in zip(rows, files, strict=True) for f in fs
    ]
    _insert_many(session, models.Attachment.__table__, attachments)
    _insert_many(session, models.Outbox.__table__, outbox)
    chain.append_many(
        session,
        desk,
        "complaint.record",
        "complaint",
        [(row["id"], intake.audit_view(row, fs)) for row, fs in zip(rows, files, strict=True)],
    )
    return [
        intake.Recorded(r["id"], r["tracking_no"], r["received_at"], r["due_date"]) for r in rows
    ]
