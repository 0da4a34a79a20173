"""Reading the trail for people: pages of events (field names only, never values), one
event whole, the actions in use. Session-level: the services (desk_app/services/audit.py) open
the transaction and check who may read."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain import numbering
from desk_app.i18n import _, ngettext
from desk_app.store.models import AuditEvent, Complaint

PAGE_SIZE = 100
_SUMMARY_FIELDS = 5  # field names shown in a summary before "+N"


@dataclass(frozen=True)
class AuditQuery:
    """Filters for list_events/export_events; None means any. Dates are local and inclusive.

    `object_id` is an object's id or a complaint's tracking number; `actor` matches names
    starting with it (case-insensitive).
    """

    actor: str | None = None
    action: str | None = None
    object_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class EventRow:
    """One event as listed: no field values, only which fields the event touched.

    `change` is "created" (no before), "removed" (no after), "changed" (both: `fields` are
    those whose value differs), "none" (neither) or "unreadable" (before/after not JSON).
    `tracking_no` is the complaint's number, when the event is about a complaint that still
    exists or its before/after holds the number.
    """

    seq: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    reason: str | None
    change: str
    fields: tuple[str, ...]
    tracking_no: str | None = None

    @property
    def summary(self) -> str:
        """A short line for people, e.g. "Changed: Status, Agency" (field labels, no values)."""
        if self.change == "created":
            count = len(self.fields)
            return ngettext("Created ({count} field)", "Created ({count} fields)", count).format(
                count=count
            )
        if self.change == "removed":
            return _("Removed")
        if self.change == "unreadable":
            return _("(unreadable)")
        if self.change == "changed":
            if not self.fields:
                return _("No field changed")
            from desk_app.audit.words import field_label, in_reading_order

            shown = in_reading_order(self.fields)[:_SUMMARY_FIELDS]
            names = ", ".join(field_label(f, self.object_type, self.object_id) for f in shown)
            extra = len(self.fields) - _SUMMARY_FIELDS
            if extra > 0:
                names += " " + _("+{count} more").format(count=extra)
            return _("Changed: {fields}").format(fields=names)
        return ""


@dataclass(frozen=True)
class Page:
    rows: list[EventRow]
    cursor: int | None  # pass back for the next (older) page; None when there is no more


@dataclass(frozen=True)
class EventDetail:
    """One event whole, for the detail pane: `before`/`after` are the decoded JSON values
    (personal data: show them, never log them); None when absent or unreadable."""

    row: EventRow
    before: Any
    after: Any
    hash: str
    prev_hash: str


def _decode(text: str | None) -> tuple[bool, Any]:
    if text is None:
        return True, None
    try:
        return True, json.loads(text)
    except (TypeError, ValueError):
        return False, None


def _change(before: Any, after: Any) -> tuple[str, tuple[str, ...]]:
    if before is None and after is None:
        return "none", ()
    if before is None:
        return "created", tuple(sorted(after)) if isinstance(after, dict) else ()
    if after is None:
        return "removed", tuple(sorted(before)) if isinstance(before, dict) else ()
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after))
        return "changed", tuple(k for k in keys if before.get(k) != after.get(k))
    return "changed", ()


def _tracking_no(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, dict) and isinstance(value.get("tracking_no"), str):
            return value["tracking_no"]
    return None


def _row(record) -> tuple[EventRow, Any, Any]:
    ok_before, before = _decode(record.before)
    ok_after, after = _decode(record.after)
    if ok_before and ok_after:
        change, fields = _change(before, after)
    else:
        change, fields = "unreadable", ()
    row = EventRow(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        reason=record.reason,
        change=change,
        fields=fields,
        tracking_no=record.tracking_no or _tracking_no(after, before),
    )
    return row, before, after


def _utc_start(zone: dt.tzinfo, day: dt.date) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


_LIST_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.at,
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.before,
    AuditEvent.after,
    AuditEvent.reason,
    Complaint.tracking_no,
)
# The complaint's number for events about a complaint (None once the complaint is gone).
_WITH_NUMBER = (AuditEvent.object_type == "complaint") & (Complaint.id == AuditEvent.object_id)


def _filtered(session: Session, zone: dt.tzinfo, query: AuditQuery):
    """The select for `query`, or None when it can match nothing. Raises MistypedNumber (or
    MalformedNumber) for a tracking number with a wrong check character."""
    stmt = select(*_LIST_COLUMNS).outerjoin(Complaint, _WITH_NUMBER)
    actor = (query.actor or "").strip()
    if actor:
        stmt = stmt.where(AuditEvent.actor.istartswith(actor, autoescape=True))
    if query.action:
        stmt = stmt.where(AuditEvent.action == query.action)
    target = (query.object_id or "").strip()
    if target:
        if numbering.looks_like_number(target):
            number = numbering.parse(target)
            complaint_id = session.scalar(
                select(Complaint.id).where(Complaint.tracking_no == number)
            )
            if complaint_id is None:
                return None
            stmt = stmt.where(
                AuditEvent.object_type == "complaint", AuditEvent.object_id == complaint_id
            )
        else:
            stmt = stmt.where(AuditEvent.object_id == target)
    if query.date_from:
        stmt = stmt.where(AuditEvent.at >= _utc_start(zone, query.date_from))
    if query.date_to:
        stmt = stmt.where(AuditEvent.at < _utc_start(zone, query.date_to + dt.timedelta(days=1)))
    return stmt


def page(
    session: Session, zone: dt.tzinfo, query: AuditQuery, cursor: int | None, limit: int
) -> Page:
    """One page of events matching `query`, newest first, older than `cursor` (keyset on seq).

    Later pages are not moved by new events: those have a higher seq than any cursor.
    """
    stmt = _filtered(session, zone, query)
    if stmt is None:
        return Page([], None)
    if cursor is not None:
        stmt = stmt.where(AuditEvent.seq < cursor)
    records = session.execute(stmt.order_by(AuditEvent.seq.desc()).limit(limit + 1)).all()
    rows = [_row(r)[0] for r in records[:limit]]
    more = len(records) > limit
    return Page(rows, rows[-1].seq if more and rows else None)


def event(session: Session, seq: int) -> EventDetail | None:
    """One event with its before/after decoded, or None when there is no such event."""
    record = session.execute(
        select(*_LIST_COLUMNS, AuditEvent.hash, AuditEvent.prev_hash)
        .outerjoin(Complaint, _WITH_NUMBER)
        .where(AuditEvent.seq == seq)
    ).first()
    if record is None:
        return None
    row, before, after = _row(record)
    return EventDetail(row, before, after, record.hash, record.prev_hash)


def actions(session: Session) -> list[str]:
    """The distinct actions in the trail, sorted (for the screen's filter)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
