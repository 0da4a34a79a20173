"""The complaint as the desk records it, its choices, and field-level validation."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, fields

from desk_app.domain import validation
from desk_app.errors import ValidationFailed
from desk_app.i18n import N_, _


class Choice(enum.StrEnum):
    """An enumeration whose members have a translatable label."""

    @property
    def label(self) -> str:
        return _(self._labels()[self.value])

    @classmethod
    def _labels(cls) -> dict[str, str]:
        raise NotImplementedError

    @classmethod
    def parse(cls, text: str) -> Choice | None:
        """Accept the stored value or the label in any language we ship."""
        text = (text or "").strip().lower()
        # the stored value first: no label is another member's value (tested); looked up as
        # cls(text) looks it up first, without its cost (a bulk load parses two per row)
        member = cls._value2member_map_.get(text)
        if member is not None:
            return member
        try:
            return cls(text)
        except ValueError:
            pass
        for member in cls:
            if text in (member.value, member.label.lower(), cls._labels()[member.value].lower()):
                return member
        return None


class ReportType(Choice):
    COMPLAINT = "pengaduan"
    ASPIRATION = "aspirasi"
    INFORMATION = "permintaan_informasi"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "pengaduan": N_("Complaint"),
            "aspirasi": N_("Aspiration"),
            "permintaan_informasi": N_("Information request"),
        }


class Channel(Choice):
    WALK_IN = "datang_langsung"
    PHONE = "telepon"
    WHATSAPP = "whatsapp"
    LETTER = "surat"
    EMAIL = "email"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "datang_langsung": N_("Walk-in"),
            "telepon": N_("Phone"),
            "whatsapp": N_("WhatsApp"),
            "surat": N_("Letter"),
            "email": N_("E-mail"),
        }


class Status(Choice):
    """The case status: "recorded" at the desk, then as the province sets it (sync protocol
    §9). Whether the complaint has been uploaded is the outbox's upload state, not a status."""

    RECORDED = "recorded"
    VERIFIED = "verified"
    POSTPONED = "postponed"
    NOT_AUTHORITY = "not_authority"
    ARCHIVED = "archived"
    DISPOSED = "disposed"
    FOLLOWED_UP = "followed_up"
    COMPLETED = "completed"
    REOPENED = "reopened"

    @classmethod
    def _labels(cls) -> dict[str, str]:
        return {
            "recorded": N_("Recorded"),
            "verified": N_("Verified"),
            "postponed": N_("Postponed"),
            "not_authority": N_("Not our authority"),
            "archived": N_("Archived"),
            "disposed": N_("Sent to agency"),
            "followed_up": N_("Followed up"),
            "completed": N_("Completed"),
            "reopened": N_("Reopened"),
        }


@dataclass(frozen=True)
class FlagQuestion:
    """A yes/no flag the clerk must ask the citizen about, in the words to read aloud: the
    question, and what each answer means. The form, its error message and the help all use
    these, so the question and the stored flag cannot drift apart again (the old question,
    "may their identity be passed on?", marked anonymous whoever said yes)."""

    field: str
    question: str
    yes: str  # the answer that sets the flag
    no: str

    def choices(self) -> list[tuple[str, str]]:
        """(stored value, translated answer) for "yes" and "no"."""
        return [("yes", _(self.yes)), ("no", _(self.no))]


# anonim: the reporter's identity is kept from the agency complained about and from the public;
# the report itself may be public. rahasia: the whole report is not public (DESIGN.md §3).
ANONYMOUS_QUESTION = FlagQuestion(
    "anonymous",
    N_(
        "Should your identity (name, NIK and contacts) be kept from the agency you complain "
        "about and from the public? The report itself may still be made public."
    ),
    N_("Yes, anonymous: identity kept from the agency and the public"),
    N_("No: the agency may know who reports"),
)
CONFIDENTIAL_QUESTION = FlagQuestion(
    "confidential",
    N_(
        "Should the whole report be kept from the public? Then only the officers who "
        "handle it read it."
    ),
    N_("Yes, confidential: the whole report is not public"),
    N_("No: the report may be made public"),
)


@dataclass
class ComplaintForm:
    """What the clerk typed, as text: the draft's shape and the input to validation.

    `anonymous` and `confidential` are "", "yes" or "no": the clerk must answer both.
    How to add a field: add it here, to validate() below, to store.models.Complaint (with a
    migration) and to ui/intake/form.py.
    """

    report_type: str = ReportType.COMPLAINT.value
    channel: str = Channel.WALK_IN.value
    received_at: str = ""  # ISO 8601 in UTC; empty means "now"
    reporter_name: str = ""
    reporter_nik: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    reporter_address: str = ""
    anonymous: str = ""
    confidential: str = ""
    subject: str = ""
    description: str = ""
    category: str = ""
    agency: str = ""
    region: str = ""
    district: str = ""
    village: str = ""  # desa/kelurahan, of the district (optional)
    event_date: str = ""  # dd/mm/yyyy as typed
    event_place: str = ""
    loss: str = ""
    remedy: str = ""
    complained_before: str = ""  # "", "yes", "no"
    attachments: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ComplaintForm:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]

    def is_blank(self) -> bool:
        return self == ComplaintForm(
            report_type=self.report_type, channel=self.channel, received_at=self.received_at
        )


@dataclass(frozen=True)
class ValidComplaint:
    """A complaint that passed validation, in normalised form."""

    report_type: ReportType
    channel: Channel
    received_at: dt.datetime | None
    reporter_name: str
    reporter_nik: str | None
    reporter_phone: str | None
    reporter_email: str | None
    reporter_address: str
    anonymous: bool
    confidential: bool
    subject: str
    description: str
    category: str
    agency: str
    region: str
    district: str | None
    village: str | None
    event_date: dt.date | None
    event_place: str
    loss: str
    remedy: str
    complained_before: bool | None
    attachments: tuple[dict[str, str], ...]


