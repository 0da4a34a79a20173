"""Demo data: only on a training desk, through the form's recording path (validated, numbered
in the desk's own series by the allocator, audited), and never colliding with an import."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
import sys

import pytest

from desk_app import cli
from desk_app.domain import demo_forms, numbering
from desk_app.errors import DemoRefused, PermissionDenied
from desk_app.services import demo, intake
from desk_app.services.desk import open_desk
from tests.conftest import CLERK, IT, PASSWORD, SUPERVISOR, child_env, make_form, set_up_desk


@pytest.fixture
def real_folder(data_dir):
    set_up_desk(data_dir, "BKS01")
    return data_dir


@pytest.fixture
def training_folder(data_dir):
    set_up_desk(data_dir, "LATIH", training=True)
    return data_dir


@pytest.fixture
def training(training_folder):
    desk = open_desk(training_folder).acting(CLERK)
    yield desk
    desk.close()


def run_as_clerk(capsys, monkeypatch, data_dir, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code = cli.main(["--data-dir", str(data_dir), "--user", CLERK.username, *args])
    out, err = capsys.readouterr()
    return code, out, err


def table_counts(data_dir) -> dict[str, int]:
    conn = sqlite3.connect(data_dir / "meja-aduan.sqlite3")
    try:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("complaint", "outbox", "day_counter")
        } | {
            "complaint.record": conn.execute(
                "SELECT count(*) FROM audit_event WHERE action = 'complaint.record'"
            ).fetchone()[0]
        }
    finally:
        conn.close()


def numbers_of(desk) -> list[str]:
    from sqlalchemy import select

    from desk_app.store import models

    with desk.db.reading() as session:
        return list(session.scalars(select(models.Complaint.tracking_no)))


# -- refused on a real desk --------------------------------------------------------------------


def test_demo_data_is_refused_on_a_real_desk_with_exit_2(capsys, monkeypatch, real_folder):
    code, out, err = run_as_clerk(capsys, monkeypatch, real_folder, "demo-data", "--count", "5")
    assert code == 2
    assert out == ""
    assert "init --training" in err and "latihan" in err  # says exactly what to do, in Indonesian


def test_a_refused_demo_run_writes_nothing(capsys, monkeypatch, real_folder):
    before = table_counts(real_folder)
    run_as_clerk(capsys, monkeypatch, real_folder, "demo-data", "--count", "5")
    assert (
        table_counts(real_folder)
        == before
        == {
            "complaint": 0,
            "outbox": 0,
            "day_counter": 0,
            "complaint.record": 0,
        }
    )


def test_demo_data_is_refused_on_a_desk_not_set_up(capsys, data_dir):
    code = cli.main(["--data-dir", str(data_dir), "demo-data", "--count", "5"])
    assert code != 0 and capsys.readouterr().err.strip()
    assert table_counts(data_dir)["complaint"] == 0


def test_the_service_refuses_a_real_desk(real_folder):
    desk = open_desk(real_folder)
    try:
        with pytest.raises(DemoRefused):
            demo.generate(desk.acting(CLERK), 3)
    finally:
        desk.close()


def test_the_it_officer_may_not_record_demo_data(training):
    with pytest.raises(PermissionDenied):
        demo.generate(training.acting(IT), 3)


# -- on a training desk ------------------------------------------------------------------------


def test_on_a_training_desk_the_cli_records_n_complaints(capsys, monkeypatch, training_folder):
    code, _out, err = run_as_clerk(
        capsys, monkeypatch, training_folder, "demo-data", "--count", "12", "--seed", "3"
    )
    assert code == 0, err
    counts = table_counts(training_folder)
    assert counts["complaint"] == counts["outbox"] == counts["complaint.record"] == 12


def test_demo_complaints_are_numbered_in_the_desks_own_series(training):
    demo.generate(training, 40, days=30, seed=5, batch=7)
    numbers = numbers_of(training)
    assert len(numbers) == len(set(numbers)) == 40
    for number in numbers:
        assert numbering.parse(number) == number
        assert number.startswith("LATIH-")


def test_each_demo_complaint_has_its_own_audit_event(training, training_folder):
    demo.generate(training, 25, seed=2, batch=10)
    counts = table_counts(training_folder)
    assert counts["complaint.record"] == counts["complaint"] == 25


def test_demo_complaints_are_recorded_status_and_by_the_acting_clerk(training):
    demo.generate(training, 20, seed=4)
    conn = sqlite3.connect(training.db.path)
    try:
        rows = conn.execute("SELECT DISTINCT status, recorded_by FROM complaint").fetchall()
    finally:
        conn.close()
    assert rows == [("recorded", "ani")]


def test_received_times_are_spread_over_past_days(training):
    demo.generate(training, 60, days=30, seed=6)
    conn = sqlite3.connect(training.db.path)
    try:
        days = conn.execute("SELECT count(DISTINCT date(received_at)) FROM complaint").fetchone()
    finally:
        conn.close()
    assert days[0] > 5


def test_progress_is_reported_after_each_batch(training):
    seen: list[int] = []
    demo.generate(training, 23, seed=1, batch=10, progress=seen.append)
    assert seen == [10, 20, 23]


# -- beside an import --------------------------------------------------------------------------


def test_an_import_between_demo_batches_does_not_collide(training, training_folder):
    """The old generator read the day counters once, before its first batch: an import in
    between took the same sequence and the next batch ended in an IntegrityError."""
    other = open_desk(training_folder).acting(CLERK)  # a second connection, as another process
    imported: list[str] = []

    def import_between(done: int) -> None:
        if not imported:
            forms = [(line, make_form(subject=f"Impor {line}")) for line in (2, 3, 4)]
            imported.extend(r.tracking_no for r in intake.record_many(other, forms))

    try:
        demo.generate(training, 30, days=0, seed=8, batch=10, progress=import_between)
    finally:
        other.close()
    numbers = numbers_of(training)
    assert len(imported) == 3
    assert len(numbers) == len(set(numbers)) == 33
    assert set(imported) <= set(numbers)


@pytest.mark.parametrize("days", ["-1", "3651"])
def test_days_out_of_range_exit_2_and_record_nothing(capsys, monkeypatch, training_folder, days):
    code, _out, err = run_as_clerk(
        capsys, monkeypatch, training_folder, "demo-data", "--count", "3", "--days", days
    )
    assert code == 2 and "--days" in err
    assert table_counts(training_folder)["complaint"] == 0


# -- the same seed, the same data --------------------------------------------------------------

FIXED_NOW = dt.datetime(2026, 11, 20, 3, 0, 0, 123456)


def content_digest(path) -> str:
    """SHA-256 of what demo data wrote (complaints, outbox rows, audit events' `after`), in seq
    order, without what is random by design (uuid7 ids) or sealed with the desk's own key."""
    conn = sqlite3.connect(path)
    try:
        own = ("seq", "id", "item_id", "complaint_id")
        text = []
        for table in ("complaint", "outbox"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in own]
            text += [repr(r) for r in conn.execute(f"SELECT {', '.join(cols)} FROM {table}")]  # noqa: S608
        for (after,) in conn.execute(
            "SELECT after FROM audit_event WHERE action = 'complaint.record' ORDER BY seq"
        ):
            view = json.loads(after)
            view.pop("id")
            text.append(json.dumps(view, sort_keys=True))
    finally:
        conn.close()
    return hashlib.sha256("\n".join(text).encode()).hexdigest()


# What the generator wrote for seed 7 before issue 11's bulk work (any change to the draws,
# their order or how a row is written shows here).
SEED_7_DIGEST = "2ed3165c228d94e6eb5a6aec5dcb16e48c36852b90ef66c2eb6c0555157cdda4"


def test_the_same_seed_gives_the_same_data(training_folder, tmp_path, monkeypatch):
    monkeypatch.setattr("desk_app.services.desk.utcnow", lambda: FIXED_NOW)
    digests = []
    for folder in (training_folder, tmp_path / "again"):
        folder.mkdir(exist_ok=True)
        set_up_desk(folder, "LATIH", training=True)
        desk = open_desk(folder).acting(CLERK)
        try:
            demo.generate(desk, 300, days=90, seed=7, batch=70)
        finally:
            desk.close()
        digests.append(content_digest(folder / "meja-aduan.sqlite3"))
    assert digests[0] == digests[1] == SEED_7_DIGEST


def test_demo_data_keeps_every_guarantee_of_a_save(training, training_folder):
    """Over several chunks: the audit chain sealed and verifiable, an outbox row and an audit
    event per complaint, each complaint findable by its words, the FTS index intact."""
    from sqlalchemy import text

    from desk_app.services import audit, lookup

    demo.generate(training, 130, days=20, seed=9, batch=40)
    counts = table_counts(training_folder)
    assert counts["complaint"] == counts["outbox"] == counts["complaint.record"] == 130
    result = audit.verify(training.acting(SUPERVISOR))  # a clerk may not verify
    assert result.ok, result
    conn = sqlite3.connect(training_folder / "meja-aduan.sqlite3")
    try:
        picked = conn.execute("SELECT id, subject FROM complaint WHERE seq IN (1, 77, 130)")
        picked = picked.fetchall()
        states = conn.execute("SELECT DISTINCT kind, state FROM outbox").fetchall()
    finally:
        conn.close()
    assert states == [("record", "waiting")]
    for complaint_id, subject in picked:
        word = max(subject.split(), key=len)
        found = lookup.list_complaints(training, lookup.ListQuery(text=word), limit=200)
        assert complaint_id in {r.id for r in found.rows}
    with training.db.reading() as session:
        session.execute(text("INSERT INTO complaint_fts(complaint_fts) VALUES ('integrity-check')"))


def test_a_tampered_demo_event_fails_verification(training, training_folder):
    from desk_app.services import audit

    demo.generate(training, 30, seed=3, batch=10)
    conn = sqlite3.connect(training_folder / "meja-aduan.sqlite3")
    try:
        conn.execute("DROP TRIGGER audit_event_no_update")
        conn.execute(
            "UPDATE audit_event SET after = replace(after, 'recorded', 'verified') "
            "WHERE seq = (SELECT max(seq) - 5 FROM audit_event)"
        )
        conn.commit()
    finally:
        conn.close()
    assert not audit.verify(training.acting(SUPERVISOR)).ok


def test_a_weighted_draw_is_rng_choices_draw():
    import random

    population, cum_weights = ["a", "b", "c", "d"], [45, 65, 90, 100]
    ours, theirs = random.Random(3), random.Random(3)
    for _ in range(2000):
        expected = theirs.choices(population, cum_weights=cum_weights)[0]
        assert demo_forms.weighted(ours, population, cum_weights) == expected
    assert ours.random() == theirs.random()  # the same draws taken


# -- the helper process (services/demo_helper.py) ----------------------------------------------


class HelperWatch:
    """Counts the chunks the helper process delivered; can kill it after the first."""

    def __init__(self, monkeypatch, kill_after: int | None = None) -> None:
        from desk_app.services import demo_helper

        self.delivered, self.made_after_kill, self.processes, self.killed = 0, 0, [], False
        take, watch = demo_helper.Helper.take, self

        def counted_take(helper, offset):
            chunk = take(helper, offset)
            if helper.process is not None and helper.process not in watch.processes:
                watch.processes.append(helper.process)
            if chunk is None:
                watch.made_after_kill += watch.killed
            else:
                watch.delivered += 1
                if watch.delivered == kill_after:
                    helper.process.kill()
                    helper.process.join()
                    watch.killed = True
            return chunk

        monkeypatch.setattr(demo_helper.Helper, "take", counted_take)
        monkeypatch.setattr(demo, "HELPER_FROM", 2)


def seed_7_run(folder, batch: int = 70) -> str:
    """demo.generate(300 rows, seed 7) on a new training desk in `folder`; its content digest."""
    folder.mkdir(exist_ok=True)
    set_up_desk(folder, "LATIH", training=True)
    desk = open_desk(folder).acting(CLERK)
    try:
        demo.generate(desk, 300, days=90, seed=7, batch=batch)
    finally:
        desk.close()
    return content_digest(folder / "meja-aduan.sqlite3")


def test_forms_made_by_the_helper_process_are_the_seeds_forms(tmp_path, monkeypatch):
    monkeypatch.setattr("desk_app.services.desk.utcnow", lambda: FIXED_NOW)
    watch = HelperWatch(monkeypatch)
    # Small chunks, so that the helper is up and handed the run before it ends.
    digest = seed_7_run(tmp_path / "helped", batch=5)
    assert watch.delivered > 0  # the helper made some of the chunks
    assert digest == SEED_7_DIGEST
    assert not any(p.is_alive() for p in watch.processes)  # and it has ended


def test_a_helper_killed_mid_run_leaves_the_desk_to_finish_with_the_same_data(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("desk_app.services.desk.utcnow", lambda: FIXED_NOW)
    watch = HelperWatch(monkeypatch, kill_after=1)
    digest = seed_7_run(tmp_path / "killed", batch=5)
    # What the helper had sent before it died may still be read; the rest is made here.
    assert watch.made_after_kill > 0
    assert digest == SEED_7_DIGEST


def test_without_a_helper_process_the_desk_makes_every_chunk(tmp_path, monkeypatch):
    from desk_app.services import demo_helper

    def refuse(_process):
        raise OSError("no process to be had")

    monkeypatch.setattr("desk_app.services.desk.utcnow", lambda: FIXED_NOW)
    monkeypatch.setattr(demo_helper.multiprocessing.context.SpawnProcess, "start", refuse)
    watch = HelperWatch(monkeypatch)
    digest = seed_7_run(tmp_path / "alone", batch=5)
    assert watch.delivered == 0
    assert digest == SEED_7_DIGEST


# A script with no `if __name__ == "__main__":` guard that runs demo data: "spawn" would run
# its whole body again in the helper process unless the helper is started without it.
UNGUARDED_SCRIPT = """\
import sys
from desk_app.services import demo, demo_helper
from desk_app.services.desk import open_desk
from tests.conftest import CLERK

with open(sys.argv[2], "a") as runs:
    runs.write("ran\\n")
take, delivered = demo_helper.Helper.take, []


def counted(helper, offset):
    delivered.append(take(helper, offset))
    return delivered[-1]


demo_helper.Helper.take = counted
demo.HELPER_FROM = 2
desk = open_desk(sys.argv[1]).acting(CLERK)
demo.generate(desk, 300, days=90, seed=7, batch=5)
desk.close()
print(sum(chunk is not None for chunk in delivered))
"""


def test_a_script_without_a_main_guard_runs_once_and_is_helped(training_folder, tmp_path):
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    script, runs = tmp_path / "unguarded.py", tmp_path / "runs.txt"
    script.write_text(UNGUARDED_SCRIPT)
    env = child_env(repo)
    done = subprocess.run(
        [sys.executable, str(script), str(training_folder), str(runs)],
        capture_output=True,
        text=True,
        env=env,
        cwd=repo,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert runs.read_text() == "ran\n"  # the helper did not run the script's body again
    assert int(done.stdout) > 0  # and it made chunks
    assert table_counts(training_folder)["complaint"] == 300


# -- the plain indexes set aside during a big run (store/bulk_indexes.py) ----------------------


def index_sql(folder) -> dict[str, str]:
    """Every index of the desk's database: name -> (table, SQL: None for a UNIQUE
    constraint's)."""
    conn = sqlite3.connect(folder / "meja-aduan.sqlite3")
    try:
        rows = conn.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'")
        return {name: (table, sql) for name, table, sql in rows}
    finally:
        conn.close()


def marker_rows(folder) -> int:
    from desk_app.store import bulk_indexes

    conn = sqlite3.connect(folder / "meja-aduan.sqlite3")
    try:
        query = "SELECT count(*) FROM setting WHERE key = ?"
        return conn.execute(query, (bulk_indexes.MARKER,)).fetchone()[0]
    finally:
        conn.close()


def test_a_big_run_writes_without_the_plain_indexes_and_builds_them_again(tmp_path, monkeypatch):
    monkeypatch.setattr("desk_app.services.desk.utcnow", lambda: FIXED_NOW)
    monkeypatch.setattr(demo, "SET_ASIDE_FROM", 100)
    folder = tmp_path / "big"
    folder.mkdir()
    set_up_desk(folder, "LATIH", training=True)
    before = index_sql(folder)
    during = []
    desk = open_desk(folder).acting(CLERK)
    try:
        demo.generate(
            desk,
            300,
            days=90,
            seed=7,
            batch=70,
            progress=lambda _d: during.append(index_sql(folder)),
        )
    finally:
        desk.close()
    plain = {
        name
        for name, (table, sql) in before.items()
        if table in ("complaint", "outbox", "audit_event") and sql and "UNIQUE" not in sql
    }
    assert "ix_complaint_reporter_nik" in plain
    # Those are set aside; the unique ones stay (no duplicate number can slip in), and others'.
    assert set(during[0]) == set(before) - plain
    assert index_sql(folder) == before
    assert marker_rows(folder) == 0
    assert content_digest(folder / "meja-aduan.sqlite3") == SEED_7_DIGEST


def test_a_run_that_would_not_double_the_desk_keeps_its_indexes(
    training, training_folder, monkeypatch
):
    monkeypatch.setattr(demo, "SET_ASIDE_FROM", 10)
    demo.generate(training, 40, seed=1, batch=20)
    during = []
    demo.generate(
        training,
        30,
        seed=2,
        batch=10,
        progress=lambda _d: during.append(index_sql(training_folder)),
    )
    assert during[0] == index_sql(training_folder)
    assert any(name.startswith("ix_complaint") for name in during[0])


def test_a_big_run_stopped_by_an_error_builds_the_indexes_before_it_raises(
    training, training_folder, monkeypatch
):
    monkeypatch.setattr(demo, "SET_ASIDE_FROM", 10)
    before = index_sql(training_folder)

    def stop(done):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        demo.generate(training, 60, seed=1, batch=20, progress=stop)
    assert index_sql(training_folder) == before


def test_indexes_a_killed_run_left_set_aside_are_built_at_the_next_open(training_folder):
    from desk_app.store import bulk_indexes

    before = index_sql(training_folder)
    desk = open_desk(training_folder)
    try:
        with desk.db.writing() as session:  # what a run killed after setting them aside left
            bulk_indexes.set_aside(session, adding=10**6)
    finally:
        desk.close()
    assert index_sql(training_folder) != before
    open_desk(training_folder).close()
    assert index_sql(training_folder) == before
    assert marker_rows(training_folder) == 0


def test_a_desk_opened_while_a_run_writes_leaves_its_indexes_to_it(training_folder):
    """Another window opened on the training desk during a big run: the run that set the
    indexes aside is still running, so the open does not build them (the run does, at its
    end), and the record of them stays."""
    import json
    import subprocess

    from desk_app.store import bulk_indexes

    before = index_sql(training_folder)
    desk = open_desk(training_folder)
    try:
        with desk.db.writing() as session:
            bulk_indexes.set_aside(session, adding=10**6)
    finally:
        desk.close()
    loader = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        conn = sqlite3.connect(training_folder / "meja-aduan.sqlite3")
        try:
            (value,) = conn.execute(
                "SELECT value FROM setting WHERE key = ?", (bulk_indexes.MARKER,)
            ).fetchone()
            value = json.dumps(dict(json.loads(value), pid=loader.pid))  # the loading process
            conn.execute("UPDATE setting SET value = ? WHERE key = ?", (value, bulk_indexes.MARKER))
            conn.commit()
        finally:
            conn.close()
        open_desk(training_folder).close()
        assert index_sql(training_folder) != before
        assert marker_rows(training_folder) == 1
    finally:
        loader.kill()
        loader.wait()


def test_a_record_of_set_aside_indexes_that_cannot_be_read_does_not_stop_the_open(
    training_folder,
):
    from desk_app.store import bulk_indexes

    conn = sqlite3.connect(training_folder / "meja-aduan.sqlite3")
    try:
        conn.execute(
            "INSERT INTO setting (key, value) VALUES (?, ?)", (bulk_indexes.MARKER, '{"pid": ')
        )
        conn.commit()
    finally:
        conn.close()
    open_desk(training_folder).close()  # opens, and the record naming nothing is gone
    assert marker_rows(training_folder) == 0
