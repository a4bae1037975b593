"""The bare view: the least a request that writes can cost on this server, to measure a ballot against.

It runs through the same middleware as every page and commits one row in a transaction of its own,
into a table no migration knows: the bench creates it with raw SQL (create_table).
"""

from django.db import connection, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

TABLE = "bench_bare_insert"
KEYS = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgresql": "BIGSERIAL PRIMARY KEY",
}


def create_table() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id {KEYS[connection.vendor]}, body VARCHAR(32) NOT NULL)")


def rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608 (a constant name)
        return cursor.fetchone()[0]


@csrf_exempt  # the clients post no token: the view only measures the cost of one write
@require_POST
def insert(request):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (body) VALUES (%s)", ["bench"])  # noqa: S608 (a constant name)
    return HttpResponse(status=204)
