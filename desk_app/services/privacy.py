"""A reporter's personal-data requests (UU 27/2022): find, export, erase or refuse, for one
person found by NIK, phone number or e-mail address. Every function checks PERSONAL_DATA itself,
except reapply_erasures_at_start, the headless path open_desk runs.

* find_subject: the ids of the complaints whose reporter has any of the given identifiers.
* export_subject: everything held about those complaints (fields, attachments by name and
  SHA-256, the audit events about them) as JSON, and as readable HTML in words and local times
  on request (desk_app/privacy_report.py). Audited ("privacy.export", object = the kinds of
  identifier used, never their values).
* erase_subject: in those of their complaints received before now minus the retention period
  (setting `retention_years`), blank the reporter's identity (name, NIK, phone, e-mail,
  address) and delete their attachments (rows, and the files no other complaint or draft
  uses), in one transaction with one audit event per complaint ("privacy.erase": `before`
  names the fields that were set, never their values). The erasure is recorded outside the
  database (services/erasure_record.py) and applied again at the next start when a restored
  backup has brought the identity back ("privacy.erase" by "sistem", reason REAPPLIED). The
  full-text index follows by its trigger (complaint_fts_au fires on UPDATE OF reporter_name).
* refuse_request: a request the desk does not grant (e.g. complaints still within the
  retention period) is recorded with its reason ("privacy.request_refused").

What erasure does not reach (said here so nobody believes otherwise): the audit trail is
append-only and sealed, so the "complaint.record" event of each complaint keeps that identity
fields were given (never their values) and the names of its attachment files as they were
recorded; backups made before the erasure hold the identity until they are deleted (each kind
after the time the settings give it, services/retention.py); a copy written elsewhere with
`backup --out` is not the desk's to delete; and identities typed into the free text
(subject, description) are left as they are.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import delete, exists, func, or_, select, text, update
from sqlalchemy.exc import OperationalError

from desk_app import privacy_report, settings
from desk_app.domain import validation
from desk_app.domain.roles import Action
from desk_app.errors import DeskError, ValidationFailed
from desk_app.files import FileNotWritten, write_private
from desk_app.i18n import N_, _
from desk_app.services import audit, erasure_record, visibility
from desk_app.services.access import require
from desk_app.services.desk import Desk
from desk_app.store import models
from desk_app.store.faults import storage_error
from desk_app.sync import outbox

log = logging.getLogger(__name__)
C = models.Complaint
FORMAT = "meja-aduan/subject-export/1"
IDENTITY_BLANKS = visibility.IDENTITY_BLANKS  # what an erasure blanks: the identity rule's fields
COMPLAINT_FIELDS = [
    c.name for c in C.__table__.columns if c.name != "seq"
]  # every column but the internal row number


class ExportNotWritten(DeskError):
    """The export file could not be written. Its path is not repeated: an operator may well
    have named it after the person."""

    code = "privacy_export_not_written"
    template = N_("The export could not be written ({reason}). Nothing was exported.")


@dataclass(frozen=True)
class Subject:
    """The normalised identifiers of one reporter (any of them may be None)."""

    nik: str | None = None
    phone: str | None = None
    email: str | None = None

    @property
    def kinds(self) -> str:
        """Which identifiers were used, e.g. "nik" or "nik+phone": what the audit records."""
        return "+".join(k for k in ("nik", "phone", "email") if getattr(self, k))


@dataclass(frozen=True)
class ErasureResult:
    erased: int  # complaints whose reporter identity was blanked
    kept: int  # the reporter's complaints kept because they are more recent than the retention
    older_than_years: int


def subject(nik: str | None = None, phone: str | None = None, email: str | None = None) -> Subject:
    """Check and normalise the identifiers; raises ValidationFailed (field -> message)."""
    errors: dict[str, str] = {}
    values: dict[str, str | None] = {}
    for name, value, check in (
        ("nik", nik, validation.check_nik),
        ("phone", phone, validation.check_phone),
        ("email", email, validation.check_email),
    ):
        if value is None or not str(value).strip():
            values[name] = None
            continue
        try:
            values[name] = check(str(value).strip())
        except validation.FieldInvalid as exc:
            errors[name] = str(exc)
    if not errors and not any(values.values()):
        errors["subject"] = _("Give the reporter's NIK, phone number or e-mail address.")
    if errors:
        raise ValidationFailed(errors)
    return Subject(**values)


def _where(who: Subject):
    terms = []
    if who.nik:
        terms.append(C.reporter_nik == who.nik)
    if who.phone:
        terms.append(C.reporter_phone == who.phone)
    if who.email:  # addresses are compared without regard to case
        terms.append(func.lower(C.reporter_email) == who.email.lower())
    return or_(*terms)


def find_subject(
    desk: Desk, nik: str | None = None, phone: str | None = None, email: str | None = None
) -> list[str]:
    """Ids of the complaints whose reporter has any of the identifiers, in arrival order."""
    require(desk, desk.actor, Action.PERSONAL_DATA)
    who = subject(nik, phone, email)
    with desk.db.reading() as session:
        return list(session.scalars(select(C.id).where(_where(who)).order_by(C.seq)))


# -- export ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _json_or_text(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def _collect(session, desk: Desk, who: Subject) -> dict:
    rows = session.scalars(select(C).where(_where(who)).order_by(C.seq)).all()
    ids = [r.id for r in rows]
    events: dict[str, list[dict]] = {i: [] for i in ids}
    if ids:
        for ev in session.scalars(
            select(models.AuditEvent)
            .where(models.AuditEvent.object_type == "complaint")
            .where(models.AuditEvent.object_id.in_(ids))
            .order_by(models.AuditEvent.seq)
        ):
            events[ev.object_id].append(
                {
                    "seq": ev.seq,
                    "at": _plain(ev.at),
                    "actor": ev.actor,
                    "action": ev.action,
                    "before": _json_or_text(ev.before),
                    "after": _json_or_text(ev.after),
                    "reason": ev.reason,
                }
            )
    complaints = []
    for row in rows:
        item = {name: _plain(getattr(row, name)) for name in COMPLAINT_FIELDS}
        item["attachments"] = [
            {"filename": a.filename, "sha256": a.sha256, "size": a.size} for a in row.attachments
        ]
        item["audit_events"] = events[row.id]
        complaints.append(item)
    return {
        "format": FORMAT,
        "generated_at": _plain(desk.now()),
        "desk_code": desk.desk_code,
        "desk_name": desk.desk_name,
        "identifiers": {k: v for k, v in vars(who).items() if v},
        "complaints": complaints,
    }


def _write(path: Path, content: str) -> None:
    """Write one export file whole and private (desk_app.files); its path is never repeated."""
    try:
        write_private(path, content)
    except FileNotWritten as exc:
        raise ExportNotWritten(reason=exc.params.get("reason", "")) from None


def export_subject(
    desk: Desk,
    nik: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    *,
    out: str | os.PathLike[str] | TextIO,
    html_out: str | os.PathLike[str] | None = None,
) -> int:
    """Write everything held about the reporter to `out` (a path or a text stream) as JSON, and
    to `html_out` as HTML; audit it. Returns the number of complaints exported.

    One write transaction: the data is read under the write lock, the files are written, then
    the audit event is committed; a file that cannot be written leaves no event and no file.
    """
    require(desk, desk.actor, Action.PERSONAL_DATA)
    who = subject(nik, phone, email)
    written: list[Path] = []
    try:
        with desk.db.writing() as session:
            data = _collect(session, desk, who)
            body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
            if isinstance(out, str | os.PathLike):
                _write(Path(out), body)
                written.append(Path(out))
            if html_out is not None:
                _write(Path(html_out), privacy_report.render(data, desk.zone, desk.reference))
                written.append(Path(html_out))
            audit.append(
                session,
                desk,
                "privacy.export",
                "privacy",
                who.kinds,
                after={"complaints": len(data["complaints"]), "html": html_out is not None},
            )
        if not isinstance(out, str | os.PathLike):
            out.write(body)
    except OperationalError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise storage_error(exc) from None
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return len(data["complaints"])


# -- erasure -----------------------------------------------------------------------------------


def _years_before(when: dt.datetime, years: int) -> dt.datetime:
    try:
        return when.replace(year=when.year - years)
    except ValueError:  # 29 February in a year that has none
        return when.replace(year=when.year - years, day=28)


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure would do now: complaints old enough to be anonymised, and kept ones."""

    erase: int
    keep: int


