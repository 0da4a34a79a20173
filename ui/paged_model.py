"""A Qt table model that reads its rows page by page (keyset paging in the services) on the
Runner's read pool: it never loads every row, and a page from an older query is dropped.

How to add one: subclass, pass the service function that returns a page
(`fetch(desk, query, cursor, limit) -> object with .rows and .cursor`), the column headers
(N_-marked), and implement data() for your rows.

A bounded window (`window_pages`): the model keeps at most that many pages; paging on past it
drops the oldest page from the top, and `fetch_previous()` (the view calls it at the top) reads
it back with the same query in the other direction from the first row kept. The subclass then
implements `cursor_of(row)` and `reversed_query(query)`. Without it every page read stays.

A quick first page (`quick_ms`, the complaint list's searches, issue 11): a new query's first
page is read at once on the GUI thread when the database can answer within that many
milliseconds (Database.quick_reads: SQLite only, its own read-only connection, never waiting
for a lock); otherwise, or on PostgreSQL, on the read pool as every other page. Either way
the same service function gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from desk_app.errors import DeskError
from desk_app.i18n import _
from desk_app.services.desk import Desk
from desk_app.store.db import NotQuick

from ui.workers import Runner

SLOW_QUERIES_KEPT = 32  # queries remembered as too slow for a quick read

# Made once: the view asks for the flags of every visible cell at each paint.
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_HORIZONTAL = Qt.Orientation.Horizontal


class RowsTableModel(QAbstractTableModel):
    """A read-only table of plain rows with translated column headers; subclasses implement
    data() for their cells."""

    def __init__(self, headers: Sequence[str], parent=None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._rows: list = []

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt API
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        # The header asks for ~4 roles of every section after each reset: the common answer
        # first, with plain ints (an enum member looked up per call costs more than it).
        if role != _DISPLAY or orientation != _HORIZONTAL:
            return None
        if 0 <= section < len(self._headers):
            return _(self._headers[section])
        return None

    def row_at(self, row: int):
        return self._rows[row]

    def flags(self, index: QModelIndex):
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS


class KeysetTableModel(RowsTableModel):
    """Signals: loaded() after each page; failed(str) with a message for the user (for
    example a mistyped tracking number in a search)."""

    loaded = Signal()
    failed = Signal(str)
    shifted = Signal(int)  # rows added (+) or dropped (-) at the top of the window

    def __init__(
        self,
        desk: Desk,
        runner: Runner,
        fetch: Callable,
        query: object,
        headers: Sequence[str],
        page_size: int,
        parent=None,
        window_pages: int | None = None,
        quick_ms: float | None = None,
    ) -> None:
        super().__init__(headers, parent)
        self.desk = desk
        self.runner = runner
        self.page_size = page_size
        self.window_pages = window_pages
        self.quick_ms = quick_ms
        # Queries whose quick read gave up, newest last: read on a worker straight away next
        # time (a list refreshed after each save with a common word in its search box would
        # otherwise hold the GUI thread for the time limit, and more, every time).
        self._slow_queries: dict[object, None] = {}
        self.query = query
        self._fetch = fetch
        self._cursor: object | None = None
        self._more = False
        self._loading = False
        self._generation = 0
        self._head: object | None = None  # cursor back to the rows dropped at the top
        self._replacing = False  # the rows shown are the previous query's (set_query)

    # -- the window (subclasses with window_pages) -------------------------------------

    def cursor_of(self, row) -> object:
        raise NotImplementedError

    def reversed_query(self, query) -> object:
        raise NotImplementedError

    def has_previous(self) -> bool:
        """Rows were dropped at the top of the window: fetch_previous() reads them back."""
        return self._head is not None

    def fetch_previous(self) -> None:
        if self._head is None or self._loading:
            return
        self._loading = True
        generation = self._generation
        self.runner.read(
            self._fetch,
            self.desk,
            self.reversed_query(self.query),
            self._head,
            self.page_size,
            on_done=lambda page: self._previous_loaded(generation, page),
            on_error=lambda exc: self._page_failed(generation, exc),
        )

    def _previous_loaded(self, generation: int, page) -> None:
        if generation != self._generation:
            return
        rows = list(reversed(page.rows))
        if rows:
            self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
            self._rows[:0] = rows
            self.endInsertRows()
            self.shifted.emit(len(rows))
        self._head = self.cursor_of(self._rows[0]) if page.cursor is not None and rows else None
        over = len(self._rows) - self.window_pages * self.page_size
        if over > 0:  # drop the bottom, read again when paging on
            start = len(self._rows) - over
            self.beginRemoveRows(QModelIndex(), start, len(self._rows) - 1)
            del self._rows[start:]
            self.endRemoveRows()
            self._cursor = self.cursor_of(self._rows[-1])
            self._more = True
        self._loading = False
        self.loaded.emit()

    def _trim_top(self) -> None:
        over = len(self._rows) - self.window_pages * self.page_size
        if over <= 0:
            return
        self.beginRemoveRows(QModelIndex(), 0, over - 1)
        del self._rows[:over]
        self.endRemoveRows()
        self.shifted.emit(-over)
        self._head = self.cursor_of(self._rows[0])

    # -- queries ------------------------------------------------------------------------

    def set_query(self, query) -> None:
        """Start over with a new query (search, filter or sort). The rows shown stay until the
        new query's first page replaces them in one reset: emptying the view first cost a
        second reset and paint in every search (issue 11)."""
        self._generation += 1
        self.query = query
        self._cursor = None
        self._head = None
        self._more = True
        self._replacing = True
        if self.quick_ms is None or not self._load_quick():
            self._load()

    def _load_quick(self) -> bool:
        """The new query's first page read here, on the GUI thread, if the database answers
        within quick_ms (see the module); False when it did not (nothing changed: read it on a
        worker). A worker's hand-off cost more than a rare word's page (issue 11)."""
        generation, query = self._generation, self.query
        if query in self._slow_queries:
            return False
        try:
            with self.desk.db.quick_reads(self.quick_ms):
                page = self._fetch(self.desk, query, None, self.page_size)
        except NotQuick:
            self._slow_queries[query] = None
            if len(self._slow_queries) > SLOW_QUERIES_KEPT:
                del self._slow_queries[next(iter(self._slow_queries))]
            return False
        except Exception as exc:  # noqa: BLE001 - as a worker's failure is reported
            self._page_failed(generation, exc)
            return True
        self._page_loaded(generation, page)
        return True

    def refresh(self) -> None:
        self.set_query(self.query)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802, B008 - Qt API
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802, B008 - Qt API
        if self.canFetchMore(parent):
            self._load()

    def _load(self) -> None:
        self._loading = True
        generation = self._generation
        self.runner.read(
            self._fetch,
            self.desk,
            self.query,
            self._cursor,
            self.page_size,
            on_done=lambda page: self._page_loaded(generation, page),
            on_error=lambda exc: self._page_failed(generation, exc),
        )

    def _page_loaded(self, generation: int, page) -> None:
        if generation != self._generation:
            return  # a page of an older query
        if self._replacing:  # the first page of a new query: the old rows go now
            self._replacing = False
            self.beginResetModel()
            self._rows = list(page.rows)
            self.endResetModel()
            if self.window_pages:
                self._trim_top()
        elif page.rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
            if self.window_pages:
                self._trim_top()
        self._cursor = page.cursor
        self._more = page.cursor is not None
        self._loading = False
        self.loaded.emit()

    def _page_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        if self._replacing:  # the old query's rows do not stand for the new one's
            self._replacing = False
            self.beginResetModel()
            self._rows = []
            self.endResetModel()
        self._more = False
        self._loading = False
        if isinstance(exc, DeskError):
            self.failed.emit(exc.message())
        else:
            from ui import messages

            messages.show_error(None, exc)

    def is_loading(self) -> bool:
        return self._loading

    def has_more(self) -> bool:
        return self._more
