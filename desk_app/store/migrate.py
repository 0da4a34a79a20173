"""Schema migrations with Alembic, run at start after a copy of the database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from desk_app.errors import DatabaseTooNew
from desk_app.store.db import Database, backup_sqlite, utcnow

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration this version ships (a test keeps it equal to Alembic's head). Knowing it
# lets a start on an up-to-date database skip importing Alembic (about 0.13 s).
SCHEMA_HEAD = "0006"
_SHIPPED_DIR = MIGRATIONS_DIR


def alembic_config(db: Database):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["engine"] = db.engine
    return config


def current_revision(db: Database) -> str | None:
    """The schema revision stamped in the database (None for a new, empty database)."""
    try:
        with db.reading() as session:
            return session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no alembic_version table yet
        return None


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
    backup = None
    if current is not None and db.path is not None and backups_dir is not None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        backup = backup_sqlite(db.path, backups_dir / f"pre-migration-{current}-{stamp}.sqlite3")
    command.upgrade(config, "head")
    return backup
