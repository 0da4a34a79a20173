"""Benchmarks of the core (no GUI): saving, paging, searching, memory. Run by `make bench`.

    python bench/run.py                 # 1,000,000 demo complaints (made once, cached)
    python bench/run.py --rows 100000   # quicker
    python bench/run.py --only a,c      # some sections only

Every figure is a median through the app next to a baseline measured in the same run (plain
sqlite3 doing the same work), so the ratio holds on any machine. Goals are printed, never
asserted. See bench/README.md for what each line means.

To add a section (bench/gui.py will): write `def bench_x(ctx: Context) -> list[Figure]` and list
it in a module-level SECTIONS of (key, title, function); `--gui` appends gui.SECTIONS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sync_bench  # noqa: E402  (bench/sync_bench.py)
from benchlib import (  # noqa: E402
    BENCH_DIR,
    DB_NAME,
    OUT_DIR,
    RARE_WORD,
    ROOT,
    Context,
    Figure,
    demo_database,
    measure,
    measure_pair,
    open_acting,
    print_table,
    sample_form,
)

SAVE_GOAL = 2.0  # x the raw sqlite3 save
PAGE_GOAL_MS = 5.0
SEARCH_GOAL_MS = 50.0
RSS_GOAL_MB = 150.0

LIST_COLUMNS = (
    "seq, id, tracking_no, received_at, reporter_name, anonymous, subject, category, agency, "
    "channel, status, due_date"
)


def _repeat_for(fn, budget_s: float = 1.5, lo: int = 5, hi: int = 100) -> int:
    """How many timed runs fit in about `budget_s` (one untimed call to estimate)."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    return max(lo, min(hi, int(budget_s / max(once, 1e-6))))


def _pair(fn, base, budget_s: float = 2.0) -> tuple[float, float]:
    repeat = _repeat_for(lambda: (fn(), base()), budget_s)
    return measure_pair(fn, base, repeat=repeat, warmup=2)


def _one(fn, budget_s: float = 1.5) -> float:
    return measure(fn, repeat=_repeat_for(fn, budget_s), warmup=1)


# -- a) saving -------------------------------------------------------------------------------


def _varied_forms(desk, count: int) -> list:
    """`count` demo complaints (seeded), received now, each with its own reporter."""
    import random

    from desk_app.domain import demo_forms

    rng = random.Random(11)
    pools = demo_forms.Pools.shipped(desk.reference)
    now = desk.now()
    return [demo_forms.form(rng, pools, desk.local_day(now), now) for _ in range(count)]


