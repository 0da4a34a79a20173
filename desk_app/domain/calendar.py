"""Working days for deadlines: Indonesian public holidays (the `holidays` package) and weekends
excluded, plus holidays the desk adds (local holidays, cuti bersama)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

import holidays


class DeadlineState(enum.StrEnum):
    ON_TIME = "on_time"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"


class WorkingCalendar:
    def __init__(self, extra_holidays: Iterable[dt.date] = ()) -> None:
        self._national_days: holidays.HolidayBase | None = None
        self._extra = frozenset(extra_holidays)

    @property
    def _national(self) -> holidays.HolidayBase:
        # Built on first use (about 60 ms), not while the app starts.
        if self._national_days is None:
            self._national_days = holidays.country_holidays("ID")
        return self._national_days

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._national and day not in self._extra

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (the day of receipt does not count)."""
        if days < 0:
            raise ValueError("days must be >= 0")
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
