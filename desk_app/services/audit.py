"""The audit trail: an append-only table of events (who, when, what, before/after), each sealed
together with the previous one, so that `desk-app audit verify` finds a changed or deleted row.

The seal. `hash` = HMAC-SHA256(key, canonical JSON of [FORMAT, seq, at, actor, action,
object_type, object_id, before, after, reason, prev_hash]), where `prev_hash` is the previous
event's hash (64 zeros for the first) and `seq` counts 1, 2, 3... The key is 32 random bytes kept
outside the database, in the data folder's `audit.key` (only audit_key() knows where: the
keyring can replace it). Without the key no one can make a seal that verifies, so verify() finds:

* a changed event (its seal no longer matches), even one changed after dropping the triggers;
* an inserted or forged event (its seal cannot match without the key);
* events swapped or moved (seq is sealed, so contents moved to another seq do not match);
* a deleted event (a gap in seq, or the next event's prev_hash no longer matches);
* deleted newest events, from `audit.head`: the newest (seq, hash) this data folder committed,
  written after each commit (best effort, so it may lag behind the table, never lead it).

What it cannot find: whoever can read `audit.key` can rewrite the whole trail with valid seals
(the keyring work is meant to narrow that); whoever can write the data folder can delete or roll
back `audit.head` together with the newest events, and such a truncation then goes unnoticed;
verify() also says nothing when `audit.head` is missing or unreadable. Restoring an older backup
truncates the trail legitimately: call anchor_head() or forget_head() afterwards. The triggers
(no UPDATE, no DELETE) stop mistakes and casual tools, not someone who drops them first; the
seals are what catch that.

`before` and `after` hold field values (personal data, needed for the history): never log them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import String, event, insert, select, type_coerce
from sqlalchemy.orm import Session

from desk_app import paths
from desk_app.domain import numbering
from desk_app.errors import AuditKeyDamaged
from desk_app.i18n import _, ngettext
from desk_app.store.models import AuditEvent, Complaint

ZERO_HASH = "0" * 64
FORMAT = "meja-aduan/audit/1"  # sealed too: a later format cannot be confused with this one
KEY_FILE = "audit.key"
HEAD_FILE = "audit.head"
KEY_BYTES = 32
BATCH = 1000

log = logging.getLogger(__name__)
_PENDING_HEAD = "audit_pending_head"


# -- the key -----------------------------------------------------------------------------------


def _key_path() -> Path:
    return paths.data_dir() / KEY_FILE


def audit_key(create: bool = True) -> bytes | None:
    """The HMAC key (32 bytes). Made on first use when `create`, else None when there is none.

    Raises AuditKeyDamaged when the file is there but unreadable as a key. Creation happens only
    inside append(), under the database's write lock, so two processes cannot both make one.
    """
    path = _key_path()
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return _create_key(path) if create else None
    except (OSError, UnicodeDecodeError):
        raise AuditKeyDamaged(path=str(path)) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise AuditKeyDamaged(path=str(path)) from None
    if len(key) != KEY_BYTES:
        raise AuditKeyDamaged(path=str(path))
    return key


_keys: dict[Path, tuple[tuple[int, int], bytes]] = {}


def _signing_key() -> bytes:
    """audit_key(), read again only when the file changed (a stat costs less than a read)."""
    path = _key_path()
    try:
        st = path.stat()
        stamp = (st.st_ino, st.st_mtime_ns)
    except FileNotFoundError:
        stamp = None
    cached = _keys.get(path)
    if stamp is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    key = audit_key()
    st = path.stat()
    _keys[path] = ((st.st_ino, st.st_mtime_ns), key)
    return key


def _create_key(path: Path) -> bytes:
    """Write a new key durably (temporary file, fsync, rename, fsync of the folder), mode 0600."""
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.hex().encode("ascii") + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return key


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- sealing and appending ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON-safe: {type(value).__name__}")


def to_json(value: Any) -> str | None:
    """Canonical JSON text (sorted keys, no spaces; dates and times as ISO 8601), None for None."""
    if value is None:
        return None
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_plain
    )


def _at_text(at: Any) -> str:
    if isinstance(at, str):  # as stored by SQLite: "2026-11-26 03:00:00.123456"
        at = dt.datetime.fromisoformat(at)
    if not isinstance(at, dt.datetime):
        raise TypeError("at")
    return at.isoformat(timespec="microseconds")


def seal(key: bytes, event: Mapping[str, Any]) -> str:
    """The event's hash: HMAC-SHA256 over its fields and prev_hash, as 64 hex digits."""
    message = json.dumps(
        [
            FORMAT,
            event["seq"],
            _at_text(event["at"]),
            event["actor"],
            event["action"],
            event["object_type"],
            event["object_id"],
            event["before"],
            event["after"],
            event["reason"],
            event["prev_hash"],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


_INSERT = insert(AuditEvent.__table__)  # Core on the table: the ORM's bulk path costs 0.1 ms
_LAST = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)


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
) -> int:
    """Add one event inside the caller's write transaction (no commit); return its seq.

    `before`/`after` are JSON-safe values (dict, list...; dates become ISO text). The caller's
    session must be a write transaction (BEGIN IMMEDIATE): reading the last event and inserting
    the next one then happen under SQLite's write lock.
    """
    last = session.execute(_LAST).first()  # the first statement also takes the write lock
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, ZERO_HASH)
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
    row["hash"] = seal(_signing_key(), row)
    session.execute(_INSERT, [row])
    session.info[_PENDING_HEAD] = (paths.data_dir() / HEAD_FILE, seq, row["hash"])
    return seq


