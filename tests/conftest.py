"""Shared fixtures: every path points at tmp_path; the language is Indonesian unless a test
says otherwise."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desk_app import i18n  # noqa: E402
from desk_app.domain.complaint import ComplaintForm  # noqa: E402


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch):
    monkeypatch.delenv("MEJA_ADUAN_DATA_DIR", raising=False)
    i18n.install("id")
    yield
    i18n.install("id")


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def desk(data_dir):
    from desk_app.services.desk import open_desk

    opened = open_desk(data_dir)
    yield opened
    opened.close()


def acting(desk, actor):
    """The desk acting as `actor`. The one place the settings and demo tests set an actor:
    `desk.acting(actor)` once Desk is frozen, the old assignment until then."""
    if hasattr(desk, "acting"):
        return desk.acting(actor)
    desk.actor = actor
    return desk


def make_training_desk(data_dir) -> None:
    """Mark the desk in `data_dir` a training desk, as `desk-app init --training` does (but
    without users), for tests that fill a desk with demo data (services/demo.py refuses any
    other desk). The one place to change when demo data needs a signed-in clerk."""
    from desk_app import settings
    from desk_app.services.desk import open_desk

    desk = open_desk(data_dir)
    try:
        settings.set_value(desk.db, "training_desk", "yes")
    finally:
        desk.close()


def make_form(**overrides) -> ComplaintForm:
    """A valid complaint form; override any field."""
    from desk_app.services.demo import sample_form

    return sample_form(**overrides)


@pytest.fixture
def valid_form():
    return make_form()
