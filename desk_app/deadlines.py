"""How many working days a complaint has, by report type and category, read from
resources/deadlines/deadlines.json; and the one function that turns that into a due date.

The rule that applies is the most specific: a rule naming both the report type and the
category, then one naming the report type (information requests: UU 14/2008, 10 working days,
extendable by 7), then one naming the category, then the category's own days
(categories.json `sla_working_days`), then `default_working_days`.

How to add one: append to "rules" an object with `report_type` and/or `category` (the stored
codes), `working_days`, and optionally `extension_working_days` and `basis` (the regulation).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field

from desk_app import paths
from desk_app.domain.calendar import WorkingCalendar
from desk_app.i18n import ngettext
from desk_app.reference import Reference


@dataclass(frozen=True)
class Deadline:
    """`working_days` after the day of receipt; `extension_working_days` more may be taken
    (said to the citizen in writing), 0 if the rule allows none; `basis`: the regulation."""

    working_days: int
    extension_working_days: int = 0
    basis: str = ""


@dataclass(frozen=True)
class DeadlineRules:
    default_working_days: int
    rules: tuple[tuple[str | None, str | None, Deadline], ...]  # (report_type, category, rule)
    _first: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The first rule for each (report_type, category), looked up at every complaint
        # recorded (a bulk load asks once per row).
        first: dict[tuple[str | None, str | None], Deadline] = {}
        for r, c, d in self.rules:
            first.setdefault((r, c), d)
        object.__setattr__(self, "_first", first)

    def for_complaint(self, report_type: str, category: str, reference: Reference) -> Deadline:
        match = self._first.get
        found = match((report_type, category)) or match((report_type, None))
        found = found or match((None, category))
        if found is not None:
            return found
        known = reference.categories.get(category)
        if known is not None:
            return Deadline(known.sla_working_days)
        return Deadline(self.default_working_days)


def parse(data: dict) -> DeadlineRules:
    rules = tuple(
        (
            r.get("report_type"),
            r.get("category"),
            Deadline(
                int(r["working_days"]),
                int(r.get("extension_working_days", 0)),
                str(r.get("basis", "")),
            ),
        )
        for r in data.get("rules", [])
    )
    return DeadlineRules(int(data["default_working_days"]), rules)


@functools.cache
def load() -> DeadlineRules:
    with open(paths.resources_dir() / "deadlines" / "deadlines.json", encoding="utf-8") as fh:
        return parse(json.load(fh))


def due_date(
    calendar: WorkingCalendar,
    reference: Reference,
    report_type: str,
    category: str,
    received: dt.date,
) -> dt.date:
    """The due date of a complaint received on the local day `received`: the one rule that
    intake, import, demo data and corrections all follow."""
    rule = load().for_complaint(report_type, category, reference)
    return calendar.add_working_days(received, rule.working_days)


def extension_note(report_type: str, category: str, reference: Reference) -> str:
    """What a deadline that may be extended says beside its date ("" when it may not): the
    extra working days and the regulation, e.g. for an information request (UU 14/2008)."""
    rule = load().for_complaint(report_type, category, reference)
    days = rule.extension_working_days
    if not days:
        return ""
    if rule.basis:
        return ngettext(
            "may be extended by {days} working day ({basis})",
            "may be extended by {days} working days ({basis})",
            days,
        ).format(days=days, basis=rule.basis)
    return ngettext(
        "may be extended by {days} working day", "may be extended by {days} working days", days
    ).format(days=days)
