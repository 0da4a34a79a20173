"""Recording a complaint: one durable transaction that allocates the tracking number, writes
the complaint, its attachments, its outbox row and its audit event, and clears the draft.

Recording needs Action.RECORD (clerk, supervisor) when the desk has an actor; the GUI and CLI
always set one, headless tools and tests may not (see services/desk.py).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sqlite3
from dataclasses import dataclass

import uuid6
from sqlalchemy import Date, bindparam, delete, insert, select, text
from sqlalchemy.exc import OperationalError

from desk_app import deadlines
from desk_app.domain import numbering, validation
from desk_app.domain.calendar import WorkingCalendar
from desk_app.domain.complaint import ComplaintForm, ValidComplaint, validate
from desk_app.domain.roles import Action
from desk_app.errors import DeskError, ImportFailed, NotFound, ValidationFailed
from desk_app.i18n import _
from desk_app.services import audit, holidays, visibility
from desk_app.services.access import require
from desk_app.services.desk import Desk
from desk_app.services.staging import FORM_COLUMNS, IDENTITY_FIELDS, IDENTITY_MARK
from desk_app.store import models
from desk_app.store.prepared import Prepared
from desk_app.store.search import fts_table

INTAKE_DRAFT = "intake"


@dataclass(frozen=True)
class Recorded:
    id: str
    tracking_no: str
    received_at: dt.datetime
    due_date: dt.date


# Plain SQL that SQLite (3.35+) and PostgreSQL both speak. As text() it is compiled once;
# SQLAlchemy's dialect insert().on_conflict_do_update() was recompiled on every save.
_NEXT_SEQUENCE = Prepared(
    text(
        "INSERT INTO day_counter (desk_code, day, last_seq) VALUES (:desk_code, :day, 1) "
        "ON CONFLICT (desk_code, day) DO UPDATE SET last_seq = day_counter.last_seq + 1 "
        "RETURNING last_seq"
    ).bindparams(bindparam("day", type_=Date))
)


# Core on the tables, compiled once (store/prepared.py): the ORM's bulk path cost 0.1 ms per
# statement, and Core's per-execute work still cost more than SQLite's (issue 11).
_INSERT_COMPLAINT = Prepared(insert(models.Complaint.__table__))
_INSERT_ATTACHMENT = Prepared(insert(models.Attachment.__table__))
_INSERT_OUTBOX = Prepared(insert(models.Outbox.__table__))
_LINKED_EXISTS = Prepared(
    select(models.Complaint.seq).where(models.Complaint.id == bindparam("id"))
)
_DELETE_DRAFT = Prepared(delete(models.Draft).where(models.Draft.key == bindparam("key")))


def outbox_record(complaint_id: str, now: dt.datetime) -> dict:
    """The outbox row that uploads a new complaint (a record item, protocol §4): written in the
    complaint's own transaction, so there is never one without the other."""
    return dict(
        item_id=str(uuid6.uuid7()),
        complaint_id=complaint_id,
        kind="record",
        revision=0,
        state="waiting",
        attempts=0,
        created_at=now,
    )


def next_sequence(session, desk_code: str, day: dt.date) -> int:
    """Allocate the next daily sequence under the transaction's write lock."""
    return _NEXT_SEQUENCE.scalar(session, {"desk_code": desk_code, "day": day})


def form_values(valid: ValidComplaint) -> dict:
    """The complaint table's columns that come from the form (all but when it was received
    and the attachments, which have their own rules)."""
    values = {name: getattr(valid, name) for name in FORM_COLUMNS}
    values["report_type"] = valid.report_type.value
    values["channel"] = valid.channel.value
    return values


def complaint_row(
    desk: Desk,
    valid: ValidComplaint,
    *,
    number: str,
    now: dt.datetime,
    link_to: str | None,
    calendar: WorkingCalendar | None = None,
) -> dict:
    """The complaint table's values for a validated complaint. `calendar`: the desk's working
    days as stored now (holidays.calendar_in); desk.calendar (as opened) without it."""
    received = valid.received_at or now
    due = deadlines.due_date(
        calendar or desk.calendar,
        desk.reference,
        valid.report_type.value,
        valid.category,
        desk.local_day(received),
    )
    return dict(
        id=str(uuid6.uuid7()),
        tracking_no=number,
        desk_code=desk.desk_code,
        recorded_by=desk.user,
        **form_values(valid),
        received_at=received,
        status="recorded",
        due_date=due,
        linked_to=link_to,
        created_at=now,
        updated_at=now,
    )


def audit_files(files: list[dict]) -> list[dict]:
    """Attachments as the audit trail keeps them: content (SHA-256) and size, never the file's
    name (a KTP scan is often named after the person, and the sealed trail cannot forget)."""
    return [{"sha256": f["sha256"], "size": int(f["size"])} for f in files]


