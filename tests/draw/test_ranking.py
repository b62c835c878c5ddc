"""Random draws: committed seed, HMAC ranking anyone can recompute, rates as data."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huanjian.draw.ranking import (
    Candidate,
    adjusted_rate,
    commitment,
    default_rules,
    draw,
    draw_count,
    new_seed,
    score,
    verify,
)
from huanjian.errors import ValidationError

SEED = "00" * 31 + "01"


def test_score_is_plain_hmac_sha256_of_the_id() -> None:
    expected = hmac.new(bytes.fromhex(SEED), b"91310115MA1FL0001X", hashlib.sha256).hexdigest()
    assert score(SEED, "91310115MA1FL0001X") == expected
    assert commitment(SEED) == hashlib.sha256(bytes.fromhex(SEED)).hexdigest()


@pytest.mark.parametrize(
    ("size", "rate", "k"),
    [
        (0, 0.25, 0),
        (1, 0.05, 1),
        (4, 0.25, 1),
        (5, 0.25, 2),
        (20, 0.05, 1),
        (21, 0.05, 2),
        (10, 0.0, 0),
        (3, 1.0, 3),
    ],
)
def test_draw_count_rounds_up(size: int, rate: float, k: int) -> None:
    assert draw_count(size, rate) == k


def test_rates_follow_class_credit_and_risk() -> None:
    rules = default_rules()
    assert adjusted_rate(Candidate("a", "key"), rules) == 0.25
    assert adjusted_rate(Candidate("a", "key", credit="red"), rules) == 0.5
    assert adjusted_rate(Candidate("a", "simple", credit="green", risk="low"), rules) == pytest.approx(0.02)
    assert adjusted_rate(Candidate("a", "key", credit="red", risk="high"), rules) == 0.75
    with pytest.raises(ValidationError, match="supervision class"):
        adjusted_rate(Candidate("a", "vip"), rules)


def test_draw_is_the_lowest_scores_of_each_bucket() -> None:
    library = [Candidate(f"E{i:03d}", "key") for i in range(20)]
    picks, summary = draw(SEED, library)
    assert [s.drawn for s in summary] == [5]
    expected = sorted(library, key=lambda c: score(SEED, c.id))[:5]
    assert [p.id for p in picks] == [c.id for c in expected]
    assert [p.rank for p in picks] == [1, 2, 3, 4, 5]


def test_buckets_by_class_and_adjusted_rate() -> None:
    library = (
        [Candidate(f"K{i}", "key") for i in range(8)]
        + [Candidate(f"R{i}", "key", credit="red") for i in range(4)]
        + [Candidate(f"S{i}", "simple") for i in range(30)]
    )
    _, summary = draw(SEED, library)
    assert {(s.stratum, s.size, s.drawn) for s in summary} == {
        ("key@0.25", 8, 2),
        ("key@0.5", 4, 2),
        ("simple@0.05", 30, 2),
    }


def test_verify_accepts_the_published_draw_and_catches_tampering() -> None:
    seed = new_seed()
    library = [Candidate(f"E{i:03d}", "general") for i in range(40)]
    picks, _ = draw(seed, library)
    published = [p.id for p in picks]
    assert verify(seed, commitment(seed), library, published) == []
    other = next(c.id for c in library if c.id not in published)
    assert verify(seed, commitment(seed), library, [*published[:-1], other])
    assert "commitment" in verify(new_seed(), commitment(seed), library, published)[0]
    # A library changed after the draw (one enterprise dropped) is caught too.
    assert verify(seed, commitment(seed), [c for c in library if c.id != published[0]], published)


def test_duplicate_candidates_are_refused() -> None:
    with pytest.raises(ValidationError, match="twice"):
        draw(SEED, [Candidate("E1", "key"), Candidate("E1", "key")])


@given(
    st.lists(st.text(min_size=1, max_size=18), min_size=1, max_size=60, unique=True),
    st.binary(min_size=32, max_size=32),
)
def test_draw_is_deterministic_and_order_independent(ids: list[str], seed_bytes: bytes) -> None:
    seed = seed_bytes.hex()
    library = [Candidate(i, "general") for i in ids]
    first, _ = draw(seed, library)
    second, _ = draw(seed, list(reversed(library)))
    assert first == second
    assert len(first) == draw_count(len(ids), 0.15)
