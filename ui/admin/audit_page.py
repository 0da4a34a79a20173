"""The audit trail screen: filters, a paged list of events (newest first), the selected event's
before/after field by field, checking the seals, and exporting what the filters show."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desk_app.audit import words
from desk_app.errors import DeskError
from desk_app.files import reason_text
from desk_app.formatting import EMPTY, datetime_text
from desk_app.i18n import N_, _, ngettext
from desk_app.services import audit
from desk_app.services.desk import Desk

from ui import messages, qt_language
from ui.date_range import DateRangeFilter
from ui.paged_model import KeysetTableModel
from ui.workers import Runner

FILTER_DELAY_MS = 250
COLUMNS = [
    N_("No."),
    N_("Time"),
    N_("User"),
    N_("Action"),
    N_("Object"),
    N_("Changes"),
    N_("Reason"),
]
SEQ_ROLE = Qt.ItemDataRole.UserRole + 1

# How to add one: a service that calls audit.append(..., action="thing.verb") gives the action
# a label here, marked with N_(); an action without one is shown by its code.
ACTION_LABELS = {
    "complaint.record": N_("Complaint recorded"),
    "complaint.correct": N_("Complaint corrected"),
    "access.denied": N_("Refused"),
    "desk.init": N_("Desk set up"),
    "user.create": N_("User added"),
    "user.role": N_("Role changed"),
    "user.disable": N_("User disabled"),
    "user.enable": N_("User enabled"),
    "user.login": N_("Signed in"),
    "user.login_failed": N_("Sign-in failed"),
    "user.password_change": N_("Password changed"),
    "user.password_reset": N_("Password reset"),
    "backup.make": N_("Backup made"),
    "desk.setting": N_("Setting changed"),
    "calendar.day": N_("Calendar day changed"),
    "reference.import": N_("Region list imported"),
    "privacy.export": N_("Personal data exported"),
    "privacy.erase": N_("Identity erased"),
    "privacy.erase_request": N_("Erasure request"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return _(label) if label else action


class AuditEventModel(KeysetTableModel):
    """The events matching a query, newest first (see KeysetTableModel for its signals)."""

    def __init__(
        self, desk: Desk, runner: Runner, page_size: int = audit.PAGE_SIZE, parent=None
    ) -> None:
        super().__init__(
            desk, runner, audit.list_events, audit.AuditQuery(), COLUMNS, page_size, parent
        )

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == SEQ_ROLE:
            return item.seq
        if role == Qt.ItemDataRole.ToolTipRole and column in (3, 4, 5, 6):
            if column == 3:
                return item.action
            if column == 4:
                return f"{item.object_type} {item.object_id}"
            if column == 5:
                return ", ".join(item.fields) or None
            return item.reason
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, item: audit.EventRow, column: int) -> str:
        if column == 0:
            return str(item.seq)
        if column == 1:
            return datetime_text(item.at, self.desk.zone)
        if column == 2:
            return item.actor
        if column == 3:
            return action_label(item.action)
        if column == 4:
            return item.tracking_no or words.object_name(item.object_type, item.object_id)
        if column == 5:
            return item.summary
        return (item.reason or "").replace("\n", " ")


class AuditPage(QWidget):
    """Signals: detail_shown(int seq) when an event's detail is on screen; verified(object
    audit.VerifyResult) when a check of the trail is done; exported(int count) after an export."""

    detail_shown = Signal(int)
    verified = Signal(object)
    exported = Signal(int)

    def __init__(self, desk: Desk, runner: Runner, parent=None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.runner = runner
        self.model = AuditEventModel(desk, runner, parent=self)
        self._started = False

        self.actor = QLineEdit()
        self.actor.setObjectName("actor_filter")
        self.actor.setClearButtonEnabled(True)
        self.actor.setPlaceholderText(_("User"))
        self.action = QComboBox()
        self.action.setObjectName("action_filter")
        self.action.addItem(_("All actions"), None)
        self.action.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.action.setMinimumContentsLength(16)
        self.object = QLineEdit()
        self.object.setObjectName("object_filter")
        self.object.setClearButtonEnabled(True)
        self.object.setPlaceholderText(_("Tracking number or object id"))
        today = desk.today()
        self.dates = DateRangeFilter(_("&Date from"), today.replace(day=1), today)
        self.use_dates, self.date_from, self.date_to = (
            self.dates.use_dates,
            self.dates.date_from,
            self.dates.date_to,
        )

        filters = QHBoxLayout()
        filters.addWidget(self.actor, 1)
        filters.addWidget(self.action)
        filters.addWidget(self.object, 2)
        filters.addWidget(self.dates)

        self.message = QLabel()
        self.message.setObjectName("audit_message")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.count = QLabel()
        self.count.setObjectName("audit_count")
        self.verify_button = QPushButton(_("Check the trail"))
        self.verify_button.setObjectName("verify")
        self.verify_button.setToolTip(
            _("Check every event's seal, to find events changed or deleted outside the app")
        )
        self.export_button = QPushButton(_("Export…"))
        self.export_button.setObjectName("export")
        self.export_button.setToolTip(_("Save the events shown (all pages) as CSV or JSON Lines"))
        self.verify_result = QLabel()
        self.verify_result.setObjectName("verify_result")
        self.verify_result.setWordWrap(True)
        self.verify_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        actions = QHBoxLayout()
        actions.addWidget(self.verify_button)
        actions.addWidget(self.verify_result, 1)
        actions.addWidget(self.export_button)
        under = QHBoxLayout()
        under.addWidget(self.message, 1)
        under.addWidget(self.count)

        self.table = QTableView()
        self.table.setObjectName("audit_events")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 70), (1, 165), (2, 120), (3, 190), (4, 220), (6, 200)):
            self.table.setColumnWidth(column, width)

        self.detail = QTextBrowser()
        self.detail.setObjectName("audit_detail")
        self.detail.setOpenExternalLinks(False)
        self.detail.setOpenLinks(False)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(under)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(actions)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_DELAY_MS)
        self._debounce.timeout.connect(self.apply_filters)
        for edit in (self.actor, self.object):
            edit.textChanged.connect(lambda _t: self._debounce.start())
            edit.returnPressed.connect(self.apply_filters)
        self.action.currentIndexChanged.connect(self.apply_filters)
        self.dates.changed.connect(self.apply_filters)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self._failed)
        self.model.modelReset.connect(self.detail.clear)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.verify_button.clicked.connect(self.verify)
        self.export_button.clicked.connect(self.export)

    # -- showing events ----------------------------------------------------------------

    def start(self) -> None:
        """Load the actions and the first page; later calls reload both (the trail grows)."""
        self._started = True
        self._load_actions()
        self.apply_filters()

    def is_started(self) -> bool:
        return self._started

    def _load_actions(self) -> None:
        self.runner.read(audit.actions, self.desk, on_done=self._actions_loaded)

    def _actions_loaded(self, codes: list[str]) -> None:
        current = self.action.currentData()
        known = {self.action.itemData(i) for i in range(1, self.action.count())}
        if known == set(codes):
            return
        self.action.blockSignals(True)
        try:
            while self.action.count() > 1:
                self.action.removeItem(1)
            for code in sorted(codes, key=action_label):
                self.action.addItem(action_label(code), code)
            index = self.action.findData(current) if current is not None else 0
            self.action.setCurrentIndex(max(index, 0))
        finally:
            self.action.blockSignals(False)
        if current is not None and self.action.currentData() != current:
            self.apply_filters()

    def current_query(self) -> audit.AuditQuery:
        date_from, date_to = self.dates.bounds()
        return audit.AuditQuery(
            actor=self.actor.text().strip() or None,
            action=self.action.currentData(),
            object_id=self.object.text().strip() or None,
            date_from=date_from,
            date_to=date_to,
        )

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.message.clear()
        self.model.set_query(self.current_query())

    def _loaded(self) -> None:
        rows = self.model.rowCount()
        more = "+" if self.model.has_more() else ""
        self.count.setText(
            ngettext("{count}{more} event", "{count}{more} events", rows).format(
                count=rows, more=more
            )
        )
        if rows == 0 and self.current_query() != audit.AuditQuery():
            self.message.setText(_("No event matches these filters."))
        if rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _failed(self, text: str) -> None:
        self.message.setText(text)
        self.count.clear()

    def _row_changed(self, current, _previous) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        seq = self.model.row_at(current.row()).seq
        self.runner.read(
            audit.get_event,
            self.desk,
            seq,
            on_done=self._show_detail,
            on_error=lambda exc: messages.show_error(self, exc),
        )

    def _show_detail(self, detail: audit.EventDetail | None) -> None:
        current = self.table.selectionModel().currentIndex()
        if detail is None or not current.isValid():
            return
        if self.model.row_at(current.row()).seq != detail.row.seq:
            return  # the selection moved on while this was read
        self.detail.setHtml(detail_html(self.desk, detail))
        self.detail_shown.emit(detail.row.seq)

    # -- checking the seals ------------------------------------------------------------

    def verify(self) -> None:
        """Check the whole trail on a worker; say the result beside the button."""
        self.verify_button.setEnabled(False)
        self._say(self.verify_result, _("Checking the audit trail…"), None)
        self.runner.read(
            audit.verify, self.desk, on_done=self._verified, on_error=self._verify_failed
        )

    def _verified(self, result: audit.VerifyResult) -> None:
        self.verify_button.setEnabled(True)
        if result.ok:
            text = ngettext(
                "The audit trail is whole: {count} event checked.",
                "The audit trail is whole: {count} events checked.",
                result.count,
            ).format(count=result.count)
            self._say(self.verify_result, text, "ok")
        else:
            lines = [audit.difference_text(d) for d in result.differences]
            lines.append(audit.verify_error(result).message())
            self._say(self.verify_result, "\n".join(lines), "error")
        self.verified.emit(result)

    def _verify_failed(self, exc: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.verify_result.clear()
        messages.show_error(self, exc)

    # -- exporting ---------------------------------------------------------------------

    def export(self) -> None:
        """Ask where, then write the events the filters show (every page) on a worker."""
        csv_filter = _("CSV (*.csv)")
        jsonl_filter = _("JSON Lines (*.jsonl)")
        name = f"audit-{self.desk.desk_code}-{self.desk.today():%Y%m%d}.csv"
        path, chosen = qt_language.save_file_name(
            self,
            _("Export the audit trail"),
            name,
            f"{csv_filter};;{jsonl_filter}",
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() not in (".csv", ".jsonl"):
            target = target.with_name(
                target.name + (".jsonl" if chosen == jsonl_filter else ".csv")
            )
        fmt = "jsonl" if target.suffix.lower() == ".jsonl" else "csv"
        query = self.current_query()  # plain data for the worker
        self.export_button.setEnabled(False)
        self._say(self.message, _("Exporting…"), None)
        self.runner.read(
            audit.export_events,
            self.desk,
            query,
            target,
            fmt,
            on_done=lambda count: self._exported(target, count),
            on_error=self._export_failed,
        )

    def _exported(self, target: Path, count: int) -> None:
        self.export_button.setEnabled(True)
        text = ngettext(
            "{count} event exported to {file}.", "{count} events exported to {file}.", count
        ).format(count=count, file=target.name)
        self._say(self.message, text, "ok")
        self.exported.emit(count)

    def _export_failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        if isinstance(exc, DeskError):
            self._say(self.message, exc.message(), "error")
        elif isinstance(exc, OSError):
            reason = reason_text(exc)
            self._say(
                self.message,
                _("The file could not be written ({reason}). Nothing was exported.").format(
                    reason=reason
                ),
                "error",
            )
        else:
            self.message.clear()
            messages.show_error(self, exc)

    @staticmethod
    def _say(label: QLabel, text: str, role: str | None) -> None:
        label.setText(text)
        label.setProperty("role", role or "")
        label.style().unpolish(label)
        label.style().polish(label)

    def focus_filters(self) -> None:
        self.object.setFocus()
        self.object.selectAll()


# -- the detail pane ---------------------------------------------------------------------------


def _value_html(desk: Desk, row, key: str, value: Any) -> str:
    text = words.value_text(
        key,
        value,
        zone=desk.zone,
        ref=desk.reference,
        object_type=row.object_type,
        object_id=row.object_id,
    )
    return html.escape(text).replace("\n", "<br>")


def _action_html(action: str) -> str:
    label = action_label(action)
    if label == action:
        return html.escape(action)
    return f"{html.escape(label)} <span style='color:#666'>({html.escape(action)})</span>"


def _as_fields(value: Any) -> dict | None:
    """before/after as {field: value}; a value that is not an object becomes one row."""
    return value if value is None or isinstance(value, dict) else {"": value}


def detail_html(desk: Desk, detail: audit.EventDetail) -> str:
    """One event as HTML: who, when, what, then its before/after field by field, changed
    fields marked. Everything is escaped (values are as typed at the desk)."""
    e = html.escape
    row = detail.row
    meta = [
        (_("Time"), e(datetime_text(row.at, desk.zone))),
        (_("User"), e(row.actor)),
        (_("Action"), _action_html(row.action)),
        (_("Object"), e(words.object_text(row.object_type, row.object_id))),
    ]
    if row.tracking_no:
        meta.append((_("Tracking number"), e(row.tracking_no)))
    meta.append((_("Reason"), e(row.reason or EMPTY).replace("\n", "<br>")))
    meta.append((_("Changes"), e(row.summary or EMPTY)))
    meta_html = "".join(
        f"<tr><td style='color:#555;padding-right:12px'>{e(k)}</td><td>{v}</td></tr>"
        for k, v in meta
    )
    title = _("Event {seq}").format(seq=row.seq)
    head = f"<h3 style='margin:0'>{e(title)}</h3><table>{meta_html}</table>"
    if row.change == "unreadable":
        note = _("The stored before/after values cannot be read: the event may have been altered.")
        return head + f"<p style='color:#b3261e'>{e(note)}</p>"
    before, after = _as_fields(detail.before), _as_fields(detail.after)
    if before is None and after is None:
        return head
    columns = []
    if before is not None:
        columns.append((_("Before"), before))
    if after is not None:
        columns.append((_("After"), after))
    keys = words.in_reading_order(set(before or {}) | set(after or {}))
    changed = set(row.fields) if row.change == "changed" else set()
    cells = "".join(
        f"<th align='left' style='padding-right:12px'>{e(title)}</th>" for title, _v in columns
    )
    field = _("Field")
    lines = [f"<tr><th align='left' style='padding-right:12px'>{e(field)}</th>{cells}</tr>"]
    for key in keys:
        mark = " style='background:#fff4ce'" if key in changed else ""
        values = "".join(
            f"<td style='padding-right:12px'>"
            f"{_value_html(desk, row, key, data.get(key)) if key in data else EMPTY}</td>"
            for _title, data in columns
        )
        lines.append(
            f"<tr{mark}><td style='color:#555;padding-right:12px'>"
            f"{e(words.field_label(key, row.object_type, row.object_id))}</td>{values}</tr>"
        )
    return head + f"<table cellspacing='0' cellpadding='2'>{''.join(lines)}</table>"
