"""The sync's request bodies are encoded with orjson (sync/transport.py): the same JSON the
standard library writes (compact, UTF-8, nothing escaped but what JSON must), which the hub
reads back to the very values sent."""

from __future__ import annotations

import gzip
import json

from hypothesis import given
from hypothesis import strategies as st

from desk_app.sync.transport import HttpTransport

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.text(st.characters(codec="utf-8"))
)
bodies = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=8), inner, max_size=5),
    ),
    max_leaves=30,
)
TRANSPORT = HttpTransport("http://127.0.0.1:9", "meja-1", "rahasia")


@given(bodies)
def test_a_body_reads_back_as_the_values_sent(body):
    assert json.loads(gzip.decompress(TRANSPORT._encode(body))) == body


@given(st.dictionaries(st.text(max_size=12), st.text(st.characters(codec="utf-8")), max_size=6))
def test_the_bytes_are_the_standard_librarys_compact_utf8(body):
    expected = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert gzip.decompress(TRANSPORT._encode(body)) == expected
