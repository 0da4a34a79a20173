"""The prepared statements' faster date and time binding (store/prepared.py) writes exactly
the text SQLAlchemy's own SQLite processors write, for every value they take."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Date, DateTime
from sqlalchemy.dialects import sqlite

from desk_app.store.prepared import _bind_processor

DIALECT = sqlite.dialect()
zones = st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=7))])


def _both(type_):
    fast = _bind_processor(type_, DIALECT)
    slow = type_.dialect_impl(DIALECT).bind_processor(DIALECT)
    return fast, slow


def test_the_fast_processors_are_in_use():
    for type_ in (DateTime(), Date()):
        fast, slow = _both(type_)
        assert fast.__code__ is not slow.__code__


@given(st.one_of(st.datetimes(timezones=zones), st.dates()))
def test_datetime_text_is_sqlalchemys(value):
    fast, slow = _both(DateTime())
    assert fast(value) == slow(value)


@given(st.one_of(st.dates(), st.datetimes()))
def test_date_text_is_sqlalchemys(value):
    fast, slow = _both(Date())
    assert fast(value) == slow(value)
