"""The forms of demo complaints (services/demo.py records them on a training desk): what a clerk
could have typed, drawn from one random.Random, then validated as a save validates them.

Pure: no database, no desk, no Qt, and no SQLAlchemy imported, so that a helper process
(services/demo_helper.py) can make them while the desk's process writes (issue 11). The same
seed gives the same forms in the same order whoever makes them: the draws are the same calls
on the same generator, and a chunk's maker can be handed the generator's state to go on from.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import itertools
import json
import random
import re
from zoneinfo import ZoneInfo

from desk_app import paths
from desk_app.domain import calendar
from desk_app.domain.complaint import Channel, ComplaintForm, ReportType, ValidComplaint, validate

CHANNEL_WEIGHTS = [
    (Channel.WALK_IN, 45),
    (Channel.PHONE, 20),
    (Channel.WHATSAPP, 25),
    (Channel.LETTER, 6),
    (Channel.EMAIL, 4),
]


def load(name: str) -> dict:
    """One of the demo word lists in resources/demo/."""
    with open(paths.resources_dir() / "demo" / name, encoding="utf-8") as fh:
        return json.load(fh)


class Pools:
    """What each demo complaint draws from, prepared once per run: the lists rng.choice and
    rng.choices pick from (the same lists, in the same order, so a seed gives the same data).
    `reference`: the desk's reference data (desk_app.reference.Reference)."""

    def __init__(self, names: dict, templates: list, reference) -> None:
        self.names = names
        self.templates = templates
        self.regions = list(reference.regions.values())
        self.places = {r.code: list(r.districts.values()) or [r.short] for r in self.regions}
        self.channels, weights = zip(*CHANNEL_WEIGHTS, strict=True)
        self.channel_weights = list(itertools.accumulate(weights))
        self.report_types = list(ReportType)
        self.report_type_weights = list(itertools.accumulate([80, 12, 8]))

    @classmethod
    def shipped(cls, reference) -> Pools:
        """The pools of the names and complaint templates shipped in resources/demo/."""
        return cls(load("names.json"), load("complaints.json")["templates"], reference)


def _nik(rng: random.Random, region: str, female: bool) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    day = birth.day + (40 if female else 0)
    regency = region.replace(".", "")[:4]
    month_year = f"{birth.month:02d}{birth.year % 100:02d}"  # {birth:%m%y} without strftime
    return f"{regency}{rng.randint(1, 9):02d}{day:02d}{month_year}{rng.randint(1, 9999):04d}"


def _typed_date(day: dt.date) -> str:
    """f"{day:%d/%m/%Y}" (as a clerk types it) without strftime, for years 1000 to 9999."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def weighted(rng: random.Random, population, cum_weights: list[int]):
    """rng.choices(population, cum_weights=cum_weights)[0], drawn as it draws it (one
    random(), the same bisection) without building its list (two per demo complaint)."""
    total = cum_weights[-1] + 0.0
    return population[bisect.bisect(cum_weights, rng.random() * total, 0, len(cum_weights) - 1)]


def form(rng: random.Random, pools: Pools, day: dt.date, received: dt.datetime) -> ComplaintForm:
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
    channel = weighted(rng, pools.channels, pools.channel_weights)
    email = ""
    if channel is Channel.EMAIL:
        mailbox = re.sub(r"[^a-z]", "", f"{given}{family}".lower()) or "pelapor"
        email = f"{mailbox}{rng.randint(1, 99)}@example.id"
    report_type = weighted(rng, pools.report_types, pools.report_type_weights)
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


def arrivals(rng: random.Random, count: int, days: int) -> array.array:
    """How long before the run each of `count` demo complaints arrived, in seconds over the past
    `days`, longest first (arrival order, as seq order is on a real desk). A float array, so a
    helper is handed the rest of a run in one copy."""
    span = dt.timedelta(days=days).total_seconds()
    return array.array("d", sorted((rng.random() * span for _ in range(count)), reverse=True))


class Maker:
    """The validated demo complaints of a run, made a chunk at a time in arrival order: each
    `now - ago` (`ago` from arrivals()) received on its day in `zone`, validated against
    `reference` as of `today`. Returns (complaints, their local days)."""

    def __init__(
        self,
        rng: random.Random,
        pools: Pools,
        reference,
        zone: ZoneInfo,
        now: dt.datetime,
        today: dt.date,
    ) -> None:
        self.rng, self.pools, self.reference = rng, pools, reference
        self.zone, self.now, self.today = zone, now, today

    def make(self, ago) -> tuple[list[ValidComplaint], list[dt.date]]:
        rng, pools, reference, zone, now, today = (
            self.rng,
            self.pools,
            self.reference,
            self.zone,
            self.now,
            self.today,
        )
        timedelta, local_day = dt.timedelta, calendar.local_day
        valids, days = [], []
        for seconds in ago:
            received = now - timedelta(seconds=seconds)
            day = local_day(received, zone)
            days.append(day)
            valids.append(validate(form(rng, pools, day, received), reference, today=today))
        return valids, days
