"""The draw itself, pure and reproducible.

Procedure (published with every draw, so anyone can check it):

1. Before the draw the platform generates a random 256-bit seed and publishes
   ``commitment = SHA-256(seed)``. Nobody, the platform included, can choose
   a seed after seeing the libraries without the commitment changing.
2. Each candidate gets ``score = HMAC-SHA256(seed, id)`` (hex).
3. Candidates are grouped into buckets of the same supervision class and the
   same adjusted rate (base rate × credit factor × risk factor, rules as
   data); in each bucket they are ranked by score, ascending, and the first
   ``k = ceil(rate × size)`` are drawn (at least one when the rate is
   positive and the bucket is not empty).
4. After the draw the seed is published; ``verify`` recomputes the result from
   the seed and the libraries as they were on the draw date.

Stratification and rates come from rules kept as data (``rates.json``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from huanjian.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    stratum: str  # supervision class for objects; e.g. "inspector" for the inspector library
    credit: str | None = None
    risk: str = "normal"


@dataclass(frozen=True, slots=True)
class Pick:
    id: str
    stratum: str
    rank: int
    score: str


@dataclass(frozen=True, slots=True)
class StratumResult:
    stratum: str
    size: int
    rate: float
    drawn: int


def new_seed() -> str:
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def score(seed: str, candidate_id: str) -> str:
    return hmac.new(bytes.fromhex(seed), candidate_id.encode("utf-8"), hashlib.sha256).hexdigest()


def rank(seed: str, ids: Sequence[str]) -> list[tuple[str, str]]:
    """``(score, id)`` pairs ordered by HMAC score, ascending: the order every draw takes from."""
    return sorted((score(seed, i), i) for i in ids)


@lru_cache(maxsize=1)
def default_rules() -> dict[str, Any]:
    text = resources.files("huanjian.draw").joinpath("rates.json").read_text(encoding="utf-8")
    rules: dict[str, Any] = json.loads(text)
    return rules


def adjusted_rate(candidate: Candidate, rules: Mapping[str, Any]) -> float:
    """Base rate of the stratum × credit factor × risk factor, capped."""
    base = rules["base_rates"].get(candidate.stratum)
    if base is None:
        raise ValidationError(f"no draw rate for supervision class {candidate.stratum!r}", field="stratum")
    factor = 1.0
    if candidate.credit is not None:
        factor *= rules["credit_multipliers"].get(candidate.credit, {"factor": 1.0})["factor"]
    factor *= rules["risk_multipliers"].get(candidate.risk, {"factor": 1.0})["factor"]
    return float(min(rules["max_rate"], base["rate"] * factor))


def draw_count(size: int, rate: float) -> int:
    if size <= 0 or rate <= 0:
        return 0
    return min(size, max(1, math.ceil(rate * size - 1e-9)))


def bucket(candidate: Candidate, rules: Mapping[str, Any]) -> tuple[str, float]:
    """Candidates drawn together: same supervision class and same adjusted rate."""
    rate = adjusted_rate(candidate, rules)
    return f"{candidate.stratum}@{rate:g}", rate


def draw(
    seed: str, candidates: Sequence[Candidate], rules: Mapping[str, Any] | None = None
) -> tuple[list[Pick], list[StratumResult]]:
    """Draw ``ceil(rate × size)`` from each bucket, lowest HMAC scores first.

    A bucket groups candidates of one supervision class whose credit and risk
    give the same adjusted rate, so every candidate is drawn with exactly its
    own rate and the order inside a bucket is nothing but the HMAC ranking.
    """
    rules = rules or default_rules()
    buckets: dict[str, tuple[float, list[Candidate]]] = {}
    seen: set[str] = set()
    for c in candidates:
        if c.id in seen:
            raise ValidationError(f"candidate {c.id!r} is listed twice", field="id")
        seen.add(c.id)
        name, rate = bucket(c, rules)
        buckets.setdefault(name, (rate, []))[1].append(c)
    picks: list[Pick] = []
    summary: list[StratumResult] = []
    for name, (rate, members) in sorted(buckets.items()):
        k = draw_count(len(members), rate)
        ranked = rank(seed, [m.id for m in members])
        picks.extend(Pick(cid, name, i + 1, s) for i, (s, cid) in enumerate(ranked[:k]))
        summary.append(StratumResult(name, len(members), rate, k))
    return picks, summary


def verify(
    seed: str,
    published_commitment: str,
    candidates: Sequence[Candidate],
    published: Sequence[str],
    rules: Mapping[str, Any] | None = None,
) -> list[str]:
    """Problems found when re-running a published draw (empty list: it checks out)."""
    problems = []
    if commitment(seed) != published_commitment:
        problems.append("the seed does not match the commitment published before the draw")
    picks, _ = draw(seed, candidates, rules)
    recomputed = [p.id for p in picks]
    if list(published) != recomputed:
        missing = [i for i in recomputed if i not in published]
        extra = [i for i in published if i not in recomputed]
        problems.append(
            f"published result differs from the recomputed one: missing {missing}, unexpected {extra}"
        )
    return problems
