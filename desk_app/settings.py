"""Every desk setting, declared once with its type, its range and its default; stored in the
database as text.

A value is checked where it enters (parse(): the CLI, init, the set-up wizard) and again where
it is read (load(), get()): a stored value that no longer parses (written by an older version,
by hand, or damaged) is replaced by the default for this run and named in `bad`, so the desk
still opens and says which setting IT must repair (`desk-app settings NAME VALUE`).

How to add one: declare it in SETTINGS below with the kind that fits (TextSetting,
NumberSetting, ...), a default inside its range and, for a number, the reason for its bounds;
read it with get(db, "name"). Changing it goes through services/desk_settings.py (audited).
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk_app.domain import numbering
from desk_app.errors import SettingInvalid, SettingUnknown
from desk_app.i18n import N_, _
from desk_app.store import models
from desk_app.store.db import Database

# -- kinds of setting --------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One setting: its name, its default and what it allows (`rule`, a message template).

    `changeable` False: chosen once when the desk is set up (init_desk), never changed after.
    """

    name: str
    default: Any
    changeable: bool = True

    rule = N_("it is not a valid value.")

    def rule_values(self) -> dict[str, object]:
        return {}

    def refuse(self) -> SettingInvalid:
        return SettingInvalid(name=self.name, rule=self.rule, values=self.rule_values())

    def parse(self, text: str) -> Any:
        """The value for `text` as typed or stored; raises SettingInvalid."""
        raise NotImplementedError

    def text(self, value: Any) -> str:
        """The stored (and shown) form of a value."""
        return str(value)

    def allowed(self) -> str:
        """What this setting allows, in words (for lists and messages)."""
        return _(self.rule).format(**self.rule_values())


def _one_line(text: str) -> bool:
    return not any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


@dataclass(frozen=True)
class TextSetting(Setting):
    """Text on one line, at most `max_length` characters; `required`: not empty."""

    max_length: int = 120
    required: bool = False

    @property
    def rule(self) -> str:  # type: ignore[override]
        if self.required:
            return N_("it must be text on one line, 1 to {high} characters.")
        return N_("it must be text on one line, at most {high} characters.")

    def rule_values(self) -> dict[str, object]:
        return {"high": self.max_length}

    def parse(self, text: str) -> str:
        value = str(text).strip()
        if (self.required and not value) or len(value) > self.max_length or not _one_line(value):
            raise self.refuse()
        return value


@dataclass(frozen=True)
class NumberSetting(Setting):
    """A whole number from `low` to `high`; `why` says why those bounds (for readers)."""

    low: int = 1
    high: int = 1
    why: str = ""

    rule = N_("it must be a whole number from {low} to {high}.")

    def rule_values(self) -> dict[str, object]:
        return {"low": self.low, "high": self.high}

    def parse(self, text: str) -> int:
        value = str(text).strip()
        # Digits only: int() would also take "1_000", "+5" and other scripts' digits.
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            raise self.refuse()
        number = int(value)
        if not self.low <= number <= self.high:
            raise self.refuse()
        return number


@functools.cache
def _zones() -> frozenset[str]:
    # The tz database as Python sees it (the system's, or the tzdata package on Windows).
    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class ZoneSetting(Setting):
    rule = N_(
        "it must be a time zone of the tz database, e.g. Asia/Jakarta (WIB), "
        "Asia/Makassar (WITA) or Asia/Jayapura (WIT)."
    )

    def parse(self, text: str) -> str:
        value = str(text).strip()
        if value not in _zones():
            raise self.refuse()
        try:
            ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            raise self.refuse() from None
        return value


@dataclass(frozen=True)
class DeskCodeSetting(Setting):
    rule = N_("it must have 2 to 8 capital letters or digits and start with a letter, e.g. BKS01.")

    def parse(self, text: str) -> str:
        value = str(text).strip().upper()
        if not numbering.DESK_CODE_RE.match(value):
            raise self.refuse()
        return value


@dataclass(frozen=True)
class RegionSetting(Setting):
    rule = N_("it must be empty or a regency or city code from the list, e.g. 14.03.")

    def parse(self, text: str) -> str:
        from desk_app import reference

        value = str(text).strip()
        if value and value not in reference.load().regions:
            raise self.refuse()
        return value


@dataclass(frozen=True)
class FlagSetting(Setting):
    rule = N_("it must be yes or no.")

    def parse(self, text: str) -> bool:
        value = str(text).strip().lower()
        if value in ("yes", "ya", "true", "1"):
            return True
        if value in ("no", "tidak", "false", "0"):
            return False
        raise self.refuse()

    def text(self, value: Any) -> str:
        return "yes" if value else "no"

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        """The stored texts and their words in the desk's language (the settings screen
        shows "ya"/"tidak" and offers them in a list, never the stored English)."""
        return (("yes", _("yes")), ("no", _("no")))


