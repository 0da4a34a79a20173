"""Many rows through the driver's own executemany.

SQLAlchemy's Core executemany builds and processes each row's parameters in Python, which
cost more per row than the database spent writing it (issue 11: bulk loads; issue 9: the
hub's batches and the desk applying a sync answer). Here each value still passes through its
column type's own bind processor for the dialect (a datetime is stored as SQLAlchemy stores
it), so what lands is what insert(table) / update(table) would write; tests hold the two to
the same stored text. SQLite (qmark) and PostgreSQL through psycopg (format) both take it.
"""

from __future__ import annotations

import operator

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


def _params(dialect, table: Table, names: list[str], rows: list[dict]) -> list[tuple]:
    """Each row's values in `names` order, bound as the column types bind them. Each distinct
    value of a column is bound once (a batch's rows share their days and times)."""
    binds = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    bound = [(i, bind, {}) for i, bind in enumerate(binds) if bind is not None]
    pick = operator.itemgetter(*names)  # the row's values as a tuple (one name: the value)
    single = len(names) == 1
    params = []
    for row in rows:
        values = [pick(row)] if single else list(pick(row))
        for i, bind, seen in bound:
            value = values[i]
            if value is None:
                continue
            if value in seen:
                values[i] = seen[value]
            else:
                values[i] = seen[value] = bind(value)
        params.append(tuple(values))
    return params


def _mark(dialect) -> str:
    return "?" if dialect.paramstyle == "qmark" else "%s"


def insert_many(connection: Connection, table: Table, rows: list[dict]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table`, as insert(table) would. Where a
    column left out of the rows has a default to fill in, through Core (which fills it)."""
    if not rows:
        return
    names = list(rows[0])
    if any(
        c.default is not None or c.server_default is not None
        for c in table.columns
        if c.name not in rows[0] and not c.primary_key
    ):
        connection.execute(insert(table), rows)
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    marks = ", ".join([_mark(dialect)] * len(names))
    connection.exec_driver_sql(
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({columns}) "
        f"VALUES ({marks})",
        _params(dialect, table, names, rows),
    )


def update_many(connection: Connection, table: Table, key: str, rows: list[dict]) -> None:
    """UPDATE `table` SET the rows' other values WHERE `key` equals the row's, for each row
    (dicts with the same keys, `key` among them)."""
    if not rows:
        return
    dialect = connection.dialect
    quote, mark = dialect.identifier_preparer.quote, _mark(dialect)
    names = [name for name in rows[0] if name != key]
    assignments = ", ".join(f"{quote(name)} = {mark}" for name in names)
    connection.exec_driver_sql(
        f"UPDATE {dialect.identifier_preparer.format_table(table)} SET {assignments} "
        f"WHERE {quote(key)} = {mark}",
        _params(dialect, table, [*names, key], rows),
    )
