"""First run: the desk's identity (desk code, name, zone...) and its first IT officer, in one
transaction; refused once any user exists."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from desk_app import reference, settings
from desk_app.audit import chain as audit  # append(): not services.audit, which needs require()
from desk_app.domain import numbering
from desk_app.domain.roles import Actor, Role
from desk_app.errors import (
    DeskAlreadyInitialised,
    SettingInvalid,
    ValidationFailed,
)
from desk_app.i18n import _
from desk_app.services.credentials import check_new_password, checked_username, hash_password
from desk_app.services.users import actor_of, new_user_row, public_view
from desk_app.store.db import Database, utcnow
from desk_app.store.models import User

# -- first run ---------------------------------------------------------------------------------


class _Clock:
    """What audit.append needs from a desk, when init_desk is given a bare Database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.user = ""

    @staticmethod
    def now() -> dt.datetime:
        return utcnow()


def init_desk(
    desk_or_db,
    desk_code: str,
    desk_name: str,
    office: str = "",
    region: str = "",
    timezone: str = "Asia/Jakarta",
    contact: str = "",
    admin_username: str = "",
    admin_full_name: str = "",
    admin_password: str = "",
    training: bool = False,
) -> Actor:
    """First run: store the desk's identity and create its first IT officer, in one transaction.

    `training`: a training desk (takes demo data; fixed for the desk's life, settings.py).

    Refuses (DeskAlreadyInitialised) once any user exists. Raises ValidationFailed for a bad
    desk code, name, region or time zone. Returns the new IT officer as an Actor; a Desk
    given here is a frozen value: continue with `desk.reloaded().acting(actor)`.
    """
    is_desk = not isinstance(desk_or_db, Database)
    db = desk_or_db.db if is_desk else desk_or_db
    clock = desk_or_db if is_desk else _Clock(db)
    desk_code = desk_code.strip().upper()
    errors: dict[str, str] = {}
    if not numbering.DESK_CODE_RE.match(desk_code):
        errors["desk_code"] = _(
            "A desk code has 2 to 8 capital letters or digits and starts with a letter."
        )
    if not desk_name.strip():
        errors["desk_name"] = _("The desk needs a name.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = _("Unknown time zone.")
    region = region.strip()
    if region and region not in reference.load().regions:
        errors["region"] = _("Unknown region code.")
    typed = dict(
        desk_code=desk_code, desk_name=desk_name, office=office, contact=contact, timezone=timezone
    )
    for key, text in typed.items():
        try:
            settings.SETTINGS[key].parse(text)  # as `desk-app settings` checks: lengths, zones
        except SettingInvalid as exc:
            errors.setdefault(key, exc.message())
    if errors:
        raise ValidationFailed(errors)
    username = checked_username(admin_username)
    check_new_password(admin_password)
    password_hash = hash_password(admin_password)
    values = {
        "desk_code": desk_code,
        "desk_name": desk_name.strip(),
        "office": office.strip(),
        "region": region,
        "timezone": timezone,
        "contact": contact.strip(),
        "training_desk": bool(training),
    }
    now = clock.now()
    with db.writing() as session:
        if session.scalar(select(func.count()).select_from(User)):
            raise DeskAlreadyInitialised()
        for key, value in values.items():
            settings.store(session, key, value)
        user = new_user_row(session, username, admin_full_name, Role.IT, password_hash, now)
        audit.append(session, clock, "desk.init", "desk", desk_code, after=values, actor=username)
        audit.append(
            session, clock, "user.create", "user", username, after=public_view(user), actor=username
        )
        return actor_of(user)
