"""Reference data you can trust and refresh: each file says what official list it follows; a
regency desk offers its own agencies; clerks' words and other spellings find their entry; a
newer region list shows its changes and is applied, audited, by IT only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from desk_app import paths, reference, wilayah
from desk_app.errors import PermissionDenied
from desk_app.services import intake, lookup, reference_data
from desk_app.store.models import AuditEvent
from tests.conftest import CLERK, IT, make_form, open_acting, run_cli

# The head of the cahyadsn/wilayah dump and a few of its Riau rows, as published.
SQL_HEAD = """/*
filename : db/wilayah.sql
note     : Data Kode Wilayah sesuai Kepmendagri No 300.2.2-2138 Tahun 2025
*/
INSERT INTO wilayah (kode, nama) VALUES
"""


def shipped_rows() -> list[tuple[str, str]]:
    return sorted(reference.shipped_codes().items())


def sql_dump(rows: list[tuple[str, str]]) -> str:
    values = ",\n".join("('{}','{}')".format(c, n.replace("'", "''")) for c, n in rows)
    return SQL_HEAD + "('13.01','Kabupaten Lain'),\n" + values + ";\n"


@pytest.fixture
def ref():
    return reference.load()


# -- sources -----------------------------------------------------------------------------------


def test_each_file_states_its_source_and_date(ref):
    by_kind = {s.kind: s for s in ref.sources}
    assert set(by_kind) == {"regions", "agencies", "categories"}
    for source in by_kind.values():
        assert source.name and source.date and source.legal_basis
    regions = by_kind["regions"]
    assert regions.legal_basis == "Kepmendagri No. 300.2.2-2138 Tahun 2025"
    assert "cahyadsn/wilayah" in regions.url
    assert "MIT" in regions.licence
    licence = paths.resources_dir() / "regions" / "LICENSE-wilayah.md"
    assert "MIT License" in licence.read_text(encoding="utf-8")
    assert "PP 18/2016" in by_kind["agencies"].legal_basis


def test_desa_and_kelurahan_are_listed_under_their_kecamatan(ref):
    villages = ref.villages_of("14.03.01")
    assert villages["14.03.01.2004"] == "Kelapapati"  # a desa (2xxx)
    assert villages["14.03.01.1001"] == "Bengkalis Kota"  # a kelurahan (1xxx)
    assert sum(len(v) for v in ref.villages.values()) > 1800
    assert ref.district_label("14.03.01") == "Bengkalis"


# -- agencies ----------------------------------------------------------------------------------


def test_a_bengkalis_desk_offers_its_own_agencies_the_provinces_and_the_vertical_bodies(ref):
    offered = {a.code: a.name for a in ref.agencies_for("14.03")}
    names = set(offered.values())
    assert "Dinas Pendidikan Kabupaten Bengkalis" in names
    assert "Dinas Kependudukan dan Pencatatan Sipil Kabupaten Bengkalis" in names
    assert "Kantor Camat Bantan (Bengkalis)" in names
    assert "Kantor Pertanahan Kabupaten Bengkalis (ATR/BPN)" in names
    assert "Dinas Pendidikan Provinsi Riau" in names
    for vertical in ("V_PLN", "V_BPJSKES", "V_BPJSTK", "V_POLDA"):
        assert vertical in offered
    assert not any("Kabupaten Siak" in name or "KAB_SIAK" in code for code, name in offered.items())
    assert "KAB_SIAK_DISDIK" in ref.agencies  # Siak's are known, only not offered here


def test_a_provincial_desk_offers_each_regency_as_one_entry(ref):
    offered = {a.code for a in ref.agencies_for("")}
    assert {"DISDIK", "V_PLN", "KAB_BENGKALIS", "KOTA_DUMAI"} <= offered
    assert "KAB_BENGKALIS_DISDIK" not in offered


def test_the_provinces_agencies_carry_their_current_names(ref):
    assert ref.agencies["BPBD"].name == (
        "Badan Penanggulangan Bencana Daerah dan Pemadam Kebakaran Provinsi Riau"
    )
    assert ref.agencies["BRIDA"].name == "Badan Riset dan Inovasi Daerah Provinsi Riau"
    assert "KAB_BENGKALIS" in ref.agencies  # codes already given out still read


# -- finding by the clerk's words and other spellings ------------------------------------------


@pytest.mark.parametrize(
    "words, category",
    [
        ("pungli", "KORUPSI_PUNGLI"),
        ("jalan rusak", "INFRASTRUKTUR"),
        ("KTP", "ADMINDUK"),
        ("sampah", "LINGKUNGAN"),
    ],
)
def test_a_clerks_word_finds_its_category(ref, words, category):
    assert ref.find("category", words) == [category]


def test_bpjs_finds_both_of_its_categories(ref):
    assert set(ref.find("category", "BPJS")) == {"KESEHATAN", "KETENAGAKERJAAN"}


def test_an_alias_finds_its_region_and_district(ref):
    assert ref.find("region", "Tembilahan") == ["14.04"]
    assert ref.find("region", "Rohil") == ["14.07"]
    # Kemendagri writes "Bagansinembah"; spaces do not count, so either spelling finds it.
    assert "14.07.05" in ref.find("district", "Bagan Sinembah", within="14.07")
    assert "14.07.05" in ref.find("district", "bagansinembah", within="14.07")
    assert ref.find("district", "Bagan Batu", within="14.07") == ["14.07.05"]
    assert ref.find("district", "Selatpanjang") == ["14.10.01"]


# -- the loader --------------------------------------------------------------------------------


def test_the_published_forms_are_read():
    rows = [("14", "Riau"), ("14.03", "Kabupaten Bengkalis"), ("14.02.10.2010", "Pulau Jum'at")]
    official = wilayah.parse(sql_dump(rows), "14")
    assert official.codes == dict(rows)  # other provinces' rows left out; '' unquoted
    assert official.legal_basis == "Kepmendagri No. 300.2.2-2138 Tahun 2025"
    csv_form = wilayah.parse("kode;nama\n14.03;KAB. BENGKALIS\n13.01;LAIN\n", "14")
    assert csv_form.codes == {"14.03": "KAB. BENGKALIS"} and csv_form.form == "csv"
    with pytest.raises(wilayah.SourceUnreadable):
        wilayah.parse("nothing here", "14")


def changed_dump(tmp_path: Path) -> Path:
    """The shipped list with one kecamatan renamed, one desa added and one removed."""
    rows = dict(shipped_rows())
    rows["14.03.01"] = "Bengkalis Kota"
    rows["14.03.01.2099"] = "Desa Baru"
    del rows["14.03.01.2005"]
    path = tmp_path / "wilayah.sql"
    path.write_text(sql_dump(sorted(rows.items())), encoding="utf-8")
    return path


def test_a_changed_list_shows_its_differences_and_applies_them_audited(desk, data_dir, tmp_path):
    it = desk.acting(IT)
    source = changed_dump(tmp_path)

    preview = reference_data.preview_import(it, source)
    assert preview.changes.added == {"14.03.01.2099": "Desa Baru"}
    assert preview.changes.renamed == {"14.03.01": ("Bengkalis", "Bengkalis Kota")}
    assert preview.changes.removed == {"14.03.01.2005": "Pedekik"}
    assert not reference.override_path(data_dir).exists()  # a preview writes nothing

    reference_data.apply_import(it, source)
    kept = json.loads(reference.override_path(data_dir).read_text(encoding="utf-8"))
    assert kept["codes"]["14.03.01.2099"] == "Desa Baru"
    with desk.db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "reference.import")).one()
    after = json.loads(event.after)
    assert after["added"] == ["14.03.01.2099"] and after["removed"] == ["14.03.01.2005"]
    assert after["legal_basis"] == "Kepmendagri No. 300.2.2-2138 Tahun 2025"
    assert event.actor == IT.username

    reopened = reference.load(data_dir)  # what the next open_desk reads
    assert reopened.district_label("14.03.01") == "Bengkalis Kota"
    assert "14.03.01.2005" not in reopened.villages_of("14.03.01")
    assert reopened.regions["14.07"].aliases  # hand-kept facts still come from resources/
    assert next(s for s in reopened.sources if s.kind == "regions").imported
    assert reference_data.preview_import(it, source).changes.empty


def test_a_clerk_may_not_import_a_region_list(desk, data_dir, tmp_path):
    with pytest.raises(PermissionDenied):
        reference_data.apply_import(desk.acting(CLERK), changed_dump(tmp_path))
    assert not reference.override_path(data_dir).exists()
    with desk.db.reading() as s:
        refused = s.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert refused and refused[-1].actor == CLERK.username


def test_cli_import_shows_first_and_applies_only_with_apply(capsys, tmp_path):
    data_dir = tmp_path / "desk"
    source = changed_dump(tmp_path)

    assert run_cli(data_dir, "reference", "import", str(source), user=IT.username) == 0
    out = capsys.readouterr().out
    assert "14.03.01  Bengkalis → Bengkalis Kota" in out
    assert "+ 14.03.01.2099  Desa Baru" in out and "- 14.03.01.2005  Pedekik" in out
    assert not reference.override_path(data_dir).exists()

    assert run_cli(data_dir, "reference", "import", str(source), "--apply", user=IT.username) == 0
    assert reference.override_path(data_dir).exists()

    assert run_cli(data_dir, "reference", "list", user=CLERK.username) == 0
    listed = capsys.readouterr().out
    assert "Kepmendagri No. 300.2.2-2138 Tahun 2025" in listed and "PP 18/2016" in listed


def test_cli_import_at_a_terminal_applies_after_a_yes(capsys, tmp_path, monkeypatch):
    from desk_app import cli_reference

    data_dir = tmp_path / "desk"
    asked = []
    monkeypatch.setattr(cli_reference, "_at_terminal", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")
    assert (
        run_cli(data_dir, "reference", "import", str(changed_dump(tmp_path)), user=IT.username) == 0
    )
    assert len(asked) == 1
    assert reference.override_path(data_dir).exists()


def test_show_prints_the_kecamatan(capsys, tmp_path):
    data_dir = tmp_path / "desk"
    run_cli(data_dir, "reference", "list")  # sets the desk up
    desk = open_acting(data_dir)
    try:
        number = intake.record_complaint(desk, make_form(district="14.03.02")).tracking_no
        assert lookup.get_complaint(desk, number).complaint.district == "14.03.02"
    finally:
        desk.close()
    capsys.readouterr()
    assert run_cli(data_dir, "show", number) == 0
    out = capsys.readouterr().out
    assert any(line.endswith("  Bantan") for line in out.splitlines())
