"""The list shows rows in the order its header shows: newest received first after an import of
older complaints, the oldest first after a click on "Received", no indicator for words."""

from __future__ import annotations

import datetime as dt

import pytest

from PySide6.QtCore import QPoint, Qt

from desk_app.services import intake
from tests.conftest import make_form

TODAY = dt.datetime(2026, 11, 20, 3, 0)
RECEIVED_COLUMN, SUBJECT_COLUMN = 1, 3


@pytest.fixture
def backdated(desk):
    """This morning's complaints, then an import of older ones recorded after them."""
    for i in range(3):
        form = make_form(subject=f"Pagi ini {i}")
        intake.record_complaint(desk, form, now=TODAY + dt.timedelta(minutes=i))
    for i in range(4):
        when = (TODAY - dt.timedelta(days=10 * (i + 1))).isoformat()
        form = make_form(subject=f"Impor lama {i}", received_at=when)
        intake.record_complaint(desk, form, now=TODAY + dt.timedelta(hours=1))


def open_list(qtbot, window):
    page = window.complaints
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: not page.model.is_loading() and page.model.rowCount() > 0)
    return page


def first_subject(page) -> str:
    return page.model.index(0, SUBJECT_COLUMN).data()


def click_header(qtbot, page, column: int) -> None:
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(column) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def test_received_header_click_turns_the_list_around(qtbot, backdated, window):
    page = open_list(qtbot, window)
    header = page.table.horizontalHeader()
    assert header.sortIndicatorSection() == RECEIVED_COLUMN
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert first_subject(page) == "Pagi ini 2"  # not the import recorded after it

    click_header(qtbot, page, RECEIVED_COLUMN)
    qtbot.waitUntil(lambda: not page.model.query.descending and not page.model.is_loading())
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    assert first_subject(page) == "Impor lama 3"  # received 40 days ago
    shown = page.model.index(0, RECEIVED_COLUMN).data()
    assert shown.startswith((TODAY - dt.timedelta(days=40)).strftime("%d/%m/%Y"))

    click_header(qtbot, page, RECEIVED_COLUMN)
    qtbot.waitUntil(lambda: page.model.query.descending and not page.model.is_loading())
    assert first_subject(page) == "Pagi ini 2"


def test_word_search_shows_no_sort_indicator(qtbot, backdated, window):
    page = open_list(qtbot, window)
    header = page.table.horizontalHeader()
    assert header.isSortIndicatorShown()
    qtbot.keyClicks(page.search, "lama")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.model.is_loading() and page.model.rowCount() == 4)
    assert not header.isSortIndicatorShown()  # arrival order, not the header's
    page.search.clear()
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not page.model.is_loading() and page.model.rowCount() == 7)
    assert header.isSortIndicatorShown()
    assert first_subject(page) == "Pagi ini 2"
