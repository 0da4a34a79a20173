"""The desk's side of the sync tests: a keyring that keeps secrets in memory (this machine has
no keyring backend), a desk connected to a real training hub, and small readers of the outbox.
The hub itself comes from tests/sync/conftest.py (a subprocess on 127.0.0.1)."""

from __future__ import annotations

import json

import keyring
import keyring.backend
from sqlalchemy import select

from desk_app.services import sync
from desk_app.store import models
from desk_app.sync import credentials
from desk_app.sync.transport import RetryPolicy
from tests.conftest import IT

# Short waits between retries (the rules stay the protocol's); Retry-After still honoured.
FAST = RetryPolicy(attempts=6, wait_initial=0.01, wait_max=0.05, wait_jitter=0.01)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend in memory, standing in for the OS keyring."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


def connect(desk, hub, *, desk_code: str = "PKU01", **configure) -> str:
    """Register the desk at the hub and set the connection up as the IT officer; return the
    secret."""
    client_id, secret = hub.add_desk(desk_code)
    sync.configure(desk.acting(IT), hub.url, client_id, secret, **configure)
    return secret


def items(desk, complaint_id: str | None = None) -> list[models.Outbox]:
    OB = models.Outbox
    stmt = select(OB).order_by(OB.seq)
    if complaint_id:
        stmt = stmt.where(OB.complaint_id == complaint_id)
    with desk.db.reading() as session:
        rows = list(session.scalars(stmt))
        session.expunge_all()
    return rows


def states(desk) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in items(desk):
        found[item.state] = found.get(item.state, 0) + 1
    return found


def events(desk, action: str) -> list[models.AuditEvent]:
    E = models.AuditEvent
    with desk.db.reading() as session:
        rows = list(session.scalars(select(E).where(E.action == action).order_by(E.seq)))
        session.expunge_all()
    return rows


def after(event) -> dict:
    return json.loads(event.after) if event.after else {}


def reset_credentials() -> None:
    credentials.forget_session()