def preview_erasure(
    desk: Desk,
    nik: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    *,
    older_than_years: int | None = None,
    now: dt.datetime | None = None,
) -> ErasurePreview:
    """Count, as erase_subject decides it, the reporter's complaints it would anonymise."""
    require(desk, desk.actor, Action.PERSONAL_DATA)
    who = subject(nik, phone, email)
    years = (
        settings.get(desk.db, "retention_years") if older_than_years is None else older_than_years
    )
    cutoff = _years_before(now or desk.now(), years)
    with desk.db.reading() as session:
        received = list(session.scalars(select(C.received_at).where(_where(who))))
    old = sum(1 for when in received if when < cutoff)
    return ErasurePreview(old, len(received) - old)


def erase_subject(
    desk: Desk,
    nik: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    *,
    reason: str,
    older_than_years: int | None = None,
    now: dt.datetime | None = None,
) -> ErasureResult:
    """Blank the reporter's identity and remove their attachments in their complaints received
    more than `older_than_years` (default: the setting retention_years) ago; audit each; record
    the erasure (erasure_record) so that a restore cannot bring it back. All or nothing; the
    attachment files go after the commit (see erasure_record)."""
    require(desk, desk.actor, Action.PERSONAL_DATA)
    who = subject(nik, phone, email)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Give the reason for the erasure (the request it answers).")
    years = (
        settings.get(desk.db, "retention_years") if older_than_years is None else older_than_years
    )
    if not isinstance(years, int) or years < 0:
        errors["older_than_years"] = _(
            "The retention period is a whole number of years, 0 or more."
        )
    if errors:
        raise ValidationFailed(errors)
    now = now or desk.now()
    cutoff = _years_before(now, years)
    try:
        with desk.db.writing() as session, _secure_delete(session, desk):
            rows = session.execute(
                select(C.seq, C.id, C.received_at).where(_where(who)).order_by(C.seq)
            ).all()
            old = [r.id for r in rows if r.received_at < cutoff]
            audit.append(
                session,
                desk,
                "privacy.erase_request",
                "privacy",
                who.kinds,
                after={"erased": len(old), "kept": len(rows) - len(old), "older_than_years": years},
                reason=reason,
            )
            _erase(session, desk, old, now, reason)
    except OperationalError as exc:
        raise storage_error(exc) from None
    _after_erasure(desk)
    return ErasureResult(len(old), len(rows) - len(old), years)


