"""Where a complaint stands at the province, for the clerk a returning citizen asks: the latest
status the provincial system set, when the province set it (else when the desk learned it), the
agency the complaint was sent on to (disposed) and the province's note.

Read from the complaint's "complaint.status" audit events, which the sync writes in the same
transaction as the status (desk_app/sync/client.py): `after` holds the status and the agency,
`reason` the note. The ix_audit_event_object index (object_type, object_id, seq) makes that a
read of one complaint's few events, so no copy is kept on the complaint row.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select

from desk_app.domain.roles import Action
from desk_app.services.access import require
from desk_app.store import models

E = models.AuditEvent


@dataclass(frozen=True)
class ProvinceStatus:
    status: str
    changed_at: dt.datetime  # naive UTC: when the desk learned it
    agency: str | None  # the latest disposition ("disposed_to"), None before any
    note: str  # the province's note with the latest status ("" when none)
    set_at: dt.datetime | None = None  # naive UTC: when the province set it, as it said


def province_status(desk, complaint_id: str) -> ProvinceStatus | None:
    """The province's latest word on the complaint; None while it has set no status."""
    require(desk, desk.actor, Action.VIEW)
    with desk.db.reading() as session:
        rows = session.execute(
            select(E.after, E.reason, E.at)
            .where(
                E.object_type == "complaint",
                E.object_id == complaint_id,
                E.action == "complaint.status",
            )
            .order_by(E.seq)
        ).all()
    if not rows:
        return None
    agency = None
    status = ""
    for row in rows:
        try:
            after = json.loads(row.after) if row.after else {}
        except ValueError:
            after = {}
        status = after.get("status") or status
        agency = after.get("disposed_to") or agency
    last = rows[-1]
    set_at = None
    try:
        set_at = dt.datetime.fromisoformat(json.loads(last.after)["set_at"].replace("Z", ""))
    except (TypeError, ValueError, KeyError):
        pass  # an event from before the province's time was kept, or none was sent
    return ProvinceStatus(status, last.at, agency, last.reason or "", set_at)
