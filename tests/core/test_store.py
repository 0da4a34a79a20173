"""Opening the database: migrations with a copy first, refusing a newer database, damage."""

import shutil
import sqlite3

import pytest

from desk_app.errors import DatabaseDamaged, DatabaseTooNew
from desk_app.services import intake
from desk_app.services.desk import open_desk
from desk_app.store import migrate
from tests.conftest import open_acting


def test_fresh_database_is_at_head(desk):
    assert migrate.current_revision(desk.db) == migrate.head_revision(desk.db)


def test_newer_database_is_refused_and_left_alone(data_dir):
    open_desk(data_dir).close()
    db_file = data_dir / "meja-aduan.sqlite3"
    conn = sqlite3.connect(db_file)
    conn.execute("update alembic_version set version_num = '9999_future'")
    conn.commit()
    conn.close()
    before = db_file.read_bytes()
    with pytest.raises(DatabaseTooNew) as exc:
        open_desk(data_dir)
    assert "lebih baru" in exc.value.message()
    assert db_file.read_bytes() == before


def test_migration_copies_the_database_first(data_dir, valid_form, tmp_path, monkeypatch):
    desk = open_acting(data_dir)
    recorded = intake.record_complaint(desk, valid_form)
    desk.close()
    # A newer app version: the same migrations plus one more.
    newer = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, newer)
    head = migrate.SCHEMA_HEAD
    newer_head = f"{int(head) + 1:04d}"
    (newer / "versions" / f"{newer_head}_test.py").write_text(
        "from alembic import op\n"
        "import sqlalchemy as sa\n"
        f"revision = '{newer_head}'\n"
        f"down_revision = '{head}'\n"
        "def upgrade():\n"
        "    with op.batch_alter_table('setting') as b:\n"
        "        b.add_column(sa.Column('note', sa.Text()))\n"
    )
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", newer)
    desk = open_acting(data_dir)
    assert migrate.current_revision(desk.db) == newer_head
    desk.close()
    copies = list((data_dir / "backups").glob(f"pre-migration-{head}-*.sqlite3"))
    assert len(copies) == 1
    conn = sqlite3.connect(copies[0])
    assert conn.execute("select tracking_no from complaint").fetchall() == [(recorded.tracking_no,)]
    assert conn.execute("select version_num from alembic_version").fetchone() == (head,)


def test_damaged_file_gets_a_clear_error_and_is_not_overwritten(data_dir):
    db_file = data_dir / "meja-aduan.sqlite3"
    db_file.write_bytes(b"this is not a database" * 500)
    before = db_file.read_bytes()
    with pytest.raises(DatabaseDamaged) as exc:
        open_desk(data_dir)
    assert "rusak" in exc.value.message()
    assert db_file.read_bytes() == before


def test_schema_head_constant_matches_the_migrations(desk):
    assert migrate.SCHEMA_HEAD == migrate.head_revision(desk.db)


def test_thorough_check_finds_a_damaged_page(data_dir, valid_form):
    from desk_app.services.desk import check_integrity

    desk = open_acting(data_dir)
    for _ in range(300):
        intake.record_complaint(desk, valid_form)
    desk.close()
    db_file = data_dir / "meja-aduan.sqlite3"
    conn = sqlite3.connect(db_file)
    conn.execute("pragma wal_checkpoint(truncate)")
    page_size = conn.execute("pragma page_size").fetchone()[0]
    conn.close()
    data = bytearray(db_file.read_bytes())
    # Overwrite pages in the middle of the file (not the header or schema page).
    middle = len(data) // page_size // 2
    data[middle * page_size : (middle + 3) * page_size] = b"\xa5" * (3 * page_size)
    db_file.write_bytes(bytes(data))
    desk = open_acting(data_dir)  # the fast check at start does not read every page...
    with pytest.raises(DatabaseDamaged):
        check_integrity(desk)  # ...the full one, run after start, does
    desk.close()


def test_opening_a_complaint_does_not_scan_the_table(desk, valid_form):
    """The detail view lists linked complaints: that query must use an index."""
    from sqlalchemy import text

    intake.record_complaint(desk, valid_form)
    with desk.db.reading() as session:
        plan = session.execute(
            text("EXPLAIN QUERY PLAN SELECT tracking_no FROM complaint WHERE linked_to = :id"),
            {"id": "x"},
        ).all()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX" in detail or "USING COVERING INDEX" in detail, detail


def test_migrations_build_exactly_the_models(desk):
    """Every model change comes with its migration (Alembic finds nothing to autogenerate)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from desk_app.store.models import Base

    with desk.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "complaint_fts" not in str(d)] == []
