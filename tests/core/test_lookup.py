"""Finding complaints: by number, NIK, phone, words; filters; keyset paging."""

import datetime as dt

import pytest

from desk_app.errors import MistypedNumber, NotFound
from desk_app.services import intake, lookup
from tests.conftest import make_form


@pytest.fixture
def recorded(desk):
    base = dt.datetime(2026, 11, 2, 3, 0)
    items = []
    for i in range(25):
        form = make_form(
            reporter_name=f"Pelapor {i}",
            reporter_nik="",
            reporter_phone=f"0812 7000 {i:04d}",
            subject=f"Keluhan nomor {i} tentang lampu jalan" if i % 5 else f"Sekolah rusak {i}",
            channel="telepon" if i % 2 else "datang_langsung",
        )
        items.append(intake.record_complaint(desk, form, now=base + dt.timedelta(days=i)))
    return items


def all_pages(desk, query, limit=7):
    rows, cursor = [], None
    while True:
        page = lookup.list_complaints(desk, query, cursor, limit=limit)
        rows.extend(page.rows)
        if page.cursor is None:
            return rows
        cursor = page.cursor


def test_newest_first_and_keyset_pages_cover_everything_once(desk, recorded):
    rows = all_pages(desk, lookup.ListQuery())
    assert [r.tracking_no for r in rows] == [r.tracking_no for r in reversed(recorded)]


@pytest.mark.parametrize("sort", ["status", "channel", "agency"])
@pytest.mark.parametrize("descending", [True, False])
def test_sorted_pages_cover_everything_once(desk, recorded, sort, descending):
    rows = all_pages(desk, lookup.ListQuery(sort=sort, descending=descending), limit=4)
    assert len(rows) == len(recorded) == len({r.id for r in rows})
    keys = [(getattr(r, sort), r.seq) for r in rows]
    assert keys == sorted(keys, reverse=descending)


def test_find_by_number_nik_phone_and_words(desk, recorded):
    target = recorded[7]
    assert [r.id for r in all_pages(desk, lookup.ListQuery(text=target.tracking_no))] == [target.id]
    prefix = target.tracking_no.rsplit("-", 2)[0]
    assert target.id in [r.id for r in all_pages(desk, lookup.ListQuery(text=prefix))]
    assert [r.id for r in all_pages(desk, lookup.ListQuery(text="0812-7000-0007"))] == [target.id]
    words = all_pages(desk, lookup.ListQuery(text="sekolah"))
    assert len(words) == 5 and all("Sekolah" in r.subject for r in words)
    assert [r.id for r in all_pages(desk, lookup.ListQuery(text="Pelapor 7"))] == [target.id]


def test_find_by_nik(desk, valid_form):
    recorded = intake.record_complaint(desk, valid_form)
    rows = lookup.list_complaints(desk, lookup.ListQuery(text="1403015708900002")).rows
    assert [r.id for r in rows] == [recorded.id]


def test_words_are_prefixes_and_safe_from_fts_syntax(desk, recorded):
    assert len(all_pages(desk, lookup.ListQuery(text="lamp"))) == 20
    assert all_pages(desk, lookup.ListQuery(text='"AND OR NOT ( * ^')) == []


def test_filters(desk, recorded):
    phone = all_pages(desk, lookup.ListQuery(channel="telepon"))
    assert len(phone) == 12
    days = all_pages(
        desk, lookup.ListQuery(date_from=dt.date(2026, 11, 5), date_to=dt.date(2026, 11, 7))
    )
    assert len(days) == 3
    assert all_pages(desk, lookup.ListQuery(status="completed")) == []


def test_mistyped_number_is_not_not_found(desk, recorded):
    number = recorded[0].tracking_no
    typo = number[:-1] + ("A" if number[-1] != "A" else "B")
    with pytest.raises(MistypedNumber):
        lookup.list_complaints(desk, lookup.ListQuery(text=typo))
    with pytest.raises(MistypedNumber):
        lookup.get_complaint(desk, typo)
    unknown = number.replace("0001", "0999")
    from desk_app.domain import numbering

    unknown = numbering.make(*unknown.split("-")[0:1], dt.date(2026, 1, 1), 999)
    with pytest.raises(NotFound):
        lookup.get_complaint(desk, unknown)
