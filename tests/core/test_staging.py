"""A complaint staged before its transaction (services/staging.py) is, once its number and due
date are filled in, what intake writes for one save: the same row and, to the byte, the same
audit view JSON (what is sealed), in the view's three parts around those two values."""

from __future__ import annotations

import datetime as dt

import pytest

from desk_app.audit import seal
from desk_app.domain.complaint import validate
from desk_app.services import intake, staging
from tests.conftest import make_form

NOW = dt.datetime(2026, 11, 20, 3, 4, 5, 678901)
NUMBER = "PKU01-20261120-0007-X"
DUE = dt.date(2026, 12, 11)
FILES = [
    {"filename": "ktp siti.jpg", "sha256": "ab" * 32, "size": "11000"},
    {"filename": "surat.pdf", "sha256": "cd" * 32, "size": "2048"},
]


def staged_now(desk, valid) -> staging.Staged:
    """`valid` staged as recorded and received at NOW by the desk's acting user."""
    [staged] = staging.stage_many(
        [(valid, NOW)], [NOW.date()], [NOW.date()], desk.desk_code, desk.user
    )
    return staged


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        dict(  # text JSON must escape, empty identity fields, attachments, a time received
            subject='Lampu "padam" di simpang\\empat',
            description="Baris satu\nbaris dua\ttab, é ñ 漢字 \u2028 selesai di sini.",
            reporter_nik="",
            reporter_phone="",
            reporter_email="",
            event_date="",
            received_at="2026-11-19T22:15:30.000001+07:00",
            attachments=FILES,
        ),
        dict(reporter_name="", anonymous="yes", received_at="2026-11-19T22:15:30+07:00"),
    ],
)
def test_a_staged_complaint_completes_to_what_intake_writes(desk, overrides):
    valid = validate(make_form(**overrides), desk.reference, today=NOW.date())
    row, view_json = staged_now(desk, valid).complete(NUMBER, DUE)

    expected = intake.complaint_row(desk, valid, number=NUMBER, now=NOW, link_to=None)
    expected |= {"id": row[0], "due_date": DUE}  # a new id each time; the due date as given
    assert dict(zip(staging.COMPLAINT_KEYS, row, strict=True)) == expected
    files = [dict(f, size=int(f["size"])) for f in valid.attachments]
    assert view_json == seal.plain_json(intake.audit_view(expected, files))
    assert view_json == seal.to_json(intake.audit_view(expected, files))


def test_the_view_is_split_only_around_the_due_date_and_the_number(desk):
    staged = staged_now(desk, validate(make_form(), desk.reference, today=NOW.date()))
    head, middle, tail = staged.view
    assert head.endswith(',"due_date":') and middle.endswith(',"tracking_no":')
    assert NUMBER not in "".join(staged.view) and staged.row[1] is None
