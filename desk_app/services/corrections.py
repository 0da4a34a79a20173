"""Correcting a recorded complaint, and its history.

Who may correct (DESIGN.md §6, Action.CORRECT): a supervisor always; a clerk only the entries
they recorded, and only before upload (no record item of the complaint was sent: the outbox
says, not the case status). The check runs before the write transaction and again inside it,
on the row as it is then. A correction of a complaint the province may already hold queues a
correction item (desk_app.sync.outbox) in the same transaction.

A correction is validated with the intake rules, changes only the fields that differ from the
stored complaint and writes ONE audit event "complaint.correct" with the reason and the
before/after of those fields. The reporter's identity never enters the sealed trail (as at
intake, see intake.audit_view): a changed identity field is recorded with markers only
(IDENTITY_MARK before, IDENTITY_CHANGED_MARK after, or "" / None where it was or becomes empty).
The due date is recomputed when the category or the time received changes. New attachments may be
added; a recorded attachment cannot be removed by a correction.

history() reads the complaint's audit events (record, corrections, erasure), oldest first.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import OperationalError

from desk_app import deadlines
from desk_app.domain.complaint import ComplaintForm, validate
from desk_app.domain.roles import Action
from desk_app.domain.validation import format_phone
from desk_app.errors import DeskBusy, DeskError, NotFound, ValidationFailed
from desk_app.formatting import date_text
from desk_app.i18n import N_, _
from desk_app.services import audit, holidays, lookup, visibility
from desk_app.services.access import require
from desk_app.services.desk import Desk
from desk_app.services.intake import IDENTITY_FIELDS, IDENTITY_MARK, audit_files, form_values
from desk_app.store import models
from desk_app.store.faults import storage_error
from desk_app.sync import outbox

C = models.Complaint

ACTION = Action.CORRECT.value  # "complaint.correct", the audit event's action
IDENTITY_CHANGED_MARK = "[identitas diubah]"  # after, when a filled identity field was changed
REASON_MAX = 500

# The complaint's own fields a correction may change, in the order of the intake form.
FIELDS = (
    "report_type",
    "channel",
    "received_at",
    "anonymous",
    "confidential",
    "reporter_name",
    "reporter_nik",
    "reporter_phone",
    "reporter_email",
    "reporter_address",
    "subject",
    "description",
    "category",
    "agency",
    "region",
    "district",
    "village",
    "event_date",
    "event_place",
    "loss",
    "remedy",
    "complained_before",
)
DERIVED = ("due_date",)
ORDER = {name: i for i, name in enumerate((*FIELDS, *DERIVED, "attachments"))}


class NothingChanged(DeskError):
    code = "nothing_changed"
    template = N_("Nothing was changed, so no correction was recorded.")


@dataclass(frozen=True)
class Changed:
    """What a correction changed: field names in form order (with "due_date" and
    "attachments" when those changed)."""

    fields: tuple[str, ...]
    tracking_no: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    """One event in a complaint's life. `at` is naive UTC; `changes` holds (field, before,
    after) as the audit trail keeps them (JSON values: dates as ISO text, identity as markers);
    empty for the recording itself."""

    at: dt.datetime
    actor: str
    action: str
    reason: str | None
    changes: list[tuple[str, Any, Any]]


# -- the stored complaint as a form ------------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def form_of(desk: Desk, complaint_id: str) -> ComplaintForm:
    """The stored complaint as an editable form. The reporter's identity is included only when
    the actor may see it (else those fields are empty, and a correction keeps them as stored).
    Raises NotFound; PermissionDenied without Action.VIEW."""
    detail = lookup.get_complaint(desk, complaint_id)
    c = detail.complaint
    return ComplaintForm(
        report_type=c.report_type,
        channel=c.channel,
        received_at=c.received_at.replace(tzinfo=dt.UTC).isoformat(),
        reporter_name=c.reporter_name or "",
        reporter_nik=c.reporter_nik or "",
        reporter_phone=format_phone(c.reporter_phone) if c.reporter_phone else "",
        reporter_email=c.reporter_email or "",
        reporter_address=c.reporter_address or "",
        anonymous=_yes_no(c.anonymous),
        confidential=_yes_no(c.confidential),
        subject=c.subject,
        description=c.description,
        category=c.category,
        agency=c.agency,
        region=c.region,
        district=c.district or "",
        village=c.village or "",
        event_date=date_text(c.event_date),
        event_place=c.event_place or "",
        loss=c.loss or "",
        remedy=c.remedy or "",
        complained_before=_yes_no(c.complained_before),
        attachments=[_file(a) for a in detail.attachments],
    )


def _file(a: models.Attachment) -> dict[str, str]:
    return {"filename": a.filename, "sha256": a.sha256, "size": str(a.size)}


# -- who may correct ---------------------------------------------------------------------------


def may_correct(desk: Desk, *, recorded_by: str, uploaded: bool) -> bool:
    """Would correct_complaint() allow the desk's actor to correct such a complaint?
    `uploaded`: lookup.ComplaintDetail.uploaded. (The GUI asks this to offer the button; the
    service checks again.)"""
    actor = desk.actor
    if actor is None:
        return False
    return actor.may(Action.CORRECT, own=recorded_by == actor.username, uploaded=uploaded)


def _facts(session, desk: Desk, row) -> tuple[bool, bool]:
    return row.recorded_by == desk.user, outbox.uploaded(session, row.id)


# -- correcting --------------------------------------------------------------------------------


def _identity_view(before: Any, after: Any) -> tuple[Any, Any]:
    """An identity field's change as the audit trail may keep it: markers, never values."""
    if before and after:
        return IDENTITY_MARK, IDENTITY_CHANGED_MARK
    return (IDENTITY_MARK if before else before), (IDENTITY_MARK if after else after)


