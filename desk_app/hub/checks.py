"""What the hub checks in a complaint object before holding it (docs/sync-protocol.md §6):
what a provincial system would check. Framework-free.

Each problem is a FieldError (field, code, English message for logs). No message holds a
value the desk sent: field names, codes and limits only.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from desk_app import reference

REPORT_TYPES = ("pengaduan", "aspirasi", "permintaan_informasi")
CHANNELS = ("datang_langsung", "telepon", "whatsapp", "surat", "email")
TEXT_MAX = 5000
# field -> longest text (the desk's own column sizes, store/models.py)
LIMITS = {
    "id": 36,
    "tracking_no": 32,
    "desk_code": 8,
    "recorded_by": 64,
    "reporter_name": 120,
    "reporter_nik": 16,
    "reporter_phone": 20,
    "reporter_email": 254,
    "reporter_address": TEXT_MAX,
    "subject": 200,
    "description": TEXT_MAX,
    "category": 32,
    "agency": 32,
    "region": 16,
    "district": 16,
    "village": 16,
    "event_place": TEXT_MAX,
    "loss": TEXT_MAX,
    "remedy": TEXT_MAX,
}
REQUIRED_TEXT = (
    "id",
    "tracking_no",
    "desk_code",
    "recorded_by",
    "subject",
    "description",
    "category",
    "agency",
    "region",
)
OPTIONAL_TEXT = (
    "reporter_name",
    "reporter_nik",
    "reporter_phone",
    "reporter_email",
    "reporter_address",
    "district",
    "village",
    "event_place",
    "loss",
    "remedy",
)
# The fields of §6: only these count in a complaint's content (others are ignored, §1).
FIELDS = (
    *REQUIRED_TEXT,
    *OPTIONAL_TEXT,
    "report_type",
    "channel",
    "received_at",
    "anonymous",
    "confidential",
    "event_date",
    "complained_before",
    "due_date",
    "attachments",
)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code, "message": self.message}


def known_fields(complaint: dict) -> dict:
    """The complaint restricted to the fields of §6 (what is held and compared)."""
    return {k: complaint[k] for k in FIELDS if k in complaint}


def check_complaint(complaint: dict, complaint_id: str) -> list[FieldError]:
    """Every problem of one complaint object; [] when a provincial system would hold it."""
    errors: list[FieldError] = []
    add = errors.append
    for name in REQUIRED_TEXT + OPTIONAL_TEXT:
        value = complaint.get(name)
        if value is None or value == "":
            if name in REQUIRED_TEXT:
                add(FieldError(name, "required", f"{name} is required"))
            continue
        if not isinstance(value, str):
            add(FieldError(name, "wrong_type", f"{name} must be a string"))
        elif len(value) > LIMITS[name]:
            add(FieldError(name, "too_long", f"{name} is longer than {LIMITS[name]} characters"))
    bad = {e.field for e in errors}
    if "id" not in bad and complaint.get("id") != complaint_id:
        add(FieldError("id", "mismatch", "id differs from the item's complaint_id"))
    _choice(complaint, "report_type", REPORT_TYPES, add)
    _choice(complaint, "channel", CHANNELS, add)
    for name in ("anonymous", "confidential"):
        if not isinstance(complaint.get(name), bool):
            code = "required" if complaint.get(name) is None else "wrong_type"
            add(FieldError(name, code, f"{name} must be true or false"))
    if complaint.get("complained_before") is not None and not isinstance(
        complaint["complained_before"], bool
    ):
        add(FieldError("complained_before", "wrong_type", "must be true, false or null"))
    _time(complaint, "received_at", add)
    _date(complaint, "due_date", add, required=True)
    _date(complaint, "event_date", add, required=False)
    bad = {e.field for e in errors}
    _codes(complaint, bad, add)
    _identity(complaint, bad, add)
    _attachments(complaint.get("attachments"), add)
    return errors


def _choice(complaint: dict, name: str, allowed: tuple[str, ...], add) -> None:
    value = complaint.get(name)
    if value is None or value == "":
        add(FieldError(name, "required", f"{name} is required"))
    elif value not in allowed:
        add(FieldError(name, "unknown_code", f"{name} must be one of: {', '.join(allowed)}"))


def _time(complaint: dict, name: str, add) -> None:
    value = complaint.get(name)
    if value is None or value == "":
        add(FieldError(name, "required", f"{name} is required"))
        return
    try:
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        add(FieldError(name, "invalid_time", f"{name} must be an RFC 3339 time with a zone"))


def _date(complaint: dict, name: str, add, required: bool) -> None:
    value = complaint.get(name)
    if value is None or value == "":
        if required:
            add(FieldError(name, "required", f"{name} is required"))
        return
    try:
        ok = isinstance(value, str) and bool(_DATE.match(value)) and dt.date.fromisoformat(value)
    except ValueError:
        ok = False
    if not ok:
        add(FieldError(name, "invalid_date", f"{name} must be a date YYYY-MM-DD"))


def _codes(complaint: dict, bad: set[str], add) -> None:
    ref = reference.load()
    if "category" not in bad and complaint["category"] not in ref.categories:
        add(FieldError("category", "unknown_code", "category is not a known code"))
    if "agency" not in bad and complaint["agency"] not in ref.agencies:
        add(FieldError("agency", "unknown_code", "agency is not a known code"))
    if "region" in bad:
        return
    region = complaint["region"]
    if region not in ref.regions:
        add(FieldError("region", "unknown_code", "region is not a known code"))
        return
    district = complaint.get("district")
    if "district" in bad or not district:
        return
    if district not in ref.districts_of(region):
        add(FieldError("district", "unknown_code", "district is not a district of region"))
        return
    village = complaint.get("village")
    villages = ref.villages_of(district)
    if "village" not in bad and village and villages and village not in villages:
        add(FieldError("village", "unknown_code", "village is not a village of district"))


def _identity(complaint: dict, bad: set[str], add) -> None:
    value = complaint.get("reporter_nik")
    if value and "reporter_nik" not in bad and not nik_valid(value):
        add(
            FieldError(
                "reporter_nik",
                "invalid_nik",
                "reporter_nik must be 16 digits with a valid region and date part",
            )
        )
    value = complaint.get("reporter_phone")
    if value and "reporter_phone" not in bad and not _e164(value):
        add(FieldError("reporter_phone", "invalid_phone", "reporter_phone must be valid E.164"))
    value = complaint.get("reporter_email")
    if value and "reporter_email" not in bad and not _email(value):
        add(FieldError("reporter_email", "invalid_email", "reporter_email is not valid"))


def nik_valid(value: str) -> bool:
    """python-stdnum's NIK check (16 digits, a birth date, a known place of registration),
    exactly: the same steps as stdnum.id.nik.validate on a value already in compact form,
    with the place looked up once per 4-digit prefix (the lookup was most of a batch's
    identity checks; a province has a few hundred prefixes)."""
    from stdnum import exceptions as stdnum_exceptions
    from stdnum.id import nik

    if not (len(value) == 16 and value.isascii() and value.isdigit()):
        return False
    try:
        nik.get_birth_date(value)
    except stdnum_exceptions.ValidationError:
        return False
    return _place_known(value[:4])


@functools.lru_cache(maxsize=4096)
def _place_known(prefix: str) -> bool:
    from stdnum import numdb

    return bool(numdb.get("id/loc").info(prefix)[0][1])


def warm() -> None:
    """Do once, before the first batch, what the first batch would pay for: importing
    phonenumbers and python-stdnum, compiling Indonesia's number patterns, reading the
    reference sets (measured: about a tenth of the hub's work for a first sync of 3,000)."""
    reference.load()
    nik_valid("1471015708900002")
    _e164("+6281234567890")
    _email("warga@example.id")


def _e164(value: str) -> bool:
    """A valid number already written in E.164 form: the desk's own phone check (which builds
    an Indonesian number without parsing it) must give back the very same text.
    tests/sync/test_hub_checks.py holds this to phonenumbers' own answers."""
    from desk_app.domain import validation

    if not _E164.match(value):
        return False
    try:
        return validation.check_phone(value) == value
    except validation.FieldInvalid:
        return False


_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@(?=[^@\s]{1,253}$)[^@\s.]+(\.[^@\s.]+)+$")


def _email(value: str) -> bool:
    """The address's form: one @, a dotted domain, no spaces (the desk checked it fully with
    email-validator when it was typed; the hub does not resolve domains either)."""
    return bool(_EMAIL.match(value))


def _attachments(value: object, add) -> None:
    if value is None:
        return
    message = "attachments must be a list of {sha256, size, filename}"
    if not isinstance(value, list):
        add(FieldError("attachments", "wrong_type", message))
        return
    for entry in value:
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and bool(_SHA256.match(entry["sha256"]))
            and isinstance(entry.get("size"), int)
            and not isinstance(entry.get("size"), bool)
            and entry["size"] >= 0
            and isinstance(entry.get("filename"), str)
            and 0 < len(entry["filename"]) <= 255
        )
        if not ok:
            add(FieldError("attachments", "wrong_type", message))
            return


def attachment_hashes(complaint: dict) -> list[str]:
    return [a["sha256"] for a in complaint.get("attachments") or []]
