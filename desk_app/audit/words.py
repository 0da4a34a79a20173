"""An audit event's before/after in words for people: field labels instead of keys, names
instead of codes, ya/tidak, dd/mm/yyyy, the desk's time zone.

The trail keeps values as the services wrote them (JSON: codes, ISO dates in UTC); the audit
detail (ui/admin/audit_page.py), the list's summary and a complaint's History
(ui/complaints/page.py) show them through this module. A
complaint's fields are worded as in the reporter's copy (privacy_report); the rest below.
How to add a key: give it a label in FIELD_LABELS and, if its value is a code, a case in
value_text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from desk_app import privacy_report, settings
from desk_app.domain.roles import Role
from desk_app.formatting import EMPTY, date_text, datetime_text
from desk_app.i18n import N_, _
from desk_app.reference import Reference

# Keys of events that are not about a complaint (users, the desk, settings, backups, exports,
# the privacy tools, the audit key).
_OTHER_LABELS = {
    "username": N_("User name"),
    "full_name": N_("Full name"),
    "role": N_("Role"),
    "disabled": N_("Disabled"),
    "must_change_password": N_("Must change the password"),
    "failed_attempts": N_("Failed sign-ins"),
    "value": N_("Value"),
    "kind": N_("Kind"),
    "format": N_("Format"),
    "filter": N_("Filter"),
    "rows": N_("Rows"),
    "to": N_("Written to"),
    "complaints": N_("Complaints"),
    "html": N_("Readable copy (HTML)"),
    "erased": N_("Erased"),
    "kept": N_("Kept"),
    "older_than_years": N_("Older than (years)"),
    "identifiers": N_("Searched by"),
    "fields_set": N_("Fields that were filled in"),
    "replaced": N_("Replaced an existing key"),
    "desk_name": N_("Desk name"),
    "office": N_("Office"),
    "timezone": N_("Time zone"),
    "contact": N_("Contact"),
    "training_desk": N_("Training desk"),
    "disposed_to": N_("Sent to agency"),  # a status from the province (complaint.status)
    "set_at": N_("Set by the province at"),  # its own time; the event's is the desk's
    # the sync (services/sync.py, desk_app/sync/client.py)
    "server": N_("Server"),
    "client_id": N_("Client id"),
    "ca_bundle": N_("Own CA certificate"),
    "secret_changed": N_("Secret changed"),
    "items": N_("Items"),
    "accepted": N_("Accepted"),
    "duplicate": N_("Already held"),
    "rejected": N_("Rejected"),
    "conflict": N_("Conflicts"),
    "version": N_("Version"),
}
FIELD_LABELS = {**privacy_report.FIELD_LABELS, **_OTHER_LABELS}

OBJECT_LABELS = {
    "complaint": N_("Complaint"),
    "user": N_("User"),
    "desk": N_("Desk"),
    "setting": N_("Setting"),
    "backup": N_("Backup"),
    "export": N_("Export"),
    "sync": N_("Provincial connection"),
    "sync_batch": N_("Upload batch"),
    "reference": N_("Reference data"),
}

BACKUP_KINDS = {
    "manual": N_("manual"),
    "daily": N_("daily (automatic)"),
    "pre-restore": N_("before a restore"),
    "pre-migration": N_("before an update"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _utc(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def field_label(key: str, object_type: str = "", object_id: str = "") -> str:
    """The label of a before/after key; an unknown key is shown as it is. The "value" of a
    setting's event is that setting, named in words ("Lock after idle minutes")."""
    if key == "value" and object_type == "setting":
        return settings.label(object_id)
    label = FIELD_LABELS.get(key)
    return _(label) if label else key


def object_name(object_type: str, object_id: str) -> str:
    """Which object, for people: a setting by its name in words, others by their id."""
    if object_type == "setting":
        return settings.label(object_id)
    return object_id


def object_text(object_type: str, object_id: str) -> str:
    """ "Complaint 0190…", "Setting Lock after idle minutes": the kind of object in words."""
    label = OBJECT_LABELS.get(object_type)
    return f"{_(label) if label else object_type} {object_name(object_type, object_id)}"


def in_reading_order(keys) -> list[str]:
    """Keys as a person reads a record (the case, the reporter, the complaint, bookkeeping:
    FIELD_LABELS' order), unknown keys last by name."""
    order = {key: i for i, key in enumerate(FIELD_LABELS)}
    return sorted(keys, key=lambda k: (order.get(k, len(order)), k))


def _attachment_text(item: dict) -> str:
    """An attachment as the trail keeps it: by content (older events also kept the name)."""
    if item.get("filename"):
        return str(item["filename"])
    return _("file {sha}…").format(sha=str(item.get("sha256", ""))[:12])


def _setting_value(name: str, value: Any, ref: Reference) -> str:
    if value in ("yes", "no"):
        return _(value)
    if name == "region":
        return ref.label("region", value)
    if name == "timezone" and value in settings.ZONE_ABBREVIATIONS:
        return f"{value} ({settings.ZONE_ABBREVIATIONS[value]})"
    setting = settings.SETTINGS.get(name)
    if isinstance(setting, settings.ChoiceSetting):
        return setting.name_of(str(value))
    return str(value)


def value_text(
    key: str, value: Any, *, zone, ref: Reference, object_type: str = "", object_id: str = ""
) -> str:
    """One before/after value in words (`object_type`/`object_id` say which setting a
    "value" belongs to)."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "attachments" and isinstance(value, list):
        return ", ".join(_attachment_text(a) for a in value if isinstance(a, dict)) or EMPTY
    if key in privacy_report.FIELD_LABELS or value in privacy_report.IDENTITY_MARKS:
        return privacy_report.value_text(key, value, zone, ref)
    try:
        if key == "role":
            return Role(value).label
        if key == "disposed_to":
            return ref.label("agency", value)
        if key == "kind" and value in BACKUP_KINDS:
            return _(BACKUP_KINDS[value])
        if key == "value" and object_type == "setting":
            return _setting_value(object_id, value, ref)
        if key == "fields_set" and isinstance(value, list):
            return ", ".join(field_label(str(v)) for v in value)
        if key == "identifiers" and isinstance(value, list):
            kinds = privacy_report.KIND_LABELS
            return ", ".join(_(kinds[v]) if v in kinds else str(v) for v in value)
        if isinstance(value, list):
            return ", ".join(value_text(key, v, zone=zone, ref=ref) for v in value)
        if isinstance(value, dict):
            return "; ".join(
                f"{field_label(k)}: {value_text(k, v, zone=zone, ref=ref)}"
                for k, v in value.items()
            )
        if isinstance(value, str) and _ISO_DATE.match(value):
            return date_text(dt.date.fromisoformat(value))
        if isinstance(value, str) and _ISO_TIME.match(value):
            return datetime_text(_utc(value), zone)
    except (ValueError, TypeError):
        pass
    return str(value)
