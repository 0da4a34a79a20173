"""Shared pieces for the benchmarks (bench/run.py now, bench/gui.py later).

A benchmark section is a function returning a list of Figure. Each figure is a median time (or a
size) measured through the app next to a baseline measured in the same run, so the ratio means
something on any machine; goals are printed, never asserted.
"""

from __future__ import annotations

import gc
import json
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"  # gitignored: cached demo databases
DB_NAME = "meja-aduan.sqlite3"
RARE_WORD = "zamrudkhatulistiwa"  # in exactly one complaint of the demo database
DEMO_SEED = 20261126

if str(ROOT) not in sys.path:  # run as `python bench/run.py` from anywhere
    sys.path.insert(0, str(ROOT))


@dataclass
class Figure:
    """One line of the table: `value` (through the app) against `baseline` (the same work done
    the plainest way), with the goal in words. `unit` is "ms" or "MB" or "s"."""

    section: str
    name: str
    value: float
    unit: str = "ms"
    baseline: float | None = None
    baseline_name: str = ""
    goal: str = ""
    met: bool | None = None  # None: no goal for this line

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline <= 0:
            return None
        return self.value / self.baseline


def measure(fn: Callable[[], object], repeat: int = 30, warmup: int = 3) -> float:
    """Median wall time of fn() in milliseconds (after `warmup` untimed calls)."""
    for _ in range(warmup):
        fn()
    times = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        if gc_was:
            gc.enable()
    return statistics.median(times)


def measure_pair(
    fn: Callable[[], object], base: Callable[[], object], repeat: int = 30, warmup: int = 3
) -> tuple[float, float]:
    """Medians (ms) of fn and base, timed alternately so load from elsewhere hits both alike."""
    for _ in range(warmup):
        fn()
        base()
    a, b = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        a.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        base()
        b.append((time.perf_counter() - start) * 1000)
    return statistics.median(a), statistics.median(b)


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MB, from /proc/self/status."""
    fields = {}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(rest.split()[0]) / 1024
    except OSError:  # not Linux: peak only, from getrusage (kB on Linux, bytes on macOS)
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = peak / 1024 / (1024 if sys.platform == "darwin" else 1)
        return peak, peak
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"
    return f"{value:.1f} {unit}"


def print_table(figures: list[Figure], title: str = "") -> None:
    """A plain text table: figure, value, baseline, ratio, goal."""
    header = ("figure", "app", "baseline", "", "ratio", "goal")
    rows = []
    for f in figures:
        ratio = f.ratio
        goal = f.goal + ({True: "  ok", False: "  MISSED", None: ""}[f.met] if f.goal else "")
        rows.append(
            (
                f"{f.section} {f.name}",
                _fmt(f.value, f.unit),
                _fmt(f.baseline, f.unit),
                f.baseline_name,
                "-" if ratio is None else f"{ratio:.2f}x",
                goal,
            )
        )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {1, 2, 4}

    def line(cells):
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    if title:
        print(f"\n{title}")
    print(line(header))
    print(line(["-" * w for w in widths]))
    section = None
    for f, r in zip(figures, rows, strict=True):
        if section is not None and f.section != section:
            print()
        section = f.section
        print(line(r))


# -- the demo database ---------------------------------------------------------------------


@dataclass
class Context:
    """What every section gets: the demo folder with `rows` complaints, a scratch folder."""

    rows: int
    data_dir: Path | None
    scratch: Path
    generate_seconds: float | None = None


def sample_form(**overrides):
    """A valid complaint form (the core's own sample, as the tests use)."""
    from desk_app.services.demo import sample_form as core_sample

    return core_sample(**overrides)


def _schema_key() -> str:
    """Changes whenever a migration changes, so a cached database of an older schema is
    made again rather than measured."""
    import hashlib

    from desk_app.store.migrate import MIGRATIONS_DIR

    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def demo_dir(rows: int) -> Path:
    return OUT_DIR / f"demo-{rows}-{_schema_key()}"


def _stored_count(path: Path) -> int | None:
    db = path / DB_NAME
    if not db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM complaint").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def demo_database(rows: int, log: Callable[[str], None] = print) -> tuple[Path, float | None, bool]:
    """The data folder of a desk with `rows` demo complaints plus one with RARE_WORD.

    Reused from bench/out/ when it holds the right count; else made with demo.generate.
    Returns (folder, seconds demo.generate took (remembered when reused), reused).
    """
    from desk_app.services import demo, intake
    from desk_app.services.desk import open_desk

    path = demo_dir(rows)
    made = path / "generate.json"
    if _stored_count(path) == rows + 1 and made.exists():
        info = json.loads(made.read_text())
        if info.get("training"):  # made on a training desk, as demo data must be
            return path, info["seconds"], True
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    desk = _training_desk(open_desk(path))
    try:
        step = max(rows // 10, 5000)
        started = time.perf_counter()

        def progress(done: int) -> None:
            if done % step < demo.BATCH or done == rows:
                rate = done / max(time.perf_counter() - started, 1e-9)
                log(f"  demo data: {done:,}/{rows:,} ({rate:,.0f} rows/s)")

        demo.generate(desk, rows, seed=DEMO_SEED, progress=progress)
        took = time.perf_counter() - started
        intake.record_complaint(
            desk,
            sample_form(
                subject=f"Batu {RARE_WORD} hilang dari museum",
                description=f"Koleksi batu {RARE_WORD} tidak ada lagi di lemari pamer museum.",
            ),
        )
    finally:
        desk.close()
    conn = sqlite3.connect(path / DB_NAME)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    made.write_text(json.dumps({"rows": rows, "seconds": took, "training": True}))  # last
    return path, took, False


def open_acting(path):
    """open_desk(path), acting as the benchmark supervisor (who may record and see everything);
    a fresh scratch desk is given the code LATIH first. Nobody signs in: the benchmarks act
    through the services, which refuse a desk with no actor."""
    from desk_app import settings
    from desk_app.domain.roles import Actor, Role
    from desk_app.services.desk import open_desk

    desk = open_desk(path)
    if not desk.set_up:
        settings.set_value(desk.db, "desk_code", "LATIH")
        desk = desk.reloaded()
    return desk.acting(Actor(BENCH_USER, "Koordinator Latihan", Role.SUPERVISOR))


BENCH_USER = "latih"  # the supervisor of the benchmark's training desk


def _training_desk(desk):
    """Set `desk` up as a training desk (demo data refuses any other) and return it acting as
    a supervisor, who may record. Passwords are random and never shown: the benchmarks act
    through the services, nobody signs in."""
    import secrets

    from desk_app.domain.roles import Role
    from desk_app.services import accounts

    it = accounts.init_desk(
        desk,
        desk_code="LATIH",
        desk_name="Meja Latihan (benchmark)",
        region="14.71",
        admin_username="latih-ti",
        admin_password=secrets.token_urlsafe(24),
        training=True,
    )
    desk = desk.reloaded().acting(it)
    supervisor = accounts.create_user(
        desk,
        it,
        BENCH_USER,
        "Koordinator Latihan",
        Role.SUPERVISOR,
        secrets.token_urlsafe(24),
        must_change_password=False,
    )
    return desk.acting(accounts.Actor(supervisor.username, supervisor.full_name, supervisor.role))
    return desk
