"""Printing paper about complaints: the first receipt while the citizen waits, a supervisor's
reprint (a copy, "SALINAN", numbered), and the daily register. Each is permission-checked here
and recorded in the audit trail (the record of what was printed, by whom and when: a receipt is
issued once; every copy after it is a numbered reprint).

The words come from desk_app.presenter; the paper from desk_app.receipts. A receipt always
hides the reporter of an anonim or rahasia complaint (paper gets lost: DESIGN.md §3, the safe
side); the register hides them by the identity rule for the one who prints it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from desk_app import presenter, settings
from desk_app.audit import chain as audit
from desk_app.domain.roles import Action
from desk_app.errors import DeskError
from desk_app.formatting import EMPTY, date_text, datetime_text, identity_text
from desk_app.i18n import N_, _
from desk_app.services import lookup, visibility
from desk_app.services.access import require
from desk_app.services.desk import Desk
from desk_app.store import models

# The paper itself (reportlab, segno, openpyxl: about 25 MB and 0.2 s) is drawn only when
# something is printed or saved: these modules are imported there, not when a window opens.
if TYPE_CHECKING:
    from desk_app.receipts import receipt as paper
    from desk_app.receipts import register as register_paper

C = models.Complaint
FIRST, REPRINT = Action.PRINT_RECEIPT.value, Action.REPRINT_RECEIPT.value
MAX_REGISTER_DAYS = 366  # a year: the register is a day's or a month's book, not an export


class ReceiptAlreadyPrinted(DeskError):
    code = "receipt_already_printed"
    template = N_(
        "The receipt of {number} was printed already. A copy is a reprint: a supervisor "
        "prints it, marked SALINAN."
    )


class LayoutUnknown(DeskError):
    code = "layout_unknown"
    template = N_("There is no receipt layout {layout}; choose 80mm, a5 or a4.")


class RegisterRangeInvalid(DeskError):
    code = "register_range_invalid"
    template = N_(
        "The register's dates are not valid: the first day must not be after the last, and "
        "the range at most {days} days."
    )


class PrinterFailed(DeskError):
    """Raised by the GUI's printing when the printer cannot start the job."""

    code = "printer_failed"
    template = N_(
        "The printer could not be started. Check that it is switched on, connected and has "
        "paper, then print again."
    )


@dataclass(frozen=True)
class Printed:
    """A document ready for the printer or a file. `copy`: 0 for the first receipt, n for the
    n-th reprint (and for the register 0)."""

    number: str
    layout: str
    pdf: bytes
    copy: int = 0


# -- receipts ----------------------------------------------------------------------------------


def _desk_words(desk: Desk) -> dict:
    loaded = settings.load(desk.db)
    return {
        "desk_name": loaded["desk_name"],
        "office": loaded["office"],
        "contact": loaded["contact"],
        "privacy_contact": loaded["privacy_contact"],
    }


def receipt_content(
    desk: Desk,
    view: presenter.ComplaintView,
    words: dict,
    *,
    copy: int = 0,
    printed_at: dt.datetime | None = None,
    printed_by: str = "",
    anonymous_or_confidential: bool = False,
) -> paper.ReceiptContent:
    """What a receipt says about `view`, in the desk's language (pure: the golden files are
    made from it with a fixed record and clock)."""
    from desk_app.receipts import receipt as paper

    hidden = view.masked or anonymous_or_confidential
    reporter = view.text("reporter_name")
    if hidden:
        reporter = identity_text(None, masked=True)
    deadline = _("{days}, by {date}").format(
        days=presenter.working_days_text(view.deadline.working_days), date=view.deadline.date
    )
    if view.deadline.note:
        deadline = f"{deadline}; {view.deadline.note}"
    lines = (
        (presenter.label("received_at"), view.text("received_at")),
        (presenter.label("channel"), view.text("channel")),
        (presenter.label("report_type"), view.text("report_type")),
        (presenter.label("reporter_name"), reporter),
        (presenter.label("subject"), view.subject or EMPTY),
        (presenter.label("attachments"), presenter.attachments_count_text(len(view.attachments))),
        (presenter.label("due_date"), deadline),
        (_("Officer"), view.officer),
    )
    contact = words["contact"]
    if contact:
        ask = _(
            "Give this tracking number at the desk, or ask by {contact}. The QR code holds the "
            "same number. Keep this receipt."
        ).format(contact=contact)
    else:
        ask = _(
            "Give this tracking number at the desk. The QR code holds the same number. "
            "Keep this receipt."
        )
    privacy_contact = words["privacy_contact"] or contact or words["desk_name"]
    notice = _(
        "Your personal data is kept only to handle this complaint and for as long as the law "
        "requires (UU 27/2022 on personal data protection). To see, correct or erase it, ask: "
        "{contact}."
    ).format(contact=privacy_contact)
    copy_mark = copy_note = ""
    if copy:
        copy_mark = _("COPY (reprint no. {count})").format(count=copy)
        copy_note = _("Reprinted {when} by {name}.").format(
            when=datetime_text(printed_at, desk.zone) if printed_at else "", name=printed_by
        )
    return paper.ReceiptContent(
        desk_name=words["desk_name"],
        office=words["office"],
        contact=contact,
        title=_("COMPLAINT RECEIPT"),
        number_label=presenter.label("tracking_no"),
        tracking_no=view.tracking_no,
        qr_text=view.tracking_no,
        qr_caption=_("The QR code holds the tracking number"),
        lines=lines,
        how_to_ask_title=_("Asking for the status"),
        how_to_ask=ask,
        notice_title=_("Personal data"),
        notice=notice,
        copy_mark=copy_mark,
        copy_note=copy_note,
        signatures=(
            (_("Officer"), view.officer),
            (_("Reporter"), "" if hidden else view.text("reporter_name").replace(EMPTY, "")),
        ),
        document_title=_("Receipt {number}").format(number=view.tracking_no),
    )


