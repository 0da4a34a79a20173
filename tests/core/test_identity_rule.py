"""The one identity rule (services/visibility.py) in every query that returns complaint data:
a clerk who did not record an anonim or rahasia complaint finds nothing of it through the
reporter's NIK, phone or name (not its number, not its subject), and sees it without its
reporter when it is found by other words. One query per test; the author is the control."""

from __future__ import annotations

import io

import pytest

from desk_app.domain.roles import Actor, Role
from desk_app.errors import PermissionDenied
from desk_app.services import intake, lookup, transfer
from tests.conftest import CLERK, SUPERVISOR, make_form

OTHER_CLERK = Actor("budi", "Budi Santoso", Role.CLERK)
NAME, NIK, PHONE = "Zulkarnain Rahasiawan", "1403015708900002", "0812 3456 7890"
SUBJECT = "Pungutan di kantor camat"


@pytest.fixture(params=[("yes", "no"), ("no", "yes")], ids=["anonim", "rahasia"])
def hidden(request, desk):
    anonymous, confidential = request.param
    form = make_form(
        reporter_name=NAME,
        reporter_nik=NIK,
        reporter_phone=PHONE,
        anonymous=anonymous,
        confidential=confidential,
        subject=SUBJECT,
    )
    return intake.record_complaint(desk.acting(CLERK), form)


def _typed_again(**overrides):
    """A new citizen's form at the desk that shares something with the hidden complaint."""
    values = dict(reporter_name="Orang Lain", reporter_nik="", reporter_phone="")
    values.update(overrides)
    return make_form(**values, subject="Air PDAM keruh", description="Air keruh seminggu.")


# -- the possible-duplicate hint at intake -----------------------------------------------------


@pytest.mark.parametrize("typed", [{"reporter_nik": NIK}, {"reporter_phone": PHONE}])
def test_the_duplicate_hint_does_not_show_another_clerks_hidden_complaint(desk, hidden, typed):
    found = intake.find_duplicates(desk.acting(OTHER_CLERK), _typed_again(**typed))
    assert [c.tracking_no for c in found] == []


@pytest.mark.parametrize("typed", [{"reporter_nik": NIK}, {"reporter_phone": PHONE}])
def test_the_duplicate_hint_shows_the_author_their_own(desk, hidden, typed):
    found = intake.find_duplicates(desk.acting(CLERK), _typed_again(**typed))
    assert [c.tracking_no for c in found] == [hidden.tracking_no]


@pytest.mark.parametrize("typed", [{"reporter_nik": NIK}, {"reporter_phone": PHONE}])
def test_the_duplicate_hint_shows_a_supervisor_everything(desk, hidden, typed):
    found = intake.find_duplicates(desk.acting(SUPERVISOR), _typed_again(**typed))
    assert [c.tracking_no for c in found] == [hidden.tracking_no]


# -- search: every kind ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [NIK, PHONE, "+6281234567890", "Zulkarnain", NAME])
def test_search_by_who_the_reporter_is_finds_nothing(desk, hidden, text):
    rows = lookup.list_complaints(desk.acting(OTHER_CLERK), lookup.ListQuery(text=text)).rows
    assert rows == []


@pytest.mark.parametrize("text", [NIK, PHONE, "Zulkarnain"])
def test_search_by_who_the_reporter_is_finds_it_for_the_author(desk, hidden, text):
    rows = lookup.list_complaints(desk.acting(CLERK), lookup.ListQuery(text=text)).rows
    assert [r.tracking_no for r in rows] == [hidden.tracking_no]


def test_search_by_other_words_finds_it_without_its_reporter(desk, hidden):
    rows = lookup.list_complaints(desk.acting(OTHER_CLERK), lookup.ListQuery(text="pungutan"))
    assert [(r.tracking_no, r.reporter_name, r.masked) for r in rows.rows] == [
        (hidden.tracking_no, "", True)
    ]


def test_the_list_without_a_search_masks_the_reporter(desk, hidden):
    rows = lookup.list_complaints(desk.acting(OTHER_CLERK), lookup.ListQuery()).rows
    assert [(r.reporter_name, r.masked) for r in rows] == [("", True)]


# -- one complaint, `show`, export --------------------------------------------------------------


def test_opening_it_shows_no_reporter(desk, hidden):
    detail = lookup.get_complaint(desk.acting(OTHER_CLERK), hidden.tracking_no)
    c = detail.complaint
    assert detail.masked
    assert (c.reporter_name, c.reporter_nik, c.reporter_phone, c.reporter_email) == (
        "",
        None,
        None,
        None,
    )


def test_show_prints_no_reporter(desk, hidden):
    from desk_app.cli import describe

    text = describe(desk, lookup.get_complaint(desk.acting(OTHER_CLERK), hidden.tracking_no))
    assert SUBJECT in text  # the complaint itself is shown
    for needle in ("Zulkarnain", NIK, "3456", "7890"):
        assert needle not in text


def test_a_clerk_may_not_export_the_identities(desk, hidden):
    out = io.StringIO()
    with pytest.raises(PermissionDenied):
        transfer.export(desk.acting(OTHER_CLERK), "jsonl", out)
    assert out.getvalue() == ""
