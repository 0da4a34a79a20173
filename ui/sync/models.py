"""The sync screen's tables: the items of batches (results, errors in words; never the values
sent) and the batch history, with the words for kinds, results and states."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from desk_app.formatting import datetime_text
from desk_app.i18n import N_, _
from desk_app.services import sync
from desk_app.services.sync import BatchSummary, ItemView

from ui.paged_model import RowsTableModel

REFUSED = QColor("#b3261e")

KINDS = {
    "record": N_("New complaint"),
    "correction": N_("Correction"),
    "erasure": N_("Erasure of personal data"),
}
RESULTS = {
    "accepted": N_("Accepted"),
    "duplicate": N_("Already held (duplicate)"),
    "rejected": N_("Rejected"),
    "conflict": N_("Conflict: the province holds other content"),
}
STATES = {
    "waiting": N_("Waiting to be sent"),
    "sent": N_("Sent"),
    "rejected": N_("Rejected"),
    "conflict": N_("Conflict"),
    "resent": N_("Sent again as a new item"),
}
BATCH_STATES = {
    "open": N_("Not answered yet"),
    "answered": N_("Answered"),
    "failed": N_("Failed"),
}


def _word(table: dict[str, str], key: str | None) -> str:
    if not key:
        return ""
    text = table.get(key)
    return _(text) if text else key


def kind_text(kind: str) -> str:
    return _word(KINDS, kind)


def result_text(item: ItemView) -> str:
    """What the province answered, or where the item stands when it has no answer yet."""
    if item.state == "resent":
        return _word(STATES, "resent")
    if item.result:
        return _word(RESULTS, item.result)
    return _word(STATES, item.state)


def errors_text(item: ItemView) -> str:
    """The field errors in words: "NIK pelapor is not a valid NIK; ..." (field labels and
    problems only: the province's answer holds no value the desk sent)."""
    return "; ".join(f"{label} {problem}".strip() for label, problem in item.errors)


ITEM_COLUMNS = [
    N_("Tracking number"),
    N_("Kind"),
    N_("Result"),
    N_("Provincial number"),
    N_("What the province said"),
]


class ItemsModel(RowsTableModel):
    """ItemView rows: tracking number, kind, result, provincial id, errors in words. A refused
    item is red; one corrected since its answer says so."""

    def __init__(self, parent=None) -> None:
        super().__init__(ITEM_COLUMNS, parent)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item: ItemView = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if column == 0:
                return item.tracking_no
            if column == 1:
                return kind_text(item.kind)
            if column == 2:
                return result_text(item)
            if column == 3:
                return item.provincial_id or ""
            text = errors_text(item)
            if item.state in ("rejected", "conflict"):
                if item.state == "rejected" and not item.corrected_since:
                    note = _("Correct the complaint first, then send it again.")
                elif item.state == "rejected":
                    note = _("Corrected since: it can be sent again.")
                else:
                    note = _("Sending again sends the desk's version as a correction.")
                text = f"{text} ({note})" if text else note
            return text
        if role == Qt.ItemDataRole.ForegroundRole and item.state in ("rejected", "conflict"):
            return REFUSED
        return None


BATCH_COLUMNS = [
    N_("Made"),
    N_("Sent"),
    N_("Items"),
    N_("State"),
    N_("Accepted"),
    N_("Already held"),
    N_("Rejected"),
    N_("Conflicts"),
    N_("Why it stopped"),
]


class BatchesModel(RowsTableModel):
    """BatchSummary rows, newest first."""

    def __init__(self, zone, parent=None) -> None:
        super().__init__(BATCH_COLUMNS, parent)
        self.zone = zone

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        batch: BatchSummary = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            values = (
                datetime_text(batch.created_at, self.zone),
                datetime_text(batch.sent_at, self.zone),
                str(batch.items),
                _word(BATCH_STATES, batch.state),
                str(batch.accepted),
                str(batch.duplicate),
                str(batch.rejected),
                str(batch.conflict),
                sync.stop_reason(batch.last_error),
            )
            return values[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and 2 <= column <= 7 and column != 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and (batch.rejected or batch.conflict):
            font = QFont()
            font.setBold(True)
            return font
        return None
