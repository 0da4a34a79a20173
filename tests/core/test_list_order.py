"""The list keeps the order its header promises: by received time (then seq), both ways, paged
by keyset, with date filters streaming from the (received_at, seq) index."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_app.services import intake, lookup
from tests.conftest import make_form, statements_sent

TODAY = dt.datetime(2026, 11, 20, 3, 0)  # 10:00 WIB


def backdated(desk, old=6, new=4, later=0):
    """`new` complaints received this morning, then an import of `old` ones received weeks
    ago (recorded after the morning's, so with higher seq), then `later` received after."""
    items = []
    for i in range(new):
        form = make_form(subject=f"Hari ini pagi {i}")
        items.append(intake.record_complaint(desk, form, now=TODAY + dt.timedelta(minutes=i)))
    for i in range(old):  # an import: recorded now, received over past weeks
        when = TODAY - dt.timedelta(days=3 * (i + 1))
        form = make_form(subject=f"Lama {i}", received_at=when.isoformat())
        items.append(intake.record_complaint(desk, form, now=TODAY + dt.timedelta(minutes=30)))
    for i in range(later):
        form = make_form(subject=f"Hari ini siang {i}")
        items.append(
            intake.record_complaint(desk, form, now=TODAY + dt.timedelta(hours=2, minutes=i))
        )
    return items


def all_pages(desk, query, limit):
    rows, cursor = [], None
    while True:
        page = lookup.list_complaints(desk, query, cursor, limit=limit)
        rows.extend(page.rows)
        if page.cursor is None:
            return rows
        cursor = page.cursor


def expected(desk, descending=True):
    rows = all_pages(desk, lookup.ListQuery(status="recorded"), limit=10_000)
    return sorted(((r.received_at, r.seq) for r in rows), reverse=descending)


def test_newest_received_first_even_after_backdated_rows(desk):
    items = backdated(desk)
    first = lookup.list_complaints(desk, lookup.ListQuery(), limit=3).rows
    # The import was recorded after this morning's complaints: it must not push them down.
    assert [r.subject for r in first] == ["Hari ini pagi 3", "Hari ini pagi 2", "Hari ini pagi 1"]
    whole = all_pages(desk, lookup.ListQuery(), limit=4)
    assert [r.subject for r in whole[3:6]] == ["Hari ini pagi 0", "Lama 0", "Lama 1"]
    assert whole[-1].subject == "Lama 5"
    assert len(whole) == len(items)


def test_ascending_starts_with_the_oldest_received(desk):
    backdated(desk)
    rows = all_pages(desk, lookup.ListQuery(descending=False), limit=3)
    assert [r.subject for r in rows[:2]] == ["Lama 5", "Lama 4"]
    assert [(r.received_at, r.seq) for r in rows] == expected(desk, descending=False)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(min_value=1, max_value=9),
    descending=st.booleans(),
    days=st.one_of(st.none(), st.integers(min_value=0, max_value=20)),
)
def test_pages_lose_and_repeat_nothing(same_time_desk, limit, descending, days):
    desk, _items = same_time_desk
    query = lookup.ListQuery(descending=descending)
    if days is not None:
        query = lookup.ListQuery(
            descending=descending, date_from=dt.date(2026, 11, 20) - dt.timedelta(days=days)
        )
    rows = all_pages(desk, query, limit)
    keys = [(r.received_at, r.seq) for r in rows]
    assert len(set(keys)) == len(keys)
    whole = expected(desk, descending)
    if query.date_from is not None:
        start = desk.start_of_day(query.date_from)
        whole = [k for k in whole if k[0] >= start]
    assert keys == whole


@pytest.fixture
def same_time_desk(desk):
    """Backdated rows plus several complaints received at the very same second, so a page
    boundary falls inside a run of equal received times (the seq half of the key matters)."""
    items = backdated(desk, old=5, new=3, later=2)
    same = (TODAY - dt.timedelta(days=2)).isoformat()
    for i in range(5):
        items.append(
            intake.record_complaint(
                desk,
                make_form(subject=f"Serentak {i}", received_at=same),
                now=TODAY + dt.timedelta(hours=3),
            )
        )
    return desk, items


# -- the plan ---------------------------------------------------------------------------------


def plan_of_list(desk, query, cursor=None):
    """EXPLAIN QUERY PLAN of the exact SQL list_complaints runs for `query`."""
    with statements_sent(desk, "FROM complaint") as seen:
        lookup.list_complaints(desk, query, cursor)
    ((statement, parameters),) = [(s, p) for s, p in seen if "LIMIT" in s]
    engine = desk.db.engine
    raw = engine.raw_connection()
    try:
        rows = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
    finally:
        raw.close()
    return "\n".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize(
    "query",
    [
        lookup.ListQuery(),
        lookup.ListQuery(descending=False),
        lookup.ListQuery(date_from=dt.date(2026, 11, 13), date_to=dt.date(2026, 11, 20)),
        lookup.ListQuery(date_from=dt.date(2026, 11, 13), descending=False),
        lookup.ListQuery(status="recorded"),
        lookup.ListQuery(channel="telepon", date_from=dt.date(2026, 11, 13)),
        lookup.ListQuery(sort="agency"),
        lookup.ListQuery(sort="status", status="recorded"),
    ],
    ids=[
        "default",
        "ascending",
        "7 days",
        "from, ascending",
        "status",
        "channel+from",
        "agency",
        "status sort+filter",
    ],
)
def test_list_query_streams_from_an_index(desk, query):
    backdated(desk)
    cursor = lookup.list_complaints(desk, query, limit=2).cursor
    for page_cursor in (None, cursor):
        plan = plan_of_list(desk, query, page_cursor)
        assert "USING INDEX ix_complaint_" in plan or "USING COVERING INDEX" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("descending", [True, False])
def test_word_searches_page_in_arrival_order_and_say_so(desk, descending):
    backdated(desk)
    query = lookup.ListQuery(text="lama", sort="status", descending=descending)
    assert lookup.arrival_order(query)
    rows = all_pages(desk, query, limit=4)
    seqs = [r.seq for r in rows]
    assert len(rows) == 6 and seqs == sorted(seqs, reverse=descending)
    for text in ("", "PKU01-261120-0001", "0812 7000 0001", "PKU01-261120-0001-9"):
        assert not lookup.arrival_order(lookup.ListQuery(text=text))
