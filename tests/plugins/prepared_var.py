"""A VAR_DIR as `make run` prepares it, made once per test session.

`make run` creates the secret keys, migrates the SQLite file, collects the static files and
imports the shipped content before it starts anything: about 15 s of separate processes. Tests
that start the app in processes of their own (the fault tests, gunicorn, the task worker, an rq
worker) each start from a copy of this folder (``tests.faults.server.var_dir_copy``) instead of
preparing their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.server import app_env, manage

MAKE_RUN_PREPARATION = (
    ("secret_key_create",),
    ("migrate", "--noinput"),
    ("collectstatic", "--noinput", "--verbosity", "0"),
    ("import_content",),
)


@pytest.fixture(scope="session")
def prepared_var_dir(tmp_path_factory) -> Path:
    """The folder every copy starts from: never start a process on it."""
    folder = tmp_path_factory.mktemp("prepared-var")
    env = app_env(folder)
    for command in MAKE_RUN_PREPARATION:
        manage(env, *command)
    return folder
