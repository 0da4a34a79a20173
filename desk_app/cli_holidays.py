"""`desk-app holidays`: the desk's own calendar days (local holidays, SKB changes) for IT, the
same as the settings tab's holiday table (services/holidays.py: checked, audited)."""

from __future__ import annotations

import argparse
import sys

from desk_app.errors import CalendarDayRefused
from desk_app.i18n import _

EXIT_OK, EXIT_USAGE = 0, 2


def add_parser(sub, day_type) -> None:
    """`day_type`: the argparse type that reads dd/mm/yyyy (cli._day)."""
    days = sub.add_parser(
        "holidays",
        help=_("the desk's local holidays and SKB changes that deadlines skip or count (IT)"),
    )
    actions = days.add_subparsers(dest="holidays_command", metavar="ACTION", required=True)
    actions.add_parser("list", help=_("list the desk's own holidays and working days"))
    add = actions.add_parser(
        "add", help=_("make a day a holiday (a local holiday, or a cuti bersama an SKB added)")
    )
    working = actions.add_parser(
        "working",
        help=_("make a holiday a working day after all (an SKB moved or cancelled it)"),
    )
    remove = actions.add_parser("remove", help=_("give a day back to the national calendar"))
    for parser in (add, working, remove):
        parser.add_argument("day", type=day_type, metavar="DD/MM/YYYY")
    for parser in (add, working):
        parser.add_argument("--name", required=True, metavar="TEXT", help=_("the day's name"))
    for parser in (add, working, remove):
        parser.add_argument(
            "--reason",
            required=True,
            metavar="TEXT",
            help=_("why, for the audit trail (e.g. the SKB's number)"),
        )


def run(desk, args: argparse.Namespace) -> int:
    from desk_app.domain.validation import format_date
    from desk_app.services import holidays

    if args.holidays_command == "list":
        for row in holidays.list_days(desk):
            kind = _("working day") if row.working else _("holiday")
            line = f"{format_date(row.day)}  {kind}  {row.name}"
            if row.national:
                line += "  " + _("(national calendar: {name})").format(name=row.national)
            print(line)
        return EXIT_OK
    try:
        if args.holidays_command == "add":
            holidays.add_holiday(desk, args.day, args.name, args.reason)
        elif args.holidays_command == "working":
            holidays.add_working_day(desk, args.day, args.name, args.reason)
        else:
            holidays.remove_day(desk, args.day, args.reason)
    except CalendarDayRefused as exc:
        print(exc.message(), file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
