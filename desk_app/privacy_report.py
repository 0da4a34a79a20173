"""The readable copy of a reporter's personal data (UU 27/2022) that the desk hands them: HTML in
the desk's language (Indonesian unless the desk runs in English), with labels instead of column
names, local times (dd/mm/yyyy HH:MM WIB in the desk's zone), choices and reference codes as
their names and each history event in words.

It renders the dict services.privacy.export_subject writes as JSON (the machine-readable copy,
left as it is): every field of COMPLAINT_FIELDS must have a label in FIELD_LABELS (a test says
so). How to add a field: give it a label below and, if its value is a code, a case in value_text.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from desk_app.domain.complaint import Channel, ReportType, Status
from desk_app.domain.validation import format_phone
from desk_app.formatting import date_text, datetime_text
from desk_app.i18n import N_, _, ngettext
from desk_app.reference import Reference

# In the order a person reads them: the case, the reporter, the complaint, the bookkeeping.
FIELD_LABELS = {
    "tracking_no": N_("Tracking number"),
    "status": N_("Status"),
    "status_changed_at": N_("Status changed"),
    "provincial_id": N_("Provincial number"),
    "report_type": N_("Report type"),
    "channel": N_("Channel"),
    "received_at": N_("Received"),
    "due_date": N_("Deadline"),
    "reporter_name": N_("Reporter's name"),
    "reporter_nik": N_("NIK"),
    "reporter_phone": N_("Phone"),
    "reporter_email": N_("E-mail"),
    "reporter_address": N_("Address"),
    "anonymous": N_("Anonymous"),
    "confidential": N_("Confidential"),
    "subject": N_("Subject"),
    "description": N_("Description"),
    "category": N_("Category"),
    "agency": N_("Agency"),
    "region": N_("Regency/city"),
    "district": N_("District"),
    "village": N_("Village"),
    "event_date": N_("Event date"),
    "event_place": N_("Event place"),
    "loss": N_("Loss suffered"),
    "remedy": N_("Remedy asked"),
    "complained_before": N_("Already complained to the agency"),
    "linked_to": N_("Linked to complaint (internal id)"),
    "desk_code": N_("Desk code"),
    "recorded_by": N_("Recorded by (officer)"),
    "created_at": N_("Stored on"),
    "updated_at": N_("Last changed on"),
    "id": N_("Internal complaint id"),
    "attachments": N_("Attachments"),
}

EVENT_LABELS = {
    "complaint.record": N_("The complaint was recorded."),
    "complaint.correct": N_("The complaint was corrected."),
    "privacy.erase": N_("The reporter's identity and attachments were erased."),
    "complaint.status": N_("The provincial system changed the status."),
}

IDENTITY_MARKS = {
    "[identitas]": N_("(identity, not kept in the history)"),
    "[identitas diubah]": N_("(identity changed, not kept in the history)"),
}

_TIMES = ("received_at", "created_at", "updated_at")
_DATES = ("event_date", "due_date")
_YES_NO = ("anonymous", "confidential", "complained_before")
_CHOICES = {"report_type": ReportType, "channel": Channel, "status": Status}
_NONE = "—"


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return _(label) if label else _("Other data")


def _utc(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def value_text(name: str, value: Any, zone, ref: Reference) -> str:
    """One stored value in words (the JSON export's form: ISO times in UTC, codes)."""
    if value is None or value == "" or value == []:
        return _NONE
    if isinstance(value, str) and value in IDENTITY_MARKS:
        return _(IDENTITY_MARKS[value])
    try:
        if name in _YES_NO or isinstance(value, bool):
            return _("yes") if value else _("no")
        if name in _TIMES:
            return datetime_text(_utc(str(value)), zone)
        if name in _DATES:
            return date_text(dt.date.fromisoformat(str(value)[:10]))
        if name in _CHOICES:
            return _CHOICES[name](value).label
        if name in ("category", "agency", "region"):
            return ref.label(name, value)
        if name == "district":
            return ref.districts_of(str(value).rsplit(".", 1)[0]).get(value, value)
        if name == "village":
            return ref.village_label(str(value))
        if name == "reporter_phone":
            return format_phone(str(value))
        if name == "attachments" and isinstance(value, list):
            names = [str(a.get("filename", "")) for a in value if isinstance(a, dict)]
            return ", ".join(n for n in names if n) or _NONE
    except (ValueError, TypeError, AttributeError):
        pass
    return str(value)


def size_text(size: Any) -> str:
    try:
        count = int(size)
    except (TypeError, ValueError):
        return _NONE
    return ngettext("{count} byte", "{count} bytes", count).format(
        count=f"{count:,}".replace(",", ".")
    )


def event_text(event: dict, zone, ref: Reference) -> str:
    """What happened, in words: the event, and field by field before → after."""
    action = event.get("action", "")
    label = EVENT_LABELS.get(action)
    words = _(label) if label else _("Other event ({code}).").format(code=action)
    before = event.get("before") if isinstance(event.get("before"), dict) else {}
    after = event.get("after") if isinstance(event.get("after"), dict) else {}
    changes: list[str] = []
    if action == "privacy.erase":
        erased = [field_label(f) for f in before.get("fields_set", []) if isinstance(f, str)]
        if erased:
            changes.append(_("Erased: {fields}.").format(fields=", ".join(erased)))
    elif action == "complaint.status" and "status" in after:
        old = value_text("status", before.get("status"), zone, ref)
        new = value_text("status", after.get("status"), zone, ref)
        changes.append(f"{field_label('status')}: {old} → {new}")
    elif action == "complaint.correct":
        for name in [n for n in FIELD_LABELS if n in before or n in after]:
            old = value_text(name, before.get(name), zone, ref)
            new = value_text(name, after.get(name), zone, ref)
            changes.append(f"{field_label(name)}: {old} → {new}")
    return ("\n" if action == "complaint.correct" else " ").join([words, *changes])


def _table(rows: list[tuple[str, ...]], head: tuple[str, ...] | None = None) -> str:
    e = html.escape
    parts = ["<table>"]
    if head:
        parts.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
    parts.append("</table>")
    return "".join(parts)


def _field_table(item: dict, zone, ref: Reference) -> str:
    e = html.escape
    parts = ["<table>"]
    for name in FIELD_LABELS:
        if name == "attachments" or name not in item:
            continue
        parts.append(
            f"<tr><th>{e(field_label(name))}</th>"
            f"<td>{e(value_text(name, item[name], zone, ref))}</td></tr>"
        )
    parts.append("</table>")
    return "".join(parts)


KIND_LABELS = {"nik": N_("NIK"), "phone": N_("Phone"), "email": N_("E-mail")}


def render(data: dict, zone, ref: Reference) -> str:
    """The whole page for the export dict `data` (everything escaped)."""
    e = html.escape
    title = _("Personal data held about a reporter")
    made = datetime_text(_utc(data["generated_at"]), zone)
    used = ", ".join(
        " ".join((_(KIND_LABELS[k]) if k in KIND_LABELS else k, str(v)))
        for k, v in data.get("identifiers", {}).items()
    )
    count = len(data["complaints"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="id"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin-bottom:1.5em}td,th{border:1px solid #999;padding:4px 8px;text-align:left;"
        "vertical-align:top;white-space:pre-wrap}th{background:#f2f2f2}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        "<p>"
        + e(
            _("Made by {desk} ({code}) on {when}.").format(
                desk=data["desk_name"], code=data["desk_code"], when=made
            )
        )
        + "</p>",
        "<p>" + e(_("Searched by: {identifiers}.").format(identifiers=used)) + "</p>",
        "<p>"
        + e(
            ngettext(
                "The desk holds {count} complaint about you.",
                "The desk holds {count} complaints about you.",
                count,
            ).format(count=count)
        )
        + "</p>",
    ]
    for item in data["complaints"]:
        heading = _("Complaint {number}").format(number=item.get("tracking_no", ""))
        parts.append(f"<h2>{e(heading)}</h2>")
        parts.append(_field_table(item, zone, ref))
        parts.append("<h3>" + e(_("Attachments")) + "</h3>")
        files = item.get("attachments") or []
        if files:
            parts.append(
                _table(
                    [
                        (
                            str(a.get("filename", "")),
                            str(a.get("sha256", "")),
                            size_text(a.get("size")),
                        )
                        for a in files
                    ],
                    (_("File name"), _("SHA-256 fingerprint"), _("Size")),
                )
            )
        else:
            parts.append("<p>" + e(_("None.")) + "</p>")
        parts.append("<h3>" + e(_("History")) + "</h3>")
        parts.append(
            _table(
                [
                    (
                        value_text("created_at", ev.get("at"), zone, ref),
                        str(ev.get("actor") or _NONE),
                        event_text(ev, zone, ref),
                        str(ev.get("reason") or _NONE),
                    )
                    for ev in item.get("audit_events") or []
                ],
                (_("When"), _("Officer"), _("What happened"), _("Reason")),
            )
        )
    parts.append("</body></html>\n")
    return "\n".join(parts)