def audit_view(row: dict, files: list | None = None) -> dict:
    """A complaint's values as the audit trail keeps them: identity fields only say whether
    they were filled in; attachments by content, not by name."""
    view = {
        k: (IDENTITY_MARK if row[k] else row[k]) if k in IDENTITY_FIELDS else v
        for k, v in row.items()
    }
    if files is not None:
        view["attachments"] = audit_files(files)
    return view


def _write(session, desk: Desk, valid: ValidComplaint, now: dt.datetime, link_to: str | None):
    """Insert one validated complaint, its attachments, its outbox row and its audit event;
    return Recorded.

    Core inserts, not ORM objects: the unit of work tripled the cost of a save.
    """
    if link_to is not None and _LINKED_EXISTS.first(session, {"id": link_to}) is None:
        raise NotFound(number=link_to)
    day = desk.local_day(now)
    number = numbering.make(desk.desk_code, day, next_sequence(session, desk.desk_code, day))
    received = desk.local_day(valid.received_at or now)
    calendar = holidays.calendar_in(session, desk, since=received)
    row = complaint_row(desk, valid, number=number, now=now, link_to=link_to, calendar=calendar)
    _INSERT_COMPLAINT.run(session, row)
    files = [
        dict(filename=item["filename"], sha256=item["sha256"], size=int(item["size"]))
        for item in valid.attachments
    ]
    _INSERT_ATTACHMENT.many(session, [dict(complaint_id=row["id"], **f) for f in files])
    _INSERT_OUTBOX.run(session, outbox_record(row["id"], now))
    audit.append(
        session,
        desk,
        "complaint.record",
        "complaint",
        row["id"],
        after=audit_view(row, files),
    )
    return Recorded(row["id"], number, row["received_at"], row["due_date"])


def _storage_error(exc: Exception) -> DeskError:
    from desk_app.store.faults import storage_error

    return storage_error(exc)


def record_complaint(
    desk: Desk,
    form: ComplaintForm,
    *,
    link_to: str | None = None,
    draft_key: str | None = INTAKE_DRAFT,
    now: dt.datetime | None = None,
) -> Recorded:
    """Validate and record one complaint; return its tracking number once it is on disk.

    The draft under `draft_key` is removed in the same transaction. Raises ValidationFailed or
    StorageError, and then nothing is written and the draft stays; PermissionDenied.
    """
    require(desk, desk.actor, Action.RECORD)
    now = now or desk.now()
    valid = validate(form, desk.reference, today=desk.local_day(now))
    try:
        with desk.db.writing_core() as session:
            result = _write(session, desk, valid, now, link_to)
            if draft_key:
                _DELETE_DRAFT.run(session, {"key": draft_key})
    except (OperationalError, sqlite3.OperationalError) as exc:  # the save's are the driver's
        raise _storage_error(exc) from None
    return result


def validate_all(
    desk: Desk, forms: list[tuple[int, ComplaintForm]], now: dt.datetime
) -> tuple[list[ValidComplaint], list[tuple[int, str, str]]]:
    """Validate every form; return the valid ones and (line, field, message) problems."""
    problems: list[tuple[int, str, str]] = []
    valids = []
    for line, form in forms:
        try:
            valids.append(validate(form, desk.reference, today=desk.local_day(now)))
        except ValidationFailed as exc:
            problems.extend((line, name, text) for name, text in exc.errors.items())
    return valids, problems


def record_many(
    desk: Desk, forms: list[tuple[int, ComplaintForm]], *, now: dt.datetime | None = None
) -> list[Recorded]:
    """Validate every form first, then record all of them in one transaction, or none.

    `forms` pairs each form with its line number; on any invalid form raise ImportFailed
    listing (line, field, message) for each problem.
    """
    require(desk, desk.actor, Action.RECORD)
    now = now or desk.now()
    valids, problems = validate_all(desk, forms, now)
    if problems:
        raise ImportFailed(problems)
    try:
        from desk_app.services import bulk

        with desk.db.writing() as session:
            return bulk.write_many(session, desk, [(valid, now) for valid in valids])
    except OperationalError as exc:
        raise _storage_error(exc) from None


# -- possible duplicates ---------------------------------------------------------------

SIMILARITY_THRESHOLD = 0.55
_STOPWORDS = frozenset(
    "yang dan di ke dari untuk dengan pada ini itu tidak sudah belum ada kami saya kita "
    "karena oleh atau juga dalam akan bisa agar sejak sampai tersebut".split()
)


@dataclass(frozen=True)
class DuplicateCandidate:
    id: str
    tracking_no: str
    received_at: dt.datetime
    subject: str
    status: str
    reasons: tuple[str, ...]


def _significant_words(text: str, limit: int = 12) -> list[str]:
    seen: list[str] = []
    for word in re.findall(r"\w+", text.lower()):
        if len(word) >= 4 and word not in _STOPWORDS and word not in seen:
            seen.append(word)
    return seen[:limit]


