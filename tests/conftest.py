"""Shared fixtures: two villages in one township, a third in another, and one account per role."""

import os
from dataclasses import dataclass
from io import StringIO

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from portal.models import Role, Township, Village
from portal.services.roles import role_grant
from tests.factories import TownshipFactory, UserFactory, VillageFactory


@dataclass
class County:
    township: Township
    village: Village
    neighbour: Village  # same township
    elsewhere: Village  # another township
    superuser: object
    township_admin: object
    moderator: object
    operator: object
    cadre: object
    nobody: object  # signed in, holds no role


@pytest.fixture
def county(db):
    township = TownshipFactory(name="Tograk Township", code="653121100")
    other_township = TownshipFactory(name="Yengi Township", code="653121200")
    village = VillageFactory(township=township, name="Bostan", code="653121100201")
    neighbour = VillageFactory(township=township, name="Yulghun", code="653121100202")
    elsewhere = VillageFactory(township=other_township, name="Arish", code="653121200201")
    superuser = get_user_model().objects.create_superuser("root", password="root-password-123")
    accounts = {
        name: UserFactory(username=name) for name in ("admin1", "moderator1", "operator1", "cadre1", "nobody")
    }
    role_grant(user=accounts["admin1"], role=Role.TOWNSHIP_ADMIN, township=township, by=superuser)
    role_grant(user=accounts["moderator1"], role=Role.VILLAGE_MODERATOR, village=village, by=superuser)
    role_grant(user=accounts["operator1"], role=Role.MEETING_OPERATOR, village=village, by=superuser)
    role_grant(user=accounts["cadre1"], role=Role.CADRE, village=village, by=superuser)
    return County(
        township=township,
        village=village,
        neighbour=neighbour,
        elsewhere=elsewhere,
        superuser=superuser,
        township_admin=accounts["admin1"],
        moderator=accounts["moderator1"],
        operator=accounts["operator1"],
        cadre=accounts["cadre1"],
        nobody=accounts["nobody"],
    )


@pytest.fixture(autouse=True)
def empty_cache():
    """Django's cache, empty before and after every test: what is counted or kept in it (rate limits, a
    meeting's ballot, its page) would outlive a test, and the next test's rows may reuse the ids."""
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """The demo, seeded once per test module (it casts hundreds of ballots); yields what it printed.

    Each test still runs in a transaction rolled back after it; the module leaves an empty database.
    """
    out = StringIO()
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=out, stderr=out)
    yield out.getvalue()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def english():
    """Messages in English, the language the tests read; the site's default is Chinese.

    A module asks for it (and for `english_pages`) with `pytestmark = pytest.mark.usefixtures(...)`.
    """
    with translation.override("en"):
        yield


@pytest.fixture
def english_pages(client):
    """The test client asks for pages in English, the language the tests read."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def pytest_collection_modifyitems(config, items):
    """A test marked postgresql_only is not collected on SQLite: it says something only PostgreSQL can
    show (several servers on one database, two writers at once), and CI runs the suite on both."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql_only")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql_only")]


@pytest.fixture(scope="session")
def redis_url():
    """The Redis that the tests of several app servers share: REDIS_URL_FOR_TESTS, else the local one's
    database 15 (.ci/run starts a Redis). Missing, the test is skipped with a message; in CI (CI=true)
    it fails. Each test keeps its keys apart under a prefix of its own (PORTAL_CACHE_PREFIX)."""
    url = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {url}; .ci/run starts it.")
        pytest.skip(f"Redis is not reachable at {url} (apt-get install redis-server).")
    return url
