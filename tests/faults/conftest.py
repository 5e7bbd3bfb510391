"""Fixtures of the fault tests: the app served by gunicorn on a file SQLite database (``app``),
or the whole app as `make run` serves it (``stack``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.server import WebServer, app_env, manage, prepare_database
from tests.faults.supervised import Stack, stack_start

LEARNERS = ["ada", "bo", "cy", "di", "ed", "flo"]


@dataclass
class App:
    server: WebServer
    database: Path


@pytest.fixture(scope="module")
def app(tmp_path_factory, prepared_var_dir) -> Iterator[App]:
    """A fresh VAR_DIR with the shipped content and a few learners, served as `make run` does."""
    folder = tmp_path_factory.mktemp("app")
    env = app_env(folder)
    prepare_database(env, prepared=prepared_var_dir, learners=LEARNERS)
    server = WebServer(env=env, log=folder / "web.log")
    server.start()
    try:
        yield App(server=server, database=folder / "db.sqlite3")
    finally:
        server.kill()


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest, tmp_path_factory, prepared_var_dir) -> Iterator[Stack]:
    """`python -m studyapp.processes` (what `make run` ends with) for the whole module, on a
    fresh VAR_DIR with the shipped content. The module names its learners in STACK_LEARNERS and
    what else its tests need in STACK_SETUP, Python run by `manage.py shell` before the start."""
    module = request.module
    folder = tmp_path_factory.mktemp("make-run")
    env = app_env(folder)
    prepare_database(env, prepared=prepared_var_dir, learners=module.STACK_LEARNERS)
    manage(env, "shell", "-c", module.STACK_SETUP)
    running = stack_start(folder, env)
    try:
        yield running
    finally:
        running.kill_all()


@pytest.fixture
def full_isolation(stack: Stack) -> None:
    """A learner's own function runs only with the sandbox's full isolation: skip without it."""
    from studyapp.engine import client

    health = client.health(base_url=stack.sandbox_url, secret=stack.sandbox_secret)
    if not health["full_isolation"]:
        pytest.skip("learner code needs full isolation: " + "; ".join(health["host"]["missing"]))
