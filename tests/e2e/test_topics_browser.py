"""A learner reads the course in a real browser: topic, mark read, course page, search."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lambda_course(db):
    call_command("import_content", "--source", str(settings.CONTENT_DIR), stdout=io.StringIO())


def test_a_learner_reads_a_topic_marks_it_read_and_finds_it_again_by_search(
    page: Page, live_server, learner, lambda_course
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/topics/")
    page.get_by_role("link", name="AWS Lambda", exact=True).click()
    expect(page.get_by_role("heading", name="AWS Lambda", level=1)).to_be_visible()
    expect(page.get_by_text("0 of 22 topics read")).to_be_visible()

    page.locator(".course-sections").get_by_role("link", name="Memory and Timeout").click()
    expect(page.get_by_role("heading", name="Memory and Timeout", level=1)).to_be_visible()
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumbs.get_by_role("link", name="Configuration and Management")).to_be_visible()

    page.get_by_role("button", name="Mark as read").click()
    expect(page.get_by_role("button", name="Mark as unread")).to_be_visible()
    expect(page.get_by_text("1 of 22 topics read in this course")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/topics/aws-lambda/memory-and-timeout/")

    breadcrumbs.get_by_role("link", name="AWS Lambda").click()
    expect(page.get_by_text("1 of 22 topics read")).to_be_visible()
    expect(page.locator(".topic-item.is-read")).to_have_text("✓ Memory and Timeout (read)")
    expect(page.get_by_role("link", name="Continue: Memory and Timeout")).to_be_visible()

    page.goto(f"{live_server.url}/topics/search/")
    page.get_by_label("Search topics and key terms").press_sequentially("provisioned concurrency")
    first = page.locator(".search-hit").first
    expect(first.get_by_role("link")).to_have_text("Concurrency and Scaling")
    expect(first.locator("mark").first).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/topics/search/")  # results came in place
    first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Concurrency and Scaling", level=1)).to_be_visible()


def test_a_key_terms_definition_shows_on_keyboard_focus_and_hides_on_escape(
    page: Page, live_server, learner, lambda_course
):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/topics/aws-lambda/concurrency-and-scaling/")
    term = page.get_by_role("button", name="Provisioned Concurrency")
    expect(term).to_have_accessible_description(
        "Ensures that a specific number of instances of your function are initialized and ready "
        "to respond instantly."
    )
    tooltip = page.locator("#tip-provisioned-concurrency-1")
    expect(tooltip).to_be_hidden()
    term.focus()
    expect(tooltip).to_be_visible()
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()


def test_a_tap_on_a_key_term_shows_its_definition(page: Page, live_server, learner, lambda_course):
    page.set_viewport_size({"width": 375, "height": 700})
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/topics/aws-lambda/concurrency-and-scaling/")
    page.get_by_role("button", name="Reserved Concurrency").click()
    expect(page.locator("#tip-reserved-concurrency-1")).to_be_visible()