@dataclass(frozen=True)
class ChoiceSetting(Setting):
    """One of a few values (`choices`: value and its name, shown as it is: a language's own
    name needs no translation). Typed as the value or the name, in any case."""

    choices: tuple[tuple[str, str], ...] = ()

    rule = N_("it must be one of: {choices}.")

    def rule_values(self) -> dict[str, object]:
        return {"choices": ", ".join(f"{value} ({name})" for value, name in self.choices)}

    def parse(self, text: str) -> str:
        typed = str(text).strip().casefold()
        for value, name in self.choices:
            if typed in (value.casefold(), name.casefold()):
                return value
        raise self.refuse()

    def name_of(self, value: str) -> str:
        """The value's name for people ("Bahasa Indonesia"); the value itself when unknown."""
        return dict(self.choices).get(value, value)


# The languages the desk speaks (desk_app.i18n.LANGUAGES), each named in itself.
LANGUAGE_NAMES = (("id", "Bahasa Indonesia"), ("en", "English"))

# -- the settings ------------------------------------------------------------------------------

SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        # Begins every tracking number (domain/numbering.py): fixed once complaints exist.
        DeskCodeSetting("desk_code", "PKU01"),
        TextSetting(
            "desk_name", "Meja Aduan Pemerintah Provinsi Riau", max_length=80, required=True
        ),
        # The desk's identity on receipts, set by `desk-app init` (services.accounts.init_desk).
        TextSetting("office", "", max_length=120),
        RegionSetting("region", ""),  # Kemendagri code, e.g. 14.03
        TextSetting("contact", "", max_length=120),
        # Whom a reporter asks about their personal data (UU 27/2022): on every receipt.
        TextSetting("privacy_contact", "", max_length=160),
        # Receipts (desk_app/receipts): the paper the desk's receipt printer takes, and
        # whether saving a complaint prints its receipt at once.
        ChoiceSetting(
            "receipt_layout", "a5", choices=(("80mm", "80 mm"), ("a5", "A5"), ("a4", "A4"))
        ),
        FlagSetting("receipt_auto_print", False),
        # Asia/Jakarta = WIB, Asia/Makassar = WITA, Asia/Jayapura = WIT.
        ZoneSetting("timezone", "Asia/Jakarta"),
        # The language of the window (and of the CLI's messages when no --lang is given).
        ChoiceSetting("language", "id", choices=LANGUAGE_NAMES),
        NumberSetting(
            "duplicate_window_days",
            90,
            low=1,
            high=730,
            why="0 would switch the duplicate hint off silently; a complaint older than two "
            "years is long closed under LAPOR!'s deadlines (3 + 5 + 10 working days), and the "
            "search grows with the window",
        ),
        # Personal data (UU 27/2022): a reporter's identity may be erased from complaints
        # received more than this many years ago (services/privacy.py).
        NumberSetting(
            "retention_years",
            5,
            low=1,
            high=30,
            why="0 would let an erasure blank complaints still being handled; beyond 30 years "
            "the retention promise means nothing (archive schedules for complaints are 2-10)",
        ),
        # The GUI locks after this many minutes without input (ui/lock.py).
        NumberSetting(
            "idle_lock_minutes",
            10,
            low=1,
            high=120,
            why="the desk holds identities and must lock (DESIGN.md §6), so no 0 = never; a "
            "lock later than two hours protects nothing during a working day",
        ),
        # A training desk (`desk-app init --training`): the only kind that takes demo data.
        FlagSetting("training_desk", False, changeable=False),
        # How long backups are kept (services/retention.py says why; backup.rotate applies it):
        # automatic daily copies, the newest of each of the last N days, weeks and months;
        # manual, pre-restore and pre-migration copies, a number of days. The least: a stored 0
        # must not delete every copy (weekly and monthly may be 0: days alone then); the most:
        # a year of dailies, ten years of weeks, twenty of months, ten years of days.
        NumberSetting("backup_keep_daily", 7, low=1, high=366, why="retention.py"),
        NumberSetting("backup_keep_weekly", 4, low=0, high=520, why="retention.py"),
        NumberSetting("backup_keep_monthly", 12, low=0, high=240, why="retention.py"),
        NumberSetting("backup_keep_manual_days", 90, low=1, high=3650, why="retention.py"),
        NumberSetting("backup_keep_pre_restore_days", 30, low=1, high=3650, why="retention.py"),
        NumberSetting("backup_keep_pre_migration_days", 30, low=1, high=3650, why="retention.py"),
        # The provincial connection (services/sync.py; `desk-app sync setup`). The secret is
        # never a setting: it lives in the OS keyring (desk_app/sync/credentials.py).
        TextSetting("sync_server", "", max_length=200),
        TextSetting("sync_client_id", "", max_length=120),
        TextSetting("sync_ca_bundle", "", max_length=400),
        # The most a batch may hold by default: on a slow link each round trip costs more than
        # its size (a batch of 200 is about 50 KB gzipped), and per batch the hub and the desk
        # each commit once more. The IT officer lowers it for a link that drops big requests.
        NumberSetting(
            "sync_batch_size",
            200,
            low=1,
            high=200,
            why="the protocol allows at most 200 items a batch (docs/sync-protocol.md §4)",
        ),
        # The IT officer's window syncs by itself every this many minutes (ui/sync/page.py);
        # 0: only when asked. At most a day: a desk that syncs less often needs no timer.
        NumberSetting(
            "sync_auto_minutes",
            0,
            low=0,
            high=1440,
            why="0 is the explicit 'off'; more than a day apart is no longer automatic",
        ),
    )
}