ATTACHMENTS = "attachments"  # the name an erasure gives the reporter's attachments
REAPPLIED = "re-applied after restore"  # the reason of an erasure made again from the record
SYSTEM_ACTOR = "sistem"  # who re-applies a recorded erasure at start (no one is signed in)


def _erase(
    session,
    desk: Desk,
    ids: list[str],
    now: dt.datetime,
    reason: str,
    *,
    actor: str | None = None,
    record: bool = True,
) -> None:
    """Inside the caller's write transaction: blank the identity of the complaints `ids`,
    delete their attachment rows, audit each ("privacy.erase": which fields were set, never
    their values), list the files no complaint uses any more for removal and (`record`)
    record the erasure, last. The caller commits at once, then calls _after_erasure."""
    if not ids:
        return
    A = models.Attachment
    freed: set[str] = set()
    for complaint_id in ids:
        row = session.execute(
            select(C.seq, *[C.__table__.c[f] for f in IDENTITY_BLANKS]).where(C.id == complaint_id)
        ).one()
        set_fields = [f for f in IDENTITY_BLANKS if getattr(row, f)]
        files = set(session.scalars(select(A.sha256).where(A.complaint_id == complaint_id)))
        after = dict(IDENTITY_BLANKS)
        if files:
            set_fields.append(ATTACHMENTS)
            after[ATTACHMENTS] = []
            session.execute(delete(A).where(A.complaint_id == complaint_id))
            freed |= files
        session.execute(update(C).where(C.seq == row.seq).values(**IDENTITY_BLANKS, updated_at=now))
        # The province holds what the desk sent: the erasure goes there too (UU 27/2022).
        erased = [*IDENTITY_BLANKS, *([ATTACHMENTS] if files else [])]
        outbox.queue_change(session, complaint_id, outbox.ERASURE, erased, now)
        audit.append(
            session,
            desk,
            "privacy.erase",
            "complaint",
            complaint_id,
            before={"fields_set": set_fields},
            after=after,
            reason=reason,
            actor=actor,
        )
    if desk.db.is_sqlite:
        # The full-text index keeps a deleted row's words in its older segments until
        # they merge: rewrite it, so the erased names are gone from the file too. This
        # costs seconds on a large desk; erasure is rare.
        session.execute(text("INSERT INTO complaint_fts(complaint_fts) VALUES ('optimize')"))
    if freed:
        shared = set(session.scalars(select(A.sha256).where(A.sha256.in_(freed)).distinct()))
        erasure_record.add_pending(desk.attachments_dir, freed - shared)
    if record:  # last, just before the commit: an erasure that cannot be recorded is not made
        erasure_record.append(
            erasure_record.Erasure(now, tuple(ids), (*IDENTITY_BLANKS, ATTACHMENTS))
        )


def _after_erasure(desk: Desk) -> None:
    """After the commit: remove the freed attachment files (what fails is tried again at the
    next start) and fold the WAL into the database file."""
    erasure_record.remove_pending(desk.db, desk.attachments_dir)
    _checkpoint(desk)


