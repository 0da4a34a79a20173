"""`desk-app holidays` as the IT officer uses it on a headless desk: list, add, working,
remove; audited through the service; refused for others and for a bad date."""

from __future__ import annotations

import datetime as dt

import pytest

from desk_app.services import intake
from desk_app.services.desk import open_desk
from tests.conftest import CLERK, IT, make_form, run_cli

IT_USER = IT.username


def test_it_adds_lists_and_removes_a_local_holiday(capsys, data_dir):
    assert (
        run_cli(
            data_dir,
            "holidays", "add", "27/03/2026", "--name", "Hari Jadi Kabupaten",
            "--reason", "Perbup 12/2026",
            user=IT_USER,
        )
        == 0
    )  # fmt: skip
    capsys.readouterr()
    assert run_cli(data_dir, "holidays", "list", user=IT_USER) == 0
    out = capsys.readouterr().out
    assert "27/03/2026" in out and "Hari Jadi Kabupaten" in out and "libur" in out
    # The next complaint recorded on this desk counts it.
    desk = open_desk(data_dir).acting(CLERK)
    try:
        form = make_form(category="PENDIDIKAN", received_at="2026-03-17T02:00:00+00:00")
        recorded = intake.record_complaint(desk, form, now=dt.datetime(2026, 3, 25, 3))
        assert recorded.due_date == dt.date(2026, 4, 1)
    finally:
        desk.close()
    assert (
        run_cli(data_dir, "holidays", "remove", "27/03/2026", "--reason", "salah", user=IT_USER)
        == 0
    )
    capsys.readouterr()
    assert run_cli(data_dir, "holidays", "list", user=IT_USER) == 0
    assert capsys.readouterr().out == ""


def test_an_skb_working_day_is_listed_with_what_the_country_calendar_said(capsys, data_dir):
    args = ("holidays", "working", "24/03/2026", "--name", "Masuk kerja", "--reason", "SKB")
    assert run_cli(data_dir, *args, user=IT_USER) == 0
    capsys.readouterr()
    assert run_cli(data_dir, "holidays", "list", user=IT_USER) == 0
    out = capsys.readouterr().out
    assert "hari kerja" in out and "Cuti Bersama Hari Raya Idul Fitri" in out


def test_a_weekend_cannot_be_made_a_working_day(capsys, data_dir):
    args = ("holidays", "working", "28/03/2026", "--name", "Masuk", "--reason", "SKB")
    assert run_cli(data_dir, *args, user=IT_USER) == 2
    assert "28/03/2026" in capsys.readouterr().err


def test_a_mistyped_date_is_refused_before_anything(capsys, data_dir):
    args = ("holidays", "add", "31/02/2026", "--name", "x", "--reason", "y")
    with pytest.raises(SystemExit) as stopped:  # argparse: usage error
        run_cli(data_dir, *args, user=IT_USER)
    assert stopped.value.code == 2
    assert "dd/mm/yyyy" in capsys.readouterr().err


def test_a_supervisor_may_not_change_the_calendar(capsys, data_dir):
    args = ("holidays", "add", "27/03/2026", "--name", "x", "--reason", "y")
    assert run_cli(data_dir, *args) != 0
