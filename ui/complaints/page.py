"""The complaint list: one search box (number, name, phone, NIK or words), filters, a paged
table and the detail of the selected complaint."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desk_app import files, presenter, settings
from desk_app.audit import words
from desk_app.domain.complaint import Channel, Status
from desk_app.domain.roles import Action
from desk_app.errors import DeskError
from desk_app.formatting import datetime_text
from desk_app.i18n import N_, _, ngettext
from desk_app.services import corrections, lookup, printing, sync
from desk_app.services.desk import Desk

from ui import messages
from ui.complaints.correct import CorrectionDialog
from ui.complaints.model import ComplaintListModel
from ui.date_range import DateRangeFilter
from ui.printing.jobs import Printing
from ui.printing.register_dialog import RegisterDialog
from ui.workers import Runner

SEARCH_DELAY_MS = 250
# The row selected by itself after a search shows its detail this long after the rows are
# painted (a click or arrow key shows it at once): the read does not compete with painting.
AUTO_DETAIL_MS = 300


def load_detail(
    desk: Desk, key: str
) -> tuple[lookup.ComplaintDetail, list[corrections.HistoryEntry]]:
    """One complaint and its history, in one read (runs on a worker)."""
    detail = lookup.get_complaint(desk, key)
    return detail, corrections.history(desk, detail.complaint.id)


def look_for_changes(desk: Desk) -> set[str]:
    """The complaints whose status the province changed since this user last looked, and
    this look recorded (runs on a worker: it writes)."""
    changed = sync.changed_since_last_look(desk)
    sync.mark_looked(desk)
    return changed


class ComplaintsPage(QWidget):
    """Signals: detail_shown(str tracking number) when a complaint's detail is on screen;
    corrected(Changed) after a correction made here is on disk."""

    detail_shown = Signal(str)
    corrected = Signal(object)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.model = ComplaintListModel(desk, runner, parent=self)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        # Its width comes from the row's stretch alone: the clear button coming and going with
        # the first letter typed would otherwise move every filter beside it (a repaint of the
        # whole row on a keypress).
        self.search.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.search.setPlaceholderText(
            _("Search: tracking number, name, phone, NIK or words of the complaint  (Ctrl+F)")
        )
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("status_filter")
        self.status_filter.addItem(_("All statuses"), None)
        for status in Status:
            self.status_filter.addItem(status.label, status.value)
        self.channel_filter = QComboBox()
        self.channel_filter.setObjectName("channel_filter")
        self.channel_filter.addItem(_("All channels"), None)
        for channel in Channel:
            self.channel_filter.addItem(channel.label, channel.value)
        for combo in (self.status_filter, self.channel_filter):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        today = desk.today()
        self.dates = DateRangeFilter(_("&Received from"), today - dt.timedelta(days=30), today)
        self.use_dates, self.date_from, self.date_to = (
            self.dates.use_dates,
            self.dates.date_from,
            self.dates.date_to,
        )
        self.message = QLabel()
        self.message.setObjectName("search_message")
        self.message.setProperty("role", "error")
        self.count = QLabel()
        self.count.setObjectName("count")
        # Room for "2,000+ complaints" from the start: a count of another width would lay the
        # page out again (and repaint it) after every search.
        self.count.setMinimumWidth(
            self.count.fontMetrics().horizontalAdvance(
                ngettext("{count}{more} complaint", "{count}{more} complaints", 2000).format(
                    count=2000, more="+"
                )
            )
            + 8
        )
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status_filter)
        filters.addWidget(self.channel_filter)
        filters.addWidget(self.dates)

        self.table = QTableView()
        self.table.setObjectName("complaints")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        # Always there, so that a search with one screenful of rows or less does not narrow the
        # header and move every column (a relayout and a repaint of the list per search).
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self._size_columns()

        self.detail = QTextBrowser()
        self.detail.setObjectName("detail")
        self.detail.setOpenExternalLinks(False)
        self.current: lookup.ComplaintDetail | None = None
        self._reselect: str | None = None  # the complaint to select again after a refresh
        self.correction_dialog: CorrectionDialog | None = None
        self.correct_button = QPushButton(_("&Correct…"))
        self.correct_button.setObjectName("correct")
        self.correct_button.clicked.connect(self.open_correction)
        self.printing = Printing(runner, self)
        self.reprint_button = QPushButton(_("Re&print receipt…"))
        self.reprint_button.setObjectName("reprint")
        self.reprint_button.setToolTip(
            _(
                "A copy marked SALINAN, numbered and recorded (the first receipt when none "
                "was printed yet)."
            )
        )
        self.reprint_button.clicked.connect(self.reprint_receipt)
        self.register_button = QPushButton(_("Print re&gister…"))
        self.register_button.setObjectName("register")
        self.register_button.clicked.connect(self.print_register)
        detail_bar = QHBoxLayout()
        detail_bar.setContentsMargins(0, 0, 0, 0)
        detail_bar.addStretch()
        detail_bar.addWidget(self.reprint_button)
        detail_bar.addWidget(self.correct_button)
        detail_pane = QWidget()
        detail_layout = QVBoxLayout(detail_pane)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addLayout(detail_bar)
        detail_layout.addWidget(self.detail, 1)
        self._offer_correction()  # once the button has a parent (setVisible on an orphan shows it)
        self._offer_printing()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail_pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter

        under = QHBoxLayout()
        under.addWidget(self.message, 1)
        under.addWidget(self.count)
        under.addWidget(self.register_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(under)
        layout.addWidget(splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.status_filter.currentIndexChanged.connect(self.apply_filters)
        self.channel_filter.currentIndexChanged.connect(self.apply_filters)
        self.dates.changed.connect(self.apply_filters)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self._failed)
        self.model.modelReset.connect(self._clear_detail)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        # The list keeps a window of pages (ui/paged_model.py): at the top it reads back the
        # rows it dropped, and the view stays on the same rows when the window moves.
        self.table.verticalScrollBar().valueChanged.connect(self._scrolled)
        self.model.rowsAboutToBeRemoved.connect(self._keep_top_row)
        self.model.rowsAboutToBeInserted.connect(self._keep_top_row)
        self.model.shifted.connect(self._window_moved)
        self._top_row: str | None = None
        self._previous_wanted = False
        # The automatic selection after a search reads its detail once the typing has
        # settled, not while the rows are being painted (issue 11).
        self._auto_detail = QTimer(self)
        self._auto_detail.setSingleShot(True)
        self._auto_detail.setInterval(AUTO_DETAIL_MS)
        self._auto_detail.timeout.connect(self._read_auto_detail)
        self._auto_selecting = False

    def _size_columns(self) -> None:
        """Each column as wide as its use, so that the subject, the column a clerk reads,
        keeps most of a 1366 px screen: the number and the time whole, the other columns a
        readable start (whole in the tooltip and the detail; an overdue deadline is red)."""
        self.table.ensurePolished()  # the style sheet's font, not the default one
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        chars = metrics.averageCharWidth()

        def room(*texts: str, most: int = 10_000) -> int:
            return min(max(metrics.horizontalAdvance(text) for text in texts) + 16, most)

        bold = self.table.font()
        bold.setBold(True)  # a status the province changed is bold (model.py)
        bold_metrics = QFontMetrics(bold)

        def bold_room(*texts: str, most: int) -> int:
            return min(max(bold_metrics.horizontalAdvance(text) for text in texts) + 16, most)

        sample_date = "00/00/0000"
        widths = {
            0: room(f"{self.desk.desk_code}-000000-0000-W"),
            1: room(f"{sample_date} 00:00 WITA"),
            2: chars * 15,
            4: chars * 20,
            5: room(*(channel.label for channel in Channel), most=chars * 17),
            6: bold_room(*(status.label for status in Status), most=chars * 16),
            7: room(_("{date} (overdue)").format(date=sample_date), most=chars * 15),
        }
        for column, width in widths.items():
            self.table.setColumnWidth(
                column, max(width, header.sectionSizeFromContents(column).width())
            )
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

    def start(self) -> None:
        self.apply_filters()
        self.look_for_changes()

    def look_for_changes(self) -> None:
        """Mark what the province changed since this user last looked (a sync brings it)."""
        if self.desk.actor is None:
            return
        self.runner.write(
            look_for_changes,
            self.desk,
            on_done=self.model.mark_changed,
            on_error=self._look_failed,
        )

    def _look_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, DeskError):  # a busy database: the marks come with the next look
            messages.show_error(self, exc)

    def current_query(self) -> lookup.ListQuery:
        date_from, date_to = self.dates.bounds()
        return lookup.ListQuery(
            text=self.search.text(),
            status=self.status_filter.currentData(),
            channel=self.channel_filter.currentData(),
            date_from=date_from,
            date_to=date_to,
            sort=self.model.query.sort,
            descending=self.model.query.descending,
        )

    def apply_filters(self) -> None:
        self._debounce.stop()
        if self.message.text():  # clear() asks the whole page to lay out again: a repaint
            self.message.clear()
        self.model.set_query(self.current_query())

    def find(self, text: str) -> None:
        """Show the complaints matching `text` (used by 'open in the list')."""
        self.search.setText(text)
        self.apply_filters()

    def _loaded(self) -> None:
        # Word searches come in arrival order, not the header's: then show no sort indicator
        # (set with the rows: changing it earlier repaints the previous query's rows).
        shown = not lookup.arrival_order(self.model.query)
        self.table.horizontalHeader().setSortIndicatorShown(shown)
        self._top_row = None
        if self._previous_wanted:  # the top was reached while a page was loading
            self._previous_wanted = False
            QTimer.singleShot(0, lambda: self._scrolled(self.table.verticalScrollBar().value()))
        rows = self.model.rowCount()
        more = "+" if self.model.has_more() else ""
        self.count.setText(
            ngettext("{count}{more} complaint", "{count}{more} complaints", rows).format(
                count=rows, more=more
            )
        )
        if rows == 0 and self.search.text().strip():
            self.message.setText(_("Nothing found. Check the spelling, or search by another way."))
        if self._reselect is not None:
            wanted, self._reselect = self._reselect, None
            found = [i for i in range(rows) if self.model.row_at(i).id == wanted]
            if found:
                self.table.selectRow(found[0])
            else:  # no longer in the list (filtered out): show it anyway
                self._read_detail(wanted)
            return
        if (
            rows
            and not self.table.selectionModel().hasSelection()
            and len(self.model._rows) <= (self.model.page_size)
            and not self.model.has_previous()
        ):
            self._auto_selecting = True
            try:
                self.table.selectRow(0)
            finally:
                self._auto_selecting = False

    def _scrolled(self, value: int) -> None:
        if value == self.table.verticalScrollBar().minimum() and self.model.has_previous():
            if self.model.is_loading():
                self._previous_wanted = True
            else:
                self.model.fetch_previous()

    def _keep_top_row(self, _parent, first: int, _last: int) -> None:
        """The row at the top of the view when a page starts to come in (before Qt's own
        adjustments of the rows that follow), until that page has settled (_loaded)."""
        if self._top_row is not None:
            return
        top = self.table.indexAt(QPoint(0, 0))
        self._top_row = self.model.row_at(top.row()).id if top.isValid() else None

    def _window_moved(self, _rows: int) -> None:
        """Rows came or went at the top of the window: keep the same row at the top."""
        wanted = self._top_row
        if wanted is None:
            return
        for row in range(self.model.rowCount()):
            if self.model.row_at(row).id == wanted:
                self.table.updateGeometries()
                self.table.scrollTo(
                    self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop
                )
                return

    def _read_auto_detail(self) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            self._read_detail(self.model.row_at(current.row()).id)

    def _failed(self, text: str) -> None:
        self.message.setText(text)
        self.count.clear()

    def _clear_detail(self) -> None:
        self._auto_detail.stop()
        # Only when something is shown: clearing an empty pane again lays its document out
        # anew and repaints it, in every search (issue 11).
        if self.current is not None or not self.detail.document().isEmpty():
            self.detail.clear()
        self.current = None
        self._offer_correction()
        self._offer_printing()

    def _row_changed(self, current, _previous) -> None:
        self._auto_detail.stop()
        if not current.isValid():
            self._clear_detail()
            return
        if self._auto_selecting:
            self._auto_detail.start()
            return
        self._read_detail(self.model.row_at(current.row()).id)

    def _read_detail(self, complaint_id: str) -> None:
        self.runner.read(
            load_detail,
            self.desk,
            complaint_id,
            on_done=self._show_detail,
            on_error=self._detail_failed,
        )

    def _detail_failed(self, exc: BaseException) -> None:
        self._clear_detail()
        if isinstance(exc, DeskError):  # expected (busy, damaged...): its words in the pane
            self.detail.setPlainText(exc.message())
        else:  # a bug: logged, and the one error box with "copy details"
            messages.show_error(self, exc)

    def _show_detail(self, loaded) -> None:
        detail, entries = loaded
        self.current = detail
        self.detail.setHtml(detail_html(self.desk, detail, entries))
        self._offer_correction()
        self._offer_printing()
        self.detail_shown.emit(detail.complaint.tracking_no)

    # -- corrections ----------------------------------------------------------------------

    # -- printing (supervisors) -------------------------------------------------------------

    def _offer_printing(self) -> None:
        actor = self.desk.actor
        self.reprint_button.setVisible(actor is not None and actor.may(Action.REPRINT_RECEIPT))
        self.reprint_button.setEnabled(self.current is not None)
        self.register_button.setVisible(actor is not None and actor.may(Action.PRINT_REGISTER))

    def reprint_receipt(self) -> None:
        if self.current is None:
            return
        desk, number = self.desk, self.current.complaint.tracking_no

        def make() -> tuple[str, bytes, str]:  # runs on a worker
            layout = settings.get(desk.db, "receipt_layout")
            if not printing.receipt_printed(desk, number):  # none yet: this is the first
                made = printing.first_receipt(desk, number, layout)
                return _("Receipt {number}").format(number=number), made.pdf, layout
            made = printing.reprint_receipt(desk, number, layout)
            return _("Copy of receipt {number}").format(number=number), made.pdf, layout

        what = _("A copy of receipt {number} was sent to the printer.").format(number=number)
        self.printing.run(make, what=what)

    def print_register(self) -> None:
        chosen = RegisterDialog.ask(self, self.desk.today())
        if chosen is None:
            return
        desk, (first, last, fmt) = self.desk, chosen
        if fmt == "xlsx":
            self._save_register(first, last)
            return

        def make() -> tuple[str, bytes, str]:  # runs on a worker
            made = printing.daily_register(desk, first, last, "pdf")
            return made.content.title.capitalize(), made.data, "register"

        self.printing.run(make, what=_("The register was sent to the printer."))

    def _save_register(self, first: dt.date, last: dt.date) -> None:
        name = f"register-{first:%Y%m%d}-{last:%Y%m%d}.xlsx"
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Save the register"), name, _("Excel workbook (*.xlsx)")
        )
        if not path:
            return
        desk = self.desk

        def save() -> str:  # runs on a worker
            made = printing.daily_register(desk, first, last, "xlsx")
            files.write_private(path, made.data)
            return path

        self.runner.write(
            save,
            on_done=lambda saved: messages.status(
                _("The register was saved as {file}.").format(file=saved), 8000
            ),
            on_error=lambda exc: messages.show_error(self, exc),
        )

    def _offer_correction(self) -> None:
        """Enable "Correct…" when the actor may correct the complaint shown; a role that may
        never correct is not offered the button at all (asked each time: users switch)."""
        actor = self.desk.actor
        self.correct_button.setVisible(
            actor is None or actor.may(Action.CORRECT, own=True, uploaded=False)
        )
        c = self.current.complaint if self.current is not None else None
        may = c is not None and corrections.may_correct(
            self.desk, recorded_by=c.recorded_by, uploaded=self.current.uploaded
        )
        self.correct_button.setEnabled(may)
        if c is None or may:
            tip = _("Correct this complaint, with a reason (audited).")
        else:
            tip = _(
                "A clerk corrects only complaints they recorded, before upload. Ask a supervisor."
            )
        if self.correct_button.toolTip() != tip:  # each search asks again (_clear_detail)
            self.correct_button.setToolTip(tip)

    def open_correction(self) -> None:
        if self.current is None or not self.correct_button.isEnabled():
            return
        c = self.current.complaint
        self.correct_button.setEnabled(False)  # until the form is read: no second dialog
        self.runner.read(
            corrections.form_of,
            self.desk,
            c.id,
            on_done=lambda form: self._show_correction(c.id, c.tracking_no, form),
            on_error=self._correction_unavailable,
        )

    def _correction_unavailable(self, exc: BaseException) -> None:
        self._offer_correction()
        messages.show_error(self, exc)

    def _show_correction(self, complaint_id: str, tracking_no: str, form) -> None:
        self._offer_correction()
        dialog = CorrectionDialog(self.desk, self.runner, complaint_id, tracking_no, form, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.corrected.connect(lambda changed: self._corrected(complaint_id, changed))
        self.correction_dialog = dialog  # the open one (tests look at it)
        dialog.open()
        dialog.form.focus_first()

    def _corrected(self, complaint_id: str, changed) -> None:
        messages.status(_("Complaint {number} corrected.").format(number=changed.tracking_no), 8000)
        self._reselect = complaint_id
        self.model.refresh()
        self.corrected.emit(changed)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()


# What the detail pane shows under the number and subject, in the presenter's order.
DETAIL_KEYS = (
    "status",
    *presenter.PROVINCE_KEYS,
    "due_date",
    "report_type",
    "channel",
    "received_at",
    "recorded_by",
    *presenter.IDENTITY,
    "anonymous",
    "confidential",
    "category",
    "agency",
    "region",
    "district",
    "village",
    "event_date",
    "event_place",
    "loss",
    "remedy",
    "complained_before",
    "attachments",
    "linked_to",
    "linked_from",
)
_STATE_STYLE = {"overdue": "color:#b3261e;font-weight:bold", "due_today": "font-weight:bold"}


def detail_html(
    desk: Desk,
    detail: lookup.ComplaintDetail,
    entries: list[corrections.HistoryEntry] | None = None,
) -> str:
    """One complaint as HTML for the detail pane (everything escaped; labels and values from
    desk_app.presenter), with its history when `entries` are given."""
    view = presenter.present(desk, detail)
    e = html.escape
    rows = []
    for line in view.pick(DETAIL_KEYS):
        value = e(line.text)
        if line.key == "attachments" and view.fingerprints:
            value = "<br>".join(e(f) for f in view.fingerprints)
        elif line.state:
            value = f"<span style='{_STATE_STYLE[line.state]}'>{value}</span>"
        rows.append(
            f"<tr><td style='color:#555;padding-right:12px'>{e(line.label)}</td>"
            f"<td>{value}</td></tr>"
        )
    description = e(view.description).replace("\n", "<br>")
    return (
        f"<h2 style='margin:0'>{e(view.tracking_no)}</h2>"
        f"<h3 style='margin-top:4px'>{e(view.subject)}</h3>"
        f"<p>{description}</p><table>{''.join(rows)}</table>"
        + (history_html(desk, entries) if entries else "")
    )


ACTION_LABELS = {
    "complaint.record": N_("Recorded"),
    "complaint.correct": N_("Corrected"),
    "privacy.erase": N_("Reporter's identity erased"),
    "complaint.status": N_("Status from the provincial system"),
}


def field_label(name: str) -> str:
    """The history names fields as the detail does (desk_app.presenter)."""
    return presenter.label(name) if name in presenter.FIELD_LABELS else name


def value_text(desk: Desk, name: str, value: Any) -> str:
    """A value as the audit trail keeps it (JSON), in words for the history."""
    return words.value_text(name, value, zone=desk.zone, ref=desk.reference)


def history_html(desk: Desk, entries: list[corrections.HistoryEntry]) -> str:
    """The "History" section: each event with local date and time, who, the reason and field by
    field before → after (everything escaped). One table, so the columns line up across events."""
    e = html.escape
    rows = []
    for entry in entries:
        action = ACTION_LABELS.get(entry.action)
        what = _(action) if action else entry.action
        head = " · ".join(
            (f"<b>{e(datetime_text(entry.at, desk.zone))}</b>", e(what), e(entry.actor))
        )
        if entry.reason:
            reason = _("Reason: {reason}").format(reason=entry.reason)
            head += "<br>" + e(reason)
        rows.append(f"<tr><td colspan='4' style='padding-top:8px'>{head}</td></tr>")
        for name, before, after in entry.changes:
            rows.append(
                "<tr>"
                f"<td nowrap style='color:#555;padding-left:16px;padding-right:12px'>"
                f"{e(field_label(name))}</td>"
                f"<td width='40%' style='color:#7a1f1f'>{e(value_text(desk, name, before))}</td>"
                "<td width='24' align='center'>→</td>"
                f"<td width='40%' style='color:#1f5f2a'>{e(value_text(desk, name, after))}</td>"
                "</tr>"
            )
    title = _("History")
    return (
        f"<h3 style='margin-top:16px'>{e(title)}</h3>"
        f"<table width='100%' cellspacing='0'>{''.join(rows)}</table>"
    )
