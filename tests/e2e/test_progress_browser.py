"""The demo learner's and demo instructor's dashboards in a real browser, on seeded data."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from studyapp.accounts.demo import DEMO_LOGINS
from studyapp.progress.demo_data import demo_seed
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGINS = {login.role: login for login in DEMO_LOGINS}


@pytest.fixture
def seeded():
    return demo_seed(learners=4, reviews=1200, now=timezone.now(), topics=4, cards_per_topic=40)


def test_the_demo_learner_sees_charts_with_their_numbers_a_click_away(
    page: Page, live_server, seeded
):
    login = LOGINS["learner"]
    log_in(page, live_server, username=login.username, password=login.password)
    expect(page.get_by_role("heading", name=f"Welcome, {login.username}")).to_be_visible()
    charts = page.locator("figure.chart-figure svg.chart[role=img]")
    expect(charts).to_have_count(5)
    forecast = page.locator("#chart-forecast")
    table = forecast.get_by_role("table")
    expect(table).to_be_hidden()
    forecast.get_by_text("Show the numbers").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Cards")).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(30)
    expect(
        page.locator(
            "#chart-heatmap rect.heat-1, #chart-heatmap rect.heat-2, "
            "#chart-heatmap rect.heat-3, #chart-heatmap rect.heat-4"
        ).first
    ).to_be_attached()
    expect(page.get_by_role("heading", name="Course map")).to_be_visible()


def test_the_demo_instructor_opens_the_cohort_dashboard_from_teach(page: Page, live_server, seeded):
    login = LOGINS["instructor"]
    log_in(page, live_server, username=login.username, password=login.password)
    page.goto(f"{live_server.url}/teach/")
    page.get_by_role("link", name="Demo cohort").click()
    expect(page.get_by_role("heading", name="Demo cohort: progress")).to_be_visible()
    expect(page.locator("table.cohort-table tbody tr")).to_have_count(4)
    heatmap = page.locator("#chart-mastery")
    expect(heatmap.locator("svg.chart")).to_be_visible()
    heatmap.get_by_text("Show the numbers").click()
    expect(heatmap.get_by_role("table").locator("tbody tr")).to_have_count(4)


def test_the_learner_dashboard_fits_a_phone_screen(page: Page, live_server, seeded):
    page.set_viewport_size({"width": 375, "height": 800})
    login = LOGINS["learner"]
    log_in(page, live_server, username=login.username, password=login.password)
    expect(page.locator("#chart-forecast svg")).to_be_visible()
    # The page's own content stays within the screen (wide tables scroll inside .table-wrap).
    assert _debug_widest(page) == []


def _debug_widest(page) -> list[str]:
    """Elements of the page's content that reach past the right edge of the screen."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main *')]
        .filter(e => !e.closest('.table-wrap'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 8).map(e => e.tagName + '.' + e.className)"""
    )
