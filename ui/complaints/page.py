"""The complaint list: one search box (number, name, phone, NIK or words), filters, a paged
table and the detail of the selected complaint."""

from __future__ import annotations

import html

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.calendar import deadline_state
from desk_app.domain.complaint import Channel, ReportType, Status
from desk_app.domain.validation import format_phone
from desk_app.formatting import date_text, datetime_text
from desk_app.i18n import _, ngettext
from desk_app.services import lookup
from desk_app.services.desk import Desk

from ui.complaints.model import ComplaintListModel
from ui.workers import Runner

SEARCH_DELAY_MS = 250


class ComplaintsPage(QWidget):
    """Signals: detail_shown(str tracking number) when a complaint's detail is on screen."""

    detail_shown = Signal(str)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.model = ComplaintListModel(desk, runner, parent=self)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
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
        self.use_dates = QCheckBox(_("&Received from"))
        self.date_from = QDateEdit()
        self.date_to = QDateEdit()
        for edit in (self.date_from, self.date_to):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
        today = QDate.currentDate()
        self.date_from.setDate(today.addDays(-30))
        self.date_to.setDate(today)
        self.message = QLabel()
        self.message.setObjectName("search_message")
        self.message.setProperty("role", "error")
        self.count = QLabel()
        self.count.setObjectName("count")

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status_filter)
        filters.addWidget(self.channel_filter)
        filters.addWidget(self.use_dates)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel(_("to")))
        filters.addWidget(self.date_to)

        self.table = QTableView()
        self.table.setObjectName("complaints")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        for column, width in ((0, 175), (1, 168), (2, 145), (4, 165), (5, 125), (6, 130), (7, 190)):
            self.table.setColumnWidth(column, width)

        self.detail = QTextBrowser()
        self.detail.setObjectName("detail")
        self.detail.setOpenExternalLinks(False)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter

        under = QHBoxLayout()
        under.addWidget(self.message, 1)
        under.addWidget(self.count)
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
        self.use_dates.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(self.apply_filters)
        self.date_to.dateChanged.connect(self.apply_filters)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self._failed)
        self.model.modelReset.connect(self.detail.clear)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)

    def start(self) -> None:
        self.apply_filters()

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filters()

    def current_query(self) -> lookup.ListQuery:
        return lookup.ListQuery(
            text=self.search.text(),
            status=self.status_filter.currentData(),
            channel=self.channel_filter.currentData(),
            date_from=self.date_from.date().toPython() if self.use_dates.isChecked() else None,
            date_to=self.date_to.date().toPython() if self.use_dates.isChecked() else None,
            sort=self.model.query.sort,
            descending=self.model.query.descending,
        )

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.message.clear()
        self.model.set_query(self.current_query())

    def find(self, text: str) -> None:
        """Show the complaints matching `text` (used by 'open in the list')."""
        self.search.setText(text)
        self.apply_filters()

    def _loaded(self) -> None:
        rows = self.model.rowCount()
        more = "+" if self.model.has_more() else ""
        self.count.setText(
            ngettext("{count}{more} complaint", "{count}{more} complaints", rows).format(
                count=rows, more=more
            )
        )
        if rows == 0 and self.search.text().strip():
            self.message.setText(_("Nothing found. Check the spelling, or search by another way."))
        if (
            rows
            and not self.table.selectionModel().hasSelection()
            and len(self.model._rows) <= (self.model.page_size)
        ):
            self.table.selectRow(0)

    def _failed(self, text: str) -> None:
        self.message.setText(text)
        self.count.clear()

    def _row_changed(self, current, _previous) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        row = self.model.row_at(current.row())
        self.runner.read(
            lookup.get_complaint,
            self.desk,
            row.id,
            on_done=self._show_detail,
            on_error=lambda exc: self.detail.setPlainText(str(exc)),
        )

    def _show_detail(self, detail: lookup.ComplaintDetail) -> None:
        self.detail.setHtml(detail_html(self.desk, detail))
        self.detail_shown.emit(detail.complaint.tracking_no)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()


def detail_html(desk: Desk, detail: lookup.ComplaintDetail) -> str:
    """One complaint as HTML for the detail pane (everything escaped)."""
    c = detail.complaint
    ref = desk.reference
    e = html.escape
    yes_no = {True: _("yes"), False: _("no"), None: "—"}
    state = deadline_state(c.due_date, desk.today())
    due = date_text(c.due_date)
    if c.status not in ("completed", "archived", "not_authority"):
        if state.value == "overdue":
            late = e(_("{date} (overdue)").format(date=due))
            due = f"<span style='color:#b3261e'><b>{late}</b></span>"
        elif state.value == "due_today":
            due = f"<b>{e(_('{date} (due today)').format(date=due))}</b>"
    rows = [
        (_("Status"), e(Status(c.status).label)),
        (_("Deadline"), due),
        (_("Report type"), e(ReportType(c.report_type).label)),
        (_("Channel"), e(Channel(c.channel).label)),
        (_("Received"), e(datetime_text(c.received_at, desk.zone))),
        (_("Recorded by"), e(c.recorded_by)),
        (_("Reporter"), e(c.reporter_name or "—")),
        (_("NIK"), e(c.reporter_nik or "—")),
        (_("Phone"), e(format_phone(c.reporter_phone) if c.reporter_phone else "—")),
        (_("E-mail"), e(c.reporter_email or "—")),
        (_("Address"), e(c.reporter_address or "—")),
        (_("Anonymous"), e(yes_no[c.anonymous])),
        (_("Confidential"), e(yes_no[c.confidential])),
        (_("Category"), e(ref.label("category", c.category))),
        (_("Agency"), e(ref.label("agency", c.agency))),
        (_("Region"), e(ref.label("region", c.region))),
        (
            _("Event"),
            e(" — ".join(x for x in (date_text(c.event_date), c.event_place) if x) or "—"),
        ),
        (_("Loss suffered"), e(c.loss or "—")),
        (_("Remedy asked"), e(c.remedy or "—")),
        (_("Already complained to the agency?"), e(yes_no[c.complained_before])),
        (
            _("Attachments"),
            "<br>".join(e(f"{a.filename} (SHA-256 {a.sha256[:12]}…)") for a in detail.attachments)
            or "—",
        ),
    ]
    if detail.linked_number:
        rows.append((_("Linked to"), e(detail.linked_number)))
    if detail.linked_from:
        rows.append((_("Linked from"), e(", ".join(detail.linked_from))))
    table = "".join(
        f"<tr><td style='color:#555;padding-right:12px'>{e(k)}</td><td>{v}</td></tr>"
        for k, v in rows
    )
    description = e(c.description).replace("\n", "<br>")
    return (
        f"<h2 style='margin:0'>{e(c.tracking_no)}</h2>"
        f"<h3 style='margin-top:4px'>{e(c.subject)}</h3>"
        f"<p>{description}</p><table>{table}</table>"
    )
