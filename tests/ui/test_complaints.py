"""The complaint list as a clerk uses it: paging, search, filters, sorting, detail."""

from __future__ import annotations

import datetime as dt

import pytest

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desk_app.domain import numbering
from desk_app.services import demo, intake
from tests.conftest import make_form

from ui.complaints.model import ComplaintListModel


@pytest.fixture
def many(desk):
    from sqlalchemy import update

    from desk_app import settings
    from desk_app.store import models

    settings.set_value(desk.db, "training_desk", "yes")
    demo.generate(desk, 260, days=60, seed=7)
    # Demo complaints stay "recorded"; statuses come from the province (sync). Stand in for it.
    with desk.db.writing() as session:
        session.execute(
            update(models.Complaint).where(models.Complaint.seq % 5 == 0).values(status="completed")
        )
    return 260


def wait_loaded(qtbot, page):
    qtbot.waitUntil(lambda: not page.model.is_loading())


def test_list_pages_instead_of_loading_everything(qtbot, many, window):
    page = window.complaints
    window.tabs.setCurrentIndex(1)
    wait_loaded(qtbot, page)
    assert page.model.rowCount() == 100  # first page only
    assert page.model.has_more()
    assert "100+" in page.count.text()
    # Scrolling to the end fetches the next page, as the view asks for it.
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == 200)
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: page.model.rowCount() == 260 and not page.model.has_more())
    received = [page.model.row_at(i).seq for i in range(260)]
    assert received == sorted(received, reverse=True)  # newest first
    assert len(set(received)) == 260


def test_header_click_sorts_by_status(qtbot, many, window):
    page = window.complaints
    window.tabs.setCurrentIndex(1)
    wait_loaded(qtbot, page)
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(6) + 5
    from PySide6.QtCore import QPoint

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    qtbot.waitUntil(lambda: page.model.query.sort == "status" and not page.model.is_loading())
    statuses = [page.model.row_at(i).status for i in range(page.model.rowCount())]
    assert statuses == sorted(statuses) or statuses == sorted(statuses, reverse=True)


def test_filters_by_status_and_channel_and_dates(qtbot, many, window, desk):
    page = window.complaints
    window.tabs.setCurrentIndex(1)
    wait_loaded(qtbot, page)
    page.status_filter.setCurrentIndex(page.status_filter.findData("completed"))
    wait_loaded(qtbot, page)
    assert page.model.rowCount() > 0
    assert {page.model.row_at(i).status for i in range(page.model.rowCount())} == {"completed"}
    page.channel_filter.setCurrentIndex(page.channel_filter.findData("whatsapp"))
    wait_loaded(qtbot, page)
    assert {page.model.row_at(i).channel for i in range(page.model.rowCount())} <= {"whatsapp"}

    page.status_filter.setCurrentIndex(0)
    page.channel_filter.setCurrentIndex(0)
    today = desk.today()
    page.date_from.setDate(today - dt.timedelta(days=7))
    page.date_to.setDate(today)
    qtbot.mouseClick(page.use_dates, Qt.MouseButton.LeftButton)
    wait_loaded(qtbot, page)
    assert 0 < page.model.rowCount() < 260
    for i in range(page.model.rowCount()):
        assert desk.local_day(page.model.row_at(i).received_at) >= today - dt.timedelta(days=7)


def test_search_by_phone_and_nik_and_name(qtbot, window, desk):
    recorded = intake.record_complaint(desk, make_form(reporter_name="Zulkifli Nasution"))
    intake.record_complaint(desk, make_form(reporter_nik="", reporter_phone="0811 111 2222"))
    page = window.complaints
    window.go_list()
    for text in ("0812-6677-8899", "1403015708900002", "zulkifli"):
        page.search.clear()
        qtbot.keyClicks(page.search, text)
        qtbot.keyClick(page.search, Qt.Key.Key_Return)
        qtbot.waitUntil(
            lambda: (
                not page.model.is_loading()
                and page.model.rowCount() == 1
                and page.model.index(0, 0).data() == recorded.tracking_no
            )
        )


def test_mistyped_number_says_so(qtbot, window, desk):
    recorded = intake.record_complaint(desk, make_form())
    number = recorded.tracking_no
    typo = number[:-1] + ("A" if number[-1] != "A" else "B")
    page = window.complaints
    window.go_list()
    qtbot.keyClicks(page.search, typo)
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(page.message.text()))
    assert "salah ketik" in page.message.text()
    assert page.model.rowCount() == 0
    assert numbering.parse(number) == number


def test_nothing_found_is_said_plainly(qtbot, window, desk):
    intake.record_complaint(desk, make_form())
    page = window.complaints
    window.go_list()
    qtbot.keyClicks(page.search, "xyzzyqwerty")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(page.message.text()))
    assert "Tidak ditemukan" in page.message.text()


def test_overdue_deadline_is_marked(qtbot, window, desk):
    old = intake.record_complaint(desk, make_form(), now=dt.datetime(2026, 1, 5, 3, 0))
    page = window.complaints
    page.model.refresh()
    wait_loaded(qtbot, page)
    row = [i for i in range(page.model.rowCount()) if page.model.row_at(i).id == old.id][0]
    assert "lewat tenggat" in page.model.index(row, 7).data()
    assert page.model.index(row, 7).data(Qt.ItemDataRole.ForegroundRole) is not None


