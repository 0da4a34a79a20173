"""Desk settings: declared with type and range, a bad value refused (exit 2, nothing stored),
changes audited, and a desk whose stored value is bad still opens, says so and is repaired."""

from __future__ import annotations

import io
import json
import sqlite3
import sys

import pytest
from sqlalchemy import func, select

from desk_app import cli, settings
from desk_app.errors import NotSignedIn, PermissionDenied, SettingFixed, SettingInvalid
from desk_app.services import desk_settings, intake
from desk_app.services.desk import open_desk
from desk_app.store import models
from tests.conftest import CLERK, IT, PASSWORD, make_form, set_up_desk


@pytest.fixture
def it_desk(data_dir):
    """A set-up desk (BKS01) with a user per role; closed, so the CLI opens it."""
    set_up_desk(data_dir, "BKS01")
    return data_dir


def run_as_it(capsys, monkeypatch, data_dir, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    code = cli.main(["--data-dir", str(data_dir), "--user", IT.username, *args])
    out, err = capsys.readouterr()
    return code, out, err


def stored(data_dir) -> dict[str, str]:
    conn = sqlite3.connect(data_dir / "meja-aduan.sqlite3")
    try:
        return dict(conn.execute("SELECT key, value FROM setting").fetchall())
    finally:
        conn.close()


def setting_events(data_dir) -> list[tuple[str, object, object]]:
    conn = sqlite3.connect(data_dir / "meja-aduan.sqlite3")
    try:
        rows = conn.execute(
            "SELECT object_id, before, after FROM audit_event WHERE action = 'desk.setting'"
        ).fetchall()
    finally:
        conn.close()
    return [(name, json.loads(before), json.loads(after)) for name, before, after in rows]


def store_raw(data_dir, name: str, value: str) -> None:
    """Write a setting straight into the file, as an old version or a hand edit would."""
    conn = sqlite3.connect(data_dir / "meja-aduan.sqlite3")
    try:
        conn.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", (name, value))
        conn.commit()
    finally:
        conn.close()


# -- declarations ------------------------------------------------------------------------------


def test_every_setting_default_is_inside_its_own_range():
    for setting in settings.SETTINGS.values():
        assert setting.parse(setting.text(setting.default)) == setting.default, setting.name


def test_number_bounds_are_stated_with_a_reason():
    numbers = {n: s for n, s in settings.SETTINGS.items() if isinstance(s, settings.NumberSetting)}
    assert {"duplicate_window_days", "retention_years", "idle_lock_minutes"} <= set(numbers)
    assert all(0 <= s.low < s.high and s.why for s in numbers.values())
    # Zero is refused where it would switch a protection off (see each `why`).
    assert all(numbers[n].low == 1 for n in ("duplicate_window_days", "retention_years"))
    assert numbers["idle_lock_minutes"].low == 1


# -- refused values: exit 2, nothing stored ------------------------------------------------------

BAD_VALUES = [
    ("timezone", "Mars/Base"),
    ("timezone", "../../../etc/passwd"),
    ("timezone", ""),
    ("desk_code", "pku 01"),
    ("desk_code", "1PKU"),
    ("desk_code", "PKU-01"),
    ("desk_code", "ABCDEFGHI"),
    ("duplicate_window_days", "-5"),
    ("duplicate_window_days", "0"),
    ("duplicate_window_days", "99999999999999"),
    ("duplicate_window_days", "sembilan"),
    ("retention_years", "0"),
    ("retention_years", "-1"),
    ("retention_years", "1000"),
    ("retention_years", "2.5"),
    ("idle_lock_minutes", "0"),
    ("idle_lock_minutes", "100000"),
    ("idle_lock_minutes", "1e3"),
    ("idle_lock_minutes", "١٠"),  # Arabic-Indic digits: int() takes them, we do not
    ("backup_keep_daily", "0"),  # a stored 0 must not delete every copy
    ("backup_keep_manual_days", "-30"),
    ("desk_name", ""),
    ("desk_name", "M" * 81),
    ("office", "Kantor\nBupati"),
    ("contact", "x" * 121),
    ("region", "99.99"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_exits_2_names_the_setting_and_stores_nothing(
    capsys, monkeypatch, it_desk, name, value
):
    before = stored(it_desk)
    code, out, err = run_as_it(capsys, monkeypatch, it_desk, "settings", name, value)
    assert code == 2
    assert out == ""
    assert name in err and "tidak diterima" in err  # Indonesian, naming the setting
    assert "Traceback" not in err and "Error" not in err
    assert stored(it_desk) == before
    assert setting_events(it_desk) == []


def test_the_refusal_says_what_is_allowed(capsys, monkeypatch, it_desk):
    _code, _out, err = run_as_it(capsys, monkeypatch, it_desk, "settings", "retention_years", "0")
    assert "1" in err and "30" in err


def test_an_unknown_setting_exits_2(capsys, monkeypatch, it_desk):
    code, _out, err = run_as_it(capsys, monkeypatch, it_desk, "settings", "warna", "biru")
    assert code == 2 and "warna" in err


def test_training_desk_cannot_be_changed_after_set_up(capsys, monkeypatch, it_desk):
    code, _out, err = run_as_it(capsys, monkeypatch, it_desk, "settings", "training_desk", "yes")
    assert code == 2 and "training_desk" in err
    assert stored(it_desk)["training_desk"] == "no"


def test_desk_code_may_change_while_nothing_is_recorded(capsys, monkeypatch, it_desk):
    code, _out, err = run_as_it(capsys, monkeypatch, it_desk, "settings", "desk_code", "bks02")
    assert code == 0, err
    assert stored(it_desk)["desk_code"] == "BKS02"


def test_desk_code_is_refused_once_a_complaint_is_recorded(capsys, monkeypatch, it_desk):
    desk = open_desk(it_desk)
    try:
        intake.record_complaint(desk.acting(CLERK), make_form())
    finally:
        desk.close()
    code, _out, err = run_as_it(capsys, monkeypatch, it_desk, "settings", "desk_code", "BKS02")
    assert code == 2 and "desk_code" in err
    assert stored(it_desk)["desk_code"] == "BKS01"


# -- a good change: stored and audited ---------------------------------------------------------


def test_a_change_is_stored_and_audited_with_before_and_after(capsys, monkeypatch, it_desk):
    code, _out, err = run_as_it(
        capsys, monkeypatch, it_desk, "settings", "timezone", "Asia/Makassar"
    )
    assert code == 0, err
    assert stored(it_desk)["timezone"] == "Asia/Makassar"
    assert setting_events(it_desk) == [
        ("timezone", {"value": "Asia/Jakarta"}, {"value": "Asia/Makassar"})
    ]


def test_the_list_shows_every_setting_including_training_desk(capsys, monkeypatch, it_desk):
    code, out, _err = run_as_it(capsys, monkeypatch, it_desk, "settings")
    assert code == 0
    lines = out.splitlines()
    assert [line.split(" = ")[0] for line in lines] == list(settings.SETTINGS)
    for expected in (
        "desk_code = BKS01",
        "timezone = Asia/Jakarta",
        "duplicate_window_days = 90",
        "retention_years = 5",
        "idle_lock_minutes = 10",
        "training_desk = no",
    ):
        assert expected in lines


def test_a_clerk_may_not_change_a_setting(desk):
    with pytest.raises(PermissionDenied):
        desk_settings.change_setting(desk.acting(CLERK), "idle_lock_minutes", "5")


def test_nobody_signed_in_may_not_list_settings(desk):
    with pytest.raises(NotSignedIn):
        desk_settings.list_settings(desk.acting(None))


def test_the_service_refuses_a_bad_value_without_writing(desk):
    it = desk.acting(IT)
    with pytest.raises(SettingInvalid):
        desk_settings.change_setting(it, "timezone", "Mars/Base")


def test_the_service_refuses_training_desk(desk):
    it = desk.acting(IT)
    with pytest.raises(SettingFixed):
        desk_settings.change_setting(it, "training_desk", "yes")


def test_an_unchanged_value_writes_no_event(desk):
    it = desk.acting(IT)
    desk_settings.change_setting(it, "retention_years", "7")
    again = desk_settings.change_setting(it, "retention_years", "7")
    assert not again.changed
    with desk.db.reading() as session:
        events = session.scalar(
            select(func.count())
            .select_from(models.AuditEvent)
            .where(models.AuditEvent.action == "desk.setting")
        )
    assert events == 1


# -- a bad stored value: the desk still opens, says so, and is repaired --------------------------


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("timezone", "Mars/Base"),
        ("desk_code", "pku-01!"),
        ("duplicate_window_days", "-3"),
        ("retention_years", "banyak"),
        ("idle_lock_minutes", "99999999999"),
        ("training_desk", "mungkin"),
    ],
)
def test_a_bad_stored_value_falls_back_to_its_default_and_is_named(data_dir, name, raw):
    open_desk(data_dir).close()
    store_raw(data_dir, name, raw)
    desk = open_desk(data_dir)
    try:
        assert desk.bad_settings == (name,)
        assert settings.get(desk.db, name) == settings.SETTINGS[name].default
    finally:
        desk.close()


def test_a_desk_with_a_bad_zone_still_shows_a_complaint_and_warns(capsys, monkeypatch, it_desk):
    desk = open_desk(it_desk)
    try:
        number = intake.record_complaint(desk.acting(CLERK), make_form()).tracking_no
    finally:
        desk.close()
    store_raw(it_desk, "timezone", "Mars/Base")
    code, out, err = run_as_it(capsys, monkeypatch, it_desk, "show", number)
    assert code == 0, err
    assert number in out
    assert "timezone" in err and "desk-app settings timezone" in err


def test_a_desk_with_a_bad_zone_still_lists_its_settings(capsys, monkeypatch, it_desk):
    store_raw(it_desk, "timezone", "Mars/Base")
    code, out, err = run_as_it(capsys, monkeypatch, it_desk, "settings")
    assert code == 0, err
    assert "timezone = Asia/Jakarta" in out  # the default, in use
    assert "timezone" in err


def test_settings_repairs_a_bad_stored_value(capsys, monkeypatch, it_desk):
    store_raw(it_desk, "timezone", "Mars/Base")
    code, _out, err = run_as_it(
        capsys, monkeypatch, it_desk, "settings", "timezone", "Asia/Jayapura"
    )
    assert code == 0, err
    desk = open_desk(it_desk)
    try:
        assert desk.bad_settings == ()
        assert desk.zone.key == "Asia/Jayapura"
    finally:
        desk.close()
    assert setting_events(it_desk) == [
        ("timezone", {"value": "Mars/Base"}, {"value": "Asia/Jayapura"})
    ]


def test_a_repaired_desk_no_longer_warns(capsys, monkeypatch, it_desk):
    store_raw(it_desk, "retention_years", "-1")
    run_as_it(capsys, monkeypatch, it_desk, "settings", "retention_years", "5")
    code, _out, err = run_as_it(capsys, monkeypatch, it_desk, "settings")
    assert code == 0 and "retention_years" not in err


# -- init --training ---------------------------------------------------------------------------


def test_init_training_makes_a_training_desk(capsys, monkeypatch, data_dir):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    args = ["init", "--training", "--desk-code", "LATIH", "--desk-name", "Meja Latihan"]
    code = cli.main(["--data-dir", str(data_dir), *args, "--admin", "it"])
    assert code == 0, capsys.readouterr().err
    assert stored(data_dir)["training_desk"] == "yes"


def test_init_without_training_makes_a_real_desk(it_desk):
    assert stored(it_desk)["training_desk"] == "no"


def test_a_bad_stored_desk_code_does_not_count_as_set(it_desk):
    store_raw(it_desk, "desk_code", "pku-01!")
    desk = open_desk(it_desk)
    try:
        assert not settings.load(desk.db).is_set("desk_code")
    finally:
        desk.close()


def test_a_good_stored_desk_code_counts_as_set(it_desk):
    desk = open_desk(it_desk)
    try:
        assert settings.load(desk.db).is_set("desk_code")
    finally:
        desk.close()


def test_every_setting_has_a_label_for_people():
    from desk_app import settings

    assert set(settings.LABELS) == set(settings.SETTINGS)
    assert settings.label("idle_lock_minutes") != "idle_lock_minutes"