def _same_minute(a: dt.datetime, b: dt.datetime) -> bool:
    return a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)


class _Moved(Exception):
    """The complaint's owner or upload state changed between the check and the write."""


def correct_complaint(
    desk: Desk,
    complaint_id: str,
    form: ComplaintForm,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> Changed:
    """Correct one recorded complaint with a stated reason; return what changed.

    Raises NotFound; PermissionDenied (audited); ValidationFailed (field "reason" when no reason
    is given, "attachments" when a recorded attachment is missing from the form, or the intake
    rules' fields); NothingChanged (no event written); DeskBusy, StorageError. On any error
    nothing is written.
    """
    for _attempt in range(3):
        with desk.db.reading() as session:
            row = session.execute(
                select(C.id, C.recorded_by, C.anonymous, C.confidential).where(C.id == complaint_id)
            ).first()
            facts = _facts(session, desk, row) if row is not None else None
        if row is None or facts is None:
            raise NotFound(number=complaint_id)
        own, uploaded = facts
        require(
            desk, desk.actor, Action.CORRECT, own=own, uploaded=uploaded, complaint=complaint_id
        )
        try:
            return _correct(desk, complaint_id, form, reason, now or desk.now(), (own, uploaded))
        except _Moved:
            continue  # check the permission again on the complaint as it is now
    raise DeskBusy()


def _correct(
    desk: Desk,
    complaint_id: str,
    form: ComplaintForm,
    reason: str,
    now: dt.datetime,
    checked: tuple[bool, bool],
) -> Changed:
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason for the correction.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("The reason is too long (at most {n} characters).").format(
            n=REASON_MAX
        )
    try:
        with desk.db.writing() as session:
            row = session.scalar(select(C).where(C.id == complaint_id))
            if row is None:
                raise NotFound(number=complaint_id)
            if _facts(session, desk, row) != checked:
                raise _Moved()
            if not visibility.may_see_identity(
                desk.actor,
                anonymous=row.anonymous,
                confidential=row.confidential,
                recorded_by=row.recorded_by,
            ):
                # The actor was shown empty identity fields: keep what is stored.
                form = ComplaintForm.from_dict(
                    {
                        **form.to_dict(),
                        **{f: getattr(row, f) or "" for f in IDENTITY_FIELDS},
                    }
                )
            try:
                valid = validate(form, desk.reference, today=desk.local_day(now))
            except ValidationFailed as exc:
                errors.update(exc.errors)
                valid = None
            stored_files = [_file(a) for a in row.attachments]
            stored_shas = {f["sha256"] for f in stored_files}
            form_shas = {str(f.get("sha256", "")) for f in form.attachments}
            if stored_shas - form_shas:
                errors["attachments"] = _(
                    "A recorded attachment cannot be removed by a correction; "
                    "only new files can be added."
                )
            if errors or valid is None:
                raise ValidationFailed(errors)

            received = valid.received_at or row.received_at
            if _same_minute(received, row.received_at):
                received = row.received_at  # the form shows minutes: seconds were not edited
            new = {**form_values(valid), "received_at": received}
            old = {name: getattr(row, name) for name in FIELDS}
            changed = [name for name in FIELDS if _norm(old[name]) != _norm(new[name])]
            if {"category", "received_at", "report_type"} & set(changed):
                day = desk.local_day(received)
                due = deadlines.due_date(
                    holidays.calendar_in(session, desk, since=day),
                    desk.reference,
                    valid.report_type.value,
                    valid.category,
                    day,
                )
                if due != row.due_date:
                    old["due_date"], new["due_date"] = row.due_date, due
                    changed.append("due_date")
            added = []
            for item in form.attachments:
                sha = str(item.get("sha256", ""))
                if sha and sha not in stored_shas and sha not in {a["sha256"] for a in added}:
                    added.append(
                        dict(filename=item["filename"], sha256=sha, size=int(item["size"]))
                    )
            if not changed and not added:
                raise NothingChanged()

            before, after = {}, {}
            for name in changed:
                if name in IDENTITY_FIELDS:
                    before[name], after[name] = _identity_view(old[name], new[name])
                else:
                    before[name], after[name] = old[name], new[name]
            if added:
                stored = audit_files(stored_files)
                before["attachments"], after["attachments"] = stored, stored + audit_files(added)
                session.execute(
                    insert(models.Attachment), [dict(complaint_id=row.id, **f) for f in added]
                )
            if changed:
                session.execute(
                    update(C)
                    .where(C.id == row.id)
                    .values(**{name: new[name] for name in changed}, updated_at=now)
                )
            else:
                session.execute(update(C).where(C.id == row.id).values(updated_at=now))
            audit.append(
                session,
                desk,
                ACTION,
                "complaint",
                row.id,
                before=before,
                after=after,
                reason=reason,
            )
            fields = tuple(changed) + (("attachments",) if added else ())
            outbox.queue_change(session, row.id, outbox.CORRECTION, fields, now)
            return Changed(fields, row.tracking_no)
    except OperationalError as exc:
        raise storage_error(exc) from None


def _norm(value: Any) -> Any:
    """Empty text and None are the same answer ("not given")."""
    return None if value == "" else value


# -- history -----------------------------------------------------------------------------------


def _decoded(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return None


def _changes(action: str, before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    if action == "complaint.record":
        return []
    if action == "privacy.erase" and isinstance(before, dict):
        erased = before.get("fields_set") or []
        after = after if isinstance(after, dict) else {}
        return [(f, IDENTITY_MARK, after.get(f)) for f in erased]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    names = sorted(set(before) | set(after), key=lambda n: (ORDER.get(n, len(ORDER)), n))
    return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


def history(desk: Desk, complaint_id: str) -> list[HistoryEntry]:
    """The complaint's audit events (its recording, corrections, an erasure), oldest first.

    Values come from the audit trail, which never holds the reporter's identity (only markers).
    Needs Action.VIEW.
    """
    require(desk, desk.actor, Action.VIEW)
    E = models.AuditEvent
    with desk.db.reading() as session:
        rows = session.execute(
            select(E.at, E.actor, E.action, E.reason, E.before, E.after)
            .where(E.object_type == "complaint", E.object_id == complaint_id)
            .order_by(E.seq)
        ).all()
    return [
        HistoryEntry(
            r.at,
            r.actor,
            r.action,
            r.reason,
            _changes(r.action, _decoded(r.before), _decoded(r.after)),
        )
        for r in rows
    ]
