"""Export and import (services/transfer.py, desk_app/rowfile.py, desk_app/spreadsheet.py):
who may, what the file looks like, that it is written privately and audited, that a second desk
reads it back, and that every unreadable file is refused in words with its line.

The CLI's exit codes for the same cases are in tests/core/test_cli.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from desk_app import settings
from desk_app.domain.roles import MATRIX, YES, Action, Actor, Role, allowed
from desk_app.errors import DeskNotSetUp, ImportFailed, NotSignedIn, PermissionDenied
from desk_app.files import FileNotWritten
from desk_app.services import intake, transfer
from desk_app.services.desk import open_desk
from desk_app.services.transfer import IMPORT_COLUMNS, UnreadableFile
from desk_app.spreadsheet import escape_cell, unescape_cell
from desk_app.store import models
from tests.conftest import CLERK, SUPERVISOR, make_form

POSIX = os.name == "posix"
OTHER_CLERK = Actor("budi", "Budi Santoso", Role.CLERK)


def complaint_count(desk) -> int:
    with desk.db.reading() as session:
        return session.scalar(select(func.count()).select_from(models.Complaint))


def events(desk, action: str) -> list[models.AuditEvent]:
    with desk.db.reading() as session:
        rows = session.scalars(
            select(models.AuditEvent)
            .where(models.AuditEvent.action == action)
            .order_by(models.AuditEvent.seq)
        ).all()
        session.expunge_all()
    return list(rows)


# Values chosen to break a naive writer or reader: a formula, a leading quote, separators,
# quotes and line breaks inside fields, U+2028, an ISO-less typed date.
TRICKY = dict(
    subject='=HYPERLINK("http://x.example";"klik")',
    description='Jalan rusak; "parah", sejak\nAgustus\u2028dan -belum- diperbaiki, kata @warga.',
    reporter_address="'Gang Mawar'; RT 02, RW 03",
    reporter_email="siti@example.id",
    event_place="+ Simpang Tiga",
    loss="-Rp 2.000.000",
    remedy="@Dinas: perbaiki",
    event_date="21/11/2026",
    district="14.03.02",
    complained_before="yes",
)


@pytest.fixture
def recorded(desk):
    """Three complaints: a tricky open one by ANI, a confidential one by BUDI, an anonymous
    phone one by ANI."""
    ani, budi = desk.acting(CLERK), desk.acting(OTHER_CLERK)
    return [
        intake.record_complaint(ani, make_form(**TRICKY)),
        intake.record_complaint(
            budi,
            make_form(
                confidential="yes",
                reporter_name="Rahasia Orangnya",
                reporter_nik="1403015708900002",
                subject="Pungutan liar di kantor desa",
            ),
        ),
        intake.record_complaint(
            ani,
            make_form(
                channel="telepon",
                anonymous="yes",
                reporter_name="",
                reporter_nik="",
                reporter_email="",
                reporter_phone="0811 7654 321",
                complained_before="no",
            ),
        ),
    ]


# -- export: the file -----------------------------------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="symbolic links need privileges on Windows")
def test_export_refuses_a_symlink_and_leaves_its_target_untouched(desk, recorded, tmp_path):
    target = tmp_path / "penting.txt"
    target.write_text("jangan ditimpa\n", encoding="utf-8")
    link = tmp_path / "ekspor.csv"
    link.symlink_to(target)
    with pytest.raises(FileNotWritten):
        transfer.export(desk.acting(SUPERVISOR), "csv", link)
    assert target.read_text(encoding="utf-8") == "jangan ditimpa\n"
    assert link.is_symlink()


def test_export_into_a_missing_folder_says_so(desk, recorded, tmp_path):
    with pytest.raises(transfer.ExportTargetInvalid) as caught:
        transfer.export(desk.acting(SUPERVISOR), "csv", tmp_path / "tidak-ada" / "ekspor.csv")
    assert "Error" not in caught.value.message()
    assert not (tmp_path / "tidak-ada").exists()


@pytest.mark.skipif(not POSIX, reason="POSIX file modes")
def test_export_onto_an_existing_0644_file_leaves_it_0600(desk, recorded, tmp_path):
    out = tmp_path / "ekspor.jsonl"
    out.write_text("lama\n", encoding="utf-8")
    out.chmod(0o644)
    count = transfer.export(desk.acting(SUPERVISOR), "jsonl", out)
    assert count == 3
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "ekspor.jsonl"]  # no temp


def test_csv_export_escapes_formula_cells_and_opens_as_utf8_in_excel(desk, recorded, tmp_path):
    out = tmp_path / "ekspor.csv"
    transfer.export(desk.acting(SUPERVISOR), "csv", out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,tracking_no,")  # BOM: Excel reads UTF-8
    assert b"\r\nid" not in raw and raw.count(b"\r\n") >= 4  # CRLF rows
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK(" in text
    assert "'+6281266778899" in text  # every phone number starts with +
    assert "'+ Simpang Tiga" in text and "'-Rp 2.000.000" in text and "'@Dinas" in text
    # No cell of the file starts with a formula character unescaped.
    import csv
    import io

    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_jsonl_export_escapes_line_separators(desk, recorded, tmp_path):
    out = tmp_path / "ekspor.jsonl"
    transfer.export(desk.acting(SUPERVISOR), "jsonl", out)
    text = out.read_text(encoding="utf-8")
    assert "\u2028" not in text and "\\u2028" in text
    assert len(text.splitlines()) == 3  # str.splitlines would have split at a raw U+2028
    first = json.loads(text.split("\n")[0])
    assert first["description"] == TRICKY["description"]


# -- export: who may, and what is kept of it ------------------------------------------------------


def test_export_is_one_audit_event_with_the_count_and_no_values(desk, recorded, tmp_path):
    transfer.export(desk.acting(SUPERVISOR), "csv", tmp_path / "ekspor.csv")
    [event] = events(desk, "complaint.export")
    assert event.actor == "koor"
    assert json.loads(event.after) == {
        "format": "csv",
        "filter": {"from": None, "to": None, "status": None},
        "rows": 3,
        "to": "file",
    }
    kept = " ".join(str(v) for v in (event.object_id, event.before, event.after, event.reason))
    for value in ("Siti", "1403015708900002", "6281266778899", "HYPERLINK", "Pungutan"):
        assert value not in kept


def test_export_of_some_days_says_which_in_its_audit_event(desk, tmp_path):
    ani = desk.acting(CLERK)
    days = [dt.datetime(2026, 11, d, 3, 0) for d in (2, 3, 4)]  # 10:00 WIB
    for when in days:
        intake.record_complaint(ani, make_form(), now=when)
    out = tmp_path / "november.jsonl"
    which = transfer.ExportFilter(date_from=dt.date(2026, 11, 3), date_to=dt.date(2026, 11, 3))
    assert transfer.export(desk.acting(SUPERVISOR), "jsonl", out, which) == 1
    [event] = events(desk, "complaint.export")
    assert json.loads(event.after)["filter"] == {
        "from": "2026-11-03",
        "to": "2026-11-03",
        "status": None,
    }


def test_export_to_a_stream_is_audited_too(desk, recorded):
    import io

    out = io.StringIO()
    assert transfer.export(desk.acting(SUPERVISOR), "jsonl", out) == 3
    [event] = events(desk, "complaint.export")
    assert json.loads(event.after)["to"] == "stream"
    assert json.loads(event.after)["rows"] == 3


def test_a_clerk_may_not_export(desk, recorded, tmp_path):
    out = tmp_path / "ekspor.csv"
    with pytest.raises(PermissionDenied):
        transfer.export(desk.acting(CLERK), "csv", out)
    assert not out.exists()


@pytest.mark.parametrize("role", list(Role))
def test_export_by_role(desk, recorded, tmp_path, role):
    who = Actor(f"user-{role.value}", "", role)
    out = tmp_path / "ekspor.csv"
    if allowed(role, Action.EXPORT):
        assert transfer.export(desk.acting(who), "csv", out) == 3
    else:
        with pytest.raises(PermissionDenied):
            transfer.export(desk.acting(who), "csv", out)
        assert not out.exists() and events(desk, "complaint.export") == []
        [denied] = events(desk, "access.denied")
        assert (denied.actor, denied.object_id) == (who.username, "complaint.export")


def test_export_with_nobody_signed_in_is_refused(bare_desk, tmp_path):
    with pytest.raises(NotSignedIn):
        transfer.export(bare_desk, "csv", tmp_path / "ekspor.csv")
    assert not (tmp_path / "ekspor.csv").exists()


@pytest.mark.parametrize("role", list(Role))
def test_import_by_role(desk, tmp_path, role):
    who = Actor(f"user-{role.value}", "", role)
    path = tmp_path / "aduan.jsonl"
    path.write_text(_json_line() + "\n", encoding="utf-8")
    if allowed(role, Action.RECORD):
        assert len(transfer.import_file(desk.acting(who), path)) == 1
    else:
        with pytest.raises(PermissionDenied):
            transfer.import_file(desk.acting(who), path)
        assert complaint_count(desk) == 0


def test_import_into_a_desk_not_set_up_is_refused(bare_desk, tmp_path):
    path = tmp_path / "aduan.jsonl"
    path.write_text(_json_line() + "\n", encoding="utf-8")
    with pytest.raises(DeskNotSetUp):
        transfer.import_file(bare_desk.acting(CLERK), path)
    assert complaint_count(bare_desk) == 0


def test_export_hides_what_the_identity_rule_hides(desk, recorded, tmp_path, monkeypatch):
    # Today only roles that see every identity may export; should a role that may not ever be
    # allowed to, the rows still go through the identity rule.
    monkeypatch.setitem(MATRIX[Action.EXPORT], Role.CLERK, YES)
    out = tmp_path / "ekspor.jsonl"
    transfer.export(desk.acting(CLERK), "jsonl", out)
    rows = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    budis = rows[recorded[1].id]  # confidential, recorded by another clerk
    assert budis["reporter_name"] == "" and budis["reporter_nik"] is None
    assert "Rahasia Orangnya" not in out.read_text(encoding="utf-8")
    own_anonymous = rows[recorded[2].id]  # anonymous, but ANI's own
    assert own_anonymous["reporter_phone"] == "+628117654321"


# -- round trip -----------------------------------------------------------------------------------


def _complaints(desk) -> list[models.Complaint]:
    with desk.db.reading() as session:
        rows = session.scalars(select(models.Complaint).order_by(models.Complaint.seq)).all()
        session.expunge_all()
    return list(rows)


def second_desk(path):
    """Another desk (another office, code BKS01), acting as a supervisor."""
    path.mkdir()
    other = open_desk(path)
    settings.set_value(other.db, "desk_code", "BKS01")
    return other.reloaded().acting(SUPERVISOR)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_what_export_writes_a_second_desk_imports(desk, recorded, tmp_path, fmt):
    out = tmp_path / f"ekspor.{fmt}"
    transfer.export(desk.acting(SUPERVISOR), fmt, out)
    before = _complaints(desk)

    other = second_desk(tmp_path / "desk2")
    try:
        done = transfer.import_file(other, out)
        after = _complaints(other)
        recorded_events = events(other, "complaint.record")
    finally:
        other.close()

    assert len(done) == len(after) == len(recorded_events) == 3
    compared = [c for c in IMPORT_COLUMNS]
    for old, new in zip(before, after, strict=True):
        assert {c: getattr(new, c) for c in compared} == {c: getattr(old, c) for c in compared}
        # Recorded by the second desk, in its own series, through the form's path.
        assert new.id != old.id and new.status == "recorded" and new.recorded_by == "koor"
        assert new.desk_code == "BKS01" and new.tracking_no.startswith("BKS01-")
    assert {e.object_id for e in recorded_events} == {c.id for c in after}


# -- import: what people and spreadsheets make ---------------------------------------------------


def test_semicolon_csv_with_bom_and_crlf_imports(desk, tmp_path):
    form = make_form().to_dict()
    columns = [
        "report_type",
        "channel",
        "reporter_name",
        "reporter_phone",
        "anonymous",
        "confidential",
        "subject",
        "description",
        "category",
        "agency",
        "region",
    ]
    rows = [
        {**form, "description": 'Lampu mati; sudah 3 hari, kata "warga".'},
        {**form, "reporter_phone": "+62 811 7654 321", "subject": "Sampah menumpuk, bau"},
    ]

    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ';"\r\n') else value

    lines = [";".join(columns)] + [";".join(cell(r[c]) for c in columns) for r in rows]
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")

    done = transfer.import_file(desk.acting(CLERK), path)
    assert len(done) == 2
    stored = _complaints(desk)
    assert stored[0].description == 'Lampu mati; sudah 3 hari, kata "warga".'
    assert stored[1].subject == "Sampah menumpuk, bau"
    assert stored[1].reporter_phone == "+628117654321"


def test_excels_sep_line_names_the_separator_and_counts_as_a_line(desk, tmp_path):
    header = ";".join(IMPORT_COLUMNS)
    good = _csv_line().replace('","', '";"')
    bad = _csv_line(region="99.99").replace('","', '";"')
    path = tmp_path / "excel.csv"
    path.write_text(f"sep=;\r\n{header}\r\n{good}\r\n{bad}\r\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        transfer.import_file(desk.acting(CLERK), path)
    assert [(line, field) for line, field, _m in caught.value.problems] == [(4, "region")]


def test_old_mac_line_ends_import(desk, tmp_path):
    path = tmp_path / "mac.csv"
    path.write_text(f"{HEADER}\r{_csv_line()}\r{_csv_line()}\r", encoding="utf-8")
    assert len(transfer.import_file(desk.acting(CLERK), path)) == 2


def test_utf16_is_refused_with_what_to_do(desk, tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(f"{HEADER}\r\n{_csv_line()}\r\n".encode("utf-16"))
    with pytest.raises(UnreadableFile) as caught:
        transfer.import_file(desk.acting(CLERK), path)
    assert "UTF-16" in caught.value.message() and "UTF-8" in caught.value.message()


def test_json_line_numbers_count_physical_lines_only(desk, tmp_path):
    good = make_form(description="Baris satu\u2028baris dua\u2029baris tiga.").to_dict()
    good = {c: good[c] for c in IMPORT_COLUMNS}
    bad = {**good, "subject": ""}
    path = tmp_path / "aduan.jsonl"
    path.write_text(
        json.dumps(good, ensure_ascii=False) + "\n" + json.dumps(bad) + "\n", encoding="utf-8"
    )
    with pytest.raises(ImportFailed) as caught:
        transfer.import_file(desk.acting(CLERK), path)
    assert [(line, field) for line, field, _m in caught.value.problems] == [(2, "subject")]


def test_a_csv_row_spanning_lines_is_named_by_its_first(desk, tmp_path):
    form = make_form().to_dict()
    header = ",".join(IMPORT_COLUMNS)

    def line(**changes) -> str:
        values = {**form, **changes}
        return ",".join('"' + str(values[c]).replace('"', '""') + '"' for c in IMPORT_COLUMNS)

    text = "\n".join(
        [header, line(description="Tiga\n\nbaris keterangan panjang."), line(region="99.99")]
    )
    path = tmp_path / "aduan.csv"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        transfer.import_file(desk.acting(CLERK), path)
    assert [(line, field) for line, field, _m in caught.value.problems] == [(5, "region")]


# -- import: files that are refused whole (UnreadableFile) ---------------------------------------

HEADER = ",".join(IMPORT_COLUMNS)


def _csv_line(**changes) -> str:
    values = {**make_form().to_dict(), **changes}
    return ",".join('"' + str(values[c]) + '"' for c in IMPORT_COLUMNS)


def _json_line(**changes) -> str:
    values = {**make_form().to_dict(), **changes}
    return json.dumps({c: values[c] for c in IMPORT_COLUMNS}, ensure_ascii=False)


UNREADABLE = {
    # name: (file name, bytes, words that must be in the message)
    "not utf-8": (
        "latin1.csv",
        f"{HEADER}\n{_csv_line()}\n{_csv_line(subject='Jalan rusak')}\n".encode().replace(
            b"Jalan rusak", b"Jalan \xe9 rusak"
        ),
        ["3", "UTF-8"],
    ),
    "binary": ("foto.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["3", "8", "NUL"]),
    "unclosed quote": (
        "kutip.csv",
        f'{HEADER}\n{_csv_line()}\n"pengaduan,"datang_langsung\n'.encode(),
        ["3"],
    ),
    "header only": ("kepala.csv", f"{HEADER}\r\n".encode(), ["1"]),
    "empty": ("kosong.csv", b"", []),
    "only a BOM and blank lines": ("bom.csv", b"\xef\xbb\xbf\r\n\r\n", []),
    "unknown column": ("kolom.csv", b"subject,warna\nJalan rusak,merah\n", ["1", "warna"]),
    "a JSON list, not JSON Lines": ("daftar.json", b'[\n  {"subject": "x"}\n]\n', ["JSON"]),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_an_unreadable_file_is_refused_in_words_and_imports_nothing(desk, tmp_path, case):
    name, data, words = UNREADABLE[case]
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(UnreadableFile) as caught:
        transfer.import_file(desk.acting(CLERK), path)
    message = caught.value.message()
    for word in words:
        assert word in message, (word, message)
    assert "Error" not in message and "Exception" not in message
    assert complaint_count(desk) == 0


def test_a_missing_file_is_refused_in_words(desk, tmp_path):
    with pytest.raises(UnreadableFile) as caught:
        transfer.import_file(desk.acting(CLERK), tmp_path / "tidak-ada.csv")
    assert "tidak-ada.csv" in caught.value.message()


def test_a_folder_is_refused_in_words(desk, tmp_path):
    with pytest.raises(UnreadableFile) as caught:
        transfer.import_file(desk.acting(CLERK), tmp_path)
    assert "Error" not in caught.value.message()


def test_the_byte_offset_of_an_encoding_error_is_named(desk, tmp_path):
    head = f"{HEADER}\n".encode()
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"\xef\xbb\xbf" + head + b'"pengaduan","datang \xe9"\n')
    with pytest.raises(UnreadableFile) as caught:
        transfer.import_file(desk.acting(CLERK), path)
    offset = 3 + len(head) + len(b'"pengaduan","datang ')
    assert f"{offset}" in caught.value.message() and "2" in caught.value.message()


# -- import: rows that are refused (ImportFailed names each) ------------------------------------

BAD_ROWS = {
    # name: (file name, lines, (line, field) expected)
    "deeply nested JSON": ("dalam.jsonl", [_json_line(), "[" * 100_000], (2, "-")),
    "not JSON": ("rusak.jsonl", [_json_line(), '{"subject": "x",'], (2, "-")),
    "an object for text": (
        "objek.jsonl",
        [_json_line(), _json_line().replace('"subject": ', '"subject": {"a": 1}, "x": ', 1)],
        (2, "subject"),
    ),
    "a number for text": (
        "angka.jsonl",
        [_json_line(), _json_line().replace('"region": "14.03"', '"region": 14.03')],
        (2, "region"),
    ),
    "a huge number": (
        "besar.jsonl",
        [_json_line().replace('"region": "14.03"', '"region": ' + "9" * 5000)],
        (1, "region"),
    ),
    "true for text": (
        "benar.jsonl",
        [_json_line(), _json_line().replace('"subject": "', '"subject": true, "x": "', 1)],
        (2, "subject"),
    ),
    "a NUL character": (
        "nul.jsonl",
        [_json_line(), _json_line(description="Ada karakter \x00 tersembunyi di sini.")],
        (2, "description"),
    ),
    "an oversized field": (
        "besar.csv",
        [HEADER, _csv_line(), _csv_line(event_place="x" * (transfer.TEXT_MAX + 1))],
        (3, "event_place"),
    ),
    "a row with too many cells": ("sel.csv", [HEADER, _csv_line() + ',"lebih"'], (2, "-")),
    "a duplicate JSON field": (
        "ganda.jsonl",
        [_json_line().replace("{", '{"subject": "Dua kali", ', 1)],
        (1, "-"),
    ),
    "a JSON list": ("daftar.jsonl", [_json_line(), "[1, 2]"], (2, "-")),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_is_named_by_line_and_field_and_nothing_is_imported(desk, tmp_path, case):
    name, lines, expected = BAD_ROWS[case]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        transfer.import_file(desk.acting(CLERK), path)
    problems = caught.value.problems
    assert expected in [(line, field) for line, field, _m in problems], problems
    for _line, _field, text in problems:
        assert "Error" not in text and "Exception" not in text
    assert complaint_count(desk) == 0


def test_booleans_are_accepted_for_yes_no_fields(desk, tmp_path):
    row = json.loads(_json_line())
    row.update(anonymous=False, confidential=True, complained_before=None)
    path = tmp_path / "aduan.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    transfer.import_file(desk.acting(CLERK), path)
    [stored] = _complaints(desk)
    assert (stored.anonymous, stored.confidential, stored.complained_before) == (
        False,
        True,
        None,
    )


# -- the spreadsheet cell helper -----------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_leading_cells_get_a_quote(start):
    assert escape_cell(f"{start}1+1") == f"'{start}1+1"
    assert unescape_cell(f"'{start}1+1") == f"{start}1+1"


def test_a_quote_a_person_typed_is_kept():
    assert escape_cell("'Pak Budi'") == "'Pak Budi'"
    assert unescape_cell("'Pak Budi'") == "'Pak Budi'"


@given(st.text())
def test_unescape_undoes_escape(text):
    assert unescape_cell(escape_cell(text)) == text
