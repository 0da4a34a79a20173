"""Walking the trail: every event's seal, seq and link, against the head as it was before the
command's own sign-in (a Mark), then the tables against what the trail says (replay.py).

What it finds:

* a changed event (its seal no longer matches), even one changed after dropping the triggers;
* an inserted or forged event (its seal cannot match without the key);
* events swapped or moved (seq is sealed, so contents moved to another seq do not match);
* a deleted event (a gap in seq, or the next event's prev_hash no longer matches);
* deleted newest events, from the head (head.py), and a deleted whole trail, also from the
  key's fingerprint in the database when the head is gone too;
* a missing, damaged or swapped key file (the fingerprint);
* a complaint or a user changed, added or deleted in the file without an event (replay.py);
* a damaged database page under the trail: reported, not a crash.

What it cannot find: whoever can read `audit.key` can rewrite the whole trail with valid seals,
and change the tables to match (the sync's anchor at the hub is meant to narrow that); whoever
can write the data folder and the database can delete the head, the newest events and the
rows they made together; identity values are not in the trail (only whether a field was
filled), so an identity changed from one value to another in the file is not seen.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import String, select, type_coerce
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from desk_app.audit import head, keyfile
from desk_app.audit.chain import newest
from desk_app.audit.seal import ZERO_HASH, sealed
from desk_app.errors import AuditKeyDamaged, DatabaseDamaged
from desk_app.store.models import AuditEvent

BATCH = 1000
# The reasons a chain is broken (errors.AuditTrailBroken.PROBLEMS has their words).
CHAIN_PROBLEMS = (
    "missing",
    "altered",
    "unlinked",
    "truncated",
    "rewritten",
    "no_key",
    "key_changed",
    "deleted",
    "damaged",
)


@dataclass(frozen=True)
class Mark:
    """The trail as it was before this command signed in: the head file's (seq, hash), the
    table's newest seq, and whether the desk ever had a key (its fingerprint)."""

    head: tuple[int, str] | None
    last_seq: int | None  # None: the table could not be read
    had_key: bool


def take_mark(db) -> Mark:
    """Read before signing in (the sign-in writes an event): never raises for a damaged file."""
    anchored = head.read_head()
    try:
        with db.reading() as session:
            last = newest(session)
            had_key = keyfile.stored_fingerprint(session) is not None
    except (DatabaseError, sqlite3.DatabaseError, DatabaseDamaged):  # db.reading() says it so
        return Mark(anchored, None, True)
    return Mark(anchored, last[0] if last else 0, had_key)


@dataclass(frozen=True)
class Difference:
    """A complaint or user that is not what the trail says it became.

    `kind`: "complaint" or "user"; `name`: its tracking number or user name (None when the
    trail never knew it); `problem`: "changed" (`fields` differ), "deleted" (the trail has it,
    the table not) or "unrecorded" (the table has it, the trail not)."""

    kind: str
    name: str | None
    problem: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerifyResult:
    """`count`: events checked and found whole before the first broken one (all when ok).
    `reason`: "ok", "state" (the chain is whole, `differences` found) or a CHAIN_PROBLEMS code.
    `differences` lists at most MAX_LISTED; `difference_count` counts them all."""

    count: int
    first_broken_seq: int | None
    reason: str
    differences: tuple[Difference, ...] = field(default=())
    difference_count: int = 0

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


_COLUMNS = [c for c in AuditEvent.__table__.c if c.name != "at"]
_AT = type_coerce(AuditEvent.at, String).label("at")  # raw text: a garbled date is "altered"


def _batches(session: Session, batch: int) -> Iterator[list]:
    after = 0
    while True:
        rows = session.execute(
            select(*_COLUMNS, _AT)
            .where(AuditEvent.seq > after)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].seq


def _key() -> tuple[bytes | None, str]:
    try:
        key = keyfile.read_key()
    except AuditKeyDamaged:
        return None, "no_key"
    return key, "no_key" if key is None else "ok"


def check_chain(session: Session, mark: Mark, batch: int = BATCH) -> VerifyResult:
    """Walk the chain in seq order, `batch` events at a time; stop at the first broken event.

    Events after `mark.last_seq` (the command's own sign-in) are checked like the rest, but the
    head is compared with the trail as it was at the mark.
    """
    count, expected, prev_hash = 0, 1, ZERO_HASH
    anchored = mark.head
    known = keyfile.stored_fingerprint(session)
    key, problem = _key()
    upto = mark.last_seq
    if upto == 0 and (mark.had_key or (anchored is not None and anchored[0] > 0)):
        return VerifyResult(0, 1, "deleted")
    if key is not None and known is not None and keyfile.fingerprint(key) != known:
        return VerifyResult(0, 1, "key_changed")
    try:
        for rows in _batches(session, batch):
            if key is None:
                return VerifyResult(0, rows[0].seq, problem)
            for row in rows:
                if row.seq != expected:
                    return VerifyResult(count, expected, "missing")
                if not sealed(key, row._mapping):
                    return VerifyResult(count, row.seq, "altered")
                if row.prev_hash != prev_hash:
                    return VerifyResult(count, row.seq, "unlinked")
                if anchored is not None and anchored[0] == row.seq and anchored[1] != row.hash:
                    if upto is None or row.seq <= upto:
                        return VerifyResult(count, row.seq, "rewritten")
                prev_hash = row.hash
                count += 1
                expected += 1
    except (DatabaseError, sqlite3.DatabaseError, DatabaseDamaged):  # db.reading() says it so
        return VerifyResult(count, expected, "damaged")
    if count == 0 and known is not None:
        return VerifyResult(0, 1, "deleted")
    last = upto if upto is not None else count
    if anchored is not None and anchored[0] > last:
        return VerifyResult(count, last + 1, "truncated")
    return VerifyResult(count, None, "ok")