# The newest text hits the duplicate check looks at. Ordering every hit by rank took 300 ms at
# a million complaints (seven prefix words joined by OR match about one in five); newest first
# with a cap streams from the index, and the agency and window filters then keep about one in
# ten of them, so 5,000 reaches well past any recent complaint about the same thing.
DUPLICATE_SCAN = 5000


def _similar_text(words: list[str], agency: str, since: dt.datetime, limit: int = 20):
    """The newest complaints about `agency` received since `since` that share a word with
    `words`, among the newest DUPLICATE_SCAN text hits (not ranked: see DUPLICATE_SCAN).

    Whole words, not prefixes (the words are letters and digits, four or more, so nothing needs
    quoting): a prefix longer than the index's 2- and 3-letter prefixes merges every word
    that starts with it before the first hit, 16 ms a word at a million complaints."""
    C = models.Complaint
    fts = fts_table()
    hits = (
        select(fts.c.rowid)
        .where(fts.c.complaint_fts.op("MATCH")(" OR ".join(f'"{w}"' for w in words)))
        .order_by(fts.c.rowid.desc())
        .limit(DUPLICATE_SCAN)
        .subquery("hits")
    )
    return (
        select(C)
        .join(hits, hits.c.rowid == C.seq)
        .where(C.agency == agency, C.received_at >= since)
        .order_by(C.seq.desc())
        .limit(limit)
    )


def find_duplicates(
    desk: Desk, form: ComplaintForm, *, now: dt.datetime | None = None, limit: int = 5
) -> list[DuplicateCandidate]:
    """Recent complaints from the same reporter (NIK or phone) or with very similar text about
    the same agency, so the clerk can link instead of opening a second case."""
    from desk_app import settings

    require(desk, desk.actor, Action.RECORD)
    now = now or desk.now()
    since = now - dt.timedelta(days=settings.get(desk.db, "duplicate_window_days"))
    reasons: dict[str, list[str]] = {}
    C = models.Complaint
    found: dict[str, models.Complaint] = {}
    with desk.db.reading() as session:
        identity_checks = []
        try:
            if form.reporter_nik.strip():
                nik = validation.check_nik(form.reporter_nik)
                identity_checks.append((C.reporter_nik == nik, _("same NIK")))
        except validation.FieldInvalid:
            pass
        try:
            if form.reporter_phone.strip():
                phone = validation.check_phone(form.reporter_phone)
                identity_checks.append((C.reporter_phone == phone, _("same phone number")))
        except validation.FieldInvalid:
            pass
        # The identity rule: a hidden reporter's complaint is never found by who they are.
        visible = visibility.identity_visible_sql(desk.actor)
        for condition, reason in identity_checks:
            stmt = select(C).where(condition, C.received_at >= since)
            if visible is not None:
                stmt = stmt.where(visible)
            rows = session.scalars(stmt.order_by(C.seq.desc()).limit(20))
            for row in rows:
                found[row.id] = row
                reasons.setdefault(row.id, []).append(reason)

        words = _significant_words(f"{form.subject} {form.description}")
        if form.agency.strip() and len(words) >= 2:
            rows = session.scalars(_similar_text(words, form.agency.strip(), since))
            # Newest first: once `limit` are similar, an older one cannot make the list, and
            # comparing texts was most of the check's time. The quick ratios are upper bounds.
            matcher = difflib.SequenceMatcher(None)
            matcher.set_seq1(f"{form.subject} {form.description}".lower())
            similar = 0
            for row in rows:
                if similar >= limit:
                    break
                matcher.set_seq2(f"{row.subject} {row.description}".lower())
                if matcher.real_quick_ratio() < SIMILARITY_THRESHOLD:
                    continue
                if matcher.quick_ratio() < SIMILARITY_THRESHOLD:
                    continue
                ratio = matcher.ratio()
                if ratio >= SIMILARITY_THRESHOLD:
                    similar += 1
                    found[row.id] = row
                    reasons.setdefault(row.id, []).append(
                        _("similar text about the same agency ({percent}%)").format(
                            percent=round(ratio * 100)
                        )
                    )
    ordered = sorted(found.values(), key=lambda r: r.seq, reverse=True)[:limit]
    return [
        DuplicateCandidate(
            r.id, r.tracking_no, r.received_at, r.subject, r.status, tuple(reasons[r.id])
        )
        for r in ordered
    ]


def check_before_saving(desk: Desk, form: ComplaintForm) -> list[DuplicateCandidate]:
    """Validate the form (raises ValidationFailed) and return possible duplicates to show."""
    require(desk, desk.actor, Action.RECORD)
    validate(form, desk.reference, today=desk.today())
    return find_duplicates(desk, form)