def _lost_erasures(session, recorded: list[str]) -> list[str]:
    """Of the recorded complaint ids, those present in this database with an identity or an
    attachment and without a "privacy.erase" event in its trail: a restore brought them back
    (or the erasure's commit failed after it was recorded)."""
    E, A = models.AuditEvent, models.Attachment
    lost: list[str] = []
    for start in range(0, len(recorded), 500):
        chunk = recorded[start : start + 500]
        present = set(
            session.scalars(
                select(C.id).where(
                    C.id.in_(chunk),
                    or_(
                        C.reporter_name != "",
                        C.reporter_nik.is_not(None),
                        C.reporter_phone.is_not(None),
                        C.reporter_email.is_not(None),
                        C.reporter_address != "",
                        exists().where(A.complaint_id == C.id),
                    ),
                )
            )
        )
        if not present:
            continue
        erased = set(
            session.scalars(
                select(E.object_id).where(
                    E.object_type == "complaint",
                    E.object_id.in_(present),
                    E.action == "privacy.erase",
                )
            )
        )
        lost.extend(i for i in chunk if i in present - erased)
    return lost


def reapply_erasures_at_start(desk: Desk) -> int:
    """Headless, at start (open_desk; no one is signed in yet, so no permission check): erase
    again every recorded erasure this database has lost, e.g. after a backup was restored;
    audit each ("privacy.erase" by "sistem", reason REAPPLIED) and remove the attachment files
    still waiting. Returns how many complaints were erased again. Costs one file read when
    there is a record, nothing when there is none.
    """
    recorded = list(dict.fromkeys(i for e in erasure_record.read() for i in e.complaints))
    lost: list[str] = []
    if recorded:
        with desk.db.reading() as session:
            lost = _lost_erasures(session, recorded)
    if lost:
        now = desk.now()
        with desk.db.writing() as session, _secure_delete(session, desk):
            lost = _lost_erasures(session, lost)  # again, under the write lock
            _erase(session, desk, lost, now, REAPPLIED, actor=SYSTEM_ACTOR, record=False)
        _after_erasure(desk)
        log.info("re-applied %d recorded erasure(s) after a restore", len(lost))
    elif erasure_record.pending(desk.attachments_dir):
        erasure_record.remove_pending(desk.db, desk.attachments_dir)
    return len(lost)


# -- a refused request -------------------------------------------------------------------------


def refuse_request(
    desk: Desk,
    nik: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    *,
    reason: str,
) -> int:
    """Record that a reporter's request (erasure, or export) was refused, and why: audited as
    "privacy.request_refused" with the kinds of identifier and the reason, never their values.
    Returns how many complaints the desk holds about the person (said in the event too)."""
    require(desk, desk.actor, Action.PERSONAL_DATA)
    who = subject(nik, phone, email)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            {"reason": _("Give the reason for the refusal (the rule or fact it rests on).")}
        )
    typed = [str(v).strip() for v in (nik, phone, email, who.nik, who.phone, who.email) if v]
    if any(v and v.lower() in reason.lower() for v in typed):
        raise ValidationFailed(
            {"reason": _("Do not repeat the reporter's identifier in the reason.")}
        )
    try:
        with desk.db.writing() as session:
            held = session.scalar(select(func.count()).select_from(C).where(_where(who))) or 0
            audit.append(
                session,
                desk,
                "privacy.request_refused",
                "privacy",
                who.kinds,
                after={"identifiers": who.kinds.split("+"), "complaints": held},
                reason=reason,
            )
    except OperationalError as exc:
        raise storage_error(exc) from None
    return held


@contextmanager
def _secure_delete(session, desk: Desk) -> Iterator[None]:
    """SQLite overwrites what the erasure frees instead of leaving it readable in free pages;
    the connection gets its previous setting back before it returns to the pool."""
    if not desk.db.is_sqlite:
        yield
        return
    previous = session.execute(text("PRAGMA secure_delete")).scalar()
    session.execute(text("PRAGMA secure_delete = ON"))
    try:
        yield
    finally:
        try:
            session.execute(text(f"PRAGMA secure_delete = {int(previous or 0)}"))
        except Exception:  # noqa: BLE001 - a failed transaction: the connection is reset anyway
            pass


def _checkpoint(desk: Desk) -> None:
    """Fold the WAL into the database and empty it: the old page images leave the -wal file."""
    if not desk.db.is_sqlite:
        return
    try:
        with desk.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except Exception:  # noqa: BLE001 - best effort: a reader may hold the WAL for now
        pass
