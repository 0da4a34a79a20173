"""How long each kind of backup is kept, read from the settings, and the words every screen and
the README use to say so (services/backup.py rotate() applies it).

Automatic daily copies rotate by count (the newest of each of the last N days, weeks and months
that have one), so that a desk left switched off for months still keeps its last copies. Manual,
pre-restore and pre-migration copies are kept a number of days and then deleted, whatever their
number: a time limit is what lets the privacy screen promise when erased data has left every
backup, which "the newest N" cannot (a desk that rarely makes a manual copy would keep one for
years). Defaults: manual 90 days (a quarter: copies made before month-end or an inspection),
pre-restore and pre-migration 30 days (a wrong restore or a failed update is noticed within
weeks). A copy written elsewhere with `desk-app backup --out` is outside the desk and never
deleted by it.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk_app import settings
from desk_app.i18n import _, ngettext
from desk_app.store.db import Database

# The settings (desk_app/settings.py) and the least each may be: a stored 0 or a negative
# number must not delete every copy.
SETTING_NAMES = {
    "daily": "backup_keep_daily",
    "weekly": "backup_keep_weekly",
    "monthly": "backup_keep_monthly",
    "manual_days": "backup_keep_manual_days",
    "pre_restore_days": "backup_keep_pre_restore_days",
    "pre_migration_days": "backup_keep_pre_migration_days",
}
MINIMUM = {"daily": 1, "weekly": 0, "monthly": 0}  # the rest: at least 1 day


@dataclass(frozen=True)
class Retention:
    daily: int = 7  # automatic copies: the newest of each of the last 7 local days,
    weekly: int = 4  # of the last 4 ISO weeks
    monthly: int = 12  # and of the last 12 months that have one
    manual_days: int = 90
    pre_restore_days: int = 30
    pre_migration_days: int = 30

    def days_for(self, kind: str) -> int | None:
        """Days a copy of `kind` is kept; None for the automatic kind (rotated by count) and
        for kinds this version does not know (never deleted)."""
        return {
            "manual": self.manual_days,
            "pre-restore": self.pre_restore_days,
            "pre-migration": self.pre_migration_days,
        }.get(kind)


def from_settings(db: Database) -> Retention:
    """The desk's retention; a value below its minimum counts as the minimum."""
    values = {}
    for field, name in SETTING_NAMES.items():
        try:
            value = int(settings.get(db, name))
        except (TypeError, ValueError):
            value = getattr(Retention, field)
        values[field] = max(MINIMUM.get(field, 1), value)
    return Retention(**values)


def _days(count: int) -> str:
    return ngettext("{count} day", "{count} days", count).format(count=count)


def sentences(r: Retention) -> list[str]:
    """What is kept how long, one sentence per kind of copy."""
    return [
        _(
            "Automatic daily copies: the newest copy of each of the last {days} days, "
            "{weeks} weeks and {months} months that have one; older ones are deleted."
        ).format(days=r.daily, weeks=r.weekly, months=r.monthly),
        _("Manual copies in the backups folder are deleted {days} after they were made.").format(
            days=_days(r.manual_days)
        ),
        _("Copies made before a restore are deleted after {days}.").format(
            days=_days(r.pre_restore_days)
        ),
        _("Copies made before an update are deleted after {days}.").format(
            days=_days(r.pre_migration_days)
        ),
        _(
            "A copy written elsewhere with `desk-app backup --out` is outside the desk: "
            "it is never deleted by the desk."
        ),
    ]


def describe(r: Retention) -> str:
    return " ".join(sentences(r))
