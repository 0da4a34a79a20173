"""Finding complaints again: by tracking number, NIK, phone or words, with filters and keyset
paging (never OFFSET), and reading one complaint whole.

The list is ordered by (received_at, seq) in the direction asked, or by (status|channel|agency,
seq); every order has an index, so a page streams from it. Word searches are the exception:
they come in arrival order (see `arrival_order`).

Both need Action.VIEW when the desk has an actor (the GUI and CLI always set one; headless tools
and tests may not, and then see everything). The reporter's identity of an anonim or rahasia
complaint is masked (`masked=True`, name "" and NIK, phone, e-mail, address empty) for an actor
who may not see it (domain.roles: IT never, a clerk only on own entries), and a search by NIK,
phone or name does not find such complaints for that actor either.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import literal, select, tuple_

from desk_app.domain import numbering, validation
from desk_app.domain.roles import Action, Actor
from desk_app.errors import DeskError, NotFound
from desk_app.services import visibility
from desk_app.services.access import require
from desk_app.services.desk import Desk
from desk_app.services.visibility import identity_visible_sql as _identity_visible
from desk_app.services.visibility import may_see_identity
from desk_app.store import models
from desk_app.store.search import fts_table, match_all
from desk_app.sync import outbox

C = models.Complaint

# Sort keys a list may use: each has an index (column, seq), so keyset paging stays fast and
# a date filter streams from ix_complaint_received_seq in the order the list shows.
SORT_COLUMNS = {
    "received": C.received_at,
    "status": C.status,
    "channel": C.channel,
    "agency": C.agency,
}
PAGE_SIZE = 100


@dataclass(frozen=True)
class ListQuery:
    text: str = ""
    status: str | None = None
    channel: str | None = None
    date_from: dt.date | None = None  # local dates, inclusive
    date_to: dt.date | None = None
    sort: str = "received"
    descending: bool = True


@dataclass(frozen=True)
class ComplaintRow:
    seq: int
    id: str
    tracking_no: str
    received_at: dt.datetime
    reporter_name: str
    anonymous: bool
    subject: str
    category: str
    agency: str
    channel: str
    status: str
    due_date: dt.date
    confidential: bool = False
    recorded_by: str = ""
    masked: bool = False  # the reporter's identity is hidden from this actor


@dataclass(frozen=True)
class Page:
    rows: list[ComplaintRow]
    cursor: tuple | None  # pass back to get the next page; None when there is no more


@dataclass(frozen=True)
class SearchTerm:
    """What the clerk typed, understood: a number, a number prefix, a NIK, a phone or words."""

    kind: str
    value: str


_ROW_COLUMNS = (
    C.seq,
    C.id,
    C.tracking_no,
    C.received_at,
    C.reporter_name,
    C.anonymous,
    C.subject,
    C.category,
    C.agency,
    C.channel,
    C.status,
    C.due_date,
    C.confidential,
    C.recorded_by,
)
_BODY_RE = re.compile(r"^[A-Z][A-Z0-9]{1,7}-\d{6}(-\d{1,6})?$")


def understand(text: str) -> SearchTerm | None:
    """Classify a search. Raises MistypedNumber for a tracking number with a wrong check."""
    text = text.strip()
    if not text:
        return None
    compact = numbering.normalise(text)
    if numbering.looks_like_number(compact):
        return SearchTerm("number", numbering.parse(compact))
    if _BODY_RE.match(compact):
        return SearchTerm("number_prefix", compact)
    digits = compact.replace("-", "")
    if digits.isdigit() and len(digits) == 16 and not digits.startswith("0"):
        return SearchTerm("nik", digits)
    if validation.looks_like_phone(text):
        try:
            return SearchTerm("phone", validation.check_phone(text))
        except validation.FieldInvalid:
            pass
    query = match_all(text)
    return SearchTerm("words", query) if query else None


def _masked_row(row, actor: Actor | None) -> ComplaintRow:
    item = ComplaintRow(*row)
    if may_see_identity(
        actor,
        anonymous=item.anonymous,
        confidential=item.confidential,
        recorded_by=item.recorded_by,
    ):
        return item
    return dataclasses.replace(item, reporter_name="", masked=True)


def list_complaints(
    desk: Desk, query: ListQuery, cursor: tuple | None = None, limit: int = PAGE_SIZE
) -> Page:
    """One page of complaints matching `query`, after `cursor` (from the previous page)."""
    require(desk, desk.actor, Action.VIEW)
    visible = _identity_visible(desk.actor)
    sort_col = SORT_COLUMNS.get(query.sort, C.received_at)
    stmt = select(*_ROW_COLUMNS)
    term = understand(query.text)
    order_seq = C.seq
    text_only = None
    if term is not None:
        if term.kind == "number":
            stmt = stmt.where(C.tracking_no == term.value)
        elif term.kind == "number_prefix":
            stmt = stmt.where(C.tracking_no.like(term.value + "%"))
        elif term.kind == "nik":
            stmt = stmt.where(C.reporter_nik == term.value)
            if visible is not None:
                stmt = stmt.where(visible)
        elif term.kind == "phone":
            stmt = stmt.where(C.reporter_phone == term.value)
            if visible is not None:
                stmt = stmt.where(visible)
        else:
            fts = fts_table()
            stmt = stmt.join(fts, fts.c.rowid == C.seq).where(
                fts.c.complaint_fts.op("MATCH")(term.value)
            )
            # A hidden reporter's name must not make the complaint a hit: checked on each
            # batch of hits below (_text_hits), not in this statement.
            text_only = f"{{subject description}} : ({term.value})" if visible is not None else None
            # Page in the FTS index's own rowid order: streams instead of sorting all hits.
            order_seq = fts.c.rowid
    if query.status:
        stmt = stmt.where(C.status == query.status)
    if query.channel:
        stmt = stmt.where(C.channel == query.channel)
    if query.date_from:
        stmt = stmt.where(C.received_at >= desk.start_of_day(query.date_from))
    if query.date_to:
        stmt = stmt.where(C.received_at < desk.start_of_day(query.date_to + dt.timedelta(days=1)))

    if order_seq is not C.seq:
        # Words page in arrival order whatever the sort asked (see arrival_order()).
        if cursor is not None:
            stmt = stmt.where(order_seq < cursor[0] if query.descending else order_seq > cursor[0])
        stmt = stmt.order_by(order_seq.desc() if query.descending else order_seq.asc())
    else:
        if cursor is not None:
            first = literal(cursor[0], type_=sort_col.type)
            key, after = tuple_(sort_col, C.seq), tuple_(first, literal(cursor[1]))
            stmt = stmt.where(key < after if query.descending else key > after)
        if query.descending:
            stmt = stmt.order_by(sort_col.desc(), C.seq.desc())
        else:
            stmt = stmt.order_by(sort_col.asc(), C.seq.asc())
    with desk.db.reading() as session:
        if term is not None and term.kind == "words" and text_only is not None:
            rows = _words_page(session, stmt, text_only, desk.actor, query.descending, limit)
        else:
            rows = [_masked_row(r, desk.actor) for r in session.execute(stmt.limit(limit + 1))]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, cursor_of(query, rows[-1]) if more and rows else None)


def _words_page(session, stmt, text_only: str, actor, descending: bool, limit: int) -> list:
    """limit + 1 rows of a word search for an actor who may not see every reporter.

    The hits come in batches in rowid order; a hit whose reporter the actor may not see stays
    only when the words are in its subject or description (the name must not make it a hit):
    one full-text query over the batch's rowid range answers that for the whole batch. (A
    correlated EXISTS per hidden hit re-expanded a prefix word each time, 1 ms per hit; the
    match set as a LIST SUBQUERY cost 180 ms at a million rows.)"""
    fts = fts_table()
    kept: list[ComplaintRow] = []
    last = None
    batch = limit + 1
    while len(kept) <= limit:
        page = stmt
        if last is not None:
            page = page.where(fts.c.rowid < last if descending else fts.c.rowid > last)
        rows = [ComplaintRow(*r) for r in session.execute(page.limit(batch))]
        if not rows:
            break
        hidden = [r for r in rows if not _may_see(actor, r)]
        allowed: set[int] = set()
        if hidden:
            low, high = min(r.seq for r in hidden), max(r.seq for r in hidden)
            allowed = set(
                session.scalars(
                    select(fts.c.rowid).where(
                        fts.c.complaint_fts.op("MATCH")(text_only),
                        fts.c.rowid >= low,
                        fts.c.rowid <= high,
                    )
                )
            )
        for row in rows:
            if _may_see(actor, row):
                kept.append(row)
            elif row.seq in allowed:
                kept.append(dataclasses.replace(row, reporter_name="", masked=True))
        last = rows[-1].seq
        if len(rows) < batch:
            break
    return kept[: limit + 1]


def _may_see(actor: Actor | None, row: ComplaintRow) -> bool:
    return may_see_identity(
        actor, anonymous=row.anonymous, confidential=row.confidential, recorded_by=row.recorded_by
    )


def cursor_of(query: ListQuery, row: ComplaintRow) -> tuple:
    """The cursor that pages on from `row` under `query` (the list model also pages back
    with it: the same query in the other direction, from its first row)."""
    if arrival_order(query):
        return (row.seq,)
    return (getattr(row, SORT_COLUMNS.get(query.sort, C.received_at).key), row.seq)


def arrival_order(query: ListQuery) -> bool:
    """Whether `query` is a word search, whose hits come in arrival order (the full-text
    index's rowid: newest recorded first when descending) instead of the asked sort.

    Ordering a common word's hits by received time or rank means visiting every hit (about
    a second for a word in most of a million complaints); by rowid the page streams from the
    index. The list shows no sort indicator then, so it promises no order it does not keep.
    """
    try:
        term = understand(query.text)
    except DeskError:
        return False
    return term is not None and term.kind == "words"


@dataclass(frozen=True)
class ComplaintDetail:
    complaint: models.Complaint
    attachments: list[models.Attachment] = field(default_factory=list)
    linked_number: str | None = None
    linked_from: list[str] = field(default_factory=list)
    masked: bool = False  # the reporter's identity fields were blanked for this actor
    uploaded: bool = False  # its record reached the province (the outbox says; sync/outbox.py)
    recorded_by_name: str = ""  # the recording user's full name ("" when unknown)


def get_complaint(desk: Desk, key: str) -> ComplaintDetail:
    """One complaint by id or tracking number (raises NotFound / MistypedNumber).

    The complaint is detached from its session; when `masked`, its reporter fields were
    blanked for this actor: never write it back.
    """
    require(desk, desk.actor, Action.VIEW)
    with desk.db.reading() as session:
        if numbering.looks_like_number(key):
            number = numbering.parse(key)
            row = session.scalar(select(C).where(C.tracking_no == number))
            if row is None:
                raise NotFound(number=number)
        else:
            try:
                uuid.UUID(key)
            except ValueError:
                numbering.parse(key)  # raises MalformedNumber: neither a number nor an id
            row = session.scalar(select(C).where(C.id == key))
            if row is None:
                raise NotFound(number=key)
        attachments = list(row.attachments)
        linked = None
        if row.linked_to:
            linked = session.scalar(select(C.tracking_no).where(C.id == row.linked_to))
        linked_from = list(
            session.scalars(select(C.tracking_no).where(C.linked_to == row.id).order_by(C.seq))
        )
        uploaded = outbox.uploaded(session, row.id)
        officer = session.scalar(
            select(models.User.full_name).where(models.User.username == row.recorded_by)
        )
        session.expunge_all()
    masked = not may_see_identity(
        desk.actor,
        anonymous=row.anonymous,
        confidential=row.confidential,
        recorded_by=row.recorded_by,
    )
    if masked:
        for name, blank in visibility.IDENTITY_BLANKS.items():
            setattr(row, name, blank)
    return ComplaintDetail(
        row, attachments, linked, linked_from, masked, uploaded, recorded_by_name=officer or ""
    )
