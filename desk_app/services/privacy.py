"""A reporter's personal-data requests (UU 27/2022): find, export and erase what the desk holds
about one person, found by NIK, phone number or e-mail address.

* find_subject: the ids of the complaints whose reporter has any of the given identifiers.
* export_subject: everything held about those complaints (fields, attachments by name and
  SHA-256, the audit events about them) as JSON, and as readable HTML on request. The export is
  audited ("privacy.export", object = the kinds of identifier used, never their values).
* erase_subject: blank the reporter's identity (name, NIK, phone, e-mail, address) in those of
  their complaints received before now minus the retention period (setting `retention_years`),
  in one transaction with one audit event per complaint ("privacy.erase": `before` names the
  fields that were set, never their values; `after` the blanks). The full-text index follows by
  its trigger (complaint_fts_au fires on UPDATE OF reporter_name).

What erasure does not reach (said here so nobody believes otherwise): the audit trail is
append-only and sealed, so the "complaint.record" event of each complaint still holds the
identity as it was recorded; backups made before the erasure hold it too until they rotate out;
and identities typed into the free text (subject, description) are left as they are.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.exc import OperationalError

from desk_app import settings
from desk_app.domain import validation
from desk_app.domain.roles import Action
from desk_app.errors import DeskError, ValidationFailed
from desk_app.files import reason_text
from desk_app.i18n import N_, _
from desk_app.services import audit
from desk_app.services.accounts import require
from desk_app.services.desk import Desk
from desk_app.store import models
from desk_app.store.faults import storage_error

C = models.Complaint
FORMAT = "meja-aduan/subject-export/1"
IDENTITY_BLANKS: dict[str, Any] = {
    "reporter_name": "",
    "reporter_nik": None,
    "reporter_phone": None,
    "reporter_email": None,
    "reporter_address": "",
}
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


def _html(data: dict) -> str:
    e = html.escape

    def cell(value: Any) -> str:
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, indent=1)
            return f"<pre>{e(value)}</pre>"
        return e("" if value is None else str(value))

    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{e(_('Personal data held about a reporter'))}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin-bottom:2em}td,th{border:1px solid #999;padding:4px 8px;text-align:left;"
        "vertical-align:top}pre{margin:0;white-space:pre-wrap}</style></head><body>",
        f"<h1>{e(_('Personal data held about a reporter'))}</h1>",
        f"<p>{e(data['desk_name'])} ({e(data['desk_code'])}), {e(data['generated_at'])}</p>",
        "<p>" + e(_("Complaints found: {count}").format(count=len(data["complaints"]))) + "</p>",
    ]
    for item in data["complaints"]:
        parts.append(f"<h2>{e(item['tracking_no'])}</h2><table>")
        for name, value in item.items():
            if name in ("attachments", "audit_events"):
                continue
            parts.append(f"<tr><th>{e(name)}</th><td>{cell(value)}</td></tr>")
        parts.append("</table>")
        parts.append(f"<h3>{e(_('Attachments'))}</h3><table>")
        parts.append("<tr><th>filename</th><th>sha256</th><th>size</th></tr>")
        for a in item["attachments"]:
            parts.append(
                f"<tr><td>{cell(a['filename'])}</td><td>{cell(a['sha256'])}</td>"
                f"<td>{cell(a['size'])}</td></tr>"
            )
        parts.append("</table>")
        parts.append(f"<h3>{e(_('History'))}</h3><table>")
        parts.append(
            "<tr><th>seq</th><th>at</th><th>actor</th><th>action</th>"
            "<th>before</th><th>after</th><th>reason</th></tr>"
        )
        for ev in item["audit_events"]:
            parts.append(
                "<tr>"
                + "".join(
                    f"<td>{cell(ev[k])}</td>"
                    for k in ("seq", "at", "actor", "action", "before", "after", "reason")
                )
                + "</tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _write_private(path: Path, content: str) -> None:
    """Write `content` to `path` through a temporary file (0600), replacing it whole."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise ExportNotWritten(reason=reason_text(exc)) from None


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
                _write_private(Path(out), body)
                written.append(Path(out))
            if html_out is not None:
                _write_private(Path(html_out), _html(data))
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
    """Blank the reporter's identity in their complaints received more than `older_than_years`
    (default: the setting retention_years) ago; audit each. All or nothing."""
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
                select(C.seq, C.id, C.received_at, *[C.__table__.c[f] for f in IDENTITY_BLANKS])
                .where(_where(who))
                .order_by(C.seq)
            ).all()
            old = [r for r in rows if r.received_at < cutoff]
            for row in old:
                set_fields = [f for f in IDENTITY_BLANKS if getattr(row, f)]
                session.execute(
                    update(C).where(C.seq == row.seq).values(**IDENTITY_BLANKS, updated_at=now)
                )
                audit.append(
                    session,
                    desk,
                    "privacy.erase",
                    "complaint",
                    row.id,
                    before={"fields_set": set_fields},
                    after=dict(IDENTITY_BLANKS),
                    reason=reason,
                )
            if old and desk.db.is_sqlite:
                # The full-text index keeps a deleted row's words in its older segments until
                # they merge: rewrite it, so the erased names are gone from the file too. This
                # costs seconds on a large desk; erasure is rare.
                session.execute(
                    text("INSERT INTO complaint_fts(complaint_fts) VALUES ('optimize')")
                )
            audit.append(
                session,
                desk,
                "privacy.erase_request",
                "privacy",
                who.kinds,
                after={"erased": len(old), "kept": len(rows) - len(old), "older_than_years": years},
                reason=reason,
            )
    except OperationalError as exc:
        raise storage_error(exc) from None
    _checkpoint(desk)
    return ErasureResult(len(old), len(rows) - len(old), years)


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
