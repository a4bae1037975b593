"""With REDIS_URL, the limits kept in the cache hold across app servers; without it, each counts alone.

Two app server processes are stood in for by two Python processes with the test settings, each
checking receipts from the same address. The receipt-check limit is the one kept in the cache (the
others are counted in the rows they write, which every server shares already).

Redis: tests/conftest.py's `redis_url`. Outside CI a missing Redis skips with a message; in CI
(CI=true) it is a failure.
"""

import os
import subprocess
import sys
import uuid

from django.conf import settings

LIMIT = 5
SPEND = """
import django
django.setup()
from portal import ratelimit
from portal.ratelimit import RateLimited
refused = 0
for _ in range({count}):
    try:
        ratelimit.receipt_checks().spend("203.0.113.7")
    except RateLimited:
        refused += 1
print(refused)
"""


def server(count: int, *, redis_url: str = "", prefix: str = "") -> int:
    """A process of its own, as an app server is: how many of `count` receipt checks it refused."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PORTAL_RECEIPT_CHECKS_PER_WINDOW": str(LIMIT),
        "REDIS_URL": redis_url,
        "PORTAL_CACHE_PREFIX": prefix,
    }
    done = subprocess.run(
        [sys.executable, "-c", SPEND.format(count=count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env=environment,
        timeout=60,
    )
    return int(done.stdout.strip().splitlines()[-1])


def test_with_redis_two_servers_count_as_one(redis_url):
    prefix = f"test-{uuid.uuid4().hex}"  # a fresh count, whatever an earlier run left
    assert server(3, redis_url=redis_url, prefix=prefix) == 0
    # The second server sees the first one's three: two more pass, the third is refused, and so on.
    assert server(3, redis_url=redis_url, prefix=prefix) == 1
    assert server(2, redis_url=redis_url, prefix=prefix) == 2


def test_without_redis_each_server_counts_alone():
    """The laptop's default: the limit holds per process (one server: the venue's laptop)."""
    assert server(3) == 0
    assert server(3) == 0
    assert server(LIMIT + 2) == 2
