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

import datetime as dt
import functools
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Integer, bindparam, select, tuple_

from desk_app.domain import numbering, validation
from desk_app.domain.roles import Action, Actor
from desk_app.errors import DeskError, NotFound
from desk_app.services import visibility
from desk_app.services.access import require
from desk_app.services.desk import Desk
from desk_app.services.visibility import may_see_identity
from desk_app.store import models
from desk_app.store.prepared import Prepared
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
    return _understand(text.strip())


@functools.lru_cache(maxsize=256)
def _understand(text: str) -> SearchTerm | None:
    # Worked out once per text: each page asks on the worker and the window asks again for
    # the sort indicator (arrival_order); a mistyped number raises again each time.
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


def list_complaints(
    desk: Desk, query: ListQuery, cursor: tuple | None = None, limit: int = PAGE_SIZE
) -> Page:
    """One page of complaints matching `query`, after `cursor` (from the previous page).

    The statement is compiled once for each shape of query (_list_statement) and run as a
    prepared statement on the driver (store/prepared.py, Database.reading_core): building,
    caching and running it through SQLAlchemy each time cost 0.4 ms against SQLite's 0.02 ms
    for a rare word (issue 11). The values are converted by SQLAlchemy's own processors, so the
    rows are those session.execute gave."""
    require(desk, desk.actor, Action.VIEW)
    actor = desk.actor
    scope = visibility.identity_scope(actor)
    term = understand(query.text)
    kind = term.kind if term is not None else None
    params: dict = {"limit": limit + 1}
    if term is not None:
        params["term"] = term.value + "%" if kind == "number_prefix" else term.value
    if query.status:
        params["status"] = query.status
    if query.channel:
        params["channel"] = query.channel
    if query.date_from:
        params["date_from"] = desk.start_of_day(query.date_from)
    if query.date_to:
        params["date_to"] = desk.start_of_day(query.date_to + dt.timedelta(days=1))
    if cursor is not None:
        if kind == "words":
            params["after_seq"] = cursor[0]
        else:
            params["after_key"], params["after_seq"] = cursor[0], cursor[1]
    if scope == visibility.OWN:
        params["username"] = actor.username
    sort = query.sort if query.sort in SORT_COLUMNS else "received"
    shape = (
        kind,
        # The identity rule in SQL: a search by NIK or phone must not find a hidden reporter.
        scope if kind in ("nik", "phone") else visibility.ALL,
        bool(query.status),
        bool(query.channel),
        bool(query.date_from),
        bool(query.date_to),
        sort if kind != "words" else None,  # words page in arrival order (arrival_order())
        query.descending,
        cursor is not None,
    )
    with desk.db.reading_core() as read:
        if kind == "words" and scope != visibility.ALL:
            rows = _words_page(read, shape, params, actor, query.descending, limit)
        else:
            found = _list_statement(*shape, False).all(read, params)
            rows = _rows(found, actor, scope)
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, cursor_of(query, rows[-1]) if more and rows else None)


@functools.lru_cache(maxsize=256)
def _list_statement(
    kind: str | None,
    scope: str,
    status: bool,
    channel: bool,
    date_from: bool,
    date_to: bool,
    sort: str | None,
    descending: bool,
    after: bool,
    batch_after: bool,
) -> Prepared:
    """The list's statement for one shape of query, its values as bind parameters (term,
    username, status, channel, date_from, date_to, after_key, after_seq, last, limit)."""
    stmt = select(*_ROW_COLUMNS)
    order_seq = C.seq
    if kind == "number":
        stmt = stmt.where(C.tracking_no == bindparam("term", type_=C.tracking_no.type))
    elif kind == "number_prefix":
        stmt = stmt.where(C.tracking_no.like(bindparam("term", type_=C.tracking_no.type)))
    elif kind in ("nik", "phone"):
        column = C.reporter_nik if kind == "nik" else C.reporter_phone
        stmt = stmt.where(column == bindparam("term", type_=column.type))
        visible = visibility.scope_visible_sql(
            scope, bindparam("username", type_=C.recorded_by.type)
        )
        if visible is not None:
            stmt = stmt.where(visible)
    elif kind == "words":
        fts = fts_table()
        match = bindparam("term", type_=fts.c.complaint_fts.type)
        stmt = stmt.join(fts, fts.c.rowid == C.seq).where(fts.c.complaint_fts.op("MATCH")(match))
        # A hidden reporter's name must not make the complaint a hit: checked on each batch
        # of hits (_words_page), not in this statement.
        # Page in the FTS index's own rowid order: streams instead of sorting all hits.
        order_seq = fts.c.rowid
    if status:
        stmt = stmt.where(C.status == bindparam("status", type_=C.status.type))
    if channel:
        stmt = stmt.where(C.channel == bindparam("channel", type_=C.channel.type))
    if date_from:
        stmt = stmt.where(C.received_at >= bindparam("date_from", type_=C.received_at.type))
    if date_to:
        stmt = stmt.where(C.received_at < bindparam("date_to", type_=C.received_at.type))

    if order_seq is not C.seq:
        # Words page in arrival order whatever the sort asked (see arrival_order()).
        for wanted, name in ((after, "after_seq"), (batch_after, "last")):
            if wanted:
                value = bindparam(name, type_=Integer)
                stmt = stmt.where(order_seq < value if descending else order_seq > value)
        stmt = stmt.order_by(order_seq.desc() if descending else order_seq.asc())
    else:
        sort_col = SORT_COLUMNS[sort or "received"]
        if after:
            first = bindparam("after_key", type_=sort_col.type)
            key, cursor = tuple_(sort_col, C.seq), tuple_(first, bindparam("after_seq", Integer))
            stmt = stmt.where(key < cursor if descending else key > cursor)
        if descending:
            stmt = stmt.order_by(sort_col.desc(), C.seq.desc())
        else:
            stmt = stmt.order_by(sort_col.asc(), C.seq.asc())
    return Prepared(stmt.limit(bindparam("limit", type_=Integer)))


