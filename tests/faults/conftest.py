"""Fixtures of the fault tests: the app served by gunicorn on a file SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.server import WebServer, app_env, prepare_database

LEARNERS = ["ada", "bo", "cy", "di", "ed", "flo"]


@dataclass
class App:
    server: WebServer
    database: Path


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[App]:
    """A fresh VAR_DIR with the shipped content and a few learners, served as `make run` does."""
    folder = tmp_path_factory.mktemp("app")
    env = app_env(folder)
    prepare_database(env, learners=LEARNERS)
    server = WebServer(env=env, log=folder / "web.log")
    server.start()
    try:
        yield App(server=server, database=folder / "db.sqlite3")
    finally:
        server.kill()
