"""Writing listed events as CSV or JSON Lines: field names only, never before/after values.

Times are local ISO 8601 with the offset. A CSV cell that a spreadsheet would run as a formula
gets a leading apostrophe (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, TextIO

from desk_app.audit.query import EventRow

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
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def record(zone: dt.tzinfo, row: EventRow) -> dict[str, Any]:
    at = row.at.replace(tzinfo=dt.UTC).astimezone(zone)
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


def write_events(rows: Iterable[EventRow], zone: dt.tzinfo, out: TextIO, fmt: str) -> int:
    """Write `rows` to `out` in `fmt` ("csv" with a header row, or "jsonl"); return how many."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format: {fmt}")
    count = 0
    writer = None
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(EXPORT_FIELDS)
    for row in rows:
        item = record(zone, row)
        if writer is not None:
            writer.writerow([_csv_cell(item[k]) for k in EXPORT_FIELDS])
        else:
            line = json.dumps(item, ensure_ascii=False)
            out.write(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n")
        count += 1
    return count
