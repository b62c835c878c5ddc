"""The fast content hash is the reference one (stored records carry it: it must never change)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from huanjian.hj212 import HJ212Error, decode
from huanjian.hj212.model import Value
from huanjian.ingest.layouts import content_hash, content_hash_reference
from huanjian.ingest.simulate import honest_frames, sim_mn
from tests.hj212.conftest import load_corpus

_text = st.text(alphabet="ABCEFNpqz%s=,;:E0123456789.-", max_size=8)
_number = st.decimals(allow_nan=False, allow_infinity=False, places=None) | st.sampled_from(
    [Decimal("1E+3"), Decimal("1E-9"), Decimal("-0"), Decimal("0.0000001"), Decimal("12.30")]
)
_value: st.SearchStrategy[Value] = _number | _text


@settings(max_examples=300, deadline=None)
@given(
    cn=st.sampled_from(["2051", "2011", ""]),
    params=st.dictionaries(st.sampled_from(["DataTime", "Begin%Time", "X"]), _text, max_size=3),
    items=st.dictionaries(
        st.text(alphabet="aw0123%E", min_size=1, max_size=6),
        st.dictionaries(st.sampled_from(["Avg", "Min", "Max", "Flag", "Rtd", "Info", "E%"]), _value),
        max_size=5,
    ),
)
def test_fast_hash_is_the_reference(
    cn: str, params: dict[str, str], items: dict[str, dict[str, Value]]
) -> None:
    assert content_hash(cn, params, items) == content_hash_reference(cn, params, items)
    assert content_hash(cn, params, items) == content_hash_reference(cn, params, items)  # cached plan


def test_fast_hash_on_the_corpus_and_simulated_frames() -> None:
    raws = [c.raw for c in load_corpus()]
    raws += list(honest_frames(sim_mn(1), datetime(2024, 3, 1, tzinfo=UTC), 50, seed=1, quirks=True))
    raws += list(honest_frames(sim_mn(2), datetime(2024, 3, 1, tzinfo=UTC), 20, seed=2, kind="water"))
    for raw in raws:
        try:
            f = decode(raw)
        except HJ212Error:
            continue
        cn = f.cn or ""
        assert content_hash(cn, f.params, f.items) == content_hash_reference(cn, f.params, f.items)
