"""GUI benchmarks, run by `make bench` (bench/run.py --gui): cold start, rows painted after a
search keypress, memory with the demo database open. Ratios against bare Qt in the same run."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import DB_NAME, RARE_WORD, ROOT, Context, Figure, open_acting

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

START_GOAL = 4.0  # x a bare QApplication + QMainWindow
PAINT_GOAL = 2.0  # x a bare QTableView over raw SQL
RSS_GOAL_MB = 150.0

# The app as a clerk starts it (`desk-app --data-dir ...`, ui/launch.py), watched from outside:
# from the moment the QApplication exists, each widget that gets the keyboard focus is watched
# until it is painted. First that is the sign-in form's user name (the
# first form a clerk types in); the child then fills in the name and password and presses Sign
# in (at once, or, with WAIT, once the desk is open, as after a clerk's typing), and notes when
# the intake form's first field, focused, is painted in the main window. Times are taken from
# the parent's clock at process start (time.monotonic is one clock for all processes).
_APP_CHILD = r"""
import json, os, sys, time
T0, DATA, USER, PASSWORD = float(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
WAIT = sys.argv[5] == "1"
marks = {}
def mark(name):
    marks.setdefault(name, (time.monotonic() - T0) * 1000)
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget
import ui.app
stage = ["sign-in"]
def finish(code=0):
    for line in open("/proc/self/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            marks[k] = int(v.split()[0]) / 1024
    print(json.dumps(marks), flush=True)
    os._exit(code)
def sign_in(form):
    if WAIT and form.desk is None:  # a clerk's typing takes longer than opening the desk
        QTimer.singleShot(5, lambda: sign_in(form))
        return
    form.username.setText(USER)
    form.password.setText(PASSWORD)
    mark("sign_in")
    form.sign_in.click()
class Painted(QObject):
    # On the focused widget only: an application-wide filter would add a Python call to every
    # event of the app being measured.
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            at = (time.monotonic() - T0) * 1000
            obj.removeEventFilter(self)
            QTimer.singleShot(0, lambda: painted(obj, at))
        return False
watch = Painted()
def painted(widget, at):
    window = widget.window()
    if stage[0] == "sign-in" and widget.objectName() == "username":
        stage[0] = "intake"
        marks["sign_in_form"] = at
        sign_in(window)
    elif stage[0] == "intake" and getattr(window, "intake", window).isAncestorOf(widget):
        marks["intake_form"] = at
        marks["focus"] = widget.objectName()
        finish()
def focus_changed(_old, new):
    if new is not None:
        new.installEventFilter(watch)
        new.update()
made = ui.app.make_application
def make_application(argv=None):
    app = made(argv)
    app.focusChanged.connect(focus_changed)
    QTimer.singleShot(120_000, lambda: finish(3))
    return app
ui.app.make_application = make_application
from ui import launch
launch.main(["--data-dir", DATA])
finish(4)
"""

_BARE_CHILD = r"""
import json, sys, time
T0 = float(sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
def ready():
    window.repaint()
    print(json.dumps({"ready": (time.monotonic() - T0) * 1000}), flush=True)
    app.quit()
QTimer.singleShot(0, ready)
app.exec()
"""

START_USER, START_PASSWORD = "latih-loket", "kata-sandi-latihan-loket"


def _run_child(code: str, *args: str) -> tuple[float, dict]:
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code, str(start), *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return time.monotonic() - start, json.loads(out.strip().splitlines()[-1])


def _start_desk(ctx: Context) -> Path:
    """A copy of the demo desk in the scratch folder with a clerk who signs in (the demo's users
    have passwords nobody knows; the cached demo database is never written)."""
    from desk_app.domain.roles import Actor, Role
    from desk_app.services import accounts
    from desk_app.services.desk import open_desk

    folder = ctx.scratch / "start-desk"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("audit.key", "audit.head"):
        if (ctx.data_dir / name).exists():
            shutil.copy2(ctx.data_dir / name, folder / name)
    source = sqlite3.connect(f"file:{ctx.data_dir / DB_NAME}?mode=ro", uri=True)
    target = sqlite3.connect(folder / DB_NAME)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    desk = open_desk(folder)
    try:
        it = Actor("latih-ti", "TI Latihan", Role.IT)
        accounts.create_user(
            desk, it, START_USER, "Petugas Latihan", Role.CLERK, START_PASSWORD,
            must_change_password=False,
        )  # fmt: skip
    finally:
        desk.close()
    return folder


def bench_start(ctx: Context) -> list[Figure]:
    """Process start to the first form that takes keys (the sign-in form), and on to the
    intake form after signing in, vs a bare main window; 5 alternated runs each."""
    folder = _start_desk(ctx)
    args = (str(folder), START_USER, START_PASSWORD)
    _run_child(_APP_CHILD, *args, "0")  # warm the OS file cache once
    forms, at_once, bares, signing, rss = [], [], [], [], []
    for _ in range(5):
        _took, out = _run_child(_APP_CHILD, *args, "0")
        forms.append(out["sign_in_form"])
        at_once.append(out["intake_form"])
        _took, out = _run_child(_APP_CHILD, *args, "1")
        signing.append(out["intake_form"] - out["sign_in"])
        rss.append(out.get("VmRSS", 0.0))
        bares.append(_run_child(_BARE_CHILD)[1]["ready"])
    bare = statistics.median(bares)
    form, whole = statistics.median(forms), statistics.median(at_once)
    return [
        Figure(
            "e",
            "cold start to the sign-in form taking keys",
            form,
            baseline=bare,
            baseline_name="bare QApplication+QMainWindow",
            goal=f"<= {START_GOAL:g}x",
            met=form / bare <= START_GOAL,
        ),
        Figure(
            "e",
            "cold start to the intake form, signing in at once",
            whole,
            baseline=bare,
            baseline_name="bare QApplication+QMainWindow",
        ),
        Figure("e", "Sign in pressed to the intake form (desk open)", statistics.median(signing)),
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

    # Block in Qt's event loop, as the app does between keypresses: a busy-wait here would
    # hold the GIL against the worker and measure Python's thread switching instead. The loop
    # and its connections are made once: made in each search, they ran Python on the GUI
    # thread while the worker waited for the GIL, which the app's own event loop does not.
    loop = QEventLoop()
    page.model.loaded.connect(loop.quit)
    page.model.failed.connect(loop.quit)

    def wait_loaded() -> None:
        if page.model.is_loading():
            loop.exec()

    wait_loaded()
    conn = sqlite3.connect(ctx.data_dir / DB_NAME)
    bare_view = QTableView()
    bare_view.resize(1280, 500)
    bare_view.show()

    def settle() -> None:
        """What is left of the last step (repaints after a selection, a scroll range) is done
        before the next keypress is timed, in both: a clerk types into an idle window."""
        for _ in range(3):
            QApplication.processEvents()

    def app_search(text: str) -> None:
        page.search.setText(text)
        page.apply_filters()
        wait_loaded()
        page.table.viewport().repaint()

    columns = "tracking_no, received_at, reporter_name, subject, agency, channel, status, due_date"

    def bare_search(text: str) -> None:
        bare_show(
            conn.execute(
                f"SELECT {', '.join('c.' + c for c in columns.split(', '))} FROM complaint_fts f "
                "JOIN complaint c ON c.seq = f.rowid WHERE complaint_fts MATCH ? "
                "ORDER BY f.rowid DESC LIMIT 100",
                (f'"{text}"*',),
            ).fetchall()
        )

    def bare_list() -> None:
        """The list's first page with no search (what the box cleared shows)."""
        bare_show(
            conn.execute(
                f"SELECT {columns} FROM complaint ORDER BY received_at DESC, seq DESC LIMIT 100"
            ).fetchall()
        )

    def bare_show(rows: list) -> None:
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
            settle()
            t = time.perf_counter()
            app_search(word)
            apps.append((time.perf_counter() - t) * 1000)
            settle()
            t = time.perf_counter()
            bare_search(word)
            bares.append((time.perf_counter() - t) * 1000)
            # Both back to the full list, as after clearing the box: each search is then timed
            # from the same start, a page of 100 rows (the bare view too: left on the search's
            # own rows, its repaint had nothing to change, while the app's went from 100 rows,
            # a scroll bar and a count to one row).
            app_search("")
            bare_list()
            settle()  # and idle, as when the clerk types the next word
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
    from ui.complaints.page import SEARCH_DELAY_MS

    # The figures above start at the search itself (apply_filters, as Enter does); typing waits
    # this long after the last key before the search starts, shown here and never hidden.
    figures.append(
        Figure("f", "typing pause before a search starts (debounce)", float(SEARCH_DELAY_MS))
    )
    page.model.loaded.disconnect(loop.quit)
    page.model.failed.disconnect(loop.quit)
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
