"""Crash test for the indexes demo data sets aside (store/bulk_indexes.py): `desk-app
demo-data`, big enough to set them aside, killed with SIGKILL while it writes. The next open of
the desk builds them again, as they were; the desk holds whole chunks only, and its audit trail
verifies."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desk_app.services import audit, demo
from desk_app.services.desk import open_desk
from tests.conftest import CLERK, PASSWORD, SUPERVISOR, child_env, set_up_desk
from tests.core.test_demo import index_sql, marker_rows

ROOT = Path(__file__).resolve().parents[2]


def _complaints(data: Path) -> int:
    conn = sqlite3.connect(data / "meja-aduan.sqlite3", timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM complaint").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.timeout(300)
def test_a_demo_run_killed_with_its_indexes_set_aside_gets_them_back_at_the_next_open(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    set_up_desk(data, "LATIH", training=True)
    before = index_sql(data)
    run = subprocess.Popen(
        [sys.executable, "-m", "desk_app", "--data-dir", str(data), "--user", CLERK.username]
        + ["demo-data", "--count", str(8 * demo.SET_ASIDE_FROM), "--seed", "3"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_env(ROOT),
    )
    try:
        run.stdin.write(f"{PASSWORD}\n".encode())
        run.stdin.close()
        deadline = time.monotonic() + 120
        while not (marker_rows(data) and _complaints(data) >= 4 * demo.BATCH):
            assert run.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never set its indexes aside"
            time.sleep(0.05)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    assert index_sql(data) != before  # killed while they were set aside

    desk = open_desk(data)
    try:
        assert index_sql(data) == before
        assert marker_rows(data) == 0
        assert _complaints(data) % demo.BATCH == 0  # whole chunks, none cut
        assert audit.verify(desk.acting(SUPERVISOR)).ok
    finally:
        desk.close()
