"""Browser tests: Playwright drives Debian's Chromium against a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from playwright.sync_api import expect

from studyapp.content.importing import content_import


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


def quiz_assign_to_new_cohort(
    page, live_server, *, cohort: str, quiz: str, due: str | None = None
) -> str:
    """As the logged-in instructor: create the cohort named ``cohort`` and assign it the quiz
    titled ``quiz`` (due at ``due``, a datetime-local value, when given); the invite code."""
    page.goto(f"{live_server.url}/teach/cohorts/")
    page.get_by_label("Name").fill(cohort)
    page.get_by_role("button", name="Create cohort").click()
    code = page.locator(".invite-code").inner_text()
    page.get_by_role("link", name="Assignments: quizzes, topics and cards").click()
    page.get_by_label("Take a quiz").check()
    page.get_by_label("Quiz", exact=True).select_option(label=quiz)
    if due is not None:
        page.get_by_label("Due").fill(due)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Assigned. Learners see it on their home page.")).to_be_visible()
    return code


def cohort_joined_in_new_context(browser, live_server, *, username: str, code: str):
    """A page of a new browser context (a second person's browser) where ``username`` logged in
    and joined the cohort with the invite ``code``."""
    page = browser.new_context().new_page()
    log_in(page, live_server, username=username, password="correct-horse-42")
    page.goto(f"{live_server.url}/accounts/join/")
    page.get_by_label("Invite code").fill(code)
    page.get_by_role("button", name="Join").click()
    return page


@pytest.fixture
def imported(transactional_db):
    """The shipped content (its samples, questions and lessons), imported for a browser test."""
    return content_import(settings.CONTENT_DIR)
