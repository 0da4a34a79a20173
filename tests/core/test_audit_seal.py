"""What must never change: the audit seal. These digests were computed with seal() as it was
before the audit module was split (commit 1b41733); every trail already written depends on
them, so a refactor that changes a byte of the sealed message fails here."""

from __future__ import annotations

import datetime as dt

from desk_app.audit.seal import ZERO_HASH, seal, to_json

KEY = bytes(range(32))  # 000102...1f

EVENT = dict(
    seq=7,
    at=dt.datetime(2026, 11, 26, 3, 0, 0, 123456),
    actor="koor",
    action="complaint.correct",
    object_type="complaint",
    object_id="0192f1e2-0000-7000-8000-000000000001",
    before='{"status":"recorded","subject":"Jalan rusak"}',
    after='{"status":"queued","subject":"Jalan berlubang é"}',
    reason="salah ketik",
    prev_hash="ab" * 32,
)
DIGEST = "3eefbed555ea8246b6a0011b4b0a01740fbdb0b2c9b472a72b27135147884f06"

FIRST = dict(
    seq=1,
    at=dt.datetime(2026, 1, 1),
    actor="it",
    action="desk.init",
    object_type="desk",
    object_id="PKU01",
    before=None,
    after=None,
    reason=None,
    prev_hash=ZERO_HASH,
)
FIRST_DIGEST = "e3b9f24c1c67c199fd5043bb624af55d894d9653a8164803a2c91f67ad5cff30"


def test_the_seal_vector_is_pinned():
    assert seal(KEY, EVENT) == DIGEST


def test_the_time_as_sqlite_stores_it_seals_the_same():
    assert seal(KEY, EVENT | {"at": "2026-11-26 03:00:00.123456"}) == DIGEST


def test_the_first_event_vector_is_pinned():
    assert seal(KEY, FIRST) == FIRST_DIGEST


def test_before_and_after_are_canonical_json():
    assert to_json({"subject": "Jalan rusak", "status": "recorded"}) == EVENT["before"]
    assert to_json({"status": "queued", "subject": "Jalan berlubang é"}) == EVENT["after"]
