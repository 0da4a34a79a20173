"""Every desk setting, declared once with its type and default; stored in the database.

How to add one: declare it in SETTINGS below; read it with get(db, "name").
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select

from desk_app.store import models
from desk_app.store.db import Database


@dataclass(frozen=True)
class SettingDef:
    name: str
    type: type
    default: object


SETTINGS = {
    s.name: s
    for s in (
        SettingDef("desk_code", str, "PKU01"),
        SettingDef("desk_name", str, "Meja Aduan Pemerintah Provinsi Riau"),
        # The desk's identity on receipts, set by `desk-app init` (services.accounts.init_desk).
        SettingDef("office", str, ""),
        SettingDef("region", str, ""),  # Kemendagri code, e.g. 14.03
        SettingDef("contact", str, ""),
        # Asia/Jakarta = WIB, Asia/Makassar = WITA, Asia/Jayapura = WIT.
        SettingDef("timezone", str, "Asia/Jakarta"),
        SettingDef("duplicate_window_days", int, 90),
        # Personal data (UU 27/2022): a reporter's identity may be erased from complaints
        # received more than this many years ago (services/privacy.py).
        SettingDef("retention_years", int, 5),
        # The GUI locks after this many minutes without input (ui/lock.py); 0: never.
        SettingDef("idle_lock_minutes", int, 10),
        # How long backups are kept (services/retention.py says why; backup.rotate applies it):
        # automatic daily copies, the newest of each of the last N days (1..366), weeks (0..520)
        # and months (0..240); manual, pre-restore and pre-migration copies, days (1..3650).
        SettingDef("backup_keep_daily", int, 7),
        SettingDef("backup_keep_weekly", int, 4),
        SettingDef("backup_keep_monthly", int, 12),
        SettingDef("backup_keep_manual_days", int, 90),
        SettingDef("backup_keep_pre_restore_days", int, 30),
        SettingDef("backup_keep_pre_migration_days", int, 30),
    )
}

ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def get(db: Database, name: str):
    definition = SETTINGS[name]
    with db.reading() as session:
        raw = session.scalar(select(models.Setting.value).where(models.Setting.key == name))
    return definition.default if raw is None else definition.type(raw)


def is_stored(db: Database, name: str) -> bool:
    """Whether the setting has a stored value (not just its default)."""
    with db.reading() as session:
        return (
            session.scalar(select(models.Setting.key).where(models.Setting.key == name)) is not None
        )


def set_value(db: Database, name: str, value: object) -> None:
    definition = SETTINGS[name]
    value = definition.type(value)
    with db.writing() as session:
        session.merge(models.Setting(key=name, value=str(value)))


def zone(db: Database) -> ZoneInfo:
    return ZoneInfo(get(db, "timezone"))


def zone_abbreviation(name: str) -> str:
    return ZONE_ABBREVIATIONS.get(name, name)
