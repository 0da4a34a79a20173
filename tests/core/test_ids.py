"""store/ids.py: many uuid7 ids at once, as uuid6.uuid7() makes them one by one."""

from __future__ import annotations

import uuid

import uuid6

from desk_app.store.ids import uuid7_strings


def test_ids_made_at_once_are_uuid7_in_order_and_before_the_next_ones():
    before = str(uuid6.uuid7())
    ids = uuid7_strings(1000)
    after = str(uuid6.uuid7())
    parsed = [uuid.UUID(text) for text in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed)
    assert [str(u) for u in parsed] == ids  # the canonical text, lower case
    assert len(set(ids)) == 1000
    assert before < ids[0] and ids == sorted(ids) and ids[-1] < after
    assert uuid7_strings(0) == []


def test_the_random_part_varies():
    ids = uuid7_strings(200)
    assert len({text[-12:] for text in ids}) == 200
