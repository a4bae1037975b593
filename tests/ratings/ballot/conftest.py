"""Fixtures of the ballot tests. The open vote, which each module builds with options of its own, and the
operator's desk are built by tests/worlds.py."""

import pytest

from tests.worlds import OperatorWorld, build_operator_world


@pytest.fixture
def operator_world(county) -> OperatorWorld:
    """An announced meeting in each of the county's villages and the rolls the operator hands codes from."""
    return build_operator_world(county)
