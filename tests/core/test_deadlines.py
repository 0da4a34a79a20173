"""Due dates: working days without cuti bersama, the desk's own days that IT enters (used by the
next complaint recorded, without a restart), and the rule by report type and category."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select

from desk_app import deadlines
from desk_app.errors import CalendarDayRefused, PermissionDenied
from desk_app.services import corrections, holidays, intake
from desk_app.services.desk import open_desk
from desk_app.store import models
from tests.conftest import CLERK, IT, SUPERVISOR, make_form

# Tuesday 17/03/2026 09:00 WIB; "today" is Wednesday 25/03/2026 10:00 WIB.
RECEIVED = "2026-03-17T02:00:00+00:00"
TODAY = dt.datetime(2026, 3, 25, 3, 0)


def record(desk, **overrides):
    form = make_form(received_at=RECEIVED, **overrides)
    return intake.record_complaint(desk.acting(CLERK), form, now=TODAY)


def test_five_working_days_from_17_march_2026_end_on_31_march(desk):
    """Nyepi, Idul Fitri and their cuti bersama (18, 20, 23, 24/03) are not working days: with
    cuti bersama counted it would have been due today, 25/03/2026."""
    assert desk.reference.sla_days("PENDIDIKAN") == 5
    recorded = record(desk, category="PENDIDIKAN")
    assert recorded.due_date == dt.date(2026, 3, 31)


def test_a_local_holiday_added_by_it_moves_the_next_due_date(desk):
    before = record(desk, category="PENDIDIKAN")
    holidays.add_holiday(
        desk.acting(IT), dt.date(2026, 3, 27), "Hari Jadi Kabupaten", "Perbup 12/2026"
    )
    after = record(desk, category="PENDIDIKAN")  # the same desk value: no restart
    assert (before.due_date, after.due_date) == (dt.date(2026, 3, 31), dt.date(2026, 4, 1))


def test_a_cuti_bersama_cancelled_by_skb_counts_again(desk):
    holidays.add_working_day(
        desk.acting(IT), dt.date(2026, 3, 24), "Cuti bersama dibatalkan", "SKB 3 Menteri 2026"
    )
    assert record(desk, category="PENDIDIKAN").due_date == dt.date(2026, 3, 30)


def test_removing_the_day_gives_it_back_to_the_country_calendar(desk):
    it = desk.acting(IT)
    holidays.add_holiday(it, dt.date(2026, 3, 27), "Hari Jadi", "Perbup 12/2026")
    changed = holidays.remove_day(it, dt.date(2026, 3, 27), "salah tanggal")
    assert changed.after is None and changed.before.name == "Hari Jadi"
    assert changed.calendar.is_working_day(dt.date(2026, 3, 27))
    assert record(desk, category="PENDIDIKAN").due_date == dt.date(2026, 3, 31)
    assert holidays.list_days(it) == []


def test_a_new_desk_opens_with_the_stored_days(desk, data_dir):
    holidays.add_holiday(desk.acting(IT), dt.date(2026, 3, 27), "Hari Jadi", "Perbup 12/2026")
    reopened = open_desk(data_dir)
    try:
        assert not reopened.calendar.is_working_day(dt.date(2026, 3, 27))
    finally:
        reopened.close()


def test_each_change_is_audited_with_its_reason(desk):
    it = desk.acting(IT)
    holidays.add_holiday(it, dt.date(2026, 3, 27), "Hari Jadi", "Perbup 12/2026")
    holidays.add_working_day(it, dt.date(2026, 3, 27), "Masuk", "SKB revisi")
    E = models.AuditEvent
    with desk.db.reading() as session:
        rows = session.scalars(select(E).where(E.action == "calendar.day").order_by(E.seq)).all()
    assert [(r.actor, r.object_id, r.reason) for r in rows] == [
        ("tono", "2026-03-27", "Perbup 12/2026"),
        ("tono", "2026-03-27", "SKB revisi"),
    ]
    assert json.loads(rows[1].before) == {"working": False, "name": "Hari Jadi"}
    assert json.loads(rows[1].after) == {"working": True, "name": "Masuk"}


def test_the_list_names_what_the_country_calendar_says(desk):
    it = desk.acting(IT)
    holidays.add_working_day(it, dt.date(2026, 3, 24), "Masuk", "SKB 2026")
    (row,) = holidays.list_days(it)
    assert row.working and row.name == "Masuk" and row.changed_by == "tono"
    assert row.national == "Cuti Bersama Hari Raya Idul Fitri"  # the package's name, in Indonesian


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda d: holidays.add_holiday(d, dt.date(2026, 3, 27), "Hari Jadi", "  "), "no_reason"),
        (lambda d: holidays.add_holiday(d, dt.date(2026, 3, 27), " ", "Perbup"), "no_name"),
        (lambda d: holidays.add_working_day(d, dt.date(2026, 3, 28), "x", "SKB"), "weekend"),
        (lambda d: holidays.remove_day(d, dt.date(2026, 3, 27), "SKB"), "not_listed"),
    ],
)
def test_a_refused_change_stores_nothing(desk, call, reason):
    it = desk.acting(IT)
    with pytest.raises(CalendarDayRefused) as refused:
        call(it)
    assert refused.value.params["reason"] == reason
    assert refused.value.message()  # words, in Indonesian
    assert holidays.list_days(it) == []


def test_only_it_changes_the_calendar(desk):
    with pytest.raises(PermissionDenied):
        holidays.add_holiday(desk.acting(SUPERVISOR), dt.date(2026, 3, 27), "x", "y")


# -- the rule by report type and category ---------------------------------------------------------


def test_an_information_request_under_pendidikan_gets_ten_working_days(desk):
    recorded = record(desk, category="PENDIDIKAN", report_type="permintaan_informasi")
    assert desk.calendar.working_days_between(dt.date(2026, 3, 17), recorded.due_date) == 10
    assert recorded.due_date == dt.date(2026, 4, 8)  # Good Friday 03/04 is a holiday


def test_information_requests_may_be_extended_by_seven_days(desk):
    rule = deadlines.load().for_complaint("permintaan_informasi", "PENDIDIKAN", desk.reference)
    assert (rule.working_days, rule.extension_working_days) == (10, 7)
    assert "14/2008" in rule.basis


def test_a_complaint_follows_its_category(desk):
    rules = deadlines.load()
    for code, category in desk.reference.categories.items():
        assert rules.for_complaint("pengaduan", code, desk.reference).working_days == (
            category.sla_working_days
        )


def test_the_most_specific_rule_wins(desk):
    rules = deadlines.parse(
        {
            "default_working_days": 5,
            "rules": [
                {"report_type": "aspirasi", "working_days": 14},
                {"report_type": "aspirasi", "category": "KESEHATAN", "working_days": 2},
                {"category": "PENDIDIKAN", "working_days": 8},
            ],
        }
    )
    ref = desk.reference
    assert rules.for_complaint("aspirasi", "KESEHATAN", ref).working_days == 2
    assert rules.for_complaint("aspirasi", "PENDIDIKAN", ref).working_days == 14
    assert rules.for_complaint("pengaduan", "PENDIDIKAN", ref).working_days == 8
    assert rules.for_complaint("pengaduan", "NOPE", ref).working_days == 5


def test_a_correction_to_the_report_type_recomputes_the_due_date(desk):
    recorded = record(desk, category="PENDIDIKAN")
    form = dataclasses.replace(
        corrections.form_of(desk, recorded.id), report_type="permintaan_informasi"
    )
    changed = corrections.correct_complaint(desk, recorded.id, form, "salah jenis laporan")
    assert changed.fields == ("report_type", "due_date")
    row = corrections.form_of(desk, recorded.id)
    assert row.report_type == "permintaan_informasi"
    with desk.db.reading() as session:
        due = session.scalar(
            select(models.Complaint.due_date).where(models.Complaint.id == recorded.id)
        )
    assert due == dt.date(2026, 4, 8)


def test_a_correction_uses_the_days_it_entered(desk):
    recorded = record(desk, category="PENDIDIKAN")
    holidays.add_holiday(desk.acting(IT), dt.date(2026, 3, 27), "Hari Jadi", "Perbup 12/2026")
    form = dataclasses.replace(corrections.form_of(desk, recorded.id), category="KESEHATAN")
    corrections.correct_complaint(desk, recorded.id, form, "salah kategori")
    with desk.db.reading() as session:
        due = session.scalar(
            select(models.Complaint.due_date).where(models.Complaint.id == recorded.id)
        )
    assert due == dt.date(2026, 4, 1)


def test_the_extension_is_shown_beside_an_information_requests_deadline(desk):
    from desk_app import cli
    from desk_app.services import lookup

    request = record(desk, category="PENDIDIKAN", report_type="permintaan_informasi")
    complaint = record(desk, category="PENDIDIKAN")
    shown = cli.describe(desk, lookup.get_complaint(desk, request.tracking_no))
    line = next(x for x in shown.splitlines() if x.startswith("Tenggat"))
    assert "08/04/2026" in line and "; dapat diperpanjang 7 hari kerja (UU 14/2008" in line
    plain = cli.describe(desk, lookup.get_complaint(desk, complaint.tracking_no))
    line = next(x for x in plain.splitlines() if x.startswith("Tenggat"))
    assert "31/03/2026" in line and "diperpanjang" not in plain


def test_a_desk_keeps_the_country_days_it_counted_in_the_machines_cache(
    data_dir, tmp_path, monkeypatch
):
    """The first due date of a process reads the year back from the cache (calendar_cache.py)
    instead of importing the holidays package: the desk opens with that cache."""
    monkeypatch.setenv("MEJA_ADUAN_CACHE_DIR", str(tmp_path / "cache"))
    set_up = open_desk(data_dir)
    try:
        from desk_app import settings

        settings.set_value(set_up.db, "desk_code", "PKU01")
        desk = set_up.reloaded().acting(SUPERVISOR)
        assert record(desk, category="PENDIDIKAN").due_date == dt.date(2026, 3, 31)
    finally:
        set_up.close()
    kept = json.loads(next((tmp_path / "cache").glob("holidays-ID-*.json")).read_text())
    assert "2026-03-20" in kept["years"]["2026"]  # Idul Fitri, which moved that due date
