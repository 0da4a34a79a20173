"""Fixtures for tests that set a desk up with its IT officer: cheap password hashing (argon2 at
its real cost takes 0.1 s a hash) and the set-up desk. Import the ones a module needs:
`from tests.admin_desk import ADMIN_PW, admin, desk, fast_hashing`."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from desk_app.services import accounts

ADMIN_PW = "kata-sandi-admin-1"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Autouse where imported: hashes at the cheapest cost, no remembered failed sign-ins."""
    monkeypatch.setattr("desk_app.services.credentials.HASHER", CHEAP)
    monkeypatch.setattr("desk_app.services.signin._unknown_failures", {})


def set_up(desk, **details):
    """accounts.init_desk for BKS01 with the IT officer `admin` (ADMIN_PW); `details` add to
    or change the desk's details (office, region...)."""
    return accounts.init_desk(
        desk,
        **{
            "desk_code": "BKS01",
            "desk_name": "Meja Aduan Bengkalis",
            "admin_username": "admin",
            "admin_full_name": "Admin TI",
            "admin_password": ADMIN_PW,
            **details,
        },
    )


@pytest.fixture
def admin(bare_desk):
    return set_up(bare_desk)


@pytest.fixture
def desk(bare_desk, admin):
    """The set-up desk, acting as its IT officer."""
    return bare_desk.reloaded().acting(admin)
