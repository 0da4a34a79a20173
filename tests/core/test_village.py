"""The desa/kelurahan of a complaint: optional, of the chosen district, kept, shown by name
(detail, `desk-app show`, the history), exported after the district, and correctable."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest

from desk_app.domain.complaint import validate
from desk_app.errors import ValidationFailed
from desk_app.services import corrections, intake, transfer
from tests.conftest import SUPERVISOR, make_form, open_acting, run_cli, set_up_desk

BANTAN, BANTAN_TENGAH, BANTAN_AIR = "14.03.02", "14.03.02.2001", "14.03.02.2002"
BENGKALIS, DAMON = "14.03.01", "14.03.01.1002"  # a kelurahan of another district


def in_bantan(**overrides):
    return make_form(district=BANTAN, village=BANTAN_TENGAH, **overrides)


def test_a_village_of_the_chosen_district_is_kept(desk):
    valid = validate(in_bantan(), desk.reference)
    assert (valid.district, valid.village) == (BANTAN, BANTAN_TENGAH)
    assert validate(make_form(district=BANTAN), desk.reference).village is None  # optional


def test_a_village_of_another_district_is_refused(desk):
    with pytest.raises(ValidationFailed) as refused:
        validate(make_form(district=BANTAN, village=DAMON), desk.reference)
    assert set(refused.value.errors) == {"village"}
    assert "kecamatan" in refused.value.errors["village"]


def test_a_village_without_its_district_is_refused(desk):
    with pytest.raises(ValidationFailed) as refused:
        validate(make_form(village=BANTAN_TENGAH), desk.reference)
    assert set(refused.value.errors) == {"village"}


def test_the_recorded_village_is_stored_as_its_code(desk):
    recorded = intake.record_complaint(desk, in_bantan(), draft_key=None)
    conn = sqlite3.connect(desk.db.path)
    try:
        stored = conn.execute(
            "SELECT district, village FROM complaint WHERE id = ?", (recorded.id,)
        ).fetchone()
    finally:
        conn.close()
    assert stored == (BANTAN, BANTAN_TENGAH)


def test_show_names_the_village(capsys, data_dir):
    set_up_desk(data_dir)
    desk = open_acting(data_dir, SUPERVISOR)
    try:
        number = intake.record_complaint(desk, in_bantan(), draft_key=None).tracking_no
    finally:
        desk.close()
    capsys.readouterr()
    assert run_cli(data_dir, "show", number) == 0
    lines = capsys.readouterr().out.splitlines()
    village = next(line for line in lines if line.startswith("Desa/kelurahan"))
    assert village.split()[-2:] == ["Bantan", "Tengah"]
    assert BANTAN_TENGAH not in "\n".join(lines)


def test_the_export_has_the_village_after_the_district(desk):
    intake.record_complaint(desk, in_bantan(), draft_key=None)
    at = transfer.EXPORT_COLUMNS.index("district")
    assert transfer.EXPORT_COLUMNS[at + 1] == "village"
    out = io.StringIO()
    transfer.export(desk, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["village"] == BANTAN_TENGAH


def test_a_corrected_village_is_in_the_history_by_name(desk):
    recorded = intake.record_complaint(desk, in_bantan(), draft_key=None)
    form = corrections.form_of(desk, recorded.id)
    assert form.village == BANTAN_TENGAH
    form.village = BANTAN_AIR
    changed = corrections.correct_complaint(desk, recorded.id, form, "Salah pilih desa")
    assert changed.fields == ("village",)
    assert corrections.form_of(desk, recorded.id).village == BANTAN_AIR
    entry = corrections.history(desk, recorded.id)[-1]
    assert entry.changes == [("village", BANTAN_TENGAH, BANTAN_AIR)]

    from desk_app.audit import words

    shown = [
        words.value_text("village", v, zone=desk.zone, ref=desk.reference)
        for v in (BANTAN_TENGAH, BANTAN_AIR)
    ]
    assert shown == ["Bantan Tengah", "Bantan Air"]
    assert words.field_label("village") == "Desa/kelurahan"
