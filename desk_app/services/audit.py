"""The audit trail's use cases, as the GUI and CLI call them: each checks who acts first
(AUDIT_VIEW to read and export, AUDIT_VERIFY to verify, AUDIT_KEY for the key's recovery file).
The machinery is in the desk_app.audit package (seal, key file, head, appending, verify,
replay, recovery file, query, export); append() is re-exported here for the services that
write events.
"""

from __future__ import annotations

import datetime as dt
import hmac
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from sqlalchemy.exc import DatabaseError

from desk_app.audit import keyfile, recovery, replay
from desk_app.audit.chain import append
from desk_app.audit.export import EXPORT_FIELDS, EXPORT_FORMATS, write_events
from desk_app.audit.query import AuditQuery, EventDetail, EventRow, Page
from desk_app.audit.query import actions as _actions
from desk_app.audit.query import event as _event
from desk_app.audit.query import page as _page
from desk_app.audit.verify import BATCH, Difference, Mark, VerifyResult, check_chain, take_mark
from desk_app.domain.roles import Action
from desk_app.errors import (
    AuditKeyDamaged,
    AuditKeyFileRefused,
    AuditStateDiffers,
    AuditTrailBroken,
    DatabaseDamaged,
    DeskError,
)
from desk_app.files import FileNotWritten, private_writer, reason_text, write_private
from desk_app.i18n import _
from desk_app.services.access import require

__all__ = [
    "BATCH",
    "EXPORT_FIELDS",
    "EXPORT_FORMATS",
    "PAGE_SIZE",
    "AuditQuery",
    "Difference",
    "EventDetail",
    "EventRow",
    "Mark",
    "Page",
    "VerifyResult",
    "actions",
    "append",
    "difference_text",
    "export_events",
    "export_key",
    "get_event",
    "import_key",
    "list_events",
    "take_mark",
    "verify",
    "verify_error",
]

PAGE_SIZE = 100


# -- reading -----------------------------------------------------------------------------------


