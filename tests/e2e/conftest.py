"""Browser tests: Playwright drives Debian's Chromium against a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def allow_sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread for the rest of the session.

    The ORM calls the tests make between browser steps are still synchronous and safe. Browser
    tests run last (tests/conftest.py orders them), so no other test runs with this set.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def log_in(page, live_server, *, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
