"""The desk's settings as IT sees and changes them: listed with what each allows, changed one at
a time after a check (settings.py), audited as `desk.setting` with the stored text before and
after, in one transaction. Both need Action.CONFIGURE_DESK (IT officer).

A changed desk_code, desk_name, office, timezone or language is read by the next open_desk(): a
running desk keeps what it opened with (reload it: desk.reloaded(); the window rebuilds itself on
the reloaded desk after IT saves, ui/main_window.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from desk_app import settings
from desk_app.domain.roles import Action
from desk_app.errors import SettingFixed
from desk_app.services import audit
from desk_app.services.access import require
from desk_app.store import models


@dataclass(frozen=True)
class SettingRow:
    """One line of the settings list. `value` is the value in use, as text; `bad`: the stored
    text is not valid and the default is used; `allowed`: what it allows, in words."""

    name: str
    value: str
    bad: bool
    changeable: bool
    allowed: str
    choices: tuple[tuple[str, str], ...] = ()  # a choice setting's values and their names


@dataclass(frozen=True)
class SettingChanged:
    name: str
    before: str | None  # the stored text (None: never stored, the default was in use)
    after: str
    changed: bool  # False: the value was already stored; nothing written


def list_settings(desk) -> list[SettingRow]:
    require(desk, desk.actor, Action.CONFIGURE_DESK)
    loaded = settings.load(desk.db)
    return [
        SettingRow(
            name,
            setting.text(loaded[name]),
            name in loaded.bad,
            setting.changeable,
            setting.allowed(),
            getattr(setting, "choices", ()),
        )
        for name, setting in settings.SETTINGS.items()
    ]


def change_setting(desk, name: str, text: str) -> SettingChanged:
    """Check and store one setting. Raises SettingUnknown, SettingInvalid (nothing stored),
    SettingFixed (chosen at set-up, or the desk code once complaints are recorded)."""
    require(desk, desk.actor, Action.CONFIGURE_DESK)
    setting = settings.definition(name)
    if not setting.changeable:
        raise SettingFixed(name=name, reason="set_up")
    value = setting.parse(text)
    with desk.db.writing() as session:
        stored = settings.load_in(session).stored[name]
        new_text = setting.text(value)
        if stored == new_text:
            return SettingChanged(name, stored, new_text, changed=False)
        if name == "desk_code" and session.scalar(select(exists().select_from(models.Complaint))):
            raise SettingFixed(name=name, reason="recorded")
        settings.store(session, name, value)
        audit.append(
            session,
            desk,
            "desk.setting",
            "setting",
            name,
            before={"value": stored},
            after={"value": new_text},
        )
    return SettingChanged(name, stored, new_text, changed=True)
