"""Realistic demo complaints (Indonesian names, Riau regions, agencies, categories) for a
TRAINING desk only (`desk-app init --training`): a real desk refuses them (DemoRefused), so no
fake complaint ever enters a real desk's series, its upload queue or its audit trail.

Each demo complaint is what a clerk could have typed: a ComplaintForm, validated, then written
by bulk.write_many, the recording path of the form done per chunk (numbers from the day's
counter inside the write transaction, the complaints, their outbox rows, their audit events,
the full-text index filled once per chunk), many per transaction so that a
million rows stay practical for the benchmarks. The received time (a form field) is spread over
the past `days`; the tracking number is allocated in the desk's own series for the day it was
received (what a desk recording that day would have given, and under the 999,999-per-day cap
a million rows on one day would pass). Status stays "recorded": no audited path sets others yet.

The forms are made by domain/demo_forms.py; from HELPER_FROM chunks on, a helper process makes
most of them while this one writes (services/demo_helper.py), with the same data for a seed.
A run of SET_ASIDE_FROM complaints or more that at least doubles the desk's complaints sets the
tables' plain indexes aside while it writes and builds them again after (store/bulk_indexes.py).
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Callable

from desk_app import settings
from desk_app.domain import demo_forms
from desk_app.domain.complaint import ComplaintForm
from desk_app.domain.roles import Action
from desk_app.errors import DemoRefused
from desk_app.services import demo_helper
from desk_app.services.access import require
from desk_app.services.desk import Desk

log = logging.getLogger(__name__)

BATCH = 500  # complaints per write transaction: a benchmark's speed, a short lock for others
MAX_DAYS = 3650
# From this many chunks a helper process makes the forms (services/demo_helper.py): below it,
# starting one (about a tenth of a second) costs more than it gives.
HELPER_FROM = 8
# From this many complaints (and no fewer than the desk holds), the plain indexes are set aside
# during the run (store/bulk_indexes.py): below it, keeping them costs less than building them.
SET_ASIDE_FROM = 10_000


def sample_form(**overrides) -> ComplaintForm:
    """One valid complaint form (for the self-test, tests and benchmarks); override any field."""
    values = dict(
        report_type="pengaduan",
        channel="datang_langsung",
        reporter_name="Siti Aminah",
        reporter_nik="1403015708900002",
        reporter_phone="0812 6677 8899",
        reporter_email="siti@example.id",
        reporter_address="Jl. Hang Tuah No. 5, Bengkalis",
        anonymous="no",
        confidential="no",
        subject="Jalan berlubang di depan sekolah",
        description="Jalan di depan SDN 3 Bengkalis berlubang besar sejak Agustus.",
        category="INFRASTRUKTUR",
        agency="PUPRPKPP",
        region="14.03",
    )
    values.update(overrides)
    return ComplaintForm(**values)


def _is_training_desk(desk: Desk) -> bool:
    return bool(settings.get(desk.db, "training_desk"))


def generate(
    desk: Desk,
    count: int,
    *,
    days: int = 180,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
    rebuilding: Callable[[], None] | None = None,
) -> int:
    """Record `count` demo complaints received over the last `days` days on a training desk;
    return the count. `progress(done)` after each committed batch; `rebuilding()` before the
    indexes set aside are built again after the last (a few seconds at a million rows).

    Raises DemoRefused on a desk not set up as a training desk, PermissionDenied without
    Action.RECORD; StorageError when a batch cannot be written (that batch is rolled back
    whole; earlier ones stay).
    """
    from desk_app.services import bulk

    require(desk, desk.actor, Action.RECORD)
    if not _is_training_desk(desk):
        raise DemoRefused()
    rng = random.Random(seed)
    ago = demo_forms.arrivals(rng, count, days)
    now = desk.now()
    maker = demo_forms.Maker(
        rng,
        demo_forms.Pools.shipped(desk.reference),
        desk.reference,
        desk.zone,
        now,
        desk.local_day(now),
    )
    desk_code, user = desk.desk_code, desk.user
    helper = None
    if count >= HELPER_FROM * batch:
        helper = demo_helper.Helper(maker, ago, batch, desk_code, user)
    done = 0
    with helper or contextlib.nullcontext(), _indexes_set_aside(desk, count, rebuilding):
        for offset in range(0, count, batch):
            staged = helper.take(offset) if helper else None
            if staged is None:
                staged = demo_helper.make_staged(
                    maker, ago[offset : offset + batch], desk_code, user
                )
                if helper:
                    helper.offer(offset + batch)
            # Busy past the timeout, disk full: the session says it in words (store/db.py).
            with desk.db.writing_core() as session:
                bulk.write_staged(session, desk, staged, returning=False)
            done += len(staged)
            if progress:
                progress(done)
    return done


@contextlib.contextmanager
def _indexes_set_aside(desk: Desk, count: int, rebuilding: Callable[[], None] | None):
    """For a run of `count` complaints: the plain indexes set aside while it writes, when it
    is big enough (SET_ASIDE_FROM, and at least as many as the desk holds), and built again
    when it ends. When it ends by an error, that error is the one raised: indexes that could
    not be built then are built at the desk's next open."""
    from desk_app.store import bulk_indexes

    big = False
    if count >= SET_ASIDE_FROM:
        with desk.db.writing() as session:
            big = bulk_indexes.set_aside(session, adding=count) > 0
    if not big:
        yield
        return
    try:
        yield
    except BaseException:
        try:
            with desk.db.writing() as session:
                bulk_indexes.put_back(session)
        except Exception:  # noqa: BLE001 - the run's own error is the one to raise
            log.warning("indexes set aside left for the next open of the desk")
        raise
    if rebuilding:
        rebuilding()
    with desk.db.writing() as session:
        bulk_indexes.put_back(session)
