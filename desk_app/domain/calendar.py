"""Working days for deadlines: weekends, Indonesian public holidays and cuti bersama (the joint
leave days the government sets; the `holidays` package's `government` category) excluded, plus
the desk's own changes that IT enters: local holidays, and days an SKB moved or cancelled (a day
the package lists as a holiday that is a working day after all)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from desk_app.i18n import language

if TYPE_CHECKING:  # the package takes 100+ ms to import: only when a day is first asked about
    import holidays

# Public holidays and cuti bersama (SKB Bersama Menteri); the desk's own changes come on top.
HOLIDAY_CATEGORIES = ("public", "government")


def local_day(when: dt.datetime, zone) -> dt.date:
    """The day in `zone` (the desk's) of a time stored as naive UTC."""
    return when.replace(tzinfo=dt.UTC).astimezone(zone).date()


class DeadlineState(enum.StrEnum):
    ON_TIME = "on_time"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"


class YearStore(Protocol):
    """Where the country's holidays of a year are kept once computed (calendar_cache.py)."""

    def get(self, year: int) -> frozenset[dt.date] | None: ...

    def put(self, year: int, days: frozenset[dt.date]) -> None: ...


class _National:
    """The country's holidays, built on first use and shared by every calendar made from it
    (with_changes), so a calendar per recording costs nothing. A year comes from `store` when
    it has it, else from the `holidays` package (70-100 ms to import) and is put there."""

    def __init__(self, store: YearStore | None = None) -> None:
        self._store = store
        self._days: holidays.HolidayBase | None = None
        # Each year's days as a plain set: a due date asks about a week or two of days, and the
        # package's own lookup (key conversion, year check) cost more than the rest of it.
        self._years: dict[int, frozenset[dt.date]] = {}
        # The calendars made from it, by their desk changes (WorkingCalendar.with_changes):
        # each recording asks for the stored calendar, which seldom changes, and a calendar
        # keeps the due dates it has counted.
        self.variants: dict[tuple[frozenset, frozenset], WorkingCalendar] = {}

    def __contains__(self, day: dt.date) -> bool:
        year = self._years.get(day.year)
        if year is None:
            year = self._years[day.year] = self._year(day.year)
        return day in year

    def _year(self, year: int) -> frozenset[dt.date]:
        days = self._store.get(year) if self._store is not None else None
        if days is None:
            package = self._package()
            for near in (year - 1, year, year + 1):  # a day observed across New Year, either way
                _ = dt.date(near, 6, 1) in package  # the package fills a year when first asked
            days = frozenset(d for d in package if d.year == year)
            if self._store is not None:
                self._store.put(year, days)
        return days

    def _package(self) -> holidays.HolidayBase:
        if self._days is None:
            import holidays

            self._days = holidays.country_holidays(
                "ID",
                categories=HOLIDAY_CATEGORIES,
                language="en_US" if language() == "en" else "id",  # the names, for the lists
            )
        return self._days

    def name(self, day: dt.date) -> str:
        return self._package().get(day, "") if day in self else ""


class WorkingCalendar:
    """`extra_holidays`: the desk's local holidays (and cuti bersama added by a late SKB);
    `extra_working_days`: days that are working days although the package lists them as
    holidays (a cuti bersama moved or cancelled). A weekend stays a weekend."""

    def __init__(
        self,
        extra_holidays: Iterable[dt.date] = (),
        extra_working_days: Iterable[dt.date] = (),
        *,
        store: YearStore | None = None,
        _national: _National | None = None,
    ) -> None:
        self._national = _national or _National(store)
        self._extra = frozenset(extra_holidays)
        self._working = frozenset(extra_working_days) - self._extra
        self._due: dict[tuple[dt.date, int], dt.date] = {}  # add_working_days' answers

    def with_changes(
        self, extra_holidays: Iterable[dt.date], extra_working_days: Iterable[dt.date] = ()
    ) -> WorkingCalendar:
        """The same country calendar with these desk changes instead of this one's (the one
        made before for the same changes: a calendar does not change once made)."""
        key = (frozenset(extra_holidays), frozenset(extra_working_days))
        found = self._national.variants.get(key)
        if found is None:
            found = WorkingCalendar(*key, _national=self._national)
            self._national.variants[key] = found
        return found

    def is_working_day(self, day: dt.date) -> bool:
        if day.weekday() >= 5 or day in self._extra:
            return False
        return day in self._working or day not in self._national

    def national_holiday(self, day: dt.date) -> str:
        """The package's name for `day` if it is a public holiday or cuti bersama, else ""."""
        return self._national.name(day)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (the day of receipt does not count)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        due = self._due.get((start, days))
        if due is None:
            due = self._due[start, days] = self._count_working_days(start, days)
        return due

    def _count_working_days(self, start: dt.date, days: int) -> dt.date:
        day = start
        remaining = days
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative if end < start)."""
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_working_day(day)
        return count


def deadline_state(due: dt.date, today: dt.date) -> DeadlineState:
    if today > due:
        return DeadlineState.OVERDUE
    if today == due:
        return DeadlineState.DUE_TODAY
    return DeadlineState.ON_TIME