def list_events(desk, query: AuditQuery, cursor: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """One page of events matching `query`, newest first, older than `cursor` (keyset on seq)."""
    require(desk, desk.actor, Action.AUDIT_VIEW)
    with desk.db.reading() as session:
        return _page(session, desk.zone, query, cursor, limit)


def get_event(desk, seq: int) -> EventDetail | None:
    """One event with its before/after decoded (personal data: show, never log), or None."""
    require(desk, desk.actor, Action.AUDIT_VIEW)
    with desk.db.reading() as session:
        return _event(session, seq)


def actions(desk) -> list[str]:
    """The distinct actions in the trail, sorted (for the screen's filter)."""
    require(desk, desk.actor, Action.AUDIT_VIEW)
    with desk.db.reading() as session:
        return _actions(session)


def _rows(desk, query: AuditQuery, batch: int) -> Iterator[EventRow]:
    cursor = None
    while True:
        with desk.db.reading() as session:
            page = _page(session, desk.zone, query, cursor, batch)
        yield from page.rows
        if page.cursor is None:
            return
        cursor = page.cursor


def export_events(
    desk,
    query: AuditQuery,
    out: str | Path | TextIO,
    fmt: str = "csv",
    batch: int = BATCH,
) -> int:
    """Write the events matching `query`, newest first, as CSV or JSON Lines; return how many.

    Reads `batch` events at a time, so the trail is never all in memory. Field names only,
    never before/after values. Given a path, the file is written through desk_app.files
    (0600, whole or not at all, never through a symlink); CSV then starts with a BOM so
    spreadsheets read it as UTF-8. Raises FileNotWritten. Runs on a worker in the GUI.
    """
    require(desk, desk.actor, Action.AUDIT_VIEW)
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    rows = _rows(desk, query, batch)
    if not isinstance(out, str | Path):
        return write_events(rows, desk.zone, out, fmt)
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    with private_writer(out, encoding=encoding) as fh:
        return write_events(rows, desk.zone, fh, fmt)


# -- verifying ---------------------------------------------------------------------------------


def verify(desk, mark: Mark | None = None, batch: int = BATCH) -> VerifyResult:
    """Check the chain of seals against `mark` (take_mark() before the command signed in;
    default: now), then that complaints and users are what the trail says they became.

    Reads in one transaction, `batch` rows at a time. A damaged database is a result
    ("damaged"), not an exception. See desk_app/audit/verify.py for what it finds and not.
    """
    require(desk, desk.actor, Action.AUDIT_VERIFY)
    from desk_app.services.intake import IDENTITY_FIELDS  # intake appends through this module

    mark = mark or take_mark(desk.db)
    result = None
    report = replay.Report()
    try:
        with desk.db.reading() as session:
            result = check_chain(session, mark, batch)
            if result.ok:
                replay.check_complaints(session, IDENTITY_FIELDS, report, Difference, batch)
                replay.check_users(session, report, Difference, batch)
    except (DatabaseError, sqlite3.DatabaseError, DatabaseDamaged):  # db.reading() says it so
        # SQLite may say so only when the read ends: a result found before stands.
        if result is None or result.ok:
            return VerifyResult(result.count if result else 0, None, "damaged")
    if not result.ok:
        return result
    if report.count:
        return VerifyResult(result.count, None, "state", tuple(report.listed), report.count)
    return result


def verify_error(result: VerifyResult) -> DeskError | None:
    """The result as an error to show (None when the trail holds)."""
    if result.ok:
        return None
    if result.reason == "state":
        return AuditStateDiffers(count=result.difference_count)
    if result.first_broken_seq is None:  # damage outside the chain (complaints, users)
        return DatabaseDamaged(path=str(_db_path()))
    return AuditTrailBroken(seq=result.first_broken_seq or "-", reason=result.reason)


def difference_text(item: Difference) -> str:
    """One difference in words: the tracking number or user name and the fields, no values."""
    name, fields = item.name or "-", ", ".join(item.fields)
    kind = (item.kind, item.problem)
    if kind == ("complaint", "changed"):
        return _("Complaint {name}: {fields} differ from the audit trail.").format(
            name=name, fields=fields
        )
    if kind == ("complaint", "deleted"):
        return _("Complaint {name} is in the audit trail but not in the database.").format(
            name=name
        )
    if kind == ("complaint", "unrecorded"):
        return _("Complaint {name} is in the database but not in the audit trail.").format(
            name=name
        )
    if kind == ("user", "changed"):
        return _("User {name}: {fields} differ from the audit trail.").format(
            name=name, fields=fields
        )
    if kind == ("user", "deleted"):
        return _("User {name} is in the audit trail but not in the database.").format(name=name)
    return _("User {name} is in the database but not in the audit trail.").format(name=name)


def _db_path() -> Path:
    from desk_app import paths

    return paths.db_path()


# -- the key's recovery file -------------------------------------------------------------------


def export_key(desk, out: str | Path) -> str:
    """Write the audit key's recovery file (desk_app.audit.recovery) to `out`, 0600; audited.
    Returns the key's fingerprint. Raises AuditKeyMissing/AuditKeyChanged (no good key to
    export), FileNotWritten; then no file and no event are left."""
    require(desk, desk.actor, Action.AUDIT_KEY)
    written = False
    try:
        with desk.db.writing() as session:
            # The event first: appending checks the key against the stored fingerprint.
            append(session, desk, "audit.key_export", "audit_key", "key")
            key = keyfile.read_key()
            write_private(out, recovery.render(key, desk.desk_code))
            written = True
    except BaseException:
        if written:
            Path(out).unlink(missing_ok=True)
        raise
    return keyfile.fingerprint(key)


def import_key(desk, source: str | Path) -> str:
    """Bring the desk's audit key back from a recovery file (or a copy of audit.key); audited.

    Refused (AuditKeyFileRefused, in words) when the file is unreadable, not a key, or not this
    desk's key: its fingerprint must be the one stored in the database, or, on a desk from
    before fingerprints, it must seal the newest event. A key file in the way that is not the
    desk's is kept beside it as `audit.key.replaced-<time>`, never deleted. Returns the
    fingerprint.
    """
    require(desk, desk.actor, Action.AUDIT_KEY)
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise AuditKeyFileRefused(reason=reason_text(exc) + ".") from None
    key = recovery.parse(data)
    digest = keyfile.fingerprint(key)
    with desk.db.reading() as session:
        known = keyfile.stored_fingerprint(session)
        fits = (
            hmac.compare_digest(digest, known)
            if known is not None
            else keyfile.seals_newest(session, key) is not False
        )
    if not fits:
        raise AuditKeyFileRefused(reason=_("it is the key of another desk, not this one's."))
    path = keyfile.key_path()
    try:
        current = keyfile.read_key(path)
    except AuditKeyDamaged:
        current = b""
    if current is not None and current != key:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        try:
            path.rename(path.with_name(f"{path.name}.replaced-{stamp}"))
        except OSError as exc:
            raise FileNotWritten(reason=reason_text(exc)) from None
    if current != key:
        keyfile.write_key(key, path)
    with desk.db.writing() as session:
        append(
            session,
            desk,
            "audit.key_import",
            "audit_key",
            "key",
            after={"replaced": current is not None and current != key},
        )
    return digest
