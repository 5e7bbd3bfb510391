"""A whole review session in a real browser, by keyboard alone, and on a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from studyapp.cards.models import CardSchedule, ReviewLog
from tests.cards.conftest import deck_build
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_review_session_by_keyboard_alone_with_undo_ends_on_the_summary(
    page: Page, live_server, learner
):
    deck_build(basic_per_topic=1, topics=2)
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/review/")
    session = page.locator("#review-session")
    expect(session).to_contain_text("term 0.0")
    expect(page.locator('[data-count="new"]')).to_have_text("2")
    assert page.locator("#review-back").count() == 0  # the answer is not in the page yet

    page.keyboard.press("Space")
    expect(page.locator("#review-back")).to_contain_text("Definition 0.0.")
    expect(page.locator(".rating-4 .rating-interval")).not_to_be_empty()
    page.keyboard.press("4")

    expect(session).to_contain_text("term 1.0")
    expect(page.locator('[data-count="new"]')).to_have_text("1")
    page.keyboard.press("Space")
    expect(page.locator("#review-back")).to_contain_text("Definition 1.0.")
    page.keyboard.press("1")  # Again: it comes back in a minute
    expect(page.locator('[data-count="learning"]')).to_have_text("1")

    page.keyboard.press("u")
    expect(session).to_contain_text("Undone")
    expect(session).to_contain_text("term 1.0")
    expect(page.locator('[data-count="learning"]')).to_have_text("0")
    page.keyboard.press("Space")
    expect(page.locator("#review-back")).to_be_visible()
    page.keyboard.press("3")
    # Good on a new card means a learning step of 10 minutes: with nothing else left, it is
    # shown early (learn-ahead), so answer it once more.
    expect(page.locator("#review-card .badge")).to_have_text("Learning")
    expect(session).to_contain_text("term 1.0")
    page.keyboard.press("Space")
    expect(page.locator("#review-back")).to_be_visible()
    page.keyboard.press("3")

    expect(page.get_by_role("heading", name="Done for now")).to_be_visible()
    expect(session).to_contain_text("Answered today")
    logs = list(ReviewLog.objects.order_by("pk"))
    assert [log.rating for log in logs] == [4, 3, 3]
    assert all(log.duration_ms is not None for log in logs)
    assert CardSchedule.objects.filter(user=learner).count() == 2


def test_on_a_phone_the_answer_buttons_are_large_and_tapping_works(
    page: Page, live_server, learner
):
    deck_build(basic_per_topic=1, topics=1)
    page.set_viewport_size({"width": 375, "height": 720})
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("button", name="Show answer").click()
    again = page.locator(".rating-1")
    expect(again).to_be_visible()
    box = again.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 120
    page.locator(".rating-4").click()
    expect(page.get_by_role("heading", name="Done for now")).to_be_visible()
    assert ReviewLog.objects.get().rating == 4


def test_the_card_links_back_to_its_topic_page(page: Page, live_server, learner):
    deck = deck_build(basic_per_topic=1, topics=1)
    log_in(page, live_server, username="ada", password="correct-horse-42")
    page.goto(f"{live_server.url}/review/")
    link = page.locator(".review-topic")
    expect(link).to_have_attribute("href", deck.topics[0].get_absolute_url())
