"""The typed form, autosaved so that a crash or a power cut loses nothing. Drafts hold what a
reporter said: only who records (Action.RECORD) saves, reads or discards one."""

from __future__ import annotations

import json

from sqlalchemy import delete

from desk_app.domain.complaint import ComplaintForm
from desk_app.domain.roles import Action
from desk_app.services.access import require
from desk_app.services.desk import Desk
from desk_app.store import models


def save_draft(desk: Desk, key: str, form: ComplaintForm) -> None:
    """Keep the form under `key` (replacing any earlier draft); a blank form removes it."""
    require(desk, desk.actor, Action.RECORD)
    with desk.db.writing() as session:
        if form.is_blank():
            session.execute(delete(models.Draft).where(models.Draft.key == key))
            return
        session.merge(models.Draft(key=key, data=json.dumps(form.to_dict()), updated_at=desk.now()))


def load_draft(desk: Desk, key: str) -> ComplaintForm | None:
    require(desk, desk.actor, Action.RECORD)
    with desk.db.reading() as session:
        draft = session.get(models.Draft, key)
        if draft is None:
            return None
        try:
            return ComplaintForm.from_dict(json.loads(draft.data))
        except (ValueError, TypeError):
            return None


def discard_draft(desk: Desk, key: str) -> None:
    require(desk, desk.actor, Action.RECORD)
    with desk.db.writing() as session:
        session.execute(delete(models.Draft).where(models.Draft.key == key))