SUBJECT_MAX = 200
DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 20000
NAME_MAX = 120


def _yes_no(value: str) -> bool | None:
    value = (value or "").strip().lower()
    if value in ("yes", "ya", "y", "true", "1"):
        return True
    if value in ("no", "tidak", "t", "n", "false", "0"):
        return False
    return None


def validate(form: ComplaintForm, reference=None, today: dt.date | None = None) -> ValidComplaint:
    """Check every field and return the normalised complaint, or raise ValidationFailed with a
    message per field. `reference` (desk_app.reference.Reference) checks the list codes."""
    errors: dict[str, str] = {}
    today = today or dt.date.today()

    report_type = ReportType.parse(form.report_type)
    if report_type is None:
        errors["report_type"] = _("Choose the report type.")
    channel = Channel.parse(form.channel)
    if channel is None:
        errors["channel"] = _("Choose how the complaint came in.")

    received_at = None
    if form.received_at.strip():
        try:
            received_at = dt.datetime.fromisoformat(form.received_at.strip())
        except ValueError:
            errors["received_at"] = _("The time received is not a valid date and time.")
        else:
            if received_at.tzinfo is not None:
                received_at = received_at.astimezone(dt.UTC).replace(tzinfo=None)

    anonymous = _yes_no(form.anonymous)
    confidential = _yes_no(form.confidential)
    for question, answer in (
        (ANONYMOUS_QUESTION, anonymous),
        (CONFIDENTIAL_QUESTION, confidential),
    ):
        if answer is None:
            errors[question.field] = _("Ask the citizen: {question} Then choose yes or no.").format(
                question=_(question.question)
            )

    name = " ".join(form.reporter_name.split())
    if not name and not anonymous:
        errors["reporter_name"] = _("Type the reporter's name (or mark the report anonymous).")
    elif len(name) > NAME_MAX:
        errors["reporter_name"] = _("The name is too long (at most {n} characters).").format(
            n=NAME_MAX
        )

    nik = None
    if form.reporter_nik.strip():
        try:
            nik = validation.check_nik(form.reporter_nik)
        except validation.FieldInvalid as exc:
            errors["reporter_nik"] = str(exc)
    phone = None
    if form.reporter_phone.strip():
        try:
            phone = validation.check_phone(form.reporter_phone)
        except validation.FieldInvalid as exc:
            errors["reporter_phone"] = str(exc)
    email = None
    if form.reporter_email.strip():
        try:
            email = validation.check_email(form.reporter_email)
        except validation.FieldInvalid as exc:
            errors["reporter_email"] = str(exc)
    if channel is Channel.PHONE and not phone and "reporter_phone" not in errors:
        errors["reporter_phone"] = _("For a phone complaint, type the caller's phone number.")
    if channel is Channel.EMAIL and not email and "reporter_email" not in errors:
        errors["reporter_email"] = _("For an e-mail complaint, type the sender's e-mail address.")

    subject = " ".join(form.subject.split())
    if not subject:
        errors["subject"] = _("Type a short subject.")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _("The subject is too long (at most {n} characters).").format(
            n=SUBJECT_MAX
        )
    description = form.description.strip()
    if len(description) < DESCRIPTION_MIN:
        errors["description"] = _("Describe the complaint (at least {n} characters).").format(
            n=DESCRIPTION_MIN
        )
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("The description is too long (at most {n} characters).").format(
            n=DESCRIPTION_MAX
        )

    category = form.category.strip()
    agency = form.agency.strip()
    region = form.region.strip()
    district = form.district.strip() or None
    village = form.village.strip() or None
    if not category:
        errors["category"] = _("Choose a category.")
    elif reference is not None and category not in reference.categories:
        errors["category"] = _("Choose a category from the list.")
    if not agency:
        errors["agency"] = _("Choose the agency the complaint concerns.")
    elif reference is not None and agency not in reference.agencies:
        errors["agency"] = _("Choose an agency from the list.")
    if not region:
        errors["region"] = _("Choose the regency or city.")
    elif reference is not None and region not in reference.regions:
        errors["region"] = _("Choose a regency or city from the list.")
    elif reference is not None and district and district not in reference.districts_of(region):
        errors["district"] = _("This district is not in the chosen regency or city.")
    if village and not district:
        errors["village"] = _("Choose the district first, then its village.")
    elif reference is not None and village and village not in reference.villages_of(district):
        errors["village"] = _("This village is not in the chosen district.")

    event_date = None
    if form.event_date.strip():
        try:
            event_date = validation.parse_date(form.event_date)
        except validation.FieldInvalid as exc:
            errors["event_date"] = str(exc)
        else:
            if event_date > today:
                errors["event_date"] = _("The date of the event cannot be in the future.")

    if errors:
        raise ValidationFailed(errors)
    assert report_type and channel and anonymous is not None and confidential is not None
    return ValidComplaint(
        report_type=report_type,
        channel=channel,
        received_at=received_at,
        reporter_name=name,
        reporter_nik=nik,
        reporter_phone=phone,
        reporter_email=email,
        reporter_address=form.reporter_address.strip(),
        anonymous=anonymous,
        confidential=confidential,
        subject=subject,
        description=description,
        category=category,
        agency=agency,
        region=region,
        district=district,
        village=village,
        event_date=event_date,
        event_place=form.event_place.strip(),
        loss=form.loss.strip(),
        remedy=form.remedy.strip(),
        complained_before=_yes_no(form.complained_before),
        attachments=tuple(form.attachments),
    )