def _check_layout(layout: str) -> str:
    from desk_app.receipts import receipt as paper

    if layout not in paper.LAYOUTS:
        raise LayoutUnknown(layout=layout)
    return layout


def _officer_name(desk: Desk, detail: lookup.ComplaintDetail) -> str:
    if detail.recorded_by_name:
        return detail.recorded_by_name
    actor = desk.actor
    if actor is not None and actor.username == detail.complaint.recorded_by and actor.full_name:
        return actor.full_name
    return detail.complaint.recorded_by


def _prints(session, action: str, complaint_id: str) -> int:
    return session.scalar(
        select(func.count())
        .select_from(models.AuditEvent)
        .where(
            models.AuditEvent.object_type == "complaint",
            models.AuditEvent.object_id == complaint_id,
            models.AuditEvent.action == action,
        )
    )


def _issue(desk: Desk, key: str, layout: str, *, reprint: bool, with_qr: bool = True) -> Printed:
    from desk_app.receipts import receipt as paper

    detail = lookup.get_complaint(desk, key)
    c = detail.complaint
    view = presenter.present(desk, detail, officer_name=_officer_name(desk, detail))
    words = _desk_words(desk)
    flagged = bool(c.anonymous or c.confidential)
    with desk.db.writing() as session:
        if reprint:
            copy = _prints(session, REPRINT, c.id) + 1
        else:
            if _prints(session, FIRST, c.id):
                raise ReceiptAlreadyPrinted(number=c.tracking_no)
            copy = 0
        content = receipt_content(
            desk,
            view,
            words,
            copy=copy,
            printed_at=desk.now(),
            printed_by=(desk.actor.full_name or desk.user) if desk.actor else "",
            anonymous_or_confidential=flagged,
        )
        pdf = paper.render(content, layout, with_qr=with_qr)
        after = {"layout": layout, "copy": copy} if reprint else {"layout": layout}
        audit.append(session, desk, REPRINT if reprint else FIRST, "complaint", c.id, after=after)
    return Printed(c.tracking_no, layout, pdf, copy)


def first_receipt(desk: Desk, key: str, layout: str = "a5") -> Printed:
    """The complaint's first receipt (by tracking number or id), recorded as issued. A second
    call for the same complaint raises ReceiptAlreadyPrinted: copies are reprints."""
    require(desk, desk.actor, Action.PRINT_RECEIPT)
    return _issue(desk, key, _check_layout(layout), reprint=False)


def reprint_receipt(desk: Desk, key: str, layout: str = "a5") -> Printed:
    """A copy of the receipt (supervisor), marked SALINAN with its number; recorded."""
    require(desk, desk.actor, Action.REPRINT_RECEIPT, number=str(key)[:40])
    return _issue(desk, key, _check_layout(layout), reprint=True)


def receipt_printed(desk: Desk, key: str) -> bool:
    """Whether the complaint's first receipt was issued (the GUI offers a reprint then)."""
    require(desk, desk.actor, Action.VIEW)
    detail = lookup.get_complaint(desk, key)
    with desk.db.reading() as session:
        return bool(_prints(session, FIRST, detail.complaint.id))


