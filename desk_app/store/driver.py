"""Many rows at once through the driver's own executemany (store/prepared.py compiles the
statement once, with SQLAlchemy's own bind processors, so what lands is what insert(table) /
update(table) would write). SQLAlchemy's Core executemany built and processed each row's
parameters in Python, which cost more per row than SQLite spent writing it: a bulk load
(issue 11), the hub's batches and the desk applying a sync answer (issue 9). Another database
gets Core's executemany, as before.
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.engine import Connection

from desk_app.store.prepared import Prepared

_inserts: dict[Table, Prepared] = {}
_updates: dict[tuple, Prepared] = {}


def insert_many(connection: Connection, table: Table, rows: list[dict]) -> None:
    """INSERT `rows` (dicts with the same keys) into `table`, as insert(table) would. Where a
    column left out of the rows has a default to fill in, through Core (which fills it)."""
    if not rows:
        return
    if any(
        c.default is not None or c.server_default is not None
        for c in table.columns
        if c.name not in rows[0] and not c.primary_key
    ):
        connection.execute(insert(table), rows)
        return
    prepared = _inserts.get(table)
    if prepared is None:
        prepared = _inserts[table] = Prepared(insert(table))
    prepared.many(connection, rows)


def update_many(connection: Connection, table: Table, key: str, rows: list[dict]) -> None:
    """UPDATE `table` SET the rows' other values WHERE `key` equals the row's, for each row
    (dicts with the same keys, `key` among them)."""
    if not rows:
        return
    names = tuple(name for name in rows[0] if name != key)
    prepared = _updates.get((table, key, names))
    if prepared is None:
        statement = (
            update(table)
            .where(table.c[key] == bindparam("key_"))
            .values({name: bindparam(name) for name in names})
        )
        prepared = _updates[(table, key, names)] = Prepared(statement)
    prepared.many(connection, rows, aliases={"key_": key})
