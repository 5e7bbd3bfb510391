"""Shared test set-up: real database, real browser (Debian's Chromium) for tests marked browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

pytest_plugins = [
    "tests.plugins.sandbox_engine",
    "tests.plugins.content",
    "tests.plugins.courses",
    "tests.plugins.teaching",
    "tests.plugins.task_worker",
    "tests.plugins.prepared_var",
]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    "no Chromium at {path}: install Debian's browser with `apt-get install chromium` "
    "(or set CHROMIUM to its path) to run the browser tests"
)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run browser tests last, and skip them (or fail, with REQUIRE_BROWSER=1) without Chromium."""
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    items[:] = [item for item in items if not item.get_closest_marker("browser")] + browser_items
    if chromium_available() or not browser_items:
        return
    message = INSTALL_HINT.format(path=CHROMIUM)
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but {message}")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session", autouse=True)
def plain_static_storage() -> None:
    """Serve static files from the finders in tests: no collectstatic manifest is needed."""
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> None:
    """Hash test passwords with a cheap hasher: PBKDF2's deliberate cost, paid for every user a
    test creates or logs in, only slows the suite (production keeps Django's default)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# The sandbox service's shared secret for a checkout where `manage.py secret_key_create` has not
# run (a fresh clone in CI): the services the tests start get it through their environment.
TEST_SANDBOX_SECRET = "test-suite-sandbox-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def topic_pages_forgotten() -> None:
    """Each test starts with no topic page kept in this process. A test's rows are rolled back,
    so the next test may reuse their ids and content versions for other content (production
    never takes an id back: every write commits, and its version moves on)."""
    from studyapp.topics.pages import topic_pages_forget

    topic_pages_forget()


@pytest.fixture(autouse=True)
def dashboard_topics_forgotten() -> None:
    """Each test starts with no dashboard topic list kept in this process (the same reason:
    rolled-back rows let the next test reuse their ids and course versions)."""
    from studyapp.progress.selectors import topics_kept_forget

    topics_kept_forget()


@pytest.fixture(scope="session", autouse=True)
def sandbox_secret() -> str:
    """The secret this test session signs sandbox requests with (settings.SANDBOX_SECRET)."""
    from django.conf import settings

    if not settings.SANDBOX_SECRET:
        settings.SANDBOX_SECRET = TEST_SANDBOX_SECRET
    return settings.SANDBOX_SECRET


@pytest.fixture
def latest_migrations_afterwards(transactional_db):
    """For a test that migrates the database back: every migration applied again afterwards, so
    the tests after it find the schema they expect."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def learner(django_user_model):
    # Verified for the sandbox, as a cohort member would be: most tests run functions.
    return django_user_model.objects.create_user(
        username="ada", password="correct-horse-42", sandbox_verified=True
    )


@pytest.fixture
def instructor(django_user_model):
    from studyapp.accounts.roles import instructor_grant

    user = django_user_model.objects.create_user(username="grace", password="correct-horse-42")
    instructor_grant(user=user)
    return user


@pytest.fixture
def other_instructor(django_user_model):
    """An instructor who is not ``instructor``: for what one instructor must not reach of
    another's."""
    from studyapp.accounts.roles import instructor_grant

    user = django_user_model.objects.create_user(username="hopper", password="correct-horse-42")
    instructor_grant(user=user)
    return user


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def instructor_client(client, instructor):
    client.force_login(instructor)
    return client
