"""The one view of a complaint (desk_app.presenter): names not codes, local times with the
zone's name, the deadline in working days, the reporter masked by the identity rule; and the
renderings (detail, `show`, the reporter's copy) take their labels from it."""

from __future__ import annotations

import datetime as dt

from desk_app import presenter, privacy_report
from desk_app.cli import describe
from desk_app.services import intake, lookup
from tests.conftest import CLERK, IT, make_form

RECEIVED = dt.datetime(2026, 3, 24, 2, 5)  # 09:05 WIB


def _record(desk, **overrides):
    return intake.record_complaint(desk.acting(CLERK), make_form(**overrides), now=RECEIVED)


def test_values_are_words_in_the_desks_zone(desk):
    recorded = _record(desk, category="PENDIDIKAN")
    view = presenter.present(desk, lookup.get_complaint(desk, recorded.tracking_no))
    assert view.text("received_at") == "24/03/2026 09:05 WIB"
    assert view.text("channel") == "Datang langsung"
    assert view.text("category") != "PENDIDIKAN"  # the category's name, not its code
    assert view.deadline.working_days > 0
    assert view.text("due_date").startswith(f"{view.deadline.working_days} hari kerja, paling")
    assert view.text("anonymous") == "tidak"
    assert view.line("reporter_name").label == "Nama pelapor"


def test_the_reporter_is_masked_for_whom_the_rule_hides_it(desk):
    recorded = _record(desk, confidential="yes", reporter_nik="1403015708900002")
    hidden = presenter.present(desk, lookup.get_complaint(desk.acting(IT), recorded.tracking_no))
    seen = presenter.present(desk, lookup.get_complaint(desk.acting(CLERK), recorded.tracking_no))
    assert hidden.masked and not seen.masked
    for key in presenter.IDENTITY:
        assert hidden.text(key) == "(disembunyikan)"
    assert seen.text("reporter_nik") == "1403015708900002"


def test_every_rendering_uses_the_presenters_labels(desk, monkeypatch):
    recorded = _record(desk)
    monkeypatch.setitem(presenter.FIELD_LABELS, "subject", "Perihal-UJI")
    shown = describe(desk, lookup.get_complaint(desk, recorded.tracking_no))
    assert "Perihal-UJI" in shown
    assert privacy_report.field_label("subject") == "Perihal-UJI"
