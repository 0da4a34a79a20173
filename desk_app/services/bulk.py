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
- the rows are tuples in the tables' column order, not dicts, and each due date, ISO text
  and bound time is worked out once per chunk; the audit view's JSON is written from the
  row, and the chunk's events are sealed by one audit.seal.Sealer (seal()'s bytes);
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
import operator
from collections import Counter

from sqlalchemy import Date, bindparam, func, insert, select, text

from desk_app import deadlines
from desk_app.audit import chain, seal
from desk_app.domain import numbering
from desk_app.domain.complaint import ValidComplaint
from desk_app.services import holidays, intake
from desk_app.services.desk import Desk
from desk_app.store import models
from desk_app.store.ids import uuid7_strings
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


# The complaint table's columns a save writes (intake.complaint_row's keys) in the table's
# order, and the outbox's (intake.outbox_record's): a chunk's rows are tuples in this order
# (no dict per row, issue 11).
_COMPLAINT_KEYS = (
    "id",
    "tracking_no",
    "desk_code",
    "report_type",
    "channel",
    "received_at",
    "recorded_by",
    *intake.OTHER_FORM_COLUMNS,
    "status",
    "due_date",
    "linked_to",
    "created_at",
    "updated_at",
)
_OUTBOX_KEYS = ("item_id", "complaint_id", "kind", "revision", "state", "created_at", "attempts")
_ATTACHMENT_KEYS = ("complaint_id", "filename", "sha256", "size")
# The audit view (intake.audit_view) of a row: its values in the order of their sorted keys
# (to_json sorts them: in that order already, the sort costs nothing), where the identity
# fields say only whether they were filled in and dates and times are ISO text (as to_json
# writes them, without a call back from json for each).
_VIEW_KEYS = tuple(sorted((*_COMPLAINT_KEYS, "attachments")))
_VIEW_ORDER = operator.itemgetter(*((*_COMPLAINT_KEYS, "attachments").index(k) for k in _VIEW_KEYS))
_IDENTITY_AT = tuple(_COMPLAINT_KEYS.index(k) for k in intake.IDENTITY_FIELDS)
_ISO_AT = tuple(
    _COMPLAINT_KEYS.index(k)
    for k in ("received_at", "event_date", "due_date", "created_at", "updated_at")
)
_RECEIVED_AT, _DUE_DATE = _COMPLAINT_KEYS.index("received_at"), _COMPLAINT_KEYS.index("due_date")


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
    `days`: each time's desk.local_day, when the caller has them already.

    Each row holds what intake.complaint_row, outbox_record and audit_view give a save
    (tests/core/test_bulk.py compares the two), built here as tuples in the tables' column
    order, and the audit view's JSON written from them."""
    if not items:
        return []
    local_day = desk.local_day
    if days is None:
        days = [local_day(now) for _valid, now in items]
    received_days = [
        day if valid.received_at in (None, now) else local_day(valid.received_at)
        for (valid, now), day in zip(items, days, strict=True)
    ]
    numbers = _numbers(session, desk, days)
    calendar = holidays.calendar_in(session, desk, since=min(received_days))
    rules, reference = deadlines.load(), desk.reference
    # A chunk's complaints share a few rules and received days: each rule looked up once per
    # (report type, category), each due date counted once per (day, working days).
    working_days: dict[tuple[str, str], int] = {}
    due_dates: dict[tuple[dt.date, int], dt.date] = {}
    desk_code, user = desk.desk_code, desk.user
    other_values = intake.other_form_values
    ids = iter(uuid7_strings(2 * len(items)))
    iso: dict = {}  # date or time -> ISO text: a chunk's rows share days, a row its times
    bound: dict = {}  # the same, as bound (Prepared.many_tuples)
    rows, outbox, attachments, views = [], [], [], []
    for (valid, now), number, received_day in zip(items, numbers, received_days, strict=True):
        report_type, category = valid.report_type.value, valid.category
        days_given = working_days.get((report_type, category))
        if days_given is None:
            rule = rules.for_complaint(report_type, category, reference)
            days_given = working_days[report_type, category] = rule.working_days
        due = due_dates.get((received_day, days_given))
        if due is None:
            due = due_dates[received_day, days_given] = calendar.add_working_days(
                received_day, days_given
            )
        complaint_id = next(ids)
        row = (
            complaint_id,
            number,
            desk_code,
            report_type,
            valid.channel.value,
            valid.received_at or now,
            user,
            *other_values(valid),
            "recorded",
            due,
            None,
            now,
            now,
        )
        rows.append(row)
        outbox.append((next(ids), complaint_id, "record", 0, "waiting", now, 0))
        if valid.attachments:
            files = [
                (complaint_id, f["filename"], f["sha256"], int(f["size"]))
                for f in valid.attachments
            ]
            attachments += files
        else:
            files = []
        views.append(_audit_text(row, files, iso))

    trigger = _fts_trigger(session)
    if trigger is not None:
        after = session.scalar(select(func.coalesce(func.max(models.Complaint.seq), 0)))
        session.execute(text(f"DROP TRIGGER {FTS_TRIGGER}"))
    _INSERT_COMPLAINT.many_tuples(session, _COMPLAINT_KEYS, rows, bound)
    if trigger is not None:
        session.execute(_FILL_FTS, {"after": after})
        session.execute(text(trigger))
    _INSERT_ATTACHMENT.many_tuples(session, _ATTACHMENT_KEYS, attachments, bound)
    _INSERT_OUTBOX.many_tuples(session, _OUTBOX_KEYS, outbox, bound)
    chain.append_many(
        session,
        desk,
        "complaint.record",
        "complaint",
        [(row[0], view) for row, view in zip(rows, views, strict=True)],
        encoded=True,
    )
    if not returning:
        return []
    return [intake.Recorded(r[0], r[1], r[_RECEIVED_AT], r[_DUE_DATE]) for r in rows]


def _audit_text(row: tuple, files: list[tuple], iso: dict) -> str:
    """to_json(intake.audit_view(row, files)) of a row in _COMPLAINT_KEYS' order; `iso`
    keeps the ISO text of the dates and times met."""
    view = [*row, [{"sha256": f[2], "size": f[3]} for f in files]]
    for i in _IDENTITY_AT:
        if view[i]:
            view[i] = intake.IDENTITY_MARK
    for i in _ISO_AT:
        value = view[i]
        if value is not None:
            text = iso.get(value)
            if text is None:
                text = iso[value] = value.isoformat()
            view[i] = text
    return seal.plain_json(dict(zip(_VIEW_KEYS, _VIEW_ORDER(view), strict=True)))
