"""Fixtures for API and page tests: the real app on the rolled-back database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from huanjian.core.runtime import Runtime
from huanjian.web.app import create_app


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url="http://testserver") as c:
        yield c
