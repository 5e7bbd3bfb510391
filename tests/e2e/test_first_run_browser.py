"""A new learner's first hour in a real browser, on a phone and on a desktop: sign up, the start
on Home, study settings, the first topic, the first review, the first practice answer, and then
Home is the dashboard."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from studyapp.cards.models import ReviewLog, StudySettings
from studyapp.quizzes.models import AttemptQuestion
from tests.e2e.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") == width


def sign_up(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url)
    page.get_by_role("link", name="Start studying").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-17")
    page.get_by_label("Password confirmation").fill("a-long-passphrase-17")
    page.get_by_role("button", name="Sign up").click()


def go_home(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home", exact=True).click()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_new_learner_goes_from_sign_up_through_the_start_to_the_dashboard(
    browser: Browser, live_server, api_samples, width
):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    sign_up(page, live_server, f"first{width}")
    expect(page.get_by_role("heading", name=f"Welcome, first{width}")).to_be_visible()
    start = page.get_by_role("region", name="Start here")
    expect(start).to_be_visible()
    expect(page.get_by_label("Today at a glance")).to_have_count(0)
    fits(page, width)

    page.get_by_label("Desired retention").fill("0.85")
    page.get_by_label("New cards a day").fill("10")
    page.get_by_role("button", name="Save my settings").click()
    expect(page.get_by_text("Study settings saved. Next: open the first topic.")).to_be_visible()
    expect(page.locator("#start-settings .badge-step-done")).to_have_text("done")
    settings = StudySettings.objects.get(user__username=f"first{width}")
    assert (settings.desired_retention, settings.new_per_day) == (0.85, 10)

    topic_link = page.locator("#start-topic a")
    title = topic_link.inner_text().removeprefix("Open ")
    topic_link.click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    go_home(page)
    expect(page.locator("#start-topic .badge-step-done")).to_have_text("done")

    page.get_by_role("link", name="Start the first review").click()
    page.get_by_role("button", name="Show answer").click()
    page.locator(".rating-3").click()
    expect(page.locator('[data-count="new"]')).to_have_text("9")
    assert ReviewLog.objects.filter(user__username=f"first{width}").count() == 1
    go_home(page)
    expect(page.locator("#start-review .badge-step-done")).to_have_text("done")

    page.locator("#start-practice button").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Question 1 of \d+$"))).to_be_visible()
    choices = page.locator(".quiz-choice")
    if choices.count():
        choices.first.click()
    else:
        page.locator("#practice-question input[type=text]").first.fill("an answer")
    page.get_by_role("button", name="Check answer").click()
    expect(page.locator(".quiz-verdict")).to_contain_text(re.compile("Correct|Incorrect|Partly"))
    assert AttemptQuestion.objects.filter(
        attempt__user__username=f"first{width}", answered_at__isnull=False
    ).exists()

    go_home(page)
    expect(page.get_by_label("Today at a glance")).to_be_visible()
    expect(page.get_by_role("region", name="Start here")).to_have_count(0)
    fits(page, width)
    context.close()


def test_the_start_and_the_sandbox_note_of_a_new_account_pass_axe(
    page: Page, live_server, api_samples
):
    sign_up(page, live_server, "axe-newcomer")
    expect(page.get_by_role("region", name="Start here")).to_be_visible()
    axe = Axe()
    problems = [f"/home/: {v}" for v in violations(page, axe)]
    page.goto(f"{live_server.url}/sandbox/")
    expect(
        page.get_by_role("heading", name="Running code needs a verified account")
    ).to_be_visible()
    problems += [f"/sandbox/: {v}" for v in violations(page, axe)]
    assert problems == []
