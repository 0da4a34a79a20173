"""Appending an event: next seq, chained to the previous event's hash, sealed with the desk's
key, inside the caller's write transaction; the head moves after the commit (Database.writing
runs the hook this module leaves in the session, never after a rollback).

`before` and `after` hold field values (personal data, needed for the history): never log them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from desk_app.audit import head, keyfile
from desk_app.audit.seal import ZERO_HASH, Sealer, seal, to_json
from desk_app.errors import AuditKeyChanged, AuditKeyDamaged, AuditKeyMissing, AuditTrailMissing
from desk_app.store.db import AFTER_COMMIT, utcnow
from desk_app.store.models import AuditEvent
from desk_app.store.prepared import Prepared

log = logging.getLogger(__name__)

# Core on the table (the ORM's bulk path cost 0.1 ms), compiled once (store/prepared.py).
_INSERT = Prepared(insert(AuditEvent.__table__))
LAST = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
_LAST = Prepared(LAST)
_PENDING = "audit_pending_head"
_KEY = "audit_signing_key"
KEY_REFUSALS = (AuditKeyMissing, AuditKeyChanged, AuditKeyDamaged, AuditTrailMissing)


@dataclass(frozen=True)
class Clock:
    """What append() needs of a desk where there is no open Desk (first run, restore)."""

    user: str = ""
    now: Any = field(default=utcnow)


def append(
    session: Session,
    desk,
    action: str,
    object_type: str,
    object_id: str,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    actor: str | None = None,
    *,
    skip_without_key: bool = False,
) -> int | None:
    """Add one event inside the caller's write transaction (no commit); return its seq.

    `before`/`after` are JSON-safe values (dict, list...; dates become ISO text). The caller's
    session must be a write transaction (BEGIN IMMEDIATE): reading the last event and inserting
    the next one then happen under SQLite's write lock. Raises AuditKeyMissing, AuditKeyChanged,
    AuditKeyDamaged or AuditTrailMissing when the event cannot be sealed with the desk's key;
    with `skip_without_key` (signing in only: IT must be able to sign in to bring the key back)
    the event is left out instead and None returned.
    """
    last = _LAST.first(session)  # (seq, hash)
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, ZERO_HASH)
    try:
        key = session.info.get(_KEY)  # checked once per transaction
        if key is None:
            key = session.info[_KEY] = keyfile.signing_key(session, trail_empty=last is None)
    except KEY_REFUSALS as exc:
        if not skip_without_key:
            raise
        log.warning("audit event %s not written: %s", action, exc.code)
        return None
    row = dict(
        seq=seq,
        at=desk.now(),
        actor=actor or desk.user,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=to_json(before),
        after=to_json(after),
        reason=reason,
        prev_hash=prev_hash,
    )
    row["hash"] = seal(key, row)
    _INSERT.run(session, row)
    pending = session.info.get(_PENDING)
    if pending is None:  # the transaction's first event: what it follows, for head.advance
        pending = session.info[_PENDING] = [head.head_path(), seq, prev_hash, 0, ""]
        session.info.setdefault(AFTER_COMMIT, []).append(lambda: head.advance(*pending))
    pending[3], pending[4] = seq, row["hash"]
    return seq


def append_many(
    session: Session,
    desk,
    action: str,
    object_type: str,
    events: list[tuple[str, Any]],
    *,
    encoded: bool = False,
) -> None:
    """append() for many events of one kind, each (object_id, after), in the given order:
    the same chain (each sealed over the one before), read once and written with one
    executemany (a bulk import; per event, the two statements cost more than the rest).
    `encoded`: each `after` is already to_json() text (bulk.write_many writes it itself)."""
    if not events:
        return
    last = _LAST.first(session)
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, ZERO_HASH)
    key = session.info.get(_KEY)
    if key is None:
        key = session.info[_KEY] = keyfile.signing_key(session, trail_empty=last is None)
    first_seq, first_prev = seq, prev_hash
    at, actor = desk.now(), desk.user
    # The chunk's events share all but their seq, object, `after` and prev_hash: sealed by
    # one Sealer (seal()'s bytes, the shared part encoded once), written as tuples.
    sealer = Sealer(
        key, at=at, actor=actor, action=action, object_type=object_type, before=None, reason=None
    )
    rows = []
    for object_id, after in events:
        object_id = str(object_id)
        after = after if encoded else to_json(after)
        digest = sealer.seal(seq, object_id, after, prev_hash)
        rows.append(
            (seq, at, actor, action, object_type, object_id, None, after, None, prev_hash, digest)
        )
        prev_hash = digest
        seq += 1
    _INSERT.many_tuples(session, _COLUMNS, rows)
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = [head.head_path(), first_seq, first_prev, 0, ""]
        session.info.setdefault(AFTER_COMMIT, []).append(lambda: head.advance(*pending))
    pending[3], pending[4] = seq - 1, prev_hash


# append_many's row tuples hold the table's columns in the table's order
_COLUMNS = tuple(c.name for c in AuditEvent.__table__.columns)


def newest(session: Session) -> tuple[int, str] | None:
    last = session.execute(LAST).first()
    return (last.seq, last.hash) if last else None


def record_restore(db, name: str, actor: str | None) -> None:
    """After a restore replaced the database: the restore as an event in the restored trail
    (left out when this data folder has no key yet: `audit key-import` follows on a new PC),
    then the head anchored at the restored trail's newest event, which legitimately ends
    earlier than the one replaced."""
    clock = Clock(user=actor or "")
    with db.writing() as session:
        append(
            session,
            clock,
            "backup.restore",
            "backup",
            name,
            after={"file": name},
            actor=actor or "-",
            skip_without_key=True,
        )
        session.info.pop(AFTER_COMMIT, None)  # anchored below, whatever the head said
    with db.reading() as session:
        last = newest(session)
    if last is None:
        head.forget()
    else:
        head.anchor(*last)
