"""Deadlines in working days: weekends, Indonesian public holidays and the desk's own holidays."""

import datetime as dt

from desk_app.domain.calendar import DeadlineState, WorkingCalendar, deadline_state


def test_weekend_is_skipped():
    cal = WorkingCalendar()
    # Friday 20/11/2026 + 1 working day = Monday 23/11/2026
    assert cal.add_working_days(dt.date(2026, 11, 20), 1) == dt.date(2026, 11, 23)


def test_national_holiday_is_skipped():
    cal = WorkingCalendar()
    # 24/12/2026 (Thu) + 1: Christmas (Fri 25/12) is a holiday, then the weekend.
    assert cal.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)
    assert not cal.is_working_day(dt.date(2026, 8, 17))  # Hari Kemerdekaan


def test_local_holiday_added_by_the_desk():
    plain = WorkingCalendar()
    local = WorkingCalendar(extra_holidays=[dt.date(2026, 11, 24)])
    assert plain.add_working_days(dt.date(2026, 11, 23), 1) == dt.date(2026, 11, 24)
    assert local.add_working_days(dt.date(2026, 11, 23), 1) == dt.date(2026, 11, 25)


def test_deadline_states():
    due = dt.date(2026, 11, 26)
    assert deadline_state(due, dt.date(2026, 11, 25)) is DeadlineState.ON_TIME
    assert deadline_state(due, due) is DeadlineState.DUE_TODAY
    assert deadline_state(due, dt.date(2026, 11, 27)) is DeadlineState.OVERDUE


def test_working_days_between_counts_both_ways():
    cal = WorkingCalendar()
    assert cal.working_days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 27)) == 5
    assert cal.working_days_between(dt.date(2026, 11, 27), dt.date(2026, 11, 20)) == -5


# -- edges ---------------------------------------------------------------------------------------


def test_zero_working_days_is_the_same_day():
    assert WorkingCalendar().add_working_days(dt.date(2026, 11, 21), 0) == dt.date(2026, 11, 21)


def test_a_span_ending_before_a_weekend_stays_in_the_week():
    # Thursday 19/11/2026 + 1 = Friday 20/11/2026 (not Monday)
    assert WorkingCalendar().add_working_days(dt.date(2026, 11, 19), 1) == dt.date(2026, 11, 20)


def test_received_on_a_saturday_counts_from_monday():
    # Saturday 21/11/2026 + 1 = Monday 23/11/2026
    assert WorkingCalendar().add_working_days(dt.date(2026, 11, 21), 1) == dt.date(2026, 11, 23)


def test_between_the_same_day_is_zero():
    assert WorkingCalendar().working_days_between(dt.date(2026, 11, 20), dt.date(2026, 11, 20)) == 0


def test_negative_days_are_refused():
    import pytest

    with pytest.raises(ValueError):
        WorkingCalendar().add_working_days(dt.date(2026, 11, 20), -1)


# -- cuti bersama and the desk's own changes ------------------------------------------------------


def test_cuti_bersama_is_not_a_working_day():
    """Received Tuesday 17/03/2026, 5 working days: Nyepi (19/03), Idul Fitri (21-22/03) and
    the cuti bersama around them (18, 20, 23, 24/03) do not count: due Tuesday 31/03/2026, not
    Wednesday 25/03/2026 as when cuti bersama counted."""
    cal = WorkingCalendar()
    assert not cal.is_working_day(dt.date(2026, 3, 18))  # cuti bersama Nyepi
    assert cal.add_working_days(dt.date(2026, 3, 17), 5) == dt.date(2026, 3, 31)


def test_a_cuti_bersama_cancelled_by_skb_is_a_working_day_again():
    plain = WorkingCalendar()
    changed = plain.with_changes([], [dt.date(2026, 3, 18)])
    assert changed.is_working_day(dt.date(2026, 3, 18))
    assert changed.add_working_days(dt.date(2026, 3, 17), 1) == dt.date(2026, 3, 18)
    assert plain.add_working_days(dt.date(2026, 3, 17), 1) == dt.date(2026, 3, 25)


def test_a_working_day_order_never_makes_a_weekend_a_working_day():
    cal = WorkingCalendar(extra_working_days=[dt.date(2026, 3, 21)])  # a Saturday
    assert not cal.is_working_day(dt.date(2026, 3, 21))


def test_changes_replace_the_previous_ones():
    local = WorkingCalendar(extra_holidays=[dt.date(2026, 11, 24)])
    assert local.with_changes([]).is_working_day(dt.date(2026, 11, 24))


def test_national_holiday_names_the_day():
    cal = WorkingCalendar()
    assert cal.national_holiday(dt.date(2026, 8, 17))
    assert cal.national_holiday(dt.date(2026, 8, 18)) == ""


