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

from desk_app import presenter
from desk_app.formatting import EMPTY, datetime_text
from desk_app.i18n import N_, _, ngettext
from desk_app.reference import Reference

# The labels are the presenter's (one set for every rendering of a complaint).
FIELD_LABELS = presenter.FIELD_LABELS

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

_NONE = EMPTY


def field_label(name: str) -> str:
    return presenter.label(name)


def _utc(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _from_json(name: str, value: Any) -> Any:
    """A value of the JSON export (ISO times in UTC, ISO dates) as the complaint row holds it."""
    try:
        if name in presenter.TIMES and isinstance(value, str):
            return _utc(value)
        if name in presenter.DATES and isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    return value


def value_text(name: str, value: Any, zone, ref: Reference) -> str:
    """One stored value in words (the JSON export's form: ISO times in UTC, codes), through the
    presenter; the trail's identity marks and attachment lists are this copy's own forms."""
    if isinstance(value, str) and value in IDENTITY_MARKS:
        return _(IDENTITY_MARKS[value])
    if name == "attachments" and isinstance(value, list):
        names = [str(a.get("filename", "")) for a in value if isinstance(a, dict)]
        return ", ".join(n for n in names if n) or _NONE
    return presenter.value_text(name, _from_json(name, value), zone=zone, ref=ref)


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
