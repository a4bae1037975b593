"""The PostgreSQL server the suite runs on, for tests that make databases of their own (races, files)."""

import contextlib
import uuid

import psycopg
from django.conf import settings


def postgres_server() -> dict:
    default = settings.DATABASES["default"]
    return {
        "host": default.get("HOST") or "127.0.0.1",
        "port": default.get("PORT") or 5432,
        "user": default.get("USER") or "postgres",
        "password": default.get("PASSWORD") or None,
    }


def postgres_admin(sql: str) -> None:
    """Run one statement outside any database of the suite (CREATE or DROP DATABASE)."""
    with psycopg.connect(dbname="postgres", autocommit=True, **postgres_server()) as admin:
        admin.execute(sql)


def postgres_url(name: str) -> str:
    server = postgres_server()
    credentials = server["user"] + (f":{server['password']}" if server["password"] else "")
    return f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"


@contextlib.contextmanager
def scratch_database(prefix: str, *, template: str | None = None):
    """A database of its own (a copy of `template`, if given), dropped afterwards: yields its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    postgres_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield name
    finally:
        postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
