"""Chart labels are never cut off, on a phone and on a desktop; the cohort table's names lead to
each learner's detail page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from studyapp.accounts.cohorts import cohort_create
from studyapp.accounts.models import Membership
from tests.e2e.conftest import log_in
from tests.progress.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "a-learner-with-a-remarkably-long-username"
LONG_TOPIC = "Provisioned Concurrency, Reserved Concurrency and Account Limits"

# Every text of the chart, as drawn: its box on screen must lie within the chart's.
OUTSIDE = """(svg) => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].filter((text) => {
    const r = text.getBoundingClientRect();
    return r.left < box.left - 0.5 || r.right > box.right + 0.5
        || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
  }).map((text) => text.textContent);
}"""


@pytest.fixture
def studied_cohort(instructor, django_user_model):
    now = timezone.now()
    world = World()
    world.topics[1].title = LONG_TOPIC
    world.topics[1].save()
    learner = django_user_model.objects.create_user(
        username=LONG_NAME, password="correct-horse-42", start_dismissed_at=now
    )
    cohort = cohort_create(instructor=instructor, name="Spring class")
    Membership.objects.create(cohort=cohort, user=learner, joined_at=now - timedelta(days=30))
    for topic in world.topics:
        question = world.question(topic=topic, domain="D1")
        world.attempt(learner, answers=[(question, True)], at=now - timedelta(days=1))
    world.review(learner, at=now - timedelta(days=1))
    return cohort


def page_at(browser: Browser, width: int) -> Page:
    return browser.new_context(viewport={"width": width, "height": 900}).new_page()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_mastery_charts_labels_stay_inside_it_and_a_name_leads_to_the_learner(
    browser: Browser, live_server, studied_cohort, width
):
    page = page_at(browser, width)
    log_in(page, live_server, username="grace", password="correct-horse-42")
    page.goto(f"{live_server.url}/progress/cohorts/{studied_cohort.id}/")
    chart = page.locator("#chart-mastery svg")
    expect(chart).to_be_visible()
    assert chart.evaluate(OUTSIDE) == []
    expect(chart.locator("text title", has_text=LONG_TOPIC)).to_have_count(1)  # its whole name

    page.get_by_role("link", name=LONG_NAME).click()
    expect(page.get_by_role("heading", name=f"{LONG_NAME} in Spring class")).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_readiness_charts_domain_names_stay_inside_it(
    browser: Browser, live_server, studied_cohort, width
):
    page = page_at(browser, width)
    log_in(page, live_server, username=LONG_NAME, password="correct-horse-42")
    page.goto(f"{live_server.url}/home/")  # waits for the load event: the stylesheet sizes the text
    chart = page.locator("#chart-readiness svg")
    expect(chart).to_be_visible()
    assert chart.evaluate(OUTSIDE) == []
    page.context.close()
