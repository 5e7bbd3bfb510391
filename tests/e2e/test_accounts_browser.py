from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_learner_signs_up_logs_out_logs_in_and_sees_the_navigation(page: Page, live_server):
    page.goto(live_server.url)
    page.get_by_role("link", name="Start studying").click()
    page.get_by_label("Username").fill("newlearner")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-17")
    page.get_by_label("Password confirmation").fill("a-long-passphrase-17")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Welcome, newlearner")).to_be_visible()

    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="You are logged out")).to_be_visible()

    log_in(page, live_server, username="newlearner", password="a-long-passphrase-17")
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Topics", "Review", "Quizzes", "Sandbox", "Progress"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(nav.get_by_role("link", name="Teach")).to_have_count(0)


def test_an_anonymous_visitor_is_sent_to_log_in_from_a_protected_page(page: Page, live_server):
    page.goto(f"{live_server.url}/topics/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/topics/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_htmx_requests_carry_the_csrf_token(page: Page, live_server, learner):
    log_in(page, live_server, username="ada", password="correct-horse-42")
    expect(page.get_by_role("heading", name="Welcome, ada")).to_be_visible()
    # An htmx POST to the logout view succeeds only with the CSRF header from <body hx-headers>.
    page.wait_for_function("() => window.htmx !== undefined")  # htmx loads deferred
    with page.expect_response(lambda r: r.url.endswith("/accounts/logout/")) as response_info:
        page.evaluate("htmx.ajax('POST', '/accounts/logout/', {target: 'main', swap: 'innerHTML'})")
    assert response_info.value.status == 200
    page.goto(f"{live_server.url}/home/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/home/")


@pytest.mark.parametrize("path", ["/home/", "/topics/", "/review/", "/quizzes/", "/sandbox/"])
def test_the_layout_fits_a_phone_screen(browser, live_server, learner, path):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") == 375
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Topics")
    ).to_be_visible()
    context.close()


NAVIGATION = ["Home", "Topics", "Review", "Quizzes", "Sandbox", "Progress"]


@pytest.mark.parametrize("width", [390, 1280])
def test_every_navigation_entry_is_on_screen_at_phone_and_desktop_widths(
    browser, live_server, learner, width
):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/home/")
    navigation = page.get_by_role("navigation", name="Main")
    for name in NAVIGATION:
        entry = navigation.get_by_role("link", name=name, exact=True)
        expect(entry).to_be_in_viewport()
        box = entry.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, name
    assert page.evaluate("document.documentElement.scrollWidth") == width
    navigation.get_by_role("link", name="Progress", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/progress/")
    context.close()