# -- the head: the newest committed event, kept outside the database ---------------------------


@event.listens_for(Session, "after_commit")
def _head_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING_HEAD, None)
    if pending is not None:
        _write_head(*pending)


@event.listens_for(Session, "after_soft_rollback")
def _head_after_rollback(session: Session, _previous) -> None:
    session.info.pop(_PENDING_HEAD, None)  # a lagging head is fine; a leading one is not


def _write_head(path: Path, seq: int, hash_: str) -> None:
    """Best effort, after the commit: a failure only makes the head lag."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"seq": seq, "hash": hash_}), encoding="ascii")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("audit head not written: %s", type(exc).__name__)


def read_head() -> tuple[int, str] | None:
    """The anchored (seq, hash), or None when there is none or it cannot be read."""
    try:
        data = json.loads((paths.data_dir() / HEAD_FILE).read_text(encoding="ascii"))
        seq, hash_ = data["seq"], data["hash"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(seq, int) or not isinstance(hash_, str):
        return None
    return seq, hash_


def anchor_head(desk) -> None:
    """Anchor the head at the database's newest event (after restoring a backup)."""
    with desk.db.reading() as session:
        last = session.execute(_LAST).first()
    if last is None:
        forget_head()
    else:
        _write_head(paths.data_dir() / HEAD_FILE, last.seq, last.hash)


def forget_head() -> None:
    """Drop the head (a restore without an open desk): the next event anchors it again."""
    (paths.data_dir() / HEAD_FILE).unlink(missing_ok=True)


# -- verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """`count`: events checked and found whole before the first broken one (all when ok).
    `reason`: "ok" or a code of errors.AuditTrailBroken.PROBLEMS."""

    count: int
    first_broken_seq: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


_COLUMNS = [c for c in AuditEvent.__table__.c if c.name != "at"]
_AT = type_coerce(AuditEvent.at, String).label("at")  # raw text: a garbled date is "altered"


def _batches(session: Session, batch: int):
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


def _sealed(key: bytes, row) -> bool:
    try:
        return isinstance(row.hash, str) and hmac.compare_digest(seal(key, row._mapping), row.hash)
    except (TypeError, ValueError):
        return False


def verify(desk, batch: int = BATCH) -> VerifyResult:
    """Walk the whole trail in seq order, `batch` events at a time, in one read transaction;
    stop at the first broken event."""
    head = read_head()
    count, expected, prev_hash, key = 0, 1, ZERO_HASH, None
    with desk.db.reading() as session:
        for rows in _batches(session, batch):
            if key is None:
                try:
                    key = audit_key(create=False)
                except AuditKeyDamaged:
                    key = None
                if key is None:
                    return VerifyResult(0, rows[0].seq, "no_key")
            for row in rows:
                if row.seq != expected:
                    return VerifyResult(count, expected, "missing")
                if not _sealed(key, row):
                    return VerifyResult(count, row.seq, "altered")
                if row.prev_hash != prev_hash:
                    return VerifyResult(count, row.seq, "unlinked")
                if head is not None and head[0] == row.seq and head[1] != row.hash:
                    return VerifyResult(count, row.seq, "rewritten")
                prev_hash = row.hash
                count += 1
                expected += 1
    if head is not None and head[0] >= expected:
        return VerifyResult(count, expected, "truncated")
    return VerifyResult(count, None, "ok")


# -- reading the trail (the audit screen and exports) ------------------------------------------

PAGE_SIZE = 100
EXPORT_FORMATS = ("csv", "jsonl")
EXPORT_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "tracking_no",
    "reason",
    "change",
    "fields",
)
_SUMMARY_FIELDS = 5  # field names shown in a summary before "+N"
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


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
        """A short line for people, e.g. "Changed: status, agency" (field names only)."""
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
            names = ", ".join(self.fields[:_SUMMARY_FIELDS])
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


def _utc_start(desk, day: dt.date) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time(), tzinfo=desk.zone)
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


def _filtered(session: Session, desk, query: AuditQuery):
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
        stmt = stmt.where(AuditEvent.at >= _utc_start(desk, query.date_from))
    if query.date_to:
        stmt = stmt.where(AuditEvent.at < _utc_start(desk, query.date_to + dt.timedelta(days=1)))
    return stmt


def list_events(desk, query: AuditQuery, cursor: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of events matching `query`, newest first, older than `cursor` (keyset on seq).

    Later pages are not moved by new events: those have a higher seq than any cursor.
    """
    with desk.db.reading() as session:
        stmt = _filtered(session, desk, query)
        if stmt is None:
            return Page([], None)
        if cursor is not None:
            stmt = stmt.where(AuditEvent.seq < cursor)
        records = session.execute(stmt.order_by(AuditEvent.seq.desc()).limit(limit + 1)).all()
    rows = [_row(r)[0] for r in records[:limit]]
    more = len(records) > limit
    return Page(rows, rows[-1].seq if more and rows else None)