def test_detail_shows_the_selected_complaint(qtbot, window, desk):
    recorded = intake.record_complaint(desk, make_form(description="Ada <b>tag</b> & tanda."))
    page = window.complaints
    page.model.refresh()
    wait_loaded(qtbot, page)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: recorded.tracking_no in page.detail.toPlainText())
    text = page.detail.toPlainText()
    assert "Ada <b>tag</b> & tanda." in text  # shown as typed, not as markup
    assert "Siti Aminah" in text


def test_model_passes_qt_model_tester(qtmodeltester, qtbot, desk, many):
    from ui.workers import Runner

    runner = Runner()
    model = ComplaintListModel(desk, runner, page_size=50)
    model.set_query(model.query)
    qtbot.waitUntil(lambda: model.rowCount() == 50)
    qtmodeltester.check(model)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 100)
    qtmodeltester.check(model)
    runner.wait()


def test_new_complaint_appears_in_the_list(qtbot, window, desk):
    page = window.complaints
    wait_loaded(qtbot, page)
    assert page.model.rowCount() == 0
    window.intake.recorded.emit(intake.record_complaint(desk, make_form()))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert QApplication.instance() is not None


def _list_reads(page, monkeypatch) -> list:
    """The list's page reads sent to the read pool from now on (they still run)."""
    from desk_app.services import lookup

    sent = []
    read = page.runner.read

    def spy(fn, *args, **kwargs):
        if fn is lookup.list_complaints:
            sent.append(args[1])
        return read(fn, *args, **kwargs)

    monkeypatch.setattr(page.runner, "read", spy)
    return sent


def test_a_quick_search_is_shown_at_once_without_a_worker(qtbot, many, window, monkeypatch):
    page = window.complaints
    window.go_list()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.is_loading())
    sent = _list_reads(page, monkeypatch)
    word = page.model.row_at(0).subject.split()[0]
    page.search.setText(word)
    page.apply_filters()
    # The first page is there when apply_filters returns: read on the GUI thread (SQLite
    # answered within the bound), the count and the selection with it.
    assert not page.model.is_loading() and sent == []
    assert 0 < page.model.rowCount() <= 100
    assert page.count.text().startswith(str(page.model.rowCount()))
    assert page.table.currentIndex().row() == 0
    shown = [page.model.row_at(i) for i in range(page.model.rowCount())]
    # The next page goes to a worker as before.
    if page.model.has_more():
        page.table.scrollToBottom()
        qtbot.waitUntil(lambda: sent != [] and not page.model.is_loading())
        assert page.model.rowCount() > len(shown)
    # The same rows as the service gives on a worker's connection.
    from desk_app.services import lookup

    assert shown == lookup.list_complaints(page.desk, page.model.query).rows


def test_a_slow_search_goes_to_a_worker_with_the_same_rows(qtbot, many, request, monkeypatch):
    from desk_app.store import db as store_db

    # Every SQLite instruction asks whether the time is up, and no time is given.
    monkeypatch.setattr(store_db, "QUICK_CHECK_EVERY", 1)
    window = request.getfixturevalue("window")
    page = window.complaints
    window.go_list()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.is_loading())
    word = page.model.row_at(0).subject.split()[0]
    page.model.quick_ms = 10_000
    page.search.setText(word)
    page.apply_filters()
    assert not page.model.is_loading()  # read at once
    quick = [page.model.row_at(i) for i in range(page.model.rowCount())]
    page.model.quick_ms = 0
    sent = _list_reads(page, monkeypatch)
    page.search.setText("")
    page.apply_filters()
    page.search.setText(word)
    page.apply_filters()
    assert page.model.is_loading()  # interrupted: read on a worker
    assert [q.text for q in sent] == ["", word]
    wait_loaded(qtbot, page)
    assert [page.model.row_at(i) for i in range(page.model.rowCount())] == quick
    assert page.table.currentIndex().row() == 0


def test_a_search_too_slow_once_goes_to_a_worker_at_once_the_next_time(
    qtbot, many, request, monkeypatch
):
    from desk_app.store import db as store_db

    monkeypatch.setattr(store_db, "QUICK_CHECK_EVERY", 1)  # the time asked at each instruction
    window = request.getfixturevalue("window")
    page = window.complaints
    window.go_list()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.is_loading())
    word = page.model.row_at(0).subject.split()[0]
    page.model.quick_ms = 0  # no time at all: this search gives up
    page.search.setText(word)
    page.apply_filters()
    wait_loaded(qtbot, page)
    page.model.quick_ms = 10_000  # now any search would answer in time...
    tried = []
    quick_reads = page.desk.db.quick_reads
    monkeypatch.setattr(page.desk.db, "quick_reads", lambda ms: tried.append(ms) or quick_reads(ms))
    page.search.setText("")
    page.apply_filters()
    wait_loaded(qtbot, page)
    page.search.setText(word)
    page.apply_filters()
    # ...but the one that gave up (as a list refreshed after each save would ask it again)
    # is not tried on the GUI thread again: read on a worker.
    assert page.model.is_loading() and tried == [10_000]
    wait_loaded(qtbot, page)
