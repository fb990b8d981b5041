"""Fixtures for the storage integration tests (the database fixtures live in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=[False, True], ids=["unnest", "copy"])
def market_copy(request: pytest.FixtureRequest) -> bool:
    """Run a test through both market write paths of store_batch: unnest statements (the default)
    and COPY (``market_copy=True``)."""
    value: bool = request.param
    return value