def _hidden_hits_statement() -> Prepared:
    fts = fts_table()
    return Prepared(
        select(fts.c.rowid).where(
            fts.c.complaint_fts.op("MATCH")(bindparam("match", type_=fts.c.complaint_fts.type)),
            fts.c.rowid >= bindparam("low", type_=Integer),
            fts.c.rowid <= bindparam("high", type_=Integer),
        )
    )


# Which of a batch's hidden hits have the words in their subject or description.
_HIDDEN_HITS = _hidden_hits_statement()


def _rows(found: list[tuple], actor: Actor | None, scope: str) -> list[ComplaintRow]:
    """The rows as ComplaintRows, a reporter `actor` may not see masked."""
    if scope == visibility.ALL:
        return [ComplaintRow(*row) for row in found]
    return [
        ComplaintRow(*row)
        if _may_see(actor, row)
        else ComplaintRow(*row[:4], "", *row[5:], masked=True)
        for row in found
    ]


# Positions in _ROW_COLUMNS of what the identity rule looks at.
_ANONYMOUS, _CONFIDENTIAL, _RECORDED_BY = 5, 12, 13


def _may_see(actor: Actor | None, row: tuple) -> bool:
    """may_see_identity for a row of _ROW_COLUMNS."""
    return may_see_identity(
        actor,
        anonymous=row[_ANONYMOUS],
        confidential=row[_CONFIDENTIAL],
        recorded_by=row[_RECORDED_BY],
    )


def _words_page(read, shape: tuple, params: dict, actor, descending: bool, limit: int) -> list:
    """limit + 1 rows of a word search for an actor who may not see every reporter.

    The hits come in batches in rowid order; a hit whose reporter the actor may not see stays
    only when the words are in its subject or description (the name must not make it a hit):
    one full-text query over the batch's rowid range answers that for the whole batch. (A
    correlated EXISTS per hidden hit re-expanded a prefix word each time, 1 ms per hit; the
    match set as a LIST SUBQUERY cost 180 ms at a million rows.)"""
    text_only = {"match": f"{{subject description}} : ({params['term']})"}
    first, following = _list_statement(*shape, False), _list_statement(*shape, True)
    kept: list[ComplaintRow] = []
    last = None
    batch = limit + 1
    while len(kept) <= limit:
        if last is None:
            rows = first.all(read, {**params, "limit": batch})
        else:
            rows = following.all(read, {**params, "last": last, "limit": batch})
        if not rows:
            break
        hidden = [r for r in rows if not _may_see(actor, r)]
        allowed: set[int] = set()
        if hidden:
            low, high = min(r[0] for r in hidden), max(r[0] for r in hidden)
            found = _HIDDEN_HITS.all(read, {**text_only, "low": low, "high": high})
            allowed = {seq for (seq,) in found}
        for row in rows:
            if _may_see(actor, row):
                kept.append(ComplaintRow(*row))
            elif row[0] in allowed:
                kept.append(ComplaintRow(*row[:4], "", *row[5:], masked=True))
        last = rows[-1][0]
        if len(rows) < batch:
            break
    return kept[: limit + 1]


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
