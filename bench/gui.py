"""GUI benchmarks, run by `make bench` (bench/run.py --gui): cold start, rows painted after a
search keypress, memory with the demo database open. Ratios against bare Qt in the same run."""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time

from benchlib import DB_NAME, RARE_WORD, ROOT, Context, Figure, open_acting

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

START_GOAL = 4.0  # x a bare QApplication + QMainWindow
PAINT_GOAL = 2.0  # x a bare QTableView over raw SQL
RSS_GOAL_MB = 150.0

_APP_CHILD = """
import sys, json
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui.app import make_application
from bench.benchlib import open_acting
from ui.main_window import MainWindow
app = make_application()
desk = open_acting({data!r})
window = MainWindow(desk)
window.show()
def ready():
    window.intake.form.repaint()
    fields = {{}}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    fields[k] = int(v.split()[0]) / 1024
    except OSError:
        pass
    print(json.dumps(fields), flush=True)
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""

_BARE_CHILD = """
import json
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
def ready():
    window.repaint()
    print(json.dumps({}), flush=True)
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""


def _run_child(code: str) -> tuple[float, dict]:
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return time.perf_counter() - start, json.loads(out.strip().splitlines()[-1])


def bench_start(ctx: Context) -> list[Figure]:
    """Process start to a painted intake form (existing database) vs a bare main window."""
    app_code = _APP_CHILD.format(data=str(ctx.data_dir))
    _run_child(app_code)  # warm the OS file cache once
    apps, bares, rss = [], [], []
    for _ in range(5):
        took, fields = _run_child(app_code)
        apps.append(took * 1000)
        rss.append(fields.get("VmRSS", 0.0))
        bares.append(_run_child(_BARE_CHILD)[0] * 1000)
    app_ms, bare_ms = statistics.median(apps), statistics.median(bares)
    return [
        Figure(
            "e",
            "cold start to usable intake form",
            app_ms,
            baseline=bare_ms,
            baseline_name="bare QApplication+QMainWindow",
            goal=f"<= {START_GOAL:g}x",
            met=app_ms / bare_ms <= START_GOAL,
        ),
        Figure(
            "e",
            f"RSS with {ctx.rows:,} complaints open",
            statistics.median(rss),
            unit="MB",
            goal=f"< {RSS_GOAL_MB:g} MB",
            met=statistics.median(rss) < RSS_GOAL_MB,
        ),
    ]


def bench_search_paint(ctx: Context) -> list[Figure]:
    """A search typed in the list until its rows are painted, vs a bare QTableView filled from
    the same FTS5 query over sqlite3 and painted."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView

    from ui.app import make_application
    from ui.main_window import MainWindow

    app = make_application()  # noqa: F841 - keeps the QApplication alive
    desk = open_acting(ctx.data_dir)
    window = MainWindow(desk)
    window.resize(1280, 800)
    window.show()
    page = window.complaints
    window.tabs.setCurrentIndex(1)

    from PySide6.QtCore import QEventLoop

    def wait_loaded() -> None:
        # Block in Qt's event loop, as the app does between keypresses: a busy-wait here would
        # hold the GIL against the worker and measure Python's thread switching instead.
        if not page.model.is_loading():
            return
        loop = QEventLoop()
        page.model.loaded.connect(loop.quit)
        page.model.failed.connect(loop.quit)
        loop.exec()
        page.model.loaded.disconnect(loop.quit)
        page.model.failed.disconnect(loop.quit)

    wait_loaded()
    conn = sqlite3.connect(ctx.data_dir / DB_NAME)
    bare_view = QTableView()
    bare_view.resize(1280, 500)
    bare_view.show()

    def app_search(text: str) -> None:
        page.search.setText(text)
        page.apply_filters()
        wait_loaded()
        page.table.viewport().repaint()

    def bare_search(text: str) -> None:
        rows = conn.execute(
            "SELECT c.tracking_no, c.received_at, c.reporter_name, c.subject, c.agency, "
            "c.channel, c.status, c.due_date FROM complaint_fts f JOIN complaint c "
            "ON c.seq = f.rowid WHERE complaint_fts MATCH ? ORDER BY f.rowid DESC LIMIT 100",
            (f'"{text}"*',),
        ).fetchall()
        model = QStandardItemModel(len(rows), 8)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                model.setItem(r, c, QStandardItem(str(value)))
        bare_view.setModel(model)
        bare_view.viewport().repaint()

    figures = []
    for label, word in (("rare word", RARE_WORD), ("common word", "warga")):
        apps, bares = [], []
        for _ in range(15):
            t = time.perf_counter()
            app_search(word)
            apps.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            bare_search(word)
            bares.append((time.perf_counter() - t) * 1000)
            app_search("")  # back to the full list, as after clearing the box
        a, b = statistics.median(apps), statistics.median(bares)
        figures.append(
            Figure(
                "f",
                f"search keypress to rows painted, {label}",
                a,
                baseline=b,
                baseline_name="bare QTableView over raw SQL",
                goal=f"<= {PAINT_GOAL:g}x",
                met=a / b <= PAINT_GOAL,
            )
        )
    window.runner.wait()
    window.close()
    QApplication.processEvents()
    desk.close()
    conn.close()
    return figures


_PAGING_CHILD = """
import json, sys
from PySide6.QtCore import QEventLoop
from ui.app import make_application
from bench.benchlib import open_acting, rss_mb
from ui.main_window import MainWindow
app = make_application()
desk = open_acting({data!r})
window = MainWindow(desk)
window.resize(1280, 800)
window.show()
window.tabs.setCurrentIndex(1)
model = window.complaints.model

def wait(first=False):
    if not first and not model.is_loading():
        return
    loop = QEventLoop()
    model.loaded.connect(loop.quit)
    model.failed.connect(loop.quit)
    loop.exec()
    model.loaded.disconnect(loop.quit)
    model.failed.disconnect(loop.quit)

wait(first=model.rowCount() == 0)  # the window starts the list's read once it is up
first = rss_mb()[0]
pages = 1
while pages < {pages} and model.has_more():
    model.fetchMore()
    wait()
    window.complaints.table.scrollToBottom()
    app.processEvents()
    pages += 1
now, peak = rss_mb()
print(json.dumps(dict(first=first, now=now, peak=peak, pages=pages, rows=model.rowCount())))
window.runner.wait()
"""


def bench_paging_memory(ctx: Context) -> list[Figure]:
    """The list paged 500 times (100 rows a page) in a fresh app process: RSS after, against
    RSS after the first page. The list keeps a window of pages, so it should stay flat."""
    _took, out = _run_child(_PAGING_CHILD.format(data=str(ctx.data_dir), pages=500))
    return [
        Figure(
            "e",
            f"GUI RSS after paging the list {out['pages']} pages ({out['rows']:,} rows held)",
            out["now"],
            unit="MB",
            baseline=out["first"],
            baseline_name="same process after the first page",
            goal=f"< {RSS_GOAL_MB:g} MB",
            met=out["now"] < RSS_GOAL_MB,
        )
    ]


SECTIONS = [
    ("e", "gui start and memory", bench_start),
    ("m", "gui memory after paging", bench_paging_memory),
    ("f", "gui search paint", bench_search_paint),
]
