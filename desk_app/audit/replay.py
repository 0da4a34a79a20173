"""The tables against the trail: each complaint and user is what its events say it became.

Complaints: a merge walk of the complaint table ordered by id against the complaint events
ordered by (object_id, seq), BATCH rows at a time on each side, so a million complaints are
never all in memory. Each complaint's state is folded from its events: complaint.record's
`after` is the whole row as intake.audit_view() keeps it, complaint.correct's and
privacy.erase's `after` the fields they set. Identity fields are in the trail only as a mark
("[identitas]") or empty, so for them only filled against empty is compared: a name changed in
the file from one value to another is not seen. `updated_at` is not compared (corrections and
erasures set it without recording it), nor attachments (their own table).

Users (a few): user.create, user.role, user.disable, user.enable and user.password_reset keep
users.public_view(user) in `after`; the role, disabled flag and full name are compared.

How to add one: a service that changes a complaint's or user's stored fields must write an
event whose `after` holds the new values, and name its action in COMPLAINT_ACTIONS or
USER_ACTIONS below; otherwise verify reports the change as made outside the desk.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from desk_app.audit.seal import plain
from desk_app.store.models import AuditEvent, Complaint, User

BATCH = 1000
MAX_LISTED = 50
COMPLAINT_ACTIONS = ("complaint.record", "complaint.correct", "privacy.erase", "complaint.status")
USER_ACTIONS = ("user.create", "user.role", "user.disable", "user.enable", "user.password_reset")
USER_FIELDS = ("role", "full_name", "disabled")
# provincial_id is set by an upload's answer (one "sync.batch" event per batch, not one per
# complaint); status_changed_at goes with each "complaint.status" event's status.
NOT_COMPARED = frozenset({"seq", "updated_at", "attachments", "provincial_id", "status_changed_at"})
_COMPLAINT_COLUMNS = [c for c in Complaint.__table__.c if c.name not in NOT_COMPARED]


def _decoded(text: str | None) -> dict:
    try:
        value = json.loads(text) if text else None
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _folded(
    session: Session, object_type: str, actions: Iterable[str], batch: int
) -> Iterator[tuple[str, dict]]:
    """(object_id, state) for each object with events of `actions`, in object_id order."""
    actions = tuple(actions)
    current: str | None = None
    state: dict = {}
    after_key = ("", 0)
    while True:
        rows = session.execute(
            select(AuditEvent.object_id, AuditEvent.seq, AuditEvent.after)
            .where(AuditEvent.object_type == object_type, AuditEvent.action.in_(actions))
            .where(tuple_(AuditEvent.object_id, AuditEvent.seq) > tuple_(*after_key))
            .order_by(AuditEvent.object_id, AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.object_id != current:
                if current is not None:
                    yield current, state
                current, state = row.object_id, {}
            state.update(_decoded(row.after))
        after_key = (rows[-1].object_id, rows[-1].seq)
    if current is not None:
        yield current, state


def _complaints(session: Session, batch: int) -> Iterator[Any]:
    after = ""
    while True:
        rows = session.execute(
            select(*_COMPLAINT_COLUMNS)
            .where(Complaint.id > after)
            .order_by(Complaint.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        after = rows[-1].id


def _changed(row, state: dict, identity: frozenset[str]) -> tuple[str, ...]:
    fields = []
    values = row._mapping
    for name, expected in state.items():
        if name in NOT_COMPARED or name not in values:
            continue
        if name in identity:
            if bool(values[name]) != bool(expected):
                fields.append(name)
        elif plain(values[name]) != expected:
            fields.append(name)
    return tuple(sorted(fields))


class Report:
    """Differences found: the first MAX_LISTED kept, all counted."""

    def __init__(self) -> None:
        self.listed: list = []
        self.count = 0

    def add(self, difference) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED:
            self.listed.append(difference)


def check_complaints(
    session: Session, identity: Iterable[str], report: Report, make, batch: int = BATCH
) -> None:
    """Merge-walk complaints (by id) against their folded events; `make(kind, name, problem,
    fields)` builds what `report` keeps."""
    identity = frozenset(identity)
    rows = _complaints(session, batch)
    events = _folded(session, "complaint", COMPLAINT_ACTIONS, batch)
    row = next(rows, None)
    event = next(events, None)
    while row is not None or event is not None:
        if event is None or (row is not None and row.id < event[0]):
            report.add(make("complaint", row.tracking_no, "unrecorded", ()))
            row = next(rows, None)
        elif row is None or event[0] < row.id:
            report.add(make("complaint", event[1].get("tracking_no"), "deleted", ()))
            event = next(events, None)
        else:
            fields = _changed(row, event[1], identity)
            if fields:
                report.add(make("complaint", row.tracking_no, "changed", fields))
            row, event = next(rows, None), next(events, None)


def check_users(session: Session, report: Report, make, batch: int = BATCH) -> None:
    users = {
        u.username: u
        for u in session.execute(
            select(User.username, User.role, User.full_name, User.disabled)
        ).all()
    }
    for username, state in _folded(session, "user", USER_ACTIONS, batch):
        user = users.pop(username, None)
        if user is None:
            report.add(make("user", username, "deleted", ()))
            continue
        fields = tuple(
            name
            for name in USER_FIELDS
            if name in state and plain(getattr(user, name)) != state[name]
        )
        if fields:
            report.add(make("user", username, "changed", fields))
    for username in sorted(users):
        report.add(make("user", username, "unrecorded", ()))
