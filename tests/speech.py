"""The spoken ballot's tests need Debian's espeak-ng: CI installs it (.ci/run), elsewhere they skip."""

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import cache

from ratings.speech import services
from tests.worlds import KioskWorld, build_kiosk_world


def require_espeak() -> None:
    if shutil.which(settings.SPEECH_COMMAND) is None:
        message = f"{settings.SPEECH_COMMAND} is not installed: apt-get install espeak-ng"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # CI installs it: a skipped test there would hide a broken setup
        pytest.skip(message)


def build_spoken_world(county) -> KioskWorld:
    """A kiosk world whose meeting has a spoken ballot, its voices made for what the ballot shows.

    The kiosk world gives the cadres their posts and the households their residents once voting has
    opened; the voices are made again for them (making them is idempotent), as a clerk would."""
    require_espeak()
    world = build_kiosk_world(county, cadres=2, codes=4, spoken_ballot=True)
    cache.clear()  # the ballot page rendered at the opening, before the posts were given
    services.speech_prepare(meeting=world.meeting, by=county.operator)
    return world