def bench_save(ctx: Context) -> list[Figure]:
    """record_complaint against plain sqlite3 doing the same writes in one durable transaction."""
    import uuid6

    from desk_app.domain import numbering
    from desk_app.domain.complaint import validate
    from desk_app.services import intake
    from desk_app.store import models
    from desk_app.store.db import utcnow

    form = sample_form()

    # The raw side: the app creates the schema (same tables, indexes, FTS triggers), then
    # plain sqlite3 writes: WAL, synchronous=FULL, BEGIN IMMEDIATE ... COMMIT.
    other = open_acting(ctx.scratch / "save-raw")
    valid = validate(form, other.reference, today=other.today())
    template = intake.complaint_row(other, valid, number="X", now=other.now(), link_to=None)
    desk_code, zone = other.desk_code, other.zone
    raw_path = other.db.path
    other.close()
    columns = [c.name for c in models.Complaint.__table__.columns if c.name != "seq"]

    def plain(value):
        if isinstance(value, dt.datetime):
            return value.isoformat(" ")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    base = {c: plain(template.get(c)) for c in columns}  # columns the save leaves empty: NULL
    insert_complaint = (
        f"INSERT INTO complaint ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    )
    conn = sqlite3.connect(raw_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")

    audit_key = b"k" * 32
    head_file = raw_path.with_name("audit.head")
    slot = struct.Struct(">4sQ32sI")

    def raw_save():
        now = utcnow()
        day = now.replace(tzinfo=dt.UTC).astimezone(zone).date()
        stamp = now.isoformat(" ")
        conn.execute("BEGIN IMMEDIATE")
        seq = conn.execute(
            "INSERT INTO day_counter (desk_code, day, last_seq) VALUES (?, ?, 1) "
            "ON CONFLICT (desk_code, day) DO UPDATE SET last_seq = last_seq + 1 "
            "RETURNING last_seq",
            (desk_code, day.isoformat()),
        ).fetchone()[0]
        # The desk's own holidays from that day on (the due date counts working days).
        conn.execute(
            "SELECT day, working FROM calendar_day WHERE day >= ?", (day.isoformat(),)
        ).fetchall()
        cid = str(uuid6.uuid7())
        row = {
            **base,
            "id": cid,
            "tracking_no": numbering.make(desk_code, day, seq),
            "received_at": stamp,
            "created_at": stamp,
            "updated_at": stamp,
        }
        conn.execute(insert_complaint, [row[c] for c in columns])
        conn.execute(
            "INSERT INTO outbox (item_id, complaint_id, kind, revision, state, created_at, "
            "attempts) VALUES (?, ?, 'record', 0, 'waiting', ?, 0)",
            (str(uuid6.uuid7()), cid, stamp),
        )
        # The audit event the save writes: the previous seal and the key's fingerprint (the
        # key must be the desk's), then an HMAC over the new event.
        last = conn.execute(
            "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        conn.execute("SELECT value FROM setting WHERE key = 'audit_key_fingerprint'").fetchone()
        event_seq, prev = (last[0] + 1, last[1]) if last else (1, "0" * 64)
        after = json.dumps(row, sort_keys=True, separators=(",", ":"), default=str)
        seal = hmac.new(
            audit_key, json.dumps([event_seq, stamp, after, prev]).encode(), hashlib.sha256
        ).hexdigest()
        conn.execute(
            "INSERT INTO audit_event (seq, at, actor, action, object_type, object_id, before, "
            "after, reason, prev_hash, hash) VALUES (?, ?, 'petugas', 'complaint.record', "
            "'complaint', ?, NULL, ?, NULL, ?, ?)",
            (event_seq, stamp, cid, after, prev, seal),
        )
        conn.execute("DELETE FROM draft WHERE key = 'intake'")
        conn.execute("COMMIT")
        # After the commit, the audit head (outside the database): one 64-byte slot of two
        # overwritten in place, the other read first (desk_app/audit/head.py).
        body = slot.pack(b"MAH1", event_seq, bytes.fromhex(seal), 0)
        fd = os.open(head_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            os.pread(fd, 128, 0)
            os.pwrite(fd, body + bytes(64 - len(body)), 64 * (event_seq % 2))
        finally:
            os.close(fd)

    desk = open_acting(ctx.scratch / "save-service")
    # A different complaint each time (the demo's reporters: each NIK and number new), as at a
    # desk: the same form 300 times would measure the checks' caches of valid values.
    forms = iter(_varied_forms(desk, 700))
    try:
        service, raw = measure_pair(
            lambda: intake.record_complaint(desk, next(forms)), raw_save, repeat=300, warmup=30
        )
        validating = measure(
            lambda: validate(next(forms), desk.reference, today=desk.today()),
            repeat=300,
            warmup=10,
        )
    finally:
        desk.close()
        conn.close()
    return [
        Figure(
            "a",
            "save one complaint (record_complaint)",
            service,
            baseline=raw,
            baseline_name="sqlite3, same writes",
            goal=f"<= {SAVE_GOAL:g}x",
            met=service <= SAVE_GOAL * raw,
        ),
        Figure("a", "  of which validate() alone", validating),
    ]


# -- b) the list: paging ----------------------------------------------------------------------


def _raw_connection(ctx: Context) -> sqlite3.Connection:
    conn = sqlite3.connect(ctx.data_dir / DB_NAME)
    conn.execute("PRAGMA journal_mode = WAL")
    return conn


def bench_paging(ctx: Context) -> list[Figure]:
    """Newest-received-first pages through lookup.list_complaints (keyset) against plain SQL."""
    from desk_app.services import lookup

    desk = open_acting(ctx.data_dir)
    conn = _raw_connection(ctx)
    newest = lookup.ListQuery()
    figures = []

    def raw_keyset(after: tuple | None):
        """The list's own order: (received_at, seq) newest first, after a raw cursor."""
        order = "ORDER BY received_at DESC, seq DESC LIMIT 100"
        if after is None:
            sql = f"SELECT {LIST_COLUMNS} FROM complaint {order}"
            return lambda: conn.execute(sql).fetchall()
        sql = f"SELECT {LIST_COLUMNS} FROM complaint WHERE (received_at, seq) < (?, ?) {order}"
        return lambda: conn.execute(sql, after).fetchall()

    def raw_cursor(row) -> tuple:
        return (row[3], row[0])  # received_at as stored, seq

    def app_cursor(raw: tuple) -> tuple:
        return (dt.datetime.fromisoformat(raw[0]), raw[1])

    def raw_offset(offset: int):
        sql = (
            f"SELECT {LIST_COLUMNS} FROM complaint "
            "ORDER BY received_at DESC, seq DESC LIMIT 100 OFFSET ?"
        )
        return lambda: conn.execute(sql, (offset,)).fetchall()

    def page_goal(name, value, base, base_name="sqlite3 keyset"):
        figures.append(
            Figure(
                "b",
                name,
                value,
                baseline=base,
                baseline_name=base_name,
                goal=f"< {PAGE_GOAL_MS:g} ms",
                met=value < PAGE_GOAL_MS,
            )
        )

    try:
        if ctx.generate_seconds is not None:
            figures.append(
                Figure(
                    "b",
                    f"demo.generate {ctx.rows:,} rows (made once)",
                    ctx.generate_seconds,
                    unit="s",
                )
            )
        service, raw = _pair(lambda: lookup.list_complaints(desk, newest), raw_keyset(None))
        page_goal("first page, newest first", service, raw, "sqlite3 LIMIT 100")

        # Walk to page 50 with cursors, then time page 50 alone.
        raw_after = None
        for _ in range(49):
            raw_after = raw_cursor(raw_keyset(raw_after)()[-1])
        cursor = app_cursor(raw_after)
        service, raw = _pair(
            lambda: lookup.list_complaints(desk, newest, cursor), raw_keyset(raw_after)
        )
        page_goal("page 50 (cursor from page 49)", service, raw)

        def walk(pages=50):
            c = None
            for _ in range(pages):
                c = lookup.list_complaints(desk, newest, c).cursor

        def raw_walk(pages=50):
            after = None
            for _ in range(pages):
                after = raw_cursor(raw_keyset(after)()[-1])

        service, raw = _pair(walk, raw_walk, budget_s=3.0)
        page_goal("pages 1-50 walked, per page", service / 50, raw / 50)

        deep_raw = conn.execute(
            "SELECT received_at, seq FROM complaint WHERE seq = ?", (ctx.rows // 2,)
        ).fetchone()
        deep = app_cursor(deep_raw)
        service, raw = _pair(
            lambda: lookup.list_complaints(desk, newest, deep), raw_keyset(tuple(deep_raw))
        )
        page_goal(f"page at a cursor {ctx.rows // 2:,} rows deep", service, raw)

        by_agency = lookup.ListQuery(sort="agency")
        service, raw = _pair(
            lambda: lookup.list_complaints(desk, by_agency),
            lambda: conn.execute(
                f"SELECT {LIST_COLUMNS} FROM complaint ORDER BY agency DESC, seq DESC LIMIT 100"
            ).fetchall(),
        )
        page_goal("first page sorted by agency", service, raw, "sqlite3 LIMIT 100")

        # A date filter: the last 7 days, newest received first, streamed from the
        # (received_at, seq) index. The contrast is the order the list used before issue 8
        # (seq inside the range), which sorts every row of the range in a temporary B-tree.
        newest_day = desk.local_day(
            dt.datetime.fromisoformat(
                conn.execute("SELECT max(received_at) FROM complaint").fetchone()[0]
            )
        )
        week = lookup.ListQuery(date_from=newest_day - dt.timedelta(days=6), date_to=newest_day)
        lo = str(desk.start_of_day(week.date_from))
        hi = str(desk.start_of_day(week.date_to + dt.timedelta(days=1)))
        in_week = "FROM complaint WHERE received_at >= ? AND received_at < ?"
        (week_rows,) = conn.execute(f"SELECT count(*) {in_week}", (lo, hi)).fetchone()
        service, raw = _pair(
            lambda: lookup.list_complaints(desk, week),
            lambda: conn.execute(
                f"SELECT {LIST_COLUMNS} {in_week} ORDER BY received_at DESC, seq DESC LIMIT 100",
                (lo, hi),
            ).fetchall(),
        )
        page_goal(
            f"first page, 7-day date filter ({week_rows:,} rows in range)",
            service,
            raw,
            "sqlite3 same query",
        )
        old, new = _pair(
            lambda: conn.execute(
                f"SELECT {LIST_COLUMNS} {in_week} ORDER BY seq DESC LIMIT 100", (lo, hi)
            ).fetchall(),
            lambda: conn.execute(
                f"SELECT {LIST_COLUMNS} {in_week} ORDER BY received_at DESC, seq DESC LIMIT 100",
                (lo, hi),
            ).fetchall(),
        )
        figures.append(
            Figure(
                "b",
                "(contrast) sqlite3 7-day filter ORDER BY seq (before issue 8)",
                old,
                baseline=new,
                baseline_name="sqlite3 (received_at, seq) order",
            )
        )
        recorded = lookup.ListQuery(status="recorded")
        service, raw = _pair(
            lambda: lookup.list_complaints(desk, recorded),
            lambda: conn.execute(
                f"SELECT {LIST_COLUMNS} FROM complaint WHERE status = 'recorded' "
                "ORDER BY received_at DESC, seq DESC LIMIT 100"
            ).fetchall(),
        )
        page_goal("first page, status filter", service, raw, "sqlite3 same query")

        # Why not OFFSET: plain SQL both sides, OFFSET against keyset at the same depth.
        for depth in (4_900, ctx.rows // 2):
            before = conn.execute(
                "SELECT received_at, seq FROM complaint "
                "ORDER BY received_at DESC, seq DESC LIMIT 1 OFFSET ?",
                (depth - 1,),
            ).fetchone()  # the row just before that depth
            offset, keyset = _pair(raw_offset(depth), raw_keyset(tuple(before)))
            figures.append(
                Figure(
                    "b",
                    f"(contrast) sqlite3 OFFSET {depth:,}",
                    offset,
                    baseline=keyset,
                    baseline_name="sqlite3 keyset, same rows",
                )
            )
    finally:
        desk.close()
        conn.close()
    return figures


# -- c) full-text search ----------------------------------------------------------------------


def bench_search(ctx: Context) -> list[Figure]:
    """First page of a word search through the app against plain FTS5 queries."""
    from desk_app.services import lookup
    from desk_app.store.search import match_all

    desk = open_acting(ctx.data_dir)
    conn = _raw_connection(ctx)
    total = ctx.rows + 1
    names = json.loads((ROOT / "resources" / "demo" / "names.json").read_text(encoding="utf-8"))
    family = names["family"][0]
    number = conn.execute(
        "SELECT tracking_no FROM complaint WHERE seq = ?", (ctx.rows // 2,)
    ).fetchone()[0]
    figures = []

    def fts_page(query: str, order: str = "f.rowid DESC"):
        sql = (
            f"SELECT {', '.join('c.' + c.strip() for c in LIST_COLUMNS.split(','))} "
            "FROM complaint_fts f JOIN complaint c ON c.seq = f.rowid "
            f"WHERE complaint_fts MATCH ? ORDER BY {order} LIMIT 100"
        )
        return lambda: conn.execute(sql, (query,)).fetchall()

    def hits(word: str) -> int:
        return conn.execute(
            "SELECT count(*) FROM complaint_fts WHERE complaint_fts MATCH ?", (f'"{word}"',)
        ).fetchone()[0]

    try:
        # "di" is in about 3 of 4 demo complaints (62 of the 80 templates); RARE_WORD in one.
        for label, word in (
            ("common word", "di"),
            ("rare word", RARE_WORD),
            ("family name", family),
        ):
            found = hits(word)
            share = f"{found} row" if found < 10 else f"{found / total:.1%} of rows"
            query = match_all(word)  # what the app sends: a prefix term, '"di"*'
            service, raw = _pair(
                lambda w=word: lookup.list_complaints(desk, lookup.ListQuery(text=w)),
                fts_page(query),
            )
            figures.append(
                Figure(
                    "c",
                    f"{label} '{word}' ({share}), first page",
                    service,
                    baseline=raw,
                    baseline_name="FTS5 same MATCH, rowid DESC",
                    goal=f"< {SEARCH_GOAL_MS:g} ms",
                    met=service < SEARCH_GOAL_MS,
                )
            )
            exact, raw = _pair(fts_page(f'"{word}"'), fts_page(query))
            figures.append(
                Figure(
                    "c",
                    "  (contrast) whole word, not prefix",
                    exact,
                    baseline=raw,
                    baseline_name="FTS5 prefix, rowid DESC",
                )
            )
            ranked, raw = _pair(fts_page(query, "f.rank"), fts_page(query), budget_s=4.0)
            figures.append(
                Figure(
                    "c",
                    "  (contrast) ORDER BY rank",
                    ranked,
                    baseline=raw,
                    baseline_name="FTS5 prefix, rowid DESC",
                )
            )
            # Why word searches do not follow the list's received order (issue 8).
            received, raw = _pair(
                fts_page(query, "c.received_at DESC, c.seq DESC"), fts_page(query), budget_s=4.0
            )
            figures.append(
                Figure(
                    "c",
                    "  (contrast) ORDER BY received_at, seq",
                    received,
                    baseline=raw,
                    baseline_name="FTS5 prefix, rowid DESC",
                )
            )
        service, raw = _pair(
            lambda: lookup.list_complaints(desk, lookup.ListQuery(text=number)),
            lambda: conn.execute(
                f"SELECT {LIST_COLUMNS} FROM complaint WHERE tracking_no = ?", (number,)
            ).fetchall(),
        )
        figures.append(
            Figure(
                "c",
                "tracking number",
                service,
                baseline=raw,
                baseline_name="sqlite3 WHERE tracking_no",
                goal=f"< {SEARCH_GOAL_MS:g} ms",
                met=service < SEARCH_GOAL_MS,
            )
        )
    finally:
        desk.close()
        conn.close()
    return figures


# -- d) memory and opening --------------------------------------------------------------------

_MEMORY_PROBE = """
import json, sys, time
sys.path.insert(0, {bench!r})
from benchlib import open_acting, rss_mb
from desk_app.services import intake, lookup  # what the app imports anyway
from desk_app.services.desk import check_integrity
imported = rss_mb()[0]
start = time.perf_counter()
desk = open_acting({data!r})
opened = time.perf_counter() - start
cursor = None
for _ in range(3):
    cursor = lookup.list_complaints(desk, lookup.ListQuery(), cursor).cursor
now, peak = rss_mb()
start = time.perf_counter()
check_integrity(desk)
check = time.perf_counter() - start
desk.close()
print(json.dumps(dict(imported=imported, now=now, peak=peak, opened=opened, check=check)))
"""

_RAW_OPEN_PROBE = """
import json, sqlite3, sys, time
start = time.perf_counter()
conn = sqlite3.connect({db!r})
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("SELECT * FROM complaint ORDER BY seq DESC LIMIT 100").fetchall()
print(json.dumps(dict(opened=time.perf_counter() - start)))
"""


def _probe(code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench_memory(ctx: Context) -> list[Figure]:
    """A fresh process: RSS after imports, after open_desk and 3 pages; how long opening took."""
    app = _probe(_MEMORY_PROBE.format(bench=str(BENCH_DIR), data=str(ctx.data_dir)))
    raw = _probe(_RAW_OPEN_PROBE.format(db=str(ctx.data_dir / DB_NAME)))
    return [
        Figure(
            "d",
            "RSS after open_desk + 3 pages",
            app["now"],
            unit="MB",
            baseline=app["imported"],
            baseline_name="same process after imports",
            goal=f"< {RSS_GOAL_MB:g} MB",
            met=app["now"] < RSS_GOAL_MB,
        ),
        Figure("d", "  peak RSS (VmHWM)", app["peak"], unit="MB"),
        Figure(
            "d",
            "open_desk (existing database)",
            app["opened"] * 1000,
            baseline=raw["opened"] * 1000,
            baseline_name="sqlite3 connect + first page",
        ),
        Figure("d", "(after start) check_integrity: quick_check", app["check"] * 1000),
    ]


from receipts_bench import bench_receipts  # noqa: E402

# -- g) as a signed-in clerk: the identity rule in the plan, the duplicate check -----------

CLERK_GOAL_MS = 50.0
DUPLICATE_GOAL_MS = 50.0
BULK_GOAL = 10.0  # x a plain executemany of the same rows into a bare table


def _clerk(desk):
    from desk_app.domain.roles import Actor, Role

    return desk.acting(Actor("latih-petugas", "Petugas Latihan", Role.CLERK))


def bench_clerk(ctx: Context) -> list[Figure]:
    """What a clerk waits for: a common word (the identity rule in the plan: a hidden
    reporter's name must not make a hit), the 7-day list, and the possible-duplicate check
    the form runs before each save."""
    from desk_app.services import intake, lookup

    supervisor = open_acting(ctx.data_dir)
    clerk = _clerk(supervisor)
    conn = _raw_connection(ctx)
    figures = []
    try:
        for word in ("di", "warga"):
            query = lookup.ListQuery(text=word)
            app, base = _pair(
                lambda q=query: lookup.list_complaints(clerk, q),
                lambda q=query: lookup.list_complaints(supervisor, q),
            )
            figures.append(
                Figure(
                    "g",
                    f"clerk searches a common word '{word}', first page",
                    app,
                    baseline=base,
                    baseline_name="same search, supervisor (no identity filter)",
                    goal=f"< {CLERK_GOAL_MS:g} ms",
                    met=app < CLERK_GOAL_MS,
                )
            )
        newest_day = supervisor.local_day(
            dt.datetime.fromisoformat(
                conn.execute("SELECT max(received_at) FROM complaint").fetchone()[0]
            )
        )
        week = lookup.ListQuery(date_from=newest_day - dt.timedelta(days=6), date_to=newest_day)
        lo = str(supervisor.start_of_day(week.date_from))
        hi = str(supervisor.start_of_day(week.date_to + dt.timedelta(days=1)))
        app, base = _pair(
            lambda: lookup.list_complaints(clerk, week),
            lambda: conn.execute(
                f"SELECT {LIST_COLUMNS} FROM complaint WHERE received_at >= ? AND received_at < ?"
                " ORDER BY received_at DESC, seq DESC LIMIT 100",
                (lo, hi),
            ).fetchall(),
        )
        figures.append(
            Figure(
                "g",
                "clerk's list, 7-day date filter, first page",
                app,
                baseline=base,
                baseline_name="sqlite3 same rows in index order",
                goal=f"< {PAGE_GOAL_MS:g} ms",
                met=app < PAGE_GOAL_MS,
            )
        )
        templates = json.loads(
            (ROOT / "resources" / "demo" / "complaints.json").read_text(encoding="utf-8")
        )["templates"]
        for label, template in (("common text", templates[0]), ("rarer text", templates[-1])):
            form = sample_form(
                subject=template["subject"],
                description=template["description"].replace("{place}", "Tampan"),
                category=template["category"],
                agency=template["agency"],
                reporter_nik="1471015708900002",
                reporter_phone="0812 7000 1234",
            )
            app = _one(lambda f=form: intake.find_duplicates(clerk, f))
            figures.append(
                Figure(
                    "g",
                    f"possible-duplicate check before a save ({label})",
                    app,
                    goal=f"< {DUPLICATE_GOAL_MS:g} ms",
                    met=app < DUPLICATE_GOAL_MS,
                )
            )
    finally:
        supervisor.close()
        conn.close()
    return figures


# -- h) bulk loading ----------------------------------------------------------------------------


def bench_bulk(ctx: Context) -> list[Figure]:
    """demo.generate on a fresh training desk against a plain executemany of the same rows
    (all the complaint's columns, read back from that desk) into a bare table (no index, no
    trigger), in the same 500-row transactions with WAL and synchronous=FULL."""
    from benchlib import _training_desk

    from desk_app.services import demo
    from desk_app.services.desk import open_desk

    count = min(ctx.rows, 20_000)
    folder = ctx.scratch / "bulk"
    folder.mkdir()
    desk = _training_desk(open_desk(folder))
    try:
        start = time.perf_counter()
        demo.generate(desk, count, seed=DEMO_SEED_BULK)
        app_s = time.perf_counter() - start
        db_path = desk.db.path
    finally:
        desk.close()
    src = sqlite3.connect(db_path)
    columns = [r[1] for r in src.execute("PRAGMA table_info(complaint)") if r[1] != "seq"]
    rows = src.execute(f"SELECT {', '.join(columns)} FROM complaint").fetchall()
    written = _bulk_written(src)
    src.close()
    insert_sql = f"INSERT INTO bare ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    def plain_load(name: str) -> float:
        bare = sqlite3.connect(ctx.scratch / name, isolation_level=None)
        bare.execute("PRAGMA journal_mode = WAL")
        bare.execute("PRAGMA synchronous = FULL")
        bare.execute(f"CREATE TABLE bare (seq INTEGER PRIMARY KEY, {', '.join(columns)})")
        start = time.perf_counter()
        for offset in range(0, len(rows), demo.BATCH):
            bare.execute("BEGIN IMMEDIATE")
            bare.executemany(insert_sql, rows[offset : offset + demo.BATCH])
            bare.execute("COMMIT")
        took = time.perf_counter() - start
        bare.close()
        return took

    # The baseline is a fraction of a second of fsyncs: a busy disk moved it 10 to 140 ms per
    # 1,000 rows from one run to the next, so it is the median of three loads, each fresh.
    base_s = statistics.median(plain_load(f"bare-{i}.sqlite3") for i in range(3))
    app_ms, base_ms = app_s * 1000 / count * 1000, base_s * 1000 / count * 1000
    schema_s = statistics.median(
        _plain_schema_load(ctx.scratch / f"schema-{i}.sqlite3", written, demo.BATCH)
        for i in range(3)
    )
    schema_ms = schema_s * 1000 / count * 1000
    return [
        Figure(
            "h",
            f"demo.generate, per 1,000 rows ({count:,} rows: {count / app_s:,.0f} rows/s)",
            app_ms,
            baseline=base_ms,
            baseline_name=f"executemany, bare table ({count / base_s:,.0f} rows/s)",
            goal=f"<= {BULK_GOAL:g}x",
            met=app_ms / base_ms <= BULK_GOAL,
        ),
        Figure(
            "h",
            "(contrast) sqlite3: the same writes into the app's schema, per 1,000 rows",
            schema_ms,
            baseline=base_ms,
            baseline_name="executemany, bare table",
        ),
    ]


def _bulk_written(src: sqlite3.Connection) -> dict:
    """What demo data wrote, to be written again by plain sqlite3: the schema of the tables
    it writes (with their indexes and triggers, the FTS table) and their rows."""
    tables = ("complaint", "outbox", "audit_event")
    shadow = tuple(f"complaint_fts_{part}" for part in ("data", "idx", "docsize", "config"))
    schema = [
        sql
        for (sql,) in src.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND "
            f"(tbl_name IN {tables} OR name = 'complaint_fts') AND name NOT IN {shadow} "
            "ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END"
        )
    ]
    rows = {}
    for table in tables:
        cols = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
        if table != "audit_event":  # the chain's seq is its own; the others' are the database's
            cols.remove("seq")
        where = " WHERE action = 'complaint.record'" if table == "audit_event" else ""
        rows[table] = (
            cols,
            src.execute(f"SELECT {', '.join(cols)} FROM {table}{where}").fetchall(),
        )
    return {"schema": schema, "rows": rows}


def _plain_schema_load(path: Path, written: dict, batch: int) -> float:
    """The complaints, outbox rows and audit events demo data wrote, written again by plain
    sqlite3 into a fresh file with the app's schema (indexes, the FTS table filled once per
    chunk as bulk.write_many fills it, the per-row trigger left out; the plain indexes built
    after the rows when demo data sets them aside, as it does from SET_ASIDE_FROM), in the same
    transactions with WAL, synchronous=FULL and foreign keys on: what SQLite alone costs for
    what the app writes, against the bare table (the indexes, the full-text index, the
    outbox and the audit trail)."""
    from desk_app.services import demo

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    later = []  # the plain indexes a run this big sets aside and builds after (bulk_indexes.py)
    set_aside = len(written["rows"]["complaint"][1]) >= demo.SET_ASIDE_FROM
    for sql in written["schema"]:
        if "complaint_fts_ai" in sql:  # bulk.write_many sets the per-row trigger aside
            continue
        if set_aside and sql.startswith("CREATE INDEX"):
            later.append(sql)
        else:
            conn.execute(sql)
    inserts = {
        table: (
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            rows,
        )
        for table, (cols, rows) in written["rows"].items()
    }
    fill = (
        "INSERT INTO complaint_fts(rowid, subject, description, reporter_name) "
        "SELECT seq, subject, description, reporter_name FROM complaint WHERE seq > ?"
    )
    count = len(inserts["complaint"][1])
    start = time.perf_counter()
    for offset in range(0, count, batch):
        conn.execute("BEGIN IMMEDIATE")
        after = conn.execute("SELECT coalesce(max(seq), 0) FROM complaint").fetchone()[0]
        sql, rows = inserts["complaint"]
        conn.executemany(sql, rows[offset : offset + batch])
        conn.execute(fill, (after,))
        for table in ("outbox", "audit_event"):
            sql, rows = inserts[table]
            conn.executemany(sql, rows[offset : offset + batch])
        conn.execute("COMMIT")
    if later:
        conn.execute("BEGIN IMMEDIATE")
        for sql in later:
            conn.execute(sql)
        conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


DEMO_SEED_BULK = 7


SECTIONS = [
    ("a", "save", bench_save),
    ("b", "paging", bench_paging),
    ("c", "search", bench_search),
    ("d", "memory", bench_memory),
    ("s", "sync", sync_bench.bench_sync),
    ("r", "receipts and the register", bench_receipts),
    ("g", "as a clerk", bench_clerk),
    ("h", "bulk loading", bench_bulk),
]
NO_DEMO = ("a", "s", "r", "h")  # sections that make their own scratch desk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="demo complaints (1,000,000)")
    parser.add_argument("--only", default="", help="comma-separated section keys, e.g. a,c")
    parser.add_argument("--gui", action="store_true", help="also run bench/gui.py's SECTIONS")
    args = parser.parse_args(argv)

    sections = list(SECTIONS)
    if args.gui:
        import gui  # bench/gui.py

        sections += gui.SECTIONS
    wanted = {k.strip() for k in args.only.split(",") if k.strip()}
    if wanted:
        sections = [s for s in sections if s[0] in wanted]

    scratch = OUT_DIR / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    needs_demo = any(key not in NO_DEMO for key, _, _ in sections)
    data_dir, took = None, None
    if needs_demo:
        print(f"demo database: {args.rows:,} complaints in {OUT_DIR.relative_to(ROOT)}/")
        started = time.perf_counter()
        data_dir, took, reused = demo_database(args.rows)
        if reused:
            print("  reused the cached database")
        else:
            print(f"  made in {time.perf_counter() - started:.0f} s (demo.generate {took:.0f} s)")
    ctx = Context(rows=args.rows, data_dir=data_dir, scratch=scratch, generate_seconds=took)

    from desk_app import startup

    # As the window and the long commands do once started (desk_app/startup.py): what was
    # imported and made so far is out of the garbage collector's way for every section.
    startup.settle()
    figures: list[Figure] = []
    try:
        for key, title, function in sections:
            print(f"running {key}) {title} ...", flush=True)
            figures += function(ctx)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(
        figures,
        f"Meja Aduan core benchmarks, {args.rows:,} rows, SQLite {sqlite3.sqlite_version}, "
        f"Python {sys.version.split()[0]} (medians; ratio = app / baseline)",
    )
    write_summary(figures, args.rows, merge=bool(wanted))
    return 0


def write_summary(
    figures: list[Figure], rows: int, path: Path | None = None, merge: bool = False
) -> Path:
    """bench/out/summary.json: one object per figure (figure, app_ms, baseline_ms, ratio,
    goal, met, rows; `unit` says when a value is not in ms: MB for memory, s). `merge` (a run
    with --only) keeps the figures of other sections measured on the same row count."""
    path = path or OUT_DIR / "summary.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    items = [
        {
            "figure": f"{f.section}) {f.name.strip()}",
            "app_ms": round(f.value, 3),
            "baseline_ms": None if f.baseline is None else round(f.baseline, 3),
            "ratio": None if f.ratio is None else round(f.ratio, 2),
            "goal": f.goal or None,
            "met": f.met,
            "rows": rows,
            "unit": f.unit,
        }
        for f in figures
    ]
    if merge and path.exists():  # --only: keep the other sections' figures of the same rows
        try:
            kept = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            kept = []
        # By section: a figure's name may carry a measured number (rows/s), so the same
        # figure measured again has another name.
        mine = {f.section for f in figures}
        items = [
            k
            for k in kept
            if k.get("rows") == rows and str(k.get("figure", "")).split(")")[0] not in mine
        ] + items
    path.write_text(json.dumps(items, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {path.relative_to(ROOT)}")
    return path


if __name__ == "__main__":
    sys.exit(main())
