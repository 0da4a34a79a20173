"""Schema migrations with Alembic, run at start after a copy of the database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from desk_app.errors import DatabaseTooNew
from desk_app.store.db import Database, backup_sqlite, utcnow

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration this version ships (a test keeps it equal to Alembic's head). Knowing it
# lets a start on an up-to-date database skip importing Alembic (about 0.13 s).
SCHEMA_HEAD = "0008"
_SHIPPED_DIR = MIGRATIONS_DIR


def alembic_config(db: Database):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    # BEGIN IMMEDIATE: the write lock (waited for up to the busy timeout) before the first
    # read, so another writer cannot make the migration fail halfway with SQLITE_BUSY.
    config.attributes["engine"] = db.engine.execution_options(immediate=True)
    return config


def current_revision(db: Database) -> str | None:
    """The schema revision stamped in the database (None for a new, empty database).

    Only a missing alembic_version table means "new": a busy or damaged database is raised as
    such (db.reading() says which), never taken for an empty one and migrated."""
    with db.reading() as session:
        if not inspect(session.connection()).has_table("alembic_version"):
            return None
        return session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision(db: Database) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def upgrade(db: Database, backups_dir: Path | None = None) -> Path | None:
    """Bring the schema to this version's head. Refuse a database made by a newer version.

    Before changing an existing database, copy it into `backups_dir`; return that copy's path.
    """
    current = current_revision(db)
    if current == SCHEMA_HEAD and MIGRATIONS_DIR == _SHIPPED_DIR:
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(db)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    if current == head:
        return None
    if current is not None:
        try:
            script.get_revision(current)
        except Exception:
            raise DatabaseTooNew(revision=current) from None
    db.check_writable()  # a read-only or damaged database is not migrated
    backup = None
    try:
        if current is not None and db.path is not None and backups_dir is not None:
            stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
            target = backups_dir / f"pre-migration-{current}-{stamp}.sqlite3"
            backup = backup_sqlite(db.path, target)
        command.upgrade(config, "head")  # waits for other writers like every write
    except Exception as exc:
        found = db.fault(exc)
        if found is exc:
            raise
        raise found from None
    return backup
