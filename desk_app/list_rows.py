"""The complaint list's columns as text, Qt-free: one presenter for the GUI list
(ui/complaints/model.py) and `desk-app search`, so both show the same row the same way.

How to add a column: add its header (N_-marked) to HEADERS and its text to `cell`; the GUI
model lists the sort key each column has.
"""

from __future__ import annotations

import datetime as dt

from desk_app.domain.calendar import DeadlineState, deadline_state
from desk_app.domain.complaint import Channel, Status
from desk_app.formatting import date_text, datetime_text
from desk_app.i18n import N_, _
from desk_app.services.desk import Desk
from desk_app.services.lookup import ComplaintRow

HEADERS = (
    N_("Tracking number"),
    N_("Received"),
    N_("Reporter"),
    N_("Subject"),
    N_("Agency"),
    N_("Channel"),
    N_("Status"),
    N_("Deadline"),
)
TRACKING, RECEIVED, REPORTER, SUBJECT, AGENCY, CHANNEL, STATUS, DEADLINE = range(len(HEADERS))
CLOSED = ("completed", "archived", "not_authority")


def deadline(row: ComplaintRow, today: dt.date) -> DeadlineState | None:
    """Due or overdue for an open complaint; None for a closed one."""
    if row.status in CLOSED:
        return None
    return deadline_state(row.due_date, today)


def reporter_text(row: ComplaintRow) -> str:
    """Hidden from this user says so ("disembunyikan"); never blank like an empty name."""
    if row.masked:
        return _("(hidden)")
    if row.anonymous or not row.reporter_name:
        return _("(anonymous)")
    return row.reporter_name


def cell(desk: Desk, row: ComplaintRow, column: int, today: dt.date) -> str:
    """The text of one column of `row`, as the list shows it (deadlines judged on `today`)."""
    if column == TRACKING:
        return row.tracking_no
    if column == RECEIVED:
        return datetime_text(row.received_at, desk.zone)
    if column == REPORTER:
        return reporter_text(row)
    if column == SUBJECT:
        return row.subject
    if column == AGENCY:
        return desk.reference.label("agency", row.agency)
    if column == CHANNEL:
        return Channel(row.channel).label
    if column == STATUS:
        return Status(row.status).label
    state = deadline(row, today)
    text = date_text(row.due_date)
    if state is DeadlineState.OVERDUE:
        return _("{date} (overdue)").format(date=text)
    if state is DeadlineState.DUE_TODAY:
        return _("{date} (due today)").format(date=text)
    return text


def cells(desk: Desk, row: ComplaintRow, today: dt.date) -> list[str]:
    return [cell(desk, row, column, today) for column in range(len(HEADERS))]
