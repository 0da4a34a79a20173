"""The list's pages come from statements compiled once and run as prepared statements on the
driver (issue 11): every page must be what the SQLAlchemy query it replaced returned (same rows,
same order, same values, same masking), for every kind of search, filter, sort and cursor, for
a clerk (own and others' hidden reporters), a supervisor and IT."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import literal, select, tuple_

from desk_app.services import intake, lookup
from desk_app.services.visibility import identity_visible_sql, may_see_identity
from desk_app.store.search import fts_table
from tests.conftest import CLERK, IT, SUPERVISOR, make_form

C = lookup.C


def reference_page(desk, query, cursor=None, limit=lookup.PAGE_SIZE) -> lookup.Page:
    """lookup.list_complaints as it was before the prepared statements: built and run through
    an ORM session each time (the identity rule in SQL for NIK and phone, per batch of hits for
    words)."""
    visible = identity_visible_sql(desk.actor)
    sort_col = lookup.SORT_COLUMNS.get(query.sort, C.received_at)
    stmt = select(*lookup._ROW_COLUMNS)
    term = lookup.understand(query.text)
    order_seq, text_only = C.seq, None
    if term is not None:
        if term.kind == "number":
            stmt = stmt.where(C.tracking_no == term.value)
        elif term.kind == "number_prefix":
            stmt = stmt.where(C.tracking_no.like(term.value + "%"))
        elif term.kind in ("nik", "phone"):
            column = C.reporter_nik if term.kind == "nik" else C.reporter_phone
            stmt = stmt.where(column == term.value)
            if visible is not None:
                stmt = stmt.where(visible)
        else:
            fts = fts_table()
            stmt = stmt.join(fts, fts.c.rowid == C.seq).where(
                fts.c.complaint_fts.op("MATCH")(term.value)
            )
            text_only = f"{{subject description}} : ({term.value})" if visible is not None else None
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

    def may_see(row):
        return may_see_identity(
            desk.actor,
            anonymous=row.anonymous,
            confidential=row.confidential,
            recorded_by=row.recorded_by,
        )

    def masked(row):
        return dataclasses.replace(row, reporter_name="", masked=True)

    with desk.db.reading() as session:
        if text_only is None:
            rows = [lookup.ComplaintRow(*r) for r in session.execute(stmt.limit(limit + 1))]
            rows = [r if may_see(r) else masked(r) for r in rows]
        else:
            fts = fts_table()
            rows, last = [], None
            while len(rows) <= limit:
                page = stmt
                if last is not None:
                    page = page.where(
                        fts.c.rowid < last if query.descending else fts.c.rowid > last
                    )
                batch = [lookup.ComplaintRow(*r) for r in session.execute(page.limit(limit + 1))]
                if not batch:
                    break
                allowed = set(
                    session.scalars(
                        select(fts.c.rowid).where(fts.c.complaint_fts.op("MATCH")(text_only))
                    )
                )
                rows += [
                    r if may_see(r) else masked(r) for r in batch if may_see(r) or r.seq in allowed
                ]
                last = batch[-1].seq
                if len(batch) < limit + 1:
                    break
            rows = rows[: limit + 1]
    more = len(rows) > limit
    rows = rows[:limit]
    return lookup.Page(rows, lookup.cursor_of(query, rows[-1]) if more and rows else None)


def every_page(call, desk, query, limit):
    pages, cursor = [], None
    while True:
        page = call(desk, query, cursor, limit)
        pages.append(page)
        if page.cursor is None:
            return pages
        cursor = page.cursor


@pytest.fixture
def mixed(desk):
    """Complaints recorded by the clerk and by a supervisor, open, anonim and rahasia, some
    found only by the reporter's name, over several days, statuses and channels."""
    clerk = desk.acting(CLERK)
    base = dt.datetime(2026, 11, 2, 3, 0)
    done = []
    for i in range(30):
        by = clerk if i % 2 else desk
        form = make_form(
            reporter_name="Rahmat Kenanga" if i % 4 == 0 else f"Pelapor {i}",
            reporter_nik=f"14030157089{i:05d}",
            reporter_phone=f"0812 7000 {i % 7:04d}",
            subject="Sampah menumpuk" if i % 4 == 0 else f"Kenanga layu nomor {i}",
            anonymous="yes" if i % 3 == 1 else "no",
            confidential="yes" if i % 5 == 2 else "no",
            channel="telepon" if i % 2 else "datang_langsung",
        )
        # Several complaints received at the same time: the seq half of a cursor matters.
        when = base + dt.timedelta(days=i // 3)
        done.append(intake.record_complaint(by, form, now=when))
    return desk, done


ACTORS = {"clerk": CLERK, "supervisor": SUPERVISOR, "it": IT}


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("limit", [1, 4, 100])
def test_every_page_is_what_the_sqlalchemy_query_returned(mixed, who, limit):
    desk, done = mixed
    actor_desk = desk.acting(ACTORS[who])
    number = done[7].tracking_no
    queries = [
        lookup.ListQuery(),
        lookup.ListQuery(descending=False),
        lookup.ListQuery(text="kenanga"),  # in the names of hidden reporters too
        lookup.ListQuery(text="kenanga", descending=False),
        lookup.ListQuery(text="kenanga", status="recorded", channel="telepon"),
        lookup.ListQuery(text="pelapor 1"),
        lookup.ListQuery(text="sampah"),
        lookup.ListQuery(text=number),
        lookup.ListQuery(text=number.rsplit("-", 2)[0]),
        lookup.ListQuery(text="1403015708900004"),  # an anonim reporter's NIK
        lookup.ListQuery(text="1403015708900007"),  # the clerk's own anonim reporter
        lookup.ListQuery(text="0812-7000-0001"),
        lookup.ListQuery(channel="telepon"),
        lookup.ListQuery(status="recorded", descending=False),
        lookup.ListQuery(date_from=dt.date(2026, 11, 4), date_to=dt.date(2026, 11, 7)),
        lookup.ListQuery(text="kenanga", date_from=dt.date(2026, 11, 4)),
        *(lookup.ListQuery(sort=s, descending=d) for s in lookup.SORT_COLUMNS for d in (1, 0)),
        lookup.ListQuery(sort="no such key"),
        lookup.ListQuery(text="nothingmatches"),
    ]
    for query in queries:
        expected = every_page(reference_page, actor_desk, query, limit)
        got = every_page(lookup.list_complaints, actor_desk, query, limit)
        assert got == expected, query
    # And the rule itself, not only the sameness: a clerk never finds another's hidden
    # reporter by the name, and sees the reporters of their own.
    rows = [
        r for p in every_page(lookup.list_complaints, actor_desk, queries[2], 100) for r in p.rows
    ]
    for row in rows:
        hidden = (row.anonymous or row.confidential) and not (
            who == "supervisor" or (who == "clerk" and row.recorded_by == CLERK.username)
        )
        assert row.masked == bool(hidden)
        if hidden:
            assert row.reporter_name == "" and "kenanga" in row.subject.lower()


def test_the_values_are_converted_as_sqlalchemy_converts_them(mixed):
    desk, _done = mixed
    (row, *_rest) = lookup.list_complaints(desk, lookup.ListQuery()).rows
    assert type(row.received_at) is dt.datetime and type(row.due_date) is dt.date
    assert type(row.anonymous) is bool and type(row.confidential) is bool
    assert type(row.seq) is int


def test_a_page_is_refused_without_view_permission(mixed):
    from desk_app.errors import NotSignedIn

    desk, _done = mixed
    with pytest.raises(NotSignedIn):
        lookup.list_complaints(desk.acting(None), lookup.ListQuery(text="kenanga"))


def quick_page(desk, query, cursor=None, limit=lookup.PAGE_SIZE) -> lookup.Page:
    """lookup.list_complaints inside Database.quick_reads (the GUI thread's first page)."""
    with desk.db.quick_reads(10_000):
        return lookup.list_complaints(desk, query, cursor, limit)


@pytest.mark.parametrize("who", list(ACTORS))
def test_a_quick_read_gives_the_same_pages(mixed, who):
    desk, done = mixed
    actor_desk = desk.acting(ACTORS[who])
    for query in (
        lookup.ListQuery(),
        lookup.ListQuery(text="kenanga"),  # hidden reporters' names: masked or left out
        lookup.ListQuery(text="1403015708900004"),  # an anonim reporter's NIK
        lookup.ListQuery(text=done[7].tracking_no),
        lookup.ListQuery(sort="status", descending=False),
    ):
        expected = every_page(reference_page, actor_desk, query, 4)
        assert every_page(quick_page, actor_desk, query, 4) == expected, query
    assert desk.db._quick.conn is not None  # read on its own connection, not the pool's


def test_a_quick_read_gives_up_past_its_time_and_the_ordinary_read_goes_on(mixed, monkeypatch):
    from desk_app.store import db as store_db

    desk, _done = mixed
    monkeypatch.setattr(store_db, "QUICK_CHECK_EVERY", 1)  # asked at every VM instruction
    query = lookup.ListQuery(text="kenanga")
    with pytest.raises(store_db.NotQuick), desk.db.quick_reads(0):
        lookup.list_complaints(desk, query)
    # Nothing left open: the connection reads again, and so does the pool.
    assert quick_page(desk, query) == lookup.list_complaints(desk, query)
    assert not desk.db._quick.conn.driver.in_transaction


def test_a_quick_read_never_writes_and_is_closed_with_the_database(mixed):
    import sqlite3

    from desk_app.errors import DeskError

    desk, _done = mixed
    quick_page(desk, lookup.ListQuery())
    driver = desk.db._quick.conn.driver
    with pytest.raises(sqlite3.OperationalError):
        driver.execute("DELETE FROM complaint")
    with pytest.raises((DeskError, sqlite3.Error)), desk.db.quick_reads(1000):
        with desk.db.reading_core() as read:
            read.driver.execute("DELETE FROM complaint")
    assert lookup.list_complaints(desk, lookup.ListQuery(), limit=1).rows
    desk.db.close()
    with pytest.raises(sqlite3.ProgrammingError):
        driver.execute("SELECT 1")
    # A database used after close() makes connections again (SQLAlchemy's pool does too).
    assert quick_page(desk, lookup.ListQuery()) == lookup.list_complaints(desk, lookup.ListQuery())
