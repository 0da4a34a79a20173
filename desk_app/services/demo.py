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
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import random
import re
from collections.abc import Callable

from desk_app import paths, settings
from desk_app.domain.complaint import Channel, ComplaintForm, ReportType, validate
from desk_app.domain.roles import Action
from desk_app.errors import DemoRefused
from desk_app.services.access import require
from desk_app.services.desk import Desk

BATCH = 500  # complaints per write transaction: a benchmark's speed, a short lock for others
MAX_DAYS = 3650
CHANNEL_WEIGHTS = [
    (Channel.WALK_IN, 45),
    (Channel.PHONE, 20),
    (Channel.WHATSAPP, 25),
    (Channel.LETTER, 6),
    (Channel.EMAIL, 4),
]


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


def _load(name: str) -> dict:
    with open(paths.resources_dir() / "demo" / name, encoding="utf-8") as fh:
        return json.load(fh)


def _nik(rng: random.Random, region: str, female: bool) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    day = birth.day + (40 if female else 0)
    regency = region.replace(".", "")[:4]
    month_year = f"{birth.month:02d}{birth.year % 100:02d}"  # {birth:%m%y} without strftime
    return f"{regency}{rng.randint(1, 9):02d}{day:02d}{month_year}{rng.randint(1, 9999):04d}"


def _typed_date(day: dt.date) -> str:
    """f"{day:%d/%m/%Y}" (as a clerk types it) without strftime, for years 1000 to 9999."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _is_training_desk(desk: Desk) -> bool:
    return bool(settings.get(desk.db, "training_desk"))


class _Pools:
    """What each demo complaint draws from, prepared once per run: the lists rng.choice and
    rng.choices pick from (the same lists, in the same order, so a seed gives the same data)."""

    def __init__(self, names: dict, templates: list, desk: Desk) -> None:
        self.names = names
        self.templates = templates
        self.regions = list(desk.reference.regions.values())
        self.places = {r.code: list(r.districts.values()) or [r.short] for r in self.regions}
        self.channels, weights = zip(*CHANNEL_WEIGHTS, strict=True)
        self.channel_weights = list(itertools.accumulate(weights))
        self.report_types = list(ReportType)
        self.report_type_weights = list(itertools.accumulate([80, 12, 8]))


def _weighted(rng: random.Random, population, cum_weights: list[int]):
    """rng.choices(population, cum_weights=cum_weights)[0], drawn as it draws it (one
    random(), the same bisection) without building its list (two per demo complaint)."""
    total = cum_weights[-1] + 0.0
    return population[bisect.bisect(cum_weights, rng.random() * total, 0, len(cum_weights) - 1)]


def _form(rng: random.Random, pools: _Pools, day: dt.date, received: dt.datetime):
    """One demo complaint as a clerk could have typed it, received at `received` (on the
    desk's local `day`)."""
    names = pools.names
    template = rng.choice(pools.templates)
    region = rng.choice(pools.regions)
    female = rng.random() < 0.5
    given = rng.choice(names["given_female" if female else "given_male"])
    family = rng.choice(names["family"])
    place = rng.choice(pools.places[region.code])
    anonymous = rng.random() < 0.08
    channel = _weighted(rng, pools.channels, pools.channel_weights)
    email = ""
    if channel is Channel.EMAIL:
        mailbox = re.sub(r"[^a-z]", "", f"{given}{family}".lower()) or "pelapor"
        email = f"{mailbox}{rng.randint(1, 99)}@example.id"
    report_type = _weighted(rng, pools.report_types, pools.report_type_weights)
    return ComplaintForm(
        report_type=report_type.value,
        channel=channel.value,
        received_at=received.isoformat(),
        reporter_name="" if anonymous else f"{given} {family}",
        reporter_nik=_nik(rng, region.code, female) if rng.random() < 0.7 else "",
        reporter_phone=f"+628{rng.choice('1235')}{rng.randrange(10**8, 10**9)}",
        reporter_email=email,
        reporter_address=f"{rng.choice(names['streets'])} No. {rng.randint(1, 200)}, {place}",
        anonymous="yes" if anonymous else "no",
        confidential="yes" if rng.random() < 0.05 else "no",
        subject=template["subject"].replace("{place}", place),
        description=template["description"].replace("{place}", place),
        category=template["category"],
        agency=template["agency"],
        region=region.code,
        event_date=_typed_date(day - dt.timedelta(days=rng.randint(0, 20))),
        event_place=place,
        complained_before="yes" if rng.random() < 0.3 else "no",
    )


def generate(
    desk: Desk,
    count: int,
    *,
    days: int = 180,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> int:
    """Record `count` demo complaints received over the last `days` days on a training desk;
    return the count. `progress(done)` after each committed batch.

    Raises DemoRefused on a desk not set up as a training desk, PermissionDenied without
    Action.RECORD; StorageError when a batch cannot be written (that batch is rolled back
    whole; earlier ones stay).
    """
    from desk_app.services import bulk

    require(desk, desk.actor, Action.RECORD)
    if not _is_training_desk(desk):
        raise DemoRefused()
    rng = random.Random(seed)
    pools = _Pools(_load("names.json"), _load("complaints.json")["templates"], desk)
    now = desk.now()
    today = desk.local_day(now)
    span = dt.timedelta(days=days).total_seconds()
    # Arrival times sorted, so seq order is arrival order as on a real desk.
    moments = sorted(now - dt.timedelta(seconds=rng.random() * span) for _ in range(count))
    done = 0
    reference, local_day = desk.reference, desk.local_day
    for offset in range(0, count, batch):
        valids, days = [], []
        for received in moments[offset : offset + batch]:
            day = local_day(received)
            days.append(day)
            valids.append(validate(_form(rng, pools, day, received), reference, today=today))
        # Busy past the timeout, disk full: the session says it in words (store/db.py).
        with desk.db.writing() as session:
            items = [(valid, valid.received_at) for valid in valids]
            bulk.write_many(session, desk, items, days=days, returning=False)
        done += len(valids)
        if progress:
            progress(done)
    return done
