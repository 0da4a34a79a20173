"""How the desk shows times and dates: stored in UTC, shown in the desk's zone, dd/mm/yyyy."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from desk_app.i18n import _
from desk_app.settings import zone_abbreviation


def to_local(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC).astimezone(zone)


def datetime_text(value: dt.datetime | None, zone: ZoneInfo) -> str:
    """'26/11/2026 14:05 WIB'"""
    if value is None:
        return ""
    local = to_local(value, zone)
    return f"{local:%d/%m/%Y %H:%M} {zone_abbreviation(zone.key)}"


def date_text(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


# An empty field and a hidden one must not look alike: "—" says the reporter gave nothing,
# "(disembunyikan)" that the desk keeps it from this user (services/visibility.py).
EMPTY = "—"


def identity_text(value: str | None, *, masked: bool, empty: str = EMPTY) -> str:
    """A reporter field as shown: "(hidden)" when masked for this user, `empty` when blank."""
    if masked:
        return _("(hidden)")
    return value or empty
