"""The outbox's rules inside the caller's transaction (no commit, no permission check: the
services that change a complaint call these in their own write transaction).

A complaint's record item is written by intake. Whether a complaint "has left the desk" is
read here (a record item that was sent, or is in a batch that may have reached the hub), and
a correction or erasure of such a complaint queues its own item, in the transaction of the
change itself (docs/sync-protocol.md §4). A complaint whose record item has not gone out yet
needs no extra item: the record is built from the complaint as it is when it is sent.
"""

from __future__ import annotations

import datetime as dt
import json

import uuid6
from sqlalchemy import func, insert, select

from desk_app.store import models

OB = models.Outbox

RECORD, CORRECTION, ERASURE = "record", "correction", "erasure"
WAITING, SENT, REJECTED, CONFLICT, RESENT = "waiting", "sent", "rejected", "conflict", "resent"


def uploaded(session, complaint_id: str) -> bool:
    """The complaint's record reached the province (a record item in state sent)."""
    return (
        session.scalar(
            select(OB.seq)
            .where(OB.complaint_id == complaint_id, OB.kind == RECORD, OB.state == SENT)
            .limit(1)
        )
        is not None
    )


def uploaded_ids(session, complaint_ids: list[str]) -> set[str]:
    """Of `complaint_ids`, those uploaded (see uploaded())."""
    if not complaint_ids:
        return set()
    return set(
        session.scalars(
            select(OB.complaint_id).where(
                OB.complaint_id.in_(complaint_ids), OB.kind == RECORD, OB.state == SENT
            )
        )
    )


def _may_be_at_hub(session, complaint_id: str) -> bool:
    """A record item was sent, or went into a batch (the hub may hold it already)."""
    return (
        session.scalar(
            select(OB.seq)
            .where(
                OB.complaint_id == complaint_id,
                OB.kind == RECORD,
                (OB.state == SENT) | ((OB.state == WAITING) & OB.batch_id.is_not(None)),
            )
            .limit(1)
        )
        is not None
    )


def _next_revision(session, complaint_id: str) -> int:
    last = session.scalar(select(func.max(OB.revision)).where(OB.complaint_id == complaint_id))
    return (last or 0) + 1


def queue_change(
    session, complaint_id: str, kind: str, fields: list[str] | tuple[str, ...], now: dt.datetime
) -> str | None:
    """Queue a correction or erasure item for a complaint the province may hold; return its
    item id (None when the complaint's record has not gone out: it will carry the change)."""
    assert kind in (CORRECTION, ERASURE)
    if not _may_be_at_hub(session, complaint_id):
        return None
    item_id = str(uuid6.uuid7())
    session.execute(
        insert(OB.__table__),
        [
            dict(
                item_id=item_id,
                complaint_id=complaint_id,
                kind=kind,
                revision=_next_revision(session, complaint_id),
                fields=json.dumps(list(fields)),
                state=WAITING,
                attempts=0,
                created_at=now,
            )
        ],
    )
    return item_id