def test_the_same_changes_give_the_calendar_made_before_with_its_due_dates():
    base = WorkingCalendar()
    first = base.with_changes([dt.date(2026, 11, 24)])
    assert first.add_working_days(dt.date(2026, 11, 23), 1) == dt.date(2026, 11, 25)
    again = base.with_changes({dt.date(2026, 11, 24)})
    assert again is first  # a recording per chunk or save does not count its due date anew


def test_a_calendar_remembers_a_due_date_it_has_counted(monkeypatch):
    cal = WorkingCalendar()
    assert cal.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)
    monkeypatch.setattr(cal, "is_working_day", lambda day: 1 / 0)
    assert cal.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)


def test_other_changes_give_another_calendar_and_other_due_dates():
    base = WorkingCalendar()
    assert base.with_changes([]).add_working_days(dt.date(2026, 11, 23), 1) == dt.date(2026, 11, 24)
    holiday = base.with_changes([dt.date(2026, 11, 24)])
    assert holiday.add_working_days(dt.date(2026, 11, 23), 1) == dt.date(2026, 11, 25)
    moved = base.with_changes([], [dt.date(2026, 12, 24)])  # a cuti bersama cancelled
    assert moved is not base.with_changes([])


# -- the country's days kept in the machine's cache (desk_app/calendar_cache.py) -------------

CATEGORIES = ("public", "government")


def kept_file(folder, version: str, years: dict) -> None:
    """A cache file as YearCache writes it, for `version`, holding `years` ({year: [ISO]})."""
    import json

    key = {"country": "ID", "categories": sorted(CATEGORIES), "version": version}
    name = f"holidays-ID-{'-'.join(sorted(CATEGORIES))}-{version}.json"
    (folder / name).write_text(json.dumps({"key": key, "years": years}))


def test_a_year_kept_in_the_cache_is_the_one_used(tmp_path):
    from desk_app.calendar_cache import YearCache

    # Tuesday 24/11/2026 is no holiday in the package: here the kept year says it is.
    kept_file(tmp_path, "9.9", {"2026": ["2026-11-24"]})
    cal = WorkingCalendar(store=YearCache(tmp_path, CATEGORIES, version="9.9"))
    assert not cal.is_working_day(dt.date(2026, 11, 24))


def test_a_year_computed_is_kept_as_the_package_gives_it(tmp_path):
    from desk_app.calendar_cache import YearCache

    cal = WorkingCalendar(store=YearCache(tmp_path, CATEGORIES))
    assert cal.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)
    again = YearCache(tmp_path, CATEGORIES)  # another process, reading the file back
    days = [dt.date(2026, 1, 1) + dt.timedelta(n) for n in range(365)]
    expected = frozenset(
        d for d in days if d.weekday() < 5 and not WorkingCalendar().is_working_day(d)
    )
    assert {d for d in again.get(2026) if d.weekday() < 5} == expected


def test_a_damaged_cache_file_is_ignored_and_written_again(tmp_path):
    from desk_app.calendar_cache import YearCache

    store = YearCache(tmp_path, CATEGORIES)
    store.get(2026)  # names the file for the installed version
    store.path.write_text('{"key": {"version": ')  # cut short by a power cut
    cal = WorkingCalendar(store=YearCache(tmp_path, CATEGORIES))
    assert not cal.is_working_day(dt.date(2026, 12, 25))  # Christmas, from the package
    assert dt.date(2026, 12, 25) in YearCache(tmp_path, CATEGORIES).get(2026)


def test_a_cache_file_of_another_package_version_is_not_read(tmp_path):
    from desk_app.calendar_cache import YearCache

    kept_file(tmp_path, "9.9", {"2026": ["2026-11-24"]})
    (tmp_path / "holidays-ID-government-public-9.9.json").rename(
        tmp_path / "holidays-ID-government-public-9.8.json"
    )
    cal = WorkingCalendar(store=YearCache(tmp_path, CATEGORIES, version="9.8"))
    assert cal.is_working_day(dt.date(2026, 11, 24))  # the file says 9.9 inside


def test_a_cache_folder_that_cannot_be_written_leaves_the_calendar_working(tmp_path):
    from desk_app.calendar_cache import YearCache

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")  # a file where the folder should be
    cal = WorkingCalendar(store=YearCache(blocked, CATEGORIES))
    assert cal.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 28)


def test_a_holidays_name_is_told_when_its_year_came_from_the_cache(tmp_path):
    from desk_app.calendar_cache import YearCache

    WorkingCalendar(store=YearCache(tmp_path, CATEGORIES)).is_working_day(dt.date(2026, 8, 17))
    cal = WorkingCalendar(store=YearCache(tmp_path, CATEGORIES))
    assert "Kemerdekaan" in cal.national_holiday(dt.date(2026, 8, 17))
