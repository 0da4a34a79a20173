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
