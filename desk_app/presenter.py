"""The one view of a complaint for people (Qt-free): every field's label, its value in words
(names instead of codes, dd/mm/yyyy HH:MM in the desk's zone with WIB/WITA/WIT, the deadline
with its working days) and the reporter masked by the identity rule (services/visibility.py).

Every rendering reads a complaint through here and keeps no labels of its own: the list's
detail (ui/complaints/page.py), `desk-app show` (cli.py), the reporter's copy of their data
(privacy_report.py), the receipt and the daily register (receipts/). Each picks the keys it
shows, in FIELD_LABELS' order.

How to add a field: a label in FIELD_LABELS (in reading order), a case in `value_text` if its
value is a code, a time or a yes/no, and a line in `present` if the complaint row holds it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from desk_app import deadlines
from desk_app.domain.calendar import deadline_state
from desk_app.domain.complaint import Channel, ReportType, Status
from desk_app.domain.validation import format_phone
from desk_app.formatting import EMPTY, date_text, datetime_text, identity_text
from desk_app.i18n import N_, _, ngettext
from desk_app.reference import Reference

# In the order a person reads them: the case, the reporter, the complaint, the bookkeeping.
FIELD_LABELS = {
    "tracking_no": N_("Tracking number"),
    "status": N_("Status"),
    "status_changed_at": N_("Status changed"),
    "provincial_id": N_("Provincial number"),
    "disposed_to": N_("Sent to agency"),
    "status_note": N_("Province's note"),
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
    "linked_to": N_("Linked to"),
    "linked_from": N_("Linked from"),
    "desk_code": N_("Desk code"),
    "recorded_by": N_("Recorded by (officer)"),
    "created_at": N_("Stored on"),
    "updated_at": N_("Last changed on"),
    "id": N_("Internal complaint id"),
    "attachments": N_("Attachments"),
}

TIMES = ("received_at", "status_changed_at", "created_at", "updated_at")
DATES = ("event_date", "due_date")
YES_NO = ("anonymous", "confidential", "complained_before")
CHOICES = {"report_type": ReportType, "channel": Channel, "status": Status}
IDENTITY = ("reporter_name", "reporter_nik", "reporter_phone", "reporter_email", "reporter_address")
CLOSED = ("completed", "archived", "not_authority")


def label(name: str) -> str:
    """A field's label in the desk's language ("Other data" for a key it does not know)."""
    text = FIELD_LABELS.get(name)
    return _(text) if text else _("Other data")


def value_text(name: str, value: Any, *, zone, ref: Reference, empty: str = EMPTY) -> str:
    """One field's value in words: `value` as the complaint row holds it (naive UTC times,
    dates, codes, booleans). Never raises for an odd value: it is shown as it is."""
    if value is None or value == "" or value == []:
        return empty
    try:
        if name in YES_NO or isinstance(value, bool):
            return _("yes") if value else _("no")
        if name in TIMES and isinstance(value, dt.datetime):
            return datetime_text(value, zone)
        if name in DATES and isinstance(value, dt.date):
            return date_text(value)
        if name in CHOICES:
            return CHOICES[name](value).label
        if name in ("category", "agency", "region"):
            return ref.label(name, value)
        if name == "disposed_to":
            return ref.label("agency", value)
        if name == "district":
            return ref.district_label(value) or str(value)
        if name == "village":
            return ref.village_label(str(value)) or str(value)
        if name == "reporter_phone":
            return format_phone(str(value))
    except (ValueError, TypeError, AttributeError, KeyError):
        pass
    return str(value)


def working_days_text(days: int) -> str:
    return ngettext("{days} working day", "{days} working days", days).format(days=days)


def attachments_count_text(count: int) -> str:
    if not count:
        return _("none")
    return ngettext("{count} file", "{count} files", count).format(count=count)


@dataclass(frozen=True)
class Line:
    """One field as shown: `state` marks a deadline "overdue" or "due_today" (open cases)."""

    key: str
    label: str
    text: str
    state: str = ""


@dataclass(frozen=True)
class Deadline:
    working_days: int
    date: str  # dd/mm/yyyy
    note: str  # "may be extended by 7 working days (UU 14/2008)" or ""
    state: str  # "overdue", "due_today" or "" (closed cases and those not yet due)

    @property
    def date_text(self) -> str:
        """The date, with "(overdue)" or "(due today)" for an open case past or at it."""
        if self.state == "overdue":
            return _("{date} (overdue)").format(date=self.date)
        if self.state == "due_today":
            return _("{date} (due today)").format(date=self.date)
        return self.date

    @property
    def text(self) -> str:
        """ "10 working days, by 16/12/2026" and the extension note when there is one."""
        days = working_days_text(self.working_days)
        text = _("{days}, by {date}").format(days=days, date=self.date_text)
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class ComplaintView:
    """A complaint for people, for one actor (the reporter masked when `masked`)."""

    tracking_no: str
    subject: str
    description: str
    masked: bool
    lines: tuple[Line, ...]
    deadline: Deadline
    attachments: tuple[str, ...]  # file names
    fingerprints: tuple[str, ...]  # "name (SHA-256 0123456789ab…)", for the detail
    officer: str  # who recorded it: full name, or the user name when no name is known

    def line(self, key: str) -> Line:
        for item in self.lines:
            if item.key == key:
                return item
        raise KeyError(key)

    def text(self, key: str) -> str:
        return self.line(key).text

    def pick(self, keys) -> list[Line]:
        """The lines named by `keys`, in FIELD_LABELS' order (missing ones left out)."""
        wanted = set(keys)
        return [item for item in self.lines if item.key in wanted]