# -- the daily register ------------------------------------------------------------------------

REGISTER_KEYS = (
    "tracking_no",
    "received_at",
    "channel",
    "report_type",
    "reporter_name",
    "subject",
    "category",
    "agency",
    "due_date",
    "status",
)
_REGISTER_COLUMNS = (
    C.tracking_no,
    C.received_at,
    C.channel,
    C.report_type,
    C.reporter_name,
    C.subject,
    C.category,
    C.agency,
    C.due_date,
    C.status,
    C.anonymous,
    C.confidential,
    C.recorded_by,
)


@dataclass(frozen=True)
class Register:
    """The register's rows in words, its totals, and the document (`pdf` or `xlsx` bytes)."""

    content: register_paper.RegisterContent
    data: bytes
    format: str


def register_content(
    desk: Desk, rows, date_from: dt.date, date_to: dt.date, printed_at: dt.datetime | None
) -> register_paper.RegisterContent:
    """The register's words for `rows` (complaint columns as dicts), masked by the identity rule
    for the desk's actor."""
    from desk_app.receipts import register as register_paper

    ref, zone = desk.reference, desk.zone

    def text(name, value):
        return presenter.value_text(name, value, zone=zone, ref=ref)

    lines = []
    totals = {key: Counter() for key in ("channel", "report_type", "category")}
    for n, row in enumerate(rows, 1):
        hidden = visibility.hidden_from(desk.actor, row)
        cells = [str(n)]
        for key in REGISTER_KEYS:
            if key == "reporter_name":
                cells.append(identity_text(row[key] or None, masked=hidden))
            else:
                cells.append(text(key, row[key]))
        lines.append(tuple(cells))
        for key, counter in totals.items():
            counter[text(key, row[key])] += 1
    period = date_text(date_from)
    if date_to != date_from:
        period = _("{first} to {last}").format(first=period, last=date_text(date_to))
    who = (desk.actor.full_name or desk.user) if desk.actor else ""
    words = _desk_words(desk)
    return register_paper.RegisterContent(
        desk_name=words["desk_name"],
        office=words["office"],
        title=_("DAILY COMPLAINT REGISTER"),
        period=_("Received: {period}").format(period=period),
        printed=_("Printed {when} by {name}").format(
            when=datetime_text(printed_at, zone) if printed_at else "", name=who
        ),
        columns=(_("No."), *(presenter.label(k) for k in REGISTER_KEYS)),
        rows=tuple(lines),
        totals=tuple(
            (presenter.label(key), tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))))
            for key, counter in totals.items()
        ),
        total_line=_("Complaints in this register: {count}").format(count=len(lines)),
        empty=_("No complaint was received in this period."),
        totals_title=_("Totals"),
        count_label=_("Count"),
    )


def daily_register(
    desk: Desk, date_from: dt.date, date_to: dt.date | None = None, fmt: str = "pdf"
) -> Register:
    """The register of complaints received on the local days `date_from` to `date_to`
    (inclusive), as a PDF (A4 landscape) or an Excel workbook ("xlsx"); recorded."""
    from desk_app.receipts import register as register_paper

    require(desk, desk.actor, Action.PRINT_REGISTER)
    date_to = date_to or date_from
    if date_to < date_from or (date_to - date_from).days >= MAX_REGISTER_DAYS:
        raise RegisterRangeInvalid(days=MAX_REGISTER_DAYS)
    stmt = (
        select(*_REGISTER_COLUMNS)
        .where(C.received_at >= desk.start_of_day(date_from))
        .where(C.received_at < desk.start_of_day(date_to + dt.timedelta(days=1)))
        .order_by(C.received_at, C.seq)
    )
    with desk.db.reading() as session:
        rows = [dict(r._mapping) for r in session.execute(stmt)]
    content = register_content(desk, rows, date_from, date_to, desk.now())
    data = register_paper.xlsx(content) if fmt == "xlsx" else register_paper.pdf(content)
    with desk.db.writing() as session:
        audit.append(
            session,
            desk,
            Action.PRINT_REGISTER.value,
            "register",
            f"{date_from.isoformat()}/{date_to.isoformat()}",
            after={"rows": len(rows), "format": "xlsx" if fmt == "xlsx" else "pdf"},
        )
    return Register(content, data, "xlsx" if fmt == "xlsx" else "pdf")
