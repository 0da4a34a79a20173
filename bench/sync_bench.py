"""e) The sync: upload throughput through the desk's client against a raw httpx POST of the same
batches to the same training hub in the same run, complaints per second end to end, and the
cost and ratio of gzip level 1 on a batch. Run by bench/run.py (section "s").

The hub is the real one (`desk-app hub serve`, a subprocess on 127.0.0.1, SQLite). Two scratch
desks record the same number of complaints; the raw side builds its batch bodies beforehand
(the same outbound view, the same gzip level 1) and POSTs them one after the other with one
httpx.Client, so the ratio is what the client's own work (reading the outbox, building items,
committing the batch id before sending and the answer after) costs on top of the HTTP round.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time

from benchlib import ROOT, Context, Figure, measure, open_acting

UPLOAD_GOAL = 0.8  # x the raw POST's throughput
END_TO_END_GOAL = 5000.0  # complaints per second, without attachments
COMPLAINTS = 3000
ROUNDS = 5  # alternated; each figure is the median


def _desk(ctx: Context, name: str, code: str):
    from desk_app import settings

    desk = open_acting(ctx.scratch / name)
    settings.set_value(desk.db, "desk_code", code)
    return desk.reloaded()


def _record(desk, n: int, seed: int) -> None:
    """`n` varied complaints (the demo data's names and texts), so gzip sees real variety."""
    import random

    from desk_app.domain import demo_forms
    from desk_app.services import intake

    rng = random.Random(seed)
    pools = demo_forms.Pools.shipped(desk.reference)
    now = desk.now()
    forms = [(i, demo_forms.form(rng, pools, desk.local_day(now), now)) for i in range(n)]
    for start in range(0, n, 500):
        intake.record_many(desk, forms[start : start + 500])


def _bodies(desk, n_batches_of: int, skip: int = 0) -> list[tuple[str, bytes]]:
    """The desk's record items after the first `skip` as protocol batches, gzip level 1 (the
    raw side)."""
    import uuid6
    from sqlalchemy import select

    from desk_app.services import visibility
    from desk_app.services.transfer import outbound_row
    from desk_app.store import models
    from desk_app.sync import protocol as p

    OB, C = models.Outbox, models.Complaint  # noqa: N806
    bodies = []
    with desk.db.reading() as session:
        rows = session.execute(
            select(OB, C).join(C, C.id == OB.complaint_id).order_by(OB.seq).offset(skip)
        ).all()
        for start in range(0, len(rows), n_batches_of):
            chunk = rows[start : start + n_batches_of]
            items = tuple(
                p.Item(
                    o.item_id,
                    o.kind,
                    o.complaint_id,
                    o.revision,
                    outbound_row(c, None, audience=visibility.PROVINCE, attachments=[]),
                )
                for o, c in chunk
            )
            batch = p.Batch(str(uuid6.uuid7()), desk.desk_code, items)
            raw = json.dumps(batch.body(), ensure_ascii=False, separators=(",", ":")).encode()
            bodies.append((batch.batch_id, gzip.compress(raw, compresslevel=1, mtime=0)))
    return bodies


def bench_sync(ctx: Context) -> list[Figure]:
    import httpx

    sys.path.insert(0, str(ROOT))
    from desk_app.domain.roles import Actor, Role
    from desk_app.services import sync
    from desk_app.sync import credentials
    from desk_app.sync.protocol import DEFAULT_BATCH_ITEMS as BATCH  # the app's own default
    from tests.sync.hub_process import Hub

    hub_dir = ctx.scratch / "hub"
    hub_dir.mkdir()
    hub = Hub(hub_dir).start()
    it = Actor("latih-ti", "TI Latihan", Role.IT)
    app_desk = _desk(ctx, "sync-app", "BNCA1")
    raw_desk = _desk(ctx, "sync-raw", "BNCR1")
    try:
        client_id, secret = hub.add_desk(app_desk.desk_code)
        sync.configure(app_desk.acting(it), hub.url, client_id, None)
        credentials.remember(hub.url, client_id, secret)
        sync.run(app_desk.acting(it))  # warm: the token, reference sets fetched once
        raw_id, raw_secret = hub.add_desk(raw_desk.desk_code)
        from desk_app import startup

        raw_rates, app_rates, end_to_end_rates = [], [], []
        with httpx.Client(base_url=hub.url, timeout=30) as http:
            token = http.post(
                "/api/v1/token", json={"client_id": raw_id, "client_secret": raw_secret}
            ).json()["access_token"]
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            }
            # Rounds alternate the two sides, each on new complaints: one run of each is a
            # third of a second, and a single pair moved the ratio by a tenth either way.
            for round_no in range(ROUNDS):
                _record(app_desk, COMPLAINTS, seed=1 + round_no)
                _record(raw_desk, COMPLAINTS, seed=1 + round_no)
                # The raw side: bodies built beforehand, then only the POSTs are timed.
                bodies = _bodies(raw_desk, BATCH, round_no * COMPLAINTS)
                startup.settle()  # as `desk-app sync` does once started
                started = time.perf_counter()
                for batch_id, body in bodies:
                    answer = http.post(
                        "/api/v1/batches",
                        content=body,
                        headers={**headers, "Idempotency-Key": batch_id},
                    )
                    answer.raise_for_status()
                raw_rates.append(COMPLAINTS / (time.perf_counter() - started))

                marks: dict[str, float] = {}

                def progress(step, marks=marks) -> None:
                    marks.setdefault(step.phase, time.perf_counter())

                started = time.perf_counter()
                report = sync.run(app_desk.acting(it), progress=progress)
                total = time.perf_counter() - started
                assert report.accepted == COMPLAINTS and report.error is None, report
                upload = marks.get("statuses", time.perf_counter()) - marks["upload"]
                app_rates.append(COMPLAINTS / upload)
                end_to_end_rates.append(COMPLAINTS / total)

        raw_rate = statistics.median(raw_rates)
        app_rate = statistics.median(app_rates)
        end_to_end = statistics.median(end_to_end_rates)

        # gzip level 1 on one batch of BATCH complaints (as the client sends it)
        sample = gzip.decompress(bodies[0][1])
        gz_ms = measure(lambda: gzip.compress(sample, compresslevel=1, mtime=0), repeat=50)
        ratio = len(sample) / len(gzip.compress(sample, compresslevel=1, mtime=0))
    finally:
        app_desk.close()
        raw_desk.close()
        hub.stop()
    return [
        Figure(
            "s",
            f"upload {COMPLAINTS} complaints, batches of {BATCH}",
            app_rate,
            unit="/s",
            baseline=raw_rate,
            baseline_name="raw httpx POST, same batches",
            goal=f">= {UPLOAD_GOAL:g}x",
            met=app_rate >= UPLOAD_GOAL * raw_rate,
        ),
        Figure(
            "s",
            "sync.run end to end (upload, statuses, reference)",
            end_to_end,
            unit="/s",
            goal=f">= {END_TO_END_GOAL:,.0f}/s",
            met=end_to_end >= END_TO_END_GOAL,
        ),
        Figure("s", f"gzip level 1, one batch of {BATCH} ({len(sample) // 1024} KiB)", gz_ms),
        Figure("s", "  gzip level 1 ratio (plain / gzip)", ratio, unit="x"),
    ]


SECTIONS = [("s", "sync", bench_sync)]
