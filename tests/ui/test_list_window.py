"""The complaint list at a million rows (issue 11): it keeps a bounded window of pages (paging
on drops the oldest, scrolling back reads them again, in the same order), and the row it
selects by itself after a search does not start a detail read while the rows are painted."""

from __future__ import annotations

import pytest

from PySide6.QtCore import QPoint, Qt

from desk_app.services import demo, lookup

from ui.complaints import page as page_module
from ui.complaints.model import ComplaintListModel


@pytest.fixture
def many(desk):
    from desk_app import settings

    settings.set_value(desk.db, "training_desk", "yes")
    demo.generate(desk, 130, days=30, seed=11)
    return desk


def every_row(desk, query):
    rows, cursor = [], None
    while True:
        page = lookup.list_complaints(desk, query, cursor)
        rows += page.rows
        if page.cursor is None:
            return rows
        cursor = page.cursor


@pytest.mark.parametrize("text", ["", "di"], ids=["list", "word search"])
def test_the_model_keeps_a_window_of_pages_and_reads_back_the_top(qtbot, many, text):
    from ui.workers import Runner

    query = lookup.ListQuery(text=text)
    whole = [r.id for r in every_row(many, query)]
    assert len(whole) > 60
    runner = Runner()
    model = ComplaintListModel(many, runner, page_size=10, window_pages=3)
    model.set_query(query)
    qtbot.waitUntil(lambda: model.rowCount() == 10 and not model.is_loading())
    most = 0
    while model.has_more():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.is_loading())
        most = max(most, model.rowCount())
    assert most == 30  # never more than three pages held
    ids = [model.row_at(i).id for i in range(model.rowCount())]
    assert ids == whole[-len(ids) :]
    assert model.has_previous()
    while model.has_previous():
        model.fetch_previous()
        qtbot.waitUntil(lambda: not model.is_loading())
        assert model.rowCount() <= 30
    ids = [model.row_at(i).id for i in range(model.rowCount())]
    assert ids == whole[:30]  # back at the top, in the same order
    model.fetchMore()  # and on down again from there
    qtbot.waitUntil(lambda: not model.is_loading())
    assert [model.row_at(i).id for i in range(model.rowCount())] == whole[10:40]
    runner.wait()


def test_scrolling_back_to_the_top_of_the_list_shows_the_first_rows_again(
    qtbot, many, make_window, monkeypatch
):
    window = make_window()
    page = window.complaints
    window.tabs.setCurrentIndex(1)
    page.model.window_pages = 1  # one page of 100 held at once
    qtbot.waitUntil(lambda: page.model.rowCount() == 100 and not page.model.is_loading())
    first = page.model.row_at(0).id
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: not page.model.has_more() and not page.model.is_loading())
    assert page.model.rowCount() <= 100 and page.model.row_at(0).id != first
    page.table.scrollToTop()
    qtbot.waitUntil(lambda: not page.model.has_previous() and not page.model.is_loading())
    assert page.model.row_at(0).id == first


def test_the_automatic_selection_after_a_search_reads_no_detail_while_painting(
    qtbot, many, make_window, monkeypatch
):
    reads = []
    real = page_module.load_detail

    def spy(*args, **kwargs):
        reads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(page_module, "load_detail", spy)
    window = make_window()
    page = window.complaints
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.is_loading())
    page.table.clearSelection()
    reads.clear()
    with qtbot.waitSignal(page.model.loaded):
        qtbot.keyClicks(page.search, "di")
        qtbot.keyClick(page.search, Qt.Key.Key_Return)
    page.table.viewport().repaint()
    assert page.table.currentIndex().row() == 0  # selected by itself, as before
    assert reads == []  # but its detail is not read while the rows are painted
    # A click on a row reads that row's detail at once.
    rect = page.table.visualRect(page.model.index(1, 3))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wanted = page.model.row_at(1).tracking_no
    qtbot.waitUntil(lambda: wanted in page.detail.toPlainText())
    assert len(reads) == 1


def test_the_automatically_selected_row_shows_its_detail_once_settled(qtbot, many, make_window):
    window = make_window()
    page = window.complaints
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.is_loading())
    number = page.model.row_at(0).tracking_no
    qtbot.waitUntil(lambda: number in page.detail.toPlainText())
    assert QPoint is not None


def test_a_search_clears_the_detail_pane_only_when_it_shows_something(
    qtbot, many, make_window, monkeypatch
):
    """Clearing an empty detail pane again laid its document out and repainted it in every
    search (issue 11); a shown complaint is still cleared when the rows are replaced."""
    window = make_window()
    page = window.complaints
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and not page.model.is_loading())
    number = page.model.row_at(0).tracking_no
    qtbot.waitUntil(lambda: number in page.detail.toPlainText())  # shown once settled
    clears = []
    real = page.detail.clear
    monkeypatch.setattr(page.detail, "clear", lambda: (clears.append(1), real()))
    with qtbot.waitSignal(page.model.loaded):
        page.find("di")
    assert clears == [1] and page.detail.toPlainText() == "" and page.current is None
    page._auto_detail.stop()  # nothing shown now: the next search has nothing to clear
    with qtbot.waitSignal(page.model.loaded):
        page.find("warga")
    assert clears == [1] and page.detail.toPlainText() == ""
