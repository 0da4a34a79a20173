"""Recording many validated complaints in one transaction (an import, demo data): what
intake._write does for one, done per chunk.

Every complaint gets what a save gives it (its tracking number in the desk's series for its
day, its due date, its outbox row, its attachments, its own sealed audit event) in the caller's
write transaction, so a chunk is all there or none of it. Only the way differs (issue 11):
- the numbers of a day are taken with one counter update per day, not one per complaint;
- the complaints, outbox rows, attachments and audit events (each still sealed over the one
  before it) go in one executemany each (not the ORM's bulk path, which split a chunk into
  thousands of executes wherever a value was None; on SQLite the driver's own executemany,
  each value bound as Core would bind it: Prepared.many_tuples);
- the rows are tuples in the tables' column order, not dicts, staged before the transaction
  (services/staging.py: all but the number and the due date, the audit view's JSON in parts
  around them; demo data stages them in its helper process), each due date and bound time
  worked out once per chunk, and the chunk's events sealed by one audit.seal.Sealer;
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

from sqlalchemy import Date, bindparam, func, insert, select, text

from desk_app import deadlines
from desk_app.audit import chain
from desk_app.domain import numbering
from desk_app.domain.complaint import ValidComplaint
from desk_app.services import holidays, intake, staging
from desk_app.services.desk import Desk
from desk_app.store import models
from desk_app.store.prepared import Prepared

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


# Compiled once, run as the driver's executemany (store/prepared.py): Core's executemany spent
# more per row building and processing its parameters than SQLite spent inserting them.
_INSERT_COMPLAINT = Prepared(insert(models.Complaint.__table__))
_INSERT_ATTACHMENT = Prepared(insert(models.Attachment.__table__))
_INSERT_OUTBOX = Prepared(insert(models.Outbox.__table__))
_DUE_DATE = staging.COMPLAINT_KEYS.index("due_date")  # in a completed row


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


def _fts_trigger(session) -> str | None:
    """The SQL of the per-row FTS trigger, or None (not SQLite, or no such trigger)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    return session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": FTS_TRIGGER},
    ).scalar()


def write_many(
    session,
    desk: Desk,
    items: list[tuple[ValidComplaint, dt.datetime]],
    *,
    days: list[dt.date] | None = None,
    returning: bool = True,
) -> list:
    """Record each (validated complaint, time it is recorded) in the caller's write
    transaction; return intake.Recorded for each, in order (none without `returning`).
    `days`: each time's desk.local_day, when the caller has them already."""
    if not items:
        return []
    return write_staged(session, desk, stage(desk, items, days), returning=returning)


def stage(
    desk: Desk,
    items: list[tuple[ValidComplaint, dt.datetime]],
    days: list[dt.date] | None = None,
) -> list[staging.Staged]:
    """staging.stage_many for this desk and its acting user (no database: before the write
    transaction, or in another process)."""
    local_day = desk.local_day
    if days is None:
        days = [local_day(now) for _valid, now in items]
    received_days = [
        day if valid.received_at in (None, now) else local_day(valid.received_at)
        for (valid, now), day in zip(items, days, strict=True)
    ]
    return staging.stage_many(items, days, received_days, desk.desk_code, desk.user)


def write_staged(session, desk: Desk, staged: list[staging.Staged], *, returning: bool = True):
    """Write staged complaints in the caller's write transaction, each with its number (the
    desk's series for its day, taken now) and its due date (the calendar as stored now); return
    intake.Recorded for each, in order (none without `returning`).

    Each row holds what intake.complaint_row, outbox_record and audit_view give a save
    (tests/core/test_bulk.py compares the two)."""
    if not staged:
        return []
    numbers = _numbers(session, desk, [s.day for s in staged])
    calendar = holidays.calendar_in(session, desk, since=min(s.received_day for s in staged))
    rules, reference = deadlines.load(), desk.reference
    # A chunk's complaints share a few rules and received days: each rule looked up once per
    # (report type, category), each due date counted once per (day, working days).
    working_days: dict[tuple[str, str], int] = {}
    due_dates: dict[tuple[dt.date, int], dt.date] = {}
    rows, views, attachments = [], [], []
    for item, number in zip(staged, numbers, strict=True):
        days_given = working_days.get(item.rule)
        if days_given is None:
            rule = rules.for_complaint(*item.rule, reference)
            days_given = working_days[item.rule] = rule.working_days
        due = due_dates.get((item.received_day, days_given))
        if due is None:
            due = due_dates[item.received_day, days_given] = calendar.add_working_days(
                item.received_day, days_given
            )
        row, view = item.complete(number, due)
        rows.append(row)
        views.append((row[0], view))
        if item.files:
            attachments += item.files

    trigger = _fts_trigger(session)
    if trigger is not None:
        after = session.scalar(select(func.coalesce(func.max(models.Complaint.seq), 0)))
        session.execute(text(f"DROP TRIGGER {FTS_TRIGGER}"))
    bound: dict = {}  # values as bound (Prepared.many_tuples): a chunk's rows share days
    _INSERT_COMPLAINT.many_tuples(session, staging.COMPLAINT_KEYS, rows, bound)
    if trigger is not None:
        session.execute(_FILL_FTS, {"after": after})
        session.execute(text(trigger))
    _INSERT_ATTACHMENT.many_tuples(session, staging.ATTACHMENT_KEYS, attachments, bound)
    _INSERT_OUTBOX.many_tuples(session, staging.OUTBOX_KEYS, [s.outbox for s in staged], bound)
    chain.append_many(session, desk, "complaint.record", "complaint", views, encoded=True)
    if not returning:
        return []
    return [
        intake.Recorded(row[0], row[1], item.received_at, row[_DUE_DATE])
        for row, item in zip(rows, staged, strict=True)
    ]
