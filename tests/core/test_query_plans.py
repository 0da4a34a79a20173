"""The plans the clerk waits on at a million complaints (issue 11), read with EXPLAIN QUERY
PLAN on the exact SQL the services send: the clerk's word search asks the identity rule per
batch of hits over their rowid range, not by building every text hit first; the duplicate check
walks the newest text hits with a cap instead of ranking them all."""

from __future__ import annotations

from sqlalchemy import event

from desk_app.services import intake, lookup
from tests.conftest import CLERK, make_form, statements_sent


def plans_of(desk, call, marker: str) -> list[str]:
    """EXPLAIN QUERY PLAN of every statement `call()` sends that contains `marker`."""
    with statements_sent(desk, marker) as seen:
        call()
    engine = desk.db.engine
    assert seen, f"no statement with {marker!r}"
    raw = engine.raw_connection()
    try:
        return [
            "\n".join(
                str(r[-1]) for r in raw.cursor().execute("EXPLAIN QUERY PLAN " + s, p).fetchall()
            )
            for s, p in seen
        ]
    finally:
        raw.close()


def test_a_clerks_word_search_asks_the_identity_rule_once_per_batch_of_hits(desk):
    for i in range(3):
        intake.record_complaint(desk, make_form(subject=f"Lampu jalan padam {i}", anonymous="yes"))
    clerk = desk.acting(CLERK)
    query = lookup.ListQuery(text="lampu")
    plans = plans_of(clerk, lambda: lookup.list_complaints(clerk, query), "MATCH")
    # The page of hits, then one text-only query over the hidden hits' rowid range: never
    # the whole match set as a LIST SUBQUERY, never a query per hidden hit.
    assert len(plans) == 2, plans
    for plan in plans:
        assert "SUBQUERY" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_a_supervisors_word_search_has_no_identity_subquery(desk):
    query = lookup.ListQuery(text="lampu")
    (plan,) = plans_of(desk, lambda: lookup.list_complaints(desk, query), "MATCH")
    assert "SUBQUERY" not in plan, plan


def test_the_duplicate_check_walks_the_newest_hits_with_a_cap_not_by_rank(desk):
    form = make_form(subject="Lampu jalan padam di gang", description="Lampu jalan padam lama.")
    intake.record_complaint(desk, form)
    statements, matched = [], []

    def grab(conn, cursor_, statement, parameters, context, executemany):
        if "MATCH" in statement:
            statements.append(statement)
            matched.extend(p for p in parameters if isinstance(p, str) and " OR " in p)

    event.listen(desk.db.engine, "before_cursor_execute", grab)
    try:
        found = intake.find_duplicates(desk, form)
    finally:
        event.remove(desk.db.engine, "before_cursor_execute", grab)
    assert len(found) == 1  # still found: the plan changed, not what it finds
    (statement,) = statements
    assert "rank" not in statement
    # Whole words: a prefix longer than the index's prefixes merges every word it starts.
    (query,) = matched
    assert "*" not in query and '"lampu"' in query, query
    (plan,) = plans_of(desk, lambda: intake.find_duplicates(desk, form), "MATCH")
    # The text hits are read newest first and capped inside their own subquery, so the
    # outer query sorts at most DUPLICATE_SCAN rows, never every hit.
    assert "CO-ROUTINE hits" in plan or "MATERIALIZE hits" in plan, plan
    assert statement.count("LIMIT") == 2, statement  # the cap and the page


def test_a_clerks_word_search_pages_through_hidden_hits_without_finding_names(desk):
    """Batches of hits: hidden reporters found by their words, never by their name, in
    rowid order across pages however the hidden ones fall."""
    expected = []
    for i in range(14):
        hidden = i % 3 != 0
        by_name = i % 2 == 0  # the word only in the reporter's name
        form = make_form(
            reporter_name="Rahmat Kenanga" if by_name else "Orang Lain",
            subject="Sampah menumpuk" if by_name else f"Kenanga layu nomor {i}",
            description="Sudah lama.",
            anonymous="yes" if hidden else "no",
        )
        done = intake.record_complaint(desk, form)
        if not (hidden and by_name):
            expected.append(done.id)
    clerk = desk.acting(CLERK)
    rows, cursor = [], None
    while True:
        page = lookup.list_complaints(clerk, lookup.ListQuery(text="kenanga"), cursor, limit=2)
        rows += page.rows
        if page.cursor is None:
            break
        cursor = page.cursor
    assert [r.id for r in rows] == list(reversed(expected))


def test_the_duplicate_check_stops_comparing_texts_once_it_has_enough(desk, monkeypatch):
    import difflib

    form = make_form(subject="Lampu jalan padam di gang", description="Lampu jalan padam lama.")
    for _ in range(9):
        intake.record_complaint(desk, form)
    compared = []
    real = difflib.SequenceMatcher.ratio

    def counting(self):
        compared.append(1)
        return real(self)

    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", counting)
    found = intake.find_duplicates(desk, form, limit=5)
    assert len(found) == 5  # the newest five, as before
    assert len(compared) == 5  # not all nine: an older one could not make the list


def test_a_clerks_date_filter_walks_the_received_index_in_order(desk):
    import datetime as dt

    for i in range(4):
        when = (dt.datetime(2026, 11, 20, 3, 0) - dt.timedelta(days=2 * i)).isoformat()
        intake.record_complaint(desk, make_form(received_at=when, anonymous="yes"))
    clerk = desk.acting(CLERK)
    week = lookup.ListQuery(date_from=dt.date(2026, 11, 14), date_to=dt.date(2026, 11, 20))
    cursor = lookup.list_complaints(clerk, week, limit=1).cursor
    for page_cursor in (None, cursor):
        (plan,) = plans_of(
            clerk, lambda c=page_cursor: lookup.list_complaints(clerk, week, c), "LIMIT"
        )
        assert "ix_complaint_received_seq" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