# What each setting is called on a screen (the CLI and the trail use the name itself).
LABELS = {
    "desk_code": N_("Desk code"),
    "desk_name": N_("Desk name"),
    "office": N_("Office"),
    "region": N_("Regency/city"),
    "contact": N_("Contact on receipts"),
    "privacy_contact": N_("Personal-data contact on receipts"),
    "receipt_layout": N_("Receipt paper"),
    "receipt_auto_print": N_("Print the receipt after saving"),
    "timezone": N_("Time zone"),
    "language": N_("Language"),
    "duplicate_window_days": N_("Possible duplicates: days looked back"),
    "retention_years": N_("Personal data kept (years)"),
    "idle_lock_minutes": N_("Lock after idle minutes"),
    "training_desk": N_("Training desk"),
    "backup_keep_daily": N_("Daily backups kept (days)"),
    "backup_keep_weekly": N_("Weekly backups kept"),
    "backup_keep_monthly": N_("Monthly backups kept"),
    "backup_keep_manual_days": N_("Manual backups kept (days)"),
    "backup_keep_pre_restore_days": N_("Copies before a restore kept (days)"),
    "backup_keep_pre_migration_days": N_("Copies before an upgrade kept (days)"),
    "sync_server": N_("Provincial server address"),
    "sync_client_id": N_("Provincial client id"),
    "sync_ca_bundle": N_("Province's CA certificate file"),
    "sync_batch_size": N_("Complaints per upload batch"),
    "sync_auto_minutes": N_("Automatic sync every (minutes, 0: off)"),
}


def label(name: str) -> str:
    """A setting's name for people, in the desk's language (its key when it has none)."""
    text = LABELS.get(name)
    return _(text) if text else name


ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def definition(name: str) -> Setting:
    """The declaration of `name`; raises SettingUnknown."""
    try:
        return SETTINGS[name]
    except KeyError:
        raise SettingUnknown(name=name) from None


# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """Every setting's value (the default where none or a bad one is stored), what is stored
    (`stored`, text or None) and the names whose stored value is bad."""

    values: Mapping[str, Any]
    stored: Mapping[str, str | None]
    bad: tuple[str, ...]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def is_set(self, name: str) -> bool:
        """A valid value is stored (not the default standing in). A desk whose desk_code is
        not set must not record: the default PKU01 belongs to another desk's series."""
        return self.stored[name] is not None and name not in self.bad


def _read(stored: Mapping[str, str | None]) -> Loaded:
    values: dict[str, Any] = {}
    bad: list[str] = []
    for name, setting in SETTINGS.items():
        raw = stored.get(name)
        if raw is None:
            values[name] = setting.default
            continue
        try:
            values[name] = setting.parse(raw)
        except SettingInvalid:
            values[name] = setting.default
            bad.append(name)
    return Loaded(values, {n: stored.get(n) for n in SETTINGS}, tuple(bad))


def load_in(session: Session) -> Loaded:
    rows = session.execute(select(models.Setting.key, models.Setting.value))
    return _read(dict(rows.tuples().all()))


def load(db: Database) -> Loaded:
    """Every setting in one read; never raises for a bad stored value (see Loaded.bad)."""
    with db.reading() as session:
        return load_in(session)


def get(db: Database, name: str) -> Any:
    """One setting's value; the default when none, or a bad one, is stored."""
    setting = definition(name)
    with db.reading() as session:
        raw = session.scalar(select(models.Setting.value).where(models.Setting.key == name))
    if raw is None:
        return setting.default
    try:
        return setting.parse(raw)
    except SettingInvalid:
        return setting.default


# -- writing (no audit: services/desk_settings.py is the audited door) --------------------------


def store(session: Session, name: str, value: Any) -> str:
    """Write an already parsed value inside the caller's transaction; return its text."""
    text = definition(name).text(value)
    session.merge(models.Setting(key=name, value=text))
    return text


def set_value(db: Database, name: str, value: object) -> None:
    """Check and store one value without an audit event: for tests and set-up tools only."""
    parsed = definition(name).parse(str(value))
    with db.writing() as session:
        store(session, name, parsed)


# -- the desk's zone and the note about bad settings ------------------------------------------


def zone(db: Database) -> ZoneInfo:
    return ZoneInfo(get(db, "timezone"))


def zone_abbreviation(name: str) -> str:
    return ZONE_ABBREVIATIONS.get(name, name)


def bad_settings_note(bad: tuple[str, ...]) -> str:
    """What the CLI (on every command) and the GUI (status bar) say about bad stored values."""
    names = ", ".join(bad)
    first = bad[0] if bad else "NAME"
    return _(
        "The stored value of these settings is not valid, so their default is used: {names}. "
        "The IT officer repairs each in the Settings tab or with "
        "`desk-app settings {name} VALUE`."
    ).format(names=names, name=first)
