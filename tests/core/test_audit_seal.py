"""What must never change: the audit seal. These digests were computed with seal() as it was
before the audit module was split (commit 1b41733); every trail already written depends on
them, so a refactor that changes a byte of the sealed message fails here."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.audit.seal import ZERO_HASH, Sealer, plain_json, seal, to_json

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


@pytest.mark.parametrize(
    "shared",
    [
        dict(at=EVENT["at"], actor="koor", action="complaint.record", object_type="complaint"),
        dict(at="2026-11-26 03:00:00", actor='a"b\\c', action="é\n\u2028", object_type="x"),
    ],
)
@pytest.mark.parametrize(
    ("before", "reason"), [(None, None), (EVENT["before"], 'salah ketik "kutip"')]
)
def test_a_chunk_sealer_seals_what_seal_seals(shared, before, reason):
    """Sealer (a bulk chunk's events, chain.append_many) must give seal()'s bytes exactly."""
    sealer = Sealer(KEY, before=before, reason=reason, **shared)
    prev = ZERO_HASH
    for seq, object_id, after in [
        (1, "0192f1e2-0000-7000-8000-000000000001", EVENT["after"]),
        (2, "PKU01", None),
        (10**12, '\u00e9\t"\\/', '{"subject":"Jalan \\"rusak\\"\\n","x":"\u0000"}'),
    ]:
        event = dict(shared, seq=seq, object_id=object_id, before=before, after=after)
        event |= dict(reason=reason, prev_hash=prev)
        digest = sealer.seal(seq, object_id, after, prev)
        assert digest == seal(KEY, event)
        prev = digest


@given(st.text(), st.text(max_size=40))
def test_a_chunk_sealer_seals_any_text_as_seal_does(after, object_id):
    shared = dict(at=EVENT["at"], actor="koor", action="complaint.record", object_type="x")
    sealer = Sealer(KEY, before=None, reason=None, **shared)
    event = dict(shared, seq=7, object_id=object_id, before=None, after=after, reason=None)
    assert sealer.seal(7, object_id, after, ZERO_HASH) == seal(
        KEY, event | {"prev_hash": ZERO_HASH}
    )


def test_text_that_is_not_valid_unicode_is_refused_by_the_chunk_sealer_as_by_seal():
    # seal() writes it with json, then cannot encode it; the sealer's orjson refuses it first
    # and falls back to json's text, so the refusal is seal()'s own (not orjson's error).
    shared = dict(at=EVENT["at"], actor="koor", action="complaint.record", object_type="x")
    sealer = Sealer(KEY, before=None, reason=None, **shared)
    with pytest.raises(UnicodeEncodeError):
        sealer.seal(1, "a", '{"description":"lone \ud800 surrogate"}', ZERO_HASH)


# An audit view's values: text (any that JSON can hold), whole numbers, yes/no, None, and the
# lists and dicts of them (attachments).
_view_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.text(st.characters(codec="utf-8")),
)
_views = st.dictionaries(
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.recursive(
        _view_scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=8), inner, max_size=4),
        ),
        max_leaves=20,
    ),
    max_size=12,
)


@given(_views)
def test_an_audit_view_is_written_as_the_seal_writes_it(view):
    assert plain_json(view) == to_json(view)


@pytest.mark.parametrize(
    "value", ["lone \ud800 surrogate", 2**70], ids=["not-unicode", "past-64-bits"]
)
def test_what_orjson_refuses_is_written_by_the_standard_library(value):
    view = {"description": value, "anonymous": False}
    assert plain_json(view) == to_json(view)
