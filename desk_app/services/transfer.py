"""Import and export of complaints as CSV or JSON Lines (columns and reasons in
docs/import-export.md). What `export` writes, `import` reads back.

Export needs Action.EXPORT. Every row leaves through `outbound_row`, which applies the identity
rule of services.lookup, so a role that may not see a hidden reporter never exports one. CSV
cells are escaped for spreadsheets (desk_app.spreadsheet) and a CSV file starts with a BOM so
Excel reads it as UTF-8; JSON Lines escape U+2028 and U+2029. A file is written through
desk_app.files (0600, whole or not at all, never through a symlink). Each export is one audit
event: who, the format, the filter and how many rows, never a value.

Import needs Action.RECORD. The file is read by desk_app.rowfile (encodings, separators, line
numbers); each field is checked for its type, NUL characters and size; then every row is
validated and recorded through intake.record_many, the form's own path, or none is.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import operator
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import sqltypes

from desk_app import rowfile
from desk_app.domain.complaint import DESCRIPTION_MAX, ComplaintForm
from desk_app.domain.roles import Action, Actor
from desk_app.errors import ImportFailed
from desk_app.files import FileNotWritten, private_writer
from desk_app.i18n import N_, _, ngettext
from desk_app.rowfile import UnreadableFile
from desk_app.services import audit, visibility
from desk_app.services.access import require
from desk_app.services.desk import Desk
from desk_app.services.intake import Recorded, _storage_error, record_many, validate_all
from desk_app.spreadsheet import UTF8_BOM, escape_cell, unescape_cell
from desk_app.store import models

__all__ = [
    "EXPORT_COLUMNS",
    "EXPORT_FORMATS",
    "IMPORT_COLUMNS",
    "ExportFilter",
    "ExportTargetInvalid",
    "UnreadableFile",
    "export",
    "import_file",
    "outbound_row",
]

IMPORT_COLUMNS = [f.name for f in fields(ComplaintForm) if f.name != "attachments"]
EXPORT_COLUMNS = [
    "id",
    "tracking_no",
    "desk_code",
    "status",
    "report_type",
    "channel",
    "received_at",
    "recorded_by",
    "reporter_name",
    "reporter_nik",
    "reporter_phone",
    "reporter_email",
    "reporter_address",
    "anonymous",
    "confidential",
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
    "due_date",
    "linked_to",
]
EXPORT_FORMATS = ("jsonl", "csv")

# Columns only an export has: an import accepts and ignores them, because the importing desk
# records each complaint in its own series (new id and tracking number, status "recorded", its
# own deadline and user); see docs/import-export.md.
EXPORT_ONLY_COLUMNS = tuple(c for c in EXPORT_COLUMNS if c not in IMPORT_COLUMNS)
YES_NO_COLUMNS = ("anonymous", "confidential", "complained_before")

# The longest text an import accepts per field: the column's size in store/models.py where it
# has one; the validation's own limit for the description; room for spaces and dashes in a
# typed NIK or phone number; TEXT_MAX for the free-text columns without a size.
TEXT_MAX = 5000
_OVERRIDES = {
    "description": DESCRIPTION_MAX,
    "reporter_nik": 32,
    "reporter_phone": 32,
    "received_at": 64,
    "event_date": 32,
    **dict.fromkeys(YES_NO_COLUMNS, 16),
}
FIELD_LIMITS = {
    name: _OVERRIDES.get(name)
    or getattr(models.Complaint.__table__.c[name].type, "length", None)
    or TEXT_MAX
    for name in IMPORT_COLUMNS
}


# -- import ------------------------------------------------------------------------------------


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _as_typed_date(text: str) -> str:
    """An export's ISO date (2026-11-21) as the form's dd/mm/yyyy; anything else unchanged
    (validation then says what is wrong with it)."""
    if _ISO_DATE.match(text.strip()):
        try:
            return dt.date.fromisoformat(text.strip()).strftime("%d/%m/%Y")
        except ValueError:
            pass
    return text


def _field_text(name: str, raw: object, from_csv: bool) -> tuple[str | None, str | None]:
    """(text, None) for an acceptable value, else (None, the problem in words)."""
    if raw is None:
        text = ""
    elif isinstance(raw, bool) and name in YES_NO_COLUMNS:
        text = "yes" if raw else "no"
    elif isinstance(raw, str):
        text = unescape_cell(raw) if from_csv else raw
    else:
        return None, _("must be text, not {kind}").format(kind=rowfile.json_kind(raw))
    if "\x00" in text:
        return None, _("holds a NUL character")
    limit = FIELD_LIMITS[name]
    if len(text) > limit:
        return None, ngettext(
            "is too long (at most {limit} character)",
            "is too long (at most {limit} characters)",
            limit,
        ).format(limit=limit)
    return (_as_typed_date(text) if name == "event_date" else text), None


def _form(row: rowfile.Row, from_csv: bool) -> tuple[ComplaintForm | None, list]:
    """The row as a form, or None and its (line, field, message) problems."""
    values: dict[str, str] = {}
    problems: list[tuple[int, str, str]] = []
    for name, raw in row.values.items():
        if name in EXPORT_ONLY_COLUMNS:
            continue
        if name not in IMPORT_COLUMNS:
            problems.append((row.line, name, _("unknown field")))
            continue
        text, problem = _field_text(name, raw, from_csv)
        if problem is not None:
            problems.append((row.line, name, problem))
        else:
            values[name] = text or ""
    if problems:
        return None, problems
    return ComplaintForm(**values), []


def import_file(desk: Desk, path: str | Path) -> list[Recorded]:
    """Read, check and validate every row of the file; record all of them, or none.

    Raises UnreadableFile (the file cannot be read as rows), ImportFailed (listing every bad
    row's (line, field, message)), PermissionDenied; StorageError from the recording.
    """
    require(desk, desk.actor, Action.RECORD)
    path = Path(path)
    source = rowfile.read_rows(path)
    unknown = [c for c in source.columns if c not in IMPORT_COLUMNS + list(EXPORT_ONLY_COLUMNS)]
    if unknown:
        raise UnreadableFile(
            name=path.name,
            reason=_("line {line}: unknown columns: {columns}").format(
                line=source.header_line, columns=", ".join(unknown)
            ),
        )
    forms: list[tuple[int, ComplaintForm]] = []
    problems: list[tuple[int, str, str]] = []
    for row in source.rows:
        if row.problem is not None:
            problems.append((row.line, "-", row.problem))
            continue
        form, row_problems = _form(row, from_csv=source.kind == "csv")
        if form is None:
            problems.extend(row_problems)
        else:
            forms.append((row.line, form))
    if problems:
        # Still check the readable rows, so every problem is reported in one run.
        problems.extend(validate_all(desk, forms, desk.now())[1])
        raise ImportFailed(sorted(problems))
    return record_many(desk, forms)


# -- export ------------------------------------------------------------------------------------


class ExportTargetInvalid(FileNotWritten):
    """The path given for the export cannot take it (a symbolic link, a folder, a folder that
    does not exist): found before anything is read or written. A usage error."""

    code = "export_target_invalid"
    template = N_("The export file cannot be written there: {reason}. Nothing was written.")


def _value(row: models.Complaint, column: str) -> object:
    value = getattr(row, column)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# What the province receives of a complaint (docs/sync-protocol.md §6): the export's columns
# without the desk's own bookkeeping (its case status, its internal link), plus the files.
PROVINCE_COLUMNS = [c for c in EXPORT_COLUMNS if c not in ("status", "linked_to")]
_PROVINCE_OPTIONAL = ("village",)  # desa/kelurahan, where the desk records it


# The province columns that hold a date or a time (the rest are sent as they are).
_PROVINCE_TIMES = frozenset(
    c
    for c in PROVINCE_COLUMNS
    if isinstance(models.Complaint.__table__.c[c].type, (sqltypes.Date, sqltypes.DateTime))
)


_province_values = operator.attrgetter(*PROVINCE_COLUMNS)


def _utc(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def outbound_row(
    row: models.Complaint,
    actor: Actor | None,
    *,
    audience: str = visibility.ACTOR,
    attachments: list[models.Attachment] | None = None,
) -> dict:
    """A complaint as it leaves the desk: the ONE outbound view, for two audiences.

    `audience` ACTOR (export): every export column, the reporter's identity blanked where the
    identity rule hides it from `actor`. PROVINCE (upload): the protocol's complaint object,
    identity as recorded with the anonim/rahasia flags, times in UTC with a Z, and the files as
    {sha256, size, filename} (`attachments`, else the row's own). visibility.outbound decides
    what the identity fields hold, so the rule lives in one place.
    """
    if audience == visibility.PROVINCE:
        # All columns in one C call, then the few times in place (the order stays)
        values = dict(zip(PROVINCE_COLUMNS, _province_values(row), strict=True))
        for c in _PROVINCE_TIMES:
            values[c] = _utc(values[c])
        for name in _PROVINCE_OPTIONAL:
            if hasattr(row, name):
                values[name] = getattr(row, name)
        files = row.attachments if attachments is None else attachments
        values["attachments"] = [
            {"sha256": a.sha256, "size": a.size, "filename": a.filename} for a in files
        ]
        return visibility.outbound(audience, actor, values)
    return visibility.outbound(audience, actor, {c: _value(row, c) for c in EXPORT_COLUMNS})


@dataclass(frozen=True)
class ExportFilter:
    """Which complaints an export holds: received from/to (local dates, inclusive) and one
    status; None is no limit. Its values are kept in the audit event (they are not personal)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str | None = None

    def audit_view(self) -> dict:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "status": self.status,
        }

    def conditions(self, desk: Desk) -> list:
        C = models.Complaint
        found = []
        if self.date_from is not None:
            found.append(C.received_at >= desk.start_of_day(self.date_from))
        if self.date_to is not None:
            found.append(C.received_at < desk.start_of_day(self.date_to + dt.timedelta(days=1)))
        if self.status is not None:
            found.append(C.status == self.status)
        return found


EVERYTHING = ExportFilter()


def iter_complaints(
    desk: Desk, which: ExportFilter = EVERYTHING, batch: int = 1000
) -> Iterator[dict]:
    """The complaints `which` selects as outbound_row gives them to the desk's actor, in arrival
    order, by keyset batches (a million rows are never all in memory). Action.EXPORT: it is
    the outbound view of every identity (checked at the first row)."""
    require(desk, desk.actor, Action.EXPORT)
    after = 0
    conditions = which.conditions(desk)
    while True:
        with desk.db.reading() as session:
            rows = session.scalars(
                select(models.Complaint)
                .where(models.Complaint.seq > after, *conditions)
                .order_by(models.Complaint.seq)
                .limit(batch)
            ).all()
            if not rows:
                return
            out = [outbound_row(r, desk.actor) for r in rows]
            after = rows[-1].seq
        yield from out


def json_line(item: dict) -> str:
    """One JSON Lines row: UTF-8 text, with U+2028 and U+2029 escaped (JavaScript and many line
    readers take them for line ends)."""
    text = json.dumps(item, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


def _write_rows(
    desk: Desk, fmt: str, which: ExportFilter, out: TextIO, done: list[int], bom: bool
) -> None:
    """Write the complaints to `out`, counting in done[0] as rows are written."""
    if fmt == "csv":
        if bom:
            out.write(UTF8_BOM)
        writer = csv_writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for item in iter_complaints(desk, which):
            writer.writerow([escape_cell(item[c]) for c in EXPORT_COLUMNS])
            done[0] += 1
    else:
        for item in iter_complaints(desk, which):
            out.write(json_line(item))
            done[0] += 1


def csv_writer(out: TextIO):
    """The desk's CSV dialect: commas, quotes where needed, CRLF (as Excel writes)."""
    return csv.writer(out, lineterminator="\r\n")


def check_target(path: Path) -> None:
    """Refuse, before any work, a path the export cannot be written to (ExportTargetInvalid)."""
    if path.is_symlink():
        raise ExportTargetInvalid(reason=_("the file is a symbolic link"))
    if path.is_dir():
        raise ExportTargetInvalid(reason=_("that is a folder, not a file"))
    if not path.parent.is_dir():
        raise ExportTargetInvalid(reason=_("the folder does not exist"))


def _audit_export(desk: Desk, fmt: str, which: ExportFilter, rows: int, destination: str) -> None:
    after = {"format": fmt, "filter": which.audit_view(), "rows": rows, "to": destination}
    try:
        with desk.db.writing() as session:
            audit.append(session, desk, Action.EXPORT.value, "export", fmt, after=after)
    except OperationalError as exc:
        raise _storage_error(exc) from None


def export(
    desk: Desk,
    fmt: str,
    out: str | os.PathLike[str] | TextIO,
    which: ExportFilter = EVERYTHING,
) -> int:
    """Write the complaints `which` selects (all by default) to `out` (a path, or a text stream
    such as stdout) as 'jsonl' or 'csv'; audit it; return how many rows were written.

    To a path: the file appears whole, 0600, or not at all, and its audit event is committed
    before it is put in place, so there is never an export file without its event (at worst,
    when the final rename fails, an event for a file that did not appear). To a stream: the
    event is written after the rows, also when writing stopped midway, with the rows written.
    Raises PermissionDenied, ExportTargetInvalid, FileNotWritten (reason in words),
    DeskReadOnly or DatabaseDamaged (nothing written: the event could not be), StorageError.
    """
    require(desk, desk.actor, Action.EXPORT)
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    # An export is audited: a desk that cannot record the event (read-only folder, damaged
    # database) exports nothing, rather than let identities out unrecorded.
    desk.db.check_writable()
    done = [0]
    if isinstance(out, str | os.PathLike):
        path = Path(out)
        check_target(path)
        with private_writer(path) as fh:
            _write_rows(desk, fmt, which, fh, done, bom=fmt == "csv")
            fh.flush()  # a full disk shows here, before the event, not after it
            os.fsync(fh.fileno())
            _audit_export(desk, fmt, which, done[0], "file")
        return done[0]
    try:
        _write_rows(desk, fmt, which, out, done, bom=False)
    finally:
        _audit_export(desk, fmt, which, done[0], "stream")
    return done[0]
