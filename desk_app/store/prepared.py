"""Statements compiled once and run as the driver's own prepared statements: for the few
statements every save runs (issue 11), where SQLAlchemy's per-execute work (cache key, compiled
cache lookup, parameter processing, result set-up: 15-100 us a statement) cost more than
SQLite's own.

A Prepared wraps a Core statement (insert, select, delete, text). On SQLite it is compiled once,
with the types' own bind and result processors taken from SQLAlchemy, so the values stored and
read back are exactly what `session.execute(stmt)` gives. It runs:
- in a save's transaction (Database.writing_core, which has a `driver`): on the sqlite3
  connection itself, which keeps the statement prepared for the same SQL text (its statement
  cache). Driver errors rise as sqlite3 errors; writing_core turns faults into DeskErrors.
- in a Session or Connection: `exec_driver_sql`, so the statement goes through SQLAlchemy's
  events and error wrapping like any other, only without compiling it again.
On any other database it is `connection.execute(stmt, params)`, as before.

How to add one: `_X = Prepared(insert(table))` or `Prepared(select(...))` at module level; run
it with `_X.run(session, params)` (or `.many`, `.first`, `.scalar`, `.all`) inside a
transaction. An insert is compiled for the keys of the row it is given (every row of a `.many`
has the first row's keys) and must name every column that has a Python-side default (refused
when compiled): defaults are not filled in here.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import types as sqltypes
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Dialect

_REQUIRED = object()  # a bind parameter the caller must give


class _Compiled:
    __slots__ = (
        "sql",
        "names",
        "defaults",
        "binds",
        "results",
        "take",
        "processed",
        "per_value",
        "converting",
    )

    def __init__(
        self,
        sql: str,
        names: tuple[str, ...],
        defaults: tuple,
        binds: tuple,
        results: tuple,
        per_value: tuple = (),
        results_alike: tuple = (),
    ) -> None:
        self.sql = sql
        self.names = names
        self.defaults = defaults  # per position: the statement's own value (a LIMIT's), or none
        self.binds = binds  # per position: the bind processor or None
        self.results = results  # per result column: the result processor or None
        # the result columns that convert (i, processor, whether equal values convert to
        # equal, immutable values: a date, a time, a boolean), for _convert_results
        alike = results_alike or (False,) * len(results)
        self.converting = tuple((i, p, alike[i]) for i, p in enumerate(results) if p is not None)
        # When the caller gives every parameter (the usual case): take them all at once, then
        # convert the few that have a processor (dates, times, booleans).
        self.take = _taker(names) if all(d is _REQUIRED for d in defaults) else None
        self.processed = tuple((i, p) for i, p in enumerate(binds) if p is not None)
        # per position: how values convert where equal values bind the same (dates, times,
        # booleans: _same_when_equal), else None; many rows' values are then converted once
        # per distinct value (_convert_columns)
        self.per_value = per_value or (None,) * len(names)


def _taker(keys: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple]:
    """A function giving a mapping's values of `keys` as a tuple (itemgetter gives one value
    bare)."""
    if len(keys) == 1:
        key = keys[0]
        return lambda params: (params[key],)
    if keys:
        return operator.itemgetter(*keys)
    return lambda params: ()


def _aliased(row: Mapping[str, Any], aliases: Mapping[str, str]) -> dict:
    return {**row, **{alias: row[key] for alias, key in aliases.items()}}


# SQLite's DateTime and Date store text in these formats (SQLAlchemy's defaults); their bind
# processors build it with a %-format over a dict of the fields, a few microseconds a value:
# most of binding a hub batch or a bulk chunk. isoformat writes the same text for the plain
# cases, ten times faster; anything else (a time zone, a subclass) goes the slow way.
_DATETIME_TEXT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
_DATE_TEXT = "%(year)04d-%(month)02d-%(day)02d"


def _bind_processor(type_, dialect: Dialect) -> Callable | None:
    """The type's bind processor, as SQLAlchemy's for `dialect`: SQLite's date and time ones
    replaced by a faster one writing the same text."""
    impl = type_.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    if process is None or dialect.name != "sqlite":
        return process
    fmt = getattr(impl, "_storage_format", None)
    if isinstance(impl, sqlite.DATETIME) and fmt == _DATETIME_TEXT:
        datetime = dt.datetime

        def datetime_text(value, slow=process):
            if type(value) is datetime and value.tzinfo is None:
                return value.isoformat(" ", "microseconds")
            return slow(value)

        return datetime_text
    if isinstance(impl, sqlite.DATE) and fmt == _DATE_TEXT:
        date = dt.date

        def date_text(value, slow=process):
            return value.isoformat() if type(value) is date else slow(value)

        return date_text
    return process


def _compile(statement, dialect: Dialect, keys: tuple[str, ...] | None) -> _Compiled:
    compiled = statement.compile(
        dialect=dialect, column_keys=list(keys) if keys is not None else None
    )
    prefetch = [*compiled.insert_prefetch, *compiled.update_prefetch]
    if prefetch:
        raise TypeError(f"give every column with a default: {[c.key for c in prefetch]}")
    if not compiled.positional:  # pragma: no cover - SQLite's paramstyle is qmark
        raise TypeError("Prepared runs on a positional paramstyle only")
    names = tuple(compiled.positiontup or ())
    binds = [compiled.binds[name] for name in names]
    selected = getattr(statement, "selected_columns", None)
    return _Compiled(
        compiled.string,
        names,
        tuple(_REQUIRED if b.required else b.effective_value for b in binds),
        tuple(_bind_processor(b.type, dialect) for b in binds),
        tuple(
            col.type.dialect_impl(dialect).result_processor(dialect, None)
            for col in (selected if selected is not None else ())
        ),
        tuple(_same_when_equal(b.type.dialect_impl(dialect)) for b in binds),
        tuple(
            isinstance(col.type.dialect_impl(dialect), _SAME_WHEN_EQUAL)
            for col in (selected if selected is not None else ())
        ),
    )


def _same_when_equal(impl) -> tuple | None:
    """For a type whose bind processor gives equal values the same result (a date, a time, a
    boolean: True and 1 both bind as 1; not numbers in general, 1 == 1.0 could be written "1"
    or "1.0"): what it converts like (columns of the same type and settings convert alike, so
    a row's times of recording and receipt are converted once); None for any other type."""
    if not isinstance(impl, _SAME_WHEN_EQUAL):
        return None
    settings = sorted((k, repr(v)) for k, v in vars(impl).items() if k != "dispatch")
    return (type(impl), tuple(settings))


_SAME_WHEN_EQUAL = (sqltypes.DateTime, sqltypes.Date, sqltypes.Time, sqltypes.Boolean)


def _convert_columns(
    compiled: _Compiled, args: list[tuple], seen: dict | None = None
) -> list[tuple]:
    """The rows' values bound as _args binds them, column by column: dates, times and
    booleans converted once per distinct value and kind (a chunk's rows share their due
    dates and flags, a row's times of receipt and recording are often one), the others value
    by value."""
    if not compiled.processed or not args:
        return args
    columns = list(zip(*args, strict=True))
    seen = {} if seen is None else seen  # per kind: value -> as bound
    for i, process in compiled.processed:
        column = columns[i]
        kind = compiled.per_value[i]
        if kind is None:
            columns[i] = tuple(v if v is None else process(v) for v in column)
            continue
        converted = seen.setdefault(kind, {None: None})
        for value in set(column).difference(converted):
            converted[value] = process(value)
        columns[i] = tuple(map(converted.__getitem__, column))
    return list(zip(*columns, strict=True))


def _convert_results(compiled: _Compiled, rows: list[tuple]) -> list[tuple]:
    """The rows with the columns that convert (a few of a table's: dates, times, booleans)
    converted as SQLAlchemy converts them, column by column: the others are not visited (a
    value at a time, each checked, was most of reading a sync batch, issue 9), and a date,
    time or boolean is converted once per distinct value."""
    if not rows or not compiled.converting:
        return rows
    columns = list(zip(*rows, strict=True))
    for i, process, alike in compiled.converting:
        column = columns[i]
        if alike:
            converted = {None: None}
            for value in set(column).difference(converted):
                converted[value] = process(value)
            columns[i] = map(converted.__getitem__, column)
        else:
            columns[i] = (v if v is None else process(v) for v in column)
    return list(zip(*columns, strict=True))


class Prepared:
    """A statement compiled once for SQLite (an insert: once per set of keys); see the module."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self._insert = bool(getattr(statement, "is_insert", False))
        self._compiled: dict[tuple | None, _Compiled] = {}

    def _for(self, dialect: Dialect, params: Mapping[str, Any] | None) -> _Compiled:
        keys = tuple(params or ()) if self._insert else None
        found = self._compiled.get(keys)
        if found is None:
            found = self._compiled[keys] = _compile(self.statement, dialect, keys)
        return found

    @staticmethod
    def _args(compiled: _Compiled, params: Mapping[str, Any]) -> tuple:
        if compiled.take is not None:
            values = compiled.take(params)
            if not compiled.processed:
                return values
            args = list(values)
            for i, process in compiled.processed:
                if args[i] is not None:
                    args[i] = process(args[i])
            return tuple(args)
        args = []
        for name, default, process in zip(
            compiled.names, compiled.defaults, compiled.binds, strict=True
        ):
            value = params[name] if default is _REQUIRED or name in params else default
            args.append(value if process is None or value is None else process(value))
        return tuple(args)

    def _target(self, session):
        """(driver connection or None, Core connection or None, dialect) to run on: `session`
        is a save's transaction, a Session or a Core Connection."""
        driver = getattr(session, "driver", None)
        if driver is not None:
            return driver, None, session.dialect
        conn = session if isinstance(session, Connection) else session.connection()
        return None, conn, conn.dialect

    def run(self, session, params: Mapping[str, Any] | None = None) -> Any:
        """Execute once (an insert, update or delete)."""
        params = params or {}
        driver, conn, dialect = self._target(session)
        if dialect.name != "sqlite":
            return conn.execute(self.statement, dict(params))
        compiled = self._for(dialect, params)
        if driver is not None:
            return driver.execute(compiled.sql, self._args(compiled, params))
        return conn.exec_driver_sql(compiled.sql, self._args(compiled, params))

    def many(
        self,
        session,
        rows: Iterable[Mapping[str, Any]],
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        """Execute once per row (executemany); nothing for no rows. `aliases`: parameters of
        the statement that take the value of another key of each row (an update's WHERE
        parameter, which cannot be named as its column), without a copy of every row."""
        rows = list(rows)
        if not rows:
            return
        driver, conn, dialect = self._target(session)
        if dialect.name != "sqlite":
            conn.execute(self.statement, [_aliased(r, aliases) for r in rows] if aliases else rows)
            return
        compiled = self._for(dialect, _aliased(rows[0], aliases) if aliases else rows[0])
        if compiled.take is not None:
            take = _taker(tuple(aliases.get(n, n) for n in compiled.names)) if aliases else None
            args = _convert_columns(compiled, list(map(take or compiled.take, rows)))
        else:
            args = [self._args(compiled, _aliased(r, aliases) if aliases else r) for r in rows]
        self._executemany(driver, conn, compiled, args)

    def many_tuples(
        self, session, keys: tuple[str, ...], rows: list[tuple], seen: dict | None = None
    ) -> None:
        """many() of an insert whose rows are tuples of values in the order of `keys` (no dict
        per row: a bulk load, issue 11); the values bound as many() binds them. `seen`: the
        dates, times and booleans already bound, kept across calls (one chunk's inserts)."""
        if not rows:
            return
        driver, conn, dialect = self._target(session)
        if dialect.name != "sqlite":
            conn.execute(self.statement, [dict(zip(keys, row, strict=True)) for row in rows])
            return
        compiled = self._for(dialect, dict.fromkeys(keys))
        if compiled.names != keys:  # the statement's own order: the table's columns
            order = operator.itemgetter(*(keys.index(name) for name in compiled.names))
            rows = [order(row) for row in rows]
        self._executemany(driver, conn, compiled, _convert_columns(compiled, rows, seen))

    @staticmethod
    def _executemany(driver, conn, compiled: _Compiled, args: list[tuple]) -> None:
        if driver is not None:
            driver.executemany(compiled.sql, args)
        else:
            conn.exec_driver_sql(compiled.sql, args)

    def all(self, session, params: Mapping[str, Any] | None = None) -> list[tuple]:
        """Every row, as tuples of values converted as SQLAlchemy converts them."""
        params = params or {}
        driver, conn, dialect = self._target(session)
        if dialect.name != "sqlite":
            return [tuple(r) for r in conn.execute(self.statement, dict(params))]
        compiled = self._for(dialect, params)
        if driver is not None:
            rows = driver.execute(compiled.sql, self._args(compiled, params)).fetchall()
        else:
            result = conn.exec_driver_sql(compiled.sql, self._args(compiled, params))
            rows = [tuple(r) for r in result]
        return _convert_results(compiled, rows)

    def first(self, session, params: Mapping[str, Any] | None = None) -> tuple | None:
        rows = self.all(session, params)
        return rows[0] if rows else None

    def scalar(self, session, params: Mapping[str, Any] | None = None) -> Any:
        row = self.first(session, params)
        return row[0] if row is not None else None