def get_event(desk, seq: int) -> EventDetail | None:
    """One event with its before/after decoded, or None when there is no such event."""
    with desk.db.reading() as session:
        record = session.execute(
            select(*_LIST_COLUMNS, AuditEvent.hash, AuditEvent.prev_hash)
            .outerjoin(Complaint, _WITH_NUMBER)
            .where(AuditEvent.seq == seq)
        ).first()
    if record is None:
        return None
    row, before, after = _row(record)
    return EventDetail(row, before, after, record.hash, record.prev_hash)


def actions(desk) -> list[str]:
    """The distinct actions in the trail, sorted (for the screen's filter)."""
    with desk.db.reading() as session:
        return list(
            session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
        )


def _iter_events(desk, query: AuditQuery, batch: int) -> Iterator[EventRow]:
    cursor = None
    while True:
        page = list_events(desk, query, cursor, batch)
        yield from page.rows
        if page.cursor is None:
            return
        cursor = page.cursor


def _export_record(desk, row: EventRow) -> dict[str, Any]:
    at = row.at.replace(tzinfo=dt.UTC).astimezone(desk.zone)
    return {
        "seq": row.seq,
        "at": at.isoformat(timespec="seconds"),
        "actor": row.actor,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "tracking_no": row.tracking_no,
        "reason": row.reason,
        "change": row.change,
        "fields": list(row.fields),
    }


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        value = " ".join(value)
    if isinstance(value, str) and value.startswith(_CSV_FORMULA):
        return "'" + value  # a spreadsheet would run it as a formula
    return "" if value is None else value


def _write_events(desk, query: AuditQuery, out: TextIO, fmt: str, batch: int) -> int:
    count = 0
    writer = None
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(EXPORT_FIELDS)
    for row in _iter_events(desk, query, batch):
        record = _export_record(desk, row)
        if writer is not None:
            writer.writerow([_csv_cell(record[k]) for k in EXPORT_FIELDS])
        else:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def export_events(
    desk,
    query: AuditQuery,
    out: str | Path | TextIO,
    fmt: str = "csv",
    batch: int = BATCH,
) -> int:
    """Write the events matching `query`, newest first, as CSV or JSON Lines; return how many.

    Reads `batch` events at a time, so the trail is never all in memory. The columns are
    EXPORT_FIELDS: field names only, never before/after values. Times are local ISO 8601 with
    the offset. Given a path, the file appears whole or not at all (written beside, then
    renamed); CSV then starts with a BOM so spreadsheets read it as UTF-8. Runs on a worker in
    the GUI: touch no widgets. Raises OSError when the file cannot be written.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    if not isinstance(out, str | Path):
        return _write_events(desk, query, out, fmt, batch)
    path = Path(out)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    try:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            count = _write_events(desk, query, fh, fmt, batch)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count