def deadline_of(c, ref: Reference, today: dt.date) -> Deadline:
    rule = deadlines.load().for_complaint(c.report_type, c.category, ref)
    state = ""
    if c.status not in CLOSED and c.due_date is not None:
        found = deadline_state(c.due_date, today).value
        state = found if found in ("overdue", "due_today") else ""
    note = deadlines.extension_note(c.report_type, c.category, ref)
    return Deadline(rule.working_days, date_text(c.due_date), note, state)


# Where the province has the complaint: shown once it has answered (not "—" before).
PROVINCE_KEYS = ("provincial_id", "status_changed_at", "disposed_to", "status_note")


def present(
    desk,
    detail,
    *,
    today: dt.date | None = None,
    officer_name: str = "",
    empty: str = EMPTY,
) -> ComplaintView:
    """The view of `detail` (services.lookup.ComplaintDetail, already masked for the actor
    that read it) on `desk`. `officer_name`: the recording user's full name, when known.
    A complaint the province has answered also shows where it stands there: the provincial
    number, when its status changed, the agency it was sent to and the province's note
    (services/province.py)."""
    c = detail.complaint
    province = None
    if getattr(c, "status_changed_at", None) is not None:
        from desk_app.services.province import province_status

        province = province_status(desk, c.id)
    ref = desk.reference
    zone = desk.zone
    hidden = bool(detail.masked)
    deadline = deadline_of(c, ref, today or desk.today())

    def text(name: str, value: Any) -> str:
        return value_text(name, value, zone=zone, ref=ref, empty=empty)

    officer = officer_name or getattr(detail, "recorded_by_name", "") or c.recorded_by
    lines = []
    for name in FIELD_LABELS:
        if name in IDENTITY:
            raw = getattr(c, name, None)
            shown = text(name, raw) if raw else None
            lines.append(Line(name, label(name), identity_text(shown, masked=hidden, empty=empty)))
            continue
        if name == "due_date":
            lines.append(Line(name, label(name), deadline.text, deadline.state))
        elif name == "attachments":
            names = [a.filename for a in detail.attachments]
            lines.append(Line(name, label(name), ", ".join(names) or empty))
        elif name == "linked_to":
            if detail.linked_number:
                lines.append(Line(name, label(name), detail.linked_number))
        elif name == "linked_from":
            if detail.linked_from:
                lines.append(Line(name, label(name), ", ".join(detail.linked_from)))
        elif name in PROVINCE_KEYS:
            value = {
                "provincial_id": getattr(c, "provincial_id", None),
                # when the province set it; when the desk learned it if the province said not
                "status_changed_at": (province.set_at if province else None)
                or getattr(c, "status_changed_at", None),
                "disposed_to": province.agency if province else None,
                "status_note": province.note if province else None,
            }[name]
            if value:
                lines.append(Line(name, label(name), text(name, value)))
        elif name == "recorded_by":
            shown = officer if officer == c.recorded_by else f"{officer} ({c.recorded_by})"
            lines.append(Line(name, label(name), shown))
        elif hasattr(c, name):
            lines.append(Line(name, label(name), text(name, getattr(c, name))))
    return ComplaintView(
        tracking_no=c.tracking_no,
        subject=c.subject,
        description=c.description,
        masked=hidden,
        lines=tuple(lines),
        deadline=deadline,
        attachments=tuple(a.filename for a in detail.attachments),
        fingerprints=tuple(f"{a.filename} (SHA-256 {a.sha256[:12]}…)" for a in detail.attachments),
        officer=officer,
    )
