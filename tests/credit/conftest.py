"""The credit world most tests use: the register of ``builders.build`` and full data quality
for its outlet.  Files that need other quality figures define their own ``world``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from huanjian.core.tx import Tx
from huanjian.credit import inputs
from tests.credit.builders import CreditWorld, build, fake_quality


@pytest.fixture
def world(tx: Tx) -> Iterator[CreditWorld]:
    w = build(tx)
    inputs.use_provider(fake_quality({w.outlet: (100, 100, 100)}))
    yield w
    inputs.use_provider(None)
