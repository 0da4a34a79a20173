"""Realistic demo complaints (Indonesian names, Riau regions, agencies, categories), spread over
past months; fast enough for a million rows (bulk inserts, same numbering and deadline rules)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

import uuid6
from sqlalchemy import func, insert, select

from desk_app import paths
from desk_app.domain import numbering
from desk_app.domain.complaint import Channel, ComplaintForm, ReportType
from desk_app.services.desk import Desk
from desk_app.store import models

CHUNK = 5000
CHANNEL_WEIGHTS = [
    (Channel.WALK_IN, 45),
    (Channel.PHONE, 20),
    (Channel.WHATSAPP, 25),
    (Channel.LETTER, 6),
    (Channel.EMAIL, 4),
]
STATUS_WEIGHTS = [
    ("recorded", 20),
    ("submitted", 20),
    ("verified", 15),
    ("disposed", 15),
    ("followed_up", 10),
    ("completed", 15),
    ("archived", 5),
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
    return f"{regency}{rng.randint(1, 9):02d}{day:02d}{birth:%m%y}{rng.randint(1, 9999):04d}"


def generate(
    desk: Desk,
    count: int,
    *,
    days: int = 180,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Record `count` demo complaints received over the last `days` days. Returns the count."""
    rng = random.Random(seed)
    names = _load("names.json")
    templates = _load("complaints.json")["templates"]
    ref = desk.reference
    regions = list(ref.regions.values())
    channels, channel_w = zip(*CHANNEL_WEIGHTS, strict=True)
    statuses, status_w = zip(*STATUS_WEIGHTS, strict=True)
    now = desk.now()
    start = now - dt.timedelta(days=days)
    span = (now - start).total_seconds()
    # Arrival times sorted, so seq order is arrival order as on a real desk.
    moments = sorted(start + dt.timedelta(seconds=rng.random() * span) for _ in range(count))
    due_cache: dict[tuple[dt.date, int], dt.date] = {}
    counters: dict[dt.date, int] = {}

    with desk.db.reading() as session:
        for day, last in session.execute(
            select(models.DayCounter.day, models.DayCounter.last_seq).where(
                models.DayCounter.desk_code == desk.desk_code
            )
        ):
            counters[day] = last

    done = 0
    for offset in range(0, count, CHUNK):
        complaints, outbox = [], []
        for received in moments[offset : offset + CHUNK]:
            template = rng.choice(templates)
            region = rng.choice(regions)
            female = rng.random() < 0.5
            given = rng.choice(names["given_female" if female else "given_male"])
            name = f"{given} {rng.choice(names['family'])}"
            place = rng.choice(list(region.districts.values()) or [region.short])
            day = desk.local_day(received)
            counters[day] = counters.get(day, 0) + 1
            category = template["category"]
            sla = ref.sla_days(category)
            if (day, sla) not in due_cache:
                due_cache[(day, sla)] = desk.calendar.add_working_days(day, sla)
            anonymous = rng.random() < 0.08
            street = rng.choice(names["streets"])
            address = f"{street} No. {rng.randint(1, 200)}, {place}"
            cid = str(uuid6.uuid7())
            complaints.append(
                {
                    "id": cid,
                    "tracking_no": numbering.make(desk.desk_code, day, counters[day]),
                    "desk_code": desk.desk_code,
                    "report_type": rng.choices(list(ReportType), weights=[80, 12, 8])[0].value,
                    "channel": rng.choices(channels, weights=channel_w)[0].value,
                    "received_at": received,
                    "recorded_by": desk.user,
                    "reporter_name": "" if anonymous else name,
                    "reporter_nik": _nik(rng, region.code, female) if rng.random() < 0.7 else None,
                    "reporter_phone": f"+628{rng.choice('1235')}{rng.randrange(10**8, 10**9)}",
                    "reporter_email": None,
                    "reporter_address": address,
                    "anonymous": anonymous,
                    "confidential": rng.random() < 0.05,
                    "subject": template["subject"].replace("{place}", place),
                    "description": template["description"].replace("{place}", place),
                    "category": category,
                    "agency": template["agency"],
                    "region": region.code,
                    "district": None,
                    "event_date": day - dt.timedelta(days=rng.randint(0, 20)),
                    "event_place": place,
                    "loss": "",
                    "remedy": "",
                    "complained_before": rng.random() < 0.3,
                    "status": rng.choices(statuses, weights=status_w)[0],
                    "due_date": due_cache[(day, sla)],
                    "linked_to": None,
                    "created_at": received,
                    "updated_at": received,
                }
            )
            outbox.append({"complaint_id": cid, "kind": "upload", "created_at": received})
        with desk.db.writing() as session:
            session.execute(insert(models.Complaint), complaints)
            session.execute(insert(models.Outbox), outbox)
            _save_counters(session, desk.desk_code, counters)
        done += len(complaints)
        if progress:
            progress(done)
    return done


def _save_counters(session, desk_code: str, counters: dict[dt.date, int]) -> None:
    existing = dict(
        session.execute(
            select(models.DayCounter.day, models.DayCounter.last_seq).where(
                models.DayCounter.desk_code == desk_code
            )
        ).all()
    )
    for day, last in counters.items():
        if day not in existing:
            session.add(models.DayCounter(desk_code=desk_code, day=day, last_seq=last))
        elif existing[day] < last:
            session.get(models.DayCounter, (desk_code, day)).last_seq = last


def count(desk: Desk) -> int:
    from desk_app.domain.roles import Action
    from desk_app.services.accounts import require

    require(desk, desk.actor, Action.VIEW)
    with desk.db.reading() as session:
        return session.scalar(select(func.count()).select_from(models.Complaint)) or 0
