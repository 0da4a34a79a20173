"""Schema migrations with Alembic, run at start after a copy of the database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from desk_app.errors import DatabaseTooNew
from desk_app.store.db import Database, backup_sqlite, utcnow

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["engine"] = db.engine
    return config


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def upgrade(db: Database, backups_dir: Path | None = None) -> Path | None:
    """Bring the schema to this version's head. Refuse a database made by a newer version.

    Before changing an existing database, copy it into `backups_dir`; return that copy's path.
    """
    config = alembic_config(db)
    script = ScriptDirectory.from_config(config)
    current = current_revision(db)
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
