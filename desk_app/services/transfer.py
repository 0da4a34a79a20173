"""Import and export of complaints as CSV or JSON Lines (columns in docs/import-export.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import TextIO

from sqlalchemy import select

from desk_app.domain.complaint import ComplaintForm
from desk_app.errors import DeskError, ImportFailed
from desk_app.i18n import N_, _
from desk_app.services.desk import Desk
from desk_app.services.intake import Recorded, record_many, validate_all
from desk_app.store import models

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
    "event_date",
    "event_place",
    "loss",
    "remedy",
    "complained_before",
    "due_date",
    "linked_to",
]


class UnreadableFile(DeskError):
    code = "unreadable_file"
    template = N_("The file {name} cannot be read: {reason}.")


def _read_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, row) from a .csv or .jsonl file."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                yield number, {"__error__": _("this line is not valid JSON")}
                continue
            if not isinstance(row, dict):
                yield number, {"__error__": _("each line must be a JSON object")}
                continue
            yield number, row
    else:
        reader = csv.DictReader(io.StringIO(text))
        unknown = [c for c in reader.fieldnames or [] if c not in IMPORT_COLUMNS]
        if unknown:
            raise UnreadableFile(
                name=path.name,
                reason=_("unknown columns: {columns}").format(columns=", ".join(unknown)),
            )
        for row in reader:
            yield reader.line_num, row


def import_file(desk: Desk, path: str | Path) -> list[Recorded]:
    """Validate every row of the file; record all of them, or none (raises ImportFailed)."""
    path = Path(path)
    try:
        rows = list(_read_rows(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableFile(name=path.name, reason=type(exc).__name__) from None
    forms: list[tuple[int, ComplaintForm]] = []
    problems: list[tuple[int, str, str]] = []
    for line, row in rows:
        if "__error__" in row:
            problems.append((line, "-", row["__error__"]))
            continue
        unknown = [k for k in row if k not in IMPORT_COLUMNS]
        if unknown:
            problems.append((line, unknown[0], _("unknown field")))
            continue
        forms.append(
            (line, ComplaintForm(**{k: "" if v is None else str(v) for k, v in row.items()}))
        )
    if problems:
        # Still check the readable rows, so every problem is reported in one run.
        problems.extend(validate_all(desk, forms, desk.now())[1])
        raise ImportFailed(sorted(problems))
    return record_many(desk, forms)


def _value(row: models.Complaint, column: str) -> object:
    value = getattr(row, column)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def iter_complaints(desk: Desk, batch: int = 1000) -> Iterator[dict]:
    """Every complaint as a dict of EXPORT_COLUMNS, in arrival order, by keyset batches."""
    after = 0
    while True:
        with desk.db.reading() as session:
            rows = session.scalars(
                select(models.Complaint)
                .where(models.Complaint.seq > after)
                .order_by(models.Complaint.seq)
                .limit(batch)
            ).all()
            if not rows:
                return
            out = [{c: _value(r, c) for c in EXPORT_COLUMNS} for r in rows]
            after = rows[-1].seq
        yield from out


def export(desk: Desk, fmt: str, out: TextIO) -> int:
    """Write every complaint to `out` as 'jsonl' or 'csv'; return how many."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        for item in iter_complaints(desk):
            writer.writerow(item)
            count += 1
    else:
        for item in iter_complaints(desk):
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            count += 1
    return count
