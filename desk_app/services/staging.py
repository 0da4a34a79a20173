"""A complaint's rows made before its write transaction (issue 11): all that a save writes but
the two values only the transaction can give, its tracking number (the day's counter) and its
due date (the desk's calendar as stored then). bulk.write_staged fills those in and writes.

Pure: no database and no SQLAlchemy imported, so that demo data's helper process
(services/demo_helper.py) can stage the rows while the desk's process writes the chunk before.
It is what intake._write writes for one complaint: intake.complaint_row, outbox_record and
audit_view give the same values (tests/core/test_bulk.py compares what the two write).
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import fields as dataclass_fields
from typing import NamedTuple

from desk_app.audit import seal
from desk_app.domain.complaint import ValidComplaint
from desk_app.store.ids import uuid7_strings

FORM_COLUMNS = tuple(
    f.name for f in dataclass_fields(ValidComplaint) if f.name not in ("received_at", "attachments")
)
# All but the two choices (stored as their value), as a tuple: a bulk load's rows are tuples.
OTHER_FORM_COLUMNS = tuple(n for n in FORM_COLUMNS if n not in ("report_type", "channel"))
other_form_values = operator.attrgetter(*OTHER_FORM_COLUMNS)

# Who the reporter is stays in the complaint row only: the sealed, append-only audit trail
# cannot forget, and a reporter may ask to be erased (UU 27/2022).
IDENTITY_FIELDS = (
    "reporter_name",
    "reporter_nik",
    "reporter_phone",
    "reporter_email",
    "reporter_address",
)
IDENTITY_MARK = "[identitas]"

# The complaint table's columns a save writes (intake.complaint_row's keys) in the table's
# order, and the outbox's (intake.outbox_record's): rows are tuples in this order.
COMPLAINT_KEYS = (
    "id",
    "tracking_no",
    "desk_code",
    "report_type",
    "channel",
    "received_at",
    "recorded_by",
    *OTHER_FORM_COLUMNS,
    "status",
    "due_date",
    "linked_to",
    "created_at",
    "updated_at",
)
OUTBOX_KEYS = ("item_id", "complaint_id", "kind", "revision", "state", "created_at", "attempts")
ATTACHMENT_KEYS = ("complaint_id", "filename", "sha256", "size")
_NUMBER_AT, _DUE_AT = COMPLAINT_KEYS.index("tracking_no"), COMPLAINT_KEYS.index("due_date")
# The audit view (intake.audit_view) of a row is written as JSON with its keys sorted, in three
# parts around the two values the transaction gives: the keys before "due_date", those between
# it and "tracking_no", those after. Each part is the JSON of its keys without the braces, so
# the three joined with the two values are the whole view's JSON (seal.plain_json) to the byte.
_VIEW_KEYS = tuple(sorted((*COMPLAINT_KEYS, "attachments")))
_VIEW_DUE, _VIEW_NUMBER = _VIEW_KEYS.index("due_date"), _VIEW_KEYS.index("tracking_no")
_VIEW_ORDER = operator.itemgetter(*((*COMPLAINT_KEYS, "attachments").index(k) for k in _VIEW_KEYS))
_IDENTITY_AT = tuple(COMPLAINT_KEYS.index(k) for k in IDENTITY_FIELDS)
_ISO_AT = tuple(
    COMPLAINT_KEYS.index(k) for k in ("received_at", "event_date", "created_at", "updated_at")
)
_RECEIVED_AT = COMPLAINT_KEYS.index("received_at")


class Staged(NamedTuple):
    """One complaint's rows, but for its number and due date."""

    day: dt.date  # the desk's day it is recorded on: its number's series
    received_day: dt.date  # the day it was received: its due date counts from it
    rule: tuple[str, str]  # (report type, category): its deadline rule
    row: tuple  # the complaint row in COMPLAINT_KEYS' order, number and due date None
    outbox: tuple  # its outbox row, in OUTBOX_KEYS' order
    files: list[tuple]  # its attachments' rows, in ATTACHMENT_KEYS' order
    view: tuple[str, str, str]  # its audit view's JSON, around the due date and the number

    def complete(self, number: str, due: dt.date) -> tuple[tuple, str]:
        """The complaint row and its audit view's JSON, with its number and due date."""
        row = self.row
        head, middle, tail = self.view
        return (
            (row[0], number, *row[2:_DUE_AT], due, *row[_DUE_AT + 1 :]),
            f'{head}"{due.isoformat()}"{middle}"{number}"{tail}',
        )

    @property
    def received_at(self) -> dt.datetime:
        return self.row[_RECEIVED_AT]


def stage_many(
    items: list[tuple[ValidComplaint, dt.datetime]],
    days: list[dt.date],
    received_days: list[dt.date],
    desk_code: str,
    user: str,
) -> list[Staged]:
    """Stage each (validated complaint, time it is recorded): `days` the desk's days of those
    times, `received_days` the desk's days each was received on; recorded at `desk_code` by
    `user`."""
    ids = iter(uuid7_strings(2 * len(items)))
    iso: dict = {}  # date or time -> ISO text: a chunk's rows share days, a row its times
    staged = []
    for (valid, now), day, received_day in zip(items, days, received_days, strict=True):
        report_type = valid.report_type.value
        complaint_id = next(ids)
        row = (
            complaint_id,
            None,
            desk_code,
            report_type,
            valid.channel.value,
            valid.received_at or now,
            user,
            *other_form_values(valid),
            "recorded",
            None,
            None,
            now,
            now,
        )
        files = [
            (complaint_id, f["filename"], f["sha256"], int(f["size"])) for f in valid.attachments
        ]
        staged.append(
            Staged(
                day,
                received_day,
                (report_type, valid.category),
                row,
                (next(ids), complaint_id, "record", 0, "waiting", now, 0),
                files,
                _view_parts(row, files, iso),
            )
        )
    return staged


def _view_parts(row: tuple, files: list[tuple], iso: dict) -> tuple[str, str, str]:
    """The JSON of intake.audit_view(row, files) of a row in COMPLAINT_KEYS' order, in three
    parts around its due date and number (see _VIEW_KEYS); `iso` keeps the ISO text of the
    dates and times met."""
    view = [*row, [{"sha256": f[2], "size": f[3]} for f in files]]
    for i in _IDENTITY_AT:
        if view[i]:
            view[i] = IDENTITY_MARK
    for i in _ISO_AT:
        value = view[i]
        if value is not None:
            text = iso.get(value)
            if text is None:
                text = iso[value] = value.isoformat()
            view[i] = text
    values = _VIEW_ORDER(view)
    left = _inner(_VIEW_KEYS[:_VIEW_DUE], values[:_VIEW_DUE])
    middle = _inner(_VIEW_KEYS[_VIEW_DUE + 1 : _VIEW_NUMBER], values[_VIEW_DUE + 1 : _VIEW_NUMBER])
    right = _inner(_VIEW_KEYS[_VIEW_NUMBER + 1 :], values[_VIEW_NUMBER + 1 :])
    return f'{{{left},"due_date":', f',{middle},"tracking_no":', f",{right}}}"


def _inner(keys: tuple, values: tuple) -> str:
    """The JSON of these keys' values, without its braces."""
    return seal.plain_json(dict(zip(keys, values, strict=True)))[1:-1]
