"""A scratch PostgreSQL database for the benchmarks that measure PostgreSQL beside SQLite.

Imported by the benchmarks (they run as scripts, so this folder is on their path); run on its own
(`make bench` runs every file here) it does nothing.
"""

import os
import urllib.parse
import uuid


class ScratchPostgres:
    """A database made on BENCH_DATABASE_URL's server, named after it with a random suffix, and dropped
    afterwards whatever happened."""

    def __init__(self, default_name: str):
        self.default_name = default_name

    def __enter__(self) -> str:
        self.server = urllib.parse.urlsplit(os.environ["BENCH_DATABASE_URL"])
        self.name = f"{self.server.path.lstrip('/') or self.default_name}_{uuid.uuid4().hex[:8]}"
        self._admin(f'CREATE DATABASE "{self.name}"')
        return urllib.parse.urlunsplit(self.server._replace(path=f"/{self.name}"))

    def __exit__(self, *exc) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        admin = urllib.parse.urlunsplit(self.server._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql)
