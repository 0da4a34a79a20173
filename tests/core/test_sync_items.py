"""What a batch sends of each complaint (sync/client.py reads a batch with prepared statements
into named tuples) is exactly the one outbound view (transfer.outbound_row) of the complaint
as the ORM reads it: every column, its times, its files, in the same order."""

from __future__ import annotations

import json

from sqlalchemy import select

from desk_app.services import attachments, intake, visibility
from desk_app.services.transfer import outbound_row
from desk_app.store import models
from desk_app.sync.client import SyncClient
from tests.conftest import CLERK, make_form


class _NoNetwork:
    def prepare(self, batch) -> None:
        pass


def test_a_batchs_items_are_the_outbound_view_of_each_complaint(desk, tmp_path):
    clerk = desk.acting(CLERK)
    scan = tmp_path / "surat.pdf"
    scan.write_bytes(b"%PDF-1.4 surat " * 50)
    kept = attachments.add_file(clerk, scan)
    recorded = [
        intake.record_complaint(clerk, make_form(attachments=[kept])),
        intake.record_complaint(clerk, make_form(anonymous="yes")),
        intake.record_complaint(clerk, make_form(confidential="yes", event_date="")),
    ]
    client = SyncClient(desk, _NoNetwork())
    client.lease.claim()
    try:
        batch_id = client._make_batch()
        items, files = client._items(batch_id)
    finally:
        client.lease.release()
    with desk.db.reading() as session:
        expected = {}
        for r in recorded:
            complaint = session.scalars(
                select(models.Complaint).where(models.Complaint.id == r.id)
            ).one()
            files_of = session.scalars(
                select(models.Attachment)
                .where(models.Attachment.complaint_id == r.id)
                .order_by(models.Attachment.seq)
            ).all()
            view = outbound_row(complaint, None, audience=visibility.PROVINCE, attachments=files_of)
            expected[r.id] = json.dumps(view, ensure_ascii=False)
    assert [i.complaint_id for i in items] == [r.id for r in recorded]
    assert {i.complaint_id: json.dumps(i.complaint, ensure_ascii=False) for i in items} == expected
    assert [f.sha256 for f in files] == [kept["sha256"]]
