import pytest

from tests.speech import build_spoken_world, require_espeak


@pytest.fixture
def espeak():
    require_espeak()


@pytest.fixture
def spoken_world(county):
    return build_spoken_world(county)
