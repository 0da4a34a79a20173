"""`desk-app search`: the list's rows, in the list's order, for IT on a headless desk."""

from __future__ import annotations

import datetime as dt

import pytest

from desk_app import i18n
from desk_app.services import intake, lookup
from tests.conftest import CLERK, IT, SUPERVISOR, make_form, open_acting, run_cli, set_up_desk

TODAY = dt.datetime(2026, 11, 20, 3, 0)  # 10:00 WIB


@pytest.fixture
def backdated(data_dir):
    """This morning's three complaints (one anonymous), then an import of four older ones
    recorded after them (higher seq, older received time)."""
    set_up_desk(data_dir)
    desk = open_acting(data_dir, CLERK)
    try:
        for i in range(3):
            form = make_form(subject=f"Pagi ini {i}", anonymous="yes" if i == 1 else "no")
            intake.record_complaint(desk, form, now=TODAY + dt.timedelta(minutes=i))
        for i in range(4):
            when = (TODAY - dt.timedelta(days=10 * (i + 1))).isoformat()
            form = make_form(subject=f"Impor lama\t{i}", received_at=when)
            intake.record_complaint(desk, form, now=TODAY + dt.timedelta(hours=1))
    finally:
        desk.close()
    return data_dir


def search(capsys, data_dir, *args, user=SUPERVISOR.username):
    code = run_cli(data_dir, "--lang", "en", "search", *args, user=user)
    out, err = capsys.readouterr()
    return code, [line.split("\t") for line in out.splitlines()], err


def list_rows_of(data_dir, actor, query):
    desk = open_acting(data_dir, actor)
    try:
        return lookup.list_complaints(desk, query, limit=100).rows
    finally:
        desk.close()


def test_prints_the_lists_rows_newest_received_first(capsys, backdated):
    code, rows, err = search(capsys, backdated)
    assert code == 0, err
    header, *body = rows
    assert header[:4] == ["Tracking number", "Received", "Reporter", "Subject"]
    assert all(len(row) == len(header) for row in body)
    assert [row[3] for row in body] == [
        "Pagi ini 2",
        "Pagi ini 1",
        "Pagi ini 0",
        "Impor lama 0",  # the tab in the subject does not split the row
        "Impor lama 1",
        "Impor lama 2",
        "Impor lama 3",
    ]
    listed = list_rows_of(backdated, SUPERVISOR, lookup.ListQuery())
    assert [row[0] for row in body] == [r.tracking_no for r in listed]
    assert body[0][1].startswith("20/11/2026 10:02")


def test_oldest_first_limit_status_and_dates(capsys, backdated):
    code, rows, _err = search(capsys, backdated, "--oldest-first", "--limit", "2")
    assert code == 0
    assert [row[3] for row in rows[1:]] == ["Impor lama 3", "Impor lama 2"]
    code, rows, _err = search(capsys, backdated, "--from", "01/11/2026", "--to", "20/11/2026")
    assert [row[3] for row in rows[1:]] == [
        "Pagi ini 2",
        "Pagi ini 1",
        "Pagi ini 0",
        "Impor lama 0",
    ]
    code, rows, _err = search(capsys, backdated, "--status", "completed")
    assert code == 0 and len(rows) == 1  # the header alone


def test_pages_past_the_page_size(capsys, backdated, monkeypatch):
    monkeypatch.setattr(lookup, "PAGE_SIZE", 2)
    code, rows, _err = search(capsys, backdated, "--limit", "6")
    assert code == 0
    subjects = [row[3] for row in rows[1:]]
    assert len(subjects) == len(set(subjects)) == 6
    assert subjects[-1] == "Impor lama 2"


def test_hidden_reporter_says_hidden_for_it(capsys, backdated):
    code, rows, err = search(capsys, backdated, "Pagi", user=IT.username)
    assert code == 0, err
    reporters = {row[3]: row[2] for row in rows[1:]}
    assert reporters["Pagi ini 1"] == "(hidden)"
    assert reporters["Pagi ini 0"] not in ("", "-", "(hidden)")
    assert "recorded" in err  # word searches say which order they come in


def test_hidden_reporter_in_indonesian(capsys, backdated):
    code = run_cli(backdated, "--lang", "id", "search", "--limit", "3", user=IT.username)
    out, _err = capsys.readouterr()
    i18n.install("en")
    assert code == 0
    assert "(disembunyikan)" in out.splitlines()[2].split("\t")


@pytest.mark.parametrize("args", [("--from", "31/02/2026"), ("--to", "2026-11-20")])
def test_bad_dates_exit_2_with_words(capsys, backdated, args):
    with pytest.raises(SystemExit) as exc:  # argparse's usage error, before signing in
        run_cli(backdated, "--lang", "en", "search", *args)
    out, err = capsys.readouterr()
    assert exc.value.code == 2 and out == ""
    assert "Type the date as dd/mm/yyyy" in err and args[0] in err
    assert "Traceback" not in err


def test_dates_the_wrong_way_round_exit_2(capsys, backdated):
    code, rows, err = search(capsys, backdated, "--from", "20/11/2026", "--to", "01/11/2026")
    assert code == 2 and rows == []
    assert "The start date is after the end date." in err
