"""The databases a benchmark runs on: SQLite always, PostgreSQL when one answers locally.

PostgreSQL is the server at 127.0.0.1:5432 with the ``postgres`` user and trust authentication
(as a development machine has it). Each run gets a fresh database, dropped after it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
from collections.abc import Iterator

HOST, PORT, USER = "127.0.0.1", 5432, "postgres"
LABEL = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def postgres_admin(sql: str) -> str:
    completed = subprocess.run(
        ["psql", "-h", HOST, "-p", str(PORT), "-U", USER, "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "3"},
    )
    return completed.stdout.strip()


def postgres_answers() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=1):
            pass
        return postgres_admin("select 1") == "1"
    except (OSError, subprocess.SubprocessError):
        return False


def available() -> list[str]:
    return ["sqlite"] + (["postgres"] if postgres_answers() else [])


@contextlib.contextmanager
def fresh_postgres(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run; its DATABASE_URL. Dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    postgres_admin(f"CREATE DATABASE {name}")
    try:
        yield f"postgres://{USER}@{HOST}:{PORT}/{name}"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            postgres_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
