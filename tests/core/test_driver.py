"""store/driver.py writes many rows through the driver's executemany, skipping Core's per-row
parameter building: what lands must be exactly what insert(table) / update(table) write (a
datetime with and without microseconds, a date, a boolean, a NULL), read back as raw text."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME

from desk_app.store import driver

metadata = MetaData()
thing = Table(
    "thing",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("key", String(10), unique=True, nullable=False),
    Column("at", DateTime),
    Column("day", Date),
    Column("flag", Boolean),
    Column("note", String(20)),
)
with_default = Table(
    "with_default",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("key", String(10)),
    Column("state", String(10), default="waiting"),
)

ROWS = [
    {
        "key": "a",
        "at": dt.datetime(2026, 12, 2, 3, 4, 5),
        "day": dt.date(2026, 1, 2),
        "flag": True,
        "note": None,
    },
    {
        "key": "b",
        "at": dt.datetime(2026, 1, 2, 3, 4, 5, 6),
        "day": None,
        "flag": False,
        "note": "catatan",
    },
]


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite+pysqlite:///{tmp_path / 'd.sqlite3'}")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def raw(conn, keys):
    return [
        tuple(r)
        for r in conn.exec_driver_sql(
            f"SELECT at, day, flag, note FROM thing WHERE key IN ({','.join('?' * len(keys))}) "
            "ORDER BY seq",
            tuple(keys),
        )
    ]


def test_insert_many_stores_what_core_stores(engine):
    with engine.begin() as conn:
        conn.execute(insert(thing), ROWS)
        driver.insert_many(conn, thing, [{**r, "key": r["key"] * 2} for r in ROWS])
        assert raw(conn, ["aa", "bb"]) == raw(conn, ["a", "b"])
        back = conn.execute(select(thing.c.at, thing.c.day).where(thing.c.key == "bb")).one()
    assert tuple(back) == (ROWS[1]["at"], None)


def test_update_many_stores_what_core_stores(engine):
    later = [
        {"key": "a", "at": dt.datetime(2027, 5, 6, 7, 8, 9, 10), "flag": False, "note": "x"},
        {"key": "b", "at": dt.datetime(2027, 5, 6, 7, 8, 9), "flag": True, "note": None},
    ]
    with engine.begin() as conn:
        conn.execute(insert(thing), ROWS + [{**r, "key": r["key"] * 2} for r in ROWS])
        for row in later:
            conn.execute(
                update(thing)
                .where(thing.c.key == row["key"])
                .values({k: v for k, v in row.items() if k != "key"})
            )
        driver.update_many(conn, thing, "key", [{**r, "key": r["key"] * 2} for r in later])
        assert raw(conn, ["aa", "bb"]) == raw(conn, ["a", "b"])
        untouched = conn.execute(select(thing.c.day).where(thing.c.key == "aa")).scalar()
    assert untouched == ROWS[0]["day"]  # a column not in the rows is left as it was


def test_a_left_out_column_with_a_default_still_gets_it(engine):
    with engine.begin() as conn:
        driver.insert_many(conn, with_default, [{"key": "a"}, {"key": "b"}])
        states = conn.execute(select(with_default.c.state)).scalars().all()
    assert states == ["waiting", "waiting"]


# A second kind of time: stored in another format, so it must not share the first's
# conversions (Prepared converts each distinct date, time or boolean once per kind).
stamped = Table(
    "stamped",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("at", DateTime),
    Column("at_minute", SQLITE_DATETIME(storage_format="%(year)04d-%(month)02d %(hour)02d")),
    Column("flag", Boolean),
)


def test_rows_as_tuples_store_what_core_stores(engine):
    """Prepared.many_tuples (a bulk load's rows, issue 11): each value bound as Core binds
    it, whatever the order of the keys, with repeated values converted once."""
    from desk_app.store.prepared import Prepared

    keys = ("note", "flag", "day", "at", "key")  # not the table's order
    repeated = ROWS + [{**r, "key": r["key"] + "x"} for r in ROWS]  # each value twice
    with engine.begin() as conn:
        conn.execute(insert(thing), repeated)
        rows = [tuple(r[k] for k in keys[:-1]) + (r["key"] * 2,) for r in repeated]
        Prepared(insert(thing)).many_tuples(conn, keys, rows)
        assert raw(conn, ["aa", "bb", "axax", "bxbx"]) == raw(conn, ["a", "b", "ax", "bx"])


def test_times_of_two_storage_formats_convert_apart(engine):
    from desk_app.store.prepared import Prepared

    at = dt.datetime(2026, 12, 2, 3, 4, 5, 6)
    seen: dict = {}
    with engine.begin() as conn:
        conn.execute(insert(stamped), [{"at": at, "at_minute": at, "flag": 1}])
        Prepared(insert(stamped)).many_tuples(
            conn, ("at", "at_minute", "flag"), [(at, at, 1)], seen
        )
        Prepared(insert(stamped)).many_tuples(
            conn, ("at", "at_minute", "flag"), [(at, at, True)], seen
        )
        stored = conn.exec_driver_sql("SELECT at, at_minute, flag FROM stamped").fetchall()
    assert stored == [("2026-12-02 03:04:05.000006", "2026-12 03", 1)] * 3
