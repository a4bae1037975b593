"""Fixtures of the ballot tests. The open vote, which each module builds with options of its own, and the
operator's desk are built by tests/worlds.py."""

import pytest
from django.core.cache import cache

from tests.worlds import OperatorWorld, build_operator_world


@pytest.fixture(autouse=True)
def fresh_cache():
    """Django's cache, empty for every ballot test: it keeps the ballot page's body (by meeting id, which
    a test database hands out again) and the wrong codes counted per phone address."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def operator_world(county) -> OperatorWorld:
    """An announced meeting in each of the county's villages and the rolls the operator hands codes from."""
    return build_operator_world(county)
