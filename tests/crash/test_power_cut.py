"""Crash test: kill the desk with SIGKILL at random moments and check nothing acknowledged is lost.

A child process (power_cut_child.py) opens a desk and records complaints in a loop, printing each
tracking number only after record_complaint returned. The parent kills it at random moments: right
after start (interpreter start, imports, opening), during open_desk, and while it records (many
kills only a few milliseconds in, so they land inside a transaction or its commit). One data
folder is reused by every life, so the database accumulates. Meanwhile, on a second thread, fresh
folders are killed while open_desk creates their schema (migrations), each until a kill lands
after the schema was committed. Then every database must be whole:

* every acknowledged number is in the database exactly once, no number twice;
* each day's sequence numbers are 1..last_seq with no gap (the counter, the complaint and its
  outbox row commit together or not at all);
* PRAGMA integrity_check is ok and the FTS5 index is consistent with the complaint table;
* every complaint has exactly one outbox row, and its words are found by full-text search;
* the desk opens again through the app and finds the complaints.

SIGKILL ends the process, not the machine: the OS page cache survives, so this checks atomicity
and recovery after a crash at any instruction, not the fsync ordering a real power cut needs
(that is what synchronous=FULL is for).

CRASH_SEED=<n> replays a run's random choices (kill modes and delays; the timing of the child
itself still varies). The seed is printed and is in every failure message.
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import os
import queue
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import make_form

CHILD = Path(__file__).with_name("power_cut_child.py")
DB_NAME = "meja-aduan.sqlite3"
HANG = 60.0  # seconds: only a guard against a hung child, never a timing assertion

MAIN_LIVES = 135  # kills on the one accumulating data folder
MIGRATION_KILLS = 64  # kills aimed at schema creation in fresh folders (on a second thread)
MIGRATION_AIM = 0.4  # first kill window, as a share of a fresh open_desk (schema comes first)


class Child:
    """One life of the child process, with its stdout read line by line on a thread."""

    def __init__(self, data_dir: Path, life: int, form_json: str, log_dir: Path) -> None:
        self.stderr_path = log_dir / f"child-{life}.stderr"
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 - closed in kill()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("MEJA_ADUAN_DATA_DIR", None)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), str(data_dir), str(life), form_json],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        self.lines: list[str] = []  # complete lines only
        self.seen: dict[str, float] = {}  # first time each event word was seen
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            self._queue.put((time.monotonic(), raw))
        self._queue.put(None)

    def _take(self, item) -> None:
        when, raw = item
        if not raw.endswith(b"\n"):  # a partial last line: the kill cut it, it was never acked
            return
        line = raw.decode().rstrip("\n")
        self.lines.append(line)
        self.seen.setdefault(line.split(" ", 1)[0], when)

    def wait_for(self, word: str) -> bool:
        """Wait until the child prints `word` (True) or exits (False)."""
        deadline = time.monotonic() + HANG
        while word not in self.seen:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"child hung waiting for {word!r}: {self.stderr()}") from None
            if item is None:
                self._queue.put(None)
                return False
            self._take(item)
        return True

    def kill(self) -> int:
        """SIGKILL now; return the exit status (negative signal number if it was killed)."""
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        status = self.proc.wait()
        self._thread.join()
        while (item := self._queue.get()) is not None:
            self._take(item)
        self.proc.stdout.close()
        self._stderr.close()
        return status

    def acks(self) -> list[tuple[str, str]]:
        return [tuple(line.split()[1:3]) for line in self.lines if line.startswith("ack ")]

    def stderr(self) -> str:
        if not self._stderr.closed:  # kill() closes it; what was written is on disk
            self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-3000:]


class Campaign:
    """Kills on one data folder, with what every life acknowledged."""

    def __init__(self, data_dir: Path, form_json: str, log_dir: Path, seed: int) -> None:
        self.data_dir = data_dir
        self.form_json = form_json
        self.log_dir = log_dir
        self.seed = seed
        self.acked: list[tuple[str, str]] = []
        self.kills: collections.Counter[str] = collections.Counter()
        self.schema_states: collections.Counter[str] = collections.Counter()

    def life(self, life: int) -> Child:
        return Child(self.data_dir, life, self.form_json, self.log_dir)

    def end(self, child: Child, mode: str) -> None:
        status = child.kill()
        assert status == -signal.SIGKILL, (
            f"seed {self.seed}: the child (mode {mode}) ended by itself with status {status}:\n"
            f"{child.stderr()}"
        )
        self.kills[mode] += 1
        self.acked.extend(child.acks())

    def expect(self, child: Child, word: str, mode: str) -> None:
        if not child.wait_for(word):
            child.kill()
            raise AssertionError(
                f"seed {self.seed}: the child (mode {mode}) exited before {word!r}; "
                f"the database did not survive an earlier kill?\n{child.stderr()}"
            )


def fts_differences(conn: sqlite3.Connection) -> list[tuple]:
    """Entries (term, rowid, column, offset) in the FTS index but not in the complaint table's
    text, or the other way round. Before SQLite 3.44 'integrity-check' does not compare an
    external-content index with its table, so index the table afresh in a temp table, compare."""
    tokenize = "tokenize='unicode61 remove_diacritics 2'"
    conn.executescript(
        f"""
        CREATE VIRTUAL TABLE temp.fresh_fts USING fts5(subject, description, reporter_name,
            {tokenize});
        INSERT INTO temp.fresh_fts(rowid, subject, description, reporter_name)
            SELECT seq, subject, description, reporter_name FROM main.complaint;
        CREATE VIRTUAL TABLE temp.fresh_vocab USING fts5vocab(temp, fresh_fts, instance);
        CREATE VIRTUAL TABLE temp.index_vocab USING fts5vocab(main, complaint_fts, instance);
        """
    )
    try:
        cols = "term, doc, col, offset"
        return conn.execute(
            f"SELECT 'index only', * FROM (SELECT {cols} FROM temp.index_vocab "
            f"EXCEPT SELECT {cols} FROM temp.fresh_vocab) "
            f"UNION ALL SELECT 'table only', * FROM (SELECT {cols} FROM temp.fresh_vocab "
            f"EXCEPT SELECT {cols} FROM temp.index_vocab)"
        ).fetchall()
    finally:
        conn.executescript(
            "DROP TABLE temp.index_vocab; DROP TABLE temp.fresh_vocab; DROP TABLE temp.fresh_fts;"
        )


def check_database(data_dir: Path, acked: list[tuple[str, str]], seed: int) -> dict[str, int]:
    """Every invariant a crash must not break; return a few counts for the report."""
    where = f"seed {seed}, {data_dir}"
    numbers = [number for number, _ in acked]
    repeated = [n for n, k in collections.Counter(numbers).items() if k > 1]
    assert not repeated, f"{where}: numbers acknowledged twice (reused after a crash): {repeated}"

    conn = sqlite3.connect(data_dir / DB_NAME)  # a normal connection: recovers the WAL
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], where
        try:
            conn.execute("INSERT INTO complaint_fts(complaint_fts) VALUES('integrity-check')")
            if sqlite3.sqlite_version_info >= (3, 44):  # rank 1: also against the content table
                conn.execute(
                    "INSERT INTO complaint_fts(complaint_fts, rank) VALUES('integrity-check', 1)"
                )
        except sqlite3.DatabaseError as exc:
            raise AssertionError(f"{where}: FTS index inconsistent: {exc}") from None
        differ = fts_differences(conn)
        assert not differ, f"{where}: FTS index and complaint table differ: {differ[:5]}"

        stored = collections.Counter(
            dict(conn.execute("SELECT tracking_no, count(*) FROM complaint GROUP BY tracking_no"))
        )
        twice = [n for n, k in stored.items() if k > 1]
        assert not twice, f"{where}: tracking numbers stored twice: {twice}"
        missing = [n for n in numbers if stored.get(n) != 1]
        assert not missing, f"{where}: acknowledged but not in the database: {missing}"

        # The day counter, the complaint and its outbox row commit together: no gaps, no extras.
        by_day: dict[str, list[int]] = collections.defaultdict(list)
        for number in stored:
            _desk, day, sequence, _check = number.split("-")
            by_day[day].append(int(sequence))
        counters = {
            day.replace("-", "")[2:]: last
            for day, last in conn.execute("SELECT day, last_seq FROM day_counter")
        }
        for day, sequences in by_day.items():
            assert sorted(sequences) == list(range(1, counters.get(day, 0) + 1)), (
                f"{where}: day {day}: sequences are not exactly 1..{counters.get(day)} "
                f"(a half-committed save?)"
            )

        no_outbox = conn.execute(
            "SELECT c.tracking_no FROM complaint c "
            "LEFT JOIN outbox o ON o.complaint_id = c.id "
            "GROUP BY c.seq HAVING count(o.seq) != 1"
        ).fetchall()
        assert not no_outbox, f"{where}: complaints without exactly one outbox row: {no_outbox}"
        orphans = conn.execute(
            "SELECT count(*) FROM outbox WHERE complaint_id NOT IN (SELECT id FROM complaint)"
        ).fetchone()[0]
        assert orphans == 0, f"{where}: {orphans} outbox rows without their complaint"

        for number, token in acked:  # the index points at the right row for each saved word
            found = conn.execute(
                "SELECT c.tracking_no FROM complaint_fts f JOIN complaint c ON c.seq = f.rowid "
                "WHERE complaint_fts MATCH ?",
                (f'"{token}"',),
            ).fetchall()
            assert found == [(number,)], f"{where}: FTS for {token} gives {found}, not {number}"
        total = sum(stored.values())
    finally:
        conn.close()
    return {"stored": total, "acked": len(acked), "unacked": total - len(acked)}


def check_app_reopens(data_dir: Path, acked: list[tuple[str, str]], seed: int) -> None:
    """The app itself opens the folder, finds acknowledged complaints and records a new one."""
    from sqlalchemy import func, select

    from desk_app.services import audit, intake, lookup
    from desk_app.services.desk import check_integrity
    from desk_app.store import models
    from tests.conftest import open_acting

    desk = open_acting(data_dir)
    try:
        check_integrity(desk)
        rng = random.Random(seed)
        for number, token in rng.sample(acked, min(20, len(acked))):
            for text in (number, token):
                rows = lookup.list_complaints(desk, lookup.ListQuery(text=text)).rows
                assert [r.tracking_no for r in rows] == [number], f"seed {seed}: {text}"
        recorded = intake.record_complaint(desk, make_form())
        rows = lookup.list_complaints(desk, lookup.ListQuery(text=recorded.tracking_no)).rows
        assert [r.tracking_no for r in rows] == [recorded.tracking_no]
        # One sealed event per complaint, the key and the head intact across the kills.
        verified = audit.verify(desk)
        with desk.db.reading() as session:
            stored = session.scalar(select(func.count()).select_from(models.Complaint))
        assert verified == audit.VerifyResult(stored, None, "ok"), f"seed {seed}: {verified}"
    finally:
        desk.close()


def write_kill_delay(rng: random.Random) -> tuple[str, float]:
    """How long after "ready" to kill: mostly within a few saves, some right inside the first."""
    roll = rng.random()
    if roll < 0.40:
        return "save-0-5ms", rng.uniform(0.0, 0.005)
    if roll < 0.80:
        return "save-0-50ms", rng.uniform(0.0, 0.05)
    return "save-0-300ms", rng.uniform(0.0, 0.3)


def run_main(campaign: Campaign, rng: random.Random, lives: int) -> None:
    """Kill the one accumulating folder `lives` times at random moments."""
    # First life: creates the schema; measures start-up and opening for aiming later kills.
    child = campaign.life(0)
    campaign.expect(child, "opening", "first")
    campaign.expect(child, "ready", "first")
    campaign.expect(child, "ack", "first")
    startup = child.seen["opening"] - child.started
    opens = [child.seen["ready"] - child.seen["opening"]]
    campaign.end(child, "first")

    for life in range(1, lives):
        child = campaign.life(life)
        roll = rng.random()
        if roll < 0.12:  # anywhere from interpreter start through imports into the opening
            time.sleep(rng.uniform(0.0, startup * 1.3))
            mode = "start"
        elif roll < 0.25:  # inside open_desk: integrity check, WAL recovery, migration check
            campaign.expect(child, "opening", "opening")
            time.sleep(rng.uniform(0.0, statistics.median(opens) * 1.2))
            mode = "opening"
        else:
            campaign.expect(child, "ready", "save")
            opens.append(child.seen["ready"] - child.seen["opening"])
            mode, delay = write_kill_delay(rng)
            time.sleep(delay)
        campaign.end(child, mode)


def measure_opening(tmp: Path, form_json: str, log_dir: Path, seed: int) -> float:
    """How long open_desk takes on a fresh folder here (schema first, then settings, reference
    data, calendar), to aim the migration kills."""
    probe = Campaign(tmp, form_json, log_dir, seed)
    child = probe.life(9_999)
    probe.expect(child, "ready", "probe")
    child.kill()
    return child.seen["ready"] - child.seen["opening"]


def schema_state(data_dir: Path) -> str:
    """Where a kill left the schema, read from a copy (the folder itself stays as the kill left
    it, so the next life does its own recovery): "no file", "empty" (file, no tables), "committed",
    or "torn" (tables without the Alembic stamp: harmless only if the next opening copes, which the
    test then checks)."""
    db = data_dir / DB_NAME
    if not db.exists():
        return "no file"
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{db}{suffix}").exists():
                shutil.copyfile(f"{db}{suffix}", Path(tmp) / f"{DB_NAME}{suffix}")
        conn = sqlite3.connect(Path(tmp) / DB_NAME)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            stamped = (
                "alembic_version" in tables
                and conn.execute("SELECT count(*) FROM alembic_version").fetchone()[0]
            )
        finally:
            conn.close()
    if stamped:
        return "committed"
    return "torn" if tables - {"alembic_version"} else "empty"


def run_fresh_folders(tmp: Path, form_json: str, log_dir: Path, seed: int) -> list[Campaign]:
    """Kill fresh folders while open_desk creates their schema; move to a new folder once a
    kill landed after the schema was committed, after checking that folder opens and saves."""
    rng = random.Random(seed + 1)
    # Aim the kills around the schema commit: start at a share of a fresh opening, then move
    # the window so about half the kills land before the commit and half after.
    aim = MIGRATION_AIM * measure_opening(tmp / "probe", form_json, log_dir, seed)
    campaigns: list[Campaign] = []
    campaign = None
    life = 10_000

    def finish(campaign: Campaign) -> None:
        nonlocal life
        life += 1
        child = campaign.life(life)
        campaign.expect(child, "ack", "after-migration")
        campaign.end(child, "after-migration")

    for _ in range(MIGRATION_KILLS):
        if campaign is None:
            campaign = Campaign(tmp / f"fresh{len(campaigns)}", form_json, log_dir, seed)
            campaigns.append(campaign)
        life += 1
        child = campaign.life(life)
        campaign.expect(child, "opening", "migration")
        time.sleep(rng.uniform(0.0, aim))
        campaign.end(child, "migration")
        state = schema_state(campaign.data_dir)
        campaign.schema_states[state] += 1
        if state in ("no file", "empty"):
            aim *= 1.15
        else:  # landed after the commit: aim earlier, and this folder is done
            aim *= 0.85
            finish(campaign)
            campaign = None
    if campaign is not None:
        finish(campaign)
    return campaigns


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path, monkeypatch):
    from desk_app import paths

    monkeypatch.setattr(paths, "_data_dir", paths._data_dir)  # open_desk below changes it
    seed = int(os.environ.get("CRASH_SEED") or time.time_ns() % 2**32)
    print(f"\ncrash test seed {seed} (replay with CRASH_SEED={seed})")
    began = time.monotonic()
    form_json = json.dumps(make_form().to_dict())
    logs = tmp_path / "logs"
    logs.mkdir()

    main = Campaign(tmp_path / "main", form_json, logs, seed)
    # The fresh folders are killed on a second thread meanwhile (two cores: about half the time).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        other = pool.submit(run_fresh_folders, tmp_path / "fresh", form_json, logs, seed)
        run_main(main, random.Random(seed), MAIN_LIVES)
        fresh = other.result()
    killed_in = time.monotonic() - began

    counts = check_database(main.data_dir, main.acked, seed)
    for campaign in fresh:
        check_database(campaign.data_dir, campaign.acked, seed)
    check_app_reopens(main.data_dir, main.acked, seed)

    kills = main.kills + sum((c.kills for c in fresh), collections.Counter())
    total = sum(kills.values())
    states = sum((c.schema_states for c in fresh), collections.Counter())
    print(
        f"{total} kills in {killed_in:.0f} s, checks {time.monotonic() - began - killed_in:.0f} s "
        f"({dict(sorted(kills.items()))}); main folder: {counts['acked']} acknowledged, "
        f"{counts['stored']} stored ({counts['unacked']} committed but killed before the "
        f"acknowledgement); {len(fresh)} fresh folders, schema after the migration kills: "
        f"{dict(sorted(states.items()))}"
    )
    assert total >= 200


def test_the_checks_catch_damage(tmp_path, monkeypatch):
    """The crash test's checks are not vacuous: each kind of damage is caught (fast, not slow)."""
    from desk_app import paths
    from desk_app.services import intake
    from tests.conftest import open_acting

    monkeypatch.setattr(paths, "_data_dir", paths._data_dir)

    def fresh(name):
        data_dir = tmp_path / name
        desk = open_acting(data_dir)
        acked = []
        for n in range(3):
            token = f"tok{name}x{n}z"
            recorded = intake.record_complaint(desk, make_form(subject=f"Jalan rusak {token}"))
            acked.append((recorded.tracking_no, token))
        desk.close()
        return data_dir, acked

    def damage(data_dir, *sql):
        conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
        for statement in sql:
            conn.execute(statement)
        conn.close()

    data_dir, acked = fresh("whole")
    check_database(data_dir, acked, 0)

    data_dir, acked = fresh("lost")
    with pytest.raises(AssertionError, match="not in the database"):
        check_database(data_dir, [*acked, ("PKU01-991231-0001-X", "tokmissingz")], 0)

    data_dir, acked = fresh("twice")
    with pytest.raises(AssertionError, match="acknowledged twice"):
        check_database(data_dir, [*acked, acked[0]], 0)

    data_dir, acked = fresh("outbox")
    damage(data_dir, "DELETE FROM outbox WHERE seq = 2")
    with pytest.raises(AssertionError, match="outbox"):
        check_database(data_dir, acked, 0)

    data_dir, acked = fresh("gap")  # a complaint and its outbox row gone, the counter kept
    damage(
        data_dir,
        "PRAGMA foreign_keys = OFF",
        "DELETE FROM outbox WHERE complaint_id = (SELECT id FROM complaint WHERE seq = 2)",
        "DELETE FROM complaint WHERE seq = 2",
    )
    with pytest.raises(AssertionError):
        check_database(data_dir, acked[:1] + acked[2:], 0)

    data_dir, acked = fresh("fts")  # the index no longer matches the table
    damage(data_dir, "DROP TRIGGER complaint_fts_au", "UPDATE complaint SET subject = 'x'")
    with pytest.raises(AssertionError, match="FTS"):
        check_database(data_dir, acked, 0)
